"""How `check` and `checking_higher` compare numbers and time calls: one definition for both checkers.

Guarantees: `agree` is rtol/atol closeness relative to the reference, where nan agrees only with nan and an
infinity only with itself; `errors` gives (absolute, relative) errors, infinite where the two disagree on a
nan or an infinity; `to_float` turns an mpmath result into a float and refuses a complex one (a value that is
not real there); `time_per_call` doubles the number of calls until they take `budget` seconds. `Comparison` is
one number beside a reference's, `Verdict` says whether a report is ok, and `fail` raises the error for one
that is not, the same way for both checkers.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from .errors import CheckInconclusive, GradientMismatch


def agree(a: float, b: float, rtol: float, atol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b)


def errors(a: float, b: float) -> tuple[float, float]:
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return (0.0, 0.0) if agree(a, b, 0.0, 0.0) else (math.inf, math.inf)
    diff = abs(a - b)
    return diff, (diff / abs(b) if b != 0 else (0.0 if diff == 0 else math.inf))


def to_float(number) -> float:
    import mpmath

    if isinstance(number, mpmath.mpc):
        if number.imag != 0:
            raise ValueError(f"complex result {number}")
        number = number.real
    return float(number)


def time_per_call(call, budget: float) -> float:
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            call()
        elapsed = time.perf_counter() - start
        if elapsed >= budget or number >= 1 << 20:
            return elapsed / number
        number *= 2


__all__ = ["agree", "errors", "time_per_call", "to_float"]


@dataclass
class Comparison:
    """One number of the compiled result beside a reference's."""

    reference: str
    quantity: str  # what it is: "value", a parameter's name (`check`), an entry's label (`d2f/dxdy`)
    compiled: float
    expected: float
    abs_error: float
    rel_error: float
    ok: bool


class Verdict:
    """What both checkers' reports share: the verdict from their `references`, `comparisons` and `compared`
    (the references that compared every entry)."""

    @property
    def ok(self) -> bool:
        """No reference disagrees or failed at the point, and at least one compared everything."""
        failed_refs = [r for r in self.references if r.applicable and r.problem]
        return bool(self.compared) and not failed_refs and all(c.ok for c in self.comparisons)

    def max_errors(self) -> dict[str, tuple[float, float]]:
        """Per reference: (max abs error, max rel error) over every entry compared."""
        out = {}
        for ref in self.references:
            rows = [c for c in self.comparisons if c.reference == ref.source]
            if rows:
                out[ref.source] = (max(c.abs_error for c in rows), max(c.rel_error for c in rows))
        return out


def fail(report, references, name: str, noun: str, quantity=str):
    """Raise, for a `report` that is not ok: GradientMismatch at its first disagreement (`quantity` words what
    disagrees), else at the first reference that failed at the point; CheckInconclusive where no reference
    could compare at all (`noun`: what could not be checked). Both carry the report as `.report`."""
    first = next((c for c in report.comparisons if not c.ok), None)
    failed = next((r for r in references if r.applicable and r.problem), None)
    if first is not None:
        message = (
            f"{name}: {quantity(first.quantity)} is {first.compiled!r} compiled but {first.expected!r} by the "
            f"{first.reference} reference (abs error {first.abs_error:.3g}, rel error {first.rel_error:.3g})"
        )
    elif failed is not None:
        message = f"{name}: the {failed.source} reference failed at this point: {failed.problem}"
    else:
        reasons = "; ".join(f"{r.source}: {r.problem}" for r in references)
        error = CheckInconclusive(f"{name}: no reference could check the {noun} at this point ({reasons})\n{report}")
        error.report = report
        raise error
    error = GradientMismatch(message + "\n" + str(report))
    error.report = report
    raise error
