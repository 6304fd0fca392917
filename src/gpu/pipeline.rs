//! One compute pipeline per (element type, kernel shape, reduction, the types of its arrays),
//! built once and shared by
//! every call and every parameter value (`Scale(2)` and `Scale(3)` share one). The cache
//! keeps at most [`CAPACITY`] pipelines; past that the least recently used is dropped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::cast::{Io, Target};
use super::codegen;
use super::context::Context;
use super::layout;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ir::kernel::{Instr, Kernel};
use crate::ir::ops::Prim;
use crate::ir::reduce::Reduce;

/// Most pipelines one GPU keeps. A pipeline holds its compiled shader (tens to hundreds of
/// KiB in the driver); a program that builds distinct user kernels without end (the outside
/// client's grew to 4.6 GB) keeps at most this many.
pub(crate) const CAPACITY: usize = 256;

/// A compiled kernel and the layout its bind groups follow.
#[derive(Debug)]
pub(crate) struct Pipeline {
    pub(crate) pipeline: wgpu::ComputePipeline,
    pub(crate) layout: wgpu::BindGroupLayout,
    /// Input arrays the kernel reads.
    pub(crate) arity: usize,
}

/// One instruction of a kernel's shape: what it is, without its parameter values. A user
/// kernel is its whole WGSL text as one part, so no two different programs share a key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Part {
    Input(u8),
    Const,
    Prim(Prim),
    Custom(Arc<str>),
}

/// Element type, kernel shape and arity, the reduction (`None`: the element-wise entry
/// point) and the types of the arrays.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    ty: &'static str,
    shape: Vec<Part>,
    arity: usize,
    reduce: Option<Reduce>,
    io: Io,
}

impl Key {
    fn of<T: Element>(kernel: &Kernel<'_, T>, reduce: Option<Reduce>, io: Io) -> Key {
        let shape = kernel
            .instrs()
            .map(|instr| match instr {
                Instr::Input(k) => Part::Input(k),
                Instr::Const(_) => Part::Const,
                Instr::Prim(prim, _) => Part::Prim(prim),
                Instr::Custom(custom) => Part::Custom(custom.shared_wgsl()),
            })
            .collect();
        Key {
            ty: T::NAME,
            shape,
            arity: kernel.arity(),
            reduce,
            io,
        }
    }
}

/// The pipelines of one GPU, each with the tick it was last used at.
#[derive(Debug, Default)]
struct Entries {
    map: HashMap<Key, (Arc<Pipeline>, u64)>,
    tick: u64,
}

/// The pipeline cache of one GPU.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    entries: Mutex<Entries>,
    /// How often each key was compiled, for the tests (always 1 while the cache works).
    #[cfg(test)]
    builds: Mutex<HashMap<Key, usize>>,
}

impl Cache {
    /// The pipeline of `kernel` for `T` with arrays as `io` says, generated, checked by naga
    /// and compiled on first use.
    pub(crate) fn get<T: Element>(
        &self,
        ctx: &Context,
        kernel: &Kernel<'_, T>,
        reduce: Option<Reduce>,
        io: Io,
    ) -> Result<Arc<Pipeline>> {
        let other = match io {
            Io::Load(t) | Io::Store(t) => Some(t),
            Io::Plain | Io::Truth => None,
        };
        for target in std::iter::once(Target::of::<T>()).chain(other) {
            if !ctx.features.contains(target.feature()) {
                return Err(Error::Unsupported {
                    what: format!(
                        "{} kernels on {}, which lacks {:?}",
                        target.name,
                        super::describe(&ctx.info),
                        target.feature()
                    ),
                });
            }
        }

        codegen::check_steps(kernel)?;
        let key = Key::of(kernel, reduce, io);
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.tick += 1;
        let tick = entries.tick;
        if let Some((found, used)) = entries.map.get_mut(&key) {
            *used = tick;
            return Ok(Arc::clone(found));
        }
        let built = Arc::new(build(ctx, kernel, reduce, io)?);
        #[cfg(test)]
        {
            let mut builds = self.builds.lock().unwrap_or_else(PoisonError::into_inner);
            *builds.entry(key.clone()).or_default() += 1;
        }
        if entries.map.len() >= CAPACITY {
            let oldest = entries
                .map
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                entries.map.remove(&oldest);
            }
        }
        entries.map.insert(key, (Arc::clone(&built), tick));
        Ok(built)
    }

    /// Pipelines held.
    pub(crate) fn len(&self) -> usize {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.map.len()
    }

    /// How often the pipeline of `kernel` for `T` (element-wise entry point) was compiled.
    #[cfg(test)]
    pub(crate) fn builds<T: Element>(&self, kernel: &Kernel<'_, T>) -> usize {
        let builds = self.builds.lock().unwrap_or_else(PoisonError::into_inner);
        builds
            .get(&Key::of(kernel, None, Io::Plain))
            .copied()
            .unwrap_or(0)
    }
}

/// Generates, checks and compiles the pipeline of `kernel`.
fn build<T: Element>(
    ctx: &Context,
    kernel: &Kernel<'_, T>,
    reduce: Option<Reduce>,
    io: Io,
) -> Result<Pipeline> {
    let src = codegen::generate(kernel, reduce, io)?;
    crate::wgsl_check::validate(&src)?;
    let arity = kernel.arity();
    let label = format!(
        "compute {}:{}",
        T::NAME,
        reduce.map_or("map", |r| r.entry().name)
    );
    let entry_point = if reduce.is_some() { "reduce" } else { "main" };
    ctx.scoped("compiling a kernel", || {
        let device = &ctx.device;
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(&label),
            source: wgpu::ShaderSource::Wgsl(src.as_str().into()),
        });
        let layout = layout::bind_group_layout(device, arity);
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(&label),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(&label),
            layout: Some(&pipeline_layout),
            module: &module,
            entry_point: Some(entry_point),
            compilation_options: Default::default(),
            cache: None,
        });
        Pipeline {
            pipeline,
            layout,
            arity,
        }
    })
}
