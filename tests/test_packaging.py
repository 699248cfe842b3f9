"""pyproject.toml lists every package of symgrad/, so a plain (non-editable) install ships all of them: an
editable install, which the tests run on, would not notice a missing one."""

from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_every_package_is_listed_in_pyproject():
    # (tomllib is Python 3.11+; the project supports 3.10): the `packages = [...]` list, read as text
    text = (ROOT / "pyproject.toml").read_text()
    listed = set(re.findall(r'"([\w.]+)"', re.search(r"^packages = \[(.*?)\]", text, re.S | re.M).group(1)))
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "symgrad").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found <= listed, f"add to pyproject.toml's packages: {sorted(found - listed)}"
    assert listed - found == {"symgrad.templates"}, sorted(listed - found)
