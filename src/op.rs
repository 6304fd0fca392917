//! The operations: [`Op`] (one array, optional scalar parameters), [`BinOp`] (two arrays),
//! chaining, the checks that reject an op for a type, and the CPU semantics of each op.
//!
//! Every op's CPU meaning is written once, in [`Op::apply`] and [`BinOp::apply`]; the block
//! loops in `cpu.rs` and the reference the tests use both go through them. The WGSL meaning
//! of each op lives in `shaders/{float,sint,uint}.wgsl` under the same name.

use crate::element::sealed::Scalar;
use crate::element::{Element, Kind};
use std::sync::Arc;

use crate::error::{Error, Result};

/// An element-wise operation on one array; scalar parameters have the array's element type.
///
/// Integers wrap on overflow; integer division truncates toward zero; float `Min`/`Max`
/// propagate NaN as numpy's `minimum`/`maximum` do; `Round` is half-to-even; `Clamp(lo, hi)`
/// is numpy's `clip`, `min(max(x, lo), hi)`. Float-only ops (`Sqrt`, `Recip`, `Exp`, `Log`,
/// `Sin`, `Cos`, `Tanh`, `Sigmoid`) on integer data are an error, and so is an integer
/// `Div(0)` or an integer `Pow` with a negative exponent (both as numpy).
///
/// # Examples
///
/// ```
/// use compute::{Device, Op};
/// let device = Device::cpu();
/// let op = Op::Scale(2.0_f32).then(Op::Add(1.0)).then(Op::Sqrt);
/// assert_eq!(compute::map(&device, [4.0_f32, 12.0], op)?, [3.0, 5.0]);
/// # Ok::<(), compute::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Op<T> {
    /// `x * s`.
    Scale(T),
    /// `x + s`.
    Add(T),
    /// `x - s`.
    Sub(T),
    /// `x / s`; an integer `Div(0)` is rejected.
    Div(T),
    /// `min(x, s)`.
    Min(T),
    /// `max(x, s)`.
    Max(T),
    /// `min(max(x, lo), hi)`, numpy's `clip`.
    Clamp(T, T),
    /// `x` to the power `s`.
    Pow(T),
    /// `-x`.
    Neg,
    /// `|x|`.
    Abs,
    /// `x * x`.
    Square,
    /// Square root (floats only).
    Sqrt,
    /// `1 / x` (floats only).
    Recip,
    /// `e^x` (floats only).
    Exp,
    /// Natural logarithm (floats only).
    Log,
    /// Sine (floats only).
    Sin,
    /// Cosine (floats only).
    Cos,
    /// Hyperbolic tangent (floats only).
    Tanh,
    /// `1 / (1 + e^-x)` (floats only).
    Sigmoid,
    /// `max(x, 0)`.
    Relu,
    /// Round toward negative infinity (identity on integers).
    Floor,
    /// Round toward positive infinity (identity on integers).
    Ceil,
    /// Round half to even, as numpy and WGSL (identity on integers).
    Round,
    /// Several ops run one after the other as one fused pass; built by [`Op::then`].
    Chain(Chain<T>),
    /// A user kernel, written once in WGSL and once in Rust; built by [`Op::custom`].
    Custom(Custom<T>),
}

/// A user kernel: one element-wise function as a WGSL expression of `x` (the GPU's) and as a
/// Rust closure (the CPU's). Built by [`Op::custom`], which checks the WGSL with naga.
///
/// The WGSL sees only its element `x` and WGSL's built-in functions: it cannot name the
/// kernel's buffers, so it cannot read or write outside its element.
#[derive(Clone)]
pub struct Custom<T> {
    wgsl: Arc<str>,
    f: Arc<dyn Fn(T) -> T + Send + Sync>,
}

impl<T> Custom<T> {
    /// The WGSL expression.
    pub fn wgsl(&self) -> &str {
        &self.wgsl
    }
}

impl<T> std::fmt::Debug for Custom<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Custom")
            .field("wgsl", &self.wgsl)
            .finish_non_exhaustive()
    }
}

/// Equal when both halves are the same: the same WGSL text and the same closure.
impl<T> PartialEq for Custom<T> {
    fn eq(&self, other: &Self) -> bool {
        self.wgsl == other.wgsl && Arc::ptr_eq(&self.f, &other.f)
    }
}

/// A flat sequence of ops built by [`Op::then`]; it never contains another chain.
///
/// # Examples
///
/// ```
/// use compute::Op;
/// let op = Op::Scale(2).then(Op::Add(1)).then(Op::Neg);
/// let compute::Op::Chain(chain) = op else { unreachable!() };
/// assert_eq!(chain.ops(), [Op::Scale(2), Op::Add(1), Op::Neg]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Chain<T>(Vec<Op<T>>);

