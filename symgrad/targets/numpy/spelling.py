"""How each op is spelled in the NumPy target: one entry per op name, as a function of the arguments' ASTs.

Assumes the arguments are NumPy arrays of the points at hand, NumPy scalars, or Python numbers (compile-time
constants, and the ints and bools of lengths and indices). Guarantees:
- every real-valued op of `ops.REGISTRY` and every data op of `dataops.DATA_OPS` that can appear outside a
  structured op has an entry (`tests/test_target_numpy.py` checks both tables are covered);
- each spelling computes, elementwise, what the CPython target computes for one point: the same IEEE operation
  where NumPy has it (`np.tanh` for `math.tanh`), `np.where` over values already computed for the piecewise ops
  (relu, min, max, their masks), which evaluates no branch of the user's code;
- an argument that a spelling prints twice is listed in `TWICE` (the printer passes a name for it, never an
  inlined expression); `HELPERS` names the module-level helpers a spelling calls (`erf` has no NumPy ufunc: it
  is `math.erf` vectorized).
"""

from __future__ import annotations

import ast

_UFUNC = {
    "tanh": "tanh", "exp": "exp", "log": "log", "sqrt": "sqrt", "sin": "sin", "cos": "cos", "tan": "tan",
    "expm1": "expm1", "log1p": "log1p", "log2": "log2", "log10": "log10", "sinh": "sinh", "cosh": "cosh",
    "exp2": "exp2", "cbrt": "cbrt", "degrees": "degrees", "radians": "radians", "floor": "floor", "ceil": "ceil",
    "trunc": "trunc", "fabs": "fabs", "asin": "arcsin", "acos": "arccos", "atan": "arctan", "asinh": "arcsinh",
    "acosh": "arccosh", "atanh": "arctanh", "abs": "abs", "atan2": "arctan2", "hypot": "hypot",
    "copysign": "copysign", "sign": "sign",
}  # fmt: skip
HELPERS = {"sigmoid": "sigmoid", "erf": "erf", "erfc": "erfc"}
_BINARY = {"add": ast.Add, "sub": ast.Sub, "mul": ast.Mult, "div": ast.Div, "pow": ast.Pow,
           "floordiv": ast.FloorDiv, "mod": ast.Mod}  # fmt: skip
_COMPARE = {"lt": ast.Lt, "le": ast.LtE, "gt": ast.Gt, "ge": ast.GtE, "eq": ast.Eq, "ne": ast.NotEq}
# op -> positions of the arguments its spelling prints twice
TWICE = {"relu": (0,), "signed": (0, 1), "min": (0, 1), "max": (0, 1), "square": (0,)}


def _zero() -> ast.expr:
    return ast.Constant(0.0)


def _less(p, q) -> ast.expr:
    return ast.Compare(p, [ast.Lt()], [q])


def spell(op: str, args: list[ast.expr], np_call, helper_call) -> ast.expr:
    """The expression of `op` applied to `args`; `np_call(name, args)` makes `np.name(*args)`,
    `helper_call(name, args)` a call of a module-level helper."""
    if op in _BINARY:
        if op == "pow" and isinstance(args[1], ast.Constant) and args[1].value == 2:
            return ast.BinOp(args[0], ast.Mult(), args[0])
        return ast.BinOp(args[0], _BINARY[op](), args[1])
    if op == "neg":
        return ast.UnaryOp(ast.USub(), args[0])
    if op in _COMPARE:
        return ast.Compare(args[0], [_COMPARE[op]()], [args[1]])
    if op in _UFUNC:
        return np_call(_UFUNC[op], args)
    if op in HELPERS:
        return helper_call(HELPERS[op], args)
    if op == "square":
        return ast.BinOp(args[0], ast.Mult(), args[0])
    if op == "relu":  # 0.0 if x < 0.0 else x: relu(-0.0) is -0.0 and relu(nan) nan, as in the CPython target
        return np_call("where", [_less(args[0], _zero()), _zero(), args[0]])
    if op == "mask_pos":
        return np_call("where", [ast.Compare(args[1], [ast.Gt()], [_zero()]), args[0], _zero()])
    if op == "signed":  # g if 0 < x else -g if x < 0 else 0
        g, x = args
        inner = np_call("where", [_less(x, _zero()), ast.UnaryOp(ast.USub(), g), _zero()])
        return np_call("where", [_less(_zero(), x), g, inner])
    if op == "when_lt":
        return np_call("where", [_less(args[1], args[2]), args[0], _zero()])
    if op == "unless_lt":
        return np_call("where", [_less(args[1], args[2]), _zero(), args[0]])
    if op == "min":  # Python's min(p, q): q only if q < p (ties and a nan q give p)
        return np_call("where", [_less(args[1], args[0]), args[1], args[0]])
    if op == "max":  # Python's max(p, q): q only if p < q
        return np_call("where", [_less(args[0], args[1]), args[1], args[0]])
    if op == "not":
        return np_call("logical_not", args)
    if op == "len":
        return ast.Call(ast.Name("len", ast.Load()), args, [])
    if op in ("getitem", "read_at"):
        return ast.Subscript(args[0], args[1], ast.Load())
    if op == "store_at":  # h[i] = v as an expression statement (module.py refuses it where points split)
        return ast.Call(ast.Attribute(args[0], "__setitem__", ast.Load()), [args[1], args[2]], [])
    if op == "list_new":
        return ast.List([], ast.Load())
    if op == "zeros":
        return ast.BinOp(ast.List([_zero()], ast.Load()), ast.Mult(), args[0])
    if op in ("pack", "pack_tuple"):
        return ast.List(list(args), ast.Load())
    if op in ("pop", "restore"):
        return ast.Call(ast.Attribute(args[0], "pop", ast.Load()), [], [])
    if op == "append":
        return ast.Call(ast.Attribute(args[0], "append", ast.Load()), [args[1]], [])
    if op == "push":
        value = args[1] if len(args) == 2 else ast.Tuple(list(args[1:]), ast.Load())
        return ast.Call(ast.Attribute(args[0], "append", ast.Load()), [value], [])
    if op in ("unpack", "unpack_tuple", "like"):
        return args[0]
    raise KeyError(op)


# Data ops printed as statements or by the printer itself (structure, not expressions).
STATEMENTS = frozenset({"accum_at", "expect_len", "zeros_like"})
