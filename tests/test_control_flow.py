"""Control flow and lists (tests/control_corpus.py), checked case by case against three references.

For every case of `CASES` (a function, its arguments and `wrt`):

1. the compiled value equals the plain Python function's value (rtol 1e-15), and is a float;
2. the compiled gradient has the structure the API promises (a bare entry for a single `wrt`, else a tuple; a list
   parameter gets a list, a tuple parameter a tuple, of the same length; floats at the leaves) and equals the tape
   engine's (`symgrad.Value`, run through the very same plain function) to rtol 1e-12, atol 1e-15;
3. unless the point sits on a branch boundary (where the one-sided derivative is the taken branch's and a central
   difference straddles two branches), the gradient agrees with 50-digit mpmath central differences of the same
   plain function, its op names rebound to mpmath's (rtol 1e-9);
4. cases with an `expect` pin the exact value and gradient (branch boundaries, zero-trip loops, empty lists).

Beside the table: the caller's lists are not mutated, `grad` agrees with `value_and_grad`, compilation is
deterministic (fresh function objects, other hash seeds), the generated modules run with symgrad unimportable, the
MLP's module text does not depend on the number of samples, and rejected constructs raise `UnsupportedSyntax` at
the right line. Cases marked xfail are confirmed symgrad bugs (see their reasons).
"""

from __future__ import annotations

import copy
import inspect
import json
import math
import os
import random
import subprocess
import sys
import types
from dataclasses import dataclass
from typing import Any

import control_corpus as cc
import mpmath
import pytest

import symgrad
from symgrad import UnsupportedSyntax, Value, grad, value_and_grad

VALUE_RTOL = 1e-15
TAPE_RTOL, TAPE_ATOL = 1e-12, 1e-15
FD_RTOL, FD_ATOL = 1e-9, 1e-15


@dataclass(frozen=True)
class Case:
    fun: Any
    args: tuple
    wrt: Any = None
    label: str = ""
    fd: bool = True  # False only at a branch boundary, where a central difference straddles two branches
    expect: tuple | None = None  # (value, gradient), compared exactly

    @property
    def id(self) -> str:
        return f"{self.fun.__name__}-{self.label}" if self.label else self.fun.__name__


def case(fun, *args, wrt=None, label="", fd=True, expect=None, xfail=None, xfail_if=True):
    c = Case(fun, args, wrt, label, fd, expect)
    marks = [pytest.mark.xfail(xfail_if, strict=True, reason=xfail)] if xfail else []
    return pytest.param(c, id=c.id, marks=marks)


def mlp_data(n_samples: int, seed: int = 0):
    """micrograd's MLP shape (3-4-4-1: 41 parameters), `n_samples` samples of 3 inputs, targets +-1."""
    rng = random.Random(seed)
    params = [rng.uniform(-1, 1) for _ in range(41)]
    xs = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(n_samples)]
    ys = [rng.choice((-1.0, 1.0)) for _ in range(n_samples)]
    return params, xs, ys


BUG_SUM_312 = (
    "symgrad bug on Python >= 3.12: sum() of floats is compensated (Neumaier) there, the generated left-to-right "
    "loop is not: sum([1e16, 1.0, -1e16]) is 1.0 in Python, 0.0 compiled"
)

