//! `pow`, branch-free, so the block loops vectorize it: |x|^y = e^(y·ln|x|), then C's (and
//! numpy's) special cases as selects: `x^0 == 1` and `1^y == 1` even for NaN,
//! (-1)^±inf == 1, a negative base keeps its sign for an odd integer exponent and gives NaN
//! for a finite non-integer one, ±0 and ±inf bases give C's signed zeros and infinities.
//!
//! f32 works in f64 with this module's f64 `ln` and `exp`: y·ln|x| carries a relative error
//! near 2^-52, and wherever the answer is a finite f32 |y·ln|x|| < 104, so e^(y·ln|x|) is
//! within about 2^-45 of |x|^y: the f32 answer rounds once, within 0.5 ULP and a hair.
//!
//! f64 needs more than f64: an error ε in y·ln|x| is a relative error ε in the answer, and
//! |y·ln|x|| reaches 745, so ln|x| is carried as a double-double (hi + lo, relative error
//! below 2^-64: [`ln_dd`]) and y·ln|x| as an exact product plus its low part; e^(hi + lo) is
//! [`exp_f64`]'s with lo added to its reduced argument. The error is then that of
//! [`exp_f64`] plus half a ULP: at most 1.27 ULP
//! from the exact value on 10^8 pairs (`tests/f64_accuracy.rs`, a double-double reference),
//! within 1 ULP of the C library's on the unit tests' 1.2·10^6 pairs chosen where an error
//! in ln shows most; README bound 2.5. The double-double
//! steps use `mul_add`, which is exact, so every build gives the same answers (in the
//! portable build, without FMA, it is a call to the C library's `fma`: slower there).

use super::{exp_f64, exp_f64_tail, ln_f64};

/// 2^52: from here on every f64 is an integer (and every f32 from 2^23, below it).
const INTEGRAL: f64 = 4_503_599_627_370_496.0;

/// `x^y` for f32 (see the module docs).
#[inline(always)]
pub(crate) fn pow_f32(x: f32, y: f32) -> f32 {
    let (x, y) = (f64::from(x), f64::from(y));
    let ax = x.abs();
    let magnitude = exp_f64(y * ln_f64(ax));
    special_cases(x, y, magnitude) as f32
}

/// `x^y` for f64 (see the module docs).
#[inline(always)]
pub(crate) fn pow_f64(x: f64, y: f64) -> f64 {
    let ax = x.abs();
    let ordinary = ax > 0.0 && ax < f64::INFINITY;
    let (l, l_lo) = ln_dd(if ordinary { ax } else { 1.0 });
    let (w, w_lo) = two_prod(y, l);
    let w_lo = y.mul_add(l_lo, w_lo);
    // e^(w + w_lo) with w_lo in the reduced argument (not e^w·(1 + w_lo): e^w alone may
    // overflow where the answer does not); where y·l overflowed w_lo may be NaN, but w is
    // then ±inf and past the clamp that drops the tail
    let m = exp_f64_tail(w, w_lo);
    // |x| = 0 or inf: 0 or inf as y's sign says (y = 0 and NaN are special cases below)
    let edge = if (ax == f64::INFINITY) == (y > 0.0) {
        f64::INFINITY
    } else {
        0.0
    };
    special_cases(x, y, if ordinary { m } else { edge })
}

/// C's special cases around `magnitude` = |x|^y, as selects (exact for f32 inputs too).
#[inline(always)]
fn special_cases(x: f64, y: f64, magnitude: f64) -> f64 {
    // whether y is an integer, and an odd one, without a branch: below 2^52, adding 2^52
    // rounds |y| to an integer the sum's last bit holds; at and above, |y| is an integer,
    // odd only below 2^53 with its last bit set (NaN and ±inf count as even integers)
    let ay = y.abs();
    let t = ay + INTEGRAL;
    let small = ay < INTEGRAL;
    let integer = !small || t - INTEGRAL == ay;
    let odd = if small {
        integer && t.to_bits() & 1 == 1
    } else {
        ay < 2.0 * INTEGRAL && ay.to_bits() & 1 == 1
    };
    let signed = if x.is_sign_negative() && odd {
        -magnitude
    } else {
        magnitude
    };
    let one = y == 0.0 || x == 1.0 || (x.abs() == 1.0 && ay == f64::INFINITY);
    let invalid =
        x.is_nan() || y.is_nan() || (x < 0.0 && x.is_finite() && ay < f64::INFINITY && !integer);
    if one {
        1.0
    } else if invalid {
        f64::NAN
    } else {
        signed
    }
}

/// `a · b` as the rounded product and its exact error.
#[inline(always)]
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

/// `a + b` as the rounded sum and its exact error, for |a| ≥ |b| (or a = 0).
#[inline(always)]
fn fast_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

