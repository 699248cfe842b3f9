"""Random programs over symgrad's language, as real source files, for property tests.

A program is drawn by hypothesis as a small tree of statements; `render` turns it into the text of a module
with one function `f(x, y, z)`. Every op's argument is kept inside a safe domain by construction (log and sqrt
of `e*e + c`, exp of a tanh, division by `e*e + c`), so with inputs in [-2, 2] programs neither raise nor
overflow, and gradients are well-conditioned enough for tight tolerances.
"""

from __future__ import annotations

import importlib.util
import itertools
import pathlib

from hypothesis import strategies as st

PARAMS = ("x", "y", "z")
_counter = itertools.count()


def _expr(depth: int, names: tuple[str, ...], piecewise: bool = True):
    """An expression of `names`. `piecewise=False` leaves out relu, abs, min and max: inside one of them another
    one would put a Piecewise into a Piecewise's condition, which SymPy simplifies very slowly (the SymPy
    reference's known limit, see README), so the generator does not nest them."""
    leaf = st.one_of(
        st.sampled_from(names),
        st.sampled_from(["0.5", "2", "3.0", "1.5", "-0.75", "math.pi"]),
    )
    if depth <= 0:
        return leaf
    sub = _expr(depth - 1, names, piecewise)
    smooth = _expr(depth - 1, names, piecewise=False)
    binary = st.tuples(st.sampled_from(["+", "-", "*"]), sub, sub).map(lambda t: f"({t[1]} {t[0]} {t[2]})")
    division = st.tuples(sub, sub).map(lambda t: f"({t[0]} / ({t[1]} * {t[1]} + 1.25))")
    power = st.tuples(sub, st.sampled_from(["2", "3", "-1", "0", "1"])).map(
        lambda t: f"({t[0]} ** {t[1]})" if t[1] != "-1" else f"(({t[0]}) * ({t[0]}) + 0.5) ** -1"
    )
    unary = st.tuples(st.sampled_from(["tanh", "sin", "cos", "sigmoid", "-"]), sub).map(
        lambda t: f"-{t[1]}" if t[0] == "-" else f"{t[0]}({t[1]})"
    )
    guarded = st.tuples(st.sampled_from(["log", "sqrt", "exp"]), sub).map(
        lambda t: f"exp(tanh({t[1]}))" if t[0] == "exp" else f"{t[0]}({t[1]} * {t[1]} + 0.5)"
    )
    # a method needs a value, not a number ((0.5).tanh() fails in plain Python too): z is never reassigned
    method = st.tuples(sub, st.sampled_from(["tanh", "sigmoid"])).map(lambda t: f"({t[0]} - z).{t[1]}()")
    choices = [leaf, binary, division, power, unary, guarded, method]
    if piecewise:
        kinked = st.tuples(st.sampled_from(["relu", "abs"]), smooth).map(lambda t: f"{t[0]}({t[1]})")
        kinked_method = smooth.map(lambda e: f"({e} - z).relu()")
        extreme = st.tuples(st.sampled_from(["min", "max"]), smooth, smooth).map(lambda t: f"{t[0]}({t[1]}, {t[2]})")
        choices += [kinked, kinked_method, extreme]
    return st.one_of(*choices)


@st.composite
def programs(draw, max_statements: int = 4, depth: int = 3) -> str:
    """The body of a function f(x, y, z): a few assignments (some augmented), then a return."""
    names = PARAMS
    lines = []
    for i in range(draw(st.integers(0, max_statements))):
        target = draw(st.sampled_from([f"v{i}", "x", "y", *names[3:]])) if i else f"v{i}"
        augmented = target in names and draw(st.booleans())  # (z is never a target: see `method`)
        expr = draw(_expr(depth - 1, names, piecewise=False))  # only the return may be piecewise: no nesting
        lines.append(f"{target} {'+' if augmented else ''}= {expr}")
        names = names if target in names else (*names, target)
    lines.append(f"return {draw(_expr(depth, names))}")
    return "\n".join(lines)


def render(body: str) -> str:
    indented = "\n".join("    " + line for line in body.splitlines())
    return (
        "import math\n"
        "from symgrad import tanh, sin, cos, sigmoid, relu, log, sqrt, exp\n\n\n"
        f"def f(x, y, z):\n{indented}\n"
    )


def load_function(directory: pathlib.Path, body: str, name: str = "f"):
    """Write the program as a real module file (symgrad reads source from files) and return its function."""
    module_name = f"sg_random_program_{next(_counter)}"
    path = directory / f"{module_name}.py"
    path.write_text(render(body))
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


inputs = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False, allow_infinity=False)
