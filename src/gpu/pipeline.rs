//! One compute pipeline per (kernel shape, element type), built once and shared by every
//! call and every parameter value (`Scale(2)` and `Scale(3)` share one).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::codegen;
use super::context::Context;
use crate::element::Element;
use crate::error::Result;
use crate::kernel::Kernel;
use crate::reduce::Reduce;

/// A compiled kernel and the layout its bind groups follow.
#[derive(Debug)]
pub(crate) struct Pipeline {
    pub(crate) pipeline: wgpu::ComputePipeline,
    pub(crate) layout: wgpu::BindGroupLayout,
    /// Input arrays the kernel reads (bindings 2.., after the parameters and the output).
    pub(crate) arity: usize,
}

/// Element type, kernel shape, and the reduction (`None`: the element-wise entry point).
type Key = (&'static str, String, Option<Reduce>);

/// The pipeline cache of one GPU context.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    pipelines: Mutex<HashMap<Key, Arc<Pipeline>>>,
    /// How often each key was compiled, for the tests (always 1 while the cache works).
    #[cfg(test)]
    builds: Mutex<HashMap<Key, usize>>,
}

fn storage(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

/// The bind group layout shared by every kernel of `arity` inputs: the parameter uniform, the
/// output, then the inputs (as `shaders/elementwise.wgsl` and code generation declare them).
fn layout(device: &wgpu::Device, arity: usize) -> wgpu::BindGroupLayout {
    let mut entries = vec![wgpu::BindGroupLayoutEntry {
        binding: 0,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }];
    entries.push(storage(1, false));
    for k in 0..arity {
        entries.push(storage(codegen::INPUT_BINDING + k as u32, true));
    }
    device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some("compute elementwise"),
        entries: &entries,
    })
}

impl Cache {
    /// The pipeline of `kernel` for `T`, generated, checked by naga and compiled on first use.
    pub(crate) fn get<T: Element>(
        &self,
        ctx: &Context,
        kernel: &Kernel<'_, T>,
        reduce: Option<Reduce>,
    ) -> Result<Arc<Pipeline>> {
        let key = (T::NAME, kernel.shape(), reduce);
        let mut pipelines = self
            .pipelines
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = pipelines.get(&key) {
            return Ok(Arc::clone(found));
        }
        let src = codegen::generate(kernel, reduce)?;
        codegen::validate(&src)?;
        let arity = kernel.arity();
        let label = format!(
            "compute {}:{}:{}",
            key.0,
            key.1,
            reduce.map_or("map", Reduce::name)
        );
        let entry_point = if reduce.is_some() { "reduce" } else { "main" };
        let built = ctx.scoped("compiling a kernel", || {
            let device = &ctx.device;
            let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(&label),
                source: wgpu::ShaderSource::Wgsl(src.as_str().into()),
            });
            let layout = layout(device, arity);
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
        })?;
        #[cfg(test)]
        {
            let mut builds = self.builds.lock().unwrap_or_else(PoisonError::into_inner);
            *builds.entry(key.clone()).or_default() += 1;
        }
        let built = Arc::new(built);
        pipelines.insert(key, Arc::clone(&built));
        Ok(built)
    }

    /// How often the pipeline of (`ty`, `shape`) was compiled.
    #[cfg(test)]
    pub(crate) fn builds(&self, ty: &'static str, shape: &str) -> usize {
        let builds = self.builds.lock().unwrap_or_else(PoisonError::into_inner);
        builds
            .get(&(ty, shape.to_string(), None))
            .copied()
            .unwrap_or(0)
    }
}
