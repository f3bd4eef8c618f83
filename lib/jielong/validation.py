"""Checks for the knobs of every public function: a bad value raises a ValueError naming it and its range."""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any


def check_int(name: str, value: Any, low: int, high: int) -> int:
    """Return `value` if it is an integer in [low, high], else raise a ValueError that says so."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}")
    return value


def check_float(name: str, value: Any, low: float, high: float, *, low_open: bool = False) -> float:
    """Return `value` as a float if it lies in [low, high] (or (low, high] with low_open), else raise."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (low < value if low_open else low <= value) and value <= high
    if not ok:
        bracket = "(" if low_open else "["
        raise ValueError(f"{name} must be a number in {bracket}{low:g}, {high:g}], got {value!r}")
    return float(value)


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Return `value` if it is one of `choices`, else raise a ValueError listing them."""
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def check_subset(name: str, values: Iterable[Any], choices: Iterable[Any]) -> tuple:
    """Return `values` as a sorted-by-choices tuple if all are among `choices`, else raise."""
    values, choices = tuple(values), tuple(choices)
    unknown = [v for v in values if v not in choices]
    if unknown:
        raise ValueError(f"{name} must be chosen from {', '.join(map(repr, choices))}; got unknown {unknown!r}")
    return tuple(c for c in choices if c in values)


BETA_MAX = 10.0


def check_beta(beta: Any, *, zero_allowed: bool) -> float:
    """Validate a KL weight beta: in [0, 10] where no penalty is a choice (GRPO), else in (0, 10] (DPO, KTO)."""
    return check_float("beta", beta, 0.0, BETA_MAX, low_open=not zero_allowed)
