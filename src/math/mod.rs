//! The crate's own float functions for the CPU: branch-free range reduction plus polynomial,
//! written as plain arithmetic and bit operations so the block loops vectorize them (a call
//! to the C library cannot be). Each states its measured worst error against a correctly
//! rounded reference; `tests/exhaustive.rs` checks every f32 input.
//!
//! `exp`: x = k·ln2 + r with |r| ≤ ln2/2 (Cody–Waite: `k·LN2_HI` is exact), e^r by its Taylor
//! polynomial (degree 7 for f32, 13 for f64: truncation below 0.1 ULP), then the result
//! scaled by 2^k in two steps of 2^(k/2), so results down to the smallest subnormal round
//! once and overflow gives +∞. NaN stays NaN, −∞ gives 0.
//!
//! `ln`: x = m·2^e with m in [√½, √2) (subnormals scaled up first), f = m − 1 exactly; in
//! f64 ln(1 + f) = f − f²/2 + s·(f²/2 + R(s²)) with s = f / (2 + f), R the minimax polynomial
//! of fdlibm's `log` (Sun Microsystems, 1993); in f32 f − f²/2 + f³·Q(f) in fused
//! multiply-adds, no division; then e·ln2 added in two parts. 0 gives −∞, a
//! negative input or NaN gives NaN, +∞ gives +∞, as numpy.
//!
//! `tanh` (f32): below |x| = 0.625 its Taylor series through x^21 (truncation under 0.02
//! ULP), above `1 − 2 / (e^(2|x|) + 1)` with this module's `exp` (no cancellation worth a ULP
//! there), the sign put back; ±∞ give ±1, NaN stays NaN.
//!
//! `sin`, `cos`: in [`trig`]; `pow` in [`pow`]; numpy's other float functions in
//! [`elementary`]; floor division and remainder in [`divmod`].

pub(crate) mod divmod;
pub(crate) mod elementary;
pub(crate) mod pow;
pub(crate) mod trig;
#[cfg(test)]
mod ulps;

/// 1.5 · 2^23: adding it rounds an f32 of magnitude below 2^22 to an integer (ties to even)
/// that the sum's low mantissa bits hold.
const ROUND_F32: f32 = 12_582_912.0;

/// 1.5 · 2^52, the same for f64.
pub(crate) const ROUND_F64: f64 = 6_755_399_441_055_744.0;

/// `e^x` for f32: at most 1.03 ULP from the exact value over every f32 input (measured by
/// `tests/exhaustive.rs`, worst at x = -81.44471; documented bound 2 ULP).
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split so that k · LN2_HI is exact for |k| < 2^15
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // past these the answer is +inf (e^88.73 > f32::MAX) or 0 (e^-104 < 2^-150, half the
    // smallest subnormal); clamping keeps k in the range the scaling below handles
    let x = x.clamp(-104.0, 89.0);
    let t = x * LOG2E + ROUND_F32;
    let k = (t.to_bits() as i32).wrapping_sub(ROUND_F32.to_bits() as i32);
    let kf = t - ROUND_F32;
    let r = (x - kf * LN2_HI) - kf * LN2_LO;
    let q =
        1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0))));
    let p = 1.0 + (r + r * r * (0.5 + r * q));
    // 2^k as 2^k1 · 2^k2, each a normal power of two for k in [-150, 129]
    let k1 = k >> 1;
    let k2 = k - k1;
    let s1 = f32::from_bits(((k1 + 127) as u32) << 23);
    let s2 = f32::from_bits(((k2 + 127) as u32) << 23);
    p * s1 * s2
}

/// `e^x` for f64: at most 0.97 ULP from the exact value on 10^8 random and edge inputs
/// (`tests/f64_accuracy.rs`, a double-double reference; README bound 2).
#[inline(always)]
pub(crate) fn exp_f64(x: f64) -> f64 {
    exp_f64_tail(x, 0.0)
}

