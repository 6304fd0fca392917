//! The `compute` Python package's native half: a parsed expression for one element type
//! ([`Compiled`]), run over 1-D C-contiguous numpy arrays in place, with the GIL released,
//! and the crate's [`Device`](compute::Device). numpy's rules (names, promotion, shapes,
//! `out=`) live in the Python half, `compute/__init__.py`; this half trusts nothing it is
//! given and answers every problem with a Python exception.

use compute::parse::{parse_with, Bindings, Parsed, Scalar};
use compute::{Backend, Error, Reduce, SyntaxKind};
use numpy::{
    PyArray1, PyArrayMethods, PyReadonlyArray1, PyReadwriteArray1, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::{
    PyOverflowError, PyRuntimeError, PyTypeError, PyValueError, PyZeroDivisionError,
};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt};

mod memory;

pyo3::create_exception!(
    _compute,
    ParseError,
    pyo3::exceptions::PyException,
    "A string expression the parser refuses: args are (message, kind, column)."
);

/// Runs `$body` with `$x` bound to what the variant of `$value` (a [`Stored`] or a
/// [`Typed`], named by `$enum`) holds and `$t` to its element type.
macro_rules! each {
    ($enum:ident, $value:expr, $x:ident, $t:ident => $body:expr) => {
        match $value {
            $enum::F32($x) => {
                type $t = f32;
                $body
            }
            $enum::F64($x) => {
                type $t = f64;
                $body
            }
            $enum::I32($x) => {
                type $t = i32;
                $body
            }
            $enum::U32($x) => {
                type $t = u32;
                $body
            }
            $enum::I64($x) => {
                type $t = i64;
                $body
            }
            $enum::U64($x) => {
                type $t = u64;
                $body
            }
        }
    };
}

/// Runs `$body` with `$t` the element type of `$dtype`, a name [`dtype_name`] gave.
macro_rules! by_dtype {
    ($dtype:expr, $t:ident => $body:expr) => {
        match $dtype {
            "float32" => {
                type $t = f32;
                $body
            }
            "float64" => {
                type $t = f64;
                $body
            }
            "int32" => {
                type $t = i32;
                $body
            }
            "uint32" => {
                type $t = u32;
                $body
            }
            "int64" => {
                type $t = i64;
                $body
            }
            _ => {
                type $t = u64;
                $body
            }
        }
    };
}

/// A crate error as the Python exception numpy users expect.
fn raise(e: Error) -> PyErr {
    let message = e.to_string();
    match e {
        Error::Syntax {
            kind: SyntaxKind::Literal,
            ..
        } => PyOverflowError::new_err(message),
        Error::Syntax { kind, column, .. } => {
            ParseError::new_err((message, kind_name(kind), column))
        }
        Error::LengthMismatch { .. } | Error::MissingInput { .. } | Error::TooManyInputs { .. } => {
            PyValueError::new_err(message)
        }
        // numpy's errors: "Integers to negative integer powers are not allowed." is a ValueError
        Error::NegativePower { .. } => PyValueError::new_err(message),
        Error::FloatOnly { .. }
        | Error::IntegerOnly { .. }
        | Error::Unsupported { .. }
        | Error::DeviceMismatch => PyTypeError::new_err(message),
        Error::DivisionByZero { .. } => PyZeroDivisionError::new_err(message),
        _ => PyRuntimeError::new_err(message),
    }
}

fn kind_name(kind: SyntaxKind) -> &'static str {
    match kind {
        SyntaxKind::Syntax => "syntax",
        SyntaxKind::UnknownName => "unknown_name",
        SyntaxKind::UnknownFunction => "unknown_function",
        SyntaxKind::ArgumentCount => "argument_count",
        SyntaxKind::ReductionNotOutermost => "reduction_not_outermost",
        SyntaxKind::Literal => "literal",
        SyntaxKind::Types => "types",
        SyntaxKind::TooDeep => "too_deep",
        SyntaxKind::TooManyNames => "too_many_names",
        _ => "other",
    }
}

/// The crate's `Device`: `auto` (a hardware GPU when there is one, else the CPU, chosen per
/// call), `cpu`, or `gpu` (any adapter, software ones included).
#[pyclass(name = "Device", module = "compute", frozen)]
struct PyDevice {
    inner: compute::Device,
    policy: &'static str,
}

