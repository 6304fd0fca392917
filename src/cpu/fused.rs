//! Ops in one loop, where the block evaluator would otherwise write one op's values into a
//! register and read them back in a pass of their own: a `where` whose condition compares
//! two inputs (or an input and a scalar) compares as it selects, negating a choice `-x` of an
//! input as it reads it (`where(a > 0.5, a, -b)`); a `+` or `-` of a product
//! of two inputs (or of an input and a scalar), or of two such products, multiplies as it
//! adds (`a * 3 + 1`, `2 * a + b`, `a*a + b*b`; each product is rounded to the element type
//! first, as its own pass rounds it: no fused multiply-add); and a one-value step right
//! after such a sum runs in that loop, tile by tile (`exp(a*3 + 1)`, [`Fusion::trailing`]),
//! or a square root of floats in the loop itself (`sqrt(a*a + b*b)`, [`inlined`]). Each
//! loop uses the ops' CPU meanings (`Scalar::mul`, `add`, `sub`, `neg`, `sqrt`; the
//! comparisons as the table's, tested below).
//!
//! On the 2026-12-06 dev VM (AMD EPYC, AVX-512), 10^6 f32 on two threads, side by side with
//! the build before: `where(a > 0.5, a, -b)` 161 → 119 µs, `where(a > 0.5, a, 0)` 98 → 80,
//! `where(a > b, a * 2, b * 2)` 230 → 175.
//!
//! Which ops wait for their reader, and which steps run in the loop before them, is decided
//! once per block from the program ([`fusion`]); the evaluator rebuilds a
//! waiting op's operands from its two instructions when the reader runs, so nothing is
//! tracked per instruction.

use std::mem::MaybeUninit;

use super::{isa, loops};
use crate::alloc::{self, FillPiece};
use crate::element::sealed::Scalar;
use crate::element::Element;
use crate::ir::kernel::{Instr, MAX_DEPTH};
use crate::ir::ops::{Arity, Prim};

/// Which ops of a program run inside another op's loop (bit `i` for instruction `i`, the
/// first 64 only); decided once per block ([`fusion`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Fusion {
    /// The ops that wait for their reader: a comparison of two leaves (inputs or constants,
    /// not both constants) that a `where` reads as its condition, a negated input that such
    /// a `where` reads as a choice beside a leaf (`where(a > 0.5, a, -b)`), and a product of
    /// two leaves that a `+` or `-` reads (either operand or both). A program is a tree, so
    /// that reader is the op's only one.
    pub(crate) deferred: u64,
    /// The one-value steps right after a `+` or `-` that reads a waiting product
    /// (`sqrt(a*a + b*b)`, `exp(a*3 + 1)`): they run inside that sum's loop, tile by tile
    /// ([`TILE_BYTES`]), so one loop reads the inputs while the step (an `exp`) works on the
    /// tile before, in L1; a square root of floats runs in the loop itself ([`inlined`]).
    pub(crate) trailing: u64,
}

