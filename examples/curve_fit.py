"""A curve fit with symgrad's Jacobian: scipy.optimize.least_squares(jac=...) on an exponential decay.

The model y = a * exp(-b * t) + c is fitted to seven measurements. `residuals` returns a tuple of numbers (one
per measurement), so `jacobian(residuals)` compiles to one standalone function returning one row per residual
(forward sweeps along a, b and c). The fit with the exact Jacobian is run beside SciPy's default (2-point finite
differences, `jac="2-point"`); both must reach the same parameters, and the Jacobian is first checked against
central differences of the residuals.

Run from the repository root:  python examples/curve_fit.py
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import least_squares

from symgrad import jacobian

TS = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
YS = (3.12, 2.21, 1.69, 1.33, 1.16, 1.04, 0.98)


def residual(a, b, c, t, y):
    return a * math.exp(-b * t) + c - y


def residuals(a, b, c):
    # one residual per measurement: a tuple of numbers, so its derivative is a Jacobian
    return (
        residual(a, b, c, 0.0, 3.12),
        residual(a, b, c, 0.5, 2.21),
        residual(a, b, c, 1.0, 1.69),
        residual(a, b, c, 1.5, 1.33),
        residual(a, b, c, 2.0, 1.16),
        residual(a, b, c, 2.5, 1.04),
        residual(a, b, c, 3.0, 0.98),
    )


jac = jacobian(residuals)


def main() -> None:
    p0 = np.array([1.0, 0.5, 0.0])
    exact = np.array(jac(*p0))
    h = 1e-6
    central = np.array(
        [[(residuals(*(p0 + h * e))[i] - residuals(*(p0 - h * e))[i]) / (2 * h) for e in np.eye(3)] for i in range(7)]
    )
    err = np.max(np.abs(exact - central))
    print(f"Jacobian vs central differences at p0: max abs difference {err:.1e}")
    assert err < 1e-8
    fits = {
        "symgrad jacobian": least_squares(lambda p: residuals(*p), p0, jac=lambda p: np.array(jac(*p))),
        "2-point (SciPy's default)": least_squares(lambda p: residuals(*p), p0, jac="2-point"),
    }
    print(f"{'Jacobian':<26} {'a':>9} {'b':>9} {'c':>9} {'residual evals':>15} {'Jacobian evals':>15}")
    for name, fit in fits.items():
        assert fit.success, name
        a, b, c = fit.x
        print(f"{name:<26} {a:9.5f} {b:9.5f} {c:9.5f} {fit.nfev:>15} {fit.njev:>15}")
    assert np.allclose(fits["symgrad jacobian"].x, fits["2-point (SciPy's default)"].x, atol=1e-5)
    print()
    print(jac.source)


if __name__ == "__main__":
    main()
