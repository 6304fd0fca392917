//! numpy's floor division and remainder (`//` and `%`).
//!
//! Floats follow numpy's `divmod` (`npy_divmod`): the remainder is C's `fmod` moved into the
//! divisor's sign, the quotient `(a - mod) / b` snapped to the integer it is within rounding
//! of; a zero divisor gives `a / b` (±∞ or NaN) for the quotient and NaN for the remainder.
//! Integers round the quotient toward −∞, give 0 for a zero divisor and wrap `MIN // -1`
//! to `MIN` (numpy's answers, checked against `tests/data/numpy_answers.txt`).

/// numpy's float `floor_divide` and `remainder`, for f32 and f64.
pub(crate) trait FloorDivide: Copy {
    /// `self // b`.
    fn floor_div(self, b: Self) -> Self;
    /// `self % b`.
    fn modulo(self, b: Self) -> Self;
}

macro_rules! float_divmod {
    ($t:ty, $divmod:ident) => {
        impl FloorDivide for $t {
            #[inline(always)]
            fn floor_div(self, b: Self) -> Self {
                if b == 0.0 {
                    return self / b;
                }
                $divmod(self, b).0
            }
            #[inline(always)]
            fn modulo(self, b: Self) -> Self {
                if b == 0.0 {
                    return self % b;
                }
                $divmod(self, b).1
            }
        }

        /// `npy_divmod` for a nonzero divisor: (quotient, remainder).
        #[inline(always)]
        fn $divmod(a: $t, b: $t) -> ($t, $t) {
            let mut m = a % b;
            let mut div = (a - m) / b;
            if m != 0.0 {
                if (b < 0.0) != (m < 0.0) {
                    m += b;
                    div -= 1.0;
                }
            } else {
                m = (0.0 as $t).copysign(b);
            }
            let q = if div != 0.0 {
                let f = div.floor();
                if div - f > 0.5 {
                    f + 1.0
                } else {
                    f
                }
            } else {
                (0.0 as $t).copysign(a / b)
            };
            (q, m)
        }
    };
}

float_divmod!(f32, divmod_f32);
float_divmod!(f64, divmod_f64);

/// numpy's float `floor_divide`.
#[inline(always)]
pub(crate) fn floor_div<T: FloorDivide>(a: T, b: T) -> T {
    a.floor_div(b)
}

/// numpy's float `remainder`.
#[inline(always)]
pub(crate) fn modulo<T: FloorDivide>(a: T, b: T) -> T {
    a.modulo(b)
}

/// `a // b` for i32, in f64: both operands are exact there and the rounded quotient never
/// crosses an integer (a quotient that is not an integer is at least 1/|a| ≥ 2^-31 of itself
/// from the nearest one, the rounding at most 2^-53), so its floor is the exact one, and the
/// division vectorizes where an integer one does not. 0 for `b == 0`; `MIN // -1` wraps.
#[inline(always)]
pub(crate) fn floor_div_i32(a: i32, b: i32) -> i32 {
    let q = (f64::from(a) / f64::from(b)).floor();
    if b == 0 {
        0
    } else {
        q as i64 as i32
    }
}

/// `a // b` for u32, as [`floor_div_i32`]; 0 for `b == 0`.
#[inline(always)]
pub(crate) fn floor_div_u32(a: u32, b: u32) -> u32 {
    let q = (f64::from(a) / f64::from(b)).floor();
    if b == 0 {
        0
    } else {
        q as u32
    }
}

/// `a // b` for i64, in integers (an f64 quotient is not exact past 2^53): the truncated
/// quotient, one lower where the remainder's sign differs from the divisor's; 0 for `b == 0`,
/// `MIN // -1` wraps.
#[inline(always)]
pub(crate) fn floor_div_i64(a: i64, b: i64) -> i64 {
    let d = if b == 0 { 1 } else { b };
    let (q, r) = (a.wrapping_div(d), a.wrapping_rem(d));
    let q = if r != 0 && ((r < 0) != (d < 0)) {
        q - 1
    } else {
        q
    };
    if b == 0 {
        0
    } else {
        q
    }
}

/// `a // b` for u64; 0 for `b == 0`.
#[inline(always)]
pub(crate) fn floor_div_u64(a: u64, b: u64) -> u64 {
    a.checked_div(b).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_floor_division_is_exact_where_f64_could_round() {
        let edges = [
            0,
            1,
            -1,
            2,
            -2,
            3,
            7,
            -7,
            46_341,
            i32::MIN,
            i32::MAX,
            i32::MIN + 1,
        ];
        for &a in &edges {
            for &b in &edges {
                let want = if b == 0 {
                    0
                } else {
                    let (q, r) = (a.wrapping_div(b), a.wrapping_rem(b));
                    if r != 0 && ((r < 0) != (b < 0)) {
                        q - 1
                    } else {
                        q
                    }
                };
                assert_eq!(floor_div_i32(a, b), want, "{a} // {b}");
            }
        }
        // quotients just below an integer, the case a rounded division could get wrong
        for b in [3, 7, 65_537, 2_147_483_647] {
            let a = i32::MAX - (i32::MAX % b) - 1;
            assert_eq!(floor_div_i32(a, b), a / b);
            assert_eq!(
                floor_div_u32(u32::MAX - 1, b as u32),
                (u32::MAX - 1) / b as u32
            );
        }
    }

    #[test]
    fn float_remainder_takes_the_divisor_sign() {
        assert_eq!(modulo(7.5_f64, -2.0), -0.5);
        assert_eq!(floor_div(7.5_f64, -2.0), -4.0);
        assert_eq!(modulo(-1.0_f64, f64::INFINITY), f64::INFINITY);
        assert_eq!(floor_div(-1.0_f64, f64::INFINITY), -1.0);
        assert!(modulo(1.0_f32, 0.0).is_nan());
        assert_eq!(floor_div(1.0_f32, -0.0), f32::NEG_INFINITY);
    }
}
