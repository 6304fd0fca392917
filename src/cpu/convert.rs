//! numpy's `astype` on the CPU, fused with the ops on either side: each block of the source
//! is copied into a block buffer in L1, the ops before the conversion run over it in place,
//! the converted values are written once into the output, and the ops after it update that
//! block while it is still in cache: one pass over memory.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::block::{self, BLOCK};
use super::split::PARALLEL_MIN;
use crate::alloc;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ir::op::Op;

/// `after(cast(before(src[i])))` into a fresh vector; `before` and `after` are checked
/// chains' steps (empty: none).
pub(crate) fn convert<S: Element, U: Element>(
    src: &[S],
    before: &[Op<S>],
    after: &[Op<U>],
) -> Result<Vec<U>> {
    let len = src.len();
    let block = |(dst, s): (&mut [MaybeUninit<U>], &[S])| -> bool {
        let mut buf = [S::ZERO; BLOCK];
        let Some(b) = buf.get_mut(..s.len()) else {
            return false;
        };
        b.copy_from_slice(s);
        if block::steps_in_place(before, b).is_none() {
            return false;
        }
        let Some(d) = alloc::write_map(
            dst,
            b,
            #[inline(always)]
            |v: S| <U as crate::element::sealed::Scalar>::from_number(v.number()),
        ) else {
            return false;
        };
        block::steps_in_place(after, d).is_some()
    };
    let mut out = alloc::fresh(len);
    let ok = alloc::fill_fresh(&mut out, len, |slots| {
        if len < PARALLEL_MIN {
            slots.chunks_mut(BLOCK).zip(src.chunks(BLOCK)).all(block)
        } else {
            slots
                .par_chunks_mut(BLOCK)
                .zip(src.par_chunks(BLOCK))
                .all(block)
        }
    });
    if ok {
        Ok(out)
    } else {
        Err(Error::Internal {
            what: "a malformed chain around a cast".into(),
        })
    }
}