CASES = [
    # if / elif / else, each branch
    case(cc.branches, 2.0, 3.0, label="if"),
    case(cc.branches, 0.5, 3.0, label="elif"),
    case(cc.branches, -1.0, 3.0, label="else"),
    # branch boundaries: the taken branch's gradient
    case(cc.step_gt, 1.0, label="at-threshold", fd=False, expect=(1.0, 0.0)),
    case(cc.step_gt, 1.5, label="above"),
    case(cc.step_ge, 1.0, label="at-threshold", fd=False, expect=(1.0, 3.0)),
    case(cc.step_ge, 0.25, label="below"),
    # conditional expressions: the branch not taken is never evaluated (not even sqrt'(0))
    case(cc.safe_sqrt, -1.0, label="negative", expect=(0.0, 0.0)),
    case(cc.safe_sqrt, 0.0, label="at-zero", fd=False, expect=(0.0, 0.0)),
    case(cc.safe_sqrt, 4.0, label="positive", expect=(2.0, 0.25)),
    case(cc.ternary_chain, 1.0, 2.0, label="first"),
    case(cc.ternary_chain, 3.0, 2.0, label="second"),
    case(cc.ternary_chain, 5.0, 2.0, label="third"),
    # and / or / not, chained comparisons
    case(cc.logic, 1.0, 2.0, label="and"),
    case(cc.logic, 1.0, -2.0, label="or-left"),
    case(cc.logic, -1.0, -2.0, label="or-not"),
    case(cc.logic, -1.0, 0.5, label="else"),
    case(cc.chained, 0.5, 0.0, 1.0, label="inside"),
    case(cc.chained, 1.0, 0.0, 1.0, label="at-upper", fd=False, expect=(0.0, (-1.0, -0.0, 1.0))),
    case(cc.chained, 0.0, 0.0, 1.0, label="at-lower", fd=False, expect=(0.0, (0.5, 0.0, 0.0))),
    case(cc.tie, 2.0, 2.0, label="equal", fd=False, expect=(4.0, (2.0, 2.0))),
    case(cc.tie, 1.0, 2.0, label="less"),
    case(cc.guarded_index, [1.0, 2.0], 5, wrt="xs", label="short-circuit"),
    case(cc.guarded_index, [1.0, 2.0], 1, wrt="xs", label="taken"),
    # early returns
    case(cc.early_return, -1.0, 2.0, label="first"),
    case(cc.early_return, 3.0, 2.0, label="second"),
    case(cc.early_return, 1.0, 2.0, label="fall-through"),
    # for over range / lists / zip / enumerate, zero-trip loops
    case(cc.power_sum, 1.5, 3, wrt="x", label="3"),
    case(cc.power_sum, 1.5, 0, wrt="x", label="zero-trip", expect=(0.0, 0.0)),
    case(cc.strided, [1.0, 2.0, 3.0, 4.0, 5.0]),
    case(cc.list_product, [0.5, -1.0, 2.0], 0.3),
    case(cc.list_product, [], 0.3, label="empty", expect=(1.0, ([], 0.0))),
    case(cc.dot_zip, [1.0, 2.0, 3.0], [0.5, -1.0, 4.0]),
    case(cc.zip_uneven, [1.0, 2.0, 3.0], [4.0, 5.0], label="longer-first"),
    case(cc.zip_uneven, [1.0, 2.0], [4.0, 5.0, 6.0], label="longer-second"),
    case(cc.weighted_enumerate, [1.0, 2.0, 3.0]),
    case(cc.enumerate_start, [1.0, 2.0, 3.0]),
    case(cc.literal_loop, 1.5, -2.0),
    # while: data-dependent trip count, zero trips, while True
    case(cc.grow_until, 1.5, 1.0, label="6-trips"),
    case(cc.grow_until, 1.5, 12.0, label="zero-trip", expect=(12.0, (0.0, 1.0))),
    case(cc.while_index, [1.0, 2.0, 3.0, 4.0, 5.0]),
    case(cc.while_true, 3.0),
    # break / continue
    case(cc.first_above, [3.0, 1.0, 5.0], 2.0, label="break-first", expect=(12.0, ([7.0, 0.0, 0.0], 0.0))),
    case(cc.first_above, [1.0, 0.5, 3.0], 2.0, label="break-last", expect=(10.0, ([1.0, 0.0, 6.0], 0.0))),
    case(cc.first_above, [1.0, 0.5, 1.5], 2.0, label="no-break", expect=(1.0, ([1.0, 0.0, 0.0], 0.0))),
    case(cc.skip_negative, [1.0, -2.0, 4.0]),
    case(cc.while_continue, [0.1, 0.2, 0.3, 0.4, 0.5]),
    case(cc.last_element, [1.0, 3.0]),
    case(cc.last_element, [], label="zero trips: the value from before the loop"),
    case(cc.counter_after_loop, 2.0, 3, wrt="x"),
    case(cc.counter_after_loop, 2.0, 0, wrt="x", label="zero trips"),
    case(cc.pair_after_zip, [1.0, 2.0], [3.0, 4.0]),
    case(cc.pair_after_zip, [], [], label="zero trips"),
    case(cc.while_break_continue, [1.0, -1.0, 1.9, 1.5, 3.0, 4.0]),
    # nested loops
    case(cc.pairwise_energy, [0.1, 0.7, -0.4, 1.2]),
    case(cc.nested_break, [1.0, 2.0, 3.0], [0.5, 1.5, 2.5]),
    case(cc.running_max, [1.0, 3.0, 2.0, 2.5]),
    case(cc.hinge, [0.5, -0.25], [[1.0, 2.0], [2.0, -1.0], [0.5, 0.5]], [1.0, -1.0, 1.0], wrt="ws"),
    case(cc.helper_in_loop, [1.0, -2.0, 3.0], [0.5, 1.5]),
    case(cc.abs_min_max, [1.0, -3.0, 2.0]),
    # indexing, slices, len, sum
    case(cc.index_arith, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
    case(cc.wrap_index, [1.0, 2.0, 3.0]),
    case(cc.differences, [1.0, 2.5, 2.0, 4.0]),
    case(cc.slice_start, [1.5, 2.0, 3.0]),
    case(cc.slice_start, [1.5], label="empty-slice"),
    case(cc.mean_var, [1.0, 2.5, 2.0, 4.0]),
    case(cc.sum_start, [1.0, 2.5], 3.0),
    case(cc.sum_start, [], 3.0, label="empty", expect=(9.0, ([], 6.0))),
    case(cc.plain_sum, [0.5, 1.5, 2.0]),
    case(
        cc.plain_sum, [1e16, 1.0, -1e16], label="cancellation", xfail=BUG_SUM_312, xfail_if=sys.version_info >= (3, 12)
    ),
    case(cc.sum_of_sums, [1.0, 2.0]),
    # list literals, comprehensions, append, helpers
    case(cc.literal, 1.5, -2.0),
    case(cc.squashed, [0.3, -0.7, 1.1], 0.9),
    case(cc.comp_range, [1.0, 2.5, 2.0, 4.0]),
    case(cc.filtered, [1.0, -2.0, 3.0], 0.5),
    case(cc.append_local, [0.3, -0.7, 1.1], 0.9),
    case(cc.conditional_append, [1.0, 0.1, 2.0, 3.0], 0.9),
    case(cc.branch_lists, 1.0, 2.0, label="long"),
    case(cc.branch_lists, -1.0, 2.0, label="short"),
    case(cc.helpers, [0.3, -0.7, 1.1], 0.9),
    case(cc.weighted, [0.3, -0.7, 1.1, 2.0, 0.5], label="list"),
    case(cc.weighted, (0.3, -0.7, 1.1), label="tuple"),
    case(cc.int_power, 1.5, 4, wrt="x", label="x=1.5"),
    case(cc.int_power, 0.0, 3, wrt="x", label="x=0"),
    # parameter structures: tuples, ints, unused parameters, data parameters
    case(cc.tuple_param, (0.3, -0.7, 2.0), 1.5, label="tuple"),
    case(cc.tuple_param, [0.3, -0.7, 2.0], 1.5, label="list"),
    case(cc.weighted_enumerate, [1, 2, 3], label="ints"),
    case(cc.unused, [0.3, -0.7], [1.0, 2.0, 3.0], 5.0),
    case(cc.only_data, [1.0, 2.0], [3.0], wrt="xs", label="bare"),
    case(cc.only_data, [1.0, 2.0], [3.0], label="all"),
    case(cc.squared_error, 0.5, -0.1, [1.0, 2.0, 3.0], [0.4, 1.1, 1.3], wrt=["w", "b"]),
    # micrograd's MLP with loops
    case(cc.loss, *mlp_data(4), wrt="params", label="4-samples"),
]


# --- the references ---------------------------------------------------------------------------------------


def chosen(fun, wrt) -> tuple[list[int], bool]:
    """Indices of the differentiated parameters and whether the gradient is bare (API.md's shapes)."""
    names = list(inspect.signature(fun).parameters)
    if wrt is None:
        return list(range(len(names))), len(names) == 1
    if isinstance(wrt, str | int):
        return [names.index(wrt) if isinstance(wrt, str) else wrt], True
    return [names.index(w) if isinstance(w, str) else w for w in wrt], False


def tape_value_and_grad(fun, args, wrt):
    """`fun` run on tape Values for the differentiated parameters (data stays floats), then backward."""
    indices, bare = chosen(fun, wrt)
    args = list(args)
    leaves = {}
    for i in indices:
        a = args[i]
        leaves[i] = type(a)(Value(e) for e in a) if isinstance(a, list | tuple) else Value(a)
        args[i] = leaves[i]
    out = fun(*args)
    if isinstance(out, Value):
        out.backward()
        value = out.data
    else:  # the output does not depend on any parameter: every gradient is 0
        value = float(out)

    def gradient(leaf):
        return type(leaf)(v.grad for v in leaf) if isinstance(leaf, list | tuple) else leaf.grad

    grads = tuple(gradient(leaves[i]) for i in indices)
    return value, grads[0] if bare else grads


_MP_OPS = {
    symgrad.tanh: mpmath.tanh,
    symgrad.exp: mpmath.exp,
    symgrad.log: mpmath.log,
    symgrad.sqrt: mpmath.sqrt,
    symgrad.sin: mpmath.sin,
    symgrad.cos: mpmath.cos,
    symgrad.sigmoid: lambda x: 1 / (1 + mpmath.exp(-x)),
    symgrad.relu: lambda x: x if x > 0 else mpmath.mpf(0),
}


def mp_version(fun):
    """`fun` with the same code, in a copy of its module's namespace where symgrad's ops are mpmath's and every
    function of the module (the inlined helpers) is rebuilt over that namespace."""
    module = sys.modules[fun.__module__]
    namespace = dict(vars(module))
    for name, value in vars(module).items():
        if isinstance(value, types.FunctionType) and value in _MP_OPS:
            namespace[name] = _MP_OPS[value]
        elif isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
            namespace[name] = types.FunctionType(value.__code__, namespace, value.__name__, value.__defaults__)
    assert not any(v in _MP_OPS for v in namespace.values() if isinstance(v, types.FunctionType))
    return namespace[fun.__name__]


def fd_grad(fun, args, wrt):
    """Central differences at 50 digits, h = 1e-20, of `fun` on mpf inputs; the gradient's structure."""
    indices, bare = chosen(fun, wrt)
    mp_fun = mp_version(fun)
    with mpmath.workdps(50):
        h = mpmath.mpf("1e-20")
        base = list(args)
        for i in indices:
            a = args[i]
            base[i] = type(a)(mpmath.mpf(e) for e in a) if isinstance(a, list | tuple) else mpmath.mpf(a)

        def derivative(i, k=None):
            def at(delta):
                shifted = list(base)
                if k is None:
                    shifted[i] = base[i] + delta
                else:
                    items = list(base[i])
                    items[k] += delta
                    shifted[i] = type(base[i])(items)
                return mpmath.mpf(mp_fun(*shifted))

            return float((at(h) - at(-h)) / (2 * h))

        grads = []
        for i in indices:
            if isinstance(args[i], list | tuple):
                grads.append(type(args[i])(derivative(i, k) for k in range(len(args[i]))))
            else:
                grads.append(derivative(i))
    return grads[0] if bare else tuple(grads)


def assert_same_structure_close(got, want, rtol, atol, path="gradient"):
    """`got` has `want`'s structure (tuple vs list vs float, lengths) and its float leaves are close."""
    if isinstance(want, list | tuple):
        assert type(got) is type(want), f"{path}: {type(got).__name__} {got!r}, want {type(want).__name__} {want!r}"
        assert len(got) == len(want), f"{path}: length {len(got)}, want {len(want)}"
        for k, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same_structure_close(g, w, rtol, atol, f"{path}[{k}]")
    else:
        assert type(got) is float, f"{path}: {got!r} is a {type(got).__name__}, not a float"
        assert math.isclose(got, want, rel_tol=rtol, abs_tol=atol), f"{path}: {got!r}, want {want!r}"


def assert_exactly(got, want, path="gradient"):
    if isinstance(want, list | tuple):
        assert type(got) is type(want) and len(got) == len(want), f"{path}: {got!r}, want {want!r}"
        for k, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_exactly(g, w, f"{path}[{k}]")
    else:
        assert type(got) is float and got == want, f"{path}: {got!r}, want {want!r}"


def objects_in(tree):
    yield tree
    if isinstance(tree, list | tuple):
        for item in tree:
            yield from objects_in(item)


# --- the table --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("c", CASES)
def test_case(c: Case):
    args = copy.deepcopy(c.args)
    vg = value_and_grad(c.fun, wrt=c.wrt)
    value, gradient = vg(*args)
    assert args == c.args, "the compiled function changed the caller's arguments"
    caller_objects = {id(o) for o in objects_in(args) if isinstance(o, list)}
    assert not any(id(o) in caller_objects for o in objects_in(gradient)), "the gradient aliases an argument"

    # 1. the value is the plain function's
    plain = c.fun(*copy.deepcopy(c.args))
    assert type(value) is float
    assert math.isclose(value, plain, rel_tol=VALUE_RTOL, abs_tol=0.0), (value, plain)

    # 2. the gradient is the tape's, with the promised structure
    tape_value, tape_gradient = tape_value_and_grad(c.fun, copy.deepcopy(c.args), c.wrt)
    assert math.isclose(value, tape_value, rel_tol=VALUE_RTOL, abs_tol=0.0), (value, tape_value)
    assert_same_structure_close(gradient, tape_gradient, TAPE_RTOL, TAPE_ATOL)

    # 3. ... and the finite differences' (away from branch boundaries)
    if c.fd:
        assert_same_structure_close(gradient, fd_grad(c.fun, c.args, c.wrt), FD_RTOL, FD_ATOL)

    # 4. pinned results
    if c.expect is not None:
        assert value == c.expect[0], (value, c.expect[0])
        assert_exactly(gradient, c.expect[1])

    # grad is value_and_grad without the value; neither touches the caller's lists
    g = grad(c.fun, wrt=c.wrt)(*args)
    assert args == c.args
    assert repr(g) == repr(gradient)


# --- the MLP ----------------------------------------------------------------------------------------------


def fresh(fun):
    """A new function object with `fun`'s code: symgrad caches compilations per function object."""
    return types.FunctionType(fun.__code__, fun.__globals__, fun.__name__, fun.__defaults__)


@pytest.mark.parametrize("n_samples", [4, 100])
def test_mlp_matches_the_tape(n_samples):
    params, xs, ys = mlp_data(n_samples, seed=n_samples)
    vg = value_and_grad(fresh(cc.loss), wrt="params")
    value, grads = vg(params, xs, ys)
    assert value == cc.loss(params, xs, ys)
    tape_value, tape_grads = tape_value_and_grad(cc.loss, (params, xs, ys), "params")
    assert math.isclose(value, tape_value, rel_tol=VALUE_RTOL)
    assert_same_structure_close(grads, tape_grads, TAPE_RTOL, TAPE_ATOL)


def test_mlp_module_text_does_not_depend_on_the_number_of_samples():
    sources = []
    for n_samples in (4, 100):
        vg = value_and_grad(fresh(cc.loss), wrt="params")  # compiled on this first call, with this data
        vg(*mlp_data(n_samples))
        sources.append(vg.source)
    assert len(sources[0]) == len(sources[1])
    assert sources[0] == sources[1]
    assert "for " in sources[0]  # kept as loops, not unrolled


# --- tuples, mutation, determinism, standalone modules ----------------------------------------------------


def test_tuple_parameters_give_tuple_gradients():
    point = (0.3, -0.7, 2.0)
    _, (g_point, g_scale) = value_and_grad(cc.tuple_param)(point, 1.5)
    assert type(g_point) is tuple and len(g_point) == 3 and type(g_scale) is float
    g_point_list, _ = grad(cc.tuple_param)(list(point), 1.5)
    assert type(g_point_list) is list and list(g_point) == g_point_list


def test_callers_lists_are_not_mutated():
    params, xs, ys = mlp_data(4)
    before = copy.deepcopy((params, xs, ys))
    value_and_grad(cc.loss, wrt="params")(params, xs, ys)
    grad(cc.loss, wrt="params")(params, xs, ys)
    assert (params, xs, ys) == before
    xs = [0.3, -0.7, 1.1]
    for fun in (cc.append_local, cc.helpers, cc.squashed, cc.conditional_append):
        value_and_grad(fun)(xs, 0.9)
        assert xs == [0.3, -0.7, 1.1]


def requests():
    """Each (function, wrt) of the table once, in table order; the xfail cases left out."""
    seen = {}
    for p in CASES:
        c = p.values[0]
        if not p.marks:
            seen.setdefault((c.fun.__name__, json.dumps(c.wrt)), (c.fun, c.wrt))
    return list(seen.values())


def test_compilation_is_deterministic_across_fresh_compilations():
    for fun, wrt in requests():
        assert value_and_grad(fresh(fun), wrt=wrt).source == value_and_grad(fresh(fun), wrt=wrt).source


_DUMP = """
import json, sys
sys.path.insert(0, {tests!r})
import control_corpus, symgrad
jobs = json.loads(sys.stdin.read())
print(json.dumps([symgrad.value_and_grad(getattr(control_corpus, name), wrt=wrt).source for name, wrt in jobs]))
"""


def test_compilation_is_deterministic_across_processes_and_hash_seeds():
    jobs = [(fun.__name__, wrt) for fun, wrt in requests()]
    here = [value_and_grad(fun, wrt=wrt).source for fun, wrt in requests()]
    tests = os.path.dirname(os.path.abspath(__file__))
    for seed in ("0", "12345"):
        done = subprocess.run(
            [sys.executable, "-c", _DUMP.format(tests=tests)],
            input=json.dumps(jobs),
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONHASHSEED=seed),
            timeout=120,
            check=True,
        )
        assert json.loads(done.stdout) == here


