//! `pow` for f32, worked in f64 and branch-free, so the block loops vectorize it:
//! |x|^y = e^(y·ln|x|) with this module's f64 `ln` and `exp`. y·ln|x| carries a relative
//! error near 2^-52, and wherever the answer is a finite f32 |y·ln|x|| < 104, so e^(y·ln|x|)
//! is within about 2^-45 of |x|^y: the f32 answer rounds once, within 0.5 ULP and a hair.
//! Then C's (and numpy's) special cases, as selects: `x^0 == 1` and `1^y == 1` even for NaN,
//! (-1)^±inf == 1, a negative base keeps its sign for an odd integer exponent and gives NaN
//! for a finite non-integer one, and ±0, ±inf bases give the signed zeros and infinities C
//! gives (these fall out of e^(±inf)).

use super::{exp_f64, ln_f64};

/// 2^23: from here on every f32 is an integer.
const INTEGRAL: f32 = 8_388_608.0;

/// `x^y` for f32 (see the module docs).
#[inline(always)]
pub(crate) fn pow_f32(x: f32, y: f32) -> f32 {
    let magnitude = exp_f64(f64::from(y) * ln_f64(f64::from(x.abs()))) as f32;
    // whether y is an integer, and an odd one, without a branch: below 2^23, adding 2^23
    // rounds |y| to an integer the sum's last bit holds; at and above, |y| is an integer,
    // odd only below 2^24 with its last bit set (NaN and ±inf count as even integers)
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
    let one = y == 0.0 || x == 1.0 || (x.abs() == 1.0 && ay == f32::INFINITY);
    let invalid = x < 0.0 && x.is_finite() && ay < f32::INFINITY && !integer;
    if one {
        1.0
    } else if invalid {
        f32::NAN
    } else {
        signed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `got` against the f64 `want`, in ULPs of the f32 nearest `want` (NaN meets NaN,
    /// infinities and zeros exactly, signs included).
    fn ulps(got: f32, want: f64) -> f64 {
        if got.is_nan() || want.is_nan() {
            return if got.is_nan() && want.is_nan() {
                0.0
            } else {
                f64::INFINITY
            };
        }
        let w = want as f32;
        if got.to_bits() == w.to_bits() {
            return 0.0;
        }
        if w.is_infinite() || got.is_infinite() || got.is_sign_negative() != w.is_sign_negative() {
            return f64::INFINITY;
        }
        (i64::from(got.to_bits()) - i64::from(w.to_bits())).unsigned_abs() as f64
    }

    #[test]
    fn special_cases_are_c_s() {
        let xs = [
            0.0_f32,
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
            1e30,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            f32::MAX,
        ];
        let ys = [
            0.0_f32,
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
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
        ];
        for x in xs {
            for y in ys {
                let want = f64::from(x).powf(f64::from(y));
                let got = pow_f32(x, y);
                assert!(
                    ulps(got, want) <= 0.5,
                    "pow({x:e}, {y:e}) = {got:e}, C {want:e}"
                );
            }
        }
    }

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
            let d = ulps(pow_f32(x, y), want);
            assert!(
                d <= 1.0,
                "pow({x:e}, {y:e}) = {:e}, C {want:e}: {d} ulp",
                pow_f32(x, y)
            );
        }
    }
}
