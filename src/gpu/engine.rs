//! One opened GPU and what the crate keeps beside it: the device context, the pipeline cache
//! and the buffer pool. Everything that runs work on the GPU takes a [`Gpu`].

use std::ops::Deref;

use super::buffers::Pool;
use super::context::{Context, Stats, Want};
use super::pipeline::Cache;
use crate::error::Result;

/// An open GPU with its pipelines and pooled buffers.
#[derive(Debug)]
pub(crate) struct Gpu {
    ctx: Context,
    pub(crate) pipelines: Cache,
    pub(crate) pool: Pool,
}

impl Gpu {
    /// Opens the best adapter `want` allows (see [`Context::open`]).
    pub(crate) fn open(want: Want) -> Result<Gpu> {
        Ok(Gpu {
            ctx: Context::open(want)?,
            pipelines: Cache::default(),
            pool: Pool::default(),
        })
    }

    /// What the GPU has done and holds.
    pub(crate) fn stats(&self) -> Stats {
        Stats {
            pooled_bytes: self.pool.held_bytes(),
            pipelines: self.pipelines.len() as u64,
            ..self.ctx.counters()
        }
    }
}

impl Deref for Gpu {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.ctx
    }
}
