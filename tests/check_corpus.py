"""Functions for tests/test_check.py: what users check, with `math` calls, loops and lists."""

import math


def gaussian_log_likelihood(mu, sigma, data):
    total = 0.0
    for d in data:
        total = total - math.log(sigma) - 0.5 * math.log(2.0 * math.pi) - (d - mu) ** 2 / (2.0 * sigma**2)
    return total


def int_trip_count(x, n):
    acc = 0.0
    for i in range(n):
        acc = acc + x * i
    return acc
