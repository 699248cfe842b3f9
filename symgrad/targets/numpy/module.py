"""The NumPy target: a differentiated IR Function to a module that evaluates it at many points at once.

Assumes a verified, differentiated Function. The module's entry points keep the user's signature; every
argument is a float or an array (a list parameter: a list or tuple of floats or arrays, or an array whose LAST
axis is the list's: the batch axes come first, as rows of a data matrix), and all broadcast together to the
points. `<name>_value_and_grad` returns `(values, gradient)` at every point, arrays of the broadcast shape (a
list parameter's gradient has the list's axis last), as `jax.vmap(jax.value_and_grad(f))`; with
`reduce="sum"` it returns the value summed over the points and each argument's gradient of that sum, shaped as
the argument (summed over the axes it was broadcast along): a dataset loss and its gradient.

What a batch of points needs that one point does not, and how it is printed:
- values that are the same at every point (`uniform`: constants, lengths, range indices, int arithmetic on them)
  stay Python numbers, and control flow on them stays Python control flow;
- an `if` on a per-point test splits the points: each branch runs only on the points that take it (`take`
  compresses the values it reads to those points) and its results are scattered back. No branch is evaluated on
  a point that does not take it, so an untaken branch makes no nan, inf or warning (`np.where` is used only to
  select among values already computed, for relu, min, max and their masks);
- a loop whose trip count or exit differs between points runs while any point is running, each iteration on the
  points still running; a finished point keeps its values. Reverse sweeps that pop a tape count their iterations
  to end together (the last forward iteration comes back first), so every point pops what it pushed;
- one tape per push site (`common.split_tapes`): a site pushes arrays over the points active there;
- lists are Python lists of per-point arrays; a list made outside a branch or loop that splits the points may be
  read inside it but not changed there (a `TargetError` says so).
Guarantees: imports only `numpy` and `math`; deterministic text; the user's names, `# line N` comments; values
at each point are those of the CPython target up to the rounding of NumPy's elementwise functions.
"""

from __future__ import annotations

import ast
import itertools
from collections import Counter

from ...ir import STRUCTURED, Const, Function, Namer, Var, walk
from ...ir import structured as layout
from ...ops import REGISTRY
from ..common import TargetError, list_params, split_tapes
from ..common import signature as common_signature  # (this module's `signature` is a local name)
from . import helpers
from .spelling import HELPERS, STATEMENTS, TWICE, spell

_MUTATING = {"append", "accum_at", "pop", "store_at"}
_INLINE = set(REGISTRY) | {"lt", "le", "gt", "ge", "eq", "ne", "not"}


def uniform_vars(fn: Function) -> set[Var]:
    """Variables whose value is the same at every point: computed from constants, lengths and range indices only.
    Optimistic fixpoint: every candidate starts uniform and loses it when one of its sources is not."""
    params = {p.var for p in fn.params}
    uniform: set[Var] = set()
    for eqn in walk(fn.body):
        uniform.update(eqn.outs)
        for block in eqn.blocks:
            uniform.update(block.params)
    uniform -= params

    def u(atom) -> bool:
        return isinstance(atom, Const) or atom in uniform

    changed = True
    while changed:
        changed = False

        def drop(vars_):
            nonlocal changed
            for v in vars_:
                if v in uniform:
                    uniform.discard(v)
                    changed = True

        for eqn in walk(fn.body):
            op = eqn.op
            if op == "if":
                ok = u(layout.condition(eqn))
                for k, out in enumerate(eqn.outs):
                    if not (ok and all(u(block.outs[k]) for block in eqn.blocks)):
                        drop([out])
            elif op in layout.LOOPS:
                body = layout.body(eqn)
                loop_ok = u(layout.stop_flag(body)) and all(u(a) for a in layout.leading(eqn))
                if op == "while":
                    loop_ok = loop_ok and u(layout.cond_block(eqn).outs[0])
                if not loop_ok:
                    drop(eqn.outs)
                    for block in eqn.blocks:
                        # a loop split between points that starts together keeps one index for all of them
                        index = layout.index(block, eqn)
                        together = eqn.op == "for_rev" or (eqn.op == "for" and not _restores(body))
                        keep = index is not None and together and all(u(a) for a in layout.leading(eqn)[::2])
                        drop(v for v in block.params if not (keep and v is index))
                    continue
                nexts = layout.nexts(body)
                for k, init in enumerate(layout.inits(eqn)):
                    if not (u(init) and u(nexts[k])):
                        drop([eqn.outs[k]])
                        drop(layout.carried(eqn, block)[k] for block in eqn.blocks)
            elif op == "len":
                continue
            elif op == "getitem":
                if not (isinstance(eqn.args[0], Const) and u(eqn.args[1])):
                    drop(eqn.outs)
            elif op == "restore":
                drop(out for out in eqn.outs if out.copy_of not in uniform)
            elif op in ("list_new", "zeros", "pack", "pack_tuple", "unpack", "unpack_tuple", "like", "zeros_like"):
                drop(eqn.outs)
            elif not all(u(a) for a in eqn.args):
                drop(eqn.outs)
    return uniform


