"""compute: numexpr-style string expressions over numpy arrays, on every CPU core or on the GPU.

    >>> import numpy as np, compute
    >>> a = np.arange(5, dtype=np.float32)
    >>> compute.evaluate("sqrt(2*a + 1)")
    array([1.       , 1.7320508, 2.236068 , 2.6457512, 3.       ], dtype=float32)

One engine: the expression is parsed and run by the Rust crate ``compute`` (fused into one
pass over memory, on rayon's threads or as a WGSL kernel); this module holds numpy's rules
around it: name lookup in the caller's frame (as numexpr), NEP 50 promotion, broadcasting,
``out=``, and Python exceptions.
"""

from __future__ import annotations

import concurrent.futures
import math
import sys
import threading

import numpy as np

from . import _compute
from ._compute import FUNCTIONS, MAX_INPUTS, Device, ParseError, Resident

__all__ = [
    "Device",
    "ExpressionError",
    "FUNCTIONS",
    "MAX_INPUTS",
    "Resident",
    "count",
    "dot",
    "evaluate",
    "evaluate_async",
    "map",
    "max",
    "mean",
    "min",
    "sum",
]

# the dtypes the crate runs; bool arrays ride as 0/1 in the working type
_RUN = {np.dtype(t) for t in ("float32", "float64", "int32", "uint32", "int64", "uint64")}
_BOOL = np.dtype(bool)
_PLAIN_FROM, _PLAIN_BELOW = _compute.PLAIN_BYTES
# numpy's sum and prod accumulate 32-bit integers in 64 bits
_WIDER = {np.dtype("int32"): np.dtype("int64"), np.dtype("uint32"): np.dtype("uint64")}

_CACHE_SIZE = 256
_names_cache: dict = {}
_compiled_cache: dict = {}
_layout_cache: dict = {}
# expression -> the `_Compiled` whose last element-wise call took every value as it was (a
# 1-D, C-contiguous, aligned array of the working dtype; no scalars): the next call offers
# its arrays to `run_fresh`, which runs them if they are still so, before any planning
_direct_cache: dict = {}
_default_device = None
_device_lock = threading.Lock()


class ExpressionError(SyntaxError):
    """A string expression the parser refuses.

    ``kind`` says what is wrong (``"syntax"``, ``"unknown_function"``, ``"argument_count"``,
    ``"reduction_not_outermost"``, ``"types"``, ``"too_deep"``, ``"too_many_names"``, ...),
    ``column`` where (1-based, in characters), ``expression`` the text.
    """

    def __init__(self, message, kind, column, expression):
        super().__init__(message, ("<expression>", 1, column, expression, 1, column + 1))
        self.kind = kind
        self.column = column
        self.expression = expression


def _device(device):
    global _default_device
    if device is not None:
        if not isinstance(device, Device):
            raise TypeError(f"device must be a compute.Device, not {type(device).__name__}")
        return device
    if _default_device is None:
        with _device_lock:
            if _default_device is None:
                _default_device = Device.auto()
    return _default_device


def _remember(cache, key, value):
    if len(cache) >= _CACHE_SIZE:
        cache.clear()
    cache[key] = value
    return value


def _parse_error(e, ex):
    message, kind, column = e.args
    return ExpressionError(message, kind, column, ex)


class _Scan:
    """What an expression reads, before its dtype is known."""

    __slots__ = ("names", "columns", "literals")

    def __init__(self, ex):
        names, columns, ints, floats = _compute.scan(ex)
        self.names = tuple(names)
        self.columns = dict(zip(names, columns))
        # literals are weak Python scalars in numpy's promotion (NEP 50)
        self.literals = ([0] if ints else []) + ([0.0] if floats else [])


def _scan(ex):
    try:
        return _names_cache[ex]
    except KeyError:
        pass
    if not isinstance(ex, str):
        raise TypeError(f"the expression must be a str, not {type(ex).__name__}")
    try:
        scan = _Scan(ex)
    except ParseError as e:
        raise _parse_error(e, ex) from None
    return _remember(_names_cache, ex, scan)


def _names(ex):
    return _scan(ex).names