#[pymethods]
impl PyDevice {
    /// The CPU, and a hardware GPU when there is one; each call runs where it is faster.
    #[staticmethod]
    fn auto() -> Self {
        PyDevice {
            inner: compute::Device::auto(),
            policy: "auto",
        }
    }

    /// Every CPU core, never the GPU.
    #[staticmethod]
    fn cpu() -> Self {
        PyDevice {
            inner: compute::Device::cpu(),
            policy: "cpu",
        }
    }

    /// The GPU for every call (software adapters included); `RuntimeError` when there is none.
    #[staticmethod]
    fn gpu() -> PyResult<Self> {
        Ok(PyDevice {
            inner: compute::Device::gpu().map_err(raise)?,
            policy: "gpu",
        })
    }

    /// `"auto"`, `"cpu"` or `"gpu"`.
    #[getter]
    fn policy(&self) -> &'static str {
        self.policy
    }

    /// The GPU adapter's description, or `None` when the device holds no GPU.
    #[getter]
    fn gpu_name(&self) -> Option<String> {
        self.inner.gpu_name()
    }

    /// Whether this device's GPU runs arrays of `dtype` (a numpy dtype name).
    fn gpu_runs(&self, dtype: &str) -> PyResult<bool> {
        Ok(by_dtype!(dtype_name(dtype)?, T => self.inner.gpu_runs::<T>()))
    }

    /// The GPU's transfer and dispatch counters, as a dict (all zero without a GPU).
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner.stats();
        let d = PyDict::new(py);
        d.set_item("uploads", s.uploads)?;
        d.set_item("upload_bytes", s.upload_bytes)?;
        d.set_item("downloads", s.downloads)?;
        d.set_item("download_bytes", s.download_bytes)?;
        d.set_item("dispatches", s.dispatches)?;
        d.set_item("pooled_bytes", s.pooled_bytes)?;
        d.set_item("resident_bytes", s.resident_bytes)?;
        d.set_item("pipelines", s.pipelines)?;
        Ok(d)
    }

    /// `"cpu"` or `"gpu"`: where this device runs the expression `source` over `len`
    /// elements of `dtype` (its arrays' common dtype, float64 unless given).
    #[pyo3(signature = (source, len, dtype = "float64"))]
    fn choose(&self, source: &str, len: usize, dtype: &str) -> PyResult<&'static str> {
        let none = Bindings::default();
        let dtype = dtype_name(dtype)?;
        let typed = match typed(source, dtype, &none) {
            // over integers, numpy gives floats for `/` and float functions
            Err(Error::Syntax {
                kind: SyntaxKind::Types,
                ..
            }) if !dtype.starts_with("float") => typed(source, "float64", &none),
            other => other,
        };
        let compiled = Compiled {
            typed: typed.map_err(raise)?,
            dtype,
        };
        compiled.choose(self, len)
    }

    /// Copies `array` (any shape, C-contiguous, a dtype the crate runs) to where this device
    /// computes: GPU memory when it holds a GPU that runs the dtype, host memory otherwise.
    fn upload(&self, py: Python<'_>, array: Bound<'_, PyAny>) -> PyResult<Resident> {
        let numpy = py.import("numpy")?;
        let array = numpy.call_method1("ascontiguousarray", (array,))?;
        let shape: Vec<usize> = array.getattr("shape")?.extract()?;
        let dtype: String = array.getattr("dtype")?.getattr("name")?.extract()?;
        let flat = array.call_method1("reshape", (-1,))?;
        let dtype = dtype_name(&dtype)?;
        let device = &self.inner;
        let stored = by_dtype!(dtype, T => {
            let view: PyReadonlyArray1<'_, T> = flat.extract()?;
            let data = view
                .as_slice()
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
            <T as Same>::wrap(py.detach(|| device.upload(data)).map_err(raise)?)
        });
        Ok(Resident { stored, shape })
    }

    /// Pickles as its constructor (`Device.cpu`, ...), so a Dask worker opens its own.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, ())> {
        Ok((py.get_type::<PyDevice>().getattr(self.policy)?, ()))
    }

    fn __repr__(&self) -> String {
        match self.inner.gpu_name() {
            Some(gpu) => format!("Device.{}(gpu={gpu:?})", self.policy),
            None => format!("Device.{}(cpu only)", self.policy),
        }
    }
}

