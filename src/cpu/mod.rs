//! The CPU backend: rayon over cache-sized blocks, each op a tight loop over the block. It
//! knows the kernel description (`ir`) and nothing of the GPU or of `Device`.
//!
//! `entry` runs every call shape; `block` evaluates the kernel program over one block with
//! the loops of `loops` (each op's CPU meaning from the op table); `isa` builds those again
//! for AVX2 and AVX-512 and picks a build at run time; `fold` folds values and partials.

mod block;
mod entry;
pub(crate) mod fold;
pub(crate) mod isa;
mod loops;

#[cfg(feature = "testing")]
pub(crate) use block::BLOCK;
#[cfg(feature = "testing")]
pub(crate) use entry::PARALLEL_MIN;
pub(crate) use entry::{execute, run};
#[cfg(feature = "testing")]
pub(crate) use isa::{chosen, force};