/// `a + b` as the rounded sum and its exact error, any order.
#[inline(always)]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// `ln x` as hi + lo for a positive finite x, relative error below 2^-64.
///
/// x = m·2^e with m in [√½, √2), f = m − 1 exactly, s = f / (2 + f) as a double-double, and
/// ln m = 2·atanh s = 2s + s³·(2/3 + 2/5 s² + .. + 2/23 s^20): |s| ≤ 0.1716, so the first
/// dropped term is below 2^-65 of 2s. The cubic part is at most 0.0034; its leading 2/3 s³
/// is carried in double-double, the rest (below 6·10^-5) in plain f64, and e·ln 2 + 2s + s³·(..)
/// summed without a rounding above 2^-106 of the total.
#[inline(always)]
pub(crate) fn ln_dd(x: f64) -> (f64, f64) {
    // ln 2 as a 32-bit head (e·LN2_HI is exact for |e| < 2^21) and a tail
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_8e-10;
    const TWO_THIRDS_HI: f64 = 0.666_666_666_666_666_6;
    const TWO_THIRDS_LO: f64 = 3.700_743_415_417_188e-17;
    // 2/(2j + 1), j = 2 ..= 11
    const C: [f64; 10] = [
        0.4,
        0.285_714_285_714_285_7,
        0.222_222_222_222_222_2,
        0.181_818_181_818_181_82,
        0.153_846_153_846_153_85,
        0.133_333_333_333_333_33,
        0.117_647_058_823_529_41,
        0.105_263_157_894_736_84,
        0.095_238_095_238_095_23,
        0.086_956_521_739_130_43,
    ];
    let (e, m) = super::split_f64(x);
    let f = m - 1.0;
    // s = f / (2 + f): 2 + f exactly as d + d_lo, then the quotient's remainder
    let (d, d_lo) = fast_two_sum(2.0, f);
    let s = f / d;
    let s_lo = ((-s).mul_add(d, f) - s * d_lo) / d;
    // z = s² and c = s³, each as a double-double
    let (z, z_lo) = two_prod(s, s);
    let z_lo = (2.0 * s).mul_add(s_lo, z_lo);
    let (c, c_lo) = two_prod(s, z);
    let c_lo = s.mul_add(z_lo, s_lo.mul_add(z, c_lo));
    // p = 2/3 + 2/5 z + .. as a double-double: only its head term needs the low part
    let mut q = C[9];
    for &k in C[..9].iter().rev() {
        q = q.mul_add(z, k);
    }
    let (p, p_lo) = fast_two_sum(TWO_THIRDS_HI, q * z);
    let p_lo = p_lo + TWO_THIRDS_LO;
    // t = c·p
    let (t, t_lo) = two_prod(c, p);
    let t_lo = c.mul_add(p_lo, c_lo.mul_add(p, t_lo));
    // e·ln2 + 2s + t, the low parts gathered
    let ef = e as f64;
    let (h, h_lo) = two_sum(ef * LN2_HI, 2.0 * s);
    let (h, h_lo2) = two_sum(h, t);
    let low = h_lo + h_lo2 + (t_lo + 2.0 * s_lo + ef * LN2_LO);
    fast_two_sum(h, low)
}

#[cfg(test)]
mod tests {
    use super::super::ulps::{ulps32, ulps64};
    use super::*;

