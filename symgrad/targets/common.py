"""IR passes the non-CPython targets share: one tape per push site, and the parameters' kinds.

Assumes a verified, differentiated Function as `reverse` makes it: one `tape = list_new()` at the top of the
body, `push(tape, *values)` at the end of a forward block and `*copies = restore(tape)` at the start of the
reverse block that needs them (`ir.tape.pairs` says which push each restore pops; every forward
variable is defined, and so pushed, in exactly one block).

Guarantees:
- `split_tapes(fn)` gives every push site a tape of its own (`tape`, `tape_1`, ... when printed), created at the
  top of the body, and makes each restore pop from its site's tape. Each tape then holds values of one type
  (one tuple shape per site), which Numba's typed lists need, and a vectorized target can push arrays over the
  points active at that site: a site's pushes and pops pair up iteration by iteration without meeting another
  site's. The result computes the same values (one LIFO list per site pops exactly what one shared list did,
  since a restore pops what its own block's push pushed);
- `list_params(fn)` names the parameters the body uses as lists.
"""

from __future__ import annotations

from dataclasses import replace

from ..errors import SymgradError
from ..ir import NO_DEFAULT, Block, Eqn, Function, Var, tape, verify, walk


class TargetError(SymgradError):
    """The function uses something this target cannot print (the message says what and what to do)."""


def _tapes(fn: Function) -> set[Var]:
    return {eqn.args[0] for eqn in walk(fn.body) if eqn.op in ("push", "restore")}


def split_tapes(fn: Function) -> Function:
    tapes = _tapes(fn)
    if not tapes:
        return fn
    sites: dict[int, Var] = {}  # a push site (by identity) -> its tape
    for eqn in walk(fn.body):
        if eqn.op == "push":
            sites[id(eqn)] = Var("tape", kind="list")
    pushed_by = tape.pairs(fn)  # (optimization may have merged pushed values: copies alone cannot tell)

    def site_of_restore(eqn: Eqn) -> Var:
        return sites[id(pushed_by[id(eqn)])]

    def rewrite(body) -> tuple:
        result = []
        for eqn in body:
            if eqn.op == "list_new" and eqn.out in tapes:
                continue
            if eqn.op == "push":
                eqn = replace(eqn, args=(sites[id(eqn)], *eqn.args[1:]))
            elif eqn.op == "restore":
                eqn = replace(eqn, args=(site_of_restore(eqn),))
            if eqn.blocks:
                eqn = replace(eqn, blocks=tuple(Block(b.params, rewrite(b.body), b.outs) for b in eqn.blocks))
            result.append(eqn)
        return tuple(result)

    news = tuple(Eqn((tape,), "list_new", (), fn.origin) for tape in sites.values())
    return verify(fn.with_body((*news, *rewrite(fn.body))))


def signature(fn: Function, literal) -> str:
    """The generated function's parameter list: the user's names, kinds (`*`, `/`) and defaults, each default
    printed by `literal(value)` (the target's spelling of a number)."""
    parts: list[str] = []
    kinds = [p.kind for p in fn.params]
    for i, p in enumerate(fn.params):
        if p.kind == "KEYWORD_ONLY" and (i == 0 or kinds[i - 1] != "KEYWORD_ONLY"):
            parts.append("*")
        parts.append(p.name if p.default is NO_DEFAULT else f"{p.name}={literal(p.default)}")
        if p.kind == "POSITIONAL_ONLY" and (i + 1 == len(kinds) or kinds[i + 1] != "POSITIONAL_ONLY"):
            parts.append("/")
    return ", ".join(parts)


def list_params(fn: Function) -> set[int]:
    """Indices of the parameters the body reads as lists (indexes, takes the length of, unpacks)."""
    listy = {"getitem", "len", "unpack", "unpack_tuple", "expect_len"}
    used = {eqn.args[0] for eqn in walk(fn.body) if eqn.op in listy and eqn.args and isinstance(eqn.args[0], Var)}
    used |= {eqn.args[1] for eqn in walk(fn.body) if eqn.op == "like" and isinstance(eqn.args[1], Var)}
    return {i for i, p in enumerate(fn.params) if p.var in used or p.var.kind == "list"}


__all__ = ["TargetError", "list_params", "signature", "split_tapes"]