/// A crate `Array` of one element type.
enum Stored {
    F32(compute::Array<f32>),
    F64(compute::Array<f64>),
    I32(compute::Array<i32>),
    U32(compute::Array<u32>),
    I64(compute::Array<i64>),
    U64(compute::Array<u64>),
}

/// An element type's place in [`Stored`] and [`Typed`].
trait Same: compute::Element {
    /// The array `stored` holds, if it is of this type.
    fn same(stored: &Stored) -> Option<&compute::Array<Self>>;
    /// An array of this type, stored.
    fn wrap(array: compute::Array<Self>) -> Stored;
    /// The parse `typed` holds, if it is of this type.
    fn parsed(typed: &Typed) -> Option<&Parsed<Self>>;
    /// A parse of this type, typed.
    fn typed(parsed: Parsed<Self>) -> Typed;
}

macro_rules! same {
    ($t:ty, $v:ident) => {
        impl Same for $t {
            fn same(stored: &Stored) -> Option<&compute::Array<$t>> {
                match stored {
                    Stored::$v(a) => Some(a),
                    _ => None,
                }
            }
            fn wrap(array: compute::Array<$t>) -> Stored {
                Stored::$v(array)
            }
            fn parsed(typed: &Typed) -> Option<&Parsed<$t>> {
                match typed {
                    Typed::$v(p) => Some(p),
                    _ => None,
                }
            }
            fn typed(parsed: Parsed<$t>) -> Typed {
                Typed::$v(parsed)
            }
        }
    };
}
same!(f32, F32);
same!(f64, F64);
same!(i32, I32);
same!(u32, U32);
same!(i64, I64);
same!(u64, U64);

/// An array kept where its device computes (GPU memory on a GPU device that runs its
/// dtype): expressions over it run there, and only `numpy.asarray(r)` reads it back.
#[pyclass(module = "compute", frozen)]
struct Resident {
    stored: Stored,
    shape: Vec<usize>,
}

impl Resident {
    fn dtype_str(&self) -> &'static str {
        match self.stored {
            Stored::F32(_) => "float32",
            Stored::F64(_) => "float64",
            Stored::I32(_) => "int32",
            Stored::U32(_) => "uint32",
            Stored::I64(_) => "int64",
            Stored::U64(_) => "uint64",
        }
    }
}

#[pymethods]
impl Resident {
    /// The shape it was uploaded with.
    #[getter]
    fn shape(&self) -> Vec<usize> {
        self.shape.clone()
    }

