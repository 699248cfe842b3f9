"""The `symgrad` command line (also `python -m symgrad`).

Guarantees: exit 0 on success; 1 when `check` finds a mismatch or could compare nothing (`CheckInconclusive`);
2 on bad usage (and any other error, never a raw traceback unless `--traceback` asks for it), printed as
`symgrad: error: <message>` and, where it helps, a `hint:` line, or on unsupported syntax, printed like a
compiler error (`file:line:col: message`, the line, a caret and the hint); all on stderr, ending in a newline.
The target is named `FILE.py:FUNC`; the file is imported as a module (its top level runs, as with
`python FILE.py` minus the `__main__` block). Points (`--at`) are Python literals, read with `ast.literal_eval`
and never evaluated as code: numbers, and lists, tuples and dicts of them, passed to the library as they are
(so list parameters work wherever the library's `check`, `compare` and `graph` take them).
Derivatives past the gradient mirror the Python API: `--hessian`, `--value-grad-hessian`, `--hvp`, `--jvp`,
`--jacobian`, `--value-and-jacobian` (with `--wrt`), and `--mode forward` for the gradient by forward sweeps,
on `show`, `export`, `check` and `compare`; `check`/`compare` of `--hvp`/`--jvp` take the direction as a
literal shaped like the gradient (`--vector`, `--tangent`).
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import inspect
import os
import sys
import traceback

from . import higher
from .api import export_text, value_and_grad
from .checking import check, compare
from .drawing import graph, render
from .errors import CheckInconclusive, GradientMismatch, SymgradError, UnsupportedSyntax

# --hessian etc.: the decorator, and the keyword its calls take (API.md, "Higher order ...")
DERIVATIVES = {
    "hessian": higher.hessian, "value_grad_hessian": higher.value_grad_and_hessian, "hvp": higher.hvp,
    "jvp": higher.jvp, "jacobian": higher.jacobian, "value_and_jacobian": higher.value_and_jacobian,
}  # fmt: skip
_AT_HINT = 'write each argument as a Python literal: --at 0.5 "[1.0, 2.0]" "{\'w\': [1.0]}"'
_MAX_LITERAL_SHOWN = 40


class UsageError(Exception):
    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors in symgrad's form (`symgrad: error: ...` and a hint) and exit code 2."""

    def error(self, message: str):
        self.exit(2, f"symgrad: error: {message}\nhint: see `{self.prog} --help`\n")


def _load_target(target: str, wrt: str | None, specialize: bool = False, derivative: str | None = None,
                 mode: str = "reverse"):  # fmt: skip
    """The compiled object: `value_and_grad` of the function (a GradFunction), or with `derivative` (a key of
    DERIVATIVES) or `mode="forward"` the `higher.Derivative` the Python API makes."""
    path, sep, name = target.rpartition(":")
    if not sep or not path or not name:
        raise UsageError(f"expected FILE.py:FUNC, got {target!r}", "name the file and the function: model.py:loss")
    if not os.path.isfile(path):
        raise UsageError(f"no such file: {path}")
    module = _import(path)
    obj = module
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            raise UsageError(f"{path} has no function {name!r}")
    fun = getattr(obj, "fun", obj)  # accept an already decorated function too
    wrt_spec = None
    if wrt is not None:
        wrt_spec = [w.strip() for w in wrt.split(",") if w.strip()]
        if not wrt_spec:
            raise UsageError(f"--wrt {wrt!r} names no parameter", "--wrt takes parameter names: --wrt x,ys")
        if len(wrt_spec) == 1 and derivative is not None:
            wrt_spec = wrt_spec[0]  # one name: a bare Hessian (a float for a scalar), as wrt="x" in Python
    if derivative is not None and mode == "forward":
        raise UsageError(f"--mode forward is for the gradient; --{derivative.replace('_', '-')} chooses its own "
                         "sweeps", "drop --mode, or drop the derivative flag")  # fmt: skip
    try:
        if derivative is not None:
            return DERIVATIVES[derivative](fun, wrt=wrt_spec)
        if mode == "forward":
            return higher.value_and_grad(fun, wrt=wrt_spec, mode="forward")
        return value_and_grad(fun, wrt=wrt_spec, specialize=specialize)
    except UnsupportedSyntax:
        raise
    except SymgradError as exc:
        if wrt_spec is not None and str(exc).startswith("wrt"):
            names = ", ".join(inspect.signature(fun).parameters) if callable(fun) else ""
            raise UsageError(
                f"--wrt {wrt}: {str(exc).partition(': ')[2]}", f"--wrt takes parameter names of {name}(): {names}"
            ) from None
        raise


