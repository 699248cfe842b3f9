"""The benchmark suite runs (quick mode) and every column agrees with the hand-written reference. No time is
asserted: the figures live in benchmarks/results.md and the README."""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_quick_benchmark_run_produces_every_table(tmp_path):
    out = tmp_path / "results.md"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--output", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "DISAGREES" not in result.stderr, result.stderr  # every timed column matched the reference first
    text = out.read_text()
    for key in ("B1", "B2", "B3", "B4", "B5", "B6"):
        row = next(line for line in text.splitlines() if line.startswith(f"| {key} "))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert all("x)" in c for c in cells[1:6]), row  # plain, hand, symgrad, symgrad fn, tape: all timed
    assert "B4 from decorator to first result" in text and "| 1,000 |" in text
