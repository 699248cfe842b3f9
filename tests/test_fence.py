"""Tests of the fence: every construct outside symgrad's language is rejected at its own line and column.

The user functions live in real module files under tests/fence_cases/. Each offending line there carries the
marker `# <- here`; the table below names the function, the substring of that line where the offending node
starts (as `ast` counts columns) and a phrase of the expected message. The expected line and column are found by
reading the case file's text here, independently of symgrad, so no position is written down by hand.

Contract under test (API.md, symgrad/errors.py): bad input raises `symgrad.UnsupportedSyntax`, a
`symgrad.SymgradError` and a `SyntaxError`, with `.filename` (full path of the user's file), `.lineno`
(absolute), `.col` (0-based), `.offset` (col + 1), `.text` (the source line), a non-empty `.hint`, and
`str(err)` = `file:line:col: message`, the stripped line, a caret line and `hint: ...`. A function whose source
cannot be read gets a plain `SymgradError` that says to use `def`.
"""

from __future__ import annotations

import importlib
import inspect
import math
import re
import sys
import traceback
from pathlib import Path
from typing import NamedTuple

import pytest

import symgrad

HERE = Path(__file__).resolve().parent
CASES = HERE / "fence_cases"
MARK = "# <- here"

if str(HERE) not in sys.path:  # pytest's rootdir insertion normally does this already
    sys.path.insert(0, str(HERE))

rejected = importlib.import_module("fence_cases.rejected")
accepted = importlib.import_module("fence_cases.accepted")
helpers = importlib.import_module("fence_cases.helpers")
odd = importlib.import_module("fence_cases.odd")

MODULES = {"rejected.py": rejected, "helpers.py": helpers, "accepted.py": accepted}


# --------------------------------------------------------------------------- reading the case files


def marked_line(file: str | Path, name: str) -> tuple[int, str]:
    """(line number, text) of the first marked line at or after the definition of `name` in `file`."""
    lines = (CASES / file).read_text(encoding="utf-8").splitlines()  # an absolute `file` replaces CASES
    short = name.rsplit(".", 1)[-1]
    definition = re.compile(rf"\s*(?:async\s+def|def|class)\s+{re.escape(short)}\b|\s*{re.escape(short)}\s*=[^=]")
    starts = [i for i, line in enumerate(lines) if definition.match(line)]
    assert len(starts) == 1, f"{name}: expected one definition in {file}, found lines {[i + 1 for i in starts]}"
    for i in range(starts[0], len(lines)):
        if lines[i].rstrip().endswith(MARK):
            return i + 1, lines[i]
    raise AssertionError(f"no {MARK!r} after the definition of {name} in {file}")


def all_marked_lines(file: str) -> set[int]:
    lines = (CASES / file).read_text(encoding="utf-8").splitlines()
    return {i + 1 for i, line in enumerate(lines) if line.rstrip().endswith(MARK)}


def column_of(line: str, substring: str) -> int:
    code = line.split(MARK)[0]
    assert code.count(substring) == 1, f"marker substring {substring!r} must occur once in {code!r}"
    assert line.isascii(), "columns are compared as characters; keep case files ASCII"
    return code.index(substring)


def target(name: str):
    """The object `name` (dotted) in the rejected/accepted module, wrapped in symgrad.grad unless it is already."""
    module = accepted if name.startswith("accepted:") else rejected
    obj = module
    for part in name.removeprefix("accepted:").split("."):
        obj = getattr(obj, part)
    return obj


def as_grad(obj, **kwargs):
    return obj if isinstance(obj, symgrad.api.GradFunction) else symgrad.grad(obj, **kwargs)


def compile_error(name_or_fun) -> symgrad.UnsupportedSyntax:
    fun = target(name_or_fun) if isinstance(name_or_fun, str) else name_or_fun
    with pytest.raises(symgrad.SymgradError) as info:
        as_grad(fun).source  # noqa: B018  (compilation is lazy: .source triggers it)
    return info.value


# --------------------------------------------------------------------------- the table