def _free_vars(block, exclude) -> list[Var]:
    """Variables a block reads (nested blocks included) that it does not define, in order of first use."""
    defined = set(block.params)
    for eqn in walk(block.body):
        defined.update(eqn.outs)
        for inner in eqn.blocks:
            defined.update(inner.params)
    seen: dict[Var, None] = {}

    def see(atoms):
        for a in atoms:
            if isinstance(a, Var) and a not in defined and a not in exclude:
                seen.setdefault(a)

    for eqn in walk(block.body):
        see(eqn.args)
        for inner in eqn.blocks:
            see(inner.outs)
    see(block.outs)
    return list(seen)


def _mutated(block) -> set[Var]:
    return {eqn.args[0] for eqn in walk(block.body) if eqn.op in _MUTATING}


def _restores(block) -> bool:
    return any(eqn.op == "restore" for eqn in walk(block.body))


class _Context:
    """The points the code at hand runs on: `count` is the expression of how many; `env` maps variables from
    outside a branch or iteration to their compressed copies; `sels` holds, per level of splitting, the
    positions of that level's points among the level above's; `outer` maps a list that only gets added to
    (a gradient list) to the level it lives at, uncompressed."""

    def __init__(self, count: str, env: dict | None = None, sels=(), outer=None):
        self.count = count
        self.env = dict(env or {})
        self.sels = list(sels)
        self.outer = dict(outer or {})
        self.counts = []

    def positions(self, level: int) -> str:
        """The positions of the points at hand among the points of `level`."""
        expr = self.sels[-1]
        for sel in reversed(self.sels[level:-1]):
            expr = f"{sel}[{expr}]"
        return expr