    /// Its numpy dtype's name.
    #[getter]
    fn dtype(&self) -> &'static str {
        self.dtype_str()
    }

    /// Whether it lives in GPU memory.
    #[getter]
    fn on_gpu(&self) -> bool {
        each!(Stored, &self.stored, a, _T => a.is_on_gpu())
    }

    fn __len__(&self) -> usize {
        self.shape.first().copied().unwrap_or(1)
    }

    /// Reads it back as a new numpy array of its shape and dtype.
    #[pyo3(signature = (dtype = None, copy = None))]
    fn __array__<'py>(
        &self,
        py: Python<'py>,
        dtype: Option<Bound<'py, PyAny>>,
        copy: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if copy == Some(false) {
            return Err(PyValueError::new_err(
                "a resident array cannot be viewed without a copy: it lives on its device",
            ));
        }
        let flat = each!(Stored, &self.stored, a, _T => {
            let values = py.detach(|| a.to_vec()).map_err(raise)?;
            numpy::PyArray1::from_vec(py, values).into_any()
        });
        let shaped = flat.call_method1("reshape", (self.shape.clone(),))?;
        match dtype {
            Some(d) => shaped.call_method1("astype", (d,)),
            None => Ok(shaped),
        }
    }

    /// An expression over this array (by the one name the expression reads that `arrays`
    /// does not give) and other resident arrays of the same device, dtype and shape, or
    /// Python scalars: a new resident array, or a Python number for a reduction; the data
    /// stays where it is. Comparisons give 0 or 1 in the dtype.
    #[pyo3(signature = (source, **arrays))]
    fn evaluate(
        slf: &Bound<'_, Self>,
        py: Python<'_>,
        source: &str,
        arrays: Option<Bound<'_, PyDict>>,
    ) -> PyResult<Py<PyAny>> {
        let me = slf.get();
        let names = compute::parse::names(source).map_err(raise)?;
        let mut given: Vec<(String, Bound<'_, PyAny>)> = Vec::new();
        if let Some(d) = &arrays {
            for (k, v) in d.iter() {
                given.push((k.extract()?, v));
            }
        }
        let unbound: Vec<&String> = names
            .iter()
            .filter(|n| !given.iter().any(|(g, _)| g == *n))
            .collect();
        if unbound.len() > 1 {
            return Err(PyValueError::new_err(format!(
                "`{}` and `{}` are both unbound: a resident array stands for one name; give the others as keywords",
                unbound[0], unbound[1]
            )));
        }
        let mut residents: Vec<(String, Bound<'_, Resident>)> = Vec::new();
        let mut scalars: Vec<(String, Bound<'_, PyAny>)> = Vec::new();
        if let Some(name) = unbound.first() {
            residents.push(((*name).clone(), slf.clone()));
        }
        for (name, v) in given {
            if !names.contains(&name) {
                continue;
            }
            match v.cast::<Resident>() {
                Ok(r) => residents.push((name, r.clone())),
                Err(_) => scalars.push((name, v)),
            }
        }
        let compiled = compile(source, me.dtype_str(), Vec::new(), scalars)
            .map_err(|e| expression_error(py, e, source))?;
        let order = compiled.names();
        let shape = me.shape.clone();
        each!(Stored, &me.stored, _mine, T => {
            let parsed = <T as Same>::parsed(&compiled.typed)
                .ok_or_else(|| PyTypeError::new_err("the expression's type is not the array's"))?;
            let mut list: Vec<&compute::Array<T>> = Vec::with_capacity(order.len());
            for name in &order {
                let (_, r) = residents
                    .iter()
                    .find(|(n, _)| n == name)
                    .ok_or_else(|| PyValueError::new_err(format!("no array for `{name}`")))?;
                let other = r.get();
                if other.shape != shape {
                    return Err(PyValueError::new_err(format!(
                        "`{name}` has shape {:?}, this array {:?}: resident arrays combine at one shape",
                        other.shape, shape
                    )));
                }
                list.push(<T as Same>::same(&other.stored).ok_or_else(|| {
                    PyTypeError::new_err(format!(
                        "`{name}` is {}, this array {}: resident arrays keep their dtype",
                        other.dtype_str(),
                        me.dtype_str()
                    ))
                })?);
            }
            match parsed.reduction() {
                None => {
                    let out = py
                        .detach(|| compute::Array::eval(parsed.expr(), &list))
                        .map_err(raise)?;
                    let stored = <T as Same>::wrap(out);
                    Ok(Py::new(py, Resident { stored, shape })?.into_any())
                }
                Some(Reduce::Sum) if parsed.is_boolean() => {
                    let n = py
                        .detach(|| compute::Array::count(parsed.expr(), &list))
                        .map_err(raise)?;
                    Ok(n.into_pyobject(py)?.into_any().unbind())
                }
                Some(how) => {
                    let v = py
                        .detach(|| compute::Array::reduce(parsed.expr(), &list, how))
                        .map_err(raise)?;
                    match v {
                        Some(v) => Ok(v.into_pyobject(py)?.into_any().unbind()),
                        None => Err(PyValueError::new_err(
                            "zero-size array to a reduction with no identity",
                        )),
                    }
                }
            }
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Resident(shape={:?}, dtype={}, on_gpu={})",
            self.shape,
            self.dtype_str(),
            self.on_gpu()
        )
    }
}

/// A parsed expression of one element type.
enum Typed {
    F32(Parsed<f32>),
    F64(Parsed<f64>),
    I32(Parsed<i32>),
    U32(Parsed<u32>),
    I64(Parsed<i64>),
    U64(Parsed<u64>),
}

/// A string expression parsed for one dtype: its names (the arrays `run` takes, in this
/// order), whether its values are booleans, and its reduction.
#[pyclass(module = "compute._compute", frozen)]
struct Compiled {
    typed: Typed,
    dtype: &'static str,
}

/// The numpy dtype names the crate runs, as `'static` strings.
fn dtype_name(dtype: &str) -> PyResult<&'static str> {
    ["float32", "float64", "int32", "uint32", "int64", "uint64"]
        .into_iter()
        .find(|d| *d == dtype)
        .ok_or_else(|| PyTypeError::new_err(format!("unsupported dtype {dtype}")))
}

/// Parses `source` for arrays of `dtype`; `booleans` names boolean arrays, `scalars` binds
/// names to Python scalars (weak, as numpy 2's).
#[pyfunction]
fn compile(
    source: &str,
    dtype: &str,
    booleans: Vec<String>,
    scalars: Vec<(String, Bound<'_, PyAny>)>,
) -> PyResult<Compiled> {
    let mut bound = Vec::with_capacity(scalars.len());
    for (name, value) in &scalars {
        let scalar = if value.is_instance_of::<PyBool>() {
            Scalar::Bool(value.extract::<bool>()?)
        } else if value.is_instance_of::<PyInt>() {
            match value.extract::<i128>() {
                Ok(i) => Scalar::Int(i),
                // past 128 bits: a float expression takes it as the nearest float, as numpy
                Err(_) if dtype.starts_with("float") => Scalar::Float(value.extract::<f64>()?),
                Err(_) => {
                    return Err(PyOverflowError::new_err(format!(
                        "Python integer `{name}` out of bounds for {dtype}"
                    )))
                }
            }
        } else if value.is_instance_of::<PyFloat>() {
            Scalar::Float(value.extract::<f64>()?)
        } else {
            return Err(PyTypeError::new_err(format!(
                "`{name}` is a {}, not a bool, int or float",
                value.get_type().name()?
            )));
        };
        bound.push((name.as_str(), scalar));
    }
    let booleans: Vec<&str> = booleans.iter().map(String::as_str).collect();
    let bindings = Bindings {
        booleans: &booleans,
        scalars: &bound,
    };
    let dtype = dtype_name(dtype)?;
    let typed = typed(source, dtype, &bindings).map_err(raise)?;
    Ok(Compiled { typed, dtype })
}

/// `source` parsed for `dtype` (one of [`dtype_name`]'s).
fn typed(source: &str, dtype: &str, bindings: &Bindings<'_>) -> Result<Typed, Error> {
    Ok(by_dtype!(dtype, T => <T as Same>::typed(parse_with::<T>(source, bindings)?)))
}

/// What `source` reads, before its dtype is known: `(names, columns, int_literals,
/// float_literals)`, the names in order of first appearance with their 1-based columns.
#[pyfunction]
fn scan(source: &str) -> PyResult<(Vec<String>, Vec<usize>, bool, bool)> {
    let scan = compute::parse::scan(source).map_err(raise)?;
    let (names, columns) = scan.names.into_iter().unzip();
    Ok((names, columns, scan.int_literals, scan.float_literals))
}

/// Read-only views of 1-D C-contiguous arrays of `T` (a `TypeError` or `ValueError` otherwise).
fn views<'py, T: numpy::Element>(
    arrays: &[Bound<'py, PyAny>],
) -> PyResult<Vec<PyReadonlyArray1<'py, T>>> {
    arrays
        .iter()
        .map(|a| {
            let view: PyReadonlyArray1<'py, T> = a.extract()?;
            view.as_slice()
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
            Ok(view)
        })
        .collect()
}

/// The slices of `views`, or one element of zero for an expression of constants alone.
fn slices<'a, T: numpy::Element + bytemuck::Pod>(
    views: &'a [PyReadonlyArray1<'_, T>],
    zero: &'a [T; 1],
) -> PyResult<Vec<&'a [T]>> {
    let mut out = Vec::with_capacity(views.len().max(1));
    for v in views {
        out.push(
            v.as_slice()
                .map_err(|e| PyValueError::new_err(e.to_string()))?,
        );
    }
    if out.is_empty() {
        out.push(&zero[..]);
    }
    Ok(out)
}