impl<T> Chain<T> {
    /// The ops in the order they run.
    pub fn ops(&self) -> &[Op<T>] {
        &self.0
    }
}

/// An element-wise operation on two equal-length arrays, used by [`zip`](crate::zip).
///
/// Semantics per type are those of the matching [`Op`]: integer `Div` by a zero element
/// gives 0, `MIN / -1` gives `MIN`, float `Min`/`Max` propagate NaN.
///
/// # Examples
///
/// ```
/// use compute::{BinOp, Device};
/// let out = compute::zip(&Device::cpu(), [7, -7, 5], [2, 2, 0], BinOp::Div)?;
/// assert_eq!(out, [3, -3, 0]);
/// # Ok::<(), compute::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b`.
    Div,
    /// `min(a, b)`.
    Min,
    /// `max(a, b)`.
    Max,
    /// `a` to the power `b`.
    Pow,
}

/// A comparison of two values: 1 where it holds, 0 where it does not, in the values' own
/// type (numpy's `(a > b).astype(a.dtype)`). Built with [`Expr::gt`](crate::expr::Expr::gt)
/// and its siblings, counted with [`count`](crate::count).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

impl Cmp {
    /// A short lowercase name, for kernel shapes.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Cmp::Gt => "gt",
            Cmp::Ge => "ge",
            Cmp::Lt => "lt",
            Cmp::Le => "le",
            Cmp::Eq => "eq",
            Cmp::Ne => "ne",
        }
    }

    /// The WGSL operator (the GPU meaning: `select(0, 1, a <op> b)`).
    pub(crate) fn wgsl(self) -> &'static str {
        match self {
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
        }
    }

    /// The CPU meaning on one pair of elements: IEEE comparisons, so NaN is unequal to
    /// everything (itself included) and neither above nor below anything, as in numpy.
    #[inline(always)]
    #[allow(clippy::float_cmp)]
    pub(crate) fn apply<T: Element>(self, a: T, b: T) -> T {
        let holds = match self {
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
        };
        if holds {
            T::ONE
        } else {
            T::ZERO
        }
    }
}

impl<T> Op<T> {
    /// Runs `next` on the result of `self`: one kernel, one pass over memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use compute::{Device, Op};
    /// let out = compute::map(&Device::cpu(), vec![1, 2, 3], Op::Add(1).then(Op::Square))?;
    /// assert_eq!(out, [4, 9, 16]);
    /// # Ok::<(), compute::Error>(())
    /// ```
    #[must_use]
    pub fn then(self, next: Op<T>) -> Op<T> {
        let mut ops = match self {
            Op::Chain(Chain(ops)) => ops,
            op => vec![op],
        };
        match next {
            Op::Chain(Chain(more)) => ops.extend(more),
            op => ops.push(op),
        }
        Op::Chain(Chain(ops))
    }

    /// The flat list of steps this op runs: itself, or a chain's ops.
    pub(crate) fn steps(&self) -> &[Op<T>] {
        match self {
            Op::Chain(chain) => &chain.0,
            op => std::slice::from_ref(op),
        }
    }

