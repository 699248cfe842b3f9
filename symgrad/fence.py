"""The fence: an allow-list of the Python syntax symgrad differentiates.

Assumes an AST from `source.get_source` (absolute positions). Guarantees: any node whose type is not listed
below raises `UnsupportedSyntax` at that node's line and column, with a hint saying what to write instead, and a
message that names what the user wrote (`print(...)` is a call to print, not a string). Only shapes are checked
here; what names refer to is `resolve`'s job, and meaning is `lower`'s. The decorators run the fence on the
function's own body when they are applied (`decoration_error`); a function that passed is remembered (by its
code object), so the first call does not walk it again.
"""

from __future__ import annotations

import ast
import inspect
import weakref

from . import collector
from .errors import UnsupportedSyntax
from .source import Source, get_source

PLANNED = "planned for a later version of symgrad"

# Node types allowed anywhere inside the function body (their own checks follow in `check`).
_ALLOWED = (
    ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Expr, ast.Pass,
    ast.If, ast.For, ast.While, ast.Break, ast.Continue,
    ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Attribute, ast.Call, ast.Tuple, ast.keyword,
    ast.IfExp, ast.Compare, ast.BoolOp, ast.Subscript, ast.Slice, ast.List, ast.ListComp, ast.GeneratorExp,
    ast.comprehension, ast.Load, ast.Store,
    ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.FloorDiv, ast.Mod, ast.USub, ast.UAdd, ast.Not,
    ast.And, ast.Or, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq,
)  # fmt: skip

_BINOP_HINTS = {
    ast.MatMult: "`@` (matrix product) is not supported: symgrad differentiates scalar code",
    ast.LShift: "bit operations are not differentiable",
    ast.RShift: "bit operations are not differentiable",
    ast.BitAnd: "bit operations are not differentiable",
    ast.BitOr: "bit operations are not differentiable",
    ast.BitXor: "bit operations are not differentiable",
}

# What to say for the constructs people try most; anything else gets the generic message.
_NODE_HINTS = {
    ast.In: ("`in` tests are not supported", "compare numbers with < <= > >= == !="),
    ast.NotIn: ("`not in` tests are not supported", "compare numbers with < <= > >= == !="),
    ast.Is: ("`is` is not supported", "compare numbers with == or !="),
    ast.IsNot: ("`is not` is not supported", "compare numbers with == or !="),
    ast.Dict: ("dicts are not supported", "use lists or tuples of floats"),
    ast.DictComp: ("dict comprehensions are not supported", "use a list comprehension"),
    ast.SetComp: ("set comprehensions are not supported", "use a list comprehension"),
    ast.Lambda: ("a lambda inside the function is not supported", "define a helper function with `def` "
                 "at module level; calls to it are inlined"),
    ast.FunctionDef: ("a function defined inside the function is not supported",
                      "define the helper at module level; calls to it are inlined"),
    ast.Global: ("`global` is not supported", "pass the value as a parameter"),
    ast.Nonlocal: ("`nonlocal` is not supported", "pass the value as a parameter"),
    ast.Raise: ("`raise` is not supported", "check inputs before calling the compiled function"),
    ast.Assert: ("`assert` is not supported", "check inputs before calling the compiled function"),
    ast.Try: ("`try` is not supported", "test values with `if` instead"),
    ast.With: ("`with` is not supported", "symgrad compiles plain math code"),
    ast.Import: ("`import` inside the function is not supported", "import at module level"),
    ast.ImportFrom: ("`import` inside the function is not supported", "import at module level"),
    ast.Starred: ("`*` unpacking is not supported", "pass and unpack values one by one"),
    ast.NamedExpr: ("`:=` is not supported", "assign on a line of its own"),
    ast.Set: ("sets are not supported", "symgrad differentiates functions of floats"),
    ast.JoinedStr: ("f-strings are not supported", "symgrad differentiates functions of floats"),
    ast.Delete: ("`del` is not supported", "just stop using the name"),
    ast.Await: ("`await` is not supported", "symgrad differentiates plain functions"),
    ast.Yield: ("`yield` is not supported", "symgrad differentiates plain functions, not generators"),
    ast.YieldFrom: ("`yield from` is not supported", "symgrad differentiates plain functions, not generators"),
    ast.AsyncFunctionDef: ("an async function defined inside the function is not supported",
                           "define helpers with a plain `def` at module level; calls to them are inlined"),
    ast.ClassDef: ("a class defined inside the function is not supported", "define classes at module level"),
    ast.AsyncFor: ("`async for` is not supported", "symgrad differentiates plain functions"),
    ast.AsyncWith: ("`async with` is not supported", "symgrad differentiates plain functions"),
    ast.Match: ("`match` is not supported", "use if/elif/else"),
    ast.FormattedValue: ("f-strings are not supported", "symgrad differentiates functions of floats"),
}  # fmt: skip
if hasattr(ast, "TryStar"):  # Python 3.11's `try ... except*`
    _NODE_HINTS[ast.TryStar] = ("`try` is not supported", "test values with `if` instead")

