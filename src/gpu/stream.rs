//! Host data through the GPU. Each chunk's inputs are uploaded, the kernel runs and the
//! result is read back; the next chunk is submitted before the previous one is read back, so
//! the upload and compute of chunk k+1 overlap the download of chunk k. Chunks are sized so
//! the buffers in flight stay under the device's GPU memory budget.

use std::ops::Range;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::cast::Io;
use super::context::{Context, READBACK_TIMEOUT};
use super::dispatch::{self, Slot};
use super::engine::Gpu;
use super::layout::PER_GROUP;
use super::pipeline::Pipeline;
use crate::alloc;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::ir::kernel::Kernel;
use crate::ir::reduce::Reduce;
use crate::ir::task::{Done, Task};

/// GPU memory one call may hold in flight plus pooled buffers, unless
/// [`Device::with_gpu_memory_limit`](crate::Device::with_gpu_memory_limit) says otherwise:
/// 1 GiB, a quarter of a small card, enough for chunks of 64 Mi f32 double-buffered.
/// Resident [`Array`](crate::Array)s are the user's and not counted against it.
pub const DEFAULT_GPU_MEMORY_LIMIT: u64 = 1 << 30;

/// How much GPU memory a call may use.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    /// Most bytes one dispatch binds per array (`None`: the adapter's binding limit).
    pub(crate) chunk_bytes: Option<u64>,
    /// Most bytes of buffers in flight plus pooled.
    pub(crate) memory: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            chunk_bytes: None,
            memory: DEFAULT_GPU_MEMORY_LIMIT,
        }
    }
}

/// Runs one call of the checked `kernel` on the GPU, host data streamed through in chunks.
pub(crate) fn execute<T: Element>(
    ctx: &Gpu,
    budget: &Budget,
    kernel: &Kernel<'_, T>,
    task: &mut Task<'_, '_, T>,
) -> Result<Done<T>> {
    match task {
        Task::Fresh { inputs, len } => run(ctx, kernel, inputs, *len, budget).map(Done::Values),
        Task::Into { inputs, out } => {
            run_into(ctx, kernel, inputs, out, budget).map(|()| Done::Written)
        }
        Task::InPlace { data } => run_in_place(ctx, kernel, data, budget).map(|()| Done::Written),
        Task::Partials { inputs, len, how } => {
            partials(ctx, kernel, inputs, *len, budget, *how).map(Done::Partials)
        }
    }
}

/// Where a chunk's results go.
enum Sink<'o, T> {
    /// Appended to a vector.
    Append(&'o mut Vec<T>),
    /// Written over a slice, chunk after chunk.
    Fill(&'o mut [T], usize),
}

impl<T: bytemuck::Pod> Sink<'_, T> {
    fn put(&mut self, values: &[T]) -> Result<()> {
        match self {
            Sink::Append(out) => out.extend_from_slice(values),
            Sink::Fill(out, at) => {
                let end = *at + values.len();
                out.get_mut(*at..end)
                    .ok_or_else(|| Error::Internal {
                        what: "a GPU result longer than its output".into(),
                    })?
                    .copy_from_slice(values);
                *at = end;
            }
        }
        Ok(())
    }
}

/// A submitted chunk waiting to be read back.
struct Pending {
    buffers: Vec<wgpu::Buffer>,
    readback: wgpu::Buffer,
    bytes: u64,
    submission: wgpu::SubmissionIndex,
}

/// Elements per chunk: whole reduction workgroups, within the binding limit and small enough
/// that two chunks in flight (inputs, output, readback each) fit the memory budget. Inputs
/// of `I`, outputs of `O`.
fn chunk_elems<I, O>(ctx: &Gpu, arity: usize, budget: &Budget) -> usize {
    let in_budget = budget.memory / (2 * (arity as u64 + 2));
    let cap = budget.chunk_bytes.map_or(in_budget, |c| c.min(in_budget));
    let widest = std::mem::size_of::<I>().max(std::mem::size_of::<O>());
    ctx.chunk_elems(widest, Some(cap))
}

