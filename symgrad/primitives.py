"""User-defined primitives: `symgrad.primitive` and `.defderivative`.

```python
@symgrad.primitive
def softplus(x):
    return math.log1p(math.exp(x))

@softplus.defderivative          # the partial derivatives: one number, or a tuple with one per argument
def _(x):
    return 1.0 / (1.0 + math.exp(-x))
```

Design. A primitive is one op of the registry (`ops.REGISTRY`, and `ir.OP_TABLE`), registered when the decorator
runs, under the function's name (`softplus`; `softplus_1` if an op of that name exists already), so the IR reads
`y = softplus(x)`. Its entry:
- forward: the user's function on floats (constant folding); in generated code, a call of a function pasted into
  the module (`PastedCall`, a `HelperCall` whose text this module renders): the forward as symgrad compiles it,
  printed from its IR with the module's own import aliases, so the module stays standalone (math only), is
  byte-identical every time, and its names collide with nothing (the `ModuleNames` of the module pick them);
- adjoint rule i: `g * d_i`, where `d_i` is the derivative function's i-th result *as IR*: the derivative is
  lowered once per compilation (at the first call site, by the lowerer, in `front/lower/calls.py`, as an inlined
  helper of fresh parameters), and each use splices a copy of those equations (fresh variables) into the rule's
  builder `b`, located at the derivative's own lines (`# softplus', line 20: ...`). The rule is linear in `g`
  and everything it emits is ordinary differentiable IR, so any transform can differentiate it again: reverse
  over reverse, forward mode (`ops.tangent_rule(op)`: `rule_i(b, dx_i, y, *args)` summed, which is
  `Σ dx_i * d_i`), Hessians. The partials of one call are spliced once and shared by the rules of all its
  arguments (a one-entry memo on the builder), so a derivative returning a tuple is computed once per use.
  A derivative that is itself a primitive (`softplus.defderivative(sigmoid_primitive)`) is a call of that
  primitive's pasted function, differentiated by its own `.defderivative`; a plain function is inlined (so its
  own derivative is symgrad's). A derivative known to be the constant 0 is a symbolic zero.
- the SymPy twin and the references of `check` (tape, SymPy's point trace, mpmath finite differences) run the
  primitive's *forward body* and differentiate it with their own rules: they never use the user's derivative,
  which is exactly what they check. A wrong derivative is a `GradientMismatch`; a derivative that differs on
  purpose (a straight-through estimator) is reported as one too, honestly.

Errors: the forward and the derivative must be plain functions of positional number parameters in symgrad's
language (the fence runs when the decorator runs: `UnsupportedSyntax` at the user's line); the derivative
takes the same parameters (checked by `defderivative`) and returns one number per parameter (checked when it
is lowered, at its `def`); differentiating through a primitive without a derivative is `UnsupportedSyntax` at
the call. A primitive's forward must not call the primitive itself (the pasted function would recurse).

Known limits: a primitive returns one number; its parameters are numbers (no lists, no defaults); the
persistent compile cache does not describe primitives (a function using one is compiled afresh in every
process); the lowered derivative is kept on the primitive between lowering and the transforms of one
compilation (compiling functions that use the same primitive from two threads at once may interleave them).
"""

from __future__ import annotations

import inspect
import itertools
import numbers
import threading
import types
from dataclasses import dataclass, field, replace

from . import fence
from .errors import SymgradError, UnsupportedSyntax
from .ir import OP_TABLE, STRUCTURED, Block, Const, Eqn, Var
from .ops import PUBLIC_FUNCTIONS, REGISTRY, DomainError, HelperCall, Op
from .source import get_source


@dataclass(frozen=True)
class PastedCall(HelperCall):
    """A call of a function whose text is rendered for the module being printed: `render(name, module_names)`
    returns the text of `def <name>(...)`, after reserving every module-level name it uses."""

    render: object = field(default=None, compare=False, hash=False)


