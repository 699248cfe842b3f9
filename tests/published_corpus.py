"""A corpus of published test functions and test problems, for tests/test_published_corpus.py.

Each section names its source (repository and file, or paper); each function names the published test or
problem it reproduces. What was changed from the source, and why, is said here and beside the functions:
- HIPS autograd writes its scalar tests as `fun = lambda x: ...` inside `def test_<op>()`; each lambda becomes
  `def autograd_<op>(x): return ...` (symgrad reads a function's source; a lambda shares its line with the
  test body). `import autograd.numpy as np` becomes `import numpy as np` (same functions by name).
- google/tangent's test functions and karpathy/micrograd's engine tests are not copied: each function here
  reproduces, in our own code, the construct one published test exercises (named in a comment beside it:
  branches rebinding a parameter, loops over a static count, helpers, list literals, NumPy calls ...). The
  TensorFlow (`tfe_*`) and `tangent.Stack`/`insert_grad_of` ones are left out (neither is a dependency).
- Moré, Garbow & Hillstrom (1981), "Testing Unconstrained Optimization Software", ACM TOMS 7(1):17-41, give
  each problem as residuals f_i with F = sum f_i^2; each is written here as that sum over the published
  residuals, with the published data tables, the paper's 1-based i kept in loops over range(1, m + 1).
- Global-optimization test functions: Jamil & Yang (2013), "A literature survey of benchmark functions for
  global optimization problems", Int. J. Math. Modelling and Numerical Optimisation 4(2):150-194; written
  from the formulas there (and Surjanovic & Bingham's Virtual Library of Simulation Experiments).
- Black & Scholes (1973): the call price, written from eq. (13) with N(d) = (1 + erf(d / sqrt 2)) / 2.

Assumes nothing is called at import time; guarantees only that every listed function is importable.
"""

# ruff: noqa: B007, RUF059  (unused loop counters and unpacked names are the constructs under test)

import math

import numpy as np

# ---------------------------------------------------------------------------------------------------------
# HIPS/autograd tests/test_scalar_ops.py (each `fun = lambda ...` of test_<op>, renamed autograd_<op>)
# ---------------------------------------------------------------------------------------------------------


def autograd_abs(x):
    return 3.0 * np.abs(x)


def autograd_absolute(x):
    return 3.0 * np.absolute(x)


def autograd_sin(x):
    return 3.0 * np.sin(x)


def autograd_sign(x):
    return 3.0 * np.sign(x)


def autograd_exp(x):
    return 3.0 * np.exp(x)


def autograd_log(x):
    return 3.0 * np.log(x)


def autograd_log2(x):
    return 3.0 * np.log2(x)


def autograd_log10(x):
    return 3.0 * np.log10(x)


def autograd_log1p(x):
    return 3.0 * np.log1p(x)


def autograd_expm1(x):
    return 3.0 * np.expm1(x)


def autograd_exp2(x):
    return 3.0 * np.exp2(x)


def autograd_neg(x):
    return 3.0 * -x


def autograd_cos(x):
    return 3.0 * np.cos(x)


def autograd_tan(x):
    return 3.0 * np.tan(x)


def autograd_cosh(x):
    return 3.0 * np.cosh(x)


def autograd_sinh(x):
    return 3.0 * np.sinh(x)


def autograd_tanh(x):
    return 3.0 * np.tanh(x)


def autograd_arccos(x):
    return 3.0 * np.arccos(x)


def autograd_arcsin(x):
    return 3.0 * np.arcsin(x)


def autograd_arctan(x):
    return 3.0 * np.arctan(x)


def autograd_arccosh(x):
    return 3.0 * np.arccosh(x)


def autograd_arcsinh(x):
    return 3.0 * np.arcsinh(x)


def autograd_arctanh(x):
    return 3.0 * np.arctanh(x)


def autograd_sqrt(x):
    return 3.0 * np.sqrt(x)


def autograd_power_arg0(x):  # test_power_arg0: make_fun(y)(x) = np.power(x, y); y fixed at 1.7 (a constant)
    return np.power(x, 1.7)


def autograd_power_arg1(y):  # test_power_arg1: x = npr.randn() ** 2, fixed here at 0.81
    return np.power(0.81, y)


def autograd_power_arg1_zero(y):
    return np.power(0.0, y)


