//! The CPU backend: rayon over cache-sized blocks. In each block the kernel program runs one
//! instruction at a time over a piece of the block: the first op writes the output piece,
//! later ops update it in place while it is still in L1, and an expression of several arrays
//! keeps its other intermediate values in a few scratch registers. Every op is a tight loop
//! the compiler vectorizes. Small inputs run on the calling thread.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use crate::element::sealed::Scalar;
use crate::element::Element;
use crate::kernel::{Instr, Kernel, MAX_DEPTH};
use crate::op::{with_binop, with_op, BinOp, Cmp, Op};
use crate::reduce::Reduce;
use crate::{alloc, simd};

/// Elements per CPU block, the unit of work rayon hands out: 4,096 f32 (16 KiB per array)
/// keep a zip's two inputs and its output inside a 48 KiB L1 data cache, and a reduction's
/// values for the block in cache while they are folded.
pub const BLOCK: usize = 4096;

/// Elements per pass of a kernel with more than one step: the block is evaluated in pieces
/// this long, one op after the other over each piece. A pass over a short piece leaves the
/// out-of-order core room to overlap one piece's arithmetic with the next piece's loads; one
/// pass over the whole block leaves memory idle while the block's later ops run. Measured on
/// the dev VM, 10^7 f32, interleaved medians: `(2x + y).sqrt()` 4.1 ms with whole-block
/// passes, 3.6-3.7 ms in pieces of 128 (a plain `zip` 3.3-3.4 ms); the chain `a * 2 + 1`,
/// `sqrt` 3.6 -> 3.1 ms; 64 is no better, 32 is worse (per-piece bookkeeping).
const PIECE: usize = 128;

/// Below this many elements a CPU call runs on the calling thread. Measured on the 2-core dev
/// VM (`cargo run --release --example compare`): waking rayon's workers costs ~5-15 µs, which
/// a memory-bound op only earns back past ~10^5 elements.
pub const PARALLEL_MIN: usize = 1 << 17;

/// Most elements a `map` runs through [`map_small`], straight on the calling thread.
pub(crate) const SMALL_MAP: usize = 1024;

/// A small `map` straight into a fresh vector: the loops of [`eval_block`]'s map path
/// without the block, dispatch and kernel layers, which cost as much as the work itself at a
/// hundred elements.
#[inline]
pub(crate) fn map_small<T: Element>(steps: &[Op<T>], data: &[T]) -> Vec<T> {
    let mut out = Vec::with_capacity(data.len());
    let filled = alloc::fill_fresh(&mut out, data.len(), |dst| {
        let block = match steps.split_first() {
            Some((first, _)) => map_into(first, data, dst),
            None => alloc::write_map(dst, data, |x| x),
        };
        let Some(block) = block else { return false };
        for op in steps.iter().skip(1) {
            map_in_place(op, block);
        }
        true
    });
    if filled {
        out
    } else {
        data.iter()
            .map(|&x| steps.iter().fold(x, |v, op| op.apply(v)))
            .collect()
    }
}

/// Runs `kernel` over `inputs` (each exactly `len` elements) into a fresh vector.
#[inline]
pub(crate) fn run<T: Element>(kernel: &Kernel<'_, T>, inputs: &[&[T]], len: usize) -> Vec<T> {
    let mut out = alloc::fresh(len);
    let filled = alloc::fill_fresh(&mut out, len, |dst| fill(kernel, inputs, dst));
    if filled {
        out
    } else {
        // Unreachable while `inputs` have the lengths the front end checked; kept as a
        // correct (slower) answer rather than a panic.
        (0..len)
            .map(|i| eval_element(kernel, inputs, i).unwrap_or(T::ZERO))
            .collect()
    }
}

/// Runs `kernel` over `inputs` into `out` (as long as each input).
pub(crate) fn run_into<T: Element>(
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    out: &mut [T],
) -> crate::Result<()> {
    if fill(kernel, inputs, alloc::as_uninit(out)) {
        Ok(())
    } else {
        Err(crate::Error::Unsupported {
            what: "inputs shorter than the output".into(),
        })
    }
}

