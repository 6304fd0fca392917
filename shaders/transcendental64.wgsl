// The ops of transcendental.wgsl for f64 kernels, computed without WGSL's transcendental
// built-ins (naga writes them for f64 as SPIR-V that drivers reject or miscompute, wgpu
// issue 6087): only + - * /, sqrt, floor, round and bit operations, so any GPU with 64-bit
// float and integer shaders runs them. The algorithms are the CPU's own (src/math: exp,
// ln, log1p, tanh, sin/cos with fdlibm's kernels and a Payne–Hanek reduction past 2^20,
// atan, pow with a double-double ln), ported step for step, and fdlibm's formulas over
// them for the functions the CPU takes from the C library. Uses float.wgsl's helpers.
// Accuracy: within a few ULP of the CPU's answer where the GPU's arithmetic is IEEE's (the
// README gives each function's measured worst); special values (NaN, ±0, ±∞, domain edges)
// are numpy's, checked against numpy's recorded answers (tests/numpy_answers.rs).
alias elem = f64;

const LOG2E: f64 = 1.4426950408889634;
const LN2: f64 = 0.6931471805599453;
// ln 2 as a 32-bit head (k·LN2_HI exact for |k| < 2^21) and the rest
const LN2_HI: f64 = 6.931471803691238e-1;
const LN2_LO: f64 = 1.9082149292705877e-10;
const SQRT2: f64 = 1.4142135623730951;
// an f64's mantissa bits (a hex literal with leading zeros, 0x000f..lu, loses its high
// word on its way through naga 30)
const MANTISSA: u64 = ~0xfff0000000000000lu;
const TWO54: f64 = 18014398509481984.0;
const MIN_NORMAL: f64 = 2.2250738585072014e-308;
const HALF_PI: f64 = 1.5707963267948966;
const HALF_PI_LO: f64 = 6.123233995736766e-17;
const PI_HI: f64 = 3.141592653589793;
const PI_LO: f64 = 1.2246467991473532e-16;

fn neg_inf_like(x: f64) -> f64 { return -inf_like(x); }

// GPU compilers treat float arithmetic as associative (Mesa's NIR folds (a + b) - a to b,
// (x + C) - C to x), which erases the rounding error a compensated sum recovers. `exact`
// passes a value through a zero the compiler cannot see (workgroup memory, zeroed at
// dispatch, never written), so the sums after it are computed as written.
var<workgroup> OPAQUE_ZERO: u32;
fn exact(v: f64) -> f64 { return bitcast<f64>(bitcast<u64>(v) | u64(OPAQUE_ZERO)); }

// e^r − 1 for |r| ≤ ln2/2 by its Taylor polynomial to r^13 (truncation below 0.1 ULP)
fn exp_minus_one(r: f64) -> f64 {
    var q: f64 = 1.0 / 6227020800.0;
    q = 1.0 / 479001600.0 + r * q;
    q = 1.0 / 39916800.0 + r * q;
    q = 1.0 / 3628800.0 + r * q;
    q = 1.0 / 362880.0 + r * q;
    q = 1.0 / 40320.0 + r * q;
    q = 1.0 / 5040.0 + r * q;
    q = 1.0 / 720.0 + r * q;
    q = 1.0 / 120.0 + r * q;
    q = 1.0 / 24.0 + r * q;
    q = 1.0 / 6.0 + r * q;
    return r + r * r * (0.5 + r * q);
}

// e^(x + tail), tail a double-double's low part (math::exp_f64_tail): x = k·ln2 + r,
// |r| ≤ ln2/2, e^r by its Taylor polynomial to r^13, 2^k applied in two halves.
fn exp_tail(x0: f64, tail: f64) -> f64 {
    let inside = x0 > -746.0 && x0 < 710.0;
    let x = clamp(x0, -746.0, 710.0);
    let kf = round(x * LOG2E);
    let k = i32(kf);
    let r = exact(x - kf * LN2_HI) - kf * LN2_LO + select(0.0, tail, inside);
    let p = 1.0 + exact(exp_minus_one(r));
    let k1 = k >> 1u;
    let k2 = k - k1;
    let s1 = bitcast<f64>(u64(k1 + 1023) << 52u);
    let s2 = bitcast<f64>(u64(k2 + 1023) << 52u);
    return select(p * s1 * s2, x0, is_nan(x0));
}