def _made(args, wrt: str | None = None):
    """`_load_target` for a command's flags (`--hessian` ..., `--mode`)."""
    return _load_target(args.target, wrt, getattr(args, "specialize", False), args.derivative, args.mode)


def _import(path: str):
    module_name = "symgrad_cli_" + "".join(c if c.isalnum() else "_" for c in os.path.abspath(path))
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot import {path}", "name a Python source file (FILE.py)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        spec.loader.exec_module(module)
    except SymgradError:
        raise  # e.g. unsupported syntax in a function decorated at the module's top level
    except SyntaxError as exc:
        raise UnsupportedSyntax(
            f"invalid Python: {exc.msg}", filename=exc.filename or path, lineno=exc.lineno or 1,
            col=max(0, (exc.offset or 1) - 1), text=exc.text or "", hint="symgrad reads Python source; fix the "
            "syntax error first",
        ) from None  # fmt: skip
    except Exception as exc:
        traceback.print_exc()
        hint = "symgrad runs the file's top level to find the function; fix the error above"
        raise UsageError(f"importing {path} raised {type(exc).__name__}: {exc}", hint) from None
    return module


def parse_literal(text: str, position: int):
    """One `--at` argument: a Python literal of numbers (and lists, tuples and dicts of them), never code.
    `inf` and `nan` are read as floats, as Python's float() reads them."""
    shown = text if len(text) <= _MAX_LITERAL_SHOWN else text[: _MAX_LITERAL_SHOWN - 3] + "..."
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        try:
            return float(text)  # inf, nan, -inf
        except ValueError:
            pass
        if isinstance(exc, SyntaxError):
            reason = f"it is not a Python literal ({exc.msg})"
        elif isinstance(exc, MemoryError | RecursionError):
            reason = "it is nested too deeply"
        else:
            reason = "it is not a Python literal (numbers, lists, tuples and dicts are read; code never runs)"
        raise UsageError(f"--at argument {position} ({shown!r}): {reason}", _AT_HINT) from None
    problem = _not_a_point(value)
    if problem:
        raise UsageError(f"--at argument {position} ({shown!r}): {problem}", _AT_HINT)
    return value


def _not_a_point(value) -> str:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, bool | int | float):
            continue
        if isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, dict):
            for key in item:
                if not isinstance(key, str):
                    return f"dict keys must be strings, not {type(key).__name__}"
            stack.extend(item.values())
        else:
            return f"a {type(item).__name__} is not a number, or a list, tuple or dict of numbers"
    return ""


def _point(fun, at: list[str]) -> list:
    values = [parse_literal(text, i) for i, text in enumerate(at, start=1)]
    signature = inspect.signature(fun)
    try:
        signature.bind(*values)
    except TypeError as exc:
        count, given = len(signature.parameters), len(values)
        raise UsageError(f"--at has {given} value{'' if given == 1 else 's'} but {fun.__name__}{signature} takes "
                         f"{count}: {exc}",
                         f"give one --at value per parameter of {fun.__name__}()") from None  # fmt: skip
    return values


def _module_of(args):
    """The compiled module to show or export: the general one, or with --specialize the one for the lengths
    of the lists in --at."""
    compiled = _made(args, args.wrt)
    if args.at and not args.specialize:
        raise UsageError("--at with show and export chooses a specialized module", "add --specialize")
    if not args.specialize:
        try:
            return compiled.compiled
        except SymgradError as exc:
            if isinstance(compiled, higher.Derivative) and "specialize" in str(exc):
                raise UsageError(str(exc).partition("\n")[0], "a Hessian or Jacobian over list elements needs "
                                 'their lengths: add --specialize --at "[1.0, 2.0]" ...') from None  # fmt: skip
            raise
    if not args.at:
        raise UsageError("--specialize needs --at: the lengths of the list arguments choose the module",
                         'give the point: --specialize --at 0.5 "[1.0, 2.0]"')  # fmt: skip
    return compiled.specialized(*_point(compiled.fun, args.at))


