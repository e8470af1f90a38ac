"""The uplift interval: known values, coverage of the true difference, and the empty cases."""

import random

import pytest

from livechat.offer_stats import cost_per_retained, uplift, wilson


def test_wilson_matches_the_published_example():
    # Newcombe 1998, table I: 81/263 -> 0.2553 to 0.3662.
    low, high = wilson(81, 263)
    assert low == pytest.approx(0.2553, abs=1e-4) and high == pytest.approx(0.3662, abs=1e-4)


def test_newcombe_difference_matches_the_published_example():
    # Newcombe 1998, table II example (56/70 vs 48/80): difference 0.2000, method 10 CI 0.0524 to 0.3339.
    result = uplift(56, 70, 48, 80)
    assert result.uplift == pytest.approx(0.2)
    assert result.ci_low == pytest.approx(0.0524, abs=1e-4) and result.ci_high == pytest.approx(0.3339, abs=1e-4)
    assert result.significant


def test_interval_covers_the_true_difference_about_95_percent_of_the_time():
    rng = random.Random(7)
    covered = 0
    for _ in range(400):
        treated = sum(rng.random() < 0.25 for _ in range(300))
        control = sum(rng.random() < 0.20 for _ in range(300))
        result = uplift(treated, 300, control, 300)
        covered += result.ci_low <= 0.05 <= result.ci_high
    assert 0.92 <= covered / 400 <= 0.98


def test_no_group_no_answer_and_no_cost_without_uplift():
    assert uplift(3, 10, 0, 0) is None
    assert wilson(0, 0) == (0.0, 1.0)
    assert cost_per_retained(10_000, 0.0, 100) is None
    assert cost_per_retained(10_000, 0.05, 100) == pytest.approx(2_000)
