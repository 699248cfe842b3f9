"""Functions users write, for the reverse-mode, golden and hygiene tests. Keep line numbers stable: the golden
files quote them (add new functions at the end)."""

# ruff: noqa: E731
import math
from math import tanh as th

import symgrad
from symgrad import exp, log, relu, sigmoid, sin, sqrt, tanh

SCALE = 2.5


def api_example(x, y):
    z = x * y + 3
    return tanh(z) ** 2 / y


def neuron(x1, x2, w1, w2, b):
    """A tanh neuron, micrograd's lecture example."""
    n = x1 * w1 + x2 * w2 + b
    return n.tanh()


def fan_out(x):
    a = x * x
    b = a * x + a
    return a * b + x


def reassign(x, w):
    x = x * w
    x = tanh(x) + x
    x += w
    x *= x
    return x


def unpacking(a, b):
    a, b = b, a * b
    c = d = a - b
    return c * d + a


def helper(u, k=2.0):
    return u * k, u - k


def uses_helper(x, y):
    p, q = helper(x * y)
    r, _ = helper(q, k=SCALE)
    return p * r


def spellings(x):
    return symgrad.tanh(x) + math.tanh(x) + th(x) + x.tanh()


def constants(x):
    return math.pi * x**2 + math.e + SCALE * x


def every_op(x, y):
    s = sqrt(x * x + 1.0) + log(y * y + 2.0) + exp(-x)
    return sin(s) * cos_like(y) + sigmoid(x - y) + relu(x * y)


def cos_like(v):
    return symgrad.cos(v)


def powers(x, y):
    return x**3 + x**-2 + y**0.5 + 2.0**x + y**x + x**0


def unused(x, y, z):
    return x * 2.0


def constant_value(x):
    return 3.0


def identity(x):
    return x


def defaults(x, y=2.0, *, z=0.5):
    return x * y + z


def positional_only(x, /, y):
    return x / y


def division_chain(a, b, c):
    return a / b / c - 1 / a


def relu_kink(x):
    return relu(x) * relu(-x) + relu(x - 1)


hygiene_lambda = lambda t: t * t + 1.0


def names_like_ours(x_bar, t0, out, math, tanh):
    t1 = x_bar * t0
    y_bar = symgrad.tanh(t1) + out * math
    return y_bar * tanh


def piecewise(x, y, z):
    a = abs(x - y)
    return min(a, y * 2.0, z) + max(x, y) * tanh(a)