def _show(args) -> int:
    module = _module_of(args)
    print(str(module.ir) if args.ir else module.source, end="")
    return 0


def _export(args) -> int:
    module = _module_of(args)
    export_text(module.source, args.output, overwrite=args.force, how_to_force="pass --force")
    print(f"wrote {args.output}")
    return 0


def _direction(args, made) -> dict:
    """`vector=`/`tangent=` for check and compare of --hvp/--jvp, read as a literal shaped like the gradient."""
    keyword = higher.DIRECTION_KEYWORD.get(args.derivative or "")
    given = {"vector": args.vector, "tangent": args.tangent}
    for other, text in given.items():
        if text is not None and other != keyword:
            flag = "--hvp" if other == "vector" else "--jvp"
            raise UsageError(f"--{other} is the direction of {flag}", f"add {flag}, or drop --{other}")
    if keyword is None:
        return {}
    if given[keyword] is None:
        raise UsageError(f"--{args.derivative} needs --{keyword}: the direction, shaped like the gradient",
                         f'e.g. --{keyword} "(0.5, -1.0)" for two parameters, or --{keyword} "[1.0, 0.0]" '
                         "for one list parameter")  # fmt: skip
    return {keyword: _literal(given[keyword], f"--{keyword}")}


def _literal(text: str, flag: str):
    try:
        return parse_literal(text, 1)
    except UsageError as exc:
        raise UsageError(str(exc).replace("--at argument 1", flag, 1), exc.hint) from None


def _target_for_check(args):
    """What check and compare run on: the plain function (its gradient), or the derivative the flags name."""
    if args.derivative is None and args.mode == "reverse":
        if args.wrt is not None:
            raise UsageError("--wrt with check and compare goes with a derivative flag (--hessian, --jvp, ...) or "
                             "--mode forward", "check compares the gradient of every parameter: drop "
                             "--wrt")  # fmt: skip
        _direction(args, None)  # raises for a --vector or --tangent without its flag
        fun = _load_target(args.target, None).fun
        return fun, fun, {}
    made = _made(args, args.wrt)
    return made, made.fun, _direction(args, made)


