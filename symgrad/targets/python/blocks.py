"""Emission of functions with control flow: structured IR blocks to Python `if`, `for` and `while`.

Assumes a verified, differentiated Function with blocks (straight-line functions take `printer.BodyPrinter`).
Guarantees, beyond module.py's (standalone, deterministic, user names, no collisions, line comments):
- every IR block becomes a Python block: `if`s keep only the taken branch's code, loops stay loops, and the
  reverse sweep's loops run `reversed(range(...))` or a counted `range(n)`;
- a loop's carried value has one Python name (its result, its parameters and, when used only there, its
  initial value): `total = total + ...`; a block's results are assigned at its end, all at once (a tuple
  assignment) when one of them reads a name another assigns;
- values the reverse sweep pops from the tape take the names they had in the forward sweep when that name is
  free: no other variable printed under it is read once the copy is defined (later in its block, in another
  iteration of a loop around it, after that loop, at the return); else they get a fresh name;
- a temporary is printed inline only in its single use in the same block, and only if it is pure (a length
  or a pop is never moved).
"""

from __future__ import annotations

import ast
import bisect
import itertools
from collections import Counter

from ...dataops import DATA_OPS, Compare, ExpectLen, Shaped, Statement, ZerosLike
from ...ir import Const, Namer, Var, walk
from ...ir import structured as layout
from ...ops import REGISTRY, Conditional, Expression
from .printer import BodyPrinter, bound_depth, constant, maybe_int_vars

_LOOPS = layout.LOOPS


