//! The public calls: each checks its inputs and ops, lowers them to a kernel and a call
//! shape, and hands both to [`Device::execute`], the one seam to the backends.

use crate::asynchronous::{spawn, Pending};
use crate::cpu::fold;
use crate::device::Device;
use crate::element::{Element, Kind};
use crate::error::{Error, Result};
use crate::expr::{self, Expr, Inputs};
use crate::ir::kernel::Kernel;
use crate::ir::op::{BinOp, Op};
use crate::ir::reduce::Reduce;
use crate::ir::task::{Done, Task};

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
    fresh(device, &kernel, &[data], data.len())
}

/// numpy's `astype`: every element of `data` converted to `U`. A float rounds to the nearest
/// `U` float; an integer wraps into a narrower integer; a float truncates toward zero into an
/// integer, with x86-64's (and so numpy's) answers for NaN, ±∞ and values out of range
/// (`MIN` for `i32`/`i64`; see the README's semantics table for the unsigned types). Both
/// backends give these answers; on the GPU a cast is one kernel across the two types, run
/// where the GPU runs both ([`Device::gpu_runs`]).
///
/// # Examples
///
/// ```
/// use compute::Device;
/// let device = Device::auto();
/// let out: Vec<i32> = compute::cast(&device, [2.9_f32, -2.9, f32::NAN, 1e10])?;
/// assert_eq!(out, [2, -2, i32::MIN, i32::MIN]);
/// let wide: Vec<f64> = compute::cast(&device, [i64::MAX])?;
/// assert_eq!(wide, [9.223372036854775807e18]);
/// # Ok::<(), compute::Error>(())
/// ```
pub fn cast<T: Element, U: Element>(device: &Device, data: impl AsRef<[T]>) -> Result<Vec<U>> {
    let data = data.as_ref();
    device.convert::<T, U>(&Kernel::Map(&[]), &[data], data.len())
}

/// `data` converted to `U` (as [`cast`]), then `op` on the converted values, in one pass
/// over memory: numpy's `a.astype(np.float32) * 2`.
///
/// # Examples
///
/// ```
/// use compute::{Device, Op};
/// let out = compute::cast_map(&Device::auto(), [1_i32, 2, 3], Op::Scale(0.5_f32))?;
/// assert_eq!(out, [0.5, 1.0, 1.5]);
/// # Ok::<(), compute::Error>(())
/// ```
pub fn cast_map<T: Element, U: Element>(
    device: &Device,
    data: impl AsRef<[T]>,
    op: Op<U>,
) -> Result<Vec<U>> {
    Kernel::map(&op).check()?;
    let data = data.as_ref();
    device.cast_then::<T, U>(data.as_ref(), op.steps())
}

/// `op` on `data`, then the values converted to `U` (as [`cast`]), in one pass over memory:
/// numpy's `(a * 2.5).astype(np.int32)`.
///
/// # Examples
///
/// ```
/// use compute::{Device, Op};
/// let out: Vec<i32> = compute::map_cast(&Device::auto(), [1.0_f32, 2.0], Op::Scale(2.5))?;
/// assert_eq!(out, [2, 5]);
/// # Ok::<(), compute::Error>(())
/// ```
pub fn map_cast<T: Element, U: Element>(
    device: &Device,
    data: impl AsRef<[T]>,
    op: Op<T>,
) -> Result<Vec<U>> {
    let kernel = Kernel::map(&op);
    kernel.check()?;
    let data = data.as_ref();
    device.convert::<T, U>(&kernel, &[data], data.len())
}

/// An expression's values converted to `U` (as [`cast`]), in one pass over memory: numpy's
/// `(a * b + 0.5).astype(np.int32)`.
///
/// # Examples
///
/// ```
/// use compute::expr::{x, y};
/// let out: Vec<i32> = compute::eval_cast(&compute::Device::auto(), x() * y(), ([1.5_f32, -2.5], [3.0, 1.0]))?;
/// assert_eq!(out, [4, -2]);
/// # Ok::<(), compute::Error>(())
/// ```
pub fn eval_cast<T: Element, U: Element>(
    device: &Device,
    expr: impl std::borrow::Borrow<Expr<T>>,
    inputs: impl Inputs<T>,
) -> Result<Vec<U>> {
    let (kernel, used, len) = expression(expr.borrow(), &inputs)?;
    device.convert::<T, U>(&kernel, &used, len)
}