/// The [`Fusion`] of `code`.
pub(crate) fn fusion<T: Element>(code: &[Instr<'_, T>]) -> Fusion {
    let readers =
        |i: &Instr<'_, T>| matches!(i, Instr::Prim(Prim::Where | Prim::Add | Prim::Sub, _));
    if !code.iter().any(readers) {
        return Fusion::default();
    }
    // the instruction that produced each value on the stack
    let mut producers = [0_usize; MAX_DEPTH];
    let mut top = 0_usize;
    let (mut mask, mut sums, mut trailing) = (0_u64, 0_u64, 0_u64);
    for (j, instr) in code.iter().enumerate() {
        let reads = match instr {
            Instr::Input(_) | Instr::Const(_) => 0,
            Instr::Custom(_) => 1,
            Instr::Prim(prim, _) => match prim.entry().arity {
                Arity::Unary => 1,
                Arity::Binary => 2,
                Arity::Ternary => 3,
            },
        };
        let Some(base) = top.checked_sub(reads) else {
            return Fusion::default();
        };
        let waits = |i: usize, of: &[Prim]| {
            i < 64
                && matches!(code.get(i), Some(Instr::Prim(p, _)) if of.contains(p))
                && of_leaves(code, i)
        };
        match instr {
            Instr::Prim(Prim::Where, _) => {
                let i = producers[base];
                if waits(i, &COMPARISONS) {
                    mask |= 1 << i;
                    // a choice `-x` of an input, the other an input or a number: negated
                    // as the select reads it
                    let (a, b) = (producers[base + 1], producers[base + 2]);
                    for (c, other) in [(a, b), (b, a)] {
                        if c < 64 && negates_input(code, c) && leaf(code, other) {
                            mask |= 1 << c;
                        }
                    }
                }
            }
            Instr::Prim(Prim::Add | Prim::Sub, _) => {
                // one product or both (`a*b + c*d`): the reader multiplies as it adds
                for i in [producers[base], producers[base + 1]] {
                    if waits(i, &[Prim::Mul]) {
                        mask |= 1 << i;
                        if j < 64 {
                            sums |= 1 << j;
                        }
                    }
                }
            }
            // a step of such a sum: a one-value op reads the instruction right before it
            _ if reads == 1 && (1..64).contains(&j) && sums >> (j - 1) & 1 == 1 => {
                trailing |= 1 << j;
            }
            _ => {}
        }
        let Some(slot) = producers.get_mut(base) else {
            return Fusion::default();
        };
        *slot = j;
        top = base + 1;
    }
    Fusion {
        deferred: mask,
        trailing,
    }
}

/// [`Fusion::deferred`] of `code`.
#[cfg(test)]
fn deferred<T: Element>(code: &[Instr<'_, T>]) -> u64 {
    fusion(code).deferred
}

/// [`Fusion::trailing`] of `code`.
#[cfg(test)]
fn trailing<T: Element>(code: &[Instr<'_, T>]) -> u64 {
    fusion(code).trailing
}

/// Whether instruction `i` is a leaf: an input or a constant.
fn leaf<T>(code: &[Instr<'_, T>], i: usize) -> bool {
    matches!(code.get(i), Some(Instr::Input(_) | Instr::Const(_)))
}

/// Whether instruction `i` negates an input (the instruction before it).
fn negates_input<T>(code: &[Instr<'_, T>], i: usize) -> bool {
    matches!(code.get(i), Some(Instr::Prim(Prim::Neg, _)))
        && matches!(
            i.checked_sub(1).and_then(|k| code.get(k)),
            Some(Instr::Input(_))
        )
}

/// The six comparisons.
const COMPARISONS: [Prim; 6] = [Prim::Gt, Prim::Ge, Prim::Lt, Prim::Le, Prim::Eq, Prim::Ne];

/// Whether the operands of the binary op at `i` are the two instructions before it, inputs
/// or constants, at least one an input.
fn of_leaves<T>(code: &[Instr<'_, T>], i: usize) -> bool {
    let leaf = |k: usize| match code.get(k) {
        Some(Instr::Input(_)) => Some(true),
        Some(Instr::Const(_)) => Some(false),
        _ => None,
    };
    if i < 2 {
        return false;
    }
    match (leaf(i - 2), leaf(i - 1)) {
        (Some(x), Some(y)) => x || y,
        _ => false,
    }
}

/// The comparison that holds for `(b, a)` exactly when `prim` holds for `(a, b)`, NaN
/// included (`c > x` is `x < c`).
pub(crate) fn mirrored(prim: Prim) -> Prim {
    match prim {
        Prim::Gt => Prim::Lt,
        Prim::Lt => Prim::Gt,
        Prim::Ge => Prim::Le,
        Prim::Le => Prim::Ge,
        other => other,
    }
}

/// Calls `$with!(holds)` with `holds` the comparison `$prim` as a `Fn(T, T) -> bool` (the
/// table's CPU meaning of it is 1 exactly where this holds, tested below); `None` for any
/// other op. Only these six: each call site makes its loops for every op it names.
macro_rules! with_comparison {
    ($prim:expr, $with:ident) => {
        match $prim {
            Prim::Gt => $with!(
                #[inline(always)]
                |a: T, b: T| a > b
            ),
            Prim::Ge => $with!(
                #[inline(always)]
                |a: T, b: T| a >= b
            ),
            Prim::Lt => $with!(
                #[inline(always)]
                |a: T, b: T| a < b
            ),
            Prim::Le => $with!(
                #[inline(always)]
                |a: T, b: T| a <= b
            ),
            Prim::Eq => $with!(
                #[inline(always)]
                |a: T, b: T| a == b
            ),
            Prim::Ne => $with!(
                #[inline(always)]
                |a: T, b: T| a != b
            ),
            _ => None,
        }
    };
}
pub(crate) use with_comparison;

/// One operand of a fused select over a piece: a slice as long as the piece, or one value
/// for every element.
pub(crate) trait Lane<T>: Copy {
    /// Whether it covers a piece of `n` elements.
    fn covers(self, n: usize) -> bool;
    /// Element `i`.
    fn at(self, i: usize) -> T;
    /// Its `len` elements from `start` (`None` past its end).
    fn part(self, start: usize, len: usize) -> Option<Self>;
}

impl<T: Copy> Lane<T> for &[T] {
    #[inline(always)]
    fn covers(self, n: usize) -> bool {
        self.len() == n
    }
    #[inline(always)]
    fn at(self, i: usize) -> T {
        self[i]
    }
    #[inline(always)]
    fn part(self, start: usize, len: usize) -> Option<Self> {
        self.get(start..start.checked_add(len)?)
    }
}

/// The same value for every element.
#[derive(Clone, Copy)]
pub(crate) struct Splat<T>(pub(crate) T);

impl<T: Copy> Lane<T> for Splat<T> {
    #[inline(always)]
    fn covers(self, _: usize) -> bool {
        true
    }
    #[inline(always)]
    fn at(self, _: usize) -> T {
        self.0
    }
    #[inline(always)]
    fn part(self, _: usize, _: usize) -> Option<Self> {
        Some(self)
    }
}

/// An input's values negated as they are read (the op table's CPU meaning of `-`:
/// wrapping for integers, the sign bit flipped for floats, NaN's too): a choice `-b` of a
/// `where` that compares as it selects, read in the select's own loop ([`Fusion::deferred`]).
#[derive(Clone, Copy)]
pub(crate) struct Negated<'s, T>(pub(crate) &'s [T]);

impl<T: Scalar> Lane<T> for Negated<'_, T> {
    #[inline(always)]
    fn covers(self, n: usize) -> bool {
        self.0.len() == n
    }
    #[inline(always)]
    fn at(self, i: usize) -> T {
        self.0[i].neg()
    }
    #[inline(always)]
    fn part(self, start: usize, len: usize) -> Option<Self> {
        Some(Negated(self.0.part(start, len)?))
    }
}

/// `cond ? a : b` without a branch: a plain `if` lets LLVM turn "keep the old value" into a
/// conditional store and leave the loop scalar, while a blend of the bits stays a select the
/// loop vectorizes (`std::hint::select_unpredictable` does this from Rust 1.88; the crate's
/// `rust-version` is wgpu's, 1.87).
#[inline(always)]
fn pick<T: bytemuck::Pod>(cond: bool, a: T, b: T) -> T {
    #[inline(always)]
    fn blend<T: bytemuck::Pod, B: bytemuck::Pod + Bits>(cond: bool, a: T, b: T) -> Option<T> {
        let (a, b): (B, B) = (bytemuck::try_cast(a).ok()?, bytemuck::try_cast(b).ok()?);
        bytemuck::try_cast(B::blend(cond, a, b)).ok()
    }
    let blended = match std::mem::size_of::<T>() {
        4 => blend::<T, u32>(cond, a, b),
        8 => blend::<T, u64>(cond, a, b),
        _ => None,
    };
    blended.unwrap_or(if cond { a } else { b })
}

/// An unsigned integer as a bit pattern to blend.
trait Bits: Sized {
    /// `a` where `cond`, else `b`, by masks.
    fn blend(cond: bool, a: Self, b: Self) -> Self;
}

macro_rules! bits {
    ($($u:ty),*) => {$(
        impl Bits for $u {
            #[inline(always)]
            fn blend(cond: bool, a: $u, b: $u) -> $u {
                let mask = <$u>::from(cond).wrapping_neg();
                (a & mask) | (b & !mask)
            }
        }
    )*};
}
bits!(u32, u64);

/// `dst[i] = holds(x[i], y[i]) ? a[i] : b[i]`, every slot written and returned as
/// initialized; `None` (nothing written) if a length differs.
#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn select_into<'d, T: bytemuck::Pod>(
    dst: &'d mut [MaybeUninit<T>],
    x: &[T],
    y: impl Lane<T>,
    a: impl Lane<T>,
    b: impl Lane<T>,
    holds: impl Fn(T, T) -> bool,
) -> Option<&'d mut [T]> {
    let n = dst.len();
    if x.len() != n || !y.covers(n) || !a.covers(n) || !b.covers(n) {
        return None;
    }
    for (i, d) in dst.iter_mut().enumerate() {
        d.write(pick(holds(x[i], y.at(i)), a.at(i), b.at(i)));
    }
    // SAFETY: the loop wrote every element of `dst`; `MaybeUninit<T>` has `T`'s layout.
    Some(unsafe { &mut *(dst as *mut [MaybeUninit<T>] as *mut [T]) })
}

/// `d[i] = holds(x[i], y[i]) ? d[i] : other[i]` (`KEEP_IF_HOLDS`) or
/// `holds(x[i], y[i]) ? other[i] : d[i]`, in place; `None` (nothing written) if a length
/// differs.
#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn select_in_place<T: bytemuck::Pod, const KEEP_IF_HOLDS: bool>(
    d: &mut [T],
    x: &[T],
    y: impl Lane<T>,
    other: impl Lane<T>,
    holds: impl Fn(T, T) -> bool,
) -> Option<()> {
    let n = d.len();
    if x.len() != n || !y.covers(n) || !other.covers(n) {
        return None;
    }
    let choose = |h: bool, old: T, other: T| {
        if KEEP_IF_HOLDS {
            pick(h, old, other)
        } else {
            pick(h, other, old)
        }
    };
    if !isa::stage_kept_values() {
        for (i, v) in d.iter_mut().enumerate() {
            *v = choose(holds(x[i], y.at(i)), *v, other.at(i));
        }
        return Some(());
    }
    staged(
        d,
        #[inline(always)]
        |start, old, new| {
            let len = new.len();
            let x = x.get(start..start + len)?;
            let (y, other) = (y.part(start, len)?, other.part(start, len)?);
            for (i, (v, &o)) in new.iter_mut().zip(old).enumerate() {
                *v = choose(holds(x[i], y.at(i)), o, other.at(i));
            }
            Some(())
        },
    )
}

/// Elements per stack buffer of [`staged`] (256 bytes of f32).
const STAGE: usize = 64;

/// Rewrites `d` in place through a stack buffer: `row(start, old, new)` fills `new` from
/// `old`, the elements of `d` from `start` (at most [`STAGE`] of them), and `new` is copied
/// back; `None` as soon as `row` gives it, the rows before it written.
///
/// This is for the loops that keep some of the old values ([`isa::stage_kept_values`]): to
/// LLVM, keeping `d[i]` unless a condition holds is a store under that condition, and its
/// AVX2 build writes one with `vmaskmovps`/`vpmaskmovd`, which AMD's cores run microcoded.
/// Computed into a buffer, the same select is a blend and two plain stores in L1. Measured
/// on the 2026-12-07 dev VM (AMD EPYC, AVX2), one thread, a select of an f32 input into a
/// register of 1,024 kept where it fails: 487 ns with masked stores, 144 through the buffer
/// (a plain in-place loop of one multiply-add: 66).
#[inline(always)]
pub(crate) fn staged<T: bytemuck::Pod>(
    d: &mut [T],
    mut row: impl FnMut(usize, &[T], &mut [T]) -> Option<()>,
) -> Option<()> {
    let mut stage = [T::zeroed(); STAGE];
    let mut rows = d.chunks_exact_mut(STAGE);
    let mut start = 0;
    for part in &mut rows {
        // the whole buffer: a copy of a known length, a few vector moves
        row(start, part, &mut stage)?;
        part.copy_from_slice(&stage);
        start += STAGE;
    }
    let rest = rows.into_remainder();
    let stage = stage.get_mut(..rest.len())?;
    row(start, rest, stage)?;
    rest.copy_from_slice(stage);
    Some(())
}

/// How a `+` or `-` combines a product `m` with its other operand `o`.
pub(crate) mod with {
    /// `m + o`.
    pub(crate) const ADD: u8 = 0;
    /// `o + m`: the same value, but of two NaNs x86 keeps the first one's bits.
    pub(crate) const ADD_TO: u8 = 1;
    /// `m - o`.
    pub(crate) const SUB: u8 = 2;
    /// `o - m`.
    pub(crate) const SUB_FROM: u8 = 3;
}

/// The product `m` combined with `o` as [`with`]`::HOW` says.
#[inline(always)]
fn combine<T: Scalar, const HOW: u8>(m: T, o: T) -> T {
    match HOW {
        with::ADD => m.add(o),
        with::ADD_TO => o.add(m),
        with::SUB => m.sub(o),
        _ => o.sub(m),
    }
}

/// `dst[i] = then(x[i] * y[i]` combined with `o[i])`, every slot written and returned as
/// initialized; `None` (nothing written) if a length differs. `then` is [`same`] or a step
/// inlined into the loop ([`inlined`]).
#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn mul_add_into<T: Scalar, const HOW: u8>(
    dst: &mut [MaybeUninit<T>],
    x: impl Lane<T>,
    y: impl Lane<T>,
    o: impl Lane<T>,
    then: impl Fn(T) -> T,
) -> Option<&mut [T]> {
    let n = dst.len();
    if !x.covers(n) || !y.covers(n) || !o.covers(n) {
        return None;
    }
    for (i, d) in dst.iter_mut().enumerate() {
        d.write(then(combine::<T, HOW>(x.at(i).mul(y.at(i)), o.at(i))));
    }
    // SAFETY: the loop wrote every element of `dst`; `MaybeUninit<T>` has `T`'s layout.
    Some(unsafe { &mut *(dst as *mut [MaybeUninit<T>] as *mut [T]) })
}