def autograd_mod(x, y):  # test_mod_arg0 / test_mod_arg1
    return np.mod(x, y)


def autograd_divide(x, y):  # test_divide_arg0 / arg1
    return np.divide(x, y)


def autograd_multiply(x, y):  # test_multiply_arg0 / arg1
    return np.multiply(x, y)


def autograd_true_divide(x, y):  # test_true_divide_arg0 / arg1
    return np.true_divide(x, y)


def autograd_reciprocal(x):
    return np.reciprocal(x)


def autograd_negative(x):
    return np.negative(x)


def autograd_rad2deg(x):
    return 3.0 * np.rad2deg(x)


def autograd_deg2rad(x):
    return 3.0 * np.deg2rad(x)


def autograd_radians(x):
    return 3.0 * np.radians(x)


def autograd_degrees(x):
    return 3.0 * np.degrees(x)


def autograd_sinc(x):
    return 3.0 * np.sinc(x)


# ---------------------------------------------------------------------------------------------------------
# google/tangent tests/functions.py: each function below reproduces the construct one published test function
# exercises (named in the comment), written here in our own code; the TensorFlow (`tfe_*`) and `tangent.Stack`
# ones are left out (neither library is a dependency).
# ---------------------------------------------------------------------------------------------------------


def tangent_identity(x):  # id_
    return x


def tangent_negate(x):  # unary_sub
    return -x


def tangent_np_sum(xs):  # sum_, numpy_sum
    return np.sum(xs)


def tangent_np_array_sum(xs):  # cast_sum_
    return np.sum(np.array(xs))


def tangent_rebind_to_call(v):  # overwrite_call: the parameter rebound to a reduction of itself
    v = np.sum(v)
    v = v * v
    return v


def tangent_np_tanh(x):  # tanh, numpy_tanh
    return np.tanh(x)


def tangent_alias(x):  # identity_assign
    y = x
    return y


def tangent_add_int(x):  # increment
    return x + 2


def tangent_fma(x, y, z):  # saxpy
    return x * y + z


def tangent_helper_mul(x, y):  # mul
    return x * y


def tangent_helper_add(x, y):  # add
    return x + y


def tangent_fma_by_calls(x, y, z):  # saxpy_call
    return tangent_helper_add(tangent_helper_mul(x, y), z)


def tangent_fma_anf(x, y, z):  # saxpy_anf
    s = x * y
    r = s + z
    return r


def tangent_fma_overwrite(x, y, z):  # saxpy_overwrite
    r = x * y
    r = r + z
    return r


def tangent_bar_named(x):  # gradname_aliasing: a local named like the tool's adjoints (ours are <name>_bar)
    x_bar = x * x
    return x_bar


def tangent_rebind_in_branches(x):  # overwrite_if
    if x > 0:
        x = x * 2.5
    else:
        x = x * 1.5
    return x


def tangent_mul_const(x):  # test_binop_mul1, test_binop_mul2
    return 2.0 * x * 2.0


def tangent_mul_self(x):  # test_binop_mul3
    return x * x


def tangent_div_forms(x):  # test_binop_div1, test_binop_div2
    return x / 2.0 + 2.0 / x


def tangent_div_self(x):  # test_binop_div3
    return x / x


def tangent_sub_forms(x):  # test_binop_sub1, test_binop_sub2
    return (x - 2.0) * (2.0 - x)


def tangent_sub_self(x):  # test_binop_sub3
    return x - x


def tangent_add_forms(x):  # test_binop_add1, add2, add3
    return (x + 2.0) * (2.0 + x) + (x + x)


def tangent_nested_if(x):  # nested_if
    if x > 0:
        if x < 5:
            x = x * x
    else:
        x = 2.0 * x
    return x


def tangent_many_branches(x):  # multiarg_if: a branch on a product, then an if/elif/else with a nested if
    if x * x / 2.0 > 0:
        k = 2.0
    else:
        k = 5.0
    x = x * k
    if x < k - x * k:
        x = x * x
    elif x > k + 2.0 * x:
        if x / 3.0 < 0:
            x = x / k
        else:
            x = x * k
    else:
        x = -x
    return x


def tangent_np_multiply(x):  # fn_multiply
    return np.multiply(x, 2.5)


def tangent_two_results(x):  # fn_multiple_return
    return 3 * x, x


