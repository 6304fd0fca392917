//! Expressions over several arrays: inputs, scalars and every [`Op`]/[`BinOp`] combined into
//! one kernel, evaluated by [`eval`](crate::eval) in one pass over memory (one dispatch on
//! the GPU).
//!
//! ```
//! use compute::expr::{x, y};
//! use compute::Device;
//!
//! let (a, b) = (vec![1.0_f32, 4.0], vec![2.0_f32, 1.0]);
//! let out = compute::eval(&Device::cpu(), (x() * 2.0 + y()).sqrt(), (&a, &b))?;
//! assert_eq!(out, [2.0, 3.0]);
//! # Ok::<(), compute::Error>(())
//! ```

use std::ops;

use crate::element::Element;
use crate::error::{Error, Result};
use crate::ir::kernel::{step, Instr, Kernel, MAX_INPUTS};
use crate::ir::op::{BinOp, Op};
use crate::ir::ops::{Prim, MAX_PARAMS};

/// An element-wise expression of up to four input arrays ([`x`], [`y`], [`z`], [`w`]),
/// scalars and ops. Build it with operators (`+ - * /`, `%` as numpy's remainder, `& | ^ << >>`
/// and `!` on integers, unary `-`), methods and [`where_`]; evaluate it
/// with [`eval`](crate::eval). The same expression shape reuses the same GPU pipeline,
/// whatever its scalar values.
///
/// It is kept flat, as the postfix program it lowers to, so an expression of any depth is
/// built, cloned, compared and dropped without recursion (evaluating one deeper than the
/// kernel limits is an error, never a stack overflow).
#[derive(Clone, Debug, PartialEq)]
pub struct Expr<T> {
    code: Vec<Node<T>>,
}

/// One step of an expression, in postfix order.
#[derive(Clone, Debug, PartialEq)]
enum Node<T> {
    Input(u8),
    Const(T),
    /// An op (a chain or a user kernel included) on the top value.
    Unary(Op<T>),
    /// A two-value op of the table (arithmetic or a comparison) on the top two values.
    Binary(Prim),
    /// A three-value op of the table (`where`) on the top three values.
    Ternary(Prim),
}

/// Element `i` of input `k` (0-based; at most 3, since a kernel reads at most four arrays;
/// a larger `k` is an error when the expression is evaluated).
///
/// # Examples
///
/// ```
/// use compute::expr::input;
/// let out = compute::eval(&compute::Device::cpu(), input(0) - input(1), ([5, 7], [1, 2]))?;
/// assert_eq!(out, [4, 5]);
/// # Ok::<(), compute::Error>(())
/// ```
pub fn input<T>(k: usize) -> Expr<T> {
    Expr {
        code: vec![Node::Input(u8::try_from(k).unwrap_or(u8::MAX))],
    }
}

/// The first input array.
pub fn x<T>() -> Expr<T> {
    input(0)
}

/// The second input array.
pub fn y<T>() -> Expr<T> {
    input(1)
}

/// The third input array.
pub fn z<T>() -> Expr<T> {
    input(2)
}

/// The fourth input array.
pub fn w<T>() -> Expr<T> {
    input(3)
}

/// A scalar, the same for every element.
///
/// # Examples
///
/// ```
/// use compute::expr::{constant, x};
/// let out = compute::eval(&compute::Device::cpu(), constant(10) - x(), ([1, 2],))?;
/// assert_eq!(out, [9, 8]);
/// # Ok::<(), compute::Error>(())
/// ```
pub fn constant<T>(value: T) -> Expr<T> {
    Expr {
        code: vec![Node::Const(value)],
    }
}

impl<T> From<T> for Expr<T> {
    fn from(value: T) -> Self {
        constant(value)
    }
}

