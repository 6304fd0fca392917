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
//! division truncates, gives 0 for a zero divisor and `MIN` for `MIN / -1`; float-only ops on
//! integers and a scalar integer `Div(0)` are errors; `Round` is half-to-even. The CPU is
//! IEEE-754 (transcendentals within 4 ULP); the GPU follows WGSL's accuracy rules. Empty input
//! gives empty output without touching the GPU.

mod alloc;
mod array;
mod asynchronous;
mod cost;
mod cpu;
mod device;
mod element;
mod error;
pub mod expr;
mod gpu;
mod kernel;
mod op;
mod reduce;
mod simd;

pub use array::Array;
pub use asynchronous::Pending;
#[doc(hidden)]
pub use cost::calibrations;
pub use cost::{CostModel, Costs};
pub use cpu::{BLOCK as CPU_BLOCK, PARALLEL_MIN as CPU_PARALLEL_MIN};
pub use device::{Backend, Device, DEFAULT_GPU_MEMORY_LIMIT, GPU_MIN_WORK};
pub use element::Element;
pub use error::{Error, Result};
pub use expr::{Expr, Inputs};
pub use gpu::Stats;
pub use kernel::MAX_INPUTS;
pub use op::{BinOp, Chain, Custom, Op};
pub use reduce::Reduce;

use kernel::Kernel;

/// Applies `op` to every element of `data` on the backend `device` chooses.
///
/// `data` is anything that views as a slice: `Vec<T>`, `&Vec<T>`, `&[T]`, `[T; N]`.
/// Errors (before any work): a float-only op on integers, an integer `Div(0)`, an integer
/// `Pow` with a negative exponent; and GPU failures on a GPU-only device.
///
/// # Examples
///
/// ```
/// use compute::{Device, Op};
/// let device = Device::auto();
/// let out = compute::map(&device, vec![1, 2, 3, 4, 5], Op::Scale(2))?;
/// assert_eq!(out, [2, 4, 6, 8, 10]);
/// assert!(compute::map(&device, vec![4, 9], Op::Sqrt).is_err()); // no silent cast
/// # Ok::<(), compute::Error>(())
/// ```
pub fn map<T: Element>(device: &Device, data: impl AsRef<[T]>, op: Op<T>) -> Result<Vec<T>> {
    let data = data.as_ref();
    let kernel = Kernel::map(&op);
    kernel.check()?;
    if data.len() <= cpu::SMALL_MAP && device.choose(&op, data.len()) == Backend::Cpu {
        return Ok(cpu::map_small(op.steps(), data));
    }
    device.run(&kernel, &[data], data.len())
}

/// Like [`map`], writing into `out` (as long as `data`) instead of a fresh vector, so a loop
/// of calls allocates nothing after the first (GPU buffers are pooled).
///
/// # Examples
///
/// ```
/// use compute::{Device, Op};
/// let mut out = vec![0.0_f32; 3];
/// compute::map_into(&Device::auto(), [1.0_f32, 4.0, 9.0], Op::Sqrt, &mut out)?;
/// assert_eq!(out, [1.0, 2.0, 3.0]);
/// # Ok::<(), compute::Error>(())
/// ```
pub fn map_into<T: Element>(
    device: &Device,
    data: impl AsRef<[T]>,
    op: Op<T>,
    out: &mut [T],
) -> Result<()> {
    let data = data.as_ref();
    let kernel = Kernel::map(&op);
    kernel.check()?;
    if data.len() != out.len() {
        return Err(Error::LengthMismatch {
            left: data.len(),
            right: out.len(),
        });
    }
    device.run_into(&kernel, &[data], out)
}

/// Applies `op` to every element of `data` in place. On an error nothing is changed.
///
/// # Examples
///
/// ```
/// use compute::{Device, Op};
/// let mut data = vec![1, -2, 3];
/// compute::map_in_place(&Device::auto(), &mut data, Op::Abs.then(Op::Scale(10)))?;
/// assert_eq!(data, [10, 20, 30]);
/// # Ok::<(), compute::Error>(())
/// ```
pub fn map_in_place<T: Element>(device: &Device, data: &mut [T], op: Op<T>) -> Result<()> {
    let kernel = Kernel::map(&op);
    kernel.check()?;
    device.run_in_place(&kernel, data)
}

