"""Second derivatives and forward mode, measured side by side in one run (the higher-order issue's table).

- Hessians of B1, B3, B4, B5 and of the 10-dimensional Rosenbrock function: symgrad's `hessian` (forward over
  reverse) against a hand-written Hessian where one is practical (B1, B3, Rosenbrock in plain Python, and
  SciPy's hand-written NumPy `rosen_hess`), and SymPy's `hessian` + `lambdify(cse=True)` (compile time beside
  it; given up after SYMPY_TIMEOUT seconds). JAX and torch columns appear only when they are installed.
- `hvp` against `value_and_grad` of the same function (B3, B4, B5): the issue's target is at most 3x.
- B6 (the 500-term polynomial, one input) with `mode="forward"` against the hand-written fused reference
  (target at most 1.10x) and against reverse mode.
Every result is checked against a reference before it is timed. Times are medians of interleaved rounds
(per call, microseconds); ratios are taken within one run.

Run:  python benchmarks/higher.py [--quick]
"""

from __future__ import annotations

import argparse
import math
import os
import pathlib
import signal
import statistics
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("SYMGRAD_CACHE", "0")  # measure compiling, not the persistent cache

import cases as case_defs  # noqa: E402

from symgrad import hessian, hvp, value_and_grad  # noqa: E402

SYMPY_TIMEOUT = 120


def per_call(functions: dict, args_of: dict, rounds: int, number: int) -> dict:
    """Median time per call (µs) of each function, rounds interleaved so load affects all alike."""
    samples = {name: [] for name in functions}
    for _ in range(rounds):
        for name, fn in functions.items():
            args = args_of[name]
            start = time.perf_counter()
            for _ in range(number):
                fn(*args)
            samples[name].append((time.perf_counter() - start) / number * 1e6)
    return {name: statistics.median(ts) for name, ts in samples.items()}


def flat(x) -> list:
    if isinstance(x, list | tuple):
        return [v for item in x for v in flat(item)]
    return [float(getattr(x, "item", lambda: x)())] if not isinstance(x, float | int) else [float(x)]


def agree(a, b, rtol=1e-9, atol=1e-12) -> bool:
    fa, fb = flat(a), flat(b)
    return len(fa) == len(fb) and all(
        abs(p - q) <= atol + rtol * max(abs(p), abs(q)) for p, q in zip(fa, fb, strict=True)
    )


class Timeout(Exception):
    pass


def sympy_hessian(fun_poly, n_args: int):
    """SymPy's Hessian of the polymorphic build, lambdified with CSE: (callable, compile seconds) or (None, reason)."""
    import sympy

    def alarm(*_):
        raise Timeout

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(SYMPY_TIMEOUT)
    start = time.perf_counter()
    try:
        symbols = sympy.symbols(f"s0:{n_args}", real=True)
        expr = fun_poly(*symbols)
        h = sympy.hessian(expr, symbols)
        fn = sympy.lambdify(symbols, h.tolist(), modules="math", cse=True)
        return fn, time.perf_counter() - start
    except Timeout:
        return None, f"gave up after {SYMPY_TIMEOUT} s"
    except RecursionError:
        return None, f"RecursionError after {time.perf_counter() - start:.0f} s"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


B1_HAND = """
def hand_hessian(x, y):
    t = tanh(x * y + 3.0)
    s = 1.0 - t * t
    q = 2.0 * (s * s - 2.0 * t * t * s)
    fxx = q * y
    fxy = q * x
    fyy = q * x * x / y - 4.0 * t * s * x / (y * y) + 2.0 * t * t / (y * y * y)
    return ((fxx, fxy), (fxy, fyy))
"""

B3_HAND = """
def hand_hessian(x1, x2, x3, x4, x5, x6, x7, w1, w2, w3, w4, w5, w6, w7, b):
    o = tanh(x1 * w1 + x2 * w2 + x3 * w3 + x4 * w4 + x5 * w5 + x6 * w6 + x7 * w7 + b)
    f1 = 1.0 - o * o
    f2 = -2.0 * o * f1
    d = (w1, w2, w3, w4, w5, w6, w7, x1, x2, x3, x4, x5, x6, x7, 1.0)
    rows = []
    for a in range(15):
        da = f2 * d[a]
        row = [da * d[c] for c in range(15)]
        if a < 7:
            row[a + 7] += f1
        elif a < 14:
            row[a - 7] += f1
        rows.append(tuple(row))
    return tuple(rows)
"""

