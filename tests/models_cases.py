"""Functions and classes as people write models, for tests/test_models.py: stores into lists the function made, nested
unpacking, module-level lists, and (below) structured parameters. Lines marked `# <- rejected` are where symgrad
must point when it refuses a function."""

from __future__ import annotations

from dataclasses import dataclass

from symgrad import exp, log, tanh

SIZES = [2, 3, 1]  # a module-level list of numbers: read as a constant when compiling
SCALES = {"w": 0.5, "b": [1.0, 2.0]}


# --- inside functions: stores, unpacking, module-level lists ------------------------------------------------


def layer_with_stores(params, xs):
    """A 2-3 tanh layer written with a preallocated list, and a local matrix written element by element."""
    h = [0.0] * SIZES[1]
    for j in range(SIZES[1]):
        act = params[j]
        for i in range(SIZES[0]):
            act += params[3 + 3 * i + j] * xs[i]
        h[j] = tanh(act)
    h[0] += 1.0
    W = [[0.0] * 2 for _ in range(2)]
    W[1][0] = h[1] * h[2]
    W[0][1] += h[0] * SCALES["w"]
    row = W[1]
    row[1] = h[2] * h[2]  # an alias: W[1][1] too, as in Python
    return sum(h) + W[1][0] * W[0][1] + W[1][1] + SIZES[2] * SCALES["b"][1]


def concatenated(ws, b):
    both = ws + [b] + [0.5] * 2
    total = 0.0
    for k in range(len(both)):
        total += both[k] * (k + 1)
    return total


def nested_for_targets(ws, points, labels):
    total = 0.0
    for (x1, x2), t in zip(points, labels, strict=True):
        total += (ws[0] * x1 + ws[1] * x2 - t) ** 2
    return total


def unpack_parameter(p, x):
    a, b, c = p
    return a * x * x + b * x + c


def unpack_nested_assignment(p, x):
    (a, b), c = (p[0], p[1]), p[2]
    return exp(a * x) + b * c


def constants(x):
    return SIZES[1] * x * x + SCALES["b"][0] + len(SIZES)


def store_into_parameter(xs):
    xs[0] = 1.0  # <- rejected
    return sum(xs)


def store_general(x):
    h = [0.0, 0.0]
    h[1] = x * x
    return sum(h)


def store_at_run_time_index(x, n):
    h = [0.0, 0.0, 0.0]
    h[n] = x
    return sum(h) * h[n]


def store_into_a_list_an_if_chose(x, n):
    if x > 0:
        h = [x] * n
    else:
        h = [0.0] * n
    h[0] = x * 2.0  # <- rejected
    return sum(h)


def store_out_of_range(x):
    h = [0.0, 0.0]
    h[2] = x  # Python raises IndexError here, and so does the compiled code
    return sum(h)


def set_first(h, v):
    h[0] = v  # <- rejected
    return v


def store_in_a_helper_after_a_read(x):
    h = [x, 2.0]
    y = h[0] * 2.0
    y = set_first(h, y)
    return h[0] + y


def set_second(h, v):
    h[1] = v
    return v


def store_in_a_helper(x):
    h = [x, 2.0]
    v = set_second(h, x * 3.0)
    return h[0] * h[1] + v


def store_slice(x):
    h = [0.0, 0.0]
    h[0:1] = [x]  # <- rejected
    return sum(h)


def unpack_wrong_length(x):
    a, b = SIZES  # <- rejected
    return a * x + b


def list_times_float(x):
    h = [x] * 2.0  # <- rejected
    return sum(h)


def missing_key(x):
    return SCALES["v"] * x  # <- rejected


def string_index_on_a_list(x):
    return SIZES["w"] * x  # <- rejected


# --- structured parameters: the course's classes, as written in micrograd's lecture (floats, not Values) ------


class Module:
    def parameters(self):
        return []


class Neuron(Module):
    made = 0  # how many times __init__ ran: gradients are made without it

    def __init__(self, nin, nonlin=True, rng=None):
        Neuron.made += 1
        self.w = [rng.uniform(-1, 1) for _ in range(nin)]
        self.b = 0.0
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
        return tanh(act) if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]  # noqa: RUF005 (as the course writes it)


