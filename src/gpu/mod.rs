//! The GPU backend on wgpu: generated WGSL kernels, cached pipelines, pooled buffers, host
//! data streamed through in double-buffered chunks, and device-resident arrays. It knows the
//! kernel description (`ir`) and nothing of the CPU backend or of `Device`.
//!
//! `context` opens the device and captures its errors; `layout` is the kernels' interface
//! (bindings, workgroup); `codegen` writes a kernel's WGSL, `cast` the conversions of a
//! kernel across two element types; `pipeline` compiles and caches
//! it; `buffers` pools buffers; `engine` holds those for one GPU; `dispatch` records one
//! dispatch; `stream` runs host data through in chunks; `resident` keeps arrays on the GPU.

mod buffers;
mod cast;
mod codegen;
mod context;
mod dispatch;
mod engine;
mod layout;
mod pipeline;
mod resident;
mod stream;

pub(crate) use cast::{Io, Target};
pub use context::Stats;
pub(crate) use context::{describe, Want};
pub(crate) use engine::Gpu;
pub(crate) use resident::{
    cast as resident_cast, partials as resident_partials, run as resident_run, Resident,
};
pub use stream::DEFAULT_GPU_MEMORY_LIMIT;
pub(crate) use stream::{across, execute, Budget};
