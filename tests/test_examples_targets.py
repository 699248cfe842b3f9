"""examples/many_points.py runs as a user runs it (fast mode) and its printed checks hold: the numpy target's
summed gradient equals a hand-written NumPy gradient, minimize reaches the same fit with either, and the numpy
and numba targets' per-sample gradients equal the Python target's. Times are printed, never asserted."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_many_points_example_agrees_with_its_references():
    environment = {**os.environ, "SYMGRAD_EXAMPLES_FAST": "1"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "many_points.py")],
        capture_output=True, text=True, cwd=ROOT, timeout=300, env=environment,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout

    def number(label: str) -> float:
        return float(re.search(rf"{re.escape(label)}\s*(-?[\d.]+(?:e[-+]?\d+)?)", out).group(1))

    assert number("from the hand-written one:") < 1e-12
    assert "success True" in out
    assert number("max difference between the fits:") < 1e-6
    fitted = [float(v) for v in re.search(r"fitted \(w0, w1, w2, b\) = \[([^\]]*)\]", out).group(1).split()]
    truth = (1.5, -2.0, 0.5, 0.3)  # what the data was made with: 10,000 rows estimate it to about 0.05
    assert all(abs(got - want) < 0.1 for got, want in zip(fitted, truth, strict=True)), fitted
    assert "10,000 rows" in out and "2,000 samples (gradients (2000, 41))" in out
    assert number("from the Python target at 20 samples:") < 1e-12