def tangent_list_literal_sum(x):  # test_anf_list
    v = [2, x * x, 4]
    return np.sum(v)


def tangent_list_of_elements(xs):  # test_deep_anf_list
    v = [1, xs[0] * xs[1] * xs[2], 5]
    return np.sum(v)


def tangent_two_elements(xs):  # test_subscript1
    p = xs[0]
    q = xs[1]
    return p * q


def tangent_store_into_param(xs):  # test_subscript2: a store into the caller's list
    p = xs[0]
    q = xs[1]
    xs[0] = p * q
    return np.sum(xs)


def tangent_array_power_store(xs):  # test_subscript3: an array squared element-wise, then stored into
    ys = xs**2.0
    xs[0] = ys[1] * ys[2]
    return np.sum(xs * ys)


def tangent_local_list_index(x):  # test_list_and_subscript
    v = [2.0, x, 4.0]
    return v[0] * v[1]


def tangent_iterate_list(xs):  # test_implicit_indexing
    acc = 0.0
    for v in xs:
        acc += v
    return acc


def tangent_serial_if(x):  # serial_if
    if x > 0:
        x = x * x
    x = x + x
    if x < 0:
        x = 2.0 * x
    return x


def tangent_two_param_if(x, y):  # multivar_if
    if x > y:
        x = x * x
    else:
        x = x * y
    return x


def tangent_loops_n(x, n):  # serial_for
    for k in range(n):
        x = x * x
    x = 2.0 * x
    for k in range(n + 1):
        x = x * 1.5
    return x


def tangent_if_then_loop(x, n):  # serial_ifthenfor
    if x > 0:
        x = x * x
    x = 2.0 * x
    for k in range(n):
        x = x * x
    return x


def tangent_loop_then_if(x, n):  # serial_forthenif
    for k in range(n):
        x = x * x
    x = 2.0 * x
    if x > 0:
        x = x * x
    return x


def tangent_if_inside_if(x):  # devilish_nested_if
    if x > 0:
        x = x * 2.5
        if x < 8:
            x = x * x
        else:
            x = x * 1.5
    return x


def tangent_if_elif_else(x):  # overwrite_ifelse
    if x > 0:
        x = x * 2.5
    elif 0 > x:
        x = x * 1.5
    else:
        x = 1.0 * x
    return x


def tangent_rebind_param(x):  # overwrite_arg
    x = x * 2.5
    return x


def tangent_rebind_copy(x):  # overwrite_non_arg
    y = x
    y = y * 2.5
    return y


def tangent_cube_mul(x):  # third_pow
    return x * x * x


def tangent_cube_pow(x):  # direct_third_pow
    return x**3


def tangent_cube_loop_from_one(x):  # iter_third_pow1: an int accumulator that becomes a float
    r = 1
    for k in range(3):
        r = r * x
    return r


def tangent_cube_loop_from_x(x):  # iter_third_pow2
    r = x
    for k in range(3 - 1):
        r = r * x
    return r


def tangent_square_three_times(x):  # iterpower_static
    for k in range(3):
        x = x * x
    return x


def tangent_square_n_times(x, n):  # iterpower
    for k in range(n):
        x = x * x
    return x


def tangent_guarded_square_loop(x):  # cond_iterpower1
    for k in range(3):
        if x < 20:
            x = x * x
    return x


def tangent_loop_under_if(x):  # cond_iterpower2
    if x < 20:
        for k in range(3):
            x = x * x
    return x


def tangent_nested_loops(x):  # superfor_iterpower
    for k in range(2):
        for j in range(3):
            x = x * x
    return x


def tangent_cube_in_loop(x):  # super_iterpower
    for k in range(3):
        x = x * x * x
    return x


def tangent_np_mean(xs):  # numpy_mean
    return np.mean(xs)


def tangent_np_exp_exp(x):  # numpy_exp2 (exp of exp)
    return np.exp(np.exp(x))


def tangent_np_sqrt_by_sign(x):  # numpy_sqrt
    if x >= 0:
        r = np.sqrt(x)
    else:
        r = np.sqrt(-x)
    return r


def tangent_np_trig(x):  # numpy_cos, numpy_sin, numpy_tan, numpy_cosh, numpy_sinh
    return np.cos(x) + np.sin(x) + np.tan(x) + np.cosh(x) + np.sinh(x)