_SUPPORTED = (
    "supported: parameters, assignment, tuple unpacking, augmented assignment, if/elif/else, for and while "
    "loops, return, + - * / ** // %, comparisons, and/or/not, int and float literals, lists and tuples of "
    "numbers (indexing, len, sum, append, comprehensions), the functions of math (tanh, exp, erf, atan2, ...) "
    "and symgrad's sigmoid and relu, abs min max, "
    "and calls to other plain functions"
)


_passed: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # function -> the code object that passed


def decoration_error(fun) -> UnsupportedSyntax | None:
    """The fence's verdict on `fun`'s own body, for the decorators: the error, with no traceback of symgrad's
    frames (the decorator raises it from its own frame), or None when the body passes. A function whose source
    cannot be read, or anything else that goes wrong here, gives None: the first call meets the same problem
    where it always did, so decorating never fails where compiling would not."""
    if not inspect.isfunction(fun):
        return None
    with collector.paused():  # (an object per AST node, alive until the check ends: a fifth of decorating
        # a 10,000-line function was the collector scanning them)
        try:
            src = get_source(fun, keep_once=True)  # its compilation reads it next
        except Exception:  # reported by the first call, as before the fence ran at decoration
            return None
        try:
            check(src)
        except UnsupportedSyntax as exc:
            return exc.with_traceback(None)
        except Exception:  # likewise
            return None
        return None


def check(src: Source) -> None:
    """Raise UnsupportedSyntax at the first construct outside the language (in source order)."""
    fun = src.fun
    code = getattr(fun, "__code__", None)
    try:
        if code is not None and _passed.get(fun) is code:
            return
    except TypeError:  # not weak-referenceable: no memory, check every time
        code = None
    _check(src)
    if code is not None:
        _passed[fun] = code


def _check(src: Source) -> None:
    node = src.node
    _check_signature(src, node.args)
    if isinstance(node, ast.Lambda):
        _check_tree(src, node.body, [])
        return
    if isinstance(node, ast.AsyncFunctionDef):
        raise src.error(node, "async functions are not supported", "use a plain `def`")
    body = list(node.body)
    if body and _is_docstring(body[0]):
        body = body[1:]
    # Constructs first: an if/else whose branches return should be reported as an `if`, not a missing return.
    bare_returns: list[ast.Return] = []
    for stmt in body:
        _check_tree(src, stmt, bare_returns)
    if not body or not isinstance(body[-1], ast.Return | ast.If):
        where = body[-1] if body else node
        raise src.error(where, f"{node.name}() must end with `return <expression>`",
                        "symgrad differentiates the one number the function returns")  # fmt: skip
    if bare_returns:
        raise src.error(bare_returns[0], "`return` needs a value", "return the number to differentiate")


_PRINT_HINT = (
    "symgrad compiles the function rather than running it line by line: print values in the caller, or call "
    "the original function (`.fun`) to see them"
)
_MAX_CALLEE = 40