class Reject(NamedTuple):
    target: str  # function in fence_cases/rejected.py (dotted for methods) that is given to symgrad.grad
    marker: str  # substring of the marked line where the offending node starts
    phrase: str  # expected in the message or hint
    at: str | None = None  # function whose marked line is expected (default: the target itself)
    file: str = "rejected.py"  # file holding `at`
    bug_location: str | None = None  # reason for xfail of the location/message test (a known symgrad bug)
    bug_hint: str | None = None  # reason for xfail of the hint test
    absent: str | None = None  # must not be in the message (a misleading word)


NO_HINT = "BUG: UnsupportedSyntax raised with an empty .hint (contract: hint says what to write instead)"

REJECTED = [
    # statements
    Reject("nested_def", "def inner", "function defined inside"),
    Reject("global_stmt", "global K", "`global`"),
    Reject("nonlocal_fn", "nonlocal k", "`nonlocal`", at="uses_nonlocal"),
    Reject("raise_stmt", "raise ValueError", "`raise`"),
    Reject("assert_stmt", "assert x", "`assert`"),
    Reject("try_stmt", "try:", "`try`"),
    Reject("with_stmt", "with OBJ", "`with`"),
    Reject("import_inside", "import cmath", "`import`"),
    Reject("from_import_inside", "from math import", "`import`"),
    Reject("match_stmt", "match x", "Match"),
    Reject("class_inside", "class Local", "ClassDef"),
    Reject("del_stmt", "del y", "`del`"),
    Reject("yield_expr", "yield x", "`yield`"),
    Reject("async_def", "async def", "async"),
    Reject("missing_return", "y = x * 2.0", "must end with `return"),
    Reject("docstring_only", "def docstring_only", "must end with `return"),
    Reject("bare_return", "return", "`return` needs a value"),
    Reject("expression_statement", "print(x)", "expression statement"),
    # expressions
    Reject("comparison", "y", "comparison"),
    Reject("not_op", "y", "`not`"),
    Reject("invert", "~x", "`~`"),
    Reject("lambda_in_body", "lambda t", "lambda"),
    Reject("starred_call_arg", "*XS", "`*` unpacking"),
    Reject(
        "double_star_call",
        "**KW",
        "`**` unpacking",
    ),
    Reject("walrus", "z := x", "`:=`"),
    Reject("dict_literal", '{"k": x}', "dict"),
    Reject("set_literal", "{x}", "set"),
    Reject("f_string", 'f"{x}"', "f-string"),
    Reject("string_constant", '"label"', "'label' is not a number"),
    Reject("none_literal", "None", "None is not a number"),
    Reject("complex_literal", "1j", "1j is not a number"),
    Reject("floor_div", "x // 2", "`//` of a differentiated value"),
    Reject("modulo", "x % 2.0", "`%` of a differentiated value"),
    Reject("matmul", "x @ x", "operator @"),
    Reject("bit_and", "x & 1", "operator &"),
    Reject("bit_or", "x | 1", "operator |"),
    Reject("bit_xor", "x ^ 1", "operator ^"),
    Reject("left_shift", "x << 1", "operator <<"),
    Reject("right_shift", "x >> 1", "operator >>"),
    Reject("aug_floor_div", "y //= 2", "`//` of a differentiated value"),
    Reject("attribute_assignment", "OBJ.attr", "assignment to an attribute"),
    Reject("annotated_attribute_assignment", "OBJ.attr", "annotated assignment"),
    Reject("subscript_assignment", "ARR[0]", "assigning to a list element"),
    Reject("starred_assignment", "*rest", "`*` unpacking"),
    Reject("continuation_line", "x // 2", "`//` of a differentiated value"),
    # signatures
    Reject("varargs_param", "rest)", "`*args`"),  # ast puts the arg node at its name, after the `*`
    Reject("kwargs_param", "options)", "`**kwargs`"),
    Reject("default_none", "y=None", "default of parameter 'y'"),
    Reject("default_bool", "flag=True", "default of parameter 'flag'"),
    Reject("kwonly_default_string", 'mode="fast"', "default of parameter 'mode'"),
    # names, calls, values
    Reject("name_not_defined", "undefined_name", "'undefined_name' is not defined"),
    Reject("used_before_assignment", "later", "'later' is used before it is assigned"),
    Reject("global_shadowed_by_later_local", "tanh(x)", "'tanh' is used before it is assigned"),
    Reject("augmented_before_assignment", "acc", "'acc' is updated before it is assigned"),
    Reject("min_of_one_iterable", "min(x)", "of one argument"),
    Reject("max_with_key", "key=abs", "takes no keyword arguments"),
    Reject("print_in_expression", "print(x)", "cannot call print"),
    Reject("call_module_number", "K(x)", "cannot call K"),
    Reject("call_object", "OBJ(x)", "cannot call OBJ"),
    Reject("call_local_number", "x(2.0)", "cannot call x"),
    Reject("call_type", "float(x)", "cannot call float"),
    Reject("unknown_method", "x.foo", "method .foo()"),
    Reject("method_with_args", "x.tanh(2.0)", ".tanh() takes no arguments"),
    Reject("log_two_args", "math.log(x, 2)", "takes 1 argument"),
    Reject("tanh_no_args", "tanh()", "got 0"),
    Reject(
        "tanh_keyword",
        "x=1.0",
        "no keyword arguments",
    ),
    Reject("unpack_length_mismatch", "a, b", "cannot unpack a tuple of 3 values into 2 names"),
    Reject("unpack_number", "a, b", "cannot unpack a number"),
    Reject("return_tuple", "x, x", "must be a number, but it is a tuple"),
    Reject("attribute_of_value", "x.real", "attribute 'real'"),
    Reject("module_attribute_missing", "math.nope", "has no attribute 'nope'"),
    Reject("recursive", "recursive(x - 1.0)", "recursive call of recursive()"),
    Reject("ping", "ping(x)", "recursive call of ping()", at="pong"),
    Reject("decorated_self_call", "decorated_self_call(x)", "recursive call of decorated_self_call()"),
    Reject("calls_bad_helper", "u // 2", "`//` of a differentiated value", at="bad_helper", file="helpers.py"),
    Reject("calls_deep_helper", "t % 2.0", "`%` of a differentiated value", at="deep_bad_helper", file="helpers.py"),
    Reject("helper_wrong_arity", "ok_helper(x, x)", "bad call of ok_helper"),
    Reject("helper_unknown_keyword", "helpers.two_arg_helper(", "bad call of two_arg_helper"),
    Reject("calls_helper_default_none", "helpers.helper_default_none(", "parameter 's'"),
    Reject("calls_no_source_helper", "no_source_helper(x)", "cannot inline"),
    Reject(
        "passes_function_to_helper",
        "helpers.apply_fn(",
        "parameter 'f'",
        absent="default",
    ),
    Reject("helper_returns_tuple", "y", "the return value must be a number, but it is a tuple"),
    # where the source sits: decorators, one-liners, lambdas, methods (indented source, absolute columns)
    Reject("decorated_multiline", "x // y", "`//` of a differentiated value"),
    Reject("one_liner", "x % 3.0", "`%` of a differentiated value"),
    Reject("bad_lambda", "x // 2", "`//` of a differentiated value"),
    Reject("lambda_default_none", "y=None", "default of parameter 'y'"),
    Reject("lambda_in_call", "x % 3.0", "`%` of a differentiated value"),
    Reject("Model.class_lambda", "x // 4", "`//` of a differentiated value"),
    Reject("Model.method_floor", "y // 3", "`//` of a differentiated value"),
    Reject("Model.static_compare", "x < 2.0", "comparison"),
    Reject("Model.method_continuation", "x // 2", "`//` of a differentiated value"),
]


