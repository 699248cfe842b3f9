"""Random programs, compiled and checked against the tape engine and SymPy (symgrad.check); random programs with
branches, loops and lists (tests/programs.py's control_programs), checked against the plain function's value, the
tape engine, the module specialized on list lengths (specialize=True), and 50-digit mpmath central differences
where the point is not near a branch boundary or kink.

CI runs 300 of each (the control-flow test takes about 15 s), and 25 long and deep programs (one statement of up to
1,200 operations, hundreds of statements; SYMGRAD_FUZZ_DEEP_EXAMPLES for more): they compile and agree with the
tape, or are refused with the user's file, line and a hint, never a raw exception; and 25 random chains of
helpers up to 280 levels deep (loops and branches at each level), which must compile and agree with the tape.
For a long run set
SYMGRAD_FUZZ_EXAMPLES (the first two tests), or SYMGRAD_FUZZ_CONTROL_EXAMPLES for the control-flow test alone, e.g.
    SYMGRAD_FUZZ_EXAMPLES=10000 python -m pytest tests/test_fuzz.py -q
Every bug this finds becomes a named regression test in tests/test_regressions.py.

Higher order (the last section): random programs' Hessians (straight-line, and with branches, loops and lists,
over a random `wrt`) and random tuple-returning programs' Jacobians, each checked by `check(hessian(f), ...)`
(SymPy's hessian/jacobian of a trace of the program at the point; past SymPy's budget, mpmath differences of
the program and of its gradient, and five-point differences of the compiled first-order gradient), plus
`hvp` against the compiled Hessian times a vector. CI runs a few of each (SYMGRAD_FUZZ_HIGHER_EXAMPLES, default
10); a soak run:
    SYMGRAD_FUZZ_HIGHER_EXAMPLES=3000 python -m pytest tests/test_fuzz.py -q -k higher -s
prints, per test, how many programs compared with which reference (and how many were near a branch boundary).
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import random
import signal
import sys

import mpmath
from hypothesis import HealthCheck, event, given, reject, settings
from hypothesis import strategies as st
from programs import (
    CONTROL_HELPERS,
    CONTROL_PARAMS,
    XS_LENGTH,
    control_programs,
    inputs,
    load_function,
    load_module,
    programs,
)
from test_control_flow import fd_grad, mp_version

from symgrad import (
    CheckInconclusive,
    GradientMismatch,
    UnsupportedSyntax,
    Value,
    hessian,
    hvp,
    jacobian,
    value_and_grad,
    value_grad_and_hessian,
)
from symgrad.checking import check

EXAMPLES = int(os.environ.get("SYMGRAD_FUZZ_EXAMPLES", "300"))
CONTROL_EXAMPLES = int(os.environ.get("SYMGRAD_FUZZ_CONTROL_EXAMPLES", os.environ.get("SYMGRAD_FUZZ_EXAMPLES", "300")))
RTOL, ATOL = 1e-9, 1e-10


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=programs(), point=st.tuples(inputs, inputs, inputs))
def test_random_programs_agree_with_tape_and_sympy(tmp_path, body, point):
    fun = load_function(tmp_path, body)
    report = check(fun, *point, rtol=1e-8, atol=1e-10)
    tape = next(r for r in report.references if r.source == "tape")
    assert tape.applicable, body  # every generated spelling runs on the tape: it must be compared
    assert set(report.max_errors()) == {"tape", "sympy"}


# --- branches, loops and lists --------------------------------------------------------------------------------


def _mp_args(args):
    return [type(a)(mpmath.mpf(e) for e in a) if isinstance(a, list | tuple) else mpmath.mpf(a) for a in args]


def _moved(args, i, k, delta):
    moved = list(args)
    if k is None:
        moved[i] = args[i] + delta
    else:
        moved[i] = list(args[i])
        moved[i][k] += delta
    return moved


@contextlib.contextmanager
def comparison_gaps(cls, number=lambda v: v):
    """Within the block, every comparison (< <= > >=) made by an instance of `cls` appends to the yielded list the
    relative gap |a - b| / (1 + |a| + |b|) between its operands (`number` gives an operand's number)."""
    gaps = []
    originals = {name: getattr(cls, name) for name in ("__lt__", "__le__", "__gt__", "__ge__")}

    def recording(original):
        def compare(self, other):
            a, b = number(self), number(other)
            gaps.append(abs(a - b) / (1 + abs(a) + abs(b)))
            return original(self, other)

        return compare

    try:
        for name, original in originals.items():
            setattr(cls, name, recording(original))
        yield gaps
    finally:
        for name, original in originals.items():
            setattr(cls, name, original)


def tape_profile(fun, args) -> tuple[float, float]:
    """`fun` run once on tape Values: (the smallest relative gap between the operands of its comparisons of
    differentiated values, the largest magnitude of a value in its graph).

    A gap of 0.0 is a branch boundary, where the taken branch's gradient need not be the one on either side
    (`if abs(x) <= 0.0` at x = 0) although a central difference there looks smooth. A huge intermediate value
    (loops can iterate `v = v ** 3`) is beyond what 50-digit differences with h = 1e-20 resolve."""
    with comparison_gaps(Value, lambda v: v.data if isinstance(v, Value) else v) as gaps:
        out = fun(*[[Value(e) for e in a] if isinstance(a, list) else Value(a) for a in args])
    largest, seen, stack = 0.0, set(), [out] if isinstance(out, Value) else []
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            largest = max(largest, abs(node.data))
            stack.extend(node._prev)
    return min(gaps, default=math.inf), largest


def kinked_near(fun, args, value: float, radius: float = 1e-9) -> bool:
    """Whether `fun` (run on 50-digit mpmath numbers, its ops rebound to mpmath's) fails to be smooth within
    `radius` of `args` along some coordinate: a branch boundary, a change of trip count, a kink of relu/abs/min/max.

    Smooth along a coordinate, the second difference quotient (f(p+h) - 2 f(p) + f(p-h)) / h**2 is f'' + O(h**2)
    at h = radius and h = radius / 10 alike; a jump or a kink within h adds about jump / h**2 or slope jump / h,
    which differs between the two. Central differences are then trusted only where this says smooth, so that
    neither the difference straddles a boundary nor floating-point rounding in the compiled code takes another
    branch than exact arithmetic. Also True where exact arithmetic compares nearly equal numbers, or its value is
    not the float `value`: a test of constants alone can go either way (`cos(math.pi) > -1.0` is False in floats,
    True exactly), and so can one of the data in W."""
    mp_fun = mp_version(fun)
    with mpmath.workdps(50):
        base = _mp_args(args)
        with comparison_gaps(mpmath.mpf) as gaps:
            centre = mp_fun(*base)
        if min(gaps, default=math.inf) < 1e-12 or not _close(float(centre), value):
            return True
        coordinates = [(i, k) for i, a in enumerate(args) for k in (range(len(a)) if isinstance(a, list) else [None])]
        for i, k in coordinates:
            curvatures = []
            for h in (mpmath.mpf(radius), mpmath.mpf(radius) / 10):
                ahead, behind = mp_fun(*_moved(base, i, k, h)), mp_fun(*_moved(base, i, k, -h))
                curvatures.append((ahead - 2 * centre + behind) / (h * h))
            if abs(curvatures[0] - curvatures[1]) > 1e-6 * (1 + abs(curvatures[1])):
                return True
    return False


def _flat(gradient) -> list[float]:
    return [float(e) for g in gradient for e in (g if isinstance(g, list | tuple) else [g])]


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=RTOL, abs_tol=ATOL)


