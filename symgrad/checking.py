"""`check` and `compare`: the compiled gradient beside independent references.

References, each running the user's own Python function (never symgrad's IR or derivative rules):
- the tape engine (`symgrad.tape.Value`, its own derivative code), on the function rebound so that its `math`
  and NumPy op calls are the polymorphic op functions (`oracles.rebind`; the user's globals are never touched);
- SymPy: the function traced at the point (branches taken and loops run as at the point, lists at their
  lengths there), the trace's expression differentiated by SymPy and evaluated with mpmath at 40 digits
  (`oracles.point_sympy`);
- mpmath central finite differences of the function evaluated at 50 digits (`oracles.finite_differences`): with
  `fd=True`, and on their own whenever neither the tape nor SymPy could compare.

Guarantees: a check never reports agreement without a comparison. Every reference that runs compares the value
and every gradient component; `Report.compared` names those that did; when none could, `check` raises
`CheckInconclusive` saying why each could not. A reference that cannot run the function at all (a traced
number used as a length, a trace too large for SymPy, a kink within the finite-difference step) is reported
as not applicable, never as agreement; a reference that fails at this point (a ZeroDivisionError where the
compiled code gave numbers) is a mismatch. nan and inf are compared as values (nan agrees with nan only; inf
with the same inf). `check` raises `GradientMismatch` naming the parameter, the reference and the error; its
report (also on the exception as `.report`) prints as a table.

Known limit: the tape's `Value` has micrograd's identity `==`, so a function that tests a differentiated
float with `==` takes another branch on the tape than in the compiled code (a reported mismatch, never a
silent agreement); SymPy's trace compares by value and is right there.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

from . import checking_higher
from .api import value_and_grad
from .comparing import Comparison, Verdict, agree, errors, fail, time_per_call, to_float
from .errors import SymgradError
from .higher import Derivative
from .ops import PUBLIC_FUNCTIONS
from .oracles import finite_differences, point_sympy
from .oracles.rebind import rebound
from .sympy_bridge import unwrap


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
class Report(Verdict):
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
    static: tuple[bool, ...] = ()  # per argument: held static (an int), not differentiated

    @property
    def compared(self) -> tuple[str, ...]:
        """The references that compared the value and every gradient component with the compiled code."""
        wanted = 1 + len(self.params)
        return tuple(
            ref.source for ref in self.references if sum(c.reference == ref.source for c in self.comparisons) == wanted
        )

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
        held = [name for name, fixed in zip(self.point_names, self.static, strict=False) if fixed]
        if held:
            lines.append(f"  held static (ints or nested lists, not differentiated): {', '.join(held)}")
        for ref in self.references:
            if not ref.applicable:
                lines.append(f"  {ref.source}: not applicable ({ref.problem})")
            elif ref.problem:
                lines.append(f"  {ref.source}: FAILED at this point ({ref.problem})")
        if self.kind == "check":
            if self.ok:
                lines.append(f"  OK: every reference agrees: {', '.join(self.compared)} (each compared the value and "
                             "every gradient component)")  # fmt: skip
            elif not self.compared and not any(r.applicable and r.problem for r in self.references):
                lines.append("  INCONCLUSIVE: no reference could compare")
            else:
                lines.append("  MISMATCH")
        else:
            lines.append(format_timing(self))
        return "\n".join(lines)


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


def static_arguments(args) -> tuple[bool, ...]:
    """Per argument: True for one passed unchanged to every engine and not differentiated: an int or bool (or a
    list of them), a count, an index or a flag (API.md: int and bool leaves are static); and a list of lists,
    which the compiler reads as data only."""

    def static(a) -> bool:
        if isinstance(a, list | tuple):
            return bool(a) and (all(isinstance(e, int) for e in a) or any(isinstance(e, list | tuple) for e in a))
        return isinstance(a, int)

    return tuple(static(a) for a in args)


# A reference runs the user's function as Python runs it, one frame per helper call: helpers nested deeper than
# Python's recursion limit cannot run there (nor as plain Python), though symgrad compiles them.
TOO_DEEP_TO_RUN = (
    "the function's helpers call each other deeper than Python's recursion limit, so it cannot run as Python "
    "code (symgrad's compiled module runs it, inlined)"
)


def run_compiled(fun, args, static=None) -> Result:
    static = static or static_arguments(args)
    wrt = [i for i, fixed in enumerate(static) if not fixed]
    value, grads = value_and_grad(fun, wrt=wrt)(*args)
    return Result("compiled", float(value), _flat(grads))


def run_tape(fun, args, static=None) -> Result:
    from .tape import Value

    static = static or static_arguments(args)
    inputs = [
        a if fixed else type(a)(Value(x) for x in a) if isinstance(a, list | tuple) else Value(a)
        for a, fixed in zip(args, static, strict=True)
    ]
    leaves = [
        leaf
        for a, fixed in zip(inputs, static, strict=True)
        if not fixed
        for leaf in (a if isinstance(a, list | tuple) else [a])
    ]
    try:
        out = rebound(fun, PUBLIC_FUNCTIONS)(*inputs)
    except TypeError as exc:  # e.g. a Value used as a length: the function cannot run on the tape at all
        return Result("tape", problem=f"the function does not run on Values: {exc}", applicable=False)
    except RecursionError:
        return Result("tape", problem=TOO_DEEP_TO_RUN, applicable=False)
    except (ArithmeticError, ValueError) as exc:
        return Result("tape", problem=f"{type(exc).__name__}: {exc}")
    if not isinstance(out, Value):  # the output does not depend on any parameter
        try:
            return Result("tape", float(out), tuple(0.0 for _ in leaves))
        except (TypeError, ValueError):
            return Result("tape", problem=f"the function returns {type(out).__name__}, not a number", applicable=False)
    try:
        out.backward()
    except (ArithmeticError, ValueError) as exc:
        return Result("tape", problem=f"{type(exc).__name__} in backward(): {exc}")
    return Result("tape", out.data, tuple(leaf.grad for leaf in leaves))


def run_sympy(fun, args, static=None, digits: int = 40) -> Result:
    """SymPy's derivative of the function traced at the point (`oracles.point_sympy`)."""
    static = static or static_arguments(args)
    try:
        value, grads = point_sympy.run(rebound(fun, PUBLIC_FUNCTIONS), args, digits, static)
        return Result("sympy", to_float(value), tuple(to_float(g) for g in grads))
    except (point_sympy.NotTraceable, point_sympy.TooLarge) as exc:
        return Result("sympy", problem=str(exc), applicable=False)
    except RecursionError:
        return Result("sympy", problem=TOO_DEEP_TO_RUN, applicable=False)
    except (ArithmeticError, ValueError, TypeError) as exc:
        return Result("sympy", problem=f"{type(exc).__name__}: {exc}")