fn op_exp(x: elem) -> elem { return exp_tail(x, 0.0); }

// x = m·2^e with m in [√½, √2), for a positive finite x (subnormals scaled up first)
struct Split { e: f64, m: f64 }
fn split_exponent(x: f64) -> Split {
    let tiny = x < MIN_NORMAL;
    let b = bitcast<u64>(select(x, x * TWO54, tiny));
    let e = i32((b >> 52u) & 0x7fflu) - 1023 - select(0, 54, tiny);
    let m = bitcast<f64>((b & MANTISSA) | 0x3ff0000000000000lu);
    let big = m > SQRT2;
    return Split(f64(e + select(0, 1, big)), select(m, m * 0.5, big));
}

// ln x + c for a positive finite x, c small beside ln x's last bit (math::ln_plus_f64:
// fdlibm's polynomial in s = f / (2 + f), f = m - 1)
fn ln_plus(x: f64, c: f64) -> f64 {
    let sp = split_exponent(x);
    let e = sp.e;
    let f = sp.m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (3.999999999940942e-1 + w * (2.2222198432149784e-1 + w * 1.5313837699209373e-1));
    let t2 = z * (6.666666666666735e-1 + w * (2.857142874366239e-1 + w * (1.818357216161805e-1 + w * 1.4798198605116586e-1)));
    let r = t1 + t2;
    let hfsq = 0.5 * f * f;
    return exact(e * LN2_HI) - ((hfsq - (s * (hfsq + r) + (e * LN2_LO + c))) - f);
}

// ln's answers where its argument is 0, negative, NaN or +∞, else v
fn ln_edges(x: f64, v: f64) -> f64 {
    let edge = select(select(v, x, x == inf_like(x)), nan_like(x), is_nan(x) || x < 0.0);
    return select(edge, neg_inf_like(x), x == 0.0);
}

fn op_log(x: elem) -> elem { return ln_edges(x, ln_plus(x, 0.0)); }

// ln(1 + x) as the CPU's (math::ln_1p_f64): u = 1 + x rounded, the rounding c = (1 + x) − u
// recovered exactly (behind `exact`: GPU compilers fold (1 + x) − 1 to x) and c/u added
// inside ln's sum
fn op_log1p(x: elem) -> elem {
    let u = exact(1.0 + x);
    let c0 = select(x - (u - 1.0), 1.0 - (u - x), u >= 2.0);
    let c = select(0.0, c0 / u, u < TWO54);
    let v = ln_plus(u, c);
    let edge = select(select(v, x, x == inf_like(x)), nan_like(x), is_nan(x) || x < -1.0);
    return select(select(edge, neg_inf_like(x), x == -1.0), x, x == 0.0);
}

// log2 as e + ln(m)·log2(e), exact at powers of 2; log10 as e·log10(2) + ln(m)·log10(e)
fn op_log2(x: elem) -> elem {
    let sp = split_exponent(x);
    return ln_edges(x, sp.e + ln_plus(sp.m, 0.0) * LOG2E);
}
fn op_log10(x: elem) -> elem {
    // log10(2) as a 32-bit head (e·head exact) and the rest
    let sp = split_exponent(x);
    let l = ln_plus(sp.m, 0.0);
    let v = sp.e * 3.010299955494702e-1 + (sp.e * 1.1451100898021838e-10 + l * 0.4342944819032518);
    return ln_edges(x, v);
}