/// numpy's boolean array of a predicate: `true` where the expression's value is nonzero (NaN
/// is), in one pass. A comparison or `isnan` gives numpy's `a > b` or `np.isnan(a)`; count
/// where it holds with [`count`], exactly.
///
/// # Examples
///
/// ```
/// use compute::expr::x;
/// let device = compute::Device::auto();
/// let above = compute::mask(&device, x().gt(1.0), ([0.5_f32, 2.0, f32::NAN],))?;
/// assert_eq!(above, [false, true, false]);
/// assert_eq!(compute::mask(&device, x().isnan(), ([0.5_f32, f32::NAN],))?, [false, true]);
/// # Ok::<(), compute::Error>(())
/// ```
pub fn mask<T: Element>(
    device: &Device,
    expr: impl std::borrow::Borrow<Expr<T>>,
    inputs: impl Inputs<T>,
) -> Result<Vec<bool>> {
    let (kernel, used, len) = expression(expr.borrow(), &inputs)?;
    let mut out = vec![false; len];
    device.mask_into(&kernel, &used, &mut out)?;
    Ok(out)
}

/// Like [`mask`], writing into `out` (as long as the inputs): numpy's `np.greater(a, b,
/// out=m)`, with nothing allocated.
///
/// # Examples
///
/// ```
/// use compute::expr::x;
/// let mut above = [false; 3];
/// compute::mask_into(&compute::Device::auto(), x().gt(1.0), ([0.5_f32, 2.0, 3.0],), &mut above)?;
/// assert_eq!(above, [false, true, true]);
/// # Ok::<(), compute::Error>(())
/// ```
///
/// # Errors
///
/// As [`mask`]; an `out` of another length is an [`Error::LengthMismatch`] before any work.
pub fn mask_into<T: Element>(
    device: &Device,
    expr: impl std::borrow::Borrow<Expr<T>>,
    inputs: impl Inputs<T>,
    out: &mut [bool],
) -> Result<()> {
    let (kernel, used, len) = expression(expr.borrow(), &inputs)?;
    same_length(len, out.len())?;
    device.mask_into(&kernel, &used, out)
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
    let mut task = Task::Into {
        inputs: &[data],
        out,
    };
    written(device.execute(&kernel, &mut task)?)
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
    written(device.execute(&kernel, &mut Task::InPlace { data })?)
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
    let kernel = Kernel::zip(op);
    kernel.check()?;
    fresh(device, &kernel, &[a, b], a.len())
}

/// Evaluates an expression of up to four arrays element by element, in one pass over memory
/// (one dispatch on the GPU): `(x() * 2.0 + y()).sqrt()` reads `a` and `b` once and writes
/// the output once, with no temporaries.
///
/// `inputs` is a tuple of one to four arrays (`(&a,)`, `(&a, &b)`, ...), or a slice, array
/// or `Vec` of them. Errors, before any work: fewer arrays than the expression names, more
/// than [`MAX_INPUTS`](crate::MAX_INPUTS), unequal lengths, and the per-type op errors of [`map`].
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
    fresh(device, &kernel, &used, len)
}

/// Like [`eval`], writing into `out` (as long as the inputs) instead of a fresh vector:
/// numexpr's `evaluate(..., out=)`, the caller's buffer filled in one pass.
///
/// # Examples
///
/// ```
/// use compute::expr::{x, y};
/// let mut out = [0.0_f32; 2];
/// compute::eval_into(&compute::Device::auto(), x() * y() + 1.0, ([1.0_f32, 2.0], [3.0, 4.0]), &mut out)?;
/// assert_eq!(out, [4.0, 9.0]);
/// # Ok::<(), compute::Error>(())
/// ```
///
/// # Errors
///
/// As [`eval`]; an `out` of another length is an [`Error::LengthMismatch`] before any work.
pub fn eval_into<T: Element>(
    device: &Device,
    expr: impl std::borrow::Borrow<Expr<T>>,
    inputs: impl Inputs<T>,
    out: &mut [T],
) -> Result<()> {
    let (kernel, used, len) = expression(expr.borrow(), &inputs)?;
    same_length(len, out.len())?;
    written(device.execute(&kernel, &mut Task::Into { inputs: &used, out })?)
}

/// `Ok` when an output is as long as the inputs.
fn same_length(inputs: usize, out: usize) -> Result<()> {
    if inputs == out {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            left: inputs,
            right: out,
        })
    }
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
    let kernel = expr.kernel()?;
    slices.truncate(kernel.arity());
    Ok((kernel, slices, len))
}

/// Runs a checked kernel into a fresh vector.
#[inline]
fn fresh<T: Element>(
    device: &Device,
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    len: usize,
) -> Result<Vec<T>> {
    match device.execute(kernel, &mut Task::Fresh { inputs, len })? {
        Done::Values(values) => Ok(values),
        Done::Written | Done::Partials(_) => Err(mismatch()),
    }
}

