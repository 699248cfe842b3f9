"""Higher-order, directional and vector-valued derivatives (symgrad/higher.py, derivatives.py, forward.py).

References share none of symgrad's rules: SymPy differentiates a trace of the user's own function at the point
(`sympy.hessian`, `sympy.Matrix.jacobian` on the expression `oracles.point_sympy.Traced` records while the
plain function runs, so branches and loops are taken as at the point), evaluated with mpmath at 40 digits.
The table is every case of the control-flow table (branches, loops with their tapes, lists, helpers, abs, min,
max, relu, `x ** y`) plus the scalar corpus; forward mode is compared with reverse mode.
"""

from __future__ import annotations

import math
import os
import pathlib
import subprocess
import sys

import corpus
import higher_corpus as hc
import mpmath
import pytest
import sympy
from test_control_flow import CASES
from test_emit import check_golden

import symgrad
from symgrad import grad, hessian, hvp, jacobian, jvp, value_and_grad, value_and_jacobian, value_grad_and_hessian
from symgrad.ops import PUBLIC_FUNCTIONS
from symgrad.oracles.point_sympy import Traced, _Counter
from symgrad.oracles.rebind import rebound

RTOL, ATOL = 1e-9, 1e-12

# --- the reference: SymPy on a trace of the user's function ---------------------------------------------------


def _wrt_indices(fun, wrt, args):
    names = list(__import__("inspect").signature(fun).parameters)
    if wrt is None:
        return list(range(len(args)))
    if isinstance(wrt, str):
        return [names.index(wrt)]
    return [names.index(w) if isinstance(w, str) else w for w in wrt]


def traced(fun, args, wrt):
    """(result expressions, symbols, point): `fun` run on traced leaves for the differentiated arguments."""
    counter = _Counter(1)
    counter.limit = 10**9
    symbols, point = [], []

    def leaf(number):
        symbols.append(sympy.Symbol(f"s{len(symbols)}", real=True))
        point.append(float(number))
        return Traced(symbols[-1], point[-1], sympy, counter)

    indices = _wrt_indices(fun, wrt, args)
    call = [
        (type(a)(leaf(e) for e in a) if isinstance(a, list | tuple) else leaf(a)) if i in indices else a
        for i, a in enumerate(args)
    ]
    out = rebound(fun, PUBLIC_FUNCTIONS)(*call)
    outs = out if isinstance(out, tuple) else (out,)
    exprs = [o.expr if isinstance(o, Traced) else sympy.Float(float(o)) for o in outs]
    return exprs, symbols, point


def evaluate(matrix, symbols, point):
    with mpmath.workdps(40):
        f = sympy.lambdify(symbols, matrix, modules="mpmath")
        return f(*(mpmath.mpf(v) for v in point))


# SymPy's Hessian costs about operations x coordinates^2: past this, the reference is central differences of
# the reverse-mode gradient (itself checked against the tape and SymPy in test_control_flow), at rtol FD_RTOL.
SYMPY_BUDGET = 20_000
FD_RTOL, FD_ATOL = 1e-6, 1e-8


def reference_hessian(fun, args, wrt):
    """(rows, rtol, atol): SymPy's Hessian of the trace, or for a large trace finite differences of the gradient."""
    (expr,), symbols, point = traced(fun, args, wrt)
    if sympy.count_ops(expr, visual=False) * len(symbols) ** 2 <= SYMPY_BUDGET:
        h = evaluate(sympy.hessian(expr, symbols).tolist(), symbols, point)
        return [[float(v) for v in row] for row in h], RTOL, ATOL
    return _fd_hessian(fun, args, wrt), FD_RTOL, FD_ATOL


def _fd_hessian(fun, args, wrt):
    indices = _wrt_indices(fun, wrt, args)
    g = value_and_grad(fun, wrt=tuple(indices))
    positions = [
        (i, j) for i in indices for j in (range(len(args[i])) if isinstance(args[i], list | tuple) else [None])
    ]

    def moved(i, j, step):
        new = list(args)
        if j is None:
            new[i] = args[i] + step
        else:
            new[i] = type(args[i])(v + step if k == j else v for k, v in enumerate(args[i]))
        return flat(g(*new)[1])

    columns = []
    for i, j in positions:
        x = args[i] if j is None else args[i][j]
        h = 1e-5 * max(1.0, abs(x))
        plus, minus = moved(i, j, h), moved(i, j, -h)
        columns.append([(p - m) / (2 * h) for p, m in zip(plus, minus, strict=True)])
    return [list(row) for row in zip(*columns, strict=True)]