def tangent_np_inverse_trig(x):  # numpy_arccos, numpy_arcsin, numpy_arctan
    return np.arccos(x) * np.arcsin(x) + np.arctan(x)


def tangent_np_atleast_1d(xs):  # numpy_atleast_1d (2d, 3d alike)
    return np.sum(np.atleast_1d(xs))


def tangent_logistic_loss(inputs, labels, w, b):  # logistic_regression: np.dot of a batch
    p = 0.5 * (np.tanh(np.dot(inputs, w) + b) + 1)
    return -np.sum(np.log(p * labels + (1 - p) * (1 - labels)))


def tangent_np_det(m):  # det
    return np.linalg.det(m)


def tangent_via_helper(x, y):  # mul_with_call
    return tangent_helper_mul(x, y)


def tangent_helper_in_branches(x, y):  # if_mul_with_call
    if x > y:
        r = tangent_helper_mul(x, y)
    else:
        r = tangent_helper_mul(y, x)
    return r


def tangent_helper_in_loop(x, n):  # iterpower_with_call
    for k in range(n):
        x = tangent_helper_mul(x, x)
    return x


def tangent_helper_of_helper(x, y):  # nested_call
    return tangent_via_helper(x, y)


def tangent_nested_def(x, n):  # iterpower_with_nested_def
    def square(v):
        return v * v

    for k in range(n):
        x = square(x)
    return x


def tangent_unpack_param(p):  # unpacking_args_saxpy
    x, y, z = p
    return x * y + z


def tangent_dict_param(d):  # dict_saxpy
    return d["x"] * d["y"] + d["z"]


def tangent_dict_builtin(p):  # dict_wrapper: a dict made by dict(...) inside
    x, y, z = p
    return tangent_dict_param(dict(x=x, y=y, z=z))


def tangent_tuple_index(x, y, z, k):  # passthru_pack
    t = x, y, z
    return t[k]


def tangent_unpack_first(p):  # passthru_unpack
    x, y, z = p
    return x


def tangent_polar(x, y):  # cart2polar: np.arctan given two arguments (as published), two results
    r = np.sqrt(x**2.0 + y**2.0)
    theta = np.arctan(y, x)
    return r, theta


def tangent_np_sum_comprehension(xs):  # listcomp
    return np.sum([v * 2 for v in xs])


def tangent_while_abs(x):  # while_big
    while np.abs(x) > 0.1:
        x = x * 0.5
    return x


def tangent_zeros_like_copy(xs):  # active_subscript
    ys = np.zeros_like(xs)
    for i in range(len(xs)):
        ys[i] = xs[i]
    return np.sum(ys)


def tangent_zeros_2d(xs):  # init_array_grad_maybe_active
    h = np.zeros((len(xs), 2))
    for i in range(len(h)):
        h[i] = xs[i]
    return np.sum(h)


def tangent_slice_sum(xs):  # slicing
    return np.sum(xs[1:])


def tangent_rnn(inputs, w):  # rnn: rows of a 2-D state filled by np.dot
    h = np.zeros((3, 2))
    for i in range(2):
        h[i + 1] = np.dot(inputs[i], w) + h[i]
    return np.sum(h[1:])


def tangent_augassign(x):  # augassign
    y = x * x
    y *= y
    return y


def tangent_bilinear(x, h, u, w, b):  # bilinear
    y = np.tanh(np.dot(x, w) + np.dot(h, u) + b)
    return np.sum(y)


def tangent_pow_branch(x, y):  # gradgrad_pow
    if x >= 0:
        x = x**y
    else:
        x = (-x) ** y
    return x


def tangent_square_square(x):  # gradgrad_pow_twice
    x = x * x
    y = x * x
    return y


def tangent_chain_of_mults(x):  # gradgrad_chain_of_mults
    y = x
    y = x * x
    z = y * y
    w = z * z
    return w


def tangent_chain_of_calls(x):  # gradgrad_chain_of_multcalls
    y = tangent_helper_mul(x, x)
    z = tangent_helper_mul(y, y)
    return tangent_helper_mul(z, z)


def tangent_nested_dict(d):  # nested_dict
    return d["p"]["q"] * d["p"]["r"]


def tangent_step_slice(xs):  # extended_slice
    return np.sum(xs[::2, np.newaxis])


