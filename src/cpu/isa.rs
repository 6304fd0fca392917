//! The CPU's per-instruction-set builds: each op's loops, the block evaluator and the block
//! fold compiled again for AVX2 + FMA and for AVX-512 (each declared with [`builds!`] beside
//! the code it builds), the best one this CPU has chosen at run time once. LLVM does not contract `a * b + c` without fast-math and every op is
//! IEEE arithmetic, so every build gives the same answers bit for bit (tested by forcing
//! each one, `compute::testing::force_isa`); only their speed differs. The `unsafe` calls
//! into those builds live here, in the macro.

use std::sync::atomic::{AtomicU8, Ordering};

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

/// Whether the loops that keep some of a register's old values (a `where` choosing into
/// one) compute through a stack buffer (`fused::staged`): in the AVX2 build, where LLVM
/// writes them with masked stores (`vmaskmovps`), microcoded on AMD's cores. AVX-512's masked
/// stores are plain stores under a mask register, and SSE2 has none.
#[inline(always)]
pub(crate) fn stage_kept_values() -> bool {
    chosen() == Isa::Avx2
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
/// is inlined into each build, so its loops are compiled for those features. Each build is
/// a function of its own, never inlined into its caller: a caller that is itself a build
/// (the evaluator calling an op's loops) then holds a call, not another copy of the loops,
/// which keeps each function LLVM optimizes small (one evaluator holding every op's loops
/// took minutes to compile per element type).
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
                #[inline(never)]
                #[target_feature(enable = "avx2,fma")]
                fn avx2<$($generics)*>($($arg: $ty),*) -> $ret {
                    $body($($arg),*)
                }
                #[inline(never)]
                #[target_feature(enable = "avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")]
                fn avx512<$($generics)*>($($arg: $ty),*) -> $ret {
                    $body($($arg),*)
                }
                #[inline(never)]
                fn portable<$($generics)*>($($arg: $ty),*) -> $ret {
                    $body($($arg),*)
                }
                return match $crate::cpu::isa::chosen() {
                    // SAFETY: `chosen` is never above `best`, what this CPU supports.
                    $crate::cpu::isa::Isa::Avx512 => unsafe { avx512($($arg),*) },
                    // SAFETY: as above.
                    $crate::cpu::isa::Isa::Avx2 => unsafe { avx2($($arg),*) },
                    $crate::cpu::isa::Isa::Portable => portable($($arg),*),
                };
            }
            #[cfg(not(target_arch = "x86_64"))]
            return $body($($arg),*);
        }
    };
}
pub(crate) use builds;
