"""`check` and `compare`: the compiled gradient beside independent references.

References: the tape engine (`symgrad.tape.Value`, its own derivative code) running the undecorated function;
SymPy's symbolic derivative of the function (built by `sympy_bridge` from op twins, differentiated by SymPy)
evaluated with mpmath at 40 digits; optionally (`fd=True`) mpmath central finite differences of the same
SymPy function at 40 digits. None shares a derivative rule with the compiler.

Guarantees: nan and inf are compared as values (nan agrees with nan only; inf with the same inf); a reference
that cannot run the function at all (the tape on `math.tanh`, which only takes floats) is reported as not
applicable, never as agreement; a reference that fails at this point (a ZeroDivisionError where the compiled
code gave numbers) is a mismatch. `check` raises `GradientMismatch` naming the parameter, the reference and
the error; its report (also on the exception as `.report`) prints as a table.

Known limit: relu, abs, min and max reach SymPy as Piecewise; when they nest, SymPy simplifies each condition
that holds another Piecewise, which can take minutes with float constants.
"""

from __future__ import annotations

import inspect
import math
import time
from dataclasses import dataclass, field

from .api import value_and_grad
from .errors import GradientMismatch
from .sympy_bridge import NotExpressible, to_sympy, unwrap


@dataclass
class Result:
    """One engine's value and gradient at the point, or why it has none."""

    source: str
    value: float | None = None
    grads: tuple[float, ...] = ()
    problem: str = ""  # why the reference could not produce numbers
    applicable: bool = True
    seconds_per_call: float | None = None


@dataclass
class Comparison:
    reference: str
    quantity: str  # "value" or the parameter's name
    compiled: float
    expected: float
    abs_error: float
    rel_error: float
    ok: bool


@dataclass
class Report:
    function: str
    point: tuple
    params: tuple[str, ...]
    rtol: float
    atol: float
    compiled: Result
    references: list[Result]
    comparisons: list[Comparison] = field(default_factory=list)
    kind: str = "check"
    point_names: tuple[str, ...] = ()  # the parameters, where `params` names list elements one by one

    @property
    def ok(self) -> bool:
        failed_refs = [r for r in self.references if r.applicable and r.problem]
        return not failed_refs and all(c.ok for c in self.comparisons)

    def max_errors(self) -> dict[str, tuple[float, float]]:
        """Per reference: (max abs error, max rel error) over the value and every gradient entry."""
        out = {}
        for ref in self.references:
            rows = [c for c in self.comparisons if c.reference == ref.source]
            if rows:
                out[ref.source] = (max(c.abs_error for c in rows), max(c.rel_error for c in rows))
        return out

    def __str__(self) -> str:
        names = self.point_names or self.params
        point = ", ".join(f"{p}={v!r}" for p, v in zip(names, self.point, strict=True))
        tolerances = f"  rtol={self.rtol:g} atol={self.atol:g}" if self.kind == "check" else ""
        lines = [f"{self.kind} {self.function}({point}){tolerances}"]
        header = f"  {'':<10} {'compiled':>24}"
        refs = [r for r in self.references if r.applicable and not r.problem]
        for ref in refs:
            header += f" {ref.source:>24} {'rel err':>9}"
        lines.append(header)
        for i, quantity in enumerate(("value", *self.params)):
            compiled = self.compiled.value if i == 0 else self.compiled.grads[i - 1]
            label = quantity if i == 0 else f"d/d{quantity}"
            row = f"  {label:<10} {compiled!r:>24}"
            for ref in refs:
                expected = ref.value if i == 0 else ref.grads[i - 1]
                match = next(c for c in self.comparisons if c.reference == ref.source and c.quantity == quantity)
                row += f" {expected!r:>24} {match.rel_error:>9.1e}" + ("" if match.ok else " <-- MISMATCH")
            lines.append(row)
        for ref in self.references:
            if not ref.applicable:
                lines.append(f"  {ref.source}: not applicable ({ref.problem})")
            elif ref.problem:
                lines.append(f"  {ref.source}: FAILED at this point ({ref.problem})")
        if self.kind == "check":
            lines.append("  OK: every reference agrees" if self.ok else "  MISMATCH")
        else:
            lines.append(format_timing(self))
        return "\n".join(lines)


