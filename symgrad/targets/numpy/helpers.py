"""The module-level helpers the NumPy target pastes into a module, as text with `$name` placeholders.

Guarantees: each helper uses only NumPy and `math` (under the names the module chose for them); the entry
points call `points` on the way in and `per_point` (or, with reduce="sum", `total` and `sum_to`) on the way out;
`take` compresses a value to the points of a branch or a loop iteration.
"""

from __future__ import annotations

import string

TEXTS = {
    "points": '''
def $points(numbers, lists):
    """The arguments over their broadcast shape: each number a flat float array (a NumPy float where it is one
    number), each list a list of such elements (an array's last axis is the list's); then the shape, the number
    of points, and each argument's own shape (for a list, its elements' shapes)."""
    numbers = [$np.asarray(v, dtype=float) for v in numbers]
    lists = [
        [$np.asarray(e, dtype=float) for e in ($np.moveaxis(v, -1, 0) if isinstance(v, $np.ndarray) else v)]
        for v in lists
    ]
    shape = $np.broadcast_shapes(*(a.shape for a in numbers), *(e.shape for row in lists for e in row))
    n = $math.prod(shape)

    def flat(a):
        return a[()] if a.ndim == 0 else $np.broadcast_to(a, shape).reshape(n)

    own = [a.shape for a in numbers] + [[e.shape for e in row] for row in lists]
    return (*(flat(a) for a in numbers), *([flat(e) for e in row] for row in lists), shape, n, own)
''',
    "take": '''
def $take(v, sel):
    """`v` at the points `sel` (positions among the points at hand); one number is the same at every point."""
    if isinstance(v, list):
        return [$take(e, sel) for e in v]
    return v[sel] if $np.ndim(v) else v
''',
    "per_point": '''
def $per_point(v, shape, n):
    """A result at every point: a float array of the broadcast shape (a NumPy float for one point)."""
    a = $np.asarray(v, dtype=float)
    if a.shape != (n,):
        a = $np.broadcast_to(a, (n,)).copy()
    return a.reshape(shape)[()]
''',
    "per_point_list": '''
def $per_point_list(v, shape, n):
    """A list parameter's gradient at every point: an array of the broadcast shape plus the list's axis, last."""
    if not v:
        return $np.zeros((*shape, 0))
    return $np.stack([$np.broadcast_to($np.asarray(e, dtype=float), (n,)) for e in v], axis=-1).reshape(*shape, len(v))
''',
    "add_at": '''
def $add_at(a, sel, n, v):
    """`a` (at n points) plus `v` at the points `sel`: a new array (an array another name holds is never changed)."""
    a = $np.array($np.broadcast_to(a, (n,)), dtype=float)
    a[sel] += v
    return a
''',
    "total": '''
def $total(v, n):
    """A value summed over the points."""
    return float($np.broadcast_to($np.asarray(v, dtype=float), (n,)).sum())
''',
    "sum_to": '''
def $sum_to(v, shape, n, own):
    """A gradient summed over the points down to its argument's own shape (over the axes it was broadcast
    along): the gradient of the summed value with respect to that argument."""
    a = $np.broadcast_to($np.asarray(v, dtype=float), (n,)).reshape(shape)
    a = a.sum(axis=tuple(range(len(shape) - len(own))))
    a = a.sum(axis=tuple(i for i, k in enumerate(own) if k == 1 and a.shape[i] != 1), keepdims=True)
    return float(a) if a.ndim == 0 else a
''',
    "sum_to_list": '''
def $sum_to_list(v, shape, n, own):
    """A list parameter's gradient summed over the points: each element's down to its own shape, list axis last."""
    if not v:
        return $np.zeros((0,))
    return $np.stack([$np.asarray($sum_to(e, shape, n, s)) for e, s in zip(v, own)], axis=-1)
''',
    "sigmoid": '''
def $sigmoid(x):
    """The logistic function as the CPython target computes it: exp never overflows (large |x| give 0.0 or 1.0)."""
    z = $np.exp(-$np.abs(x))
    return $np.where(x >= 0.0, 1.0 / (1.0 + z), z / (1.0 + z))
''',
    "erf": "\n$erf = $np.vectorize($math.erf, otypes=[float])  # NumPy has no erf: math's, point by point\n",
    "erfc": "\n$erfc = $np.vectorize($math.erfc, otypes=[float])  # NumPy has no erfc: math's, point by point\n",
}
USES = {"sum_to_list": ("sum_to",)}


def text(name: str, names: dict[str, str]) -> str:
    return string.Template(TEXTS[name]).substitute(names)
