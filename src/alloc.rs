//! Fresh outputs: allocated without zeroing, first touched by the threads that fill them,
//! and backed by transparent huge pages when large, as numpy does. All of the crate's
//! `unsafe` lives here.

use std::mem::MaybeUninit;

/// Outputs of at least this many bytes ask the kernel for huge pages; the same 4 MiB
/// threshold numpy uses (`numpy/core/src/multiarray/alloc.c`). Below it the page-fault
/// cost is small and the allocation often comes from malloc's reused heap anyway.
const HUGE_PAGE_MIN_BYTES: usize = 4 << 20;

/// Transparent huge page size on x86-64 and aarch64 with 4 KiB base pages.
#[cfg(target_os = "linux")]
const HUGE_PAGE: usize = 2 << 20;

/// An empty vector with room for `len` elements; its pages are advised as huge when large.
#[inline(always)]
pub(crate) fn fresh<T>(len: usize) -> Vec<T> {
    let out: Vec<T> = Vec::with_capacity(len);
    let bytes = len.saturating_mul(std::mem::size_of::<T>());
    if bytes >= HUGE_PAGE_MIN_BYTES {
        advise_huge_pages(out.as_ptr().cast::<u8>(), bytes);
    }
    out
}

#[cfg(target_os = "linux")]
fn advise_huge_pages(ptr: *const u8, bytes: usize) {
    let start = (ptr as usize).next_multiple_of(HUGE_PAGE);
    let end = (ptr as usize + bytes) / HUGE_PAGE * HUGE_PAGE;
    if end > start {
        // SAFETY: [start, end) lies inside the allocation just made for `bytes` bytes, and
        // MADV_HUGEPAGE only changes how the kernel backs those pages, never their contents
        // or validity. A failure (THP disabled) is harmless and ignored.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_ptr: *const u8, _bytes: usize) {}

/// Writes `f(src[i])` into every slot of `dst` and returns it as initialized.
///
/// Returns `None` (writing nothing) if the lengths differ, so a caller bug cannot expose
/// uninitialized memory.
#[inline(always)]
pub(crate) fn write_map<'d, T: Copy>(
    dst: &'d mut [MaybeUninit<T>],
    src: &[T],
    f: impl Fn(T) -> T,
) -> Option<&'d mut [T]> {
    if dst.len() != src.len() {
        return None;
    }
    for (d, &x) in dst.iter_mut().zip(src) {
        d.write(f(x));
    }
    // SAFETY: the lengths are equal, so the loop wrote every element of `dst`;
    // `MaybeUninit<T>` has the layout of `T`.
    Some(unsafe { &mut *(dst as *mut [MaybeUninit<T>] as *mut [T]) })
}

/// Writes `f(a[i], b[i])` into every slot of `dst` and returns it as initialized, or `None`
/// (writing nothing) if the lengths differ.
#[inline(always)]
pub(crate) fn write_zip<'d, T: Copy>(
    dst: &'d mut [MaybeUninit<T>],
    a: &[T],
    b: &[T],
    f: impl Fn(T, T) -> T,
) -> Option<&'d mut [T]> {
    if dst.len() != a.len() || dst.len() != b.len() {
        return None;
    }
    for ((d, &x), &y) in dst.iter_mut().zip(a).zip(b) {
        d.write(f(x, y));
    }
    // SAFETY: all three lengths are equal, so the loop wrote every element of `dst`.
    Some(unsafe { &mut *(dst as *mut [MaybeUninit<T>] as *mut [T]) })
}

/// Writes `value` into every slot of `dst` and returns it as initialized.
#[inline(always)]
pub(crate) fn write_fill<T: Copy>(dst: &mut [MaybeUninit<T>], value: T) -> Option<&mut [T]> {
    for d in dst.iter_mut() {
        d.write(value);
    }
    // SAFETY: the loop wrote every element of `dst`.
    Some(unsafe { &mut *(dst as *mut [MaybeUninit<T>] as *mut [T]) })
}

/// `out` seen as slots to overwrite, for the writers above.
#[inline(always)]
pub(crate) fn as_uninit<T: Copy>(out: &mut [T]) -> &mut [MaybeUninit<T>] {
    // SAFETY: `MaybeUninit<T>` has `T`'s layout. The slice starts initialized and every
    // writer in this crate stores only initialized `T`s through it (the `write_*` helpers take
    // `T` values), so it is initialized again whenever `out` is used after this borrow ends.
    unsafe { &mut *(out as *mut [T] as *mut [MaybeUninit<T>]) }
}

/// Fills the spare capacity of `out` (exactly `len` elements) with `fill`, which must return
/// `true` only when it initialized the whole slice it was given; on `false` the vector stays
/// empty.
#[inline(always)]
pub(crate) fn fill_fresh<T>(
    out: &mut Vec<T>,
    len: usize,
    fill: impl FnOnce(&mut [MaybeUninit<T>]) -> bool,
) -> bool {
    out.clear();
    out.reserve_exact(len);
    let filled = fill(&mut out.spare_capacity_mut()[..len]);
    if filled {
        // SAFETY: `fill` reported that it initialized all `len` slots of the spare capacity,
        // which `reserve_exact` made at least `len` long.
        unsafe { out.set_len(len) };
    }
    filled
}