/// Runs a `map` kernel over `data` in place, block by block.
pub(crate) fn run_in_place<T: Element>(
    kernel: &Kernel<'_, T>,
    data: &mut [T],
) -> crate::Result<()> {
    let Kernel::Map(steps) = kernel else {
        return Err(crate::Error::Unsupported {
            what: "an in-place kernel that reads more than its own array".into(),
        });
    };
    let apply = |block: &mut [T]| simd::in_place(steps, block);
    if data.len() < PARALLEL_MIN {
        data.chunks_mut(BLOCK).for_each(apply);
    } else {
        data.par_chunks_mut(BLOCK).for_each(apply);
    }
    Ok(())
}

/// Every op of `steps` over `block`, in place; piece by piece (see [`PIECE`]) when there is
/// more than one.
#[inline(always)]
pub(crate) fn steps_in_place<T: Element>(steps: &[Op<T>], block: &mut [T]) {
    let piece = if Kernel::Map(steps).passes() > 1 {
        PIECE
    } else {
        block.len()
    };
    for part in block.chunks_mut(piece.max(1)) {
        for op in steps {
            map_in_place(op, part);
        }
    }
}

/// Fills `dst` with the kernel's values, in parallel when large; `false` if an input is short.
fn fill<T: Element>(kernel: &Kernel<'_, T>, inputs: &[&[T]], dst: &mut [MaybeUninit<T>]) -> bool {
    let len = dst.len();
    if len <= BLOCK {
        simd::eval_block(kernel, inputs, 0, dst, &mut Scratch::default()).is_some()
    } else if len < PARALLEL_MIN {
        let mut scratch = Scratch::default();
        dst.chunks_mut(BLOCK).enumerate().all(|(i, block)| {
            simd::eval_block(kernel, inputs, i * BLOCK, block, &mut scratch).is_some()
        })
    } else {
        dst.par_chunks_mut(BLOCK)
            .enumerate()
            .map_init(Scratch::default, |scratch, (i, block)| {
                simd::eval_block(kernel, inputs, i * BLOCK, block, scratch).is_some()
            })
            .all(|ok| ok)
    }
}

/// The kernel on element `i`, one scalar at a time (the slow, obviously correct path).
pub(crate) fn eval_element<T: Element>(
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    i: usize,
) -> Option<T> {
    let mut stack: Vec<T> = Vec::with_capacity(MAX_DEPTH);
    for instr in kernel.instrs() {
        match instr {
            Instr::Input(k) => stack.push(*inputs.get(usize::from(k))?.get(i)?),
            Instr::Const(c) => stack.push(c),
            Instr::Op(op) => {
                let v = stack.pop()?;
                stack.push(op.apply(v));
            }
            Instr::Bin(op) => {
                let (b, a) = (stack.pop()?, stack.pop()?);
                stack.push(op.apply(a, b));
            }
            Instr::Cmp(cmp) => {
                let (b, a) = (stack.pop()?, stack.pop()?);
                stack.push(cmp.apply(a, b));
            }
        }
    }
    stack.pop()
}

