"""fastcall: the decorated object takes CPython's C-level call path, and behaves exactly as before."""

from __future__ import annotations

import functools
import pickle
import platform

import corpus
import pytest

import symgrad
from symgrad import api
from symgrad.fastcall import HAVE_VECTORCALL, enable_vectorcall


@pytest.mark.skipif(platform.python_implementation() != "CPython", reason="vectorcall is CPython's protocol")
@pytest.mark.parametrize("cls", [api.GradFunction, api.SpecializedGradFunction])
def test_decorated_classes_have_c_level_calls(cls):
    assert cls.__flags__ & HAVE_VECTORCALL


def test_a_class_that_defines_call_is_left_alone():
    class Own(functools.partial):
        def __call__(self, *args):
            return "own"

    flags = Own.__flags__
    assert enable_vectorcall(Own) is False
    assert Own.__flags__ == flags and Own(len)([1, 2]) == "own"


def test_a_class_that_is_not_a_partial_is_left_alone():
    class Plain:
        pass

    assert enable_vectorcall(Plain) is False


def test_an_enabled_subclass_calls_what_it_wraps_with_positional_and_keyword_arguments():
    class Sub(functools.partial):
        pass

    enable_vectorcall(Sub)
    wrapped = Sub(lambda a, b=2, *, c=3: (a, b, c))
    assert wrapped(1) == (1, 2, 3)
    assert wrapped(1, c=5) == (1, 2, 5)
    assert wrapped(a=0, b=1) == (0, 1, 3)
    assert Sub(max, 4)(7) == 7  # a bound argument is still passed first


def test_decorated_object_keeps_its_behaviour():
    f = symgrad.value_and_grad(corpus.api_example)
    generated = f.compiled.value_and_grad
    assert f(1.0, 2.0) == generated(1.0, 2.0)
    assert f(x=1.0, y=2.0) == generated(1.0, 2.0)  # keyword calls
    assert repr(f).startswith("<symgrad.value_and_grad of api_example(")
    assert f.__wrapped__ is corpus.api_example and f.fun is corpus.api_example
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(f)