/// Applies `op` to each pair `(a[i], b[i])` of two equal-length arrays.
///
/// Unequal lengths are an [`Error::LengthMismatch`] before any work starts.
///
/// # Examples
///
/// ```
/// use compute::{BinOp, Device};
/// let out = compute::zip(&Device::auto(), vec![1.0_f32, 2.0], vec![3.0, 4.0], BinOp::Add)?;
/// assert_eq!(out, [4.0, 6.0]);
/// # Ok::<(), compute::Error>(())
/// ```
pub fn zip<T: Element>(
    device: &Device,
    a: impl AsRef<[T]>,
    b: impl AsRef<[T]>,
    op: BinOp,
) -> Result<Vec<T>> {
    let (a, b) = (a.as_ref(), b.as_ref());
    if a.len() != b.len() {
        return Err(Error::LengthMismatch {
            left: a.len(),
            right: b.len(),
        });
    }
    device.run(&Kernel::zip(op), &[a, b], a.len())
}

/// Evaluates an expression of up to four arrays element by element, in one pass over memory
/// (one dispatch on the GPU): `(x() * 2.0 + y()).sqrt()` reads `a` and `b` once and writes
/// the output once, with no temporaries.
///
/// `inputs` is a tuple of one to four arrays (`(&a,)`, `(&a, &b)`, ...), or a slice, array
/// or `Vec` of them. Errors, before any work: fewer arrays than the expression names, more
/// than [`MAX_INPUTS`], unequal lengths, and the per-type op errors of [`map`].
///
/// # Examples
///
/// ```
/// use compute::expr::{x, y, z};
/// use compute::Device;
///
/// let (a, b, c) = (vec![1.0_f32, 2.0], vec![3.0_f32, 4.0], vec![0.5_f32, 0.25]);
/// let out = compute::eval(&Device::auto(), (x() * y() + z()).max(4.0), (&a, &b, &c))?;
/// assert_eq!(out, [4.0, 8.25]);
/// # Ok::<(), compute::Error>(())
/// ```
pub fn eval<T: Element>(
    device: &Device,
    expr: impl std::borrow::Borrow<Expr<T>>,
    inputs: impl Inputs<T>,
) -> Result<Vec<T>> {
    let (kernel, used, len) = expression(expr.borrow(), &inputs)?;
    device.run(&kernel, &used, len)
}

/// An expression's checked kernel, the input arrays it reads, and their common length.
type Prepared<'e, 'i, T> = (Kernel<'e, T>, Vec<&'i [T]>, usize);

/// An expression ready to run: every error about its inputs or its ops comes from here,
/// before any work.
fn expression<'e, 'i, T: Element>(
    expr: &'e Expr<T>,
    inputs: &'i impl Inputs<T>,
) -> Result<Prepared<'e, 'i, T>> {
    let (mut slices, len) = expr::gather(expr, inputs)?;
    let kernel = Kernel::expr(expr)?;
    slices.truncate(kernel.arity());
    Ok((kernel, slices, len))
}

/// Folds the values of an expression over up to four arrays into one, in the pass that
/// computes them: `reduce(&d, x().square(), (&a,), Reduce::Sum)` reads `a` once and writes
/// nothing. `None` for `Min`/`Max` of no elements; a `Sum` of none is 0. Float sums are
/// pairwise, with the error bound given in [`Reduce`]'s module notes (README, "Reductions").
///
/// # Examples
///
/// ```
/// use compute::{expr::{x, y}, Device, Reduce};
/// let (a, b) = (vec![1.0_f32, 2.0, 3.0], vec![4.0_f32, 5.0, 6.0]);
/// let device = Device::auto();
/// assert_eq!(compute::reduce(&device, x() * y(), (&a, &b), Reduce::Sum)?, Some(32.0));
/// assert_eq!(compute::reduce(&device, x() - y(), (&a, &b), Reduce::Min)?, Some(-3.0));
/// # Ok::<(), compute::Error>(())
/// ```
pub fn reduce<T: Element>(
    device: &Device,
    expr: impl std::borrow::Borrow<Expr<T>>,
    inputs: impl Inputs<T>,
    how: Reduce,
) -> Result<Option<T>> {
    let (kernel, used, len) = expression(expr.borrow(), &inputs)?;
    device.reduce(&kernel, &used, len, how)
}

