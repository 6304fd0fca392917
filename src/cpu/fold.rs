//! Folds on the CPU: a block's values folded to one ([`Reduce`]'s CPU meaning), and the
//! per-block (or per-workgroup) partials of a reduction folded to the answer. The order of
//! the additions, and the error bound it gives, are in `ir/reduce.rs`. A sum of one
//! comparison (a count) is counted as it compares, without the block's values.

use std::mem::MaybeUninit;

use super::block::{self, Scratch};
use super::isa::builds;
use super::loops::{no_meaning, with_binary};
use crate::element::sealed::{Number, Scalar};
use crate::element::Element;
use crate::ir::kernel::{Instr, Kernel};
use crate::ir::ops::cpu_meaning;
use crate::ir::reduce::{Empty, Reduce};

builds! {
    /// The kernel's values on the block of elements `start..start + buf.len()`, folded with
    /// `how`, in the chosen build; the values are computed into `buf` unless they are an
    /// input itself.
    pub(crate) fn fold_block[T: Element](
        kernel: &Kernel<'_, T>,
        inputs: &[&[T]],
        start: usize,
        buf: &mut [MaybeUninit<T>],
        scratch: &mut Scratch<T>,
        how: Reduce
    ) -> Option<T> = fold;
}

/// The body of [`fold_block`].
#[inline(always)]
fn fold<T: Element>(
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    start: usize,
    buf: &mut [MaybeUninit<T>],
    scratch: &mut Scratch<T>,
    how: Reduce,
) -> Option<T> {
    if how == Reduce::Sum && !buf.is_empty() {
        if let Some(count) = count_compared(kernel, inputs, start..start + buf.len()) {
            return Some(T::from_number(Number::Int(count as i128)));
        }
    }
    let values: &[T] = if let Kernel::Map([]) = kernel {
        // the data itself: fold it where it lies
        inputs.first()?.get(start..start + buf.len())?
    } else {
        block::eval_block(kernel, inputs, start, buf, scratch)?
    };
    // no closures around the folds: a closure is compiled for the baseline instruction set,
    // not for the build (`isa.rs`) this function is inlined into
    if values.is_empty() {
        return None;
    }
    match how {
        // zeros and ones: every partial sum is an integer of at most 4,096, exact in every
        // element type, so any order gives pairwise's bits; this one is not latency-bound
        Reduce::Sum if kernel.is_predicate() => Some(ones(values)),
        Reduce::Sum => Some(pairwise(values)),
        Reduce::Min => extreme(values, |v, best| v < best),
        Reduce::Max => extreme(values, |v, best| v > best),
        Reduce::Prod => Some(product(values)),
    }
}

/// The sum of `values`, each 0 or 1 (at most a block of them): how many are nonzero, counted
/// in an integer (a compare and a mask add per vector, nothing waits on a previous sum), in
/// the element type exactly.
#[inline(always)]
fn ones<T: Element>(values: &[T]) -> T {
    let count = values.iter().filter(|&&v| v != T::ZERO).count();
    T::from_number(Number::Int(count as i128))
}

/// How many elements of the block `range` satisfy a kernel that is one comparison (or
/// logical op) of two inputs or of an input and a constant (`a > 0.5`, `a == b`), counted as
/// the comparison is computed: one pass over the inputs, no values written, so memory
/// streams the whole time (the general path computes the block's 0s and 1s, then counts
/// them). `None` for any other kernel.
#[inline(always)]
fn count_compared<T: Element>(
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    range: std::ops::Range<usize>,
) -> Option<usize> {
    let Kernel::Program { code, .. } = kernel else {
        return None;
    };
    let [x, y, Instr::Prim(prim, _)] = code.as_slice() else {
        return None;
    };
    if !prim.entry().predicate {
        return None;
    }
    let input = |k: u8| inputs.get(usize::from(k))?.get(range.clone());
    let (x, y) = match (*x, *y) {
        (Instr::Input(j), Instr::Const(c)) => (Operand::Slice(input(j)?), Operand::Scalar(c)),
        (Instr::Const(c), Instr::Input(k)) => (Operand::Scalar(c), Operand::Slice(input(k)?)),
        (Instr::Input(j), Instr::Input(k)) => {
            (Operand::Slice(input(j)?), Operand::Slice(input(k)?))
        }
        _ => return None,
    };
    macro_rules! count {
        ($f:expr) => {
            count_where(x, y, $f)
        };
    }
    with_binary!(*prim, count)
}

