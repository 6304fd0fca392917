//! Each op of the table as a tight loop over a block, from its CPU meaning
//! ([`cpu_meaning!`]): one loop per op, which the compiler vectorizes where the op allows.
//! A value of the wrong arity for the loop asked for is `None` (a malformed program, ruled
//! out by `Kernel::check`).

use std::mem::MaybeUninit;

use super::isa::builds;
use crate::alloc;
use crate::element::sealed::Scalar;
use crate::element::Element;
use crate::ir::kernel::Instr;
use crate::ir::ops::{cpu_meaning, Prim, MAX_PARAMS};

builds! {
    /// `dst[i] = step(src[i])` into a fresh block, in the chosen build.
    pub(crate) fn step_into['d, T: Element](
        step: Instr<'_, T>,
        src: &[T],
        dst: &'d mut [MaybeUninit<T>]
    ) -> Option<&'d mut [T]> = step_into_loops;
}

builds! {
    /// `block[i] = step(block[i])`, in the chosen build; `None` for an instruction that is not
    /// a one-value step.
    pub(crate) fn step_in_place[T: Element](step: Instr<'_, T>, block: &mut [T]) -> Option<()> = step_in_place_loops;
}

builds! {
    /// `dst[i] = prim(a[i], b[i])` into a fresh block, in the chosen build.
    pub(crate) fn zip_into['d, T: Element](
        prim: Prim,
        a: &[T],
        b: &[T],
        dst: &'d mut [MaybeUninit<T>]
    ) -> Option<&'d mut [T]> = zip_into_loops;
}

/// `dst[i] = step(src[i])` into a fresh block.
#[inline(always)]
fn step_into_loops<'d, T: Element>(
    step: Instr<'_, T>,
    src: &[T],
    dst: &'d mut [MaybeUninit<T>],
) -> Option<&'d mut [T]> {
    match step {
        Instr::Prim(prim, p) => map_into(prim, p, src, dst),
        Instr::Custom(custom) => alloc::write_map(dst, src, |x| custom.call(x)),
        Instr::Input(_) | Instr::Const(_) => None,
    }
}

/// `block[i] = step(block[i])`; `None` for an instruction that is not a one-value step.
#[inline(always)]
fn step_in_place_loops<T: Element>(step: Instr<'_, T>, block: &mut [T]) -> Option<()> {
    match step {
        Instr::Prim(prim, p) => map_in_place(prim, p, block),
        Instr::Custom(custom) => {
            for v in block.iter_mut() {
                *v = custom.call(*v);
            }
            Some(())
        }
        Instr::Input(_) | Instr::Const(_) => None,
    }
}

/// `dst[i] = prim(src[i])` into a fresh block.
#[inline(always)]
fn map_into<'d, T: Element>(
    prim: Prim,
    p: [T; MAX_PARAMS],
    src: &[T],
    dst: &'d mut [MaybeUninit<T>],
) -> Option<&'d mut [T]> {
    macro_rules! one {
        ($q:ident; |$x:ident| $e:expr) => {{
            #[inline(always)]
            #[allow(unused_variables)]
            fn f<T: Element>($x: T, $q: [T; MAX_PARAMS]) -> T {
                $e
            }
            alloc::write_map(
                dst,
                src,
                #[inline(always)]
                |v: T| f(v, $q),
            )
        }};
    }
    #[rustfmt::skip]
    macro_rules! ranged {
        ($q:ident; |$x:ident| $fits:expr, |$y:ident| $near:expr, |$z:ident| $full:expr) => {{
            #[inline(always)]
            #[allow(unused_variables)]
            fn fits<T: Element>($x: T, $q: [T; MAX_PARAMS]) -> bool {
                $fits
            }
            #[inline(always)]
            #[allow(unused_variables)]
            fn near<T: Element>($y: T, $q: [T; MAX_PARAMS]) -> T {
                $near
            }
            #[inline(always)]
            #[allow(unused_variables)]
            fn full<T: Element>($z: T, $q: [T; MAX_PARAMS]) -> T {
                $full
            }
            if all_fit(src, #[inline(always)] |v: T| fits(v, $q)) {
                alloc::write_map(dst, src, #[inline(always)] |v: T| near(v, $q))
            } else {
                alloc::write_map(dst, src, #[inline(always)] |v: T| full(v, $q))
            }
        }};
    }
    cpu_meaning!(prim, p, one, no_meaning, no_meaning, ranged)
}

/// `block[i] = prim(block[i])`.
#[inline(always)]
fn map_in_place<T: Element>(prim: Prim, p: [T; MAX_PARAMS], block: &mut [T]) -> Option<()> {
    macro_rules! one {
        ($q:ident; |$x:ident| $e:expr) => {{
            for v in block.iter_mut() {
                let $x: T = *v;
                *v = $e;
            }
            Some(())
        }};
    }
    #[rustfmt::skip]
    macro_rules! ranged {
        ($q:ident; |$x:ident| $fits:expr, |$y:ident| $near:expr, |$z:ident| $full:expr) => {
            if all_fit(block, |$x: T| $fits) {
                one!($q; |$y| $near)
            } else {
                one!($q; |$z| $full)
            }
        };
    }
    cpu_meaning!(prim, p, one, no_meaning, no_meaning, ranged)
}

/// Whether `fits` holds for every value (no early exit, so the loop vectorizes).
#[inline(always)]
pub(crate) fn all_fit<T: Copy>(values: &[T], fits: impl Fn(T) -> bool) -> bool {
    values.iter().fold(true, |ok, &v| ok & fits(v))
}

/// `dst[i] = prim(a[i], b[i])` into a fresh block.
#[inline(always)]
fn zip_into_loops<'d, T: Element>(
    prim: Prim,
    a: &[T],
    b: &[T],
    dst: &'d mut [MaybeUninit<T>],
) -> Option<&'d mut [T]> {
    macro_rules! zip {
        ($f:expr) => {
            alloc::write_zip(dst, a, b, $f)
        };
    }
    with_binary!(prim, zip)
}

