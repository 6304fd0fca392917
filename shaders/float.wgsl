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
fn op_min(x: elem, s: elem) -> elem { return min(x, s); }
fn op_max(x: elem, s: elem) -> elem { return max(x, s); }
fn op_clamp(x: elem, lo: elem, hi: elem) -> elem { return min(max(x, lo), hi); }

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
fn bin_min(a: elem, b: elem) -> elem { return min(a, b); }
fn bin_max(a: elem, b: elem) -> elem { return max(a, b); }
fn bin_pow(a: elem, b: elem) -> elem { return op_pow(a, b); }