def reference_jacobian(fun, args, wrt):
    exprs, symbols, point = traced(fun, args, wrt)
    return [[float(v) for v in row] for row in evaluate(sympy.Matrix(exprs).jacobian(symbols).tolist(), symbols, point)]


def flat(x) -> list[float]:
    if isinstance(x, list | tuple):
        return [v for item in x for v in flat(item)]
    return [float(x)]


def close(a, b, rtol=RTOL, atol=ATOL) -> bool:
    return all(
        (math.isnan(p) and math.isnan(q)) or abs(p - q) <= atol + rtol * max(abs(p), abs(q))
        for p, q in zip(a, b, strict=True)
    )


def rows(h, n):
    """A Hessian as a list of n rows of floats (a bare float for one scalar, rows of numbers otherwise)."""
    if n == 1 and not isinstance(h, tuple):
        return [[float(h)]]
    return [flat(row) for row in h]


def scalar_count(args, indices):
    return sum(len(args[i]) if isinstance(args[i], list | tuple) else 1 for i in indices)


# --- the table ---------------------------------------------------------------------------------------------------

SECOND_ORDER_CASES = [p for p in CASES if not p.marks]
SCALAR_CORPUS = [
    (corpus.api_example, (1.0, 2.0)),
    (corpus.neuron, (0.5, -1.5, 0.8, 0.3, 0.1)),
    (corpus.fan_out, (0.7,)),
    (corpus.reassign, (0.4, 1.3)),
    (corpus.uses_helper, (0.6, 1.7)),
    (corpus.every_op, (0.8, 1.6)),
    (corpus.powers, (1.3, 0.7)),
    (corpus.division_chain, (1.5, 0.5, 2.5)),
]


@pytest.mark.parametrize(("fun", "args"), SCALAR_CORPUS, ids=lambda v: getattr(v, "__name__", ""))
def test_scalar_corpus_hessians_match_sympy(fun, args):
    n = len(args)
    got = rows(hessian(fun)(*args), n)
    want, rtol, atol = reference_hessian(fun, args, None)
    for g, w in zip(got, want, strict=True):
        assert close(g, w, rtol, atol), (fun.__name__, got)


@pytest.mark.parametrize("c", SECOND_ORDER_CASES)
def test_hessian_matches_sympy(c):
    case = c
    args = case.args
    indices = _wrt_indices(case.fun, case.wrt, case.args)
    n = scalar_count(case.args, indices)
    if n == 0:  # empty lists only: a Hessian with no rows
        assert hessian(case.fun, wrt=case.wrt)(*args) == ()
        return
    got = hessian(case.fun, wrt=case.wrt)(*args)
    want, rtol, atol = reference_hessian(case.fun, case.args, case.wrt)
    got_rows = rows(got, n)
    assert len(got_rows) == n
    for g, w in zip(got_rows, want, strict=True):
        assert close(g, w, rtol, atol), (case.id, got, want)


@pytest.mark.parametrize("c", SECOND_ORDER_CASES)
def test_hvp_jvp_and_forward_mode_agree_with_the_hessian_and_gradient(c):
    case = c
    indices = _wrt_indices(case.fun, case.wrt, case.args)
    n = scalar_count(case.args, indices)
    if n == 0:  # empty lists only: the direction is empty lists too, and so is H @ v
        assert flat(hvp(case.fun, wrt=case.wrt)(*case.args, vector=tuple(case.args))) == []
        return
    # a direction shaped like the gradient, with distinct entries
    vector, k = [], 0
    for i in indices:
        a = case.args[i]
        if isinstance(a, list | tuple):
            vector.append(type(a)(0.5 - 0.25 * (k + j) for j in range(len(a))))
            k += len(a)
        else:
            vector.append(0.5 - 0.25 * k)
            k += 1
    bare = len(indices) == 1 and (case.wrt is None or isinstance(case.wrt, str))
    direction = vector[0] if bare else tuple(vector)
    v = flat(direction)
    # the Hessian itself is compared with SymPy above; here each derivative must agree with it
    want_h = rows(hessian(case.fun, wrt=case.wrt)(*case.args), n)
    hv = flat(hvp(case.fun, wrt=case.wrt)(*case.args, vector=direction))
    want_hv = [float(sum(mpmath.mpf(h) * x for h, x in zip(row, v, strict=True))) for row in want_h]
    assert close(hv, want_hv, atol=1e-11), (case.id, hv, want_hv)
    value, slope = jvp(case.fun, wrt=case.wrt)(*case.args, tangent=direction)
    ref_value, ref_grad = value_and_grad(case.fun, wrt=case.wrt)(*case.args)
    assert value == ref_value
    want_slope = float(sum(mpmath.mpf(g) * x for g, x in zip(flat(ref_grad), v, strict=True)))
    assert close([slope], [want_slope], atol=1e-12), (case.id, slope, want_slope)
    forward = value_and_grad(case.fun, wrt=case.wrt, mode="forward")(*case.args)
    assert forward[0] == ref_value
    assert close(flat(forward[1]), flat(ref_grad), rtol=1e-13, atol=1e-15), (case.id, forward, ref_grad)
    assert type(forward[1]) is type(ref_grad)


