//! The block evaluator: the kernel program over one block of [`BLOCK`] elements. The
//! program runs one instruction at a time over a piece of the block: the first op writes the
//! output piece, later ops update it in place while it is still in L1, and an expression of
//! several arrays keeps its other intermediate values in a few scratch registers. Every op is
//! a tight loop (`loops.rs`) the compiler vectorizes; a `where` whose condition compares
//! inputs (or an input and a number) compares as it selects (and negates a choice `-x` of
//! an input as it reads it), a `+` or `-` of one or two
//! products of such leaves multiplies as it adds, and a one-value step right after such a
//! sum runs in the sum's loop, tile by tile, a square root of floats in the loop itself
//! (`fused.rs`).

use std::mem::MaybeUninit;

use super::fused::{self, with_comparison, Lane, Negated, Splat};
use super::isa::{self, builds};
use super::loops::{self, no_meaning, with_binary, with_ternary, with_unary};
use crate::alloc;
use crate::element::sealed::Scalar;
use crate::element::Element;
use crate::ir::kernel::{step, Instr, Kernel, MAX_DEPTH};
use crate::ir::op::Op;
use crate::ir::ops::{cpu_meaning, Arity, Prim};

/// Elements per CPU block, the unit of work the team hands out (a one-pass kernel takes runs
/// of up to `entry::SPAN`, 16 blocks, through `team::runs`): 4,096 f32 (16 KiB per array)
/// keep a zip's two inputs and its output inside a 48 KiB L1 data cache, and a reduction's
/// values for the block in cache while they are folded.
pub(crate) const BLOCK: usize = 4096;

/// Elements per pass of a kernel with more than one step: the block is evaluated in pieces
/// this long, one op after the other over each piece. A pass over a short piece leaves the
/// out-of-order core room to overlap one piece's arithmetic with the next piece's loads; one
/// pass over the whole block leaves memory idle while the block's later ops run; but each
/// piece pays the interpreter's per-instruction bookkeeping once. Measured on the
/// 2026-12-05 dev VM (AMD EPYC, AVX-512), 10^6 f32, two threads, three alternating rounds
/// of `examples/race`: `where(x > 2.5, x, 0)` 224–371 µs in pieces of 128, 204–262 in
/// 512, 186–213 in 1,024; `2x + y` (expr) 775–1,050, 502–663 and 429–460 µs; the three-op
/// chain level (both measured before the fused pairs, which now run those two as one loop
/// over whole blocks). On the 2026-12-07 dev VM (AMD EPYC, AVX2), 10^6, two threads, three
/// alternating rounds of a scratch `eval_into` timer, 256 against 1,024: f64
/// `sqrt(a*a + b*b)` 749–807 against 683–802 µs, `where(a > 0.5, a, -b)` 260–268 against
/// 183–189, `exp(a)*sin(b)` 1,320–1,330 against 1,176–1,190. (On the 2026-11 Xeon at 10^7,
/// 128 had beaten whole-block passes, 3.6 against 4.1 ms; at 10^7 here the rounds scattered
/// by 2x, no size ahead.) Since 2026-12-07 (later) `sqrt(a*a + b*b)` and `where(a > 0.5, a,
/// -b)` are one loop each ([`fused::Fusion`]) and no longer run in pieces.
const PIECE: usize = 1024;

/// The loops the CPU runs over a block: one per op (at least 1), an op that waits for its
/// reader ([`fused::Fusion::deferred`]) running inside the reader's loop, and a step that
/// trails a sum with a product ([`fused::Fusion::trailing`]) inside the sum's.
fn passes<T: Element>(kernel: &Kernel<'_, T>) -> usize {
    match kernel {
        Kernel::Map(steps) => steps.len().max(1),
        Kernel::Zip(_) => 1,
        Kernel::Program { code, .. } => {
            let fusion = fused::fusion(code);
            program_passes(code, fusion.deferred, fusion.trailing)
        }
    }
}

/// The loops of a program whose ops `deferred` wait for their readers and whose steps
/// `trailing` run inside the loop before them (at least 1).
fn program_passes<T: Element>(code: &[Instr<'_, T>], deferred: u64, trailing: u64) -> usize {
    let ops = code
        .iter()
        .filter(|i| !matches!(i, Instr::Input(_) | Instr::Const(_)))
        .count();
    let inside = deferred.count_ones() + trailing.count_ones();
    ops.saturating_sub(inside as usize).max(1)
}

/// Whether `kernel` is one loop per block (one op, a `zip`, or ops `fused.rs` runs as one).
pub(crate) fn one_pass<T: Element>(kernel: &Kernel<'_, T>) -> bool {
    passes(kernel) == 1
}

/// The piece length for a kernel of `passes` loops over a block of `len`: several passes run
/// piece by piece (see [`PIECE`]); one has nothing to overlap.
#[inline(always)]
fn piece_len(passes: usize, len: usize) -> usize {
    if passes > 1 {
        PIECE
    } else {
        len
    }
}

/// `steps` over `src` into `dst` (as long): the first op writes it, the rest update it in
/// place, each op one loop over the whole of it (for small inputs, with nothing to overlap).
#[inline(always)]
pub(crate) fn chain_into<'d, T: Element>(
    steps: &[Op<T>],
    src: &[T],
    dst: &'d mut [MaybeUninit<T>],
) -> Option<&'d mut [T]> {
    let Some((first, rest)) = steps.split_first() else {
        return alloc::write_map(dst, src, |x| x);
    };
    let out = loops::step_into(step(first)?, src, dst)?;
    for op in rest {
        loops::step_in_place(step(op)?, out)?;
    }
    Some(out)
}

