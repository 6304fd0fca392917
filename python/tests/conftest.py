"""Shared fixtures: the `device` every numpy-comparison test runs on.

`device` is parametrized over the CPU (`compute.Device.cpu()`) and the GPU
(`compute.Device.gpu()`, which opens any adapter, software ones included: pick lavapipe with
`WGPU_BACKEND=vulkan` or llvmpipe with `WGPU_BACKEND=gl`). Without an adapter the GPU half is
skipped, unless `COMPUTE_REQUIRE_GPU=1`, where it fails (as the crate's own `cargo test`).
"""

import os

import pytest

import compute

_opened = {}


def _open(kind):
    """One device of each kind per session (opening a GPU and compiling pipelines is slow on
    a software adapter); a failure to open is remembered too."""
    if kind not in _opened:
        try:
            _opened[kind] = compute.Device.cpu() if kind == "cpu" else compute.Device.gpu()
        except RuntimeError as e:
            _opened[kind] = e
    return _opened[kind]


@pytest.fixture(scope="session", params=["cpu", "gpu"])
def device(request):
    opened = _open(request.param)
    if isinstance(opened, Exception):
        if os.environ.get("COMPUTE_REQUIRE_GPU") == "1":
            pytest.fail(f"COMPUTE_REQUIRE_GPU=1 and compute.Device.gpu() raised: {opened}", pytrace=False)
        pytest.skip(f"no GPU adapter: {opened}")
    return opened
