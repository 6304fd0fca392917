// The float ops built on WGSL's transcendental built-ins (exp, log, sin, pow, atan2, ...),
// for f32 kernels: naga writes these built-ins for f64 as SPIR-V that drivers reject or
// miscompute (wgpu issue 6087), so an f64 kernel includes transcendental64.wgsl instead,
// the same ops in plain f64 arithmetic. Uses float.wgsl's helpers.
//
// Accuracy is WGSL's (see README): exp 3 + 2|x| ULP, log 2^-21 absolute on [0.5, 2],
// sin/cos 2^-11 absolute on [-pi, pi], 4096 ULP for the arc functions, the others inherited
// from exp, log and sqrt; where WGSL leaves room (pow of a negative base, tanh and sigmoid
// far out) these helpers give numpy's finite answers.
alias elem = f32;

// C/numpy pow: x^0 == 1 for every x; a negative base with an integer exponent keeps its
// sign for odd exponents (WGSL's pow is exp2(y * log2(x)), undefined for x < 0).
fn op_pow(x: elem, y: elem) -> elem {
    if (y == 0.0) {
        return 1.0;
    }
    if (x < 0.0 && floor(y) == y) {
        let r = pow(-x, y);
        let half = y * 0.5;
        return select(r, -r, floor(half) != half);
    }
    return pow(x, y);
}
fn bin_pow(a: elem, b: elem) -> elem { return op_pow(a, b); }

fn op_exp(x: elem) -> elem { return exp(x); }
fn op_log(x: elem) -> elem { return log(x); }
fn op_sin(x: elem) -> elem { return sin(x); }
fn op_cos(x: elem) -> elem { return cos(x); }
// |tanh(x)| rounds to 1 in f32 past |x| = 9.01; clamping keeps sinh/cosh from overflowing.
fn op_tanh(x: elem) -> elem { return tanh(clamp(x, -10.0, 10.0)); }
// e^-|x| never overflows; below 0 the answer is e^x / (1 + e^x), which keeps its tiny value.
fn op_sigmoid(x: elem) -> elem {
    let e = exp(-abs(x));
    return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}

// numpy's other float functions: WGSL's built-ins, with the Taylor polynomial below
// |x| = 2^-5 where the built-in's formula cancels (the CPU does the same).
fn op_tan(x: elem) -> elem { return tan(x); }
// as WGSL defines them, from atan2, with 1 - x² as (1 - x)(1 + x), exact near ±1 (a GL
// target's own asin and acos are looser)
fn op_arcsin(x: elem) -> elem { return atan2(x, sqrt((1.0 - x) * (1.0 + x))); }
fn op_arccos(x: elem) -> elem { return atan2(sqrt((1.0 - x) * (1.0 + x)), x); }
fn op_arctan(x: elem) -> elem { return atan(x); }
fn op_sinh(x: elem) -> elem {
    let z = x * x;
    return select(sinh(x), x + x * z * (1.0 / 6.0 + z * (1.0 / 120.0)), abs(x) < 0.03125);
}
fn op_cosh(x: elem) -> elem { return cosh(x); }
fn op_arcsinh(x: elem) -> elem {
    let z = x * x;
    return select(asinh(x), x * (1.0 + z * (-1.0 / 6.0 + z * (3.0 / 40.0))), abs(x) < 0.03125);
}
// x² - 1 as (x - 1)(x + 1): exact near 1, where WGSL's acosh formula loses half the digits
fn op_arccosh(x: elem) -> elem { return log(x + sqrt((x - 1.0) * (x + 1.0))); }
fn op_arctanh(x: elem) -> elem {
    let z = x * x;
    return select(atanh(x), x + x * z * (1.0 / 3.0 + z * 0.2), abs(x) < 0.03125);
}
fn op_exp2(x: elem) -> elem { return exp2(x); }
fn op_expm1(x: elem) -> elem {
    let p = x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0)))));
    return select(exp(x) - 1.0, p, abs(x) < 0.03125);
}
fn op_log2(x: elem) -> elem { return log2(x); }
fn op_log10(x: elem) -> elem { return log2(x) * 0.30102999566398120; }
fn op_log1p(x: elem) -> elem {
    let p = x * (1.0 + x * (-0.5 + x * (1.0 / 3.0 + x * (-0.25 + x * 0.2))));
    return select(log(1.0 + x), p, abs(x) < 0.03125);
}
fn op_cbrt(x: elem) -> elem {
    let r = exp2(log2(abs(x)) * (1.0 / 3.0));
    return select(select(r, -r, x < 0.0), x, x == 0.0 || is_nan(x));
}
fn bin_arctan2(a: elem, b: elem) -> elem { return atan2(a, b); }
