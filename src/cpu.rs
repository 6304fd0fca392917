//! The CPU backend: rayon over cache-sized blocks; in each block the kernel's head writes the
//! output once and every further step is a tight, vectorizable loop over that block while it
//! is still in L1/L2. Small inputs run on the calling thread and pay no parallel tax.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use crate::element::sealed::Scalar;
use crate::element::Element;
use crate::kernel::{Head, Kernel};
use crate::op::{with_binop, with_op, Op};
use crate::{alloc, simd};

/// Elements per CPU block: 4,096 f32 (16 KiB per array) keep a zip's two inputs and its output
/// inside a 48 KiB L1 data cache while a chain of steps runs over the block.
pub const BLOCK: usize = 4096;

/// Below this many elements a CPU call runs on the calling thread. Measured on the 2-core dev VM
/// (`cargo run --release --example compare`): waking rayon's workers costs ~5-15 µs, which a
/// memory-bound op only earns back past ~10^5 elements.
pub const PARALLEL_MIN: usize = 1 << 17;

/// Runs `kernel` over `inputs` (each exactly `len` elements) into a fresh vector.
pub(crate) fn run<T: Element>(kernel: &Kernel<'_, T>, inputs: &[&[T]], len: usize) -> Vec<T> {
    let mut out = alloc::fresh(len);
    let filled = alloc::fill_fresh(&mut out, len, |dst| {
        if len < PARALLEL_MIN {
            simd::dispatch(|| {
                dst.chunks_mut(BLOCK)
                    .enumerate()
                    .all(|(i, block)| fill_block(kernel, inputs, i * BLOCK, block))
            })
        } else {
            dst.par_chunks_mut(BLOCK)
                .enumerate()
                .all(|(i, block)| simd::dispatch(|| fill_block(kernel, inputs, i * BLOCK, block)))
        }
    });
    if filled {
        out
    } else {
        // Unreachable while `inputs` have the lengths the front end checked; kept as a
        // correct (slower) answer rather than a panic.
        (0..len).map(|i| reference(kernel, inputs, i)).collect()
    }
}

/// The kernel on element `i`, one scalar at a time.
fn reference<T: Element>(kernel: &Kernel<'_, T>, inputs: &[&[T]], i: usize) -> T {
    let get = |k: usize| inputs.get(k).and_then(|s| s.get(i)).copied();
    let head = match kernel.head {
        Head::Load => get(0),
        Head::Zip(op) => get(0).zip(get(1)).map(|(a, b)| op.apply(a, b)),
    };
    let head = head.unwrap_or(T::ZERO);
    kernel.steps.iter().fold(head, |v, op| op.apply(v))
}

/// Fills `dst`, the output block starting at element `start`; `false` if an input is short.
#[inline(always)]
fn fill_block<T: Element>(
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    start: usize,
    dst: &mut [MaybeUninit<T>],
) -> bool {
    let range = start..start + dst.len();
    let input = |k: usize| inputs.get(k).and_then(|s| s.get(range.clone()));
    let (block, rest) = match kernel.head {
        Head::Load => {
            let Some(src) = input(0) else { return false };
            match kernel.steps.split_first() {
                Some((first, rest)) => (map_into(first, src, dst), rest),
                None => (alloc::write_map(dst, src, |x| x), &[][..]),
            }
        }
        Head::Zip(op) => {
            let (Some(a), Some(b)) = (input(0), input(1)) else {
                return false;
            };
            (zip_into(op, a, b, dst), kernel.steps)
        }
    };
    let Some(block) = block else { return false };
    for op in rest {
        map_in_place(op, block);
    }
    true
}

/// `dst[i] = op(src[i])`, one loop per op.
#[inline(always)]
fn map_into<'d, T: Element>(
    op: &Op<T>,
    src: &[T],
    dst: &'d mut [MaybeUninit<T>],
) -> Option<&'d mut [T]> {
    macro_rules! each {
        (|$x:ident| $e:expr) => {
            alloc::write_map(dst, src, |$x: T| $e)
        };
    }
    with_op!(*op, each)
}

/// `block[i] = op(block[i])`, one loop per op.
#[inline(always)]
fn map_in_place<T: Element>(op: &Op<T>, block: &mut [T]) {
    macro_rules! each {
        (|$x:ident| $e:expr) => {
            for v in block.iter_mut() {
                let $x: T = *v;
                *v = $e;
            }
        };
    }
    with_op!(*op, each)
}

/// `dst[i] = op(a[i], b[i])`, one loop per op.
#[inline(always)]
fn zip_into<'d, T: Element>(
    op: crate::BinOp,
    a: &[T],
    b: &[T],
    dst: &'d mut [MaybeUninit<T>],
) -> Option<&'d mut [T]> {
    macro_rules! each {
        (|$a:ident, $b:ident| $e:expr) => {
            alloc::write_zip(dst, a, b, |$a: T, $b: T| $e)
        };
    }
    with_binop!(op, each)
}