def row_id(row: Reject) -> str:
    return row.target.replace(".", "_")


def params(attr: str):
    out = []
    for row in REJECTED:
        reason = getattr(row, attr)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(row, id=row_id(row), marks=marks))
    return out


def expected_position(row: Reject) -> tuple[Path, int, int, str]:
    lineno, line = marked_line(row.file, row.at or row.target)
    return CASES / row.file, lineno, column_of(line, row.marker), line


def message_and_hint(err: symgrad.UnsupportedSyntax) -> str:
    """The message (first line after the position) and the hint line of str(err), without the quoted source."""
    lines = str(err).splitlines()
    header = lines[0].split(": ", 1)[1] if ": " in lines[0] else lines[0]
    hints = [line for line in lines if line.startswith("hint: ")]
    return " ".join([header, *hints])


# --------------------------------------------------------------------------- rejected: type, place, message


def test_table_covers_every_marker():
    """Every marked line in the case files is claimed by exactly one row, so no case is silently untested."""
    claimed: dict[str, list[int]] = {"rejected.py": [], "helpers.py": []}
    for row in REJECTED:
        claimed[row.file].append(marked_line(row.file, row.at or row.target)[0])
    for file, lines in claimed.items():
        assert sorted(lines) == sorted(all_marked_lines(file)), file
    assert all_marked_lines("accepted.py") == set()


