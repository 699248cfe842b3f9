"""The ops issue's speed target, measured side by side in one run: one function per new op family, compiled by
symgrad's `value_and_grad`, against a value-and-gradient written by hand with the same `math` calls.

Families: erf/erfc, log1p/expm1, atan2/hypot (and each apart, rows indented, to say which rule costs what),
asinh/acosh/atanh, pow/log with a base, a user-defined primitive (softplus, as API.md writes it), and NumPy
spellings (`np.arctan2`, `np.hypot`, `np.log1p`), which the generated code turns into `math` calls. Columns:
the plain function (forward only, for scale), the hand-written value-and-gradient, `symgrad` (the decorated
function, with its argument dispatch) and `symgrad fn` (the generated function itself, what an exported
module runs). Every column is checked against the hand-written result (rtol 1e-12) before it is timed. Times
are medians of interleaved rounds (per call, microseconds); the ratios are taken within this one run, so
machine load affects every column alike.

Run:  python benchmarks/ops.py [--quick]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time

os.environ.setdefault("SYMGRAD_CACHE", "0")  # measure the compiled code, not the persistent cache

import numpy as np

import symgrad

SQRT_PI_2 = 2.0 / math.sqrt(math.pi)


# --- erf / erfc ------------------------------------------------------------------------------------------
def erf_family(x, y):
    return math.erf(x * y) * math.erfc(y - x)


def erf_family_hand(x, y):
    z = x * y
    w = y - x
    a = math.erf(z)
    b = math.erfc(w)
    da = SQRT_PI_2 * math.exp(-z * z)
    db = -SQRT_PI_2 * math.exp(-w * w)
    return a * b, (b * da * y - a * db, b * da * x + a * db)


# --- log1p / expm1 ---------------------------------------------------------------------------------------
def log1p_family(x, y):
    return math.log1p(x * x) + math.expm1(x * y)


def log1p_family_hand(x, y):
    e = math.expm1(x * y)
    ey = e + 1.0
    return math.log1p(x * x) + e, (2.0 * x / (1.0 + x * x) + y * ey, x * ey)


# --- atan2 / hypot ---------------------------------------------------------------------------------------
def atan2_family(x, y):
    return math.atan2(y, x) * math.hypot(x, y)


def atan2_family_hand(x, y):
    r = math.hypot(x, y)
    t = math.atan2(y, x)
    return t * r, ((t * x - y) / r, (t * y + x) / r)


# the two ops of that family apart, to say which rule costs what
def atan2_alone(x, y):
    return math.atan2(y, x) * y


def atan2_alone_hand(x, y):
    t = math.atan2(y, x)
    r2 = x * x + y * y
    return t * y, (-y * y / r2, t + y * x / r2)


def hypot_alone(x, y):
    return math.hypot(x, y) * y


def hypot_alone_hand(x, y):
    r = math.hypot(x, y)
    return r * y, (y * x / r, r + y * y / r)


# --- asinh / acosh / atanh -------------------------------------------------------------------------------
def asinh_family(x, y):
    return math.asinh(x * y) + math.acosh(1.0 + x * x) + math.atanh(y / 2.0)


def asinh_family_hand(x, y):
    u = x * y
    v = 1.0 + x * x
    w = y / 2.0
    da = 1.0 / math.sqrt(1.0 + u * u)
    db = 1.0 / math.sqrt((v - 1.0) * (v + 1.0))
    dc = 1.0 / ((1.0 - w) * (1.0 + w))
    value = math.asinh(u) + math.acosh(v) + math.atanh(w)
    return value, (da * y + db * 2.0 * x, da * x + dc / 2.0)


# --- pow / log with a base -------------------------------------------------------------------------------
def pow_family(x, y):
    return math.pow(x, y) + math.log(y, x)


def pow_family_hand(x, y):
    p = math.pow(x, y)
    lx = math.log(x)
    ly = math.log(y)
    return p + ly / lx, (y * p / x - ly / (x * lx * lx), p * lx + 1.0 / (y * lx))


# --- a user-defined primitive ----------------------------------------------------------------------------
@symgrad.primitive
def softplus(x):
    return math.log1p(math.exp(x))


@softplus.defderivative
def _(x):
    return 1.0 / (1.0 + math.exp(-x))


def primitive_family(x, w):
    return softplus(w * x) + softplus(w)


def primitive_family_hand(x, w):
    z = w * x
    dz = 1.0 / (1.0 + math.exp(-z))
    dw = 1.0 / (1.0 + math.exp(-w))
    return math.log1p(math.exp(z)) + math.log1p(math.exp(w)), (dz * w, dz * x + dw)


# --- NumPy spellings, compiled to math calls -------------------------------------------------------------
def numpy_family(x, y):
    return np.arctan2(y, x) * np.hypot(x, y) + np.log1p(x * y)


def numpy_family_hand(x, y):
    r = math.hypot(x, y)
    t = math.atan2(y, x)
    d = 1.0 / (1.0 + x * y)
    return t * r + math.log1p(x * y), ((t * x - y) / r + y * d, (t * y + x) / r + x * d)


CASES = [
    ("erf erfc", erf_family, erf_family_hand, (0.7, 0.4)),
    ("log1p expm1", log1p_family, log1p_family_hand, (0.7, 0.4)),
    ("atan2 hypot", atan2_family, atan2_family_hand, (-0.7, 0.4)),
    ("  atan2 alone", atan2_alone, atan2_alone_hand, (-0.7, 0.4)),
    ("  hypot alone", hypot_alone, hypot_alone_hand, (-0.7, 0.4)),
    ("asinh acosh atanh", asinh_family, asinh_family_hand, (0.7, 0.4)),
    ("pow, log(x, base)", pow_family, pow_family_hand, (1.7, 0.4)),
    ("primitive (softplus)", primitive_family, primitive_family_hand, (0.7, 0.4)),
    ("np.arctan2 hypot log1p", numpy_family, numpy_family_hand, (-0.7, 0.4)),
]


def flat(result) -> list[float]:
    value, grads = result
    return [float(value), *map(float, grads)]


def agrees(got, want, rtol=1e-12, atol=1e-15) -> bool:
    return len(got) == len(want) and all(abs(a - b) <= atol + rtol * abs(b) for a, b in zip(got, want, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rounds (a smoke run; ratios are noisy)")
    parser.add_argument("--rounds", type=int, default=None)
    options = parser.parse_args()
    rounds = options.rounds or (3 if options.quick else 31)
    number = 300 if options.quick else 3000

    columns = {}  # (family, column) -> (callable, args)
    for family, f, hand, args in CASES:
        vg = symgrad.value_and_grad(f)
        want = flat(hand(*args))
        vg(*args)  # compile
        candidates = {"hand-written": hand, "symgrad": vg, "symgrad fn": vg.compiled.value_and_grad}
        for name, fn in candidates.items():
            got = flat(fn(*args))
            if not agrees(got, want):
                raise SystemExit(f"{family}: {name} gives {got}, the hand-written reference {want}")
        columns[(family, "plain")] = (f, args)
        for name, fn in candidates.items():
            columns[(family, name)] = (fn, args)

    samples = {key: [] for key in columns}
    for _ in range(rounds):  # interleaved: every column once per round, so load drifts hit them alike
        for key, (fn, args) in columns.items():
            start = time.perf_counter()
            for _ in range(number):
                fn(*args)
            samples[key].append((time.perf_counter() - start) / number * 1e6)
    med = {key: statistics.median(ts) for key, ts in samples.items()}

    print(f"per call, µs (median of {rounds} interleaved rounds of {number} calls); target: symgrad fn / hand <= 1")
    print("| op family | plain | hand-written | symgrad | symgrad fn | symgrad / hand | symgrad fn / hand |")
    print("|---|---|---|---|---|---|---|")
    for family, *_ in CASES:
        p, h, s, g = (med[(family, c)] for c in ("plain", "hand-written", "symgrad", "symgrad fn"))
        print(f"| {family} | {p:.3f} | {h:.3f} | {s:.3f} | {g:.3f} | {s / h:.2f} | {g / h:.2f} |")


if __name__ == "__main__":
    main()
