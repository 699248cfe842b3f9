"""The Numba target: the CPython target's module, made for `numba.njit` and compiled by it.

Assumes a verified, differentiated Function. What Numba needs that CPython does not (and only that):
- typed tapes: one list per push site (`common.split_tapes`), so each holds one tuple type; a site pushed at
  most once per call (in straight-line code or a branch, not a loop) is a plain variable instead
  (`tapes_to_slots`: a list per call cost a branchy function 19x);
- a tuple parameter of the general module: its gradient cannot be a tuple (Numba types a tuple by its length),
  so a tuple argument raises a TypeError saying to pass a list or an array, or to specialize (`_refuse_tuples`);
- no `reversed(range(...))`: a `for_rev` becomes a `for` over the same range counting down (`_count_down`);
- every function of the module is compiled: the entry points and the pasted helpers (`sigmoid`) carry `@jit`,
  which is `numba.njit(cache=True)` where the module is a real file Numba can cache beside (an exported
  module), and `numba.njit` alone where it is text compiled in memory (Numba has nowhere to cache it);
- batch entry points `<name>_value_and_grad_batch(x, y, ...)` and `<name>_grad_batch`, looped over in compiled
  code: a number's argument a 1-D array, a list's a 2-D array whose row k is point k's list (the batch axis
  first, as the numpy target; `np.broadcast_to` shares one list between points without copying), all of one
  length; a wrong number of axes or lengths is a ValueError. The results are float arrays: the values `(n,)`,
  a number's gradient `(n,)`, a list's `(n, len)`. A row is passed as a view where the body only reads the list
  (indexes, unpacks, takes its length) and copied into a list where the body reassigns it (`act = x`, then
  `act = new`: Numba types both alike). Where a list's gradient is built element by element (a module
  specialized on lengths), the loop calls a copy of the entry point returning it as a tuple, so nothing is
  allocated per point, and stores its elements one by one (the MLP per sample: 660 -> 265 ns a point; the stores
  unrolled, 336 -> 293 ns in another run; inlining the copy, which Numba's parallel pass refuses, gained
  nothing more: 267 against 257 ns). `..._batch_parallel` runs the same loop with `prange` (each point only
  reads its arguments and writes its own row of the results, so the iterations are independent); on a loaded
  two-core machine it measured slower than the plain loop (545 against 268 ns a point), so it is not the
  default.
Guarantees: the module imports only `math` and `numba` (never symgrad, never NumPy by name); it is the Python
target's text otherwise, so it is deterministic and readable with the same `# line N` comments, and each point
computes the same operations in the same order as the Python target (Numba calls the same libm for `math`'s
functions, so results agree within an ulp per operation).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

from ...ir import Builder, Const, Eqn, Function, Namer, Var, verify
from ...ir import structured as layout
from ..common import TargetError, list_params, split_tapes
from ..python import emit_module as emit_python

_JIT_HELPER = '''

def {jit}(function=None, **options):
    """numba.njit with its on-disk cache where this module is a file (exported), without it otherwise."""
    if function is None:
        return lambda function: {jit}(function, **options)
    try:
        return {njit}(cache=True, **options)(function)
    except RuntimeError:  # no file beside which to cache: a module compiled from text in memory
        return {njit}(**options)(function)
'''


def _count_down(fn: Function) -> Function:
    """Each `for_rev(start, stop, step)` as `for(last, start - 1, -step)`: the same indices, last first."""

    def rewrite(body) -> tuple:
        result = []
        for eqn in body:
            if eqn.blocks:
                blocks = tuple(type(b)(b.params, rewrite(b.body), b.outs) for b in eqn.blocks)
                eqn = replace(eqn, blocks=blocks)
            if eqn.op == "for_rev":
                start, stop, step = layout.leading(eqn)
                if not (isinstance(step, Const) and type(step.value) is int and step.value > 0):
                    raise TargetError(
                        f"{fn.qualname}: the numba target reverses loops over range() with a constant positive "
                        "step only; write the step as a number"
                    )
                b = Builder().at(eqn.loc)
                s = step.value
                if s == 1:
                    last = b.sub(stop, 1)
                else:
                    span = b.mul(b.floordiv(b.sub(b.sub(stop, start), 1), s), s)
                    last = span if _is(start, 0) else b.add(start, span)
                end = b.sub(start, 1)
                result.extend(b.eqns)
                eqn = Eqn(eqn.outs, "for", (last, end, Const(-step.value), *layout.inits(eqn)), eqn.loc, eqn.blocks)
            result.append(eqn)
        return tuple(result)

    return verify(fn.with_body(rewrite(fn.body)))


def _is(atom, value) -> bool:
    return isinstance(atom, Const) and type(atom.value) is int and atom.value == value


def _fresh(names, base: str) -> str:
    for candidate in itertools.chain([base], (f"{base}_{i}" for i in itertools.count(1))):
        if candidate not in names:
            return candidate
    raise AssertionError("unreachable")


_LOOP = re.compile(r"(for|while) .*:$")


def tapes_to_slots(text: str) -> str:
    """A tape pushed at most once per call (its one `.append` outside every loop: a site in straight-line code
    or a branch) becomes a plain variable: `tape_1 = (a, b)` for the push, `a, b = tape_1` for the pop. A Numba
    list is allocated, grown and freed at every call, which cost a branchy function 19x (the logistic loss per
    row: 597 -> 31.5 ns in one batch run); a variable costs nothing. Numba accepts a variable assigned on one
    path of an `if` and read on the same path of a later one, which is how a branch's tape is used. Tapes pushed
    in a loop stay lists. Works on the Python target's text, function by function, and rewrites only names
    whose every use is the `name = []` line, one `name.append(...)` line and `... = name.pop()` lines."""
    out: list[str] = []
    function: list[str] = []
    for line in text.split("\n"):
        if line.startswith("def "):
            out.extend(_slots_in(function))
            function = []
        function.append(line)
    out.extend(_slots_in(function))
    return "\n".join(out)


def _code_lines(lines: list[str]) -> list[tuple[int, str, bool]]:
    """(index, stripped text, inside a loop) of each line of a function's body that is code: not blank, not a
    comment, not the docstring."""
    code = []
    headers: list[tuple[int, bool]] = []  # the enclosing block headers: (indent, whether a loop)
    doc = None  # inside the docstring
    for index, line in enumerate(lines[1:], start=1):
        stripped = line.strip()
        if doc is None and stripped.startswith('"""'):
            doc = stripped.count('"""') == 1  # a one-line docstring ends where it starts
            continue
        if doc:
            doc = '"""' not in stripped
            continue
        doc = False
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        while headers and headers[-1][0] >= indent:
            headers.pop()
        code.append((index, stripped, any(loop for _, loop in headers)))
        if stripped.endswith(":"):
            headers.append((indent, bool(_LOOP.match(stripped))))
    return code


