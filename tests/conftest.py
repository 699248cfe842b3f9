"""Test-wide settings: the IR is verified after every optimization pass (DESIGN.md: verify() after every pass
in tests)."""

import pytest

import symgrad.passes


@pytest.fixture(autouse=True)
def verify_after_every_pass(monkeypatch):
    monkeypatch.setattr(symgrad.passes, "VERIFY_EACH_PASS", True)