impl<T> Expr<T> {
    /// The highest input this expression names, plus one.
    pub(crate) fn inputs_named(&self) -> usize {
        self.code
            .iter()
            .filter_map(|node| match node {
                Node::Input(k) => Some(usize::from(*k) + 1),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    }

    /// `self` and `right` combined by a two-value op: `right`'s steps follow `self`'s.
    fn binary(mut self, prim: Prim, right: Expr<T>) -> Expr<T> {
        self.code.extend(right.code);
        self.code.push(Node::Binary(prim));
        self
    }

    /// Applies any [`Op`] (a chain or a user kernel included) to the expression.
    ///
    /// # Examples
    ///
    /// ```
    /// use compute::{expr::x, Op};
    /// let e = x().apply(Op::Scale(3).then(Op::Add(1)));
    /// assert_eq!(compute::eval(&compute::Device::cpu(), e, ([1, 2],))?, [4, 7]);
    /// # Ok::<(), compute::Error>(())
    /// ```
    #[must_use]
    pub fn apply(mut self, op: Op<T>) -> Expr<T> {
        self.code.push(Node::Unary(op));
        self
    }

    /// `self` to the power `exponent` (an expression or a scalar).
    #[must_use]
    pub fn pow(self, exponent: impl Into<Expr<T>>) -> Expr<T> {
        self.binary(Prim::Pow, exponent.into())
    }

    /// Element-wise minimum with an expression or a scalar.
    #[must_use]
    pub fn min(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.binary(Prim::Min, other.into())
    }

    /// Element-wise maximum with an expression or a scalar.
    #[must_use]
    pub fn max(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.binary(Prim::Max, other.into())
    }

    /// 1 where `self > other`, else 0 (in `T`). With [`count`](crate::count), numpy's
    /// `count_nonzero(a > b)`.
    ///
    /// Comparisons follow IEEE on the CPU: NaN compares false, except with
    /// [`not_equal`](Self::not_equal). On the GPU, WGSL leaves NaN comparisons unspecified.
    ///
    /// # Examples
    ///
    /// ```
    /// use compute::expr::{x, y};
    /// let device = compute::Device::cpu();
    /// let above = compute::eval(&device, x().gt(y()), ([1.0_f32, 5.0, 3.0], [2.0, 2.0, 3.0]))?;
    /// assert_eq!(above, [0.0, 1.0, 0.0]);
    /// assert_eq!(compute::count(&device, x().gt(2), ([1, 5, 3],))?, 2);
    /// # Ok::<(), compute::Error>(())
    /// ```
    #[must_use]
    pub fn gt(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.binary(Prim::Gt, other.into())
    }

    /// 1 where `self >= other`, else 0. See [`gt`](Self::gt).
    #[must_use]
    pub fn ge(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.binary(Prim::Ge, other.into())
    }

    /// 1 where `self < other`, else 0. See [`gt`](Self::gt).
    #[must_use]
    pub fn lt(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.binary(Prim::Lt, other.into())
    }

    /// 1 where `self <= other`, else 0. See [`gt`](Self::gt).
    #[must_use]
    pub fn le(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.binary(Prim::Le, other.into())
    }

    /// 1 where `self == other`, else 0 (numpy's `equal`; named so to stay clear of
    /// [`PartialEq::eq`], which compares two expressions). See [`gt`](Self::gt).
    #[must_use]
    pub fn equal(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.binary(Prim::Eq, other.into())
    }

    /// 1 where `self != other`, else 0 (numpy's `not_equal`; NaN is unequal to everything
    /// on the CPU). See [`gt`](Self::gt).
    #[must_use]
    pub fn not_equal(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.binary(Prim::Ne, other.into())
    }

    /// `min(max(self, lo), hi)`, numpy's `clip`.
    #[must_use]
    pub fn clamp(self, lo: T, hi: T) -> Expr<T> {
        self.apply(Op::Clamp(lo, hi))
    }

    /// numpy's `arctan2(self, x)`: the angle of the point `(x, self)` (floats only).
    #[must_use]
    pub fn arctan2(self, x: impl Into<Expr<T>>) -> Expr<T> {
        self.binary(Prim::Arctan2, x.into())
    }

    /// `sqrt(self² + other²)` without overflow (floats only).
    #[must_use]
    pub fn hypot(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.binary(Prim::Hypot, other.into())
    }

    /// `self`'s magnitude with `sign`'s sign (floats only).
    #[must_use]
    pub fn copysign(self, sign: impl Into<Expr<T>>) -> Expr<T> {
        self.binary(Prim::Copysign, sign.into())
    }

    /// numpy's `self // other`, rounding toward −∞ (0 for an integer zero divisor).
    ///
    /// # Examples
    ///
    /// ```
    /// use compute::expr::x;
    /// let device = compute::Device::cpu();
    /// assert_eq!(compute::eval(&device, x().floor_div(3), ([7, -7, 5],))?, [2, -3, 1]);
    /// assert_eq!(compute::eval(&device, x() % 3, ([7, -7, 5],))?, [1, 2, 2]);
    /// # Ok::<(), compute::Error>(())
    /// ```
    #[must_use]
    pub fn floor_div(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.binary(Prim::FloorDiv, other.into())
    }

    /// 1 where both are nonzero (NaN is), else 0: numpy's `logical_and`.
    #[must_use]
    pub fn logical_and(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.binary(Prim::LogicalAnd, other.into())
    }

    /// 1 where either is nonzero, else 0: numpy's `logical_or`.
    #[must_use]
    pub fn logical_or(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.binary(Prim::LogicalOr, other.into())
    }

    /// 1 where exactly one is nonzero, else 0: numpy's `logical_xor`.
    #[must_use]
    pub fn logical_xor(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.binary(Prim::LogicalXor, other.into())
    }
}

/// numpy's `where(cond, a, b)`: `a` where `cond` is nonzero (NaN is), else `b`. It fuses like
/// any op: `cond` is usually a comparison of the same expression.
///
/// # Examples
///
/// ```
/// use compute::expr::{where_, x};
/// let relu = where_(x().gt(0.0), x(), 0.0);
/// let out = compute::eval(&compute::Device::cpu(), relu, ([-1.0_f32, 2.0],))?;
/// assert_eq!(out, [0.0, 2.0]);
/// # Ok::<(), compute::Error>(())
/// ```
pub fn where_<T>(cond: Expr<T>, a: impl Into<Expr<T>>, b: impl Into<Expr<T>>) -> Expr<T> {
    let mut code = cond.code;
    code.extend(a.into().code);
    code.extend(b.into().code);
    code.push(Node::Ternary(Prim::Where));
    Expr { code }
}

macro_rules! unary_methods {
    ($($(#[$doc:meta])* $name:ident => $op:ident),* $(,)?) => {
        impl<T> Expr<T> {
            $(
                $(#[$doc])*
                #[must_use]
                pub fn $name(self) -> Expr<T> {
                    self.apply(Op::$op)
                }
            )*
        }
    };
}

unary_methods! {
    /// `|x|`.
    abs => Abs,
    /// `x * x`.
    square => Square,
    /// Square root (floats only).
    sqrt => Sqrt,
    /// `1 / x` (floats only).
    recip => Recip,
    /// `e^x` (floats only).
    exp => Exp,
    /// Natural logarithm (floats only).
    log => Log,
    /// Sine (floats only).
    sin => Sin,
    /// Cosine (floats only).
    cos => Cos,
    /// Hyperbolic tangent (floats only).
    tanh => Tanh,
    /// `1 / (1 + e^-x)` (floats only).
    sigmoid => Sigmoid,
    /// `max(x, 0)`.
    relu => Relu,
    /// Round toward negative infinity.
    floor => Floor,
    /// Round toward positive infinity.
    ceil => Ceil,
    /// Round half to even.
    round => Round,
    /// Tangent (floats only).
    tan => Tan,
    /// Arcsine (floats only).
    arcsin => Arcsin,
    /// Arccosine (floats only).
    arccos => Arccos,
    /// Arctangent (floats only).
    arctan => Arctan,
    /// Hyperbolic sine (floats only).
    sinh => Sinh,
    /// Hyperbolic cosine (floats only).
    cosh => Cosh,
    /// Inverse hyperbolic sine (floats only).
    arcsinh => Arcsinh,
    /// Inverse hyperbolic cosine (floats only).
    arccosh => Arccosh,
    /// Inverse hyperbolic tangent (floats only).
    arctanh => Arctanh,
    /// `2^x` (floats only).
    exp2 => Exp2,
    /// `e^x - 1`, accurate near 0 (floats only).
    expm1 => Expm1,
    /// Base-2 logarithm (floats only).
    log2 => Log2,
    /// Base-10 logarithm (floats only).
    log10 => Log10,
    /// `ln(1 + x)`, accurate near 0 (floats only).
    log1p => Log1p,
    /// Cube root (floats only).
    cbrt => Cbrt,
    /// numpy's `sign`: -1, 0 or 1.
    sign => Sign,
    /// 1 where NaN, else 0.
    isnan => IsNan,
    /// 1 where ±∞, else 0.
    isinf => IsInf,
    /// 1 where neither NaN nor ±∞, else 0.
    isfinite => IsFinite,
    /// 1 where zero, else 0: numpy's `logical_not`.
    logical_not => LogicalNot,
}

macro_rules! binary_operators {
    ($($trait:ident $method:ident => $op:ident),*) => {
        $(
            impl<T, R: Into<Expr<T>>> ops::$trait<R> for Expr<T> {
                type Output = Expr<T>;
                fn $method(self, right: R) -> Expr<T> {
                    self.binary(BinOp::$op.prim(), right.into())
                }
            }
        )*
    };
}

binary_operators!(
    Add add => Add, Sub sub => Sub, Mul mul => Mul, Div div => Div, Rem rem => Mod,
    BitAnd bitand => BitAnd, BitOr bitor => BitOr, BitXor bitxor => BitXor, Shl shl => Shl,
    Shr shr => Shr
);

/// `2.0 * x()` as well as `x() * 2.0`, for each element type.
macro_rules! scalar_left {
    ($($t:ty),*) => {
        $(
            impl ops::Add<Expr<$t>> for $t {
                type Output = Expr<$t>;
                fn add(self, right: Expr<$t>) -> Expr<$t> {
                    constant(self).binary(Prim::Add, right)
                }
            }
            impl ops::Sub<Expr<$t>> for $t {
                type Output = Expr<$t>;
                fn sub(self, right: Expr<$t>) -> Expr<$t> {
                    constant(self).binary(Prim::Sub, right)
                }
            }
            impl ops::Mul<Expr<$t>> for $t {
                type Output = Expr<$t>;
                fn mul(self, right: Expr<$t>) -> Expr<$t> {
                    constant(self).binary(Prim::Mul, right)
                }
            }
            impl ops::Div<Expr<$t>> for $t {
                type Output = Expr<$t>;
                fn div(self, right: Expr<$t>) -> Expr<$t> {
                    constant(self).binary(Prim::Div, right)
                }
            }
        )*
    };
}

scalar_left!(f32, f64, i32, u32, i64, u64);

/// `!x` is bitwise not (integers only), as Rust's `!` on integers and numpy's `~`; numpy's
/// `logical_not` is [`Expr::logical_not`].
impl<T> ops::Not for Expr<T> {
    type Output = Expr<T>;
    fn not(self) -> Expr<T> {
        self.apply(Op::Invert)
    }
}

impl<T> ops::Neg for Expr<T> {
    type Output = Expr<T>;
    fn neg(self) -> Expr<T> {
        self.apply(Op::Neg)
    }
}

/// The arrays an expression reads: a tuple of one to four arrays (anything `AsRef<[T]>`), or
/// a slice, array or `Vec` of them.
pub trait Inputs<T> {
    /// The arrays, in order.
    fn slices(&self) -> Vec<&[T]>;
}

macro_rules! tuple_inputs {
    ($(($($name:ident $idx:tt),+)),*) => {
        $(
            impl<T, $($name: AsRef<[T]>),+> Inputs<T> for ($($name,)+) {
                fn slices(&self) -> Vec<&[T]> {
                    vec![$(self.$idx.as_ref()),+]
                }
            }
        )*
    };
}

tuple_inputs!((A 0), (A 0, B 1), (A 0, B 1, C 2), (A 0, B 1, C 2, D 3));

impl<T, A: AsRef<[T]>> Inputs<T> for [A] {
    fn slices(&self) -> Vec<&[T]> {
        self.iter().map(AsRef::as_ref).collect()
    }
}

impl<T, A: AsRef<[T]>, const N: usize> Inputs<T> for [A; N] {
    fn slices(&self) -> Vec<&[T]> {
        self.iter().map(AsRef::as_ref).collect()
    }
}

impl<T, A: AsRef<[T]>> Inputs<T> for Vec<A> {
    fn slices(&self) -> Vec<&[T]> {
        self.iter().map(AsRef::as_ref).collect()
    }
}

impl<T, I: Inputs<T> + ?Sized> Inputs<T> for &I {
    fn slices(&self) -> Vec<&[T]> {
        (**self).slices()
    }
}

impl<T: Element> Expr<T> {
    /// The checked kernel of the expression (see `Kernel::check`); its arity is one more
    /// than the highest input it names, at least 1 (an expression of constants reads input 0
    /// for its length).
    pub(crate) fn kernel(&self) -> Result<Kernel<'_, T>> {
        let mut code = Vec::with_capacity(self.code.len());
        for node in &self.code {
            match node {
                Node::Input(k) => code.push(Instr::Input(*k)),
                Node::Const(c) => code.push(Instr::Const(*c)),
                Node::Unary(op) => {
                    for s in op.steps() {
                        code.push(step(s).ok_or_else(|| Error::Internal {
                            what: "a chain nested in a chain".into(),
                        })?);
                    }
                }
                Node::Binary(prim) | Node::Ternary(prim) => {
                    code.push(Instr::Prim(*prim, [T::ZERO; MAX_PARAMS]))
                }
            }
        }
        Kernel::program(code, self.inputs_named().max(1))
    }
}

/// Checks the arrays an expression reads: at least as many as it names and at least one
/// (an expression of constants reads input 0 for its length), at most [`MAX_INPUTS`]. The
/// one rule for host inputs and device arrays.
pub(crate) fn check_count<T>(expr: &Expr<T>, given: usize) -> Result<()> {
    let named = expr.inputs_named();
    if named > MAX_INPUTS || given > MAX_INPUTS {
        return Err(Error::TooManyInputs {
            given: given.max(named),
            max: MAX_INPUTS,
        });
    }
    let needed = named.max(1);
    if given < needed {
        return Err(Error::MissingInput {
            index: needed - 1,
            given,
        });
    }
    Ok(())
}

/// Checks the inputs against what `expr` names (see [`check_count`]), all of one length.
/// Returns the slices and that length.
pub(crate) fn gather<'i, T: Element>(
    expr: &Expr<T>,
    inputs: &'i impl Inputs<T>,
) -> Result<(Vec<&'i [T]>, usize)> {
    let slices = inputs.slices();
    check_count(expr, slices.len())?;
    let len = slices.first().map_or(0, |s| s.len());
    if let Some(other) = slices.iter().find(|s| s.len() != len) {
        return Err(Error::LengthMismatch {
            left: len,
            right: other.len(),
        });
    }
    Ok((slices, len))
}