def _slots_in(lines: list[str]) -> list[str]:
    if not lines or not lines[0].startswith("def "):
        return lines
    code = _code_lines(lines)
    rewrites: dict[int, str | None] = {}  # line index -> its new text (None: dropped)
    for index, stripped, looped in code:
        name = stripped[: -len(" = []")]
        if looped or not (stripped.endswith(" = []") and name.isidentifier() and lines[index] == f"    {stripped}"):
            continue
        uses = [use for use in code if use[0] != index and re.search(rf"\b{re.escape(name)}\b", use[1])]
        pushes = [use for use in uses if use[1].startswith(f"{name}.append(") and use[1].endswith(")")]
        pops = [use for use in uses if use[1].endswith(f" = {name}.pop()")]
        if len(pushes) != 1 or len(pushes) + len(pops) != len(uses) or any(use[2] for use in uses):
            continue
        rewrites[index] = None
        at, push, _ = pushes[0]
        rewrites[at] = lines[at].replace(push, f"{name} = {push[len(name) + len('.append(') : -1]}")
        for at, pop, _ in pops:
            rewrites[at] = lines[at].replace(pop, pop[: -len(".pop()")])
    return [rewrites.get(i, line) for i, line in enumerate(lines) if not (i in rewrites and rewrites[i] is None)]


_LIKE = re.compile(
    r"(?P<indent> *)(?P<out>\w+) = tuple\((?P<grad>\w+)\) if isinstance\((?P<param>\w+), tuple\) else (?P=grad)"
)


def _refuse_tuples(text: str) -> str:
    """The general module gives a tuple parameter's gradient as a tuple (`tuple(xs_bar) if isinstance(xs, tuple)
    else xs_bar`), which Numba cannot type: a tuple's length is part of its type, and a list's is known only at
    run time. Numba decides `isinstance` when it compiles, so a tuple argument gets a TypeError saying what to
    pass instead (a list or an array), and a list argument the list, as before."""

    def refuse(match) -> str:
        indent, param = match["indent"], match["param"]
        message = (
            f"target='numba' takes {param} as a list or an array, not a tuple (its gradient would be a tuple "
            "of a length Numba does not know when it compiles); or specialize=True"
        )
        return (
            f"{indent}if isinstance({param}, tuple):\n{indent}    raise TypeError({message!r})\n"
            f"{indent}{match['out']} = {match['grad']}"
        )

    return "\n".join(_LIKE.sub(refuse, line) if _LIKE.fullmatch(line) else line for line in text.split("\n"))