/// Uploads one chunk's inputs (of `I`), records the kernel and the copy of its result (of
/// `O`) to a readback buffer, and submits them.
fn submit<I: bytemuck::Pod, O>(
    ctx: &Gpu,
    pipeline: &Pipeline,
    params: &[[u32; 2]],
    inputs: &[&[I]],
    reducing: bool,
) -> Result<Pending> {
    use wgpu::BufferUsages as U;
    let n = inputs.first().map_or(0, |s| s.len());
    let bytes = (n * std::mem::size_of::<I>()) as u64;
    let out_bytes = (dispatch::out_len(n, reducing) * std::mem::size_of::<O>()) as u64;
    let device = &ctx.device;
    ctx.scoped("running a kernel", || {
        let mut buffers: Vec<wgpu::Buffer> = inputs
            .iter()
            .map(|s| {
                let buf = ctx.pool.take(device, U::STORAGE | U::COPY_DST, bytes);
                ctx.queue.write_buffer(&buf, 0, bytemuck::cast_slice(s));
                ctx.stats.upload(bytes);
                buf
            })
            .collect();
        let output = ctx.pool.take(device, U::STORAGE | U::COPY_SRC, out_bytes);
        let readback = ctx.pool.take(device, U::MAP_READ | U::COPY_DST, out_bytes);
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("compute chunk"),
        });
        let slots: Vec<Slot<'_>> = buffers.iter().map(|b| Slot::head(b, bytes)).collect();
        let launch = dispatch::Launch {
            pipeline,
            params,
            reducing,
        };
        let uniform = dispatch::record(
            ctx,
            launch,
            n,
            &slots,
            Slot::head(&output, out_bytes),
            &mut encoder,
        )?;
        encoder.copy_buffer_to_buffer(&output, 0, &readback, 0, out_bytes);
        let submission = ctx.queue.submit([encoder.finish()]);
        buffers.push(uniform);
        buffers.push(output);
        Ok(Pending {
            buffers,
            readback,
            bytes: out_bytes,
            submission,
        })
    })?
}

/// Waits for a submitted chunk, hands its result to `sink` and pools its buffers.
fn finish<T: bytemuck::Pod>(
    ctx: &Gpu,
    pending: Pending,
    sink: &mut Sink<'_, T>,
    limit: u64,
) -> Result<()> {
    read_back(
        ctx,
        &pending.readback,
        pending.bytes,
        pending.submission,
        |bytes| sink.put(bytemuck::cast_slice(bytes)),
    )?;
    for buf in pending.buffers {
        ctx.pool.give(buf, limit);
    }
    ctx.pool.give(pending.readback, limit);
    Ok(())
}

/// Waits for `submission`, maps the first `bytes` of `readback`, passes them to `take` and
/// unmaps. Counts one download.
pub(crate) fn read_back(
    ctx: &Context,
    readback: &wgpu::Buffer,
    bytes: u64,
    submission: wgpu::SubmissionIndex,
    take: impl FnOnce(&[u8]) -> Result<()>,
) -> Result<()> {
    let slice = readback.slice(..bytes);
    let (tx, rx) = mpsc::channel();
    slice.map_async(wgpu::MapMode::Read, move |r| {
        let _ = tx.send(r);
    });
    ctx.device
        .poll(wgpu::PollType::Wait {
            submission_index: Some(submission),
            timeout: Some(READBACK_TIMEOUT),
        })
        .map_err(|e| {
            ctx.check_alive()
                .err()
                .unwrap_or_else(|| Error::gpu("waiting for the GPU", e))
        })?;
    // Another thread's poll may be the one that runs our callback: wait for it, polling
    // again now and then, up to the readback timeout.
    let deadline = Instant::now() + READBACK_TIMEOUT;
    loop {
        match rx.recv_timeout(Duration::from_millis(5)) {
            Ok(Ok(())) => break,
            Ok(Err(e)) => return Err(Error::gpu("mapping the result", e)),
            Err(e) if Instant::now() >= deadline => {
                return Err(Error::gpu("mapping the result", e))
            }
            Err(_) => {
                ctx.check_alive()?;
                let _ = ctx.device.poll(wgpu::PollType::Poll);
            }
        }
    }
    let result = {
        let view = slice
            .get_mapped_range()
            .map_err(|e| Error::gpu("reading the result", e))?;
        take(&view)
    };
    readback.unmap();
    ctx.stats.download(bytes);
    result
}

/// The chunk loop: chunk k+1 is submitted before chunk k is finished, so its upload and
/// compute overlap the readback of chunk k. `submit` reads a chunk's range (from `state` or
/// elsewhere); `finish` hands its result to `state`.
fn pipelined<S: ?Sized>(
    len: usize,
    chunk: usize,
    state: &mut S,
    mut submit: impl FnMut(&S, Range<usize>) -> Result<Pending>,
    mut finish: impl FnMut(&mut S, Pending, Range<usize>) -> Result<()>,
) -> Result<()> {
    let mut pending: Option<(Pending, Range<usize>)> = None;
    let mut start = 0;
    while start < len {
        let range = start..(start + chunk).min(len);
        let next = submit(state, range.clone())?;
        if let Some((previous, done)) = pending.replace((next, range.clone())) {
            finish(state, previous, done)?;
        }
        start = range.end;
    }
    match pending {
        Some((last, done)) => finish(state, last, done),
        None => Ok(()),
    }
}

/// Runs the kernel over read-only inputs, chunk by chunk, into `sink`.
fn stream<T: Element>(
    ctx: &Gpu,
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    len: usize,
    budget: &Budget,
    reduce: Option<Reduce>,
    sink: &mut Sink<'_, T>,
) -> Result<()> {
    stream_across(ctx, kernel, Io::Plain, inputs, len, budget, reduce, sink)
}

