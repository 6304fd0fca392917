// The WGSL meaning of every op on floating-point elements that WGSL's core arithmetic
// computes (+ - * /, sqrt, floor, min/max, the bits); one function per op, named as in
// src/op.rs (`op_<name>` for Op, `bin_<name>` for BinOp). The ops built on WGSL's
// transcendental built-ins are in transcendental.wgsl. Code generation replaces the
// `alias elem` line with the kernel's type and the lines of the float format (`alias bits`,
// `SIGN`, `INF`, `QUIET`) with that type's, so these helpers serve f32 and f64.
//
// Accuracy is WGSL's (see README): + - * exact, / 2.5 ULP. NaN and infinities are not
// guaranteed on the GPU; where WGSL leaves room these helpers give numpy's answers from the
// bits, which no fast-math rewrite can fold away.
alias elem = f32;

// The float format: the element's bits as an unsigned integer, its sign bit, the bits of +∞
// and of the quiet NaN.
alias bits = u32;
const SIGN: bits = 0x80000000;
const INF: bits = 0x7f800000;
const QUIET: bits = 0x7fc00000;
const ZERO: elem = 0.0;
const ONE: elem = 1.0;

fn op_scale(x: elem, s: elem) -> elem { return x * s; }
fn op_add(x: elem, s: elem) -> elem { return x + s; }
fn op_sub(x: elem, s: elem) -> elem { return x - s; }
fn op_div(x: elem, s: elem) -> elem { return x / s; }
// |x|'s bits
fn magnitude(x: elem) -> bits { return bitcast<bits>(x) & ~SIGN; }
fn is_nan(x: elem) -> bool { return magnitude(x) > INF; }
// A NaN made at run time (a NaN constant is a shader-creation error).
fn nan_like(x: elem) -> elem { return bitcast<elem>(bitcast<bits>(x) | QUIET); }
// +∞ made at run time
fn inf_like(x: elem) -> elem { return bitcast<elem>((bitcast<bits>(x) & bits(0)) | INF); }
// nonzero, NaN included: numpy's truth of a number
fn truthy(x: elem) -> bool { return magnitude(x) != bits(0); }
// WGSL leaves min/max of NaN open; numpy's minimum, maximum and clip give NaN.
fn op_min(x: elem, s: elem) -> elem { return select(min(x, s), nan_like(x), is_nan(x) || is_nan(s)); }
fn op_max(x: elem, s: elem) -> elem { return select(max(x, s), nan_like(x), is_nan(x) || is_nan(s)); }
fn op_clamp(x: elem, lo: elem, hi: elem) -> elem { return op_min(op_max(x, lo), hi); }

fn op_neg(x: elem) -> elem { return -x; }
fn op_abs(x: elem) -> elem { return abs(x); }
fn op_square(x: elem) -> elem { return x * x; }
fn op_sqrt(x: elem) -> elem { return sqrt(x); }
fn op_recip(x: elem) -> elem { return 1.0 / x; }
fn op_relu(x: elem) -> elem { return max(x, 0.0); }
fn op_floor(x: elem) -> elem { return floor(x); }
fn op_ceil(x: elem) -> elem { return ceil(x); }
// numpy's round, half to even, from floor: WGSL's round is half to even too, but lavapipe
// (Mesa 22.3.6-1+deb12u2) rounds the f64 7.5 to 7 with it. x - floor(x) is exact, and so are
// the parity test's halving and doubling; the answer keeps x's sign (round(-0.4) is -0.0),
// NaN stays NaN and ±∞ stays.
fn op_round(x: elem) -> elem {
    let f = floor(x);
    let d = x - f;
    let odd = f - 2.0 * floor(0.5 * f) == 1.0;
    return bin_copysign(select(f, f + 1.0, d > 0.5 || (d == 0.5 && odd)), x);
}

fn bin_add(a: elem, b: elem) -> elem { return a + b; }
fn bin_sub(a: elem, b: elem) -> elem { return a - b; }
fn bin_mul(a: elem, b: elem) -> elem { return a * b; }
fn bin_div(a: elem, b: elem) -> elem { return a / b; }
fn bin_min(a: elem, b: elem) -> elem { return op_min(a, b); }
fn bin_max(a: elem, b: elem) -> elem { return op_max(a, b); }