def _lookup(ex, scan, local_dict, global_dict, arrays, depth):
    """Each name's value: keyword arrays, then local_dict, then the caller's locals and
    globals (numexpr's lookup)."""
    # the caller's frame only where a name is not a keyword: on CPython before 3.13 reading
    # f_locals leaves a snapshot of every local on the frame, which keeps arrays the caller
    # then deletes alive until it returns
    if (local_dict is None or global_dict is None) and (
        not arrays or any(n not in arrays for n in scan.names)
    ):
        frame = sys._getframe(depth + 1)
        local_dict = frame.f_locals if local_dict is None else local_dict
        global_dict = frame.f_globals if global_dict is None else global_dict
    values = {}
    for name in scan.names:
        if name in arrays:
            values[name] = arrays[name]
        elif name in local_dict:
            values[name] = local_dict[name]
        elif name in global_dict:
            values[name] = global_dict[name]
        else:
            column = scan.columns[name]
            raise NameError(f"name '{name}' is not defined (column {column} of {ex!r})")
    return values


def _classify(values):
    """Splits the values into arrays and scalars: Python scalars are weak (NEP 50), numpy
    scalars and 0-d arrays strong; anything else goes through ``np.asarray``."""
    arrays, scalars, strong, weak = {}, {}, [], []
    for name, v in values.items():
        if isinstance(v, (bool, int, float)) and not isinstance(v, np.generic):
            scalars[name] = v
            weak.append(v)
            continue
        if isinstance(v, complex):
            raise TypeError(f"`{name}` is complex; compute runs real dtypes only")
        a = v if isinstance(v, np.ndarray) else np.asarray(v)
        if a.dtype not in _RUN and a.dtype != _BOOL:
            raise TypeError(
                f"`{name}` has dtype {a.dtype}; compute runs float32, float64, int32, int64, "
                "uint32, uint64 and bool"
            )
        strong.append(a.dtype)
        if a.ndim == 0:
            scalars[name] = a.item()
        else:
            arrays[name] = a
    return arrays, scalars, strong, weak


def _result_type(strong, weak):
    """numpy 2's result dtype: ``strong`` dtypes (arrays, numpy scalars) and ``weak`` Python
    scalars and literals, which count by kind only (NEP 50)."""
    floats = any(isinstance(w, float) for w in weak)
    ints = any(isinstance(w, int) and not isinstance(w, bool) for w in weak)
    if strong and all(d == strong[0] for d in strong):
        d = strong[0]  # the common case, without numpy's machinery
        if d.kind == "f" or (not floats and (d.kind in "iu" or not ints)):
            return d
    kinds = ([0.0] if floats else []) + ([0] if ints else []) + ([False] if len(weak) > floats + ints else [])
    if strong:
        return np.result_type(*strong, *kinds)
    if kinds:
        return np.result_type(*kinds)
    return np.dtype("int64")


class _Compiled:
    """A native parse and what it says, read once."""

    __slots__ = ("native", "names", "is_boolean", "reduction", "working")

    def __init__(self, native, working):
        self.native = native
        self.names = tuple(native.names)
        self.is_boolean = native.is_boolean
        self.reduction = native.reduction
        self.working = working


def _compile(ex, dtype, booleans, scalars):
    # floats by their bits: 0.0 == -0.0, with one hash, but `a / k` tells them apart
    key = (ex, dtype, booleans, tuple((n, type(v), v.hex() if isinstance(v, float) else v) for n, v in scalars.items()))
    try:
        return _compiled_cache[key]
    except KeyError:
        pass
    try:
        native = _compute.compile(ex, dtype.name, list(booleans), list(scalars.items()))
    except ParseError as e:
        if e.args[1] == "types" and dtype.kind in "iu":
            # `/`, a float function or a float literal over integers: numpy gives float64
            # (kept under this key too, so the next call does not parse twice)
            return _remember(_compiled_cache, key, _compile(ex, np.dtype("float64"), booleans, scalars))
        raise _parse_error(e, ex) from None
    return _remember(_compiled_cache, key, _Compiled(native, dtype))


def _broadcast(arrays):
    shapes = [a.shape for a in arrays.values()]
    if shapes and all(s == shapes[0] for s in shapes):
        return shapes[0]
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        described = ", ".join(f"`{n}` has shape {a.shape}" for n, a in arrays.items())
        raise ValueError(f"operands could not be broadcast together: {described}") from None


def _flat(a, dtype, shape):
    """``a`` as a 1-D C-contiguous, aligned array of ``dtype`` over ``shape``: a view when it
    already is one (zero copy), else one copy."""
    if a.dtype != dtype:
        a = a.astype(dtype)
    if a.shape != shape:
        a = np.broadcast_to(a, shape)
    flags = a.flags
    if not (flags.c_contiguous and flags.aligned):
        # strided, Fortran-order, broadcast, or misaligned (an unpickled buffer): one copy
        a = np.array(a, order="C")
    return a.reshape(-1)


