//! The CPU backend's entry point: every call shape ([`Task`]) run by the team over blocks of
//! [`BLOCK`] elements (a one-pass kernel's over spans of up to [`SPAN`]), on the calling
//! thread when small.

use std::mem::MaybeUninit;

use super::block::{self, Scratch, BLOCK};
use super::{fold, split, team};
use crate::alloc;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ir::kernel::Kernel;
use crate::ir::op::Op;
use crate::ir::reduce::Reduce;
use crate::ir::task::{Done, Task};

/// Most elements a `map` into a fresh vector runs straight over its input, one loop per op on
/// the calling thread, skipping the block evaluator: at ten elements its pieces, dispatch and
/// scratch cost as much as the work (45 ns against 65 ns a call, measured with
/// `examples/compare` on the dev VM).
const SMALL_MAP: usize = 1024;

/// Most elements one call of the block evaluator takes for a one-pass kernel (one op, a
/// `zip`, ops `fused.rs` runs as one loop; others take a [`BLOCK`]): such a loop reads its
/// inputs once wherever they are, so a longer call only spreads the evaluator's setup (the
/// fusion plan, the program, the claim: 12% of `where(a > 0.5, a, -b)`'s samples in `perf`
/// at a block a call, 9% on one thread at four) over more elements. On the team a member
/// takes up to this much of its own span at once, less toward its end, and others' blocks
/// one at a time (`team::runs`), so the tail stays fine. Measured on the 2026-12-07 dev VM
/// (AMD EPYC, AVX2), two threads, a scratch `eval_into` timer, three alternating rounds of
/// twelve medians, fixed spans of four blocks against these runs: 10^6 f32
/// `where(a > 0.5, a, -b)` 99–112 µs → 85–105, `2*a + b` 87–95 → 84–90, `sqrt(a*a + b*b)`
/// 108–119 → 103–104; f64 `sqrt(a*a + b*b)` 376–391 → 360–371; int64 `a*3 + 1` 140–150 →
/// 131–139; `where` at 10^5 11–15 → 11, at 3·10^5 31 → 28.
const SPAN: usize = 16 * BLOCK;

/// Outputs from this size on are written with non-temporal stores (`alloc::stream_into`),
/// each block computed into a buffer in L1 first: far past the caches an ordinary store
/// first reads the line it writes. Below it the output may still be in cache when it is
/// next read, which non-temporal stores would undo. Only one-pass kernels (one op, a `zip`, ops
/// `fused.rs` runs as one loop):
/// a chain of ops through the buffer ran slower than with ordinary stores (0.7 of `memcpy`'s
/// rate against 0.8 at 10^8 f32, `examples/race --bandwidth`; a one-op map 0.96-1.02 against
/// 0.82-0.88).
const STREAM_MIN_BYTES: usize = 64 << 20;

/// Runs one call of the checked `kernel` on the CPU.
#[inline]
pub(crate) fn execute<T: Element>(
    kernel: &Kernel<'_, T>,
    task: &mut Task<'_, '_, T>,
) -> Result<Done<T>> {
    match task {
        Task::Fresh { inputs, len } => run(kernel, inputs, *len).map(Done::Values),
        Task::Into { inputs, out } => {
            // SAFETY: `fill` stores into `out` only initialized values, through the
            // `alloc::write_*` helpers and in-place loops; a fill that stops part-way leaves
            // the rest of `out` as it was, initialized.
            let slots = unsafe { alloc::as_uninit(out) };
            filled(fill(kernel, inputs, slots)).map(|()| Done::Written)
        }
        Task::InPlace { data } => run_in_place(kernel, data).map(|()| Done::Written),
        Task::Partials { inputs, len, how } => {
            partials(kernel, inputs, *len, *how).map(Done::Partials)
        }
    }
}

/// `Ok` if the kernel filled its output; a short input is an internal error (the front end
/// checks every length before any work starts).
#[inline(always)]
fn filled(ok: bool) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::Internal {
            what: "a CPU kernel whose inputs are shorter than its output".into(),
        })
    }
}

/// Runs `kernel` over `inputs` (each exactly `len` elements) into a fresh vector.
#[inline]
pub(crate) fn run<T: Element>(
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    len: usize,
) -> Result<Vec<T>> {
    if let (Kernel::Map(steps), Some(data)) = (kernel, inputs.first()) {
        if len <= SMALL_MAP && data.len() == len {
            return map_small(steps, data);
        }
    }
    let mut out = alloc::fresh(len);
    let ok = alloc::fill_fresh(&mut out, len, |dst| fill(kernel, inputs, dst));
    filled(ok).map(|()| out)
}