# --- the API ---------------------------------------------------------------------------------------------------


def f(x, y):
    z = x * y + 3
    return symgrad.tanh(z) ** 2 / y


def test_nesting_and_the_course_exercise():
    assert grad(grad(hc.cube))(2.0) == 12.0  # d2/dx2 of x**3 at 2
    assert hessian(hc.cube)(2.0) == 12.0
    assert grad(grad(grad(hc.cube)))(2.0) == 6.0
    assert close(flat(jacobian(grad(f))(1.0, 2.0)), flat(hessian(f)(1.0, 2.0)), rtol=1e-15)
    assert close([jvp(grad(hc.cube))(2.0, tangent=0.5)[1]], [6.0])
    assert "def cube_grad_grad(x):" in grad(grad(hc.cube)).source


def test_value_grad_and_hessian_is_one_fused_function():
    value, g, h = value_grad_and_hessian(f)(1.0, 2.0)
    assert (value, g) == value_and_grad(f)(1.0, 2.0)
    assert h == hessian(f)(1.0, 2.0)
    source = value_grad_and_hessian(f).source
    assert source.count("\ndef ") == 1 and "def f_value_grad_hessian(x, y):" in source


def test_jacobian_of_a_function_with_several_results():
    r, theta = 2.0, 0.3
    values, jac = value_and_jacobian(hc.polar)(r, theta)
    assert values == hc.polar(r, theta)
    assert jac == jacobian(hc.polar)(r, theta)
    want = reference_jacobian(hc.polar, (r, theta), None)
    assert close(flat(jac), flat(want))
    assert jacobian(hc.polar, wrt="theta")(r, theta) == (-r * math.sin(theta), r * math.cos(theta))


def test_hessian_over_list_elements_specializes_on_lengths():
    xs = [-1.2, 1.0, 0.7, 1.3]
    h = hessian(hc.rosenbrock)(xs)
    assert len(h) == 4 and all(len(row) == 4 for row in h)
    assert close(flat(h), flat(reference_hessian(hc.rosenbrock, (xs,), None)[0]))
    assert close(flat(hessian(hc.rosenbrock)(xs[:3])), flat(reference_hessian(hc.rosenbrock, (xs[:3],), None)[0]))
    assert "def rosenbrock_hessian(xs):" in hessian(hc.rosenbrock).specialized(xs).source


def test_grad_of_several_results_says_to_use_jacobian():
    with pytest.raises(symgrad.SymgradError, match="jacobian"):
        grad(hc.polar)(1.0, 2.0)
    with pytest.raises(symgrad.SymgradError, match="jacobian"):
        hessian(hc.polar)(1.0, 2.0)


def test_direction_keywords_are_required_and_may_not_collide():
    with pytest.raises(symgrad.SymgradError, match="vector="):
        hvp(f)(1.0, 2.0)

    def uses_vector(vector, y):
        return vector * y

    with pytest.raises(symgrad.SymgradError, match="rename"):
        hvp(uses_vector)(1.0, 2.0, vector=(1.0, 0.0))


def test_mode_is_checked():
    with pytest.raises(symgrad.SymgradError, match="mode="):
        grad(f, mode="sideways")


def test_forward_mode_module_is_readable_and_standalone(tmp_path):
    g = grad(f, mode="forward")
    assert g(1.0, 2.0) == pytest.approx(grad(f)(1.0, 2.0), rel=1e-15)
    assert "out_dx" in g.source and "import symgrad" not in g.source
    assert g.source == grad(f, mode="forward").source  # deterministic