// 2^x = e^(x·ln2) with x·ln2 carried as a double-double
fn op_exp2(x: elem) -> elem {
    let h = two_prod(clamp(x, -1100.0, 1100.0), LN2);
    return select(exp_tail(h.hi, h.lo + x * 2.3190468138462996e-17), x, is_nan(x));
}

// e^x - 1: 2^k·(e^r - 1) + (2^k - 1), e^r - 1 by exp's polynomial without its leading 1
fn op_expm1(x: elem) -> elem {
    let xc = clamp(x, -40.0, 40.0);
    let kf = round(xc * LOG2E);
    let r = exact(xc - kf * LN2_HI) - kf * LN2_LO;
    let pm1 = exp_minus_one(r);
    let s = bitcast<f64>(u64(i32(kf) + 1023) << 52u);
    let v = select(s * pm1 + (s - 1.0), pm1, kf == 0.0);
    let far = select(-1.0, exp_tail(x, 0.0), x > 0.0);
    return select(select(v, far, abs(x) > 40.0), x, x == 0.0 || is_nan(x));
}

// tanh: the Taylor series through x^45 below |x| = 0.625, 1 - 2/(e^2|x| + 1) above
// (math::tanh_f64)
fn op_tanh(x: elem) -> elem {
    let a = abs(x);
    let z = a * a;
    var p: f64 = 1.903336833931276e-9;
    p = -4.6962953982309016e-9 + z * p;
    p = 1.1587644432798853e-8 + z * p;
    p = -2.859136662305254e-8 + z * p;
    p = 7.054636946400968e-8 + z * p;
    p = -1.7406618963571648e-7 + z * p;
    p = 4.294911078273806e-7 + z * p;
    p = -1.0597268320104654e-6 + z * p;
    p = 2.6147711512907546e-6 + z * p;
    p = -6.451689215655431e-6 + z * p;
    p = 1.5918905069328964e-5 + z * p;
    p = -3.927832388331683e-5 + z * p;
    p = 9.691537956929451e-5 + z * p;
    p = -2.3912911424355248e-4 + z * p;
    p = 5.90027440945586e-4 + z * p;
    p = -1.4558343870513183e-3 + z * p;
    p = 3.592128036572481e-3 + z * p;
    p = -8.863235529902197e-3 + z * p;
    p = 2.1869488536155203e-2 + z * p;
    p = -5.396825396825397e-2 + z * p;
    p = 1.3333333333333333e-1 + z * p;
    p = -3.333333333333333e-1 + z * p;
    let t = select(1.0 - 2.0 / (exp_tail(2.0 * a, 0.0) + 1.0), a + a * z * p, a < 0.625);
    return select(bin_copysign(t, x), x, is_nan(x));
}

fn op_sigmoid(x: elem) -> elem {
    let e = exp_tail(-abs(x), 0.0);
    return select(select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0), x, is_nan(x));
}

// e^|x| / 2 for |x| ≥ 22 without overflowing before the answer does: |x| - ln2 is exact
fn exp_half(a: f64) -> f64 { return exp_tail(a - LN2_HI, -LN2_LO); }

// fdlibm's sinh: (E + E/(E + 1))/2 with E = e^|x| - 1 below 22, e^|x|/2 above
fn op_sinh(x: elem) -> elem {
    let a = abs(x);
    let e = op_expm1(a);
    let near = 0.5 * select(e + e / (e + 1.0), 2.0 * e - e * e / (e + 1.0), a < 1.0);
    let v = select(near, exp_half(a), a >= 22.0);
    return select(bin_copysign(v, x), x, a < 3.725290298461914e-9 || is_nan(x));
}

// fdlibm's cosh: 1 + E²/(2(E + 1)) below ln2/2, (e^|x| + e^-|x|)/2 below 22, e^|x|/2 above
fn op_cosh(x: elem) -> elem {
    let a = abs(x);
    let e = op_expm1(a);
    let tiny = 1.0 + e * e / (2.0 * (1.0 + e));
    let t = exp_tail(a, 0.0);
    let mid = 0.5 * t + 0.5 / t;
    let v = select(select(mid, tiny, a < 0.34657359027997264), exp_half(a), a >= 22.0);
    return select(v, a, is_nan(x));
}

