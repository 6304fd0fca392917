//! The CPU backend: rayon over cache-sized blocks, each op a tight loop over the block. It
//! knows the kernel description (`ir`) and nothing of the GPU or of `Device`.
//!
//! `entry` runs every call shape; `block` evaluates the kernel program over one block with
//! the loops of `loops` (each op's CPU meaning from the op table) and a `where` that compares
//! as it selects (`select`); `isa` builds those again for AVX2 and AVX-512 and picks a build
//! at run time; `convert` casts between element types; `fold` folds values and partials;
//! `split` decides when a call goes parallel; `team` runs it there, the caller
//! working with rayon's threads.

mod block;
mod convert;
mod entry;
pub(crate) mod fold;
mod fused;
pub(crate) mod isa;
mod loops;
mod split;
mod standby;
mod team;

#[cfg(feature = "testing")]
pub(crate) use block::BLOCK;
pub(crate) use convert::{convert, mask_into};
pub(crate) use entry::{execute, run};
#[cfg(feature = "testing")]
pub(crate) use isa::{chosen, force};
#[cfg(feature = "testing")]
pub(crate) use split::{threshold as parallel_threshold, PARALLEL_MIN};
