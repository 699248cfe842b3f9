"""Which `push` each `restore` pops: the one reader of how the reverse sweep's tape pairs up.

Reverse mode pushes at the end of a forward block the values its reverse block needs (`push(tape, *values)`)
and pops them at the start of that reverse block (`*copies = restore(tape)`), each copy's `copy_of` naming the
value pushed in its place. Optimization may merge two equal pushed values (CSE), so a push can read a
representative where the copy still names the merged-away original. Assumes every forward variable is defined
in exactly one block and pushed by at most one site. Guarantees: `pairs(fn)` maps each restore equation (by
identity) to its push equation: the one site of the same arity whose values are, position by position, either
the copy's original or a representative of an original no longer defined in `fn`; if no site or more than one
qualifies, the one of them made for the same branch or loop of the user's code (merged values of nested
branches on one condition); if still none or several, it raises IRError (a bug in symgrad) rather than guess.
"""

from __future__ import annotations

from . import IRError, defined_vars, walk


def _root(atom):
    return getattr(atom, "copy_of", None) or atom


def _enclosing(body) -> dict[int, object]:
    """id(push or restore) -> the location of the branch or loop whose block holds it (None at the top)."""
    found: dict[int, object] = {}
    work = [(body, None)]
    while work:
        eqns, loc = work.pop()
        for eqn in eqns:
            if eqn.op in ("push", "restore"):
                found[id(eqn)] = loc
            work.extend((block.body, eqn.loc) for block in eqn.blocks)
    return found


def _same_construct(push_loc, restore_loc) -> bool:
    """Whether a push and a restore sit in the blocks of the same branch or loop of the user's code: a forward
    block pushes what its own reverse block pops first."""
    if push_loc is None or restore_loc is None:
        return push_loc is restore_loc
    return (push_loc.path, push_loc.line, push_loc.col, push_loc.func) == (
        restore_loc.path, restore_loc.line, restore_loc.col, restore_loc.func)  # fmt: skip


def pairs(fn) -> dict[int, object]:
    pushes = [eqn for eqn in walk(fn.body) if eqn.op == "push"]
    restores = [eqn for eqn in walk(fn.body) if eqn.op == "restore"]
    if not restores:
        return {}
    defined = defined_vars(fn)
    exact = {tuple(_root(v) for v in eqn.args[1:]): eqn for eqn in pushes}
    found: dict[int, object] = {}
    where = None  # the enclosing constructs, found only when needed
    for restore in restores:
        originals = tuple(_root(out) for out in restore.outs)
        site = exact.get(originals)
        if site is None:
            candidates = [
                push
                for push in pushes
                if len(push.args) - 1 == len(originals)
                and all(_root(v) is o or o not in defined for v, o in zip(push.args[1:], originals, strict=True))
            ]
            if len(candidates) > 1:  # CSE merged equal values of several sites: the one from the same construct
                where = where or _enclosing(fn.body)
                candidates = [push for push in candidates if _same_construct(where[id(push)], where[id(restore)])]
            if len(candidates) != 1:
                raise IRError(f"a restore from the tape matches {len(candidates)} push sites")
            site = candidates[0]
        found[id(restore)] = site
    return found


__all__ = ["pairs"]