class Layer(Module):
    def __init__(self, nin, nout, rng, **kwargs):
        self.neurons = [Neuron(nin, rng=rng, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]


class MLP(Module):
    def __init__(self, nin, nouts, rng):
        sz = [nin, *nouts]
        self.layers = [Layer(sz[i], sz[i + 1], rng, nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


def mlp_loss(model, xs, ys):
    total = 0.0
    for x, y in zip(xs, ys, strict=True):
        total += (model(x) - y) ** 2
    reg = sum(p * p for p in model.parameters())
    return total / len(ys) + 1e-3 * reg


class Affine:
    """Methods other than __call__, a property and a static int used as a loop bound."""

    def __init__(self):
        self.n = 3
        self.coef = [0.5, -1.5, 2.0]
        self.scale = {"a": 1.25, "b": -0.5}

    @property
    def first(self):
        return self.coef[0]

    def forward(self, x):
        y = 0.0
        for k in range(self.n):
            y += self.coef[k] * x**k
        return y * self.scale["a"] + self.scale["b"] * self.first


def affine_loss(model, x):
    return model.forward(x) ** 2


def dict_loss(p, x):
    return (p["w"][0] * x + p["w"][1]) ** 2 + p["b"] * p["nested"]["c"]


def matrix_loss(W, x):
    h = [0.0] * len(W)
    for j in range(len(W)):
        h[j] = tanh(sum(W[j][i] * x[i] for i in range(len(x))))
    return sum(v * v for v in h)


def pair_loss(wb, x):
    w, b = wb
    return (w[0] * x + w[1] + b) ** 2


def array_loss(W, v, x):
    total = 0.0
    for j in range(len(W)):
        total += tanh(W[j][0] * x + W[j, 1]) * v[j]
    return total


def indexed_at_run_time(model, n):
    return model.coef[n] * 2.0


def missing_attribute(model, x):
    return model.bias * x  # <- rejected


def not_callable(p, x):
    return p(x)  # <- rejected


@dataclass(frozen=True)
class Frozen:
    w: list
    b: float
    power: int = 2


@dataclass(slots=True)
class Slotted:
    w: list
    b: float


def dataclass_loss(p, x):
    return sum(wi * x**k for k, wi in enumerate(p.w)) ** p.power + p.b


def slotted_loss(p, x):
    return (p.w[0] * x + p.w[1]) * p.b


class Activated:
    def __init__(self, act):
        self.w = [0.5, -0.25]
        self.act = act

    def __call__(self, x):
        return self.act(self.w[0] * x + self.w[1])


def activated_loss(model, x):
    return model(x) ** 2


def makes_a_model(x):
    model = Affine()  # <- rejected
    return model.forward(x)


class Dense:
    """A layer over a data row with a plain `zip(w, x)` (no strict): inside a loop over samples that stays a loop,
    the row is read at run time, and its length is the one every row of the batch has."""

    def __init__(self, W, b):
        self.W = W
        self.b = b

    def __call__(self, x):
        return [sum((wi * xi for wi, xi in zip(w, x)), b) for w, b in zip(self.W, self.b)]  # noqa: B905


def dense_loss(layer, xs, ys):
    total = 0.0
    for x, y in zip(xs, ys):  # noqa: B905
        out = layer(x)
        total += (tanh(out[0]) * out[1] - y) ** 2 + len(x)
    return total


class Guarded:
    """Attributes set once, through object.__setattr__: its own __setattr__ refuses every store."""

    def __init__(self):
        object.__setattr__(self, "w", [0.5, -1.0])

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is read-only")


def guarded_loss(p, x):
    return (p.w[0] * x + p.w[1]) ** 2


# --- stores at run time (the general module): lists of lengths known only when called -------------------------


def layer_run_time(params, xs):
    n = len(xs)
    h = [0.0] * n
    for j in range(n):
        h[j] = tanh(params[j] * xs[j])
    h[0] += params[-1]
    return sum(v * v for v in h)


def recurrence(ws, x):
    h = [x] * len(ws)
    for _ in range(3):
        for j in range(1, len(ws)):
            h[j] = h[j - 1] * ws[j] + tanh(h[j])
        h[0] = h[-1] * 0.5
    return h[0] + h[len(ws) // 2]


def overwrite_twice(a, b):
    h = [a, b, a * b]
    first = h[0]
    h[0] = b * b
    h[0] += first * 3.0
    h[1] = h[0] * h[2]
    return h[0] + h[1] * first + h[2]


def accumulate_modulo(ws, xs):
    acc = [0.0] * 3
    for i in range(len(ws)):
        acc[i % 3] += ws[i] * xs[i]
        acc[(i + 1) % 3] = acc[(i + 1) % 3] * 0.5 + ws[i]
    return acc[0] * acc[1] - exp(acc[2] * 0.1)


def stores_in_branches_and_while(ws, x):
    h = [0.0] * len(ws)
    k = 0
    while k < len(ws):
        if ws[k] * x > 0.0:
            h[k] = ws[k] * x
        else:
            h[-1 - k] += exp(ws[k]) * x
        k += 1
    h.append(h[0] * h[-1])
    return sum(h[i] * (i + 1) for i in range(len(h)))


def softmax_of_a_layer(W, b, x):
    """A learner's dense softmax layer over lists of lengths known at run time."""
    logits = [0.0] * len(b)
    for j in range(len(b)):
        logits[j] = b[j]
        for i in range(len(x)):
            logits[j] += W[j * len(x) + i] * x[i]
    m = max(logits)
    s = 0.0
    for j in range(len(logits)):
        logits[j] = exp(logits[j] - m)
        s += logits[j]
    return -log(logits[0] / s)


def one_parameter_stores(x):
    h = [x, x * x, 0.5]
    for k in range(3):
        h[k] = tanh(h[k] * x) + h[(k + 1) % 3]
    h[0] += x
    return h[0] * h[1] + h[2]
