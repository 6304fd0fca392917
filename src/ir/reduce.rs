//! Reductions: the values of an element-wise kernel folded to one, in the same pass that
//! computes them (`sum of squares` reads the data once and writes nothing). Each reduction is
//! described once here: its name, its answer for no elements, and its WGSL spelling; each
//! backend folds with its meaning (`cpu/fold.rs`, the `reduce` entry of the shader template).
//!
//! Float sums are pairwise on both backends. The CPU sums each block of 4,096 with numpy's
//! split (halves, the left a multiple of 8, down to runs of at most 128) and, in each run,
//! eight accumulators in stride with the run's last `len % 8` values folded into them too
//! (numpy adds those one by one), then the accumulators pairwise: at most 15 + 3 roundings in
//! a run and 6 split levels, so at most 24 per element in a block. The GPU's workgroup adds 16
//! values per invocation, then a tree over 256 invocations: at most 23. The blocks'
//! (workgroups') sums are then added in a balanced binary tree on the host, ⌈log2 m⌉
//! roundings for m blocks. So an element meets at most D roundings, D ≤ 24 for n ≤ 4,096
//! (and far fewer for small n: at most n − 1) and D ≤ 24 + ⌈log2 ⌈n / 4096⌉⌉ = ⌈log2 n⌉ + 12
//! above; either way D ≤ ⌈log2 n⌉ + 16. The error is at most γ_D·Σ|xᵢ| with γ_D = D·u /
//! (1 − D·u) (Higham, *Accuracy and Stability of Numerical Algorithms*, §4.2), u = 2⁻²⁴ for
//! f32, 2⁻⁵³ for f64: within the documented `(⌈log2 n⌉ + 16) · u · Σ|xᵢ|`, tested with
//! adversarial inputs (`tests/sum_bound.rs`: 30 u·Σ|x| measured at n = 520,192, bound 35). (A GPU driver may
//! reassociate additions; the bound assumes it does not.) The sum of 10⁸ ones in f32 is
//! exactly 10⁸. Integer sums wrap, as numpy's.

/// How the values of a kernel fold into one.
///
/// # Examples
///
/// ```
/// use compute::{expr::x, Device, Reduce};
/// let device = Device::cpu();
/// let sum_sq = compute::reduce(&device, x().square(), ([1.0_f32, 2.0, 3.0],), Reduce::Sum)?;
/// assert_eq!(sum_sq, Some(14.0));
/// assert_eq!(compute::reduce(&device, x(), ([0_i32; 0],), Reduce::Max)?, None);
/// # Ok::<(), compute::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reduce {
    /// The sum (pairwise for floats; wrapping for integers). Empty input sums to 0.
    Sum,
    /// The smallest value; NaN if any value is NaN (CPU). Empty input has none.
    Min,
    /// The largest value; NaN if any value is NaN (CPU). Empty input has none.
    Max,
    /// The product (wrapping for integers), numpy's `prod`. Empty input multiplies to 1.
    /// Floats: each of the n − 1 multiplications rounds once, whatever their order, so the
    /// result is within (n − 1)·u relative of the exact product while nothing overflows or
    /// underflows (the order, unlike numpy's, is blocked: an intermediate overflow may
    /// differ where numpy's would not).
    Prod,
}

/// What a reduction of no elements gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Empty {
    /// Zero (a sum).
    Zero,
    /// One (a product).
    One,
    /// No value (a minimum or maximum).
    Nothing,
}

/// One reduction's row: its name and its WGSL spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ReduceEntry {
    /// A short lowercase name, for labels and errors.
    pub(crate) name: &'static str,
    /// The WGSL expression that combines two partial values `a` and `b`.
    pub(crate) combine: &'static str,
    /// The WGSL expression of the value a fold starts from (`kernel(0u)`: the first
    /// element's own value, for folds with no identity element).
    pub(crate) identity: &'static str,
    /// What no elements fold to.
    pub(crate) empty: Empty,
}

impl Reduce {
    /// Every reduction, in table order (the tests enumerate it).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) const ALL: [Reduce; 4] = [Reduce::Sum, Reduce::Min, Reduce::Max, Reduce::Prod];

    /// The reduction's row of the table.
    pub(crate) const fn entry(self) -> ReduceEntry {
        match self {
            Reduce::Sum => ReduceEntry {
                name: "sum",
                combine: "a + b",
                identity: "elem(0)",
                empty: Empty::Zero,
            },
            Reduce::Min => ReduceEntry {
                name: "min",
                combine: "min(a, b)",
                identity: "kernel(0u)",
                empty: Empty::Nothing,
            },
            Reduce::Max => ReduceEntry {
                name: "max",
                combine: "max(a, b)",
                identity: "kernel(0u)",
                empty: Empty::Nothing,
            },
            Reduce::Prod => ReduceEntry {
                name: "prod",
                combine: "a * b",
                identity: "elem(1)",
                empty: Empty::One,
            },
        }
    }
}
