//! One opened GPU and what the crate keeps beside it: the device context, the pipeline cache
//! and the buffer pool. Everything that runs work on the GPU takes a [`Gpu`].

use std::ops::Deref;

use super::buffers::Pool;
use super::codegen;
use super::context::{Context, Stats, Want};
use super::pipeline::Cache;
use crate::element::{Element, Kind};
use crate::error::Result;
use crate::ir::kernel::Kernel;

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

impl Context {
    /// Whether this GPU runs kernels over `T`: a WGSL type exists and the adapter has the
    /// feature its width needs.
    pub(crate) fn runs<T: Element>(&self) -> bool {
        T::WGSL.is_some() && self.features.contains(feature::<T>())
    }

    /// Whether this GPU runs `kernel` over `T`: it runs `T`, and code generation writes the
    /// kernel ([`codegen::has_kernel`]: not an f64 transcendental).
    pub(crate) fn runs_kernel<T: Element>(&self, kernel: &Kernel<'_, T>) -> bool {
        self.runs::<T>() && codegen::has_kernel(kernel)
    }
}

/// The adapter features kernels over `T` need beyond core WGSL: none for 32-bit types,
/// `SHADER_INT64` for `i64` and `u64`, and for `f64` `SHADER_F64` and `SHADER_INT64` both
/// (its helpers read the float's bits as a `u64`, and 64-bit scalars arrive as two words
/// joined in a `u64`).
pub(crate) fn feature<T: Element>() -> wgpu::Features {
    match (std::mem::size_of::<T>(), T::KIND) {
        (4, _) => wgpu::Features::empty(),
        (_, Kind::Float) => wgpu::Features::SHADER_F64 | wgpu::Features::SHADER_INT64,
        _ => wgpu::Features::SHADER_INT64,
    }
}