def emit_module(fn: Function, *, bare: bool) -> str:
    fn = _count_down(split_tapes(fn))
    text = _refuse_tuples(tapes_to_slots(emit_python(fn, bare=bare)))
    header, rest = text.split("\n", 2)[:2], text.split("\n", 2)[2]
    taken = set(fn.user_names) | {p.name for p in fn.params}
    # module-level names of the Python text (imports, helpers, entry points) are taken too
    for line in text.splitlines():
        if line.startswith("def "):
            taken.add(line[4 : line.index("(")])
        elif line.startswith("from "):
            taken.update(part.split(" as ")[-1].strip() for part in line.split(" import ", 1)[1].split(","))
    njit, prange, jit = _fresh(taken, "njit"), None, None
    taken.add(njit)
    prange = _fresh(taken, "prange")
    taken.add(prange)
    jit = _fresh(taken, "jit")
    taken.add(jit)
    imports = f"from numba import njit{'' if njit == 'njit' else ' as ' + njit}, prange"
    imports += "" if prange == "prange" else f" as {prange}"
    lines = []
    for line in rest.split("\n"):
        if line.startswith("def "):
            lines.append(f"@{jit}")
        lines.append(line)
    body = "\n".join(lines)
    # the imports end at the first blank line after the header
    first_blank = body.index("\n\n") if "\n\n" in body else len(body)
    import_text, after = body[:first_blank], body[first_blank:]
    import_text = (import_text + "\n" if import_text.strip() else "") + imports
    kernel_text, kernel, lengths = _kernel_text(fn, bare, taken, jit)
    batch = _batch_text(fn, bare, taken, jit, prange, kernel, lengths)
    return (
        "\n".join(
            [
                header[0],
                "# Standalone: needs Numba (numba.njit compiles every function). Regenerate it rather than edit it.",
                import_text + "\n" + _JIT_HELPER.format(jit=jit, njit=njit).rstrip("\n") + after.rstrip("\n"),
            ]
        )
        + "\n"
        + kernel_text
        + batch
    )


def _kernel_text(fn: Function, bare: bool, taken: set, jit: str) -> tuple[str, str | None, dict[int, int]]:
    """Where a list parameter's gradient is built element by element (`pack`: a specialized module), the batch
    loop calls a copy of the entry points that returns that gradient as a tuple: a tuple is a value in
    registers, where a list is allocated and freed at every point (that halved the MLP's batch time). Returns
    (text, the copy's base name, the tuple's length for each such parameter's index) or ("", None, {})."""
    grads = set(fn.outs[1:])
    of = dict(zip(fn.outs[1:], fn.wrt, strict=True))
    lengths = {of[e.outs[0]]: len(e.args) for e in fn.body if e.op == "pack" and e.outs[0] in grads}
    body = tuple(replace(e, op="pack_tuple") if e.op == "pack" and e.outs[0] in grads else e for e in fn.body)
    if body == fn.body:
        return "", None, {}
    base = fn.name + "_tuples"
    while {f"{base}_value_and_grad", f"{base}_grad"} & taken:
        base += "_"
    taken.update({f"{base}_value_and_grad", f"{base}_grad"})
    text = _refuse_tuples(tapes_to_slots(emit_python(replace(verify(fn.with_body(body)), name=base), bare=bare)))
    parts = []
    for entry, of in ((f"{base}_value_and_grad", f"{fn.name}_value_and_grad"), (f"{base}_grad", f"{fn.name}_grad")):
        start = text.index(f"\ndef {entry}(") + 1
        end = text.find("\n\n\n", start)
        function = text[start : end if end >= 0 else len(text)].rstrip("\n")
        parts.append(f"\n\n# {of} with the gradient's lists as tuples, for the batch loops\n@{jit}\n{function}\n")
    return "".join(parts), base, lengths


_READS = {"getitem": 0, "len": 0, "unpack": 0, "unpack_tuple": 0, "expect_len": 0, "like": 1}


def _read_only(fn: Function, var: Var) -> bool:
    """Whether the body only reads `var` as a list (indexes, unpacks, takes its length, asks its type): then an
    array row can stand for the list. A list that flows on (`act = x`, later `act = new`) must be a real list,
    since Numba types every assignment to `act` alike."""

    def visit(body, outs) -> bool:
        for eqn in body:
            for position, arg in enumerate(eqn.args):
                if arg is var and _READS.get(eqn.op) != position:
                    return False
            if not all(visit(block.body, block.outs) for block in eqn.blocks):
                return False
        return all(out is not var for out in outs)

    return visit(fn.body, fn.outs)