// fdlibm's asinh and acosh (ln 2x past 2^28), over this file's ln and log1p
fn op_arcsinh(x: elem) -> elem {
    let a = abs(x);
    let z = a * a;
    let big = ln_plus(a, 0.0) + LN2;
    let mid = ln_plus(2.0 * a + 1.0 / (sqrt(z + 1.0) + a), 0.0);
    let small = op_log1p(a + z / (1.0 + sqrt(1.0 + z)));
    let v = select(select(small, mid, a > 2.0), big, a > 268435456.0);
    let v2 = select(select(v, a, a == inf_like(x)), a, a < 3.725290298461914e-9 || is_nan(x));
    return bin_copysign(v2, x);
}
fn op_arccosh(x: elem) -> elem {
    let t = x - 1.0;
    let big = ln_plus(x, 0.0) + LN2;
    let mid = ln_plus(2.0 * x - 1.0 / (x + sqrt(x * x - 1.0)), 0.0);
    let small = op_log1p(t + sqrt(2.0 * t + t * t));
    let v = select(select(small, mid, x > 2.0), big, x > 268435456.0);
    return select(select(v, x, x == inf_like(x)), nan_like(x), is_nan(x) || x < 1.0);
}
// fdlibm's atanh: log1p(2a + 2a·a/(1 - a))/2 below ½, log1p(2a/(1 - a))/2 above
fn op_arctanh(x: elem) -> elem {
    let a = abs(x);
    let t = a + a;
    let v = 0.5 * select(op_log1p(t + t * a / (1.0 - a)), op_log1p(t / (1.0 - a)), a >= 0.5);
    let v2 = select(select(v, inf_like(x), a == 1.0), nan_like(x), a > 1.0 || is_nan(x));
    return select(bin_copysign(v2, x), x, a < 3.725290298461914e-9);
}

// cbrt: a guess from the exponent bits, three Newton steps, the last as a correction
fn op_cbrt(x: elem) -> elem {
    let a = abs(x);
    let tiny = a < MIN_NORMAL;
    let s = select(a, a * TWO54, tiny);
    var y = bitcast<f64>(bitcast<u64>(s) / 3lu + 0x2a9f789300000000lu);
    y = (2.0 * y + s / (y * y)) * (1.0 / 3.0);
    y = (2.0 * y + s / (y * y)) * (1.0 / 3.0);
    y = (2.0 * y + s / (y * y)) * (1.0 / 3.0);
    y = y + (s / (y * y) - y) * (1.0 / 3.0);
    y = select(y, y * 3.814697265625e-6, tiny); // 2^-18, the cube root of 2^-54
    return select(bin_copysign(y, x), x, a == 0.0 || a == inf_like(x) || is_nan(x));
}

// sin and cos: x - n·π/2 as y0 + y1, |y0| ≤ π/4 (math/trig.rs)
struct Reduced { n: i32, y0: f64, y1: f64 }

// fdlibm's three-step reduction for |x| ≤ 2^20
fn reduce_pio2_near(x: f64) -> Reduced {
    let nf = round(x * 6.366197723675814e-1);
    let t1 = exact(x - nf * 1.5707963267341256); // exact
    let w2 = nf * 6.077100506303966e-11;
    let t2 = exact(t1 - w2);
    let w3 = nf * 2.0222662487111665e-21;
    let r = exact(t2 - w3);
    let w = nf * 8.4784276603689e-32 - ((t2 - r) - w3);
    let y0 = exact(r - w);
    return Reduced(i32(nf), y0, (r - y0) - w);
}