class VectorPrinter:
    def __init__(self, fn: Function, names: dict[str, str], used_helpers: set[str]):
        self.fn = fn
        self.names = names
        self.used_helpers = used_helpers
        self.namer = Namer(fn.user_names, taken=set(names.values()))
        for p in fn.params:
            self.namer.name(p.var)
        self.tapes = {eqn.args[0] for eqn in walk(fn.body) if eqn.op in ("push", "restore")}
        self.uniform = uniform_vars(fn)
        self.list_param_vars = {fn.params[i].var for i in list_params(fn)}
        self.defining = {}
        self.block_of = {}
        self._index(fn.body)
        uses: Counter = Counter()
        twice: set[Var] = set()
        for eqn in walk(fn.body):
            for k, a in enumerate(eqn.args):
                if isinstance(a, Var):
                    uses[a] += 1
                    if k in TWICE.get(eqn.op, ()) or eqn.op in STRUCTURED or eqn.op not in _INLINE:
                        twice.add(a)
            for block in eqn.blocks:
                for a in block.outs:
                    if isinstance(a, Var):
                        uses[a] += 2
        for a in fn.outs:
            if isinstance(a, Var):
                uses[a] += 2
        use_block = {}
        for eqn in walk(fn.body):
            for block in eqn.blocks:
                for inner in block.body:
                    for a in inner.args:
                        use_block[a] = id(block.body)
        for eqn in fn.body:
            for a in eqn.args:
                use_block[a] = id(fn.body)
        self.inlined = {
            var
            for var, eqn in self.defining.items()
            if uses[var] == 1
            and var not in twice
            and eqn.op in _INLINE
            and len(eqn.outs) == 1
            and not var.user
            and (var.primal is None or not var.primal.hint)
            and use_block.get(var) == self.block_of[var]
        }
        self._share_loop_names(fn.body)

    def _index(self, eqns):
        for eqn in eqns:
            for out in eqn.outs:
                self.defining[out] = eqn
                self.block_of[out] = id(eqns)
            for block in eqn.blocks:
                self._index(block.body)

    def _share_loop_names(self, eqns):
        """A loop that stays a Python loop keeps each carried value under one name (result and block params)."""
        for eqn in eqns:
            if eqn.op in layout.LOOPS and self._plain_loop(eqn):
                for k, out in enumerate(eqn.outs):
                    name = self.namer.name(out)
                    for block in eqn.blocks:
                        self.namer.names[layout.carried(eqn, block)[k]] = name
            for block in eqn.blocks:
                self._share_loop_names(block.body)

    # --- what is uniform ---------------------------------------------------------------------------------

    def is_uniform(self, atom) -> bool:
        return isinstance(atom, Const) or atom in self.uniform

    def _plain_loop(self, eqn) -> bool:
        body = layout.body(eqn)
        ok = self.is_uniform(layout.stop_flag(body)) and all(self.is_uniform(a) for a in layout.leading(eqn))
        if eqn.op == "while":
            ok = ok and self.is_uniform(layout.cond_block(eqn).outs[0])
        return ok

    # --- expressions ---------------------------------------------------------------------------------------

    def np(self, name: str, args) -> ast.expr:
        return ast.Call(ast.Attribute(ast.Name(self.names["np"], ast.Load()), name, ast.Load()), list(args), [])

    def helper(self, name: str, args) -> ast.expr:
        self.used_helpers.add(name)
        return ast.Call(ast.Name(self.names[name], ast.Load()), list(args), [])

    def name(self, var: Var, ctx: _Context) -> str:
        return ctx.env.get(var) or self.namer.name(var)

    def atom(self, atom, ctx: _Context) -> ast.expr:
        if isinstance(atom, Const):
            return _literal(atom.value)
        if atom in self.inlined and atom not in ctx.env:
            return self.expr(self.defining[atom], ctx)
        return ast.Name(self.name(atom, ctx), ast.Load())

    def expr(self, eqn, ctx: _Context) -> ast.expr:
        if eqn.op == "getitem" and not self.is_uniform(eqn.args[1]):
            raise self.error(eqn, "a list index that differs between points")
        return spell(eqn.op, [self.atom(a, ctx) for a in eqn.args], self.np, self.helper)

    def text(self, node: ast.expr) -> str:
        return ast.unparse(node)

    def error(self, eqn, what: str) -> TargetError:
        loc = eqn.loc
        return TargetError(
            f"{loc.file}:{loc.line}: the numpy target does not support {what} yet (in `{loc.text.strip()}`); "
            "use target='python' or target='numba' for this function, or call the numpy target on points that "
            "share it"
        )

    # --- statements ----------------------------------------------------------------------------------------

    def block(self, eqns, indent: str, ctx: _Context, out: list[str]) -> None:
        last = None
        for eqn in eqns:
            if eqn.outs and all(v in self.inlined for v in eqn.outs):
                continue
            loc = eqn.loc
            key = (loc.file, loc.func, loc.line, loc.reverse)
            if key != last:
                last = key
                out.append(f"{indent}# {loc.describe(self.fn.origin)}")
            if eqn.op == "if":
                (self._plain_if if self.is_uniform(layout.condition(eqn)) else self._masked_if)(eqn, indent, ctx, out)
                last = None
            elif eqn.op in layout.LOOPS:
                (self._plain_loop_lines if self._plain_loop(eqn) else self._masked_loop)(eqn, indent, ctx, out)
                last = None
            else:
                out.extend(indent + line for line in self.statement(eqn, ctx))

    def statement(self, eqn, ctx: _Context) -> list[str]:
        a = [self.atom(x, ctx) for x in eqn.args]
        if eqn.op == "accum_at":  # a new array, never `+=`: the element may be an array another name holds
            target = self.text(ast.Subscript(a[0], a[1], ast.Load()))
            if eqn.args[0] in ctx.outer:  # a gradient list of a level above: add at these points' positions
                level = ctx.outer[eqn.args[0]]
                self.used_helpers.add("add_at")
                where = f"{ctx.positions(level)}, {ctx.counts[level]}"
                return [f"{target} = {self.names['add_at']}({target}, {where}, {self.text(a[2])})"]
            return [f"{target} = {target} + {self.text(a[2])}"]
        if eqn.op == "expect_len":
            return [
                f"if len({self.text(a[0])}) != {self.text(a[1])}:",
                f"    raise ValueError({eqn.args[2].value!r})",
            ]
        if eqn.op == "zeros_like":
            value = f"[0.0] * len({self.text(a[0])})" if eqn.args[0] in self.list_param_vars else "0.0"
            return [f"{self.name(eqn.out, ctx)} = {value}"]
        assert eqn.op not in STATEMENTS
        text = self.text(self.expr(eqn, ctx))
        if not eqn.outs:
            return [text]
        names = [self.name(v, ctx) for v in eqn.outs]
        if eqn.op in ("unpack", "unpack_tuple", "restore") and len(names) < 2:
            if eqn.op == "restore" and len(names) == 1:
                return [f"{names[0]} = {text}"]
            return [f"({names[0]},) = {text}" if names else f"[] = {text}"]
        return [f"{', '.join(names)} = {text}"]

    def _assign(self, targets: list[str], values: list[ast.expr], indent: str, out: list[str]) -> None:
        pairs = [(t, self.text(v)) for t, v in zip(targets, values, strict=True) if self.text(v) != t]
        if not pairs:
            return
        if len(pairs) > 1:
            out.append(f"{indent}{', '.join(t for t, _ in pairs)} = {', '.join(v for _, v in pairs)}")
        else:
            out.append(f"{indent}{pairs[0][0]} = {pairs[0][1]}")

    def _plain_if(self, eqn, indent, ctx, out) -> None:
        out.append(f"{indent}if {self.text(self.atom(layout.condition(eqn), ctx))}:")
        for k, block in enumerate(eqn.blocks):
            lines: list[str] = []
            self.block(block.body, indent + "    ", ctx, lines)
            targets = [self.name(v, ctx) for v in eqn.outs]
            self._assign(targets, [self.atom(a, ctx) for a in block.outs], indent + "    ", lines)
            if k == 1:
                if any(not line.strip().startswith("#") for line in lines):
                    out.append(f"{indent}else:")
                    out.extend(lines)
            else:
                out.extend(
                    lines if any(not ln.strip().startswith("#") for ln in lines) else [*lines, indent + "    pass"]
                )

    def _enter(self, block, sel: str, indent: str, ctx: _Context, out: list[str], extra=()) -> _Context:
        """The context of `block` run on the points `sel` (positions among ctx's): its free variables
        compressed. A list it changes must be its own."""
        inner = _Context(f"{sel}.size", ctx.env, [*ctx.sels, sel], ctx.outer)
        inner.counts = [*ctx.counts, ctx.count]
        changed = _mutated(block) - self.tapes
        grown = {e.args[0] for e in walk(block.body) if e.op in ("append", "pop")}
        read = {e.args[0] for e in walk(block.body) if e.op in ("getitem", "read_at", "unpack", "unpack_tuple")}
        read |= {e.args[0] for e in walk(block.body) if e.op == "store_at"}  # a store is not an addition either
        for var in _free_vars(block, exclude=self.tapes | set(extra)):
            if var in changed and (var in grown or var in read):
                eqn = next(e for e in walk(block.body) if e.op in _MUTATING and e.args[0] is var)
                raise self.error(eqn, "changing a list inside a branch or loop that the points take differently")
            if var in changed:  # only added to: it stays at its level, and additions go to these points there
                inner.outer.setdefault(var, len(ctx.sels))
                continue
            if self.is_uniform(var):
                continue
            name = self.namer.fresh(self.name(var, ctx))
            out.append(f"{indent}{name} = {self.names['take']}({self.name(var, ctx)}, {sel})")
            self.used_helpers.add("take")
            inner.env[var] = name
        return inner

    def _empty(self, var: Var, count: str) -> str:
        dtype = {"int": "int", "bool": "bool"}.get(var.kind, "float")
        return f"{self.names['np']}.empty({count}, dtype={dtype})"

    def _masked_if(self, eqn, indent, ctx, out) -> None:
        np = self.names["np"]
        cond = self.text(self.atom(layout.condition(eqn), ctx))
        taken = self.namer.fresh("taken")
        sels = [self.namer.fresh("then"), self.namer.fresh("other")]
        out.append(f"{indent}{taken} = {np}.broadcast_to({cond}, ({ctx.count},))")
        out.append(f"{indent}{sels[0]}, {sels[1]} = {np}.flatnonzero({taken}), {np}.flatnonzero(~{taken})")
        results = [self.name(v, ctx) for v in eqn.outs]
        for var, name in zip(eqn.outs, results, strict=True):
            if var.kind == "list":
                raise self.error(eqn, "a list that a branch the points take differently makes")
            out.append(f"{indent}{name} = {self._empty(var, ctx.count)}")
        for block, sel, what in zip(eqn.blocks, sels, ("take the branch", "do not"), strict=True):
            if not block.body and not eqn.outs:
                continue
            out.append(f"{indent}if {sel}.size:  # the points that {what}")
            inner = self._enter(block, sel, indent + "    ", ctx, out)
            self.block(block.body, indent + "    ", inner, out)
            for name, a in zip(results, block.outs, strict=True):
                out.append(f"{indent}    {name}[{sel}] = {self.text(self.atom(a, inner))}")
            if out[-1].rstrip().endswith(":"):
                out.append(f"{indent}    pass")

    def _plain_loop_lines(self, eqn, indent, ctx, out) -> None:
        body = layout.body(eqn)
        results = [self.name(v, ctx) for v in eqn.outs]
        self._assign(results, [self.atom(a, ctx) for a in layout.inits(eqn)], indent, out)
        inner = indent + "    "
        if eqn.op == "while":
            cond = layout.cond_block(eqn)
            out.append(f"{indent}while True:")
            self.block(cond.body, inner, ctx, out)
            out.append(f"{inner}if not {self.text(self.atom(cond.outs[0], ctx))}:")
            out.append(f"{inner}    break")
        else:
            start, stop, step = layout.leading(eqn)
            args = ", ".join(self.text(self.atom(a, ctx)) for a in (start, stop, step))
            iterable = f"range({args})" if eqn.op == "for" else f"reversed(range({args}))"
            index = layout.index(body, eqn)
            out.append(f"{indent}for {self.name(index, ctx)} in {iterable}:")
        start_len = len(out)
        self.block(body.body, inner, ctx, out)
        self._assign(results, [self.atom(a, ctx) for a in layout.nexts(body)], inner, out)
        flag = layout.stop_flag(body)
        if isinstance(flag, Const):
            if flag.value:
                out.append(f"{inner}break")
        else:
            out.append(f"{inner}if {self.text(self.atom(flag, ctx))}:")
            out.append(f"{inner}    break")
        if len(out) == start_len:
            out.append(f"{inner}pass")

    def _masked_loop(self, eqn, indent, ctx, out) -> None:
        np = self.names["np"]
        body = layout.body(eqn)
        inner = indent + "    "
        results = [self.name(v, ctx) for v in eqn.outs]
        for var, name, init in zip(eqn.outs, results, layout.inits(eqn), strict=True):
            if var.kind == "list":
                raise self.error(eqn, "a list carried by a loop whose iterations differ between points")
            dtype = {"int": "int", "bool": "bool"}.get(var.kind, "float")
            out.append(f"{indent}{name} = {np}.full({ctx.count}, {self.text(self.atom(init, ctx))}, dtype={dtype})")
        flag = layout.stop_flag(body)
        breaks = not (isinstance(flag, Const) and not flag.value)
        running = self.namer.fresh("running")
        act = self.namer.fresh("active")
        if eqn.op == "while" or breaks:
            out.append(f"{indent}{running} = {np}.ones({ctx.count}, dtype=bool)")
        if eqn.op == "while":
            out.append(f"{indent}while True:")
            out.append(f"{inner}{act} = {np}.flatnonzero({running})")
            out.append(f"{inner}if not {act}.size:")
            out.append(f"{inner}    break")
            cond = layout.cond_block(eqn)
            cctx = self._enter(cond, act, inner, ctx, out, extra=cond.params)
            for param, name in zip(layout.carried(eqn, cond), results, strict=True):
                cctx.env[param] = self.namer.fresh(name)
                out.append(f"{inner}{cctx.env[param]} = {name}[{act}]")
            self.block(cond.body, inner, cctx, out)
            ok = self.namer.fresh("going")
            out.append(f"{inner}{ok} = {np}.broadcast_to({self.text(self.atom(cond.outs[0], cctx))}, ({act}.size,))")
            out.append(f"{inner}{running}[{act}[~{ok}]] = False")
            out.append(f"{inner}{act} = {act}[{ok}]")
            out.append(f"{inner}if not {act}.size:")
            out.append(f"{inner}    break")
            index_text = None
        else:
            start, stop, step = layout.leading(eqn)
            if not (isinstance(step, Const) and type(step.value) is int and step.value != 0):
                raise self.error(eqn, "a range() whose step is not a constant, in a loop that differs between points")
            s = step.value
            trips, steps, j = self.namer.fresh("trips"), self.namer.fresh("steps"), self.namer.fresh("j")
            lo, hi = self.text(self.atom(start, ctx)), self.text(self.atom(stop, ctx))
            if abs(s) == 1:  # the trip count: ceil((stop - start) / step), at least 0
                span = (hi if lo == "0" else f"{hi} - {lo}") if s > 0 else f"{lo} - {hi}"
            else:
                span = f"-(({lo} - {hi}) // {s})" if s > 0 else f"-(({hi} - {lo}) // {-s})"
            out.append(f"{indent}{trips} = {np}.broadcast_to({np}.maximum(0, {span}), ({ctx.count},))")
            out.append(f"{indent}{steps} = int({trips}.max()) if {trips}.size else 0")
            # A reverse sweep that pops a tape ends together with the others (its last iteration mirrors the
            # forward loop's first); every other loop starts together.
            right = eqn.op == "for" and _restores(body)
            order = f"reversed(range({steps}))" if eqn.op == "for_rev" else f"range({steps})"
            out.append(f"{indent}for {j} in {order}:")
            test = f"{j} >= {steps} - {trips}" if right else f"{j} < {trips}"
            mask = f"({test}) & {running}" if breaks else test
            out.append(f"{inner}{act} = {np}.flatnonzero({mask})")
            out.append(f"{inner}if not {act}.size:")
            out.append(f"{inner}    continue")
            local = f"({j} - {steps} + {trips}[{act}])" if right else j
            first = lo if self.is_uniform(start) else f"{self.names['take']}({lo}, {act})"
            index_text = f"{first} + {local} * {s}" if s != 1 or lo != "0" else str(local)
            if not self.is_uniform(start):
                self.used_helpers.add("take")
        index = layout.index(body, eqn)
        bctx = self._enter(body, act, inner, ctx, out, extra=body.params)
        if index is not None:
            bctx.env[index] = self.namer.fresh(self.namer.name(index))
            out.append(f"{inner}{bctx.env[index]} = {index_text}")
        for param, name in zip(layout.carried(eqn, body), results, strict=True):
            bctx.env[param] = self.namer.fresh(name)
            out.append(f"{inner}{bctx.env[param]} = {name}[{act}]")
        self.block(body.body, inner, bctx, out)
        for name, a in zip(results, layout.nexts(body), strict=True):
            out.append(f"{inner}{name}[{act}] = {self.text(self.atom(a, bctx))}")
        if breaks:
            stop = self.text(self.atom(flag, bctx))
            out.append(f"{inner}{running}[{act}[{np}.broadcast_to({stop}, ({act}.size,))]] = False")