def run_finite_differences(fun, args, static=None, digits: int = 50) -> Result:
    """mpmath central differences of the function evaluated at `digits` digits (`oracles.finite_differences`)."""
    static = static or static_arguments(args)
    names = _flat_names(fun, args, static)
    try:
        value, grads = finite_differences.run(fun, args, names, digits, static)
        return Result("mpmath-fd", to_float(value), tuple(to_float(g) for g in grads))
    except (finite_differences.NotEvaluable, finite_differences.AtAKink) as exc:
        return Result("mpmath-fd", problem=str(exc), applicable=False)
    except RecursionError:
        return Result("mpmath-fd", problem=TOO_DEEP_TO_RUN, applicable=False)
    except (ArithmeticError, ValueError, TypeError) as exc:
        return Result("mpmath-fd", problem=f"{type(exc).__name__}: {exc}")


def _flat_names(fun, args, static=None) -> tuple[str, ...]:
    """A label per differentiated scalar of the point: `x`, or `xs[0]`, `xs[1]`, ... for a list parameter."""
    static = static or static_arguments(args)
    names = []
    for name, arg, fixed in zip(_params(fun), args, static, strict=False):
        if fixed:
            continue
        names += [f"{name}[{i}]" for i in range(len(arg))] if isinstance(arg, list | tuple) else [name]
    return tuple(names)


