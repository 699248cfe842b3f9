"""User-defined primitives (symgrad.primitive) for tests/test_primitives.py. Keep line numbers stable: the golden
files in tests/golden name them."""

import math

import symgrad


@symgrad.primitive
def softplus(x):
    return math.log1p(math.exp(x))


@softplus.defderivative
def _(x):
    return 1.0 / (1.0 + math.exp(-x))


def uses_softplus(x, w):
    z = softplus(w * x)
    return z * z + softplus(w)


@symgrad.primitive
def scaled(a, b):
    t = a * b
    return t * t + a


@scaled.defderivative
def _(a, b):
    t = a * b
    return 2.0 * t * b + 1.0, 2.0 * t * a


def uses_scaled(x, y):
    return scaled(softplus(x), y) / y


@symgrad.primitive
def branchy(x):
    if x > 0:
        return x * x
    return -x


@branchy.defderivative
def _(x):
    if x > 0:
        return 2.0 * x
    return -1.0


def uses_branchy(x, y):
    return branchy(x * y) * y


def in_a_loop(xs, w):
    total = 0.0
    for x in xs:
        total = total + softplus(x * w) * scaled(x, w)
    return total


# a primitive whose forward calls another primitive and a helper: both are pasted / inlined in its function
def _square(u):
    return u * u


@symgrad.primitive
def nested(x):
    return _square(softplus(x)) + 1.0


@nested.defderivative
def _(x):
    return 2.0 * softplus(x) / (1.0 + math.exp(-x))


def uses_nested(x):
    return nested(x) * x


# a derivative that is itself a primitive, with its own derivative: the second derivative is the user's too
@symgrad.primitive
def logistic(x):
    return 1.0 / (1.0 + math.exp(-x))


@logistic.defderivative
def _(x):
    s = logistic(x)
    return s * (1.0 - s)


@symgrad.primitive
def softplus2(x):
    return math.log1p(math.exp(x))


softplus2.defderivative(logistic)


def uses_softplus2(x, y):
    return softplus2(x * y) + y


# names that generated code might take: a primitive called `out` and a local named like another primitive
@symgrad.primitive
def out(x):
    return 3.0 * x


@out.defderivative
def _(x):
    return 3.0


def names_like_ours(x):
    t0 = out(x)
    x_bar = softplus(t0)
    return x_bar + t0


def constant_arguments(x):
    return softplus(2.0) * x + scaled(x, 3)


@symgrad.primitive
def without_derivative(x):
    return x * x


def uses_without_derivative(x):
    return without_derivative(x) + 1.0


def without_derivative_not_differentiated(x, c):
    return x * without_derivative(c)


@symgrad.primitive
def wrong(x):
    return math.sin(x)


@wrong.defderivative
def _(x):
    return math.sin(x)  # wrong on purpose: sin' is cos


def uses_wrong(x):
    return wrong(x) * 2.0


@symgrad.primitive
def short(a, b):
    return a * b


@short.defderivative
def _(a, b):
    return b  # one partial for two arguments


def uses_short(a, b):
    return short(a, b)


@symgrad.primitive
def selfish(x):
    return selfish(x) + 1.0


def uses_selfish(x):
    return selfish(x)
