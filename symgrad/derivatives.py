"""Which IR computes each derivative request: the transforms composed, and the roles of the results.

A request names what the generated function returns (`Request.kind`): the gradient by forward sweeps, a
Jacobian, a Jacobian-vector product, a Hessian, a Hessian-vector product. Each is built from the same two
transforms, on a *primal*: a Function whose outputs are the numbers being differentiated (the user's function,
or the results of another symgrad function, for nesting):
- reverse mode (`reverse.reverse`) for a gradient of one number, where the primal can be reversed (a program
  lowered from the user's code: it holds no tape of its own);
- forward mode (`forward.tangents`) along the scalars of the differentiated parameters (unit directions, named
  `_d<param>`), or along one given direction (`tangent=`/`vector=`, named `_dot`);
- second order as forward over reverse: the reversed program (value and gradient) is swept forward, so the
  Hessian is the tangents of the gradient, and CSE shares the primal and adjoint work between its entries.
Reverse over reverse is never built: its tape would need a tape of its own, and forward over reverse costs
the same order of work.

Guarantees: every Function returned is verified and carries `layout`, the shape of what the entry point returns
as nested tuples of output positions (an int is `outs[i]`); rows and columns of Hessians and Jacobians run over
the scalars of the differentiated parameters in order (a list parameter's elements in order), which needs list
lengths: a list parameter must be specialized (its elements unpacked), else a SymgradError says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .errors import SymgradError
from .forward import tangents
from .ir import NO_DEFAULT, Builder, Const, Eqn, Function, Param, Var, checked, walk
from .passes import optimize
from .reverse import reverse

KINDS = ("grad", "value_and_grad", "hessian", "value_grad_hessian", "hvp", "jvp", "jacobian", "value_and_jacobian")


class LengthsNeeded(SymgradError):
    """A Hessian, Jacobian or forward-mode gradient of a list parameter was asked for without its length."""


@dataclass(frozen=True)
class Request:
    """What to compute: `kind`, the differentiated parameters `wrt` (indices) and whether one parameter's
    derivative is a bare number (`bare`), as for `grad`."""

    kind: str
    wrt: tuple[int, ...]
    bare: bool


@dataclass(frozen=True)
class Built:
    fn: Function  # optimized; `outs` are every atom the entry point returns
    layout: object  # nested tuples of output positions: the entry point's return value
    entry: str  # the entry point's name suffix (`hessian` -> `<name>_hessian`)
    doc: str  # its docstring


# --- primals --------------------------------------------------------------------------------------------------


def is_reversible(fn: Function) -> bool:
    """Whether reverse mode applies: the program has no reverse sweep (tapes, gradient lists) of its own."""
    return not any(eqn.loc.reverse for eqn in walk(fn.body))


def primal_of(built: Built, name: str) -> tuple[Function, bool]:
    """The Function computing `built`'s results as a flat tuple of numbers, to differentiate again; and whether
    that result is one number."""
    fn = built.fn
    defining = {eqn.outs[0]: eqn for eqn in fn.body if len(eqn.outs) == 1}
    flat: list = []

    def leaves(layout):
        if isinstance(layout, int):
            atom = fn.outs[layout]
            eqn = defining.get(atom) if isinstance(atom, Var) else None
            if eqn is not None and eqn.op in ("pack", "pack_tuple"):
                flat.extend(eqn.args)
            elif isinstance(atom, Var) and atom.kind == "list":
                raise SymgradError(
                    f"{fn.qualname}: a result is a list of run-time length, which cannot be differentiated again; "
                    "decorate the inner function with specialize=True"
                )
            else:
                flat.append(atom)
            return
        for item in layout:
            leaves(item)

    leaves(built.layout)
    scalar = isinstance(built.layout, int) and len(flat) == 1
    primal = replace(fn, name=name, qualname=name, outs=tuple(flat), wrt=(), differentiated=False)
    return checked(primal), scalar


# --- the scalars of the differentiated parameters ----------------------------------------------------------


def _unpacked(fn: Function) -> dict:
    """Specialized code's `a, b, c = xs`: parameter -> its unpacking."""
    return {eqn.args[0]: eqn for eqn in fn.body if eqn.op in ("unpack", "unpack_tuple")}


@dataclass(frozen=True)
class Group:
    """A differentiated parameter's scalars: `leaves` (variable or None, label) in order. `kind` is "number"
    (the parameter itself), "unpacked" (specialized code names each element: the leaves are those names) or
    "list" (a list of known `length` the code indexes at run time: its unit directions are lists)."""

    param: Var
    kind: str
    leaves: tuple
    container: str = "list"

    @property
    def length(self) -> int:
        return len(self.leaves)