#[pymethods]
impl Compiled {
    /// The array names the expression reads, in the order `run` takes them.
    #[getter]
    fn names(&self) -> Vec<String> {
        each!(Typed, &self.typed, p, _T => p.names().to_vec())
    }

    /// Whether the values are booleans (numpy gives a `bool` array).
    #[getter]
    fn is_boolean(&self) -> bool {
        each!(Typed, &self.typed, p, _T => p.is_boolean())
    }

    /// `"sum"`, `"prod"`, `"min"`, `"max"`, or `None` for an element-wise expression.
    #[getter]
    fn reduction(&self) -> Option<&'static str> {
        let how = each!(Typed, &self.typed, p, _T => p.reduction());
        how.map(|how| match how {
            Reduce::Sum => "sum",
            Reduce::Prod => "prod",
            Reduce::Min => "min",
            Reduce::Max => "max",
        })
    }

    /// The dtype it was parsed for.
    #[getter]
    fn dtype(&self) -> &'static str {
        self.dtype
    }

    /// `"cpu"` or `"gpu"`: where `device` runs this expression over `len` elements.
    fn choose(&self, device: &PyDevice, len: usize) -> PyResult<&'static str> {
        let backend = each!(Typed, &self.typed, p, _T => device.inner.choose_eval(p.expr(), len));
        Ok(match backend.map_err(raise)? {
            Backend::Gpu => "gpu",
            _ => "cpu",
        })
    }

    /// The element-wise values over `arrays` (1-D, C-contiguous, this dtype, one per name)
    /// into `out` (1-D, C-contiguous, as long; `bool` for a boolean expression, else this
    /// dtype), with the GIL released.
    fn run_into(
        &self,
        py: Python<'_>,
        device: &PyDevice,
        arrays: Vec<Bound<'_, PyAny>>,
        out: Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let boolean = self.is_boolean();
        each!(Typed, &self.typed, p, T => {
            let views = views::<T>(&arrays)?;
            let zero = [<T as bytemuck::Zeroable>::zeroed()];
            let inputs = slices(&views, &zero)?;
            fill_out(py, &device.inner, p, &inputs, boolean, &out)
        })
    }

    /// The element-wise values over `arrays` in a fresh 1-D array, or `None` (nothing run)
    /// unless each is a 1-D, C-contiguous, aligned `numpy.ndarray` (not a subclass) of this
    /// dtype, free to read, all of one nonzero length, and the expression does not reduce:
    /// the path `evaluate` tries first for an expression whose last call took its arrays as
    /// they were, skipping the plan.
    fn run_fresh<'py>(
        &self,
        py: Python<'py>,
        device: &PyDevice,
        arrays: Vec<Bound<'py, PyAny>>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let boolean = self.is_boolean();
        each!(Typed, &self.typed, p, T => {
            if p.reduction().is_some() {
                return Ok(None);
            }
            let ndarray = py.get_type::<PyUntypedArray>();
            let mut views = Vec::with_capacity(arrays.len());
            let mut len = None;
            for a in &arrays {
                // exactly numpy's ndarray (a subclass, a masked array, goes the planned way)
                let Ok(a) = a.cast::<PyArray1<T>>() else {
                    return Ok(None);
                };
                if !(a.get_type().is(&ndarray) && a.is_c_contiguous() && a.is_aligned()) {
                    return Ok(None);
                }
                if *len.get_or_insert(a.len()) != a.len() {
                    return Ok(None);
                }
                // a borrow conflict (another thread writing into it) goes the planned way too
                let Ok(view) = a.try_readonly() else {
                    return Ok(None);
                };
                views.push(view);
            }
            let Some(len) = len.filter(|&len| len > 0) else {
                return Ok(None);
            };
            let zero = [<T as bytemuck::Zeroable>::zeroed()];
            let inputs = slices(&views, &zero)?;
            let allocate = || {
                Ok(if boolean {
                    // zeroed: a `bool` must be 0 or 1 even before the crate writes it
                    PyArray1::<bool>::zeros(py, len, false).into_any()
                } else {
                    // SAFETY: `fill_out` writes every element before the array is read, and
                    // on an error the array is dropped unread
                    unsafe { PyArray1::<T>::new(py, len, false) }.into_any()
                })
            };
            let width = if boolean { 1 } else { std::mem::size_of::<T>() };
            let out = if memory::PLAIN_BYTES.contains(&len.saturating_mul(width)) {
                memory::unadvised(py, allocate)?
            } else {
                allocate()?
            };
            fill_out(py, &device.inner, p, &inputs, boolean, &out)?;
            Ok(Some(out))
        })
    }

    /// The reduction's value over `arrays` (as `run_into`'s) as a Python number, `None` for
    /// the `min` or `max` of no elements; for a boolean expression `sum` counts exactly.
    fn run_reduce<'py>(
        &self,
        py: Python<'py>,
        device: &PyDevice,
        arrays: Vec<Bound<'py, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let device = &device.inner;
        let boolean = self.is_boolean();
        each!(Typed, &self.typed, p, T => {
            let views = views::<T>(&arrays)?;
            let zero = [<T as bytemuck::Zeroable>::zeroed()];
            let inputs = slices(&views, &zero)?;
            let how = p.reduction().ok_or_else(|| PyValueError::new_err("the expression does not reduce"))?;
            if boolean && how == Reduce::Sum {
                let n = py.detach(|| compute::count(device, p.expr(), &inputs)).map_err(raise)?;
                return Ok(n.into_pyobject(py)?.into_any().unbind());
            }
            let value = py.detach(|| compute::reduce(device, p.expr(), &inputs, how)).map_err(raise)?;
            Ok(value.into_pyobject(py)?.into_any().unbind())
        })
    }

    /// numpy's `count_nonzero` of the values over `arrays`, in one pass.
    fn count(
        &self,
        py: Python<'_>,
        device: &PyDevice,
        arrays: Vec<Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let device = &device.inner;
        each!(Typed, &self.typed, p, T => {
            let views = views::<T>(&arrays)?;
            let zero = [<T as bytemuck::Zeroable>::zeroed()];
            let inputs = slices(&views, &zero)?;
            py.detach(|| compute::count(device, p.expr(), &inputs)).map_err(raise)
        })
    }
}

