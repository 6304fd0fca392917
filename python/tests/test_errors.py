"""Bad input of every kind gets a Python exception, never a crash and never a wrong answer.

Parse errors are ``compute.ExpressionError`` (a ``SyntaxError``) with ``kind``, a 1-based
``column`` in characters and the ``expression``; unknown names are ``NameError``; dtypes the
crate does not run are ``TypeError`` naming the dtype; shapes that do not broadcast are
``ValueError`` naming both; a bad ``out=`` is refused before any work (``out`` unchanged).
Inputs that could crash a parser (deep nesting, megabytes of noise, NUL bytes) run in a child
process, so a crash fails its test instead of ending the session.
"""

import json
import random
import subprocess
import sys

import numpy as np
import pytest

import compute

CPU = compute.Device.cpu()
A = np.arange(5.0)


def evaluate(ex, device=CPU, **arrays):
    return compute.evaluate(ex, local_dict=arrays or {"a": A, "b": A + 1}, global_dict={}, device=device)


def parse_error(ex, kind=None, **arrays):
    with pytest.raises(compute.ExpressionError) as info:
        evaluate(ex, **arrays)
    e = info.value
    assert isinstance(e, SyntaxError)
    assert e.expression == ex and e.text == ex
    assert isinstance(e.column, int) and 1 <= e.column <= len(ex) + 1, f"column {e.column} of {ex!r}"
    assert e.offset == e.column
    if kind is not None:
        assert e.kind == kind, f"{ex!r}: kind {e.kind!r}, not {kind!r} ({e})"
    return e


# ---------------------------------------------------------------------------------------------
# syntax
# ---------------------------------------------------------------------------------------------

# (expression, the 1-based column of the offending character)
SYNTAX_AT = [
    ("a + * b", 5), ("a)", 2), ("a @ b", 3), ("a.b", 2), ("a[0]", 2), ("a = 1", 3), ("a b", 3),
    ("a, b", 2), ("'a'", 1), ("0x10", 1), ("a ~ b", 3), ("3 +* 2", 4), ("lambda: 1", 7),
    ("a > b > a", 7),
]  # fmt: skip
SYNTAX_ANYWHERE = ["a +", "(a", "", "   ", "1e", "a !== b", "a <> b", "((a)", "sqrt(a", "a ** ", "-", "()", "(,)",
                   "sqrt(,a)", "a +\t* b", "1.2.3", "a..b", "$a", "a // / b"]  # fmt: skip


@pytest.mark.parametrize("ex,column", SYNTAX_AT)
def test_syntax_error_column(ex, column):
    e = parse_error(ex, "syntax")
    assert e.column == column, f"{ex!r}: column {e.column}, the fault is at {column}"
    assert str(column) in str(e)


@pytest.mark.parametrize("ex", SYNTAX_ANYWHERE)
def test_syntax_errors(ex):
    parse_error(ex, "syntax")


@pytest.mark.parametrize("keyword", ["a if b else a", "not a", "a and b", "a or b", "a is b", "a in b", "sqrt a"])
def test_python_keywords_are_refused(keyword):
    """Python's keywords (and a function name without its call) are not compute's grammar: an
    exception either way (compute reads them as names, so a NameError naming the word, or a
    syntax error)."""
    with pytest.raises((SyntaxError, NameError)):
        evaluate(keyword)


# ---------------------------------------------------------------------------------------------
# names, functions, argument counts, reductions
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ex,name", [("q + 1", "q"), ("a + qq", "qq"), ("sqrt(a) * undefined_thing", "undefined_thing"),
                                     ("sum(zz)", "zz"), ("None + a", "None"), ("sqrt + 1", "sqrt")])  # fmt: skip
def test_unknown_names_are_name_errors(ex, name):
    with pytest.raises(NameError, match=f"'{name}'"):
        evaluate(ex)


