"""Newton's method with symgrad's Hessians: scipy.optimize on the Rosenbrock function, three ways.

- BFGS with `jac=True` (symgrad's fused value and gradient; the Hessian is estimated from gradients);
- `trust-exact` with `jac=True, hess=` symgrad's Hessian (exact second derivatives, forward over reverse);
- `Newton-CG` with `hessp=` symgrad's Hessian-vector product (never forms the matrix).
Each must reach (1, ..., 1); the table counts iterations and evaluations of the function, gradient and Hessian.
The Hessian is first checked against SciPy's own hand-written `rosen_hess`, which shares no code with symgrad.
Then the course's exercise: d2/dx2 of x**3 at 2 is 12, by `grad(grad(cube))`.

Run from the repository root:  python examples/newton_rosenbrock.py
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize, rosen_hess

from symgrad import grad, hessian, hvp, value_and_grad


def rosenbrock(xs):
    total = 0.0
    for i in range(len(xs) - 1):
        total = total + 100.0 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1.0 - xs[i]) ** 2
    return total


def cube(x):
    return x**3


f_vg = value_and_grad(rosenbrock)
f_h = hessian(rosenbrock)
f_hvp = hvp(rosenbrock)


def fun_and_jac(v):
    value, g = f_vg(list(v))
    return value, np.array(g)


def hess(v):
    return np.array(f_h(list(v)))


def hessp(v, p):
    return np.array(f_hvp(list(v), vector=list(p)))


def main() -> None:
    x0 = np.array([1.3, 0.7, 0.8, 1.9, 1.2])  # SciPy's tutorial start, 5 dimensions
    err = np.max(np.abs(hess(x0) - rosen_hess(x0)))
    print(f"Hessian vs scipy.optimize.rosen_hess at x0: max abs difference {err:.1e}")
    assert err <= 1e-9 * np.max(np.abs(rosen_hess(x0)))
    print(f"{'method':<12} {'iterations':>10} {'f+g evals':>10} {'H or Hv':>8}  reached (1, ..., 1)")
    runs = [
        ("BFGS", {"method": "BFGS", "jac": True}),
        ("trust-exact", {"method": "trust-exact", "jac": True, "hess": hess}),
        ("Newton-CG", {"method": "Newton-CG", "jac": True, "hessp": hessp}),
    ]
    for name, options in runs:
        result = minimize(fun_and_jac, x0, tol=1e-10, **options)
        assert result.success and np.allclose(result.x, 1.0, atol=1e-6), (name, result)
        print(f"{name:<12} {result.nit:>10} {result.nfev:>10} {getattr(result, 'nhev', 0):>8}  yes")
    second = grad(grad(cube))(2.0)
    print(f"d2/dx2 of x**3 at 2: {second}")
    assert second == 12.0
    print()
    print("The Hessian module symgrad generated for 3 elements:")
    print(f_h.specialized([1.0, 2.0, 3.0]).source)


if __name__ == "__main__":
    main()
