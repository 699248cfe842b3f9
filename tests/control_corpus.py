"""Functions with control flow and lists, for tests/test_control_flow.py.

Every function here is plain Python that runs unchanged on floats, on `symgrad.Value`s (the tape engine) and, with
the op names rebound to mpmath's, on `mpmath.mpf`s (finite differences). So: ops come from `symgrad`, never as
methods; differentiated values are compared with `< <= > >=` only (`Value.__eq__` is identity).

The `reject_*` functions must raise `symgrad.UnsupportedSyntax`; each marks the line the error belongs to with the
comment `# <- rejected`.
"""

# User code as people write it: zip() without strict=, the MLP's unused loop variable.
# ruff: noqa: B007, B905, RUF007
from symgrad import exp, sqrt, tanh

THRESHOLD = 1.0
WEIGHTS = (0.5, -1.25, 2.0, 0.75)
SIZES = (3, 4, 4, 1)


# --- branches -----------------------------------------------------------------------------------------------


def branches(x, y):
    if x > 1.0:
        z = x * y
    elif x > 0.0:
        z = x + y * y
    else:
        z = y / (1.0 - x)
    return z * x


def step_gt(x):
    if x > THRESHOLD:
        return x * x * x
    return 2.0 * x - x * x


def step_ge(x):
    if x >= THRESHOLD:
        y = x * x * x
    else:
        y = 2.0 * x - x * x
    return y


def safe_sqrt(x):
    return sqrt(x) if x > 0 else 0.0


def ternary_chain(x, y):
    return x * y if x < y else (x - y if x < 2.0 * y else x / y)


def logic(x, y):
    if x > 0.0 and y > 0.0:
        s = x * y
    elif x > 0.0 or not y > -1.0:
        s = x - y * y
    else:
        s = x + y
    return s * x


def chained(x, lo, hi):
    if lo < x <= hi:
        return (x - lo) * (hi - x)
    return x * 0.5


def early_return(x, y):
    if x < 0.0:
        return -x * y
    z = x * x
    if z > 4.0:
        return z - y
    return z + y


# --- loops --------------------------------------------------------------------------------------------------


def power_sum(x, n):
    total = 0.0
    term = 1.0
    for _ in range(n):
        term = term * x
        total = total + term
    return total


def strided(xs):
    total = 0.0
    for i in range(len(xs) - 1, -1, -2):
        total = total + xs[i] * xs[i] * (i + 1)
    return total


def list_product(ws, x):
    total = 1.0
    for w in ws:
        total = total * (1.0 + w * x)
    return total


def dot_zip(ws, xs):
    acc = 0.0
    for w, x in zip(ws, xs):
        acc += w * x
    return acc


def weighted_enumerate(xs):
    total = 0.0
    for i, x in enumerate(xs):
        total += (i + 1) * x * x
    return total


def grow_until(x, y):
    steps = 0
    while y < 10.0:
        y = y * x
        steps += 1
    return y + steps


def while_index(xs):
    i = 0
    total = 0.0
    while i < len(xs):
        total = total + xs[i] * xs[i]
        i += 2
    return total


def first_above(xs, limit):
    found = 0.0
    for x in xs:
        if x > limit:
            found = x * x
            break
    return found + xs[0]


def skip_negative(xs):
    total = 0.0
    for x in xs:
        if x < 0.0:
            continue
        total += sqrt(x)
    return total


def while_continue(xs):
    i = 0
    total = 0.0
    while i < len(xs):
        i += 1
        if i % 2 == 0:
            continue
        total = total + tanh(xs[i - 1])
    return total


def pairwise_energy(xs):
    e = 0.0
    for i in range(len(xs)):
        for j in range(i + 1, len(xs)):
            d = xs[i] - xs[j]
            e = e + 1.0 / (d * d + 1.0)
    return e


def nested_break(xs, ys):
    total = 0.0
    for x in xs:
        for y in ys:
            if y > x:
                break
            total += x * y
    return total


def running_max(xs):
    m = xs[0]
    for x in xs[1:]:
        if x > m:
            m = x
    return m * m


def hinge(ws, xs, ys):
    loss = 0.0
    for x, y in zip(xs, ys):
        s = 0.0
        for w, xi in zip(ws, x):
            s += w * xi
        margin = 1.0 - y * s
        if margin > 0.0:
            loss += margin
    return loss


# --- lists: indexing, slices, len, sum, literals, comprehensions, append, helpers ---------------------------