class BlockPrinter(BodyPrinter):
    def __init__(self, fn, module_names):  # not super().__init__: that sets up straight-line inlining and names
        self.fn = fn
        self.module_names = module_names
        self._templates: dict[tuple, str] = {}
        self.defining = {}
        self.block_of = {}  # var -> id of the block (list of equations) defining it
        self._index(fn.body, id(fn.body))
        uses = Counter()
        use_block = {}

        def count(eqns, block_id):
            for eqn in eqns:
                for a in eqn.args:
                    if isinstance(a, Var):
                        uses[a] += 1
                        use_block[a] = block_id
                for block in eqn.blocks:
                    count(block.body, id(block.body))
                    for a in block.outs:
                        if isinstance(a, Var):
                            uses[a] += 1
                            use_block[a] = id(block.body)

        count(fn.body, id(fn.body))
        for a in fn.outs:
            if isinstance(a, Var):
                uses[a] += 2  # outputs are named
        twice = set()
        for eqn in walk(fn.body):
            if eqn.op in ("pack", "pack_tuple"):  # each element's gradient gets its line: `xs_0_bar = ...`
                twice.update(a for a in eqn.args if isinstance(a, Var))
            if eqn.op in REGISTRY and (
                isinstance(REGISTRY[eqn.op].printer, Conditional | Expression) or self._squares(eqn)
            ):
                twice.update(a for a in eqn.args if isinstance(a, Var))
        self.inlined = set()
        for var, eqn in self.defining.items():
            if (
                uses[var] == 1
                and var not in twice
                and len(eqn.outs) == 1
                and not eqn.blocks
                and (eqn.op in REGISTRY or DATA_OPS[eqn.op].pure)
                and use_block.get(var) == self.block_of[var]
            ):
                self.inlined.add(var)
        bound_depth(walk(fn.body), self.inlined)
        self.namer = Namer(fn.user_names, taken=module_names.taken())
        self.params = {p.var for p in fn.params}
        self.maybe_int = maybe_int_vars(fn)
        self.uses = uses
        self._reads_at, self._defined_at, self._after = _read_positions(fn, self.inlined, self.defining)
        self._name_groups(fn.body)

    def _index(self, eqns, block_id):
        for eqn in eqns:
            for out in eqn.outs:
                self.defining[out] = eqn
                self.block_of[out] = block_id
            for block in eqn.blocks:
                for p in block.params:
                    self.block_of[p] = id(block.body)
                self._index(block.body, id(block.body))

    # --- names ---------------------------------------------------------------------------------------------

    def _name_groups(self, eqns) -> None:
        """Names for variables that share one: a loop's carried value; restored values (their originals)."""
        for p in self.fn.params:
            self.namer.name(p.var)
        for eqn in eqns:
            if eqn.op in _LOOPS:
                inits = layout.inits(eqn)
                for k, out in enumerate(eqn.outs):
                    name = self.name(out)
                    for block in eqn.blocks:
                        self.namer.names[layout.carried(eqn, block)[k]] = name
                    init = inits[k]
                    if (
                        isinstance(init, Var)
                        and self.uses[init] == 1
                        and init not in self.namer.names
                        and self.block_of.get(init) == self.block_of.get(out)
                        and init.copy_of is None
                    ):
                        self.namer.names[init] = name
                        self.inlined.discard(init)
            for block in eqn.blocks:
                self._name_groups(block.body)

    def name(self, var: Var) -> str:
        if var.copy_of is not None and var not in self.namer.names:
            original = self.name(var.copy_of)
            # The results are named before the first restored value is (so a gradient keeps the plain `z_bar`).
            for a in self.fn.outs:
                if isinstance(a, Var) and a.copy_of is None:
                    self.name(a)
            free = not self._name_read_after(original, var)
            self.namer.names[var] = original if free else self.namer.fresh(var.hint or original)
        if var not in self.namer.names and var.primal is not None:
            primal = var.primal
            stem = self.name(primal) if primal in self.block_of or primal in self.params else ""
            self.namer.names[var] = self.namer.fresh(f"{stem}{var.suffix}" if stem else "")
        return self.namer.name(var)

    def _name_read_after(self, name: str, copy: Var) -> bool:
        """Whether a variable other than `copy` that prints as `name` is read once `copy` holds it: after its
        definition, in a later iteration of a loop around it, or at the return. Such a name is still in use
        (a loop's result read by a later adjoint, an output), so the restored copy must not take it."""
        for other, name_ in self.namer.names.items():
            if name_ != name or other is copy:
                continue
            positions = self._reads_at.get(other, ())
            defined_at = self._defined_at.get(other, -1)
            for low, high, loop in self._after[copy]:
                if loop and low < defined_at <= high:
                    continue  # defined again in each iteration before it is read: the copy is dead by then
                k = bisect.bisect_right(positions, low)
                if k < len(positions) and positions[k] <= high:
                    return True
        return False

    def _atom(self, atom) -> ast.expr:
        if isinstance(atom, Const):
            return _literal(atom.value)
        if atom in self.inlined:
            return self._eqn_expr(self.defining[atom])
        return ast.Name(self.name(atom), ast.Load())

    def output(self, atom, maybe_int) -> str:
        if isinstance(atom, Var) and atom in maybe_int:
            return f"{self.module_names.imported('builtins', 'float')}({self.name(atom)})"
        return super().output(atom, maybe_int)

    # --- statements ----------------------------------------------------------------------------------------

    def lines(self) -> list[str]:
        out: list[str] = []
        self._block(self.fn.body, "    ", out, top=True)
        return out

    def _builtin(self, name: str) -> ast.expr:
        return ast.Name(self.module_names.imported("builtins", name), ast.Load())

    def _block(self, eqns, indent: str, out: list, top: bool = False) -> None:
        last = None
        in_reverse = False
        for eqn in eqns:
            if eqn.outs and all(v in self.inlined for v in eqn.outs):
                continue
            loc = eqn.loc
            if top and loc.reverse and not in_reverse:
                in_reverse = True
                out.append(f"{indent}# reverse sweep")
            key = (loc.file, loc.func, loc.line, loc.reverse)
            if key != last:
                last = key
                out.append(f"{indent}# {loc.describe(self.fn.origin)}")
            if eqn.op == "if":
                self._if(eqn, indent, out)
                last = None
            elif eqn.op in _LOOPS:
                self._loop(eqn, indent, out)
                last = None
            elif isinstance(DATA_OPS.get(eqn.op, None) and DATA_OPS[eqn.op].printer, ExpectLen):
                lst, n = (self._source(self._atom(a)) for a in eqn.args[:2])
                out.append(f"{indent}if {self._source(self._builtin('len'))}({lst}) != {n}:")
                out.append(f"{indent}    raise {self._source(self._builtin('ValueError'))}({eqn.args[2].value!r})")
            else:
                out.append(indent + self._statement(eqn))

    def _statement(self, eqn) -> str:
        op = DATA_OPS.get(eqn.op)
        if op is not None and isinstance(op.printer, Statement):
            return ast.unparse(op.printer.build([self._atom(a) for a in eqn.args]))
        expr = self._source(self._eqn_expr(eqn))
        if eqn.op in ("unpack", "unpack_tuple") and len(eqn.outs) < 2:  # these fail for any other length too
            return f"({self.name(eqn.outs[0])},) = {expr}" if eqn.outs else f"[] = {expr}"
        if not eqn.outs:
            return expr
        return f"{', '.join(self.name(v) for v in eqn.outs)} = {expr}"

    def _assign_results(self, targets, values, indent, out) -> None:
        exprs = [(self.name(t), self._atom(v)) for t, v in zip(targets, values, strict=True)]
        exprs = [(n, e) for n, e in exprs if not (isinstance(e, ast.Name) and e.id == n)]
        if not exprs:
            return
        assigned = {n for n, _ in exprs}
        reads_assigned = len(exprs) > 1 and any(
            isinstance(node, ast.Name) and node.id in assigned for _, e in exprs for node in ast.walk(e)
        )
        texts = [(n, self._source(e)) for n, e in exprs]
        if reads_assigned:
            out.append(f"{indent}{', '.join(n for n, _ in texts)} = {', '.join(t for _, t in texts)}")
        else:
            out.extend(f"{indent}{n} = {t}" for n, t in texts)

    def _if(self, eqn, indent, out) -> None:
        out.append(f"{indent}if {self._source(self._atom(layout.condition(eqn)))}:")
        for k, block in enumerate(eqn.blocks):
            if k == 1:
                body: list[str] = []
                self._block(block.body, indent + "    ", body)
                self._assign_results(eqn.outs, block.outs, indent + "    ", body)
                if not any(not line.strip().startswith("#") for line in body):
                    continue
                out.append(f"{indent}else:")
                out.extend(body)
                continue
            start = len(out)
            self._block(block.body, indent + "    ", out)
            self._assign_results(eqn.outs, block.outs, indent + "    ", out)
            if all(line.strip().startswith("#") for line in out[start:]):
                out.append(f"{indent}    pass")

    def _loop(self, eqn, indent, out) -> None:
        inits = layout.inits(eqn)
        body = layout.body(eqn)
        self._assign_results(eqn.outs, inits, indent, out)
        inner = indent + "    "
        if not layout.has_index(eqn):
            cond = layout.cond_block(eqn)
            if not cond.body or all(v in self.inlined for e in cond.body for v in e.outs):
                out.append(f"{indent}while {self._source(self._atom(cond.outs[0]))}:")
            else:
                out.append(f"{indent}while True:")
                self._block(cond.body, inner, out)
                out.append(f"{inner}if not {self._source(self._atom(cond.outs[0]))}:")
                out.append(f"{inner}    break")
        else:
            start, stop, step = layout.leading(eqn)
            if _is(start, 0) and _is(step, 1):
                args = [stop]
            elif _is(step, 1):
                args = [start, stop]
            else:
                args = [start, stop, step]
            iterable = ast.Call(self._builtin("range"), [self._atom(a) for a in args], [])
            if eqn.op == "for_rev":
                iterable = ast.Call(self._builtin("reversed"), [iterable], [])
            index = layout.index(body, eqn)
            index_name = self.name(index) if self.uses[index] else "_"
            out.append(f"{indent}for {index_name} in {self._source(iterable)}:")
        start_len = len(out)
        self._block(body.body, inner, out)
        nexts, stop_flag = layout.nexts(body), layout.stop_flag(body)
        self._assign_results(eqn.outs, nexts, inner, out)
        if isinstance(stop_flag, Const):
            if stop_flag.value:
                out.append(f"{inner}break")
        else:
            out.append(f"{inner}if {self._source(self._atom(stop_flag))}:")
            out.append(f"{inner}    break")
        if all(line.strip().startswith("#") for line in out[start_len:]):
            out.append(f"{inner}pass")

    # --- expressions ---------------------------------------------------------------------------------------

    def _eqn_expr(self, eqn) -> ast.expr:
        op = DATA_OPS.get(eqn.op)
        if op is None:
            return super()._eqn_expr(eqn)
        args = [self._atom(a) for a in eqn.args]
        if eqn.op in ("pack", "pack_tuple"):  # a gradient's elements are floats, even for ints in the data
            args = [
                ast.Call(self._builtin("float"), [arg], []) if isinstance(a, Var) and a in self.maybe_int else arg
                for a, arg in zip(eqn.args, args, strict=True)
            ]
        printer = op.printer
        if isinstance(printer, Compare):
            return ast.Compare(args[0], [printer.operator()], [args[1]])
        if isinstance(printer, Shaped):
            test = ast.Call(self._builtin("isinstance"), [args[1], self._builtin("tuple")], [])
            return ast.IfExp(test, ast.Call(self._builtin("tuple"), [args[0]], []), args[0])
        if isinstance(printer, ZerosLike):
            kinds = ast.Tuple([self._builtin("list"), self._builtin("tuple")], ast.Load())
            test = ast.Call(self._builtin("isinstance"), [args[0], kinds], [])
            zeros = ast.BinOp(ast.List([ast.Constant(0.0)], ast.Load()), ast.Mult(),
                              ast.Call(self._builtin("len"), args, []))  # fmt: skip
            return ast.IfExp(test, zeros, ast.Constant(0.0))
        if eqn.op == "len":
            return ast.Call(self._builtin("len"), args, [])
        return super()._eqn_expr_printer(printer, args)