/// `d[i] = then(x[i] * y[i]` combined with `d[i])`, in place; `None` (nothing written) if a
/// length differs. `then` is [`same`] or a step inlined into the loop ([`inlined`]).
#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(not(debug_assertions), inline(always))]
pub(crate) fn mul_add_in_place<T: Scalar, const HOW: u8>(
    d: &mut [T],
    x: impl Lane<T>,
    y: impl Lane<T>,
    then: impl Fn(T) -> T,
) -> Option<()> {
    let n = d.len();
    if !x.covers(n) || !y.covers(n) {
        return None;
    }
    for (i, v) in d.iter_mut().enumerate() {
        *v = then(combine::<T, HOW>(x.at(i).mul(y.at(i)), *v));
    }
    Some(())
}

/// [`mul_add_into`], then `then` (a one-value step, [`Fusion::trailing`]) over it: in the
/// loop itself for a square root of floats ([`inlined`]), else tile by tile; `None` if a
/// length differs or the step is not one (some tiles then written).
#[inline(always)]
pub(crate) fn mul_add_then_into<'d, T: Element, const HOW: u8>(
    dst: &'d mut [MaybeUninit<T>],
    x: impl Lane<T>,
    y: impl Lane<T>,
    o: impl Lane<T>,
    then: Option<Instr<'_, T>>,
) -> Option<&'d mut [T]> {
    let Some(step) = then else {
        return mul_add_into::<T, HOW>(dst, x, y, o, same);
    };
    if inlined(step) {
        return mul_add_into::<T, HOW>(dst, x, y, o, T::sqrt);
    }
    let n = dst.len();
    if !x.covers(n) || !y.covers(n) || !o.covers(n) {
        return None;
    }
    tiled(
        dst,
        step,
        #[inline(always)]
        |at, tile| {
            let n = tile.len();
            let (x, y, o) = (x.part(at, n)?, y.part(at, n)?, o.part(at, n)?);
            mul_add_into::<T, HOW>(tile, x, y, o, same)
        },
    )
}