@pytest.mark.parametrize("row", params("bug_location"))
def test_rejected_at_line_and_column(row: Reject):
    path, lineno, col, line = expected_position(row)
    err = compile_error(row.target)
    assert type(err) is symgrad.UnsupportedSyntax, f"{type(err).__name__}: {err}"
    assert isinstance(err, symgrad.SymgradError)
    assert isinstance(err, SyntaxError)
    assert Path(err.filename).is_absolute()
    assert Path(err.filename).samefile(path)
    assert (err.lineno, err.col) == (lineno, col), f"expected {lineno}:{col}, got {err.lineno}:{err.col}: {err}"
    assert err.offset == col + 1
    assert err.text.rstrip("\n") == line
    assert row.phrase in message_and_hint(err), str(err)
    if row.absent:
        assert row.absent not in message_and_hint(err), str(err)


@pytest.mark.parametrize("row", params("bug_hint"))
def test_rejected_has_hint(row: Reject):
    err = compile_error(row.target)
    assert isinstance(err, symgrad.UnsupportedSyntax), f"{type(err).__name__}: {err}"
    assert isinstance(err.hint, str) and err.hint.strip(), f"empty hint: {err}"
    assert str(err).splitlines()[-1] == f"hint: {err.hint}"


def test_error_is_lazy_and_the_same_on_call():
    """grad() itself does not compile; the first call raises what .source raises, every time."""
    g = symgrad.grad(rejected.floor_div)
    with pytest.raises(symgrad.UnsupportedSyntax) as on_call:
        g(1.0)
    with pytest.raises(symgrad.UnsupportedSyntax) as again:
        g(1.0)
    with pytest.raises(symgrad.UnsupportedSyntax) as on_source:
        g.source  # noqa: B018
    positions = {(e.value.filename, e.value.lineno, e.value.col) for e in (on_call, again, on_source)}
    assert len(positions) == 1
    with pytest.raises(symgrad.UnsupportedSyntax) as via_value_and_grad:
        symgrad.value_and_grad(rejected.floor_div)(1.0)
    assert (via_value_and_grad.value.lineno, via_value_and_grad.value.col) == (on_call.value.lineno, on_call.value.col)


# --------------------------------------------------------------------------- the printed forms


FORMAT_ROWS = ["floor_div", "Model.method_floor", "calls_bad_helper", "continuation_line", "bad_lambda"]


@pytest.mark.parametrize("name", FORMAT_ROWS)
def test_str_format(name: str):
    row = next(r for r in REJECTED if r.target == name)
    path, lineno, col, line = expected_position(row)
    err = compile_error(name)
    lines = str(err).splitlines()
    assert lines[0].startswith(f"{err.filename}:{lineno}:{col + 1}: ")
    assert Path(lines[0][: lines[0].index(f":{lineno}:{col + 1}: ")]).samefile(path)
    stripped = line.strip()
    assert lines[1] == "    " + stripped
    caret = lines[2]
    assert caret.strip() == "^"
    caret_col = caret.index("^") - 4  # column within the stripped line
    assert stripped[caret_col:].startswith(row.marker)
    assert lines[3] == f"hint: {err.hint}"
    assert len(lines) == 4


@pytest.mark.parametrize("name", ["floor_div", "Model.method_floor", "calls_bad_helper"])
def test_python_traceback_shows_line_caret_and_hint(name: str):
    row = next(r for r in REJECTED if r.target == name)
    _, lineno, _, line = expected_position(row)
    err = compile_error(name)
    text = "".join(traceback.format_exception_only(err))
    assert f'File "{err.filename}", line {lineno}' in text
    out = text.splitlines()
    code_index = next(i for i, shown in enumerate(out) if shown.strip() == line.strip())
    shown, caret = out[code_index], out[code_index + 1]
    assert caret.strip().startswith("^")
    assert shown[caret.index("^") :].startswith(row.marker)
    assert f"hint: {err.hint}" in text
    assert "UnsupportedSyntax" in text


