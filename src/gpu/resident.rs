//! Device-resident arrays: data uploaded once into a GPU buffer and run through kernels
//! without crossing the bus again until it is read back.

use std::marker::PhantomData;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::cast::{Io, Target};
use super::dispatch::{self, Slot};
use super::engine::Gpu;
use super::layout::PER_GROUP;
use super::stream::read_back;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ir::kernel::Kernel;
use crate::ir::reduce::Reduce;

/// A GPU buffer holding `len` elements of `T`; its memory is freed when it is dropped.
#[derive(Debug)]
pub(crate) struct Resident<T> {
    buffer: wgpu::Buffer,
    len: usize,
    ctx: Arc<Gpu>,
    _type: PhantomData<T>,
}

impl<T> Drop for Resident<T> {
    fn drop(&mut self) {
        self.ctx
            .stats
            .resident_bytes
            .fetch_sub(self.buffer.size(), Ordering::Relaxed);
    }
}

impl<T: Element> Resident<T> {
    /// An uninitialized array of `len` elements.
    fn alloc(ctx: &Arc<Gpu>, len: usize) -> Result<Self> {
        let bytes = ((len * std::mem::size_of::<T>()) as u64).max(4);
        if bytes > ctx.limits.max_buffer_size {
            return Err(Error::Unsupported {
                what: format!(
                    "a GPU array of {bytes} bytes: this adapter's largest buffer is {} bytes",
                    ctx.limits.max_buffer_size
                ),
            });
        }
        let buffer = ctx.scoped("allocating a GPU array", || {
            ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("compute array"),
                size: bytes.next_multiple_of(4),
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            })
        })?;
        ctx.stats
            .resident_bytes
            .fetch_add(buffer.size(), Ordering::Relaxed);
        Ok(Resident {
            buffer,
            len,
            ctx: Arc::clone(ctx),
            _type: PhantomData,
        })
    }

    /// `data` copied to the GPU.
    pub(crate) fn upload(ctx: &Arc<Gpu>, data: &[T]) -> Result<Self> {
        ctx.check_alive()?;
        let array = Self::alloc(ctx, data.len())?;
        if !data.is_empty() {
            ctx.scoped("uploading an array", || {
                ctx.queue
                    .write_buffer(&array.buffer, 0, bytemuck::cast_slice(data));
            })?;
            ctx.stats.upload((std::mem::size_of_val(data)) as u64);
        }
        Ok(array)
    }

    /// Elements held.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The context the buffer belongs to.
    pub(crate) fn context(&self) -> &Arc<Gpu> {
        &self.ctx
    }

    /// The elements, read back from the GPU.
    pub(crate) fn to_vec(&self) -> Result<Vec<T>> {
        read_elems(&self.ctx, &self.buffer, self.len)
    }
}

/// The first `len` elements of `buffer`, read back.
fn read_elems<T: Element>(ctx: &Gpu, buffer: &wgpu::Buffer, len: usize) -> Result<Vec<T>> {
    ctx.check_alive()?;
    let bytes = (len * std::mem::size_of::<T>()) as u64;
    if bytes == 0 {
        return Ok(Vec::new());
    }
    let usage = wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST;
    let (readback, submission) = ctx.scoped("reading an array back", || {
        let readback = ctx.pool.take(&ctx.device, usage, bytes);
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("compute read back"),
            });
        encoder.copy_buffer_to_buffer(buffer, 0, &readback, 0, bytes);
        (readback, ctx.queue.submit([encoder.finish()]))
    })?;
    let mut out = crate::alloc::fresh(len);
    read_back(ctx, &readback, bytes, submission, |view| {
        out.extend_from_slice(bytemuck::cast_slice(view));
        Ok(())
    })?;
    ctx.pool.give(readback, u64::MAX);
    Ok(out)
}