/// `e^(x + tail)` for a `tail` below 2^-40 of |x| (a double-double's low part; `pow`'s
/// y·ln|x|): the tail joins the reduced argument, so an answer just below `f64::MAX` whose
/// head `x` alone would overflow stays finite. Past the clamp (|x| ≥ 709.8 or so, where the
/// answer is 0 or inf either way, or x NaN) the tail is not used.
#[inline(always)]
pub(crate) fn exp_f64_tail(x: f64, tail: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    // ln 2 split so that k · LN2_HI is exact for |k| < 2^11
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_8e-10;
    // e^709.79 > f64::MAX; e^-745.2 < 2^-1075, half the smallest subnormal
    let inside = x > -746.0 && x < 710.0;
    let x = x.clamp(-746.0, 710.0);
    let t = x * LOG2E + ROUND_F64;
    let k = (t.to_bits() as i64).wrapping_sub(ROUND_F64.to_bits() as i64);
    let kf = t - ROUND_F64;
    let r = (x - kf * LN2_HI) - kf * LN2_LO + if inside { tail } else { 0.0 };
    // Taylor coefficients 1/3! .. 1/13!
    const C: [f64; 11] = [
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    let mut q = C[10];
    q = C[9] + r * q;
    q = C[8] + r * q;
    q = C[7] + r * q;
    q = C[6] + r * q;
    q = C[5] + r * q;
    q = C[4] + r * q;
    q = C[3] + r * q;
    q = C[2] + r * q;
    q = C[1] + r * q;
    q = C[0] + r * q;
    let p = 1.0 + (r + r * r * (0.5 + r * q));
    let k1 = k >> 1;
    let k2 = k - k1;
    let s1 = f64::from_bits(((k1 + 1023) as u64) << 52);
    let s2 = f64::from_bits(((k2 + 1023) as u64) << 52);
    p * s1 * s2
}

/// `ln x` for f32: at most 0.876 ULP from the exact value over every f32 input (measured by
/// `tests/exhaustive.rs`, worst at x = 1.2743293; documented bound 2 ULP).
#[inline(always)]
pub(crate) fn ln_f32(x: f32) -> f32 {
    let v = ln_plus_f32(x, 0.0);
    if x > 0.0 && x < f32::INFINITY {
        v
    } else if x == 0.0 {
        f32::NEG_INFINITY
    } else if x == f32::INFINITY {
        x
    } else {
        // negative or NaN
        f32::NAN
    }
}

/// `ln(1 + x)` for f32 in f32 lanes (fdlibm's `log1pf` idea): u = 1 + x rounded, and
/// ln(1 + x) = ln u + c/u with c = (1 + x) − u recovered exactly (1 − (u − x) for u ≥ 2,
/// x − (u − 1) below; both differences are exact by Sterbenz's lemma), added inside
/// [`ln_plus_f32`]'s sum so it is rounded once. Where u = 1 the answer is x itself
/// (c = x). Within its 4 ULP bound over every f32 input (`tests/exhaustive.rs`).
#[inline(always)]
pub(crate) fn ln_1p_f32(x: f32) -> f32 {
    let u = 1.0 + x;
    let c = if u >= 2.0 {
        1.0 - (u - x)
    } else {
        x - (u - 1.0)
    };
    // past 2^25, c/u is far below ln's own rounding (and harmless: c is exact, u finite)
    let v = ln_plus_f32(u, c / u);
    if x == 0.0 {
        // ±0 keeps its sign, as numpy's (the sum below gives +0)
        x
    } else if x > -1.0 && x < f32::INFINITY {
        v
    } else if x == -1.0 {
        f32::NEG_INFINITY
    } else if x == f32::INFINITY {
        x
    } else {
        // below −1 or NaN
        f32::NAN
    }
}

/// `ln x + c` for a positive finite `x` and a correction `c` small beside ln x's last bit
/// (0 for `ln`): x = 2^e·m with m in [√½, √2) found by integer arithmetic on the bits, and
/// ln m = f − f²/2 + f³·Q(f) with f = m − 1 (exact), Q a degree-7 polynomial (a weighted
/// minimax fit, its error under 0.05 ULP of the result), all in fused multiply-adds: no
/// division, half the operations of fdlibm's s = f/(2 + f) form. `c` joins the small terms;
/// e·ln 2 is added last in two parts, the product exact inside the final `mul_add`.
#[inline(always)]
fn ln_plus_f32(x: f32, c: f32) -> f32 {
    const LN2_HI: f32 = 6.931_381e-1;
    const LN2_LO: f32 = 9.058_001e-6;
    const Q: [f32; 8] = [
        0.333_333_3,
        -0.250_008_2,
        0.200_012_43,
        -0.166_234_1,
        0.142_015_4,
        -0.131_595_5,
        0.127_624_85,
        -0.076_369_405,
    ];
    // √½'s bits: subtracting them puts the exponent boundary at √½ instead of 1
    const SQRT_HALF_BITS: i32 = 0x3f35_04f3;
    // subnormals: scale into the normal range first (exact)
    let tiny = x < f32::MIN_POSITIVE;
    let y = if tiny { x * 8_388_608.0 } else { x };
    let bits = y.to_bits() as i32;
    let e = bits.wrapping_sub(SQRT_HALF_BITS) >> 23;
    let m = f32::from_bits(bits.wrapping_sub(e << 23) as u32);
    let ef = (e - if tiny { 23 } else { 0 }) as f32;
    let f = m - 1.0;
    let mut q = Q[7];
    q = q.mul_add(f, Q[6]);
    q = q.mul_add(f, Q[5]);
    q = q.mul_add(f, Q[4]);
    q = q.mul_add(f, Q[3]);
    q = q.mul_add(f, Q[2]);
    q = q.mul_add(f, Q[1]);
    q = q.mul_add(f, Q[0]);
    let p = q.mul_add(f, -0.5);
    let small = (f * f).mul_add(p, ef.mul_add(LN2_LO, c));
    ef.mul_add(LN2_HI, f + small)
}

/// `ln x` for f64: at most 0.80 ULP from the exact value on 10^8 random and edge inputs
/// (`tests/f64_accuracy.rs`; README bound 2).
#[inline(always)]
pub(crate) fn ln_f64(x: f64) -> f64 {
    let v = ln_plus_f64(x, 0.0);
    if x == 0.0 {
        f64::NEG_INFINITY
    } else if x.is_nan() || x < 0.0 {
        f64::NAN
    } else if x == f64::INFINITY {
        x
    } else {
        v
    }
}

/// `ln(1 + x)` for f64, [`ln_1p_f32`]'s method in f64: u = 1 + x rounded, the rounding
/// c = (1 + x) − u recovered exactly and c/u added inside [`ln_plus_f64`]'s sum. Within
/// its bound on 10^8 random and edge inputs (`tests/f64_accuracy.rs`).
#[inline(always)]
pub(crate) fn ln_1p_f64(x: f64) -> f64 {
    let u = 1.0 + x;
    let c = if u >= 2.0 {
        1.0 - (u - x)
    } else {
        x - (u - 1.0)
    };
    // past 2^54 the rounding of 1 + x is below ln's own rounding
    let c = if u < 18_014_398_509_481_984.0 {
        c / u
    } else {
        0.0
    };
    let v = ln_plus_f64(u, c);
    if x == 0.0 {
        // ±0 keeps its sign, as numpy's
        x
    } else if u == 0.0 {
        f64::NEG_INFINITY
    } else if x.is_nan() || x < -1.0 {
        f64::NAN
    } else if x == f64::INFINITY {
        x
    } else {
        v
    }
}

/// `ln x + c` for a positive finite f64 `x` and a correction `c` small beside ln x's last
/// bit (0 for `ln`): [`ln_plus_f32`]'s reduction with fdlibm's f64 polynomial.
#[inline(always)]
fn ln_plus_f64(x: f64, c: f64) -> f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_8e-10;
    const LG: [f64; 7] = [
        6.666_666_666_666_735e-1,
        3.999_999_999_940_942e-1,
        2.857_142_874_366_239e-1,
        2.222_219_843_214_978_4e-1,
        1.818_357_216_161_805e-1,
        1.531_383_769_920_937_3e-1,
        1.479_819_860_511_658_6e-1,
    ];
    let (e, m) = split_f64(x);
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG[1] + w * (LG[3] + w * LG[5]));
    let t2 = z * (LG[0] + w * (LG[2] + w * (LG[4] + w * LG[6])));
    let r = t1 + t2;
    let hfsq = 0.5 * f * f;
    let ef = e as f64;
    ef * LN2_HI - ((hfsq - (s * (hfsq + r) + (ef * LN2_LO + c))) - f)
}

