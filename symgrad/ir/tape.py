"""Which `push` each `restore` pops: the one reader of how the reverse sweep's tape pairs up.

Reverse mode pushes at the end of a forward block the values its reverse block needs (`push(tape, *values)`)
and pops them at the start of that reverse block (`*copies = restore(tape)`), each copy's `copy_of` naming the
value pushed in its place. Optimization may merge two equal pushed values (CSE), so a push can read a
representative where the copy still names the merged-away original. Assumes every forward variable is defined
in exactly one block and pushed by at most one site. Guarantees: `pairs(fn)` maps each restore equation (by
identity) to its push equation: the one site of the same arity whose values are, position by position, either
the copy's original or a representative of an original no longer defined in `fn`; if no site or more than one
qualifies, it raises IRError (a bug in symgrad) rather than guess.
"""

from __future__ import annotations

from . import IRError, defined_vars, walk


def _root(atom):
    return getattr(atom, "copy_of", None) or atom


def pairs(fn) -> dict[int, object]:
    pushes = [eqn for eqn in walk(fn.body) if eqn.op == "push"]
    restores = [eqn for eqn in walk(fn.body) if eqn.op == "restore"]
    if not restores:
        return {}
    defined = defined_vars(fn)
    exact = {tuple(_root(v) for v in eqn.args[1:]): eqn for eqn in pushes}
    found: dict[int, object] = {}
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
            if len(candidates) != 1:
                raise IRError(f"a restore from the tape matches {len(candidates)} push sites")
            site = candidates[0]
        found[id(restore)] = site
    return found


__all__ = ["pairs"]