// 2/π's bits after the point, 32 to a word, after two words of zeros
var<private> TWO_OVER_PI: array<u32, 42> = array<u32, 42>(
    0u, 0u,
    0xA2F9836Eu, 0x4E441529u, 0xFC2757D1u, 0xF534DDC0u, 0xDB629599u, 0x3C439041u,
    0xFE5163ABu, 0xDEBBC561u, 0xB7246E3Au, 0x424DD2E0u, 0x6492EEAu, 0x9D1921Cu,
    0xFE1DEB1Cu, 0xB129A73Eu, 0xE88235F5u, 0x2EBB4484u, 0xE99C7026u, 0xB45F7E41u,
    0x3991D639u, 0x835339F4u, 0x9C845F8Bu, 0xBDF9283Bu, 0x1FF897FFu, 0xDE05980Fu,
    0xEF2F118Bu, 0x5A0A6D1Fu, 0x6D367ECFu, 0x27CB09B7u, 0x4F463F66u, 0x9E5FEA2Du,
    0x7527BAC7u, 0xEBE5F17Bu, 0x3D0739F7u, 0x8A5292EAu, 0x6BFB5FB1u, 0x1F8D5D08u,
    0x56033046u, 0xFC7B6BABu, 0u, 0u,
);

// 2^e for a normal power of two
fn pow2(e: i32) -> f64 { return bitcast<f64>(u64(e + 1023) << 52u); }

// leading zero bits of a u64 (naga cannot write the 64-bit bit-counting built-ins)
fn leading_zeros64(v: u64) -> u32 {
    let high = u32(v >> 32u);
    return select(countLeadingZeros(high), 32u + countLeadingZeros(u32(v)), high == 0u);
}

// 32 bits of 2/π's table from bit `at` on
fn two_over_pi_word(at: u32) -> u32 {
    let w = at / 32u;
    let o = at % 32u;
    let hi = TWO_OVER_PI[w];
    let lo = TWO_OVER_PI[w + 1u];
    return select((hi << o) | (lo >> (32u - o)), hi, o == 0u);
}

// Payne–Hanek for finite |x| > 2^20 (math/trig.rs reduce_pio2_far, in 32-bit limbs): x = m·2^e,
// x·2/π mod 4 = m times a 192-bit window of 2/π, the top two bits the quadrant, the next
// 128 the fraction of a quarter turn, signed
fn reduce_pio2_far(x: f64) -> Reduced {
    let b = bitcast<u64>(x);
    let e = i32((b >> 52u) & 0x7fflu) - 1075;
    let m = (b & MANTISSA) | (1lu << 52u);
    let ml = m & 0xfffffffflu;
    let mh = m >> 32u;
    let at = u32(e + 62);
    var col: array<u64, 8>;
    for (var i = 0u; i < 6u; i++) {
        let w = u64(two_over_pi_word(at + 32u * (5u - i)));
        let pl = ml * w;
        let ph = mh * w;
        col[i] += pl & 0xfffffffflu;
        col[i + 1u] += (pl >> 32u) + (ph & 0xfffffffflu);
        col[i + 2u] += ph >> 32u;
    }
    var r: array<u64, 6>;
    var carry = 0lu;
    for (var i = 0u; i < 6u; i++) {
        let v = col[i] + carry;
        r[i] = v & 0xfffffffflu;
        carry = v >> 32u;
    }
    let quarter = i32(r[5] >> 30u);
    let f1 = ((((r[5] << 32u) | r[4]) << 2u) | (r[3] >> 30u));
    let f0 = ((((r[3] << 32u) | r[2]) << 2u) | (r[1] >> 30u));
    let negative = bitcast<i64>(f1) < 0li;
    let n = (quarter + select(0, 1, negative)) & 3;
    // the fraction's magnitude (two's complement undone), normalized so its top bit is set:
    // a tiny fraction (x just off a multiple of π/2) keeps all its bits
    let m0 = select(f0, ~f0 + 1lu, negative);
    let m1 = select(f1, ~f1 + select(0lu, 1lu, m0 == 0lu), negative);
    let k = select(leading_zeros64(m1), 64u + leading_zeros64(m0), m1 == 0lu);
    var top = 0lu;
    var next = 0lu;
    if (k == 0u) {
        top = m1;
        next = m0;
    } else if (k < 64u) {
        top = (m1 << k) | (m0 >> (64u - k));
        next = m0 << k;
    } else if (k < 128u) {
        top = m0 << (k - 64u);
    }
    // |fraction| = top·2^(-64-k) + next·2^(-128-k); hi the top 53 bits exactly
    let scale = pow2(-64 - i32(k));
    let mag_hi = f64(top >> 11u) * 2048.0 * scale;
    let mag_lo = (f64(top & 0x7fflu) + f64(next) * 5.421010862427522e-20) * scale;
    let zero = k >= 128u;
    let hi = select(select(mag_hi, -mag_hi, negative), 0.0, zero);
    let lo = select(select(mag_lo, -mag_lo, negative), 0.0, zero);
    let p = two_prod(hi, HALF_PI);
    let q = p.lo + (hi * HALF_PI_LO + lo * HALF_PI);
    let y0 = exact(p.hi + q);
    let y1 = q - (y0 - p.hi);
    let neg = x < 0.0;
    return Reduced(select(n, -n, neg), select(y0, -y0, neg), select(y1, -y1, neg));
}