/// `dst` written tile by tile ([`TILE_BYTES`]): `tile` fills the tile at its offset, then
/// the one-value step `step` runs over it while it is in L1.
#[inline(always)]
fn tiled<'d, T: Element>(
    dst: &'d mut [MaybeUninit<T>],
    step: Instr<'_, T>,
    tile: impl for<'c> FnMut(usize, &'c mut [MaybeUninit<T>]) -> Option<&'c mut [T]>,
) -> Option<&'d mut [T]> {
    alloc::write_pieces(dst, tile_len::<T>(), Tiles { tile, step })
}

/// The tiles of [`tiled`].
struct Tiles<'s, T, F> {
    tile: F,
    step: Instr<'s, T>,
}

impl<T, F> FillPiece<T> for Tiles<'_, T, F>
where
    T: Element,
    F: for<'c> FnMut(usize, &'c mut [MaybeUninit<T>]) -> Option<&'c mut [T]>,
{
    #[inline(always)]
    fn fill<'c>(&mut self, at: usize, tile: &'c mut [MaybeUninit<T>]) -> Option<&'c mut [T]> {
        let tile = (self.tile)(at, tile)?;
        loops::step_in_place(self.step, tile)?;
        Some(tile)
    }
}

/// [`mul_add_in_place`], then `then` (a one-value step, [`Fusion::trailing`]) over it: in
/// the loop itself for a square root of floats ([`inlined`]), else tile by tile; `None` if a
/// length differs or the step is not one (some tiles then written).
#[inline(always)]
pub(crate) fn mul_add_then_in_place<T: Element, const HOW: u8>(
    d: &mut [T],
    x: impl Lane<T>,
    y: impl Lane<T>,
    then: Option<Instr<'_, T>>,
) -> Option<()> {
    let Some(step) = then else {
        return mul_add_in_place::<T, HOW>(d, x, y, same);
    };
    if inlined(step) {
        return mul_add_in_place::<T, HOW>(d, x, y, T::sqrt);
    }
    let n = d.len();
    if !x.covers(n) || !y.covers(n) {
        return None;
    }
    let tile = tile_len::<T>();
    for (k, part) in d.chunks_mut(tile).enumerate() {
        let (start, len) = (k * tile, part.len());
        mul_add_in_place::<T, HOW>(part, x.part(start, len)?, y.part(start, len)?, same)?;
        loops::step_in_place(step, part)?;
    }
    Some(())
}

