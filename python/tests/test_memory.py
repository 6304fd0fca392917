"""The package's outputs of 4 to 32 MiB come from its own numpy memory handler (the C
library's malloc without numpy's huge-page advice, `python/src/memory.rs`), set only while
an output is allocated: the user's arrays keep numpy's allocator, and ours are ordinary numpy
arrays that own, grow and free their memory. Smaller and larger outputs are numpy's."""

import ctypes
import gc
import threading
import weakref

import numpy as np
import pytest

import compute
from numpy._core.multiarray import get_handler_name

# numpy advises huge pages from 4 MiB: 2**21 float32s are 8 MiB (float32, which every GPU
# adapter has)
BIG = 1 << 21


@pytest.fixture
def a():
    return np.random.default_rng(7).random(BIG, dtype=np.float32)


def test_a_large_fresh_output_is_ours_and_the_context_keeps_numpys(device, a):
    out = compute.evaluate("sqrt(a * a + 1)", a=a, device=device)
    assert get_handler_name(out) == "compute_malloc"
    assert out.flags.owndata and out.flags.writeable and out.flags.c_contiguous
    np.testing.assert_allclose(out, np.sqrt(a * a + 1), rtol=1e-6)
    assert out.dtype == np.float32
    # nothing after the call allocates through our handler
    assert get_handler_name() == "default_allocator"
    assert get_handler_name(np.empty(BIG, np.float32)) == "default_allocator"
    assert get_handler_name(a) == "default_allocator"


def test_small_and_huge_outputs_keep_numpys_allocator(device, a):
    out = compute.evaluate("a + 1", a=a[:1000], device=device)
    assert get_handler_name(out) == "default_allocator"
    np.testing.assert_array_equal(out, a[:1000] + 1)
    # about 32 MiB and up: fresh mappings each call, where numpy's huge-page advice pays
    low, high = compute._compute.PLAIN_BYTES
    assert (low, high) == (4 << 20, (32 << 20) - 4096)
    huge = np.tile(a, 4)
    for data in (huge, huge[: high // 4], huge[: high // 4 - 1], a[: low // 4], a[: low // 4 - 1]):
        out = compute.evaluate("data + 1", data=data, device=device)
        want = "compute_malloc" if low <= data.nbytes < high else "default_allocator"
        assert get_handler_name(out) == want, data.nbytes
        np.testing.assert_array_equal(out, data + 1)


def test_planned_and_boolean_outputs_are_ours_and_right(device, a):
    grid = a.reshape(2048, 1024)
    out = compute.evaluate("grid * 2", grid=grid, device=device)
    assert get_handler_name(out) == "compute_malloc" and out.shape == grid.shape
    np.testing.assert_array_equal(out, grid * 2)
    # a bool output is zeroed (calloc) before the crate writes it
    big = np.repeat(a, 5)
    mask = compute.evaluate("big > 0.5", big=big, device=device)
    assert get_handler_name(mask) == "compute_malloc" and mask.dtype == np.bool_
    np.testing.assert_array_equal(mask, big > 0.5)
    assert get_handler_name() == "default_allocator"


def test_our_outputs_resize_in_place_and_free(a):
    out = compute.evaluate("a * 3", a=a)
    assert get_handler_name(out) == "compute_malloc"
    expected = a * 3
    out.resize(10, refcheck=False)  # realloc through our handler
    np.testing.assert_array_equal(out, expected[:10])
    out.resize(3 * BIG, refcheck=False)  # grows: numpy zeroes the new tail
    np.testing.assert_array_equal(out[:10], expected[:10])
    assert not out[-BIG:].any()
    del out
    gc.collect()


def test_each_thread_allocates_through_its_own_context(a):
    """Threads allocating numpy arrays while others run compute never get our handler."""
    names = []
    stop = threading.Event()

    def allocate():
        while not stop.is_set():
            names.append(get_handler_name(np.empty(BIG, np.float32)))

    t = threading.Thread(target=allocate)
    t.start()
    try:
        for _ in range(20):
            assert get_handler_name(compute.evaluate("a - 1", a=a)) == "compute_malloc"
    finally:
        stop.set()
        t.join()
    assert names and set(names) == {"default_allocator"}


# A memory handler of the user's own, made with ctypes as a C extension would make one: the
# C library's allocator behind Python callbacks that count their calls. Module-level, so it
# outlives every array it allocates.
_libc = ctypes.CDLL(None)
_libc.malloc.restype = _libc.calloc.restype = _libc.realloc.restype = ctypes.c_void_p
_libc.malloc.argtypes = [ctypes.c_size_t]
_libc.calloc.argtypes = [ctypes.c_size_t, ctypes.c_size_t]
_libc.realloc.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_libc.free.argtypes = [ctypes.c_void_p]
_calls = {"malloc": 0, "free": 0}


def _malloc(ctx, size):
    _calls["malloc"] += 1
    return _libc.malloc(max(size, 1))


def _calloc(ctx, count, size):
    _calls["malloc"] += 1
    return _libc.calloc(max(count, 1), max(size, 1))


def _realloc(ctx, ptr, size):
    return _libc.realloc(ptr, max(size, 1))


def _free(ctx, ptr, size):
    _calls["free"] += 1
    _libc.free(ptr)


_MALLOC = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
_CALLOC = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t)
_REALLOC = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
_FREE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)