/// The per-4,096 folds of a checked kernel's values.
fn partials<T: Element>(
    device: &Device,
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    len: usize,
    how: Reduce,
) -> Result<Vec<T>> {
    match device.execute(kernel, &mut Task::Partials { inputs, len, how })? {
        Done::Partials(partials) => Ok(partials),
        Done::Written | Done::Values(_) => Err(mismatch()),
    }
}

/// A checked kernel's values folded with `how`.
fn fold<T: Element>(
    device: &Device,
    kernel: &Kernel<'_, T>,
    inputs: &[&[T]],
    len: usize,
    how: Reduce,
) -> Result<Option<T>> {
    Ok(fold::finish(
        how,
        &partials(device, kernel, inputs, len, how)?,
    ))
}

/// `Ok` for a task that wrote where it was told.
fn written<T>(done: Done<T>) -> Result<()> {
    match done {
        Done::Written => Ok(()),
        Done::Values(_) | Done::Partials(_) => Err(mismatch()),
    }
}

/// A backend answered a call with another call's kind of result.
fn mismatch() -> Error {
    Error::Internal {
        what: "a backend's result does not match its call".into(),
    }
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
    fold(device, &kernel, &used, len, how)
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
    let partials = partials(device, &kernel.nonzero()?, &used, len, Reduce::Sum)?;
    Ok(fold::total_count(&partials))
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
    let sum = fold(device, &Kernel::Map(&[]), &[data], data.len(), Reduce::Sum)?;
    Ok(sum.unwrap_or(T::ZERO))
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
    fold(device, &Kernel::Map(&[]), &[data], data.len(), Reduce::Min)
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
    fold(device, &Kernel::Map(&[]), &[data], data.len(), Reduce::Max)
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
    let total = if T::KIND == Kind::Float {
        sum(device, data)?.to_f64()
    } else {
        // integers add exactly in i128 (any order, any 64-bit values), then one rounding
        use rayon::prelude::*;
        data.par_iter().map(|v| v.to_i128()).sum::<i128>() as f64
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
    let sum = fold(
        device,
        &Kernel::zip(BinOp::Mul),
        &[a, b],
        a.len(),
        Reduce::Sum,
    )?;
    Ok(sum.unwrap_or(T::ZERO))
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
    spawn(move || map(&device, data, op))
}

/// [`eval`] without blocking; see [`map_async`].
pub fn eval_async<T: Element, I: Inputs<T> + Send + 'static>(
    device: &Device,
    expr: Expr<T>,
    inputs: I,
) -> Pending<Vec<T>> {
    let device = device.clone();
    spawn(move || eval(&device, expr, inputs))
}

/// [`reduce`] without blocking; see [`map_async`].
pub fn reduce_async<T: Element, I: Inputs<T> + Send + 'static>(
    device: &Device,
    expr: Expr<T>,
    inputs: I,
    how: Reduce,
) -> Pending<Option<T>> {
    let device = device.clone();
    spawn(move || reduce(&device, expr, inputs, how))
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
    spawn(move || count(&device, expr, inputs))
}

#[cfg(test)]
mod tests {
    //! The GPU pipeline cache and buffer pool seen through the public calls.
    use crate::device::Device;
    use crate::ir::kernel::Kernel;
    use crate::ir::op::{BinOp, Op};

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
        assert_eq!(
            crate::calls::map(&device, [1.5_f32], shape(2.0)).unwrap(),
            [3.0]
        );
        assert_eq!(
            crate::calls::map(&device, [1.5_f32], shape(3.0)).unwrap(),
            [4.0]
        );
        assert_eq!(
            crate::calls::map(&device, [1.5_f32], shape(-1.0)).unwrap(),
            [0.0]
        );
        let op = shape(5.0);
        let builds = ctx.pipelines.builds(&Kernel::map(&op));
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
            let out = crate::calls::eval(&device, e, (&a, &b)).unwrap();
            assert_eq!(
                out,
                [
                    (1.0 * c - 0.5).floor().abs(),
                    (2.0 * c - 0.25).floor().abs()
                ]
            );
        }
        let e = (x() * 1.0_f32 - y()).floor().abs().floor();
        assert_eq!(ctx.pipelines.builds(&e.kernel().unwrap()), 1);
    }

    #[test]
    fn gpu_buffers_are_reused_and_bounded() {
        let Some(device) = gpu() else { return };
        let Some(ctx) = device.gpu_context() else {
            return;
        };
        let a = vec![3u32; 10_000];
        for _ in 0..50 {
            assert_eq!(
                crate::calls::zip(&device, &a, &a, BinOp::Mul).unwrap()[9_999],
                9
            );
        }
        // at most MAX_POOLED buffers, each at most twice a call's 40 KB
        assert!(
            ctx.pool.held_bytes() <= 8 * 2 * 65_536,
            "{}",
            ctx.pool.held_bytes()
        );
    }
}