_lock = threading.Lock()
_lowering = threading.local()  # the primitives whose forward is being lowered right now (recursion)


class Primitive:
    """A function symgrad differentiates with the user's derivative (see the module docstring)."""

    def __init__(self, fun):
        if isinstance(fun, Primitive) or not isinstance(fun, types.FunctionType):
            raise SymgradError(f"symgrad.primitive takes a plain function defined with def, not {type(fun).__name__}")
        self.forward = fun
        self.derivative = None
        self.params = _number_params(fun, "symgrad.primitive")
        fence.check(get_source(fun))  # the forward's language, at the decorator (its names resolve later)
        self.__name__ = fun.__name__
        self.__qualname__ = fun.__qualname__
        self.__module__ = fun.__module__
        self.__doc__ = fun.__doc__
        self.forward_ir = None  # set by lowering (calls.py) for the compilation under way
        self.template = None  # (params, equations, partials) of the derivative, or the error lowering it raised
        self._memo = None
        self.op = _register(self)

    @property
    def __signature__(self):
        return inspect.signature(self.forward)

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<symgrad.primitive {self.__qualname__}{inspect.signature(self.forward)}>"

    def defderivative(self, derivative):
        """Set the derivative: a plain function of the same parameters returning the partial derivatives (one
        number for one parameter, a tuple of one per parameter), or another primitive (one parameter). Returns
        `derivative`, so it works as a decorator."""
        if isinstance(derivative, Primitive):
            params = derivative.params
        elif isinstance(derivative, types.FunctionType):
            params = _number_params(derivative, f"{self.__name__}.defderivative")
            fence.check(get_source(derivative))
        else:
            raise SymgradError(
                f"{self.__name__}.defderivative takes a plain function defined with def (or a primitive), "
                f"not {type(derivative).__name__}"
            )
        if len(params) != len(self.params):
            raise SymgradError(
                f"the derivative of {self.__name__}{inspect.signature(self.forward)} takes {len(params)} "
                f"parameter{'s' * (len(params) != 1)} ({', '.join(params) or 'none'}); it must take the "
                f"primitive's {len(self.params)} ({', '.join(self.params)}) and return "
                + ("its derivative" if len(self.params) == 1 else f"a tuple of {len(self.params)} partial derivatives")
            )
        if isinstance(derivative, Primitive) and len(self.params) != 1:
            raise SymgradError(
                f"the derivative of {self.__name__} must return {len(self.params)} partial derivatives, but the "
                f"primitive {derivative.__name__} returns one number"
            )
        self.derivative = derivative
        return derivative

    # --- what lowering (front/lower/calls.py) calls -------------------------------------------------------

    def prepare(self, lower_forward, lower_derivative, error) -> None:
        """Lower the forward (`lower_forward()` -> Function) and the derivative (`lower_derivative(derivative,
        params)` -> (equations, result)) for the compilation under way; `error(message, hint)` is an exception
        at the call. An error lowering the derivative is kept and raised only where the derivative is needed."""
        active = _lowering.__dict__.setdefault("stack", [])
        if self in active:
            raise error(
                f"the primitive {self.__name__} calls itself (directly or through helpers): its forward would "
                "recurse in the generated module",
                "a primitive's forward must not call the primitive; write the computation out",
            )
        active.append(self)
        try:
            self.forward_ir = lower_forward()
        finally:
            active.pop()
        _check_number_params(self)
        if self.derivative is None:
            self.template = None
            return
        params = tuple(Var(name, user=True, kind="scalar") for name in self.params)
        try:
            eqns, result = lower_derivative(self.derivative, params)
            self.template = (params, tuple(eqns), self._partials_of(result))
        except (UnsupportedSyntax, SymgradError) as exc:
            self.template = exc
        self._memo = None

    def _partials_of(self, result) -> tuple:
        n = len(self.params)
        values = result if isinstance(result, tuple) else (result,)
        if len(values) == 1 and isinstance(values[0], tuple):
            values = values[0]
        scalar = all(
            (isinstance(v, Var) and v.kind != "list") or (isinstance(v, Const) and not isinstance(v.value, tuple))
            for v in values
        )
        if len(values) != n or not scalar:
            src = get_source(self.derivative)
            what = f"{len(values)} values" if isinstance(result, tuple) else "one number"
            if not scalar:
                what = "something other than numbers"
            want = "one number" if n == 1 else f"a tuple of {n} numbers, one partial derivative per parameter"
            raise src.error(
                src.node,
                f"the derivative of the primitive {self.__name__} returns {what}; it must return {want}",
                f"return {', '.join(f'd{self.__name__}_d{p}' for p in self.params)}",
            )
        return tuple(values)

    # --- the adjoint rules ----------------------------------------------------------------------------------

    def partials(self, b, args) -> tuple:
        """The partial derivatives at `args`: the derivative's equations spliced into `b` (once per call site
        and builder; the rules of the other arguments reuse them)."""
        memo = self._memo
        if (
            memo is not None
            and memo[0] is b
            and len(memo[1]) == len(args)
            and all(x is y for x, y in zip(memo[1], args, strict=True))
            and len(b.eqns) >= memo[2]
            and (memo[2] == 0 or b.eqns[memo[2] - 1] is memo[3])
        ):
            return memo[4]
        template = self.template
        if self.derivative is None:
            raise DomainError(
                f"the primitive {self.__name__} is differentiated here, but it has no derivative",
                f"define it: @{self.__name__}.defderivative, then def _({', '.join(self.params)}): return ...",
            )
        if isinstance(template, Exception):
            raise template
        if template is None:
            raise DomainError(
                f"the derivative of the primitive {self.__name__} was not prepared for this compilation",
                "call the primitive from the function being compiled",
            )
        params, eqns, outs = template
        subst = dict(zip(params, args, strict=True))
        reverse = bool(b.loc is not None and b.loc.reverse)
        code = getattr(self.derivative, "__code__", None)  # (a primitive derivative: a call, at the call's line)
        own = (code.co_filename, self.derivative.__name__) if code is not None else None
        label = f"{self.__name__}'"
        b.eqns.extend(_copy(eqns, subst, reverse, own, label))
        result = tuple(subst.get(o, o) if isinstance(o, Var) else o for o in outs)
        end = len(b.eqns)
        self._memo = (b, tuple(args), end, b.eqns[end - 1] if end else None, result)
        return result


