"""Paste real outputs into README.md between marker comments: the demo's generated module, and the benchmark
tables from benchmarks/results.md. Run from the repository root after changing the emitter or benchmarks:
    python scripts/sync_readme.py
tests/test_examples.py fails when the README's demo block differs from what the demo prints."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def demo_module() -> str:
    out = subprocess.run(
        [sys.executable, "examples/quickstart.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return out.split("--- f.source " + "-" * 60 + "\n")[1].split("\nvalue_and_grad(f")[0].rstrip("\n")


def replace_block(text: str, name: str, content: str) -> str:
    pattern = re.compile(rf"(<!-- {name} -->\n).*?(<!-- /{name} -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no <!-- {name} --> ... <!-- /{name} --> block")
    return pattern.sub(lambda m: m.group(1) + content + "\n" + m.group(2), text)


def main() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    text = replace_block(text, "demo-module", "```python\n" + demo_module() + "\n```")
    results = ROOT / "benchmarks" / "results.md"
    if results.exists() and "<!-- benchmarks -->" in text:
        text = replace_block(text, "benchmarks", results.read_text().rstrip("\n"))
    readme.write_text(text)


if __name__ == "__main__":
    main()