@contextlib.contextmanager
def time_limit(seconds: int):
    """TimeoutError after `seconds` (where the platform has SIGALRM): a loop that never ends, in the compiled code
    or in the plain function, fails the example instead of hanging the test run."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(signum, frame):
        raise TimeoutError(f"the example ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


some_parameters = st.lists(st.sampled_from(CONTROL_PARAMS), min_size=1, max_size=4, unique=True)
point_with_list = st.tuples(inputs, inputs, inputs, st.lists(inputs, min_size=XS_LENGTH, max_size=XS_LENGTH))


@settings(
    max_examples=CONTROL_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=control_programs(), point=point_with_list, wrt=some_parameters)
def test_random_control_programs_agree_with_tape_and_finite_differences(tmp_path, body, point, wrt):
    fun = load_function(tmp_path, body, params=CONTROL_PARAMS, helpers=CONTROL_HELPERS)
    try:
        with time_limit(20):
            agree_with_tape_and_finite_differences(fun, point, wrt)
    finally:
        del sys.modules[fun.__module__]  # (the module is registered for mp_version; free it and its compilation)


def agree_with_tape_and_finite_differences(fun, point, wrt=CONTROL_PARAMS):
    try:
        plain = fun(*copy.deepcopy(point))  # the generator's promise: every program runs as plain Python
    except OverflowError:  # ... but float ** underflows with an error: (1e-200) ** 3 (compiled as a product: 0.0)
        reject()
    report = check(fun, *point, rtol=RTOL, atol=ATOL)
    tape = next(r for r in report.references if r.source == "tape")
    assert tape.applicable and not tape.problem, tape.problem  # every generated program runs on the tape
    assert "tape" in report.max_errors()
    assert _close(report.compiled.value, plain), (report.compiled.value, plain)
    # the module specialized on the list lengths (loops unrolled) agrees with the general one, as the tape does
    value, gradient = value_and_grad(fun, specialize=True)(*copy.deepcopy(point))
    specialized = (value, *_flat(gradient))
    general = (report.compiled.value, *report.compiled.grads)
    assert all(_close(a, b) for a, b in zip(specialized, general, strict=True)), (specialized, general)
    # ... and so do the modules for fewer parameters (a tuple in wrt order), general and specialized
    chosen = [k for name in wrt for k, entry in enumerate(report.params) if entry.split("[")[0] == name]
    for specialize in (False, True):
        value, gradient = value_and_grad(fun, wrt=list(wrt), specialize=specialize)(*copy.deepcopy(point))
        assert type(gradient) is tuple and len(gradient) == len(wrt)
        some = (value, *_flat(gradient))
        assert all(_close(a, general[k]) for a, k in zip(some, [0, *(k + 1 for k in chosen)], strict=True)), (
            wrt, specialize, some, general)  # fmt: skip
    gap, largest = tape_profile(fun, point)
    if not largest <= 1e12:
        event("finite differences skipped: values too large to difference at 50 digits")
        return
    if gap < 1e-9 or kinked_near(fun, point, plain):
        event("finite differences skipped: near a branch boundary or kink")
        return
    event("finite differences compared")
    fd = _flat(fd_grad(fun, point, None))
    assert len(fd) == len(report.compiled.grads)
    mismatches = [
        (name, got, want)
        for name, got, want in zip(report.params, report.compiled.grads, fd, strict=True)
        if not _close(got, want)
    ]
    assert not mismatches, f"compiled vs 50-digit finite differences: {mismatches}"


# --- long and deep programs -----------------------------------------------------------------------------------

DEEP_EXAMPLES = int(os.environ.get("SYMGRAD_FUZZ_DEEP_EXAMPLES", "25"))

_CHAIN_STEPS = [" + x", " - y", " * 1.001", " + 0.5 * z", " * 0.999 + x * y", " - tanh(x) * 0.1"]


@st.composite
def deep_programs(draw) -> str:
    """One long statement: a left-nested chain of up to 1,200 operations (CPython itself refuses to compile a few
    thousand), then a few hundred statements of ordinary random code."""
    rng = random.Random(draw(st.integers(0, 2**32)))  # long lists drawn element by element are slow to generate
    steps = [rng.choice(_CHAIN_STEPS) for _ in range(draw(st.sampled_from([1, 10, 100, 400, 800, 1200])))]
    lines = ["a = x" + "".join(steps)]
    for i in range(draw(st.integers(0, 300))):
        lines.append(f"a = a * {draw(st.sampled_from(['0.5', 'x', 'y', 'tanh(z)']))} + {i % 7 / 10}")
    tail = draw(programs(max_statements=0, depth=2)).splitlines()[-1].removeprefix("return ")
    lines.append(f"return tanh(a) + {tail} + xs[0]")
    return "\n".join(lines)


def _compiled_or_refused(fun, point):
    """The compiled value and gradient, or None where symgrad refused the program at its own file and line."""
    try:
        return value_and_grad(fun)(*point)
    except UnsupportedSyntax as error:
        assert error.filename == fun.__code__.co_filename and error.lineno >= fun.__code__.co_firstlineno, str(error)
        assert error.hint, str(error)
        event("refused with a location")
        return None


@settings(max_examples=DEEP_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(body=st.one_of(deep_programs(), control_programs(max_statements=40, max_depth=4, max_block=4)),
       point=point_with_list)  # fmt: skip
def test_long_and_deep_programs_compile_or_are_refused_with_a_location(tmp_path, body, point):
    fun = load_function(tmp_path, body, params=CONTROL_PARAMS, helpers=CONTROL_HELPERS)
    try:
        with time_limit(60):
            result = _compiled_or_refused(fun, copy.deepcopy(point))
            if result is None:
                return
            value, gradient = result
            tape = [Value(a) for a in point[:3]] + [[Value(e) for e in point[3]]]
            out = fun(*tape)
            if not isinstance(out, Value) or not math.isfinite(out.data) or abs(out.data) > 1e12:
                return
            out.backward()
            expected = [out.data, *(v.grad for v in tape[:3]), *(e.grad for e in tape[3])]
            got = [value, *_flat(gradient)]
            assert all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) for a, b in zip(got, expected, strict=True)), (
                got, expected)  # fmt: skip
            event("compared with the tape")
    finally:
        del sys.modules[fun.__module__]


# Level bodies of a random helper chain: each takes (x, y) and calls the next level exactly once (`{next}`), so the
# program grows linearly with its depth; loops and branches make every level's blocks nest inside the last's.
_LEVELS = [
    "    return h{next}(x * 1.001 + 0.01, y)\n",
    "    return h{next}(x, y) * 0.999 + tanh(y) * 0.01\n",
    "    if x > y:\n        x = x - 0.01\n    else:\n        x = x * 1.001\n    return h{next}(x, y)\n",
    "    a = x\n    for i in range(2):\n        a = a * 0.99 + y * 0.005\n    return h{next}(a, y)\n",
    "    a = h{next}(x, y)\n    if a > 0.5:\n        a = a * 0.999\n    return a + 0.001 * x\n",
]


@st.composite
def helper_chains(draw) -> tuple[str, int]:
    """Module text of helpers h0 ... h<depth> calling each other up to 280 levels deep (beyond Python's default
    recursion limit for the compiler; within it for the plain function the tape runs), and f calling h0."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    depth = draw(st.sampled_from([1, 30, 150, 280]))
    text = "from symgrad import tanh\n\n\n"
    for i in range(depth):
        body = rng.choice(_LEVELS).replace("{next}", str(i + 1))
        text += f"def h{i}(x, y):\n{body}\n\n"
    text += f"def h{depth}(x, y):\n    return x * y + tanh(x)\n\n\ndef f(x, y):\n    return h0(x, y)\n"
    return text, depth


