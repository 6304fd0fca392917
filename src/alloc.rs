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

/// glibc's bookkeeping in front of a block it maps for a large `malloc`, plus rounding:
/// asking for a multiple of the huge page size minus this makes the mapping itself a
/// multiple of the huge page size (`ALIGN_UP(request + 8 rounded to 16, + 8, page)`).
#[cfg(target_os = "linux")]
const MALLOC_OVERHEAD: usize = 64;

/// An empty vector with room for at least `len` elements; its pages are advised as huge
/// when large.
///
/// A large output gets a little spare capacity (less than one huge page) so that malloc maps
/// a whole number of huge pages: Linux places such a mapping on a huge-page boundary, so the
/// whole output is backed by huge pages. An exact-size mapping starts at an arbitrary 4 KiB
/// page, and its first and last partial huge pages (on average a whole 2 MiB) fault in 4 KiB
/// at a time: about 580 faults and ~0.7 ms on a 40 MB output on the dev VM, a sixth of a
/// `zip`. Elsewhere the spare room costs only address space, never touched memory.
#[inline(always)]
pub(crate) fn fresh<T>(len: usize) -> Vec<T> {
    let size = std::mem::size_of::<T>().max(1);
    let bytes = len.saturating_mul(size);
    if bytes < HUGE_PAGE_MIN_BYTES {
        return Vec::with_capacity(len);
    }
    let out: Vec<T> = Vec::with_capacity(huge_capacity(bytes, size).max(len));
    advise_huge_pages(
        out.as_ptr().cast::<u8>(),
        out.capacity().saturating_mul(size),
    );
    out
}

/// Elements of `size` bytes that fill the whole huge pages a `bytes`-long output needs.
#[cfg(target_os = "linux")]
fn huge_capacity(bytes: usize, size: usize) -> usize {
    match bytes.checked_add(MALLOC_OVERHEAD) {
        Some(b) => (b.next_multiple_of(HUGE_PAGE) - MALLOC_OVERHEAD) / size,
        None => 0,
    }
}

#[cfg(not(target_os = "linux"))]
fn huge_capacity(_bytes: usize, _size: usize) -> usize {
    0
}

/// Asks for huge pages under `[ptr, ptr + bytes)`, from the start of `ptr`'s page: malloc's
/// header shares the first huge page with the data.
///
/// malloc writes that header before we can advise anything, so the first huge page of the
/// mapping already holds one 4 KiB page and would fault in the other 511 one at a time. When
/// the mapping starts on a huge-page boundary (see [`fresh`]) that page is collapsed into a
/// huge one up front: 2 MiB zeroed in one go instead of 511 faults (20 faults instead of 531
/// for a 40 MB output, measured).
#[cfg(target_os = "linux")]
fn advise_huge_pages(ptr: *const u8, bytes: usize) {
    let page = page_size();
    let start = ptr as usize / page * page;
    let end = (ptr as usize).saturating_add(bytes);
    if end <= start {
        return;
    }
    // SAFETY: [start, end) is the allocation just made for `bytes` bytes plus the part of its
    // first page in front of it (malloc's header, in the same mapping). MADV_HUGEPAGE only
    // changes how the kernel backs those pages, never their contents or validity. A failure
    // (THP disabled) is harmless and ignored.
    unsafe {
        libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
    }
    if start.is_multiple_of(HUGE_PAGE) && end - start >= HUGE_PAGE {
        // SAFETY: [start, start + HUGE_PAGE) lies inside the same allocation (checked just
        // above). MADV_COLLAPSE keeps every byte's contents (it copies the touched page and
        // zero-fills the rest, which nothing has written yet); a failure (older kernel, no
        // free huge page) leaves the pages as they were and is ignored.
        unsafe {
            libc::madvise(start as *mut libc::c_void, HUGE_PAGE, libc::MADV_COLLAPSE);
        }
    }
}

/// The base page size; 4 KiB unless the system says otherwise.
#[cfg(target_os = "linux")]
fn page_size() -> usize {
    static PAGE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    // SAFETY: sysconf only reads a system constant.
    *PAGE.get_or_init(|| match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        p if p > 0 => p as usize,
        _ => 4096,
    })
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_ptr: *const u8, _bytes: usize) {}

