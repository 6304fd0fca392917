"""compute over a Dask cluster: a local one of worker processes here; point ``Client`` at a
scheduler's address to spread the same code over machines.

    python python/examples/dask_cluster.py
"""

import numpy as np
import dask.array as da
from distributed import Client, LocalCluster

import compute.dask

if __name__ == "__main__":
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster):
        a = da.random.random(20_000_000, chunks=2_000_000).astype(np.float32)
        b = da.random.random(20_000_000, chunks=2_000_000).astype(np.float32)
        y = compute.dask.evaluate("where(a > 0.5, sqrt(2*a + b), -b)", a=a, b=b)  # lazy
        total = compute.dask.evaluate("sum(a * b)", a=a, b=b)  # one partial per chunk
        print("y[:4] =", y[:4].compute())
        print("sum(a * b) =", total.compute(), " (dask's own:", (a * b).sum().compute(), ")")
