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
    /// Tangent (floats only).
    Tan,
    /// Arcsine, NaN outside [-1, 1] (floats only).
    Arcsin,
    /// Arccosine, NaN outside [-1, 1] (floats only).
    Arccos,
    /// Arctangent (floats only).
    Arctan,
    /// Hyperbolic sine (floats only).
    Sinh,
    /// Hyperbolic cosine (floats only).
    Cosh,
    /// Inverse hyperbolic sine (floats only).
    Arcsinh,
    /// Inverse hyperbolic cosine, NaN below 1 (floats only).
    Arccosh,
    /// Inverse hyperbolic tangent, ±∞ at ±1, NaN outside (floats only).
    Arctanh,
    /// `2^x` (floats only).
    Exp2,
    /// `e^x - 1`, accurate near 0 (floats only).
    Expm1,
    /// Base-2 logarithm (floats only).
    Log2,
    /// Base-10 logarithm (floats only).
    Log10,
    /// `ln(1 + x)`, accurate near 0 (floats only).
    Log1p,
    /// Cube root (floats only).
    Cbrt,
    /// numpy's `sign`: -1, 0 or 1 (NaN stays NaN).
    Sign,
    /// 1 where `x` is NaN, else 0 (always 0 for integers).
    IsNan,
    /// 1 where `x` is ±∞, else 0.
    IsInf,
    /// 1 where `x` is neither NaN nor ±∞, else 0.
    IsFinite,
    /// 1 where `x` is zero, else 0 (numpy's `logical_not`; NaN is nonzero).
    LogicalNot,
    /// Bitwise not (integers only; numpy's `invert`, `~x`).
    Invert,
    /// numpy's `x // s`, rounding toward −∞; an integer `FloorDiv(0)` is rejected.
    FloorDiv(T),
    /// numpy's `x % s`, with the divisor's sign; an integer `Mod(0)` is rejected.
    Mod(T),
    /// `x << s` (integers only): 0 for a count at or past the width, or negative (numpy).
    Shl(T),
    /// `x >> s` (integers only, arithmetic for `i32`): past the width, or for a negative
    /// count, -1 for a negative `x` and 0 otherwise (numpy).
    Shr(T),
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
    /// Whether the WGSL calls a transcendental built-in (see `wgsl_check`).
    transcendental: bool,
    f: Arc<dyn Fn(T) -> T + Send + Sync>,
}

impl<T> Custom<T> {
    /// The WGSL expression.
    pub fn wgsl(&self) -> &str {
        &self.wgsl
    }

