"""Intervals for the effects the claims measure: Wilson for one rate, a paired bootstrap for everything else.

Written here because the two formulas are a few lines each and scipy's versions would add a dependency for them.
"""
from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

from .validation import check_int

Z95 = 1.959963984540054


def wilson(successes: int, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a rate of `successes` in `n` independent trials."""
    check_int("n", n, 1, 10**9)
    check_int("successes", successes, 0, n)
    p = successes / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2)) / (1 + Z95**2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def bootstrap(statistic: Callable[[list[int]], float], n: int, resamples: int = 2000,
              seed: int = 0) -> tuple[float, float]:
    """The 95% percentile interval of `statistic(indices)` over bootstrap resamples of the items 0..n-1.

    The statistic reads all its paired measurements through the same indices (the same questions, pairs or
    people in every arm), so the interval keeps their pairing.
    """
    check_int("n", n, 1, 10**7)
    check_int("resamples", resamples, 100, 100_000)
    rng = random.Random(f"bootstrap-{seed}")
    values = sorted(statistic([rng.randrange(n) for _ in range(n)]) for _ in range(resamples))
    return values[int(0.025 * resamples)], values[min(resamples - 1, int(0.975 * resamples))]


def mean(values: Sequence[float], indices: Sequence[int] | None = None) -> float:
    """The mean of `values`, or of the values at `indices` (a bootstrap resample)."""
    picked = values if indices is None else [values[i] for i in indices]
    if not picked:
        raise ValueError("values must hold at least one number")
    return sum(picked) / len(picked)