/// Every op of `steps` over `block`, in place; piece by piece (see [`PIECE`]) when there is
/// more than one. `None` if a step is malformed (ruled out by `Kernel::check`).
#[inline(always)]
pub(crate) fn steps_in_place<T: Element>(steps: &[Op<T>], block: &mut [T]) -> Option<()> {
    let piece = piece_len(steps.len(), block.len());
    for part in block.chunks_mut(piece.max(1)) {
        for op in steps {
            loops::step_in_place(step(op)?, part)?;
        }
    }
    Some(())
}

/// Scratch registers of one thread, a block long (longer if a one-pass kernel's span takes
/// one), allocated on first use (a chain or a `zip` never needs one).
pub(crate) struct Scratch<T> {
    bufs: Vec<Vec<T>>,
}

impl<T> Default for Scratch<T> {
    fn default() -> Self {
        Scratch { bufs: Vec::new() }
    }
}

/// A value on the program's stack, for one block.
#[derive(Clone, Copy)]
enum Val<'s, T> {
    /// A block of an input array.
    Slice(&'s [T]),
    /// The same value for every element.
    Scalar(T),
    /// A register: 0 is the output block, 1.. are scratch blocks.
    Reg(usize),
    /// The op at this instruction (a comparison or a product of two leaves), not computed:
    /// its reader (a `where`, a `+` or `-`) does it in its own loop (`fused.rs`); no other op
    /// ever sees one.
    Deferred(usize),
    /// An input's block, negated by the `where` that reads it as a choice, in its own loop
    /// (`fused.rs`); no other op ever sees one.
    Negated(&'s [T]),
}

/// The output block, written once before it can be read.
enum Out<'d, T> {
    Uninit(&'d mut [MaybeUninit<T>]),
    Init(&'d mut [T]),
    Gone,
}

impl<'d, T: Copy> Out<'d, T> {
    /// The output block as slots to (over)write, whether or not it was written before.
    fn slots(self) -> Option<&'d mut [MaybeUninit<T>]> {
        match self {
            Out::Uninit(d) => Some(d),
            // SAFETY: every writer the register machine uses (`alloc::write_*`,
            // `fused::select_into`, `fused::mul_add_into`) stores only initialized `T`s, so
            // the block is initialized again once this borrow ends.
            Out::Init(d) => Some(unsafe { alloc::as_uninit(d) }),
            Out::Gone => None,
        }
    }
}

/// The registers of one block.
struct Regs<'d, 's, T> {
    out: Out<'d, T>,
    scratch: &'s mut Scratch<T>,
    len: usize,
    busy: [bool; MAX_DEPTH + 1],
}

impl<'d, T: Element> Regs<'d, '_, T> {
    /// A free register (the output block first), marked busy.
    fn take(&mut self) -> Option<usize> {
        let r = self.busy.iter().position(|b| !b)?;
        self.busy[r] = true;
        if r > 0 {
            while self.scratch.bufs.len() < r {
                self.scratch.bufs.push(Vec::new());
            }
            // a block or less, unless a one-pass kernel's run (`entry::SPAN`) ever takes one
            let buf = self.scratch.bufs.get_mut(r - 1)?;
            if buf.len() < self.len {
                buf.resize(self.len.max(BLOCK), T::ZERO);
            }
        }
        Some(r)
    }

    fn free(&mut self, r: usize) {
        if let Some(b) = self.busy.get_mut(r) {
            *b = false;
        }
    }

    /// An initialized register.
    fn reg(&mut self, r: usize) -> Option<&mut [T]> {
        if r == 0 {
            match &mut self.out {
                Out::Init(d) => Some(&mut **d),
                Out::Uninit(_) | Out::Gone => None,
            }
        } else {
            let len = self.len;
            self.scratch.bufs.get_mut(r - 1)?.get_mut(..len)
        }
    }

    /// Two distinct initialized registers.
    fn pair(&mut self, r: usize, q: usize) -> Option<(&mut [T], &mut [T])> {
        let len = self.len;
        match (r, q) {
            (0, 0) => None,
            (0, q) => {
                let other = self.scratch.bufs.get_mut(q - 1)?.get_mut(..len)?;
                match &mut self.out {
                    Out::Init(d) => Some((&mut **d, other)),
                    Out::Uninit(_) | Out::Gone => None,
                }
            }
            (r, 0) => {
                let (b, a) = self.pair(0, r)?;
                Some((a, b))
            }
            (r, q) if r < q => {
                let (lo, hi) = self.scratch.bufs.split_at_mut(q - 1);
                Some((
                    lo.get_mut(r - 1)?.get_mut(..len)?,
                    hi.first_mut()?.get_mut(..len)?,
                ))
            }
            (r, q) if r > q => {
                let (b, a) = self.pair(q, r)?;
                Some((a, b))
            }
            _ => None,
        }
    }

    /// A fresh register written by `fill`, which writes only initialized values: every slot
    /// when it succeeds (else this is `None`, the register holding some of them).
    #[inline(always)]
    fn fresh_with(
        &mut self,
        fill: impl for<'x> FnOnce(&'x mut [MaybeUninit<T>]) -> Option<&'x mut [T]>,
    ) -> Option<Val<'static, T>> {
        let r = self.take()?;
        if r == 0 {
            let slots = std::mem::replace(&mut self.out, Out::Gone).slots()?;
            self.out = Out::Init(fill(slots)?);
        } else {
            // SAFETY: every `fill` here stores only initialized `T`s (and on success every
            // slot), so the register, initialized before, stays initialized.
            fill(unsafe { alloc::as_uninit(self.reg(r)?) })?;
        }
        Some(Val::Reg(r))
    }

    /// `f(src[i])` into a fresh register.
    #[inline(always)]
    fn fresh_map(&mut self, src: &[T], f: impl Fn(T) -> T) -> Option<Val<'static, T>> {
        self.fresh_with(
            #[inline(always)]
            |d| alloc::write_map(d, src, f),
        )
    }

    /// `f(a[i], b[i])` into a fresh register.
    #[inline(always)]
    fn fresh_zip(&mut self, a: &[T], b: &[T], f: impl Fn(T, T) -> T) -> Option<Val<'static, T>> {
        self.fresh_with(
            #[inline(always)]
            |d| alloc::write_zip(d, a, b, f),
        )
    }

    /// A unary op on a value.
    #[inline(always)]
    fn unary<'s>(&mut self, v: Val<'s, T>, f: impl Fn(T) -> T) -> Option<Val<'s, T>> {
        match v {
            Val::Scalar(c) => Some(Val::Scalar(f(c))),
            Val::Slice(s) => self.fresh_map(s, f),
            Val::Reg(r) => {
                for v in self.reg(r)?.iter_mut() {
                    *v = f(*v);
                }
                Some(Val::Reg(r))
            }
            Val::Deferred(_) | Val::Negated(_) => None,
        }
    }

    /// Whether `fits` holds for every element of a value (`None`: a register out of range).
    #[inline(always)]
    fn all_fit(&mut self, v: &Val<'_, T>, fits: impl Fn(T) -> bool) -> Option<bool> {
        Some(match *v {
            Val::Scalar(c) => fits(c),
            Val::Slice(s) => loops::all_fit(s, fits),
            Val::Reg(r) => loops::all_fit(self.reg(r)?, fits),
            Val::Deferred(_) | Val::Negated(_) => return None,
        })
    }

    /// A binary op on two values; the result reuses a register when one holds an operand.
    #[inline(always)]
    fn binary<'s>(
        &mut self,
        a: Val<'s, T>,
        b: Val<'s, T>,
        f: impl Fn(T, T) -> T,
    ) -> Option<Val<'s, T>> {
        match (a, b) {
            (Val::Scalar(x), Val::Scalar(y)) => Some(Val::Scalar(f(x, y))),
            (Val::Slice(x), Val::Slice(y)) => self.fresh_zip(x, y, f),
            (Val::Slice(x), Val::Scalar(y)) => self.fresh_map(
                x,
                #[inline(always)]
                |v| f(v, y),
            ),
            (Val::Scalar(x), Val::Slice(y)) => self.fresh_map(
                y,
                #[inline(always)]
                |v| f(x, v),
            ),
            (Val::Reg(r), Val::Slice(y)) => {
                let d = self.reg(r)?;
                if d.len() != y.len() {
                    return None;
                }
                for (v, &y) in d.iter_mut().zip(y) {
                    *v = f(*v, y);
                }
                Some(Val::Reg(r))
            }
            (Val::Slice(x), Val::Reg(r)) => {
                let d = self.reg(r)?;
                if d.len() != x.len() {
                    return None;
                }
                for (v, &x) in d.iter_mut().zip(x) {
                    *v = f(x, *v);
                }
                Some(Val::Reg(r))
            }
            (Val::Reg(r), Val::Scalar(y)) => {
                for v in self.reg(r)?.iter_mut() {
                    *v = f(*v, y);
                }
                Some(Val::Reg(r))
            }
            (Val::Scalar(x), Val::Reg(r)) => {
                for v in self.reg(r)?.iter_mut() {
                    *v = f(x, *v);
                }
                Some(Val::Reg(r))
            }
            (Val::Reg(r), Val::Reg(q)) => {
                let (d, e) = self.pair(r, q)?;
                for (v, &w) in d.iter_mut().zip(e.iter()) {
                    *v = f(*v, w);
                }
                self.free(q);
                Some(Val::Reg(r))
            }
            (Val::Deferred(_) | Val::Negated(_), _) | (_, Val::Deferred(_) | Val::Negated(_)) => {
                None
            }
        }
    }

    /// A value as a register: a scalar broadcast into a fresh one, a slice left as it is.
    #[inline(always)]
    fn materialize<'s>(&mut self, v: Val<'s, T>) -> Option<Val<'s, T>> {
        let Val::Scalar(c) = v else { return Some(v) };
        self.fresh_with(
            #[inline(always)]
            |d| alloc::write_fill(d, c),
        )
    }

    /// A three-value op on three values (scalars broadcast first); the result reuses the
    /// lowest register among the operands, the others are freed.
    #[inline(always)]
    fn ternary<'s>(&mut self, v: [Val<'s, T>; 3], f: impl Fn(T, T, T) -> T) -> Option<Val<'s, T>> {
        if let [Val::Scalar(c), Val::Scalar(a), Val::Scalar(b)] = v {
            return Some(Val::Scalar(f(c, a, b)));
        }
        if v.iter()
            .any(|v| matches!(v, Val::Deferred(_) | Val::Negated(_)))
        {
            return None;
        }
        // `where(p, a, b)` with the condition computed into a register (one that compares
        // inputs is compared as it selects, `fused.rs`), the choices inputs or scalars: one
        // loop, nothing broadcast
        if let [Val::Reg(r), a @ (Val::Slice(_) | Val::Scalar(_)), b @ (Val::Slice(_) | Val::Scalar(_))] =
            v
        {
            let d = self.reg(r)?;
            let n = d.len();
            match (a, b) {
                (Val::Slice(a), Val::Slice(b)) if a.len() == n && b.len() == n => {
                    for ((c, &a), &b) in d.iter_mut().zip(a).zip(b) {
                        *c = f(*c, a, b);
                    }
                }
                (Val::Slice(a), Val::Scalar(b)) if a.len() == n => {
                    for (c, &a) in d.iter_mut().zip(a) {
                        *c = f(*c, a, b);
                    }
                }
                (Val::Scalar(a), Val::Slice(b)) if b.len() == n => {
                    for (c, &b) in d.iter_mut().zip(b) {
                        *c = f(*c, a, b);
                    }
                }
                (Val::Scalar(a), Val::Scalar(b)) => {
                    for c in d.iter_mut() {
                        *c = f(*c, a, b);
                    }
                }
                _ => return None,
            }
            return Some(Val::Reg(r));
        }
        let mut v = v;
        for slot in &mut v {
            *slot = self.materialize(*slot)?;
        }
        let reg = |val: &Val<'s, T>| match val {
            Val::Reg(r) => Some(*r),
            Val::Slice(_) | Val::Scalar(_) | Val::Deferred(_) | Val::Negated(_) => None,
        };
        let Some((pos, r)) = v
            .iter()
            .enumerate()
            .filter_map(|(i, val)| Some((i, reg(val)?)))
            .min_by_key(|&(_, r)| r)
        else {
            // three input slices: a fresh register
            let slices = v.map(|val| match val {
                Val::Slice(s) => s,
                Val::Reg(_) | Val::Scalar(_) | Val::Deferred(_) | Val::Negated(_) => &[],
            });
            return self.fresh_with(
                #[inline(always)]
                |d| alloc::write_zip3(d, slices, f),
            );
        };
        // the other registers' blocks, moved out of the scratch set while `r` is written
        let len = self.len;
        let mut taken: [(usize, Vec<T>); 3] = Default::default();
        for (i, val) in v.iter().enumerate() {
            if let Val::Reg(q) = *val {
                if q != r {
                    taken[i] = (q, std::mem::take(self.scratch.bufs.get_mut(q - 1)?));
                }
            }
        }
        let source = |i: usize| -> Option<&[T]> {
            match v[i] {
                Val::Slice(s) => Some(s),
                Val::Reg(_) => taken[i].1.get(..len),
                Val::Scalar(_) | Val::Deferred(_) | Val::Negated(_) => None,
            }
        };
        let (x, y) = match pos {
            0 => (source(1), source(2)),
            1 => (source(0), source(2)),
            _ => (source(0), source(1)),
        };
        let (x, y) = (x?, y?);
        let d = self.reg(r)?;
        if x.len() != d.len() || y.len() != d.len() {
            return None;
        }
        // `d[i] = $e` over the register's old value `$o` and the other two sources: through
        // the stack buffer where a register holding a choice keeps some of its values and
        // the build would store them under a mask (see `fused::staged`)
        macro_rules! rewrite {
            (|$o:ident, $c:ident, $w:ident| $e:expr) => {
                if isa::stage_kept_values() {
                    fused::staged(
                        d,
                        #[inline(always)]
                        |start, old, new| {
                            let x = x.get(start..start + new.len())?;
                            let y = y.get(start..start + new.len())?;
                            for ((v, &$o), (&$c, &$w)) in
                                new.iter_mut().zip(old).zip(x.iter().zip(y))
                            {
                                *v = $e;
                            }
                            Some(())
                        },
                    )
                } else {
                    for ((v, &$c), &$w) in d.iter_mut().zip(x).zip(y) {
                        let $o = *v;
                        *v = $e;
                    }
                    Some(())
                }
            };
        }
        match pos {
            0 => d
                .iter_mut()
                .zip(x)
                .zip(y)
                .for_each(|((v, &a), &b)| *v = f(*v, a, b)),
            1 => rewrite!(|o, c, b| f(c, o, b))?,
            _ => rewrite!(|o, c, a| f(c, a, o))?,
        }
        for (q, buf) in taken {
            if q != 0 {
                self.scratch.bufs[q - 1] = buf;
                self.free(q);
            }
        }
        Some(Val::Reg(r))
    }

    /// `where(holds(x, y), a, b)`, comparing as it selects: into a fresh register when both
    /// choices are leaves (one may be a negated input, read negated), else in place in a
    /// choice's register (the other one freed).
    #[inline(always)]
    fn select<'s>(
        &mut self,
        x: &[T],
        y: impl Lane<T>,
        [a, b]: [Val<'s, T>; 2],
        holds: impl Fn(T, T) -> bool + Copy,
    ) -> Option<Val<'s, T>> {
        use fused::{select_in_place as keep, select_into as into};
        let kept = match (a, b) {
            (Val::Reg(r), Val::Reg(q)) => {
                let (d, e) = self.pair(r, q)?;
                keep::<_, true>(d, x, y, &*e, holds)?;
                self.free(q);
                r
            }
            (Val::Reg(r), Val::Slice(o)) => {
                keep::<_, true>(self.reg(r)?, x, y, o, holds)?;
                r
            }
            (Val::Reg(r), Val::Scalar(o)) => {
                keep::<_, true>(self.reg(r)?, x, y, Splat(o), holds)?;
                r
            }
            (Val::Slice(o), Val::Reg(r)) => {
                keep::<_, false>(self.reg(r)?, x, y, o, holds)?;
                r
            }
            (Val::Scalar(o), Val::Reg(r)) => {
                keep::<_, false>(self.reg(r)?, x, y, Splat(o), holds)?;
                r
            }
            (Val::Slice(a), Val::Slice(b)) => {
                return self.fresh_with(
                    #[inline(always)]
                    |d| into(d, x, y, a, b, holds),
                )
            }
            (Val::Slice(a), Val::Scalar(b)) => {
                return self.fresh_with(
                    #[inline(always)]
                    |d| into(d, x, y, a, Splat(b), holds),
                )
            }
            (Val::Scalar(a), Val::Slice(b)) => {
                return self.fresh_with(
                    #[inline(always)]
                    |d| into(d, x, y, Splat(a), b, holds),
                )
            }
            (Val::Scalar(a), Val::Scalar(b)) => {
                return self.fresh_with(
                    #[inline(always)]
                    |d| into(d, x, y, Splat(a), Splat(b), holds),
                )
            }
            (Val::Negated(a), Val::Slice(b)) => {
                return self.fresh_with(
                    #[inline(always)]
                    |d| into(d, x, y, Negated(a), b, holds),
                )
            }
            (Val::Negated(a), Val::Scalar(b)) => {
                return self.fresh_with(
                    #[inline(always)]
                    |d| into(d, x, y, Negated(a), Splat(b), holds),
                )
            }
            (Val::Slice(a), Val::Negated(b)) => {
                return self.fresh_with(
                    #[inline(always)]
                    |d| into(d, x, y, a, Negated(b), holds),
                )
            }
            (Val::Scalar(a), Val::Negated(b)) => {
                return self.fresh_with(
                    #[inline(always)]
                    |d| into(d, x, y, Splat(a), Negated(b), holds),
                )
            }
            // `fused::fusion` negates a choice in the loop only beside an input or a number
            (Val::Deferred(_) | Val::Negated(_), _) | (_, Val::Deferred(_) | Val::Negated(_)) => {
                return None
            }
        };
        Some(Val::Reg(kept))
    }

    /// The product `x * y` combined with `o` as [`fused::with`]`::HOW` says, then `then`
    /// over it: into a fresh register when `o` is a leaf, else in place in `o`'s register.
    #[inline(always)]
    fn mul_add<'s, const HOW: u8>(
        &mut self,
        x: impl Lane<T>,
        y: impl Lane<T>,
        o: Val<'s, T>,
        then: Option<Instr<'_, T>>,
    ) -> Option<Val<'s, T>> {
        use fused::{mul_add_then_in_place as keep, mul_add_then_into as into};
        match o {
            Val::Reg(r) => {
                keep::<_, HOW>(self.reg(r)?, x, y, then)?;
                Some(Val::Reg(r))
            }
            Val::Slice(o) => self.fresh_with(
                #[inline(always)]
                |d| into::<_, HOW>(d, x, y, o, then),
            ),
            Val::Scalar(o) => self.fresh_with(
                #[inline(always)]
                |d| into::<_, HOW>(d, x, y, Splat(o), then),
            ),
            Val::Deferred(_) | Val::Negated(_) => None,
        }
    }

    /// The two products `x * y` and `z * w` combined as [`fused::with`]`::HOW` says (`ADD`
    /// or `SUB`), then `then` over them, into a fresh register.
    #[inline(always)]
    fn products<const HOW: u8>(
        &mut self,
        left: (impl Lane<T>, impl Lane<T>),
        right: (impl Lane<T>, impl Lane<T>),
        then: Option<Instr<'_, T>>,
    ) -> Option<Val<'static, T>> {
        self.fresh_with(
            #[inline(always)]
            |d| fused::products_into::<_, HOW>(d, left, right, then),
        )
    }

    /// Puts the program's result into the output block and returns it.
    #[inline(always)]
    fn finish(self, v: Val<'_, T>) -> Option<&'d mut [T]> {
        let Regs {
            out, scratch, len, ..
        } = self;
        let source: Option<&[T]> = match v {
            Val::Reg(0) => None,
            Val::Reg(r) => Some(scratch.bufs.get(r - 1)?.get(..len)?),
            Val::Slice(s) => Some(s),
            Val::Scalar(c) => return alloc::write_fill(out.slots()?, c),
            Val::Deferred(_) | Val::Negated(_) => return None,
        };
        match (out, source) {
            (Out::Init(d), None) => Some(d),
            (out, Some(s)) => alloc::write_map(out.slots()?, s, |x| x),
            (Out::Uninit(_) | Out::Gone, None) => None,
        }
    }
}

