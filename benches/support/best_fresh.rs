//! The best fresh output a hand-written loop can have, shared by `examples/compare` and the
//! criterion benches so that baselines credit `compute`'s kernels, not its allocator.

/// The best fresh output for a hand-written loop on Linux, what `compute` does for its own:
/// a capacity that makes malloc map whole 2 MiB pages (Linux then starts the mapping on a
/// huge-page boundary), advised as huge from its first page, and that first huge page
/// collapsed up front (malloc's header already touched one 4 KiB page of it).
pub(crate) fn best_fresh(len: usize) -> Vec<f32> {
    const HUGE: usize = 2 << 20;
    let cap = ((len * 4 + 64).next_multiple_of(HUGE) - 64) / 4;
    let out: Vec<f32> = Vec::with_capacity(cap);
    let start = out.as_ptr() as usize / 4096 * 4096;
    let end = out.as_ptr() as usize + cap * 4;
    // SAFETY: [start, end) is the fresh allocation and the part of its first page in front
    // of it; the advice changes only how the kernel backs the pages, never their contents.
    unsafe {
        libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        if start.is_multiple_of(HUGE) {
            libc::madvise(start as *mut libc::c_void, HUGE, libc::MADV_COLLAPSE);
        }
    }
    out
}
