"""scipy.optimize.minimize driven by symgrad's fused value-and-gradient, against SciPy's finite differences.

`minimize(fun, x0, jac=True)` wants one function returning (value, gradient): exactly what `value_and_grad`
compiles. The comparison is SciPy's default without a gradient (jac=None: a 2-point finite-difference gradient,
n extra function evaluations per gradient). Both use BFGS on the Rosenbrock function, in 2 and in 5 dimensions,
from the classic starting points; both must reach (1, ..., 1). The gradient is first checked against SciPy's
own hand-written `rosen_der`, which shares no code with symgrad.

Run from the repository root:  python examples/rosenbrock_scipy.py [--fast]
(`--fast` or SYMGRAD_EXAMPLES_FAST=1: each minimization is timed once instead of best of 5.)
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
from scipy.optimize import minimize, rosen, rosen_der

from symgrad import value_and_grad


def rosenbrock2(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def term(a, b):
    """One term of the n-dimensional Rosenbrock function, as scipy.optimize.rosen sums them."""
    return 100 * (b - a**2) ** 2 + (1 - a) ** 2


def rosenbrock5(x1, x2, x3, x4, x5):
    return term(x1, x2) + term(x2, x3) + term(x3, x4) + term(x4, x5)


PROBLEMS = [
    ("2-D", rosenbrock2, [-1.2, 1.0]),
    ("5-D", rosenbrock5, [1.3, 0.7, 0.8, 1.9, 1.2]),  # the starting point of SciPy's tutorial
]


def as_scipy(f_vg):
    """symgrad's (value, (dx, dy, ...)) as SciPy's (value, ndarray) for a function of one array."""
    return lambda v: (lambda val, g: (val, np.array(g)))(*f_vg(*v))


def as_plain(fun):
    """The plain function as a function of one array."""
    return lambda v: fun(*v)


def timed_minimize(repeats: int, *args, **kwargs):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        result = minimize(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return result, best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="time each run once (also SYMGRAD_EXAMPLES_FAST=1)")
    args = parser.parse_args(argv)
    fast = args.fast or os.environ.get("SYMGRAD_EXAMPLES_FAST") == "1"
    repeats = 1 if fast else 5

    all_ok = True
    for label, fun, x0 in PROBLEMS:
        f_vg = value_and_grad(fun)
        x0 = np.array(x0)
        value, gradient = f_vg(*x0)
        reference = rosen_der(x0)
        gradient_error = float(np.max(np.abs(np.array(gradient) - reference)))
        print(f"{label} Rosenbrock from x0 = {x0.tolist()}: f = {float(value)!r} (rosen: {float(rosen(x0))!r})")
        print(f"  gradient at x0: {[float(g) for g in gradient]}")
        print(f"  scipy.optimize.rosen_der:  {reference.tolist()}  (max abs difference {gradient_error:.1e})")

        plain = as_plain(fun)  # jac=None: SciPy differentiates the plain function by finite differences
        runs = [
            ("symgrad jac=True", timed_minimize(repeats, as_scipy(f_vg), x0, jac=True, method="BFGS")),
            ("finite differences", timed_minimize(repeats, plain, x0, jac=None, method="BFGS")),
        ]
        print(f"  {'gradient':20} {'iterations':>10} {'f evals':>8} {'jac evals':>9} {'time (ms)':>10}  final point")
        for name, (result, seconds) in runs:
            distance = float(np.max(np.abs(result.x - 1.0)))
            ok = bool(result.success) and distance < 1e-4
            all_ok &= ok
            point = ", ".join(f"{v:.8f}" for v in result.x)
            print(
                f"  {name:20} {result.nit:10d} {result.nfev:8d} {result.njev:9d} {seconds * 1e3:10.2f}  "
                f"({point})  max |x - 1| = {distance:.1e}  {'reached (1, ..., 1)' if ok else 'DID NOT CONVERGE'}"
            )
        (exact, t_exact), (fd, t_fd) = (run for _, run in runs)
        print(
            f"  function evaluations: {exact.nfev} with symgrad's gradient vs {fd.nfev} with finite differences; "
            f"time {t_fd / t_exact:.1f}x less"
        )
        all_ok &= gradient_error <= 1e-9 * max(1.0, float(np.max(np.abs(reference))))
        print()
    print("OK: both reach the minimum" if all_ok else "FAILED")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
