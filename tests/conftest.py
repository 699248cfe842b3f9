"""Test-wide settings: the IR is verified after lowering, the reverse sweep and every optimization pass (DESIGN.md:
verify() after every pass in tests; SYMGRAD_VERIFY=1 for the subprocesses tests start), and the persistent
compile cache is off (for this process and the subprocesses tests start), so every test compiles what it checks;
tests/test_cache.py turns it on in directories of its own."""

import os

import pytest

os.environ["SYMGRAD_CACHE"] = "0"
os.environ["SYMGRAD_VERIFY"] = "1"

import symgrad.ir
import symgrad.passes


@pytest.fixture(autouse=True)
def verify_after_every_pass(monkeypatch):
    monkeypatch.setattr(symgrad.passes, "VERIFY_EACH_PASS", True)
    monkeypatch.setattr(symgrad.ir, "VERIFY", True)
