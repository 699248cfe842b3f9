"""grad and value_and_grad as API.md states them: forms, wrt, result shapes, signatures, export, caching."""

from __future__ import annotations

import inspect
import os
import threading

import corpus
import pytest

import symgrad
from symgrad import SymgradError, grad, value_and_grad
from symgrad import api as api_module

X, Y = 0.7, -1.3


def api_example_grads(x, y):
    # by hand: f = tanh(z)**2 / y with z = x*y + 3
    import math

    t = math.tanh(x * y + 3)
    dz = 2 * t * (1 - t * t) / y
    return dz * y, dz * x - t * t / (y * y)


def test_decorator_forms_agree():
    expected = api_example_grads(X, Y)

    @grad
    def bare(x, y):
        z = x * y + 3
        return symgrad.tanh(z) ** 2 / y

    @grad()
    def called(x, y):
        z = x * y + 3
        return symgrad.tanh(z) ** 2 / y

    plain_call = grad(corpus.api_example)
    for f in (bare, called, plain_call):
        got = f(X, Y)
        assert isinstance(got, tuple) and len(got) == 2
        for a, e in zip(got, expected, strict=True):
            assert a == pytest.approx(e, rel=1e-13)


# (wrt, expected shape of the gradient as a function of (dx, dy))
SHAPES = [
    (None, lambda dx, dy: (dx, dy)),
    ("x", lambda dx, dy: dx),
    ("y", lambda dx, dy: dy),
    (0, lambda dx, dy: dx),
    (1, lambda dx, dy: dy),
    (-1, lambda dx, dy: dy),
    (["x"], lambda dx, dy: (dx,)),
    (("y", "x"), lambda dx, dy: (dy, dx)),
    ([1, 0], lambda dx, dy: (dy, dx)),
    (["x", 1], lambda dx, dy: (dx, dy)),
    ([], lambda dx, dy: ()),
]


@pytest.mark.parametrize("wrt, shape", SHAPES, ids=[repr(w) for w, _ in SHAPES])
def test_result_shape_follows_wrt(wrt, shape):
    dx, dy = grad(corpus.api_example)(X, Y)
    assert grad(corpus.api_example, wrt=wrt)(X, Y) == shape(dx, dy)
    value, gradient = value_and_grad(corpus.api_example, wrt=wrt)(X, Y)
    assert gradient == shape(dx, dy)
    assert value == corpus.api_example(X, Y)


def test_one_parameter_function_gives_a_bare_float():
    assert grad(corpus.fan_out)(2.0) == pytest.approx(1 + 5 * 2.0**4 + 4 * 2.0**3)
    assert isinstance(grad(corpus.identity)(4.0), float)


@pytest.mark.parametrize(
    "wrt, message",
    [("q", "no parameter 'q'"), (2, "has 2 parameters"), (-3, "has 2 parameters"), (["x", "x"], "twice"),
     ([0, "x"], "twice"), (True, "not True"), (1.5, "not 1.5"), ([None], "not None")],
)  # fmt: skip
def test_bad_wrt_is_a_clear_error_at_decoration(wrt, message):
    with pytest.raises(SymgradError, match=message):
        grad(corpus.api_example, wrt=wrt)


def test_signature_defaults_and_keywords_are_kept():
    f = value_and_grad(corpus.defaults)
    assert inspect.signature(f) == inspect.signature(corpus.defaults)
    assert "def defaults_value_and_grad(x, y=2.0, *, z=0.5):" in f.source
    assert f(1.5) == (1.5 * 2.0 + 0.5, (2.0, 1.5, 1.0))
    assert f(1.5, z=4.0) == (1.5 * 2.0 + 4.0, (2.0, 1.5, 1.0))
    assert f(y=3.0, x=1.0) == (3.5, (3.0, 1.0, 1.0))
    with pytest.raises(TypeError):
        f(1.0, 2.0, 3.0)  # z is keyword-only, as in the original
    g = grad(corpus.positional_only)
    assert g(1.0, y=4.0) == (0.25, -1.0 / 16.0)
    with pytest.raises(TypeError):
        g(x=1.0, y=4.0)


def test_ints_are_allowed_and_results_are_floats():
    for f, args in [(corpus.unused, (1, 2, 3)), (corpus.fan_out, (2,)), (corpus.identity, (3,)),
                    (corpus.api_example, (1, 2)), (corpus.powers, (2, 3))]:  # fmt: skip
        value, gradient = value_and_grad(f)(*args)
        float_value, float_gradient = value_and_grad(f)(*map(float, args))
        assert type(value) is float and value == float_value
        flat = gradient if isinstance(gradient, tuple) else (gradient,)
        assert all(type(g) is float for g in flat), (f.__name__, gradient)
        assert gradient == float_gradient


