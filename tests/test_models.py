"""Models as people write them (issue 12): stores into lists the function made, nested unpacking, unpacking list
parameters, module-level lists read as constants; structured parameters (nested lists, dicts, NumPy arrays,
objects) with gradients of the same structure.

References share none of symgrad's rules: the tape engine (`symgrad.Value`) runs the user's own function on
Values, and mpmath finite differences (`symgrad.oracles.finite_differences` through `symgrad.check`) where the
tape cannot. Refused constructs: `UnsupportedSyntax` at the marked line, with a hint.
"""

from __future__ import annotations

import copy
import inspect
import math
import types

import models_cases as mc
import pytest
import test_control_flow as table

import symgrad
from symgrad import UnsupportedSyntax, Value, value_and_grad

RTOL = 1e-9


def tape(fun, args, wrt):
    """`fun` on tape Values for the parameters `wrt` (indices), then backward: (value, gradients)."""
    return table.tape_value_and_grad(fun, copy.deepcopy(args), list(wrt))


def close(got, want, path="gradient"):
    table.assert_same_structure_close(got, want, RTOL, 1e-15, path)


# --- inside functions -----------------------------------------------------------------------------------------

SPECIALIZED = [
    (mc.layer_with_stores, ([0.1 * k - 0.3 for k in range(9)], [0.5, -0.3]), [0]),
    (mc.concatenated, ([0.5, -1.5, 2.0], 0.25), [0, 1]),
]
EVERYWHERE = [
    (mc.nested_for_targets, ([1.0, 2.0], [[1.0, 2.0], [3.0, -4.0], [0.5, 0.25]], [1.0, 0.0, -1.0]), [0, 2]),
    (mc.unpack_parameter, ([1.5, -2.0, 0.5], 0.75), [0, 1]),
    (mc.unpack_parameter, ((1.5, -2.0, 0.5), 0.75), [0, 1]),
    (mc.unpack_nested_assignment, ([0.5, -2.0, 1.5], 0.75), [0, 1]),
]


@pytest.mark.parametrize("fun, args, wrt", SPECIALIZED + EVERYWHERE, ids=lambda v: getattr(v, "__name__", ""))
def test_specialized_matches_the_tape(fun, args, wrt):
    before = copy.deepcopy(args)
    value, grads = value_and_grad(table.fresh(fun), wrt=wrt, specialize=True)(*args)
    assert args == before, "the caller's arguments changed"
    want_value, want = tape(fun, args, wrt)
    assert math.isclose(value, want_value, rel_tol=1e-15) and value == fun(*copy.deepcopy(args))
    close(grads, want)


@pytest.mark.parametrize("fun, args, wrt", EVERYWHERE, ids=lambda v: getattr(v, "__name__", ""))
def test_general_matches_the_tape(fun, args, wrt):
    value, grads = value_and_grad(table.fresh(fun), wrt=wrt)(*args)
    want_value, want = tape(fun, args, wrt)
    assert math.isclose(value, want_value, rel_tol=1e-15)
    close(grads, want)


def test_stores_compile_to_straight_line_code_with_the_users_names():
    vg = value_and_grad(table.fresh(mc.layer_with_stores), wrt="params", specialize=True)
    source = vg.specialized([0.0] * 9, [0.5, -0.3]).source
    code = [line.strip() for line in source.splitlines() if not line.strip().startswith("#")]
    assert not any(line.startswith(("for ", "while ", "if ")) for line in code)
    assert "tanh(" in source and "act" in source


def test_unpacking_a_parameter_of_another_length_raises_as_python_does():
    vg = value_and_grad(table.fresh(mc.unpack_parameter), wrt="p")
    assert vg([1.0, 2.0, 3.0], 2.0) == (11.0, [4.0, 2.0, 1.0])
    with pytest.raises(ValueError):
        mc.unpack_parameter([1.0, 2.0], 2.0)
    with pytest.raises(ValueError, match="unpack"):
        vg([1.0, 2.0], 2.0)


def test_module_level_lists_and_dicts_are_read_as_constants():
    vg = value_and_grad(table.fresh(mc.constants))
    assert vg(0.5) == (3 * 0.5 * 0.5 + 1.0 + 3, 3 * 2 * 0.5)
    code = [line for line in vg.source.splitlines() if not line.strip().startswith("#")]
    assert not any("SIZES" in line or "SCALES" in line for line in code)  # folded: the module stays standalone


