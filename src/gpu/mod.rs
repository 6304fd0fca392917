//! The GPU backend on wgpu: generated WGSL kernels, cached pipelines, pooled buffers, and
//! inputs larger than one storage binding processed as a sequence of chunks.

mod buffers;
pub(crate) mod codegen;
mod context;
mod pipeline;

use std::sync::mpsc;

pub(crate) use context::{describe, Context, Want};

use crate::alloc;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::reduce::Reduce;
use context::READBACK_TIMEOUT;
use pipeline::Pipeline;

/// `size` bytes from the start of `buffer`, as a binding.
fn binding(buffer: &wgpu::Buffer, size: u64) -> wgpu::BindingResource<'_> {
    wgpu::BindingResource::Buffer(wgpu::BufferBinding {
        buffer,
        offset: 0,
        size: wgpu::BufferSize::new(size),
    })
}

/// Invocations per workgroup, as the templates declare (`@workgroup_size(256)`).
const WORKGROUP: u32 = 256;

/// Runs `kernel` over `inputs` (each `len` elements) on the GPU, in chunks of at most one
/// storage binding (or `cap_bytes`, when the caller sets it).
pub(crate) fn run<T: Element>(
    ctx: &Context,
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    len: usize,
    cap_bytes: Option<u64>,
) -> Result<Vec<T>> {
    let mut out = alloc::fresh(len);
    chunks(ctx, kernel, inputs, len, cap_bytes, None, &mut out)?;
    Ok(out)
}

/// Folds the kernel's values with `reduce`: each workgroup folds 4,096 values on the GPU,
/// the host folds the workgroups' results (pairwise for sums).
pub(crate) fn reduce<T: Element>(
    ctx: &Context,
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    len: usize,
    cap_bytes: Option<u64>,
    reduce: Reduce,
) -> Result<Option<T>> {
    if len == 0 {
        return Ok(reduce.empty());
    }
    let mut partials = Vec::with_capacity(len.div_ceil(PER_GROUP));
    chunks(
        ctx,
        kernel,
        inputs,
        len,
        cap_bytes,
        Some(reduce),
        &mut partials,
    )?;
    Ok(reduce.fold(&partials))
}

/// Elements one workgroup of the `reduce` entry point folds (`PER_GROUP` in the templates).
const PER_GROUP: usize = 4096;

/// Runs the kernel chunk by chunk, appending each chunk's output (its values, or its
/// workgroups' partial results when reducing) to `out`.
fn chunks<T: Element>(
    ctx: &Context,
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    len: usize,
    cap_bytes: Option<u64>,
    reduce: Option<Reduce>,
    out: &mut Vec<T>,
) -> Result<()> {
    ctx.check_alive()?;
    let pipeline = ctx.pipelines.get(ctx, kernel, reduce)?;
    let params: Vec<u32> = kernel.params().map(to_bits).collect();
    // whole reduction workgroups per chunk, so only the last chunk's last group is partial
    let chunk = ctx.chunk_elems(std::mem::size_of::<T>(), cap_bytes) / PER_GROUP * PER_GROUP;
    let chunk = chunk.max(PER_GROUP);
    let mut start = 0;
    while start < len {
        let end = (start + chunk).min(len);
        let slices: Option<Vec<&[T]>> = inputs.iter().map(|s| s.get(start..end)).collect();
        let Some(slices) = slices else {
            return Err(Error::Unsupported {
                what: "inputs shorter than the call's length".into(),
            });
        };
        run_chunk(ctx, &pipeline, &params, &slices, reduce.is_some(), out)?;
        start = end;
    }
    Ok(())
}

/// The raw bits of a 4-byte element, as the kernels' parameter uniform holds them.
fn to_bits<T: Element>(value: T) -> u32 {
    let bytes = bytemuck::bytes_of(&value);
    let mut word = [0u8; 4];
    for (w, b) in word.iter_mut().zip(bytes) {
        *w = *b;
    }
    u32::from_ne_bytes(word)
}

/// The dispatch grid for `n` invocations: one row while it fits the adapter's per-dimension
/// limit, rows of that limit beyond. Returns (x, y, invocations per row).
fn grid(n: u32, max_per_dim: u32) -> (u32, u32, u32) {
    let groups = n.div_ceil(WORKGROUP).max(1);
    if groups <= max_per_dim {
        (groups, 1, groups * WORKGROUP)
    } else {
        let x = max_per_dim;
        (x, groups.div_ceil(x), x * WORKGROUP)
    }
}

