"""The `symgrad` command line (also `python -m symgrad`).

Guarantees: exit 0 on success, 1 when `check` finds a mismatch, 2 on bad usage or unsupported syntax (printed
like a compiler error: `file:line:col: message`, the line, a caret and the hint, on stderr). The target is named
`FILE.py:FUNC`; the file is imported as a module (its top level runs, as with `python FILE.py` minus the
`__main__` block).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys

from .api import GradFunction, export_text, value_and_grad
from .checking import check, compare
from .drawing import graph, render
from .errors import GradientMismatch, SymgradError


class UsageError(Exception):
    pass


def _load_target(target: str, wrt: str | None) -> GradFunction:
    path, sep, name = target.rpartition(":")
    if not sep or not path or not name:
        raise UsageError(f"expected FILE.py:FUNC, got {target!r}")
    if not os.path.isfile(path):
        raise UsageError(f"no such file: {path}")
    module_name = "symgrad_cli_" + "".join(c if c.isalnum() else "_" for c in os.path.abspath(path))
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec.loader.exec_module(module)
    obj = module
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            raise UsageError(f"{path} has no function {name!r}")
    fun = getattr(obj, "fun", obj)  # accept an already decorated function too
    wrt_spec = None if wrt is None else [w.strip() for w in wrt.split(",") if w.strip()]
    return value_and_grad(fun, wrt=wrt_spec)


def _show(args) -> int:
    compiled = _load_target(args.target, args.wrt)
    print(str(compiled.ir) if args.ir else compiled.source, end="")
    return 0


def _export(args) -> int:
    compiled = _load_target(args.target, args.wrt)
    export_text(compiled.source, args.output, overwrite=args.force)
    print(f"wrote {args.output}")
    return 0


def _point(args) -> list[float]:
    compiled = _load_target(args.target, None)
    n_params = len(compiled.wrt)
    if len(args.at) > n_params:
        raise UsageError(f"--at has {len(args.at)} numbers but {compiled.fun.__name__}() takes {n_params}")
    return compiled.fun, args.at


def _check(args) -> int:
    fun, point = _point(args)
    try:
        report = check(fun, *point, rtol=args.rtol, atol=args.atol, fd=args.fd)
    except GradientMismatch as exc:
        print(str(exc.report))
        print(f"symgrad: mismatch: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    print(report)
    return 0


def _compare(args) -> int:
    fun, point = _point(args)
    print(compare(fun, *point))
    return 0


def _graph(args) -> int:
    compiled = _load_target(args.target, args.wrt)
    at = args.at or ()
    if at and len(at) > len(compiled.wrt):
        raise UsageError(f"--at has {len(at)} numbers but {compiled.fun.__name__}() takes {len(compiled.wrt)}")
    print(render(graph(compiled, *at), args.output))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symgrad", description="Compile a plain Python function into standalone value-and-gradient code."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def target_command(name: str, help_text: str):
        command = commands.add_parser(name, help=help_text, description=help_text)
        command.add_argument("target", metavar="FILE.py:FUNC", help="the function to differentiate")
        command.add_argument("--wrt", help="comma-separated parameter names (default: all)")
        return command

    show = target_command("show", "print the generated module (or, with --ir, the IR)")
    show.add_argument("--ir", action="store_true", help="print the IR listing instead of the module")
    show.set_defaults(run=_show)
    export = target_command("export", "write the generated module to a file")
    export.add_argument("-o", "--output", required=True, metavar="OUT.py", help="where to write the module")
    export.add_argument("--force", action="store_true", help="overwrite a file symgrad did not generate")
    export.set_defaults(run=_export)

    def point_command(name: str, help_text: str):
        command = commands.add_parser(name, help=help_text, description=help_text)
        command.add_argument("target", metavar="FILE.py:FUNC", help="the function to differentiate")
        command.add_argument("--at", nargs="+", type=float, required=True, metavar="X", help="the point")
        return command

    check_command = point_command("check", "compare the compiled gradient with the tape engine and SymPy (exit 1 "
                                  "on a mismatch)")  # fmt: skip
    check_command.add_argument("--rtol", type=float, default=1e-9)
    check_command.add_argument("--atol", type=float, default=1e-12)
    check_command.add_argument("--fd", action="store_true", help="also mpmath finite differences")
    check_command.set_defaults(run=_check)
    point_command("compare", "compiled vs tape engine: results and time per call").set_defaults(run=_compare)
    graph_command = target_command("graph", "draw the forward and backward graph (SVG/PNG need Graphviz's dot)")
    graph_command.add_argument("--at", nargs="+", type=float, metavar="X", help="show data and grad at a point")
    graph_command.add_argument("-o", "--output", required=True, metavar="OUT.svg|OUT.png|OUT.dot")
    graph_command.set_defaults(run=_graph)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except UsageError as exc:
        print(f"symgrad: error: {exc}", file=sys.stderr)
        return 2
    except SymgradError as exc:
        print(str(exc), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