fn reduce_pio2(x: f64) -> Reduced {
    let a = abs(x);
    if (a > 1048576.0 && a < inf_like(x)) {
        return reduce_pio2_far(x);
    }
    return reduce_pio2_near(x);
}

// fdlibm's kernels: sin(y0 + y1) and cos(y0 + y1) for |y0| ≤ π/4
fn kernel_sin(x: f64, y: f64) -> f64 {
    let z = x * x;
    let w = z * z;
    let r = 8.33333333332249e-3 + z * (-1.984126982985795e-4 + z * 2.7557313707070068e-6)
        + z * w * (-2.5050760253406863e-8 + z * 1.58969099521155e-10);
    let v = z * x;
    return x - ((z * (0.5 * y - v * r) - y) - v * -1.6666666666666632e-1);
}
fn kernel_cos(x: f64, y: f64) -> f64 {
    let z = x * x;
    let w = z * z;
    let r = z * (4.16666666666666e-2 + z * (-1.388888888887411e-3 + z * 2.480158728947673e-5))
        + w * w * (-2.7557314351390663e-7 + z * (2.087572321298175e-9 + z * -1.1359647557788195e-11));
    let hz = 0.5 * z;
    let w1 = exact(1.0 - hz);
    return w1 + ((exact(1.0 - w1) - hz) + (z * r - x * y));
}

// sin of (y0 + y1) + n·π/2
fn sin_quadrant(n: i32, y0: f64, y1: f64) -> f64 {
    let v = select(kernel_sin(y0, y1), kernel_cos(y0, y1), (n & 1) != 0);
    return select(v, -v, (n & 2) != 0);
}
// ±0 kept as it is (round(-0·2/π) is -0, and -0 - (-0·c) is +0)
fn op_sin(x: elem) -> elem {
    let r = reduce_pio2(x);
    let v = select(sin_quadrant(r.n, r.y0, r.y1), nan_like(x), !(abs(x) < inf_like(x)));
    return select(v, x, x == 0.0);
}
fn op_cos(x: elem) -> elem {
    let r = reduce_pio2(x);
    return select(sin_quadrant(r.n + 1, r.y0, r.y1), nan_like(x), !(abs(x) < inf_like(x)));
}
// tan: sin/cos of the reduced argument, -cos/sin in odd quadrants
fn op_tan(x: elem) -> elem {
    let r = reduce_pio2(x);
    let s = kernel_sin(r.y0, r.y1);
    let c = kernel_cos(r.y0, r.y1);
    let v = select(select(s / c, -c / s, (r.n & 1) != 0), nan_like(x), !(abs(x) < inf_like(x)));
    return select(v, x, x == 0.0);
}

