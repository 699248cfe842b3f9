# ruff: noqa
# fmt: off
"""Helpers that cases in rejected.py and accepted.py call; symgrad inlines them.

An error inside a helper must point into this file. Offending lines carry the marker `# <- here`.
"""

from symgrad import tanh


def ok_helper(t):
    return tanh(t) * 2.0


def two_arg_helper(t, s=3.0):
    return t * s


def bad_helper(t):
    u = t * 2.0
    return u // 2  # <- here


def middle_helper(t):
    return deep_bad_helper(t * 3.0) + 1.0


def deep_bad_helper(t):
    return t % 2.0  # <- here


def helper_default_none(t, s=None):
    return t * 2.0


def apply_fn(f, t):
    return f(t)


def pair_helper(t):
    return t, t * 2.0
