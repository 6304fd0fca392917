//! The CPU's per-instruction-set builds: the block evaluator, the in-place chain and the
//! block sum compiled a second time with AVX2 and FMA enabled, chosen at run time once (LLVM
//! does not contract `a * b + c` without fast-math, so results stay IEEE-exact and equal to
//! the portable build's). The `unsafe` calls into those builds live here.

use std::mem::MaybeUninit;

use super::block::{self, Scratch};
use super::fold;
use crate::element::Element;
use crate::ir::kernel::Kernel;
use crate::ir::op::Op;

/// [`block::eval_block`], in its AVX2 build when this CPU has AVX2 and FMA.
#[inline(always)]
pub(crate) fn eval_block<'d, T: Element>(
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    start: usize,
    dst: &'d mut [MaybeUninit<T>],
    scratch: &mut Scratch<T>,
) -> Option<&'d mut [T]> {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2_fma() {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above; the attribute only
            // changes which instructions the inlined evaluator compiles to.
            return unsafe { eval_block_avx2(kernel, inputs, start, dst, scratch) };
        }
    }
    block::eval_block(kernel, inputs, start, dst, scratch)
}

/// Whether this CPU has AVX2 and FMA; detected once.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn has_avx2_fma() -> bool {
    static HAS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *HAS.get_or_init(|| {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    })
}

/// [`block::eval_block`] (inlined, so its loops) compiled for AVX2 + FMA.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn eval_block_avx2<'d, T: Element>(
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    start: usize,
    dst: &'d mut [MaybeUninit<T>],
    scratch: &mut Scratch<T>,
) -> Option<&'d mut [T]> {
    block::eval_block(kernel, inputs, start, dst, scratch)
}

/// [`block::steps_in_place`], in its AVX2 build when this CPU has AVX2 and FMA.
#[inline(always)]
pub(crate) fn in_place<T: Element>(steps: &[Op<T>], block: &mut [T]) -> Option<()> {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2_fma() {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            return unsafe { in_place_avx2(steps, block) };
        }
    }
    block::steps_in_place(steps, block)
}

/// [`block::steps_in_place`] (inlined, so its loops) compiled for AVX2 + FMA.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn in_place_avx2<T: Element>(steps: &[Op<T>], block: &mut [T]) -> Option<()> {
    block::steps_in_place(steps, block)
}

/// [`block::chain_into`], in its AVX2 build when this CPU has AVX2 and FMA.
#[inline(always)]
pub(crate) fn chain_into<'d, T: Element>(
    steps: &[Op<T>],
    src: &[T],
    dst: &'d mut [MaybeUninit<T>],
) -> Option<&'d mut [T]> {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2_fma() {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            return unsafe { chain_into_avx2(steps, src, dst) };
        }
    }
    block::chain_into(steps, src, dst)
}

/// [`block::chain_into`] (inlined, so its loops) compiled for AVX2 + FMA.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn chain_into_avx2<'d, T: Element>(
    steps: &[Op<T>],
    src: &[T],
    dst: &'d mut [MaybeUninit<T>],
) -> Option<&'d mut [T]> {
    block::chain_into(steps, src, dst)
}

/// [`fold::pairwise`], in its AVX2 build when this CPU has AVX2 and FMA (same order of
/// additions, so the same answer).
#[inline(always)]
pub(crate) fn pairwise_sum<T: Element>(values: &[T]) -> T {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2_fma() {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            return unsafe { pairwise_avx2(values) };
        }
    }
    fold::pairwise(values)
}

/// [`fold::pairwise`] compiled for AVX2 + FMA: the recursion is written out again because a
/// recursive function cannot be inlined into this one.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn pairwise_avx2<T: Element>(values: &[T]) -> T {
    match fold::halves(values) {
        None => fold::leaf_sum(values),
        Some((left, right)) => pairwise_avx2(left).add(pairwise_avx2(right)),
    }
}
