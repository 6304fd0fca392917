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
//! `ln(1 + x)` with the rounding of `1 + x` recovered exactly (`math::ln_1p_f32`).
//!
//! The inverse trigonometric functions work in f32 lanes too. `arctan` of a ratio n/d
//! takes min/max in one division and a degree-8 polynomial in t² on [0, 1]; `arctan2` puts
//! that r in its quadrant in one rounding: r, π/2 − r (|y| > |x|), π/2 + r and π − r left of
//! the y axis (π/2 and π carried as two floats; `quadrant`, shared with f64). `arcsin` is a
//! degree-7 polynomial in x² up to |x| = 0.6 and π/2 − 2·asin √((1 − |x|)/2) above
//! (1 − |x| exact there), `arccos` the same two pieces.
//! Branches are selects of both sides, so the block loops vectorize them.
//!
//! **f64** calls Rust's `std` (the platform's C library, glibc here: its documented bounds
//! are 1–2 ULP; `asinh` is std's own formula over `ln_1p`, with `ln 2x` past 2^28 where
//! std's overflows; `acosh` and `atanh` are fdlibm's formulas over the crate's `ln_1p`, as
//! the GPU's: std's lose 1,552 ULP at 1.0000001 and 25+ ULP near −1; `tan` past 2^20 the
//! crate's own reduction, glibc's 14 ULP off at 6381956970095103·2^797), one element at a time: a
//! vectorized f64 of each is future work. The exceptions, vectorized: `log1p`, the f32
//! method over this crate's f64 `ln` (`math::ln_1p_f64`), and `arctan` and `arctan2`,
//! fdlibm's `atan` with its branches as selects (`atan_f64`).
//!
//! Special values are C's and numpy's: NaN stays NaN, `arcsin`/`arccos`/`arctanh` outside
//! [-1, 1] and `arccosh` below 1 give NaN, `log2(0)` is −∞, `arctanh(±1)` is ±∞,
//! `expm1(−∞)` is −1, `hypot(±∞, NaN)` is +∞, `arctan2` gives C's answers for signed zeros
//! and infinities.

use super::trig;
use super::{exp_f64, ln_f64};
use std::f64::consts::{LN_2, LOG10_E, LOG2_E};

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

/// π/2 and π as an f32 plus the rest, so `HI − (r − LO)` rounds once.
const FRAC_PI_2_HI: f32 = std::f32::consts::FRAC_PI_2;
const FRAC_PI_2_LO: f32 = -4.371_139e-8;
const PI_HI: f32 = std::f32::consts::PI;
const PI_LO: f32 = -8.742_278e-8;

/// `atan(min / max)` for f32 n, d ≥ 0, not both 0 and not both ∞ (NaN gives NaN), in f32
/// lanes, and whether n > d (the angle is then π/2 minus it): t = min / max in one division,
/// atan t = t + t·s·Q(s) with s = t² and Q of degree 7 fitted on [0, 1] (relative error
/// 1.7·10^-8, weighted towards the worst case).
#[inline(always)]
fn atan_ratio_f32(n: f32, d: f32) -> (f32, bool) {
    const Q: [f32; 8] = [
        -0.333_331_53,
        0.199_937_73,
        -0.142_110_54,
        0.106_660_01,
        -0.075_522_07,
        0.043_211_777,
        -0.016_367_877,
        0.002_920_679_7,
    ];
    let big = n > d;
    let t = if big { d } else { n } / if big { n } else { d };
    let s = t * t;
    let mut q = Q[7];
    for &c in Q[..7].iter().rev() {
        q = q * s + c;
    }
    (t + t * (s * q), big)
}

/// The angle whose reduced part is `r` (atan of min/max, in [0, π/4]): r, π/2 − r where the
/// ratio was steep (|y| > |x|), π − r and π/2 + r for the same in the left half-plane, each
/// rounded once from π/2 or π as `hi + lo`. Generic over the float type so f32 and f64 share
/// it; branches as selects.
#[inline(always)]
fn quadrant<F>(r: F, steep: bool, left: bool, half_pi: (F, F), pi: (F, F)) -> F
where
    F: Copy + std::ops::Add<Output = F> + std::ops::Sub<Output = F>,
{
    let (hi, lo) = if steep { half_pi } else { pi };
    let minus = hi - (r - lo);
    let plus = hi + (r + lo);
    if steep & left {
        plus
    } else if steep | left {
        minus
    } else {
        r
    }
}

