"""The package's outputs of 4 to 32 MiB come from its own numpy memory handler (the C
library's malloc without numpy's huge-page advice, `python/src/memory.rs`), set only while
an output is allocated: the user's arrays keep numpy's allocator, and ours are ordinary numpy
arrays that own, grow and free their memory. Smaller and larger outputs are numpy's."""

import gc
import threading

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
    # 32 MiB and up: fresh mappings each call, where numpy's huge-page advice pays
    huge = np.tile(a, 4)
    for data in (huge, huge[: (32 << 20) // 4 - 1]):
        out = compute.evaluate("data + 1", data=data, device=device)
        want = "default_allocator" if data.nbytes >= 32 << 20 else "compute_malloc"
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