@settings(max_examples=DEEP_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(chain=helper_chains(), x=inputs, y=inputs)
def test_deep_chains_of_helpers_compile_and_agree_with_the_tape(tmp_path, chain, x, y):
    text, _ = chain
    fun, _ = load_module(tmp_path, text, register=True)
    try:
        with time_limit(60):
            value, gradient = value_and_grad(fun)(x, y)
        tx, ty = Value(x), Value(y)
        out = fun(tx, ty)
        out.backward()
        got, expected = (value, *gradient), (out.data, tx.grad, ty.grad)
        assert all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) for a, b in zip(got, expected, strict=True)), (
            got, expected)  # fmt: skip
    finally:
        del sys.modules[fun.__module__]


# --- higher order: Hessians and Jacobians of random programs ------------------------------------------------------

HIGHER_EXAMPLES = int(os.environ.get("SYMGRAD_FUZZ_HIGHER_EXAMPLES", "10"))
# Hessians of random programs sum many products whose terms cancel: a few more ulps than the gradient's
HIGHER_RTOL, HIGHER_ATOL = 1e-8, 1e-9
TALLY: dict[str, dict[str, int]] = {}  # per test: outcome -> count (printed at the end of a soak run)


def _tally(test: str, outcome: str) -> None:
    counts = TALLY.setdefault(test, {})
    counts[outcome] = counts.get(outcome, 0) + 1
    event(outcome)