/// The element-wise values of `p` over `inputs` into `out` (1-D, C-contiguous, as long;
/// `bool` for a boolean expression, else `T`), with the GIL released.
fn fill_out<T: compute::Element + numpy::Element>(
    py: Python<'_>,
    device: &compute::Device,
    p: &Parsed<T>,
    inputs: &[&[T]],
    boolean: bool,
    out: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let slots = |e: numpy::AsSliceError| PyValueError::new_err(e.to_string());
    if boolean {
        let mut out: PyReadwriteArray1<'_, bool> = out.extract()?;
        let out = out.as_slice_mut().map_err(slots)?;
        py.detach(|| compute::mask_into(device, p.expr(), inputs, out))
            .map_err(raise)
    } else {
        let mut out: PyReadwriteArray1<'_, T> = out.extract()?;
        let out = out.as_slice_mut().map_err(slots)?;
        py.detach(|| compute::eval_into(device, p.expr(), inputs, out))
            .map_err(raise)
    }
}

/// The mean of a 1-D C-contiguous array, accumulated as the crate's `mean` does (f64).
#[pyfunction]
fn mean(
    py: Python<'_>,
    device: &PyDevice,
    array: Bound<'_, PyAny>,
    dtype: &str,
) -> PyResult<Option<f64>> {
    let device = &device.inner;
    by_dtype!(dtype_name(dtype)?, T => {
        let view: PyReadonlyArray1<'_, T> = array.extract()?;
        let data = view
            .as_slice()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        py.detach(|| compute::mean(device, data)).map_err(raise)
    })
}