/// Where [`asin_near_f32`] stops and `asin x = π/2 − 2·asin √((1 − x) / 2)` takes over.
const ASIN_SWITCH: f32 = 0.6;

/// `asin x` for f32 |x| ≤ 0.6: x + x·z·R(z) with z = x² and R of degree 6 fitted on
/// [0, 0.36] (relative error 5·10^-10).
#[inline(always)]
fn asin_near_f32(x: f32) -> f32 {
    const R: [f32; 7] = [
        0.166_666_78,
        0.074_992_426,
        0.044_816_323,
        0.028_520_895,
        0.032_812_01,
        -0.013_384_22,
        0.055_547_98,
    ];
    let z = x * x;
    let mut q = R[6];
    for &c in R[..6].iter().rev() {
        q = q * z + c;
    }
    x + x * (z * q)
}

/// `2·asin √((1 − a) / 2)` for f32 a in (0.6, 1] (1 − a is exact there): `acos a`, and
/// π/2 − `asin a`.
#[inline(always)]
fn acos_far_f32(a: f32) -> f32 {
    2.0 * asin_near_f32(((1.0 - a) * 0.5).sqrt())
}

/// `atan t` for f64 t ≥ 0 (NaN gives NaN), fdlibm's `atan` (Sun Microsystems, 1993) with
/// its branches as selects: t is moved next to 0, ½, 1 or 1.5, or replaced by −1/t past
/// 39/16, in one division; atan of the reduced value by fdlibm's degree-22 odd
/// polynomial, added to atan of that point carried as two f64s.
#[inline(always)]
fn atan_f64(t: f64) -> f64 {
    const HI: [f64; 4] = [
        4.636_476_090_008_061e-1,
        std::f64::consts::FRAC_PI_4,
        9.827_937_232_473_29e-1,
        std::f64::consts::FRAC_PI_2,
    ];
    const LO: [f64; 4] = [
        2.269_877_745_296_168_7e-17,
        3.061_616_997_868_383e-17,
        1.390_331_103_123_099_8e-17,
        6.123_233_995_736_766e-17,
    ];
    const AT: [f64; 11] = [
        3.333_333_333_333_293e-1,
        -1.999_999_999_987_648_3e-1,
        1.428_571_427_250_346_6e-1,
        -1.111_111_040_546_235_6e-1,
        9.090_887_133_436_507e-2,
        -7.691_876_205_044_83e-2,
        6.661_073_137_387_531e-2,
        -5.833_570_133_790_573_5e-2,
        4.976_877_994_615_932_4e-2,
        -3.653_157_274_421_691_6e-2,
        1.628_582_011_536_578_2e-2,
    ];
    // which point: 0 below 7/16, then ½, 1, 1.5 and ∞ (bounds 11/16, 19/16, 39/16), with
    // its atan as two f64s; selects, not an indexed load, so the loop stays vectorized
    let (num, den, hi, lo) = if t < 0.4375 {
        (t, 1.0, 0.0, 0.0)
    } else if t < 0.6875 {
        (2.0 * t - 1.0, 2.0 + t, HI[0], LO[0])
    } else if t < 1.1875 {
        (t - 1.0, t + 1.0, HI[1], LO[1])
    } else if t < 2.4375 {
        (t - 1.5, 1.0 + 1.5 * t, HI[2], LO[2])
    } else {
        (-1.0, t, HI[3], LO[3])
    };
    let x = num / den;
    let z = x * x;
    let w = z * z;
    let s1 = z * (AT[0] + w * (AT[2] + w * (AT[4] + w * (AT[6] + w * (AT[8] + w * AT[10])))));
    let s2 = w * (AT[1] + w * (AT[3] + w * (AT[5] + w * (AT[7] + w * AT[9]))));
    // at the point 0 this is x − x·(s1 + s2), its sign flipped twice exactly
    hi - ((x * (s1 + s2) - lo) - x)
}