def _compare_all(report: Report, ref: Result) -> None:
    compiled = report.compiled
    quantities = zip(("value", *report.params), (compiled.value, *compiled.grads), (ref.value, *ref.grads), strict=True)
    for quantity, got, expected in quantities:
        abs_error, rel_error = errors(got, expected)
        ok = agree(got, expected, report.rtol, report.atol)
        report.comparisons.append(Comparison(ref.source, quantity, got, expected, abs_error, rel_error, ok))


def _numbers_and_lists_only(fun, args) -> None:
    """The references take numbers and (nested) lists of them; a structured argument is refused up front."""

    def plain(value) -> bool:
        if isinstance(value, list | tuple):
            return all(plain(v) for v in value)
        return isinstance(value, int | float)

    for name, arg in zip(_params(fun), args, strict=False):
        if not plain(arg):
            raise SymgradError(
                f"check({fun.__qualname__}, ...): {name} is {type(arg).__name__}; check compares functions of "
                "numbers and lists of numbers only (objects, dicts and arrays are not supported by its references "
                "yet): check a function of the flat parameters, or compare with symgrad.Value by hand"
            )


def check(fun, *args, rtol: float = 1e-9, atol: float = 1e-12, fd: bool = False, **direction) -> Report:
    """Compare the compiled value and gradient at `args` with the tape engine and SymPy (and, with `fd=True`
    or when neither of those can run the function, mpmath finite differences). Returns the report; raises
    GradientMismatch where any reference disagrees or fails at the point, and CheckInconclusive where no
    reference could compare at all. A higher-order derivative (`hessian(f)`, `jvp(f)` with `tangent=`, `hvp(f)`
    with `vector=`, `grad(grad(f))` ...) is checked by `checking_higher`."""
    if isinstance(fun, Derivative):
        return checking_higher.check(fun, *args, rtol=rtol, atol=atol, fd=fd, **direction)
    if direction:
        raise SymgradError(f"check takes {', '.join(direction)}= only for jvp (tangent=) and hvp (vector=)")
    plain = unwrap(fun)
    _numbers_and_lists_only(plain, args)
    static = static_arguments(args)
    params = _flat_names(plain, args, static)
    compiled = run_compiled(plain, args)
    references = [run_tape(plain, args), run_sympy(plain, args)]
    if fd or not any(r.applicable and not r.problem for r in references):
        references.append(run_finite_differences(plain, args))
    report = Report(plain.__qualname__, tuple(args), params, rtol, atol, compiled, references,
                    point_names=_params(plain)[: len(args)], static=static)  # fmt: skip
    for ref in references:
        if ref.applicable and not ref.problem:
            _compare_all(report, ref)
    if report.ok:
        return report
    fail(report, references, plain.__qualname__, "gradient", _quantity)


def _quantity(quantity: str) -> str:
    return "the value" if quantity == "value" else f"d/d{quantity}"


def compare(fun, *args, budget: float = 0.2, **direction) -> Report:
    """The compiled and the tape results side by side, with the time per call of each and the speed-up.
    Returns a Report whose text shows both; it does not raise on a mismatch (use `check` for that).
    A higher-order derivative is compared with finite differences of its first-order code (`checking_higher`)."""
    if isinstance(fun, Derivative):
        return checking_higher.compare(fun, *args, budget=budget, **direction)
    if direction:
        raise SymgradError(f"compare takes {', '.join(direction)}= only for jvp (tangent=) and hvp (vector=)")
    plain = unwrap(fun)
    static = static_arguments(args)
    params = _flat_names(plain, args, static)
    compiled_fn = value_and_grad(plain, wrt=[i for i, fixed in enumerate(static) if not fixed])
    compiled = run_compiled(plain, args)
    compiled.seconds_per_call = time_per_call(lambda: compiled_fn(*args), budget)
    tape = run_tape(plain, args)
    if tape.applicable and not tape.problem:
        tape.seconds_per_call = time_per_call(lambda: run_tape(plain, args), budget)
    report = Report(plain.__qualname__, tuple(args), params, 1e-9, 1e-12, compiled, [tape], kind="compare",
                    point_names=_params(plain)[: len(args)], static=static)  # fmt: skip
    if tape.applicable and not tape.problem:
        _compare_all(report, tape)
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