# --------------------------------------------------------------------------- functions without source


def test_exec_defined_function():
    namespace: dict = {}
    exec("def made_by_exec(x):\n    return x * 2.0\n", namespace)
    g = symgrad.grad(namespace["made_by_exec"])  # accepted at decoration: compilation is lazy
    with pytest.raises(symgrad.SymgradError) as info:
        g.source  # noqa: B018
    err = info.value
    assert not isinstance(err, symgrad.UnsupportedSyntax)
    assert "made_by_exec" in str(err)
    assert "`def`" in str(err)
    assert "exec()" in str(err)


def test_exec_defined_lambda():
    fun = eval("lambda x: x * 2.0")
    with pytest.raises(symgrad.SymgradError) as info:
        symgrad.grad(fun)(1.0)
    assert not isinstance(info.value, symgrad.UnsupportedSyntax)
    assert "`def`" in str(info.value)


@pytest.mark.parametrize(
    "obj",
    [print, math.sin, abs, symgrad.tanh.__call__, len],
    ids=["print", "math.sin", "abs", "method-wrapper", "len"],
)
@pytest.mark.parametrize("decorator", [symgrad.grad, symgrad.value_and_grad])
def test_builtin_is_rejected_at_decoration(obj, decorator):
    with pytest.raises(symgrad.SymgradError) as info:
        decorator(obj)
    err = info.value
    assert not isinstance(err, symgrad.UnsupportedSyntax)
    assert "def" in str(err)
    assert type(obj).__name__ in str(err)


def test_builtin_is_rejected_with_wrt():
    with pytest.raises(symgrad.SymgradError) as info:
        symgrad.grad(wrt="x")(math.sin)
    assert "def" in str(info.value)


def test_two_lambdas_on_one_line():
    pair = (lambda x: x * 2.0, lambda x: x * 3.0)
    with pytest.raises(symgrad.SymgradError) as info:
        symgrad.grad(pair[1]).source  # noqa: B018
    assert not isinstance(info.value, symgrad.UnsupportedSyntax)
    assert "`def`" in str(info.value)


def test_function_defined_inside_a_test():
    """A def nested in a function (8 columns deep in this file): absolute line and column in this file."""

    def defined_in_a_test(x):
        y = x * 2.0
        return y % 3.0  # <- here

    lineno, line = marked_line(Path(__file__), "defined_in_a_test")
    err = compile_error(defined_in_a_test)
    assert isinstance(err, symgrad.UnsupportedSyntax)
    assert Path(err.filename).samefile(__file__)
    assert (err.lineno, err.col, err.offset) == (lineno, column_of(line, "y % 3.0"), column_of(line, "y % 3.0") + 1)


def test_multiline_lambda_is_a_symgrad_error_saying_def():
    """A lambda whose body continues on the next line cannot be cut out of its statement (inspect returns only
    the lambda's first line): a limitation, reported as a SymgradError that says to use `def`."""
    with pytest.raises(symgrad.SymgradError) as info:
        symgrad.grad(odd.multiline_lambda).source  # noqa: B018
    assert not isinstance(info.value, symgrad.UnsupportedSyntax)
    assert "`def`" in str(info.value)


# --------------------------------------------------------------------------- odd cases (fence_cases/odd.py)


@pytest.mark.parametrize("name", ["wrapped_square", "calls_wrapped_square"])
def test_function_wrapped_by_a_decorator(name: str):
    fun = getattr(odd, name)
    assert fun(3.0) == 18.0  # the wrapper doubles x * x
    try:
        result = symgrad.grad(fun)(3.0)
    except symgrad.SymgradError:
        return  # rejecting the wrapper is fine
    assert result == pytest.approx(12.0)


def test_closures_sharing_a_code_object_are_not_recursion():
    fun = odd.tanh_of_square_of_square
    assert symgrad.grad(fun)(0.7) == pytest.approx(numeric_gradient(fun, (0.7,), 0), rel=1e-6)


def test_fraction_default():
    try:
        result = symgrad.grad(odd.fraction_default)(1.5)
    except symgrad.SymgradError:
        return
    assert result == pytest.approx((0.5, 1.5))


