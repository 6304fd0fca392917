// The WGSL meaning of every op on floating-point elements; one function per op, named as in
// src/op.rs (`op_<name>` for Op, `bin_<name>` for BinOp). Code generation replaces the
// `alias elem` line with the kernel's type.
//
// Accuracy is WGSL's (see README): + - * exact, / 2.5 ULP, exp 3 + 2|x| ULP, log 2^-21
// absolute on [0.5, 2], sin/cos 2^-11 absolute on [-pi, pi]. NaN and infinities are not
// guaranteed on the GPU; where WGSL leaves room (pow of a negative base, tanh and sigmoid far
// out) these helpers give numpy's finite answers.
alias elem = f32;

fn op_scale(x: elem, s: elem) -> elem { return x * s; }
fn op_add(x: elem, s: elem) -> elem { return x + s; }
fn op_sub(x: elem, s: elem) -> elem { return x - s; }
fn op_div(x: elem, s: elem) -> elem { return x / s; }
// WGSL leaves min/max of NaN open; numpy's minimum, maximum and clip give NaN. NaN is tested
// on the bits, which no fast-math rewrite can fold away.
fn is_nan(x: elem) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
// A NaN made at run time (a NaN constant is a shader-creation error).
fn nan_like(x: elem) -> elem { return bitcast<elem>(bitcast<u32>(x) | 0x7fc00000u); }
// +∞ made at run time
fn inf_like(x: elem) -> elem { return bitcast<elem>((bitcast<u32>(x) & 0u) | 0x7f800000u); }
// nonzero, NaN included: numpy's truth of a number
fn truthy(x: elem) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) != 0u; }
fn op_min(x: elem, s: elem) -> elem { return select(min(x, s), nan_like(x), is_nan(x) || is_nan(s)); }
fn op_max(x: elem, s: elem) -> elem { return select(max(x, s), nan_like(x), is_nan(x) || is_nan(s)); }
fn op_clamp(x: elem, lo: elem, hi: elem) -> elem { return op_min(op_max(x, lo), hi); }

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

fn op_neg(x: elem) -> elem { return -x; }
fn op_abs(x: elem) -> elem { return abs(x); }
fn op_square(x: elem) -> elem { return x * x; }
fn op_sqrt(x: elem) -> elem { return sqrt(x); }
fn op_recip(x: elem) -> elem { return 1.0 / x; }
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
fn op_relu(x: elem) -> elem { return max(x, 0.0); }
fn op_floor(x: elem) -> elem { return floor(x); }
fn op_ceil(x: elem) -> elem { return ceil(x); }
// WGSL's round is half-to-even, as numpy's.
fn op_round(x: elem) -> elem { return round(x); }

fn bin_add(a: elem, b: elem) -> elem { return a + b; }
fn bin_sub(a: elem, b: elem) -> elem { return a - b; }
fn bin_mul(a: elem, b: elem) -> elem { return a * b; }
fn bin_div(a: elem, b: elem) -> elem { return a / b; }
fn bin_min(a: elem, b: elem) -> elem { return op_min(a, b); }
fn bin_max(a: elem, b: elem) -> elem { return op_max(a, b); }
fn bin_pow(a: elem, b: elem) -> elem { return op_pow(a, b); }

// numpy's other float functions: WGSL's built-ins (their accuracy is WGSL's: 4096 ULP for
// the arc functions, the others inherited from exp, log and sqrt), with the Taylor
// polynomial below |x| = 2^-5 where the built-in's formula cancels (the CPU does the same).
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
// numpy's sign: ±0 gives +0, NaN stays NaN
fn op_sign(x: elem) -> elem {
    return select(select(select(x, 0.0, x == 0.0), -1.0, x < 0.0), 1.0, x > 0.0);
}
fn op_isnan(x: elem) -> elem { return select(0.0, 1.0, is_nan(x)); }
fn op_isinf(x: elem) -> elem { return select(0.0, 1.0, (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u); }
fn op_isfinite(x: elem) -> elem { return select(0.0, 1.0, (bitcast<u32>(x) & 0x7fffffffu) < 0x7f800000u); }
fn op_logical_not(x: elem) -> elem { return select(1.0, 0.0, truthy(x)); }

// numpy's divmod for a nonzero divisor: q = floor(a / b) and r = a - q·b, each corrected
// by one step where the rounded quotient landed on the wrong side of an integer, so r has
// the divisor's sign and |r| < |b|. Exact wherever q·b is (|q|·b's significand fits 24
// bits: every test case here); beyond, within an ULP of b, where the CPU uses C's fmod.
fn divmod(a: elem, b: elem) -> vec2<elem> {
    var q = floor(a / b);
    var m = a - q * b;
    if (m != 0.0 && ((m < 0.0) != (b < 0.0))) {
        q = q - 1.0;
        m = m + b;
    }
    if (abs(m) >= abs(b)) {
        q = q + 1.0;
        m = m - b;
    }
    m = select(m, bin_copysign(0.0, b), m == 0.0);
    q = select(q, bin_copysign(0.0, a / b), q == 0.0);
    return vec2<elem>(q, m);
}
fn op_floor_divide(x: elem, s: elem) -> elem { return select(divmod(x, s).x, x / s, s == 0.0); }
fn op_remainder(x: elem, s: elem) -> elem { return select(divmod(x, s).y, nan_like(x), s == 0.0); }

fn bin_arctan2(a: elem, b: elem) -> elem { return atan2(a, b); }
// without overflow: the larger magnitude times sqrt(1 + r²); ∞ whenever either is ∞
fn bin_hypot(a: elem, b: elem) -> elem {
    let m = max(abs(a), abs(b));
    let n = min(abs(a), abs(b));
    let r = n / m;
    let h = select(m * sqrt(1.0 + r * r), m, n == 0.0);
    let inf = (bitcast<u32>(a) & 0x7fffffffu) == 0x7f800000u || (bitcast<u32>(b) & 0x7fffffffu) == 0x7f800000u;
    return select(select(h, nan_like(a), is_nan(a) || is_nan(b)), inf_like(a), inf);
}
fn bin_copysign(a: elem, b: elem) -> elem {
    return bitcast<elem>((bitcast<u32>(a) & 0x7fffffffu) | (bitcast<u32>(b) & 0x80000000u));
}
fn bin_floor_divide(a: elem, b: elem) -> elem { return op_floor_divide(a, b); }
fn bin_remainder(a: elem, b: elem) -> elem { return op_remainder(a, b); }
fn bin_logical_and(a: elem, b: elem) -> elem { return select(0.0, 1.0, truthy(a) && truthy(b)); }
fn bin_logical_or(a: elem, b: elem) -> elem { return select(0.0, 1.0, truthy(a) || truthy(b)); }
fn bin_logical_xor(a: elem, b: elem) -> elem { return select(0.0, 1.0, truthy(a) != truthy(b)); }
fn tri_where(c: elem, a: elem, b: elem) -> elem { return select(b, a, truthy(c)); }
