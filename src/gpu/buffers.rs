//! Reuse of GPU buffers across calls: a call takes its storage, readback and parameter
//! buffers from the pool and gives them back, so a loop of same-sized calls allocates nothing
//! on the GPU after the first.

use std::sync::{Mutex, PoisonError};

/// Buffers kept for reuse at most; the oldest is freed past this. A zip call uses five
/// (parameters, two inputs, output, readback), so eight cover one call of each shape size.
const MAX_POOLED: usize = 8;

/// Free buffers of one device.
#[derive(Debug, Default)]
pub(crate) struct Pool {
    free: Mutex<Vec<wgpu::Buffer>>,
}

/// Sizes are rounded up so that calls of nearby lengths share buffers: powers of two up to
/// 1 MiB, whole MiB above.
fn rounded(bytes: u64) -> u64 {
    const MIB: u64 = 1 << 20;
    if bytes <= MIB {
        bytes.max(256).next_power_of_two()
    } else {
        bytes.div_ceil(MIB) * MIB
    }
}

impl Pool {
    /// A buffer of `usage` with room for `bytes`, reused when one is free. Call inside an
    /// error scope: creating one can run out of memory.
    pub(crate) fn take(
        &self,
        device: &wgpu::Device,
        usage: wgpu::BufferUsages,
        bytes: u64,
    ) -> wgpu::Buffer {
        let size = rounded(bytes);
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(k) = free
            .iter()
            .position(|b| b.usage() == usage && b.size() >= size && b.size() <= 2 * size)
        {
            return free.swap_remove(k);
        }
        drop(free);
        device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("compute pooled"),
            size,
            usage,
            mapped_at_creation: false,
        })
    }

    /// Returns `buffer` for reuse, freeing the oldest buffers while more than `MAX_POOLED`
    /// or more than `limit` bytes are kept.
    pub(crate) fn give(&self, buffer: wgpu::Buffer, limit: u64) {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        free.push(buffer);
        while free.len() > MAX_POOLED || free.iter().map(wgpu::Buffer::size).sum::<u64>() > limit {
            free.remove(0);
        }
    }

    /// Bytes currently held for reuse.
    pub(crate) fn held_bytes(&self) -> u64 {
        self.free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(wgpu::Buffer::size)
            .sum()
    }
}
