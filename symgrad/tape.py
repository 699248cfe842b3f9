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


def _root_one_minus_square(x):
    """sqrt(1 - x*x), infinite slope (ZeroDivisionError) at |x| = 1."""
    r = math.sqrt((1.0 - x) * (1.0 + x))
    if r == 0:
        raise ZeroDivisionError(f"derivative is infinite at {x!r}")
    return r


def _atan2_slopes(y, x):
    # atan2(y, x) = angle of (x, y): d/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2); scaled by the larger
    # magnitude so that the squares neither overflow nor underflow
    s = max(abs(x), abs(y))
    if s == 0:
        raise ZeroDivisionError("atan2 has no derivative at (0, 0)")
    u, v = x / s, y / s
    d = (u * u + v * v) * s
    return u / d, -v / d


def _hypot_slopes(x, y):
    s = max(abs(x), abs(y))
    if s == 0:
        return 0.0, 0.0  # the subgradient 0 at the cone's tip, as |x| has at 0 (hypot(x, 0) == |x|)
    u, v = x / s, y / s
    n = math.sqrt(u * u + v * v)
    return u / n, v / n


def _copysign_slopes(x, y):
    # copysign(x, y) = |x| * (+1 or -1 by the sign bit of y): d/dx = sign(x) * that (0 at x = 0, as |x|), d/dy = 0
    s = 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)
    return (s if math.copysign(1.0, y) > 0 else -s), 0.0


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

    # ------------------------------------------------------------------ more of math (own derivative code)

    def _unary_op(self, name, value, slope):
        """A node for ``name(self)`` with ``value``; ``slope(x, y)`` is d(name)/dx from the input and output."""
        out = Value(value, (self,), name)

        def _backward():
            self.grad += slope(self.data, out.data) * out.grad

        out._backward = _backward
        return out

    def expm1(self):
        # d/dx (e^x - 1) = e^x = y + 1
        return self._unary_op("expm1", math.expm1(self.data), lambda x, y: y + 1.0)

    def log1p(self):
        x = self.data
        if not x > -1:
            raise ValueError(f"log1p needs data > -1, got {x!r}")
        return self._unary_op("log1p", math.log1p(x), lambda x, y: 1.0 / (1.0 + x))

    def log2(self):
        x = self.data
        if not x > 0:
            raise ValueError(f"log2 needs data > 0, got {x!r}")
        return self._unary_op("log2", math.log2(x), lambda x, y: 1.0 / (x * math.log(2.0)))

    def log10(self):
        x = self.data
        if not x > 0:
            raise ValueError(f"log10 needs data > 0, got {x!r}")
        return self._unary_op("log10", math.log10(x), lambda x, y: 1.0 / (x * math.log(10.0)))

    def tan(self):
        # d tan x = 1 / cos(x)**2
        return self._unary_op("tan", math.tan(self.data), lambda x, y: 1.0 / math.cos(x) ** 2)

    def asin(self):
        x = self.data
        if not -1 <= x <= 1:
            raise ValueError(f"asin needs -1 <= data <= 1, got {x!r}")
        return self._unary_op("asin", math.asin(x), lambda x, y: 1.0 / _root_one_minus_square(x))

    def acos(self):
        x = self.data
        if not -1 <= x <= 1:
            raise ValueError(f"acos needs -1 <= data <= 1, got {x!r}")
        return self._unary_op("acos", math.acos(x), lambda x, y: -1.0 / _root_one_minus_square(x))

    def atan(self):
        return self._unary_op("atan", math.atan(self.data), lambda x, y: 1.0 / (1.0 + x * x) if abs(x) < 1e150
                              else (1.0 / x) / x)  # fmt: skip

    def sinh(self):
        return self._unary_op("sinh", math.sinh(self.data), lambda x, y: math.cosh(x))

    def cosh(self):
        return self._unary_op("cosh", math.cosh(self.data), lambda x, y: math.sinh(x))

    def asinh(self):
        # 1 / sqrt(1 + x*x), scaled for large |x| so that x*x cannot overflow
        def slope(x, y):
            a = abs(x)
            return 1.0 / math.sqrt(1.0 + x * x) if a < 1e150 else (1.0 / a) / math.sqrt(1.0 + (1.0 / a) ** 2)

        return self._unary_op("asinh", math.asinh(self.data), slope)

    def acosh(self):
        x = self.data
        if not x >= 1:
            raise ValueError(f"acosh needs data >= 1, got {x!r}")

        def slope(x, y):
            if x == 1:
                raise ZeroDivisionError("derivative of acosh is infinite at 1")
            return 1.0 / math.sqrt((x - 1.0) * (x + 1.0)) if x < 1e150 else (1.0 / x) / math.sqrt(1.0 - (1.0 / x) ** 2)

        return self._unary_op("acosh", math.acosh(x), slope)

    def atanh(self):
        x = self.data
        if not -1 < x < 1:
            raise ValueError(f"atanh needs -1 < data < 1, got {x!r}")
        return self._unary_op("atanh", math.atanh(x), lambda x, y: 1.0 / ((1.0 - x) * (1.0 + x)))

    def erf(self):
        # d erf = 2/sqrt(pi) e^(-x^2)
        return self._unary_op("erf", math.erf(self.data), lambda x, y: 2.0 / math.sqrt(math.pi) * math.exp(-x * x))

    def erfc(self):
        return self._unary_op("erfc", math.erfc(self.data), lambda x, y: -2.0 / math.sqrt(math.pi) * math.exp(-x * x))

    def fabs(self):
        return self._unary_op("fabs", math.fabs(self.data), lambda x, y: 1.0 if x > 0 else (-1.0 if x < 0 else 0.0))

    def exp2(self):
        return self._unary_op("exp2", math.exp2(self.data), lambda x, y: math.log(2.0) * 2.0**x)

    def cbrt(self):
        def slope(x, y):
            if x == 0:
                raise ZeroDivisionError("derivative of cbrt is infinite at 0")
            return 1.0 / (3.0 * abs(x) ** (2.0 / 3.0))

        return self._unary_op("cbrt", math.cbrt(self.data), slope)

    def degrees(self):
        return self._unary_op("degrees", math.degrees(self.data), lambda x, y: 180.0 / math.pi)

    def radians(self):
        return self._unary_op("radians", math.radians(self.data), lambda x, y: math.pi / 180.0)

    # floor, ceil, trunc and sign are piecewise constant: slope 0, also at their jumps (the one-sided limits)
    def floor(self):
        return self._unary_op("floor", math.floor(self.data), lambda x, y: 0.0)

    def ceil(self):
        return self._unary_op("ceil", math.ceil(self.data), lambda x, y: 0.0)

    def trunc(self):
        return self._unary_op("trunc", math.trunc(self.data), lambda x, y: 0.0)

    def sign(self):
        x = self.data
        return self._unary_op("sign", 1.0 if x > 0 else (-1.0 if x < 0 else (x if x != x else 0.0)), lambda x, y: 0.0)

    # binary functions of two Values, or of a Value and a number (the r-methods: the number comes first)

    def _binary_op(self, name, other, reflected, value, slopes):
        """``name(self, other)`` (``name(other, self)`` if ``reflected``); ``slopes(a, b)`` gives the partials in
        the function's own argument order."""
        if isinstance(other, Value):
            operand = other
        else:
            c = _float(other)
            if c is None:
                raise TypeError(f"{name}() takes a Value or a number, not {type(other).__name__}")
            operand = Value(c)
        first, second = (operand, self) if reflected else (self, operand)
        out = Value(value(first.data, second.data), (first, second), name)

        def _backward():
            da, db = slopes(first.data, second.data)
            first.grad += da * out.grad
            second.grad += db * out.grad

        out._backward = _backward
        return out

    def atan2(self, other):
        """atan2(self, other): the angle of the point (x, y) = (other, self)."""
        return self._binary_op("atan2", other, False, math.atan2, _atan2_slopes)

    def ratan2(self, other):
        return self._binary_op("atan2", other, True, math.atan2, _atan2_slopes)

    def hypot(self, other):
        return self._binary_op("hypot", other, False, math.hypot, _hypot_slopes)

    def rhypot(self, other):
        return self._binary_op("hypot", other, True, math.hypot, _hypot_slopes)

    def copysign(self, other):
        return self._binary_op("copysign", other, False, math.copysign, _copysign_slopes)

    def rcopysign(self, other):
        return self._binary_op("copysign", other, True, math.copysign, _copysign_slopes)

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