def primitive(fun):
    """Declare `fun` a primitive: symgrad calls it as a function of its own in generated code and
    differentiates it with the derivative given by `@<fun>.defderivative` (see docs/api.md)."""
    return Primitive(fun)


# --- registration -----------------------------------------------------------------------------------------------


def _register(prim: Primitive) -> str:
    with _lock:
        candidates = itertools.chain([prim.__name__], (f"{prim.__name__}_{i}" for i in itertools.count(1)))
        name = next(c for c in candidates if c not in OP_TABLE and c not in STRUCTURED and c not in PUBLIC_FUNCTIONS)
        arity = len(prim.params)
        rules = tuple(_rule(prim, i) for i in range(arity))
        op = Op(
            name, arity, _float_forward(prim.forward), PastedCall(name, render=_renderer(prim)), rules,
            _sympy_twin(prim), ((-1.0, 1.0),) * arity, primitive=prim,
        )  # fmt: skip
        REGISTRY[name] = op
        OP_TABLE[name] = op  # the IR's table of every op is a copy made at import: it learns the primitive too
    return name


def _rule(prim: Primitive, i: int):
    def rule(b, g, y, *args):
        d = prim.partials(b, args)[i]
        if isinstance(d, Const) and not isinstance(d.value, tuple) and d.value == 0:
            return None  # the user's derivative is the constant 0 here: a symbolic zero
        return b.mul(g, d)

    rule.__name__ = f"{prim.__name__}_adjoint_{i}"
    return rule