class _Allocator(ctypes.Structure):
    """numpy's PyDataMemAllocator."""

    _fields_ = [("ctx", ctypes.c_void_p), ("malloc", _MALLOC), ("calloc", _CALLOC), ("realloc", _REALLOC), ("free", _FREE)]


class _Handler(ctypes.Structure):
    """numpy's PyDataMem_Handler."""

    _fields_ = [("name", ctypes.c_char * 127), ("version", ctypes.c_uint8), ("allocator", _Allocator)]


_callbacks = (_MALLOC(_malloc), _CALLOC(_calloc), _REALLOC(_realloc), _FREE(_free))
_handler = _Handler(b"user_tracer", 1, _Allocator(None, *_callbacks))
_CAPSULE_NAME = b"mem_handler"
_new_capsule = ctypes.pythonapi.PyCapsule_New
_new_capsule.restype = ctypes.py_object
_new_capsule.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
_user_handler = _new_capsule(ctypes.addressof(_handler), _CAPSULE_NAME, None)


def _set_handler(handler):
    """numpy's PyDataMem_SetHandler (slot 304 of its C-API table): the replaced handler."""
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype = ctypes.c_void_p
    get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    table = get_pointer(np._core._multiarray_umath._ARRAY_API, None)
    slot = ctypes.cast(table, ctypes.POINTER(ctypes.c_void_p))[304]
    return ctypes.PYFUNCTYPE(ctypes.py_object, ctypes.py_object)(slot)(handler)


def test_a_handler_the_user_set_stays_in_charge(a):
    before = _set_handler(_user_handler)
    try:
        assert get_handler_name() == "user_tracer"
        made = _calls["malloc"]
        out = compute.evaluate("a * 5", a=a)
        grid = compute.evaluate("g - 1", g=a.reshape(2048, 1024))
        names = get_handler_name(out), get_handler_name(grid)
        assert names == ("user_tracer", "user_tracer")
        assert _calls["malloc"] >= made + 2
        assert get_handler_name() == "user_tracer"
    finally:
        _set_handler(before)
    assert get_handler_name() == "default_allocator"
    right = np.array_equal(out, a * 5), np.array_equal(grid, a.reshape(2048, 1024) - 1)
    assert right == (True, True)
    freed = _calls["free"]
    del out, grid
    gc.collect()
    assert _calls["free"] >= freed + 2


def test_keyword_arrays_leave_the_callers_locals_alone():
    """With every name a keyword, evaluate does not read the caller's frame, whose locals
    snapshot (CPython before 3.13) would keep an array the caller deletes alive."""
    gone = np.ones(1000)
    watch = weakref.ref(gone)
    assert compute.evaluate("y + 1", y=np.ones(3)).tolist() == [2.0, 2.0, 2.0]
    del gone
    assert watch() is None