# ---------------------------------------------------------------------------------------------------------
# karpathy/micrograd test/test_engine.py: the operations of test_sanity_check and test_more_ops (relu as a
# method, ** of a constant, += chains, a division by a result), in our own expressions
# ---------------------------------------------------------------------------------------------------------


def micrograd_sanity_check(x):
    z = 3 * x + 1
    q = z.relu() + z * x
    h = (z * x).relu()
    return h + q + q * x


def micrograd_more_ops(a, b):
    c = a - b
    d = a * b + a**3
    c += c + 2
    c += 2 + c + (-b)
    d += d * 3 + (a - b).relu()
    d += 2 * d + (b - a).relu()
    e = d - c
    g = e**2 / 3.0
    g += 5.0 / e**2
    return g


# ---------------------------------------------------------------------------------------------------------
# Moré, Garbow & Hillstrom (1981), ACM TOMS 7(1):17-41: problem number, name; F(x) = sum of f_i(x)^2
# ---------------------------------------------------------------------------------------------------------


def rosenbrock(x1, x2):  # (1)
    f1 = 10.0 * (x2 - x1**2)
    f2 = 1.0 - x1
    return f1**2 + f2**2


def freudenstein_roth(x1, x2):  # (2)
    f1 = -13.0 + x1 + ((5.0 - x2) * x2 - 2.0) * x2
    f2 = -29.0 + x1 + ((x2 + 1.0) * x2 - 14.0) * x2
    return f1**2 + f2**2


def powell_badly_scaled(x1, x2):  # (3)
    f1 = 1e4 * x1 * x2 - 1.0
    f2 = math.exp(-x1) + math.exp(-x2) - 1.0001
    return f1**2 + f2**2


def brown_badly_scaled(x1, x2):  # (4)
    f1 = x1 - 1e6
    f2 = x2 - 2e-6
    f3 = x1 * x2 - 2.0
    return f1**2 + f2**2 + f3**2


def beale(x1, x2):  # (5)
    y = [1.5, 2.25, 2.625]
    total = 0.0
    for i in range(1, 4):
        f = y[i - 1] - x1 * (1.0 - x2**i)
        total += f**2
    return total


def jennrich_sampson(x1, x2):  # (6), m = 10
    total = 0.0
    for i in range(1, 11):
        f = 2.0 + 2.0 * i - (math.exp(i * x1) + math.exp(i * x2))
        total += f**2
    return total


def helical_valley(x1, x2, x3):  # (7)
    if x1 > 0:
        theta = math.atan(x2 / x1) / (2.0 * math.pi)
    else:
        theta = math.atan(x2 / x1) / (2.0 * math.pi) + 0.5
    f1 = 10.0 * (x3 - 10.0 * theta)
    f2 = 10.0 * (math.sqrt(x1**2 + x2**2) - 1.0)
    f3 = x3
    return f1**2 + f2**2 + f3**2


BARD_Y = [0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96, 1.34, 2.10, 4.39]


def bard(x1, x2, x3):  # (8)
    total = 0.0
    for i in range(1, 16):
        u = i
        v = 16 - i
        w = min(u, v)
        f = BARD_Y[i - 1] - (x1 + u / (v * x2 + w * x3))
        total += f**2
    return total


GAUSSIAN_Y = [0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989,
              0.3521, 0.2420, 0.1295, 0.0540, 0.0175, 0.0044, 0.0009]  # fmt: skip


def gaussian(x1, x2, x3):  # (9)
    total = 0.0
    for i in range(1, 16):
        t = (8 - i) / 2.0
        f = x1 * math.exp(-x2 * (t - x3) ** 2 / 2.0) - GAUSSIAN_Y[i - 1]
        total += f**2
    return total


MEYER_Y = [34780.0, 28610.0, 23650.0, 19630.0, 16370.0, 13720.0, 11540.0, 9744.0,
           8261.0, 7030.0, 6005.0, 5147.0, 4427.0, 3820.0, 3307.0, 2872.0]  # fmt: skip


def meyer(x1, x2, x3):  # (10)
    total = 0.0
    for i in range(1, 17):
        t = 45.0 + 5.0 * i
        f = x1 * math.exp(x2 / (t + x3)) - MEYER_Y[i - 1]
        total += f**2
    return total


