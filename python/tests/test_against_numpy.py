"""compute against numpy: one test body, run by numpy and by compute, compared.

As CuPy tests itself against numpy, each test here evaluates the *same* expression string
twice: with Python's ``eval`` over a namespace of numpy functions (``sqrt`` is ``np.sqrt``,
``round`` is ``np.round`` (half-even), ``sum`` is ``np.sum``, ...), and with
``compute.evaluate(ex, local_dict=..., device=device)``; the two must give the same dtype and
shape, integers and booleans exactly, floats within the README's documented bound ("Semantics"
table) for that function and backend. Nothing here hard-codes an answer.

Float references. For a function of one or two arrays (``sin(a)``, ``a ** b``), numpy's own
float32/float64 result carries numpy's error (SVML loops: up to 4 ULP), so the values are taken
from the same numpy expression run on the inputs widened to ``np.longdouble`` (x87's 64-bit
mantissa, C's ``sinl``...) and rounded once to numpy's result dtype: the exact value rounded,
within 0.5 ULP. compute's documented bound B (ULP of the exact value) then allows
``B + 0.5`` ULP against that reference (ULP: ``np.spacing`` of the reference in its dtype).
Arithmetic that IEEE rounds correctly (``+ - * /``, ``sqrt``) is compared with numpy's own
answer, exactly on the CPU.
"""

import builtins
import math
import re

import numpy as np
import pytest

import compute

FLOATS = ["float32", "float64"]
INTS = ["int32", "int64", "uint32", "uint64"]
DTYPES = FLOATS + INTS + ["bool"]
UNARY = [f for f, n in compute.FUNCTIONS if n == 1]
BINARY = [f for f, n in compute.FUNCTIONS if n == 2]

# numpy's namesake of every function compute knows (np.round is half-to-even, as compute's),
# and the reductions, for Python's eval of the same string
NP = {name: getattr(np, name) for name, _ in compute.FUNCTIONS}
NP.update(sum=np.sum, prod=np.prod, min=np.min, max=np.max)
_GLOBALS = {"__builtins__": builtins}

# ---------------------------------------------------------------------------------------------
# documented accuracy (README, "Semantics"): B, in ULP of the exact value
# ---------------------------------------------------------------------------------------------

EXACT = {
    "abs", "absolute", "floor", "ceil", "round", "sign", "copysign", "minimum", "maximum",
    "isnan", "isinf", "isfinite", "where",
}  # fmt: skip

# CPU: the crate's own kernels and their stated bounds (f32 pow: "within 1 ULP of C's", itself
# within 1); f64 functions with no bound of their own call glibc ("1-2 ULP") or are fdlibm's
# formulas over the crate's log1p: held to the f32 kernels' bound of 4
_CPU_BOUND = {
    "float32": {"sqrt": 0.5, "exp": 2, "log": 2, "sin": 1, "cos": 1, "tanh": 2, "pow": 2},
    "float64": {
        "sqrt": 0.5, "exp": 2, "log": 2, "sin": 2, "cos": 2, "tanh": 2, "pow": 2.5,
        "arctan": 2, "arctan2": 2, "log1p": 2,
    },
}  # fmt: skip
_CPU_DEFAULT = 4  # tan arcsin arccos sinh cosh arcsinh arccosh arctanh exp2 expm1 log2 log10 cbrt hypot

# GPU f64 (lavapipe): "`/`, `sqrt`, `hypot` within 3 ULP [of the CPU]; the transcendental
# functions within 4"; so the CPU's bound plus that
_GPU64_EXTRA = {"sqrt": 3, "hypot": 3}
_GPU64_EXTRA_DEFAULT = 4


def cpu_bound(func, dtype):
    if func in EXACT:
        return 0.0
    return _CPU_BOUND[dtype].get(func, _CPU_DEFAULT)


# ---------------------------------------------------------------------------------------------
# the two implementations
# ---------------------------------------------------------------------------------------------


def numpy_eval(ex, values):
    """``ex`` as Python evaluates it over numpy (warnings of 1/0, overflow... silenced: numpy
    then gives the answers compute is compared with)."""
    with np.errstate(all="ignore"):
        return eval(ex, _GLOBALS, {**NP, **values})


_LACKS = re.compile(r"not supported on this backend: ([fiu]64) kernels")
_LACKED = {"f64": "float64", "i64": "int64", "u64": "uint64"}


def skip_if_gpu_lacks(device, error):
    """A GPU without 64-bit shaders (llvmpipe's GL) refuses f64/i64/u64 with TypeError, as the
    README says (`Err(Unsupported)` on a GPU device); the test cannot run there."""
    m = _LACKS.search(str(error))
    if device.policy == "gpu" and m and not device.gpu_runs(_LACKED[m[1]]):
        pytest.skip(f"{device.gpu_name} runs no {_LACKED[m[1]]}: {m[0]}")


def compute_call(device, fn, *args, **kwargs):
    """``fn(*args, device=device, **kwargs)``, skipping where the GPU lacks the dtype."""
    try:
        return fn(*args, device=device, **kwargs)
    except TypeError as e:
        skip_if_gpu_lacks(device, e)
        raise


def compute_eval(ex, values, device, **kwargs):
    return compute_call(device, compute.evaluate, ex, local_dict=dict(values), global_dict={}, **kwargs)


# ---------------------------------------------------------------------------------------------
# comparison
# ---------------------------------------------------------------------------------------------


def ulp_of(x, dtype=None):
    """One ULP at each value of ``x`` in its dtype (or ``dtype``), as float64; at the largest
    finite value the spacing below it (np.spacing overflows there)."""
    x = np.abs(np.asarray(x, dtype))
    with np.errstate(all="ignore"):
        sp = np.spacing(x)
        sp = np.where(np.isfinite(sp), sp, np.spacing(np.nextafter(x, x.dtype.type(0))))
    return sp.astype(np.float64)


def _copies(values):
    return {k: v.copy() for k, v in values.items() if isinstance(v, np.ndarray)}


def assert_unchanged(values, copies):
    for k, before in copies.items():
        now = values[k]
        assert now.dtype == before.dtype and now.shape == before.shape, f"input `{k}` changed its type"
        assert np.array_equal(now, before, equal_nan=before.dtype.kind == "f"), f"input `{k}` was modified"


def _describe(ex, inputs, got, want, bad, limit=8):
    idx = np.argwhere(bad)[:limit]
    lines = [f"{int(bad.sum())} of {bad.size} elements of {ex!r} differ; first ones:"]
    for i in map(tuple, idx):
        args = ", ".join(f"{k}={np.asarray(v)[i] if np.ndim(v) else v!r}" for k, v in inputs.items())
        lines.append(f"  at {i}: {args}: compute {got[i]!r}, numpy {want[i]!r}")
    return "\n".join(lines)


def assert_matches(ex, got, want, *, ulp=0.0, abs_tol=None, unchecked=None, inputs=None,
                   signed_zeros=True):  # fmt: skip
    """compute's ``got`` against numpy's ``want``: same dtype and shape; integers and booleans
    exactly; floats with the same NaNs and infinities and finite values within ``ulp`` ULP of
    ``want`` (``np.spacing`` in want's dtype) or ``abs_tol`` (either may be an array over the
    elements), zeros of the same sign where ``signed_zeros``. ``unchecked`` marks elements whose
    value a documented rule leaves open (compared for dtype and shape only)."""
    got_a, want_a = np.asarray(got), np.asarray(want)
    assert got_a.dtype == want_a.dtype, f"{ex!r}: compute gives dtype {got_a.dtype}, numpy {want_a.dtype}"
    assert got_a.shape == want_a.shape, f"{ex!r}: compute gives shape {got_a.shape}, numpy {want_a.shape}"
    inputs = {} if inputs is None else {k: np.broadcast_to(v, want_a.shape) if np.ndim(v) else v for k, v in inputs.items()}
    checked = np.ones(want_a.shape, bool) if unchecked is None else ~np.broadcast_to(unchecked, want_a.shape)
    if want_a.dtype.kind != "f":
        bad = checked & (got_a != want_a)
    else:
        g = got_a.astype(np.float64)
        w = want_a.astype(np.float64)
        finite = np.isfinite(w)
        with np.errstate(invalid="ignore", over="ignore"):
            tol = np.asarray(ulp, np.float64) * ulp_of(want_a)
            if abs_tol is not None:
                tol = np.maximum(tol, abs_tol)
            close = np.abs(g - w) <= np.where(finite, tol, 0.0)
        same_special = (np.isnan(g) & np.isnan(w)) | (np.isinf(w) & (g == w))
        bad = checked & ~np.where(finite, close, same_special)
        if signed_zeros:
            bad |= checked & (w == 0) & (g == 0) & (np.signbit(g) != np.signbit(w))
    if bad.any():
        pytest.fail(_describe(ex, inputs, got_a, want_a, bad), pytrace=False)


def _widen(values):
    """The arrays as numpy's float loop sees them, widened to long double (integers through
    float64, as numpy converts them)."""
    out = {}
    for k, v in values.items():
        a = np.asarray(v)
        if v is None or isinstance(v, (bool, int, float)) or a.dtype.kind == "b":
            out[k] = v
        elif a.dtype.kind in "iu":
            out[k] = a.astype(np.float64).astype(np.longdouble)
        else:
            out[k] = a.astype(np.longdouble)
    return out


def check(ex, device, *, ulp=0.0, precise=False, abs_tol=None, unchecked=None, signed_zeros=True,
          **values):  # fmt: skip
    """Evaluates ``ex`` over ``values`` with numpy and with compute on ``device`` and compares
    them (``compare_with_numpy``); the inputs must come back unchanged."""
    copies = _copies(values)
    got = compute_eval(ex, values, device)
    assert_unchanged(values, copies)
    compare_with_numpy(ex, values, got, ulp=ulp, precise=precise, abs_tol=abs_tol, unchecked=unchecked,
                       signed_zeros=signed_zeros)  # fmt: skip
    return got