def marked(fun) -> int:
    lines, first = inspect.getsourcelines(fun)
    (offset,) = [k for k, line in enumerate(lines) if line.rstrip().endswith("# <- rejected")]
    return first + offset


REFUSED = [
    (mc.store_into_parameter, ([1.0, 2.0],), "caller's list", "copy it first"),
    (mc.store_into_a_list_an_if_chose, (1.0, 3), "an `if` or a loop picks among", "copy it first"),
    (mc.unpack_wrong_length, (1.0,), "cannot unpack a sequence of 3 values into 2 names", "same length"),
    (mc.list_times_float, (1.0,), "repeated by an int, not by a number", "[0.0] * 4"),
    (mc.missing_key, (1.0,), "has no key 'v'", "'b', 'w'"),
    (mc.string_index_on_a_list, (1.0,), "indexing with the string 'w' works on dicts only", "by position"),
    (mc.store_slice, (1.0,), "slice of a list", "one by one"),
]


@pytest.mark.parametrize("fun, args, message, hint", REFUSED, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("specialize", [False, True])
def test_refused_at_the_line_with_a_hint(fun, args, message, hint, specialize):
    with pytest.raises(UnsupportedSyntax) as info:
        value_and_grad(table.fresh(fun), specialize=specialize)(*args)
    error = info.value
    assert error.lineno == marked(fun) and error.filename == mc.__file__, str(error)
    assert error.text.rstrip().endswith("# <- rejected")
    assert message in error.reason and hint in error.hint, str(error)


@pytest.mark.parametrize("specialize", [False, True])
def test_a_store_at_a_run_time_index_or_out_of_range_runs_as_python_does(specialize):
    value, g = value_and_grad(table.fresh(mc.store_at_run_time_index), wrt=0, specialize=specialize)(1.5, 1)
    want_value, (want,) = tape(mc.store_at_run_time_index, (1.5, 1), [0])
    assert value == want_value and math.isclose(g, want, rel_tol=1e-15)
    with pytest.raises(IndexError):
        mc.store_out_of_range(1.0)
    with pytest.raises(IndexError):
        value_and_grad(table.fresh(mc.store_out_of_range), specialize=specialize)(1.0)


def test_a_store_in_a_helper_into_a_list_read_before_says_where_to_store():
    with pytest.raises(UnsupportedSyntax) as info:
        value_and_grad(table.fresh(mc.store_in_a_helper_after_a_read))(1.0)
    assert info.value.lineno == marked(mc.set_first), str(info.value)
    assert "function you compile" in info.value.hint and "read before this helper changes it" in info.value.reason


def test_the_tape_agrees_on_a_values_list_store():
    # the reference itself runs the stores on Values (independent of symgrad's compile-time lists)
    params = [Value(0.1 * k) for k in range(9)]
    out = mc.layer_with_stores(params, [0.5, -0.3])
    out.backward()
    vg = value_and_grad(table.fresh(mc.layer_with_stores), wrt="params", specialize=True)
    _, grads = vg([0.1 * k for k in range(9)], [0.5, -0.3])
    close(grads, [p.grad for p in params])


def test_check_agrees_on_unpacking():
    report = symgrad.check(mc.unpack_parameter, [1.5, -2.0, 0.5], 0.75, fd=True)
    assert "tape" in report.compared


# --- structured parameters ------------------------------------------------------------------------------------

np = pytest.importorskip("numpy")


def to_tape(value):
    """A copy of `value` with every float leaf a tape `Value` (objects copied attribute by attribute)."""
    if isinstance(value, float):  # NumPy floats too
        return Value(float(value))
    if isinstance(value, types.FunctionType | types.BuiltinFunctionType):
        return value
    if isinstance(value, list | tuple):
        return type(value)(to_tape(v) for v in value)
    if isinstance(value, dict):
        return {k: to_tape(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return to_tape(value.tolist())
    if hasattr(value, "__dict__"):
        new = object.__new__(type(value))
        for name, item in vars(value).items():
            object.__setattr__(new, name, to_tape(item))
        return new
    return value


def tape_grads(value):
    """The `.grad` of every `Value` in `value`, in its structure (static leaves as they are)."""
    if isinstance(value, Value):
        return value.grad
    if isinstance(value, types.FunctionType | types.BuiltinFunctionType):
        return value
    if isinstance(value, list | tuple):
        return type(value)(tape_grads(v) for v in value)
    if isinstance(value, dict):
        return {k: tape_grads(v) for k, v in value.items()}
    if hasattr(value, "__dict__"):
        return {"__class__": type(value), **{k: tape_grads(v) for k, v in vars(value).items()}}
    return value


def same(got, want, path="gradient"):
    """`got` (a compiled gradient) has the structure of `want` (from `tape_grads`), leaves close at RTOL."""
    if isinstance(want, dict) and "__class__" in want:
        assert type(got) is want["__class__"], f"{path}: {type(got).__name__}"
        assert list(vars(got)) == [k for k in want if k != "__class__"], path
        for k in vars(got):
            same(getattr(got, k), want[k], f"{path}.{k}")
    elif isinstance(want, dict):
        assert type(got) is dict and list(got) == list(want), path
        for k in want:
            same(got[k], want[k], f"{path}[{k!r}]")
    elif isinstance(want, list | tuple):
        assert type(got) is type(want) and len(got) == len(want), f"{path}: {got!r}"
        for k, (g, w) in enumerate(zip(got, want, strict=True)):
            same(g, w, f"{path}[{k}]")
    elif type(want) is float:
        assert type(got) is float, f"{path}: {got!r}"
        assert math.isclose(got, want, rel_tol=RTOL, abs_tol=1e-15), f"{path}: {got!r}, want {want!r}"
    else:
        assert type(got) is type(want) and got == want, f"{path}: static leaf {got!r}, want {want!r}"


def tape_reference(fun, args, wrt):
    taped = [to_tape(a) if i in wrt else a for i, a in enumerate(args)]
    out = fun(*taped)
    out.backward()
    return out.data, [tape_grads(taped[i]) for i in wrt]


def as_lists(value):
    return value.tolist() if isinstance(value, np.ndarray) else value


def course_model(sizes=(4, 4, 1), seed=0):
    import random

    return mc.MLP(3, list(sizes), random.Random(seed))


XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]

STRUCTURED = [
    ("mlp", mc.mlp_loss, lambda: (course_model(), XS, YS), [0]),
    ("mlp_2_layers", mc.mlp_loss, lambda: (course_model((3, 1), seed=1), XS, YS), [0]),
    ("methods_property_static_int", mc.affine_loss, lambda: (mc.Affine(), 0.75), [0, 1]),
    ("dict", mc.dict_loss, lambda: ({"w": [0.5, -1.0], "b": 2.0, "nested": {"c": 1.5}}, 0.3), [0, 1]),
    ("list_of_lists", mc.matrix_loss, lambda: ([[0.1, -0.2, 0.3], [0.5, 0.4, -0.6]], [1.0, -2.0, 0.5]), [0]),
    ("tuple_of_list_and_float", mc.pair_loss, lambda: (([0.5, -1.0], 0.25), 2.0), [0, 1]),
]


@pytest.mark.parametrize("specialize", [False, True])
@pytest.mark.parametrize("label, fun, make, wrt", STRUCTURED, ids=[c[0] for c in STRUCTURED])
def test_structured_gradients_match_the_tape(label, fun, make, wrt, specialize):
    args = make()
    before = copy.deepcopy(args)
    value, grads = value_and_grad(table.fresh(fun), wrt=wrt, specialize=specialize)(*args)
    for now, then in zip(args, before, strict=True):  # the caller's objects are never mutated
        assert tape_grads(now) == tape_grads(then)
    want_value, want = tape_reference(fun, make(), wrt)
    assert math.isclose(value, want_value, rel_tol=1e-14)
    for got, w in zip(grads, want, strict=True):
        same(got, w)


def test_an_object_gradient_is_a_new_instance_made_without_init():
    model = course_model()
    made = mc.Neuron.made
    grad = symgrad.grad(table.fresh(mc.mlp_loss), wrt="model")(model, XS, YS)
    assert mc.Neuron.made == made, "__init__ ran"
    assert type(grad) is mc.MLP and grad is not model and grad.layers is not model.layers
    assert grad.layers[0].neurons[0].nonlin is True and grad.layers[-1].neurons[0].nonlin is False
    assert grad.layers[0].neurons[0].w != model.layers[0].neurons[0].w


def test_the_class_based_mlp_unrolls_to_straight_line_code_named_by_paths():
    model = course_model()
    vg = value_and_grad(table.fresh(mc.mlp_loss), wrt="model")
    module = vg.specialized(model, XS, YS)
    code = [line.strip() for line in module.source.splitlines() if not line.strip().startswith("#")]
    assert not any(line.startswith(("for ", "while ", "if ")) for line in code)
    assert "model_layers_0_neurons_1_w_2" in module.source and "model_layers_2_neurons_0_b_bar" in module.source
    assert "# model: an object of class MLP (41 float leaves), passed as the tuple of its float leaves" in module.source
    assert module.source == vg.specialized(course_model(seed=5), XS, YS).source  # same structure, same module
    value, grad = module.value_and_grad(model, XS, YS)
    assert type(grad) is mc.MLP and value == vg(model, XS, YS)[0]


def test_numpy_arrays_pass_as_lists_and_get_float64_array_gradients():
    W = np.array([[0.5, -0.25], [1.5, 0.75], [-1.0, 2.0]])
    v = np.array([0.5, -1.0, 2.0])
    vg = value_and_grad(table.fresh(mc.array_loss), wrt=["W", "v"])
    value, (gW, gv) = vg(W, v, 0.3)
    assert type(gW) is np.ndarray and gW.dtype == np.float64 and gW.shape == (3, 2)
    assert type(gv) is np.ndarray and gv.dtype == np.float64 and gv.shape == (3,)
    tW, tv = to_tape(W.tolist()), to_tape(v.tolist())
    out = mc.array_loss(np.array(tW, dtype=object), tv, 0.3)  # an object array of Values: W[j, 1] works
    out.backward()
    assert math.isclose(value, out.data, rel_tol=1e-14)
    same(gW.tolist(), tape_grads(tW))
    same(gv.tolist(), tape_grads(tv))
    assert W.tolist() == [[0.5, -0.25], [1.5, 0.75], [-1.0, 2.0]]
    # data arrays (not differentiated) are read as the lists .tolist() gives
    value_v, g = value_and_grad(table.fresh(mc.array_loss), wrt="v")(W, v, 0.3)
    assert value_v == value and type(g) is np.ndarray


def test_arrays_and_lists_of_the_same_numbers_give_the_same_results():
    xs = [0.1 * k for k in range(50)]
    vg = value_and_grad(table.fresh(mc.unpack_parameter.__globals__["concatenated"]), wrt=["ws"])
    a = vg(np.array(xs), 0.5)
    b = value_and_grad(table.fresh(mc.concatenated), wrt=["ws"], specialize=True)(xs, 0.5)
    assert a[0] == b[0] and a[1][0].tolist() == b[1][0]


@pytest.mark.parametrize(
    "value, phrase",
    [
        (np.array([1, 2]), "dtype int64"),
        ({1.0, 2.0}, "parameters hold numbers"),
        ({1: 2.0}, "string keys"),
    ],
)
def test_values_that_cannot_be_parameters_are_named(value, phrase):
    with pytest.raises(symgrad.SymgradError, match=phrase):
        value_and_grad(table.fresh(mc.dict_loss), wrt="p")([value], 1.0)


def test_a_run_time_index_into_an_object_says_what_to_write():
    with pytest.raises(symgrad.SymgradError, match="known at compile time"):
        symgrad.grad(table.fresh(mc.indexed_at_run_time), wrt="model")(mc.Affine(), 1)


@pytest.mark.parametrize(
    "fun, arg, message, hint",
    [
        (mc.missing_attribute, mc.Affine(), "model (class Affine) has no attribute 'bias'", "n, coef, scale"),
        (mc.not_callable, {"w": 1.0}, "is a dict, not a function", "index it by key"),
    ],
)
def test_refused_uses_of_structured_parameters(fun, arg, message, hint):
    with pytest.raises(UnsupportedSyntax) as info:
        symgrad.grad(table.fresh(fun), wrt=0)(arg, 1.0)
    assert info.value.lineno == marked(fun) and message in info.value.reason and hint in info.value.hint


def test_frozen_dataclasses_and_slots_get_gradients_of_their_class():
    p = mc.Frozen([0.5, -1.0, 2.0], 0.25)
    grad = symgrad.grad(table.fresh(mc.dataclass_loss), wrt="p")(p, 0.75)
    _, (want,) = tape_reference(mc.dataclass_loss, (p, 0.75), [0])
    same(grad, want)
    assert type(grad) is mc.Frozen and grad.power == 2  # static: copied, and the exponent compiled as a constant
    s = mc.Slotted([0.5, -1.0], 1.5)
    g = symgrad.grad(table.fresh(mc.slotted_loss), wrt="p")(s, 2.0)
    assert type(g) is mc.Slotted and g.w == [2.0 * 1.5, 1.5] and g.b == 0.5 * 2.0 - 1.0


def test_each_call_is_checked_against_the_structure_it_was_compiled_for():
    vg = value_and_grad(table.fresh(mc.mlp_loss), wrt="model")
    model = course_model()
    vg(model, XS, YS)
    changed = [
        lambda m: setattr(m.layers[0].neurons[0], "nonlin", False),  # a static leaf
        lambda m: setattr(m.layers[1].neurons[2], "w", m.layers[1].neurons[2].w[:3]),  # a length
        lambda m: setattr(m.layers[2].neurons[0], "b", np.float64(0.5)),  # a float leaf that is a NumPy float
        lambda m: setattr(m.layers[0].neurons[1], "extra", 1),  # one more attribute
        lambda m: m.layers.pop(),  # a shorter list of layers
        lambda m: setattr(m.layers[1], "neurons", tuple(m.layers[1].neurons)),  # a tuple for a list
        lambda m: m.layers[1].neurons[3].w.append(0.5),  # a longer list
        lambda m: setattr(m.layers[1], "neurons", {str(k): n for k, n in enumerate(m.layers[1].neurons)}),
    ]
    for change in changed:
        model = course_model()
        change(model)
        try:
            want_value, (want,) = tape_reference(mc.mlp_loss, (model, XS, YS), [0])
        except (TypeError, ValueError):  # the changed model does not run in plain Python either
            with pytest.raises(Exception):  # noqa: B017 (whatever plain Python raises)
                vg(model, XS, YS)
            continue
        value, grad = vg(model, XS, YS)
        assert math.isclose(value, want_value, rel_tol=1e-14)
        same(grad, want)


@pytest.mark.parametrize(
    "fun, phrase",
    [
        (mc.mlp_loss, "cannot call model: here it is a number or a list of numbers, not an object"),
        (mc.dict_loss, "p['w']: here p is a number or a list of numbers, not a dict"),
    ],
)
def test_the_general_module_of_a_model_function_says_to_call_it_with_the_model(fun, phrase):
    with pytest.raises(UnsupportedSyntax) as info:
        value_and_grad(table.fresh(fun)).source  # noqa: B018 (compiles the general module: no arguments)
    assert phrase in info.value.reason and "f.specialized(model, ...).source" in info.value.hint


def test_a_function_attribute_is_resolved_when_compiling():
    import math as m

    for act, name in ((symgrad.tanh, "tanh"), (m.exp, "exp")):
        model = mc.Activated(act)
        grad = symgrad.grad(table.fresh(mc.activated_loss), wrt="model")(model, 0.75)
        _, (want,) = tape_reference(
            mc.activated_loss, (mc.Activated(getattr(symgrad, name)), 0.75), [0]
        )  # the tape runs symgrad's polymorphic op
        same(grad, {**want, "act": act})
        assert grad.act is act


def test_making_an_object_inside_the_function_says_to_pass_it():
    with pytest.raises(UnsupportedSyntax) as info:
        symgrad.grad(table.fresh(mc.makes_a_model))(1.0)
    assert info.value.lineno == marked(mc.makes_a_model)
    assert "making a Affine inside the function" in info.value.reason and "pass it as a parameter" in info.value.hint


def test_rows_of_one_length_read_at_run_time_have_that_length():
    import random

    rng = random.Random(3)
    layer = mc.Dense([[rng.uniform(-1, 1) for _ in range(3)] for _ in range(2)], [0.25, -0.5])
    xs = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(300)]  # 300 samples: the loop stays a loop
    ys = [rng.uniform(-1, 1) for _ in range(300)]
    vg = value_and_grad(table.fresh(mc.dense_loss), wrt="layer")
    source = vg.specialized(layer, xs, ys).source
    code = [line.strip() for line in source.splitlines() if not line.strip().startswith("#")]
    # per entry point (value_and_grad, grad): the forward and the reverse loop over the samples, no others
    assert sum(line.startswith("for ") for line in code) == 4
    # len(x) is the rows' length, 3, checked where it is assumed (the module may be exported)
    assert {line for line in code if "len(x)" in line} == {"if len(x) != 3:"}
    value, grad = vg(layer, xs, ys)
    want_value, (want,) = tape_reference(mc.dense_loss, (layer, xs, ys), [0])
    assert math.isclose(value, want_value, rel_tol=1e-13)
    same(grad, want)
    with pytest.raises(symgrad.SymgradError, match="another structure"):  # the rows' lengths are checked
        vg.specialized(layer, xs, ys).value_and_grad(layer, [*xs[:-1], [0.5, 0.5]], ys)


def test_a_class_that_guards_its_attributes_gets_a_gradient_of_its_class():
    value, grad = value_and_grad(table.fresh(mc.guarded_loss), wrt="p")(mc.Guarded(), 0.75)
    want_value, (want,) = tape_reference(mc.guarded_loss, (mc.Guarded(), 0.75), [0])
    assert type(grad) is mc.Guarded and value == want_value  # made without its __setattr__, which refuses
    same(grad, want)


# --- stores at run time, in the general module ----------------------------------------------------------------

RUN_TIME_STORES = [
    (mc.layer_run_time, ([0.5, -0.3, 0.2, 0.7], [1.0, 2.0, -1.0, 0.5])),
    (mc.recurrence, ([0.5, -0.3, 0.2, 0.7, 0.9], 0.4)),
    (mc.overwrite_twice, (0.7, -1.3)),
    (mc.accumulate_modulo, ([0.1 * k - 0.4 for k in range(8)], [0.3 - 0.05 * k for k in range(8)])),
    (mc.stores_in_branches_and_while, ([0.5, -0.25, 1.5, -2.0, 0.75], 0.8)),
    (mc.softmax_of_a_layer, ([0.1 * ((7 * k) % 5) - 0.2 for k in range(12)], [0.1, -0.2, 0.3], [0.5, -1.0, 2.0, 0.25])),
    (mc.store_in_a_helper, (1.25,)),
    (mc.store_general, (1.25,)),
]


@pytest.mark.parametrize("fun, args", RUN_TIME_STORES, ids=lambda v: getattr(v, "__name__", ""))
def test_run_time_stores_match_the_tape_and_finite_differences(fun, args):
    vg = value_and_grad(table.fresh(fun))
    assert "] = " in "\n".join(line for line in vg.source.splitlines() if not line.lstrip().startswith("#"))
    before = copy.deepcopy(args)
    value, grads = vg(*args)
    assert args == before, "the caller's arguments changed"
    want_value, want = tape(fun, args, range(len(args)))
    assert math.isclose(value, want_value, rel_tol=1e-13) and value == fun(*copy.deepcopy(args))
    close(grads if len(args) > 1 else (grads,), want)
    report = symgrad.check(table.fresh(fun), *args, fd=True)  # the tape, SymPy's trace, mpmath differences
    assert {"tape", "mpmath-fd"} <= set(report.compared)


def test_run_time_stores_have_second_derivatives():
    args = ([0.5, -0.3, 0.2, 0.7, 0.9], 0.4)
    report = symgrad.check(symgrad.hessian(table.fresh(mc.recurrence)), *args, fd=True)
    assert "mpmath-fd" in report.compared or "sympy" in report.compared


def test_a_run_time_store_reads_back_in_order_in_generated_code():
    source = value_and_grad(table.fresh(mc.overwrite_twice)).source
    code = [line.strip() for line in source.split("def overwrite_twice_grad")[0].splitlines()]
    assert "h[0] = " in " ".join(code) and "h_bar[0] = 0.0" in code  # the store's reverse clears the element


def test_the_numpy_target_stores_where_every_point_does_and_refuses_where_points_split():
    xs = np.array([0.3, -0.7, 1.2])
    vg = value_and_grad(table.fresh(mc.store_general), target="numpy")
    values, grads = vg(xs)
    assert np.allclose(values, xs * xs) and np.allclose(grads, 2 * xs)
    with pytest.raises(symgrad.SymgradError, match="changing a list inside a branch"):
        value_and_grad(table.fresh(mc.stores_in_branches_and_while), wrt="x", target="numpy")([0.5, -0.25], xs)
