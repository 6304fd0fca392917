//! [`Array`]: data kept where a [`Device`] computes on it. On a GPU device it lives in GPU
//! memory, and chains of ops, expressions and reductions on it run there with no transfer
//! until [`Array::to_vec`]; on a CPU device it is a plain host buffer, so the same code runs
//! on both.

use crate::device::Device;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::gpu::Resident;
use crate::kernel::Kernel;
use crate::op::{BinOp, Op};
use crate::reduce::Reduce;

/// Elements kept on a [`Device`]: made by [`Device::upload`], read with [`Array::to_vec`].
/// Dropping it frees its memory.
///
/// # Examples
///
/// ```
/// use compute::{Device, Op};
/// let device = Device::auto();
/// let a = device.upload(vec![1.0_f32, 2.0, 3.0])?;
/// let b = a.map(Op::Scale(2.0))?.map(Op::Add(1.0))?; // stays on the device
/// assert_eq!(b.to_vec()?, [3.0, 5.0, 7.0]);
/// assert_eq!(b.sum()?, 15.0);
/// # Ok::<(), compute::Error>(())
/// ```
#[derive(Debug)]
pub struct Array<T: Element> {
    device: Device,
    store: Store<T>,
}

#[derive(Debug)]
enum Store<T: Element> {
    Host(Vec<T>),
    Gpu(Resident<T>),
}

impl Device {
    /// Copies `data` to where this device computes: GPU memory when it holds a GPU that runs
    /// `T`, host memory otherwise. `Err` when the GPU cannot hold it (past the adapter's
    /// largest buffer, out of memory).
    ///
    /// # Examples
    ///
    /// ```
    /// let a = compute::Device::cpu().upload([1, 2, 3])?;
    /// assert!(!a.is_on_gpu());
    /// assert_eq!(a.len(), 3);
    /// # Ok::<(), compute::Error>(())
    /// ```
    pub fn upload<T: Element>(&self, data: impl AsRef<[T]>) -> Result<Array<T>> {
        let data = data.as_ref();
        let store = match self.resident_context::<T>() {
            Some(ctx) => Store::Gpu(Resident::upload(ctx, data)?),
            None => Store::Host(data.to_vec()),
        };
        Ok(Array {
            device: self.clone(),
            store,
        })
    }
}

impl<T: Element> Array<T> {
    /// Elements held.
    pub fn len(&self) -> usize {
        match &self.store {
            Store::Host(v) => v.len(),
            Store::Gpu(r) => r.len(),
        }
    }

    /// Whether it holds no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the elements live in GPU memory.
    pub fn is_on_gpu(&self) -> bool {
        matches!(self.store, Store::Gpu(_))
    }

    /// The device the array belongs to.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The elements, copied to the host (one download for a GPU array).
    pub fn to_vec(&self) -> Result<Vec<T>> {
        match &self.store {
            Store::Host(v) => Ok(v.clone()),
            Store::Gpu(r) => r.to_vec(),
        }
    }

    /// `op` on every element, into a new array on the same device.
    pub fn map(&self, op: Op<T>) -> Result<Array<T>> {
        let kernel = Kernel::map(&op);
        kernel.check()?;
        self.run(&kernel, &[self])
    }

    /// `op` on each pair of elements of `self` and `other` (same device, same length).
    pub fn zip(&self, other: &Array<T>, op: BinOp) -> Result<Array<T>> {
        self.run(&Kernel::zip(op), &[self, other])
    }

    /// An expression over up to four arrays of this device, into a new array.
    ///
    /// # Examples
    ///
    /// ```
    /// use compute::expr::{x, y};
    /// let device = compute::Device::auto();
    /// let (a, b) = (device.upload([1.0_f32, 4.0])?, device.upload([2.0_f32, 1.0])?);
    /// let out = compute::Array::eval((x() * 2.0 + y()).sqrt(), &[&a, &b])?;
    /// assert_eq!(out.to_vec()?, [2.0, 3.0]);
    /// # Ok::<(), compute::Error>(())
    /// ```
    pub fn eval(expr: impl std::borrow::Borrow<Expr<T>>, arrays: &[&Array<T>]) -> Result<Array<T>> {
        let expr = expr.borrow();
        let first = check_arrays(expr, arrays)?;
        let kernel = Kernel::expr(expr)?;
        first.run(&kernel, arrays)
    }

    /// An expression over arrays of one device folded with `how`, in one pass.
    pub fn reduce(
        expr: impl std::borrow::Borrow<Expr<T>>,
        arrays: &[&Array<T>],
        how: Reduce,
    ) -> Result<Option<T>> {
        let expr = expr.borrow();
        let first = check_arrays(expr, arrays)?;
        let kernel = Kernel::expr(expr)?;
        first.fold(&kernel, arrays, how)
    }

