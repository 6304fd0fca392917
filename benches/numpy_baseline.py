"""numpy's side of the comparison in examples/compare (benches/support/numpy.rs).

Times, on fresh outputs, what a numpy user writes for the same work:
    a * np.float32(2)          (compute: Op::Scale(2.0))
    np.sqrt(a * 2 + 1)         (compute: Op::Scale(2.0).then(Op::Add(1.0)).then(Op::Sqrt))
and prints one JSON object per size with the median seconds of each.

    python3 benches/numpy_baseline.py 10000000 100000000
"""

import json
import statistics
import sys
import time

import numpy as np


def median_seconds(f, reps):
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
        del out
    return statistics.median(times)


def main():
    sizes = [int(s) for s in sys.argv[1:]] or [10_000_000, 100_000_000]
    for n in sizes:
        a = np.random.default_rng(0).random(n, dtype=np.float32)
        reps = 15 if n <= 20_000_000 else 7
        scale = median_seconds(lambda: a * np.float32(2), reps)
        chain = median_seconds(lambda: np.sqrt(a * 2 + 1), reps)
        print(json.dumps({"n": n, "numpy": np.__version__, "scale": scale, "chain": chain}))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