def scalars(fn: Function, wrt, shapes: dict) -> list[Group]:
    """Per differentiated parameter, its scalars in order (needs the lengths of list parameters)."""
    unpacked = _unpacked(fn)
    result = []
    for i in wrt:
        param = fn.params[i]
        var = param.var
        if var in unpacked:
            eqn = unpacked[var]
            if any(out.kind == "list" for out in eqn.outs):
                raise SymgradError(
                    f"{fn.qualname}: parameter {param.name!r} is a list of lists; keep nested lists as data: "
                    "choose the differentiated parameters with wrt=..."
                )
            container = "tuple" if eqn.op == "unpack_tuple" else "list"
            leaves = tuple((out, f"{param.name}{j}") for j, out in enumerate(eqn.outs))
            result.append(Group(var, "unpacked", leaves, container))
        elif shapes is not None and param.name in shapes:
            container, length = shapes[param.name]
            if not isinstance(length, int):
                raise SymgradError(
                    f"{fn.qualname}: parameter {param.name!r} is a list of lists; keep nested lists as data: "
                    "choose the differentiated parameters with wrt=..."
                )
            leaves = tuple((None, f"{param.name}{j}") for j in range(length))
            result.append(Group(var, "list", leaves, container))
        elif var.kind == "list" or (shapes is None and var.kind == "item"):  # (item: maybe a list, unread)
            raise LengthsNeeded(
                f"{fn.qualname}: Hessians, Jacobians and forward mode need the length of the list {param.name!r}; "
                "call it with a list (it specializes on list lengths), or read the code with .specialized(*args)"
            )
        else:
            result.append(Group(var, "number", ((var, param.name),)))
    return result


def _unit_seeds(fn: Function, groups) -> tuple[tuple, dict, int, tuple[str, ...]]:
    """Unit directions, one per scalar: (prologue equations, seeds, n, suffixes). A list that stays a list gets
    a list per direction (`[0.0, 1.0, 0.0]`), made in the prologue."""
    n = sum(g.length for g in groups)
    suffixes = tuple(f"_d{label}" for g in groups for _, label in g.leaves)
    b = Builder().at(fn.origin)
    seeds: dict = {}
    k = 0
    for group in groups:
        if group.kind == "list":
            directions = []
            for d in range(n):
                if k <= d < k + group.length:
                    unit = [1.0 if j == d - k else 0.0 for j in range(group.length)]
                    t = b.emit("pack_tuple" if group.container == "tuple" else "pack", *unit)
                    t.primal, t.suffix = group.param, suffixes[d]
                    directions.append(t)
                else:
                    directions.append(None)
            seeds[group.param] = tuple(directions)
        else:
            for j, (var, _) in enumerate(group.leaves):
                if var is not None:
                    seeds[var] = tuple(Const(1.0) if d == k + j else None for d in range(n))
        k += group.length
    return tuple(b.eqns), seeds, n, suffixes


def _rows(fn: Function, b: Builder, groups, grads, tangent_of, n: int) -> list[list]:
    """The derivatives of the gradient's scalars along each direction, one row per scalar (a Hessian): a
    packed gradient (specialized code) gives its elements' tangents, a run-time list its elements' (`b`
    appends the reads)."""
    packed = {e.outs[0]: e for e in fn.body if e.op in ("pack", "pack_tuple") and len(e.outs) == 1}
    rows = []
    for group, g in zip(groups, grads, strict=True):
        if isinstance(g, Var) and g in packed:
            rows.extend(_tangent_row(tangent_of(e), n) for e in packed[g].args)
        elif group.kind == "number":
            rows.append(_tangent_row(tangent_of(g), n))
        else:
            ts = tangent_of(g)
            for j in range(group.length):
                rows.append([Const(0.0) if t is None else b.getitem(t, j) for t in ts])
    return rows


def _tangent_row(ts, n: int) -> list:
    if len(ts) != n:
        raise AssertionError(f"{len(ts)} tangents for {n} directions")
    return [Const(0.0) if t is None else t for t in ts]


