//! Where the package's own output arrays get their memory.
//!
//! numpy's default allocator advises the kernel to back every array of 4 MiB or more with
//! huge pages (`madvise(MADV_HUGEPAGE)`, numpy's `_set_madvise_hugepage`). How much that
//! gives depends on whether the memory is fresh:
//!
//! - From 4 up to 32 MiB, glibc's `malloc` hands an output freed by the last call back to
//!   the next one from its heap (its mmap threshold grows to the size of freed blocks up to
//!   32 MiB on 64-bit, `DEFAULT_MMAP_THRESHOLD_MAX`), so there are no page faults to save and
//!   the advice only costs: on the AVX2 VM of the README's race, 2026-12-08, f64
//!   `sqrt(a*a+b*b)` at 10^6 elements (8 MB out), alternating in one process, ran 373 µs a
//!   call into these outputs against 384 into numpy's advised ones given as `out=` (381
//!   unadvised).
//! - From 32 MiB up, every output is a fresh mapping, and huge pages cut its page faults
//!   up to 512-fold (2 MiB pages for 4 KiB ones): `2*a+b` over 10^7 f32 (40 MB out) ran 5.1 ms a call with numpy's advice
//!   against 16.5-18.0 ms without.
//!
//! So the package allocates outputs in the middle range through a NEP 49 memory handler of
//! its own, the C library's `malloc` without the advice, set only around the allocation: the
//! user's own arrays keep numpy's allocator, smaller and larger outputs too, and ours are
//! ordinary numpy arrays that own their data and free it through the handler they were made
//! with (numpy keeps it on the array). numpy advises huge pages on Linux alone; elsewhere
//! the two allocators differ in nothing that matters.

use std::ffi::{c_char, c_void};
use std::ptr::NonNull;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyCapsule, PyCapsuleMethods};

/// The outputs, by size in bytes, that get the plain handler: from the smallest numpy
/// advises huge pages for (numpy's `HUGEPAGE_THRESHOLD`) to glibc's largest reused heap
/// block (see the module's doc), less a page for the block's header and rounding.
pub const PLAIN_BYTES: std::ops::Range<usize> = (4 << 20)..((32 << 20) - 4096);

/// numpy's `PyDataMemAllocator` (`ndarraytypes.h`, NEP 49).
#[repr(C)]
struct Allocator {
    ctx: *mut c_void,
    malloc: unsafe extern "C" fn(*mut c_void, usize) -> *mut c_void,
    calloc: unsafe extern "C" fn(*mut c_void, usize, usize) -> *mut c_void,
    realloc: unsafe extern "C" fn(*mut c_void, *mut c_void, usize) -> *mut c_void,
    free: unsafe extern "C" fn(*mut c_void, *mut c_void, usize),
}

/// numpy's `PyDataMem_Handler`: a name, version 1, the allocator.
#[repr(C)]
struct Handler {
    name: [c_char; 127],
    version: u8,
    allocator: Allocator,
}

// SAFETY: the handler is immutable (numpy only reads it) and its context pointer is null
unsafe impl Sync for Handler {}

// The C library's allocator, which numpy's default one wraps too.
extern "C" {
    fn malloc(size: usize) -> *mut c_void;
    fn calloc(count: usize, size: usize) -> *mut c_void;
    fn realloc(data: *mut c_void, size: usize) -> *mut c_void;
    fn free(data: *mut c_void);
}

// Never asked for zero bytes (numpy allocates at least one), but a zero-byte request would
// be a null pointer from some C libraries, which numpy reads as out of memory.
unsafe extern "C" fn plain_malloc(_: *mut c_void, size: usize) -> *mut c_void {
    // SAFETY: the C library's malloc, any size
    unsafe { malloc(size.max(1)) }
}

unsafe extern "C" fn plain_calloc(_: *mut c_void, count: usize, size: usize) -> *mut c_void {
    // SAFETY: the C library's calloc, any sizes (it checks their product)
    unsafe { calloc(count.max(1), size.max(1)) }
}

unsafe extern "C" fn plain_realloc(_: *mut c_void, data: *mut c_void, size: usize) -> *mut c_void {
    // SAFETY: numpy passes a pointer this handler allocated, or null
    unsafe { realloc(data, size.max(1)) }
}

unsafe extern "C" fn plain_free(_: *mut c_void, data: *mut c_void, _size: usize) {
    // SAFETY: numpy passes a pointer this handler allocated, or null
    unsafe { free(data) }
}

/// `name` as a handler's NUL-padded name.
const fn handler_name(name: &[u8]) -> [c_char; 127] {
    let mut out = [0; 127];
    let mut i = 0;
    while i < name.len() && i < 126 {
        out[i] = name[i] as c_char;
        i += 1;
    }
    out
}

/// The handler, by the name `numpy._core.multiarray.get_handler_name(array)` reports for our outputs.
static HANDLER: Handler = Handler {
    name: handler_name(b"compute_malloc"),
    version: 1,
    allocator: Allocator {
        ctx: std::ptr::null_mut(),
        malloc: plain_malloc,
        calloc: plain_calloc,
        realloc: plain_realloc,
        free: plain_free,
    },
};

/// numpy's `PyDataMem_SetHandler`: sets the current context's handler (NULL: numpy's
/// default) and returns the one it replaces, a new reference, or NULL with an exception.
type SetHandler = unsafe extern "C" fn(*mut ffi::PyObject) -> *mut ffi::PyObject;

/// `PyDataMem_SetHandler`'s slot in numpy's C-API table (numpy 1.22 and later).
const SET_HANDLER_SLOT: usize = 304;

/// numpy's C feature version that added memory handlers (`NPY_1_22_API_VERSION`).
const HANDLERS_SINCE: u32 = 0x0f;