class _Plan:
    """An expression bound to its arrays: the compiled parse, the flat inputs, the shape."""

    __slots__ = ("ex", "compiled", "inputs", "shape", "sources", "boolean_out")

    def __init__(self, ex, values, reduce_widen=True, literals=()):
        self.ex = ex
        arrays, scalars, strong, weak = _classify(values)
        dtype = _result_type(strong, weak + list(literals))
        booleans = tuple(n for n, a in arrays.items() if a.dtype == _BOOL)
        # bool alone: 0/1 in uint32, and the result is the values' truth, as numpy's
        all_bool = dtype == _BOOL
        working = np.dtype("uint32") if all_bool else dtype
        compiled = _compile(ex, working, booleans, scalars)
        if (
            reduce_widen
            and not all_bool
            and compiled.reduction in ("sum", "prod")
            and not compiled.is_boolean
            and compiled.working in _WIDER
        ):
            compiled = _compile(ex, _WIDER[compiled.working], booleans, scalars)
        self.compiled = compiled
        self.boolean_out = compiled.is_boolean or (all_bool and compiled.working == working)
        self.shape = _broadcast(arrays)
        working = compiled.working
        self.sources = [arrays[n] for n in compiled.names]
        self.inputs = [_flat(arrays[n], working, self.shape) for n in compiled.names]

    def direct(self):
        """Whether every value is an array the crate reads as it is: 1-D, of the result's
        shape, C-contiguous, aligned, of the working dtype (no scalars, no bool arrays)."""
        working = self.compiled.working
        return (
            len(self.shape) == 1
            and len(self.compiled.names) == len(_scan(self.ex).names)
            and all(
                type(a) is np.ndarray
                and a.dtype == working
                and a.shape == self.shape
                and a.flags.c_contiguous
                and a.flags.aligned
                for a in self.sources
            )
        )

    def out_dtype(self):
        return _BOOL if self.boolean_out else self.compiled.working

    def run(self, device, out):
        dtype = self.out_dtype()
        given = out is not None
        if given:
            _check_out(out, self.shape, dtype)
        else:
            out = _new_output(self.shape, dtype)
        if given and any(np.may_share_memory(out, a) for a in self.sources):
            # the result overwrites an input it reads: compute aside, then copy over
            scratch = _new_output(self.shape, dtype)
            self._run_into(device, scratch)
            np.copyto(out, scratch)
        else:
            self._run_into(device, out)
        return out

    def _run_into(self, device, out):
        flat = out.reshape(-1)
        native = self.compiled.native
        if self.boolean_out and not self.compiled.is_boolean:
            # all-bool inputs: numpy's answer is the truth of the values (`a + b` is `a | b`)
            values = _new_output(flat.shape, self.compiled.working)
            native.run_into(device, self.inputs, values)
            np.not_equal(values, 0, out=flat)
        else:
            native.run_into(device, self.inputs, flat)

    def reduce(self, device):
        compiled = self.compiled
        value = compiled.native.run_reduce(device, self.inputs)
        how = compiled.reduction
        if value is None:
            name = "minimum" if how == "min" else "maximum"
            raise ValueError(f"zero-size array to reduction operation {name} which has no identity")
        if self.boolean_out:
            if not compiled.is_boolean:
                # bool arrays alone: numpy reduces the values' truth (`m + n` is `m | n`)
                true = compiled.native.count(device, self.inputs)
                size = math.prod(self.shape)
                value = {"sum": true, "prod": true == size, "min": true == size, "max": true > 0}[how]
            if how in ("min", "max"):
                return np.bool_(value != 0)
            return np.int64(value)
        return compiled.working.type(value)


def _new_output(shape, dtype):
    """A fresh output of this shape and dtype (a ``numpy.dtype``), zeroed for ``bool``, whose
    bytes must be 0 or 1 even before the crate writes them. Sized from 4 to 32 MiB, it comes
    from the native half's allocator (the C library's ``malloc`` without numpy's huge-page
    advice, which costs more than it gives there: see ``python/src/memory.rs``); else from
    numpy's."""
    zeroed = dtype == _BOOL
    if _PLAIN_FROM <= math.prod(shape) * dtype.itemsize < _PLAIN_BELOW:
        return _compute.new_output(shape, dtype, zeroed)
    return np.zeros(shape, dtype) if zeroed else np.empty(shape, dtype)