def _literal(value) -> ast.expr:
    if isinstance(value, tuple):
        return ast.Tuple([_literal(v) for v in value], ast.Load())
    if isinstance(value, bool):
        return ast.Constant(value)
    if value < 0 or (value == 0 and str(value).startswith("-")):
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


_MODULE_NAMES = (
    "np", "math", "points", "take", "add_at", "per_point", "per_point_list", "total", "sum_to", "sum_to_list",
    "sigmoid", "erf", "erfc",
)  # fmt: skip


def _module_names(fn: Function) -> dict[str, str]:
    avoid = set(fn.user_names) | {p.name for p in fn.params} | {f"{fn.name}_value_and_grad", f"{fn.name}_grad"}
    names = {}
    for base in _MODULE_NAMES:
        for candidate in itertools.chain([base], (f"{base}_{i}" for i in itertools.count(1))):
            if candidate not in avoid and candidate not in names.values():
                names[base] = candidate
                break
    return names


def emit_module(fn: Function, *, bare: bool, reduce: str | None = None) -> str:
    if not fn.differentiated:
        raise ValueError("emit_module needs a differentiated Function")
    if reduce not in (None, "sum"):
        raise ValueError(f"reduce must be None or 'sum', not {reduce!r}")
    for eqn in walk(fn.body):
        op = REGISTRY.get(eqn.op)
        if op is not None and op.primitive is not None:
            raise TargetError(
                f"{fn.qualname}: target='numpy' does not vectorize the user-defined primitive {eqn.op!r} yet; "
                "use the Python or Numba target for functions that call it"
            )
    fn = split_tapes(fn)
    names = _module_names(fn)
    used: set[str] = {"points", "per_point"} if reduce is None else {"points", "total", "sum_to"}
    printer = VectorPrinter(fn, names, used)
    lists = list_params(fn)
    numbers = [i for i in range(len(fn.params)) if i not in lists]
    order = numbers + sorted(lists)  # the prologue's order: numbers first, then lists
    pnames = [p.name for p in fn.params]
    shape, n, own = (printer.namer.fresh(h) for h in ("shape", "n", "own"))
    body: list[str] = []
    number_text = "".join(f"{pnames[i]}, " for i in numbers)
    list_text = "".join(f"{pnames[i]}, " for i in sorted(lists))
    targets = "".join(f"{pnames[i]}, " for i in order)
    body.append("    # every argument over the broadcast shape of all of them, flat")
    body.append(f"    {targets}{shape}, {n}, {own} = {names['points']}(({number_text}), ({list_text}))")
    printer.block(fn.body, "    ", _Context(n), body)
    value, *grads = fn.outs
    ctx = _Context(n)

    def out_text(atom, index=None) -> str:
        text = printer.text(printer.atom(atom, ctx))
        if index is None:
            return f"{names['per_point']}({text}, {shape}, {n})" if reduce is None else f"{names['total']}({text}, {n})"
        position = order.index(index)
        if index in lists:
            helper = "per_point_list" if reduce is None else "sum_to_list"
        else:
            helper = "per_point" if reduce is None else "sum_to"
        used.add(helper)
        if reduce is None:
            return f"{names[helper]}({text}, {shape}, {n})"
        return f"{names[helper]}({text}, {shape}, {n}, {own}[{position}])"

    grad_texts = [out_text(g, i) for g, i in zip(grads, fn.wrt, strict=True)]
    if bare:
        gradient = grad_texts[0]
    else:
        gradient = "(" + ", ".join(grad_texts) + ("," if len(grad_texts) == 1 else "") + ")"
    value_text = out_text(value)
    wrt_text = ", ".join(pnames[i] for i in fn.wrt) or "no parameter"
    if reduce is None:
        returns = "the values and the gradient at every point, arrays of the broadcast shape"
    else:
        returns = "the value summed over the points and the gradient of that sum, shaped as each argument"
    for helper, deps in helpers.USES.items():
        if helper in used:
            used.update(deps)
    helper_text = "".join("\n" + helpers.text(h, names) for h in _MODULE_NAMES[2:] if h in used)
    signature = common_signature(fn, lambda value: ast.unparse(_literal(value)))
    call = ", ".join(f"{p.name}={p.name}" if p.kind == "KEYWORD_ONLY" else p.name for p in fn.params)
    parts = [
        f"# Generated by symgrad from {fn.origin.file}:{fn.origin.line}, function {fn.qualname}; target numpy.",
        "# Standalone: needs NumPy. Every argument may be a float or an array; arrays broadcast. Regenerate it "
        "rather than edit it.",
        f"import math as {names['math']}" if names["math"] != "math" else "import math",
        f"import numpy as {names['np']}",
        helper_text,
        "",
        f"def {fn.name}_value_and_grad({signature}):",
        f'    """{fn.qualname} and its gradient with respect to {wrt_text} at many points: returns {returns}."""',
        *body,
        f"    return {value_text}, {gradient}",
        "",
        "",
        f"def {fn.name}_grad({signature}):",
        f'    """The gradient of {fn.qualname} with respect to {wrt_text} at many points."""',
        f"    return {fn.name}_value_and_grad({call})[1]",
        "",
    ]
    return "\n".join(parts)


__all__ = ["HELPERS", "VectorPrinter", "emit_module", "uniform_vars"]