def compare_with_numpy(ex, values, got, *, ulp=0.0, precise=False, abs_tol=None, unchecked=None,
                       signed_zeros=True):  # fmt: skip
    """compute's ``got`` against numpy's ``ex`` over ``values`` (``assert_matches``):
    ``precise`` takes float values from the long double run; ``ulp``, ``abs_tol`` and
    ``unchecked`` may be callables of (inputs broadcast to the result's shape, reference)."""
    want = numpy_eval(ex, values)
    want_a = np.asarray(want)
    ref = want_a
    if precise and want_a.dtype.kind == "f":
        with np.errstate(all="ignore"):
            ref = np.asarray(numpy_eval(ex, _widen(values))).astype(want_a.dtype)
    shaped = {k: np.broadcast_to(v, ref.shape) if np.ndim(v) else v for k, v in values.items()}
    ulp, abs_tol, unchecked = (f(shaped, ref) if callable(f) else f for f in (ulp, abs_tol, unchecked))
    assert_matches(ex, got, ref, ulp=ulp, abs_tol=abs_tol, unchecked=unchecked, inputs=values,
                   signed_zeros=signed_zeros)  # fmt: skip
    if isinstance(want, np.generic) and ex.split("(")[0] in ("sum", "prod", "min", "max"):
        # numpy's reductions give numpy scalars, and so do compute's
        assert isinstance(got, np.generic), f"{ex!r} gives {type(got).__name__}, not a numpy scalar"


def is_gpu(device):
    return device.policy == "gpu"


def mesa_software_gpu(device, *apis):
    """Whether ``device`` is Mesa's software GPU (lavapipe: "llvmpipe ... (Vulkan, Cpu)",
    llvmpipe: "llvmpipe ... (Gl, Cpu)") through one of ``apis``: the adapters where the GPU
    bugs marked xfail below were seen (elsewhere those tests run unmarked)."""
    name = (device.gpu_name or "") if is_gpu(device) else ""
    return "llvmpipe" in name and any(f"({api}," in name for api in apis)


# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------


def specials(dtype):
    """0, -0, ±inf, NaN, the smallest subnormal and normal, the largest, and ordinary values."""
    fi = np.finfo(dtype)
    return np.array(
        [0.0, -0.0, np.inf, -np.inf, np.nan, fi.smallest_subnormal, -fi.smallest_subnormal,
         fi.smallest_normal, -fi.smallest_normal, fi.max, -fi.max, fi.eps, 1.0, -1.0, 0.5, -0.5,
         1.5, 2.0, -2.0, 2.5, -2.5, 3.0, 10.0, -10.0, 1e-3, -1e-3, 100.0, -100.0],
        dtype,
    )  # fmt: skip


def _near(dtype, *points):
    """Each point and its two neighbours in ``dtype``."""
    t = np.dtype(dtype).type
    out = []
    for p in points:
        p = t(p)
        out += [p, np.nextafter(p, t(-np.inf)), np.nextafter(p, t(np.inf))]
    return out


def _domain_edges(func, dtype):
    big = {"float32": (88.72283, -87.33654, -103.97208, 127.0, -149.0, 89.41599),
           "float64": (709.782712893384, -708.3964185322641, -745.1332191019411, 1023.0, -1074.0,
                       710.4758600739439)}[dtype]  # fmt: skip
    exp_max, exp_min_normal, exp_min, exp2_max, exp2_min, sinh_max = big
    edges = {
        "arcsin": _near(dtype, 1, -1, 0.5, -0.5),
        "arccos": _near(dtype, 1, -1, 0.5, -0.5),
        "arctanh": _near(dtype, 1, -1, 0.5, -0.5),
        "arccosh": _near(dtype, 1, 1.5, 2),
        "log": _near(dtype, 1, 0.5, 2),
        "log2": _near(dtype, 1, 0.5, 2),
        "log10": _near(dtype, 1, 10, 0.1),
        "log1p": _near(dtype, -1, -0.5, 1),
        "exp": _near(dtype, exp_max, exp_min_normal, exp_min, 1),
        "expm1": _near(dtype, exp_max, -1, 1e-5, -1e-5),
        "exp2": _near(dtype, exp2_max, exp2_min, 1, -1, 0.5),
        "sinh": _near(dtype, sinh_max, -sinh_max, 1e-5),
        "cosh": _near(dtype, sinh_max, -sinh_max),
        "tanh": _near(dtype, 0.625, -0.625, 9, 20),
        "tan": _near(dtype, np.pi / 2, -np.pi / 2, np.pi, 1e5),
        "sin": _near(dtype, np.pi, np.pi / 2, 2.0**20, 1e5, 1e22),
        "cos": _near(dtype, np.pi, np.pi / 2, 2.0**20, 1e5, 1e22),
        "round": [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.0**23 + 1, 0.49999997, 4503599627370497.0],
        "floor": [0.5, -0.5, 2.0**52 + 0.5, -(2.0**23) - 0.5, 0.9999999],
        "ceil": [0.5, -0.5, 2.0**52 + 0.5, -(2.0**23) - 0.5, -0.9999999],
    }.get(func, [])
    with np.errstate(over="ignore"):
        return np.array(edges, dtype)


