//! numpy's other everyday float functions: `tan`, the inverse trigonometric and the
//! hyperbolic functions, `exp2`, `expm1`, `log2`, `log10`, `log1p`, `cbrt`, `arctan2`,
//! `hypot`.
//!
//! **f32** works in f64 with this crate's vectorizable `exp`, `ln`, `sin` and `cos` (each
//! within 1.5 ULP of f64) plus `sqrt` and division, and rounds once: every step's error is
//! far below half an f32 ULP, so the answer is within about 0.5 ULP of the exact one
//! (measured over every f32 input by `tests/exhaustive.rs`; the README has the worst of
//! each). Where a formula would cancel near 0 (`expm1`, `sinh`, `arcsinh`, `arctanh`) its
//! Taylor polynomial takes over below |x| = 2^-5 (the first term left out is below 2^-35 of
//! the answer). `log1p` alone works in f32 lanes, twice as many: fdlibm's `log1pf` idea,
//! `ln(1 + x)` with the rounding of `1 + x` recovered exactly (`math::ln_1p_f32`). `arctan` of a ratio n/d takes min/max in one division and a
//! degree-11 polynomial in t² on [0, 1], then π/2 − atan where n > d; `arcsin`, `arccos` and
//! `arctan2` are `arctan` of ratios exact in f64 up to one rounding. Branches are selects of both sides, so the block
//! loops vectorize them.
//!
//! **f64** calls Rust's `std` (the platform's C library, glibc here: its documented bounds
//! are 1–2 ULP; `asinh`, `acosh` and `atanh` are std's own formulas over `ln_1p` and `ln`,
//! with `ln 2x` past 2^28 where std's `asinh` overflows), one element at a time: a
//! vectorized f64 of each is future work.
//!
//! Special values are C's and numpy's: NaN stays NaN, `arcsin`/`arccos`/`arctanh` outside
//! [-1, 1] and `arccosh` below 1 give NaN, `log2(0)` is −∞, `arctanh(±1)` is ±∞,
//! `expm1(−∞)` is −1, `hypot(±∞, NaN)` is +∞, `arctan2` gives C's answers for signed zeros
//! and infinities.

use super::trig;
use super::{exp_f64, ln_f64};
use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, LN_2, LOG10_E, LOG2_E, PI};

/// The functions of this module for one float type.
pub(crate) trait Elementary: Sized {
    fn tan(self) -> Self;
    fn tan_near(self) -> Self;
    fn asin(self) -> Self;
    fn acos(self) -> Self;
    fn atan(self) -> Self;
    fn sinh(self) -> Self;
    fn cosh(self) -> Self;
    fn asinh(self) -> Self;
    fn acosh(self) -> Self;
    fn atanh(self) -> Self;
    fn exp2(self) -> Self;
    fn exp_m1(self) -> Self;
    fn log2(self) -> Self;
    fn log10(self) -> Self;
    fn ln_1p(self) -> Self;
    fn cbrt(self) -> Self;
    fn atan2(self, x: Self) -> Self;
    fn hypot(self, b: Self) -> Self;
}

/// 2^28: past it, `asinh x` and `acosh x` are `ln 2x` to within 2^-58 of themselves.
const HUGE: f64 = 268_435_456.0;

/// Below this |x| the cancelling functions use their Taylor polynomials.
const SMALL: f64 = 0.031_25;

/// `atan(n / d)` for n, d ≥ 0, not both 0 and not both ∞ (NaN gives NaN): t = min / max in
/// one division, atan t = t·P(t²) with P of degree 11 fitted on [0, 1] (a Chebyshev least-
/// squares fit, relative error under 2·10^-10, far below an f32 ULP), and π/2 − atan t where
/// n > d.
#[inline(always)]
fn atan_ratio(n: f64, d: f64) -> f64 {
    const P: [f64; 12] = [
        0.999_999_999_811_947_1,
        -0.333_333_303_009_565_5,
        0.199_998_784_753_904_37,
        -0.142_835_858_564_064_3,
        0.110_907_136_577_471_75,
        -0.089_704_983_321_857_54,
        0.072_218_989_702_047_9,
        -0.053_901_546_212_571_115,
        0.033_823_813_694_646_64,
        -0.015_867_200_482_907_98,
        0.004_763_876_111_780_967_5,
        -0.000_671_545_798_060_103_5,
    ];
    let big = n > d;
    let t = if big { d } else { n } / if big { n } else { d };
    let s = t * t;
    let mut p = P[11];
    for &c in P[..11].iter().rev() {
        p = p * s + c;
    }
    let r = t * p;
    if big {
        FRAC_PI_2 - r
    } else {
        r
    }
}

