//! Reductions: the values of an element-wise kernel folded to one, in the same pass that
//! computes them (`sum of squares` reads the data once and writes nothing).
//!
//! Float sums are pairwise on both backends, as numpy's: blocks of 128 summed with eight
//! accumulators, then halves summed recursively (CPU); 16 values per invocation, a tree over
//! 256 invocations, then the host's pairwise sum over the workgroups' values (GPU). Either way
//! the error is at most `(⌈log2 n⌉ + 16) · ε · Σ|xᵢ|` (ε = 2⁻²⁴ for f32, 2⁻⁵³ for f64), so the
//! two backends agree within twice that, and the sum of 10⁸ ones in f32 is exactly 10⁸ (every
//! partial sum is an integer below 2²⁴ times a power of two). Integer sums wrap, as numpy's.

use crate::element::{Element, Kind};
use crate::simd;

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
}

impl Reduce {
    /// The name used in kernel shapes and errors.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Reduce::Sum => "sum",
            Reduce::Min => "min",
            Reduce::Max => "max",
        }
    }

    /// The answer for no elements.
    pub(crate) fn empty<T: Element>(self) -> Option<T> {
        match self {
            Reduce::Sum => Some(T::ZERO),
            Reduce::Min | Reduce::Max => None,
        }
    }

    /// Folds `values` (at least one) in the documented order: pairwise for sums.
    #[inline(always)]
    pub(crate) fn fold<T: Element>(self, values: &[T]) -> Option<T> {
        let (&first, rest) = values.split_first()?;
        Some(match self {
            Reduce::Sum => pairwise_sum(values),
            Reduce::Min => rest.iter().fold(first, |a, &b| a.minimum(b)),
            Reduce::Max => rest.iter().fold(first, |a, &b| a.maximum(b)),
        })
    }

    /// The answer from the folds of consecutive runs of the elements, in order (none: no
    /// elements).
    pub(crate) fn finish<T: Element>(self, partials: &[T]) -> Option<T> {
        if partials.is_empty() {
            self.empty()
        } else {
            self.fold(partials)
        }
    }
}

/// The exact total of per-run counts: each partial is the `Sum` of at most 4,096 zeros and
/// ones, an integer every element type holds exactly, added here in `u64`.
pub(crate) fn total_count<T: Element>(partials: &[T]) -> u64 {
    partials.iter().map(|p| p.to_f64() as u64).sum()
}

/// numpy's pairwise summation: eight accumulators over runs of at most 128, halves above;
/// in the AVX2 build when the CPU has it (see [`simd::pairwise_sum`]).
#[inline(always)]
pub(crate) fn pairwise_sum<T: Element>(values: &[T]) -> T {
    simd::pairwise_sum(values)
}

/// [`pairwise_sum`], portable build.
pub(crate) fn pairwise<T: Element>(values: &[T]) -> T {
    match halves(values) {
        None => leaf_sum(values),
        Some((left, right)) => pairwise(left).add(pairwise(right)),
    }
}

/// A run of more than 128 values split as numpy splits it (the left half a multiple of 8
/// long); `None` for a run of at most 128, which [`leaf_sum`] adds.
#[inline(always)]
pub(crate) fn halves<T>(values: &[T]) -> Option<(&[T], &[T])> {
    (values.len() > 128).then(|| values.split_at(values.len() / 2 / 8 * 8))
}

/// At most 128 values added with eight accumulators, numpy's order.
#[inline(always)]
pub(crate) fn leaf_sum<T: Element>(values: &[T]) -> T {
    let mut acc = [T::ZERO; 8];
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (a, &v) in acc.iter_mut().zip(chunk) {
            *a = a.add(v);
        }
    }
    let mut sum = (acc[0].add(acc[1]).add(acc[2].add(acc[3])))
        .add(acc[4].add(acc[5]).add(acc[6].add(acc[7])));
    for &v in rest {
        sum = sum.add(v);
    }
    sum
}

/// Whether integer sums of this type can be averaged exactly through f64 (always, below 2⁵³).
pub(crate) fn is_float<T: Element>() -> bool {
    T::KIND == Kind::Float
}
