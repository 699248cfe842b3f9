"""symgrad's intermediate representation: flat single-assignment equations with source locations.

A `Function` is parameters, a body of `Eqn`s and a tuple of output atoms. An atom is a `Var` (defined once: a
parameter or one equation's output) or a `Const`. Every equation carries the `Loc` of the user's source it came
from. Equations have a `blocks` field, empty for every primitive today: structured ops (an `if` whose branches
are blocks, a loop whose body is a block) will live there, and `walk`, `verify` and the printer already recurse
into it, so control flow can be added without changing the shape of straight-line code.

The layout of structured ops (which args are carried, which block params are the index) is read only through
`structured`. Guarantees: IR values are immutable once built (passes return new Functions); `verify` checks single
assignment, definition before use, arity and locations; `format_function` is deterministic: names come from the
user's variable names and the order of appearance, never from ids or hashes. `Eqn`, `Loc` and `Const` are
plain slotted classes, not frozen dataclasses (a frozen dataclass's `__init__` sets each field through
`object.__setattr__`: 8% of the instructions of compiling a 2,000-step chain); with SYMGRAD_VERIFY=1, as in the
tests, each of their fields can be set once only, so a stage that assigns to one fails there.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace

from ..dataops import DATA_OPS
from ..errors import SymgradError
from ..ops import REGISTRY
from . import structured
from .structured import STRUCTURED

OP_TABLE = {**REGISTRY, **DATA_OPS}  # every primitive: real-valued ops and data ops


class IRError(SymgradError):
    """The IR broke an invariant: a bug in symgrad, never the user's fault."""


class Var:
    """A single-assignment variable. `hint` is the name it should print as ('' for a temporary); `user` says
    the hint is the user's own variable name. `primal` marks a derived variable (an adjoint, a tangent): it
    prints as its primal's name plus `suffix` (`_bar` for an adjoint, `_dot` or `_d<input>` for a tangent),
    whatever name the primal gets. Identity is the object itself, so two Vars with the same hint are
    different variables."""

    __slots__ = ("copy_of", "hint", "kind", "primal", "serial", "suffix", "user")
    _serials = itertools.count()

    def __init__(
        self, hint: str = "", user: bool = False, primal: Var | None = None, kind: str = "scalar", suffix: str = "_bar"
    ):
        self.hint = hint
        self.user = user
        self.primal = primal
        self.suffix = suffix
        # What lowering knows the value is: "scalar" (a number), "int" (surely an int: an index or a length),
        # "bool", "list", or "item" (a parameter or list element not yet used as either a number or a list).
        self.kind = kind
        self.copy_of: Var | None = None  # a value restored from the tape: printed under its original's name
        self.serial = next(Var._serials)  # creation order, used only to order commutative operands in CSE

    def __repr__(self) -> str:
        return f"Var({self.hint or 't'}#{self.serial})"


@dataclass(eq=False, slots=True)
class Const:
    """A compile-time number. Equality and hashing distinguish 0.0 from -0.0 and 1 from 1.0."""

    value: int | float | bool | tuple  # a tuple of numbers: a module-level constant indexed at run time

    def key(self) -> tuple:
        return (type(self.value).__name__, repr(self.value))

    def __eq__(self, other) -> bool:
        return isinstance(other, Const) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())

    def __repr__(self) -> str:
        return f"Const({self.value!r})"


Atom = Var | Const


@dataclass(unsafe_hash=True, slots=True)
class Loc:
    """Where an equation came from: the user's file (full path), absolute line, 0-based column, the line's text
    and the function it is in (inlined callees keep their own); `reverse` marks equations of the backward sweep.
    Printed output names only the file's base name, so it does not depend on where a checkout lives."""

    path: str
    line: int
    col: int
    text: str
    func: str
    reverse: bool = False

    @property
    def file(self) -> str:
        return os.path.basename(self.path)

    def reversed(self) -> Loc:
        """This location, for an equation of the backward sweep (dataclasses.replace costs three times as much,
        once per equation of the sweep)."""
        return Loc(self.path, self.line, self.col, self.text, self.func, True)

    def describe(self, top: Loc | None = None) -> str:
        """`line N: source`, naming the function (and file) when it differs from `top`'s (inlined code)."""
        where = f"line {self.line}"
        if top is None or (self.func == top.func and self.path == top.path):  # (no base names to compute)
            return f"{where}: {self.text.strip()}"
        if (self.func, self.file) != (top.func, top.file):
            where = f"{self.func}, {where}" if self.file == top.file else f"{self.func}, {self.file} {where}"
        return f"{where}: {self.text.strip()}"


@dataclass(frozen=True)
class Block:
    params: tuple[Var, ...]
    body: tuple[Eqn, ...]
    outs: tuple[Atom, ...]


