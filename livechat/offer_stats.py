"""Uplift of an offer arm over its holdout: the difference of two conversion proportions with a
Newcombe (hybrid Wilson score) 95% confidence interval, which behaves at small counts and rates near
0 or 1 where the textbook Wald interval does not (Newcombe 1998, method 10)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm

CONFIDENCE = 0.95


def wilson(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson score interval of a proportion; (0, 1) when there is no data."""
    if n <= 0:
        return 0.0, 1.0
    z = float(norm.ppf(0.5 + confidence / 2))
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Uplift:
    treated_rate: float
    control_rate: float
    uplift: float  # treated minus control, absolute (0.03 = three percentage points)
    ci_low: float
    ci_high: float

    @property
    def significant(self) -> bool:
        return self.ci_low > 0 or self.ci_high < 0


def uplift(treated_conversions: int, treated_n: int, control_conversions: int, control_n: int,
           confidence: float = CONFIDENCE) -> Uplift | None:
    """Difference of conversion rates with its Newcombe interval; None while either group is empty."""
    if treated_n <= 0 or control_n <= 0:
        return None
    p1, p2 = treated_conversions / treated_n, control_conversions / control_n
    l1, u1 = wilson(treated_conversions, treated_n, confidence)
    l2, u2 = wilson(control_conversions, control_n, confidence)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Uplift(p1, p2, d, low, high)


def cost_per_retained(cost_cents: int, uplift_value: float | None, treated_n: int) -> float | None:
    """What each customer kept because of the offer cost: spend over incremental conversions.

    None when the offer retained nobody extra (uplift not above zero): the cost is then not per anyone.
    """
    if uplift_value is None or uplift_value <= 0 or treated_n <= 0:
        return None
    return cost_cents / (uplift_value * treated_n)