/// x = m·2^e with m in [√½, √2), for a positive finite x (subnormals scaled into the normal
/// range first, exactly); the first step of both f64 logarithms.
#[inline(always)]
pub(crate) fn split_f64(x: f64) -> (i64, f64) {
    let tiny = x < f64::MIN_POSITIVE;
    let y = if tiny {
        x * 18_014_398_509_481_984.0
    } else {
        x
    }; // 2^54
    let bits = y.to_bits() as i64;
    let e = ((bits >> 52) & 0x7ff) - 1023 - if tiny { 54 } else { 0 };
    let m = f64::from_bits(((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000) as u64);
    let big = m > std::f64::consts::SQRT_2;
    (e + i64::from(big), if big { m * 0.5 } else { m })
}

/// `tanh x` for f32: at most 1.33 ULP from the exact value over every f32 input (measured by
/// `tests/exhaustive.rs`, worst at x = 0.6283096, just above the switch; bound 2 ULP).
#[inline(always)]
pub(crate) fn tanh_f32(x: f32) -> f32 {
    // tanh's Taylor coefficients of x^3, x^5, .., x^21 (2^2n (2^2n - 1) B_2n / (2n)!)
    const C: [f32; 10] = [
        -0.333_333_34,
        0.133_333_33,
        -0.053_968_254,
        0.021_869_488,
        -0.008_863_236,
        0.003_592_128,
        -0.001_455_834_4,
        0.000_590_027_4,
        -0.000_239_129_1,
        0.000_096_915_38,
    ];
    let a = x.abs();
    let z = a * a;
    let mut p = C[9];
    p = C[8] + z * p;
    p = C[7] + z * p;
    p = C[6] + z * p;
    p = C[5] + z * p;
    p = C[4] + z * p;
    p = C[3] + z * p;
    p = C[2] + z * p;
    p = C[1] + z * p;
    p = C[0] + z * p;
    let small = a + a * z * p;
    let large = 1.0 - 2.0 / (exp_f32(2.0 * a) + 1.0);
    let t = if a < 0.625 { small } else { large };
    // NaN stays NaN: `t` is NaN there and copysign keeps it
    t.copysign(x)
}

/// `tanh x` for f64, as [`tanh_f32`]: below |x| = 0.625 the Taylor series through x^45
/// (truncation under 0.02 ULP there), above `1 − 2 / (e^(2|x|) + 1)` with [`exp_f64`]: at most
/// 1.34 ULP from the exact value on 10^8 random and edge inputs (`tests/f64_accuracy.rs`;
/// README bound 2).
#[inline(always)]
pub(crate) fn tanh_f64(x: f64) -> f64 {
    // tanh's Taylor coefficients of x^3, x^5, .., x^45 (2^2n (2^2n - 1) B_2n / (2n)!)
    const C: [f64; 22] = [
        -0.333_333_333_333_333_3,
        0.133_333_333_333_333_33,
        -0.053_968_253_968_253_97,
        0.021_869_488_536_155_203,
        -0.008_863_235_529_902_197,
        0.003_592_128_036_572_481,
        -0.001_455_834_387_051_318_3,
        0.000_590_027_440_945_586,
        -0.000_239_129_114_243_552_48,
        9.691_537_956_929_451e-5,
        -3.927_832_388_331_683e-5,
        1.591_890_506_932_896_4e-5,
        -6.451_689_215_655_431e-6,
        2.614_771_151_290_754_6e-6,
        -1.059_726_832_010_465_4e-6,
        4.294_911_078_273_806e-7,
        -1.740_661_896_357_164_8e-7,
        7.054_636_946_400_968e-8,
        -2.859_136_662_305_254e-8,
        1.158_764_443_279_885_3e-8,
        -4.696_295_398_230_901_6e-9,
        1.903_336_833_931_276e-9,
    ];
    let a = x.abs();
    let z = a * a;
    let mut p = C[21];
    for &c in C[..21].iter().rev() {
        p = c + z * p;
    }
    let small = a + a * z * p;
    let large = 1.0 - 2.0 / (exp_f64(2.0 * a) + 1.0);
    let t = if a < 0.625 { small } else { large };
    t.copysign(x)
}

#[cfg(test)]
mod tests {
    use super::ulps::ulps32;
    use super::*;

    #[test]
    fn exp_f32_edges_match_numpy() {
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(-0.0), 1.0);
        assert_eq!(exp_f32(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert!(exp_f32(f32::NAN).is_nan());
        assert_eq!(exp_f32(88.8), f32::INFINITY);
        assert_eq!(exp_f32(-104.0), 0.0);
        assert!(exp_f32(-103.0) > 0.0, "subnormal results survive");
        for x in [
            -103.5_f32, -100.0, -90.0, -87.5, -1.0, 1e-8, 0.5, 1.0, 10.0, 88.7,
        ] {
            let d = ulps32(exp_f32(x), f64::from(x).exp());
            assert!(d <= 1.0, "exp({x}): {d} ulp");
        }
    }

    #[test]
    fn exp_f64_edges_match_numpy() {
        assert_eq!(exp_f64(0.0), 1.0);
        assert_eq!(exp_f64(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp_f64(f64::NEG_INFINITY), 0.0);
        assert!(exp_f64(f64::NAN).is_nan());
        assert_eq!(exp_f64(709.8), f64::INFINITY);
        assert_eq!(exp_f64(-746.0), 0.0);
        assert!(exp_f64(-744.0) > 0.0);
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let random = (0..1_000_000).map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            -745.0 + 1455.0 * (state >> 11) as f64 / (1u64 << 53) as f64
        });
        let edges = [-744.5, -708.0, -1.0, 1e-300, 0.5, 1.0, 100.0, 709.7];
        for x in edges.into_iter().chain(random) {
            let (got, want) = (exp_f64(x), x.exp());
            if want.is_infinite() || want == 0.0 {
                assert_eq!(got, want, "exp({x})");
                continue;
            }
            let spacing = (want.abs() * f64::EPSILON / 2.0).max(f64::from_bits(1));
            let d = (got - want).abs() / spacing;
            assert!(
                d <= 4.0,
                "exp({x}) = {got:e}, libm {want:e}: {} ulp",
                d / 2.0
            );
        }
    }

    #[test]
    fn tanh_f32_edges_match_numpy() {
        assert_eq!(tanh_f32(0.0).to_bits(), 0.0_f32.to_bits());
        assert_eq!(tanh_f32(-0.0).to_bits(), (-0.0_f32).to_bits());
        assert_eq!(tanh_f32(f32::INFINITY), 1.0);
        assert_eq!(tanh_f32(f32::NEG_INFINITY), -1.0);
        assert!(tanh_f32(f32::NAN).is_nan());
        assert_eq!(tanh_f32(f32::from_bits(1)), f32::from_bits(1));
        for x in [1e-30_f32, 0.1, 0.6249, 0.625, 0.7, 3.0, 9.5, 50.0] {
            for x in [x, -x] {
                let d = ulps32(tanh_f32(x), f64::from(x).tanh());
                assert!(d <= 2.0, "tanh({x}): {d} ulp");
            }
        }
    }

    #[test]
    fn tanh_f64_agrees_with_the_c_library() {
        assert_eq!(tanh_f64(-0.0).to_bits(), (-0.0_f64).to_bits());
        assert_eq!(tanh_f64(f64::INFINITY), 1.0);
        assert_eq!(tanh_f64(f64::NEG_INFINITY), -1.0);
        assert!(tanh_f64(f64::NAN).is_nan());
        assert_eq!(tanh_f64(f64::from_bits(1)), f64::from_bits(1));
        let mut state = 0x0DDB_1A5E_5BAD_5EED_u64;
        let edges = [
            1e-300, 0.1, 0.624_999, 0.625, 0.7, 1.0, 3.0, 19.0, 20.0, 400.0,
        ];
        let random = (0..1_000_000).map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            if i % 2 == 0 {
                // uniform where the two forms meet and the answer is not yet ±1
                (u - 0.5) * 40.0
            } else {
                // every magnitude by bit pattern, both signs
                f64::from_bits((state % 0x4040_0000_0000_0000) | (state << 63))
            }
        });
        for x in edges.into_iter().chain(random) {
            let (got, want) = (tanh_f64(x), x.tanh());
            let spacing = (want.abs() * f64::EPSILON / 2.0).max(f64::from_bits(1));
            let d = (got - want).abs() / spacing / 2.0;
            assert!(d <= 2.5, "tanh({x:e}) = {got:e}, libm {want:e}: {d} ulp");
        }
    }

    #[test]
    fn ln_edges_match_numpy() {
        assert_eq!(ln_f32(1.0), 0.0);
        assert_eq!(ln_f32(0.0), f32::NEG_INFINITY);
        assert_eq!(ln_f32(-0.0), f32::NEG_INFINITY);
        assert!(ln_f32(-1.0).is_nan() && ln_f32(f32::NAN).is_nan());
        assert_eq!(ln_f32(f32::INFINITY), f32::INFINITY);
        assert_eq!(ln_f64(1.0), 0.0);
        assert_eq!(ln_f64(0.0), f64::NEG_INFINITY);
        assert!(ln_f64(-1e-300).is_nan() && ln_f64(f64::NAN).is_nan());
        assert_eq!(ln_f64(f64::INFINITY), f64::INFINITY);
        for x in [
            f32::from_bits(1),
            1e-40,
            1e-30,
            0.5,
            0.707_2,
            1.5,
            2.0,
            1e30,
            f32::MAX,
        ] {
            let d = ulps32(ln_f32(x), f64::from(x).ln());
            assert!(d <= 1.0, "ln({x}): {d} ulp");
        }
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        for _ in 0..1_000_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // every positive finite f64, subnormals included, by its bits
            let x = f64::from_bits(state % 0x7ff0_0000_0000_0000);
            let (got, want) = (ln_f64(x), x.ln());
            let spacing = (want.abs() * f64::EPSILON / 2.0).max(f64::from_bits(1));
            assert!(
                (got - want).abs() <= 2.0 * spacing,
                "ln({x:e}) = {got:e}, libm {want:e}"
            );
        }
    }
}