// atan t for t ≥ 0 (math::atan_f64, fdlibm's atan): t moved next to 0, ½, 1, 1.5 or ∞,
// the reduced value's atan by fdlibm's odd polynomial, added to the point's in two parts
fn atan_pos(t: f64) -> f64 {
    var num: f64 = t;
    var den: f64 = 1.0;
    var hi: f64 = 0.0;
    var lo: f64 = 0.0;
    if (t >= 2.4375) {
        num = -1.0; den = t; hi = HALF_PI; lo = HALF_PI_LO;
    } else if (t >= 1.1875) {
        num = t - 1.5; den = 1.0 + 1.5 * t; hi = 9.82793723247329e-1; lo = 1.3903311031230998e-17;
    } else if (t >= 0.6875) {
        num = t - 1.0; den = t + 1.0; hi = 7.853981633974483e-1; lo = 3.061616997868383e-17;
    } else if (t >= 0.4375) {
        num = 2.0 * t - 1.0; den = 2.0 + t; hi = 4.636476090008061e-1; lo = 2.2698777452961687e-17;
    }
    let x = num / den;
    let z = x * x;
    let w = z * z;
    let s1 = z * (3.333333333333293e-1 + w * (1.4285714272503466e-1 + w * (9.090887133436507e-2
        + w * (6.661073137387531e-2 + w * (4.9768779946159324e-2 + w * 1.6285820115365782e-2)))));
    let s2 = w * (-1.9999999999876483e-1 + w * (-1.1111110405462356e-1 + w * (-7.69187620504483e-2
        + w * (-5.8335701337905735e-2 + w * -3.6531572744216916e-2))));
    return hi - ((x * (s1 + s2) - lo) - x);
}

fn op_arctan(x: elem) -> elem {
    return select(bin_copysign(atan_pos(abs(x)), x), x, is_nan(x));
}

// C's atan2 (math/elementary.rs): r = atan of min/max (π/4 for ∞/∞, 0 for 0/0), then r,
// π/2 − r where |y| > |x|, π − r and π/2 + r for the same left of the y axis (π/2 exactly
// on it), each rounded once; y's sign
fn bin_arctan2(y: elem, x: elem) -> elem {
    let ay = abs(y);
    let ax = abs(x);
    let both_inf = ay == inf_like(x) && ax == inf_like(x);
    let both_zero = ay == 0.0 && ax == 0.0;
    let steep = ay > ax;
    var r = select(atan_pos(select(ay, ax, steep) / select(ax, ay, steep)), 0.7853981633974483, both_inf);
    r = select(r, 0.0, both_zero);
    let left = (bitcast<u64>(x) & SIGN) != 0lu;
    let hi = select(PI_HI, HALF_PI, steep);
    let lo = select(PI_LO, HALF_PI_LO, steep);
    let turned = select(hi - exact(r - lo), hi + exact(r + lo), steep && left);
    let a = select(r, turned, steep || left);
    return select(bin_copysign(a, y), nan_like(x), is_nan(x) || is_nan(y));
}

// arcsin x = atan(x / √(1 - x²)), arccos x = 2·atan √((1 - x)/(1 + x)); NaN past ±1
fn op_arcsin(x: elem) -> elem {
    let a = abs(x);
    let v = atan_pos(a / sqrt((1.0 - a) * (1.0 + a)));
    return select(bin_copysign(v, x), nan_like(x), a > 1.0 || is_nan(x));
}
fn op_arccos(x: elem) -> elem {
    let v = 2.0 * atan_pos(sqrt((1.0 - x) / (1.0 + x)));
    return select(v, nan_like(x), abs(x) > 1.0 || is_nan(x));
}