def _float_forward(fun):
    def forward(*args):
        result = fun(*args)
        if isinstance(result, numbers.Real) and type(result) not in (int, float) and not isinstance(result, bool):
            return float(result)  # a NumPy scalar from np.exp and the like: a plain float, as generated code gives
        return result

    return forward


def _sympy_twin(prim: Primitive):
    def twin(sp, *args):
        from .oracles.rebind import rebound  # the body on SymPy expressions: its op calls are the public functions

        return rebound(prim.forward, dict(PUBLIC_FUNCTIONS))(*args)

    return twin


def _number_params(fun, who: str) -> tuple[str, ...]:
    names = []
    for p in inspect.signature(fun).parameters.values():
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) or p.default is not p.empty:
            raise SymgradError(
                f"{who}: {fun.__qualname__}{inspect.signature(fun)} must take plain positional parameters "
                f"(numbers), but {p.name!r} is {'a default' if p.default is not p.empty else p.kind.description}"
            )
        names.append(p.name)
    return tuple(names)


def _check_number_params(prim: Primitive) -> None:
    fn = prim.forward_ir
    lists = [p.name for p in fn.params if p.var.kind == "list"]
    if lists:
        src = get_source(prim.forward)
        raise src.error(
            src.node, f"the primitive {prim.__name__} uses its parameter {lists[0]!r} as a list",
            "a primitive's parameters are numbers; pass list elements one by one",
        )  # fmt: skip


def _copy(eqns, subst: dict, reverse: bool, own: tuple[str, str], label: str) -> list:
    """Copies of `eqns` with fresh variables (`subst` maps old to new, and grows), at the same lines."""

    def atom(a):
        return subst.get(a, a) if isinstance(a, Var) else a

    def fresh(var: Var) -> Var:
        copy = Var(var.hint, var.user, kind=var.kind)
        subst[var] = copy
        return copy

    def loc(old):
        new = replace(old, reverse=reverse)
        if (old.path, old.func) == own:
            new = replace(new, func=label)
        return new

    result = []
    for eqn in eqns:
        args = tuple(atom(a) for a in eqn.args)
        blocks = []
        for block in eqn.blocks:
            params = tuple(fresh(p) for p in block.params)
            body = tuple(_copy(block.body, subst, reverse, own, label))
            blocks.append(Block(params, body, tuple(atom(a) for a in block.outs)))
        outs = tuple(fresh(o) for o in eqn.outs)
        result.append(Eqn(outs, eqn.op, args, loc(eqn.loc), tuple(blocks)))
    return result


# --- printing: the pasted forward ----------------------------------------------------------------------------


def _renderer(prim: Primitive):
    def render(name: str, module_names) -> str:
        return _render(prim, name, module_names)

    return render


def _render(prim: Primitive, name: str, module_names) -> str:
    # Imported here: the Python target and the passes sit above the registry, which this module feeds.
    from .front.lower import lower
    from .passes import optimize
    from .targets.python.module import body_printer
    from .targets.python.printer import maybe_int_vars

    fn = prim.forward_ir if prim.forward_ir is not None else lower(prim.forward)
    fn = optimize(fn)
    maybe_int = maybe_int_vars(fn)
    (value,) = fn.outs
    body = body_printer(fn, maybe_int, module_names)  # (its imports and helpers join the module's)
    lines = body.lines()
    result = body.output(value, maybe_int)
    params = ", ".join(body.namer.name(p.var) for p in fn.params)
    where = f"{fn.origin.file}:{fn.origin.line}"
    doc = (
        f'    """The primitive {prim.__qualname__} (symgrad.primitive, from {where}); its derivative is '
        'written out where it is used."""'
    )
    return "\n".join([f"def {name}({params}):", doc, *lines, f"    return {result}"]) + "\n"


__all__ = ["PastedCall", "Primitive", "primitive"]
