//! Hand-written rayon loops, the baselines `compute` is timed against, and the fresh outputs
//! they can write into: rayon's own collect, one advised as huge pages (as numpy does), and
//! the best one a hand-written loop can have ([`best_fresh`]).

use rayon::prelude::*;

use super::best_fresh::best_fresh;

/// `a * 2`, element by element.
pub(crate) fn times_two(a: &[f32]) -> impl IndexedParallelIterator<Item = f32> + '_ {
    a.par_iter().map(|x| x * 2.0)
}

/// `(2a + b).sqrt()`, element by element: the expression hand-fused into one loop.
pub(crate) fn two_x_plus_y_sqrt<'a>(
    a: &'a [f32],
    b: &'a [f32],
) -> impl IndexedParallelIterator<Item = f32> + 'a {
    a.par_iter().zip(b).map(|(x, y)| (2.0 * x + y).sqrt())
}

/// The loop collected by rayon into a new Vec.
pub(crate) fn fresh(items: impl IndexedParallelIterator<Item = f32>) -> Vec<f32> {
    items.collect()
}

/// The loop into a fresh output advised as transparent huge pages, as numpy does.
pub(crate) fn huge_pages(items: impl IndexedParallelIterator<Item = f32>) -> Vec<f32> {
    let len = items.len();
    let mut out: Vec<f32> = Vec::with_capacity(len);
    advise_huge(&out, len);
    out.par_extend(items);
    out
}

/// The loop into the best fresh output a hand-written loop can have (see [`best_fresh`]).
pub(crate) fn whole_pages(items: impl IndexedParallelIterator<Item = f32>) -> Vec<f32> {
    let mut out = best_fresh(items.len());
    out.par_extend(items);
    out
}

/// Asks for transparent huge pages on the fresh allocation behind `out` (capacity `len`).
fn advise_huge(out: &[f32], len: usize) {
    let (ptr, bytes) = (out.as_ptr() as usize, len * 4);
    let start = ptr.next_multiple_of(2 << 20);
    let end = (ptr + bytes) / (2 << 20) * (2 << 20);
    if end > start {
        // SAFETY: the range lies inside `out`'s fresh allocation; the advice changes only how
        // the kernel backs the pages.
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
    }
}