@dataclass(unsafe_hash=True, slots=True)
class Eqn:
    outs: tuple[Var, ...]
    op: str
    args: tuple[Atom, ...]
    loc: Loc
    blocks: tuple[Block, ...] = ()  # the blocks of a structured op (if, for, while)

    @property
    def out(self) -> Var:
        return self.outs[0]


NO_DEFAULT = object()


def _set_once(self, name: str, value) -> None:
    if hasattr(self, name):
        raise IRError(f"{type(self).__name__}.{name} is already set: IR values are immutable once built")
    object.__setattr__(self, name, value)


@dataclass(frozen=True)
class Param:
    var: Var
    name: str
    default: object = NO_DEFAULT  # a number, or NO_DEFAULT
    kind: str = "POSITIONAL_OR_KEYWORD"  # an inspect.Parameter kind name


@dataclass(frozen=True)
class Function:
    """A function in IR. Before the reverse pass `outs` is `(value,)`; after it, `(value, *gradients)` with one
    gradient per index in `wrt`."""

    name: str
    qualname: str
    params: tuple[Param, ...]
    body: tuple[Eqn, ...]
    outs: tuple[Atom, ...]
    origin: Loc
    user_names: frozenset[str] = frozenset()  # every name the user's code mentions: ours never take them
    wrt: tuple[int, ...] = ()
    differentiated: bool = False
    returns: str = "number"  # what the user's function returns: "number", or "tuple" (of numbers)

    def __str__(self) -> str:
        return format_function(self)

    def with_body(self, body, outs=None) -> Function:
        return replace(self, body=tuple(body), outs=tuple(self.outs if outs is None else outs))


def walk(body) -> Iterator[Eqn]:
    """Every equation of `body`, nested blocks included, in program order."""
    for eqn in body:
        yield eqn
        for block in eqn.blocks:
            yield from walk(block.body)


def defined_vars(fn: Function) -> set[Var]:
    """Every variable the function defines: parameters, equation outputs and block parameters."""
    found = {p.var for p in fn.params}
    for eqn in walk(fn.body):
        found.update(eqn.outs)
        for block in eqn.blocks:
            found.update(block.params)
    return found


def has_blocks(fn: Function) -> bool:
    return any(eqn.blocks for eqn in fn.body)


# Whether the compiler's stages verify what they make (`checked`). verify() walks the whole IR, about as long as a
# pass; every stage is tested to keep the invariants, and the tests turn this on for every compilation they run
# (tests/conftest.py), so in normal use it is off. SYMGRAD_VERIFY=1 turns it on when debugging the compiler.
VERIFY = os.environ.get("SYMGRAD_VERIFY", "") == "1"


if VERIFY:
    for _immutable in (Const, Loc, Eqn):
        _immutable.__setattr__ = _set_once


def checked(fn: Function) -> Function:
    """`fn`, verified when VERIFY is on: what a compiler stage returns."""
    return verify(fn) if VERIFY else fn


def verify(fn: Function) -> Function:
    """Check the invariants; return `fn` unchanged or raise IRError naming the broken one."""
    seen: set[Var] = set()  # every definition so far, in any block: single assignment is global
    visible: set[Var] = set()
    for param in fn.params:
        if param.var in seen:
            raise IRError(f"parameter {param.name} bound twice")
        seen.add(param.var)
        visible.add(param.var)

    def check_atom(atom, where, scope):
        if isinstance(atom, Var):
            if atom not in scope:
                raise IRError(f"{where}: {atom!r} used before it is defined (or outside its block)")
        elif not isinstance(atom, Const):
            raise IRError(f"{where}: {atom!r} is not an atom")

    def define(var, where, scope):
        if not isinstance(var, Var):
            raise IRError(f"{where} output {var!r} is not a Var")
        if var in seen:
            raise IRError(f"{var!r} assigned twice (single assignment broken)")
        seen.add(var)
        scope.add(var)

    def check_body(body, scope):
        for eqn in body:
            if not isinstance(eqn.loc, Loc):
                raise IRError(f"{eqn.op} equation has no source location")
            for atom in eqn.args:
                check_atom(atom, eqn.op, scope)
            if eqn.op in STRUCTURED:
                check_structured(eqn, scope)
            else:
                op = OP_TABLE.get(eqn.op)
                if op is None:
                    raise IRError(f"unknown op {eqn.op!r}")
                if op.arity is not None and len(eqn.args) != op.arity:
                    raise IRError(f"{eqn.op} takes {op.arity} arguments, got {len(eqn.args)}")
                if eqn.blocks:
                    raise IRError(f"{eqn.op} is not a structured op but has blocks")
            for out in eqn.outs:
                define(out, eqn.op, scope)

    def check_structured(eqn, scope):
        n_blocks = structured.n_blocks(eqn)
        if len(eqn.blocks) != n_blocks:
            raise IRError(f"{eqn.op} needs {n_blocks} blocks, has {len(eqn.blocks)}")
        carried = len(eqn.args) - structured.n_leading(eqn)
        if carried < 0 or (structured.is_loop(eqn) and len(eqn.outs) != carried):
            raise IRError(f"{eqn.op}: {len(eqn.args)} arguments for {len(eqn.outs)} results")
        for i, block in enumerate(eqn.blocks):
            want_params, want_outs = structured.block_shape(eqn, i)
            if len(block.params) != want_params or len(block.outs) != want_outs:
                raise IRError(f"{eqn.op} block {i}: {len(block.params)} params and {len(block.outs)} outputs")
            inner = set(scope)
            for param in block.params:
                define(param, f"{eqn.op} block", inner)
            check_body(block.body, inner)
            for atom in block.outs:
                check_atom(atom, f"{eqn.op} block outputs", inner)

    check_body(fn.body, visible)
    for atom in fn.outs:
        check_atom(atom, "outputs", visible)
    if fn.differentiated and len(fn.outs) != 1 + len(fn.wrt):
        raise IRError("a differentiated function returns its value and one gradient per wrt parameter")
    return fn


