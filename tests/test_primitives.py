"""User-defined primitives (`symgrad.primitive`, `.defderivative`): gradients against mpmath finite differences and
the tape and SymPy (which differentiate the primitive's forward body, never the user's derivative), the printed
module (golden), standalone export, second derivatives through the user's derivative, and the errors."""

from __future__ import annotations

import math
import os
import pathlib
import subprocess
import sys
import textwrap

import mpmath
import primitive_corpus as pc
import pytest

import symgrad
from symgrad import GradientMismatch, SymgradError, UnsupportedSyntax, check, grad, value_and_grad
from symgrad.derivatives import Request
from symgrad.ops import REGISTRY, tangent_rule
from symgrad.pipeline import compile_chain

GOLDEN = pathlib.Path(__file__).parent / "golden"
UPDATE = os.environ.get("SYMGRAD_UPDATE_GOLDEN") == "1"
CORPUS = pathlib.Path(pc.__file__).name


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text)
    assert path.exists(), f"missing golden file {path}; run with SYMGRAD_UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text(), f"{name} changed; review the diff and regenerate if it is intended"


# --- gradients -----------------------------------------------------------------------------------------------

CASES = [
    ("uses_softplus", (0.7, -1.3)),
    ("uses_softplus", (-30.0, 0.5)),
    ("uses_scaled", (0.3, 1.7)),
    ("uses_branchy", (0.5, 1.5)),
    ("uses_branchy", (-0.5, 1.5)),
    ("in_a_loop", ([0.5, -1.0, 2.0], 0.8)),
    ("uses_nested", (0.4,)),
    ("uses_softplus2", (0.6, -0.9)),
    ("names_like_ours", (0.2,)),
    ("constant_arguments", (1.1,)),
]


@pytest.mark.parametrize(("name", "point"), CASES)
def test_gradient_agrees_with_finite_differences_tape_and_sympy(name, point):
    """The tape and SymPy run the primitive's forward body (their own derivative rules): they check the
    user's derivative, as mpmath's differences of the forward do."""
    fun = getattr(pc, name)
    report = check(fun, *point, fd=True)
    assert "mpmath-fd" in report.compared and "tape" in report.compared


def test_second_derivatives_go_through_the_users_derivative():
    """Forward over reverse (a Hessian) differentiates the spliced derivative IR; its values are mpmath's second
    differences of the forward at 40 digits."""
    mpmath.mp.dps = 40

    def reference(x, y):
        z = mpmath.log1p(mpmath.exp(x))
        t = z * y
        return (t * t + z) / y

    hessian = compile_chain(pc.uses_scaled, (Request("hessian", (0, 1), False),)).function(0.3, 1.7)
    for i, j in ((0, 0), (0, 1), (1, 1)):
        order = (2 - i - j, i + j) if i != j else ((2, 0) if i == 0 else (0, 2))
        expected = float(mpmath.diff(reference, (mpmath.mpf("0.3"), mpmath.mpf("1.7")), order))
        assert hessian[i][j] == pytest.approx(expected, rel=1e-12)
    assert hessian[0][1] == pytest.approx(hessian[1][0], rel=1e-14)


def test_a_derivative_that_is_a_primitive_is_differentiated_by_its_own_derivative():
    # softplus2' is the primitive logistic, whose derivative is s * (1 - s): the second derivative in x is
    # y*y * s * (1 - s) at s = logistic(x * y)
    hessian = compile_chain(pc.uses_softplus2, (Request("hessian", (0,), True),)).function(0.6, -0.9)
    s = 1.0 / (1.0 + math.exp(-0.6 * -0.9))
    assert hessian == pytest.approx(0.81 * s * (1.0 - s), rel=1e-14)


def test_forward_mode_uses_the_rules_summed_and_agrees_with_reverse_mode():
    reverse = value_and_grad(pc.uses_scaled)(0.3, 1.7)
    forward = compile_chain(pc.uses_scaled, (Request("value_and_grad", (0, 1), False),), mode="forward")
    value, grads = forward.value_and_grad(0.3, 1.7)
    assert value == reverse[0]
    assert grads == pytest.approx(reverse[1], rel=1e-15)
    assert tangent_rule(REGISTRY[pc.scaled.op]) is not None  # one rule per op, derived from the adjoints


def test_a_primitive_without_derivative_compiles_where_it_is_not_differentiated():
    assert grad(pc.without_derivative_not_differentiated, wrt="x")(2.0, 0.5) == 0.25


def test_a_wrong_derivative_is_a_mismatch():
    with pytest.raises(GradientMismatch) as caught:
        check(pc.uses_wrong, 0.3, fd=True)
    compared = {c.reference for c in caught.value.report.comparisons if c.quantity == "x" and not c.ok}
    assert compared == {"tape", "sympy", "mpmath-fd"}


def test_constant_arguments_are_folded_with_the_forward():
    f = grad(pc.constant_arguments)
    assert f"{math.log1p(math.exp(2.0))!r} * x" in f.source and "def softplus(" not in f.source
    assert f(1.1) == pytest.approx(math.log1p(math.exp(2.0)) + 2 * 1.1 * 3 * 3 + 1.0, rel=1e-15)


# --- the printed module ----------------------------------------------------------------------------------------