/// Runs the kernel over read-only inputs of `I`, chunk by chunk, its values stored as `O`
/// (as `io` says) into `sink`.
#[allow(clippy::too_many_arguments)]
fn stream_across<T: Element, I: bytemuck::Pod, O: bytemuck::Pod>(
    ctx: &Gpu,
    kernel: &Kernel<'_, T>,
    io: Io,
    inputs: &[&[I]],
    len: usize,
    budget: &Budget,
    reduce: Option<Reduce>,
    sink: &mut Sink<'_, O>,
) -> Result<()> {
    ctx.check_alive()?;
    let pipeline = ctx.pipelines.get(ctx, kernel, reduce, io)?;
    let params: Vec<[u32; 2]> = kernel.params().map(dispatch::to_bits).collect();
    let chunk = chunk_elems::<I, O>(ctx, kernel.arity(), budget);
    pipelined(
        len,
        chunk,
        sink,
        |_, range| {
            let slices: Option<Vec<&[I]>> = inputs.iter().map(|s| s.get(range.clone())).collect();
            let slices = slices.ok_or_else(|| Error::Internal {
                what: "GPU inputs shorter than the call's length".into(),
            })?;
            submit::<I, O>(ctx, &pipeline, &params, &slices, reduce.is_some())
        },
        |sink, done, _| finish(ctx, done, sink, budget.memory),
    )
}

/// Runs `kernel` over `inputs` (each `len` elements) into a fresh vector.
fn run<T: Element>(
    ctx: &Gpu,
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    len: usize,
    budget: &Budget,
) -> Result<Vec<T>> {
    let mut out = alloc::fresh(len);
    stream(
        ctx,
        kernel,
        inputs,
        len,
        budget,
        None,
        &mut Sink::Append(&mut out),
    )?;
    Ok(out)
}

/// Runs `kernel` over `inputs` into `out` (as long as the inputs).
fn run_into<T: Element>(
    ctx: &Gpu,
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    out: &mut [T],
    budget: &Budget,
) -> Result<()> {
    let len = out.len();
    stream(
        ctx,
        kernel,
        inputs,
        len,
        budget,
        None,
        &mut Sink::Fill(out, 0),
    )
}

/// Runs a one-input kernel over `data` in place: each chunk is uploaded before the previous
/// chunk's result is written back over it. Data of more than one chunk is copied first and
/// restored if the call fails part-way, so a failure never leaves it half done.
fn run_in_place<T: Element>(
    ctx: &Gpu,
    kernel: &Kernel<'_, T>,
    data: &mut [T],
    budget: &Budget,
) -> Result<()> {
    ctx.check_alive()?;
    let pipeline = ctx.pipelines.get(ctx, kernel, None, Io::Plain)?;
    let params: Vec<[u32; 2]> = kernel.params().map(dispatch::to_bits).collect();
    let chunk = chunk_elems::<T, T>(ctx, 1, budget);
    let keep = (data.len() > chunk).then(|| data.to_vec());
    let result = pipelined(
        data.len(),
        chunk,
        data,
        |data, range| submit::<T, T>(ctx, &pipeline, &params, &[&data[range]], false),
        |data, done, range| {
            let sink = &mut Sink::Fill(&mut data[range], 0);
            finish(ctx, done, sink, budget.memory)
        },
    );
    if let (Err(_), Some(keep)) = (&result, keep) {
        data.copy_from_slice(&keep);
    }
    result
}

/// Each workgroup's fold of 4,096 of the kernel's values with `how`, in order; the caller
/// folds them (pairwise for sums, see [`Reduce::finish`]).
fn partials<T: Element>(
    ctx: &Gpu,
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    len: usize,
    budget: &Budget,
    how: Reduce,
) -> Result<Vec<T>> {
    let mut partials = Vec::with_capacity(len.div_ceil(PER_GROUP));
    stream(
        ctx,
        kernel,
        inputs,
        len,
        budget,
        Some(how),
        &mut Sink::Append(&mut partials),
    )?;
    Ok(partials)
}

/// `kernel`'s values over `inputs` (each `len` elements) into a fresh vector, across two
/// types as `io` says: inputs of `I` converted to `T` as they are loaded (`Io::Load`, `O` is
/// `T`), or values of `T` stored as `O` (`Io::Store`: a cast; `Io::Truth`: `O` is `u32`).
pub(crate) fn across<T: Element, I: bytemuck::Pod, O: bytemuck::Pod>(
    ctx: &Gpu,
    budget: &Budget,
    kernel: &Kernel<'_, T>,
    io: Io,
    inputs: &[&[I]],
    len: usize,
) -> Result<Vec<O>> {
    let mut out = alloc::fresh(len);
    let sink = &mut Sink::Append(&mut out);
    stream_across(ctx, kernel, io, inputs, len, budget, None, sink)?;
    Ok(out)
}