impl Elementary for f32 {
    #[inline(always)]
    fn tan(self) -> f32 {
        let x = f64::from(self);
        if trig::fits_near(x) {
            self.tan_near()
        } else {
            x.tan() as f32
        }
    }
    #[inline(always)]
    fn tan_near(self) -> f32 {
        let x = f64::from(self);
        (trig::sin_near_f64(x) / trig::cos_near_f64(x)) as f32
    }
    #[inline(always)]
    fn asin(self) -> f32 {
        let x = f64::from(self);
        // x² and 1 - x² are exact in f64 for an f32 x
        atan_ratio(x.abs(), (1.0 - x * x).sqrt()).copysign(x) as f32
    }
    #[inline(always)]
    fn acos(self) -> f32 {
        let x = f64::from(self);
        // acos x = 2·atan √((1 - x) / (1 + x)); both sums exact in f64
        (2.0 * atan_ratio((1.0 - x).sqrt(), (1.0 + x).sqrt())) as f32
    }
    #[inline(always)]
    fn atan(self) -> f32 {
        let x = f64::from(self);
        atan_ratio(x.abs(), 1.0).copysign(x) as f32
    }
    #[inline(always)]
    fn sinh(self) -> f32 {
        let x = f64::from(self);
        let z = x * x;
        let poly = x + x * z * (1.0 / 6.0 + z * (1.0 / 120.0 + z * (1.0 / 5040.0)));
        let e = exp_f64(x.abs());
        let big = (0.5 * (e - 1.0 / e)).copysign(x);
        (if x.abs() < SMALL { poly } else { big }) as f32
    }
    #[inline(always)]
    fn cosh(self) -> f32 {
        let e = exp_f64(f64::from(self).abs());
        (0.5 * (e + 1.0 / e)) as f32
    }
    #[inline(always)]
    fn asinh(self) -> f32 {
        let x = f64::from(self);
        let (a, z) = (x.abs(), x * x);
        // x·(1 + ...) keeps the sign of -0
        let poly = x * (1.0 + z * (-1.0 / 6.0 + z * (3.0 / 40.0 + z * (-5.0 / 112.0))));
        let big = ln_f64(a + (z + 1.0).sqrt()).copysign(x);
        (if a < SMALL { poly } else { big }) as f32
    }
    #[inline(always)]
    fn acosh(self) -> f32 {
        let x = f64::from(self);
        // x² - 1 is exact in f64 for an f32 x near 1, where the answer is √(2(x - 1)); a
        // large negative x would cancel to ln 0 instead of NaN
        let y = ln_f64(x + (x * x - 1.0).sqrt());
        (if x < 1.0 { f64::NAN } else { y }) as f32
    }
    #[inline(always)]
    fn atanh(self) -> f32 {
        let x = f64::from(self);
        let (a, z) = (x.abs(), x * x);
        let poly = x + x * z * (1.0 / 3.0 + z * (0.2 + z * (1.0 / 7.0)));
        let big = (0.5 * ln_f64((1.0 + a) / (1.0 - a))).copysign(x);
        (if a < SMALL { poly } else { big }) as f32
    }
    #[inline(always)]
    fn exp2(self) -> f32 {
        // x·ln 2 rounds by 2^-53 of itself: under 2^-46 of the answer for |x| < 150
        exp_f64(f64::from(self) * LN_2) as f32
    }
    #[inline(always)]
    fn exp_m1(self) -> f32 {
        let x = f64::from(self);
        let poly = x
            * (1.0
                + x * (0.5
                    + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0 + x * (1.0 / 720.0))))));
        let big = exp_f64(x) - 1.0;
        (if x.abs() < SMALL { poly } else { big }) as f32
    }
    #[inline(always)]
    fn log2(self) -> f32 {
        (ln_f64(f64::from(self)) * LOG2_E) as f32
    }
    #[inline(always)]
    fn log10(self) -> f32 {
        (ln_f64(f64::from(self)) * LOG10_E) as f32
    }
    #[inline(always)]
    fn ln_1p(self) -> f32 {
        super::ln_1p_f32(self)
    }
    #[inline(always)]
    fn cbrt(self) -> f32 {
        let x = f64::from(self);
        // |ln|x|| ≤ 104: its 1.5 ULP error is under 2^-44 of the answer once exponentiated
        exp_f64(ln_f64(x.abs()) * (1.0 / 3.0)).copysign(x) as f32
    }
    #[inline(always)]
    fn atan2(self, x: f32) -> f32 {
        let (y, x) = (f64::from(self), f64::from(x));
        let (ay, ax) = (y.abs(), x.abs());
        // |y| / |x|, with C's answers where it is 0/0 (the angle is 0 or π) or ∞/∞ (π/4)
        let both_inf = ay == f64::INFINITY && ax == f64::INFINITY;
        let both_zero = ay == 0.0 && ax == 0.0;
        let a = atan_ratio(ay, ax);
        let a = if both_inf { FRAC_PI_4 } else { a };
        let a = if both_zero { 0.0 } else { a };
        // a left half-plane x (its sign bit set: -0 included) turns a into π - a
        let a = if x.is_sign_negative() { PI - a } else { a };
        let a = if x.is_nan() { x } else { a };
        a.copysign(y) as f32
    }
    #[inline(always)]
    fn hypot(self, b: f32) -> f32 {
        let (a, b) = (f64::from(self), f64::from(b));
        // no f32 square overflows f64; C and numpy give +∞ when either is ∞, NaN or not
        let h = (a * a + b * b).sqrt();
        let inf = a.abs() == f64::INFINITY || b.abs() == f64::INFINITY;
        (if inf { f64::INFINITY } else { h }) as f32
    }
}