/// The value as it is: the loops of a sum with no step after it, or whose step runs over
/// tiles.
#[inline(always)]
fn same<T>(v: T) -> T {
    v
}

/// Whether the trailing step `step` is a square root of floats, which the sum's loop runs
/// inline (`then` = `T::sqrt`, the op table's CPU meaning of `sqrt`) rather than tile by
/// tile: one instruction whose throughput bounds the loop, so the loads and products of the
/// elements after it must overlap it, as they do only in one loop. Measured on the
/// 2026-12-07 dev VM (AMD EPYC, AVX2), 10^6 f64 on two threads, medians of alternating
/// rounds against tiles: `sqrt(a*a + b*b)` 505–717 against 391–426 µs, `sqrt(2*a + b)`
/// 451–614 against 379–410; f32 `sqrt(a*a + b*b)` 190–233 against 118–123. Other steps keep
/// the tiles: each one inlined would be the sum's loops again, for every lane and type, in
/// every build.
#[inline(always)]
fn inlined<T: Element>(step: Instr<'_, T>) -> bool {
    T::KIND == crate::element::Kind::Float && matches!(step, Instr::Prim(Prim::Sqrt, _))
}

/// Elements per tile of a loop with a trailing step ([`TILE_BYTES`]).
#[inline(always)]
fn tile_len<T>() -> usize {
    (TILE_BYTES / std::mem::size_of::<T>().max(1)).max(1)
}

/// Bytes per tile of a loop that runs a one-value step after its own op
/// ([`Fusion::trailing`]), 128 f64 or 256 f32: short enough that the out-of-order core
/// overlaps one tile's step with the next tile's loads, long enough that the step's dispatch
/// (a call per tile) and its loop's ends stay a few percent. 1,024 rather than 512 for
/// f32's sake, at a small cost to f64; a step bound by its own arithmetic (`exp`) gains
/// nothing from the overlap and only breaks even. On the 2026-12-07 dev VM (AMD
/// EPYC, AVX2), 10^6 elements on two threads, medians of alternating rounds, each op in a
/// loop of its own against tiles of 512 and of 1,024 bytes: f64 `sqrt(2*a + b)` 622–654
/// against 418–428 and 439–448 µs, f32 `exp(a*3 + 1)` 459–466 against 509–512 and 453–475;
/// f32 `sqrt(a*a + b*b)` 207–217 in tiles of 512 bytes, 188–191 in 1,024; f64
/// `sqrt(a*a + b*b)` 772–949 each op its own loop, 512–527 in 512 bytes, 496–539 in 1,024.
const TILE_BYTES: usize = 1024;

/// `dst[i] = x[i] * y[i]` added to (`ADD`) or less (`SUB`) `z[i] * w[i]`, then `then` (a
/// one-value step, [`Fusion::trailing`]) over it (in the loop itself for a square root of
/// floats, [`inlined`], else tile by tile), every slot written and returned as initialized;
/// `None` if a length differs or the step is not one. Both products are rounded to the
/// element type first, as their own passes would round them.
#[inline(always)]
pub(crate) fn products_into<'d, T: Element, const HOW: u8>(
    dst: &'d mut [MaybeUninit<T>],
    left: (impl Lane<T>, impl Lane<T>),
    right: (impl Lane<T>, impl Lane<T>),
    then: Option<Instr<'_, T>>,
) -> Option<&'d mut [T]> {
    let Some(step) = then else {
        return products_loop::<T, HOW>(dst, left, right, same);
    };
    if inlined(step) {
        return products_loop::<T, HOW>(dst, left, right, T::sqrt);
    }
    let n = dst.len();
    let ((x, y), (z, w)) = (left, right);
    if !x.covers(n) || !y.covers(n) || !z.covers(n) || !w.covers(n) {
        return None;
    }
    tiled(
        dst,
        step,
        #[inline(always)]
        |at, tile| {
            let n = tile.len();
            let left = (x.part(at, n)?, y.part(at, n)?);
            let right = (z.part(at, n)?, w.part(at, n)?);
            products_loop::<T, HOW>(tile, left, right, same)
        },
    )
}