/// An operand of [`count_compared`]'s comparison over the block.
#[derive(Clone, Copy)]
enum Operand<'a, T> {
    Slice(&'a [T]),
    Scalar(T),
}

/// How many `f(x[i], y[i])` are nonzero; `None` for two scalars or slices of two lengths.
#[inline(always)]
fn count_where<T: Element>(
    x: Operand<'_, T>,
    y: Operand<'_, T>,
    f: impl Fn(T, T) -> T,
) -> Option<usize> {
    Some(match (x, y) {
        (Operand::Slice(a), Operand::Scalar(c)) => tally(a, |v| f(v, c) != T::ZERO),
        (Operand::Scalar(c), Operand::Slice(b)) => tally(b, |w| f(c, w) != T::ZERO),
        (Operand::Slice(a), Operand::Slice(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .filter(|(&v, &w)| f(v, w) != T::ZERO)
            .count(),
        _ => return None,
    })
}

/// How many elements of `values` `hit` holds for; for 4-byte elements counted in 32-bit
/// lanes, run by run of 2^30, so a vector compare's mask is added as it is rather than
/// widened to 64 bits first (as a `usize` count is, which made the count of `a > 0.5`
/// bound by its arithmetic). Measured on the 2026-12-07 dev VM (AMD EPYC, AVX2), 10^6 f32
/// from Python on two threads, alternating wheels: 75–80 µs against 39–47. Two inputs
/// (`a > b`) count as before: in 32-bit lanes over zipped runs f32 moved within the noise
/// (80–88 against 70–81 µs) while the same runs with 64-bit lanes made int64 2× slower.
#[inline(always)]
fn tally<T: Copy>(values: &[T], hit: impl Fn(T) -> bool) -> usize {
    if std::mem::size_of::<T>() > 4 {
        return values.iter().filter(|&&v| hit(v)).count();
    }
    values
        .chunks(1 << 30)
        .map(|run| run.iter().fold(0_u32, |n, &v| n + u32::from(hit(v))) as usize)
        .sum()
}

/// The product of `values`: sixteen accumulators in stride, so the loop vectorizes, then
/// multiplied together (each value meets one rounding per multiplication on its path, n − 1
/// in all, as in any order).
#[inline(always)]
fn product<T: Element>(values: &[T]) -> T {
    strided::<T, 16>(values, T::ONE, |a, v| a.mul(v))
        .iter()
        .fold(T::ONE, |p, &a| p.mul(a))
}

/// `values` folded with `f` into `N` accumulators in stride, each starting at `init`, the
/// last `len % N` values into the first accumulators: the loop shape that vectorizes.
#[inline(always)]
fn strided<T: Element, const N: usize>(values: &[T], init: T, f: impl Fn(T, T) -> T) -> [T; N] {
    let mut acc = [init; N];
    let chunks = values.chunks_exact(N);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (a, &v) in acc.iter_mut().zip(chunk) {
            *a = f(*a, v);
        }
    }
    for (a, &v) in acc.iter_mut().zip(rest) {
        *a = f(*a, v);
    }
    acc
}

/// The value of `values` that no other `beats`, with numpy's NaN propagation (NaN if any
/// is NaN); `None` for none. Sixteen independent accumulators, each a compare and a select,
/// and NaN tracked on the side, so the loop vectorizes.
#[inline(always)]
fn extreme<T: Element>(values: &[T], beats: impl Fn(T, T) -> bool) -> Option<T> {
    let (&first, _) = values.split_first()?;
    let mut acc = [first; 16];
    let mut nan = false;
    let chunks = values.chunks_exact(16);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (a, &v) in acc.iter_mut().zip(chunk) {
            *a = if beats(v, *a) { v } else { *a };
            #[allow(clippy::eq_op)] // NaN is the one value not equal to itself
            let unordered = v != v;
            nan |= unordered;
        }
    }
    for &v in rest {
        acc[0] = if beats(v, acc[0]) { v } else { acc[0] };
        #[allow(clippy::eq_op)]
        let unordered = v != v;
        nan |= unordered;
    }
    if nan {
        #[allow(clippy::eq_op)]
        return values.iter().copied().find(|&v| v != v);
    }
    Some(
        acc.iter()
            .fold(acc[0], |m, &v| if beats(v, m) { v } else { m }),
    )
}

