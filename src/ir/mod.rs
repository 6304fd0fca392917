//! The kernel description both backends run: the op table, the public ops that lower onto
//! it, the kernel program, reductions and the call shapes.

pub(crate) mod kernel;
pub(crate) mod op;
pub(crate) mod ops;
pub(crate) mod reduce;
pub(crate) mod task;
