//! Runtime CPU feature dispatch: the block loops compiled a second time with AVX2 (and FMA
//! available, though LLVM does not contract `a * b + c` without fast-math, so results stay
//! IEEE-exact), chosen once per call when the CPU has them. The `unsafe` calls live here.

/// Runs `f` compiled for AVX2 + FMA when this CPU has them, else as built.
#[inline(always)]
pub(crate) fn dispatch<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above; `avx2` only changes
            // which instructions the (inlined) body of `f` compiles to.
            return unsafe { avx2(f) };
        }
    }
    f()
}

/// `f()`, with the inlined body of `f` compiled for AVX2 + FMA.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}