    /// How many elements of `expr` over resident `arrays` are nonzero ([`count`](crate::count)
    /// for arrays): one pass where the arrays live, only the per-workgroup counts come back.
    ///
    /// # Examples
    ///
    /// ```
    /// use compute::{expr::x, Array, Device};
    /// let device = Device::cpu();
    /// let a = device.upload(vec![1, 5, 9, 2])?;
    /// assert_eq!(Array::count(x().ge(5), &[&a])?, 2);
    /// # Ok::<(), compute::Error>(())
    /// ```
    pub fn count(expr: impl std::borrow::Borrow<Expr<T>>, arrays: &[&Array<T>]) -> Result<u64> {
        let expr = expr.borrow();
        let first = check_arrays(expr, arrays)?;
        let kernel = Kernel::expr(expr)?;
        let partials = first.partials(&kernel.nonzero()?, arrays, Reduce::Sum)?;
        Ok(crate::reduce::total_count(&partials))
    }

    /// The sum of the elements (pairwise for floats; 0 when empty).
    pub fn sum(&self) -> Result<T> {
        let sum = self.fold(&Kernel::Map(&[]), &[self], Reduce::Sum)?;
        Ok(sum.unwrap_or(<T as crate::element::sealed::Scalar>::ZERO))
    }

    /// The smallest element, or `None` when empty.
    pub fn min(&self) -> Result<Option<T>> {
        self.fold(&Kernel::Map(&[]), &[self], Reduce::Min)
    }

    /// The largest element, or `None` when empty.
    pub fn max(&self) -> Result<Option<T>> {
        self.fold(&Kernel::Map(&[]), &[self], Reduce::Max)
    }

    /// Runs a checked kernel over `arrays` (which must share `self`'s device and length).
    fn run(&self, kernel: &Kernel<'_, T>, arrays: &[&Array<T>]) -> Result<Array<T>> {
        let len = self.same_device_and_length(arrays)?;
        let store = match &self.store {
            Store::Host(_) => {
                let slices = host_slices(arrays)?;
                Store::Host(crate::cpu::run(kernel, &slices, len))
            }
            Store::Gpu(r) => {
                let residents = gpu_residents(arrays)?;
                Store::Gpu(crate::gpu::resident_run(
                    r.context(),
                    kernel,
                    &residents,
                    len,
                )?)
            }
        };
        Ok(Array {
            device: self.device.clone(),
            store,
        })
    }

    fn fold(&self, kernel: &Kernel<'_, T>, arrays: &[&Array<T>], how: Reduce) -> Result<Option<T>> {
        Ok(how.finish(&self.partials(kernel, arrays, how)?))
    }

    /// Each run of 4,096 elements folded where the arrays live (see [`Reduce::finish`]).
    fn partials(
        &self,
        kernel: &Kernel<'_, T>,
        arrays: &[&Array<T>],
        how: Reduce,
    ) -> Result<Vec<T>> {
        let len = self.same_device_and_length(arrays)?;
        match &self.store {
            Store::Host(_) => crate::cpu::partials(kernel, &host_slices(arrays)?, len, how),
            Store::Gpu(r) => crate::gpu::resident_partials(
                r.context(),
                kernel,
                &gpu_residents(arrays)?,
                len,
                how,
            ),
        }
    }

    fn same_device_and_length(&self, arrays: &[&Array<T>]) -> Result<usize> {
        let len = self.len();
        for other in arrays {
            if !other.device.same_as(&self.device) {
                return Err(Error::DeviceMismatch);
            }
            if other.len() != len {
                return Err(Error::LengthMismatch {
                    left: len,
                    right: other.len(),
                });
            }
        }
        Ok(len)
    }
}

/// The arrays an expression reads: as many as it names, at least one, at most four.
fn check_arrays<'a, T: Element>(expr: &Expr<T>, arrays: &[&'a Array<T>]) -> Result<&'a Array<T>> {
    let named = expr.inputs_named();
    if named > crate::MAX_INPUTS || arrays.len() > crate::MAX_INPUTS {
        return Err(Error::TooManyInputs {
            given: arrays.len().max(named),
            max: crate::MAX_INPUTS,
        });
    }
    match arrays.first() {
        Some(first) if arrays.len() >= named => Ok(first),
        _ => Err(Error::MissingInput {
            index: named.max(1) - 1,
            given: arrays.len(),
        }),
    }
}

fn host_slices<'a, T: Element>(arrays: &[&'a Array<T>]) -> Result<Vec<&'a [T]>> {
    arrays
        .iter()
        .map(|a| match &a.store {
            Store::Host(v) => Ok(v.as_slice()),
            Store::Gpu(_) => Err(Error::DeviceMismatch),
        })
        .collect()
}

fn gpu_residents<'a, T: Element>(arrays: &[&'a Array<T>]) -> Result<Vec<&'a Resident<T>>> {
    arrays
        .iter()
        .map(|a| match &a.store {
            Store::Gpu(r) => Ok(r),
            Store::Host(_) => Err(Error::DeviceMismatch),
        })
        .collect()
}