    /// Whether the WGSL calls a transcendental built-in (`exp`, `sin`, `pow`, ...), which a
    /// GPU kernel over `f64` cannot (naga writes them for 64-bit floats as SPIR-V drivers
    /// reject, wgpu issue 6087).
    pub(crate) fn transcendental(&self) -> bool {
        self.transcendental
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
/// Semantics per type are those of the matching [`Op`]: integer `Div` and `FloorDiv` by a
/// zero element give 0 (`Mod` too), `MIN / -1` gives `MIN`, float `Min`/`Max` propagate NaN.
/// The logical ops give 1 or 0 (nonzero, NaN included, is true).
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
#[non_exhaustive]
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
    /// numpy's `arctan2(a, b)`: the angle of the point `(b, a)` (floats only).
    Arctan2,
    /// `sqrt(a² + b²)` without overflow (floats only).
    Hypot,
    /// `a`'s magnitude with `b`'s sign (floats only).
    Copysign,
    /// numpy's `a // b`, rounding toward −∞; 0 for an integer zero divisor.
    FloorDiv,
    /// numpy's `a % b`, with the divisor's sign; 0 for an integer zero divisor.
    Mod,
    /// 1 where both are nonzero, else 0.
    LogicalAnd,
    /// 1 where either is nonzero, else 0.
    LogicalOr,
    /// 1 where exactly one is nonzero, else 0.
    LogicalXor,
    /// `a & b` (integers only).
    BitAnd,
    /// `a | b` (integers only).
    BitOr,
    /// `a ^ b` (integers only).
    BitXor,
    /// `a << b` (integers only), as [`Op::Shl`].
    Shl,
    /// `a >> b` (integers only), as [`Op::Shr`].
    Shr,
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
            Op::Tan => prim(Prim::Tan, [z; 2]),
            Op::Arcsin => prim(Prim::Arcsin, [z; 2]),
            Op::Arccos => prim(Prim::Arccos, [z; 2]),
            Op::Arctan => prim(Prim::Arctan, [z; 2]),
            Op::Sinh => prim(Prim::Sinh, [z; 2]),
            Op::Cosh => prim(Prim::Cosh, [z; 2]),
            Op::Arcsinh => prim(Prim::Arcsinh, [z; 2]),
            Op::Arccosh => prim(Prim::Arccosh, [z; 2]),
            Op::Arctanh => prim(Prim::Arctanh, [z; 2]),
            Op::Exp2 => prim(Prim::Exp2, [z; 2]),
            Op::Expm1 => prim(Prim::Expm1, [z; 2]),
            Op::Log2 => prim(Prim::Log2, [z; 2]),
            Op::Log10 => prim(Prim::Log10, [z; 2]),
            Op::Log1p => prim(Prim::Log1p, [z; 2]),
            Op::Cbrt => prim(Prim::Cbrt, [z; 2]),
            Op::Sign => prim(Prim::Sign, [z; 2]),
            Op::IsNan => prim(Prim::IsNan, [z; 2]),
            Op::IsInf => prim(Prim::IsInf, [z; 2]),
            Op::IsFinite => prim(Prim::IsFinite, [z; 2]),
            Op::LogicalNot => prim(Prim::LogicalNot, [z; 2]),
            Op::Invert => prim(Prim::Invert, [z; 2]),
            Op::FloorDiv(s) => prim(Prim::FloorDivScalar, [*s, z]),
            Op::Mod(s) => prim(Prim::ModScalar, [*s, z]),
            Op::Shl(s) => prim(Prim::ShlScalar, [*s, z]),
            Op::Shr(s) => prim(Prim::ShrScalar, [*s, z]),
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
    /// `where(cond, a, b)`, built with `expr::where_`.
    Where,
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
        Prim::Tan => op(Op::Tan),
        Prim::Arcsin => op(Op::Arcsin),
        Prim::Arccos => op(Op::Arccos),
        Prim::Arctan => op(Op::Arctan),
        Prim::Sinh => op(Op::Sinh),
        Prim::Cosh => op(Op::Cosh),
        Prim::Arcsinh => op(Op::Arcsinh),
        Prim::Arccosh => op(Op::Arccosh),
        Prim::Arctanh => op(Op::Arctanh),
        Prim::Exp2 => op(Op::Exp2),
        Prim::Expm1 => op(Op::Expm1),
        Prim::Log2 => op(Op::Log2),
        Prim::Log10 => op(Op::Log10),
        Prim::Log1p => op(Op::Log1p),
        Prim::Cbrt => op(Op::Cbrt),
        Prim::Sign => op(Op::Sign),
        Prim::IsNan => op(Op::IsNan),
        Prim::IsInf => op(Op::IsInf),
        Prim::IsFinite => op(Op::IsFinite),
        Prim::LogicalNot => op(Op::LogicalNot),
        Prim::Invert => op(Op::Invert),
        Prim::FloorDivScalar => op(Op::FloorDiv(a)),
        Prim::ModScalar => op(Op::Mod(a)),
        Prim::ShlScalar => op(Op::Shl(a)),
        Prim::ShrScalar => op(Op::Shr(a)),
        Prim::Arctan2 => Public::Bin(BinOp::Arctan2),
        Prim::Hypot => Public::Bin(BinOp::Hypot),
        Prim::Copysign => Public::Bin(BinOp::Copysign),
        Prim::FloorDiv => Public::Bin(BinOp::FloorDiv),
        Prim::Mod => Public::Bin(BinOp::Mod),
        Prim::LogicalAnd => Public::Bin(BinOp::LogicalAnd),
        Prim::LogicalOr => Public::Bin(BinOp::LogicalOr),
        Prim::LogicalXor => Public::Bin(BinOp::LogicalXor),
        Prim::BitAnd => Public::Bin(BinOp::BitAnd),
        Prim::BitOr => Public::Bin(BinOp::BitOr),
        Prim::BitXor => Public::Bin(BinOp::BitXor),
        Prim::Shl => Public::Bin(BinOp::Shl),
        Prim::Shr => Public::Bin(BinOp::Shr),
        Prim::Where => Public::Where,
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
        let transcendental = crate::wgsl_check::check_user_kernel(T::WGSL, wgsl)?;
        Ok(Op::Custom(Custom {
            wgsl: Arc::from(wgsl.trim()),
            transcendental,
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
            BinOp::Arctan2 => Prim::Arctan2,
            BinOp::Hypot => Prim::Hypot,
            BinOp::Copysign => Prim::Copysign,
            BinOp::FloorDiv => Prim::FloorDiv,
            BinOp::Mod => Prim::Mod,
            BinOp::LogicalAnd => Prim::LogicalAnd,
            BinOp::LogicalOr => Prim::LogicalOr,
            BinOp::LogicalXor => Prim::LogicalXor,
            BinOp::BitAnd => Prim::BitAnd,
            BinOp::BitOr => Prim::BitOr,
            BinOp::BitXor => Prim::BitXor,
            BinOp::Shl => Prim::Shl,
            BinOp::Shr => Prim::Shr,
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
                Public::Where => {
                    assert!(readme.contains("where_"), "{prim:?}");
                    continue;
                }
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