def gulf_research(x1, x2, x3, m):  # (11), n <= m <= 100
    total = 0.0
    for i in range(1, m + 1):
        t = i / 100.0
        y = 25.0 + (-50.0 * math.log(t)) ** (2.0 / 3.0)
        f = math.exp(-(abs(y - x2) ** x3) / x1) - t
        total += f**2
    return total


def box_3d(x1, x2, x3):  # (12), m = 10
    total = 0.0
    for i in range(1, 11):
        t = 0.1 * i
        f = math.exp(-t * x1) - math.exp(-t * x2) - x3 * (math.exp(-t) - math.exp(-10.0 * t))
        total += f**2
    return total


def powell_singular(x1, x2, x3, x4):  # (13)
    f1 = x1 + 10.0 * x2
    f2 = math.sqrt(5.0) * (x3 - x4)
    f3 = (x2 - 2.0 * x3) ** 2
    f4 = math.sqrt(10.0) * (x1 - x4) ** 2
    return f1**2 + f2**2 + f3**2 + f4**2


def wood(x1, x2, x3, x4):  # (14)
    f1 = 10.0 * (x2 - x1**2)
    f2 = 1.0 - x1
    f3 = math.sqrt(90.0) * (x4 - x3**2)
    f4 = 1.0 - x3
    f5 = math.sqrt(10.0) * (x2 + x4 - 2.0)
    f6 = 10.0**-0.5 * (x2 - x4)
    return f1**2 + f2**2 + f3**2 + f4**2 + f5**2 + f6**2


KOWALIK_Y = [0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323, 0.0235, 0.0246]
KOWALIK_U = [4.0, 2.0, 1.0, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625]


def kowalik_osborne(x1, x2, x3, x4):  # (15)
    total = 0.0
    for i in range(11):
        u = KOWALIK_U[i]
        f = KOWALIK_Y[i] - x1 * (u**2 + u * x2) / (u**2 + u * x3 + x4)
        total += f**2
    return total


def brown_dennis(x1, x2, x3, x4):  # (16), m = 20
    total = 0.0
    for i in range(1, 21):
        t = i / 5.0
        f = (x1 + t * x2 - math.exp(t)) ** 2 + (x3 + x4 * math.sin(t) - math.cos(t)) ** 2
        total += f**2
    return total


OSBORNE1_Y = [0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784, 0.751, 0.718,
              0.685, 0.658, 0.628, 0.603, 0.580, 0.558, 0.538, 0.522, 0.506, 0.490, 0.478, 0.467,
              0.457, 0.448, 0.438, 0.431, 0.424, 0.420, 0.414, 0.411, 0.406]  # fmt: skip


def osborne_1(x1, x2, x3, x4, x5):  # (17)
    total = 0.0
    for i in range(1, 34):
        t = 10.0 * (i - 1)
        f = OSBORNE1_Y[i - 1] - (x1 + x2 * math.exp(-t * x4) + x3 * math.exp(-t * x5))
        total += f**2
    return total


def biggs_exp6(x1, x2, x3, x4, x5, x6):  # (18), m = 13
    total = 0.0
    for i in range(1, 14):
        t = 0.1 * i
        y = math.exp(-t) - 5.0 * math.exp(-10.0 * t) + 3.0 * math.exp(-4.0 * t)
        f = x3 * math.exp(-t * x1) - x4 * math.exp(-t * x2) + x6 * math.exp(-t * x5) - y
        total += f**2
    return total


def watson(x):  # (20), 2 <= n <= 31, m = 31
    n = len(x)
    total = 0.0
    for i in range(1, 30):
        t = i / 29.0
        s1 = 0.0
        for j in range(2, n + 1):
            s1 += (j - 1) * x[j - 1] * t ** (j - 2)
        s2 = 0.0
        for j in range(1, n + 1):
            s2 += x[j - 1] * t ** (j - 1)
        f = s1 - s2**2 - 1.0
        total += f**2
    total += x[0] ** 2
    total += (x[1] - x[0] ** 2 - 1.0) ** 2
    return total