/// Uploads one chunk, dispatches the kernel once, reads the result back and appends it: the
/// chunk's values, or one partial result per workgroup when `reducing`.
fn run_chunk<T: Element>(
    ctx: &Context,
    pipeline: &Pipeline,
    params: &[u32],
    inputs: &[&[T]],
    reducing: bool,
    out: &mut Vec<T>,
) -> Result<()> {
    use wgpu::BufferUsages as U;
    let n = inputs.first().map_or(0, |s| s.len());
    let elem = std::mem::size_of::<T>() as u64;
    let bytes = n as u64 * elem;
    let n32 = u32::try_from(n).map_err(|_| Error::Unsupported {
        what: format!("a GPU chunk of {n} elements"),
    })?;
    // a reduction runs one workgroup per PER_GROUP elements and writes one value for each
    let (invocations, out_bytes) = if reducing {
        let groups = n.div_ceil(PER_GROUP) as u32;
        (groups * WORKGROUP, u64::from(groups) * elem)
    } else {
        (n32, bytes)
    };
    let (x, y, row) = grid(invocations, ctx.limits.max_compute_workgroups_per_dimension);
    let mut uniform: Vec<u32> = vec![n32, row, 0, 0];
    for p in params {
        uniform.extend_from_slice(&[*p, 0, 0, 0]);
    }
    if params.is_empty() {
        uniform.extend_from_slice(&[0; 4]);
    }
    let uniform_bytes = (uniform.len() * 4) as u64;
    if uniform_bytes > ctx.limits.max_uniform_buffer_binding_size {
        return Err(Error::Unsupported {
            what: format!("{} op parameters in one GPU kernel", params.len()),
        });
    }

    let pool = &ctx.pool;
    let device = &ctx.device;
    let (buffers, submission) = ctx.scoped("running a kernel", || {
        let uniform_buf = pool.take(device, U::UNIFORM | U::COPY_DST, uniform_bytes);
        ctx.queue
            .write_buffer(&uniform_buf, 0, bytemuck::cast_slice(&uniform));
        let ins: Vec<wgpu::Buffer> = inputs
            .iter()
            .map(|s| {
                let buf = pool.take(device, U::STORAGE | U::COPY_DST, bytes);
                ctx.queue.write_buffer(&buf, 0, bytemuck::cast_slice(s));
                buf
            })
            .collect();
        let output = pool.take(device, U::STORAGE | U::COPY_SRC, out_bytes);
        let readback = pool.take(device, U::MAP_READ | U::COPY_DST, out_bytes);

        let mut entries = vec![wgpu::BindGroupEntry {
            binding: 0,
            resource: binding(&uniform_buf, uniform_bytes),
        }];
        for (k, buf) in ins.iter().enumerate() {
            entries.push(wgpu::BindGroupEntry {
                binding: 1 + k as u32,
                resource: binding(buf, bytes),
            });
        }
        entries.push(wgpu::BindGroupEntry {
            binding: 1 + pipeline.arity as u32,
            resource: binding(&output, out_bytes),
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("compute elementwise"),
            layout: &pipeline.layout,
            entries: &entries,
        });
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("compute elementwise"),
        });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("compute elementwise"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&pipeline.pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            pass.dispatch_workgroups(x, y, 1);
        }
        encoder.copy_buffer_to_buffer(&output, 0, &readback, 0, out_bytes);
        let submission = ctx.queue.submit([encoder.finish()]);
        let mut buffers = ins;
        buffers.push(uniform_buf);
        buffers.push(output);
        buffers.push(readback);
        (buffers, submission)
    })?;

    let result = read_back(ctx, buffers.last(), out_bytes, submission, out);
    if result.is_ok() {
        for buf in buffers {
            pool.give(buf);
        }
    }
    result
}