/// Copies `src` into `dst` (as long) with non-temporal stores where the CPU has them (every
/// x86-64): the bytes go to memory without first reading each destination line into the
/// cache, which ordinary stores do. For outputs far larger than the caches that read is a
/// third of the memory traffic of a one-input map; measured on the dev VM at 10^8 f32, a
/// plain store loop runs at 0.85-0.9 of `memcpy`'s rate, these at about `memcpy`'s. Returns
/// `dst` as initialized, or `None` (writing nothing) if the lengths differ. Ends with an
/// `sfence` (non-temporal stores are otherwise weakly ordered), so a thread that sees a
/// later store of this one (rayon's completion of the task) sees the data; it drains the
/// write buffers, so call this once per block, not per small part (per 4 KiB it halved the
/// rate). `T: Pod`: no padding bytes, so reading a `T` as 16-byte integers is defined.
#[inline(always)]
pub(crate) fn stream_into<'d, T: bytemuck::Pod>(
    src: &[T],
    dst: &'d mut [MaybeUninit<T>],
) -> Option<&'d mut [T]> {
    if dst.len() != src.len() {
        return None;
    }
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_sfence, _mm_stream_si128};
        let size = std::mem::size_of::<T>();
        let bytes = std::mem::size_of_val(src);
        let at = dst.as_mut_ptr().cast::<u8>();
        let from = src.as_ptr().cast::<u8>();
        // the unaligned head up to the first 16-byte boundary, whole elements only
        let head = if size == 0 || 16 % size != 0 {
            bytes
        } else {
            (at.align_offset(16)).min(bytes)
        };
        let body = (bytes - head) / 16 * 16;
        // SAFETY: `src` and `dst` are `bytes` long and do not overlap (one is borrowed
        // shared, the other exclusively). Every byte is copied from `src` to the same offset
        // of `dst`: the head and tail bytewise, the body, which starts on a 16-byte boundary
        // of `dst` (`align_offset`), in whole 16-byte groups read unaligned from `src`
        // (`T: Pod` has no padding, so every byte read is initialized); copying all the bytes
        // of `T`s copies the `T`s. SSE2 is part of x86-64.
        unsafe {
            std::ptr::copy_nonoverlapping(from, at, head);
            let mut i = head;
            while i < head + body {
                let v = _mm_loadu_si128(from.add(i).cast::<__m128i>());
                _mm_stream_si128(at.add(i).cast::<__m128i>(), v);
                i += 16;
            }
            std::ptr::copy_nonoverlapping(from.add(i), at.add(i), bytes - i);
            _mm_sfence();
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    for (d, &v) in dst.iter_mut().zip(src) {
        d.write(v);
    }
    // SAFETY: every byte of `dst` was copied from `src`'s initialized `T`s.
    Some(unsafe { &mut *(dst as *mut [MaybeUninit<T>] as *mut [T]) })
}

/// Writes `f(src[i])` into every slot of `dst` and returns it as initialized.
///
/// Returns `None` (writing nothing) if the lengths differ, so a caller bug cannot expose
/// uninitialized memory.
#[inline(always)]
pub(crate) fn write_map<'d, S: Copy, T: Copy>(
    dst: &'d mut [MaybeUninit<T>],
    src: &[S],
    f: impl Fn(S) -> T,
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

/// Writes `f(a[i], b[i], c[i])` into every slot of `dst` and returns it as initialized, or
/// `None` (writing nothing) if the lengths differ.
#[inline(always)]
pub(crate) fn write_zip3<'d, T: Copy>(
    dst: &'d mut [MaybeUninit<T>],
    [a, b, c]: [&[T]; 3],
    f: impl Fn(T, T, T) -> T,
) -> Option<&'d mut [T]> {
    if dst.len() != a.len() || dst.len() != b.len() || dst.len() != c.len() {
        return None;
    }
    for (((d, &x), &y), &z) in dst.iter_mut().zip(a).zip(b).zip(c) {
        d.write(f(x, y, z));
    }
    // SAFETY: all four lengths are equal, so the loop wrote every element of `dst`.
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

