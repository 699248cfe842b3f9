"""Call forms beyond one op per call: math.log(x, base), math.hypot of any number of arguments, max/min of a list,
np.sum/np.mean/np.prod and math.prod of a list, every public op as a method, and the refusal of math and NumPy
functions that are not ops. Gradients are checked by `check` against the tape, SymPy and mpmath differences."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import symgrad
from symgrad import UnsupportedSyntax, check, grad, value_and_grad
from symgrad.ops import PUBLIC_FUNCTIONS, REGISTRY


def log_base(x, b):
    return math.log(x, b) * math.log(x, 2) + symgrad.log(b, 10)


def hypot_many(a, b, c, d):
    return math.hypot(a, b, c, d) + math.hypot(a) + math.hypot(b, c) + math.hypot()


def numpy_reductions(xs, w):
    return np.sum(xs) * w + np.mean(xs) + np.prod(xs) + math.prod(xs)


def list_extremes(xs, w):
    return max(xs) * min(xs) + max(x * w for x in xs) + min([x - w for x in xs])


def tuple_forms(a, b, c):
    return max((a, b, c)) + np.mean((a, b)) + np.prod([a, b, c]) + min((a, 2.0))


def methods(x, y):
    return x.log1p() + x.atan2(y) + y.erf() + x.hypot(y) + (x * y).asinh()


CHECKED = [
    (log_base, (3.0, 5.0)),
    (log_base, (0.25, 0.5)),
    (hypot_many, (3.0, 4.0, 1.0, -2.0)),
    (hypot_many, (1e200, -1e200, 3e199, 1.0)),
    (numpy_reductions, ([1.0, 2.0, -3.0, 0.5], 0.7)),
    (list_extremes, ([1.0, 2.0, -3.0, 0.5], 0.7)),
    (tuple_forms, (1.0, 2.0, 0.5)),
    (methods, (1.0, 2.0)),
]


@pytest.mark.parametrize(("fun", "point"), CHECKED, ids=lambda v: getattr(v, "__name__", ""))
def test_gradients_agree_with_every_reference(fun, point):
    report = check(fun, *point, fd=True)
    assert set(report.compared) == {"tape", "sympy", "mpmath-fd"}


def test_log_with_a_base_is_maths_value_bit_for_bit():
    f = value_and_grad(log_base)
    for x, b in ((3.0, 5.0), (0.25, 0.5), (1e300, 7.0), (2.0**-1070, 3.0)):
        assert f(x, b)[0] == log_base(x, b)


def test_specialized_reductions_agree_with_the_general_module():
    xs = [1.0, 2.0, -3.0, 0.5]
    general = value_and_grad(numpy_reductions)(xs, 0.7)
    special = value_and_grad(numpy_reductions, specialize=True)(xs, 0.7)
    assert special[0] == general[0]
    assert special[1][0] == pytest.approx(general[1][0], rel=1e-15)
    assert "for " not in value_and_grad(numpy_reductions, specialize=True).specialized(xs, 0.7).source


@pytest.mark.parametrize("specialize", [False, True])
def test_the_first_of_equal_extremes_gets_the_gradient(specialize):
    """As Python's max(xs) and min(xs) return the first maximal (minimal) element."""

    def extremes(xs):
        return max(xs) + 10.0 * min(xs)

    xs = [1.0, 3.0, 3.0, 1.0, 2.0]
    assert grad(extremes, specialize=specialize)(xs) == [10.0, 1.0, 0.0, 0.0, 0.0]


def test_every_public_op_is_a_method_as_on_the_tape():
    for name in PUBLIC_FUNCTIONS:
        assert hasattr(symgrad.Value, name), name
        assert REGISTRY[name].arity in (1, 2)
    assert value_and_grad(methods)(1.0, 2.0)[0] == pytest.approx(methods(symgrad.Value(1.0), symgrad.Value(2.0)).data)


def test_public_log_and_hypot_take_maths_forms():
    assert symgrad.log(8.0, 2.0) == math.log(8.0, 2.0)
    assert symgrad.hypot(1.0, 2.0, 2.0) == math.hypot(1.0, 2.0, 2.0) == 3.0
    value = symgrad.hypot(symgrad.Value(1.0), symgrad.Value(2.0), 2.0)
    assert value.data == pytest.approx(3.0, rel=1e-15)


def numpy_median(xs):
    return np.median(xs)


def numpy_logaddexp(x):
    return np.logaddexp(x, x)


def math_gamma(x):
    return math.gamma(x)


def numpy_sum_axis(xs):
    return np.sum(xs, 0)


def log_three(x):
    return math.log(x, 2.0, 3.0)


@pytest.mark.parametrize(
    ("fun", "message", "nearest"),
    [
        (numpy_median, "cannot call np.median: NumPy's median is not one of the NumPy functions", "np.mean"),
        (numpy_logaddexp, "cannot call np.logaddexp", "np.log1p"),
        (math_gamma, "cannot call math.gamma: math.gamma has no derivative rule", "math.erf"),
        (numpy_sum_axis, "np.sum() takes one list here", "np.sum(xs)"),
        (log_three, "math.log() takes 1 or 2 arguments, got 3", "math.log(x, base)"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_refusals_name_the_function_and_the_nearest_supported_one(fun, message, nearest):
    texts = []
    for _ in range(2):
        with pytest.raises(UnsupportedSyntax) as caught:
            _ = grad(fun).source
        texts.append(str(caught.value))
        assert message in caught.value.reason and nearest in caught.value.hint
    assert texts[0] == texts[1]
    assert not re.search(r"0x[0-9a-f]{6,}|_ArrayFunctionDispatcher|<function", texts[0])
