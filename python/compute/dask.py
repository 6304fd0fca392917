"""Dask, for more than one machine: a string expression over Dask arrays, chunk by chunk.

    >>> import dask.array as da, compute.dask
    >>> a = da.arange(10**7, chunks=10**6, dtype="float32")
    >>> compute.dask.evaluate("sqrt(2*a + 1)", a=a).compute()      # doctest: +SKIP
    >>> compute.dask.evaluate("sum(a * a)", a=a).compute()          # doctest: +SKIP

Element-wise expressions become one ``dask.array.map_blocks`` task per chunk, each a
``compute.evaluate`` on the worker that holds it (all its cores, or its GPU). A reduction
(``sum``, ``prod``, ``min``, ``max`` outermost) becomes one partial per chunk, computed by
``compute`` in the chunk's single pass, then Dask's own tree reduction over the partials.
The result is lazy, as any Dask array: call ``.compute()``.
"""

from __future__ import annotations

import re
import sys

import numpy as np

import compute

_REDUCTION = re.compile(r"^\s*(sum|prod|min|max)\s*\((.*)\)\s*$", re.S)


def _values(ex, local_dict, arrays):
    import dask.array as da

    names = compute._names(ex)
    frame = sys._getframe(2)
    scope = {**frame.f_globals, **frame.f_locals, **(local_dict or {}), **arrays}
    lazy, scalars = {}, {}
    for name in names:
        if name not in scope:
            raise NameError(f"name '{name}' is not defined in {ex!r}")
        v = scope[name]
        if isinstance(v, da.Array):
            lazy[name] = v
        elif isinstance(v, np.ndarray) and v.ndim > 0:
            lazy[name] = da.from_array(v)
        else:
            scalars[name] = v
    return lazy, scalars


def _sample(lazy, scalars):
    """One element of each array's dtype, to learn the result's dtype before any work."""
    return {**{n: np.ones(1, a.dtype) for n, a in lazy.items()}, **scalars}


def evaluate(ex, local_dict=None, device=None, **arrays):
    """``compute.evaluate`` over Dask arrays (and numpy arrays and scalars), lazily.

    Arrays are broadcast and their chunks unified as ``dask.array.map_blocks`` does.
    """
    import dask.array as da

    lazy, scalars = _values(ex, local_dict, arrays)
    names = list(lazy)
    match = _REDUCTION.match(ex)
    probe = compute.evaluate(ex, local_dict=_sample(lazy, scalars), global_dict={})
    dtype = np.asarray(probe).dtype

    def block(*blocks, source=ex, partial=bool(match)):
        local = dict(zip(names, blocks))
        local.update(scalars)
        value = compute.evaluate(source, local_dict=local, global_dict={}, device=device)
        if partial:
            ndim = max((b.ndim for b in blocks), default=0)
            return np.asarray(value, dtype=dtype).reshape((1,) * ndim)
        return value

    if not lazy:
        return da.from_array(np.asarray(compute.evaluate(ex, local_dict=scalars, global_dict={})))
    # one chunk grid for all: broadcast, then the first array's chunks
    arrays = da.broadcast_arrays(*lazy.values())
    arrays = [arrays[0]] + [a.rechunk(arrays[0].chunks) for a in arrays[1:]]
    if not match:
        return da.map_blocks(block, *arrays, dtype=dtype)
    chunks = tuple((1,) * len(c) for c in arrays[0].chunks)
    partials = da.map_blocks(block, *arrays, dtype=dtype, chunks=chunks)
    how = match.group(1)
    return getattr(partials, how)()

