# ruff: noqa
# fmt: off
"""Functions inside the language symgrad reads: none of them may be rejected."""

import math
from math import tanh as th

import symgrad
from symgrad import exp, tanh

from . import helpers
from .helpers import ok_helper

K = 3.0


def with_docstring(x):
    """A docstring is ignored."""
    return x * 2.0


def with_annotations(x: float, y: float = 1.0) -> float:
    z: float = x * y
    w: float
    return z * z


def with_pass(x):
    pass
    return x * 3.0


def chained_assignment(x):
    a = b = x
    return a * b


def tuple_swap(x, y):
    a, b = x, y
    a, b = b, a
    return a - 2.0 * b


def unary_plus(x):
    return +x * -x


def uses_math_constants(x):
    return math.pi * x + math.e


def module_constant(x):
    return K * x


def aliased_op(x):
    return th(x)


def make_closure(k):
    def closure(x):
        return k * x

    return closure


closure_fn = make_closure(2.5)


def local_named_tanh(x):
    tanh = 0.5
    return tanh * x


def param_named_exp(exp):
    return exp * exp


def kwonly_posonly(x, /, y, *, z=2.0):
    return x * y * z


def augmented(x):
    y = x
    y += x
    y *= x
    y **= 2
    return y


def ops(x):
    return tanh(x) + math.exp(x) + symgrad.sqrt(x) + pow(x, 2) + math.log(x) ** 2


def micrograd_methods(x):
    return x.tanh() + exp(x).relu() + (x * 2.0).exp()


def micrograd_methods_twin(x):
    return tanh(x) + exp(x) + exp(x * 2.0)


def calls_helpers(x):
    return ok_helper(x) + helpers.two_arg_helper(x, s=2.0) + helpers.two_arg_helper(ok_helper(x))


def unpacks_helper_tuple(x):
    a, b = helpers.pair_helper(x)
    return a * b


square = symgrad.grad(lambda x: x * x)


class Model:
    def method(self, x):
        """Indented source is fine too."""
        return x * x * 2.0


XS = (1.0, 2.0, 3.0)


def control_flow_kinds(x):
    """If, For, While, Break, Continue, IfExp, BoolOp, Compare, List, ListComp, GeneratorExp, Subscript, Slice."""
    s = 0.0
    for t in XS[1:]:
        if t > 2.5:
            break
        if t < 0.0:
            continue
        s = s + t * x
    n = 0
    while n < 2:
        n += 1
    ys = [x * t for t in XS]
    pair = [x, 2.0 * x]
    z = x if x > 0 and x < 10 or x < -10 else -x
    return s + sum(u for u in ys) + z + ys[0] + pair[1] + n