def index_arith(xs):
    n = len(xs)
    a = xs[0] * xs[-1] + xs[-2]
    for i in range(n // 2):
        a = a + xs[2 * i] * xs[2 * i + 1] - xs[n - 1 - i] + xs[(i + 3) % n] * xs[i // 2]
    return a


def differences(xs):
    return sum((b - a) * (b - a) for a, b in zip(xs[:-1], xs[1:]))


def mean_var(xs):
    n = len(xs)
    mean = sum(xs) / n
    return sum([(x - mean) ** 2 for x in xs], 0.5) / n


def sum_start(xs, c):
    return sum(xs, c * c) + sum(x * x for x in xs)


def literal(x, y):
    v = [x, y, x * y, 2.0]
    return v[0] * v[2] - v[-1] * v[1] + sum(v)


def squashed(xs, w):
    hs = [tanh(w * x) for x in xs]
    return sum(h * h for h in hs)


def comp_range(xs):
    ds = [xs[i + 1] - xs[i] for i in range(len(xs) - 1)]
    return sum(ds) * ds[0]


def append_local(xs, w):
    out = []
    for x in xs:
        out.append(exp(w * x))
    total = 0.0
    for i in range(len(out)):
        total += out[i] / (i + 1)
    return total


def _scale(v, c):
    return [c * e for e in v]


def _norm2(v):
    return sum(e * e for e in v)


def _clip(e, lo, hi):
    if e < lo:
        return lo
    if e > hi:
        return hi
    return e


def helpers(xs, c):
    ys = _scale(xs, c)
    return _norm2(ys) + ys[0] + sum(_clip(y, -1.0, 1.0) * y for y in ys)


def weighted(xs):
    total = 0.0
    for i in range(len(xs)):
        total += WEIGHTS[i % len(WEIGHTS)] * xs[i] * xs[i]
    return total


def tuple_param(point, scale):
    x, y = point[0], point[1]
    return (x * x + y * y) * scale + point[-1]


def unused(xs, ys, z):
    return sum(xs) * len(ys)


def squared_error(w, b, xs, ys):
    total = 0.0
    for x, y in zip(xs, ys):
        e = w * x + b - y
        total += e * e
    return total / len(xs)


# --- micrograd's MLP with loops (benchmarks/mlp.py's LOOP_SOURCE, verbatim) ---------------------------------


def loss(params, xs, ys):
    total = 0.0
    for s in range(len(xs)):
        act = xs[s]
        k = 0
        for layer in range(len(SIZES) - 1):
            n_in = SIZES[layer]
            new = []
            for j in range(SIZES[layer + 1]):
                z = params[k + n_in]
                for i in range(n_in):
                    z = z + params[k + i] * act[i]
                k = k + n_in + 1
                new.append(tanh(z))
            act = new
        total = total + (act[0] - ys[s]) ** 2
    return total


# --- more constructs ----------------------------------------------------------------------------------------


def filtered(xs, w):
    kept = [x * w for x in xs if x > 0.0]
    return sum(kept) * len(kept)


def enumerate_start(xs):
    total = 0.0
    for i, x in enumerate(xs, 1):
        total += i * x * x
    return total


def zip_uneven(xs, ys):
    total = 0.0
    for x, y in zip(xs, ys):
        total += x * y
    return total


def guarded_index(xs, i):
    if i < len(xs) and xs[i] > 0.0:
        return xs[i] * xs[0]
    return xs[-1]


def tie(x, y):
    if x > y:
        return x * 2.0
    elif x < y:
        return y * 3.0
    return x * y


def literal_loop(x, y):
    total = 0.0
    for v in [x, y, x * y]:
        total += v * v
    return total


def wrap_index(xs):
    total = 0.0
    for i in range(len(xs)):
        total += xs[i - 1] * xs[i]
    return total


def slice_start(xs):
    return sum(xs[1:], xs[0] * xs[0])


def _signed_sum(v, w):
    s = 0.0
    for e in v:
        if e > 0.0:
            s += e * w
        else:
            s -= e
    return s


def helper_in_loop(xs, ws):
    total = 0.0
    for w in ws:
        total += _signed_sum(xs, w)
    return total


def abs_min_max(xs):
    total = 0.0
    for i in range(len(xs) - 1):
        total += abs(xs[i]) + max(xs[i], xs[i + 1]) - min(xs[i], 0.5)
    return total


def while_true(x):
    k = 0
    while True:
        x = x * 0.5
        k += 1
        if x < 0.1:
            break
    return x * k


def while_break_continue(xs):
    i = 0
    total = 0.0
    while i < len(xs):
        x = xs[i]
        i += 1
        if x < 0.0:
            continue
        if total > 5.0:
            break
        total += x * x
    return total


def conditional_append(xs, w):
    kept = []
    for x in xs:
        if x * w > 0.5:
            kept.append(x * w)
    total = 0.0
    for i in range(len(kept)):
        total += kept[i] * kept[len(kept) - 1 - i]
    return total


def branch_lists(x, y):
    if x > 0.0:
        v = [x, y, x * y]
    else:
        v = [y]
    total = 0.0
    for e in v:
        total += e * e
    return total + len(v)


def only_data(xs, ys):
    return sum(ys) * 2.0


def int_power(x, n):
    total = 0.0
    for i in range(n):
        total += x**i
    return total


def sum_of_sums(xs):
    return sum(x * sum(xs) for x in xs)


def last_element(xs):
    x = 0.0
    for x in xs:
        pass
    return x * 2.0


def counter_after_loop(x, n):
    i = 0.5
    for i in range(n):
        x = x * 1.5
    return x * i


def pair_after_zip(xs, ys):
    a = 1.0
    b = 2.0
    for a, b in zip(xs, ys):
        pass
    return a * b


def plain_sum(xs):
    return sum(xs)


# --- rejected -----------------------------------------------------------------------------------------------


def reject_return_in_loop(xs):
    for x in xs:
        return x * x  # <- rejected
    return 0.0


def reject_append_param(xs):
    total = 0.0
    xs.append(1.0)  # <- rejected
    for x in xs:
        total += x
    return total


def reject_mod(x):
    y = x * 2.0
    return y % 3.0  # <- rejected


def reject_one_branch(x):
    if x > 0.0:
        y = x * x
    return y  # <- rejected


def reject_setitem_param(xs):
    xs[0] = 1.0  # <- rejected
    return sum(xs)


def reject_setitem_local(x):
    v = (x, x * x)  # a tuple: Python refuses the store too (a list the function made may be stored into)
    v[0] = 1.0  # <- rejected
    return sum(v)