builds! {
    /// Runs the kernel on the block of elements `start..start + dst.len()` into `dst`, in the
    /// chosen build; `None` if an input is short or the program is malformed (both ruled out
    /// before any work starts).
    pub(crate) fn eval_block['d, T: Element](
        kernel: &Kernel<'_, T>,
        inputs: &[&[T]],
        start: usize,
        dst: &'d mut [MaybeUninit<T>],
        scratch: &mut Scratch<T>
    ) -> Option<&'d mut [T]> = evaluate;
}

/// The body of [`eval_block`]: the shape of the kernel, and its program over each piece.
#[inline(always)]
fn evaluate<'d, T: Element>(
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    start: usize,
    dst: &'d mut [MaybeUninit<T>],
    scratch: &mut Scratch<T>,
) -> Option<&'d mut [T]> {
    let range = start..start + dst.len();
    // `map` and `zip`, the shapes almost every call has, skip the register machine: their
    // first op writes the output and the rest update it in place, exactly what the machine
    // would do, minus its bookkeeping (~20 ns a call, measured at 100 elements).
    match kernel {
        Kernel::Map(steps) => {
            let src = inputs.first()?.get(range)?;
            let piece = piece_len(steps.len(), dst.len());
            alloc::write_pieces(dst, piece, Chain { steps, src })
        }
        Kernel::Zip(op) => {
            let a = inputs.first()?.get(range.clone())?;
            let b = inputs.get(1)?.get(range)?;
            loops::zip_into(op.prim(), a, b, dst)
        }
        Kernel::Program { code, .. } => {
            let fused::Fusion { deferred, trailing } = fused::fusion(code);
            let piece = piece_len(program_passes(code, deferred, trailing), dst.len());
            let program = Program {
                code,
                deferred,
                trailing,
                inputs,
                start,
                scratch,
                stack: [Val::Scalar(T::ZERO); MAX_DEPTH],
            };
            alloc::write_pieces(dst, piece, program)
        }
    }
}