/// π/2 and π as an f64 plus the rest.
const FRAC_PI_2_LO_F64: f64 = 6.123_233_995_736_766e-17;
const PI_HI_F64: f64 = std::f64::consts::PI;
const PI_LO_F64: f64 = 1.224_646_799_147_353_2e-16;

impl Elementary for f32 {
    #[inline(always)]
    fn tan(self) -> f32 {
        let x = f64::from(self);
        if trig::fits_near(x) {
            self.tan_near()
        } else {
            trig::tan_far_f64(x) as f32
        }
    }
    #[inline(always)]
    fn tan_near(self) -> f32 {
        let x = f64::from(self);
        (trig::sin_near_f64(x) / trig::cos_near_f64(x)) as f32
    }
    #[inline(always)]
    fn asin(self) -> f32 {
        let a = self.abs();
        let far = FRAC_PI_2_HI - (acos_far_f32(a) - FRAC_PI_2_LO);
        // NaN and |x| > 1 fall to the near side, whose polynomial keeps NaN; |x| > 1 is NaN
        let v = if (a > ASIN_SWITCH) & (a <= 1.0) {
            far.copysign(self)
        } else {
            asin_near_f32(self)
        };
        if a > 1.0 {
            f32::NAN
        } else {
            v
        }
    }
    #[inline(always)]
    fn acos(self) -> f32 {
        let a = self.abs();
        let near = FRAC_PI_2_HI - (asin_near_f32(self) - FRAC_PI_2_LO);
        let far = acos_far_f32(a);
        let far = if self < 0.0 {
            PI_HI - (far - PI_LO)
        } else {
            far
        };
        let v = if (a > ASIN_SWITCH) & (a <= 1.0) {
            far
        } else {
            near
        };
        if a > 1.0 {
            f32::NAN
        } else {
            v
        }
    }
    #[inline(always)]
    fn atan(self) -> f32 {
        let (r, steep) = atan_ratio_f32(self.abs(), 1.0);
        let half_pi = (FRAC_PI_2_HI, FRAC_PI_2_LO);
        quadrant(r, steep, false, half_pi, (PI_HI, PI_LO)).copysign(self)
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
        let (y, ay, ax) = (self, self.abs(), x.abs());
        // |y| / |x|, with C's answers where it is 0/0 (the angle is 0 or π) or ∞/∞ (π/4);
        // `&` and `|`, not `&&` and `||`: no branches, so LLVM does not copy the kernel into
        // each (it did, evaluating atan twice)
        let both_inf = (ay == f32::INFINITY) & (ax == f32::INFINITY);
        let both_zero = (ay == 0.0) & (ax == 0.0);
        let (r, steep) = atan_ratio_f32(ay, ax);
        let r = if both_inf {
            std::f32::consts::FRAC_PI_4
        } else {
            r
        };
        let r = if both_zero { 0.0 } else { r };
        // a left half-plane x has its sign bit set (-0 included); on the y axis (x zero, or
        // y infinite beside a finite x) r is 0 and the angle π/2 exactly
        let half_pi = (FRAC_PI_2_HI, FRAC_PI_2_LO);
        let a = quadrant(r, steep, x.is_sign_negative(), half_pi, (PI_HI, PI_LO));
        let a = if x.is_nan() { x } else { a };
        a.copysign(y)
    }
    #[inline(always)]
    fn hypot(self, b: f32) -> f32 {
        let (a, b) = (f64::from(self), f64::from(b));
        // no f32 square overflows f64; C and numpy give +∞ when either is ∞, NaN or not
        let h = (a * a + b * b).sqrt();
        let inf = (a.abs() == f64::INFINITY) | (b.abs() == f64::INFINITY);
        (if inf { f64::INFINITY } else { h }) as f32
    }
}