def test_unknown_name_column_is_the_names():
    with pytest.raises(NameError, match=r"column 6\b"):
        compute.evaluate("ab + b", local_dict={"ab": A}, global_dict={}, device=CPU)


def test_names_come_from_the_dicts_given():
    """local_dict and global_dict given: nothing is read from the caller's frame."""
    q = A  # noqa: F841 (a local the lookup must not see)
    with pytest.raises(NameError):
        compute.evaluate("q + 1", local_dict={}, global_dict={}, device=CPU)


@pytest.mark.parametrize("ex,column", [("foo(a)", 1), ("Sqrt(a)", 1), ("a + sin2(a)", 5), ("np_sqrt(a)", 1),
                                       ("sigmoid(a)", 1), ("mean(a)", 1)])  # fmt: skip
def test_unknown_functions(ex, column):
    e = parse_error(ex, "unknown_function")
    assert e.column == column


@pytest.mark.parametrize("ex", ["sqrt(a, b)", "where(a, b)", "where(a, b, a, b)", "arctan2(a)", "sqrt()", "hypot()",
                                "sum(a, b)", "minimum(a)", "copysign(a, b, a)",
                                "where(a, b, )"])  # a trailing comma, as Python allows  # fmt: skip
def test_wrong_argument_counts(ex):
    parse_error(ex, "argument_count")


@pytest.mark.parametrize("func,n", [(f, n) for f, arity in compute.FUNCTIONS for n in range(4) if n != arity])
def test_every_function_refuses_every_other_argument_count(func, n):
    parse_error(f"{func}({', '.join(['a'] * n)})", "argument_count")


@pytest.mark.parametrize("ex", ["sum(a) + 1", "sqrt(sum(a))", "sum(sum(a))", "max(a) - min(a)", "where(a > 0, sum(a), b)"])
def test_reduction_not_outermost(ex):
    parse_error(ex, "reduction_not_outermost")


def test_count_of_a_reduction():
    with pytest.raises(compute.ExpressionError) as info:
        compute.count("sum(a)", local_dict={"a": A}, global_dict={}, device=CPU)
    assert info.value.kind == "reduction_not_outermost"


@pytest.mark.parametrize("ex,arrays", [("a & b", {"a": A, "b": A}), ("~a", {"a": A}), ("a << 1", {"a": A}),
                                       ("a << 1.5", {"a": np.arange(3)}), ("a ^ 1", {"a": A})])  # fmt: skip
def test_bitwise_operators_on_floats(ex, arrays):
    """numpy raises TypeError for bitwise ufuncs on floats; compute refuses them while parsing
    (an ExpressionError of kind "types")."""
    with np.errstate(all="ignore"), pytest.raises(TypeError):
        eval(ex, {}, dict(arrays))
    with pytest.raises(compute.ExpressionError) as info:
        compute.evaluate(ex, local_dict=arrays, global_dict={}, device=CPU)
    assert info.value.kind == "types"


# ---------------------------------------------------------------------------------------------
# too many inputs, too deep, too long, NUL bytes, non-ASCII
# ---------------------------------------------------------------------------------------------


def test_more_than_max_inputs():
    names = [f"x{i}" for i in range(compute.MAX_INPUTS + 1)]
    arrays = {n: np.full(3, i, np.float64) for i, n in enumerate(names)}
    ok = " + ".join(names[:-1])
    assert np.array_equal(compute.evaluate(ok, local_dict=arrays, global_dict={}, device=CPU), eval(ok, {}, arrays))
    ex = " + ".join(names)
    with pytest.raises(compute.ExpressionError) as info:
        compute.evaluate(ex, local_dict=arrays, global_dict={}, device=CPU)
    assert info.value.kind == "too_many_names"
    assert info.value.column == ex.index(names[-1]) + 1


def test_unused_keyword_arrays_do_not_count():
    arrays = {f"x{i}": A for i in range(compute.MAX_INPUTS + 3)}
    assert np.array_equal(compute.evaluate("x0 + x1", global_dict={}, device=CPU, **arrays), A + A)


