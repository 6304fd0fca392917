//! Recording one kernel dispatch: the parameter uniform, the bind group over buffer ranges,
//! and a 2-D grid past the adapter's per-dimension workgroup limit.

use super::engine::Gpu;
use super::layout::{self, PER_GROUP, WORKGROUP};
use super::pipeline::Pipeline;
use crate::element::Element;
use crate::error::{Error, Result};

/// A range of a buffer bound to a kernel.
#[derive(Clone, Copy)]
pub(crate) struct Slot<'b> {
    pub(crate) buffer: &'b wgpu::Buffer,
    pub(crate) offset: u64,
    pub(crate) size: u64,
}

impl<'b> Slot<'b> {
    /// The first `size` bytes of `buffer`.
    pub(crate) fn head(buffer: &'b wgpu::Buffer, size: u64) -> Self {
        Slot {
            buffer,
            offset: 0,
            size,
        }
    }

    fn resource(self) -> wgpu::BindingResource<'b> {
        wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: self.buffer,
            offset: self.offset,
            size: wgpu::BufferSize::new(self.size),
        })
    }
}

/// The raw bits of a 4- or 8-byte element as the kernels' parameter uniform holds them: the
/// low word, then the high word (0 for a 4-byte element).
pub(crate) fn to_bits<T: Element>(value: T) -> [u32; 2] {
    let bytes = bytemuck::bytes_of(&value);
    if let Ok(wide) = <[u8; 8]>::try_from(bytes) {
        let wide = u64::from_ne_bytes(wide);
        [wide as u32, (wide >> 32) as u32]
    } else {
        let mut word = [0u8; 4];
        word.copy_from_slice(&bytes[..4]);
        [u32::from_ne_bytes(word), 0]
    }
}

/// The dispatch grid for `n` invocations: one row while it fits the adapter's per-dimension
/// limit, rows of that limit beyond. Returns (x, y, invocations per row).
pub(crate) fn grid(n: u32, max_per_dim: u32) -> (u32, u32, u32) {
    let groups = n.div_ceil(WORKGROUP).max(1);
    if groups <= max_per_dim {
        (groups, 1, groups * WORKGROUP)
    } else {
        let x = max_per_dim;
        (x, groups.div_ceil(x), x * WORKGROUP)
    }
}

/// Bytes the kernel writes for `n` elements: every value, or one per workgroup when reducing.
pub(crate) fn out_len(n: usize, reducing: bool) -> usize {
    if reducing {
        n.div_ceil(PER_GROUP)
    } else {
        n
    }
}

/// A compiled kernel with its scalars, ready to dispatch.
#[derive(Clone, Copy)]
pub(crate) struct Launch<'a> {
    pub(crate) pipeline: &'a Pipeline,
    pub(crate) params: &'a [[u32; 2]],
    /// Whether it is the `reduce` entry point (one value per workgroup).
    pub(crate) reducing: bool,
}

/// Records one dispatch of `launch` over `n` elements of `inputs` into `output`. Returns the
/// parameter uniform buffer, which the caller gives back to the pool once the work is
/// submitted. Call inside an error scope.
pub(crate) fn record(
    ctx: &Gpu,
    launch: Launch<'_>,
    n: usize,
    inputs: &[Slot<'_>],
    output: Slot<'_>,
    encoder: &mut wgpu::CommandEncoder,
) -> Result<wgpu::Buffer> {
    let Launch {
        pipeline,
        params,
        reducing,
    } = launch;
    let n32 = u32::try_from(n).map_err(|_| Error::Unsupported {
        what: format!("a GPU dispatch of {n} elements"),
    })?;
    let invocations = if reducing {
        out_len(n, true) as u32 * WORKGROUP
    } else {
        n32
    };
    let (x, y, row) = grid(invocations, ctx.limits.max_compute_workgroups_per_dimension);
    let mut uniform: Vec<u32> = vec![n32, row, 0, 0];
    for p in params {
        uniform.extend_from_slice(&[p[0], p[1], 0, 0]);
    }
    if params.is_empty() {
        uniform.extend_from_slice(&[0; 4]);
    }
    let uniform_bytes = (uniform.len() * 4) as u64;
    if uniform_bytes > ctx.limits.max_uniform_buffer_binding_size {
        return Err(Error::Unsupported {
            what: format!("{} scalars in one GPU kernel", params.len()),
        });
    }
    let uniform_buf = ctx.pool.take(
        &ctx.device,
        wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        uniform_bytes,
    );
    ctx.queue
        .write_buffer(&uniform_buf, 0, bytemuck::cast_slice(&uniform));
    let entries = layout::bind_group_entries(
        Slot::head(&uniform_buf, uniform_bytes).resource(),
        output.resource(),
        inputs
            .iter()
            .take(pipeline.arity)
            .map(|slot| slot.resource()),
    );
    let bind_group = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("compute elementwise"),
        layout: &pipeline.layout,
        entries: &entries,
    });
    let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
        label: Some("compute elementwise"),
        timestamp_writes: None,
    });
    pass.set_pipeline(&pipeline.pipeline);
    pass.set_bind_group(0, &bind_group, &[]);
    pass.dispatch_workgroups(x, y, 1);
    drop(pass);
    ctx.stats.dispatch();
    Ok(uniform_buf)
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
