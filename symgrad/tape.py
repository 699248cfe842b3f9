"""Independent reference engine: a micrograd-compatible scalar tape.

This module is the oracle that symgrad's generated derivatives are checked against, so it
deliberately shares no code with the rest of symgrad and imports only ``math`` from the
standard library.  Every operation writes its own derivative as a closure right next to its
forward computation, micrograd style.

Assumptions
-----------
* Operands are ``Value`` objects or plain numbers: ``int`` or ``float`` (subclasses such as
  ``numpy.float64`` included) but never ``bool``.  Any other operand makes the operator return
  ``NotImplemented``, so Python raises ``TypeError`` ("unsupported operand type(s) ...").
* ``Value(data)`` accepts the same number types; ``.data`` is always stored as a ``float``.
* Scalars only: there are no tensors, no broadcasting and no higher-order derivatives.

Guarantees
----------
* The micrograd interface: ``Value(data, _children=(), _op='')`` with ``.data``, ``.grad``
  (starts at ``0.0``), ``._prev``, ``._op``, ``._backward`` and ``.backward()``.
* ``._prev`` is a *tuple* of the operands in the order they were written (micrograd uses a
  set, whose order depends on object ids).  A number operand of ``+ - * /`` is wrapped in a
  constant leaf ``Value`` exactly as micrograd does (``2 - x`` has ``_prev == (Value(2), x)``);
  a number exponent or base of ``**`` is not a child but is recorded in ``_op`` (``'**2'``,
  ``'2**'``), as micrograd does for exponents.  ``x * x`` has ``_prev == (x, x)``.
* ``backward()`` sorts the graph with an iterative depth-first search (children visited in
  ``_prev`` order, post-order) -- the same order micrograd's recursive search would give if
  its sets iterated in tuple order -- so graphs of any depth (millions of nodes) work without
  ``RecursionError`` and gradients are accumulated in a reproducible order.
* Subtraction, negation and division are operations of their own (not ``a + -b`` or
  ``a * b**-1``), so ``.data`` equals the Python float result bit for bit, e.g.
  ``(Value(49.0) / 49.0).data == 1.0`` (micrograd gives ``0.9999999999999999``).
* Forward values use Python float semantics: errors such as ``ZeroDivisionError`` (``x / 0``),
  ``OverflowError`` (``exp(1000)``, ``1e200 ** 2``) propagate.  Domain errors raise
  ``ValueError`` with a message (``log`` of ``x <= 0``, ``sqrt`` of ``x < 0``, a negative base
  with a non-integer exponent).  Products that leave the float range give ``inf`` as in Python.
* Infinite derivatives raise ``ZeroDivisionError`` with a message (``sqrt`` at 0, ``a ** b`` with
  ``a == 0`` and ``0 < b < 1``).  The derivative of ``a ** b`` with respect to the exponent
  ``b`` is ``a**b * log(a)`` for ``a > 0``, ``0.0`` for ``a == 0 < b`` (the function is
  identically 0 near ``b``), and ``nan`` otherwise (``a < 0``: ``a**b`` is not real-valued
  near ``b``; ``a == 0 == b``: discontinuous) -- as PyTorch does -- so that the gradient of
  the base is still available.  The derivative of ``a ** 0`` with respect to ``a`` is ``0.0``.

Calling ``backward()`` more than once
-------------------------------------
Gradients of *leaves* (nodes with no children: inputs and wrapped constants) accumulate as in
PyTorch: every call adds the gradient of this output again, so two calls give twice the
gradient, and calls on different outputs sum.  Gradients of *interior* nodes are reset to 0.0
at the start of every call, so they hold the gradient of the latest call only and are never
double counted.  The seed is ``self.grad += 1.0`` after that reset: ``1.0`` for an interior
output, accumulated when the output is itself a leaf.
"""

import math

__all__ = ["Value"]


def _noop():
    pass


_POST = object()  # stack marker in Value.backward: the node below it has had its children sorted


def _float(x):
    """``x`` as a float if it is an int or float (not a bool), else ``None``."""
    t = type(x)
    if t is float:
        return x
    if t is int or (isinstance(x, (int, float)) and not isinstance(x, bool)):
        return float(x)
    return None