/// The arm of [`cpu_meaning!`] for an op of another arity than a loop takes: `None`.
macro_rules! no_meaning {
    ($q:ident; $($meaning:tt)*) => {{
        let _ = $q;
        None
    }};
}
pub(crate) use no_meaning;

/// Calls `$with!(f)` with `f` the CPU meaning of a one-value step as a closure, or
/// `$with_ranged!(fits, near, full)` for an op with a fast path (see [`cpu_meaning!`]); `None`
/// for any other instruction. For the register machine's loops, which take the closures.
macro_rules! with_unary {
    ($step:expr, $with:ident, $with_ranged:ident) => {
        match $step {
            Instr::Prim(prim, p) => {
                macro_rules! one {
                    ($q:ident; |$x:ident| $e:expr) => {{
                        #[inline(always)]
                        #[allow(unused_variables)]
                        fn f<T: $crate::element::Element>(
                            $x: T,
                            $q: [T; $crate::ir::ops::MAX_PARAMS],
                        ) -> T {
                            $e
                        }
                        $with!(#[inline(always)] |v: T| f(v, $q))
                    }};
                }
                #[rustfmt::skip]
                macro_rules! ranged {
                    ($q:ident; |$x:ident| $fits:expr, |$y:ident| $near:expr, |$z:ident| $full:expr) => {{
                        #[inline(always)]
                        #[allow(unused_variables)]
                        fn fits<T: $crate::element::Element>(
                            $x: T,
                            $q: [T; $crate::ir::ops::MAX_PARAMS],
                        ) -> bool {
                            $fits
                        }
                        #[inline(always)]
                        #[allow(unused_variables)]
                        fn near<T: $crate::element::Element>(
                            $y: T,
                            $q: [T; $crate::ir::ops::MAX_PARAMS],
                        ) -> T {
                            $near
                        }
                        #[inline(always)]
                        #[allow(unused_variables)]
                        fn full<T: $crate::element::Element>(
                            $z: T,
                            $q: [T; $crate::ir::ops::MAX_PARAMS],
                        ) -> T {
                            $full
                        }
                        $with_ranged!(#[inline(always)] |v: T| fits(v, $q), #[inline(always)] |v: T| near(v, $q), #[inline(always)] |v: T| full(v, $q))
                    }};
                }
                cpu_meaning!(prim, p, one, no_meaning, no_meaning, ranged)
            }
            Instr::Custom(custom) => $with!(|x: T| custom.call(x)),
            Instr::Input(_) | Instr::Const(_) => None,
        }
    };
}
pub(crate) use with_unary;

/// Calls `$with!(f)` with `f` the CPU meaning of a two-value op as a closure; `None` for a
/// one-value op.
macro_rules! with_binary {
    ($prim:expr, $with:ident) => {{
        let p = [T::ZERO; crate::ir::ops::MAX_PARAMS];
        macro_rules! two {
            ($q:ident; |$a:ident, $b:ident| $e:expr) => {{
                #[inline(always)]
                #[allow(unused_variables)]
                fn f<T: $crate::element::Element>(
                    $a: T,
                    $b: T,
                    $q: [T; $crate::ir::ops::MAX_PARAMS],
                ) -> T {
                    $e
                }
                $with!(
                    #[inline(always)]
                    |a: T, b: T| f(a, b, $q)
                )
            }};
        }
        cpu_meaning!($prim, p, no_meaning, two, no_meaning, no_meaning)
    }};
}
pub(crate) use with_binary;

/// Calls `$with!(f)` with `f` the CPU meaning of a three-value op as a closure; `None` for
/// any other op.
macro_rules! with_ternary {
    ($prim:expr, $with:ident) => {{
        let p = [T::ZERO; crate::ir::ops::MAX_PARAMS];
        macro_rules! three {
            ($q:ident; |$c:ident, $a:ident, $b:ident| $e:expr) => {{
                #[inline(always)]
                #[allow(unused_variables)]
                fn f<T: $crate::element::Element>(
                    $c: T,
                    $a: T,
                    $b: T,
                    $q: [T; $crate::ir::ops::MAX_PARAMS],
                ) -> T {
                    $e
                }
                $with!(
                    #[inline(always)]
                    |c: T, a: T, b: T| f(c, a, b, $q)
                )
            }};
        }
        cpu_meaning!($prim, p, no_meaning, no_meaning, three, no_meaning)
    }};
}
pub(crate) use with_ternary;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::ops::Arity;

    #[test]
    fn every_op_has_a_cpu_meaning_of_its_arity() {
        for &prim in Prim::ALL
            .iter()
            .filter(|p| p.entry().arity != Arity::Ternary)
        {
            let unary = prim.entry().arity == Arity::Unary;
            let (src, b) = ([1.5_f32, -2.0], [0.5_f32, 4.0]);
            let mut dst = [MaybeUninit::uninit(); 2];
            let one = step_into(Instr::Prim(prim, [2.0, 3.0]), &src, &mut dst).is_some();
            let mut dst = [MaybeUninit::uninit(); 2];
            let two = zip_into(prim, &src, &b, &mut dst).is_some();
            assert_eq!((one, two), (unary, !unary), "{prim:?}");
        }
    }
}
