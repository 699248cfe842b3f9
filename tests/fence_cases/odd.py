# ruff: noqa
# fmt: off
"""Cases outside the main table of rejected.py: decorators that wrap, closures sharing one code object, values
that constant folding turns into something that is not a float, non-ASCII names before an offending node."""

import fractions
import functools

from symgrad import tanh


def doubled(f):
    @functools.wraps(f)
    def wrapper(*args):
        return 2.0 * f(*args)

    return wrapper


@doubled
def wrapped_square(x):
    return x * x


def calls_wrapped_square(x):
    return wrapped_square(x) + 0.0


def compose(f, g):
    def composed(x):
        return f(g(x))

    return composed


def square(x):
    return x * x


tanh_of_square = compose(tanh, square)
tanh_of_square_of_square = compose(tanh_of_square, square)


def fraction_default(x, y=fractions.Fraction(1, 2)):
    return x * y


def folds_to_huge_int(x):
    return x * 10 ** 400


def folds_to_complex(x):
    return x * (-8) ** (1 / 3)  # <- here


def greek(x, σ):
    y = σ + x // 2  # <- here
    return y


multiline_lambda = (
    lambda x: x *
    (x + 1.0)
)
