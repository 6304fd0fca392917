//! Distances between a result and its reference in representable values, for the math
//! tests. NaN meets NaN and a zero must have its sign; otherwise NaN or a wrongly signed
//! zero is infinitely far. Infinity counts as the value after `MAX` (a result one ULP short
//! of overflowing is one ULP off); the special-value tests compare bits.

/// The order of f32 bit patterns as numbers (-0 and +0 one key), each step one value.
fn key32(v: f32) -> i64 {
    let b = v.to_bits() as i32;
    if b < 0 {
        i64::from(i32::MIN) - i64::from(b)
    } else {
        i64::from(b)
    }
}

/// The same for f64.
fn key64(v: f64) -> i128 {
    let b = v.to_bits() as i64;
    if b < 0 {
        i128::from(i64::MIN) - i128::from(b)
    } else {
        i128::from(b)
    }
}

/// Representable f32 values between `got` and the f64 `want` rounded to f32.
pub(crate) fn ulps32(got: f32, want: f64) -> f64 {
    if got.is_nan() || want.is_nan() {
        return if got.is_nan() && want.is_nan() {
            0.0
        } else {
            f64::INFINITY
        };
    }
    let want = want as f32;
    if exact_only(f64::from(got), f64::from(want)) {
        return f64::INFINITY;
    }
    (key32(got) - key32(want)).unsigned_abs() as f64
}

/// Whether `got` and `want` are zeros of opposite signs.
fn exact_only(got: f64, want: f64) -> bool {
    got == 0.0 && want == 0.0 && got.to_bits() != want.to_bits()
}

/// Representable f64 values between `got` and `want`.
pub(crate) fn ulps64(got: f64, want: f64) -> f64 {
    if got.is_nan() || want.is_nan() {
        return if got.is_nan() && want.is_nan() {
            0.0
        } else {
            f64::INFINITY
        };
    }
    if exact_only(got, want) {
        return f64::INFINITY;
    }
    (key64(got) - key64(want)).unsigned_abs() as f64
}
