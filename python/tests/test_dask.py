"""compute.dask on a distributed.LocalCluster of worker processes: element-wise expressions
chunk by chunk, reductions as per-chunk partials and Dask's tree reduction."""

import os

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import compute
import compute.dask

pytestmark = pytest.mark.filterwarnings("ignore:Sending large graph")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        yield client


def test_the_work_runs_in_worker_processes(client):
    pids = set(client.run(os.getpid).values())
    assert len(pids) == 2 and os.getpid() not in pids
    # the workers import the same package
    versions = client.run(lambda: compute.__file__)
    assert len(set(versions.values())) == 1


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_elementwise_matches_numpy_chunk_by_chunk(client, dtype):
    rng = np.random.default_rng(3)
    n = 1_000_003
    a = (rng.random(n) * 100).astype(dtype)
    b = (rng.random(n) * 100 + 1).astype(dtype)
    A = da.from_array(a, chunks=100_000)
    B = da.from_array(b, chunks=300_001)  # chunks that do not line up with A's
    if dtype == "int64":
        ex, want = "where(a > b, a * 3 + 1, b // 7)", np.where(a > b, a * 3 + 1, b // 7)
    else:
        ex, want = "where(a > 50, sqrt(2*a + b), -b)", np.where(a > 50, np.sqrt(2 * a + b), -b)
    lazy = compute.dask.evaluate(ex, a=A, b=B, device=compute.Device.cpu())  # pickled to the workers
    assert isinstance(lazy, da.Array) and lazy.dtype == want.dtype
    got = lazy.compute()
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=4 * np.finfo(np.float32).eps if dtype == "float32" else 1e-15)


def test_reductions_are_partials_then_dasks_tree(client):
    rng = np.random.default_rng(4)
    a = rng.random(2_000_001).astype(np.float32)
    b = rng.random(2_000_001).astype(np.float32)
    A, B = da.from_array(a, chunks=250_000), da.from_array(b, chunks=250_000)
    total = compute.dask.evaluate("sum(a * b)", a=A, b=B)
    graph = dict(total.__dask_graph__())
    assert len(graph) > A.npartitions  # per-chunk partials, then a tree on top
    got = total.compute()
    want = np.sum(a.astype(np.float64) * b)
    assert got.dtype == np.float32
    assert abs(float(got) - want) <= 1e-5 * want
    assert compute.dask.evaluate("max(a - b)", a=A, b=B).compute() == np.max(a - b)
    assert compute.dask.evaluate("min(a - b)", a=A, b=B).compute() == np.min(a - b)
    assert compute.dask.evaluate("sum(a > 0.5)", a=A).compute() == np.count_nonzero(a > 0.5)
    ints = np.arange(1_000_000, dtype=np.int32)
    s = compute.dask.evaluate("sum(i)", i=da.from_array(ints, chunks=100_000)).compute()
    assert s == np.sum(ints) and s.dtype == np.int64  # numpy's sum widens int32


def test_numpy_arrays_and_scalars_mix_with_dask_arrays(client):
    a = np.linspace(0, 1, 10_001, dtype=np.float32)
    k = 3
    got = compute.dask.evaluate("a * k + c", a=da.from_array(a, chunks=1000), c=a).compute()
    np.testing.assert_array_equal(got, a * k + a)
    assert got.dtype == np.float32  # k is a weak Python scalar


def test_errors_come_before_any_work(client):
    A = da.ones(10, chunks=5)
    with pytest.raises(compute.ExpressionError):
        compute.dask.evaluate("a +", a=A)
    with pytest.raises(NameError):
        compute.dask.evaluate("a + nowhere_defined", a=A)