ROSENBROCK = """
def f(xs):
    total = 0.0
    for i in range(len(xs) - 1):
        total = total + 100.0 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1.0 - xs[i]) ** 2
    return total


def hand_hessian(xs):
    n = len(xs)
    h = [[0.0] * n for _ in range(n)]
    for i in range(n - 1):
        h[i][i] += 1200.0 * xs[i] * xs[i] - 400.0 * xs[i + 1] + 2.0
        h[i + 1][i + 1] += 200.0
        h[i][i + 1] = h[i + 1][i] = -400.0 * xs[i]
    return h
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    options = parser.parse_args()
    rounds, number = (3, 20) if options.quick else (9, 200)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="symgrad-bench-higher-"))
    by_key = {c.key: c for c in case_defs.cases()}
    print("Hessians (per call, µs; compile in s)")
    print(f"{'case':<34} {'compile':>8} {'symgrad':>9} {'hand':>9} {'ratio':>6} {'SymPy':>9} {'SymPy compile':>14}")
    rows = []
    for key, extra in [("B1", B1_HAND), ("B3", B3_HAND), ("B4", ""), ("B5", "")]:
        case = by_key[key]
        case.source = case.source + extra
        funcs = case.load(tmp)
        start = time.perf_counter()
        h = hessian(funcs["f"])
        want = h(*case.args)
        compile_s = time.perf_counter() - start
        timed = {"symgrad": h}
        hand = funcs["f"].__globals__.get("hand_hessian")
        if hand is not None:
            assert agree(hand(*case.args), want), (key, "hand-written Hessian disagrees")
            timed["hand"] = hand
        sym, sym_compile = sympy_hessian(funcs["poly"], len(case.args))
        if sym is not None:
            assert agree(sym(*case.args), want, rtol=1e-8), (key, "SymPy disagrees")
            timed["sympy"] = sym
        calls = number if key != "B4" else max(1, number // 10)
        t = per_call(timed, {name: case.args for name in timed}, rounds, calls)
        ratio = f"{t['symgrad'] / t['hand']:.2f}" if "hand" in t else "-"
        sym_text = f"{t['sympy']:.1f}" if "sympy" in t else "-"
        sc = f"{sym_compile:.1f} s" if sym is not None else sym_compile
        hand_text = f"{t['hand']:.1f}" if "hand" in t else "-"
        print(f"{key + ' ' + case.title[:30]:<34} {compile_s:>8.2f} {t['symgrad']:>9.1f} {hand_text:>9} {ratio:>6} "
              f"{sym_text:>9} {sc:>14}")  # fmt: skip
        rows.append(key)

    # 10-dimensional Rosenbrock: symgrad, plain-Python hand-written, SciPy's NumPy rosen_hess, SymPy
    path = tmp / "bench_rosenbrock.py"
    path.write_text(ROSENBROCK)
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_rosenbrock", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    xs = [1.3, 0.7, 0.8, 1.9, 1.2, -0.5, 0.4, 1.1, 0.9, 1.5]
    start = time.perf_counter()
    h = hessian(mod.f)
    want = h(xs)
    compile_s = time.perf_counter() - start
    assert agree(mod.hand_hessian(xs), want)
    timed = {"symgrad": h, "hand": mod.hand_hessian}
    args_of = {"symgrad": (xs,), "hand": (xs,)}
    try:
        import numpy as np
        from scipy.optimize import rosen_hess

        x_np = np.array(xs)
        assert agree(rosen_hess(x_np).tolist(), want)
        timed["scipy"] = rosen_hess
        args_of["scipy"] = (x_np,)
    except ImportError:
        pass
    sym, sym_compile = sympy_hessian(lambda *s: mod.f(list(s)), len(xs))
    if sym is not None:
        timed["sympy"] = sym
        args_of["sympy"] = tuple(xs)
    t = per_call(timed, args_of, rounds, number)
    scipy_text = f"{t['scipy']:.1f}" if "scipy" in t else "-"
    print(f"{'Rosenbrock 10-D':<34} {compile_s:>8.2f} {t['symgrad']:>9.1f} {t['hand']:>9.1f} "
          f"{t['symgrad'] / t['hand']:>6.2f} {t.get('sympy', float('nan')):>9.1f} {sym_compile:>12.1f} s"
          f"   (SciPy rosen_hess, NumPy: {scipy_text})")  # fmt: skip

    print("\nHessian-vector products against value_and_grad (per call, µs)")
    print(f"{'case':<34} {'value_and_grad':>15} {'hvp':>9} {'ratio':>6}")
    for key in ("B3", "B4", "B5"):
        case = by_key[key]
        funcs = case.functions
        vg = value_and_grad(funcs["f"])
        hv = hvp(funcs["f"])
        vector = tuple(0.1 * (i % 7 - 3) for i in range(len(case.args)))
        full = hessian(funcs["f"])(*case.args)
        want = [sum(row[k] * vector[k] for k in range(len(vector))) for row in full]
        assert agree(hv(*case.args, vector=vector), want, rtol=1e-9, atol=1e-12)
        hv_call = lambda *a, _hv=hv, _v=vector: _hv(*a, vector=_v)  # noqa: E731
        t = per_call({"vg": vg, "hvp": hv_call}, {"vg": case.args, "hvp": case.args}, rounds, number)
        print(f"{key + ' ' + case.title[:30]:<34} {t['vg']:>15.1f} {t['hvp']:>9.1f} {t['hvp'] / t['vg']:>6.2f}")

    print("\nB6, one input: forward mode against the hand-written reference (per call, µs)")
    case = by_key["B6"]
    funcs = case.load(tmp)
    fwd = value_and_grad(funcs["f"], mode="forward")
    rev = value_and_grad(funcs["f"])
    hand = funcs["hand"]
    assert agree(fwd(*case.args), hand(*case.args), rtol=1e-12) and agree(rev(*case.args), hand(*case.args), rtol=1e-12)
    t = per_call({"hand": hand, "forward": fwd, "reverse": rev}, {k: case.args for k in ("hand", "forward", "reverse")},
                 rounds, number)  # fmt: skip
    print(f"hand {t['hand']:.1f}   forward {t['forward']:.1f} ({t['forward'] / t['hand']:.2f}x)   "
          f"reverse {t['reverse']:.1f} ({t['reverse'] / t['hand']:.2f}x)")  # fmt: skip
    for name in ("jax", "torch"):
        try:
            __import__(name)
            print(f"{name} is installed but not measured here yet")
        except ImportError:
            print(f"{name}: not installed, not measured")
    print(f"(rounds={rounds}, calls per round={number}; Python {sys.version.split()[0]}; math check: {math.pi:.3f})")


if __name__ == "__main__":
    main()
