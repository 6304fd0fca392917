#!/usr/bin/env python3
"""Print numpy's answers for element-wise edge cases, one case per line.

Regenerate the data file with:

    python3 tests/numpy_answers.py > tests/data/numpy_answers.txt

Output format (single spaces, exactly 5 fields; lines starting with '#' are
comments):

    <op> <dtype> <a> <b> <out>

* <op> is the numpy ufunc name, or `astype` for casts.
* <dtype> is the input dtype; for `astype` it is `from->to`.
* Float values (float32/float64) are IEEE bit patterns in lowercase hex with a
  0x prefix (8 digits for float32, 16 for float64), so NaN payloads and signed
  zeros are exact.  Integer values are plain decimal.
* Boolean results (isnan, isinf, isfinite, logical_*) are decimal 0 / 1.
* Unary ops (and astype) write `-` for <b>.

Every case is computed on whole numpy arrays (the same loops an array
expression would use), so results are whatever numpy's compiled loops give on
this machine; out-of-range casts, NaN sign bits and libm-based functions are
platform specific.  The header records the numpy version and machine.  A case
whose answer changes with the array length (see emit) is written as a comment.
"""

import platform
import warnings

import numpy as np

# Division by zero, overflow, invalid casts etc. all warn; we only want values.
warnings.filterwarnings("ignore")
np.seterr(all="ignore")

INTS = ["int32", "uint32", "int64", "uint64"]
FLOATS = ["float32", "float64"]
UINT_OF = {"float32": np.uint32, "float64": np.uint64}


def is_float(dt):
    return np.dtype(dt).kind == "f"


def enc(dt, v):
    """Encode one value of dtype `dt` (or a bool) as a field."""
    dt = np.dtype(dt).name
    if np.dtype(dt).kind == "b":
        return str(int(v))
    if is_float(dt):
        bits = int(np.asarray(v, dtype=dt).view(UINT_OF[dt])[()])
        return "0x%0*x" % (np.dtype(dt).itemsize * 2, bits)
    return str(int(v))


def arr(dt, values):
    """Array of `values` in dtype `dt`, duplicates (by bit pattern) removed."""
    out, seen = [], set()
    for v in values:
        x = np.array(v, dtype=dt)  # rounds floats to dt (e.g. 2147483647.0 in f32)
        key = enc(dt, x)
        if key not in seen:
            seen.add(key)
            out.append(x)
    return np.array(out, dtype=dt)


def emit(op, label, fn, a, b=None):
    """Print one line per element of `a` (and `b`) with numpy's fn result.

    numpy's loops are not always consistent with themselves: a SIMD body and
    its scalar tail can disagree (e.g. out-of-range float -> uint32 casts on
    x86-64).  So each case is also evaluated alone (length-1 arrays) and in a
    block of 64 copies; if the answers differ, the case is written only as a
    `# length-dependent` comment listing every answer seen, not as data.
    """
    args = [a] if b is None else [a, b]
    out = fn(*args)
    for i in range(len(a)):
        one = [x[i:i + 1] for x in args]
        seen = {enc(out.dtype, out[i])}
        seen |= {enc(out.dtype, v) for v in fn(*one)}
        seen |= {enc(out.dtype, v) for v in fn(*[np.repeat(x, 64) for x in one])}
        bs = "-" if b is None else enc(b.dtype, b[i])
        line = f"{op} {label} {enc(a.dtype, a[i])} {bs}"
        if len(seen) == 1:
            print(line, seen.pop())
        else:
            print(f"# length-dependent: {line} {{{','.join(sorted(seen))}}}")


def unary(op, dt, values):
    emit(op, dt, getattr(np, op), arr(dt, values))


def binary(op, dt, avals, bvals=None):
    """All pairs (a, b) from avals x bvals (bvals defaults to avals)."""
    a0 = arr(dt, avals)
    b0 = arr(dt, avals if bvals is None else bvals)
    emit(op, dt, getattr(np, op), np.repeat(a0, len(b0)), np.tile(b0, len(a0)))


def cast(src, dst, values):
    emit("astype", f"{src}->{dst}", lambda x: x.astype(dst), arr(src, values))


# ---------------------------------------------------------------- edge lists
def int_edges(dt):
    i = np.iinfo(dt)
    if i.min < 0:
        return [0, 1, -1, 2, -2, 3, -3, 7, -7, i.min, i.max, i.min + 1]
    return [0, 1, 2, 3, 7, i.max, i.max - 1]


def float_specials(dt):
    f = np.finfo(dt)
    return [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, f.smallest_subnormal]


def float_div_edges(dt):
    return [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 3.0, -3.0, 7.5, -7.5, 0.1,
            1e30, -1e30, np.inf, -np.inf, np.nan, np.finfo(dt).smallest_subnormal]