/// Records `kernel` over resident `inputs` (each `len` elements of `I`) into `output` (of
/// `O`), its arrays as `io` says: one dispatch per storage binding's worth of elements, all
/// in one submission; nothing is waited for.
#[allow(clippy::too_many_arguments)]
fn record_all<T: Element, I: Element, O: Element>(
    ctx: &Gpu,
    kernel: &Kernel<'_, T>,
    io: Io,
    inputs: &[&Resident<I>],
    len: usize,
    reduce: Option<Reduce>,
    output: &wgpu::Buffer,
) -> Result<wgpu::SubmissionIndex> {
    let pipeline = ctx.pipelines.get(ctx, kernel, reduce, io)?;
    let params: Vec<[u32; 2]> = kernel.params().map(dispatch::to_bits).collect();
    let (elem, out_elem) = (std::mem::size_of::<I>(), std::mem::size_of::<O>());
    let chunk = ctx.chunk_elems(elem.max(out_elem), None);
    ctx.scoped(
        "running a kernel on GPU arrays",
        || -> Result<wgpu::SubmissionIndex> {
            let mut encoder = ctx
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("compute resident"),
                });
            let mut uniforms = Vec::new();
            let (mut start, mut out_at) = (0usize, 0u64);
            while start < len {
                let n = chunk.min(len - start);
                let slots: Vec<Slot<'_>> = inputs
                    .iter()
                    .map(|a| Slot {
                        buffer: &a.buffer,
                        offset: (start * elem) as u64,
                        size: (n * elem) as u64,
                    })
                    .collect();
                let out_bytes = (dispatch::out_len(n, reduce.is_some()) * out_elem) as u64;
                let out = Slot {
                    buffer: output,
                    offset: out_at,
                    size: out_bytes,
                };
                let launch = dispatch::Launch {
                    pipeline: &pipeline,
                    params: &params,
                    reducing: reduce.is_some(),
                };
                uniforms.push(dispatch::record(ctx, launch, n, &slots, out, &mut encoder)?);
                start += n;
                out_at += out_bytes;
            }
            let submission = ctx.queue.submit([encoder.finish()]);
            // later writes to these buffers are queued after this submission
            for uniform in uniforms {
                ctx.pool.give(uniform, u64::MAX);
            }
            Ok(submission)
        },
    )?
}

/// `kernel` over resident `inputs` (each `len` elements) into a new resident array.
pub(crate) fn run<T: Element>(
    ctx: &Arc<Gpu>,
    kernel: &Kernel<'_, T>,
    inputs: &[&Resident<T>],
    len: usize,
) -> Result<Resident<T>> {
    ctx.check_alive()?;
    let out = Resident::alloc(ctx, len)?;
    if len > 0 {
        record_all::<T, T, T>(ctx, kernel, Io::Plain, inputs, len, None, &out.buffer)?;
    }
    Ok(out)
}

/// `input` converted to `U` (as the host's casts) into a new resident array on its GPU: one
/// kernel, GPU memory to GPU memory.
pub(crate) fn cast<S: Element, U: Element>(input: &Resident<S>) -> Result<Resident<U>> {
    let (ctx, len) = (input.context(), input.len());
    ctx.check_alive()?;
    let out = Resident::<U>::alloc(ctx, len)?;
    if len > 0 {
        let io = Io::Store(Target::of::<U>());
        let kernel = Kernel::<S>::Map(&[]);
        record_all::<S, S, U>(ctx, &kernel, io, &[input], len, None, &out.buffer)?;
    }
    Ok(out)
}

/// Each workgroup's fold of 4,096 of `kernel`'s values over resident `inputs` with `how`, in
/// order; only these come back.
pub(crate) fn partials<T: Element>(
    ctx: &Arc<Gpu>,
    kernel: &Kernel<'_, T>,
    inputs: &[&Resident<T>],
    len: usize,
    how: Reduce,
) -> Result<Vec<T>> {
    ctx.check_alive()?;
    if len == 0 {
        return Ok(Vec::new());
    }
    // one partial per workgroup of every chunk: at most one more than len / PER_GROUP per chunk
    let partials = Resident::<T>::alloc(ctx, len.div_ceil(PER_GROUP) + 64)?;
    record_all::<T, T, T>(
        ctx,
        kernel,
        Io::Plain,
        inputs,
        len,
        Some(how),
        &partials.buffer,
    )?;
    let chunk = ctx.chunk_elems(std::mem::size_of::<T>(), None);
    let groups: usize = (0..len)
        .step_by(chunk)
        .map(|start| chunk.min(len - start).div_ceil(PER_GROUP))
        .sum();
    read_elems(ctx, &partials.buffer, groups)
}
