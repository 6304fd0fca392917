"""The GIL is released while compute works, so other Python threads run meanwhile; the
async forms return concurrent.futures.Future objects."""

import concurrent.futures
import threading
import time

import numpy as np

import compute


def _python_ticks_during(call):
    """How many times a pure-Python thread ticked while ``call`` ran in this thread."""
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())

    t = threading.Thread(target=ticker)
    t.start()
    time.sleep(0.05)  # the ticker is running
    start = time.perf_counter()
    call()
    end = time.perf_counter()
    stop.set()
    t.join()
    return sum(start < s < end for s in ticks), end - start


def test_the_gil_is_released_while_the_crate_works():
    a = np.random.default_rng(0).random(4_000_000).astype(np.float64)
    dev = compute.Device.cpu()

    def work():
        for _ in range(3):
            compute.evaluate("sqrt(exp(a) + log1p(a)) * arctan2(a, a + 1)", a=a, device=dev)

    ticks, seconds = _python_ticks_during(work)
    assert seconds > 0.05, "the work was too short to tell"
    # with the GIL held, the ticker could not run one bytecode during the call; released,
    # it runs thousands of iterations (a CPython switch interval is 5 ms)
    assert ticks > 1000, f"only {ticks} ticks in {seconds:.3f} s: the GIL was held"

    # the check can fail: one C call that keeps the GIL (sorting a list) starves the ticker
    floats = a[:2_000_000].tolist()
    held, held_seconds = _python_ticks_during(lambda: sorted(floats))
    assert held / held_seconds < ticks / seconds / 10, (held, held_seconds, ticks, seconds)


def test_threads_run_evaluate_concurrently_and_agree():
    rng = np.random.default_rng(1)
    arrays = [rng.random(200_001).astype(np.float32) for _ in range(8)]
    want = [np.sqrt(2 * a + 1) for a in arrays]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda a: compute.evaluate("sqrt(2*a + 1)", a=a), arrays))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=2e-7)


def test_evaluate_async_returns_a_future():
    a = np.arange(1_000_000, dtype=np.float64)
    fut = compute.evaluate_async("a * 2 + 1")
    assert isinstance(fut, concurrent.futures.Future)
    np.testing.assert_array_equal(fut.result(timeout=60), a * 2 + 1)
    total = compute.evaluate_async("sum(a)")
    assert total.result(timeout=60) == np.sum(a)
    bad = compute.evaluate_async("a // 0")  # integer division by a zero scalar on floats is fine
    assert np.isnan(bad.result(timeout=60)[0])