def _compared(other):
    if isinstance(other, Value):
        return other.data
    if isinstance(other, bool) or not isinstance(other, int | float):
        raise TypeError(f"cannot compare a Value with {type(other).__name__}")
    return other


def _is_exponent(x):
    """True for an int or float exponent (not a bool); kept as given, like micrograd."""
    return isinstance(x, (int, float)) and not isinstance(x, bool)


class Value:
    """A scalar node of the tape: its value ``data``, its gradient ``grad`` and how it was made."""

    __slots__ = ("_backward", "_op", "_prev", "data", "grad")

    def __init__(self, data, _children=(), _op=""):
        if type(data) is not float:
            value = _float(data)
            if value is None:
                raise TypeError(f"Value data must be an int or float (not bool), got {type(data).__name__}")
            data = value
        self.data = data
        self.grad = 0.0
        self._prev = tuple(_children)
        self._op = _op
        self._backward = _noop

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    # ------------------------------------------------------------------ binary arithmetic

    def __add__(self, other):
        if not isinstance(other, Value):
            c = _float(other)
            if c is None:
                return NotImplemented
            other = Value(c)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __radd__(self, other):  # other + self
        c = _float(other)
        if c is None:
            return NotImplemented
        return Value(c) + self

    def __sub__(self, other):
        if not isinstance(other, Value):
            c = _float(other)
            if c is None:
                return NotImplemented
            other = Value(c)
        out = Value(self.data - other.data, (self, other), "-")

        def _backward():
            self.grad += out.grad
            other.grad -= out.grad

        out._backward = _backward
        return out

    def __rsub__(self, other):  # other - self
        c = _float(other)
        if c is None:
            return NotImplemented
        return Value(c) - self

    def __mul__(self, other):
        if not isinstance(other, Value):
            c = _float(other)
            if c is None:
                return NotImplemented
            other = Value(c)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __rmul__(self, other):  # other * self
        c = _float(other)
        if c is None:
            return NotImplemented
        return Value(c) * self

    def __truediv__(self, other):
        if not isinstance(other, Value):
            c = _float(other)
            if c is None:
                return NotImplemented
            other = Value(c)
        out = Value(self.data / other.data, (self, other), "/")

        def _backward():
            # d(a/b)/da = 1/b ; d(a/b)/db = -a/b**2 = -(a/b)/b
            self.grad += out.grad / other.data
            other.grad -= out.grad * (out.data / other.data)

        out._backward = _backward
        return out

    def __rtruediv__(self, other):  # other / self
        c = _float(other)
        if c is None:
            return NotImplemented
        return Value(c) / self

    # ------------------------------------------------------------------ powers

    def __pow__(self, other, modulo=None):
        if modulo is not None:
            raise TypeError("pow() with a modulus is not supported for Value")
        if isinstance(other, Value):
            return self._pow_value(other)
        if not _is_exponent(other):
            return NotImplemented
        a = self.data
        if a < 0 and not float(other).is_integer():
            raise ValueError(f"{a!r} ** {other!r}: a negative base needs an integer exponent")
        out = Value(a**other, (self,), f"**{other}")

        def _backward():
            # d(a**n)/da = n * a**(n-1)
            x = self.data
            if other == 0:
                return  # a**0 == 1 for every a: derivative 0
            if x == 0 and other < 1:
                raise ZeroDivisionError(f"derivative of a**{other} is infinite at a = 0")
            self.grad += (other * x ** (other - 1)) * out.grad

        out._backward = _backward
        return out

    def _pow_value(self, other):
        a, b = self.data, other.data
        if a < 0 and not b.is_integer():
            raise ValueError(f"{a!r} ** {b!r}: a negative base needs an integer exponent")
        out = Value(a**b, (self, other), "**")

        def _backward():
            a, b = self.data, other.data
            # d(a**b)/da = b * a**(b-1)
            if b != 0:
                if a == 0 and b < 1:
                    raise ZeroDivisionError(f"derivative of a**b in a is infinite at a = 0, b = {b!r}")
                self.grad += (b * a ** (b - 1)) * out.grad
            # d(a**b)/db = a**b * log(a)
            if a > 0:
                other.grad += (out.data * math.log(a)) * out.grad
            elif not (a == 0 and b > 0):
                other.grad += math.nan

        out._backward = _backward
        return out

    def __rpow__(self, other):  # other ** self, other a number
        if not _is_exponent(other):
            return NotImplemented
        c = float(other)
        b = self.data
        if c < 0 and not b.is_integer():
            raise ValueError(f"{c!r} ** {b!r}: a negative base needs an integer exponent")
        out = Value(c**b, (self,), f"{other}**")

        def _backward():
            # d(c**b)/db = c**b * log(c)
            if c > 0:
                self.grad += (out.data * math.log(c)) * out.grad
            elif not (c == 0 and self.data > 0):
                self.grad += math.nan

        out._backward = _backward
        return out

    # ------------------------------------------------------------------ unary operators

    def __neg__(self):
        out = Value(-self.data, (self,), "neg")

        def _backward():
            self.grad -= out.grad

        out._backward = _backward
        return out

    def __pos__(self):
        out = Value(self.data, (self,), "pos")

        def _backward():
            self.grad += out.grad

        out._backward = _backward
        return out

    # ------------------------------------------------------------------ functions

    def tanh(self):
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward():
            t = out.data
            self.grad += (1.0 - t * t) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self):
        x = self.data
        if not x > 0:
            raise ValueError(f"log needs data > 0, got {x!r}")
        out = Value(math.log(x), (self,), "log")

        def _backward():
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def sqrt(self):
        x = self.data
        if x < 0:
            raise ValueError(f"sqrt needs data >= 0, got {x!r}")
        out = Value(math.sqrt(x), (self,), "sqrt")

        def _backward():
            r = out.data
            if r == 0:
                raise ZeroDivisionError("derivative of sqrt is infinite at 0")
            self.grad += (0.5 / r) * out.grad

        out._backward = _backward
        return out

    def sin(self):
        out = Value(math.sin(self.data), (self,), "sin")

        def _backward():
            self.grad += math.cos(self.data) * out.grad

        out._backward = _backward
        return out

    def cos(self):
        out = Value(math.cos(self.data), (self,), "cos")

        def _backward():
            self.grad -= math.sin(self.data) * out.grad

        out._backward = _backward
        return out

    def sigmoid(self):
        x = self.data
        if x >= 0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1.0 + e)
        out = Value(s, (self,), "sigmoid")

        def _backward():
            s = out.data
            self.grad += (s * (1.0 - s)) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        x = self.data
        out = Value(0.0 if x < 0 else x, (self,), "ReLU")

        def _backward():
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    # ------------------------------------------------------------------ reverse sweep

    def __abs__(self):
        out = Value(abs(self.data), (self,), "abs")

        def _backward():
            # d|x|/dx = sign(x), with 0 at the kink
            self.grad += (1.0 if self.data > 0 else (-1.0 if self.data < 0 else 0.0)) * out.grad

        out._backward = _backward
        return out

    # Comparisons look at the data only (no graph): Python's min() and max() of Values pick one Value, and the
    # gradient flows to the one picked. __eq__ stays identity, so Values remain usable as dict keys.
    def __lt__(self, other):
        return self.data < _compared(other)

    def __le__(self, other):
        return self.data <= _compared(other)

    def __gt__(self, other):
        return self.data > _compared(other)

    def __ge__(self, other):
        return self.data >= _compared(other)

    def backward(self):
        """Accumulate d(self)/d(node) into ``.grad`` of every node this one depends on.

        Leaves accumulate across calls; interior nodes are reset first (see the module docstring).
        """
        # Iterative post-order depth-first search, children in _prev order (pushed reversed so the
        # first child is expanded first).  Expanding a node pushes the node and then the _POST marker
        # below its children; popping the marker means the children are done, so the node under it
        # goes to topo.  An entry for a node that was already expanded is skipped.  No per-entry
        # tuples: that keeps the loop cheap and the garbage collector out of it.
        topo = []
        visited = set()
        stack = [self]
        push = stack.append
        pop = stack.pop
        while stack:
            node = pop()
            if node is _POST:
                topo.append(pop())
                continue
            if node in visited:
                continue
            visited.add(node)
            push(node)
            push(_POST)
            for child in reversed(node._prev):
                if child not in visited:
                    push(child)

        for node in topo:
            if node._prev:
                node.grad = 0.0
        self.grad += 1.0
        for node in reversed(topo):
            node._backward()