    /// A short lowercase name, shared by error messages and the WGSL helper (`op_<name>`).
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Op::Scale(_) => "scale",
            Op::Add(_) => "add",
            Op::Sub(_) => "sub",
            Op::Div(_) => "div",
            Op::Min(_) => "min",
            Op::Max(_) => "max",
            Op::Clamp(..) => "clamp",
            Op::Pow(_) => "pow",
            Op::Neg => "neg",
            Op::Abs => "abs",
            Op::Square => "square",
            Op::Sqrt => "sqrt",
            Op::Recip => "recip",
            Op::Exp => "exp",
            Op::Log => "log",
            Op::Sin => "sin",
            Op::Cos => "cos",
            Op::Tanh => "tanh",
            Op::Sigmoid => "sigmoid",
            Op::Relu => "relu",
            Op::Floor => "floor",
            Op::Ceil => "ceil",
            Op::Round => "round",
            Op::Chain(_) => "chain",
            Op::Custom(_) => "custom",
        }
    }

    /// The op's part of a kernel's shape: its name, and a user kernel's WGSL text.
    pub(crate) fn shape(&self) -> String {
        match self {
            Op::Custom(custom) => format!("custom({})", custom.wgsl),
            op => op.name().to_string(),
        }
    }

    /// The scalar parameters of one step, in the order the WGSL helper takes them.
    pub(crate) fn params(&self) -> ParamList<'_, T> {
        match self {
            Op::Scale(p)
            | Op::Add(p)
            | Op::Sub(p)
            | Op::Div(p)
            | Op::Min(p)
            | Op::Max(p)
            | Op::Pow(p) => ParamList::One(p),
            Op::Clamp(lo, hi) => ParamList::Two(lo, hi),
            Op::Neg
            | Op::Abs
            | Op::Square
            | Op::Sqrt
            | Op::Recip
            | Op::Exp
            | Op::Log
            | Op::Sin
            | Op::Cos
            | Op::Tanh
            | Op::Sigmoid
            | Op::Relu
            | Op::Floor
            | Op::Ceil
            | Op::Round
            | Op::Chain(_)
            | Op::Custom(_) => ParamList::None,
        }
    }

    /// Whether the op is defined only for floats.
    fn float_only(&self) -> bool {
        match self {
            Op::Sqrt | Op::Recip | Op::Exp | Op::Log | Op::Sin | Op::Cos | Op::Tanh => true,
            Op::Sigmoid => true,
            Op::Scale(_)
            | Op::Add(_)
            | Op::Sub(_)
            | Op::Div(_)
            | Op::Min(_)
            | Op::Max(_)
            | Op::Clamp(..)
            | Op::Pow(_)
            | Op::Neg
            | Op::Abs
            | Op::Square
            | Op::Relu
            | Op::Floor
            | Op::Ceil
            | Op::Round
            | Op::Chain(_)
            | Op::Custom(_) => false,
        }
    }

    /// Relative cost of one element of this op against a multiply, used by the backend
    /// choice: transcendentals cost roughly ten multiplies on both backends.
    pub(crate) fn cost(&self) -> usize {
        self.steps()
            .iter()
            .map(|op| match op {
                Op::Exp | Op::Log | Op::Sin | Op::Cos | Op::Tanh | Op::Sigmoid | Op::Pow(_) => 10,
                Op::Custom(_) => 10,
                _ => 1,
            })
            .sum()
    }
}

/// The parameters of one op, without allocating.
pub(crate) enum ParamList<'a, T> {
    None,
    One(&'a T),
    Two(&'a T, &'a T),
}

impl<'a, T> ParamList<'a, T> {
    /// The parameters as an iterator.
    pub(crate) fn iter(self) -> impl Iterator<Item = &'a T> {
        let (a, b) = match self {
            ParamList::None => (None, None),
            ParamList::One(a) => (Some(a), None),
            ParamList::Two(a, b) => (Some(a), Some(b)),
        };
        a.into_iter().chain(b)
    }
}

impl<T: Element> Op<T> {
    /// A user kernel: `wgsl` is a WGSL expression of `x` (of the element type) for the GPU,
    /// `f` the same function in Rust for the CPU. It chains and fuses like a built-in op.
    ///
    /// The WGSL is checked by naga now; a broken one is [`Error::Shader`] with the line and
    /// column in `wgsl`. It may use `x`, literals and WGSL's built-in functions, nothing else.
    ///
    /// # Examples
    ///
    /// ```
    /// use compute::{Device, Op};
    /// let op = Op::custom("x * x + 1.0", |x: f32| x * x + 1.0)?;
    /// assert_eq!(compute::map(&Device::cpu(), [2.0_f32, 3.0], op.then(Op::Sqrt))?, [5f32.sqrt(), 10f32.sqrt()]);
    /// assert!(Op::custom("x * * 2.0", |x: f32| x).is_err());
    /// # Ok::<(), compute::Error>(())
    /// ```
    pub fn custom(wgsl: &str, f: impl Fn(T) -> T + Send + Sync + 'static) -> Result<Op<T>> {
        crate::gpu::codegen::check_custom::<T>(wgsl)?;
        Ok(Op::Custom(Custom {
            wgsl: Arc::from(wgsl.trim()),
            f: Arc::new(f),
        }))
    }