/// How many elements of the expression are nonzero: numpy's `count_nonzero`, so with a
/// comparison ([`Expr::gt`](expr::Expr::gt) and its siblings) it counts where the comparison
/// holds. One pass, nothing written; exact at any length (each run of 4,096 elements is
/// counted in the element type, the runs are added in `u64`). NaN counts as nonzero (on the
/// GPU, WGSL leaves NaN comparisons unspecified). 0 for no elements.
///
/// # Examples
///
/// ```
/// use compute::expr::{x, y};
/// let device = compute::Device::auto();
/// let a = [0.5_f32, 2.0, 3.0, f32::NAN];
/// assert_eq!(compute::count(&device, x().gt(1.0), (&a,))?, 2);
/// assert_eq!(compute::count(&device, x(), ([0, 7, 0, -1],))?, 2);
/// assert_eq!(compute::count(&device, x().lt(y()), ([1, 5], [2, 2]))?, 1);
/// # Ok::<(), compute::Error>(())
/// ```
pub fn count<T: Element>(
    device: &Device,
    expr: impl std::borrow::Borrow<Expr<T>>,
    inputs: impl Inputs<T>,
) -> Result<u64> {
    let (kernel, used, len) = expression(expr.borrow(), &inputs)?;
    let partials = device.partials(&kernel.nonzero()?, &used, len, Reduce::Sum)?;
    Ok(reduce::total_count(&partials))
}

/// The sum of `data`: pairwise for floats (the sum of 10^8 ones in f32 is exactly 10^8),
/// wrapping for integers; 0 for no elements.
///
/// # Examples
///
/// ```
/// let ones = vec![1.0_f32; 1_000_000];
/// assert_eq!(compute::sum(&compute::Device::auto(), &ones)?, 1_000_000.0);
/// # Ok::<(), compute::Error>(())
/// ```
pub fn sum<T: Element>(device: &Device, data: impl AsRef<[T]>) -> Result<T> {
    let data = data.as_ref();
    let sum = device.reduce(&Kernel::Map(&[]), &[data], data.len(), Reduce::Sum)?;
    Ok(sum.unwrap_or(<T as element::sealed::Scalar>::ZERO))
}

/// The smallest element, or `None` for no elements (NaN if any element is NaN, on the CPU).
///
/// # Examples
///
/// ```
/// assert_eq!(compute::min(&compute::Device::auto(), [3, -1, 2])?, Some(-1));
/// assert_eq!(compute::min(&compute::Device::auto(), Vec::<u32>::new())?, None);
/// # Ok::<(), compute::Error>(())
/// ```
pub fn min<T: Element>(device: &Device, data: impl AsRef<[T]>) -> Result<Option<T>> {
    let data = data.as_ref();
    device.reduce(&Kernel::Map(&[]), &[data], data.len(), Reduce::Min)
}

/// The largest element, or `None` for no elements (NaN if any element is NaN, on the CPU).
///
/// # Examples
///
/// ```
/// assert_eq!(compute::max(&compute::Device::auto(), [3.5_f32, -1.0])?, Some(3.5));
/// # Ok::<(), compute::Error>(())
/// ```
pub fn max<T: Element>(device: &Device, data: impl AsRef<[T]>) -> Result<Option<T>> {
    let data = data.as_ref();
    device.reduce(&Kernel::Map(&[]), &[data], data.len(), Reduce::Max)
}