def extended_rosenbrock(x):  # (21), n even
    total = 0.0
    for i in range(1, len(x) // 2 + 1):
        f1 = 10.0 * (x[2 * i - 1] - x[2 * i - 2] ** 2)
        f2 = 1.0 - x[2 * i - 2]
        total += f1**2 + f2**2
    return total


def extended_powell_singular(x):  # (22), n a multiple of 4
    total = 0.0
    for i in range(1, len(x) // 4 + 1):
        f1 = x[4 * i - 4] + 10.0 * x[4 * i - 3]
        f2 = math.sqrt(5.0) * (x[4 * i - 2] - x[4 * i - 1])
        f3 = (x[4 * i - 3] - 2.0 * x[4 * i - 2]) ** 2
        f4 = math.sqrt(10.0) * (x[4 * i - 4] - x[4 * i - 1]) ** 2
        total += f1**2 + f2**2 + f3**2 + f4**2
    return total


def penalty_1(x):  # (23), m = n + 1
    a = 1e-5
    total = 0.0
    for xi in x:
        total += (math.sqrt(a) * (xi - 1.0)) ** 2
    total += (sum(xj**2 for xj in x) - 0.25) ** 2
    return total


def penalty_2(x):  # (24), m = 2n
    n = len(x)
    a = 1e-5
    total = (x[0] - 0.2) ** 2
    for i in range(2, n + 1):
        y = math.exp(i / 10.0) + math.exp((i - 1) / 10.0)
        total += (math.sqrt(a) * (math.exp(x[i - 1] / 10.0) + math.exp(x[i - 2] / 10.0) - y)) ** 2
    for i in range(n + 1, 2 * n):
        total += (math.sqrt(a) * (math.exp(x[i - n] / 10.0) - math.exp(-1.0 / 10.0))) ** 2
    total += (sum((n - j + 1) * x[j - 1] ** 2 for j in range(1, n + 1)) - 1.0) ** 2
    return total


def variably_dimensioned(x):  # (25), m = n + 2
    n = len(x)
    total = 0.0
    for xi in x:
        total += (xi - 1.0) ** 2
    s = sum(j * (x[j - 1] - 1.0) for j in range(1, n + 1))
    return total + s**2 + (s**2) ** 2


def trigonometric(x):  # (26), m = n
    n = len(x)
    c = sum(math.cos(xj) for xj in x)
    total = 0.0
    for i in range(1, n + 1):
        f = n - c + i * (1.0 - math.cos(x[i - 1])) - math.sin(x[i - 1])
        total += f**2
    return total


def brown_almost_linear(x):  # (27), m = n
    n = len(x)
    s = sum(x)
    total = 0.0
    for i in range(1, n):
        total += (x[i - 1] + s - (n + 1)) ** 2
    p = 1.0
    for xj in x:
        p = p * xj
    return total + (p - 1.0) ** 2


def discrete_boundary_value(x):  # (28), m = n, x_0 = x_{n+1} = 0
    n = len(x)
    h = 1.0 / (n + 1)
    total = 0.0
    for i in range(1, n + 1):
        t = i * h
        left = x[i - 2] if i > 1 else 0.0
        right = x[i] if i < n else 0.0
        f = 2.0 * x[i - 1] - left - right + h**2 * (x[i - 1] + t + 1.0) ** 3 / 2.0
        total += f**2
    return total


def discrete_integral_equation(x):  # (29), m = n
    n = len(x)
    h = 1.0 / (n + 1)
    total = 0.0
    for i in range(1, n + 1):
        ti = i * h
        s1 = 0.0
        for j in range(1, i + 1):
            tj = j * h
            s1 += tj * (x[j - 1] + tj + 1.0) ** 3
        s2 = 0.0
        for j in range(i + 1, n + 1):
            tj = j * h
            s2 += (1.0 - tj) * (x[j - 1] + tj + 1.0) ** 3
        f = x[i - 1] + h * ((1.0 - ti) * s1 + ti * s2) / 2.0
        total += f**2
    return total


def broyden_tridiagonal(x):  # (30), m = n, x_0 = x_{n+1} = 0
    n = len(x)
    total = 0.0
    for i in range(1, n + 1):
        left = x[i - 2] if i > 1 else 0.0
        right = x[i] if i < n else 0.0
        f = (3.0 - 2.0 * x[i - 1]) * x[i - 1] - left - 2.0 * right + 1.0
        total += f**2
    return total


def broyden_banded(x):  # (31), m = n, ml = 5, mu = 1
    n = len(x)
    total = 0.0
    for i in range(1, n + 1):
        s = 0.0
        for j in range(max(1, i - 5), min(n, i + 1) + 1):
            if j != i:
                s += x[j - 1] * (1.0 + x[j - 1])
        f = x[i - 1] * (2.0 + 5.0 * x[i - 1] ** 2) + 1.0 - s
        total += f**2
    return total


def linear_full_rank(x, m):  # (32), m >= n
    n = len(x)
    s = sum(x)
    total = 0.0
    for i in range(1, m + 1):
        if i <= n:
            f = x[i - 1] - 2.0 / m * s - 1.0
        else:
            f = -2.0 / m * s - 1.0
        total += f**2
    return total


def linear_rank_1(x, m):  # (33), m >= n
    n = len(x)
    s = sum(j * x[j - 1] for j in range(1, n + 1))
    total = 0.0
    for i in range(1, m + 1):
        total += (i * s - 1.0) ** 2
    return total


# ---------------------------------------------------------------------------------------------------------
# Jamil & Yang (2013), global-optimization benchmark functions (the paper's names)
# ---------------------------------------------------------------------------------------------------------


def booth(x, y):
    return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2


def himmelblau(x, y):
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def matyas(x, y):
    return 0.26 * (x**2 + y**2) - 0.48 * x * y


def three_hump_camel(x, y):
    return 2 * x**2 - 1.05 * x**4 + x**6 / 6 + x * y + y**2


def six_hump_camel(x, y):
    return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2


def mccormick(x, y):
    return math.sin(x + y) + (x - y) ** 2 - 1.5 * x + 2.5 * y + 1


def goldstein_price(x, y):
    a = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2)
    b = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2)
    return a * b