/// Block-sized scratch registers of one thread, allocated on first use (a chain or a `zip`
/// never needs one).
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
            Out::Init(d) => Some(alloc::as_uninit(d)),
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
                self.scratch.bufs.push(vec![T::ZERO; BLOCK]);
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

    /// `f(src[i])` into a fresh register.
    #[inline(always)]
    fn fresh_map(&mut self, src: &[T], f: impl Fn(T) -> T) -> Option<Val<'static, T>> {
        let r = self.take()?;
        if r == 0 {
            let slots = std::mem::replace(&mut self.out, Out::Gone).slots()?;
            self.out = Out::Init(alloc::write_map(slots, src, f)?);
        } else {
            alloc::write_map(alloc::as_uninit(self.reg(r)?), src, f)?;
        }
        Some(Val::Reg(r))
    }

    /// `f(a[i], b[i])` into a fresh register.
    #[inline(always)]
    fn fresh_zip(&mut self, a: &[T], b: &[T], f: impl Fn(T, T) -> T) -> Option<Val<'static, T>> {
        let r = self.take()?;
        if r == 0 {
            let slots = std::mem::replace(&mut self.out, Out::Gone).slots()?;
            self.out = Out::Init(alloc::write_zip(slots, a, b, f)?);
        } else {
            alloc::write_zip(alloc::as_uninit(self.reg(r)?), a, b, f)?;
        }
        Some(Val::Reg(r))
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
        }
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
            (Val::Slice(x), Val::Scalar(y)) => self.fresh_map(x, |v| f(v, y)),
            (Val::Scalar(x), Val::Slice(y)) => self.fresh_map(y, |v| f(x, v)),
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
        }
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
        };
        match (out, source) {
            (Out::Init(d), None) => Some(d),
            (out, Some(s)) => alloc::write_map(out.slots()?, s, |x| x),
            (Out::Uninit(_) | Out::Gone, None) => None,
        }
    }
}

/// Runs the kernel on the block of elements `start..start + dst.len()` into `dst`; `None` if
/// an input is short or the program is malformed (both ruled out before any work starts).
#[inline(always)]
pub(crate) fn eval_block<'d, T: Element>(
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    start: usize,
    dst: &'d mut [MaybeUninit<T>],
    scratch: &mut Scratch<T>,
) -> Option<&'d mut [T]> {
    let range = start..start + dst.len();
    // several passes run piece by piece (see PIECE); one has nothing to overlap
    let piece = if kernel.passes() > 1 {
        PIECE
    } else {
        dst.len()
    };
    // `map` and `zip`, the shapes almost every call has, skip the register machine: their
    // first op writes the output and the rest update it in place, exactly what the machine
    // would do, minus its bookkeeping (~20 ns a call, measured at 100 elements).
    match kernel {
        Kernel::Map(steps) => {
            let src = inputs.first()?.get(range)?;
            alloc::write_pieces(dst, piece, Chain { steps, src })
        }
        Kernel::Zip(op) => {
            let a = inputs.first()?.get(range.clone())?;
            let b = inputs.get(1)?.get(range)?;
            zip_into(*op, a, b, dst)
        }
        Kernel::Program { code, .. } => {
            let program = Program {
                code,
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
        let Some((first, rest)) = self.steps.split_first() else {
            return alloc::write_map(piece, src, |x| x);
        };
        let out = map_into(first, src, piece)?;
        for op in rest {
            map_in_place(op, out);
        }
        Some(out)
    }
}

/// The register machine over one piece at a time; its stack lives as long as the block.
struct Program<'a, 'i, T> {
    code: &'a [Instr<'a, T>],
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
        for instr in self.code {
            match *instr {
                Instr::Input(k) => {
                    let block = self.inputs.get(usize::from(k))?.get(range.clone())?;
                    *stack.get_mut(top)? = Val::Slice(block);
                    top += 1;
                }
                Instr::Const(c) => {
                    *stack.get_mut(top)? = Val::Scalar(c);
                    top += 1;
                }
                Instr::Op(op) => {
                    let slot = stack.get_mut(top.checked_sub(1)?)?;
                    *slot = unary(op, *slot, &mut regs)?;
                }
                Instr::Bin(op) => {
                    top = top.checked_sub(1)?;
                    let b = *stack.get(top)?;
                    let slot = stack.get_mut(top.checked_sub(1)?)?;
                    *slot = binary(op, *slot, b, &mut regs)?;
                }
                Instr::Cmp(cmp) => {
                    top = top.checked_sub(1)?;
                    let b = *stack.get(top)?;
                    let slot = stack.get_mut(top.checked_sub(1)?)?;
                    *slot = compare(cmp, *slot, b, &mut regs)?;
                }
            }
        }
        if top != 1 {
            return None;
        }
        regs.finish(stack[0])
    }
}