def agree(a: float, b: float, rtol: float, atol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b)


def _errors(a: float, b: float) -> tuple[float, float]:
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return (0.0, 0.0) if agree(a, b, 0.0, 0.0) else (math.inf, math.inf)
    diff = abs(a - b)
    return diff, (diff / abs(b) if b != 0 else (0.0 if diff == 0 else math.inf))


def _params(fun) -> tuple[str, ...]:
    return tuple(inspect.signature(fun).parameters)


def _flat(values) -> tuple[float, ...]:
    """Gradients of list parameters, flattened in order (a list parameter has one per element)."""
    flat = []
    for v in values:
        if isinstance(v, list | tuple):
            flat.extend(float(x) for x in v)
        else:
            flat.append(float(v))
    return tuple(flat)


def run_compiled(fun, args) -> Result:
    value, grads = value_and_grad(fun, wrt=list(range(len(args))))(*args)
    return Result("compiled", float(value), _flat(grads))


def run_tape(fun, args) -> Result:
    from .tape import Value

    inputs = [[Value(x) for x in a] if isinstance(a, list | tuple) else Value(a) for a in args]
    leaves = [leaf for a in inputs for leaf in (a if isinstance(a, list) else [a])]
    try:
        out = fun(*inputs)
    except TypeError as exc:  # e.g. math.tanh(Value): the function cannot run on the tape at all
        return Result("tape", problem=f"the function does not run on Values: {exc}", applicable=False)
    except (ArithmeticError, ValueError) as exc:
        return Result("tape", problem=f"{type(exc).__name__}: {exc}")
    if not isinstance(out, Value):  # the output does not depend on any parameter
        return Result("tape", float(out), tuple(0.0 for _ in leaves))
    try:
        out.backward()
    except (ArithmeticError, ValueError) as exc:
        return Result("tape", problem=f"{type(exc).__name__} in backward(): {exc}")
    return Result("tape", out.data, tuple(leaf.grad for leaf in leaves))


def _sympy_functions(fun, n_args: int):
    import sympy

    expr, symbols = to_sympy(fun)
    symbols = symbols[:n_args]
    return expr, symbols, sympy


def run_sympy(fun, args, digits: int = 40) -> Result:
    import mpmath

    try:
        expr, symbols, sympy = _sympy_functions(fun, len(args))
    except NotExpressible as exc:
        return Result("sympy", problem=str(exc), applicable=False)
    exprs = [expr, *(sympy.diff(expr, s) for s in symbols)]
    try:
        with mpmath.workdps(digits):
            evaluate = sympy.lambdify(symbols, exprs, modules="mpmath")
            numbers = evaluate(*(mpmath.mpf(a) for a in args))
            values = [_to_float(v) for v in numbers]
    except (ArithmeticError, ValueError, TypeError) as exc:
        return Result("sympy", problem=f"{type(exc).__name__}: {exc}")
    return Result("sympy", values[0], tuple(values[1:]))


def run_finite_differences(fun, args, digits: int = 40) -> Result:
    import mpmath

    try:
        expr, symbols, sympy = _sympy_functions(fun, len(args))
    except NotExpressible as exc:
        return Result("mpmath-fd", problem=str(exc), applicable=False)
    try:
        with mpmath.workdps(digits):
            f = sympy.lambdify(symbols, expr, modules="mpmath")
            point = [mpmath.mpf(a) for a in args]
            grads = []
            for i in range(len(args)):

                def partial(t, i=i):
                    moved = list(point)
                    moved[i] = t
                    return f(*moved)

                grads.append(_to_float(mpmath.diff(partial, point[i])))
            value = _to_float(f(*point))
    except (ArithmeticError, ValueError, TypeError) as exc:
        return Result("mpmath-fd", problem=f"{type(exc).__name__}: {exc}")
    return Result("mpmath-fd", value, tuple(grads))


def _to_float(number) -> float:
    import mpmath

    if isinstance(number, mpmath.mpc):
        if number.imag != 0:
            raise ValueError(f"complex result {number}")
        number = number.real
    return float(number)