def _given_direction(fn: Function, wrt, bare: bool, keyword: str):
    """A keyword-only parameter `keyword` holding one direction (shaped like the gradient), and the seeds it
    gives: `x_dot, y_dot = tangent` (or the parameter itself, for a bare one)."""
    names = {p.name for p in fn.params}
    if keyword in names:
        raise SymgradError(f"{fn.qualname}() has a parameter named {keyword!r}, the keyword this derivative takes: "
                           f"rename the parameter {keyword!r}")  # fmt: skip
    direction = Var(keyword, user=True, kind="item")
    param = Param(direction, keyword, NO_DEFAULT, "KEYWORD_ONLY")
    seeds = {}
    parts = []
    for i in wrt:
        primal = fn.params[i].var
        t = direction if bare else Var(primal=primal, kind="list" if primal.kind == "list" else "item", suffix="_dot")
        parts.append(t)
        seeds[primal] = (t,)
    # one `x_dot, y_dot = vector` (it also checks the direction's length), not an index per parameter
    prologue = () if bare else (Eqn(tuple(parts), "unpack_tuple", (direction,), fn.origin),)
    return param, prologue, seeds


def _finish(fn: Function, body, outs, params=None, wrt=None, differentiated=False) -> Function:
    new = replace(
        fn, body=tuple(body), outs=tuple(outs), params=tuple(params or fn.params),
        wrt=tuple(wrt if wrt is not None else ()), differentiated=differentiated,
    )  # fmt: skip
    return optimize(checked(new))


def _zero_like(b: Builder, atom, param: Var):
    """The zero tangent of a gradient: 0.0, or a list of zeros shaped like the parameter."""
    if isinstance(atom, Var) and atom.kind == "list":  # (or a number the caller passed: zeros_like decides)
        return b.like(b.zeros_like(param), param)
    return Const(0.0)


# --- the requests ----------------------------------------------------------------------------------------------


def first_order(primal: Function, request: Request, shapes: dict) -> Function:
    """Value and gradient (outs: value, one gradient per wrt parameter): reverse mode where the primal can be
    reversed, else forward sweeps along each scalar."""
    if is_reversible(primal):
        return optimize(reverse(primal, request.wrt))
    return forward_gradient(primal, request.wrt, shapes)


def forward_gradient(primal: Function, wrt, shapes: dict) -> Function:
    """The gradient by forward sweeps, one direction per scalar of the differentiated parameters."""
    _one_number(primal)
    groups = scalars(primal, wrt, shapes)
    prologue, seeds, n, suffixes = _unit_seeds(primal, groups)
    body, tangent_of = tangents(primal, seeds, n, suffixes)
    (value,) = primal.outs
    column = _tangent_row(tangent_of(value), n)
    b = Builder().at(primal.origin)
    grads, k = [], 0
    for group in groups:
        part = column[k : k + group.length]
        k += group.length
        if group.kind == "number":
            grads.append(part[0])
        else:
            grads.append(b.emit("pack_tuple" if group.container == "tuple" else "pack", *part, primal=group.param))
    return _finish(primal, (*prologue, *body, *b.eqns), (value, *grads), wrt=wrt, differentiated=True)


def _one_number(fn: Function) -> None:
    if len(fn.outs) != 1:
        raise SymgradError(f"{fn.qualname} returns {len(fn.outs)} numbers; a gradient needs one: use "
                           "symgrad.jacobian for a function with several results")  # fmt: skip


def hessian(primal: Function, request: Request, shapes: dict, with_value: bool) -> Built:
    _one_number(primal)
    first = first_order(primal, request, shapes)
    groups = scalars(first, request.wrt, shapes)
    prologue, seeds, n, suffixes = _unit_seeds(first, groups)
    body, tangent_of = tangents(first, seeds, n, suffixes)
    value, *grads = first.outs
    b = Builder().at(first.origin)
    rows = _rows(first, b, groups, grads, tangent_of, n)
    if len(rows) != n:
        raise SymgradError(f"{primal.qualname}: the gradient has {len(rows)} scalars for {n} parameters' scalars")
    # The gradient stays among the outputs even for the Hessian alone: its lines (`x_bar = ...`) cost a few
    # operations and give the entries their names (`x_bar_dy` is the tangent of `x_bar` along y).
    outs = [value, *grads] if with_value else [*grads]
    matrix = []
    for row in rows:
        matrix.append(tuple(range(len(outs), len(outs) + len(row))))
        outs.extend(row)
    bare = request.bare and n == 1
    h_layout = matrix[0][0] if bare else tuple(matrix)
    fn = _finish(first, (*prologue, *body, *b.eqns), outs)
    wrt_text = _wrt_text(primal, request.wrt)
    if with_value:
        g_layout = 1 if request.bare else tuple(range(1, 1 + len(grads)))
        return Built(fn, (0, g_layout, h_layout), "value_grad_hessian",
                     f"{primal.qualname}, its gradient and its Hessian with respect to {wrt_text}: returns "
                     "(value, gradient, hessian).")  # fmt: skip
    return Built(fn, h_layout, "hessian",
                 f"The Hessian of {primal.qualname} with respect to {wrt_text} (rows and columns over their "
                 "scalars, in order).")  # fmt: skip