def test_attributes_fun_wrapped_source_ir():
    f = grad(corpus.api_example)
    assert f.fun is corpus.api_example and f.__wrapped__ is corpus.api_example
    assert f.__name__ == "api_example" and f.__doc__ == corpus.api_example.__doc__
    assert "def api_example_value_and_grad(x, y):" in f.source and "def api_example_grad(x, y):" in f.source
    assert "symgrad" not in f.source.split("\n", 1)[1]  # only the header names symgrad
    listing = str(f.ir)
    assert listing.startswith("def api_example_value_and_grad(x, y):") and "tanh(z)" in listing
    assert repr(f) == "<symgrad.grad of api_example(x, y) wrt x, y>"


def test_the_original_function_still_runs_on_floats():
    assert grad(corpus.api_example).fun(X, Y) == corpus.api_example(X, Y)


@pytest.fixture
def compile_calls(monkeypatch) -> list:
    """An empty compile cache, and the list of compilations (compile_cached calls) made from now on."""
    calls = []
    real = api_module.compile_cached

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(api_module, "_cache", api_module.weakref.WeakKeyDictionary())
    monkeypatch.setattr(api_module, "compile_cached", counting)
    return calls


def test_compilation_is_cached_per_function_and_request(compile_calls):
    calls = compile_calls
    first = grad(corpus.division_chain)
    first(1.0, 2.0, 3.0)
    second = grad(corpus.division_chain)  # a second grad(f): reuses the compiled module
    second(1.0, 2.0, 3.0)
    value_and_grad(corpus.division_chain)(1.0, 2.0, 3.0)  # same module, other entry point
    assert len(calls) == 1
    grad(corpus.division_chain, wrt="a")(1.0, 2.0, 3.0)  # another request compiles once more
    assert len(calls) == 2


def test_two_threads_first_calling_compile_once(compile_calls):
    calls = compile_calls
    started = threading.Barrier(2)
    f = grad(corpus.every_op)
    results = []

    def worker():
        started.wait()
        results.append(f(0.3, 1.7))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(results) == 2 and results[0] == results[1]


def test_export_writes_the_same_bytes_and_refuses_foreign_files(tmp_path):
    f = grad(corpus.api_example)
    target = tmp_path / "f_grad.py"
    assert f.export(target) == os.fspath(target)
    assert target.read_text() == f.source
    f.export(target)  # replacing a file symgrad generated is fine
    foreign = tmp_path / "mine.py"
    foreign.write_text("print('precious')\n")
    with pytest.raises(SymgradError, match="not generated by symgrad; pass overwrite=True to replace it"):
        f.export(foreign)  # the Python keyword here; the command line says --force (tests/test_cli.py)
    assert foreign.read_text() == "print('precious')\n"
    f.export(foreign, overwrite=True)
    assert foreign.read_text() == f.source
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f_grad.py", "mine.py"]  # no temporary left behind


def test_decorating_something_that_is_not_a_function_is_a_clear_error():
    with pytest.raises(SymgradError, match="Python functions"):
        grad(len)


def test_a_wrong_number_of_arguments_names_the_users_function():
    def two(x, y):
        return x * y

    for args in [(1.0,), (1.0, 2.0, 3.0)]:
        with pytest.raises(TypeError) as plain:
            two(*args)
        with pytest.raises(TypeError) as compiled:
            symgrad.value_and_grad(two)(*args)
        assert str(compiled.value) == str(plain.value)  # "two() missing 1 required positional argument: 'y'"


def test_a_large_function_does_not_keep_its_ir_and_compiles_the_same_again_when_asked(monkeypatch):
    # Past KEEP_IR_EQUATIONS the optimized IR is freed before Python's compile() of the module (the peak of
    # memory); `.ir` compiles it again: the same listing as a compilation that kept it, computed once.
    from symgrad import pipeline

    kept = pipeline.compile_function(corpus.api_example, (0, 1), bare=False)
    monkeypatch.setattr(pipeline, "KEEP_IR_EQUATIONS", 3)
    dropped = pipeline.compile_function(corpus.api_example, (0, 1), bare=False)
    assert kept.kept_ir is not None and dropped.kept_ir is None
    assert dropped.source == kept.source and dropped.value_and_grad(1.0, 2.0) == kept.value_and_grad(1.0, 2.0)
    assert str(dropped.ir) == str(kept.ir) and dropped.ir is dropped.ir
