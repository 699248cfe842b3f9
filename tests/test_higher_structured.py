"""Hessians, HVPs, JVPs and Jacobians of functions whose parameters are objects, dicts, nested lists and NumPy
arrays (API.md, "Higher order": rows and columns over the scalars flattened depth-first; directions and
gradients in the parameters' structure). References: SymPy expressions written out here by hand."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import pytest
import sympy

import symgrad
from symgrad import hessian, hvp, jacobian, jvp, value_grad_and_hessian

np = pytest.importorskip("numpy")  # the test extra installs it


@dataclass
class Affine:
    w: float
    b: float
    scale: int = 2  # static: a constant of the compiled module


def affine_loss(p, x):
    return math.tanh(p.w * x + p.b) ** 2 * p.scale


def dict_loss(d, x):
    return d["w"] * d["b"] * x + d["w"] ** 3 + math.exp(d["b"] * x)


def nested_loss(W, x):
    return math.tanh(W[0][0] * x + W[0][1]) * W[1][0] + W[1][1] ** 2 * x


def array_loss(a, x):
    return a[0] * a[1] * x + math.sin(a[2]) * a[0] ** 2


def affine_outputs(p, x):
    return p.w * x + p.b, math.exp(p.w * p.b)


W_, B_, X_ = sympy.symbols("w b x", real=True)
REFERENCES = {  # function -> (its SymPy expression over the leaves, the leaves' symbols in order)
    "affine": (sympy.tanh(W_ * X_ + B_) ** 2 * 2, (W_, B_)),
    "dict": (W_ * B_ * X_ + W_**3 + sympy.exp(B_ * X_), (W_, B_)),
}
A = sympy.symbols("a0:4", real=True)
NESTED = (sympy.tanh(A[0] * X_ + A[1]) * A[2] + A[3] ** 2 * X_, A)
ARRAY = (A[0] * A[1] * X_ + sympy.sin(A[2]) * A[0] ** 2, A[:3])


def sympy_hessian(expr, symbols, point: dict):
    return [[float(expr.diff(a).diff(b).subs(point)) for b in symbols] for a in symbols]


def sympy_gradient(expr, symbols, point: dict):
    return [float(expr.diff(a).subs(point)) for a in symbols]


def close(got, expected) -> bool:
    return all(math.isclose(g, e, rel_tol=1e-12, abs_tol=1e-14) for g, e in zip(got, expected, strict=True))


CASES = [
    ("affine", affine_loss, Affine(0.5, 0.1), {W_: 0.5, B_: 0.1}),
    ("dict", dict_loss, {"w": 0.5, "b": 0.2}, {W_: 0.5, B_: 0.2}),
]


@pytest.mark.parametrize("name, fun, param, values", CASES, ids=[c[0] for c in CASES])
def test_hessians_of_objects_and_dicts_run_over_their_leaves(name, fun, param, values):
    expr, leaves = REFERENCES[name]
    point = {**values, X_: 0.3}
    before = copy.deepcopy(param)
    rows = hessian(fun, wrt=0)(param, 0.3)
    assert all(close(r, e) for r, e in zip(rows, sympy_hessian(expr, leaves, point), strict=True))
    # every parameter: the object's leaves, then x
    full = hessian(fun)(param, 0.3)
    assert all(close(r, e) for r, e in zip(full, sympy_hessian(expr, (*leaves, X_), point), strict=True))
    assert param == before  # never mutated


@pytest.mark.parametrize("name, fun, param, values", CASES, ids=[c[0] for c in CASES])
def test_gradients_and_directions_have_the_parameters_structure(name, fun, param, values):
    expr, leaves = REFERENCES[name]
    point = {**values, X_: 0.3}
    value, gradient, rows = value_grad_and_hessian(fun, wrt=0)(param, 0.3)
    assert all(close(r, e) for r, e in zip(rows, sympy_hessian(expr, leaves, point), strict=True))
    assert type(gradient) is type(param)
    flat = [gradient.w, gradient.b] if isinstance(gradient, Affine) else [gradient["w"], gradient["b"]]
    assert close(flat, sympy_gradient(expr, leaves, point))
    assert math.isclose(value, float(expr.subs(point)), rel_tol=1e-12)
    if isinstance(gradient, Affine):
        assert gradient.scale == 2  # static leaves copied
    # H @ v with v shaped like the gradient, and the result shaped like it too
    vector = Affine(1.0, -2.0) if isinstance(param, Affine) else {"w": 1.0, "b": -2.0}
    product = hvp(fun, wrt=0)(param, 0.3, vector=vector)
    h = sympy_hessian(expr, leaves, point)
    expected = [h[i][0] * 1.0 + h[i][1] * -2.0 for i in range(2)]
    got = [product.w, product.b] if isinstance(product, Affine) else [product["w"], product["b"]]
    assert close(got, expected)
    value, along = jvp(fun, wrt=0)(param, 0.3, tangent=vector)
    g = sympy_gradient(expr, leaves, point)
    assert math.isclose(along, g[0] * 1.0 + g[1] * -2.0, rel_tol=1e-12)


def test_a_nested_list_flattens_depth_first():
    W = [[0.5, 0.1], [0.7, -0.3]]
    rows = hessian(nested_loss, wrt=0)(W, 0.3)
    expr, leaves = NESTED
    point = {**dict(zip(leaves, [0.5, 0.1, 0.7, -0.3], strict=True)), X_: 0.3}
    assert all(close(r, e) for r, e in zip(rows, sympy_hessian(expr, leaves, point), strict=True))
    product = hvp(nested_loss, wrt=0)(W, 0.3, vector=[[1.0, 0.0], [0.0, 1.0]])
    assert type(product) is list and type(product[0]) is list


def test_arrays_give_array_gradients_and_take_array_directions():
    a = np.array([0.5, -0.2, 0.8])
    expr, leaves = ARRAY
    point = {**dict(zip(leaves, a.tolist(), strict=True)), X_: 0.3}
    rows = hessian(array_loss, wrt=0)(a, 0.3)
    assert all(close(r, e) for r, e in zip(rows, sympy_hessian(expr, leaves, point), strict=True))
    _, gradient, _ = value_grad_and_hessian(array_loss, wrt=0)(a, 0.3)
    assert isinstance(gradient, np.ndarray) and gradient.dtype == np.float64 and gradient.shape == (3,)
    assert close(gradient.tolist(), sympy_gradient(expr, leaves, point))
    product = hvp(array_loss, wrt=0)(a, 0.3, vector=np.array([1.0, 0.0, 0.0]))
    assert isinstance(product, np.ndarray) and close(product.tolist(), [row[0] for row in rows])


def test_jacobian_of_an_object_parameter():
    p = Affine(0.5, 0.1)
    rows = jacobian(affine_outputs, wrt=0)(p, 0.3)
    expected = [[0.3, 1.0], [0.1 * math.exp(0.05), 0.5 * math.exp(0.05)]]
    assert all(close(r, e) for r, e in zip(rows, expected, strict=True))


def test_a_derivative_of_a_derivative_of_objects_is_refused_with_a_message():
    with pytest.raises(symgrad.SymgradError, match="derivative of a derivative of objects"):
        hessian(symgrad.grad(affine_loss, wrt=0), wrt=0)(Affine(0.5, 0.1), 0.3)