/// A chain of ops over one piece: the first op writes it, the rest update it in place (no op:
/// a copy).
struct Chain<'a, T> {
    steps: &'a [Op<T>],
    /// The block's input.
    src: &'a [T],
}

impl<T: Element> alloc::FillPiece<T> for Chain<'_, T> {
    #[inline(always)]
    fn fill<'c>(&mut self, at: usize, piece: &'c mut [MaybeUninit<T>]) -> Option<&'c mut [T]> {
        let src = self.src.get(at..at + piece.len())?;
        chain_into(self.steps, src, piece)
    }
}

/// The register machine over one piece at a time; its stack lives as long as the block.
struct Program<'a, 'i, T> {
    code: &'a [Instr<'a, T>],
    /// The comparisons, negated inputs and products left for the op that reads them
    /// ([`fused::Fusion::deferred`]).
    deferred: u64,
    /// The one-value steps that run inside the loop before them ([`fused::Fusion::trailing`]).
    trailing: u64,
    inputs: &'a [&'i [T]],
    /// The block's first element.
    start: usize,
    scratch: &'a mut Scratch<T>,
    stack: [Val<'i, T>; MAX_DEPTH],
}

impl<T: Element> alloc::FillPiece<T> for Program<'_, '_, T> {
    #[inline(always)]
    fn fill<'c>(&mut self, at: usize, piece: &'c mut [MaybeUninit<T>]) -> Option<&'c mut [T]> {
        let start = self.start + at;
        let range = start..start + piece.len();
        let mut regs = Regs {
            len: piece.len(),
            out: Out::Uninit(piece),
            scratch: &mut *self.scratch,
            busy: [false; MAX_DEPTH + 1],
        };
        let stack = &mut self.stack;
        let mut top = 0usize;
        let leaf = |instr: &Instr<'_, T>| match *instr {
            Instr::Input(k) => Some(Val::Slice(
                self.inputs.get(usize::from(k))?.get(range.clone())?,
            )),
            Instr::Const(c) => Some(Val::Scalar(c)),
            Instr::Prim(..) | Instr::Custom(_) => None,
        };
        // the op at `at` that waited for its reader, with its two leaves
        let waiting = |at: usize| {
            let Instr::Prim(prim, _) = *self.code.get(at)? else {
                return None;
            };
            let x = leaf(self.code.get(at.checked_sub(2)?)?)?;
            Some((prim, x, leaf(self.code.get(at - 1)?)?))
        };
        // the one-value step right after the sum at `i` that runs in the sum's loop
        let then = |i: usize| {
            let trails = i + 1 < 64 && self.trailing >> (i + 1) & 1 == 1;
            trails.then(|| self.code.get(i + 1).copied()).flatten()
        };
        for (i, instr) in self.code.iter().enumerate() {
            match *instr {
                Instr::Input(_) | Instr::Const(_) => {
                    *stack.get_mut(top)? = leaf(instr)?;
                    top += 1;
                }
                Instr::Prim(prim, _) if prim.entry().arity == Arity::Ternary => {
                    top = top.checked_sub(2)?;
                    let (a, b) = (*stack.get(top)?, *stack.get(top + 1)?);
                    let slot = stack.get_mut(top.checked_sub(1)?)?;
                    *slot = match *slot {
                        Val::Deferred(at) if prim == Prim::Where => {
                            let (cmp, x, y) = waiting(at)?;
                            compared(cmp, x, y, [a, b], &mut regs)?
                        }
                        _ => ternary(prim, [*slot, a, b], &mut regs)?,
                    };
                }
                Instr::Prim(prim, _) if prim.entry().arity == Arity::Binary => {
                    top = top.checked_sub(1)?;
                    let b = *stack.get(top)?;
                    let slot = stack.get_mut(top.checked_sub(1)?)?;
                    *slot = if self.deferred == 0 {
                        binary(prim, *slot, b, &mut regs)?
                    } else if i < 64 && self.deferred >> i & 1 == 1 {
                        // its operands are leaves: nothing to free
                        Val::Deferred(i)
                    } else {
                        match (*slot, b) {
                            (Val::Deferred(at), Val::Deferred(other)) => {
                                let (_, x, y) = waiting(at)?;
                                let (_, z, w) = waiting(other)?;
                                products(prim, [x, y], [z, w], then(i), &mut regs)?
                            }
                            (Val::Deferred(at), o) => {
                                let (_, x, y) = waiting(at)?;
                                product(prim, x, y, o, true, then(i), &mut regs)?
                            }
                            (o, Val::Deferred(at)) => {
                                let (_, x, y) = waiting(at)?;
                                product(prim, x, y, o, false, then(i), &mut regs)?
                            }
                            (a, b) => binary(prim, a, b, &mut regs)?,
                        }
                    };
                }
                _ if i < 64 && self.trailing >> i & 1 == 1 => {
                    // ran inside the loop of the op before it
                }
                _ if i < 64 && self.deferred >> i & 1 == 1 => {
                    // a choice of a `where` that negates it in its own loop
                    let slot = stack.get_mut(top.checked_sub(1)?)?;
                    let Val::Slice(s) = *slot else {
                        return None;
                    };
                    *slot = Val::Negated(s);
                }
                step => {
                    let slot = stack.get_mut(top.checked_sub(1)?)?;
                    *slot = unary(step, *slot, &mut regs)?;
                }
            }
        }
        if top != 1 {
            return None;
        }
        regs.finish(stack[0])
    }
}

