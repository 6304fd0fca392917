//! The element types both backends understand, and their scalar arithmetic.
//!
//! Each type's arithmetic lives here once, as numpy and WGSL define it: integers wrap,
//! integer division by zero gives 0 and `MIN / -1` gives `MIN`, float `min`/`max` propagate
//! NaN, `round` is half-to-even. the op table (`ir/ops.rs`) writes every op's CPU meaning with these primitives.

use std::fmt::Debug;

pub(crate) use sealed::Kind;

/// An element type that [`map`](crate::map) and [`zip`](crate::zip) accept: `f32`, `i32`,
/// `u32` on both backends; `i64` and `u64` (numpy's wrapping and division rules) on the CPU
/// and on GPUs with 64-bit integer shaders (`wgpu::Features::SHADER_INT64`); `f64` on the
/// CPU and on GPUs with 64-bit float and integer shaders (its transcendental functions the
/// crate's own there, in plain f64 arithmetic). Where the GPU lacks a type, an auto device runs it on the CPU and a GPU device gives
/// `Err(Unsupported)` ([`Device::gpu_runs`](crate::Device::gpu_runs) says which).
///
/// The trait is sealed: its methods are the crate's own scalar semantics and cannot be
/// implemented or called outside it.
///
/// # Examples
///
/// ```
/// fn double<T: compute::Element>(device: &compute::Device, data: &[T], two: T) -> compute::Result<Vec<T>> {
///     compute::map(device, data, compute::Op::Scale(two))
/// }
/// let out = double(&compute::Device::cpu(), &[1u32, 2, 3], 2).unwrap();
/// assert_eq!(out, [2, 4, 6]);
/// ```
pub trait Element: sealed::Scalar {}

impl Element for f32 {}
impl Element for f64 {}
impl Element for i32 {}
impl Element for u32 {}
impl Element for i64 {}
impl Element for u64 {}

pub(crate) mod sealed {
    use super::Debug;
    use crate::math::elementary::Elementary;