def _callee(call: ast.Call) -> str:
    text = ast.unparse(call.func)
    return text if len(text) <= _MAX_CALLEE else text[: _MAX_CALLEE - 3] + "..."


def _check_expression_statement(src: Source, stmt: ast.Expr) -> None:
    value = stmt.value
    if _is_docstring_node(src, value) or _is_append(value):
        return
    if isinstance(value, ast.Call):
        callee = _callee(value)
        hint = _PRINT_HINT if callee == "print" else (
            "assign the result to a name and use it, or remove the line (xs.append(v) is the one call allowed "
            "on its own)"
        )  # fmt: skip
        raise src.error(stmt, f"a call to {callee}() on a line of its own does nothing symgrad can differentiate",
                        hint)  # fmt: skip
    raise src.error(stmt, "an expression statement does nothing symgrad can differentiate",
                    "assign the result to a name, or remove the line (xs.append(v) is the one call "
                    "allowed on its own)")  # fmt: skip


def _check_call_arguments(src: Source, call: ast.Call) -> None:
    """A string (or None, or an f-string) passed to a call is reported as that call, which is what the user
    wrote (`print("debug", y)`), not as a constant out of context."""
    for arg in [*call.args, *(kw.value for kw in call.keywords)]:
        if isinstance(arg, ast.JoinedStr):
            what = "an f-string"
        elif isinstance(arg, ast.Constant) and not isinstance(arg.value, int | float):
            what = _constant_text(arg.value)
        else:
            continue
        callee = _callee(call)
        raise src.error(call, f"the call {callee}(...) passes {what}, which is not a number symgrad can use",
                        _PRINT_HINT if callee == "print" else "pass int or float values")  # fmt: skip


def _constant_text(value) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_CALLEE else f"a long {type(value).__name__} literal"


