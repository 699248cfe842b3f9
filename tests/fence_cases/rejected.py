# ruff: noqa
# fmt: off
"""Functions symgrad must reject, one construct each.

Each offending line carries the marker `# <- here`; the table in tests/test_fence.py names the function, the
substring of that line where the offending node starts, and a phrase of the expected message. Line numbers and
columns are never written down: the test finds them in this text. Keep one marker per function.
"""

import math

import symgrad
from symgrad import tanh

from . import helpers
from .helpers import bad_helper, middle_helper, ok_helper

K = 2.0
XS = (1.0, 2.0)
KW = {"y": 1.0}
OBJ = object()
ARR = [0.0]


# --- statements ---------------------------------------------------------------------------------------------


def if_statement(x):
    if x > 0:  # accepted since control flow and lists
        x = x * 2.0
    return x


def if_else_returns(x):
    if x > 0:  # accepted since control flow and lists
        return x
    else:
        return -x


def for_loop(x):
    y = x
    for t in XS:  # accepted since control flow and lists
        y = y * t
    return y


def while_loop(x):
    while x < 10.0:  # accepted since control flow and lists
        x = x * 2.0
    return x


def nested_def(x):
    def inner(t):  # <- here
        return t * 2.0
    return inner(x)


def global_stmt(x):
    global K  # <- here
    return K * x


def make_nonlocal():
    k = 1.0

    def uses_nonlocal(x):
        nonlocal k  # <- here
        return k * x

    return uses_nonlocal


nonlocal_fn = make_nonlocal()


def raise_stmt(x):
    raise ValueError(x)  # <- here
    return x


def assert_stmt(x):
    assert x  # <- here
    return x


def try_stmt(x):
    try:  # <- here
        y = x * 2.0
    except ValueError:
        y = x
    return y


def with_stmt(x):
    with OBJ:  # <- here
        y = x * 2.0
    return y


def import_inside(x):
    import cmath  # <- here
    return x


def from_import_inside(x):
    from math import tanh as th  # <- here
    return th(x)


def match_stmt(x):
    match x:  # <- here
        case _:
            y = x
    return y


def class_inside(x):
    class Local:  # <- here
        pass
    return x


def del_stmt(x):
    y = x * 2.0
    del y  # <- here
    return x


def yield_expr(x):
    y = yield x  # <- here
    return y


async def async_def(x):  # <- here
    return x * 2.0


def early_return(x):
    return x  # accepted since control flow and lists
    y = x * 2.0
    return y


def missing_return(x):
    y = x * 2.0  # <- here


def docstring_only(x):  # <- here
    """Nothing but a docstring."""


def bare_return(x):
    y = x * 2.0
    return  # <- here


def expression_statement(x):
    print(x)  # <- here
    return x


# --- expressions --------------------------------------------------------------------------------------------


def conditional_expression(x):
    y = x if K > 0 else 2.0 * x  # accepted since control flow and lists
    return y


def comparison(x):
    y = x < 1.0
    return y  # <- here


def and_or(x):
    y = x and K  # accepted since control flow and lists
    return y


def not_op(x):
    y = not x
    return y  # <- here


def invert(x):
    y = ~x  # <- here
    return y


def indexing(x):
    y = XS[0] * x  # accepted since control flow and lists
    return y


def list_literal(x):
    y = [x, x]  # accepted since control flow and lists
    return x


def list_comprehension(x):
    y = [t * 2.0 for t in XS]  # accepted since control flow and lists
    return x


def generator_expression(x):
    y = sum(t * x for t in XS)  # accepted since control flow and lists
    return y


def lambda_in_body(x):
    y = (lambda t: t * 2.0)(x)  # <- here
    return y


def starred_call_arg(x):
    y = tanh(*XS)  # <- here
    return y


def double_star_call(x):
    y = helpers.two_arg_helper(x, **KW)  # <- here
    return y


def walrus(x):
    y = (z := x) + 1.0  # <- here
    return y


def dict_literal(x):
    y = {"k": x}  # <- here
    return x


def set_literal(x):
    y = {x}  # <- here
    return x


def f_string(x):
    y = f"{x}"  # <- here
    return x


def string_constant(x):
    """The docstring is fine; the string below is not."""
    label = "label"  # <- here
    return x


def true_literal(x):
    y = x * True  # accepted since control flow and lists
    return y


def none_literal(x):
    y = None  # <- here
    return x


def complex_literal(x):
    y = x * 1j  # <- here
    return y


def floor_div(x):
    y = x // 2  # <- here
    return y


def modulo(x):
    y = x % 2.0  # <- here
    return y


def matmul(x):
    y = x @ x  # <- here
    return y


def bit_and(x):
    y = x & 1  # <- here
    return y


def bit_or(x):
    y = x | 1  # <- here
    return y


def bit_xor(x):
    y = x ^ 1  # <- here
    return y


def left_shift(x):
    y = x << 1  # <- here
    return y


def right_shift(x):
    y = x >> 1  # <- here
    return y


def aug_floor_div(x):
    y = x * 3.0
    y //= 2  # <- here
    return y


def attribute_assignment(x):
    OBJ.attr = x  # <- here
    return x


def annotated_attribute_assignment(x):
    OBJ.attr: float = x  # <- here
    return x


def subscript_assignment(x):
    ARR[0] = x  # <- here
    return x


def starred_assignment(x):
    a, *rest = x, x, x  # <- here
    return a


