"""deep.run: a stage stopped by Python's recursion limit runs again with a deep stack, and only then."""

from __future__ import annotations

import sys
import threading

import pytest

from symgrad import deep


def depth(n: int) -> int:
    return 0 if n == 0 else 1 + depth(n - 1)


def test_a_shallow_stage_runs_once_in_the_callers_thread():
    threads = []

    def stage(n):
        threads.append(threading.current_thread())
        return depth(n)

    assert deep.run(stage, 100) == 100
    assert threads == [threading.current_thread()]


def test_a_stage_deeper_than_the_limit_runs_again_with_room():
    calls = []

    def stage(n):
        calls.append(threading.current_thread().name)
        return depth(n)

    limit = sys.getrecursionlimit()
    assert deep.run(stage, 20_000) == 20_000
    assert len(calls) == 2 and calls[1] == "symgrad-deep-compile"
    assert sys.getrecursionlimit() == limit  # restored


def test_the_stages_own_errors_reach_the_caller():
    def stage():
        depth(20_000)
        raise ValueError("the stage's own error")

    with pytest.raises(ValueError, match="the stage's own error"):
        deep.run(stage)


def test_deeper_than_the_deep_limit_is_still_a_recursion_error():
    limit = sys.getrecursionlimit()
    with pytest.raises(RecursionError):
        deep.run(depth, deep.DEEP_LIMIT + 1000)
    assert sys.getrecursionlimit() == limit
