"""Four first problems of backprop, each solved by symgrad and checked by hand, on the tape and with SymPy.

For each problem: the function, the reverse sweep symgrad generated for it (in your own variable names), and the
gradient beside the answer derived by hand. Run from the repository root:  python examples/seed_problems.py
(it runs in well under a second, so it has no separate fast mode). Exit status 1 if any answer is wrong.
"""

from __future__ import annotations

import math
import sys

from symgrad import check, grad


def square(x):
    return x**2


def chain(x):
    u = x**2
    return u**3


def bowl(x, y):
    return x**2 + y**2


def affine(x, y, b):
    z = x * y + b
    return z


# (function, what it is, the point, the gradient derived by hand, the derivation)
PROBLEMS = [
    (square, "f(x) = x^2", (3.0,), (6.0,), "d/dx x^2 = 2x = 6 at x = 3"),
    (chain, "f(x) = (x^2)^3", (2.0,), (192.0,), "chain rule: 3(x^2)^2 * 2x = 6x^5 = 192 at x = 2"),
    (bowl, "f(x, y) = x^2 + y^2", (2.0, 3.0), (4.0, 6.0), "(2x, 2y) = (4, 6) at (2, 3)"),
    (affine, "z = x*y + b", (2.0, 3.0, 1.0), (3.0, 2.0, 1.0), "(y, x, 1) = (3, 2, 1) at (2, 3, 1)"),
]


def reverse_sweep(source: str, name: str) -> list[str]:
    """The lines of the generated `<name>_value_and_grad` from `# reverse sweep` to the end of its return."""
    lines = source.splitlines()
    start = lines.index(next(line for line in lines if line.startswith(f"def {name}_value_and_grad(")))
    body = lines[start + 1 :]
    body = body[: next((i for i, line in enumerate(body) if not line.strip()), len(body))]  # to the blank line
    marker = next((i for i, line in enumerate(body) if line.strip() == "# reverse sweep"), None)
    # No marker: every gradient is a constant or a parameter, so there is no sweep to write out.
    returns = next(i for i, line in enumerate(body) if line.strip().startswith("return "))
    first = marker + 1 if marker is not None else returns
    return [line[4:] for line in body[first:]]


def main() -> int:
    failures = 0
    for number, (fun, title, point, expected, derivation) in enumerate(PROBLEMS, start=1):
        g = grad(fun, wrt=list(range(len(point))))  # always a tuple, one entry per parameter
        params = g.wrt
        print(f"problem {number}: {title} at {', '.join(f'{p} = {v:g}' for p, v in zip(params, point, strict=True))}")
        sweep = reverse_sweep(g.source, fun.__name__)
        if sweep[0].startswith("return "):
            print("  generated reverse sweep: none needed, every partial is a parameter or a constant:")
        else:
            print("  generated reverse sweep:")
        for line in sweep:
            print(f"    {line}")
        got = g(*point)
        ok = all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) for a, b in zip(got, expected, strict=True))
        report = check(fun, *point)  # the tape engine and SymPy; raises GradientMismatch if either disagrees
        answers = ", ".join(f"d/d{p} = {v!r}" for p, v in zip(params, got, strict=True))
        print(f"  answer: {answers}")
        print(f"  by hand: {derivation} -> {'OK' if ok else 'WRONG'}")
        print(f"  tape and SymPy: {'OK' if report.ok else 'MISMATCH'}")
        print()
        failures += not ok
    print("all four answers check" if not failures else f"{failures} answer(s) wrong")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