// numpy's sign: ±0 gives +0, NaN stays NaN
fn op_sign(x: elem) -> elem {
    return select(select(select(x, 0.0, x == 0.0), -1.0, x < 0.0), 1.0, x > 0.0);
}
fn op_isnan(x: elem) -> elem { return select(ZERO, ONE, is_nan(x)); }
fn op_isinf(x: elem) -> elem { return select(ZERO, ONE, magnitude(x) == INF); }
fn op_isfinite(x: elem) -> elem { return select(ZERO, ONE, magnitude(x) < INF); }
fn op_logical_not(x: elem) -> elem { return select(ONE, ZERO, truthy(x)); }

// numpy's divmod for a nonzero divisor: q = floor(a / b) and r = a - q·b in one rounding
// (fma: its sign and zero are the exact remainder's), corrected by one step where the
// quotient landed on the wrong side of an integer, so r has the divisor's sign: down where
// r has the other sign (1 // 0.1 is 9: 0.1 is above 1/10), up where |r| reached |b| and
// a - (q + 1)·b has b's sign or is 0 (WGSL allows 2.5 ULP for `/`). Otherwise r stays,
// even at b itself, as numpy's: -1e-16 // 3 is -1, remainder 3. numpy's answer wherever
// the quotient is below 2^(significand bits) and the driver fuses fma (llvmpipe and GPUs
// do; lavapipe's f64 fma rounds twice); beyond, within an ULP of a, where the CPU uses C's
// exact fmod.
fn divmod(a: elem, b: elem) -> vec2<elem> {
    var q = floor(a / b);
    var m = fma(-q, b, a);
    if (m != 0.0 && ((m < 0.0) != (b < 0.0))) {
        q = q - 1.0;
        m = m + b;
    }
    if (abs(m) >= abs(b)) {
        let up = fma(-(q + 1.0), b, a);
        if (up == 0.0 || ((up < 0.0) == (b < 0.0))) {
            q = q + 1.0;
            m = up;
        }
    }
    m = select(m, bin_copysign(0.0, b), m == 0.0);
    q = select(q, bin_copysign(0.0, a / b), q == 0.0);
    return vec2<elem>(q, m);
}
fn op_floor_divide(x: elem, s: elem) -> elem { return select(divmod(x, s).x, x / s, s == 0.0); }
fn op_remainder(x: elem, s: elem) -> elem { return select(divmod(x, s).y, nan_like(x), s == 0.0); }

// without overflow: the larger magnitude times sqrt(1 + r²); ∞ whenever either is ∞
fn bin_hypot(a: elem, b: elem) -> elem {
    let m = max(abs(a), abs(b));
    let n = min(abs(a), abs(b));
    let r = n / m;
    let h = select(m * sqrt(1.0 + r * r), m, n == 0.0);
    let inf = magnitude(a) == INF || magnitude(b) == INF;
    return select(select(h, nan_like(a), is_nan(a) || is_nan(b)), inf_like(a), inf);
}
fn bin_copysign(a: elem, b: elem) -> elem {
    return bitcast<elem>(magnitude(a) | (bitcast<bits>(b) & SIGN));
}
fn bin_floor_divide(a: elem, b: elem) -> elem { return op_floor_divide(a, b); }
fn bin_remainder(a: elem, b: elem) -> elem { return op_remainder(a, b); }
fn bin_logical_and(a: elem, b: elem) -> elem { return select(ZERO, ONE, truthy(a) && truthy(b)); }
fn bin_logical_or(a: elem, b: elem) -> elem { return select(ZERO, ONE, truthy(a) || truthy(b)); }
fn bin_logical_xor(a: elem, b: elem) -> elem { return select(ZERO, ONE, truthy(a) != truthy(b)); }
fn tri_where(c: elem, a: elem, b: elem) -> elem { return select(b, a, truthy(c)); }