def hvp(primal: Function, request: Request, shapes: dict) -> Built:
    _one_number(primal)
    first = first_order(primal, request, shapes)
    param, prologue, seeds = _given_direction(first, request.wrt, request.bare, "vector")
    body, tangent_of = tangents(first, seeds, 1, ("_dot",))
    _, *grads = first.outs
    b = Builder().at(first.origin)
    outs = []
    for i, g in zip(request.wrt, grads, strict=True):
        (t,) = tangent_of(g)
        outs.append(t if t is not None else _zero_like(b, g, first.params[i].var))
    fn = _finish(first, (*prologue, *body, *b.eqns), outs, params=(*first.params, param))
    layout = 0 if request.bare else tuple(range(len(outs)))
    return Built(fn, layout, "hvp",
                 f"The Hessian of {primal.qualname} with respect to {_wrt_text(primal, request.wrt)}, times "
                 "`vector` (shaped like the gradient).")  # fmt: skip


def jvp(primal: Function, request: Request, shapes: dict, scalar_result: bool) -> Built:
    param, prologue, seeds = _given_direction(primal, request.wrt, request.bare, "tangent")
    body, tangent_of = tangents(primal, seeds, 1, ("_dot",))
    values = list(primal.outs)
    dirs = [tangent_of(v)[0] if tangent_of(v)[0] is not None else Const(0.0) for v in values]
    fn = _finish(primal, (*prologue, *body), (*values, *dirs), params=(*primal.params, param))
    m = len(values)
    layout = (0, 1) if scalar_result else (tuple(range(m)), tuple(range(m, 2 * m)))
    return Built(fn, layout, "jvp",
                 f"{primal.qualname} and its derivative along `tangent` (with respect to "
                 f"{_wrt_text(primal, request.wrt)}): returns (value, directional derivative).")  # fmt: skip


def jacobian(primal: Function, request: Request, shapes: dict, scalar_result: bool, with_value: bool) -> Built:
    groups = scalars(primal, request.wrt, shapes)
    prologue, seeds, n, suffixes = _unit_seeds(primal, groups)
    body, tangent_of = tangents(primal, seeds, n, suffixes)
    values = list(primal.outs)
    outs = list(values)
    rows = []
    for v in values:
        row = _tangent_row(tangent_of(v), n)
        rows.append(tuple(range(len(outs), len(outs) + n)))
        outs.extend(row)
    bare = request.bare and n == 1
    shaped = [row[0] if bare else row for row in rows]
    j_layout = shaped[0] if scalar_result else tuple(shaped)
    fn = _finish(primal, (*prologue, *body), outs)
    wrt_text = _wrt_text(primal, request.wrt)
    if with_value:
        v_layout = 0 if scalar_result else tuple(range(len(values)))
        return Built(fn, (v_layout, j_layout), "value_and_jacobian",
                     f"{primal.qualname} and its Jacobian with respect to {wrt_text}: returns (values, jacobian), "
                     "one row per result.")  # fmt: skip
    return Built(fn, j_layout, "jacobian",
                 f"The Jacobian of {primal.qualname} with respect to {wrt_text}: one row per result, one column "
                 "per scalar of the parameters.")  # fmt: skip


def gradient(primal: Function, request: Request, shapes: dict, with_value: bool, mode: str) -> Built:
    """`grad`/`value_and_grad` as a Built (the nesting path and `mode="forward"`)."""
    _one_number(primal)
    if mode == "forward" or not is_reversible(primal):
        fn = forward_gradient(primal, request.wrt, shapes)
    else:
        fn = optimize(reverse(primal, request.wrt))
    g_layout = 1 if request.bare else tuple(range(1, len(fn.outs)))
    wrt_text = _wrt_text(primal, request.wrt)
    if with_value:
        doc = f"{primal.qualname} and its gradient with respect to {wrt_text}: returns (value, gradient)."
        return Built(fn, (0, g_layout), "value_and_grad", doc)
    return Built(fn, g_layout, "grad", f"The gradient of {primal.qualname} with respect to {wrt_text}.")


def _wrt_text(fn: Function, wrt) -> str:
    return ", ".join(fn.params[i].name for i in wrt) or "no parameter"


__all__ = ["KINDS", "Built", "Request", "first_order", "forward_gradient", "gradient", "hessian", "hvp",
           "is_reversible", "jacobian", "jvp", "primal_of", "scalars"]  # fmt: skip
