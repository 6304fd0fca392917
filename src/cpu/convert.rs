//! numpy's `astype` on the CPU, fused with the work on either side: each block of the
//! kernel's values (a chain of ops, or a whole expression) is computed into a block buffer in
//! L1, converted once into the output, and the ops after the conversion update that block
//! while it is still in cache: one pass over memory. A mask (`bool` output) is the same with
//! the truth of each value as the conversion.

use std::mem::MaybeUninit;

use super::block::{self, Scratch, BLOCK};
use super::{isa, split, team};
use crate::alloc;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ir::kernel::Kernel;
use crate::ir::op::Op;

/// `after(cast(kernel))` over `len` elements of `inputs` into a fresh vector of `U`; `after`
/// is a checked chain's steps (empty: none).
pub(crate) fn convert<S: Element, U: Element>(
    kernel: &Kernel<'_, S>,
    inputs: &[&[S]],
    len: usize,
    after: &[Op<U>],
) -> Result<Vec<U>> {
    run(
        kernel,
        inputs,
        len,
        #[inline(always)]
        |v: S| U::from_number(v.number()),
        |piece: &mut [U]| after.is_empty() || block::steps_in_place(after, piece).is_some(),
    )
}

/// The truth of each of the kernel's values (nonzero, NaN included) into `out` (as long as
/// the inputs), numpy's `bool` array.
pub(crate) fn mask_into<S: Element>(
    kernel: &Kernel<'_, S>,
    inputs: &[&[S]],
    out: &mut [bool],
) -> Result<()> {
    // SAFETY: `fill` stores only initialized `bool`s through the slots (`convert_block`'s
    // `write_map`), never `uninit()`.
    let slots = unsafe { alloc::as_uninit(out) };
    let filled = fill(
        kernel,
        inputs,
        slots,
        #[inline(always)]
        |v: S| v.truthy(),
        |_: &mut [bool]| true,
    );
    finished(filled)
}

/// Into a fresh vector of `len`: see [`fill`].
fn run<S: Element, O: Copy + Send>(
    kernel: &Kernel<'_, S>,
    inputs: &[&[S]],
    len: usize,
    to: impl Fn(S) -> O + Sync,
    after: impl Fn(&mut [O]) -> bool + Sync,
) -> Result<Vec<O>> {
    let mut out = alloc::fresh(len);
    let filled = alloc::fill_fresh(&mut out, len, |slots| {
        fill(kernel, inputs, slots, to, after)
    });
    finished(filled).map(|()| out)
}

fn finished(filled: bool) -> Result<()> {
    if filled {
        Ok(())
    } else {
        Err(Error::Internal {
            what: "a cast whose kernel could not fill its block".into(),
        })
    }
}

/// Block by block (in parallel when large): the kernel's values into a buffer (a plain
/// cast's are its input's own), `to` of each into `slots`, `after` over the output block;
/// `true` when every slot was written.
fn fill<S: Element, O: Copy + Send>(
    kernel: &Kernel<'_, S>,
    inputs: &[&[S]],
    slots: &mut [MaybeUninit<O>],
    to: impl Fn(S) -> O + Sync,
    after: impl Fn(&mut [O]) -> bool + Sync,
) -> bool {
    let len = slots.len();
    let block = |(scratch, buf): &mut (Scratch<S>, Vec<MaybeUninit<S>>),
                 (i, dst): (usize, &mut [MaybeUninit<O>])|
     -> bool {
        let values = match (kernel, inputs) {
            // a plain cast converts straight from its input, without a copy into the buffer
            (Kernel::Map([]), [data]) => data.get(i * BLOCK..i * BLOCK + dst.len()),
            _ => buf.get_mut(..dst.len()).and_then(|buf| {
                block::eval_block(kernel, inputs, i * BLOCK, buf, scratch).map(|v| &*v)
            }),
        };
        let Some(values) = values else {
            return false;
        };
        match convert_block(dst, values, &to) {
            Some(out) => after(out),
            None => false,
        }
    };
    let init = || (Scratch::default(), vec![MaybeUninit::uninit(); BLOCK]);
    if split::parallel(len, kernel.cost()) {
        team::chunks(slots, BLOCK, init, |state, i, dst| block(state, (i, dst)))
    } else {
        let mut state = init();
        slots
            .chunks_mut(BLOCK)
            .enumerate()
            .all(|chunk| block(&mut state, chunk))
    }
}

isa::builds! {
    /// `to` of each value of `src` into `dst` ([`alloc::write_map`]), in the chosen build.
    fn convert_block['d, S: Element, O: Copy, F: Fn(S) -> O](
        dst: &'d mut [MaybeUninit<O>],
        src: &[S],
        to: &F
    ) -> Option<&'d mut [O]> = alloc::write_map;
}
