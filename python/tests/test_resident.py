"""Resident arrays: Device.upload keeps an array where the device computes; expressions
over it run there; numpy.asarray reads it back."""

import numpy as np
import pytest

import compute


def test_upload_evaluate_and_read_back(device):
    a = np.linspace(-2, 2, 10_001, dtype=np.float32).reshape(73, 137)
    b = np.cos(a)
    x = device.upload(a)
    y = device.upload(b)
    assert x.shape == [73, 137] and x.dtype == "float32" and len(x) == 73
    assert x.on_gpu == (device.gpu_name is not None and device.policy != "cpu")
    z = x.evaluate("exp(x) * y + 1", y=y)  # stays where x is
    assert isinstance(z, compute.Resident) and z.shape == x.shape
    got = np.asarray(z)
    want = np.exp(a.astype(np.float64)) * b + 1
    np.testing.assert_allclose(got, want, rtol=3e-6, atol=3e-6)
    assert got.dtype == np.float32 and got.shape == a.shape
    np.testing.assert_array_equal(np.asarray(x), a)  # the input is untouched
    # a scalar by keyword, reductions as numbers
    np.testing.assert_allclose(np.asarray(x.evaluate("x * k", k=3)), a * 3, rtol=1e-7)
    assert float(x.evaluate("max(x)")) == float(a.max())
    assert x.evaluate("sum(x > 0)") == np.count_nonzero(a > 0)


def test_resident_errors(device):
    x = device.upload(np.arange(10, dtype=np.int32))
    y = device.upload(np.arange(10, dtype=np.float32))
    with pytest.raises(TypeError, match="keep their dtype"):
        x.evaluate("x + y", y=y)
    with pytest.raises(ValueError, match="shape"):
        x.evaluate("x + z", z=device.upload(np.arange(5, dtype=np.int32)))
    with pytest.raises(ValueError, match="unbound"):
        x.evaluate("x + w")
    with pytest.raises(compute.ExpressionError) as e:
        x.evaluate("x +")
    assert e.value.column == 4
    with pytest.raises(ValueError):
        np.asarray(x, copy=False)
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