def test_nesting_at_the_limit_runs():
    depth = 64  # README: nesting past 64 levels is an error
    ex = "(" * depth + "a" + ")" * depth
    assert np.array_equal(evaluate(ex), A)
    parse_error("(" * (depth + 1) + "a" + ")" * (depth + 1), "too_deep")


_CHILD = r"""
import json, sys
import numpy as np
import compute
ex = open(sys.argv[1], encoding="utf-8", errors="surrogatepass").read()
try:
    r = compute.evaluate(ex, local_dict={"a": np.arange(5.0), "b": np.ones(5)}, global_dict={}, device=compute.Device.cpu())
    print(json.dumps({"ok": np.asarray(r).tolist()}))
except BaseException as e:
    print(json.dumps({"mro": [k.__name__ for k in type(e).__mro__], "kind": getattr(e, "kind", None),
                      "column": getattr(e, "column", None)}))
"""


def run_in_child(ex, tmp_path):
    """``evaluate(ex)`` in a fresh interpreter: its outcome as a dict, or a failure naming the
    signal or exit status if the process died."""
    path = tmp_path / "expression.txt"
    path.write_text(ex, encoding="utf-8", errors="surrogatepass")
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"the interpreter died (status {proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _random_printable(n, seed):
    rng = random.Random(seed)
    return "".join(chr(rng.randrange(32, 127)) for _ in range(n))


def _random_unicode(n, seed):
    rng = random.Random(seed)
    return "".join(chr(rng.choice([rng.randrange(0, 128), rng.randrange(128, 0xD800), rng.randrange(0xE000, 0x110000)])) for _ in range(n))


