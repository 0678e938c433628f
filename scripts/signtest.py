"""signtest: the distribution-free interval for a median that the benchmark
scripts print (scripts/bench-overhead, scripts/bench-ab).

The sign test's interval (e.g. Hollander & Wolfe, "Nonparametric Statistical
Methods", 3.6): for n values, the order statistics x(k) and x(n+1-k) with the
largest k for which P(Binom(n, 1/2) < k) <= (1 - level) / 2.  It assumes
nothing about the noise's shape, only that the values are independent, which
interleaved rounds on one host approximate.
"""
import math


def median_interval(xs, level=0.95):
    """(low, high, coverage) for the median of xs, coverage >= level; None when
    there are too few values for the level (n < 6 at 95 %)."""
    xs, n = sorted(xs), len(xs)
    tail, k = 0.0, 0
    while True:
        nxt = tail + math.comb(n, k) / 2 ** n
        if nxt > (1 - level) / 2:
            break
        tail, k = nxt, k + 1
    return None if k == 0 else (xs[k - 1], xs[n - k], 1 - 2 * tail)