// The op dispatchers below: each is built for every instruction set (`isa.rs`), a function
// of its own per build that the evaluator calls once per op and piece (a relaxed load and a
// call, against a loop over 1,024 elements), so the evaluator and the fold hold calls, not
// copies of every op's loops.

builds! {
    /// [`unary_loops`] in the chosen build.
    fn unary['s, T: Element](
        step: Instr<'_, T>,
        v: Val<'s, T>,
        regs: &mut Regs<'_, '_, T>
    ) -> Option<Val<'s, T>> = unary_loops;
}

builds! {
    /// [`binary_loops`] in the chosen build.
    fn binary['s, T: Element](
        prim: Prim,
        a: Val<'s, T>,
        b: Val<'s, T>,
        regs: &mut Regs<'_, '_, T>
    ) -> Option<Val<'s, T>> = binary_loops;
}

builds! {
    /// [`compared_loops`] in the chosen build.
    fn compared['s, T: Element](
        cmp: Prim,
        x: Val<'s, T>,
        y: Val<'s, T>,
        choices: [Val<'s, T>; 2],
        regs: &mut Regs<'_, '_, T>
    ) -> Option<Val<'s, T>> = compared_loops;
}

builds! {
    /// [`product_loops`] in the chosen build.
    fn product['s, T: Element](
        prim: Prim,
        x: Val<'s, T>,
        y: Val<'s, T>,
        o: Val<'s, T>,
        left: bool,
        then: Option<Instr<'_, T>>,
        regs: &mut Regs<'_, '_, T>
    ) -> Option<Val<'s, T>> = product_loops;
}

builds! {
    /// [`products_loops`] in the chosen build.
    fn products['s, T: Element](
        prim: Prim,
        left: [Val<'s, T>; 2],
        right: [Val<'s, T>; 2],
        then: Option<Instr<'_, T>>,
        regs: &mut Regs<'_, '_, T>
    ) -> Option<Val<'s, T>> = products_loops;
}

builds! {
    /// [`ternary_loops`] in the chosen build.
    fn ternary['s, T: Element](
        prim: Prim,
        v: [Val<'s, T>; 3],
        regs: &mut Regs<'_, '_, T>
    ) -> Option<Val<'s, T>> = ternary_loops;
}

/// One one-value step over a value, one loop per op.
#[inline(always)]
fn unary_loops<'s, T: Element>(
    step: Instr<'_, T>,
    v: Val<'s, T>,
    regs: &mut Regs<'_, '_, T>,
) -> Option<Val<'s, T>> {
    macro_rules! run {
        ($f:expr) => {
            regs.unary(v, $f)
        };
    }
    macro_rules! run_ranged {
        ($fits:expr, $near:expr, $full:expr) => {{
            if regs.all_fit(&v, $fits)? {
                regs.unary(v, $near)
            } else {
                regs.unary(v, $full)
            }
        }};
    }
    with_unary!(step, run, run_ranged)
}

/// One two-value op over two values, one loop per op.
#[inline(always)]
fn binary_loops<'s, T: Element>(
    prim: Prim,
    a: Val<'s, T>,
    b: Val<'s, T>,
    regs: &mut Regs<'_, '_, T>,
) -> Option<Val<'s, T>> {
    macro_rules! run {
        ($f:expr) => {
            regs.binary(a, b, $f)
        };
    }
    with_binary!(prim, run)
}