/// The mean as an `f64`, or `None` for no elements. Floats: the pairwise [`sum`] divided by
/// the count. Integers: summed exactly in `f64` on the CPU (exact while the sum's magnitude
/// stays below 2^53), as numpy returns a float mean for integer arrays.
///
/// # Examples
///
/// ```
/// assert_eq!(compute::mean(&compute::Device::auto(), [1, 2, 3, 4])?, Some(2.5));
/// assert_eq!(compute::mean(&compute::Device::auto(), Vec::<f32>::new())?, None);
/// # Ok::<(), compute::Error>(())
/// ```
pub fn mean<T: Element>(device: &Device, data: impl AsRef<[T]>) -> Result<Option<f64>> {
    let data = data.as_ref();
    if data.is_empty() {
        return Ok(None);
    }
    let total = if reduce::is_float::<T>() {
        sum(device, data)?.to_f64()
    } else {
        // integers as f64 add exactly (in any order) while the sum stays below 2^53
        use rayon::prelude::*;
        data.par_iter().map(|v| v.to_f64()).sum::<f64>()
    };
    Ok(Some(total / data.len() as f64))
}

/// The dot product `Σ a[i] * b[i]` of two equal-length arrays, in one pass.
///
/// # Examples
///
/// ```
/// assert_eq!(compute::dot(&compute::Device::auto(), [1, 2, 3], [4, 5, 6])?, 32);
/// # Ok::<(), compute::Error>(())
/// ```
pub fn dot<T: Element>(device: &Device, a: impl AsRef<[T]>, b: impl AsRef<[T]>) -> Result<T> {
    let (a, b) = (a.as_ref(), b.as_ref());
    if a.len() != b.len() {
        return Err(Error::LengthMismatch {
            left: a.len(),
            right: b.len(),
        });
    }
    let sum = device.reduce(&Kernel::zip(BinOp::Mul), &[a, b], a.len(), Reduce::Sum)?;
    Ok(sum.unwrap_or(<T as element::sealed::Scalar>::ZERO))
}

/// [`map`] without blocking: the call runs on its own thread while the caller goes on, and
/// the returned future (any executor's, or `pollster::block_on`) yields its result. `data`
/// is moved in (the thread needs to own it); the device is shared, not copied.
///
/// # Examples
///
/// ```
/// use compute::{Device, Op};
/// let device = Device::auto();
/// let pending = compute::map_async(&device, vec![1.0_f32, 4.0], Op::Sqrt);
/// let busy: f64 = (0..1_000).map(f64::from).sum(); // the CPU keeps working meanwhile
/// assert_eq!(pollster::block_on(pending)?, [1.0, 2.0]);
/// # assert!(busy > 0.0);
/// # Ok::<(), compute::Error>(())
/// ```
pub fn map_async<T: Element>(
    device: &Device,
    data: impl AsRef<[T]> + Send + 'static,
    op: Op<T>,
) -> Pending<Vec<T>> {
    let device = device.clone();
    asynchronous::spawn(move || map(&device, data, op))
}

/// [`eval`] without blocking; see [`map_async`].
pub fn eval_async<T: Element, I: Inputs<T> + Send + 'static>(
    device: &Device,
    expr: Expr<T>,
    inputs: I,
) -> Pending<Vec<T>> {
    let device = device.clone();
    asynchronous::spawn(move || eval(&device, expr, inputs))
}

/// [`reduce`] without blocking; see [`map_async`].
pub fn reduce_async<T: Element, I: Inputs<T> + Send + 'static>(
    device: &Device,
    expr: Expr<T>,
    inputs: I,
    how: Reduce,
) -> Pending<Option<T>> {
    let device = device.clone();
    asynchronous::spawn(move || reduce(&device, expr, inputs, how))
}

/// [`count`] without blocking; see [`map_async`].
///
/// # Examples
///
/// ```
/// use compute::expr::x;
/// let pending = compute::count_async(&compute::Device::auto(), x().gt(1), (vec![1, 2, 3],));
/// assert_eq!(pollster::block_on(pending)?, 2);
/// # Ok::<(), compute::Error>(())
/// ```
pub fn count_async<T: Element, I: Inputs<T> + Send + 'static>(
    device: &Device,
    expr: Expr<T>,
    inputs: I,
) -> Pending<u64> {
    let device = device.clone();
    asynchronous::spawn(move || count(&device, expr, inputs))
}