/// The loop of [`products_into`].
#[cfg_attr(debug_assertions, inline(never))]
#[cfg_attr(not(debug_assertions), inline(always))]
fn products_loop<T: Scalar, const HOW: u8>(
    dst: &mut [MaybeUninit<T>],
    (x, y): (impl Lane<T>, impl Lane<T>),
    (z, w): (impl Lane<T>, impl Lane<T>),
    then: impl Fn(T) -> T,
) -> Option<&mut [T]> {
    let n = dst.len();
    if !x.covers(n) || !y.covers(n) || !z.covers(n) || !w.covers(n) {
        return None;
    }
    for (i, d) in dst.iter_mut().enumerate() {
        d.write(then(combine::<T, HOW>(
            x.at(i).mul(y.at(i)),
            z.at(i).mul(w.at(i)),
        )));
    }
    // SAFETY: the loop wrote every element of `dst`; `MaybeUninit<T>` has `T`'s layout.
    Some(unsafe { &mut *(dst as *mut [MaybeUninit<T>] as *mut [T]) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu::loops::zip_into;

    fn apply(holds: impl Fn(f32, f32) -> bool, a: f32, b: f32) -> bool {
        holds(a, b)
    }

    #[test]
    fn each_comparison_holds_where_the_table_gives_one_and_mirrors() {
        type T = f32;
        let values = [
            f32::NAN,
            f32::NEG_INFINITY,
            -1.5,
            -0.0,
            0.0,
            2.0,
            f32::INFINITY,
        ];
        for prim in [Prim::Gt, Prim::Ge, Prim::Lt, Prim::Le, Prim::Eq, Prim::Ne] {
            for &a in &values {
                for &b in &values {
                    let mut dst = [MaybeUninit::uninit()];
                    let table = zip_into(prim, &[a], &[b], &mut dst).unwrap()[0];
                    macro_rules! check {
                        ($holds:expr) => {
                            Some(apply($holds, a, b))
                        };
                    }
                    let holds: bool = with_comparison!(prim, check).unwrap();
                    assert_eq!(holds, table == 1.0, "{prim:?}({a}, {b})");
                    macro_rules! mirror {
                        ($holds:expr) => {
                            Some(apply($holds, b, a))
                        };
                    }
                    let by_mirror: bool = with_comparison!(mirrored(prim), mirror).unwrap();
                    assert_eq!(by_mirror, holds, "{prim:?} mirrored, ({a}, {b})");
                }
            }
        }
        macro_rules! none {
            ($holds:expr) => {
                Some(apply($holds, 0.0, 0.0))
            };
        }
        assert_eq!(with_comparison!(Prim::Add, none), None);
    }

    #[test]
    fn only_leaf_comparisons_read_by_a_where_and_leaf_products_read_by_a_sum_wait() {
        use Instr::{Const, Input, Prim as P};
        let z = [0.0_f32; crate::ir::ops::MAX_PARAMS];
        // where(a > 0.5, a, -b): the comparison (2) and the negated input beside a leaf (5)
        let code = [
            Input(0),
            Const(0.5),
            P(Prim::Gt, z),
            Input(0),
            Input(1),
            P(Prim::Neg, z),
            P(Prim::Where, z),
        ];
        assert_eq!(deferred(&code), 1 << 2 | 1 << 5);
        // where(a > 0.5, -b, 2) waits too; where(a > 0.5, -b, -a), where(a > 0.5, -b, a + b)
        // and where(a > 0.5, -(a + b), b) do not negate in the select's loop, and where(a, -b,
        // b) (no comparison) neither
        let code = [
            Input(0),
            Const(0.5),
            P(Prim::Gt, z),
            Input(1),
            P(Prim::Neg, z),
            Const(2.0),
            P(Prim::Where, z),
        ];
        assert_eq!(deferred(&code), 1 << 2 | 1 << 4);
        let code = [
            Input(0),
            Const(0.5),
            P(Prim::Gt, z),
            Input(1),
            P(Prim::Neg, z),
            Input(0),
            P(Prim::Neg, z),
            P(Prim::Where, z),
        ];
        assert_eq!(deferred(&code), 1 << 2);
        let code = [
            Input(0),
            Const(0.5),
            P(Prim::Gt, z),
            Input(1),
            P(Prim::Neg, z),
            Input(0),
            Input(1),
            P(Prim::Add, z),
            P(Prim::Where, z),
        ];
        assert_eq!(deferred(&code), 1 << 2);
        let code = [
            Input(0),
            Const(0.5),
            P(Prim::Gt, z),
            Input(0),
            Input(1),
            P(Prim::Add, z),
            P(Prim::Neg, z),
            Input(1),
            P(Prim::Where, z),
        ];
        assert_eq!(deferred(&code), 1 << 2);
        let code = [
            Input(0),
            Input(1),
            P(Prim::Neg, z),
            Input(1),
            P(Prim::Where, z),
        ];
        assert_eq!(deferred(&code), 0);
        // where(a, a > b, b): a comparison as a choice does not
        let code = [
            Input(0),
            Input(0),
            Input(1),
            P(Prim::Gt, z),
            Input(1),
            P(Prim::Where, z),
        ];
        assert_eq!(deferred(&code), 0);
        // where(-a > b, ...): an operand that is not a leaf; where(1 > 2, ...): no input
        let code = [
            Input(0),
            P(Prim::Neg, z),
            Input(1),
            P(Prim::Lt, z),
            Input(0),
            Const(0.0),
            P(Prim::Where, z),
        ];
        assert_eq!(deferred(&code), 0);
        let code = [
            Const(1.0),
            Const(2.0),
            P(Prim::Gt, z),
            Input(0),
            Const(0.0),
            P(Prim::Where, z),
        ];
        assert_eq!(deferred(&code), 0);
        // where(a + b, ...): not a comparison; nested wheres each get theirs
        let code = [
            Input(0),
            Input(1),
            P(Prim::Add, z),
            Input(0),
            Const(0.0),
            P(Prim::Where, z),
        ];
        assert_eq!(deferred(&code), 0);
        let code = [
            Input(0),
            Const(0.0),
            P(Prim::Ne, z),
            Const(1.0),
            Input(1),
            Input(0),
            P(Prim::Le, z),
            Input(0),
            Input(1),
            P(Prim::Where, z),
            P(Prim::Where, z),
        ];
        assert_eq!(deferred(&code), 1 << 2 | 1 << 6);
        // a malformed program waits for nothing
        assert_eq!(deferred(&[P(Prim::Where, z)]), 0);
        // a * 3 + 1 and 2 * a - b: the product waits for its sum
        let code = [
            Input(0),
            Const(3.0),
            P(Prim::Mul, z),
            Const(1.0),
            P(Prim::Add, z),
        ];
        assert_eq!(deferred(&code), 1 << 2);
        let code = [
            Const(2.0),
            Input(0),
            P(Prim::Mul, z),
            Input(1),
            P(Prim::Sub, z),
        ];
        assert_eq!(deferred(&code), 1 << 2);
        // over 64-bit integers too
        let zi = [0_i64; crate::ir::ops::MAX_PARAMS];
        let wide = [
            Input(0),
            Const(3),
            P(Prim::Mul, zi),
            Const(1),
            P(Prim::Add, zi),
        ];
        assert_eq!(deferred(&wide), 1 << 2);
        // b - a * b: on the right
        let code = [
            Input(1),
            Input(0),
            Input(1),
            P(Prim::Mul, z),
            P(Prim::Sub, z),
        ];
        assert_eq!(deferred(&code), 1 << 3);
        // a * b + a * a and 2 * a - b * 3: both products
        let code = [
            Input(0),
            Input(1),
            P(Prim::Mul, z),
            Input(0),
            Input(0),
            P(Prim::Mul, z),
            P(Prim::Add, z),
        ];
        assert_eq!(deferred(&code), 1 << 2 | 1 << 5);
        let code = [
            Const(2.0),
            Input(0),
            P(Prim::Mul, z),
            Input(1),
            Const(3.0),
            P(Prim::Mul, z),
            P(Prim::Sub, z),
        ];
        assert_eq!(deferred(&code), 1 << 2 | 1 << 5);
        // (a * b + c) + d * d: the inner sum's product, then the outer's
        let code = [
            Input(0),
            Input(1),
            P(Prim::Mul, z),
            Input(2),
            P(Prim::Add, z),
            Input(3),
            Input(3),
            P(Prim::Mul, z),
            P(Prim::Add, z),
        ];
        assert_eq!(deferred(&code), 1 << 2 | 1 << 7);
        // a product read by a where, a quotient, a product of a sum: none
        let code = [
            Input(0),
            Input(0),
            Input(1),
            P(Prim::Mul, z),
            Input(1),
            P(Prim::Where, z),
        ];
        assert_eq!(deferred(&code), 0);
        let code = [
            Input(0),
            Input(1),
            P(Prim::Div, z),
            Const(1.0),
            P(Prim::Add, z),
        ];
        assert_eq!(deferred(&code), 0);
        let code = [
            Input(0),
            Input(1),
            P(Prim::Add, z),
            Input(0),
            P(Prim::Mul, z),
            Input(1),
            P(Prim::Add, z),
        ];
        assert_eq!(deferred(&code), 0);
    }

    #[test]
    fn a_negated_choice_waits_only_among_the_first_64_instructions() {
        use Instr::{Const, Input, Prim as P};
        let z = [0.0_f32; crate::ir::ops::MAX_PARAMS];
        // `start` instructions of `a + 1 + 1 ...` (or `-a + 1 + ...` for an even count), then
        // where(a > 0.5, -b, a) added to it: the negation at `start + 4`
        let program = |start: usize| {
            let mut code = vec![Input(0)];
            if start.is_multiple_of(2) {
                code.push(P(Prim::Neg, z));
            }
            while code.len() < start {
                code.extend([Const(1.0), P(Prim::Add, z)]);
            }
            code.extend([
                Input(0),
                Const(0.5),
                P(Prim::Gt, z),
                Input(1),
                P(Prim::Neg, z),
                Input(0),
                P(Prim::Where, z),
                P(Prim::Add, z),
            ]);
            assert_eq!(code.len(), start + 8);
            code
        };
        assert_eq!(deferred(&program(59)), 1 << 61 | 1 << 63);
        assert_eq!(deferred(&program(60)), 1 << 62);
        assert_eq!(deferred(&program(62)), 0);
    }

    #[test]
    fn a_step_trails_only_a_sum_that_reads_a_waiting_product() {
        use Instr::{Const, Input, Prim as P};
        let z = [0.0_f32; crate::ir::ops::MAX_PARAMS];
        // sqrt(a * a + b * 2): the sum's loop runs the square root
        let mut code = vec![
            Input(0),
            Input(0),
            P(Prim::Mul, z),
            Input(1),
            Const(2.0),
            P(Prim::Mul, z),
            P(Prim::Add, z),
            P(Prim::Sqrt, z),
        ];
        assert_eq!(trailing(&code), 1 << 7);
        // a second step runs in a loop of its own
        code.push(P(Prim::Neg, z));
        assert_eq!(trailing(&code), 1 << 7);
        // over a sum of one product, on either side (`sqrt(a * a + b)`, `exp(b - (a * 3))`)
        let one = [
            Input(0),
            Input(0),
            P(Prim::Mul, z),
            Input(1),
            P(Prim::Add, z),
            P(Prim::Sqrt, z),
        ];
        assert_eq!(trailing(&one), 1 << 5);
        let right = [
            Input(1),
            Input(0),
            Const(3.0),
            P(Prim::Mul, z),
            P(Prim::Sub, z),
            P(Prim::Exp, z),
        ];
        assert_eq!(trailing(&right), 1 << 5);
        // over a sum of no waiting product (`sqrt((a + b) * a + b)`), a quotient: none
        let none = [
            Input(0),
            Input(1),
            P(Prim::Add, z),
            Input(0),
            P(Prim::Mul, z),
            Input(1),
            P(Prim::Add, z),
            P(Prim::Sqrt, z),
        ];
        assert_eq!(trailing(&none), 0);
        let mut quotient = code[..7].to_vec();
        quotient[6] = P(Prim::Div, z);
        quotient.push(P(Prim::Sqrt, z));
        assert_eq!(trailing(&quotient), 0);
        // a binary op after the sum is not a step
        let mut binary = code[..7].to_vec();
        binary.extend([Input(1), P(Prim::Mul, z)]);
        assert_eq!(trailing(&binary), 0);
        // past the 64th instruction nothing waits or trails: a sum at 64 of products at 60
        // and 63 (both waiting), its step at 65
        let mut long = vec![Input(0), P(Prim::Neg, z)];
        while long.len() < 58 {
            long.extend([Const(1.5), P(Prim::Add, z)]);
        }
        long.extend_from_slice(&code[..8]);
        long.push(P(Prim::Add, z));
        assert_eq!(deferred(&long), 1 << 60 | 1 << 63);
        assert_eq!(trailing(&long), 0);
        // a sum of one product at 62 trails its step at 63; one at 63 does not
        let mut edge = long[..58].to_vec();
        edge.extend_from_slice(&one[..5]);
        edge.push(P(Prim::Sqrt, z));
        edge.push(P(Prim::Add, z));
        assert_eq!(trailing(&edge), 1 << 63);
        edge.insert(1, P(Prim::Neg, z));
        assert_eq!(trailing(&edge), 0);
    }

    #[test]
    fn products_combine_as_two_passes_would_and_write_every_slot_or_none() {
        let (x, y) = ([1.5_f32, 3.0, 1e30], [0.1_f32, -2.0, 1e10]);
        let o = [1.0_f32, 0.5, -1.0];
        let mut dst = [MaybeUninit::uninit(); 3];
        let got = mul_add_into::<_, { with::SUB }>(&mut dst, &x[..], &y[..], &o[..], same).unwrap();
        let want: Vec<f32> = (0..3).map(|i| (x[i] * y[i]) - o[i]).collect();
        assert_eq!(got, &want[..]);
        let mut d = o;
        mul_add_in_place::<_, { with::SUB_FROM }>(&mut d, Splat(3.0_f32), &x[..], same).unwrap();
        let want: Vec<f32> = (0..3).map(|i| o[i] - 3.0 * x[i]).collect();
        assert_eq!(d, &want[..]);
        let mut d = [i64::MAX, 1, -1];
        mul_add_in_place::<_, { with::ADD }>(&mut d, &[i64::MAX, 2, 3][..], Splat(2), same)
            .unwrap();
        assert_eq!(d, [i64::MAX.wrapping_mul(2).wrapping_add(i64::MAX), 5, 5]);
        let mut dst = [MaybeUninit::uninit(); 3];
        let got = products_into::<_, { with::SUB }>(
            &mut dst,
            (&x[..], Splat(2.0)),
            (&o[..], &y[..]),
            None,
        )
        .unwrap();
        let want: Vec<f32> = (0..3).map(|i| (x[i] * 2.0) - (o[i] * y[i])).collect();
        assert_eq!(got, &want[..]);
        let mut dst = [MaybeUninit::uninit(); 3];
        let got = products_into::<_, { with::ADD }>(
            &mut dst,
            (Splat(3_i64), &[i64::MAX, 2, 3][..]),
            (&[2_i64, -2, 1][..], &[i64::MIN, 1, 0][..]),
            None,
        )
        .unwrap();
        let want = [
            3_i64
                .wrapping_mul(i64::MAX)
                .wrapping_add(2_i64.wrapping_mul(i64::MIN)),
            4,
            9,
        ];
        assert_eq!(got, want);
        let mut short = [MaybeUninit::uninit(); 2];
        assert!(
            mul_add_into::<_, { with::ADD }>(&mut short, &x[..], Splat(0.0), &o[..], same)
                .is_none()
        );
        assert!(products_into::<_, { with::ADD }>(
            &mut short,
            (&x[..], &y[..]),
            (&o[..], Splat(1.0)),
            None
        )
        .is_none());
        assert!(
            mul_add_in_place::<_, { with::ADD }>(&mut d, &[1, 2][..], Splat(0), same).is_none()
        );
    }

    #[test]
    fn staged_rewrites_every_element_once_in_order() {
        for n in [0, 1, 63, 64, 65, 130, 4096] {
            let mut d: Vec<u32> = (0..n).collect();
            let mut starts = Vec::new();
            staged(&mut d, |start, old, new| {
                starts.push((start, old.len()));
                for (i, (v, &o)) in new.iter_mut().zip(old).enumerate() {
                    assert_eq!(o as usize, start + i);
                    *v = o * 3 + 1;
                }
                Some(())
            })
            .unwrap();
            assert!(
                d.iter().enumerate().all(|(i, &v)| v as usize == i * 3 + 1),
                "n = {n}"
            );
            let rows: Vec<(usize, usize)> = (0..n as usize / STAGE)
                .map(|k| (k * STAGE, STAGE))
                .chain([(n as usize / STAGE * STAGE, n as usize % STAGE)])
                .collect();
            assert_eq!(starts, rows, "n = {n}");
        }
        // a row that fails stops the rewrite
        let mut d = [1u32; 130];
        assert!(staged(&mut d, |start, _, _| (start < 64).then_some(())).is_none());
    }

    #[test]
    fn selects_write_every_slot_or_none() {
        let x = [1.0_f32, f32::NAN, 3.0];
        let (a, b) = ([10.0, 20.0, 30.0], [-1.0, -2.0, -3.0]);
        let mut dst = [MaybeUninit::uninit(); 3];
        let got = select_into(&mut dst, &x, Splat(2.0), &a[..], &b[..], |p, q| p < q).unwrap();
        assert_eq!(got, [10.0, -2.0, -3.0]);
        let mut d = b;
        select_in_place::<_, false>(&mut d, &x, Splat(2.0), Splat(0.0), |p, q| p < q).unwrap();
        assert_eq!(d, [0.0, -2.0, -3.0]);
        let mut d = a;
        select_in_place::<_, true>(&mut d, &x, &x[..], &b[..], |p, q| p == q).unwrap();
        assert_eq!(d, [10.0, -2.0, 30.0]);
        let mut short = [MaybeUninit::uninit(); 2];
        assert!(select_into(&mut short, &x, Splat(0.0), &a[..], &b[..], |p, q| p < q).is_none());
        assert!(
            select_in_place::<_, true>(&mut d, &x[..2], Splat(0.0), Splat(0.0), |p, q| p < q)
                .is_none()
        );
    }
}
