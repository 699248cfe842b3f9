"""`check` and `compare` for derivatives past the first-order gradient: `hessian`, `value_grad_and_hessian`,
`hvp`, `jvp`, `jacobian`, `value_and_jacobian`, `grad(mode="forward")` and nesting (`grad(grad(f))`).

Assumes a `higher.Derivative`: its `.fun` (the user's function), its `.chain` of requests (innermost first,
each a kind and the indices of the parameters it differentiates) and its call (plus `tangent=`/`vector=`).
Every request is applied the same way by every reference (`_apply`): from the numbers being differentiated,
their Jacobian over the request's scalars and (second-order kinds) their Hessian, in the order the compiled
result flattens (rows and columns over the scalars of the parameters in `wrt` order, list elements in order).

References, each named in the report:
- `sympy`: the user's function traced at the point (`oracles.point_sympy.Traced`, its op calls rebound by
  `oracles.rebind`, so branches and loops go as at the point), each request applied by `sympy.diff` to the
  trace's expressions, evaluated with mpmath at 40 digits. No rule of symgrad's is used.
- `mpmath-fd`: central differences of the *user's function* at 60 digits: its gradient by
  `oracles.finite_differences` (which detects kinks within the step), and for a second derivative (a Hessian,
  an HVP, or one request over another) central differences of that gradient again, one-sided differences
  compared to detect kinks. Derivative order up to 2.
- `fd(compiled gradient)` (second-order kinds) or `fd(compiled inner)` (nesting): five-point central
  differences in double precision of the *compiled first-order derivative* the last request differentiates
  (`value_and_grad` of the function, or the inner symgrad function), compared at `FD_RTOL`/`FD_ATOL`; the step is
  halved once and the two estimates must agree, or the reference is not applicable (a kink, a branch, or a
  derivative changing too fast within the step). This is the issue's "finite differences of the compiled
  gradient": it checks the second-order code against the first-order code, which `check(f)` checks itself.
SymPy always runs; the finite-difference references run with `fd=True` or when SymPy cannot.

Guarantees, as `checking.check`: a check never reports agreement unless some reference compared every entry
(`Report.compared`); `CheckInconclusive` when none could (each reason given); `GradientMismatch` naming the
entry, the reference and the error when one disagrees or fails at the point. This module imports no transform:
references see only the user's function and compiled entry points.
"""

from __future__ import annotations

import inspect
import numbers
from dataclasses import dataclass, field

from .api import value_and_grad
from .comparing import Comparison, Verdict, agree, errors, fail, time_per_call, to_float
from .errors import SymgradError
from .higher import DIRECTION_KEYWORD, Derivative
from .ops import PUBLIC_FUNCTIONS
from .oracles import finite_differences
from .oracles.point_sympy import LIMIT, NotTraceable, TooLarge, Traced
from .oracles.rebind import rebound

SECOND_ORDER = ("hessian", "value_grad_hessian", "hvp")
# double-precision five-point differences of compiled code: truncation ~h^4, rounding ~1e-16/h, at h ~ 1e-3
FD_RTOL, FD_ATOL = 1e-6, 1e-8
DIGITS = 60  # mpmath-fd: the inner gradient steps 1e-25, the outer difference 1e-12 (both relative)
OUTER_STEP = 1e-12
# SymPy's cost grows with operations x coordinates^order: the trace stops past this budget
SYMPY_BUDGET = 4 * LIMIT


# --- the report ---------------------------------------------------------------------------------------------


@dataclass
class Reference:
    source: str
    description: str
    values: tuple = ()
    problem: str = ""
    applicable: bool = True
    rtol: float = 0.0
    atol: float = 0.0
    seconds_per_call: float | None = None
    labels: tuple = ()  # what each value is (`d2f/dxdy`), in the order of the compiled result, flattened