/// The kernel's values on the block of elements `start..start + buf.len()`, folded with
/// `reduce`; the values are computed into `buf` unless they are an input itself.
#[inline(always)]
fn fold_block<T: Element>(
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    start: usize,
    buf: &mut [MaybeUninit<T>],
    scratch: &mut Scratch<T>,
    reduce: Reduce,
) -> Option<T> {
    if let Kernel::Map([]) = kernel {
        // the data itself: fold it where it lies
        return reduce.fold(inputs.first()?.get(start..start + buf.len())?);
    }
    reduce.fold(simd::eval_block(kernel, inputs, start, buf, scratch)?)
}

/// One op over a value, one loop per op.
#[inline(always)]
fn unary<'s, T: Element>(
    op: &Op<T>,
    v: Val<'s, T>,
    regs: &mut Regs<'_, '_, T>,
) -> Option<Val<'s, T>> {
    macro_rules! each {
        (|$x:ident| $e:expr) => {
            regs.unary(v, |$x: T| $e)
        };
    }
    with_op!(*op, each)
}

/// One binary op over two values, one loop per op.
#[inline(always)]
fn binary<'s, T: Element>(
    op: BinOp,
    a: Val<'s, T>,
    b: Val<'s, T>,
    regs: &mut Regs<'_, '_, T>,
) -> Option<Val<'s, T>> {
    macro_rules! each {
        (|$a:ident, $b:ident| $e:expr) => {
            regs.binary(a, b, |$a: T, $b: T| $e)
        };
    }
    with_binop!(op, each)
}

/// One comparison over two values, one loop per comparison.
#[inline(always)]
fn compare<'s, T: Element>(
    cmp: Cmp,
    a: Val<'s, T>,
    b: Val<'s, T>,
    regs: &mut Regs<'_, '_, T>,
) -> Option<Val<'s, T>> {
    match cmp {
        Cmp::Gt => regs.binary(a, b, |a, b| Cmp::Gt.apply(a, b)),
        Cmp::Ge => regs.binary(a, b, |a, b| Cmp::Ge.apply(a, b)),
        Cmp::Lt => regs.binary(a, b, |a, b| Cmp::Lt.apply(a, b)),
        Cmp::Le => regs.binary(a, b, |a, b| Cmp::Le.apply(a, b)),
        Cmp::Eq => regs.binary(a, b, |a, b| Cmp::Eq.apply(a, b)),
        Cmp::Ne => regs.binary(a, b, |a, b| Cmp::Ne.apply(a, b)),
    }
}

/// `dst[i] = op(src[i])` into a fresh block, one loop per op.
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

/// `dst[i] = op(a[i], b[i])` into a fresh block, one loop per op.
#[inline(always)]
fn zip_into<'d, T: Element>(
    op: BinOp,
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

/// The fold of the kernel's values over each block of [`BLOCK`] elements of `inputs` (each
/// `len` long), in order: each block's values are computed into a cache-resident scratch
/// block and folded there. Fold the partials with [`Reduce::finish`]. An error only if an
/// input is short (ruled out before any work starts).
pub(crate) fn partials<T: Element>(
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    len: usize,
    reduce: Reduce,
) -> crate::Result<Vec<T>> {
    let blocks = len.div_ceil(BLOCK);
    let partial = |(buf, scratch): &mut (Vec<MaybeUninit<T>>, Scratch<T>), b: usize| {
        let (start, end) = (b * BLOCK, ((b + 1) * BLOCK).min(len));
        fold_block(
            kernel,
            inputs,
            start,
            buf.get_mut(..end - start)?,
            scratch,
            reduce,
        )
    };
    let init = || (vec![MaybeUninit::uninit(); BLOCK], Scratch::default());
    let partials: Option<Vec<T>> = if len < PARALLEL_MIN {
        let mut state = init();
        (0..blocks).map(|b| partial(&mut state, b)).collect()
    } else {
        (0..blocks)
            .into_par_iter()
            .map_init(init, partial)
            .collect()
    };
    partials.ok_or_else(|| crate::Error::Unsupported {
        what: "inputs shorter than the kernel's length".into(),
    })
}