def _batch_text(
    fn: Function, bare: bool, taken: set, jit: str, prange: str, kernel: str | None, lengths: dict[int, int]
) -> str:
    """Batch entry points: a number parameter takes a 1-D array of the points' values, a list parameter a 2-D
    array whose row k is point k's list (the batch axis first, as the numpy target's list parameters)."""
    if not fn.params:
        return ""  # nothing to batch over (`.batch` says there is no batch entry point)
    namer = Namer(fn.user_names, taken=taken)
    params = [p.name for p in fn.params]
    for name in params:
        namer.fresh(name, user=True)
    n, k, j, value, result, element = (namer.fresh(h) for h in ("n", "k", "j", "value", "result", "g"))
    grads = [namer.fresh(f"{fn.params[i].name}_bar") for i in fn.wrt]
    lists = list_params(fn)
    numbers = [p.name for i, p in enumerate(fn.params) if i not in lists]
    first = params[0]

    def row(i: int, p) -> str:
        if i not in lists:
            return f"{p.name}[{k}]"
        if _read_only(fn, p.var):
            return f"{p.name}[{k}]"  # a row view: no copy
        return f"[{p.name}[{k}, {j}] for {j} in range({p.name}.shape[1])]"

    # the results are made from the arguments (the module does not import NumPy): `a * 0.0` has a's shape
    value_like = f"{numbers[0]} * 0.0" if numbers else f"{first}.sum(axis=1) * 0.0"
    out = []
    for with_value, parallel in itertools.product((True, False), (False, True)):
        entry = f"{fn.name}_value_and_grad" if with_value else f"{fn.name}_grad"
        what = " and its gradient" if with_value else "'s gradient"
        suffix, how = (
            ("_batch_parallel", "in parallel threads (prange)") if parallel else ("_batch", "in a compiled loop")
        )
        shapes = "each argument a 1-D array, all of one length"
        if lists:
            shapes = "a number's argument a 1-D array, a list's a 2-D array whose row k is point k's list"
        lines = [
            "",
            "",
            f"@{jit}(parallel=True)" if parallel else f"@{jit}",
            f"def {entry}{suffix}({', '.join(params)}):",
            f'    """{fn.qualname}{what} at many points, {how}:',
            f'    {shapes}{", all of one length" if lists else ""}."""',
        ]
        # (Numba compiles per argument type: a wrong number of axes is a constant test, and the code after it
        # is only compiled for the right one, so the error is this ValueError, not a typing error further in)
        for i, name in enumerate(params):
            want = 2 if i in lists else 1
            what_array = "a 2-D array (row k: point k's list)" if i in lists else "a 1-D array"
            lines.append(f"    if {name}.ndim != {want}:")
            lines.append(f"        raise ValueError({f'{entry}{suffix}: {name} must be {what_array}'!r})")
        lines.append(f"    {n} = len({first})")
        for name in params[1:]:
            lines.append(f"    if len({name}) != {n}:")
            lines.append(f"        raise ValueError('every argument of {entry}{suffix} must have the same length')")
        if with_value:
            lines.append(f"    {value} = {value_like}")
        for i, name in zip(fn.wrt, grads, strict=True):
            lines.append(f"    {name} = {fn.params[i].name} * 0.0")
        args = ", ".join(
            f"{p.name}={row(i, p)}" if p.kind == "KEYWORD_ONLY" else row(i, p) for i, p in enumerate(fn.params)
        )
        lines.append(f"    for {k} in {prange if parallel else 'range'}({n}):")
        called = entry if kernel is None else entry.replace(fn.name, kernel, 1)
        lines.append(f"        {result} = {called}({args})")
        gradient = f"{result}[1]" if with_value else result
        if with_value:
            lines.append(f"        {value}[{k}] = {result}[0]")
        for index, (i, name) in enumerate(zip(fn.wrt, grads, strict=True)):
            got = gradient + ("" if bare else f"[{index}]")
            if i in lists and i in lengths:  # a tuple of known length: one store per element
                lines.append(f"        {element} = {got}")
                lines.extend(f"        {name}[{k}, {e}] = {element}[{e}]" for e in range(lengths[i]))
            elif i in lists:
                lines.append(f"        {element} = {got}")
                lines.append(f"        for {j} in range({fn.params[i].name}.shape[1]):")
                lines.append(f"            {name}[{k}, {j}] = {element}[{j}]")
            else:
                lines.append(f"        {name}[{k}] = {got}")
        packed = grads[0] if bare else "(" + ", ".join(grads) + ("," if len(grads) == 1 else "") + ")"
        lines.append(f"    return {value}, {packed}" if with_value else f"    return {packed}")
        out.append("\n".join(lines))
    return "\n".join(out) + "\n"


__all__ = ["emit_module"]