def _is_append(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append"


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


def _check_signature(src: Source, args: ast.arguments) -> None:
    if args.vararg is not None:
        raise src.error(args.vararg, "`*args` parameters are not supported", "name each parameter")
    if args.kwarg is not None:
        raise src.error(args.kwarg, "`**kwargs` parameters are not supported", "name each parameter")


def _check_tree(src: Source, root: ast.AST, bare_returns: list) -> None:
    """Check `root` and everything in it, depth-first in field order, so that the first error reported is the
    first in the source; `return` statements without a value are collected in `bare_returns` (the caller
    reports them after the function's shape). One pass, dispatched on node types: on a long function this walk
    is a good part of the compile time."""
    stack = [root]
    keys: set[int] = set()  # ids of string constants used as subscripts (dict keys), the one place strings may be
    allowed, checks, child_fields = _ALLOWED_TYPES, _NODE_CHECKS, _CHILD_FIELDS
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind in allowed:
            check = checks.get(kind)
            if check is not None:
                check(src, node, keys)
            elif kind is ast.Return and node.value is None:
                bare_returns.append(node)
        elif kind not in _BINOP_HINTS:  # operators are reported by the BinOp/AugAssign holding them
            message, hint = _NODE_HINTS.get(kind, (f"{_describe(node)} is not supported", _SUPPORTED))
            raise src.error(node, message, hint)
        fields = child_fields.get(kind)
        if fields is None:
            fields = child_fields[kind] = tuple(f for f in kind._fields if f not in _NOT_WALKED)
        children = []
        for name in fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                children += [child for child in value if isinstance(child, ast.AST)]
            elif isinstance(value, ast.AST):
                children.append(value)
        if children:
            children.reverse()
            stack += children


_ALLOWED_TYPES = frozenset(_ALLOWED)  # the parser makes nodes of exactly these classes
# Fields not walked: annotations are ignored; contexts (Load, Store) are always allowed where they occur (`del`
# is refused at its statement); an operator is checked by the node holding it (`~` at its UnaryOp, `@` at its
# BinOp), before its children. Comparison operators (`in`, `is`) are walked: they are reported themselves.
_NOT_WALKED = frozenset({"annotation", "returns", "ctx", "op", "type_comment"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _check_binop(src: Source, node: ast.BinOp, keys: set[int]) -> None:
    if type(node.op) in _BINOP_HINTS:
        raise src.error(node, f"operator {_op_text(node.op)} is not supported", _BINOP_HINTS[type(node.op)])


def _check_unary(src: Source, node: ast.UnaryOp, keys: set[int]) -> None:
    if not isinstance(node.op, ast.USub | ast.UAdd | ast.Not):
        raise src.error(node, "`~` is not supported", "only unary -, + and `not` are supported")


def _check_constant(src: Source, node: ast.Constant, keys: set[int]) -> None:
    value = node.value
    if not isinstance(value, int | float):
        if isinstance(value, str) and (_is_docstring_node(src, node) or id(node) in keys):
            return
        raise src.error(node, f"the constant {_constant_text(value)} is not a number symgrad can use",
                        "use int or float literals")  # fmt: skip


def _check_subscript(src: Source, node: ast.Subscript, keys: set[int]) -> None:
    if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        keys.add(id(node.slice))  # `p["w"]`: a dict parameter's key (lowering resolves it at compile time)


def _check_call(src: Source, node: ast.Call, keys: set[int]) -> None:
    _check_call_arguments(src, node)
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            raise src.error(arg, "`*` unpacking in calls is not supported", "pass arguments one by one")
    for kw in node.keywords:
        if kw.arg is None:
            raise src.error(kw, "`**` unpacking in calls is not supported", "pass keywords one by one")


def _check_assign(src: Source, node: ast.Assign, keys: set[int]) -> None:
    for target in node.targets:
        _check_target(src, target, augmented=False)


def _check_augassign(src: Source, node: ast.AugAssign, keys: set[int]) -> None:
    _check_binop(src, node, keys)
    _check_target(src, node.target, augmented=True)


def _check_annassign(src: Source, node: ast.AnnAssign, keys: set[int]) -> None:
    if not isinstance(node.target, ast.Name):
        raise src.error(node.target, "annotated assignment to this target is not supported", "assign to a name")


def _check_expr(src: Source, node: ast.Expr, keys: set[int]) -> None:
    _check_expression_statement(src, node)


_NODE_CHECKS = {
    ast.Expr: _check_expr, ast.BinOp: _check_binop, ast.AugAssign: _check_augassign, ast.UnaryOp: _check_unary,
    ast.Constant: _check_constant, ast.Subscript: _check_subscript, ast.Call: _check_call,
    ast.Assign: _check_assign, ast.AnnAssign: _check_annassign,
}  # fmt: skip


def _is_docstring_node(src: Source, node: ast.Constant) -> bool:
    body = getattr(src.node, "body", None)
    return isinstance(body, list) and bool(body) and _is_docstring(body[0]) and body[0].value is node


def _check_target(src: Source, target: ast.AST, augmented: bool) -> None:
    if isinstance(target, ast.Name):
        return
    if isinstance(target, ast.Tuple | ast.List) and not augmented:
        for element in target.elts:
            _check_target(src, element, augmented)
        return
    if isinstance(target, ast.Subscript) and not isinstance(target.slice, ast.Slice):
        return  # `h[j] = v`, `W[j][i] += v`: lowering decides whose list it is and whether it can be followed
    message, hint = _NODE_HINTS.get(type(target), (f"assignment to {_describe(target)} is not supported", ""))
    if isinstance(target, ast.Subscript):
        message = "assigning to a slice of a list is not supported"
        hint = "assign the elements one by one in a loop: `for i in range(a, b): h[i] = ...`"
    if isinstance(target, ast.Attribute):
        message, hint = "assignment to an attribute is not supported", "assign to a local name"
    raise src.error(target, message, hint or "assign to a name, or unpack a tuple into names")


def _op_text(op: ast.operator) -> str:
    return {
        ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
        ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^",
    }[type(op)]  # fmt: skip


def _describe(node: ast.AST) -> str:
    name = type(node).__name__
    return f"`{name}`" if not isinstance(node, ast.expr | ast.stmt) else f"a {name} node"