def test_generated_modules_run_without_symgrad(tmp_path):
    for name, made in [("h", hessian(f)), ("v", hvp(hc.rosenbrock)), ("j", jacobian(hc.polar))]:
        path = tmp_path / f"{name}.py"
        if name == "v":
            text = made.specialized([1.0, 2.0, 0.5], vector=[1.0, 0.0, 0.0]).source
            path.write_text(text)
            call = "m.rosenbrock_hvp([1.0, 2.0, 0.5], vector=[1.0, 0.0, 0.0])"
            want = made([1.0, 2.0, 0.5], vector=[1.0, 0.0, 0.0])
        else:
            made.export(path)
            call = "m.f_hessian(1.0, 2.0)" if name == "h" else "m.polar_jacobian(2.0, 0.3)"
            want = made(1.0, 2.0) if name == "h" else made(2.0, 0.3)
        script = (
            "import sys; sys.modules['symgrad'] = None\n"
            "import importlib.util as u\n"
            f"s = u.spec_from_file_location('m', {str(path)!r}); m = u.module_from_spec(s)\n"
            f"s.loader.exec_module(m); print(repr({call}))"
        )
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONPATH": ""}).stdout  # fmt: skip
        assert out.strip() == repr(want)


# --- golden files: the printed modules and IR -------------------------------------------------------------------

GOLDEN = [
    ("api_example.hessian", lambda: hessian(corpus.api_example)),
    ("api_example.forward", lambda: grad(corpus.api_example, mode="forward")),
    ("cube.grad_grad", lambda: grad(grad(hc.cube))),
    ("polar.jacobian", lambda: jacobian(hc.polar)),
    ("squashed_sum.hvp", lambda: hvp(hc.squashed_sum)),
]


@pytest.mark.parametrize(("name", "make"), GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden_modules(name, make):
    made = make()
    check_golden(f"{name}.py.txt", made.source)
    check_golden(f"{name}.ir.txt", str(made.ir))
    assert make().source == made.source  # byte-identical on a fresh compilation


def test_docs_show_the_real_hessian_module():
    docs = (pathlib.Path(__file__).resolve().parent.parent / "docs" / "api.md").read_text(encoding="utf-8")
    assert hessian(corpus.api_example).source in docs, "docs/api.md's Hessian module is stale: paste the golden file"


def test_newton_example_reaches_the_minimum():
    root = pathlib.Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, str(root / "examples" / "newton_rosenbrock.py")], capture_output=True,
                         text=True, cwd=root, timeout=300, check=True).stdout  # fmt: skip
    assert "trust-exact" in out and "Newton-CG" in out and "d2/dx2 of x**3 at 2: 12.0" in out
    assert "def rosenbrock_hessian(xs):" in out


def test_curve_fit_example_fits_with_the_jacobian():
    root = pathlib.Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, str(root / "examples" / "curve_fit.py")], capture_output=True, text=True,
                         cwd=root, timeout=300, check=True).stdout  # fmt: skip
    assert "def residuals_jacobian(a, b, c):" in out and "symgrad jacobian" in out


# --- every op of the registry: its second derivatives ---------------------------------------------------------


def _op_hessian_cases():
    from test_ops import DIFF_OPS, all_var, fd_points

    return [pytest.param(all_var(op), fd_points(op), id=op.name) for op in DIFF_OPS if op.primitive is None]


@pytest.mark.parametrize(("form", "points"), _op_hessian_cases())
def test_every_op_second_derivatives_match_sympy(form, points, tmp_path):
    """hessian() of a user function applying the op (written as users write it), at three points inside its
    domain, against SymPy's Hessian of the op's own SymPy definition (tests/oracles.py)."""
    from oracles import SYMPY_OPS

    path = tmp_path / f"op_{form.op}.py"
    path.write_text(form.source())
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"op_hessian_{form.op}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    h = hessian(module.f)
    symbols = sympy.symbols(f"s0:{len(form.params)}", real=True)
    expr = SYMPY_OPS[form.op](*symbols)
    # The points are off every kink, where the derivative of a jump (DiracDelta) is 0.
    matrix = [
        [e.replace(sympy.DiracDelta, lambda *a: sympy.S.Zero) for e in row]
        for row in sympy.hessian(expr, symbols).tolist()
    ]
    for point in points:
        try:
            got = rows(h(*point), len(point))
        except (ArithmeticError, ValueError):
            continue  # a point where the op's value is not real (x ** y): the gradient tests cover raising
        want = [[float(v) for v in row] for row in evaluate(matrix, symbols, point)]
        for g, w in zip(got, want, strict=True):
            assert close(g, w, rtol=1e-9, atol=1e-12), (form.op, point, got, want)