_STANDALONE = """
import ast, json, sys
sys.modules["symgrad"] = None  # any import of symgrad now raises ImportError
jobs = json.loads(sys.stdin.read())
results = []
for source, name, args in jobs:
    namespace = {"__name__": "generated"}
    exec(compile(source, "<generated>", "exec"), namespace)
    args = ast.literal_eval(args)
    results.append([repr(namespace[name + "_value_and_grad"](*args)), repr(namespace[name + "_grad"](*args))])
print(json.dumps(results))
"""


def test_generated_modules_run_without_symgrad():
    jobs, want = [], []
    for p in CASES:
        c = p.values[0]
        if p.marks:
            continue
        vg = value_and_grad(c.fun, wrt=c.wrt)
        source = vg.source
        for line in source.splitlines():
            assert not (line.startswith(("import ", "from ")) and "symgrad" in line), line
        jobs.append([source, c.fun.__name__, repr(c.args)])
        want.append([repr(vg(*copy.deepcopy(c.args))), repr(grad(c.fun, wrt=c.wrt)(*copy.deepcopy(c.args)))])
    done = subprocess.run(
        [sys.executable, "-I", "-c", _STANDALONE],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd="/",
    )
    assert json.loads(done.stdout) == want


# --- rejections -------------------------------------------------------------------------------------------