def _check_out(out, shape, dtype):
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy array, not {type(out).__name__}")
    if out.shape != shape:
        raise ValueError(f"out has shape {out.shape}, the result has shape {shape}")
    if out.dtype != dtype:
        raise TypeError(f"out has dtype {out.dtype}, the result has dtype {dtype}")
    if not (out.flags.c_contiguous and out.flags.aligned):
        raise ValueError("out must be C-contiguous and aligned")
    if not out.flags.writeable:
        raise ValueError("out is read-only")


def _plan(ex, local_dict, global_dict, arrays, depth, reduce_widen=True):
    scan = _scan(ex)
    values = _lookup(ex, scan, local_dict, global_dict, arrays, depth + 1)
    key = _layout_key(ex, reduce_widen, values)
    if key is not None:
        layout = _layout_cache.get(key)
        if layout is not None:
            return layout.bind(ex, values)
    plan = _Plan(ex, values, reduce_widen, scan.literals)
    if key is not None:
        _remember(_layout_cache, key, _Layout(plan, key))
    return plan


def _layout_key(ex, reduce_widen, values):
    """All a plan depends on but the arrays' data: the expression and each array's dtype,
    shape and layout; ``None`` when a value is not an n-d numpy array (a scalar's value is
    compiled into the plan, and anything else goes through ``np.asarray``)."""
    key = [ex, reduce_widen]
    for v in values.values():
        if type(v) is not np.ndarray or v.ndim == 0:
            return None
        flags = v.flags
        key.append((v.dtype, v.shape, flags.c_contiguous and flags.aligned))
    return tuple(key)


class _Layout:
    """A plan less its arrays: binds the next arrays of the same dtypes, shapes and layouts
    without classifying, promoting, compiling and checking them again (that took 8 of the
    11.5 us a 1,000-element ``evaluate`` cost, 2026-12-07)."""

    __slots__ = ("compiled", "shape", "boolean_out", "direct")

    def __init__(self, plan, key):
        self.compiled = plan.compiled
        self.shape = plan.shape
        self.boolean_out = plan.boolean_out
        working = plan.compiled.working
        # 1-D, C-contiguous and aligned, of the working dtype and the result's shape: the
        # arrays are the inputs as they are (what `_flat` gives for them, but a view)
        self.direct = len(plan.shape) == 1 and all(
            dtype == working and shape == plan.shape and plain for dtype, shape, plain in key[2:]
        )

    def bind(self, ex, values):
        plan = _Plan.__new__(_Plan)
        plan.ex = ex
        plan.compiled = self.compiled
        plan.shape = self.shape
        plan.boolean_out = self.boolean_out
        plan.sources = [values[n] for n in self.compiled.names]
        if self.direct:
            plan.inputs = plan.sources
        else:
            working = self.compiled.working
            plan.inputs = [_flat(a, working, self.shape) for a in plan.sources]
        return plan


def evaluate(ex, local_dict=None, global_dict=None, out=None, device=None, **arrays):
    """Evaluates the string expression ``ex`` element-wise, as ``numexpr.evaluate`` does.

    Names are looked up in ``arrays`` (keywords), then ``local_dict``, then ``global_dict``,
    the caller's locals and globals standing in for the dicts not given. Arrays of the same
    shape, 0-d arrays and Python scalars combine element-wise; other broadcastable shapes are
    broadcast (a copy). The result's dtype is numpy 2's (NEP 50: Python scalars are weak);
    a comparison gives ``bool``. An expression ending in ``sum``, ``prod``, ``min`` or
    ``max`` gives a numpy scalar. ``out`` (exactly the result's shape and dtype,
    C-contiguous) receives the values in place. The GIL is released while the work runs.
    """
    if out is None and type(ex) is str:
        compiled = _direct_cache.get(ex)
        if compiled is not None:
            values = _lookup(ex, _scan(ex), local_dict, global_dict, arrays, 1)
            result = compiled.native.run_fresh(_device(device), [values[n] for n in compiled.names])
            if result is not None:
                return result
    plan = _plan(ex, local_dict, global_dict, arrays, 1)
    device = _device(device)
    if plan.compiled.reduction is not None:
        if out is not None:
            raise ValueError("out= is for element-wise expressions; a reduction gives a scalar")
        return plan.reduce(device)
    result = plan.run(device, out)
    if out is None and plan.direct():
        _remember(_direct_cache, ex, plan.compiled)
    return result


_executor = None