/// `where(cmp(x, y), a, b)` for a comparison of two leaves left for its `where`, one loop.
#[inline(always)]
fn compared_loops<'s, T: Element>(
    cmp: Prim,
    x: Val<'s, T>,
    y: Val<'s, T>,
    choices: [Val<'s, T>; 2],
    regs: &mut Regs<'_, '_, T>,
) -> Option<Val<'s, T>> {
    // the slice on the left: `c > x` is `x < c`
    let (cmp, x, y) = match (x, y) {
        (Val::Scalar(_), Val::Slice(_)) => (fused::mirrored(cmp), y, x),
        _ => (cmp, x, y),
    };
    macro_rules! run {
        ($holds:expr) => {
            match (x, y) {
                (Val::Slice(x), Val::Slice(y)) => regs.select(x, y, choices, $holds),
                (Val::Slice(x), Val::Scalar(y)) => regs.select(x, Splat(y), choices, $holds),
                _ => None,
            }
        };
    }
    with_comparison!(cmp, run)
}

/// `x * y` (two leaves, a product that waited for its reader) added to or subtracted from
/// `o` by `prim`, `+` or `-`, then the one-value step `then` if any
/// ([`fused::Fusion::trailing`]), one loop; `left`: the product is the left operand.
#[inline(always)]
fn product_loops<'s, T: Element>(
    prim: Prim,
    x: Val<'s, T>,
    y: Val<'s, T>,
    o: Val<'s, T>,
    left: bool,
    then: Option<Instr<'_, T>>,
    regs: &mut Regs<'_, '_, T>,
) -> Option<Val<'s, T>> {
    use fused::with::{ADD, ADD_TO, SUB, SUB_FROM};
    // the operands in their order: of two NaNs, x86 keeps the first one's bits
    macro_rules! run {
        ($how:expr) => {
            match (x, y) {
                (Val::Slice(x), Val::Slice(y)) => regs.mul_add::<{ $how }>(x, y, o, then),
                (Val::Slice(x), Val::Scalar(y)) => regs.mul_add::<{ $how }>(x, Splat(y), o, then),
                (Val::Scalar(x), Val::Slice(y)) => regs.mul_add::<{ $how }>(Splat(x), y, o, then),
                _ => None,
            }
        };
    }
    match (prim, left) {
        (Prim::Add, true) => run!(ADD),
        (Prim::Add, false) => run!(ADD_TO),
        (Prim::Sub, true) => run!(SUB),
        (Prim::Sub, false) => run!(SUB_FROM),
        _ => None,
    }
}