/// numpy's `PyDataMem_SetHandler`, or `None` where numpy predates memory handlers.
fn set_handler(py: Python<'_>) -> PyResult<Option<SetHandler>> {
    static SET: PyOnceLock<Option<SetHandler>> = PyOnceLock::new();
    SET.get_or_try_init(py, || {
        // SAFETY: a call into numpy's C-API table, which rust-numpy has imported
        let version = unsafe { numpy::npyffi::PY_ARRAY_API.PyArray_GetNDArrayCFeatureVersion(py) };
        if version < HANDLERS_SINCE {
            return Ok(None);
        }
        let module = py.import("numpy._core._multiarray_umath")?;
        let capsule = module.getattr("_ARRAY_API")?.cast_into::<PyCapsule>()?;
        // the table is static in numpy's extension module, which stays loaded
        let table = capsule.pointer_checked(None)?.cast::<*const c_void>();
        // SAFETY: the table has this slot from feature version 0x10, checked above, and
        // the slot holds `PyDataMem_SetHandler` with this signature
        let slot = unsafe { table.as_ptr().add(SET_HANDLER_SLOT).read() };
        Ok(Some(unsafe {
            std::mem::transmute::<*const c_void, SetHandler>(slot)
        }))
    })
    .copied()
}

/// The capsule numpy takes as a handler, made once.
fn handler_capsule(py: Python<'_>) -> PyResult<&Bound<'_, PyCapsule>> {
    static CAPSULE: PyOnceLock<Py<PyCapsule>> = PyOnceLock::new();
    CAPSULE
        .get_or_try_init(py, || {
            let handler = NonNull::from(&HANDLER).cast::<c_void>();
            // SAFETY: the handler is static, so valid as long as any capsule or array
            // refers to it, and is a `PyDataMem_Handler` as numpy's name asks
            unsafe { PyCapsule::new_with_pointer(py, handler, c"mem_handler") }.map(Bound::unbind)
        })
        .map(|capsule| capsule.bind(py))
}

/// What `make` returns, with the numpy arrays it allocates taken from the C library's
/// `malloc` without numpy's huge-page advice. The handler is set in the current context
/// for `make` alone and then set back, so nothing else sees it. Where numpy has no memory
/// handlers, or the user has set a handler of their own (one that traces allocations, say), `make`
/// runs as it is: their handler sees our outputs too.
pub fn unadvised<R>(py: Python<'_>, make: impl FnOnce() -> PyResult<R>) -> PyResult<R> {
    let Some(set) = set_handler(py)? else {
        return make();
    };
    let before = swap(py, set, handler_capsule(py)?.as_any())?;
    let restore = Restore {
        set,
        before: Some(before),
    };
    if !restore.replaced_default() {
        restore.now()?;
        return make();
    }
    let made = make();
    restore.now()?;
    made
}

/// Sets `before` back as the current context's handler: by [`Restore::now`], or when
/// dropped on the way out of a panic (rust-numpy's constructors panic where numpy returns
/// no array, out of memory), so our handler never outlives the allocation it was set for.
struct Restore<'py> {
    set: SetHandler,
    /// The handler ours replaced; `None` once set back.
    before: Option<Bound<'py, PyAny>>,
}

impl Restore<'_> {
    /// Whether ours replaced numpy's default handler (not one the user set).
    fn replaced_default(&self) -> bool {
        self.before.as_ref().is_some_and(is_numpys_default)
    }

    /// Sets the handler back, with numpy's error if it refuses.
    fn now(mut self) -> PyResult<()> {
        match self.before.take() {
            Some(before) => swap(before.py(), self.set, &before).map(drop),
            None => Ok(()),
        }
    }
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        if let Some(before) = self.before.take() {
            // unwinding already: the panic is the error to report, not this
            let _ = swap(before.py(), self.set, &before);
        }
    }
}

/// Sets `handler` as the current context's and returns the one it replaces.
fn swap<'py>(
    py: Python<'py>,
    set: SetHandler,
    handler: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: `handler` is a handler capsule (ours, or one numpy handed back)
    let before = unsafe { set(handler.as_ptr()) };
    if before.is_null() {
        return Err(PyErr::fetch(py));
    }
    // SAFETY: numpy returns the replaced handler as a new reference, owned from here
    Ok(unsafe { Bound::from_owned_ptr(py, before) })
}

/// Whether `handler` is numpy's default one, by its name.
fn is_numpys_default(handler: &Bound<'_, PyAny>) -> bool {
    let Ok(capsule) = handler.cast::<PyCapsule>() else {
        return false;
    };
    let Ok(pointer) = capsule.pointer_checked(Some(c"mem_handler")) else {
        return false;
    };
    // SAFETY: a capsule of this name holds a `PyDataMem_Handler`, which starts with its
    // name, 127 bytes NUL-padded (numpy's layout, as ours)
    let name = unsafe { &pointer.cast::<Handler>().as_ref().name };
    let bytes = name.map(|c| c as u8);
    std::ffi::CStr::from_bytes_until_nul(&bytes).is_ok_and(|name| name == c"default_allocator")
}

/// A fresh output for the planned path: numpy's `empty` (`zeros` where `zeroed`) of this
/// shape and dtype, from the package's allocator (the Python half asks for outputs whose
/// size is in [`PLAIN_BYTES`]).
#[pyfunction]
pub fn new_output<'py>(
    py: Python<'py>,
    shape: Bound<'py, PyAny>,
    dtype: Bound<'py, PyAny>,
    zeroed: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let numpy = py.import("numpy")?;
    let make = numpy.getattr(if zeroed { "zeros" } else { "empty" })?;
    unadvised(py, || make.call1((shape, dtype)))
}