def evaluate_async(ex, local_dict=None, global_dict=None, out=None, device=None, **arrays):
    """``evaluate`` on a worker thread: returns a ``concurrent.futures.Future`` at once.

    Names are looked up now, in the caller's frame; the arrays must not change until the
    future is done.
    """
    global _executor
    plan = _plan(ex, local_dict, global_dict, arrays, 1)
    device = _device(device)
    if plan.compiled.reduction is not None and out is not None:
        raise ValueError("out= is for element-wise expressions; a reduction gives a scalar")
    with _device_lock:
        if _executor is None:
            _executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=4, thread_name_prefix="compute"
            )
    if plan.compiled.reduction is not None:
        return _executor.submit(plan.reduce, device)
    return _executor.submit(plan.run, device, out)


def count(ex, local_dict=None, global_dict=None, device=None, **arrays):
    """numpy's ``count_nonzero`` of the expression's values, in one pass: ``count("a > 0.5")``."""
    plan = _plan(ex, local_dict, global_dict, arrays, 1, reduce_widen=False)
    if plan.compiled.reduction is not None:
        raise ExpressionError(
            "count takes an element-wise expression, not a reduction", "reduction_not_outermost", 1, ex
        )
    return int(plan.compiled.native.count(_device(device), plan.inputs))


def _reduce_one(how, a, device):
    return evaluate(f"{how}(a)", local_dict={}, global_dict={}, device=device, a=a)


def sum(a, device=None):  # noqa: A001 (numpy's name)
    """``np.sum(a)`` over all elements (pairwise for floats; 32-bit integers in 64 bits)."""
    return _reduce_one("sum", a, device)


def min(a, device=None):  # noqa: A001
    """``np.min(a)``; ``ValueError`` for an empty array."""
    return _reduce_one("min", a, device)


def max(a, device=None):  # noqa: A001
    """``np.max(a)``; ``ValueError`` for an empty array."""
    return _reduce_one("max", a, device)


def dot(a, b, device=None):
    """``np.dot`` of two 1-D arrays (in their common dtype, as numpy: no widening)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"dot takes two 1-D arrays, not shapes {a.shape} and {b.shape}")
    if a.shape != b.shape:
        raise ValueError(f"shapes {a.shape} and {b.shape} not aligned")
    plan = _Plan("sum(a * b)", {"a": a, "b": b}, reduce_widen=False)
    return plan.reduce(_device(device))


def mean(a, device=None):
    """``np.mean(a)``: float64 for integers, the input's dtype for floats; NaN for none."""
    a = np.asarray(a)
    if a.dtype == _BOOL:
        a = a.astype(np.uint32)
    if a.dtype not in _RUN:
        raise TypeError(f"mean of dtype {a.dtype}: compute runs float32, float64, int32, int64, uint32, uint64 and bool")
    value = _compute.mean(_device(device), _flat(a, a.dtype, a.shape), a.dtype.name)
    if value is None:
        value = float("nan")
    return a.dtype.type(value) if a.dtype.kind == "f" else np.float64(value)


# `map`'s operations: one-argument functions, and operators with a scalar
_BINARY = {
    "add": "x + k",
    "sub": "x - k",
    "mul": "x * k",
    "scale": "x * k",
    "div": "x / k",
    "floordiv": "x // k",
    "mod": "x % k",
    "pow": "x ** k",
    "minimum": "minimum(x, k)",
    "maximum": "maximum(x, k)",
}


def map(a, op, arg=None, out=None, device=None):  # noqa: A001 (the crate's name)
    """One of the crate's ops over every element: ``map(a, "sqrt")``, ``map(a, "scale", 2)``.

    ``op`` is a one-argument function of ``FUNCTIONS`` or one of ``add sub mul scale div
    floordiv mod pow minimum maximum`` with the scalar ``arg``.
    """
    if op in _BINARY:
        if arg is None:
            raise TypeError(f"map(a, {op!r}) needs its scalar: map(a, {op!r}, 2)")
        if op in ("floordiv", "mod") and arg == 0 and np.asarray(a).dtype.kind in "iu":
            # the crate's scalar integer division by zero (numpy's array answer would be 0)
            raise ZeroDivisionError(f"integer {op} by a zero scalar")
        return evaluate(_BINARY[op], local_dict={}, global_dict={}, out=out, device=device, x=a, k=arg)
    arity = dict(FUNCTIONS).get(op)
    if arity != 1 or op in ("sum", "prod", "min", "max"):
        raise ValueError(f"unknown op {op!r}: a one-argument function or one of {sorted(_BINARY)}")
    if arg is not None:
        raise TypeError(f"{op!r} takes no scalar")
    return evaluate(f"{op}(x)", local_dict={}, global_dict={}, out=out, device=device, x=a)