impl Elementary for f64 {
    #[inline(always)]
    fn tan(self) -> f64 {
        // the C library's below 2^20; past it the crate's exact reduction (glibc's `tan` is
        // 14 ULP off at 6381956970095103·2^797)
        if trig::fits_near(self) {
            f64::tan(self)
        } else {
            trig::tan_far_f64(self)
        }
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
        atan_f64(self.abs()).copysign(self)
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
        // fdlibm's: std's ln(x + √(x − 1)·√(x + 1)) loses 1,552 ULP at 1.0000001 (millions
        // nearer 1), where x + √.. rounds away what ln(1 + small) needs
        let x = self;
        if x > HUGE {
            x.ln() + LN_2
        } else if x > 2.0 {
            (2.0 * x - 1.0 / (x + (x * x - 1.0).sqrt())).ln()
        } else {
            let t = x - 1.0;
            let v = super::ln_1p_f64(t + (2.0 * t + t * t).sqrt());
            if x < 1.0 {
                f64::NAN
            } else {
                v
            }
        }
    }
    #[inline(always)]
    fn atanh(self) -> f64 {
        // fdlibm's, on |x| with the sign put back: std's ln_1p(2x / (1 − x)) / 2 loses
        // 25 ULP and more for x near −1, where 1 − x rounds and ln_1p magnifies it
        let a = self.abs();
        let t = a + a;
        let v = if a < 0.5 {
            0.5 * super::ln_1p_f64(t + t * a / (1.0 - a))
        } else {
            0.5 * super::ln_1p_f64(t / (1.0 - a))
        };
        v.copysign(self)
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
        super::ln_1p_f64(self)
    }
    #[inline(always)]
    fn cbrt(self) -> f64 {
        f64::cbrt(self)
    }
    #[inline(always)]
    fn atan2(self, x: f64) -> f64 {
        let (y, ay, ax) = (self, self.abs(), x.abs());
        // C's answers where |y| / |x| is 0/0 (the angle is 0 or π) or ∞/∞ (π/4)
        let both_inf = (ay == f64::INFINITY) & (ax == f64::INFINITY);
        let both_zero = (ay == 0.0) & (ax == 0.0);
        let steep = ay > ax;
        let r = atan_f64(if steep { ax } else { ay } / if steep { ay } else { ax });
        let r = if both_inf {
            std::f64::consts::FRAC_PI_4
        } else {
            r
        };
        let r = if both_zero { 0.0 } else { r };
        // as f32's: on the y axis r is 0 and the angle π/2 exactly
        let half_pi = (std::f64::consts::FRAC_PI_2, FRAC_PI_2_LO_F64);
        let a = quadrant(
            r,
            steep,
            x.is_sign_negative(),
            half_pi,
            (PI_HI_F64, PI_LO_F64),
        );
        let a = if x.is_nan() { x } else { a };
        a.copysign(y)
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
        assert_eq!(E::atan2(inf, -1.0_f32), std::f32::consts::FRAC_PI_2);
        assert_eq!(E::atan2(-2.0_f32, -0.0), -std::f32::consts::FRAC_PI_2);
        let pi2 = std::f64::consts::FRAC_PI_2;
        assert_eq!(E::atan2(f64::INFINITY, -1.0), pi2);
        assert_eq!(E::atan2(-2.0, -0.0_f64), -pi2);
        assert_eq!(E::atan2(1e300, -1e-300_f64), pi2);
        // just left of the y axis, π/2 + r rounded once (π − (π/2 − r) rounded twice and
        // gave 1.5707963 in f32, π/2 + 1 ULP in f64: below atan2(1, -0))
        assert_eq!(E::atan2(1.0_f32, -1e-8), std::f32::consts::FRAC_PI_2);
        assert_eq!(E::atan2(1.0_f64, -1e-17), pi2);
        assert_eq!(E::atan2(-0.0, -1.0_f64), -std::f64::consts::PI);
        assert_eq!(
            E::atan2(f64::INFINITY, -f64::INFINITY),
            3.0 * std::f64::consts::FRAC_PI_4
        );
        assert_eq!(E::atan(f64::INFINITY), pi2);
        assert_eq!(E::atan(-1.0_f64), -std::f64::consts::FRAC_PI_4);
        assert_eq!(E::ln_1p(-1.0_f64), f64::NEG_INFINITY);
        assert_eq!(E::ln_1p(-0.0_f64).to_bits(), (-0.0_f64).to_bits());
        assert!(E::ln_1p(-1.5_f64).is_nan() && E::ln_1p(f64::NAN).is_nan());
        assert_eq!(E::ln_1p(f64::INFINITY), f64::INFINITY);
        assert_eq!(E::ln_1p(1e-300_f64), 1e-300);
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