@dataclass
class Report(Verdict):
    """What a derivative check compared: one row per scalar of the compiled result (`labels`)."""

    function: str
    point: tuple
    point_names: tuple[str, ...]
    labels: tuple[str, ...]
    compiled: tuple[float, ...]
    references: list[Reference]
    rtol: float
    atol: float
    comparisons: list[Comparison] = field(default_factory=list)
    kind: str = "check"
    direction: object = None
    seconds_per_call: float | None = None

    @property
    def compared(self) -> tuple[str, ...]:
        """The references that compared every entry of the compiled result."""
        wanted = len(self.labels)
        counts = {}
        for c in self.comparisons:
            counts[c.reference] = counts.get(c.reference, 0) + 1
        return tuple(r.source for r in self.references if counts.get(r.source, -1) == wanted)

    def __str__(self) -> str:
        point = ", ".join(f"{p}={v!r}" for p, v in zip(self.point_names, self.point, strict=False))
        if self.direction is not None:
            point += f", direction={self.direction!r}"
        tolerances = f"  rtol={self.rtol:g} atol={self.atol:g}" if self.kind == "check" else ""
        lines = [f"{self.kind} {self.function}({point}){tolerances}"]
        refs = [r for r in self.references if r.applicable and not r.problem]
        width = max([12, *(len(label) for label in self.labels)])
        header = f"  {'':<{width}} {'compiled':>24}"
        for ref in refs:
            header += f" {ref.source:>24} {'rel err':>9}"
        lines.append(header)
        by_key = {(c.reference, c.quantity): c for c in self.comparisons}
        for label, got in zip(self.labels, self.compiled, strict=True):
            row = f"  {label:<{width}} {got!r:>24}"
            for ref in refs:
                match = by_key.get((ref.source, label))
                if match is None:
                    row += f" {'-':>24} {'':>9}"
                else:
                    row += f" {match.expected!r:>24} {match.rel_error:>9.1e}" + ("" if match.ok else " <-- MISMATCH")
            lines.append(row)
        for ref in self.references:
            if not ref.applicable:
                lines.append(f"  {ref.source}: not applicable ({ref.problem})")
            elif ref.problem:
                lines.append(f"  {ref.source}: FAILED at this point ({ref.problem})")
            else:
                lines.append(f"  {ref.source}: {ref.description} (rtol={ref.rtol:g} atol={ref.atol:g})")
        if self.kind == "check":
            if self.ok:
                lines.append(f"  OK: every reference agrees: {', '.join(self.compared)} (each compared all "
                             f"{len(self.labels)} entries)")  # fmt: skip
            elif not self.compared and not any(r.applicable and r.problem for r in self.references):
                lines.append("  INCONCLUSIVE: no reference could compare")
            else:
                lines.append("  MISMATCH")
        else:
            lines.append(format_timing(self))
        return "\n".join(lines)


# --- the point: the scalars of the differentiated parameters -------------------------------------------------


def flat(x) -> list:
    if isinstance(x, list | tuple):
        return [v for item in x for v in flat(item)]
    return [x]


def _paths(arg, prefix=()) -> list[tuple]:
    if isinstance(arg, list | tuple):
        return [p for k, item in enumerate(arg) for p in _paths(item, (*prefix, k))]
    if isinstance(arg, bool) or not isinstance(arg, numbers.Real):
        raise NotTraceable(f"a {type(arg).__name__} among the differentiated arguments")
    return [prefix]


def _replace(arg, path, value):
    if not path:
        return value
    items = list(arg)
    items[path[0]] = _replace(items[path[0]], path[1:], value)
    return type(arg)(items)


def _get(arg, path):
    for k in path:
        arg = arg[k]
    return arg