def bit_edges(dt):
    i = np.iinfo(dt)
    pattern = int("55" * np.dtype(dt).itemsize, 16)  # 0x5555...
    if i.min < 0:
        return [0, 1, -1, 5, i.min, i.max, pattern]
    return [0, 1, 5, i.max, i.max - 1, i.max // 2 + 1, pattern]


def main():
    print("# numpy element-wise edge-case answers, one case per line:")
    print("#   <op> <dtype> <a> <b> <out>   (floats as IEEE hex bits, ints decimal)")
    print("# produced by: python3 tests/numpy_answers.py > tests/data/numpy_answers.txt")
    print(f"# numpy {np.__version__}, python {platform.python_version()}, "
          f"machine {platform.machine()}")
    print("# cases where numpy's own answer depends on the array length appear only as")
    print("# '# length-dependent: <op> <dtype> <a> <b> {answers}' comments")
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as feat
        on = [k for k, v in feat.items() if v and k.startswith(("AVX", "NEON", "ASIMD", "SVE"))]
        print("# cpu features used for dispatch: " + (",".join(on) or "none"))
    except ImportError:
        pass

    # floor_divide / remainder: all pairs from the edge list, incl. / 0 and / -0.0
    for op in ["floor_divide", "remainder"]:
        for dt in INTS:
            binary(op, dt, int_edges(dt))
        for dt in FLOATS:
            binary(op, dt, float_div_edges(dt))

    # shifts: counts include >= bit width and (signed only) negative counts
    for op in ["left_shift", "right_shift"]:
        for dt in INTS:
            i = np.iinfo(dt)
            signed = i.min < 0
            avals = [0, 1] + ([-1] if signed else []) + [5, i.min, i.max]
            bvals = [0, 1, 2, 31, 32, 33, 63, 64, 65, 100] + ([-1, -5] if signed else [])
            binary(op, dt, avals, bvals)

    for op in ["bitwise_and", "bitwise_or", "bitwise_xor"]:
        for dt in INTS:
            binary(op, dt, bit_edges(dt))
    for dt in INTS:
        unary("invert", dt, bit_edges(dt))

    # classification / sign
    for dt in FLOATS:
        vals = float_specials(dt) + [1e-30, -1e30]
        for op in ["sign", "isnan", "isinf", "isfinite"]:
            unary(op, dt, vals)
    for dt in ["int32", "int64", "uint32"]:
        unary("sign", dt, int_edges(dt))

    # binary float functions: all pairs
    for op in ["copysign", "arctan2", "hypot"]:
        for dt in FLOATS:
            binary(op, dt, [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, np.inf, -np.inf,
                            np.nan, 1e30, 1e-30, np.finfo(dt).smallest_subnormal])

    # unary float functions over special values
    for op in ["tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh",
               "arccosh", "arctanh", "exp2", "expm1", "log2", "log10", "log1p", "cbrt"]:
        for dt in FLOATS:
            big = np.finfo(dt).max
            unary(op, dt, [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, np.inf,
                           -np.inf, np.nan, 1e-30, -1e-30, np.finfo(dt).smallest_subnormal,
                           100.0, -100.0, 1000.0, -1000.0, big, -big])

    # logical ops (results 0/1)
    logic = {"float32": [0.0, -0.0, 1.0, -1.0, np.nan, np.inf, np.finfo("float32").smallest_subnormal],
             "int32": [0, 1, -1, 2, np.iinfo("int32").min, np.iinfo("int32").max]}
    for dt, vals in logic.items():
        for op in ["logical_and", "logical_or"]:
            binary(op, dt, vals)
        unary("logical_not", dt, vals)

    # float -> int casts, incl. NaN, inf and out-of-range
    f2i = [0.0, -0.0, 0.9, -0.9, 1.5, -1.5, 2.5, 2147483647.0, 2147483648.0,
           -2147483648.0, -2147483649.0, 4294967295.0, 4294967296.0,
           9.2233720368547758e18, -9.2233720368547758e18, 1.8446744073709552e19,
           1e30, -1e30, np.inf, -np.inf, np.nan, -1.0, -5.0]
    for src in FLOATS:
        for dst in INTS:
            cast(src, dst, f2i)

    # int -> float casts (rounding of values not exactly representable)
    i2f = {
        "int32": [0, 1, -1, 16777216, 16777217, -16777217, 2**31 - 1, -2**31, 2**31 - 65],
        "uint32": [0, 1, 16777217, 2**31, 2**32 - 1, 2**32 - 129],
        "int64": [0, -1, 16777217, -16777217, 2**53 + 1, -(2**53 + 1), 2**63 - 1,
                  -2**63, 2**62 + 2**38 + 1],
        "uint64": [0, 1, 16777217, 2**53 + 1, 2**63, 2**63 + 1, 2**64 - 1,
                   2**64 - 1025, 2**64 - 2**39 - 1],
    }
    for src, vals in i2f.items():
        for dst in FLOATS:
            cast(src, dst, vals)

    # int -> int casts (wrapping / sign reinterpretation)
    for src, dsts, vals in [
        ("int64", ["int32", "uint32", "uint64"], [-1, 2**31, -2**31 - 1, 2**32 + 5, 2**63 - 1, -2**63]),
        ("uint64", ["int64", "int32", "uint32"], [2**63, 2**64 - 1, 2**32 + 5, 2**31]),
        ("uint32", ["int32", "int64"], [2**31, 2**32 - 1, 5]),
        ("int32", ["uint32", "int64", "uint64"], [-1, -2**31, 2**31 - 1, 5]),
    ]:
        for dst in dsts:
            cast(src, dst, vals)

    # float64 -> float32: overflow, underflow, NaN, rounding at FLT_MAX
    cast("float64", "float32", [1e39, -1e39, 1e-46, -1e-46, np.nan, -np.nan, np.inf, 0.1,
                                3.4028235e38, float(np.finfo("float32").max),
                                3.4028235677973366e38,  # exactly halfway FLT_MAX..2**128
                                np.nextafter(3.4028235677973366e38, 0.0),  # just below it
                                7.006492321624085e-46])  # half the smallest f32 subnormal


if __name__ == "__main__":
    with np.errstate(all="ignore"):
        main()