// pow (math/pow.rs): e^(y·ln|x|) with ln|x| as a double-double, then C's special cases
struct Dd { hi: f64, lo: f64 }
fn two_sum(a: f64, b: f64) -> Dd {
    let s = exact(a + b);
    let bb = exact(s - a);
    return Dd(s, (a - (s - bb)) + (b - bb));
}
fn fast_two_sum(a: f64, b: f64) -> Dd {
    let s = exact(a + b);
    return Dd(s, b - (s - a));
}
// a·b as the rounded product and its error, by Veltkamp's split (fma is not fused on
// every GPU: lavapipe's f64 fma rounds twice), for |a|, |b| below 2^995
fn split_half(a: f64) -> Dd {
    let c = exact(134217729.0 * a);
    let hi = exact(c - exact(c - a));
    return Dd(hi, a - hi);
}
fn two_prod(a: f64, b: f64) -> Dd {
    let p = exact(a * b);
    let x = split_half(a);
    let y = split_half(b);
    return Dd(p, ((x.hi * y.hi - p) + x.hi * y.lo + x.lo * y.hi) + x.lo * y.lo);
}
// ln x as hi + lo for a positive finite x (math::pow::ln_dd): ln m = 2·atanh s
fn ln_dd(x: f64) -> Dd {
    let sp = split_exponent(x);
    let f = sp.m - 1.0;
    let d = fast_two_sum(2.0, f);
    let s = exact(f / d.hi);
    let sd = two_prod(s, d.hi);
    let s_lo = (((f - sd.hi) - sd.lo) - s * d.lo) / d.hi;
    let z = two_prod(s, s);
    let z_lo = z.lo + 2.0 * s * s_lo;
    let c = two_prod(s, z.hi);
    let c_lo = c.lo + (s * z_lo + s_lo * z.hi);
    var q: f64 = 0.08695652173913043;
    q = q * z.hi + 0.09523809523809523;
    q = q * z.hi + 0.10526315789473684;
    q = q * z.hi + 0.11764705882352941;
    q = q * z.hi + 0.13333333333333333;
    q = q * z.hi + 0.15384615384615385;
    q = q * z.hi + 0.18181818181818182;
    q = q * z.hi + 0.2222222222222222;
    q = q * z.hi + 0.2857142857142857;
    q = q * z.hi + 0.4;
    let p = fast_two_sum(0.6666666666666666, q * z.hi);
    let p_lo = p.lo + 3.700743415417188e-17;
    let t = two_prod(c.hi, p.hi);
    let t_lo = t.lo + (c.hi * p_lo + c_lo * p.hi);
    let h1 = two_sum(sp.e * LN2_HI, 2.0 * s);
    let h2 = two_sum(h1.hi, t.hi);
    let low = h1.lo + h2.lo + (t_lo + 2.0 * s_lo + sp.e * LN2_LO);
    return fast_two_sum(h2.hi, low);
}
fn op_pow(x: elem, y: elem) -> elem {
    let ax = abs(x);
    let ordinary = ax > 0.0 && ax < inf_like(x);
    let l = ln_dd(select(1.0, ax, ordinary));
    let w = two_prod(y, l.hi);
    let m = exp_tail(w.hi, w.lo + y * l.lo);
    let edge = select(0.0, inf_like(x), (ax == inf_like(x)) == (y > 0.0));
    let magnitude_ = select(edge, m, ordinary);
    // y an integer, and an odd one (every |y| ≥ 2^53 is even)
    let ay = abs(y);
    let integer = floor(ay) == ay;
    let odd = integer && ay < 9007199254740992.0 && floor(0.5 * ay) != 0.5 * ay;
    let negative = (bitcast<u64>(x) & SIGN) != 0lu;
    let signed = select(magnitude_, -magnitude_, negative && odd);
    let one = y == 0.0 || x == 1.0 || (ax == 1.0 && ay == inf_like(x));
    let invalid = is_nan(x) || is_nan(y) || (x < 0.0 && ax < inf_like(x) && ay < inf_like(x) && !integer);
    return select(select(signed, nan_like(ax), invalid), 1.0, one);
}
fn bin_pow(a: elem, b: elem) -> elem { return op_pow(a, b); }