def _near_a_boundary(fun, point, plain) -> bool:
    """Whether a branch or kink lies so close to the point that rounding may take another branch in the
    compiled code than in the trace (the first-order test's criterion, kinked_near and tape_profile)."""
    gap, _ = tape_profile(fun, point)
    return gap < 1e-9 or kinked_near(fun, point, plain)


def higher_agrees(test: str, made, point, plain_fun) -> None:
    """`check(made, *point)`; a mismatch fails unless the point is at a branch boundary (then it is tallied)."""
    try:
        plain = plain_fun(*copy.deepcopy(point))
    except OverflowError:
        reject()
    try:
        report = check(made, *copy.deepcopy(point), rtol=HIGHER_RTOL, atol=HIGHER_ATOL)
    except CheckInconclusive:
        _tally(test, "inconclusive (no reference could compare)")
        return
    except GradientMismatch:
        value = plain if not isinstance(plain, tuple) else plain[0]
        if _near_a_boundary(plain_fun, point, float(value)):
            _tally(test, "mismatch at a branch boundary or kink (skipped)")
            return
        raise
    _tally(test, f"compared: {', '.join(report.compared)}")


def _direction(point, wrt=None):
    vector = [[0.5 - 0.25 * k for k in range(len(a))] if isinstance(a, list) else 0.75 for a in point]
    return tuple(vector if wrt is None else [vector[CONTROL_PARAMS.index(w)] for w in wrt])


