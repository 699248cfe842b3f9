"""The course's examples (issue 12) run as a user runs them, in fast mode, and print results that are right.

Each example asserts its own checks (the gradient against the closed form and the tape engine); here the numbers
it prints are parsed and checked again, independently of the example's own asserts. Times are never asserted.
"""

from __future__ import annotations

import math
import re

from test_examples_more import floats_after, run_example


def test_linear_regression_gradient_is_the_closed_form_and_training_reaches_least_squares():
    out = run_example("linear_regression.py")
    compiled = [float(v) for v in re.findall(r"compiled dL/dw = (\S+), dL/db = (\S+)", out)[0]]
    closed = [float(v) for v in re.search(r"closed form\s+(\S+),\s+(\S+)", out).groups()]
    assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(compiled, closed, strict=True))
    fitted = [float(v) for v in re.search(r"fitted:\s+w = (\S+), b = (\S+)", out).groups()]
    least = [float(v) for v in re.search(r"least squares: w = (\S+), b = (\S+)", out).groups()]
    assert fitted == least  # printed to 6 decimals


def test_logistic_regression_agrees_with_the_closed_form_and_the_tape():
    out = run_example("logistic_regression.py")
    rows = re.findall(r"(compiled|closed form|tape engine) w \[(\S+), (\S+)\], b (\S+)", out)
    assert [r[0] for r in rows] == ["compiled", "closed form", "tape engine"]
    compiled, *references = ([float(v) for v in r[1:]] for r in rows)
    for reference in references:
        assert all(math.isclose(a, b, rel_tol=1e-9) for a, b in zip(compiled, reference, strict=True))
    assert floats_after("final accuracy", out)[0] >= 0.9


def test_micrograd_classes_compiled_and_tape_give_the_same_loss_curve():
    out = run_example("micrograd_classes.py")
    assert "model_layers_0_neurons_0_w_0" in out  # the generated code names weights by their paths
    rows = re.findall(r"^\s*(\d+)\s+(\d+\.\d+)\s+(\d+\.\d+)$", out, re.M)
    assert len(rows) >= 5
    for _, compiled, tape in rows:
        assert math.isclose(float(compiled), float(tape), rel_tol=1e-11)
    assert float(rows[-1][1]) < float(rows[0][1])
    assert "the same loss curve" in out


def test_spiral_classes_gradient_matches_the_tape_before_and_after_training():
    out = run_example("spiral_classes.py")
    differences = floats_after("max rel difference", out)
    assert len(differences) == 2 and max(differences) <= 1e-9
    losses = floats_after("mean loss", out)
    assert losses[-1] < losses[0]


def test_the_models_benchmark_checks_its_columns_agree():
    import pathlib
    import subprocess
    import sys

    root = pathlib.Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, str(root / "benchmarks" / "models.py"), "--rounds", "1"],
                            capture_output=True, text=True, cwd=root, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr  # it asserts bit-identical gradients before timing
    assert "| class (specialized on structure) |" in result.stdout and "| ndarray |" in result.stdout


def test_digits_trains_a_softmax_mlp_whose_gradient_matches_the_tape():
    out = run_example("digits.py")
    assert floats_after("max rel difference", out)[0] <= 1e-9
    before = floats_after("test accuracy before training:", out)[0]
    final = floats_after("final test accuracy:", out)[0]
    assert final >= 0.85 > before  # 480 images, 8 epochs; the full run reaches 0.93 and more
    losses = floats_after("mean loss", out)
    assert losses[-1] < losses[0] / 3
    assert "s per 1,000 images" in out and "measured on 1 batch of 32 only" in out