/// Waits for `submission`, maps the first `bytes` of `readback` and appends them to `out`.
fn read_back<T: Element>(
    ctx: &Context,
    readback: Option<&wgpu::Buffer>,
    bytes: u64,
    submission: wgpu::SubmissionIndex,
    out: &mut Vec<T>,
) -> Result<()> {
    let Some(readback) = readback else {
        return Ok(());
    };
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
    let deadline = std::time::Instant::now() + READBACK_TIMEOUT;
    loop {
        match rx.recv_timeout(std::time::Duration::from_millis(5)) {
            Ok(Ok(())) => break,
            Ok(Err(e)) => return Err(Error::gpu("mapping the result", e)),
            Err(e) if std::time::Instant::now() >= deadline => {
                return Err(Error::gpu("mapping the result", e))
            }
            Err(_) => {
                ctx.check_alive()?;
                let _ = ctx.device.poll(wgpu::PollType::Poll);
            }
        }
    }
    {
        let view = slice
            .get_mapped_range()
            .map_err(|e| Error::gpu("reading the result", e))?;
        out.extend_from_slice(bytemuck::cast_slice(&view));
    }
    readback.unmap();
    Ok(())
}

/// Whether the GPU backend can run `T` at all.
pub(crate) fn supports<T: Element>() -> bool {
    T::WGSL.is_some()
}

#[cfg(test)]
mod tests {
    use super::grid;

    #[test]
    fn grid_is_one_row_until_the_limit_then_rows_of_the_limit() {
        assert_eq!(grid(1, 65_535), (1, 1, 256));
        assert_eq!(grid(256 * 65_535, 65_535), (65_535, 1, 65_535 * 256));
        assert_eq!(grid(256 * 65_535 + 1, 65_535), (65_535, 2, 65_535 * 256));
        let (x, y, _) = grid(1 << 25, 65_535);
        assert!(u64::from(x) * u64::from(y) * 256 >= 1 << 25);
    }
}

#[cfg(test)]
mod pipeline_tests {
    use crate::op::{BinOp, Op};
    use crate::Device;

    /// The GPU device, or `None` (skipping) when there is none and none is required.
    fn gpu() -> Option<Device> {
        match Device::gpu() {
            Ok(device) => Some(device),
            Err(e) if std::env::var("COMPUTE_REQUIRE_GPU").is_ok_and(|v| v == "1") => {
                panic!("COMPUTE_REQUIRE_GPU=1 but no GPU: {e}")
            }
            Err(_) => None,
        }
    }

    #[test]
    fn gpu_one_pipeline_serves_every_parameter_value() {
        let Some(device) = gpu() else { return };
        let Some(ctx) = device.gpu_context() else {
            return;
        };
        // a shape no other test uses, so the count is this test's own
        let shape = |s: f32| Op::Scale(s).then(Op::Floor).then(Op::Relu).then(Op::Floor);
        assert_eq!(crate::map(&device, [1.5_f32], shape(2.0)).unwrap(), [3.0]);
        assert_eq!(crate::map(&device, [1.5_f32], shape(3.0)).unwrap(), [4.0]);
        assert_eq!(crate::map(&device, [1.5_f32], shape(-1.0)).unwrap(), [0.0]);
        let builds = ctx.pipelines.builds("f32", "in0.scale.floor.relu.floor");
        assert_eq!(
            builds, 1,
            "Scale(2), Scale(3) and Scale(-1) share one pipeline"
        );
    }

    #[test]
    fn gpu_the_same_expression_built_twice_shares_a_pipeline() {
        use crate::expr::{x, y};
        let Some(device) = gpu() else { return };
        let Some(ctx) = device.gpu_context() else {
            return;
        };
        let (a, b) = ([1.0_f32, 2.0], [0.5_f32, 0.25]);
        for c in [2.0_f32, 3.0, -4.0] {
            // built anew each time, with another constant
            let e = (x() * c - y()).floor().abs().floor();
            let out = crate::eval(&device, e, (&a, &b)).unwrap();
            assert_eq!(
                out,
                [
                    (1.0 * c - 0.5).floor().abs(),
                    (2.0 * c - 0.25).floor().abs()
                ]
            );
        }
        let shape = "in0.c.bin_mul.in1.bin_sub.floor.abs.floor";
        assert_eq!(ctx.pipelines.builds("f32", shape), 1);
    }

    #[test]
    fn gpu_buffers_are_reused_and_bounded() {
        let Some(device) = gpu() else { return };
        let Some(ctx) = device.gpu_context() else {
            return;
        };
        let a = vec![3u32; 10_000];
        for _ in 0..50 {
            assert_eq!(crate::zip(&device, &a, &a, BinOp::Mul).unwrap()[9_999], 9);
        }
        // at most MAX_POOLED buffers, each at most twice a call's 40 KB
        assert!(
            ctx.pool.held_bytes() <= 8 * 2 * 65_536,
            "{}",
            ctx.pool.held_bytes()
        );
    }
}
