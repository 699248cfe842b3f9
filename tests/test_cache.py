"""The persistent compile cache (symgrad/cache.py): a second process is served the cached module; any change to
the function, a helper it inlines, or a constant it reads is a miss; damaged files are ignored and rewritten;
an untrustworthy directory is not used; SYMGRAD_CACHE=0 turns it off.

The rest of the suite runs with the cache off (tests/conftest.py), so no test is served a module compiled by
another; these tests turn it on, each in a directory of its own.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap

import pytest
from programs import load_module

import symgrad
from symgrad import cache
from symgrad.pipeline import compile_function

MODULE = """\
from symgrad import tanh

SCALE = 2.5
WEIGHTS = (0.5, -1.0)


def helper(u):
    return tanh(u) * SCALE


def f(x, y):
    z = helper(x * y) + WEIGHTS[1] * x
    return z * z
"""


def load_fun(directory, text, name="f"):
    return load_module(directory, text, name)[0]


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("SYMGRAD_CACHE", "1")
    monkeypatch.setenv("SYMGRAD_CACHE_DIR", str(folder))
    return folder


def compile_twice(fun):
    """(first compilation, second one): the second must not need the compiler."""
    first = cache.compile_cached(fun, (0, 1), bare=False)
    return first, cache.compile_cached(fun, (0, 1), bare=False)


def test_a_second_compilation_is_served_from_the_cache_byte_identical(cache_dir, tmp_path, monkeypatch):
    fun = load_fun(tmp_path, MODULE)
    first = cache.compile_cached(fun, (0, 1), bare=False)
    assert len(list(cache_dir.glob("*.py"))) == 1

    def no_compiler(*args, **kwargs):
        raise AssertionError("compiled again although the cache holds this module")

    monkeypatch.setattr(cache, "compile_function", no_compiler)
    second = cache.compile_cached(fun, (0, 1), bare=False)
    assert isinstance(second, cache.CachedModule)
    assert second.source == first.source == compile_function(fun, (0, 1), bare=False).source
    assert second.value_and_grad(0.3, 0.7) == first.value_and_grad(0.3, 0.7)
    assert second.grad(0.3, 0.7) == first.grad(0.3, 0.7)
    assert second.filename == first.filename


def test_the_ir_of_a_cached_module_is_compiled_on_demand(cache_dir, tmp_path):
    fun = load_fun(tmp_path, MODULE)
    first, second = compile_twice(fun)
    assert isinstance(second, cache.CachedModule)
    assert str(second.ir) == str(first.ir)


@pytest.mark.parametrize(
    "old, new",
    [
        ("SCALE = 2.5", "SCALE = 2.75"),  # a module-level constant
        ("WEIGHTS = (0.5, -1.0)", "WEIGHTS = (0.5, -1.5)"),  # an element of a module-level tuple
        ("return tanh(u) * SCALE", "return tanh(u) * SCALE + u"),  # a helper's body
        ("    return z * z", "    return z * z * z"),  # a line of the function itself
        ("def f(x, y):", "def f(x, y=1.0):"),  # its signature
        ("from symgrad import tanh", "from symgrad import sin as tanh"),  # what a name refers to
    ],
)
def test_any_change_to_what_the_function_reaches_is_a_miss(cache_dir, tmp_path, old, new):
    before = load_fun(tmp_path, MODULE)
    after = load_fun(tmp_path, MODULE.replace(old, new))
    assert MODULE.replace(old, new) != MODULE
    module_text = (tmp_path / f"{before.__module__}.py").read_text()
    assert module_text == MODULE
    cache.compile_cached(before, (0, 1), bare=False)
    # the same text in a file of another name would be a hit; here the change must make a new key
    assert cache.key(after, ((0, 1), False, ())) != cache.key(before, ((0, 1), False, ()))
    changed = cache.compile_cached(after, (0, 1), bare=False)
    assert not isinstance(changed, cache.CachedModule)
    assert changed.value_and_grad(0.3, 0.7) == compile_function(after, (0, 1), bare=False).value_and_grad(0.3, 0.7)


def test_a_change_on_disk_after_import_is_a_miss_too(cache_dir, tmp_path):
    # the key reads the source as inspect does (through linecache, rechecked), like the compiler itself
    fun = load_fun(tmp_path, MODULE)
    key_before = cache.key(fun, ((0, 1), False, ()))
    path = tmp_path / f"{fun.__module__}.py"
    path.write_text(MODULE.replace("return z * z", "return z * z + 1.0"))
    os.utime(path, ns=(1, 1))  # another mtime, whatever the clock's resolution
    assert cache.key(fun, ((0, 1), False, ())) != key_before


def test_the_request_is_part_of_the_key(cache_dir, tmp_path):
    fun = load_fun(tmp_path, MODULE)
    keys = {cache.key(fun, request) for request in [((0, 1), False, ()), ((0,), True, ()), ((1,), False, ())]}
    assert len(keys) == 3


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # truncated
        lambda text: "",  # empty
        lambda text: "print('not ours')\n",  # foreign
        lambda text: text.replace('"length": ', '"length": 1'),  # a header that does not fit
        lambda text: text.replace("def f_value_and_grad", "def f_value_and_grad(:"),  # the right length, broken
    ],
)
def test_a_damaged_file_is_ignored_and_rewritten(cache_dir, tmp_path, damage):
    fun = load_fun(tmp_path, MODULE)
    first = cache.compile_cached(fun, (0, 1), bare=False)
    (path,) = cache_dir.glob("*.py")
    good = path.read_text()
    path.write_text(damage(good))
    again = cache.compile_cached(fun, (0, 1), bare=False)
    assert not isinstance(again, cache.CachedModule)
    assert again.source == first.source
    assert path.read_text() == good  # rewritten whole


def test_the_directory_is_private_and_not_used_when_others_can_write_to_it(cache_dir, tmp_path):
    fun = load_fun(tmp_path, MODULE)
    cache.compile_cached(fun, (0, 1), bare=False)
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    (path,) = cache_dir.glob("*.py")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    cache_dir.chmod(0o777)
    assert cache.directory() is None
    assert not isinstance(cache.compile_cached(fun, (0, 1), bare=False), cache.CachedModule)


def test_a_symlinked_directory_is_not_used(tmp_path, monkeypatch):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(real)
    monkeypatch.setenv("SYMGRAD_CACHE_DIR", str(link))
    assert cache.directory() is None


def test_symgrad_cache_0_turns_it_off(cache_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SYMGRAD_CACHE", "0")
    fun = load_fun(tmp_path, MODULE)
    cache.compile_cached(fun, (0, 1), bare=False)
    assert not cache_dir.exists() or not list(cache_dir.glob("*.py"))


def test_a_function_reaching_an_object_the_key_cannot_describe_is_not_cached(cache_dir, tmp_path):
    text = MODULE + "\n\nclass Box:\n    pass\n\n\nBOX = Box()\n\n\ndef g(x):\n    return x * x if BOX else x\n"
    fun = load_fun(tmp_path, text, name="g")
    assert cache.key(fun, ((0,), True, ())) is None


def test_a_users_class_is_not_described_by_its_name_alone(cache_dir, tmp_path):
    # its methods may change without its name changing: a function reaching it is not cached
    text = MODULE + "\n\nclass Box:\n    pass\n\n\ndef g(x):\n    return x * x if Box else x\n"
    assert cache.key(load_fun(tmp_path, text, name="g"), ((0,), True, ())) is None
    text = MODULE + "\n\nKIND = float\n\n\ndef g(x):\n    return x * x if KIND else x\n"  # Python's own: keyed
    assert cache.key(load_fun(tmp_path, text, name="g"), ((0,), True, ())) is not None


def test_a_second_process_gets_the_cached_module(cache_dir, tmp_path):
    (tmp_path / "model.py").write_text(MODULE)
    script = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, sys.argv[1])
        import symgrad, symgrad.cache as cache
        import model
        if sys.argv[2] == "cached":
            def no_compiler(*args, **kwargs):
                raise SystemExit("compiled again")
            cache.compile_function = no_compiler
        print(symgrad.value_and_grad(model.f)(0.3, 0.7))
        """
    )
    env = {**os.environ, "SYMGRAD_CACHE": "1", "SYMGRAD_CACHE_DIR": str(cache_dir)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path), mode], capture_output=True, text=True, env=env, timeout=120
        )
        for mode in ("fresh", "cached")
    ]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    assert runs[0].stdout == runs[1].stdout
    assert runs[0].stdout.strip() == str(symgrad.value_and_grad(load_fun(tmp_path, MODULE))(0.3, 0.7))


@pytest.mark.parametrize("damage", [lambda data: data[: len(data) // 2], lambda data: b"", lambda data: b"x" + data])
def test_a_damaged_code_file_is_ignored_and_the_text_compiled_anew(cache_dir, tmp_path, damage):
    fun = load_fun(tmp_path, MODULE)
    first = cache.compile_cached(fun, (0, 1), bare=False)
    (code_path,) = cache_dir.glob("*.code")
    key = code_path.stem
    assert cache.load_code(key, first.source) is not None
    assert cache.load_code(key, first.source + "\n") is None  # compiled from another text: not used
    code_path.write_bytes(damage(code_path.read_bytes()))
    assert cache.load_code(key, first.source) is None
    again = cache.compile_cached(fun, (0, 1), bare=False)
    assert isinstance(again, cache.CachedModule)  # the text is still good
    assert again.value_and_grad(0.3, 0.7) == first.value_and_grad(0.3, 0.7)
