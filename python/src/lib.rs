//! The `compute` Python package's native half: a parsed expression for one element type
//! ([`Compiled`]), run over 1-D C-contiguous numpy arrays in place, with the GIL released,
//! and the crate's [`Device`](compute::Device). numpy's rules (names, promotion, shapes,
//! `out=`) live in the Python half, `compute/__init__.py`; this half trusts nothing it is
//! given and answers every problem with a Python exception.

use compute::parse::{parse_with, Bindings, Parsed, Scalar};
use compute::{Backend, Error, Reduce, SyntaxKind};
use numpy::{PyReadonlyArray1, PyReadwriteArray1};
use pyo3::exceptions::{
    PyOverflowError, PyRuntimeError, PyTypeError, PyValueError, PyZeroDivisionError,
};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt};

pyo3::create_exception!(
    _compute,
    ParseError,
    pyo3::exceptions::PyException,
    "A string expression the parser refuses: args are (message, kind, column)."
);

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
        Error::FloatOnly { .. }
        | Error::IntegerOnly { .. }
        | Error::NegativePower { .. }
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
        Ok(match dtype {
            "float32" => self.inner.gpu_runs::<f32>(),
            "float64" => self.inner.gpu_runs::<f64>(),
            "int32" => self.inner.gpu_runs::<i32>(),
            "uint32" => self.inner.gpu_runs::<u32>(),
            "int64" => self.inner.gpu_runs::<i64>(),
            "uint64" => self.inner.gpu_runs::<u64>(),
            other => return Err(PyTypeError::new_err(format!("unsupported dtype {other}"))),
        })
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

    fn __repr__(&self) -> String {
        match self.inner.gpu_name() {
            Some(gpu) => format!("Device.{}(gpu={gpu:?})", self.policy),
            None => format!("Device.{}(cpu only)", self.policy),
        }
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

/// Runs `$body` with `$p` bound to the typed parse and `$t` to its element type.
macro_rules! each {
    ($typed:expr, $p:ident, $t:ident => $body:expr) => {
        match $typed {
            Typed::F32($p) => {
                type $t = f32;
                $body
            }
            Typed::F64($p) => {
                type $t = f64;
                $body
            }
            Typed::I32($p) => {
                type $t = i32;
                $body
            }
            Typed::U32($p) => {
                type $t = u32;
                $body
            }
            Typed::I64($p) => {
                type $t = i64;
                $body
            }
            Typed::U64($p) => {
                type $t = u64;
                $body
            }
        }
    };
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
            Scalar::Int(value.extract::<i128>().map_err(|_| {
                PyOverflowError::new_err(format!("the integer `{name}` is past 128 bits"))
            })?)
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
    Ok(match dtype {
        "float32" => Typed::F32(parse_with(source, bindings)?),
        "float64" => Typed::F64(parse_with(source, bindings)?),
        "int32" => Typed::I32(parse_with(source, bindings)?),
        "uint32" => Typed::U32(parse_with(source, bindings)?),
        "int64" => Typed::I64(parse_with(source, bindings)?),
        _ => Typed::U64(parse_with(source, bindings)?),
    })
}

/// The names `source` reads, in order of first appearance (functions and `True`/`False`
/// left out): what the caller looks up before it knows the dtype.
#[pyfunction]
fn names(source: &str) -> PyResult<Vec<String>> {
    compute::parse::names(source).map_err(raise)
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
        each!(&self.typed, p, _T => p.names().to_vec())
    }

    /// Whether the values are booleans (numpy gives a `bool` array).
    #[getter]
    fn is_boolean(&self) -> bool {
        each!(&self.typed, p, _T => p.is_boolean())
    }

    /// `"sum"`, `"prod"`, `"min"`, `"max"`, or `None` for an element-wise expression.
    #[getter]
    fn reduction(&self) -> Option<&'static str> {
        let how = each!(&self.typed, p, _T => p.reduction());
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
        let backend = each!(&self.typed, p, _T => device.inner.choose_eval(p.expr(), len));
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
        let device = &device.inner;
        let boolean = self.is_boolean();
        each!(&self.typed, p, T => {
            let views = views::<T>(&arrays)?;
            let zero = [<T as bytemuck::Zeroable>::zeroed()];
            let inputs = slices(&views, &zero)?;
            if boolean {
                let mut out: PyReadwriteArray1<'_, bool> = out.extract()?;
                let out = out.as_slice_mut().map_err(|e| PyValueError::new_err(e.to_string()))?;
                py.detach(|| compute::mask_into(device, p.expr(), &inputs, out)).map_err(raise)
            } else {
                let mut out: PyReadwriteArray1<'_, T> = out.extract()?;
                let out = out.as_slice_mut().map_err(|e| PyValueError::new_err(e.to_string()))?;
                py.detach(|| compute::eval_into(device, p.expr(), &inputs, out)).map_err(raise)
            }
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
        each!(&self.typed, p, T => {
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
        each!(&self.typed, p, T => {
            let views = views::<T>(&arrays)?;
            let zero = [<T as bytemuck::Zeroable>::zeroed()];
            let inputs = slices(&views, &zero)?;
            py.detach(|| compute::count(device, p.expr(), &inputs)).map_err(raise)
        })
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
    macro_rules! go {
        ($t:ty) => {{
            let view: PyReadonlyArray1<'_, $t> = array.extract()?;
            let data = view
                .as_slice()
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
            py.detach(|| compute::mean(device, data)).map_err(raise)
        }};
    }
    match dtype_name(dtype)? {
        "float32" => go!(f32),
        "float64" => go!(f64),
        "int32" => go!(i32),
        "uint32" => go!(u32),
        "int64" => go!(i64),
        _ => go!(u64),
    }
}

/// The native module.
#[pymodule]
fn _compute(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyDevice>()?;
    m.add_class::<Compiled>()?;
    m.add_function(wrap_pyfunction!(compile, m)?)?;
    m.add_function(wrap_pyfunction!(names, m)?)?;
    m.add_function(wrap_pyfunction!(mean, m)?)?;
    m.add("ParseError", m.py().get_type::<ParseError>())?;
    m.add(
        "FUNCTIONS",
        compute::parse::FUNCTIONS
            .iter()
            .map(|(f, n)| (*f, *n))
            .collect::<Vec<_>>(),
    )?;
    m.add("MAX_INPUTS", compute::MAX_INPUTS)?;
    Ok(())
}