def test_constant_folding_overflow_is_a_symgrad_error():
    with pytest.raises(symgrad.SymgradError):
        symgrad.grad(odd.folds_to_huge_int).source  # noqa: B018


def test_constant_folding_to_complex_is_rejected():
    lineno, line = marked_line("odd.py", "folds_to_complex")
    err = compile_error(odd.folds_to_complex)
    assert isinstance(err, symgrad.UnsupportedSyntax)
    assert (err.lineno, err.col) == (lineno, column_of(line, "(-8) ** (1 / 3)"))


def test_non_ascii_name_before_the_offending_node():
    lineno, line = marked_line("odd.py", "greek")
    code = line.split(MARK)[0]
    char_col = code.index("x // 2")
    err = compile_error(odd.greek)
    assert isinstance(err, symgrad.UnsupportedSyntax)
    assert err.lineno == lineno
    caret = str(err).splitlines()[2]
    assert code.strip()[caret.index("^") - 4 :].startswith("x // 2")
    out = "".join(traceback.format_exception_only(err)).splitlines()
    shown = next(i for i, text in enumerate(out) if text.strip() == line.strip())
    assert out[shown][out[shown + 1].index("^") :].startswith("x // 2")
    assert err.offset == char_col + 1


# --------------------------------------------------------------------------- accepted constructs


class Accept(NamedTuple):
    target: str
    args: tuple[float, ...]
    wrt: object = None
    twin: str | None = None  # a float-only function with the same gradient, for the finite differences


ACCEPTED = [
    Accept("with_docstring", (1.5,)),
    Accept("with_annotations", (1.5, 0.7)),
    Accept("with_pass", (1.5,)),
    Accept("chained_assignment", (1.5,)),
    Accept("tuple_swap", (1.5, 0.4)),
    Accept("unary_plus", (1.5,)),
    Accept("uses_math_constants", (1.5,)),
    Accept("module_constant", (1.5,)),
    Accept("aliased_op", (0.3,)),
    Accept("closure_fn", (1.5,)),
    Accept("local_named_tanh", (1.5,)),
    Accept("param_named_exp", (1.5,)),
    Accept("kwonly_posonly", (1.5, 0.5, 0.25)),
    Accept("augmented", (1.1,)),
    Accept("ops", (0.4,)),
    Accept("micrograd_methods", (0.4,), twin="micrograd_methods_twin"),
    Accept("calls_helpers", (0.4,)),
    Accept("unpacks_helper_tuple", (0.4,)),
    Accept("square", (3.0,)),
    Accept("Model.method", (None, 1.5), wrt="x"),
]


def call(fun, signature_of, args):
    """fun(*args), passing keyword-only parameters (per signature_of's signature) by keyword."""
    kinds = [p for p in inspect.signature(signature_of).parameters.values()]
    positional = [a for a, p in zip(args, kinds, strict=True) if p.kind is not p.KEYWORD_ONLY]
    keywords = {p.name: a for a, p in zip(args, kinds, strict=True) if p.kind is p.KEYWORD_ONLY}
    return fun(*positional, **keywords)


def numeric_gradient(fun, args, index, h=1e-6):
    def at(delta):
        moved = list(args)
        moved[index] += delta
        return call(fun, fun, moved)

    return (at(h) - at(-h)) / (2 * h)


@pytest.mark.parametrize("row", ACCEPTED, ids=[row.target for row in ACCEPTED])
def test_accepted(row: Accept):
    obj = getattr(target("accepted:" + row.target), "fun", None) or target("accepted:" + row.target)
    g = symgrad.grad(obj, wrt=row.wrt) if row.wrt is not None else symgrad.grad(obj)
    assert isinstance(g.source, str) and g.source
    if row.wrt is not None:  # a method: differentiate x only, self is passed as given
        result = call(g, obj, row.args)
        expected = numeric_gradient(obj, row.args, row.args.index(1.5))
        assert result == pytest.approx(expected, rel=1e-6)
        return
    result = call(symgrad.grad(obj, wrt=list(range(len(row.args)))), obj, row.args)
    reference = target("accepted:" + row.twin) if row.twin else obj
    expected = [numeric_gradient(reference, row.args, i) for i in range(len(row.args))]
    assert list(result) == pytest.approx(expected, rel=1e-6, abs=1e-8)
