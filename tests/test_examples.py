"""The examples run as a user runs them, and the README shows what the demo really prints."""

from __future__ import annotations

import math
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run_example(name: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name)], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_quickstart_prints_the_gradient_and_the_module():
    out = run_example("quickstart.py")
    first = out.splitlines()[0]
    assert first.startswith("f(1.0, 2.0): df/dx = ")
    dx = float(first.split("df/dx = ")[1].split(",")[0])
    t = math.tanh(1.0 * 2.0 + 3)
    assert math.isclose(dx, 2 * t * (1 - t * t), rel_tol=1e-14)
    assert "def f_value_and_grad(x, y):" in out and "exported to f_grad.py" in out
    assert "OK: every reference agrees" in out and "tape" in out and "sympy" in out


def test_readme_shows_the_demo_output_verbatim():
    out = run_example("quickstart.py")
    module = out.split("--- f.source " + "-" * 60 + "\n")[1].split("\nvalue_and_grad(f")[0].rstrip("\n")
    readme = (ROOT / "README.md").read_text()
    assert "```python\n" + module + "\n```" in readme, "README's generated module is stale: paste the demo's output"
    assert out.splitlines()[0] in readme


def test_readme_commands_are_the_contract():
    readme = (ROOT / "README.md").read_text()
    assert "pip install -e . && python examples/quickstart.py" in readme
    assert 'pip install -e ".[test]" && python -m pytest' in readme
    assert 'pip install -e ".[test]" && python -m pytest' in (ROOT / ".ci" / "run").read_text()