HOSTILE = {
    "10000 parentheses": lambda: "(" * 10000 + "a" + ")" * 10000,
    "10000 unary minus": lambda: "-" * 10000 + "a",
    "10000 unary plus": lambda: "+" * 10000 + "a",
    "10000 nested sqrt": lambda: "sqrt(" * 10000 + "a" + ")" * 10000,
    "10000 nested where": lambda: "where(a > 0, " * 10000 + "a" + ", b)" * 10000,
    "power tower of 10000": lambda: "a" + " ** a" * 10000,
    "unbalanced 100000 parentheses": lambda: "(" * 100000,
    "1 MB of printable noise": lambda: _random_printable(1 << 20, 1),
    "1 MB of unicode noise": lambda: _random_unicode(1 << 20, 2),
    "1 MB of NUL bytes": lambda: "\x00" * (1 << 20),
    "1 MB name": lambda: "a" * (1 << 20),
    "1 MB number": lambda: "9" * (1 << 20),
    "1 MB float": lambda: "0." + "1" * (1 << 20),
    "a sum of 200000 terms": lambda: " + ".join(["a"] * 200000),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_input_is_an_exception_not_a_crash(case, tmp_path):
    ex = HOSTILE[case]()
    out = run_in_child(ex, tmp_path)
    if case == "a sum of 200000 terms":
        assert out.get("ok") == (np.arange(5.0) * 200000).tolist()  # README: parses in linear time
        return
    assert "ok" not in out or case in ("1 MB number", "1 MB float", "power tower of 10000"), f"{case}: accepted"
    if "ok" not in out:
        assert {"SyntaxError", "NameError", "ValueError", "OverflowError"} & set(out["mro"]), f"{case}: {out}"
    if case.startswith("10000") and "unary plus" not in case:
        assert out["kind"] == "too_deep", f"{case}: {out}"


@pytest.mark.parametrize("ex,column", [("a\x00 + b", 2), ("\x00", 1), ("a + b\x00\x00", 6), ("a + é", 5),
                                       ("é + a", 1), ("a + √b", 5), ("a +\u200b b", 4), ("ａ + 1", 1),
                                       ("α + 1", 1), ("a + 😀", 5), ("😀😀 + a", 1), ("sqrt(a) + b + ü", 15)])  # fmt: skip
def test_nul_and_non_ascii_columns_count_characters(ex, column):
    """A NUL or a character outside compute's grammar is a syntax error at its column, counted
    in characters (not bytes, not UTF-16 units)."""
    e = parse_error(ex, "syntax")
    assert e.column == column, f"{ex!r}: column {e.column}, expected {column}"


def test_lone_surrogate():
    with pytest.raises((ValueError, SyntaxError)):
        evaluate("a + \udc80")


@pytest.mark.parametrize("bad", [b"a + 1", None, 5, ["a"], ("a",)])
def test_expression_must_be_a_str(bad):
    with pytest.raises(TypeError):
        compute.evaluate(bad, local_dict={"a": A}, global_dict={}, device=CPU)


@pytest.mark.parametrize("bad", ["cpu", None.__class__, 0, compute])
def test_device_must_be_a_device(bad):
    with pytest.raises(TypeError):
        compute.evaluate("a + 1", local_dict={"a": A}, global_dict={}, device=bad)


# ---------------------------------------------------------------------------------------------
# dtypes, values, shapes
# ---------------------------------------------------------------------------------------------

UNSUPPORTED = ["float16", "complex64", "complex128", "object", "U3", "S3", "int8", "int16", "uint8", "uint16",
               "datetime64[s]", "timedelta64[ms]", "V4", "longdouble"]  # fmt: skip


def _array_of(dtype, n=4):
    if dtype == "object":
        return np.array([1, None, 2.5, "x"][:n], dtype=object)
    return np.zeros(n, dtype)


@pytest.mark.parametrize("dtype", UNSUPPORTED)
def test_unsupported_dtypes_are_type_errors_naming_the_dtype(device, dtype):
    bad = _array_of(dtype)
    name = str(bad.dtype)
    for ex, arrays in [("a + 1", {"a": bad}), ("b * a", {"a": bad, "b": np.ones(4)}), ("sum(a)", {"a": bad}),
                       ("a > 0", {"a": bad}), ("a", {"a": bad[0:0]})]:  # fmt: skip
        with pytest.raises(TypeError, match=name.replace("[", r"\[").replace("]", r"\]")):
            compute.evaluate(ex, local_dict=arrays, global_dict={}, device=device)
    with pytest.raises(TypeError, match="dtype"):
        compute.evaluate("a + 1", local_dict={"a": np.zeros((), bad.dtype)}, global_dict={}, device=device)
    for fn in (compute.sum, compute.min, compute.max, compute.mean):
        with pytest.raises(TypeError):
            fn(bad, device=device)
    with pytest.raises(TypeError):
        compute.dot(bad, bad, device=device)
    with pytest.raises(TypeError):
        compute.count("a", local_dict={"a": bad}, global_dict={}, device=device)
    with pytest.raises(TypeError):
        compute.map(bad, "sqrt", device=device)


@pytest.mark.parametrize("value", [1j, "text", None, [1, "x"], {"a": 1}, object()])
def test_unsupported_python_values(value):
    with pytest.raises(TypeError):
        compute.evaluate("a + 1", local_dict={"a": value}, global_dict={}, device=CPU)


@pytest.mark.parametrize("dtype,value", [("int32", 2**40), ("int32", 2**31), ("uint32", -1), ("uint64", -1),
                                         ("int64", 2**63), ("int64", 2**200), ("uint32", 2**32)])  # fmt: skip
def test_python_ints_out_of_the_arrays_range(dtype, value):
    """numpy 2 (NEP 50) raises OverflowError for a Python int the array's type cannot hold in
    arithmetic; so does compute, by name and as a literal."""
    a = np.arange(3, dtype=dtype)
    with pytest.raises(OverflowError):
        a + value
    with pytest.raises(OverflowError):
        compute.evaluate("a + k", local_dict={"a": a, "k": value}, global_dict={}, device=CPU)
    with pytest.raises(OverflowError):
        compute.evaluate(f"a + {value}" if value >= 0 else f"a + ({value})", local_dict={"a": a}, global_dict={}, device=CPU)


def test_huge_python_int_with_a_float_array():
    a = np.zeros(3)
    got = compute.evaluate("a + k", local_dict={"a": a, "k": 2**200}, global_dict={}, device=CPU)
    assert np.array_equal(got, a + 2**200)


@pytest.mark.parametrize("sa,sb", [((3,), (4,)), ((2, 3), (3, 2)), ((2, 1, 3), (4, 2)), ((0,), (2,)), ((5, 0), (5, 2))])
def test_unbroadcastable_shapes_name_both(device, sa, sb):
    a, b = np.zeros(sa), np.ones(sb, np.float32)
    with pytest.raises(ValueError):
        a + b
    for ex in ["a + b", "sum(a * b)", "where(a > 0, a, b)"]:
        with pytest.raises(ValueError) as info:
            compute.evaluate(ex, local_dict={"a": a, "b": b}, global_dict={}, device=device)
        assert str(sa) in str(info.value) and str(sb) in str(info.value), str(info.value)
    with pytest.raises(ValueError):
        compute.count("a > b", local_dict={"a": a, "b": b}, global_dict={}, device=device)


def test_dot_shapes():
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        compute.dot(np.zeros(3), np.zeros(4), device=CPU)
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        compute.dot(np.zeros((2, 3)), np.zeros((2, 3)), device=CPU)
    with pytest.raises(ValueError):
        compute.dot(np.zeros(()), np.zeros(()), device=CPU)


@pytest.mark.parametrize("fn", [compute.min, compute.max])
def test_empty_min_max(device, fn):
    with pytest.raises(ValueError, match="zero-size"):
        fn(np.zeros(0, np.float32), device=device)
    with pytest.raises(ValueError, match="zero-size"):
        fn(np.zeros((3, 0), np.int32), device=device)


def test_map_errors():
    with pytest.raises(ValueError, match="foo"):
        compute.map(A, "foo", device=CPU)
    with pytest.raises(ValueError):
        compute.map(A, "sum", device=CPU)
    with pytest.raises(ValueError):
        compute.map(A, "arctan2", device=CPU)  # two arguments
    with pytest.raises(TypeError):
        compute.map(A, "add", device=CPU)
    with pytest.raises(TypeError):
        compute.map(A, "sqrt", 2, device=CPU)


# ---------------------------------------------------------------------------------------------
# out=: refused before any work
# ---------------------------------------------------------------------------------------------


def _bad_outs():
    ro = np.full((4, 5), 7.0)
    ro.flags.writeable = False
    return {
        "wrong shape": (ValueError, np.full((5, 4), 7.0), "a * 2 + b"),
        "flat": (ValueError, np.full(20, 7.0), "a * 2 + b"),
        "wrong dtype": (TypeError, np.full((4, 5), 7, np.float32), "a * 2 + b"),
        "int for float": (TypeError, np.full((4, 5), 7, np.int64), "a * 2 + b"),
        "float for bool": (TypeError, np.full((4, 5), 7.0), "a > b"),
        "bool for float": (TypeError, np.full((4, 5), True), "a * 2"),
        "fortran order": (ValueError, np.asfortranarray(np.full((4, 5), 7.0)), "a * 2 + b"),
        "strided": (ValueError, np.full((4, 10), 7.0)[:, ::2], "a * 2 + b"),
        "reversed": (ValueError, np.full((4, 5), 7.0)[::-1], "a * 2 + b"),
        "read-only": (ValueError, ro, "a * 2 + b"),
        "a reduction": (ValueError, np.full((), 7.0), "sum(a)"),
        "a list": (TypeError, [[7.0] * 5] * 4, "a * 2 + b"),
    }


@pytest.mark.parametrize("case", list(_bad_outs()))
def test_bad_out_is_refused_before_any_work(device, case):
    error, out, ex = _bad_outs()[case]
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    keep_a, keep_b = a.copy(), b.copy()
    before = np.array(out, copy=True)
    stats = device.stats()
    with pytest.raises(error):
        compute.evaluate(ex, local_dict={"a": a, "b": b}, global_dict={}, out=out, device=device)
    assert np.array_equal(np.asarray(out), before), f"{case}: out was written"
    assert np.array_equal(a, keep_a) and np.array_equal(b, keep_b)
    assert device.stats()["dispatches"] == stats["dispatches"], f"{case}: the GPU ran"
    if case not in ("a reduction", "a list"):
        with pytest.raises(error):
            compute.map(a, "scale", 2, out=out, device=device) if ex != "a > b" else compute.evaluate(
                "a > b", local_dict={"a": a, "b": b}, global_dict={}, out=out, device=device)
        try:  # the error comes at once or through the future
            future = compute.evaluate_async(ex, local_dict={"a": a, "b": b}, global_dict={}, out=out, device=device)
        except error:
            pass
        else:
            with pytest.raises(error):
                future.result(timeout=60)
        assert np.array_equal(np.asarray(out), before)


def test_errors_of_evaluate_async_come_at_once():
    with pytest.raises(compute.ExpressionError):
        compute.evaluate_async("a +", local_dict={"a": A}, global_dict={}, device=CPU)
    with pytest.raises(NameError):
        compute.evaluate_async("nope", local_dict={}, global_dict={}, device=CPU)
    with pytest.raises(TypeError):
        compute.evaluate_async("a", local_dict={"a": np.zeros(3, np.float16)}, global_dict={}, device=CPU)


def test_the_session_survives_many_errors():
    """Every error above leaves compute working (no poisoned cache, no stuck lock)."""
    for ex in ["a +", "foo(a)", "(" * 100 + "a", "\x00", "q", "sqrt(a, a)"]:
        with pytest.raises((SyntaxError, NameError)):
            evaluate(ex)
    assert np.array_equal(evaluate("a * 2 + b"), A * 2 + A + 1)


def test_review_cases_match_numpy():
    """Cases a review found: bool sums, the sign of a zero scalar, literal powers."""
    m = np.array([True, True, False, False] * 5)
    n = np.array([True, False, True, False] * 5)
    for ex in ["sum(m + n)", "prod(m + n)", "min(m + n)", "max(m * n)", "sum(m * n)"]:
        want = eval(ex.replace("sum", "np.sum").replace("prod", "np.prod").replace("min", "np.min").replace("max", "np.max"))
        got = compute.evaluate(ex, local_dict={"m": m, "n": n}, global_dict={}, device=CPU)
        assert got == want and got.dtype == want.dtype, (ex, got, want)
    a = np.ones(3)
    assert np.all(compute.evaluate("a / k", local_dict={"a": a, "k": 0.0}, global_dict={}, device=CPU) == np.inf)
    assert np.all(compute.evaluate("a / k", local_dict={"a": a, "k": -0.0}, global_dict={}, device=CPU) == -np.inf)
    i = np.arange(4, dtype=np.int64)
    got = compute.evaluate("i * 2**-1", local_dict={"i": i}, global_dict={}, device=CPU)
    assert got.dtype == np.float64 and np.array_equal(got, i * 2**-1)
    with pytest.raises(OverflowError):
        compute.evaluate("i32 + (1 << 31)", local_dict={"i32": i.astype(np.int32)}, global_dict={}, device=CPU)


def test_a_device_pickles_as_its_constructor():
    import pickle

    d = pickle.loads(pickle.dumps(compute.Device.cpu()))
    assert isinstance(d, compute.Device) and d.policy == "cpu"
    assert pickle.loads(pickle.dumps(compute.Device.auto())).policy == "auto"
