"""Race the Python package against numpy, numexpr (all threads) and numba `prange` on the
same expressions, in one run: `compute.evaluate(ex)` with the expression string, as a
numexpr user writes it.

Each library runs in a process of its own (numba's OpenMP threads and numexpr's pool must
not spin against each other or against rayon's), one after another, for every round; the
report takes each median over the rounds. Every call makes a fresh output, as
`numexpr.evaluate` and numpy do.

Before timing a row at a size, each library calls it for `--warm` seconds (0.3 by default; at
least once, which compiles numba's form). On the dev VM every library's first few hundred
calls of a 10^6 row in a fresh process run slower than the rest (numba's `where` 140 -> 84 us
a call over its first 300 calls, compute's 189 -> 97), so one warm-up call would time the
start-up rather than the loop a user runs; `--warm 0` times that start-up instead.

    pip install python/                      # or PYTHONPATH=python with the built module
    python3 benches/python_race.py                         # every row, 1e5..1e8
    python3 benches/python_race.py --sizes 1e6,1e7 --rounds 3 --markdown

Ratios are compute's speed over the fastest peer's: above 1 means compute is faster. The
last table is the per-call overhead: a 1,000-element `evaluate` of a cached expression.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

# the same repetitions and warm-up as the crate's race (this folder is on sys.path)
from race import median_seconds

# name: (expression, dtype); numpy's and numba's forms below
ROWS = {
    "2*a+b f32": ("2*a + b", "float32"),
    "where f32": ("where(a > 0.5, a, -b)", "float32"),
    "sqrt(a*a+b*b) f64": ("sqrt(a*a + b*b)", "float64"),
    "exp(a)*sin(b) f32": ("exp(a) * sin(b)", "float32"),
    "arctan2 f32": ("arctan2(a, b)", "float32"),
    "a*3+1 i64": ("a*3 + 1", "int64"),
    "sum(a*b) f32": ("sum(a * b)", "float32"),
    "count a>0.5 f32": ("sum(a > 0.5)", "float32"),
}
# numexpr has no sum of booleans: its count is a sum of ones
NUMEXPR_FORMS = {"count a>0.5 f32": "sum(where(a > 0.5, 1, 0))"}
LIBS = ["compute", "numpy", "numexpr", "numba"]
PEERS = LIBS[1:]


def data(np, n, dtype):
    i = np.arange(n, dtype=np.float64)
    a = np.modf(i * 0.6180339887498949)[0]
    b = np.modf(i * 0.7548776662466927 + 0.5)[0]
    if dtype == "int64":
        return (a * 2**30).astype(np.int64), (b * 1000).astype(np.int64)
    return a.astype(dtype), b.astype(dtype)


def numpy_forms(np):
    return {
        "2*a+b f32": lambda a, b: 2 * a + b,
        "where f32": lambda a, b: np.where(a > 0.5, a, -b),
        "sqrt(a*a+b*b) f64": lambda a, b: np.sqrt(a * a + b * b),
        "exp(a)*sin(b) f32": lambda a, b: np.exp(a) * np.sin(b),
        "arctan2 f32": lambda a, b: np.arctan2(a, b),
        "a*3+1 i64": lambda a, b: a * 3 + 1,
        "sum(a*b) f32": lambda a, b: np.sum(a * b),
        "count a>0.5 f32": lambda a, b: np.count_nonzero(a > 0.5),
    }


def numba_forms(np, numba):
    prange = numba.prange
    j = numba.njit(parallel=True, fastmath=False, cache=False)

    def elementwise(f):
        f = numba.njit(f)

        @j
        def run(a, b):
            out = np.empty_like(a)
            for i in prange(a.shape[0]):
                out[i] = f(a[i], b[i])
            return out

        return run

    @j
    def dot(a, b):
        s = a.dtype.type(0)
        for i in prange(a.shape[0]):
            s += a[i] * b[i]
        return s

    @j
    def count(a, b):
        c = 0
        for i in prange(a.shape[0]):
            c += a[i] > 0.5
        return c

    return {
        "2*a+b f32": elementwise(lambda x, y: 2 * x + y),
        "where f32": elementwise(lambda x, y: x if x > 0.5 else -y),
        "sqrt(a*a+b*b) f64": elementwise(lambda x, y: np.sqrt(x * x + y * y)),
        "exp(a)*sin(b) f32": elementwise(lambda x, y: np.exp(x) * np.sin(y)),
        "arctan2 f32": elementwise(lambda x, y: np.arctan2(x, y)),
        "a*3+1 i64": elementwise(lambda x, y: x * 3 + 1),
        "sum(a*b) f32": dot,
        "count a>0.5 f32": count,
    }


def warm_up(f, seconds):
    """Calls `f` for `seconds` (at least once)."""
    start = time.perf_counter()
    f()
    while time.perf_counter() - start < seconds:
        f()


def worker(lib, rows, sizes, warm):
    import numpy as np

    if lib == "compute":
        import compute

        device = compute.Device.auto()
        forms = {r: (lambda ex: lambda a, b: compute.evaluate(ex, local_dict={"a": a, "b": b}, device=device))(ROWS[r][0]) for r in rows}
    elif lib == "numexpr":
        import numexpr

        numexpr.set_num_threads(os.cpu_count())
        forms = {r: (lambda ex: lambda a, b: numexpr.evaluate(ex, local_dict={"a": a, "b": b}))(NUMEXPR_FORMS.get(r, ROWS[r][0])) for r in rows}
    elif lib == "numba":
        import numba

        forms = numba_forms(np, numba)
    else:
        forms = numpy_forms(np)
    for row in rows:
        dtype = ROWS[row][1]
        for n in sizes:
            a, b = data(np, n, dtype)
            f = forms[row]
            warm_up(lambda: f(a, b), warm)
            print(json.dumps({"lib": lib, "row": row, "n": n,
                              "s": median_seconds(lambda: f(a, b), n)}), flush=True)
    # per-call overhead: 1,000 elements, the expression cached
    if lib in ("compute", "numexpr"):
        a, b = data(np, 1000, "float32")
        f = forms.get("2*a+b f32") or (lambda a, b: None)
        t = []
        for _ in range(7):
            start = time.perf_counter()
            for _ in range(2000):
                f(a, b)
            t.append((time.perf_counter() - start) / 2000)
        print(json.dumps({"lib": lib, "row": "overhead", "n": 1000, "s": statistics.median(t)}), flush=True)


def available(lib):
    try:
        __import__(lib)
        return True
    except ImportError:
        return False


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", default=",".join(ROWS))
    p.add_argument("--sizes", default="1e5,1e6,1e7,1e8")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--warm", type=float, default=0.3, help="seconds of calls before timing")
    p.add_argument("--markdown", action="store_true")
    p.add_argument("--worker")
    args = p.parse_args()
    rows = args.rows.split(",")
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    if args.worker:
        worker(args.worker, rows, sizes, args.warm)
        return
    libs = [lib for lib in LIBS if available(lib)]
    for lib in set(LIBS) - set(libs):
        print(f"({lib} is not installed: left out)", file=sys.stderr)
    if "compute" not in libs:
        sys.exit("the compute package is not importable: pip install python/ first")
    med = {}
    for r in range(args.rounds):
        for lib in libs:
            out = subprocess.run([sys.executable, __file__, "--worker", lib, "--rows", args.rows,
                                  "--sizes", args.sizes, "--warm", str(args.warm)],
                             capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"{lib} failed:\n{out.stderr}")
            for line in out.stdout.splitlines():
                m = json.loads(line)
                med.setdefault((m["lib"], m["row"], m["n"]), []).append(m["s"])
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    med = {k: statistics.median(v) for k, v in med.items()}
    peers = [lib for lib in PEERS if lib in libs]
    bar = "|" if args.markdown else " "
    head = ["row", "n", *[f"{lib} ms" for lib in libs], "vs fastest"]
    print(bar.join(f"{h:>14}" for h in head))
    if args.markdown:
        print("|".join(["---"] * len(head)))
    for row in rows:
        for n in sizes:
            t = {lib: med.get((lib, row, n)) for lib in libs}
            best = min(t[lib] for lib in peers if t[lib] is not None)
            cells = [row, f"{n:.0e}", *[f"{t[lib] * 1e3:.3f}" if t[lib] else "-" for lib in libs],
                     f"{best / t['compute']:.2f}x"]
            print(bar.join(f"{c:>14}" for c in cells))
    if ("compute", "overhead", 1000) in med and ("numexpr", "overhead", 1000) in med:
        c, ne = med[("compute", "overhead", 1000)], med[("numexpr", "overhead", 1000)]
        print(f"\nper call, 1,000 elements, cached: compute {c * 1e6:.1f} us, numexpr {ne * 1e6:.1f} us "
              f"({ne / c:.2f}x)")


if __name__ == "__main__":
    main()