def _hvp_is_the_hessian_times_the_vector(fun, point, wrt=None):
    h = hessian(fun, wrt=wrt)(*copy.deepcopy(point))
    v = _direction(point, wrt)
    hv = _flat(hvp(fun, wrt=wrt)(*copy.deepcopy(point), vector=v))
    flat_v = _flat(v)
    rows = [_flat(row) for row in h] if isinstance(h, tuple) else [[h]]
    for got, row in zip(hv, rows, strict=True):
        want = math.fsum(a * b for a, b in zip(row, flat_v, strict=True))
        scale = math.fsum(abs(a * b) for a, b in zip(row, flat_v, strict=True))
        assert abs(got - want) <= 1e-12 + 1e-10 * scale, (got, want)


@settings(max_examples=HIGHER_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=programs(methods=False), point=st.tuples(inputs, inputs, inputs))
def test_higher_random_program_hessians_match_sympy(tmp_path, body, point):
    fun = load_function(tmp_path, body)
    try:
        with time_limit(60):
            higher_agrees("hessian", value_grad_and_hessian(fun), point, fun)
            _hvp_is_the_hessian_times_the_vector(fun, point)
    finally:
        del sys.modules[fun.__module__]


@settings(max_examples=HIGHER_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(body=control_programs(), point=point_with_list, wrt=some_parameters)
def test_higher_random_control_program_hessians_match_sympy(tmp_path, body, point, wrt):
    fun = load_function(tmp_path, body, params=CONTROL_PARAMS, helpers=CONTROL_HELPERS)
    try:
        with time_limit(60):
            higher_agrees("control hessian", hessian(fun, wrt=list(wrt)), point, fun)
            _hvp_is_the_hessian_times_the_vector(fun, point, list(wrt))
    finally:
        del sys.modules[fun.__module__]


@settings(max_examples=HIGHER_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=programs(results=3, methods=False), point=st.tuples(inputs, inputs, inputs))
def test_higher_random_program_jacobians_match_sympy(tmp_path, body, point):
    fun = load_function(tmp_path, body)
    try:
        with time_limit(60):
            higher_agrees("jacobian", jacobian(fun), point, fun)
    finally:
        del sys.modules[fun.__module__]


def teardown_module(module):
    if HIGHER_EXAMPLES > 100:  # a soak run: say what was compared
        for test, counts in TALLY.items():
            print(f"\n{test}: {sum(counts.values())} programs")
            for outcome, count in sorted(counts.items()):
                print(f"  {count:6d}  {outcome}")
