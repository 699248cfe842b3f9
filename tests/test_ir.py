"""The IR: verify() catches every broken invariant; the printer is deterministic and names things readably."""

from __future__ import annotations

from dataclasses import replace

import corpus
import pytest

from symgrad.ir import Builder, Const, Eqn, Function, IRError, Loc, Namer, Param, Var, format_function, verify
from symgrad.pipeline import stages

LOC = Loc("/somewhere/t.py", 3, 4, "    y = x * x\n", "f")


def make(body, outs, params):
    return Function("f", "f", tuple(Param(p, p.hint) for p in params), tuple(body), tuple(outs), LOC)


def test_a_good_function_verifies():
    x = Var("x", user=True)
    b = Builder().at(LOC)
    y = b.mul(x, x)
    fn = make(b.eqns, [y], [x])
    assert verify(fn) is fn


def _broken_cases():
    x = Var("x", user=True)
    y, z = Var("y"), Var("z")
    good = Eqn((y,), "mul", (x, x), LOC)
    return [
        ("used before it is defined", make([Eqn((y,), "mul", (x, z), LOC)], [y], [x])),
        ("assigned twice", make([good, Eqn((y,), "add", (x, x), LOC)], [y], [x])),
        ("unknown op", make([Eqn((y,), "frobnicate", (x,), LOC)], [y], [x])),
        ("takes 2 arguments", make([Eqn((y,), "mul", (x,), LOC)], [y], [x])),
        ("no source location", make([Eqn((y,), "mul", (x, x), None)], [y], [x])),
        ("not an atom", make([Eqn((y,), "mul", (x, 3.0), LOC)], [y], [x])),
        ("outputs", make([good], [z], [x])),
        ("bound twice", make([good], [y], [x, x])),
        ("assigned twice", make([Eqn((x,), "neg", (Const(1.0),), LOC)], [x], [x])),
        ("one gradient per wrt", replace(make([good], [y], [x]), differentiated=True, wrt=(0,))),
    ]


@pytest.mark.parametrize("message, fn", _broken_cases(), ids=[m for m, _ in _broken_cases()])
def test_verify_rejects_broken_ir(message, fn):
    with pytest.raises(IRError, match=message):
        verify(fn)


def test_every_stage_of_the_corpus_verifies():
    for name in ["api_example", "every_op", "uses_helper", "reassign", "powers", "names_like_ours", "unused"]:
        for stage, fn in stages(getattr(corpus, name)).items():
            assert verify(fn) is fn, (name, stage)


def test_constants_distinguish_signed_zero_and_int_from_float():
    assert Const(0.0) != Const(-0.0) and Const(1) != Const(1.0) and Const(2.5) == Const(2.5)
    assert len({Const(0.0), Const(-0.0), Const(0), Const(0.0)}) == 3


def test_namer_keeps_user_names_and_steps_around_them():
    user = {"x", "x_1", "t0", "x_bar"}
    namer = Namer(user, taken={"tanh"})
    x, x2, x3 = Var("x", user=True), Var("x", user=True), Var("x", user=True)
    temp = Var()
    adjoint = Var(primal=x)
    assert [namer.name(v) for v in (x, x2, x3, temp, adjoint)] == ["x", "x_2", "x_3", "t1", "x_bar_1"]
    assert namer.name(Var("tanh", user=True)) == "tanh_1"  # a module-level name is never handed out


def test_printer_is_stable_and_readable():
    fn = stages(corpus.api_example)["lowered"]
    text = format_function(fn)
    assert text == format_function(fn) == str(fn)
    assert text.splitlines()[:3] == [
        "def api_example(x, y):  # from corpus.py:14",
        "    # line 15: z = x * y + 3",
        "    t0 = mul(x, y)",
    ]


def test_an_adjoint_of_a_merged_away_primal_prints_as_a_temporary():
    x, t, gone = Var("x", user=True), Var(), Var()
    namer = Namer(defined={x, t})
    assert [namer.name(v) for v in (x, t, Var(primal=gone), Var(primal=t))] == ["x", "t0", "t1", "t0_bar"]


def test_equations_locations_and_constants_are_set_once_when_verifying():
    # They are slotted classes, not frozen dataclasses (speed); the tests run with SYMGRAD_VERIFY=1, under which
    # a stage that assigns to a built equation, location or constant fails at the assignment.
    loc = Loc("m.py", 3, 4, "y = x", "f")
    eqn = Eqn((Var("y"),), "neg", (Var("x"),), loc)
    for obj, field, value in ((eqn, "op", "exp"), (loc, "line", 4), (Const(1.0), "value", 2.0)):
        with pytest.raises(IRError, match="already set"):
            setattr(obj, field, value)
    assert loc.reversed().reverse and not loc.reverse and eqn.op == "neg"