def marked_line(fun) -> int:
    lines, first = inspect.getsourcelines(fun)
    (offset,) = [k for k, line in enumerate(lines) if line.rstrip().endswith("# <- rejected")]
    return first + offset


REJECTED = [getattr(cc, name) for name in sorted(vars(cc)) if name.startswith("reject_")]


@pytest.mark.parametrize("fun", REJECTED, ids=lambda f: f.__name__)
def test_rejected_on_source_and_on_first_call(fun):
    line = marked_line(fun)
    with pytest.raises(UnsupportedSyntax) as info:
        _ = value_and_grad(fresh(fun)).source
    assert info.value.lineno == line, str(info.value)
    assert info.value.filename == cc.__file__
    assert info.value.text.rstrip().endswith("# <- rejected")
    assert isinstance(info.value, symgrad.SymgradError) and isinstance(info.value, SyntaxError)
    args = [[1.0, 2.0]] if "xs" in inspect.signature(fun).parameters else [1.0]
    with pytest.raises(UnsupportedSyntax) as info:
        grad(fresh(fun))(*args)
    assert info.value.lineno == line


def test_reject_messages_name_the_problem():
    expected = {
        cc.reject_return_in_loop: "`return` inside a loop",
        cc.reject_append_param: "append",
        cc.reject_mod: "%",
        cc.reject_one_branch: "'y'",
        cc.reject_setitem_param: "list element",
        cc.reject_setitem_local: "list element",
    }
    assert set(expected) == set(REJECTED)
    for fun, words in expected.items():
        with pytest.raises(UnsupportedSyntax) as info:
            _ = value_and_grad(fun).source
        assert words in info.value.reason, info.value.reason


def test_table_covers_every_corpus_function():
    in_table = {p.values[0].fun for p in CASES}
    public = {
        v
        for k, v in vars(cc).items()
        if isinstance(v, types.FunctionType) and v.__module__ == cc.__name__ and not k.startswith(("_", "reject_"))
    }
    assert public == in_table, public ^ in_table
    assert len(CASES) >= 40
