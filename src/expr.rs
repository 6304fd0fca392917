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
use crate::kernel::MAX_INPUTS;
use crate::op::{BinOp, Cmp, Op};

/// An element-wise expression of up to four input arrays ([`x`], [`y`], [`z`], [`w`]),
/// scalars and ops. Build it with operators (`+ - * /`, unary `-`) and methods; evaluate it
/// with [`eval`](crate::eval). The same expression shape reuses the same GPU pipeline,
/// whatever its scalar values.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr<T> {
    node: Node<T>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node<T> {
    Input(u8),
    Const(T),
    Unary(Op<T>, Box<Node<T>>),
    Binary(BinOp, Box<Node<T>>, Box<Node<T>>),
    Compare(Cmp, Box<Node<T>>, Box<Node<T>>),
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
        node: Node::Input(u8::try_from(k).unwrap_or(u8::MAX)),
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
        node: Node::Const(value),
    }
}

impl<T> From<T> for Expr<T> {
    fn from(value: T) -> Self {
        constant(value)
    }
}

impl<T> Expr<T> {
    pub(crate) fn node(&self) -> &Node<T> {
        &self.node
    }

    /// The highest input this expression names, plus one.
    pub(crate) fn inputs_named(&self) -> usize {
        fn walk<T>(node: &Node<T>) -> usize {
            match node {
                Node::Input(k) => usize::from(*k) + 1,
                Node::Const(_) => 0,
                Node::Unary(_, arg) => walk(arg),
                Node::Binary(_, l, r) | Node::Compare(_, l, r) => walk(l).max(walk(r)),
            }
        }
        walk(&self.node)
    }

    fn binary(self, op: BinOp, right: Expr<T>) -> Expr<T> {
        Expr {
            node: Node::Binary(op, Box::new(self.node), Box::new(right.node)),
        }
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
    pub fn apply(self, op: Op<T>) -> Expr<T> {
        Expr {
            node: Node::Unary(op, Box::new(self.node)),
        }
    }

    /// `self` to the power `exponent` (an expression or a scalar).
    #[must_use]
    pub fn pow(self, exponent: impl Into<Expr<T>>) -> Expr<T> {
        self.binary(BinOp::Pow, exponent.into())
    }

    /// Element-wise minimum with an expression or a scalar.
    #[must_use]
    pub fn min(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.binary(BinOp::Min, other.into())
    }

    /// Element-wise maximum with an expression or a scalar.
    #[must_use]
    pub fn max(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.binary(BinOp::Max, other.into())
    }

    fn compare(self, cmp: Cmp, right: Expr<T>) -> Expr<T> {
        Expr {
            node: Node::Compare(cmp, Box::new(self.node), Box::new(right.node)),
        }
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
        self.compare(Cmp::Gt, other.into())
    }

    /// 1 where `self >= other`, else 0. See [`gt`](Self::gt).
    #[must_use]
    pub fn ge(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.compare(Cmp::Ge, other.into())
    }

    /// 1 where `self < other`, else 0. See [`gt`](Self::gt).
    #[must_use]
    pub fn lt(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.compare(Cmp::Lt, other.into())
    }

    /// 1 where `self <= other`, else 0. See [`gt`](Self::gt).
    #[must_use]
    pub fn le(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.compare(Cmp::Le, other.into())
    }

    /// 1 where `self == other`, else 0 (numpy's `equal`; named so to stay clear of
    /// [`PartialEq::eq`], which compares two expressions). See [`gt`](Self::gt).
    #[must_use]
    pub fn equal(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.compare(Cmp::Eq, other.into())
    }

    /// 1 where `self != other`, else 0 (numpy's `not_equal`; NaN is unequal to everything
    /// on the CPU). See [`gt`](Self::gt).
    #[must_use]
    pub fn not_equal(self, other: impl Into<Expr<T>>) -> Expr<T> {
        self.compare(Cmp::Ne, other.into())
    }

    /// `min(max(self, lo), hi)`, numpy's `clip`.
    #[must_use]
    pub fn clamp(self, lo: T, hi: T) -> Expr<T> {
        self.apply(Op::Clamp(lo, hi))
    }
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
}

macro_rules! binary_operators {
    ($($trait:ident $method:ident => $op:ident),*) => {
        $(
            impl<T, R: Into<Expr<T>>> ops::$trait<R> for Expr<T> {
                type Output = Expr<T>;
                fn $method(self, right: R) -> Expr<T> {
                    self.binary(BinOp::$op, right.into())
                }
            }
        )*
    };
}

binary_operators!(Add add => Add, Sub sub => Sub, Mul mul => Mul, Div div => Div);

/// `2.0 * x()` as well as `x() * 2.0`, for each element type.
macro_rules! scalar_left {
    ($($t:ty),*) => {
        $(
            impl ops::Add<Expr<$t>> for $t {
                type Output = Expr<$t>;
                fn add(self, right: Expr<$t>) -> Expr<$t> {
                    constant(self).binary(BinOp::Add, right)
                }
            }
            impl ops::Sub<Expr<$t>> for $t {
                type Output = Expr<$t>;
                fn sub(self, right: Expr<$t>) -> Expr<$t> {
                    constant(self).binary(BinOp::Sub, right)
                }
            }
            impl ops::Mul<Expr<$t>> for $t {
                type Output = Expr<$t>;
                fn mul(self, right: Expr<$t>) -> Expr<$t> {
                    constant(self).binary(BinOp::Mul, right)
                }
            }
            impl ops::Div<Expr<$t>> for $t {
                type Output = Expr<$t>;
                fn div(self, right: Expr<$t>) -> Expr<$t> {
                    constant(self).binary(BinOp::Div, right)
                }
            }
        )*
    };
}

scalar_left!(f32, f64, i32, u32);

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

/// Checks the inputs against what `expr` names: enough arrays, at most [`MAX_INPUTS`], all
/// of one length. Returns the slices and that length.
pub(crate) fn gather<'i, T: Element>(
    expr: &Expr<T>,
    inputs: &'i impl Inputs<T>,
) -> crate::Result<(Vec<&'i [T]>, usize)> {
    let slices = inputs.slices();
    let named = expr.inputs_named();
    if named > MAX_INPUTS || slices.len() > MAX_INPUTS {
        return Err(crate::Error::TooManyInputs {
            given: slices.len().max(named),
            max: MAX_INPUTS,
        });
    }
    if slices.len() < named {
        return Err(crate::Error::MissingInput {
            index: named - 1,
            given: slices.len(),
        });
    }
    let len = slices.first().map_or(0, |s| s.len());
    if let Some(other) = slices.iter().find(|s| s.len() != len) {
        return Err(crate::Error::LengthMismatch {
            left: len,
            right: other.len(),
        });
    }
    Ok((slices, len))
}