    #[test]
    fn random_pairs_round_once() {
        let mut state = 0x1234_5678_9ABC_DEF1_u64;
        for i in 0..2_000_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let (x, y) = if i % 2 == 0 {
                // every bit pattern of x, exponents that keep many answers finite
                let x = f32::from_bits((state >> 32) as u32);
                (x, ((state & 0xffff) as f32 / 65_536.0 - 0.5) * 20.0)
            } else {
                // negative bases with integer exponents
                (
                    -((state >> 40) as f32 / 4096.0),
                    ((state & 0xff) as f32) - 128.0,
                )
            };
            let want = f64::from(x).powf(f64::from(y));
            let d = ulps32(pow_f32(x, y), want);
            assert!(
                d <= 1.0,
                "pow({x:e}, {y:e}) = {:e}, C {want:e}: {d} ulp",
                pow_f32(x, y)
            );
        }
    }

    /// xorshift64, one step.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    /// A uniform f64 in [0, 1).
    fn unit(state: &mut u64) -> f64 {
        (next(state) >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn special_cases_are_c_s() {
        // each as f64 and rounded to f32 (where 1e300 is inf, 5e-324 is 0, and the integers
        // near 2^23..2^24 and 2^52..2^53 test the odd and even checks)
        let xs = [
            0.0_f64,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.5,
            2.0,
            -2.0,
            -3.0,
            1e-45,
            -1e-45,
            5e-324,
            -5e-324,
            1e30,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MAX,
            f64::MIN_POSITIVE,
        ];
        let ys = [
            0.0_f64,
            -0.0,
            1.0,
            -1.0,
            2.0,
            -2.0,
            3.0,
            -3.0,
            0.5,
            -0.5,
            2.5,
            1e10,
            -1e10,
            8_388_609.0,
            16_777_216.0,
            16_777_215.0,
            4_503_599_627_370_497.0,
            9_007_199_254_740_992.0,
            9_007_199_254_740_991.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for x in xs {
            for y in ys {
                let (got, want) = (pow_f64(x, y), x.powf(y));
                let exact = want.is_infinite() || want == 0.0 || want == 1.0;
                assert!(
                    ulps64(got, want) <= 1.0 && (!exact || got.to_bits() == want.to_bits()),
                    "pow({x:e}, {y:e}) = {got:e}, C {want:e}"
                );
                let (x, y) = (x as f32, y as f32);
                let (got, want) = (pow_f32(x, y), f64::from(x).powf(f64::from(y)));
                let w = want as f32;
                let exact = w.is_infinite() || w == 0.0 || w == 1.0;
                assert!(
                    ulps32(got, want) <= 0.5 && (!exact || got.to_bits() == w.to_bits()),
                    "f32 pow({x:e}, {y:e}) = {got:e}, C {want:e}"
                );
            }
        }
    }

    /// Checks `count` inputs `case` makes against C's `pow` (measured: within 1 ULP of it on
    /// every case here; C's own error is under 1 ULP).
    fn within_an_ulp(count: usize, seed: u64, mut case: impl FnMut(&mut u64) -> (f64, f64)) {
        let mut state = seed;
        for _ in 0..count {
            let (x, y) = case(&mut state);
            let (got, want) = (pow_f64(x, y), x.powf(y));
            let d = ulps64(got, want);
            assert!(d <= 1.0, "pow({x:e}, {y:e}) = {got:e}, C {want:e}: {d} ulp");
        }
    }

    #[test]
    fn f64_random_pairs_are_within_the_bound() {
        // every bit pattern of x with exponents that keep many answers finite
        within_an_ulp(400_000, 0x9E37_79B9_7F4A_7C15, |s| {
            let x = f64::from_bits(next(s));
            (x, (unit(s) - 0.5) * 40.0)
        });
        // negative bases, integer exponents
        within_an_ulp(200_000, 0xD1B5_4A32_D192_ED03, |s| {
            (-(unit(s) * 8.0), ((next(s) & 0xff) as f64) - 128.0)
        });
    }

    #[test]
    fn f64_holds_where_y_ln_x_is_largest() {
        // y·ln x near ±709 (the largest finite answers) and down to -745 (subnormal ones),
        // with x where ln x is smallest against y: an error in ln x shows most here
        within_an_ulp(400_000, 0x2545_F491_4F6C_DD1D, |s| {
            let x = 0.7 + unit(s) * 0.72;
            let target = if next(s) & 1 == 0 {
                600.0 + unit(s) * 109.7
            } else {
                -(700.0 + unit(s) * 45.0)
            };
            (x, target / x.ln())
        });
        // the answers just below f64::MAX and just above the smallest subnormal, where y·ln x
        // alone rounds past the threshold its low part pulls it back from
        within_an_ulp(200_000, 0x5DEE_CE66_D1CE_4E5B, |s| {
            let x = 0.7 + unit(s) * 0.72;
            let target = if next(s) & 1 == 0 {
                709.782_712_893_384 - unit(s) * 3e-13
            } else {
                -744.440_071_921_381 - unit(s) * 0.69
            };
            (x, target / x.ln())
        });
        // x within a few ULP of 1 and huge y
        within_an_ulp(100_000, 0x1234_5678_9ABC_DEF1, |s| {
            let k = (next(s) % 64) as f64 + 1.0;
            let x = if next(s) & 1 == 0 {
                1.0 + k * f64::EPSILON
            } else {
                1.0 - k * f64::EPSILON / 2.0
            };
            (x, (unit(s) - 0.5) * 1e17)
        });
        // subnormal bases
        within_an_ulp(100_000, 0x0F0F_F0F0_1234_4321, |s| {
            let x = f64::from_bits(next(s) % (1u64 << 52));
            (x, -unit(s))
        });
    }

    #[test]
    fn ln_dd_is_far_finer_than_f64() {
        // ln of every power of two, the low part a correction below the head's last bit
        for e in -1074..1024 {
            let x = if e >= -1022 {
                f64::from_bits(((e + 1023) as u64) << 52)
            } else {
                f64::from_bits(1 << (e + 1074))
            };
            let (hi, lo) = ln_dd(x);
            let want = e as f64 * std::f64::consts::LN_2;
            assert!(
                (hi - want).abs() <= want.abs() * f64::EPSILON,
                "ln 2^{e}: {hi:e} {lo:e}, want {want:e}"
            );
            assert!(
                lo.abs() <= hi.abs() * f64::EPSILON,
                "ln 2^{e}: low part {lo:e}"
            );
        }
        let (hi, lo) = ln_dd(1.0);
        assert_eq!((hi, lo), (0.0, 0.0));
    }
}
