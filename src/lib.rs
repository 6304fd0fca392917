//! # compute
//!
//! Element-wise array work on every CPU core or on the GPU, whichever is faster for the call:
//! the Rust answer to `multiprocessing.Pool.map`, `joblib.Parallel` and `numba.prange`, with
//! no worker processes, no pickling and no JIT warm-up.
//!
//! ```
//! use compute::{BinOp, Device, Op};
//!
//! let device = Device::auto(); // never fails: a hardware GPU if there is one, else the CPU
//! let out = compute::map(&device, vec![1, 2, 3, 4, 5], Op::Scale(2))?;
//! assert_eq!(out, [2, 4, 6, 8, 10]);
//!
//! // A chain of ops is one kernel: one pass over memory, one GPU dispatch.
//! let x = vec![0.0_f32, 1.5, 4.0];
//! let y = compute::map(&device, &x, Op::Scale(2.0).then(Op::Add(1.0)).then(Op::Sqrt))?;
//! assert_eq!(y, [1.0, 2.0, 3.0]);
//!
//! let z = compute::zip(&device, &x, &y, BinOp::Mul)?;
//! assert_eq!(z, [0.0, 3.0, 12.0]);
//! # Ok::<(), compute::Error>(())
//! ```
//!
//! ## Expressions, user kernels, reductions
//!
//! A formula over several arrays is one kernel too ([`eval`], built with [`expr`]); a user
//! kernel is one function written as WGSL for the GPU and as a closure for the CPU
//! ([`Op::custom`]); a reduction folds a kernel's values in the same pass ([`reduce`],
//! [`sum`], [`min`], [`max`], [`mean`], [`dot`]), and [`count`] counts where a comparison
//! holds.
//!
//! ```
//! use compute::expr::{x, y};
//! use compute::{Device, Op, Reduce};
//!
//! let device = Device::auto();
//! let (a, b) = (vec![1.0_f32, 4.0], vec![2.0_f32, 1.0]);
//! let out = compute::eval(&device, (x() * 2.0 + y()).sqrt(), (&a, &b))?; // one pass
//! assert_eq!(out, [2.0, 3.0]);
//!
//! let bump = Op::custom("x * x + 1.0", |x: f32| x * x + 1.0)?; // checked by naga here
//! assert_eq!(compute::map(&device, &a, bump)?, [2.0, 17.0]);
//!
//! let sum_sq = compute::reduce(&device, x().square(), (&a,), Reduce::Sum)?; // reads `a` once
//! assert_eq!(sum_sq, Some(17.0));
//!
//! assert_eq!(compute::count(&device, x().gt(y()), (&a, &b))?, 1); // count_nonzero(a > b)
//! # Ok::<(), compute::Error>(())
//! ```
//!
//! ## numpy's vocabulary
//!
//! `where`, `//` and `%`, `arctan2`, `log1p` and the rest of numpy's everyday functions are
//! ops like the others (they fuse); [`cast`], [`cast_map`], [`map_cast`] and [`eval_cast`]
//! convert between the element types (`f32`, `f64`, `i32`, `u32`, `i64`, `u64`) as numpy's
//! `astype` does, in the same pass as the ops around them; [`mask`] gives numpy's boolean
//! array of a predicate.
//!
//! ```
//! use compute::expr::{where_, x};
//! use compute::{BinOp, Device, Op};
//!
//! let device = Device::auto();
//! let a = vec![-1.5_f32, 0.5, 7.0];
//! assert_eq!(compute::eval(&device, where_(x().gt(0.0), x(), 0.0), (&a,))?, [0.0, 0.5, 7.0]);
//! assert_eq!(compute::zip(&device, [-7, 7], [2, -2], BinOp::FloorDiv)?, [-4, -4]);
//! let ints: Vec<i64> = compute::map_cast(&device, &a, Op::Scale(2.0))?; // (a * 2).astype(int64)
//! assert_eq!(ints, [-3, 1, 14]);
//! assert_eq!(compute::mask(&device, x().lt(0.0), (&a,))?, [true, false, false]);
//! # Ok::<(), compute::Error>(())
//! ```
//!
//! ## Data on the device, into buffers, without blocking
//!
//! [`Device::upload`] keeps an [`Array`] where the device computes (GPU memory when it has a
//! GPU); its ops run there until [`Array::to_vec`]. [`map_into`] and [`map_in_place`] write
//! into memory you own; [`map_async`] returns a future.
//!
//! ```
//! use compute::{Device, Op};
//! let device = Device::auto();
//! let a = device.upload(vec![1.0_f32, 2.0, 3.0])?;
//! let b = a.map(Op::Square)?.map(Op::Add(1.0))?; // no transfer in between
//! assert_eq!(b.to_vec()?, [2.0, 5.0, 10.0]);
//!
//! let mut data = vec![1.0_f32, 4.0];
//! compute::map_in_place(&device, &mut data, Op::Sqrt)?;
//! assert_eq!(data, [1.0, 2.0]);
//! # Ok::<(), compute::Error>(())
//! ```
//!
//! ## How the backend is chosen
//!
//! [`Device::auto`] holds rayon's CPU pool and, when a *hardware* GPU adapter exists, a wgpu
//! context. [`Device::choose`] decides per call with a cost model measured on this machine
//! ([`Device::cost_model`], calibrated once and cached on disk): the backend predicted
//! faster for the call's size, inputs and op weight; the CPU whenever there is no hardware
//! GPU. `COMPUTE_BACKEND=cpu|gpu|auto` overrides; [`Device::cpu`] and [`Device::gpu`] fix the
//! backend. A GPU failure inside an auto call is logged and the call reruns on the CPU.
//!
//! ## Semantics
//!
//! One answer on both backends, numpy's where WGSL leaves room: integers wrap; integer
//! division truncates, gives 0 for a zero divisor and `MIN` for `MIN / -1`; `FloorDiv` and
//! `Mod` round toward −∞ as numpy's `//` and `%`; shifts follow numpy's rules for counts past
//! the width; float-only ops on integers, integer-only ops on floats and a scalar integer
//! `Div(0)` are errors; `Round` is half-to-even; `i64` and `u64` run on GPUs with 64-bit
//! integer shaders, `f64` on GPUs with 64-bit float shaders, its transcendental functions
//! included (the crate's own, in plain f64 arithmetic: [`Device::gpu_runs`]); casts give x86-64's (numpy's) answers on both. The CPU is
//! IEEE-754 (transcendentals within 4 ULP); the GPU follows WGSL's accuracy rules. Empty input
//! gives empty output without touching the GPU.