def _read_positions(fn, inlined, defining):
    """Where each variable is read and defined, and when each restored copy's name is in use, as positions in
    program order.

    Returns `reads` (var -> ascending positions of its reads), `defined` (var -> the position of its
    definition; a block parameter's lies just inside its op) and `after` (restored copy -> the spans `(low,
    high, is a loop)` of positions that run once it is defined: the rest of its block, each loop around it
    (again: the next iteration), the rest of each enclosing block, up to the return). A later branch of an `if`
    around the copy is not among them: only one branch runs. An inlined temporary's reads happen where it is
    printed: in its consumer."""
    reads: dict[Var, list[int]] = {}
    defined: dict[Var, float] = {}
    counter = itertools.count()
    pending = []  # (copy, its position, its block's end, the chain of enclosing ops)

    def read(atoms, position):
        # a worklist, not recursion: an inlined expression can be as deep as the user's longest expression
        work = list(atoms)
        while work:
            a = work.pop()
            if isinstance(a, Var):
                positions = reads.setdefault(a, [])
                if not positions or positions[-1] != position:
                    positions.append(position)
                if a in inlined:
                    work.extend(defining[a].args)

    def visit(eqns, outs, block_end: list, chain):
        # `block_end` and the ends in `chain` are one-element lists, filled in once their block is visited.
        # chain: per enclosing structured op, outermost first: (its start, is it a loop, its end, its block's end)
        for eqn in eqns:
            position = next(counter)
            read(eqn.args, position)
            if eqn.blocks:
                eqn_end: list = [None]
                for block in eqn.blocks:
                    defined.update((p, position + 0.5) for p in block.params)
                    visit(block.body, block.outs, [None], [*chain, (position, eqn.op in _LOOPS, eqn_end, block_end)])
                eqn_end[0] = next(counter)
            defined.update((out, position) for out in eqn.outs)
            pending.extend((out, position, block_end, chain) for out in eqn.outs if out.copy_of is not None)
        block_end[0] = next(counter)
        read(outs, block_end[0])

    visit(fn.body, fn.outs, [None], [])
    after = {}
    for copy, position, block_end, chain in pending:
        spans = [(position, block_end[0], False)]
        for start, is_loop, eqn_end, outer_end in chain:
            if is_loop:
                spans.append((start, eqn_end[0], True))
            spans.append((eqn_end[0], outer_end[0], False))
        after[copy] = spans
    return reads, defined, after


def _is(atom, value) -> bool:
    return isinstance(atom, Const) and type(atom.value) is int and atom.value == value


def _literal(value) -> ast.expr:
    if isinstance(value, tuple):
        return ast.Tuple([_literal(v) for v in value], ast.Load())
    if isinstance(value, bool):
        return ast.Constant(value)
    return constant(value)