/// `x * y + z * w` or `x * y - z * w` (`prim`), both products of two leaves that waited for
/// their reader, then the one-value step `then` if any ([`fused::Fusion::trailing`]), into a fresh
/// register, one loop.
#[inline(always)]
fn products_loops<'s, T: Element>(
    prim: Prim,
    [x, y]: [Val<'s, T>; 2],
    [z, w]: [Val<'s, T>; 2],
    then: Option<Instr<'_, T>>,
    regs: &mut Regs<'_, '_, T>,
) -> Option<Val<'s, T>> {
    use fused::with::{ADD, SUB};
    // each product's operands in their order: of two NaNs, x86 keeps the first one's bits
    macro_rules! right {
        ($how:expr, $left:expr) => {
            match (z, w) {
                (Val::Slice(z), Val::Slice(w)) => regs.products::<{ $how }>($left, (z, w), then),
                (Val::Slice(z), Val::Scalar(w)) => {
                    regs.products::<{ $how }>($left, (z, Splat(w)), then)
                }
                (Val::Scalar(z), Val::Slice(w)) => {
                    regs.products::<{ $how }>($left, (Splat(z), w), then)
                }
                _ => None,
            }
        };
    }
    macro_rules! run {
        ($how:expr) => {
            match (x, y) {
                (Val::Slice(x), Val::Slice(y)) => right!($how, (x, y)),
                (Val::Slice(x), Val::Scalar(y)) => right!($how, (x, Splat(y))),
                (Val::Scalar(x), Val::Slice(y)) => right!($how, (Splat(x), y)),
                _ => None,
            }
        };
    }
    match prim {
        Prim::Add => run!(ADD),
        Prim::Sub => run!(SUB),
        _ => None,
    }
}

/// One three-value op over three values, one loop.
#[inline(always)]
fn ternary_loops<'s, T: Element>(
    prim: Prim,
    v: [Val<'s, T>; 3],
    regs: &mut Regs<'_, '_, T>,
) -> Option<Val<'s, T>> {
    macro_rules! run {
        ($f:expr) => {
            regs.ternary(v, $f)
        };
    }
    with_ternary!(prim, run)
}
