"""The persistent compile cache, measured: the time of the first call in a fresh process, with an empty cache
(compiles and stores) and then with the stored module (a second process), for the spiral example's specialized
loss (105 weights, 300 samples) and the 10,000-step chain; beside it, the decorator's own time (the language
check of the function's body, which runs either way).

Run from the repository root:  python benchmarks/cache.py [--rounds N]
Each round uses a new cache directory; medians over the rounds are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SPIRAL = """
import sys, time
sys.path.insert(0, {examples!r})
import spiral
from symgrad import value_and_grad
import math, random
data = spiral.make_spirals()
xs = [[x1, x2] for x1, x2, _ in data]
ys = [y for _, _, y in data]
rng = random.Random(0)
params = [rng.gauss(0.0, 1.0 / math.sqrt(fan_in)) for fan_in in spiral.fan_ins()]
start = time.perf_counter()
f = value_and_grad(spiral.loss, wrt=["params"], specialize=True)
decorated = time.perf_counter()
f(params, xs, ys)
print(decorated - start, time.perf_counter() - decorated)
"""

CHAIN = """
import sys, time, importlib.util
sys.path.insert(0, {benchmarks!r})
import cases
path = {path!r}
with open(path, "w") as out:
    out.write(cases.HEADER + cases.chain_source(10_000, False))
spec = importlib.util.spec_from_file_location("chain10000", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
from symgrad import value_and_grad
start = time.perf_counter()
f = value_and_grad(module.f)
decorated = time.perf_counter()
f(0.3, 0.5)
print(decorated - start, time.perf_counter() - decorated)
"""


def seconds(script: str, cache_dir: str) -> tuple[float, float]:
    """(decoration, first call) in a fresh process."""
    env = {**os.environ, "SYMGRAD_CACHE": "1", "SYMGRAD_CACHE_DIR": cache_dir}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    decoration, first_call = result.stdout.strip().splitlines()[-1].split()
    return float(decoration), float(first_call)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as work:
        scripts = {
            "spiral loss, specialized (300 samples)": SPIRAL.format(examples=os.path.join(ROOT, "examples")),
            "10,000-step chain": CHAIN.format(
                benchmarks=os.path.join(ROOT, "benchmarks"), path=os.path.join(work, "chain10000.py")
            ),
        }
        print("| function | decoration (language check) | first call, empty cache (compile + store) "
              "| first call, second process (cached) | ratio |")  # fmt: skip
        print("|---|---:|---:|---:|---:|")
        for label, script in scripts.items():
            decorations, cold, warm = [], [], []
            for r in range(rounds):
                cache_dir = os.path.join(work, f"{len(label)}-{r}")
                decoration, first = seconds(textwrap.dedent(script), cache_dir)
                decorations.append(decoration)
                cold.append(first)
                warm.append(seconds(textwrap.dedent(script), cache_dir)[1])
            d, c, w = statistics.median(decorations), statistics.median(cold), statistics.median(warm)
            print(f"| {label} | {d:.3f} s | {c:.3f} s | {w:.3f} s | {w / c:.1%} |")


if __name__ == "__main__":
    main()