class Namer:
    """Deterministic, collision-free names, handed out in order of first request.

    A user variable keeps its own name while that is free; every other name (versions `z_1`, adjoints `x_bar`,
    temporaries `t0`) also avoids every name the user's code mentions, so a user's own `x_bar` or `t0` never
    meets one of ours. Names in `taken` (module-level names of the generated code) are never handed out.
    """

    def __init__(self, user_names=(), taken=(), defined=None):
        self.user_names = frozenset(user_names)
        # When given, an adjoint whose primal is not among these variables (CSE merged it away) is named as a
        # temporary, so no `t7_bar` appears without its `t7`.
        self.defined = defined
        self.taken: set[str] = set(taken)
        self.names: dict[Var, str] = {}
        self._next_suffix: dict[str, int] = {}  # per base name, the first suffix not yet tried: linear, not quadratic
        self._temps = itertools.count()

    def fresh(self, hint: str, user: bool = False) -> str:
        if user and hint not in self.taken:
            self.taken.add(hint)
            return hint
        if hint:
            start = self._next_suffix.get(hint, 0)
            candidates = (hint if i == 0 else f"{hint}_{i}" for i in itertools.count(start))
        else:
            candidates = (f"t{i}" for i in self._temps)
        for candidate in candidates:
            if hint:
                self._next_suffix[hint] = self._next_suffix.get(hint, 0) + 1
            if candidate not in self.taken and candidate not in self.user_names:
                self.taken.add(candidate)
                return candidate
        raise AssertionError("unreachable: the candidate streams are infinite")

    def name(self, var: Var) -> str:
        if var not in self.names:
            primal = var.primal
            if primal is not None and self.defined is not None and primal not in self.defined:
                primal = None
            hint = f"{self.name(primal)}{var.suffix}" if primal is not None else var.hint
            self.names[var] = self.fresh(hint, var.user)
        return self.names[var]


def _atom_text(namer: Namer, atom: Atom) -> str:
    return namer.name(atom) if isinstance(atom, Var) else repr(atom.value)


def format_function(fn: Function) -> str:
    """The IR as text: one equation per line, `# line N: source` where the source line changes."""
    namer = Namer(fn.user_names, defined=defined_vars(fn))
    params = ", ".join(namer.name(p.var) for p in fn.params)
    if fn.differentiated:
        wrt = ", ".join(fn.params[i].name for i in fn.wrt) or "nothing"
        header = f"def {fn.name}_value_and_grad({params}):  # wrt {wrt}; from {fn.origin.file}:{fn.origin.line}"
    else:
        header = f"def {fn.name}({params}):  # from {fn.origin.file}:{fn.origin.line}"
    lines = [header]
    state = {"loc": None, "reverse": False, "top": fn.origin}
    _format_body(fn.body, namer, lines, indent="    ", state=state)
    lines.append("    return " + ", ".join(_atom_text(namer, atom) for atom in fn.outs))
    return "\n".join(lines) + "\n"


