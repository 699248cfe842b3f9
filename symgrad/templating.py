"""Access to the emission templates in the top-level `templates/` directory.

Assumes the templates are importable as the package `symgrad.templates` (pyproject maps `templates/` there, for
editable and regular installs alike). Guarantees each template is read once and filled by `string.Template`,
whose `$name` placeholders cannot collide with Python syntax in the templates.
"""

from __future__ import annotations

import functools
import string
from importlib import resources


@functools.cache
def _read(name: str) -> str:
    return resources.files("symgrad.templates").joinpath(name).read_text(encoding="utf-8")


def fill(name: str, **fields: str) -> str:
    """The template `templates/<name>` with every `$field` replaced; a missing field is a KeyError (a bug)."""
    return string.Template(_read(name)).substitute(fields)