    /// Rejects an op that is not defined for `T`, before any work starts.
    pub(crate) fn check(&self) -> Result<()> {
        for op in self.steps() {
            if T::KIND != Kind::Float && op.float_only() {
                return Err(Error::FloatOnly {
                    op: op.name(),
                    ty: T::NAME,
                });
            }
            match op {
                Op::Div(d) if d.is_int_zero() => {
                    return Err(Error::DivisionByZero { ty: T::NAME });
                }
                Op::Pow(e) if T::KIND != Kind::Float && e.is_negative() => {
                    return Err(Error::NegativePower { ty: T::NAME });
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The CPU meaning of one step on one element; chains apply their steps in order.
    #[inline(always)]
    pub(crate) fn apply(&self, value: T) -> T {
        macro_rules! call {
            (|$x:ident| $e:expr) => {{
                let $x = value;
                $e
            }};
        }
        with_op!(*self, call)
    }
}

/// Expands `$each!(|x| <expression of x>)` for the op `$op` (a place of type `Op<T>`): the
/// one place where each op's CPU meaning is written. The caller's `$each` macro turns it
/// into a scalar call or a tight loop over a block; `Scalar` must be in scope.
macro_rules! with_op {
    ($op:expr, $each:ident) => {
        match $op {
            $crate::op::Op::Scale(s) => $each!(|x| x.mul(s)),
            $crate::op::Op::Add(s) => $each!(|x| x.add(s)),
            $crate::op::Op::Sub(s) => $each!(|x| x.sub(s)),
            $crate::op::Op::Div(s) => $each!(|x| x.div(s)),
            $crate::op::Op::Min(s) => $each!(|x| x.minimum(s)),
            $crate::op::Op::Max(s) => $each!(|x| x.maximum(s)),
            $crate::op::Op::Clamp(lo, hi) => $each!(|x| x.maximum(lo).minimum(hi)),
            $crate::op::Op::Pow(s) => $each!(|x| x.pow(s)),
            $crate::op::Op::Neg => $each!(|x| x.neg()),
            $crate::op::Op::Abs => $each!(|x| x.abs()),
            $crate::op::Op::Square => $each!(|x| x.mul(x)),
            $crate::op::Op::Sqrt => $each!(|x| x.sqrt()),
            $crate::op::Op::Recip => $each!(|x| Scalar::div(Scalar::ONE, x)),
            $crate::op::Op::Exp => $each!(|x| x.exp()),
            $crate::op::Op::Log => $each!(|x| x.ln()),
            $crate::op::Op::Sin => $each!(|x| x.sin()),
            $crate::op::Op::Cos => $each!(|x| x.cos()),
            $crate::op::Op::Tanh => $each!(|x| x.tanh()),
            $crate::op::Op::Sigmoid => {
                $each!(|x| Scalar::div(Scalar::ONE, Scalar::add(Scalar::ONE, x.neg().exp())))
            }
            $crate::op::Op::Relu => $each!(|x| x.maximum(Scalar::ZERO)),
            $crate::op::Op::Floor => $each!(|x| x.floor()),
            $crate::op::Op::Ceil => $each!(|x| x.ceil()),
            $crate::op::Op::Round => $each!(|x| x.round()),
            $crate::op::Op::Chain(ref chain) => {
                $each!(|x| chain.ops().iter().fold(x, |v, op| op.apply(v)))
            }
            $crate::op::Op::Custom(ref custom) => $each!(|x| custom.call(x)),
        }
    };
}
pub(crate) use with_op;

/// Expands `$each!(|a, b| <expression>)` for the binary op `$op`, as [`with_op!`] does.
macro_rules! with_binop {
    ($op:expr, $each:ident) => {
        match $op {
            $crate::op::BinOp::Add => $each!(|a, b| a.add(b)),
            $crate::op::BinOp::Sub => $each!(|a, b| a.sub(b)),
            $crate::op::BinOp::Mul => $each!(|a, b| a.mul(b)),
            $crate::op::BinOp::Div => $each!(|a, b| a.div(b)),
            $crate::op::BinOp::Min => $each!(|a, b| a.minimum(b)),
            $crate::op::BinOp::Max => $each!(|a, b| a.maximum(b)),
            $crate::op::BinOp::Pow => $each!(|a, b| a.pow(b)),
        }
    };
}
pub(crate) use with_binop;

impl<T> Custom<T> {
    /// The CPU half of the kernel on one element.
    #[inline(always)]
    pub(crate) fn call(&self, x: T) -> T {
        (self.f)(x)
    }
}

impl BinOp {
    /// A short lowercase name, shared by error messages and the WGSL helper (`bin_<name>`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            BinOp::Add => "add",
            BinOp::Sub => "sub",
            BinOp::Mul => "mul",
            BinOp::Div => "div",
            BinOp::Min => "min",
            BinOp::Max => "max",
            BinOp::Pow => "pow",
        }
    }

    /// The CPU meaning of the op on one pair of elements.
    #[inline(always)]
    pub(crate) fn apply<T: Element>(self, left: T, right: T) -> T {
        macro_rules! call {
            (|$a:ident, $b:ident| $e:expr) => {{
                let ($a, $b) = (left, right);
                $e
            }};
        }
        with_binop!(self, call)
    }

    /// Relative cost per element, as [`Op`]'s.
    pub(crate) fn cost(self) -> usize {
        match self {
            BinOp::Pow => 10,
            _ => 1,
        }
    }
}