def easom(x, y):
    return -math.cos(x) * math.cos(y) * math.exp(-((x - math.pi) ** 2 + (y - math.pi) ** 2))


def levi_13(x, y):
    return (
        math.sin(3 * math.pi * x) ** 2
        + (x - 1) ** 2 * (1 + math.sin(3 * math.pi * y) ** 2)
        + (y - 1) ** 2 * (1 + math.sin(2 * math.pi * y) ** 2)
    )


def schaffer_2(x, y):
    return 0.5 + (math.sin(x**2 - y**2) ** 2 - 0.5) / (1 + 0.001 * (x**2 + y**2)) ** 2


def bukin_6(x, y):
    return 100 * math.sqrt(abs(y - 0.01 * x**2)) + 0.01 * abs(x + 10)


def ackley(x):
    n = len(x)
    s1 = sum(xi**2 for xi in x)
    s2 = sum(math.cos(2 * math.pi * xi) for xi in x)
    return -20 * math.exp(-0.2 * math.sqrt(s1 / n)) - math.exp(s2 / n) + 20 + math.e


def rastrigin(x):
    return 10 * len(x) + sum(xi**2 - 10 * math.cos(2 * math.pi * xi) for xi in x)


def griewank(x):
    s = sum(xi**2 for xi in x) / 4000
    p = math.prod(math.cos(xi / math.sqrt(i + 1)) for i, xi in enumerate(x))
    return s - p + 1


def styblinski_tang(x):
    return sum(xi**4 - 16 * xi**2 + 5 * xi for xi in x) / 2


def sphere(x):
    return sum(xi**2 for xi in x)


def dixon_price(x):
    total = (x[0] - 1) ** 2
    for i in range(1, len(x)):
        total += (i + 1) * (2 * x[i] ** 2 - x[i - 1]) ** 2
    return total


def zakharov(x):
    s1 = sum(xi**2 for xi in x)
    s2 = sum(0.5 * (i + 1) * xi for i, xi in enumerate(x))
    return s1 + s2**2 + s2**4


def black_scholes_call(s, k, t, r, sigma):  # Black & Scholes (1973), J. Political Economy 81(3), eq. (13)
    d1 = (math.log(s / k) + (r + sigma**2 / 2) * t) / (sigma * math.sqrt(t))
    d2 = d1 - sigma * math.sqrt(t)
    n1 = 0.5 * (1 + math.erf(d1 / math.sqrt(2)))
    n2 = 0.5 * (1 + math.erf(d2 / math.sqrt(2)))
    return s * n1 - k * math.exp(-r * t) * n2
