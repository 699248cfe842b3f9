"""The examples beyond the quickstart run as a user runs them (fast mode), and print results that are right.

Each example's numbers are parsed from its output and checked here against hand-derived answers or against
the independent references the example prints beside them. Times are printed by the examples, never asserted.
"""

from __future__ import annotations

import math
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run_example(name: str, *args: str, env: dict[str, str] | None = None) -> str:
    environment = {**os.environ, "SYMGRAD_EXAMPLES_FAST": "1", "MPLBACKEND": "Agg", **(env or {})}
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env=environment,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def floats_after(label: str, text: str) -> list[float]:
    return [float(v) for v in re.findall(rf"{re.escape(label)}\s*(-?[\d.]+(?:e[-+]?\d+)?)", text)]


def test_seed_problems_answers_and_sweeps():
    out = run_example("seed_problems.py")
    answers = [dict(re.findall(r"d/d(\w+) = (-?[\d.e+-]+)", line)) for line in out.splitlines() if "answer:" in line]
    expected = [{"x": 6.0}, {"x": 192.0}, {"x": 4.0, "y": 6.0}, {"x": 3.0, "y": 2.0, "b": 1.0}]
    assert [{k: float(v) for k, v in a.items()} for a in answers] == expected
    assert out.count("-> OK") == 4 and out.count("tape and SymPy: OK") == 4
    assert "problem 2: f(x) = (x^2)^3 at x = 2" in out
    # The reverse sweep is the generated code's, in the user's names: x_bar for (x^2)^3, 2*x for x^2.
    problem2 = out.split("problem 2:")[1].split("problem 3:")[0]
    assert "  # x_bar\n" in problem2 and "# line " in problem2  # (x's gradient, printed in the return)
    assert "2.0 * x" in out.split("problem 2:")[0]
    assert out.rstrip().endswith("all four answers check")


def test_neuron_compiled_beside_the_tape():
    out = run_example("neuron.py")
    rows = {}
    for line in out.splitlines():
        match = re.match(r"^(value|d/d\w+)\s+(\S+)\s+(\S+)\s+\S+$", line)
        if match:
            rows[match[1]] = (float(match[2]), float(match[3]))
    assert set(rows) == {"value", "d/dx1", "d/dx2", "d/dw1", "d/dw2", "d/db"}
    for got, tape in rows.values():
        assert math.isclose(got, tape, rel_tol=1e-12, abs_tol=1e-15)
    # micrograd's lecture numbers: o = 0.7071, do/dn = 0.5, so dx1 = 0.5 * w1, dw1 = 0.5 * x1, dw2 = 0.5 * x2.
    expected = {"value": math.sqrt(0.5), "d/dx1": -1.5, "d/dx2": 0.5, "d/dw1": 1.0, "d/dw2": 0.0, "d/db": 0.5}
    for key, value in expected.items():
        assert math.isclose(rows[key][0], value, rel_tol=1e-12, abs_tol=1e-15), key
    # The generated lines are printed with their values and the tape's grad beside the returned gradients.
    assert re.search(r"\S+ \* w1,  # x1_bar\s+# -1\.4999999999999\d*\s+x1\.grad = -1\.4999999999999", out)
    assert "OK: the generated code and the tape engine agree" in out


def test_neuron_draws_its_graph(tmp_path):
    out = run_example("neuron.py", "--graph", str(tmp_path / "neuron.dot"))
    text = (tmp_path / "neuron.dot").read_text(encoding="utf-8")
    assert f"wrote {tmp_path / 'neuron.dot'}" in out
    assert text.startswith("// symgrad graph of neuron") and "grad 0.5000" in text


def test_train_mlp_curves_agree_and_the_loss_falls():
    out = run_example("train_mlp.py")
    curve = [
        (int(m[1]), float(m[2]), float(m[3]))
        for m in re.finditer(r"^\s*(\d+)\s+(\d\S*)\s+(\d\S*)\s+\S+$", out, re.MULTILINE)
    ]
    assert [step for step, _, _ in curve] == list(range(10))  # fast mode: 10 steps
    for _, compiled, tape in curve:
        assert math.isclose(compiled, tape, rel_tol=1e-12)
    losses = [compiled for _, compiled, _ in curve]
    assert losses[0] > 5.0 and losses[-1] < 0.3 * losses[0]
    (final,) = floats_after("final loss (after 10 steps):", out)
    assert final < losses[-1]
    assert re.search(r"speed-up \d+\.\dx", out)
    assert "41 weights" in out and "OK: the compiled and the tape loss curves agree" in out


def test_rosenbrock_both_reach_the_minimum_and_symgrad_needs_fewer_evaluations():
    out = run_example("rosenbrock_scipy.py")
    blocks = out.split("Rosenbrock from")[1:]
    assert len(blocks) == 2
    for block, n in zip(blocks, (2, 5), strict=True):
        (gradient_error,) = floats_after("(max abs difference", block)
        assert gradient_error < 1e-9
        runs = {}
        for line in block.splitlines():
            match = re.match(
                r"^\s+(symgrad jac=True|finite differences)\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+\s+\((.*?)\)", line
            )
            if match:
                point = [float(v) for v in match[5].split(", ")]
                runs[match[1]] = (int(match[2]), int(match[3]), point)
                assert "reached (1, ..., 1)" in line
        assert set(runs) == {"symgrad jac=True", "finite differences"}
        for _, _, point in runs.values():
            assert len(point) == n and max(abs(v - 1.0) for v in point) < 1e-4
        # SciPy's finite differences cost n extra evaluations per gradient; symgrad's cost none.
        assert runs["symgrad jac=True"][1] < runs["finite differences"][1]
    assert "OK: both reach the minimum" in out


def test_spiral_learns_and_saves_its_pictures(tmp_path):
    out = run_example("spiral.py", env={"SYMGRAD_EXAMPLES_OUT": str(tmp_path)})
    (accuracy,) = floats_after("final accuracy:", out)
    (before,) = floats_after("accuracy before training:", out)
    assert before <= 60.0
    assert accuracy >= 95.0  # measured in fast mode: 97.0% (100% in the full run)
    checks = [line for line in out.splitlines() if "generated gradient vs tape engine" in line]
    assert len(checks) == 2  # before and after training, each on the whole data set
    for line in checks:
        assert float(line.rsplit(" ", 1)[1]) <= 1e-9
    # One function with loops, compiled once: the sample loop stays a loop, so the module does not grow with the
    # 300 samples (the layers unroll: about 33,500 characters)
    (size,) = floats_after("a generated module of", out)
    assert 0 < size < 40000
    assert "one gradient call on all 300 samples each" in out
    for name in ("spiral_loss.png", "spiral_boundary.png"):
        path = tmp_path / name
        assert f"saved {path}" in out
        data = path.read_bytes()
        assert data[:8] == PNG_MAGIC and len(data) > 5000
    assert "300 points" in out and "trained 300 steps" in out