def _check(args) -> int:
    made, fun, direction = _target_for_check(args)
    point = _point(fun, args.at)
    try:
        report = check(made, *point, rtol=args.rtol, atol=args.atol, fd=args.fd, **direction)
    except GradientMismatch as exc:
        print(str(exc.report))
        print(f"symgrad: mismatch: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    except CheckInconclusive as exc:
        report = getattr(exc, "report", None)
        if report is not None:
            print(str(report))
        message = str(exc).splitlines()[0] if report is not None else str(exc)
        print(f"symgrad: inconclusive: {message}", file=sys.stderr)
        print("hint: nothing was compared, so nothing is known; try --fd, or another point", file=sys.stderr)
        return 1
    print(report)
    return 0


def _compare(args) -> int:
    made, fun, direction = _target_for_check(args)
    print(compare(made, *_point(fun, args.at), **direction))
    return 0


def _graph(args) -> int:
    compiled = _load_target(args.target, args.wrt)
    at = _point(compiled.fun, args.at) if args.at else ()
    print(render(graph(compiled, *at), args.output))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="symgrad", description="Compile a plain Python function into standalone value-and-gradient code."
    )
    parser.add_argument("--traceback", action="store_true", help="show the Python traceback of an unexpected error")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    at_help = 'the point, one Python literal per parameter: 0.5 "[1.0, 2.0]" "{\'w\': [1.0]}"'

    def command(name: str, help_text: str, wrt: bool = True):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("target", metavar="FILE.py:FUNC", help="the function to differentiate")
        if wrt:
            sub.add_argument("--wrt", metavar="NAMES", help="comma-separated parameter names, list parameters "
                             "too (default: all)")  # fmt: skip
        return sub

    def derivative_flags(sub):
        kinds = sub.add_mutually_exclusive_group()
        for kind, doc in (("hessian", "the Hessian (forward over reverse)"),
                          ("value_grad_hessian", "value, gradient and Hessian from one function"),
                          ("hvp", "Hessian-vector products (check/compare: --vector)"),
                          ("jvp", "value and directional derivative (check/compare: --tangent)"),
                          ("jacobian", "the Jacobian of a function returning a tuple of numbers"),
                          ("value_and_jacobian", "values and Jacobian from one function")):  # fmt: skip
            kinds.add_argument(f"--{kind.replace('_', '-')}", dest="derivative", action="store_const", const=kind,
                               help=doc)  # fmt: skip
        sub.set_defaults(derivative=None)
        sub.add_argument("--mode", choices=higher.MODES, default="reverse",
                         help="the gradient by reverse (default) or forward (tangent) sweeps")  # fmt: skip

    def module_command(name: str, help_text: str):
        sub = command(name, help_text)
        derivative_flags(sub)
        sub.add_argument("--specialize", action="store_true", help="the module specialized for the lengths of "
                         "the lists in --at (as specialize=True)")  # fmt: skip
        sub.add_argument("--at", nargs="+", metavar="LITERAL", help="with --specialize: " + at_help)
        return sub

    show = module_command("show", "print the generated module (or, with --ir, the IR)")
    show.add_argument("--ir", action="store_true", help="print the IR listing instead of the module")
    show.set_defaults(run=_show)
    export = module_command("export", "write the generated module to a file")
    export.add_argument("-o", "--output", required=True, metavar="OUT.py", help="where to write the module")
    export.add_argument("--force", action="store_true", help="overwrite a file symgrad did not generate")
    export.set_defaults(run=_export)

    def direction_flags(sub):
        derivative_flags(sub)
        sub.add_argument("--vector", metavar="LITERAL", help="with --hvp: the vector, shaped like the gradient")
        sub.add_argument("--tangent", metavar="LITERAL", help="with --jvp: the direction, shaped like the gradient")

    check_command = command("check", "compare the compiled gradient (or, with --hessian ..., that derivative) "
                            "with independent references (exit 1 on a mismatch, or when nothing could be "
                            "compared)")  # fmt: skip
    direction_flags(check_command)
    check_command.add_argument("--at", nargs="+", required=True, metavar="LITERAL", help=at_help)
    check_command.add_argument("--rtol", type=float, default=1e-9)
    check_command.add_argument("--atol", type=float, default=1e-12)
    check_command.add_argument("--fd", action="store_true", help="also mpmath finite differences")
    check_command.set_defaults(run=_check)
    compare_command = command("compare", "compiled vs tape engine (a derivative flag: vs finite differences of "
                              "the compiled first-order code): results and time per call")  # fmt: skip
    direction_flags(compare_command)
    compare_command.add_argument("--at", nargs="+", required=True, metavar="LITERAL", help=at_help)
    compare_command.set_defaults(run=_compare)
    graph_command = command("graph", "draw the forward and backward graph (SVG/PNG need Graphviz's dot)")
    graph_command.add_argument("--at", nargs="+", metavar="LITERAL", help="show data and grad at a point: " + at_help)
    graph_command.add_argument("-o", "--output", required=True, metavar="OUT.svg|OUT.png|OUT.dot")
    graph_command.set_defaults(run=_graph)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except UsageError as exc:
        _error(str(exc), exc.hint)
        return 2
    except UnsupportedSyntax as exc:
        print(str(exc), file=sys.stderr)  # file:line:col: message, the line, a caret, the hint
        return 2
    except SymgradError as exc:
        message, _, rest = str(exc).partition("\n")
        _error(message, rest.removeprefix("hint: ") if rest.startswith("hint: ") else "")
        if rest and not rest.startswith("hint: "):
            print(rest, file=sys.stderr)
        return 2
    except Exception as exc:  # not an error symgrad raised on purpose: from the function at the point, or a bug
        if args.traceback:
            traceback.print_exc()
        _error(f"{type(exc).__name__}: {exc}", "this was raised while running the function at the --at point: "
               "check that each value has the type its parameter takes; if they do, this is a bug in symgrad "
               "(`symgrad --traceback ...` shows where)")  # fmt: skip
        return 2


def _error(message: str, hint: str = "") -> None:
    print(f"symgrad: error: {message}", file=sys.stderr)
    if hint:
        print(f"hint: {hint}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