/// A [`ParseError`] as the package's `compute.ExpressionError` (a `SyntaxError` with the
/// column), other errors as they are.
fn expression_error(py: Python<'_>, e: PyErr, source: &str) -> PyErr {
    if !e.is_instance_of::<ParseError>(py) {
        return e;
    }
    let made = (|| -> PyResult<PyErr> {
        let args = e.value(py).getattr("args")?;
        let (message, kind, column): (String, String, usize) = args.extract()?;
        let class = py.import("compute")?.getattr("ExpressionError")?;
        Ok(PyErr::from_value(
            class.call1((message, kind, column, source))?,
        ))
    })();
    made.unwrap_or(e)
}

/// The native module.
#[pymodule]
fn _compute(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyDevice>()?;
    m.add_class::<Compiled>()?;
    m.add_class::<Resident>()?;
    m.add_function(wrap_pyfunction!(compile, m)?)?;
    m.add_function(wrap_pyfunction!(scan, m)?)?;
    m.add_function(wrap_pyfunction!(mean, m)?)?;
    m.add_function(wrap_pyfunction!(memory::new_output, m)?)?;
    m.add("ParseError", m.py().get_type::<ParseError>())?;
    m.add(
        "FUNCTIONS",
        compute::parse::FUNCTIONS
            .iter()
            .map(|(f, n)| (*f, *n))
            .collect::<Vec<_>>(),
    )?;
    m.add("MAX_INPUTS", compute::MAX_INPUTS)?;
    m.add(
        "PLAIN_BYTES",
        (memory::PLAIN_BYTES.start, memory::PLAIN_BYTES.end),
    )?;
    Ok(())
}