//!
//! ## Layout
//!
//! Each layer imports only from the layers below it (`tests/architecture.rs` checks this):
//!
//! ```text
//! lib.rs                 the face: this guide, the modules, the public names
//! calls, array,          the public functions and Array: check the inputs, lower them to
//!   asynchronous         a kernel and a call shape, hand both to Device
//! device                 policy, Device::choose (the one backend choice), Device::execute
//!                        (the one seam to the backends), the CPU retry after a GPU failure
//! calibrate              measures both backends once for the cost model
//! cpu/  gpu/             the backends; each knows the kernel description, never the other
//! expr                   the expression front end and its lowering to a kernel
//! ir/                    the kernel description: the op table (ops), the public ops (op),
//!                        the kernel program (kernel), reductions, call shapes (task)
//! error, element, math, the ground: the error type, element types and their arithmetic,
//!   alloc, cost,         the crate's own vectorizable float functions, fresh outputs, the
//!   wgsl_check           cost model and its file, naga's checks
//! ```

mod alloc;
mod array;
mod asynchronous;
mod calibrate;
mod calls;
mod cost;
mod cpu;
mod device;
mod element;
mod error;
mod evaluate;
pub mod expr;
mod gpu;
mod ir;
mod math;
pub mod parse;
#[cfg(feature = "testing")]
#[doc(hidden)]
pub mod testing;
mod wgsl_check;

pub use array::Array;
pub use asynchronous::Pending;
pub use calls::{
    cast, cast_map, count, count_async, dot, eval, eval_async, eval_cast, eval_into, map,
    map_async, map_cast, map_in_place, map_into, mask, mask_into, max, mean, min, reduce,
    reduce_async, sum, zip,
};
pub use cost::{CostModel, Costs};
pub use device::{Backend, Device};
pub use element::Element;
pub use error::{Error, Result, SyntaxKind};
pub use evaluate::evaluate;
pub use expr::{Expr, Inputs};
pub use gpu::{Stats, DEFAULT_GPU_MEMORY_LIMIT};
pub use ir::kernel::MAX_INPUTS;
pub use ir::op::{BinOp, Chain, Custom, Op};
pub use ir::reduce::Reduce;
