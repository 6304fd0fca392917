//! Distances between a result and its reference in representable values, for the math
//! tests (NaN meets NaN; otherwise NaN against a number is infinitely far).

/// The order of f32 bit patterns as numbers: -0 and +0 neighbours, each step one value.
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
    (key32(got) - key32(want as f32)).unsigned_abs() as f64
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
    (key64(got) - key64(want)).unsigned_abs() as f64
}