    /// The numeric family of an element type; decides which ops are allowed and which WGSL
    /// helper library the GPU kernel uses.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Kind {
        /// IEEE-754 binary floating point.
        Float,
        /// Two's-complement signed integer.
        Signed,
        /// Unsigned integer.
        Unsigned,
    }

    /// A value of any element type as numpy converts it: a float's value or an integer's.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub enum Number {
        /// A float's value (exact in f64 for f32 and f64).
        Float(f64),
        /// An integer's value (exact in i128 for every integer type).
        Int(i128),
    }

    /// Scalar arithmetic of one element type. Private: reachable only inside the crate.
    pub trait Scalar:
        bytemuck::Pod + Debug + PartialEq + PartialOrd + Send + Sync + 'static
    {
        /// Rust name, for error messages.
        const NAME: &'static str;
        /// WGSL type name.
        const WGSL: &'static str;
        /// The numeric family.
        const KIND: Kind;
        /// Zero.
        const ZERO: Self;
        /// One.
        const ONE: Self;

        /// `a + b`, wrapping for integers.
        fn add(self, b: Self) -> Self;
        /// `a - b`, wrapping for integers.
        fn sub(self, b: Self) -> Self;
        /// `a * b`, wrapping for integers.
        fn mul(self, b: Self) -> Self;
        /// `a / b`; integers truncate, give 0 for `b == 0` and `MIN` for `MIN / -1`.
        fn div(self, b: Self) -> Self;
        /// Element-wise minimum; NaN-propagating for floats (numpy's `minimum`).
        fn minimum(self, b: Self) -> Self;
        /// Element-wise maximum; NaN-propagating for floats (numpy's `maximum`).
        fn maximum(self, b: Self) -> Self;
        /// `a` to the power `b`: C `pow`'s answers for floats (`math::pow`, within 1.3 ULP);
        /// for integers wrapping repeated
        /// multiplication, and for a negative exponent the truncated value of `1 / a^-b`
        /// (1 for `a == 1`, ±1 for `a == -1`, otherwise 0).
        fn pow(self, b: Self) -> Self;
        /// Negation, wrapping for integers (`0 - x` for unsigned).
        fn neg(self) -> Self;
        /// Absolute value, wrapping for integers (`abs(MIN) == MIN`).
        fn abs(self) -> Self;
        /// Float-only ops; integers never reach them (rejected by `Op::check`).
        fn sqrt(self) -> Self;
        /// `e^x`.
        fn exp(self) -> Self;
        /// Natural logarithm.
        fn ln(self) -> Self;
        /// Sine.
        fn sin(self) -> Self;
        /// Cosine.
        fn cos(self) -> Self;
        /// Sine on the vectorizable path, exact only where [`Scalar::fits_near_trig`] holds
        /// (the whole of `sin` for types without a slower path).
        #[inline(always)]
        fn sin_near(self) -> Self {
            self.sin()
        }
        /// Cosine on the vectorizable path (as [`Scalar::sin_near`]).
        #[inline(always)]
        fn cos_near(self) -> Self {
            self.cos()
        }
        /// Whether [`Scalar::sin_near`] and [`Scalar::cos_near`] are exact for this value.
        #[inline(always)]
        fn fits_near_trig(self) -> bool {
            true
        }
        /// Hyperbolic tangent.
        fn tanh(self) -> Self;
        /// The logistic function `1 / (1 + e^-x)`, written so it neither overflows nor loses
        /// the tiny true value of a large negative `x` (`e^x / (1 + e^x)` there).
        fn sigmoid(self) -> Self;
        /// 1 for `true`, 0 for `false` (a comparison's value).
        fn indicator(holds: bool) -> Self;
        /// Round towards negative infinity; identity on integers.
        fn floor(self) -> Self;
        /// Round towards positive infinity; identity on integers.
        fn ceil(self) -> Self;
        /// Round half to even; identity on integers.
        fn round(self) -> Self;
        /// numpy's `sign`: -1, 0 or 1 (0 for ±0, NaN for NaN).
        fn sign(self) -> Self;
        /// Whether the value is NaN (never for integers).
        fn is_nan(self) -> bool;
        /// Whether the value is ±∞ (never for integers).
        fn is_inf(self) -> bool;
        /// Whether the value is neither NaN nor ±∞ (always for integers).
        fn is_finite(self) -> bool;
        /// Whether the value is nonzero (NaN is), numpy's truth of a number.
        fn truthy(self) -> bool;
        /// numpy's `floor_divide` (`//`): the quotient rounded toward −∞; for integers 0 for
        /// a zero divisor and `MIN // -1 == MIN`, for floats numpy's `divmod` rules.
        fn floor_div(self, b: Self) -> Self;
        /// numpy's `remainder` (`%`): the sign of the divisor; for integers 0 for a zero
        /// divisor, for floats numpy's `divmod` rules (NaN for a zero divisor).
        fn modulo(self, b: Self) -> Self;
        /// Float-only functions (`math::elementary`); integers never reach them (rejected
        /// by the op table's types), so their default is the identity.
        #[inline(always)]
        fn tan(self) -> Self {
            self
        }
        /// Tangent on the vectorizable path, exact only where [`Scalar::fits_near_trig`]
        /// holds.
        #[inline(always)]
        fn tan_near(self) -> Self {
            self.tan()
        }
        /// Arcsine.
        #[inline(always)]
        fn asin(self) -> Self {
            self
        }
        /// Arccosine.
        #[inline(always)]
        fn acos(self) -> Self {
            self
        }
        /// Arctangent.
        #[inline(always)]
        fn atan(self) -> Self {
            self
        }
        /// Hyperbolic sine.
        #[inline(always)]
        fn sinh(self) -> Self {
            self
        }
        /// Hyperbolic cosine.
        #[inline(always)]
        fn cosh(self) -> Self {
            self
        }
        /// Inverse hyperbolic sine.
        #[inline(always)]
        fn asinh(self) -> Self {
            self
        }
        /// Inverse hyperbolic cosine.
        #[inline(always)]
        fn acosh(self) -> Self {
            self
        }
        /// Inverse hyperbolic tangent.
        #[inline(always)]
        fn atanh(self) -> Self {
            self
        }
        /// `2^x`.
        #[inline(always)]
        fn exp2(self) -> Self {
            self
        }
        /// `e^x - 1`, exact near 0.
        #[inline(always)]
        fn exp_m1(self) -> Self {
            self
        }
        /// Base-2 logarithm.
        #[inline(always)]
        fn log2(self) -> Self {
            self
        }
        /// Base-10 logarithm.
        #[inline(always)]
        fn log10(self) -> Self {
            self
        }
        /// `ln(1 + x)`, exact near 0.
        #[inline(always)]
        fn ln_1p(self) -> Self {
            self
        }
        /// Cube root (negative for a negative `x`).
        #[inline(always)]
        fn cbrt(self) -> Self {
            self
        }
        /// The angle of the point `(b, self)`, numpy's `arctan2(self, b)`.
        #[inline(always)]
        fn atan2(self, _b: Self) -> Self {
            self
        }
        /// `sqrt(self² + b²)` without overflow; ∞ if either is ∞, even with a NaN.
        #[inline(always)]
        fn hypot(self, _b: Self) -> Self {
            self
        }
        /// `self`'s magnitude with `b`'s sign bit.
        #[inline(always)]
        fn copysign(self, _b: Self) -> Self {
            self
        }
        /// Integer-only bitwise ops and shifts; floats never reach them (rejected by the op
        /// table's types), so their default is the identity.
        #[inline(always)]
        fn bit_and(self, _b: Self) -> Self {
            self
        }
        /// Bitwise or.
        #[inline(always)]
        fn bit_or(self, _b: Self) -> Self {
            self
        }
        /// Bitwise exclusive or.
        #[inline(always)]
        fn bit_xor(self, _b: Self) -> Self {
            self
        }
        /// Bitwise not.
        #[inline(always)]
        fn bit_not(self) -> Self {
            self
        }
        /// numpy's `left_shift`: 0 for a count at or past the width, or negative.
        #[inline(always)]
        fn shl(self, _b: Self) -> Self {
            self
        }
        /// numpy's `right_shift` (arithmetic for signed types): for a count at or past the
        /// width, or negative, -1 for a negative value and 0 otherwise.
        #[inline(always)]
        fn shr(self, _b: Self) -> Self {
            self
        }
        /// Whether the value is an integer zero (scalar `Div(0)` is rejected for integers).
        fn is_int_zero(self) -> bool;
        /// Whether the value is negative (for the integer `Pow` check).
        fn is_negative(self) -> bool;
        /// Conversion to `f64` (lossless but for 64-bit integers past 2^53), for `mean`,
        /// tests and references.
        fn to_f64(self) -> f64;
        /// The value, exactly, for a cast.
        fn number(self) -> Number;
        /// numpy's `astype` of a value into this type (x86-64's answers where C leaves a
        /// float out of an integer's range undefined): a float rounds to nearest (±∞ past
        /// the range); an integer wraps; a float truncates toward zero into an integer, and
        /// NaN, ±∞ or a value out of range gives `MIN` for `i32` and `i64`, for `u32` the
        /// `i64` answer wrapped to 32 bits (so -1.0 gives `u32::MAX`, 2^32 gives 0), for
        /// `u64` the `i64` answer read as unsigned below 2^63 and that of x − 2^63 with the
        /// top bit flipped from there.
        fn from_number(n: Number) -> Self;
        /// An integer's exact value (floats: 0, never asked), for integer `mean`.
        #[inline(always)]
        fn to_i128(self) -> i128 {
            0
        }
    }

    macro_rules! float_scalar {
        ($t:ty, $wgsl:expr, $exp:path, $ln:path, $tanh:path, $sin:path, $cos:path, $sin_near:path, $cos_near:path, $pow:path) => {
            impl Scalar for $t {
                const NAME: &'static str = stringify!($t);
                const WGSL: &'static str = $wgsl;
                const KIND: Kind = Kind::Float;
                const ZERO: Self = 0.0;
                const ONE: Self = 1.0;

                #[inline(always)]
                fn add(self, b: Self) -> Self {
                    self + b
                }
                #[inline(always)]
                fn sub(self, b: Self) -> Self {
                    self - b
                }
                #[inline(always)]
                fn mul(self, b: Self) -> Self {
                    self * b
                }
                #[inline(always)]
                fn div(self, b: Self) -> Self {
                    self / b
                }
                #[inline(always)]
                fn minimum(self, b: Self) -> Self {
                    // numpy's `minimum`: NaN in either operand gives NaN.
                    if self.is_nan() || b.is_nan() {
                        <$t>::NAN
                    } else if self < b {
                        self
                    } else {
                        b
                    }
                }
                #[inline(always)]
                fn maximum(self, b: Self) -> Self {
                    if self.is_nan() || b.is_nan() {
                        <$t>::NAN
                    } else if self > b {
                        self
                    } else {
                        b
                    }
                }
                #[inline(always)]
                fn pow(self, b: Self) -> Self {
                    $pow(self, b)
                }
                #[inline(always)]
                fn neg(self) -> Self {
                    -self
                }
                #[inline(always)]
                fn abs(self) -> Self {
                    <$t>::abs(self)
                }
                #[inline(always)]
                fn sqrt(self) -> Self {
                    <$t>::sqrt(self)
                }
                #[inline(always)]
                fn exp(self) -> Self {
                    $exp(self)
                }
                #[inline(always)]
                fn ln(self) -> Self {
                    $ln(self)
                }
                #[inline(always)]
                fn sin(self) -> Self {
                    $sin(self)
                }
                #[inline(always)]
                fn cos(self) -> Self {
                    $cos(self)
                }
                #[inline(always)]
                fn sin_near(self) -> Self {
                    $sin_near(self)
                }
                #[inline(always)]
                fn cos_near(self) -> Self {
                    $cos_near(self)
                }
                #[inline(always)]
                fn fits_near_trig(self) -> bool {
                    crate::math::trig::fits_near(f64::from(self))
                }
                #[inline(always)]
                fn tanh(self) -> Self {
                    $tanh(self)
                }
                #[inline(always)]
                fn sigmoid(self) -> Self {
                    // e^-|x| never overflows; for x < 0 the answer is e^x / (1 + e^x), which
                    // keeps its tiny value (1 / (1 + e^-x) would overflow to 1 / inf = 0)
                    let e = $exp(-<$t>::abs(self));
                    if self >= 0.0 {
                        1.0 / (1.0 + e)
                    } else {
                        e / (1.0 + e)
                    }
                }
                #[inline(always)]
                fn indicator(holds: bool) -> Self {
                    if holds {
                        1.0
                    } else {
                        0.0
                    }
                }
                #[inline(always)]
                fn floor(self) -> Self {
                    <$t>::floor(self)
                }
                #[inline(always)]
                fn ceil(self) -> Self {
                    <$t>::ceil(self)
                }
                #[inline(always)]
                fn round(self) -> Self {
                    self.round_ties_even()
                }
                #[inline(always)]
                fn number(self) -> Number {
                    Number::Float(f64::from(self))
                }
                #[inline(always)]
                fn from_number(n: Number) -> Self {
                    match n {
                        Number::Float(f) => f as $t,
                        Number::Int(i) => i as $t,
                    }
                }
                #[inline(always)]
                fn sign(self) -> Self {
                    // numpy: ±0 gives +0, NaN stays NaN (its payload kept)
                    if self > 0.0 {
                        1.0
                    } else if self < 0.0 {
                        -1.0
                    } else if self == 0.0 {
                        0.0
                    } else {
                        self
                    }
                }
                #[inline(always)]
                fn is_nan(self) -> bool {
                    <$t>::is_nan(self)
                }
                #[inline(always)]
                fn is_inf(self) -> bool {
                    <$t>::abs(self) == <$t>::INFINITY
                }
                #[inline(always)]
                fn is_finite(self) -> bool {
                    <$t>::abs(self) < <$t>::INFINITY
                }
                #[inline(always)]
                fn truthy(self) -> bool {
                    self != 0.0
                }
                #[inline(always)]
                fn floor_div(self, b: Self) -> Self {
                    crate::math::divmod::floor_div(self, b)
                }
                #[inline(always)]
                fn modulo(self, b: Self) -> Self {
                    crate::math::divmod::modulo(self, b)
                }
                #[inline(always)]
                fn tan(self) -> Self {
                    Elementary::tan(self)
                }
                #[inline(always)]
                fn tan_near(self) -> Self {
                    Elementary::tan_near(self)
                }
                #[inline(always)]
                fn asin(self) -> Self {
                    Elementary::asin(self)
                }
                #[inline(always)]
                fn acos(self) -> Self {
                    Elementary::acos(self)
                }
                #[inline(always)]
                fn atan(self) -> Self {
                    Elementary::atan(self)
                }
                #[inline(always)]
                fn sinh(self) -> Self {
                    Elementary::sinh(self)
                }
                #[inline(always)]
                fn cosh(self) -> Self {
                    Elementary::cosh(self)
                }
                #[inline(always)]
                fn asinh(self) -> Self {
                    Elementary::asinh(self)
                }
                #[inline(always)]
                fn acosh(self) -> Self {
                    Elementary::acosh(self)
                }
                #[inline(always)]
                fn atanh(self) -> Self {
                    Elementary::atanh(self)
                }
                #[inline(always)]
                fn exp2(self) -> Self {
                    Elementary::exp2(self)
                }
                #[inline(always)]
                fn exp_m1(self) -> Self {
                    Elementary::exp_m1(self)
                }
                #[inline(always)]
                fn log2(self) -> Self {
                    Elementary::log2(self)
                }
                #[inline(always)]
                fn log10(self) -> Self {
                    Elementary::log10(self)
                }
                #[inline(always)]
                fn ln_1p(self) -> Self {
                    Elementary::ln_1p(self)
                }
                #[inline(always)]
                fn cbrt(self) -> Self {
                    Elementary::cbrt(self)
                }
                #[inline(always)]
                fn atan2(self, b: Self) -> Self {
                    Elementary::atan2(self, b)
                }
                #[inline(always)]
                fn hypot(self, b: Self) -> Self {
                    Elementary::hypot(self, b)
                }
                #[inline(always)]
                fn copysign(self, b: Self) -> Self {
                    <$t>::copysign(self, b)
                }
                #[inline(always)]
                fn is_int_zero(self) -> bool {
                    false
                }
                #[inline(always)]
                fn is_negative(self) -> bool {
                    self < 0.0
                }
                #[inline(always)]
                fn to_f64(self) -> f64 {
                    f64::from(self)
                }
            }
        };
    }

    float_scalar!(
        f32,
        "f32",
        crate::math::exp_f32,
        crate::math::ln_f32,
        crate::math::tanh_f32,
        crate::math::trig::sin_f32,
        crate::math::trig::cos_f32,
        crate::math::trig::sin_near_f32,
        crate::math::trig::cos_near_f32,
        crate::math::pow::pow_f32
    );
    float_scalar!(
        f64,
        "f64",
        crate::math::exp_f64,
        crate::math::ln_f64,
        crate::math::tanh_f64,
        crate::math::trig::sin_f64,
        crate::math::trig::cos_f64,
        crate::math::trig::sin_near_f64,
        crate::math::trig::cos_near_f64,
        crate::math::pow::pow_f64
    );

    macro_rules! int_scalar {
        ($t:ty, $u:ty, $kind:expr, $pow:ident, $floor_div:ident, $from_float:ident) => {
            impl Scalar for $t {
                const NAME: &'static str = stringify!($t);
                const WGSL: &'static str = stringify!($t);
                const KIND: Kind = $kind;
                const ZERO: Self = 0;
                const ONE: Self = 1;

                #[inline(always)]
                fn add(self, b: Self) -> Self {
                    self.wrapping_add(b)
                }
                #[inline(always)]
                fn sub(self, b: Self) -> Self {
                    self.wrapping_sub(b)
                }
                #[inline(always)]
                fn mul(self, b: Self) -> Self {
                    self.wrapping_mul(b)
                }
                #[inline(always)]
                fn div(self, b: Self) -> Self {
                    // numpy: x / 0 == 0; wrapping_div gives MIN / -1 == MIN.
                    if b == 0 {
                        0
                    } else {
                        self.wrapping_div(b)
                    }
                }
                #[inline(always)]
                fn minimum(self, b: Self) -> Self {
                    Ord::min(self, b)
                }
                #[inline(always)]
                fn maximum(self, b: Self) -> Self {
                    Ord::max(self, b)
                }
                #[inline(always)]
                fn pow(self, b: Self) -> Self {
                    $pow(self, b)
                }
                #[inline(always)]
                fn neg(self) -> Self {
                    self.wrapping_neg()
                }
                #[inline(always)]
                fn abs(self) -> Self {
                    int_abs(self)
                }
                fn sqrt(self) -> Self {
                    self
                }
                fn exp(self) -> Self {
                    self
                }
                fn ln(self) -> Self {
                    self
                }
                fn sin(self) -> Self {
                    self
                }
                fn cos(self) -> Self {
                    self
                }
                fn tanh(self) -> Self {
                    self
                }
                fn sigmoid(self) -> Self {
                    self
                }
                #[inline(always)]
                fn indicator(holds: bool) -> Self {
                    Self::from(holds)
                }
                #[inline(always)]
                fn floor(self) -> Self {
                    self
                }
                #[inline(always)]
                fn ceil(self) -> Self {
                    self
                }
                #[inline(always)]
                fn round(self) -> Self {
                    self
                }
                #[inline(always)]
                fn number(self) -> Number {
                    Number::Int(i128::from(self))
                }
                #[inline(always)]
                fn from_number(n: Number) -> Self {
                    match n {
                        Number::Float(f) => $from_float(f),
                        Number::Int(i) => i as $t,
                    }
                }
                #[inline(always)]
                #[allow(unused_comparisons)]
                fn sign(self) -> Self {
                    if self < 0 {
                        (0 as $t).wrapping_sub(1)
                    } else {
                        Self::from(self != 0)
                    }
                }
                #[inline(always)]
                fn is_nan(self) -> bool {
                    false
                }
                #[inline(always)]
                fn is_inf(self) -> bool {
                    false
                }
                #[inline(always)]
                fn is_finite(self) -> bool {
                    true
                }
                #[inline(always)]
                fn truthy(self) -> bool {
                    self != 0
                }
                #[inline(always)]
                fn floor_div(self, b: Self) -> Self {
                    crate::math::divmod::$floor_div(self, b)
                }
                #[inline(always)]
                fn modulo(self, b: Self) -> Self {
                    // a - (a // b) * b, wrapping; 0 for b == 0
                    let q = crate::math::divmod::$floor_div(self, b);
                    let r = self.wrapping_sub(q.wrapping_mul(b));
                    if b == 0 {
                        0
                    } else {
                        r
                    }
                }
                #[inline(always)]
                fn bit_and(self, b: Self) -> Self {
                    self & b
                }
                #[inline(always)]
                fn bit_or(self, b: Self) -> Self {
                    self | b
                }
                #[inline(always)]
                fn bit_xor(self, b: Self) -> Self {
                    self ^ b
                }
                #[inline(always)]
                fn bit_not(self) -> Self {
                    !self
                }
                #[inline(always)]
                fn shl(self, b: Self) -> Self {
                    // numpy: a count read as unsigned; at or past the width, 0
                    let n = b as $u;
                    if n < <$t>::BITS as $u {
                        self << n
                    } else {
                        0
                    }
                }
                #[inline(always)]
                #[allow(unused_comparisons)]
                fn shr(self, b: Self) -> Self {
                    // numpy: at or past the width, the sign fills every bit
                    let n = b as $u;
                    let n = if n < <$t>::BITS as $u {
                        n
                    } else {
                        <$t>::BITS as $u - 1
                    };
                    let shifted = self >> n;
                    if (b as $u) < <$t>::BITS as $u || self < 0 {
                        shifted
                    } else {
                        0
                    }
                }
                #[inline(always)]
                fn is_int_zero(self) -> bool {
                    self == 0
                }
                #[inline(always)]
                #[allow(unused_comparisons)]
                fn is_negative(self) -> bool {
                    self < 0
                }
                #[inline(always)]
                fn to_f64(self) -> f64 {
                    self as f64
                }
                #[inline(always)]
                fn to_i128(self) -> i128 {
                    i128::from(self)
                }
            }
        };
    }

    int_scalar!(i32, u32, Kind::Signed, pow_i32, floor_div_i32, float_to_i32);
    int_scalar!(
        u32,
        u32,
        Kind::Unsigned,
        pow_u32,
        floor_div_u32,
        float_to_u32
    );
    // 64-bit integers run on GPUs with `SHADER_INT64` (see `gpu::context::feature`)
    int_scalar!(i64, u64, Kind::Signed, pow_i64, floor_div_i64, float_to_i64);
    int_scalar!(
        u64,
        u64,
        Kind::Unsigned,
        pow_u64,
        floor_div_u64,
        float_to_u64
    );

    /// x86-64's `cvttsd2si` into 32 bits: truncation, `MIN` for NaN and out of range. In
    /// range the truncated value plus 1.5·2^52 holds the integer in its low bits: plain
    /// arithmetic the block loops vectorize (Rust's saturating `as` is one compare and
    /// branch per element there).
    #[inline(always)]
    fn float_to_i32(f: f64) -> i32 {
        const MAGIC: f64 = 6_755_399_441_055_744.0;
        let inside = f > -2_147_483_649.0 && f < 2_147_483_648.0;
        let t = if inside { f.trunc() } else { 0.0 };
        let v = (t + MAGIC).to_bits() as i32;
        if inside {
            v
        } else {
            i32::MIN
        }
    }

    /// x86-64's `cvttsd2si` into 64 bits.
    #[inline(always)]
    fn float_to_i64(f: f64) -> i64 {
        if (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
            f as i64
        } else {
            i64::MIN
        }
    }

    /// numpy's float to `u32` on x86-64: through `i64`, wrapped.
    #[inline(always)]
    fn float_to_u32(f: f64) -> u32 {
        float_to_i64(f) as u32
    }

    /// numpy's float to `u64` on x86-64 (C's conversion as compilers emit it): below 2^63
    /// through `i64`, from there through `i64` of x − 2^63 with the top bit flipped.
    #[inline(always)]
    fn float_to_u64(f: f64) -> u64 {
        const TWO_63: f64 = 9_223_372_036_854_775_808.0;
        if f >= TWO_63 {
            (float_to_i64(f - TWO_63) as u64) ^ (1 << 63)
        } else {
            float_to_i64(f) as u64
        }
    }

    trait IntAbs {
        fn int_abs(self) -> Self;
    }
    impl IntAbs for i32 {
        #[inline(always)]
        fn int_abs(self) -> Self {
            self.wrapping_abs()
        }
    }
    impl IntAbs for u32 {
        #[inline(always)]
        fn int_abs(self) -> Self {
            self
        }
    }
    impl IntAbs for i64 {
        #[inline(always)]
        fn int_abs(self) -> Self {
            self.wrapping_abs()
        }
    }
    impl IntAbs for u64 {
        #[inline(always)]
        fn int_abs(self) -> Self {
            self
        }
    }
    #[inline(always)]
    fn int_abs<T: IntAbs>(x: T) -> T {
        x.int_abs()
    }

    /// Wrapping power by squaring; the same loop the WGSL helper runs.
    #[inline]
    fn pow_u32(base: u32, exp: u32) -> u32 {
        let (mut result, mut b, mut e) = (1u32, base, exp);
        while e != 0 {
            if e & 1 != 0 {
                result = result.wrapping_mul(b);
            }
            b = b.wrapping_mul(b);
            e >>= 1;
        }
        result
    }

    #[inline]
    fn pow_i32(base: i32, exp: i32) -> i32 {
        if exp < 0 {
            return match base {
                1 => 1,
                -1 if exp & 1 != 0 => -1,
                -1 => 1,
                _ => 0,
            };
        }
        pow_u32(base as u32, exp as u32) as i32
    }

    /// [`pow_u32`] in 64 bits.
    #[inline]
    fn pow_u64(base: u64, exp: u64) -> u64 {
        let (mut result, mut b, mut e) = (1u64, base, exp);
        while e != 0 {
            if e & 1 != 0 {
                result = result.wrapping_mul(b);
            }
            b = b.wrapping_mul(b);
            e >>= 1;
        }
        result
    }

    /// [`pow_i32`] in 64 bits.
    #[inline]
    fn pow_i64(base: i64, exp: i64) -> i64 {
        if exp < 0 {
            return match base {
                1 => 1,
                -1 if exp & 1 != 0 => -1,
                -1 => 1,
                _ => 0,
            };
        }
        pow_u64(base as u64, exp as u64) as i64
    }
}