def unary_inputs(func, dtype, n=300, seed=0):
    """Special values, the function's domain edges, and random values: uniform on [-4, 4), over
    every magnitude of both signs, and over the domain (where one is limited)."""
    rng = np.random.default_rng([seed, UNARY.index(func), FLOATS.index(dtype)])
    top = 37 if dtype == "float32" else 300
    mags = np.sign(rng.random(n) - 0.5) * 10.0 ** rng.uniform(-top, top, n)
    domain = {
        "arcsin": rng.uniform(-1, 1, n), "arccos": rng.uniform(-1, 1, n), "arctanh": rng.uniform(-1, 1, n),
        "arccosh": np.concatenate([rng.uniform(1, 10, n // 2), 1 + 10.0 ** rng.uniform(-7, 0, n - n // 2)]),
        "log1p": rng.uniform(-1, 1, n), "log": rng.uniform(0, 4, n), "log2": rng.uniform(0, 4, n),
        "log10": rng.uniform(0, 4, n),
        "exp": rng.uniform(-100, 100, n), "expm1": rng.uniform(-100, 100, n), "exp2": rng.uniform(-150, 130, n),
        "sinh": rng.uniform(-90, 90, n), "cosh": rng.uniform(-90, 90, n), "tanh": rng.uniform(-10, 10, n),
        "sin": rng.uniform(-10, 10, n), "cos": rng.uniform(-10, 10, n), "tan": rng.uniform(-1.5, 1.5, n),
        "round": np.round(rng.uniform(-10, 10, n) * 2) / 2,
    }.get(func, rng.standard_normal(n))  # fmt: skip
    parts = [specials(dtype), _domain_edges(func, dtype), rng.uniform(-4, 4, n).astype(dtype)]
    with np.errstate(over="ignore"):
        parts += [mags.astype(dtype), domain.astype(dtype)]
    return np.concatenate(parts)


# ---------------------------------------------------------------------------------------------
# the GPU's float32: WGSL's accuracy (README: "GPU float accuracy is WGSL's")
# ---------------------------------------------------------------------------------------------

F32_ULP = np.float64(2.0**-23)


def _ulp32(ref):
    with np.errstate(over="ignore"):
        return ulp_of(np.asarray(ref, np.float64).astype(np.float32))


def _gpu_f32_tolerance(func, x, ref):
    """Absolute tolerance per element for ``func(x)`` on a GPU in f32, from WGSL's accuracy
    table as the README quotes it (`/` 2.5 ULP, `sqrt` 5 ULP, `exp` 3 + 2|x| ULP, `log`
    2^-21 absolute on [0.5, 2] and 3 ULP elsewhere, `sin`/`cos` 2^-11 absolute on [-π, π], the
    arc functions 4096 ULP, "the others inherited from exp, log, sqrt"); inf where WGSL gives
    no bound (sin/cos/tan outside [-π, π])."""
    x = np.asarray(x, np.float64)
    ax = np.abs(x)
    u = _ulp32(ref)
    r = np.abs(np.asarray(ref, np.float64))
    with np.errstate(all="ignore"):
        e = np.exp(np.minimum(ax, 88.0))  # e^|x|: the larger of e^x, e^-x
        if func == "sqrt":
            return 5 * u
        if func in ("exp", "exp2"):
            return (3 + 2 * ax) * u
        if func == "expm1":  # exp(x) - 1 (Taylor near 0)
            return (3 + 2 * ax) * _ulp32(np.exp(x)) + 2 * u + F32_ULP
        if func in ("log", "log2", "log10", "log1p"):
            # log10 = log2 · c; log1p = log(1 + x) (Taylor near 0): one more rounding each
            arg = x + 1 if func == "log1p" else x
            extra = (_ulp32(arg) / np.abs(arg) if func == "log1p" else 0) + (u if func in ("log10", "log1p") else 0)
            return np.where((arg >= 0.5) & (arg <= 2), 2.0**-21, 3 * u) + extra + 4 * u
        if func in ("sin", "cos"):
            return np.where(ax <= np.pi, 2.0**-11, np.inf)
        if func == "tan":  # sin(x) / cos(x), each within 2^-11
            c = np.abs(np.cos(x))
            return np.where(ax <= np.pi, 2.0**-11 * (1 + r) / np.maximum(c - 2.0**-11, 1e-30) + 2.5 * u, np.inf)
        if func in ("arcsin", "arccos", "arctan", "arctan2"):
            return 4096 * u
        if func in ("sinh", "cosh"):  # (e^x ± e^-x) / 2
            return (3 + 2 * ax) * _ulp32(e) + 4 * u
        if func == "tanh":
            # WGSL: "inherited from sinh(x) / cosh(x)", sinh from (e^x − e^-x) / 2: near 0 the
            # two exps' (3 + 2|x|)-ULP errors at 1 are an absolute error of the same size (the
            # crate has no Taylor form for tanh on the GPU: lavapipe's tanh(1e-38) is 3e-8)
            return (3 + 2 * ax) * F32_ULP * (1 + 2 * r) + 4 * u
        if func in ("arcsinh", "arccosh", "arctanh"):  # log of x + sqrt(x² ± 1), of (1 + x)/(1 − x)
            return 2.0**-21 + 16 * u
        if func == "cbrt":
            # inherited from exp2(log2|x| / 3): exp2's 3 + 2|y| ULP, log2's 3 ULP carried through
            y = np.abs(np.log2(np.where(ax > 0, ax, 1))) / 3
            return (3 + 2 * y) * u + r * np.log(2) * (3 * y * F32_ULP + 2.0**-21) + 4 * u
    return 4 * u


def tolerance(func, dtype, device):
    """(ulp, abs_tol) for ``func`` over ``dtype`` on ``device``; either may be a callable."""
    bound = cpu_bound(func, dtype)
    if not is_gpu(device) or func in EXACT:
        return (bound + 0.5 if bound else 0.0), None
    if dtype == "float64":
        return bound + 0.5 + _GPU64_EXTRA.get(func, _GPU64_EXTRA_DEFAULT), None
    return 0.0, lambda vals, ref: _gpu_f32_tolerance(func, next(iter(vals.values())), ref)


# where a WGSL formula the GPU's f32 function inherits its accuracy from overflows, WGSL
# bounds nothing: sinh/cosh from e^|x| (past 88.72), arcsinh/arccosh from x² (past 1.8e19);
# lavapipe and llvmpipe give ±inf there (numpy: finite values up to 3.4e38)
_F32_INHERITED_OVERFLOW = {"sinh": 88.72283, "cosh": 88.72283, "arcsinh": 1.8446743e19, "arccosh": 1.8446743e19}


def gpu_f32_specials(device, dtype, func=None):
    """README: on the GPU "Subnormals may flush to zero; NaN and infinities are not guaranteed"
    (WGSL): for f32 element functions, elements with such inputs or results are left open, and
    those where the formula WGSL's accuracy is inherited from overflows."""
    if not (is_gpu(device) and dtype == "float32"):
        return None

    def unchecked(vals, ref):
        out = np.zeros(ref.shape, bool)
        tiny = np.finfo(np.float32).smallest_normal
        for v in list(vals.values()) + [ref]:
            v = np.asarray(v, np.float64)
            out |= ~np.isfinite(v) | ((v != 0) & (np.abs(v) < tiny))
        if func in _F32_INHERITED_OVERFLOW:
            out |= np.abs(np.asarray(vals["a"], np.float64)) > _F32_INHERITED_OVERFLOW[func]
        return out

    return unchecked


def gpu_subnormal_operands(device):
    """README: on the GPU "Subnormals may flush to zero" (f64 too): elements with a subnormal
    operand are left open."""
    if not is_gpu(device):
        return None

    def unchecked(vals, ref):
        out = np.zeros(ref.shape, bool)
        for v in vals.values():
            v = np.asarray(v)
            if v.dtype.kind == "f":
                out |= (v != 0) & (np.abs(v) < np.finfo(v.dtype).smallest_normal)
        return out

    return unchecked


# ---------------------------------------------------------------------------------------------
# every function of compute.FUNCTIONS
# ---------------------------------------------------------------------------------------------


def test_functions_are_numpys():
    """Every function compute knows has a numpy namesake (the reference needs one)."""
    names = [f for f, _ in compute.FUNCTIONS]
    assert len(names) == len(set(names))
    for f, n in compute.FUNCTIONS:
        assert callable(NP[f])
        assert n in (1, 2, 3)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("func", UNARY)
def test_unary_function_over_its_domain(device, func, dtype):
    a = unary_inputs(func, dtype)
    ulp, abs_tol = tolerance(func, dtype, device)
    check(f"{func}(a)", device, a=a, ulp=ulp, abs_tol=abs_tol, precise=True,
          unchecked=gpu_f32_specials(device, dtype, func),
          # README: numpy's signed zeros are met by the GPU's f64 too; WGSL's f32 built-ins leave
          # them open (lavapipe's arcsin(-0.0) and arctan(-0.0) are +0.0, llvmpipe's tanh(-0.0) too)
          signed_zeros=not (is_gpu(device) and dtype == "float32"))  # fmt: skip


def _int_values(dtype):
    info = np.iinfo(dtype)
    vals = [0, 1, 2, 3, 4, 7, 9, 10, 100, 12345, 2**20, 2**24 + 1, info.max, info.max - 1, info.min]
    if info.min < 0:
        vals += [-1, -2, -7, -100, info.min + 1]
    return np.array([v for v in vals if info.min <= v <= info.max], dtype)


_BOOL_FLOAT16 = (
    "numpy gives float16 for a float function of a bool array (np.sqrt(bool) is float16, "
    "np.round(bool) float16), compute float64 (or bool for round)"
)


@pytest.mark.parametrize("dtype", INTS + ["bool"])
@pytest.mark.parametrize("func", UNARY)
def test_unary_function_of_integers(request, device, func, dtype):
    """numpy's dtype rules: float functions of integers give float64, abs/floor/ceil/round/sign
    keep the integer type, isnan/isinf/isfinite give bool."""
    a = np.array([True, False, True]) if dtype == "bool" else _int_values(dtype)
    if dtype == "bool":
        with np.errstate(all="ignore"):
            try:
                kind = np.asarray(NP[func](a)).dtype
            except TypeError:
                kind = None
        if kind is None:
            request.applymarker(pytest.mark.xfail(strict=True, reason=f"numpy has no {func} of bool (TypeError); compute gives a bool array"))
            with pytest.raises(TypeError):
                compute_eval(f"{func}(a)", {"a": a}, device)
            return
        if kind == np.float16:
            request.applymarker(pytest.mark.xfail(strict=True, reason=_BOOL_FLOAT16))
    ulp, abs_tol = tolerance(func, "float64", device)
    check(f"{func}(a)", device, a=a, ulp=ulp, abs_tol=abs_tol, precise=True, signed_zeros=not is_gpu(device))


def binary_inputs(dtype, seed=0):
    """Every pair of special values, then random pairs (every magnitude, and near each other)."""
    s = specials(dtype)
    a, b = np.meshgrid(s, s)
    rng = np.random.default_rng([seed, FLOATS.index(dtype)])
    n = 400
    top = 30 if dtype == "float32" else 200
    ra = (np.sign(rng.random(n) - 0.5) * 10.0 ** rng.uniform(-top, top, n)).astype(dtype)
    rb = (np.sign(rng.random(n) - 0.5) * 10.0 ** rng.uniform(-top, top, n)).astype(dtype)
    ua = rng.uniform(-10, 10, n).astype(dtype)
    ub = rng.uniform(-10, 10, n).astype(dtype)
    near = (ua * (1 + rng.uniform(-1e-3, 1e-3, n))).astype(dtype)  # ratios near ±1
    return (np.concatenate([a.ravel(), ra, ua, ua]), np.concatenate([b.ravel(), rb, ub, near]))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("func", BINARY)
def test_binary_function(device, func, dtype):
    a, b = binary_inputs(dtype)
    ulp, abs_tol = tolerance(func, dtype, device)
    if is_gpu(device) and dtype == "float32" and func == "hypot":
        abs_tol = lambda vals, ref: 8 * _ulp32(ref)  # sqrt(x² + y²), scaled: sqrt's 5 ULP and the sum's  # noqa: E731
    unchecked = gpu_f32_specials(device, dtype) if func not in EXACT else None
    if func == "arctan2" and is_gpu(device) and dtype == "float32":
        # ±0 against ±0: test_arctan2_of_zeros (an xfail on the GPU's f32)
        unchecked = (lambda f: lambda vals, ref: f(vals, ref) | ((vals["a"] == 0) & (vals["b"] == 0)))(unchecked)
    # the sign of minimum(-0.0, 0.0) is left open: numpy's own answer changes with the array's
    # length (its SIMD loop gives the first operand, its scalar loop the second)
    signed_zeros = func == "copysign" or (not is_gpu(device) and func not in ("minimum", "maximum"))
    check(f"{func}(a, b)", device, a=a, b=b, ulp=ulp, abs_tol=abs_tol, precise=True, unchecked=unchecked,
          signed_zeros=signed_zeros)  # fmt: skip


@pytest.mark.parametrize("dtype", FLOATS)
def test_arctan2_of_zeros(request, device, dtype):
    """README: arctan2 gives "C's signed zeros and ±π": arctan2(±0, +0) = ±0, arctan2(±0, -0) = ±π."""
    if mesa_software_gpu(device, "Vulkan", "Gl") and dtype == "float32":
        request.applymarker(pytest.mark.xfail(strict=True, reason=(
            "the GPU's f32 arctan2(±0, ±0) is ±3π/4 (2.3561912) on lavapipe and llvmpipe; numpy "
            "gives ±0 for +0 and ±π for -0 (the GPU's f64 and the CPU are right)")))  # fmt: skip
    a = np.array([0.0, -0.0, 0.0, -0.0, 0.0, -0.0], dtype)
    b = np.array([0.0, 0.0, -0.0, -0.0, 1.0, -1.0], dtype)
    check("arctan2(a, b)", device, a=a, b=b, ulp=0.5)


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("func", BINARY)
def test_binary_function_of_integers(device, func, dtype):
    """arctan2/hypot/copysign of integers give float64; minimum/maximum keep the type."""
    a = _int_values(dtype)
    b = np.roll(a, 3)
    ulp, abs_tol = tolerance(func, "float64", device)
    check(f"{func}(a, b)", device, a=a, b=b, ulp=ulp, abs_tol=abs_tol, precise=True, signed_zeros=not is_gpu(device))


@pytest.mark.parametrize("dtype", DTYPES)
def test_where(device, dtype):
    rng = np.random.default_rng(5)
    c = rng.random(257) > 0.5
    a = (rng.standard_normal(257) * 100).astype(dtype)
    b = (rng.standard_normal(257) * 100).astype(dtype)
    check("where(c, a, b)", device, c=c, a=a, b=b)
    check("where(a > b, a, b)", device, a=a, b=b)
    if dtype != "bool":
        check("where(c, a, 0)", device, c=c, a=a)  # a weak scalar keeps a's type
        check("where(a > 1, a, 0)", device, a=a)
        check("where(a, 1, a)", device, a=a)  # the condition is a's truth (nonzero, NaN too)
        check("where(c, a, 2.5)", device, c=c, a=a)
    if dtype in FLOATS:
        # README: where's condition is "a where cond is nonzero", "NaN is nonzero", on both backends
        n = np.array([np.nan, -0.0, 0.0, 1.0, -np.nan, np.inf, 5e-324 if dtype == "float64" else 1.0] * 9, dtype)
        check("where(n, 2, n)", device, n=n)
        check("where(n, a, b)", device, n=n, a=a[: n.size], b=b[: n.size])


@pytest.mark.xfail(strict=True, reason="compute's result dtype promotes every array the expression names, "
                   "numpy's only the operands that reach the result: an array used only in a comparison or "
                   "a where condition changes compute's dtype (where(a > 1, 2, 3) is a's dtype, numpy int64)")  # fmt: skip
@pytest.mark.parametrize("ex", ["where(a > 1, 2, 3)", "where(a > 0, b, b)", "b * (a > 0)", "sum(where(a > 0, 1, 0))"])
def test_result_dtype_follows_only_the_values(device, ex):
    a = np.array([1.0, -1.0, 2.0, 0.5])  # float64, only compared
    b = np.array([1.5, 2.5, 3.5, 4.5], np.float32)
    check(ex, device, a=a, b=b)


@pytest.mark.xfail(strict=True, reason="compute's result dtype promotes every array and Python scalar the "
                   "expression names at once, numpy's op by op: a bool array times a Python int is int64 to "
                   "numpy (times a float, float64) before it meets a narrower array (2*a + b*3 with float32 a "
                   "and bool b is float64 to numpy, float32 to compute)")  # fmt: skip
@pytest.mark.parametrize("ex", ["2*a + b*3", "b*1.5 + a", "b*3 + i"])
def test_a_bool_array_with_a_python_scalar_promotes_op_by_op(device, ex):
    a = np.array([1.5, -2.5, 3.25, 0.5], np.float32)
    b = np.array([True, False, True, True])
    i = np.array([1, -2, 3, 4], np.int32)
    check(ex, device, a=a, b=b, i=i)


# ---------------------------------------------------------------------------------------------
# operators
# ---------------------------------------------------------------------------------------------


def _int_pairs(dtype, n=200, seed=1):
    """Edge values against each other (zero divisors, MIN and -1, wrapping), then random pairs."""
    v = _int_values(dtype)
    a, b = np.meshgrid(v, v)
    rng = np.random.default_rng([seed, INTS.index(dtype)])
    info = np.iinfo(dtype)
    ra = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    rb = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    sa = rng.integers(max(info.min, -50), 50, n, dtype=dtype, endpoint=True)
    sb = rng.integers(max(info.min, -9), 9, n, dtype=dtype, endpoint=True)
    return np.concatenate([a.ravel(), ra, sa]), np.concatenate([b.ravel(), rb, sb])


@pytest.mark.parametrize("op", ["+", "-", "*", "//", "%", "/"])
@pytest.mark.parametrize("dtype", INTS)
def test_integer_operator(device, dtype, op):
    """Wrapping + - *; floor division and modulo with numpy's signs, `x // 0 == x % 0 == 0`,
    MIN // -1 == MIN; `/` is float64."""
    a, b = _int_pairs(dtype)
    check(f"a {op} b", device, a=a, b=b, ulp=0.0 if not is_gpu(device) else 3.5)
    check(f"a {op} 7", device, a=a)
    check(f"-a {op} 3" if op != "/" else "a / 3", device, a=a, ulp=0.0 if not is_gpu(device) else 3.5)


@pytest.mark.parametrize("dtype", INTS)
def test_integer_unary_minus_abs_and_wrapping(device, dtype):
    a = _int_values(dtype)
    check("-a", device, a=a)
    check("abs(a)", device, a=a)
    check("a + 1", device, a=a)
    check("a - 1", device, a=a)
    check("a * a", device, a=a)
    check("a * 2 + 1", device, a=a)


@pytest.mark.parametrize("dtype", INTS)
def test_integer_power(device, dtype):
    """Wrapping repeated multiplication (numpy's), non-negative exponents."""
    rng = np.random.default_rng(7)
    a = np.concatenate([_int_values(dtype), rng.integers(0, 20, 100).astype(dtype)])
    b = rng.integers(0, 40, a.size).astype(dtype)
    check("a ** b", device, a=a, b=b)
    check("a ** 3", device, a=a)
    check("a ** 0", device, a=a)


@pytest.mark.parametrize("ex", [
    pytest.param("a ** b", marks=pytest.mark.xfail(strict=True, reason=(
        "numpy raises ValueError for integers to negative integer powers; with an array exponent "
        "compute gives the truncated 1 / x**-e (its README's Pow row); a literal one is refused"))),
    "a ** -1",
])
def test_integer_negative_power_is_numpys_error(device, ex):
    a = np.array([1, 2, -3, 4], np.int32)
    b = np.array([-1, 2, -3, -2], np.int32)
    with pytest.raises(ValueError):
        numpy_eval(ex, {"a": a, "b": b})
    with pytest.raises(ValueError):
        compute_eval(ex, {"a": a, "b": b}, device)


def _gpu_float_operator_tolerance(op, dtype):
    """README: GPU f32 `/` 2.5 ULP (WGSL), f64 `/` within 3 ULP; `//` and `%` "within 1 + 4 ULP
    (quotient) or |b| + 2 ULP of a (remainder) ... ±inf and NaN operands are unspecified";
    `**` is `pow`; + - * correctly rounded."""

    def tol(vals, ref):
        a, b = np.asarray(vals["a"], np.float64), np.asarray(vals["b"], np.float64)
        sp = ulp_of(ref)
        with np.errstate(all="ignore"):
            if op == "/":
                return 3.0 * sp
            if op == "//":
                return 1 + 4 * sp
            if op == "%":
                return np.abs(b) + 2 * ulp_of(vals["a"])
            if op == "**":
                if dtype == "float64":
                    return (cpu_bound("pow", dtype) + 4.5) * sp
                # exp2(b · log2(a)): exp2's 3 + 2|y| ULP with y = b·log2|a|, plus log2's error
                # (2^-21 absolute on [0.5, 2], 3 ULP elsewhere) times |b| carried through exp2
                y = np.abs(b * np.log2(np.abs(a)))
                lerr = np.where((np.abs(a) >= 0.5) & (np.abs(a) <= 2), 2.0**-21, 3 * F32_ULP * np.abs(np.log2(np.abs(a))))
                tol = (3 + 2 * y) * sp + np.abs(ref) * np.abs(b) * lerr * np.log(2) * 1.01
                return np.nan_to_num(tol, nan=0.0, posinf=np.inf)  # 0 · log2(0): exact cases
        return np.zeros_like(sp)  # + - *: correctly rounded

    return tol


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "//", "%", "**"])
@pytest.mark.parametrize("dtype", FLOATS)
def test_float_operator(device, dtype, op):
    """IEEE + - * / (the CPU exactly numpy's), numpy's divmod for // and %, C's pow for **."""
    a, b = binary_inputs(dtype)
    gpu = is_gpu(device)
    open_ = gpu_f32_specials(device, dtype) if dtype == "float32" else gpu_subnormal_operands(device)
    unchecked = open_
    if gpu and op == "**" and dtype == "float64":
        # (-1) ** ±the largest float: test_power_of_minus_one_to_a_huge_integer (an xfail there)
        unchecked = lambda vals, ref: open_(vals, ref) | ((vals["a"] == -1) & (np.abs(vals["b"]) == np.finfo(dtype).max))  # noqa: E731
    if gpu and op == "**" and dtype == "float32":
        # WGSL's pow is inherited from exp2(b · log2(a)): within (3 + 2|b·log2 a|) ULP of the
        # largest float it may overflow (lavapipe: 3.4028235e38 ** 1 is inf)
        unchecked = lambda vals, ref: open_(vals, ref) | (np.abs(ref.astype(np.float64)) * (1 + 600 * F32_ULP) > np.finfo(dtype).max)  # noqa: E731
    if op == "**":
        ulp = cpu_bound("pow", dtype) + 0.5
        check("a ** b", device, a=a, b=b, ulp=0 if gpu else ulp, precise=True,
              abs_tol=_gpu_float_operator_tolerance(op, dtype) if gpu else None,
              unchecked=unchecked, signed_zeros=not gpu)  # fmt: skip
        return
    if gpu and op in ("//", "%"):
        # README: ±inf and NaN operands are unspecified for the GPU's // and % (f64 too); a
        # quotient past the largest float, or a dividend at it, is test_remainder_near_overflow
        def unchecked(vals, ref):
            a, b = vals["a"], vals["b"]
            with np.errstate(all="ignore"):
                q = np.abs(a.astype(np.float64) / b.astype(np.float64))
            big = (q > np.finfo(dtype).max) | (np.abs(a) > np.finfo(dtype).max * (1 - 2.0**-20))
            return open_(vals, ref) | ~(np.isfinite(a) & np.isfinite(b)) | big
    check(f"a {op} b", device, a=a, b=b, abs_tol=_gpu_float_operator_tolerance(op, dtype) if gpu else None,
          unchecked=unchecked, signed_zeros=not gpu)  # fmt: skip


@pytest.mark.parametrize("dtype", FLOATS)
def test_power_of_minus_one_to_a_huge_integer(request, device, dtype):
    """C's pow: a negative base to an integer exponent keeps its sign by the exponent's parity;
    every float past 2^53 (2^24 in f32) is an even integer: (-1) ** 1e300 == 1."""
    if mesa_software_gpu(device, "Vulkan") and dtype == "float64":
        request.applymarker(pytest.mark.xfail(strict=True, reason=(
            "the GPU's f64 pow gives NaN for (-1.0) ** ±1.7976931348623157e308 (the largest float, an "
            "even integer; numpy: 1.0); 1e300, 1e30 and 2^60 give 1.0 (lavapipe)")))  # fmt: skip
    fi = np.finfo(dtype)
    b = np.array([fi.max, -fi.max, 1e30, -1e30, 2.0**60, 2.0**24 + 2, 1e300 if dtype == "float64" else 1e38], dtype)
    a = np.full_like(b, -1.0)
    check("a ** b", device, a=a, b=b)


@pytest.mark.parametrize("dtype", FLOATS)
def test_remainder_near_overflow(request, device, dtype):
    """`a % b` where a / b is past the largest float, or a is the largest float: numpy's fmod
    gives the exact remainder (|r| < |b|); the README bounds the GPU's to |b| + 2 ULP of a."""
    if mesa_software_gpu(device, "Vulkan", "Gl"):
        request.applymarker(pytest.mark.xfail(strict=True, reason=(
            "on the GPU `a % b` is ±inf where a / b overflows or a is the largest float: float32 "
            "1e30 % 1e-30, 10 % 1.2e-38, 3e38 % 0.1 and 3.4028235e38 % 100 give -inf (lavapipe and "
            "llvmpipe; numpy 8.2e-31, 2.7e-39, 0.0796, 40), float64 1e300 % 1e-300 and "
            "1.7976931348623157e308 % 1.5 give -inf (lavapipe; numpy 4.9e-301, 0.5)")))  # fmt: skip
    m = np.finfo(dtype).max
    if dtype == "float32":
        a = np.array([1e30, 10.0, 3e38, -1e30, m, -m], dtype)
        b = np.array([1e-30, 1.2e-38, 0.1, 1e-30, 100.0, 100.0], dtype)
    else:
        a = np.array([1e300, 1e200, -1e300, 1e308, m, -m], dtype)
        b = np.array([1e-300, 1e-200, 1e-300, 1e-10, 1.5, 3.0], dtype)
    tol = (lambda vals, ref: np.abs(vals["b"]).astype(np.float64) + 2 * ulp_of(vals["a"])) if is_gpu(device) else None
    check("a % b", device, a=a, b=b, abs_tol=tol, signed_zeros=not is_gpu(device))


@pytest.mark.parametrize("dtype", FLOATS)
def test_float_floordiv_mod_small_values(device, dtype):
    """numpy's divmod signs and the exact cases: -7 // 2, 7 % -2, 1 % inf, x // 0."""
    v = np.array([-7.0, 7.0, -7.5, 7.5, 0.0, -0.0, 1.0, -1.0, 5.25, -5.25, 1e-3, 3.0], dtype)
    w = np.array([2.0, -2.0, 0.5, -0.5, 3.0, -3.0, 0.25, 4.0, -4.0, 1.0, -1.0, 7.0], dtype)
    a, b = np.meshgrid(v, w)
    a, b = a.ravel(), b.ravel()
    check("a // b", device, a=a, b=b, signed_zeros=not is_gpu(device))
    check("a % b", device, a=a, b=b, signed_zeros=not is_gpu(device))
    if not is_gpu(device):
        z = np.zeros_like(a)
        check("a // z", device, a=a, z=z)
        check("a % z", device, a=a, z=z)
        check("a % i", device, a=a, i=np.full_like(a, np.inf))


@pytest.mark.parametrize("dtype", FLOATS)
def test_float_unary_minus_and_precedence(device, dtype):
    rng = np.random.default_rng(11)
    a = np.concatenate([specials(dtype), rng.standard_normal(100).astype(dtype)])
    b = rng.uniform(0.5, 2, a.size).astype(dtype)
    gpu = is_gpu(device)
    unchecked = gpu_f32_specials(device, dtype)
    check("-a", device, a=a, unchecked=unchecked)
    # -(a**2): `**` is pow (README: e^(y·ln|x|), within its bound; numpy squares exactly)
    pow_tol = _gpu_float_operator_tolerance("**", dtype)
    check("-a**2", device, a=a, unchecked=unchecked, signed_zeros=not gpu, ulp=cpu_bound("pow", dtype) + 0.5,
          abs_tol=(lambda vals, ref: pow_tol({"a": vals["a"], "b": np.full(ref.shape, 2.0)}, ref)) if gpu else None)  # fmt: skip
    check("a * b + 1", device, a=a, b=b, ulp=1 if gpu else 0, unchecked=unchecked, signed_zeros=not gpu)  # a driver may fuse
    check("(a + b) * (a - b) / 4", device, a=a, b=b, ulp=6 if gpu else 0, unchecked=unchecked, signed_zeros=not gpu)


# ---------------------------------------------------------------------------------------------
# comparisons, logic, bits
# ---------------------------------------------------------------------------------------------

COMPARISONS = ["<", "<=", ">", ">=", "==", "!="]


@pytest.mark.parametrize("op", COMPARISONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_comparison(device, dtype, op):
    if dtype in FLOATS:
        a, b = binary_inputs(dtype)
    elif dtype == "bool":
        a, b = np.array([True, True, False, False]), np.array([True, False, True, False])
    else:
        a, b = _int_pairs(dtype)
    # README: "On the CPU comparisons are IEEE ...; WGSL leaves NaN comparisons unspecified"
    unchecked = (lambda vals, ref: np.isnan(vals["a"]) | np.isnan(vals.get("b", 0))) if is_gpu(device) and dtype in FLOATS else None  # noqa: E731
    check(f"a {op} b", device, a=a, b=b, unchecked=unchecked)
    if dtype != "bool":
        check(f"a {op} 1", device, a=a, unchecked=unchecked)
        check(f"2 {op} a", device, a=a, unchecked=unchecked)


@pytest.mark.parametrize("dtype", ["float32", "int32", "int64", "float64"])
def test_logical_operators_on_comparisons(device, dtype):
    rng = np.random.default_rng(13)
    a = (rng.standard_normal(333) * 10).astype(dtype)
    b = (rng.standard_normal(333) * 10).astype(dtype)
    check("(a > 0) & (b < 1)", device, a=a, b=b)
    check("(a > 0) | (b < 1)", device, a=a, b=b)
    check("(a > 0) ^ (b < 1)", device, a=a, b=b)
    check("~(a > b)", device, a=a, b=b)
    check("~((a > 0) & ~(b < 1)) | (a == b)", device, a=a, b=b)
    check("where((a > 0) & (b > 0), a, b)", device, a=a, b=b)


def test_boolean_arrays(device):
    p = np.array([True, True, False, False] * 16)
    q = np.array([True, False, True, False] * 16)
    for ex in ["p & q", "p | q", "p ^ q", "~p", "p & ~q", "p == q", "p != q", "p + q", "p * q",
               "p > q", "p + k", "p * 2.5", "p / q", "where(p, q, ~q)", "p & True", "p | False", "p + True"]:  # fmt: skip
        check(ex, device, p=p, q=q, k=1)


@pytest.mark.parametrize("ex", ["p + 1", "p * 2", "p | 1", "p & 2", "where(p, p, 0)"])
def test_integer_literal_with_bool_array(device, ex):
    check(ex, device, p=np.array([True, False, True, True]))


@pytest.mark.xfail(strict=True, reason="numpy refuses `-` on bool arrays (TypeError); compute gives a bool array")
@pytest.mark.parametrize("ex", ["p - q", "-p"])
def test_boolean_subtract_is_numpys_error(device, ex):
    vals = {"p": np.array([True, False, True]), "q": np.array([True, True, False])}
    with pytest.raises(TypeError):
        numpy_eval(ex, vals)
    with pytest.raises(TypeError):
        compute_eval(ex, vals, device)


@pytest.mark.xfail(strict=True, reason="numpy gives int8 for `**`, `//` and `%` of two bool arrays; compute gives bool")
@pytest.mark.parametrize("op", ["**", "//", "%"])
def test_boolean_power_floordiv_mod(device, op):
    check(f"p {op} q", device, p=np.array([True, False, True, False]), q=np.array([True, True, False, False]))


@pytest.mark.parametrize("dtype", INTS)
def test_bitwise(device, dtype):
    a, b = _int_pairs(dtype, seed=17)
    for ex in ["a & b", "a | b", "a ^ b", "~a", "~a & b | a ^ 5", "a & 255", "(a | 1) ^ b"]:
        check(ex, device, a=a, b=b)


@pytest.mark.parametrize("op", ["<<", ">>"])
@pytest.mark.parametrize("dtype", INTS)
def test_shifts_every_count(device, dtype, op):
    """numpy's shifts: the count read as unsigned; at or past the width, or negative, `<<` gives
    0 and `>>` the sign; `>>` arithmetic on signed types."""
    width = np.dtype(dtype).itemsize * 8
    info = np.iinfo(dtype)
    counts = list(range(-3 if info.min < 0 else 0, width + 6))
    if info.min == 0:
        counts += [info.max, info.max - 1, 2**31 + 1]
    counts = np.array(counts, dtype)
    vals = np.array([v for v in [1, 5, -5, -1, info.max, info.min, 0x5A5A5A5A, -0x5A5A5A5A] if info.min <= v <= info.max], dtype)
    a, s = np.meshgrid(vals, counts)
    check(f"a {op} s", device, a=a.ravel(), s=s.ravel())
    for k in (0, 1, width - 1, width, width + 1, 40, 100):
        if k <= info.max:
            check(f"a {op} {k}", device, a=vals)


def test_shift_counts_of_another_type(device):
    """int32 << uint32 is int64 in numpy (promotion first, then the shift)."""
    a = np.array([-5, 5, 1, -1, 2**31 - 1], np.int32)
    s = np.array([33, 1, 31, 40, 2], np.uint32)
    check("a << s", device, a=a, s=s)
    check("a >> s", device, a=a, s=s)


# ---------------------------------------------------------------------------------------------
# dtypes: promotion, weak Python scalars (NEP 50), strong numpy scalars and 0-d arrays
# ---------------------------------------------------------------------------------------------


def _data(dtype, n=64, seed=0):
    rng = np.random.default_rng([seed, DTYPES.index(dtype)])
    if dtype == "bool":
        return rng.random(n) > 0.5
    return (rng.random(n) * 100).astype(dtype)


@pytest.mark.parametrize("db", DTYPES)
@pytest.mark.parametrize("da", DTYPES)
def test_mixed_dtypes(device, da, db):
    """numpy 2's promotion table for every pair (float32 + int32 is float64, uint64 + int64
    float64, bool + int32 int32, ...)."""
    a, b = _data(da, seed=1), _data(db, seed=2)
    gpu = is_gpu(device)
    check("a + b", device, a=a, b=b)
    check("a * b", device, a=a, b=b, ulp=0.5 if gpu else 0)
    check("a > b", device, a=a, b=b)
    check("where(a > b, a, b)", device, a=a, b=b)
    if "bool" not in (da, db):
        check("a - b", device, a=a, b=b)
        check("a / b", device, a=a, b=b, ulp=3 if gpu else 0)


@pytest.mark.parametrize("ex", ["a / (b + 1)", "(i + j) * a", "(b * b) - a", "where(i > 0, b, i)"])
def test_inputs_are_converted_to_the_result_dtype_first(device, ex):
    """README ("From Python"): "Inputs of another dtype than the result's are converted once":
    the whole expression runs in the result's dtype, so a float32 or int32 subexpression is not
    rounded or wrapped in its own type as numpy's operation-by-operation promotion does
    (numpy's (i + j) * a wraps i + j in int32 first; compute's does not). The reference here
    is numpy over the inputs converted first; compute.evaluate's dtype is numpy's own."""
    vals = {"a": np.array([58.6666002793995, 0.5351767408380836, 1.0, 3.0]),
            "b": np.array([15.006227, 63.31844, 16777217.0, 0.1], np.float32),
            "i": np.array([2**31 - 1, 5, -(2**31), 7], np.int32),
            "j": np.array([1, 1, -1, 1], np.int32)}  # fmt: skip
    used = {k: v for k, v in vals.items() if k in ex}
    want = np.asarray(numpy_eval(ex, used))
    converted = {k: v.astype(want.dtype) for k, v in used.items()}
    got = compute_eval(ex, used, device)
    assert_matches(ex, got, numpy_eval(ex, converted), ulp=3 if is_gpu(device) else 0)


@pytest.mark.parametrize("ex,dtype", [("a > -1", "uint32"), ("a == -5", "uint64"), ("a < 3000000000", "int32"),
                                      ("a != k", "uint32"), ("a >= k", "uint64")])  # fmt: skip
def test_comparison_with_an_out_of_range_python_int(device, ex, dtype):
    """numpy 2 compares an integer array with an out-of-range Python int (u32 > -1 is all True);
    compute raises OverflowError, as its README says ("OverflowError for an integer scalar past
    the dtype"): a documented difference, never a wrong answer."""
    vals = {"a": np.array([0, 5, 7, 100], dtype), "k": -1}
    assert numpy_eval(ex, vals).dtype == bool
    with pytest.raises(OverflowError):
        compute_eval(ex, vals, device)


@pytest.mark.parametrize("ex", [
    "a + 2**40", "a * 2**31", "a + 65536 * 65536", "a - (2147483647 + 1)", "a + (2**40 - 2**40)",
    pytest.param("a < 2**40", marks=pytest.mark.xfail(strict=True, reason=(
        "numpy 2 compares an integer array with a Python int past its range (all True); "
        "compute refuses the literal (OverflowError), as for arithmetic"))),
])
def test_integer_literal_arithmetic_is_pythons(device, ex):
    vals = {"a": np.array([1, 2, 3], np.int32)}
    try:
        want = numpy_eval(ex, vals)
    except OverflowError:
        with pytest.raises(OverflowError):
            compute_eval(ex, vals, device)
        return
    check(ex, device, **vals)
    assert want.shape == (3,)


WEAK_LITERALS = [
    ("float32", "a * 2"), ("float32", "a * 2.5"), ("float32", "a + 1e-3"), ("float64", "a * 2.5"),
    ("int32", "a * 2"), ("int32", "a * 2.5"), ("int32", "a + True"), ("uint32", "a + 1"),
    ("uint32", "a * 3000000000"), ("int64", "a * 2.5"), ("int64", "a + 2**40"),
    ("uint64", "a + 9223372036854775808"), ("bool", "a * 2.5"), ("bool", "a + True"), ("int32", "2 - a"),
    ("float32", "1 / a"), ("int32", "a // 2.5"), ("float32", "a * 1e-45"), ("int64", "a * -3"),
]  # fmt: skip


@pytest.mark.parametrize("dtype,ex", WEAK_LITERALS)
def test_python_literals_are_weak(device, dtype, ex):
    """NEP 50: a literal takes the array's type when its kind allows: float32 * 2 and
    float32 * 2.5 stay float32, int32 * 2.5 is float64, uint32 * 3000000000 stays uint32."""
    a = _data(dtype, seed=3) if dtype == "bool" else _data(dtype, seed=3) + 1
    ulp = 3 if is_gpu(device) and "/" in ex else 0
    check(ex, device, a=a, ulp=ulp, unchecked=gpu_f32_specials(device, dtype) if "e-45" in ex else None)


@pytest.mark.parametrize("scalar", [2, 2.5, True, -3, 3000000000])
@pytest.mark.parametrize("dtype", DTYPES)
def test_python_scalars_by_name_are_weak(device, dtype, scalar):
    """The same for a name bound to a Python scalar: ``a * k`` with k = 2, 2.5, True, ..."""
    info = np.iinfo(dtype) if dtype in INTS else None
    a = _data(dtype, seed=3) if dtype == "bool" else _data(dtype, seed=3) + 1
    if isinstance(scalar, int) and not isinstance(scalar, bool) and info and not info.min <= scalar <= info.max:
        # out of the array's range: numpy 2 raises OverflowError in arithmetic, and so does compute
        for ex in ("a * k", "a + k"):
            with pytest.raises(OverflowError):
                numpy_eval(ex, {"a": a, "k": scalar})
            with pytest.raises(OverflowError):
                compute_eval(ex, {"a": a, "k": scalar}, device)
        return
    check("a * k", device, a=a, k=scalar)
    check("a + k", device, a=a, k=scalar)
    check("a > k", device, a=a, k=scalar)


@pytest.mark.parametrize(
    "dtype,scalar",
    [("float32", np.float64(2.5)), ("float32", np.array(2.5)), ("int32", np.int64(3)), ("int32", np.float32(0.5)),
     ("uint32", np.array(3, np.int32)), ("float32", np.array(3, np.int64)), ("int32", np.uint32(7)),
     ("bool", np.array(True)), ("int64", np.array(2.5, np.float32))],
)  # fmt: skip
def test_numpy_scalars_and_0d_arrays_are_strong(device, dtype, scalar):
    """A numpy scalar or 0-d array takes part in promotion with its own dtype."""
    a = _data(dtype, seed=4)
    check("a * k", device, a=a, k=scalar, ulp=0.5 if is_gpu(device) else 0)
    check("a > k", device, a=a, k=scalar)


@pytest.mark.parametrize("ex", ["a + b", "a * b - 1", "sqrt(a) + b", "a > b", "where(a > b, a, b)"])
def test_0d_arrays(device, ex):
    """0-d arrays alone give a 0-d result (numpy gives a scalar of the same dtype)."""
    for da, db in [("float32", "int32"), ("float64", "float64"), ("int64", "int64"), ("float32", "float32")]:
        a, b = np.array(2.25, da), np.array(3, db)
        check(ex, device, a=a, b=b, ulp=5 if is_gpu(device) else 0)


@pytest.mark.parametrize("ex", ["1 + 2", "1.5 * 2", "2 > 1", "7 // 2", "-7 % 3", "sqrt(4.0)", "2 ** 10"])
def test_constants_alone(device, ex):
    check(ex, device)


# ---------------------------------------------------------------------------------------------
# shapes and layouts
# ---------------------------------------------------------------------------------------------

SHAPES = [(0,), (1,), (3,), (7,), (64,), (1000,), (4097,), (3, 4), (2, 3, 4), (0, 3), (4, 0, 2)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "uint64"])
def test_shapes(device, shape, dtype):
    rng = np.random.default_rng(19)
    a = (rng.random(shape) * 10).astype(dtype)
    b = (rng.random(shape) * 10 + 1).astype(dtype)
    gpu = is_gpu(device)
    check("a * 2 + b", device, a=a, b=b, ulp=1 if gpu else 0)
    check("where(a > b, a - b, b // 2)", device, a=a, b=b)
    check("a >= b", device, a=a, b=b)


BROADCASTS = [((3, 1), (1, 4)), ((4,), (3, 4)), ((2, 1, 4), (3, 1)), ((), (3, 4)), ((1,), (5,)),
              ((0, 1), (1, 4)), ((3, 1), (3, 0)), ((1, 1, 1), (2, 3, 4))]  # fmt: skip


@pytest.mark.parametrize("sa,sb", BROADCASTS, ids=str)
def test_broadcasting(device, sa, sb):
    rng = np.random.default_rng(23)
    a = rng.standard_normal(sa).astype(np.float32)
    b = rng.integers(-5, 5, sb).astype(np.int32)
    c = rng.standard_normal(sb)
    gpu = is_gpu(device)
    check("a * b + 1", device, a=a, b=b, ulp=1 if gpu else 0)
    check("a > c", device, a=a, c=c)
    check("where(a > 0, a, c)", device, a=a, c=c)


def _layouts(dtype):
    rng = np.random.default_rng(29)
    base = (rng.standard_normal((12, 10)) * 50).astype(dtype)
    flat = (rng.standard_normal(1001) * 50).astype(dtype)
    return {
        "reversed": (flat[::-1], flat[::-1].copy()),
        "negative stride 2": (flat[::-2], flat[::-2].copy()),
        "every third": (flat[1::3], flat[1::3].copy()),
        "fortran": (np.asfortranarray(base), base.copy()),
        "transposed": (base.T, base.T.copy()),
        "column slice": (base[:, ::3], base[:, ::3].copy()),
        "both negative": (base[::-1, ::-2], base[::-1, ::-2].copy()),
    }


@pytest.mark.parametrize("layout", list(_layouts("float32")))
@pytest.mark.parametrize("dtype", ["float32", "int64"])
def test_non_contiguous_inputs(device, dtype, layout):
    view, contiguous = _layouts(dtype)[layout]
    assert not view.flags.c_contiguous
    ex = "a * 3 - 1" if dtype == "int64" else "sqrt(abs(a)) * 3 - 1"
    tol = 8 if is_gpu(device) else 0
    got = check(ex, device, a=view, ulp=tol)
    # the same values as from a C-contiguous copy
    assert_matches(ex, got, compute_eval(ex, {"a": contiguous}, device), ulp=tol)
    check("a + b", device, a=view, b=np.ascontiguousarray(view[..., ::-1]))


def test_an_expression_run_on_arrays_as_they_are_then_on_anything_else(device):
    # a call over 1-D contiguous arrays of the working dtype lets the next call of the same
    # expression skip the plan (`run_fresh`); every other kind of value must still get
    # numpy's answer, in any order
    rng = np.random.default_rng(37)
    f32 = rng.standard_normal(1001).astype(np.float32)
    unaligned = np.frombuffer(b"\0" + f32.tobytes(), np.float32, 1001, 1)
    assert not unaligned.flags.aligned
    gpu = is_gpu(device)
    seq = [
        dict(a=f32, b=f32[::-1].copy()),
        dict(a=f32 * 2, b=f32),
        dict(a=f32[:7].copy(), b=f32[:7].copy()),
        dict(a=f32.astype(np.float64), b=f32.astype(np.float64)),
        dict(a=f32, b=3),
        dict(a=f32, b=np.float32(3)),
        dict(a=f32, b=np.array(2.5, np.float32)),
        dict(a=f32[:1000].reshape(40, 25), b=f32[1:].reshape(40, 25)),
        dict(a=f32[:1000:2], b=f32[1::2]),
        dict(a=unaligned, b=f32),
        dict(a=f32, b=f32 > 0),
        dict(a=f32.astype(np.int32), b=f32.astype(np.int32)),
        dict(a=f32[:0], b=f32[:0]),
        dict(a=f32, b=f32[:1]),
        dict(a=f32, b=f32),
        dict(a=f32[:0], b=f32[:1]),
        dict(a=f32, b=f32),
    ]
    for ex in ("a * 2 + b", "where(a > b, a, -b)", "a >= b"):
        for values in seq:
            if gpu and any(np.asarray(v).dtype == np.float64 for v in values.values()):
                continue  # llvmpipe's GL lacks f64 (tested where the adapter has it)
            if "-b" in ex and np.asarray(values["b"]).dtype == bool:
                continue  # numpy refuses `-` of booleans
            check(ex, device, ulp=1 if gpu else 0, **values)
    with pytest.raises(ValueError, match="broadcast"):
        compute_eval("a * 2 + b", dict(a=f32, b=f32[:10]), device)
    a = f32.copy()
    got = compute_eval("a * 2 + b", dict(a=a, b=a), device)
    assert got is not a and np.array_equal(a, f32)


# ---------------------------------------------------------------------------------------------
# reductions, count, mean, dot
# ---------------------------------------------------------------------------------------------


def _sum_bound(values, dtype, extra=0):
    """README: a float sum is within (⌈log2 n⌉ + 16) · ε · Σ|xᵢ| of the exact sum (ε the
    unit roundoff: 2^-24 for f32, 2^-53 for f64)."""
    n = max(values.size, 2)
    eps = np.finfo(dtype).eps / 2
    return (math.ceil(math.log2(n)) + 16 + extra) * eps * math.fsum(np.abs(values.astype(np.float64)).ravel())


def _reduction_data(dtype, n, seed=31):
    rng = np.random.default_rng([seed, n])
    if dtype == "bool":
        return rng.random(n) > 0.3
    if dtype in FLOATS:
        return (rng.standard_normal(n) * 10).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(max(info.min, -(2**40)), min(info.max, 2**40), n, dtype=dtype, endpoint=True)


LENGTHS = [0, 1, 3, 7, 64, 1000, 4097]


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("how", ["sum", "prod", "min", "max"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_reductions(device, dtype, how, n):
    """numpy's dtype (sum/prod of int32 is int64, of bool int64; min of bool bool), integers
    exactly (wrapping as numpy's), floats within the documented bounds; an empty min or max is
    numpy's ValueError."""
    a = _reduction_data(dtype, n)
    if how == "prod" and dtype in FLOATS:
        a = (1 + (a.astype(np.float64) / 1000)).astype(dtype)  # no overflow: the bound holds
    if how == "prod" and dtype in INTS:
        a = a % 7 + (np.arange(n) % 3 == 0)  # small factors, still wrapping past 2^64
        a = a.astype(dtype)
    vals = {"a": a}
    ex = f"{how}(a)"
    if n == 0 and how in ("min", "max"):
        with pytest.raises(ValueError):
            numpy_eval(ex, vals)
        with pytest.raises(ValueError, match="zero-size array"):
            compute_eval(ex, vals, device)
        return
    want = numpy_eval(ex, vals)
    got = compute_eval(ex, vals, device)
    assert isinstance(got, np.generic), f"{ex} gives {type(got).__name__}"
    assert got.dtype == want.dtype, f"{ex} of {dtype}: compute {got.dtype}, numpy {want.dtype}"
    if want.dtype.kind != "f" or how in ("min", "max"):
        assert got == want, f"{ex} of {dtype}[{n}]: compute {got!r}, numpy {want!r}"
    elif how == "sum":
        exact = math.fsum(a.astype(np.float64))
        assert abs(float(got) - exact) <= _sum_bound(a, dtype), f"sum of {dtype}[{n}]: {got!r}, exact {exact!r}"
    else:
        exact = np.prod(a.astype(np.longdouble))
        u = np.finfo(dtype).eps / 2
        err = abs(np.longdouble(got) - exact)
        assert err <= (max(n - 1, 0) + 1) * u * abs(exact), f"prod of {dtype}[{n}]: {got!r}, exact {exact!r}"


@pytest.mark.parametrize("dtype", FLOATS)
def test_reductions_propagate_nan(device, dtype):
    a = _reduction_data(dtype, 1000)
    a[517] = np.nan
    for how in ("sum", "prod", "min", "max"):
        if is_gpu(device) and how in ("min", "max"):
            continue  # README: "NaN propagates through CPU reductions as in numpy"; WGSL's min/max leave it open
        got = compute_eval(f"{how}(a)", {"a": a}, device)
        assert np.isnan(got) and np.isnan(numpy_eval(f"{how}(a)", {"a": a})), f"{how}: {got!r}"


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "uint32"])
@pytest.mark.parametrize("ex", ["sum(a * b)", "sum(a * b + 1)", "max(where(a > b, a, b))", "min(a - b)",
                                "sum(a > b)", "prod(a < 1000)", "sum(where(a > 0, a, 1))"])  # fmt: skip
def test_reduction_of_an_expression(device, dtype, ex):
    rng = np.random.default_rng(37)
    a = (rng.standard_normal((40, 25)) * 20).astype(dtype) if dtype[0] != "u" else rng.integers(0, 100, (40, 25)).astype(dtype)
    b = (rng.standard_normal((40, 25)) * 20).astype(dtype) if dtype[0] != "u" else rng.integers(0, 100, (40, 25)).astype(dtype)
    vals = {"a": a, "b": b}
    want = numpy_eval(ex, vals)
    got = compute_eval(ex, vals, device)
    assert isinstance(got, np.generic) and got.dtype == want.dtype, f"{ex}: compute {got!r}, numpy {want!r}"
    if want.dtype.kind == "f" and ex.startswith("sum"):
        terms = numpy_eval(ex[4:-1], vals)  # the element values, as numpy rounds them
        exact = math.fsum(np.asarray(terms, np.float64).ravel())
        # +1: a GPU driver may fuse the product into the sum (one rounding fewer per term)
        assert abs(float(got) - exact) <= _sum_bound(np.asarray(terms), dtype, extra=1), f"{ex}: {got!r}, exact {exact!r}"
    else:
        assert got == want, f"{ex}: compute {got!r}, numpy {want!r}"


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_module_reductions(device, dtype, n):
    """compute.sum/min/max(a) as np.sum/min/max(a)."""
    a = _reduction_data(dtype, n).reshape(-1, 1) if n % 2 else _reduction_data(dtype, n)
    for mine, theirs in [(compute.sum, np.sum), (compute.min, np.min), (compute.max, np.max)]:
        if n == 0 and theirs is not np.sum:
            with pytest.raises(ValueError):
                compute_call(device, mine, a)
            continue
        got, want = compute_call(device, mine, a), theirs(a)
        assert got.dtype == want.dtype, f"{mine.__name__} of {dtype}: {got.dtype}, numpy {want.dtype}"
        if want.dtype.kind == "f" and theirs is np.sum:
            assert abs(float(got) - math.fsum(a.astype(np.float64).ravel())) <= _sum_bound(a, dtype)
        else:
            assert got == want, f"{mine.__name__} of {dtype}[{n}]: {got!r}, numpy {want!r}"


def test_integer_sums_wrap_as_numpys(device):
    a = np.full(1000, np.iinfo(np.int64).max // 300, np.int64)
    u = np.full(1000, np.iinfo(np.uint64).max // 300, np.uint64)
    for v in ({"a": a}, {"a": u}):
        want = numpy_eval("sum(a)", v)
        got = compute_eval("sum(a)", v, device)
        assert got.dtype == want.dtype and got == want, f"{got!r} vs numpy {want!r}"
    i32 = np.full(5000, 2**31 - 1, np.int32)  # int32 sums in int64: no wrap
    got = compute_eval("sum(a)", {"a": i32}, device)
    assert got.dtype == np.int64 and got == np.sum(i32)


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_count_is_count_nonzero(device, dtype, n):
    a = _reduction_data(dtype, n, seed=41)
    if dtype in FLOATS and n > 3:
        a[3] = -0.0  # (NaN: test_count_counts_nan)
    vals = {"a": a}
    for ex in ["a", "a > 0.5" if dtype in FLOATS else "a > 5", "(a > 0) & (a < 20)", "a * 0", "where(a > 0, a, 0)"]:
        if dtype == "bool" and ex.startswith("a > 5"):
            ex = "a & True"
        with np.errstate(all="ignore"):
            want = np.count_nonzero(numpy_eval(ex, vals))
        got = compute_call(device, compute.count, ex, local_dict=vals, global_dict={})
        assert isinstance(got, int) and got == want, f"count({ex!r}) of {dtype}[{n}]: {got}, numpy {want}"


@pytest.mark.parametrize("dtype", FLOATS)
def test_count_counts_nan(device, dtype):
    """README: "nonzero is true and NaN is nonzero, as numpy" on both backends (lavapipe
    compiles a float `!=` as ordered: the GPU's `!=` is written as "not ==")."""
    a = np.array([np.nan, -0.0, 0.0, 1.0, -np.nan] * 13, dtype)
    for ex in ["a", "a * 1", "where(a, a, 0)"]:
        got = compute_call(device, compute.count, ex, local_dict={"a": a}, global_dict={})
        assert got == np.count_nonzero(numpy_eval(ex, {"a": a})), f"count({ex!r}) of {a[:5]}: {got}"


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_mean(device, dtype, n):
    """np.mean's dtype (float64 for integers and bool, the float's own dtype), NaN for no
    elements; the value within the sum's bound of the exact mean (integers: exact in f64)."""
    a = _reduction_data(dtype, n, seed=43)
    if n % 2:
        a = a.reshape(-1, 1)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning) if n == 0 else _no_warning():
        want = np.mean(a)
    got = compute_call(device, compute.mean, a)
    assert isinstance(got, np.generic) and got.dtype == want.dtype, f"mean of {dtype}: {got!r}, numpy {want!r}"
    if n == 0:
        assert np.isnan(got)
        return
    exact = math.fsum(a.astype(np.float64).ravel()) / n if dtype in FLOATS else float(np.sum(a.astype(object))) / n
    out_dtype = want.dtype
    tol = _sum_bound(a.astype(np.float64) if dtype not in FLOATS else a, dtype if dtype in FLOATS else "float64") / n
    tol += float(ulp_of(out_dtype.type(exact)))
    assert abs(float(got) - exact) <= tol, f"mean of {dtype}[{n}]: {got!r}, exact {exact!r}"


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize("n", LENGTHS)
@pytest.mark.parametrize("da,db", [("float32", "float32"), ("float64", "float64"), ("int32", "int32"),
                                   ("int64", "int64"), ("uint32", "uint32"), ("float32", "int32"),
                                   ("int32", "int64"), ("bool", "int32"),
                                   pytest.param("bool", "bool", marks=pytest.mark.xfail(strict=True, reason=(
                                       "np.dot of two bool arrays is a bool (any a & b); compute.dot gives "
                                       "the int64 count of a & b")))])  # fmt: skip
def test_dot(device, da, db, n):
    """np.dot of two 1-D arrays: their common dtype, integers wrapping in it (no widening)."""
    a = _reduction_data(da, n, seed=47)
    b = _reduction_data(db, n, seed=53)
    if da in INTS:
        a = (a % 100000).astype(da)
        b = (b % 100000).astype(db) if db in INTS else b
    want = np.dot(a, b)
    got = compute_call(device, compute.dot, a, b)
    assert isinstance(got, np.generic) and got.dtype == want.dtype, f"dot {da}·{db}: {got!r}, numpy {want!r}"
    if want.dtype.kind == "f":
        common = want.dtype
        terms = a.astype(common) * b.astype(common)
        exact = math.fsum(terms.astype(np.float64))
        assert abs(float(got) - exact) <= _sum_bound(terms, common, extra=1), f"dot {da}·{db}[{n}]: {got!r}, exact {exact!r}"
    else:
        assert got == want, f"dot {da}·{db}[{n}]: {got!r}, numpy {want!r}"


# ---------------------------------------------------------------------------------------------
# out=, inputs untouched, map
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
def test_out_is_written_in_place(device, dtype):
    rng = np.random.default_rng(59)
    a = (rng.standard_normal((20, 30)) * 10).astype(dtype)
    b = (rng.standard_normal((20, 30)) * 10).astype(dtype)
    vals = {"a": a, "b": b}
    for ex in ["a * 2 + b", "where(a > b, a, b)", "a > b", "abs(a - b)"]:
        want = numpy_eval(ex, vals)
        out = np.full(want.shape, 7, want.dtype)
        copies = _copies(vals)
        got = compute_eval(ex, vals, device, out=out)
        assert got is out, f"{ex}: out= is not the object returned"
        assert_unchanged(vals, copies)
        assert_matches(ex, out, want, ulp=1 if is_gpu(device) else 0)


@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_out_may_be_an_input(device, dtype):
    """out= the very array read: numpy's answer as if computed aside (`a = a * 2 + a[::-1]`
    is not element-wise safe in place through a view, so a reversed view is read too)."""
    rng = np.random.default_rng(61)
    a = (rng.standard_normal(1000) * 10).astype(dtype)
    want = numpy_eval("a * 2 + b", {"a": a, "b": a[::-1]})
    got = compute_eval("a * 2 + b", {"a": a, "b": a[::-1]}, device, out=a)
    assert got is a
    assert_matches("a * 2 + b (into a)", a, want, ulp=1 if is_gpu(device) else 0)


@pytest.mark.parametrize("op,arg", [("sqrt", None), ("exp", None), ("abs", None), ("floor", None), ("isnan", None),
                                    ("add", 3), ("sub", 2.5), ("mul", 2), ("scale", 0.5), ("div", 4), ("floordiv", 3),
                                    ("mod", 3), ("pow", 2), ("minimum", 0), ("maximum", 1)])  # fmt: skip
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_map(device, dtype, op, arg):
    """compute.map(a, op[, k]) is the expression of compute's `_BINARY` (x + k, ...) or op(x)."""
    rng = np.random.default_rng(67)
    a = (rng.standard_normal(500) * 10).astype(dtype)
    ex = {"add": "x + k", "sub": "x - k", "mul": "x * k", "scale": "x * k", "div": "x / k", "floordiv": "x // k",
          "mod": "x % k", "pow": "x ** k", "minimum": "minimum(x, k)", "maximum": "maximum(x, k)"}.get(op, f"{op}(x)")  # fmt: skip
    copies = _copies({"x": a})
    got = compute_call(device, compute.map, a, op, arg)
    assert_unchanged({"x": a}, copies)
    ulp, abs_tol = tolerance(op, dtype if dtype in FLOATS else "float64", device) if op in UNARY else (0.0, None)
    if is_gpu(device) and op in ("div", "floordiv", "mod"):
        ulp = 3.0
    if op == "pow" and dtype in FLOATS:
        ulp = cpu_bound("pow", dtype) + 0.5 + (4 if is_gpu(device) else 0)
    compare_with_numpy(ex, {"x": a, "k": arg}, got, ulp=ulp, abs_tol=abs_tol, precise=True,
                       signed_zeros=not is_gpu(device))  # fmt: skip


def test_evaluate_async_matches_evaluate(device):
    a = np.random.default_rng(71).standard_normal(1000).astype(np.float32)
    want = compute_eval("a * 2 + 1", {"a": a}, device)
    fut = compute_call(device, compute.evaluate_async, "a * 2 + 1", local_dict={"a": a}, global_dict={})
    assert np.array_equal(fut.result(timeout=60), want)
    total = compute_call(device, compute.evaluate_async, "sum(a)", local_dict={"a": a}, global_dict={})
    assert total.result(timeout=60) == compute_eval("sum(a)", {"a": a}, device)


def test_a_remembered_plan_binds_each_calls_arrays(device):
    """The plan of an expression over arrays alone is remembered by their dtypes, shapes and
    layouts: each call still reads its own arrays, and a change of dtype, shape, layout or
    0-d value gets a plan of its own (numpy's answer every time)."""
    rng = np.random.default_rng(7)
    base = rng.random(2 * 1031)
    calls = []
    for dtype in ["float32", "float64", "int64", "int32"]:
        a = (base[:1031] * 100).astype(dtype)
        b = (base[1031:] * 100).astype(dtype)
        calls += [
            (a, b),
            (a[::-1].copy(), b),  # other data, same layout
            (a, np.asarray(b[0])),  # a 0-d array (its value is compiled in)
            (a, np.asarray(b[1])),  # another 0-d value
            (np.concatenate([a, a])[::2], b),  # strided
            (a[::-1], b),  # negative stride
            (a.reshape(1, 1031), b.reshape(1, 1031)),  # 2-D
            (np.tile(a, (2, 1)).T, np.tile(b, (2, 1)).T),  # Fortran order
            (a, b.astype("float64")),  # promotion to float64
            (a, b.astype("bool")),  # a bool array
        ]
    for _ in range(2):  # every layout a second time, now remembered
        for a, b in calls:
            # (a bool `b` times a Python int is int64 to numpy, a type the whole expression's
            # promotion does not see: not asked here)
            scalars = [] if b.dtype == bool else [3, -2]
            for ex, k in [("2 * a + b", None)] + [("2 * a + b * k", k) for k in scalars]:
                want = 2 * a + b if k is None else 2 * a + b * k
                arrays = {"a": a, "b": b} if k is None else {"a": a, "b": b, "k": k}
                if device.policy == "gpu" and want.dtype.itemsize == 8 and not device.gpu_runs(want.dtype.name):
                    continue  # a GPU without 64-bit shaders refuses these (`skip_if_gpu_lacks`)
                got = compute.evaluate(ex, local_dict=arrays, device=device)
                assert got.dtype == want.dtype and got.shape == want.shape, (ex, a.dtype, b.dtype, a.shape)
                if want.dtype.kind == "f":
                    np.testing.assert_allclose(got, want, rtol=4 * np.finfo(want.dtype).eps)
                else:
                    np.testing.assert_array_equal(got, want)