/// A small `map` into a fresh vector: the first op writes it, the rest update it in place.
#[inline]
fn map_small<T: Element>(steps: &[Op<T>], data: &[T]) -> Result<Vec<T>> {
    let mut out = Vec::with_capacity(data.len());
    let ok = alloc::fill_fresh(&mut out, data.len(), |dst| {
        block::chain_into(steps, data, dst).is_some()
    });
    filled(ok).map(|()| out)
}

/// Runs a `map` kernel over `data` in place, block by block.
fn run_in_place<T: Element>(kernel: &Kernel<'_, T>, data: &mut [T]) -> Result<()> {
    let Kernel::Map(steps) = kernel else {
        return Err(Error::Internal {
            what: "an in-place kernel that reads more than its own array".into(),
        });
    };
    let apply = |piece: &mut [T]| block::steps_in_place(steps, piece).is_some();
    let ok = if !split::parallel(data.len(), kernel.cost()) {
        data.chunks_mut(BLOCK).all(apply)
    } else {
        team::chunks(data, BLOCK, || (), |(), _, block| apply(block))
    };
    // a malformed step is found by `Kernel::check` before any block runs
    filled(ok)
}

/// Fills `dst` with the kernel's values, in parallel when large; `false` if an input is short.
fn fill<T: Element>(kernel: &Kernel<'_, T>, inputs: &[&[T]], dst: &mut [MaybeUninit<T>]) -> bool {
    let len = dst.len();
    if len <= BLOCK {
        return block::eval_block(kernel, inputs, 0, dst, &mut Scratch::default()).is_some();
    }
    let one_pass = block::one_pass(kernel);
    if !split::parallel(len, kernel.cost()) {
        let span = if one_pass { SPAN } else { BLOCK };
        let mut scratch = Scratch::default();
        dst.chunks_mut(span).enumerate().all(|(i, part)| {
            block::eval_block(kernel, inputs, i * span, part, &mut scratch).is_some()
        })
    } else if std::mem::size_of_val(dst) < STREAM_MIN_BYTES || !one_pass {
        // a one-pass kernel's runs: up to a span, shrinking toward each member's end
        let most = if one_pass { SPAN / BLOCK } else { 1 };
        team::runs(dst, BLOCK, most, Scratch::default, |scratch, i, part| {
            block::eval_block(kernel, inputs, i * BLOCK, part, scratch).is_some()
        })
    } else {
        // each block into a buffer in L1, then streamed out (see `STREAM_MIN_BYTES`)
        let init = || (Scratch::default(), vec![MaybeUninit::uninit(); BLOCK]);
        team::chunks(dst, BLOCK, init, |(scratch, buf), i, block| {
            buf.get_mut(..block.len())
                .and_then(|buf| block::eval_block(kernel, inputs, i * BLOCK, buf, scratch))
                .and_then(|values| alloc::stream_into(values, block))
                .is_some()
        })
    }
}

/// The fold of the kernel's values over each block of [`BLOCK`] elements of `inputs` (each
/// `len` long), in order: each block's values are computed into a cache-resident scratch
/// block and folded there. Fold the partials with [`fold::finish`].
fn partials<T: Element>(
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    len: usize,
    how: Reduce,
) -> Result<Vec<T>> {
    let blocks = len.div_ceil(BLOCK);
    let partial = |(buf, scratch): &mut (Vec<MaybeUninit<T>>, Scratch<T>), b: usize| {
        let (start, end) = (b * BLOCK, ((b + 1) * BLOCK).min(len));
        fold::fold_block(
            kernel,
            inputs,
            start,
            buf.get_mut(..end - start)?,
            scratch,
            how,
        )
    };
    let init = || (vec![MaybeUninit::uninit(); BLOCK], Scratch::default());
    let partials: Option<Vec<T>> = if !split::parallel(len, kernel.cost()) {
        let mut state = init();
        (0..blocks).map(|b| partial(&mut state, b)).collect()
    } else {
        let mut slots = vec![None; blocks];
        team::chunks(&mut slots, 1, init, |state, b, slot| {
            let value = partial(state, b);
            slot.fill(value);
            value.is_some()
        });
        slots.into_iter().collect()
    };
    partials.ok_or_else(|| Error::Internal {
        what: "a CPU reduction whose inputs are shorter than its length".into(),
    })
}