/// The smallest of `values` (NaN if any is NaN, as numpy's `min`), `None` for none.
pub(crate) fn min<T: Element>(values: &[T]) -> Option<T> {
    extreme(values, |v, best| v < best)
}

/// The largest of `values` (NaN if any is NaN), `None` for none.
pub(crate) fn max<T: Element>(values: &[T]) -> Option<T> {
    extreme(values, |v, best| v > best)
}

/// The answer from the folds of consecutive runs of the elements, in order (none: no
/// elements): sums in a balanced binary tree (⌈log2 m⌉ roundings for m partials), min and
/// max in order.
pub(crate) fn finish<T: Element>(how: Reduce, partials: &[T]) -> Option<T> {
    if partials.is_empty() {
        return match how.entry().empty {
            Empty::Zero => Some(T::ZERO),
            Empty::One => Some(T::ONE),
            Empty::Nothing => None,
        };
    }
    match how {
        Reduce::Sum => Some(tree_sum(partials)),
        Reduce::Min => min(partials),
        Reduce::Max => max(partials),
        Reduce::Prod => Some(product(partials)),
    }
}

/// The exact total of per-run counts: each partial is the `Sum` of at most 4,096 zeros and
/// ones, an integer every element type holds exactly, added here in `u64`.
pub(crate) fn total_count<T: Element>(partials: &[T]) -> u64 {
    partials.iter().map(|p| p.to_f64() as u64).sum()
}

/// `values` (at least one) added as a balanced binary tree: each value meets ⌈log2 n⌉
/// roundings.
fn tree_sum<T: Element>(values: &[T]) -> T {
    match values {
        [] => T::ZERO,
        [v] => *v,
        _ => {
            let (left, right) = values.split_at(values.len().div_ceil(2));
            tree_sum(left).add(tree_sum(right))
        }
    }
}

/// numpy's pairwise summation: a run of more than 128 values is the sum of its two
/// [`halves`], a shorter one its [`leaf_sum`]. Walked with an explicit stack (each split at
/// least halves the run, so 64 levels hold any length) so it inlines into each build.
#[inline(always)]
pub(crate) fn pairwise<T: Element>(values: &[T]) -> T {
    // each frame: a right half still to add, its left half's sum, whether that is known
    let mut frames = [(&values[..0], T::ZERO, false); 64];
    let mut depth = 0;
    let mut run = values;
    'descend: loop {
        while let Some((left, right)) = halves(run) {
            frames[depth] = (right, T::ZERO, false);
            depth += 1;
            run = left;
        }
        let mut acc = leaf_sum(run);
        while let Some(top) = depth.checked_sub(1) {
            let frame = &mut frames[top];
            if !frame.2 {
                // a left half is done: keep its sum and walk the right one
                (frame.1, frame.2) = (acc, true);
                run = frame.0;
                continue 'descend;
            }
            acc = frame.1.add(acc);
            depth = top;
        }
        return acc;
    }
}

/// A run of more than 128 values split as numpy splits it (the left half a multiple of 8
/// long); `None` for a run of at most 128, which [`leaf_sum`] adds.
#[inline(always)]
pub(crate) fn halves<T>(values: &[T]) -> Option<(&[T], &[T])> {
    (values.len() > 128).then(|| values.split_at(values.len() / 2 / 8 * 8))
}