class Point:
    """The arguments, and the coordinates (parameter index, path into it) each request differentiates."""

    def __init__(self, fun, args):
        self.args = tuple(args)
        self.names = list(inspect.signature(fun).parameters)

    def coordinates(self, wrt) -> list[tuple[int, tuple]]:
        return [(i, path) for i in wrt for path in _paths(self.args[i])]

    def label(self, coordinate) -> str:
        i, path = coordinate
        return self.names[i] + "".join(f"[{k}]" for k in path)

    def moved(self, args, coordinate, delta):
        i, path = coordinate
        new = list(args)
        new[i] = _replace(args[i], path, _get(args[i], path) + delta)
        return new

    def value(self, coordinate) -> float:
        i, path = coordinate
        return _get(self.args[i], path)


# --- one request, applied the same way by every reference ----------------------------------------------------


def _apply(kind, labels, values, jac, hess, direction, coord_labels):
    """The flat results of request `kind` and their labels, from the numbers it differentiates (`values`, with
    `labels`), `jac()` (rows per value, columns per coordinate) and `hess()` (of the single value)."""
    n = len(coord_labels)
    if kind not in ("jvp", "jacobian", "value_and_jacobian") and len(values) != 1:
        raise SymgradError(f"{kind} needs one number, the function gives {len(values)}")
    name = labels[0] if len(labels) == 1 else "f"
    if kind in ("grad", "value_and_grad"):
        row = jac()[0]
        out = [(f"d{name}/d{c}", row[k]) for k, c in enumerate(coord_labels)]
        return [(labels[0], values[0]), *out] if kind == "value_and_grad" else out
    if kind in ("hessian", "value_grad_hessian"):
        h = hess()
        out = [(f"d2{name}/d{a}d{b}", h[i][k]) for i, a in enumerate(coord_labels) for k, b in enumerate(coord_labels)]
        if kind == "hessian":
            return out
        row = jac()[0]
        return [(labels[0], values[0]), *((f"d{name}/d{c}", row[k]) for k, c in enumerate(coord_labels)), *out]
    if kind == "hvp":
        h = hess()
        return [
            (f"(H{name} v)[{a}]", sum(h[i][k] * direction[k] for k in range(n))) for i, a in enumerate(coord_labels)
        ]
    if kind == "jvp":
        j = jac()
        slopes = [sum(row[k] * direction[k] for k in range(n)) for row in j]
        return [*zip(labels, values, strict=True), *((f"d{lab}.t", s) for lab, s in zip(labels, slopes, strict=True))]
    if kind in ("jacobian", "value_and_jacobian"):
        j = jac()
        out = [(f"d{lab}/d{c}", row[k]) for lab, row in zip(labels, j, strict=True) for k, c in enumerate(coord_labels)]
        return [*zip(labels, values, strict=True), *out] if kind == "value_and_jacobian" else out
    raise SymgradError(f"no check for derivatives of kind {kind!r}")


def _order(chain) -> int:
    return sum(2 if r.kind in SECOND_ORDER else 1 for r in chain)


def _base_labels(derivative, count: int) -> list[str]:
    name = derivative.fun.__name__
    return [name] if count == 1 else [f"{name}[{k}]" for k in range(count)]


# --- SymPy ----------------------------------------------------------------------------------------------------


