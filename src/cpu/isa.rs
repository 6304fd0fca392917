//! The CPU's per-instruction-set builds: the block evaluator, the in-place chain and the
//! block sum compiled again for AVX2 + FMA and for AVX-512, the best one this CPU has chosen
//! at run time once. LLVM does not contract `a * b + c` without fast-math and every op is
//! IEEE arithmetic, so every build gives the same answers bit for bit (tested by forcing
//! each one, `compute::testing::force_isa`); only their speed differs. The `unsafe` calls
//! into those builds live here.

use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicU8, Ordering};

use super::block::{self, Scratch};
use super::fold;
use crate::element::Element;
use crate::ir::kernel::Kernel;
use crate::ir::op::Op;
use crate::ir::reduce::Reduce;

/// An instruction set the CPU builds are compiled for, best last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[allow(unreachable_pub)] // public through `compute::testing` only
pub enum Isa {
    /// The portable build (SSE2 on x86_64; whatever the target has elsewhere).
    Portable = 1,
    /// AVX2 and FMA (256-bit vectors).
    Avx2 = 2,
    /// AVX-512 F, VL, DQ and BW (512-bit vectors).
    Avx512 = 3,
}

/// The build in use: 0 until detected.
static CHOSEN: AtomicU8 = AtomicU8::new(0);

/// The best instruction set this CPU has, detected once.
pub(crate) fn best() -> Isa {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("avx512f") && has!("avx512vl") && has!("avx512dq") && has!("avx512bw") {
            return Isa::Avx512;
        }
        if has!("avx2") && has!("fma") {
            return Isa::Avx2;
        }
    }
    Isa::Portable
}

/// The build the CPU backend runs: the best one, unless [`force`] chose another.
#[inline(always)]
pub(crate) fn chosen() -> Isa {
    match CHOSEN.load(Ordering::Relaxed) {
        3 => Isa::Avx512,
        2 => Isa::Avx2,
        1 => Isa::Portable,
        _ => {
            let isa = best();
            CHOSEN.store(isa as u8, Ordering::Relaxed);
            isa
        }
    }
}

/// Runs the CPU backend on `isa` from now on (the tests' hook), or on the best one this CPU has if it lacks
/// `isa`; returns the one in use.
#[cfg(feature = "testing")]
pub(crate) fn force(isa: Isa) -> Isa {
    let isa = isa.min(best());
    CHOSEN.store(isa as u8, Ordering::Relaxed);
    isa
}

/// Declares the builds of one function: `$name` dispatching to `$body` compiled for each
/// instruction set. Its generic parameters, bounds included, are written in brackets
/// (`fn name['d, T: Element](...)`). The features are a `#[target_feature]` list; the body
/// is inlined into each build, so its loops are compiled for those features.
macro_rules! builds {
    (
        $(#[$doc:meta])*
        $vis:vis fn $name:ident[$($generics:tt)*]($($arg:ident: $ty:ty),*) -> $ret:ty = $body:path;
    ) => {
        $(#[$doc])*
        #[inline(always)]
        $vis fn $name<$($generics)*>($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                fn avx2<$($generics)*>($($arg: $ty),*) -> $ret {
                    $body($($arg),*)
                }
                #[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")]
                fn avx512<$($generics)*>($($arg: $ty),*) -> $ret {
                    $body($($arg),*)
                }
                match $crate::cpu::isa::chosen() {
                    // SAFETY: `chosen` is never above `best`, what this CPU supports.
                    $crate::cpu::isa::Isa::Avx512 => return unsafe { avx512($($arg),*) },
                    // SAFETY: as above.
                    $crate::cpu::isa::Isa::Avx2 => return unsafe { avx2($($arg),*) },
                    $crate::cpu::isa::Isa::Portable => {}
                }
            }
            $body($($arg),*)
        }
    };
}
pub(crate) use builds;

builds! {
    /// [`block::eval_block`] in the chosen build.
    pub(crate) fn eval_block['d, T: Element](
        kernel: &Kernel<'_, T>,
        inputs: &[&[T]],
        start: usize,
        dst: &'d mut [MaybeUninit<T>],
        scratch: &mut Scratch<T>
    ) -> Option<&'d mut [T]> = block::eval_block;
}

builds! {
    /// [`block::steps_in_place`] in the chosen build.
    pub(crate) fn in_place[T: Element](steps: &[Op<T>], block: &mut [T]) -> Option<()> = block::steps_in_place;
}

builds! {
    /// [`block::chain_into`] in the chosen build.
    pub(crate) fn chain_into['d, T: Element](
        steps: &[Op<T>],
        src: &[T],
        dst: &'d mut [MaybeUninit<T>]
    ) -> Option<&'d mut [T]> = block::chain_into;
}

builds! {
    /// [`fold::fold_block`] in the chosen build.
    pub(crate) fn fold_block[T: Element](
        kernel: &Kernel<'_, T>,
        inputs: &[&[T]],
        start: usize,
        buf: &mut [MaybeUninit<T>],
        scratch: &mut Scratch<T>,
        how: Reduce
    ) -> Option<T> = fold::fold_block;
}