def check(fun, *args, rtol: float = 1e-9, atol: float = 1e-12, fd: bool = False) -> Report:
    """Compare the compiled gradient at `args` with the tape engine and SymPy (and, with `fd=True`, mpmath
    finite differences). Returns the report; raises GradientMismatch where any applicable reference disagrees."""
    plain = unwrap(fun)
    params = []
    for name, arg in zip(_params(plain), args, strict=False):  # a list parameter: one row per element
        params += [f"{name}[{i}]" for i in range(len(arg))] if isinstance(arg, list | tuple) else [name]
    params = tuple(params)
    compiled = run_compiled(plain, args)
    references = [run_tape(plain, args), run_sympy(plain, args)]
    if fd:
        references.append(run_finite_differences(plain, args))
    report = Report(plain.__qualname__, tuple(args), params, rtol, atol, compiled, references,
                    point_names=_params(plain)[: len(args)])  # fmt: skip
    for ref in references:
        if not ref.applicable or ref.problem:
            continue
        quantities = zip(("value", *params), (compiled.value, *compiled.grads), (ref.value, *ref.grads), strict=True)
        for quantity, got, expected in quantities:
            abs_error, rel_error = _errors(got, expected)
            ok = agree(got, expected, rtol, atol)
            report.comparisons.append(Comparison(ref.source, quantity, got, expected, abs_error, rel_error, ok))
    if not report.ok:
        first = next((c for c in report.comparisons if not c.ok), None)
        if first is not None:
            what = "the value" if first.quantity == "value" else f"d/d{first.quantity}"
            message = (
                f"{plain.__qualname__}: {what} is {first.compiled!r} compiled but {first.expected!r} by the "
                f"{first.reference} reference (abs error {first.abs_error:.3g}, rel error {first.rel_error:.3g})"
            )
        else:
            failed = next(r for r in references if r.applicable and r.problem)
            message = f"{plain.__qualname__}: the {failed.source} reference failed at this point: {failed.problem}"
        error = GradientMismatch(message + "\n" + str(report))
        error.report = report
        raise error
    return report


def _time_per_call(call, budget: float = 0.2) -> float:
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            call()
        elapsed = time.perf_counter() - start
        if elapsed >= budget or number >= 1 << 20:
            return elapsed / number
        number *= 2


def compare(fun, *args, budget: float = 0.2) -> Report:
    """The compiled and the tape results side by side, with the time per call of each and the speed-up.
    Returns a Report whose text shows both; it does not raise on a mismatch (use `check` for that)."""
    plain = unwrap(fun)
    params = _params(plain)[: len(args)]
    compiled_fn = value_and_grad(plain, wrt=list(range(len(args))))
    compiled = run_compiled(plain, args)
    compiled.seconds_per_call = _time_per_call(lambda: compiled_fn(*args), budget)
    tape = run_tape(plain, args)
    if tape.applicable and not tape.problem:
        tape.seconds_per_call = _time_per_call(lambda: run_tape(plain, args), budget)
    report = Report(plain.__qualname__, tuple(args), params, 0.0, 0.0, compiled, [tape], kind="compare")
    if tape.applicable and not tape.problem:
        quantities = zip(("value", *params), (compiled.value, *compiled.grads), (tape.value, *tape.grads), strict=True)
        for quantity, got, expected in quantities:
            abs_error, rel_error = _errors(got, expected)
            ok = agree(got, expected, 1e-9, 1e-12)
            report.comparisons.append(Comparison("tape", quantity, got, expected, abs_error, rel_error, ok))
    return report


def format_timing(report: Report) -> str:
    """The per-call times of a `compare` report and the speed-up of the compiled code over the tape."""
    compiled = report.compiled.seconds_per_call
    tape = report.references[0].seconds_per_call
    lines = [f"  compiled: {compiled * 1e6:10.2f} us per call (value and full gradient, generated code)"]
    if tape is not None:
        lines.append(f"  tape:     {tape * 1e6:10.2f} us per call (build the graph, then backward())")
        lines.append(f"  speed-up: {tape / compiled:10.1f}x")
    return "\n".join(lines)