def test_generated_module_and_ir_match_golden():
    check_golden("primitive_softplus.py.txt", grad(pc.uses_softplus).source)
    check_golden("primitive_softplus.ir.txt", str(grad(pc.uses_softplus).ir))
    check_golden("primitive_branchy.py.txt", grad(pc.uses_branchy).source)


def test_pasted_functions_are_compiled_forwards_with_the_modules_names():
    source = grad(pc.uses_nested).source
    # the primitive called inside a primitive is pasted once; the helper is inlined; math is imported once
    assert source.count("def softplus(") == 1 and source.count("def nested(") == 1
    code = [line for line in source.splitlines() if not line.lstrip().startswith(("#", '"""'))]
    assert not any("_square" in line or "import math" in line or "symgrad" in line for line in code)
    assert "from math import exp, log1p" in source


def test_names_stay_collision_free():
    source = grad(pc.names_like_ours).source
    compile(source, "<test>", "exec")
    namespace: dict = {}
    exec(source, namespace)
    assert namespace["names_like_ours_grad"](0.2) == pytest.approx(3.0 / (1.0 + math.exp(-0.6)) + 3.0, rel=1e-15)
    assert "def out(" in source and "out_1 = " in source  # the module's `out` steps aside for the primitive


def test_output_is_byte_identical_across_processes():
    code = "import primitive_corpus as pc, symgrad\nprint(symgrad.grad(pc.in_a_loop).source)"
    env = {**os.environ, "PYTHONPATH": str(pathlib.Path(__file__).parent)}
    runs = [
        subprocess.run([sys.executable, "-c", code], env={**env, "PYTHONHASHSEED": seed}, capture_output=True,
                       text=True, check=True).stdout
        for seed in ("1", "2")
    ]  # fmt: skip
    assert runs[0] == runs[1] == grad(pc.in_a_loop).source + "\n"


def test_exported_module_runs_where_symgrad_cannot_be_imported(tmp_path):
    f = value_and_grad(pc.uses_scaled)
    f.export(tmp_path / "scaled_grad.py")
    script = textwrap.dedent(
        """
        try:
            import symgrad
        except ImportError:
            pass
        else:
            raise SystemExit("symgrad is importable here: the test proves nothing")
        import scaled_grad
        print(repr(scaled_grad.uses_scaled_value_and_grad(0.3, 1.7)))
        """
    )
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n{script}"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(f(0.3, 1.7))


# --- the oracles see the forward ----------------------------------------------------------------------------


def test_to_sympy_expands_the_forward():
    expr, symbols = symgrad.to_sympy(pc.uses_softplus)
    x, w = symbols
    value = float(expr.subs({x: 0.7, w: -1.3}))
    assert value == pytest.approx(pc.uses_softplus(0.7, -1.3), rel=1e-14)


def test_a_primitive_is_called_as_its_forward():
    assert pc.softplus(0.5) == math.log1p(math.exp(0.5))
    assert pc.softplus.__name__ == "softplus" and "softplus(x)" in repr(pc.softplus)
    assert " at 0x" not in repr(pc.softplus)


# --- errors ----------------------------------------------------------------------------------------------------


def _line_of(text: str) -> int:
    lines = pathlib.Path(pc.__file__).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def test_differentiating_a_primitive_without_derivative_is_an_error_at_the_call():
    with pytest.raises(UnsupportedSyntax) as caught:
        _ = grad(pc.uses_without_derivative).source
    error = caught.value
    assert error.lineno == _line_of("return without_derivative(x) + 1.0")
    assert "has no derivative" in str(error) and "@without_derivative.defderivative" in error.hint
    assert os.path.basename(error.filename) == CORPUS


def test_a_derivative_of_the_wrong_arity_is_refused_at_defderivative():
    with pytest.raises(SymgradError, match=r"takes 1 parameter \(x\); it must take the primitive's 2 \(a, b\)"):

        @pc.short.defderivative
        def _(x):
            return x

    with pytest.raises(SymgradError, match="plain positional parameters"):

        @pc.softplus.defderivative
        def _(x=1.0):
            return x


def test_a_derivative_returning_the_wrong_number_of_partials_is_an_error_at_its_def():
    with pytest.raises(UnsupportedSyntax) as caught:
        _ = grad(pc.uses_short).source
    error = caught.value
    assert "returns one number; it must return a tuple of 2 numbers" in str(error)
    assert error.lineno == _line_of("return b  # one partial for two arguments") - 1


def test_a_primitive_whose_body_is_outside_the_language_is_refused_at_the_decorator():
    with pytest.raises(UnsupportedSyntax) as caught:

        @symgrad.primitive
        def noisy(x):
            print(x)
            return x

    assert caught.value.lineno == noisy_line() and "print" in str(caught.value)


def noisy_line() -> int:
    lines = pathlib.Path(__file__).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip() == "print(x)")


def test_a_recursive_primitive_is_refused():
    with pytest.raises(UnsupportedSyntax, match="calls itself"):
        _ = grad(pc.uses_selfish).source


def test_only_plain_functions_become_primitives():
    with pytest.raises(SymgradError, match="plain function"):
        symgrad.primitive(math.exp)
    with pytest.raises(SymgradError, match="plain function"):
        pc.softplus.defderivative(math.exp)
