"""symgrad in one screen: differentiate a plain function, read the generated code, export it.

Run from the repository root:  python examples/quickstart.py
"""

import math
import os
import sys
import tempfile

from symgrad import check, grad, tanh, value_and_grad


@grad
def f(x, y):
    z = x * y + 3
    return tanh(z) ** 2 / y


def main() -> None:
    # 1. The gradient: one float per parameter, in order.
    dx, dy = f(1.0, 2.0)
    print(f"f(1.0, 2.0): df/dx = {dx!r}, df/dy = {dy!r}")

    # 2. The code that computed it: a standalone module, value and gradient in one fused function.
    print("\n--- f.source " + "-" * 60)
    print(f.source)

    # 3. Value and gradient together (what scipy.optimize.minimize(..., jac=True) wants), for one parameter.
    f_y = value_and_grad(f.fun, wrt="y")
    value, dfdy = f_y(1.0, 2.0)
    print(f"value_and_grad(f, wrt='y')(1.0, 2.0) = ({value!r}, {dfdy!r})")

    # 4. A hand check of the chain rule: d/dx tanh(xy+3)^2/y = 2 tanh(z) (1 - tanh(z)^2).
    t = math.tanh(1.0 * 2.0 + 3)
    print(f"by hand: df/dx = {2 * t * (1 - t * t)!r}")

    # 5. Check it against two references that share none of the compiler's derivative rules:
    #    the tape engine (symgrad.Value, micrograd style) and SymPy's symbolic derivative.
    print(check(f, 1.0, 2.0))

    # 6. Export: the module runs without symgrad installed.
    with tempfile.TemporaryDirectory() as tmp:
        path = f.export(os.path.join(tmp, "f_grad.py"))
        namespace: dict = {}
        exec(compile(open(path).read(), path, "exec"), namespace)
        print(f"exported to {os.path.basename(path)}; its f_grad(1.0, 2.0) = {namespace['f_grad'](1.0, 2.0)}")


if __name__ == "__main__":
    sys.exit(main())