impl Elementary for f64 {
    #[inline(always)]
    fn tan(self) -> f64 {
        f64::tan(self)
    }
    #[inline(always)]
    fn tan_near(self) -> f64 {
        f64::tan(self)
    }
    #[inline(always)]
    fn asin(self) -> f64 {
        f64::asin(self)
    }
    #[inline(always)]
    fn acos(self) -> f64 {
        f64::acos(self)
    }
    #[inline(always)]
    fn atan(self) -> f64 {
        f64::atan(self)
    }
    #[inline(always)]
    fn sinh(self) -> f64 {
        f64::sinh(self)
    }
    #[inline(always)]
    fn cosh(self) -> f64 {
        f64::cosh(self)
    }
    #[inline(always)]
    fn asinh(self) -> f64 {
        // std's formula overflows past f64::MAX / 2; beyond 2^28, asinh x = ln 2|x| to
        // within 2^-58 of itself
        let a = self.abs();
        if a > HUGE {
            (a.ln() + LN_2).copysign(self)
        } else {
            f64::asinh(self)
        }
    }
    #[inline(always)]
    fn acosh(self) -> f64 {
        if self > HUGE {
            self.ln() + LN_2
        } else {
            f64::acosh(self)
        }
    }
    #[inline(always)]
    fn atanh(self) -> f64 {
        f64::atanh(self)
    }
    #[inline(always)]
    fn exp2(self) -> f64 {
        f64::exp2(self)
    }
    #[inline(always)]
    fn exp_m1(self) -> f64 {
        f64::exp_m1(self)
    }
    #[inline(always)]
    fn log2(self) -> f64 {
        f64::log2(self)
    }
    #[inline(always)]
    fn log10(self) -> f64 {
        f64::log10(self)
    }
    #[inline(always)]
    fn ln_1p(self) -> f64 {
        f64::ln_1p(self)
    }
    #[inline(always)]
    fn cbrt(self) -> f64 {
        f64::cbrt(self)
    }
    #[inline(always)]
    fn atan2(self, x: f64) -> f64 {
        f64::atan2(self, x)
    }
    #[inline(always)]
    fn hypot(self, b: f64) -> f64 {
        f64::hypot(self, b)
    }
}

#[cfg(test)]
mod tests {
    use super::Elementary as E;

    #[test]
    fn special_values_are_c_s() {
        let inf = f32::INFINITY;
        assert_eq!(E::atan2(0.0_f32, -0.0), std::f32::consts::PI);
        assert_eq!(E::atan2(-0.0_f32, -0.0), -std::f32::consts::PI);
        assert_eq!(E::atan2(-0.0_f32, 0.0).to_bits(), (-0.0_f32).to_bits());
        assert_eq!(E::atan2(inf, -inf), 3.0 * std::f32::consts::FRAC_PI_4);
        assert_eq!(E::atan2(1.0_f32, -inf), std::f32::consts::PI);
        assert!(E::atan2(f32::NAN, 1.0).is_nan() && E::atan2(1.0_f32, f32::NAN).is_nan());
        assert_eq!(E::hypot(inf, f32::NAN), inf);
        assert_eq!(E::hypot(f32::NAN, -inf), inf);
        assert_eq!(E::atanh(1.0_f32), inf);
        assert_eq!(E::ln_1p(-1.0_f32), -inf);
        assert_eq!(E::exp_m1(-inf), -1.0);
        assert_eq!(E::log2(0.0_f32), -inf);
        assert_eq!(E::cbrt(8.0_f32), 2.0);
        assert_eq!(E::cbrt(-0.0_f32).to_bits(), (-0.0_f32).to_bits());
        assert!(
            E::asin(2.0_f32).is_nan() && E::acos(2.0_f32).is_nan() && E::acosh(0.5_f32).is_nan()
        );
        assert_eq!(E::acos(-1.0_f32), std::f32::consts::PI);
        assert_eq!(E::log2(f32::MAX), 128.0);
    }
}