class _Budget:
    """The counter `Traced` numbers share: operations so far, and the limit."""

    __slots__ = ("coordinates", "count", "limit")

    def __init__(self, coordinates: int, order: int):
        self.count = 0
        self.coordinates = coordinates
        self.limit = max(200, SYMPY_BUDGET // max(1, coordinates) ** order)


def run_sympy(derivative: Derivative, point: Point, direction, digits: int = 40) -> Reference:
    import mpmath
    import sympy

    ref = Reference("sympy", "SymPy's derivatives of the function traced at the point, evaluated at 40 digits")
    chain = derivative.chain
    traced_params = sorted({i for r in chain for i in r.wrt})
    coordinates = point.coordinates(traced_params)
    budget = _Budget(len(coordinates), _order(chain))
    symbol_of = {}
    args = list(point.args)
    for c in coordinates:
        symbol = sympy.Symbol(f"s{len(symbol_of)}", real=True)
        symbol_of[c] = symbol
        args = point.moved(args, c, 0)  # (a copy)
        i, path = c
        args[i] = _replace(args[i], path, Traced(symbol, float(point.value(c)), sympy, budget))
    try:
        out = rebound(derivative.fun, PUBLIC_FUNCTIONS)(*args)
        outs = out if isinstance(out, tuple) else (out,)
        exprs = []
        for o in outs:
            if isinstance(o, Traced):
                exprs.append(o.expr)
            elif isinstance(o, numbers.Real) and not isinstance(o, bool):
                exprs.append(sympy.Float(float(o), 17))
            else:
                raise NotTraceable(f"the function returns {type(o).__name__}, not a number")
        labels = _base_labels(derivative, len(exprs))
        for position, request in enumerate(chain):
            symbols = [symbol_of[c] for c in point.coordinates(request.wrt)]
            coord_labels = [point.label(c) for c in point.coordinates(request.wrt)]
            given = direction if position == len(chain) - 1 else None
            if request.kind in DIRECTION_KEYWORD and given is None:
                raise NotTraceable(f"{request.kind} inside another derivative has no direction to check with")
            pairs = _apply(request.kind, labels, exprs,
                           lambda exprs=exprs, symbols=symbols: [[sympy.diff(e, s) for s in symbols] for e in exprs],
                           lambda exprs=exprs, symbols=symbols: [[sympy.diff(exprs[0], a, b) for b in symbols]
                                                                 for a in symbols],
                           given, coord_labels)  # fmt: skip
            labels, exprs = [p[0] for p in pairs], [p[1] for p in pairs]
        symbols = list(symbol_of.values())
        values = [float(point.value(c)) for c in coordinates]
        with mpmath.workdps(digits):
            evaluate = sympy.lambdify(symbols, exprs, modules="mpmath", cse=True)
            ref.values = tuple(to_float(v) for v in evaluate(*(mpmath.mpf(v) for v in values)))
    except (NotTraceable, TooLarge) as exc:
        return Reference("sympy", ref.description, problem=str(exc), applicable=False)
    except TypeError as exc:
        return Reference("sympy", ref.description, problem=f"the function does not run on traced numbers: {exc}",
                         applicable=False)  # fmt: skip
    except RecursionError:
        return Reference("sympy", ref.description, problem="the expression is nested too deeply for SymPy",
                         applicable=False)  # fmt: skip
    except (ArithmeticError, ValueError) as exc:
        return Reference("sympy", ref.description, problem=f"{type(exc).__name__}: {exc}")
    ref.labels = tuple(labels)
    return ref


# --- mpmath finite differences of the user's function -----------------------------------------------------------


# one result of a function with several: a global reference (not a closure), so `rebound` rebinds the function
_COMPONENT = compile("def component(*args):\n    return symgrad_target(*args)[symgrad_k]\n", "<symgrad>", "exec")


def _component(fun, k):
    namespace = {"symgrad_target": fun, "symgrad_k": k}
    exec(_COMPONENT, namespace)  # fixed text, compiled above
    return namespace["component"]


def _fd_gradient(fun, point: Point, args, wrt, outputs: int):
    """(values, jacobian rows) of the user's function at `args` by `oracles.finite_differences` (mpmath)."""
    static = tuple(i not in wrt for i in range(len(args)))
    order = [c for c in point.coordinates(sorted(wrt))]
    wanted = point.coordinates(wrt)  # in wrt order
    names = tuple(point.label(c) for c in order)
    values, rows = [], []
    for k in range(outputs or 1):
        target = fun if outputs is None else _component(fun, k)
        given = [_held(a) if fixed else a for a, fixed in zip(args, static, strict=True)]
        value, grads = finite_differences.run(target, given, names, DIGITS, static)
        by = dict(zip(order, grads, strict=True))
        values.append(value)
        rows.append([by[c] for c in wanted])
    return values, rows


def run_mpmath_fd(derivative: Derivative, point: Point, direction, outputs: int) -> Reference:
    import mpmath

    description = ("central differences of the function at 60 digits (oracles.finite_differences), and of its "
                   "gradient again for second derivatives")  # fmt: skip
    chain = derivative.chain
    fail = Reference("mpmath-fd", description, applicable=False)
    if _order(chain) > 2:
        fail.problem = f"derivative order {_order(chain)}: finite differences of finite differences go to order 2"
        return fail
    if any(r.kind in DIRECTION_KEYWORD for r in chain[:-1]):
        fail.problem = "a jvp or hvp inside another derivative has no direction to check with"
        return fail
    fun = derivative.fun
    labels0 = _base_labels(derivative, outputs or 1)
    try:
        with mpmath.workdps(DIGITS):
            args0 = [_to_mpf(a) for a in point.args]
            last = chain[-1]
            if len(chain) == 1 and last.kind not in SECOND_ORDER:
                values, rows = _fd_gradient(fun, point, args0, last.wrt, outputs)
                pairs = _apply(last.kind, labels0, values, lambda: rows, None, direction,
                               [point.label(c) for c in point.coordinates(last.wrt)])  # fmt: skip
            else:
                if len(chain) == 1:  # a second-order request: differences of the gradient over last.wrt
                    inner_request, inner_kind = last, "value_and_grad"
                else:
                    inner_request, inner_kind = chain[0], chain[0].kind
                inner_labels = [point.label(c) for c in point.coordinates(inner_request.wrt)]

                def level_one(args, with_labels=False):
                    values, rows = _fd_gradient(fun, point, args, inner_request.wrt, outputs)
                    pairs = _apply(inner_kind, labels0, values, lambda: rows, None, None, inner_labels)
                    return pairs if with_labels else [p[1] for p in pairs]

                centre_pairs = level_one(args0, with_labels=True)
                centre = [p[1] for p in centre_pairs]
                coordinates = point.coordinates(last.wrt)
                columns = [_mp_difference(level_one, point, args0, c, centre) for c in coordinates]
                jac = [[columns[k][i] for k in range(len(coordinates))] for i in range(len(centre))]
                coord_labels = [point.label(c) for c in coordinates]
                if len(chain) == 1:
                    value, *grad = centre
                    pairs = _apply(last.kind, labels0[:1], [value], lambda: [grad], lambda: jac[1:], direction,
                                   coord_labels)  # fmt: skip
                else:
                    pairs = _apply(last.kind, [p[0] for p in centre_pairs], centre, lambda: jac, None, direction,
                                   coord_labels)  # fmt: skip
    except (finite_differences.AtAKink, finite_differences.NotEvaluable) as exc:
        fail.problem = str(exc)
        return fail
    except SymgradError as exc:
        fail.problem = str(exc)
        return fail
    except TypeError as exc:  # e.g. an int parameter used as a count, moved to a non-integer
        fail.problem = f"the function does not run on moved mpmath numbers: {exc}"
        return fail
    except (ArithmeticError, ValueError) as exc:
        return Reference("mpmath-fd", description, problem=f"{type(exc).__name__}: {exc}")
    ref = Reference("mpmath-fd", description, tuple(to_float(p[1]) for p in pairs))
    ref.labels = tuple(p[0] for p in pairs)
    return ref


def _held(arg):
    """An argument not differentiated by this difference, as the mpmath number type the function runs on (an
    outer difference may have moved it); ints stay ints (counts, indices)."""
    import mpmath

    if isinstance(arg, list | tuple):
        return type(arg)(_held(a) for a in arg)
    if isinstance(arg, float | mpmath.mpf):
        return finite_differences.High(mpmath.mpf(arg))
    return arg


def _to_mpf(arg):
    import mpmath

    if isinstance(arg, list | tuple):
        return type(arg)(_to_mpf(a) for a in arg)
    if isinstance(arg, float):
        return mpmath.mpf(arg)
    return arg


def _mp_difference(function, point: Point, args, coordinate, centre):
    """Central differences of `function` (a flat list of mpmath numbers) along one coordinate, at 60 digits;
    the one-sided differences must agree (else a kink or a branch lies within the step)."""
    import mpmath

    x = point.value(coordinate)
    h = mpmath.mpf(OUTER_STEP) * max(1, abs(mpmath.mpf(x)))
    above = function(point.moved(args, coordinate, h))
    below = function(point.moved(args, coordinate, -h))
    out = []
    for a, b, c in zip(above, below, centre, strict=True):
        central = (a - b) / (2 * h)
        forward, backward = (a - c) / h, (c - b) / h
        if abs(forward - backward) > mpmath.mpf(10) ** -9 * (1 + abs(central)):
            raise finite_differences.AtAKink(
                f"a branch boundary or kink lies within the step in {point.label(coordinate)}: the gradient's slope "
                f"is {float(backward):.17g} on one side and {float(forward):.17g} on the other"
            )
        out.append(central)
    return out


# --- double-precision differences of compiled first-order code ------------------------------------------------


def _rebuilt(derivative: Derivative, requests):
    """The symgrad function for `requests` (a chain prefix) of the user's function, compiled afresh."""
    made = derivative.fun
    for r in requests:
        wrt = r.wrt[0] if r.bare and len(r.wrt) == 1 else list(r.wrt)
        made = Derivative(made, r.kind, wrt)
    return made


def _inner_compiled(derivative: Derivative):
    """(name, description, function giving flat floats, the request the differences apply) for the compiled
    first-order code the last request differentiates; None for a single first-order request (its inner is the
    user's function: mpmath-fd covers it)."""
    chain = derivative.chain
    last = chain[-1]
    if last.kind in SECOND_ORDER:
        wrt = last.wrt[0] if last.bare and len(last.wrt) == 1 else list(last.wrt)
        if len(chain) == 1:
            inner = value_and_grad(derivative.fun, wrt=wrt)
        else:
            inner = Derivative(_rebuilt(derivative, chain[:-1]), "value_and_grad", wrt)
        return ("fd(compiled gradient)", "five-point central differences (double precision) of the compiled "
                "first-order value_and_grad", inner)  # fmt: skip
    if len(chain) == 1:
        return None
    inner = _rebuilt(derivative, chain[:-1])
    return ("fd(compiled inner)", "five-point central differences (double precision) of the compiled "
            f"{' of '.join(r.kind for r in reversed(chain[:-1]))}", inner)  # fmt: skip


def _five_point(function, point: Point, coordinate, h):
    p1, m1 = function(point.moved(point.args, coordinate, h)), function(point.moved(point.args, coordinate, -h))
    p2 = function(point.moved(point.args, coordinate, 2 * h))
    m2 = function(point.moved(point.args, coordinate, -2 * h))
    return [(-a2 + 8 * a1 - 8 * b1 + b2) / (12 * h) for a1, b1, a2, b2 in zip(p1, m1, p2, m2, strict=True)]


def _double_difference(function, point: Point, coordinate):
    x = float(point.value(coordinate))
    h = 1e-3 * max(1.0, abs(x))
    coarse = _five_point(function, point, coordinate, h)
    fine = _five_point(function, point, coordinate, h / 2)
    for c, f in zip(coarse, fine, strict=True):
        if not agree(c, f, FD_RTOL / 10, FD_ATOL / 10):
            raise finite_differences.AtAKink(
                f"the differences in {point.label(coordinate)} at steps {h:.3g} and {h / 2:.3g} disagree ({c!r} and "
                f"{f!r}): a kink or branch within the step, or a derivative too steep for differences"
            )
    return fine


def run_double_fd(derivative: Derivative, point: Point, direction, outputs: int, plain_ok: bool = False):
    """The last request by double-precision differences of compiled first-order code (or, with `plain_ok`, of
    the user's function itself when the last request is the only one, as `compare` does)."""
    chain = derivative.chain
    last = chain[-1]
    found = _inner_compiled(derivative)
    if found is None:
        if not plain_ok:
            return None
        plain = derivative.fun
        found = ("fd(function)", "five-point central differences (double precision) of the function", plain)
    source, description, inner = found
    if any(r.kind in DIRECTION_KEYWORD for r in chain[:-1]):
        return Reference(source, description, problem="a jvp or hvp inside another derivative has no direction",
                         applicable=False)  # fmt: skip

    def function(args):
        return [float(v) for v in flat(inner(*args))]

    coordinates = point.coordinates(last.wrt)
    coord_labels = [point.label(c) for c in coordinates]
    try:
        centre = function(point.args)
        columns = [_double_difference(function, point, c) for c in coordinates]
        jac = [[columns[k][i] for k in range(len(coordinates))] for i in range(len(centre))]
        if last.kind in SECOND_ORDER:
            value, *grad = centre
            labels = _base_labels(derivative, 1) if len(chain) == 1 else ["f"]
            pairs = _apply(last.kind, labels, [value], lambda: [grad], lambda: jac[1:], direction, coord_labels)
        else:
            labels = _base_labels(derivative, len(centre)) if len(chain) == 1 else ["f"] * len(centre)
            if len(chain) > 1:
                labels = [f"f[{k}]" for k in range(len(centre))] if len(centre) > 1 else ["f"]
            pairs = _apply(last.kind, labels, centre, lambda: jac, None, direction, coord_labels)
    except finite_differences.AtAKink as exc:
        return Reference(source, description, problem=str(exc), applicable=False)
    except SymgradError as exc:
        return Reference(source, description, problem=str(exc), applicable=False)
    except TypeError as exc:  # e.g. an int parameter used as a count, moved to a non-integer
        return Reference(source, description, problem=f"the code does not run at moved points: {exc}",
                         applicable=False)  # fmt: skip
    except (ArithmeticError, ValueError) as exc:
        return Reference(source, description, problem=f"{type(exc).__name__}: {exc}")
    ref = Reference(source, description, tuple(p[1] for p in pairs), rtol=FD_RTOL, atol=FD_ATOL)
    ref.labels = tuple(p[0] for p in pairs)
    return ref


# --- check and compare ------------------------------------------------------------------------------------------


def _direction(derivative: Derivative, direction: dict):
    keyword = DIRECTION_KEYWORD.get(derivative.kind)
    extra = set(direction) - ({keyword} if keyword else set())
    if extra:
        takes = f"it takes {keyword}=" if keyword else "only jvp and hvp take a direction"
        raise SymgradError(f"check of a {derivative.kind} takes no {', '.join(sorted(extra))}= ({takes})")
    if keyword is None:
        return None, {}
    if keyword not in direction:
        raise SymgradError(f"check of a {derivative.kind} needs {keyword}= (shaped like the gradient)")
    given = direction[keyword]
    return [float(v) for v in flat(given)], {keyword: given}


def _title(derivative: Derivative) -> str:
    kinds = " of ".join(r.kind for r in reversed(derivative.chain))
    mode = ", mode='forward'" if derivative.mode == "forward" else ""
    return f"{kinds}{mode} of {derivative.fun.__qualname__}"


def _run_compiled(derivative: Derivative, args, keyword: dict) -> tuple[float, ...]:
    return tuple(float(v) for v in flat(derivative(*args, **keyword)))


def _outputs(derivative: Derivative, args) -> int | None:
    """How many numbers the user's function returns at the point as a tuple (for a Jacobian), None for one."""
    out = derivative.fun(*args)
    return len(out) if isinstance(out, tuple) else None


def _compare_all(report: Report, ref: Reference) -> None:
    if len(ref.values) != len(report.compiled):
        ref.problem = (f"the reference has {len(ref.values)} entries, the compiled result "
                       f"{len(report.compiled)}")  # fmt: skip
        return
    if ref.labels and not report.labels:
        report.labels = ref.labels
    rtol, atol = max(ref.rtol, report.rtol), max(ref.atol, report.atol)
    ref.rtol, ref.atol = rtol, atol
    for label, got, expected in zip(report.labels, report.compiled, ref.values, strict=True):
        abs_error, rel_error = errors(got, expected)
        report.comparisons.append(Comparison(ref.source, label, got, expected, abs_error, rel_error,
                                        agree(got, expected, rtol, atol)))  # fmt: skip


def check(derivative: Derivative, *args, rtol: float = 1e-9, atol: float = 1e-12, fd: bool = False, **direction):
    """Compare the compiled derivative at `args` with SymPy (and, with `fd=True` or when SymPy cannot, finite
    differences); see the module docstring."""
    vector, keyword = _direction(derivative, direction)
    point = Point(derivative.fun, args)
    compiled = _run_compiled(derivative, args, keyword)
    try:
        outputs = _outputs(derivative, args)
    except Exception:  # the compiled code ran: a plain run that fails is the references' problem
        outputs = None
    references = [run_sympy(derivative, point, vector)]
    if fd or not any(r.applicable and not r.problem for r in references):
        references.append(run_mpmath_fd(derivative, point, vector, outputs))
        double = run_double_fd(derivative, point, vector, outputs)
        if double is not None:
            references.append(double)
    report = Report(_title(derivative), tuple(args), tuple(point.names), (), compiled, references, rtol, atol,
                    direction=keyword.get(DIRECTION_KEYWORD.get(derivative.kind, ""), None))  # fmt: skip
    for ref in references:
        if ref.applicable and not ref.problem:
            _compare_all(report, ref)
    if not report.labels:
        report.labels = tuple(f"[{k}]" for k in range(len(compiled)))
    if report.ok:
        return report
    fail(report, references, _title(derivative), "derivative")


def compare(derivative: Derivative, *args, budget: float = 0.2, **direction) -> Report:
    """The compiled derivative beside finite differences of the compiled first-order code (or of the function
    for a single first-order request), each with its time per call. Does not raise on a mismatch."""
    vector, keyword = _direction(derivative, direction)
    point = Point(derivative.fun, args)
    compiled = _run_compiled(derivative, args, keyword)
    seconds = time_per_call(lambda: derivative(*args, **keyword), budget)
    try:
        outputs = _outputs(derivative, args)
    except Exception:  # reported by the reference below
        outputs = None
    ref = run_double_fd(derivative, point, vector, outputs, plain_ok=True)
    if ref.applicable and not ref.problem:
        ref.seconds_per_call = time_per_call(lambda: run_double_fd(derivative, point, vector, outputs, True), budget)
    report = Report(_title(derivative), tuple(args), tuple(point.names), (), compiled, [ref], FD_RTOL, FD_ATOL,
                    kind="compare", direction=keyword.get(DIRECTION_KEYWORD.get(derivative.kind, ""), None),
                    seconds_per_call=seconds)  # fmt: skip
    if ref.applicable and not ref.problem:
        _compare_all(report, ref)
    if not report.labels:
        report.labels = tuple(f"[{k}]" for k in range(len(compiled)))
    return report


def format_timing(report: Report) -> str:
    lines = [f"  compiled: {report.seconds_per_call * 1e6:10.2f} us per call (generated code)"]
    ref = report.references[0]
    if ref.seconds_per_call is not None:
        lines.append(f"  {ref.source}: {ref.seconds_per_call * 1e6:10.2f} us per call")
        lines.append(f"  speed-up: {ref.seconds_per_call / report.seconds_per_call:10.1f}x")
    return "\n".join(lines)


__all__ = ["FD_ATOL", "FD_RTOL", "Report", "check", "compare"]