def _format_body(body, namer: Namer, lines: list[str], indent: str, state: dict) -> None:
    for eqn in body:
        loc = eqn.loc
        if loc.reverse and not state["reverse"]:
            state["reverse"] = True
            lines.append(f"{indent}# reverse sweep")
        if (loc.file, loc.func, loc.line, loc.reverse) != state["loc"]:
            state["loc"] = (loc.file, loc.func, loc.line, loc.reverse)
            lines.append(f"{indent}# {loc.describe(state['top'])}")
        args = ", ".join(_atom_text(namer, atom) for atom in eqn.args)
        outs = ", ".join(namer.name(out) for out in eqn.outs)
        call = f"{eqn.op}({args})"
        lines.append(f"{indent}{outs} = {call}" if eqn.outs else f"{indent}{call}")
        for block in eqn.blocks:
            params = ", ".join(namer.name(p) for p in block.params)
            lines.append(f"{indent}  block({params}):")
            _format_body(block.body, namer, lines, indent + "    ", state)
            lines.append(f"{indent}    yield " + ", ".join(_atom_text(namer, atom) for atom in block.outs))
            state["loc"] = None


def evaluate_constant(op_name: str, args: tuple[Atom, ...]) -> Const | None:
    """The op applied to constant args, computed now exactly as the generated code would at run time; None
    where it cannot be folded safely (not all constants, it raises, the result is not a finite real, or it
    would take unbounded time like 10**10**10)."""
    if not all(isinstance(a, Const) for a in args):
        return None
    values = [a.value for a in args]
    if op_name in DATA_OPS:
        fold = DATA_OPS[op_name].forward
        if fold is None or any(isinstance(v, tuple) for v in values):
            return None
        try:
            result = fold(*values)
        except (ArithmeticError, ValueError, TypeError):
            return None
        return Const(result) if isinstance(result, bool | int) else None
    if op_name == "pow" and all(type(v) is int for v in values) and abs(values[1]) > 4096:
        return None
    try:
        result = REGISTRY[op_name].forward(*values)
    except (ArithmeticError, ValueError, TypeError):
        return None  # left in place: the generated code raises the same error when it runs
    if isinstance(result, bool) or not isinstance(result, int | float):
        return None  # e.g. a complex power of a negative base: left to run time, as in plain Python
    if isinstance(result, float) and result - result != 0.0:
        return None  # inf or nan: keep the expression that makes it rather than print a special literal
    return Const(result)


class Builder:
    """Appends equations at a current source location; every registry op is a method (`b.mul(x, y)`).
    Plain numbers become Consts, and ops on constants only are computed at once (`evaluate_constant`)."""

    def __init__(self):
        self.eqns: list[Eqn] = []
        self.loc: Loc | None = None

    def at(self, loc: Loc) -> Builder:
        self.loc = loc
        return self

    def emit(self, op_name: str, *args, hint: str = "", user: bool = False, primal: Var | None = None) -> Atom:
        atoms = args  # the common case, atoms already: no new tuple (this runs once per equation made)
        constant = True
        for a in args:
            if a.__class__ is Var:
                constant = False
            elif a.__class__ is not Const:
                atoms = tuple(a if isinstance(a, Var | Const) else Const(a) for a in args)
                constant = all(isinstance(a, Const) for a in atoms)
                break
        if constant:
            folded = evaluate_constant(op_name, atoms)
            if folded is not None:
                return folded
        var = Var(hint, user, primal, kind=result_kind(op_name, atoms))
        self.eqns.append(Eqn((var,), op_name, atoms, self.loc))
        return var

    def effect(self, op_name: str, *args) -> None:
        """Append an equation run for its effect (`append`, `accum_at`, `push`): it has no result."""
        atoms = tuple(a if isinstance(a, Var | Const) else Const(a) for a in args)
        self.eqns.append(Eqn((), op_name, atoms, self.loc))

    def __getattr__(self, name: str):
        if name in OP_TABLE:  # a method per op, made at its first use for every builder (rules call them a lot)

            def method(self, *args, **kw):
                return self.emit(name, *args, **kw)

            method.__name__ = name
            setattr(Builder, name, method)
            return getattr(self, name)
        raise AttributeError(name)


_INT_OPS = {"add", "sub", "mul", "floordiv", "mod", "neg", "abs", "min", "max"}


def is_int(atom) -> bool:
    """Whether the atom surely holds an int (an index, a length, an int constant): never a float."""
    if isinstance(atom, Const):
        return type(atom.value) is int
    return atom.kind == "int"


def result_kind(op_name: str, atoms) -> str:
    """What lowering knows about an op's result: an int from ints, a bool from a comparison, ..."""
    data = DATA_OPS.get(op_name)
    if data is not None:
        return _KNOWN_KINDS.get(data.result, "scalar")
    if op_name in _INT_OPS:
        for a in atoms:
            if not is_int(a):
                return "scalar"
        return "int"
    return "scalar"


_KNOWN_KINDS = {"bool": "bool", "int": "int", "list": "list", "item": "item"}
