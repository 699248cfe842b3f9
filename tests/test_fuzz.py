"""Random programs, compiled and checked against the tape engine and SymPy (symgrad.check).

CI runs 300 programs. For a long run set SYMGRAD_FUZZ_EXAMPLES, e.g.
    SYMGRAD_FUZZ_EXAMPLES=10000 python -m pytest tests/test_fuzz.py -q
Every bug this finds becomes a named regression test in tests/test_regressions.py.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from programs import inputs, load_function, programs

from symgrad.checking import check

EXAMPLES = int(os.environ.get("SYMGRAD_FUZZ_EXAMPLES", "300"))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=programs(), point=st.tuples(inputs, inputs, inputs))
def test_random_programs_agree_with_tape_and_sympy(tmp_path, body, point):
    fun = load_function(tmp_path, body)
    report = check(fun, *point, rtol=1e-8, atol=1e-10)
    tape = next(r for r in report.references if r.source == "tape")
    assert tape.applicable, body  # every generated spelling runs on the tape: it must be compared
    assert set(report.max_errors()) == {"tape", "sympy"}
