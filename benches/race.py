"""Race the crate against numpy, numexpr and numba on the same data, in one run.

Each library runs in a process of its own (numba's and numexpr's worker threads must not
spin against each other or against rayon's), one after another, for every round; the
report takes each measurement's median over the rounds. Outputs are fresh arrays (what a
user gets from `np.exp(x)`), inputs are x_i = 0.5 + 4·frac(i·0.618...) and
y_i = 0.5 + 4·frac(i·0.7548... + 0.5), built by the same formula on both sides.

    python3 benches/race.py                                  # every op, 1e5..1e8, f32 and f64
    python3 benches/race.py --ops exp,sin --sizes 1e5,1e6 --dtypes f32 --rounds 3
    python3 benches/race.py --json race.jsonl                # keep the raw lines too

The crate's worker is `examples/race.rs` (built here with `cargo build --release
--example race` unless `--no-build`). A library that is not installed is left out and said
so. Ratios are the crate's speed against the fastest peer: above 1 means the crate is
faster.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

OPS = ["scale", "add", "mul", "sqrt", "exp", "log", "sin", "cos", "tanh", "sigmoid",
       "pow2.5", "chain", "expr", "sum", "sumsq", "dot", "count", "max", "where", "arctan2",
       "log1p", "floordiv", "cast", "affine"]
# ops that run on integer data (the "i64" dtype), and only there
INT_OPS = ["affine"]
PEERS = ["numpy", "numexpr", "numba"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def reps(n):
    return 51 if n <= 200_000 else 21 if n <= 2_000_000 else 7 if n <= 20_000_000 else 3


def inputs(np, n, dtype):
    if dtype == np.int64:
        # the same integers as examples/race.rs: spread over ±2^30
        i = np.arange(n, dtype=np.int64)
        return (i * 2654435761) % (1 << 31) - (1 << 30), (i * 40503) % 1000 - 500
    i = np.arange(n, dtype=np.float64)
    x = 0.5 + 4.0 * np.modf(i * 0.6180339887498949)[0]
    y = 0.5 + 4.0 * np.modf(i * 0.7548776662466927 + 0.5)[0]
    return x.astype(dtype), y.astype(dtype)


def median_seconds(f, n):
    f()  # warm-up (and numba's compilation)
    times = []
    for _ in range(reps(n)):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
        del out
    return statistics.median(times)


def numpy_ops(np, x, y):
    c = x.dtype.type
    return {
        "scale": lambda: x * c(2),
        "add": lambda: x + y,
        "mul": lambda: x * y,
        "sqrt": lambda: np.sqrt(x),
        "exp": lambda: np.exp(x),
        "log": lambda: np.log(x),
        "sin": lambda: np.sin(x),
        "cos": lambda: np.cos(x),
        "tanh": lambda: np.tanh(x),
        "sigmoid": lambda: 1 / (1 + np.exp(-x)),
        "pow2.5": lambda: x ** c(2.5),
        "chain": lambda: np.sqrt(x * c(2) + c(1)),
        "expr": lambda: x * y + x * c(1.5) - y,
        "sum": lambda: x.sum(),
        "sumsq": lambda: np.dot(x, x),
        "dot": lambda: np.dot(x, y),
        "count": lambda: np.count_nonzero(x > c(2.5)),
        "max": lambda: x.max(),
        "where": lambda: np.where(x > c(2.5), x, c(0)),
        "arctan2": lambda: np.arctan2(x, y),
        "log1p": lambda: np.log1p(x),
        "floordiv": lambda: x // c(3),
        "cast": lambda: x.astype(np.int32),
        "affine": lambda: x * c(3) + c(1),
    }


def numexpr_ops(ne, x, y):
    ev = ne.evaluate
    loc = {"x": x, "y": y}
    expr = {
        "scale": "x * 2", "add": "x + y", "mul": "x * y", "sqrt": "sqrt(x)", "exp": "exp(x)",
        "log": "log(x)", "sin": "sin(x)", "cos": "cos(x)", "tanh": "tanh(x)",
        "sigmoid": "1 / (1 + exp(-x))", "pow2.5": "x ** 2.5", "chain": "sqrt(x * 2 + 1)",
        "expr": "x * y + x * 1.5 - y", "sum": "sum(x)", "sumsq": "sum(x * x)",
        "dot": "sum(x * y)", "count": "sum(where(x > 2.5, 1, 0))", "max": "max(x)",
        "where": "where(x > 2.5, x, 0)", "arctan2": "arctan2(x, y)", "log1p": "log1p(x)",
        # numexpr has no floor division
        "affine": "x * 3 + 1",
    }
    return {op: (lambda e=e: ev(e, local_dict=loc)) for op, e in expr.items()}


_NUMBA = {}


def numba_ops(np, numba, x, y):
    """numba's functions, compiled once per process (each specializes per dtype on its own
    first call, in the warm-up), bound to this x and y."""
    if not _NUMBA:
        _NUMBA.update(numba_kernels(np, numba))
    return {op: (lambda f=f: f(x, y)) for op, f in _NUMBA.items()}


def numba_kernels(np, numba):
    from numba import njit, prange

    def elementwise(f):
        @njit(parallel=True)
        def run(a, b):
            out = np.empty_like(a)
            for i in prange(a.shape[0]):
                out[i] = f(a[i], b[i])
            return out
        return run

    def reduction(f):
        @njit(parallel=True)
        def run(a, b):
            acc = a.dtype.type(0)
            for i in prange(a.shape[0]):
                acc += f(a[i], b[i])
            return acc
        return run

    @njit(parallel=True)
    def count(a):
        n = 0
        for i in prange(a.shape[0]):
            if a[i] > 2.5:
                n += 1
        return n

    @njit(parallel=True)
    def largest(a):
        # prange reductions support max through the builtin
        m = -np.inf
        for i in prange(a.shape[0]):
            m = max(m, a[i])
        return m

    @njit(parallel=True)
    def to_int32(a):
        out = np.empty(a.shape[0], np.int32)
        for i in prange(a.shape[0]):
            out[i] = np.int32(a[i])
        return out

    def j(f):
        return njit(inline="always")(f)

    return {
        "scale": elementwise(j(lambda a, b: a * 2)),
        "add": elementwise(j(lambda a, b: a + b)),
        "mul": elementwise(j(lambda a, b: a * b)),
        "sqrt": elementwise(j(lambda a, b: np.sqrt(a))),
        "exp": elementwise(j(lambda a, b: np.exp(a))),
        "log": elementwise(j(lambda a, b: np.log(a))),
        "sin": elementwise(j(lambda a, b: np.sin(a))),
        "cos": elementwise(j(lambda a, b: np.cos(a))),
        "tanh": elementwise(j(lambda a, b: np.tanh(a))),
        "sigmoid": elementwise(j(lambda a, b: 1 / (1 + np.exp(-a)))),
        "pow2.5": elementwise(j(lambda a, b: a ** 2.5)),
        "chain": elementwise(j(lambda a, b: np.sqrt(a * 2 + 1))),
        "expr": elementwise(j(lambda a, b: a * b + a * 1.5 - b)),
        "sum": reduction(j(lambda a, b: a)),
        "sumsq": reduction(j(lambda a, b: a * a)),
        "dot": reduction(j(lambda a, b: a * b)),
        "count": lambda a, b: count(a),
        "max": lambda a, b: largest(a),
        "where": elementwise(j(lambda a, b: a if a > 2.5 else a * 0)),
        "arctan2": elementwise(j(lambda a, b: np.arctan2(a, b))),
        "log1p": elementwise(j(lambda a, b: np.log1p(a))),
        "floordiv": elementwise(j(lambda a, b: a // 3)),
        "cast": lambda a, b: to_int32(a),
        "affine": elementwise(j(lambda a, b: a * 3 + 1)),
    }


def worker(lib, ops, sizes, dtypes):
    """One library's measurements, one JSON line each, on stdout."""
    import numpy as np
    if lib == "numexpr":
        import numexpr as ne
        ne.set_num_threads(os.cpu_count())
    if lib == "numba":
        import numba
    version = {"numpy": lambda: np.__version__, "numexpr": lambda: ne.__version__,
               "numba": lambda: numba.__version__}[lib]()
    for dtype in dtypes:
        for n in sizes:
            x, y = inputs(np, n, {"f32": np.float32, "f64": np.float64, "i64": np.int64}[dtype])
            table = {"numpy": lambda: numpy_ops(np, x, y),
                     "numexpr": lambda: numexpr_ops(ne, x, y),
                     "numba": lambda: numba_ops(np, numba, x, y)}[lib]()
            for op in ops:
                if op not in table or (op in INT_OPS) != (dtype == "i64"):
                    continue  # the library has no such function, or not for this dtype
                s = median_seconds(table[op], n)
                print(json.dumps({"lib": lib, "version": version, "op": op, "dtype": dtype,
                                  "n": n, "seconds": s}), flush=True)
            del x, y, table


