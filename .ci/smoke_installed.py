"""Run by .ci/run from outside the repository with a regular (non-editable) install of symgrad: the wheel
must carry the templates (the module skeleton and the sigmoid helper) and produce a working module."""

import os
import pathlib
import sys
import tempfile

import symgrad

here = pathlib.Path(symgrad.__file__).resolve()
assert "site-packages" in here.parts, f"symgrad imported from {here}, not from the installed wheel"

with tempfile.TemporaryDirectory() as tmp:
    user_file = pathlib.Path(tmp, "user_objective.py")
    user_file.write_text("from symgrad import sigmoid\n\ndef loss(w, x=2.0):\n    return sigmoid(w * x) ** 2\n")
    sys.path.insert(0, tmp)
    import user_objective

    compiled = symgrad.value_and_grad(user_objective.loss)
    value, (dw, _dx) = compiled(0.5)
    assert "def sigmoid(x):" in compiled.source and "def loss_value_and_grad(w, x=2.0):" in compiled.source
    s = 1 / (1 + 2.718281828459045**-1.0)
    assert abs(dw - 2 * s * s * (1 - s) * 2.0) < 1e-12, dw
    print(f"installed wheel OK: {os.path.dirname(here)}; loss(0.5) = {value}, dloss/dw = {dw}")
