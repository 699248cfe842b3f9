"""Functions for tests/test_higher.py whose generated modules are pinned by golden files (kept in a file of
their own so the modules' `# line N` comments do not move when the tests change)."""

import math

from symgrad import tanh


def cube(x):
    return x**3


def polar(r, theta):
    return r * math.cos(theta), r * math.sin(theta)


def rosenbrock(xs):
    total = 0.0
    for i in range(len(xs) - 1):
        total = total + 100.0 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1.0 - xs[i]) ** 2
    return total


def squashed_sum(xs, w):
    total = 0.0
    for x in xs:
        if x > 0.0:
            total = total + tanh(w * x)
        else:
            total = total + w * x * x
    return total * w