def continuation_line(x):
    y = (x * 3.0 +
         x // 2)  # <- here
    return y


# --- signatures ---------------------------------------------------------------------------------------------


def varargs_param(x, *rest):  # <- here
    return x


def kwargs_param(x, **options):  # <- here
    return x


def default_none(x, y=None):  # <- here
    return x


def default_bool(x, flag=True):  # <- here
    return x


def kwonly_default_string(x, *, mode="fast"):  # <- here
    return x


# --- names, calls, values -----------------------------------------------------------------------------------


def name_not_defined(x):
    y = x * undefined_name  # <- here
    return y


def used_before_assignment(x):
    y = x * later  # <- here
    later = 2.0
    return y


def global_shadowed_by_later_local(x):
    y = tanh(x)  # <- here
    tanh = 2.0
    return y * tanh


def augmented_before_assignment(x):
    acc += x  # <- here
    return acc


def sum_builtin(x):
    y = sum(x)  # accepted since control flow and lists
    return y


def min_of_one_iterable(x):
    y = min(x * 2.0)  # <- here
    return y


def max_with_key(x):
    y = max(x, 1.0, key=abs)  # <- here
    return y


def print_in_expression(x):
    y = print(x)  # <- here
    return x


def call_module_number(x):
    y = K(x)  # <- here
    return y


def call_object(x):
    y = OBJ(x)  # <- here
    return y


def call_local_number(x):
    y = x(2.0)  # <- here
    return y


def call_type(x):
    y = float(x)  # <- here
    return y


def unknown_method(x):
    y = x.foo()  # <- here
    return y


def method_with_args(x):
    y = x.tanh(2.0)  # <- here
    return y


def log_two_args(x):
    y = math.log(x, 2, 3)  # <- here
    return y


def tanh_no_args(x):
    y = tanh()  # <- here
    return x


def tanh_keyword(x):
    y = tanh(x=1.0)  # <- here
    return y


def unpack_length_mismatch(x):
    a, b = x, x, x  # <- here
    return a


def unpack_number(x):
    a, b = x * 2.0  # <- here
    return a


def return_tuple(x):
    return x, x  # <- here


def attribute_of_value(x):
    y = x.real  # <- here
    return y


def module_attribute_missing(x):
    y = math.nope * x  # <- here
    return y


def recursive(x):
    return x * recursive(x - 1.0)  # <- here


def ping(x):
    return pong(x) + 1.0


def pong(x):
    return ping(x) * 2.0  # <- here


@symgrad.grad
def decorated_self_call(x):
    return decorated_self_call(x) * 2.0  # <- here


def calls_bad_helper(x):
    return bad_helper(x) + x


def calls_deep_helper(x):
    return middle_helper(x) * x


def helper_wrong_arity(x):
    y = ok_helper(x, x)  # <- here
    return y


def helper_unknown_keyword(x):
    y = helpers.two_arg_helper(x, nope=1.0)  # <- here
    return y


def calls_helper_default_none(x):
    y = helpers.helper_default_none(x)  # <- here
    return y


exec("def no_source_helper(t):\n    return t * 2.0\n")


def calls_no_source_helper(x):
    y = no_source_helper(x)  # <- here
    return y


def helper_returns_tuple(x):
    y = helpers.pair_helper(x)
    return y  # <- here


# --- where the source sits ----------------------------------------------------------------------------------


@symgrad.grad(
    wrt="x",
)
def decorated_multiline(x, y):
    return x // y  # <- here


def one_liner(x): return x % 3.0  # <- here


bad_lambda = lambda x: x // 2  # <- here

lambda_default_none = lambda x, y=None: x * 2.0  # <- here

lambda_in_call = symgrad.grad(
    lambda x: x % 3.0  # <- here
)


class Model:
    class_lambda = symgrad.grad(lambda x: x // 4)  # <- here

    def method_floor(self, x):
        y = x * 2.0
        return y // 3  # <- here

    @staticmethod
    def static_compare(x):
        return x < 2.0  # <- here

    class Inner:
        def deep_method(self, x):
            y = x
            y = [y]  # accepted since control flow and lists
            return x

    def method_continuation(self, x):
        y = (x +
  x // 2)  # <- here
        return y


def passes_function_to_helper(x):
    y = helpers.apply_fn(tanh, x)  # <- here
    return y


# --- the remaining statement and expression kinds (each ast class has a case; see test_every_ast_kind_has_a_case)


async def async_for(x):  # <- here
    async for t in XS:
        x = x * t
    return x


async def async_with(x):  # <- here
    async with OBJ:
        x = x * 2.0
    return x


async def await_expr(x):  # <- here
    y = await x
    return y


def nested_async_def(x):
    async def inner(t):  # <- here
        return t
    return x


def yield_from(x):
    y = yield from XS  # <- here
    return y


def set_comprehension(x):
    y = {t for t in XS}  # <- here
    return x


def dict_comprehension(x):
    y = {t: x for t in XS}  # <- here
    return x


def conditional_mixes_list_and_number(x):
    y = [x] if x > 0 else x  # <- here
    return x


def and_mixes_list_and_number(x):
    y = [x] and x  # <- here
    return y


def slice_with_runtime_step(x):
    y = XS[::x]  # <- here
    return x


# --- what the user wrote is named: a call is a call, not the string passed to it


def print_debug(x):
    y = x * 2.0
    print("debug", y)  # <- here
    return y


def print_debug_value(x):
    y = print("value", x)  # <- here
    return x


def string_passed_to_helper(x):
    y = helpers.two_arg_helper(x, s="fast")  # <- here
    return y


def f_string_passed_to_call(x):
    y = tanh(f"{x}")  # <- here
    return y


def ellipsis_statement(x):
    ...  # <- here
    return x


def bare_expression_statement(x):
    x + 1.0  # <- here
    return x


def dict_style_index(x):
    y = XS["y"] * x  # <- here
    return y
