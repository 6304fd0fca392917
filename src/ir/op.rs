//! The public operations: [`Op`] (one array, optional scalar parameters), [`BinOp`] (two
//! arrays), chaining, user kernels, and the checks that reject an op for a type. Each op
//! lowers onto a row of the op table (`ops.rs`), where its meaning on both backends lives.

use std::sync::Arc;

use super::ops::{Prim, MAX_PARAMS};
use crate::element::sealed::Scalar;
use crate::element::Element;
use crate::error::Result;

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

    /// The op in the op table's terms: a built-in op with its scalar parameters, a user
    /// kernel, or a chain (whose steps are lowered one by one).
    #[inline(always)]
    pub(crate) fn lower(&self) -> Lowered<'_, T>
    where
        T: Copy + Scalar,
    {
        let z = T::ZERO;
        let prim = |prim: Prim, p: [T; MAX_PARAMS]| Lowered::Prim(prim, p);
        match self {
            Op::Scale(s) => prim(Prim::Scale, [*s, z]),
            Op::Add(s) => prim(Prim::AddScalar, [*s, z]),
            Op::Sub(s) => prim(Prim::SubScalar, [*s, z]),
            Op::Div(s) => prim(Prim::DivScalar, [*s, z]),
            Op::Min(s) => prim(Prim::MinScalar, [*s, z]),
            Op::Max(s) => prim(Prim::MaxScalar, [*s, z]),
            Op::Clamp(lo, hi) => prim(Prim::Clamp, [*lo, *hi]),
            Op::Pow(s) => prim(Prim::PowScalar, [*s, z]),
            Op::Neg => prim(Prim::Neg, [z; 2]),
            Op::Abs => prim(Prim::Abs, [z; 2]),
            Op::Square => prim(Prim::Square, [z; 2]),
            Op::Sqrt => prim(Prim::Sqrt, [z; 2]),
            Op::Recip => prim(Prim::Recip, [z; 2]),
            Op::Exp => prim(Prim::Exp, [z; 2]),
            Op::Log => prim(Prim::Log, [z; 2]),
            Op::Sin => prim(Prim::Sin, [z; 2]),
            Op::Cos => prim(Prim::Cos, [z; 2]),
            Op::Tanh => prim(Prim::Tanh, [z; 2]),
            Op::Sigmoid => prim(Prim::Sigmoid, [z; 2]),
            Op::Relu => prim(Prim::Relu, [z; 2]),
            Op::Floor => prim(Prim::Floor, [z; 2]),
            Op::Ceil => prim(Prim::Ceil, [z; 2]),
            Op::Round => prim(Prim::Round, [z; 2]),
            Op::Chain(_) => Lowered::Chain,
            Op::Custom(custom) => Lowered::Custom(custom),
        }
    }
}

/// The public name of an op of the table (the inverse of [`Op::lower`] and [`BinOp::prim`]).
#[cfg_attr(not(feature = "testing"), allow(dead_code))]
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Public<T> {
    /// An [`Op`] (one value).
    Op(Op<T>),
    /// A [`BinOp`] (two arrays).
    Bin(BinOp),
    /// A comparison, built with `Expr::gt` and its siblings.
    Compare,
}

