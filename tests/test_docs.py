"""docs/api.md: every `python` block runs as a program of its own (as a file: symgrad reads source from files),
and every public name of symgrad is documented there."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

import pytest

import symgrad

DOC = pathlib.Path(__file__).resolve().parent.parent / "docs" / "api.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_reference_has_examples():
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_every_example_runs(tmp_path, number):
    path = tmp_path / f"example_{number}.py"
    path.write_text(BLOCKS[number], encoding="utf-8")
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, f"docs/api.md example {number} failed:\n{BLOCKS[number]}\n{result.stderr}"


@pytest.mark.parametrize("name", symgrad.__all__)
def test_every_public_name_is_documented(name):
    assert f"`{name}" in DOC.read_text(encoding="utf-8"), f"docs/api.md does not document symgrad.{name}"
