//! [`Array`]: data kept where a [`Device`] computes on it. On a GPU device it lives in GPU
//! memory, and chains of ops, expressions and reductions on it run there with no transfer
//! until [`Array::to_vec`]; on a CPU device it is a plain host buffer, so the same code runs
//! on both.

use crate::cpu::fold;
use crate::device::{Device, Stored, StoredDone};
use crate::element::Element;
use crate::error::{Error, Result};
use crate::expr::{self, Expr};
use crate::ir::kernel::Kernel;
use crate::ir::op::{BinOp, Op};
use crate::ir::reduce::Reduce;

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
    store: Stored<T>,
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
        Ok(Array {
            device: self.clone(),
            store: self.store(data.as_ref())?,
        })
    }
}

impl<T: Element> Array<T> {
    /// Elements held.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Whether it holds no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the elements live in GPU memory.
    pub fn is_on_gpu(&self) -> bool {
        matches!(self.store, Stored::Gpu(_))
    }

    /// The device the array belongs to.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The elements, copied to the host (one download for a GPU array).
    pub fn to_vec(&self) -> Result<Vec<T>> {
        self.store.to_vec()
    }

    /// The elements converted to `U` (numpy's `a.astype(U)`, with [`crate::cast`]'s
    /// answers), into a new array on the same device. A GPU array whose GPU runs `U` is
    /// converted there, GPU memory to GPU memory, by one kernel; otherwise through the host
    /// (one download and, where the GPU runs `U`, one upload).
    ///
    /// # Examples
    ///
    /// ```
    /// let device = compute::Device::auto();
    /// let counts = device.upload([3_i64, -1, 1 << 40])?;
    /// let halves = counts.cast::<f32>()?.map(compute::Op::Scale(0.5))?;
    /// assert_eq!(halves.to_vec()?, [1.5, -0.5, 549_755_813_888.0]);
    /// # Ok::<(), compute::Error>(())
    /// ```
    pub fn cast<U: Element>(&self) -> Result<Array<U>> {
        Ok(Array {
            device: self.device.clone(),
            store: self.device.cast_stored(&self.store)?,
        })
    }

    /// `op` on every element, into a new array on the same device.
    pub fn map(&self, op: Op<T>) -> Result<Array<T>> {
        let kernel = Kernel::map(&op);
        kernel.check()?;
        self.run(&kernel, &[self])
    }

    /// `op` on each pair of elements of `self` and `other` (same device, same length).
    pub fn zip(&self, other: &Array<T>, op: BinOp) -> Result<Array<T>> {
        let kernel = Kernel::zip(op);
        kernel.check()?;
        self.run(&kernel, &[self, other])
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
        let kernel = expr.kernel()?;
        first.same_device_and_length(arrays)?;
        first.run(&kernel, &arrays[..kernel.arity()])
    }

    /// An expression over arrays of one device folded with `how`, in one pass.
    pub fn reduce(
        expr: impl std::borrow::Borrow<Expr<T>>,
        arrays: &[&Array<T>],
        how: Reduce,
    ) -> Result<Option<T>> {
        let expr = expr.borrow();
        let first = check_arrays(expr, arrays)?;
        let kernel = expr.kernel()?;
        first.same_device_and_length(arrays)?;
        first.fold(&kernel, &arrays[..kernel.arity()], how)
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
        let kernel = expr.kernel()?;
        first.same_device_and_length(arrays)?;
        let partials =
            first.partials(&kernel.nonzero()?, &arrays[..kernel.arity()], Reduce::Sum)?;
        Ok(fold::total_count(&partials))
    }

    /// The sum of the elements (pairwise for floats; 0 when empty).
    pub fn sum(&self) -> Result<T> {
        let sum = self.fold(&Kernel::Map(&[]), &[self], Reduce::Sum)?;
        Ok(sum.unwrap_or(T::ZERO))
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
        match self.execute(kernel, arrays, None)? {
            StoredDone::Array(store) => Ok(Array {
                device: self.device.clone(),
                store,
            }),
            StoredDone::Partials(_) => Err(mismatch()),
        }
    }

    fn fold(&self, kernel: &Kernel<'_, T>, arrays: &[&Array<T>], how: Reduce) -> Result<Option<T>> {
        Ok(fold::finish(how, &self.partials(kernel, arrays, how)?))
    }

    /// Each run of 4,096 elements folded where the arrays live.
    fn partials(
        &self,
        kernel: &Kernel<'_, T>,
        arrays: &[&Array<T>],
        how: Reduce,
    ) -> Result<Vec<T>> {
        match self.execute(kernel, arrays, Some(how))? {
            StoredDone::Partials(partials) => Ok(partials),
            StoredDone::Array(_) => Err(mismatch()),
        }
    }

    /// Hands the call to the device, which runs it where the arrays live.
    fn execute(
        &self,
        kernel: &Kernel<'_, T>,
        arrays: &[&Array<T>],
        how: Option<Reduce>,
    ) -> Result<StoredDone<T>> {
        let len = self.same_device_and_length(arrays)?;
        let stores: Vec<&Stored<T>> = arrays.iter().map(|a| &a.store).collect();
        self.device.execute_stored(kernel, &stores, len, how)
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

/// The device answered with another call's kind of result.
fn mismatch() -> Error {
    Error::Internal {
        what: "a device's result does not match its array call".into(),
    }
}

/// The arrays an expression reads: as many as it names, at least one, at most four (the
/// rule of [`eval`](crate::eval), see `expr::check_count`).
fn check_arrays<'a, T: Element>(expr: &Expr<T>, arrays: &[&'a Array<T>]) -> Result<&'a Array<T>> {
    expr::check_count(expr, arrays.len())?;
    arrays
        .first()
        .copied()
        .ok_or(Error::MissingInput { index: 0, given: 0 })
}