/// Something that fills one piece of a block (see [`write_pieces`]).
pub(crate) trait FillPiece<T> {
    /// Writes every element of `piece`, which starts `offset` elements into the block, and
    /// returns it as initialized; `None` if it could not.
    fn fill<'c>(&mut self, offset: usize, piece: &'c mut [MaybeUninit<T>]) -> Option<&'c mut [T]>;
}

/// Fills `dst` piece by piece, `piece` elements at a time, and returns it as initialized once
/// every piece came back initialized; `None` as soon as one does not.
#[inline(always)]
pub(crate) fn write_pieces<T>(
    dst: &mut [MaybeUninit<T>],
    piece: usize,
    mut filler: impl FillPiece<T>,
) -> Option<&mut [T]> {
    let piece = piece.max(1);
    for (i, part) in dst.chunks_mut(piece).enumerate() {
        let (ptr, len) = (part.as_ptr().cast::<T>(), part.len());
        let done = filler.fill(i * piece, part)?;
        if done.as_ptr() != ptr || done.len() != len {
            return None;
        }
    }
    // SAFETY: every piece of `dst` came back from `fill` as an initialized `&mut [T]` covering
    // exactly that piece (same start, same length); safe code can only make one by writing
    // every element through the piece it was given.
    Some(unsafe { &mut *(dst as *mut [MaybeUninit<T>] as *mut [T]) })
}

/// `out` seen as slots to overwrite, for the writers above.
///
/// # Safety
///
/// Through the returned slice the caller may only store initialized `T`s (the `write_*`
/// helpers do) and never `MaybeUninit::uninit()`: `out` must be fully initialized again when
/// the borrow ends, because it is a `&mut [T]` to its owner.
#[inline(always)]
pub(crate) unsafe fn as_uninit<T: Copy>(out: &mut [T]) -> &mut [MaybeUninit<T>] {
    // SAFETY: `MaybeUninit<T>` has `T`'s layout, and the caller keeps every element
    // initialized (see `# Safety`).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_outputs_get_exactly_their_length() {
        let v = fresh::<f32>(1000);
        assert!(v.is_empty());
        assert!(v.capacity() >= 1000 && v.capacity() < 1000 + 64);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn large_outputs_fill_whole_huge_pages() {
        for (len, size) in [(10_000_000, 4), (1 << 20, 4), (3_000_001, 8)] {
            let cap = huge_capacity(len * size, size);
            assert!(cap >= len, "{len}: capacity {cap}");
            assert!(
                cap - len < HUGE_PAGE / size,
                "{len}: less than a huge page spare"
            );
            assert_eq!((cap * size + MALLOC_OVERHEAD) % HUGE_PAGE, 0, "{len}");
        }
        let v = fresh::<f32>(10_000_000);
        assert!(v.capacity() >= 10_000_000);
    }

    /// Writes `at + i` into every slot of its piece.
    struct Count;
    impl FillPiece<u32> for Count {
        fn fill<'c>(
            &mut self,
            at: usize,
            piece: &'c mut [MaybeUninit<u32>],
        ) -> Option<&'c mut [u32]> {
            let n = piece.len();
            let src: Vec<u32> = (at..at + n).map(|i| i as u32).collect();
            write_map(piece, &src, |x| x)
        }
    }

    /// Initializes only the first half of its piece and returns that.
    struct Half;
    impl FillPiece<u32> for Half {
        fn fill<'c>(
            &mut self,
            _at: usize,
            piece: &'c mut [MaybeUninit<u32>],
        ) -> Option<&'c mut [u32]> {
            let half = piece.len() / 2;
            write_fill(&mut piece[..half], 7)
        }
    }

    #[test]
    fn pieces_cover_the_block_in_order() {
        for (len, piece) in [(1000, 128), (128, 128), (1, 128), (0, 128), (300, 1)] {
            let mut dst = vec![MaybeUninit::<u32>::uninit(); len];
            let out = write_pieces(&mut dst, piece, Count).map(|s| s.to_vec());
            assert_eq!(
                out,
                Some((0..len as u32).collect::<Vec<_>>()),
                "{len}/{piece}"
            );
        }
    }

    #[test]
    fn a_piece_that_is_not_fully_written_is_none() {
        let mut dst = vec![MaybeUninit::<u32>::uninit(); 300];
        assert!(write_pieces(&mut dst, 128, Half).is_none());
    }
}