/// The public op of `prim` with scalar parameters `p`.
#[cfg_attr(not(feature = "testing"), allow(dead_code))]
pub(crate) fn public<T: Copy>(prim: Prim, p: [T; MAX_PARAMS]) -> Public<T> {
    let [a, b] = p;
    let op = |op| Public::Op(op);
    match prim {
        Prim::Scale => op(Op::Scale(a)),
        Prim::AddScalar => op(Op::Add(a)),
        Prim::SubScalar => op(Op::Sub(a)),
        Prim::DivScalar => op(Op::Div(a)),
        Prim::MinScalar => op(Op::Min(a)),
        Prim::MaxScalar => op(Op::Max(a)),
        Prim::Clamp => op(Op::Clamp(a, b)),
        Prim::PowScalar => op(Op::Pow(a)),
        Prim::Neg => op(Op::Neg),
        Prim::Abs => op(Op::Abs),
        Prim::Square => op(Op::Square),
        Prim::Sqrt => op(Op::Sqrt),
        Prim::Recip => op(Op::Recip),
        Prim::Exp => op(Op::Exp),
        Prim::Log => op(Op::Log),
        Prim::Sin => op(Op::Sin),
        Prim::Cos => op(Op::Cos),
        Prim::Tanh => op(Op::Tanh),
        Prim::Sigmoid => op(Op::Sigmoid),
        Prim::Relu => op(Op::Relu),
        Prim::Floor => op(Op::Floor),
        Prim::Ceil => op(Op::Ceil),
        Prim::Round => op(Op::Round),
        Prim::Add => Public::Bin(BinOp::Add),
        Prim::Sub => Public::Bin(BinOp::Sub),
        Prim::Mul => Public::Bin(BinOp::Mul),
        Prim::Div => Public::Bin(BinOp::Div),
        Prim::Min => Public::Bin(BinOp::Min),
        Prim::Max => Public::Bin(BinOp::Max),
        Prim::Pow => Public::Bin(BinOp::Pow),
        Prim::Gt | Prim::Ge | Prim::Lt | Prim::Le | Prim::Eq | Prim::Ne => Public::Compare,
    }
}

/// One step of an op in the op table's terms (see [`Op::lower`]).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Lowered<'a, T> {
    /// A built-in op and its scalar parameters (unused ones zero).
    Prim(Prim, [T; MAX_PARAMS]),
    /// A user kernel.
    Custom(&'a Custom<T>),
    /// A chain, whose steps lower one by one.
    Chain,
}

impl<T: Element> Op<T> {
    /// A user kernel: `wgsl` is a WGSL expression of `x` (of the element type) for the GPU,
    /// `f` the same function in Rust for the CPU. It chains and fuses like a built-in op.
    ///
    /// The WGSL is checked by naga now; a broken one is [`Error::Shader`](crate::Error::Shader) with the line and
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
        // f64 has no GPU kernels yet; its user kernels are still checked, as f32
        crate::wgsl_check::check_user_kernel(T::WGSL.unwrap_or("f32"), wgsl)?;
        Ok(Op::Custom(Custom {
            wgsl: Arc::from(wgsl.trim()),
            f: Arc::new(f),
        }))
    }
}

impl<T> Custom<T> {
    /// The WGSL expression, shared (no copy).
    pub(crate) fn shared_wgsl(&self) -> Arc<str> {
        Arc::clone(&self.wgsl)
    }

    /// The CPU half of the kernel on one element.
    #[inline(always)]
    pub(crate) fn call(&self, x: T) -> T {
        (self.f)(x)
    }
}

impl BinOp {
    /// The op in the op table's terms.
    pub(crate) fn prim(self) -> Prim {
        match self {
            BinOp::Add => Prim::Add,
            BinOp::Sub => Prim::Sub,
            BinOp::Mul => Prim::Mul,
            BinOp::Div => Prim::Div,
            BinOp::Min => Prim::Min,
            BinOp::Max => Prim::Max,
            BinOp::Pow => Prim::Pow,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{public, Public};
    use crate::ir::ops::{Prim, Wgsl};

    /// The README's semantics table names every public op of the table, and its expression
    /// notes every comparison: the docs' op list cannot silently miss a new op.
    #[test]
    fn the_readme_documents_every_op_of_the_table() {
        let readme = include_str!("../../README.md");
        let semantics = readme
            .split("## Semantics")
            .nth(1)
            .and_then(|s| s.split("\n## ").next())
            .unwrap_or("");
        for &prim in Prim::ALL {
            let name = match public::<f32>(prim, [1.0; 2]) {
                Public::Op(op) => format!("{op:?}"),
                Public::Bin(op) => format!("{op:?}"),
                Public::Compare => {
                    let method = match prim.entry().wgsl {
                        Wgsl::Compare("==") => "equal".to_string(),
                        Wgsl::Compare("!=") => "not_equal".to_string(),
                        _ => prim.entry().name.to_string(),
                    };
                    assert!(readme.contains(&format!(".{method}")), "{prim:?}");
                    continue;
                }
            };
            let name = name.split('(').next().unwrap_or_default();
            assert!(
                semantics
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w == name),
                "README's semantics table does not name {name}"
            );
        }
    }
}