def available(lib):
    try:
        __import__(lib)
        return True
    except ImportError:
        return False


def run_worker(lib, args):
    common = ["--ops", ",".join(args.ops), "--sizes", ",".join(map(str, args.sizes)),
              "--dtypes", ",".join(args.dtypes)]
    if lib == "compute":
        cmd = [os.path.join(ROOT, "target", "release", "examples", "race")] + common
    else:
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", lib] + common
    env = dict(os.environ, NODEVICE_SELECT="1")
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, env=env, check=True)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def fmt(s):
    return f"{s * 1e3:9.3f} ms" if s >= 1e-3 else f"{s * 1e6:9.1f} us"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ops", default=",".join(OPS))
    p.add_argument("--sizes", default="1e5,1e6,1e7,1e8")
    p.add_argument("--dtypes", default="f32,f64")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--libs", default="compute," + ",".join(PEERS))
    p.add_argument("--json", help="append every raw measurement to this file")
    p.add_argument("--markdown", action="store_true",
                   help="print the table as markdown (ratios per size, as in the README)")
    p.add_argument("--from", dest="source",
                   help="report the raw lines of an earlier --json file instead of racing")
    p.add_argument("--no-build", action="store_true")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args()
    args.ops = args.ops.split(",")
    args.sizes = [int(float(s)) for s in args.sizes.split(",")]
    args.dtypes = args.dtypes.split(",")
    unknown = [o for o in args.ops if o not in OPS]
    if unknown:
        sys.exit(f"unknown ops {unknown} (known: {', '.join(OPS)})")
    if args.worker:
        return worker(args.worker, args.ops, args.sizes, args.dtypes)

    libs = args.libs.split(",")
    missing = [lib for lib in libs if lib in PEERS and not available(lib)]
    for lib in missing:
        print(f"# {lib} is not installed: left out (pip install {lib})")
    libs = [lib for lib in libs if lib not in missing]
    if "compute" in libs and not args.no_build and not args.source:
        subprocess.run(["cargo", "build", "--release", "--example", "race"], cwd=ROOT,
                       check=True)
    runs = {}
    versions = {}
    if args.source:
        for line in open(args.source):
            m = json.loads(line)
            runs.setdefault((m["lib"], m["op"], m["dtype"], m["n"]), []).append(m["seconds"])
            versions[m["lib"]] = m.get("version", "")
        args.rounds = max(len(v) for v in runs.values())
    for r in range(0 if args.source else args.rounds):
        for lib in libs:
            print(f"# round {r + 1}/{args.rounds}: {lib}", file=sys.stderr, flush=True)
            for m in run_worker(lib, args):
                runs.setdefault((m["lib"], m["op"], m["dtype"], m["n"]), []).append(m["seconds"])
                versions[m["lib"]] = m.get("version", "")
                if args.json:
                    with open(args.json, "a") as f:
                        f.write(json.dumps(m) + "\n")
    med = {k: statistics.median(v) for k, v in runs.items()}
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), "?") if os.path.exists("/proc/cpuinfo") else "?"
    print(f"# {time.strftime('%Y-%m-%d')} · {os.cpu_count()} logical CPUs · {cpu} · "
          f"medians of {args.rounds} rounds · " +
          ", ".join(f"{l} {versions.get(l, '')}".strip() for l in libs))
    peers = [lib for lib in libs if lib != "compute"]
    if args.markdown:
        return markdown(med, args, peers)
    head = f"{'op':8} {'dtype':5} {'n':>9} " + " ".join(f"{l:>12}" for l in libs)
    if "compute" in libs and peers:
        head += "   vs fastest peer"
    print(head)
    for dtype in args.dtypes:
        for op in args.ops:
            for n in args.sizes:
                row = f"{op:8} {dtype:5} {n:9.0e} "
                row += " ".join(fmt(med[(l, op, dtype, n)]) if (l, op, dtype, n) in med
                                else f"{'-':>12}" for l in libs)
                ours = med.get(("compute", op, dtype, n))
                best = min(((med[(l, op, dtype, n)], l) for l in peers
                            if (l, op, dtype, n) in med), default=None)
                if ours and best:
                    row += f"   {best[0] / ours:5.2f}x ({best[1]})"
                print(row)


def markdown(med, args, peers):
    """One row per op and dtype: per size, the crate's time, the fastest peer's and the
    ratio (above 1: the crate is faster)."""
    print("| op | dtype | " + " | ".join(f"{n:.0e}: compute / fastest peer" for n in args.sizes)
          + " |")
    print("|---|---|" + "---|" * len(args.sizes))
    for dtype in args.dtypes:
        for op in args.ops:
            cells = []
            for n in args.sizes:
                ours = med.get(("compute", op, dtype, n))
                best = min(((med[(l, op, dtype, n)], l) for l in peers
                            if (l, op, dtype, n) in med), default=None)
                if ours and best:
                    ratio = best[0] / ours
                    r = f"**{ratio:.2f}x**" if ratio >= 1 else f"{ratio:.2f}x"
                    cells.append(f"{fmt(ours).strip()} / {fmt(best[0]).strip()} {best[1]}: {r}")
                else:
                    cells.append("-")
            if any(c != "-" for c in cells):  # an op that never ran for this dtype: no row
                print(f"| {op} | {dtype} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