/// At most 128 values added with eight accumulators in stride (numpy's order); the last
/// `len % 8` values go into the accumulators too, so no value meets more than 15 roundings
/// there, then 3 when the accumulators are added pairwise.
#[inline(always)]
pub(crate) fn leaf_sum<T: Element>(values: &[T]) -> T {
    eight(strided::<T, 8>(values, T::ZERO, |a, v| a.add(v)))
}

/// Eight accumulators added pairwise, as numpy adds its eight.
#[inline(always)]
fn eight<T: Element>(acc: [T; 8]) -> T {
    (acc[0].add(acc[1]).add(acc[2].add(acc[3]))).add(acc[4].add(acc[5]).add(acc[6].add(acc[7])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::ops::{Prim, MAX_PARAMS};

    #[test]
    fn one_comparison_is_counted_as_it_compares_and_agrees_with_its_values() {
        let a: Vec<f32> = (0..1000)
            .map(|i| [0.25, 0.5, f32::NAN, 1.0][i % 4])
            .collect();
        let b: Vec<f32> = (0..1000)
            .map(|i| [0.5, 0.5, 0.75, f32::NAN][i % 3])
            .collect();
        let inputs = [&a[..], &b[..]];
        let p = [0.0; MAX_PARAMS];
        let kernel = |code: Vec<Instr<'static, f32>>| Kernel::program(code, 2).unwrap();
        let (x, y, c) = (Instr::Input(0), Instr::Input(1), Instr::Const(0.5));
        for prim in [Prim::Gt, Prim::Le, Prim::Eq, Prim::Ne, Prim::LogicalXor] {
            for (shape, code) in [
                ("x, c", vec![x, c, Instr::Prim(prim, p)]),
                ("c, x", vec![c, x, Instr::Prim(prim, p)]),
                ("x, y", vec![x, y, Instr::Prim(prim, p)]),
            ] {
                let k = kernel(code);
                for range in [0..1000, 3..700, 999..1000] {
                    let fast = count_compared(&k, &inputs, range.clone());
                    let mut buf = vec![MaybeUninit::uninit(); range.len()];
                    let values = block::eval_block(
                        &k,
                        &inputs,
                        range.start,
                        &mut buf,
                        &mut Scratch::default(),
                    )
                    .unwrap();
                    let want = values.iter().filter(|&&v| v != 0.0).count();
                    assert_eq!(fast, Some(want), "{prim:?}({shape}) over {range:?}");
                }
            }
        }
        // anything else takes the general path
        let others = [
            vec![c, c, Instr::Prim(Prim::Gt, p)],
            vec![x, y, Instr::Prim(Prim::Add, p)],
            vec![x, c, Instr::Prim(Prim::Gt, p), Instr::Prim(Prim::Neg, p)],
            vec![x, y, Instr::Prim(Prim::Add, p), c, Instr::Prim(Prim::Gt, p)],
        ];
        for code in others {
            let k = kernel(code.clone());
            assert_eq!(count_compared(&k, &inputs, 0..1000), None, "{code:?}");
        }
        // an input shorter than the block: no count
        let k = kernel(vec![x, y, Instr::Prim(Prim::Gt, p)]);
        assert_eq!(count_compared(&k, &[&a[..], &b[..10]], 0..1000), None);
    }

    #[test]
    fn a_tree_sum_adds_everything_once() {
        for n in [1usize, 2, 3, 7, 8, 127, 128, 129, 1000] {
            let v: Vec<f64> = (1..=n).map(|i| i as f64).collect();
            assert_eq!(tree_sum(&v), (n * (n + 1) / 2) as f64, "{n}");
            assert_eq!(pairwise(&v), (n * (n + 1) / 2) as f64, "{n}");
        }
        assert_eq!(finish::<f32>(Reduce::Sum, &[]), Some(0.0));
        assert_eq!(finish::<f32>(Reduce::Max, &[]), None);
    }
}
