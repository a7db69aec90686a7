"""Hand-computed year-end outcomes for every target kind, on both sides of each boundary."""

from __future__ import annotations

import pytest

from kuva_pipeline.scoring import attainment_pct

from .helpers import (
    NPS_2021,
    UNIT_COST_2021,
    at_least,
    at_most,
    band,
    keep,
    milestone,
    ratio,
    relative,
    run,
)

# (target, direction, baseline, actual, status, attainment %)
YEAR_END_CASES = [
    pytest.param(at_least(20), "higher", None, 19, "not_achieved", 95.0, id="at_least-below"),
    pytest.param(at_least(20), "higher", None, 20, "achieved", 100.0, id="at_least-at"),
    pytest.param(at_least(20), "higher", None, 21, "achieved", 105.0, id="at_least-above"),
    pytest.param(at_most(100), "lower", None, 101, "not_achieved", 99.0, id="at_most-over"),
    pytest.param(at_most(100), "lower", None, 100, "achieved", 100.0, id="at_most-at"),
    pytest.param(at_most(100), "lower", None, 99, "achieved", 101.0, id="at_most-under"),
    # Range 30-32 large events, higher is better: near end 30, far end 32.
    pytest.param(
        band(30, 32), "higher", None, 29.99, "not_achieved", 99.966667, id="range-below-min"
    ),
    pytest.param(band(30, 32), "higher", None, 30, "achieved", 100.0, id="range-at-min"),
    pytest.param(band(30, 32), "higher", None, 31, "achieved", 103.333333, id="range-inside"),
    pytest.param(band(30, 32), "higher", None, 32, "achieved", 106.666667, id="range-at-max"),
    pytest.param(band(30, 32), "higher", None, 32.01, "achieved", 106.7, id="range-beyond-max"),
    # The same band when lower is better: near end 32, far end 30.
    pytest.param(
        band(30, 32), "lower", None, 32.01, "not_achieved", 99.96875, id="range-lower-over-max"
    ),
    pytest.param(band(30, 32), "lower", None, 32, "achieved", 100.0, id="range-lower-at-max"),
    pytest.param(band(30, 32), "lower", None, 30, "achieved", 106.25, id="range-lower-at-min"),
    pytest.param(
        band(30, 32), "lower", None, 29.99, "achieved", 106.28125, id="range-lower-beyond-min"
    ),
    # Hobihobi listings: 357 +200 % = 1071.
    pytest.param(
        relative(200), "higher", 357, 1070, "not_achieved", 99.906629, id="relative-below"
    ),
    pytest.param(relative(200), "higher", 357, 1071, "achieved", 100.0, id="relative-at"),
    pytest.param(relative(200), "higher", 357, 1072, "achieved", 100.093371, id="relative-above"),
    pytest.param(
        relative(-10), "lower", 200, 181, "not_achieved", 99.444444, id="relative-lower-over"
    ),
    pytest.param(relative(-10), "lower", 200, 180, "achieved", 100.0, id="relative-lower-at"),
    pytest.param(
        relative(-10), "lower", 200, 179, "achieved", 100.555556, id="relative-lower-under"
    ),
    pytest.param(keep(), "higher", 40, 39, "not_achieved", 97.5, id="keep-below"),
    pytest.param(keep(), "higher", 40, 40, "achieved", 100.0, id="keep-at"),
    pytest.param(keep(), "higher", 40, 41, "achieved", 102.5, id="keep-above"),
    pytest.param(keep(), "lower", 100, 100.01, "not_achieved", 99.99, id="keep-lower-over"),
    pytest.param(keep(), "lower", 100, 100, "achieved", 100.0, id="keep-lower-at"),
    pytest.param(keep(), "lower", 100, 99.99, "achieved", 100.01, id="keep-lower-under"),
    pytest.param(ratio(7, 7), "higher", None, 6, "not_achieved", 85.714286, id="ratio-below"),
    pytest.param(ratio(7, 7), "higher", None, 7, "achieved", 100.0, id="ratio-at"),
    pytest.param(ratio(3, 4), "higher", None, 4, "achieved", 133.333333, id="ratio-above"),
    pytest.param(milestone(), "higher", None, 99, "not_achieved", 99.0, id="milestone-below"),
    pytest.param(milestone(), "higher", None, 100, "achieved", 100.0, id="milestone-at"),
]


@pytest.mark.parametrize(
    ("target", "direction", "baseline", "actual", "status", "attainment"), YEAR_END_CASES
)
def test_year_end_boundaries(target, direction, baseline, actual, status, attainment):
    result = run(target, actual, direction=direction, baseline=baseline)
    assert result.status == status
    assert result.rule == "year_end"
    assert result.meets_target is (status == "achieved")
    assert result.attainment_pct == pytest.approx(attainment, abs=1e-6)
    assert result.tier is None  # not a tiered target


def test_relative_change_resolves_against_the_baseline():
    assert run(relative(200), 1071, baseline=357).threshold == 1071.0


@pytest.mark.parametrize(
    ("actual", "status", "tier", "weighted"),
    [
        (39.99, "not_achieved", "none", 0.0),
        (40.0, "achieved", "minimum", 10.0),
        (40.99, "achieved", "minimum", 10.0),
        (41.0, "achieved", "challenging", 20.0),
        (41.5, "achieved", "challenging", 20.0),
        (42.99, "achieved", "challenging", 20.0),
        (43.0, "achieved", "exceptional", 30.0),
        (60.0, "achieved", "exceptional", 30.0),
    ],
)
def test_nps_tiers_higher_is_better(actual, status, tier, weighted):
    result = run(NPS_2021, actual, baseline=40, weight_pct=30)
    assert (result.status, result.tier, result.weighted_score) == (status, tier, weighted)


@pytest.mark.parametrize(
    ("actual", "status", "tier", "weighted"),
    [
        (100.01, "not_achieved", "none", 0.0),
        (100.0, "achieved", "minimum", 10.0),
        (99.51, "achieved", "minimum", 10.0),
        (99.5, "achieved", "challenging", 20.0),
        (99.01, "achieved", "challenging", 20.0),
        (99.0, "achieved", "exceptional", 30.0),
        (90.0, "achieved", "exceptional", 30.0),
    ],
)
def test_unit_cost_tiers_lower_is_better(actual, status, tier, weighted):
    # Baseline TP2020 = 100: unchanged / -0.5 % / -1 % -> 100 / 99.5 / 99.
    result = run(UNIT_COST_2021, actual, direction="lower", baseline=100, weight_pct=30)
    assert (result.status, result.tier, result.weighted_score) == (status, tier, weighted)


def test_tiered_attainment_is_against_the_minimum_level():
    assert run(UNIT_COST_2021, 99.0, direction="lower", baseline=100).attainment_pct == 101.0
    assert run(NPS_2021, 43, baseline=40).attainment_pct == 107.5


def test_untiered_weighted_score_is_all_or_nothing():
    assert run(at_least(20), 20, weight_pct=40).weighted_score == 40.0
    assert run(at_least(20), 19.99, weight_pct=40).weighted_score == 0.0
    assert run(at_least(20), 20).weighted_score is None  # no weight given


def test_milestone_done_by_checkin_status():
    done = run(milestone(), None, accumulation="milestone", checkin_status="tehty")
    assert (done.status, done.value, done.attainment_pct) == ("achieved", 100.0, 100.0)
    not_started = run(milestone(), None, accumulation="milestone", checkin_status="TEKEMÄTTÄ")
    assert (not_started.status, not_started.value) == ("not_achieved", 0.0)


@pytest.mark.parametrize(
    ("value", "limit", "direction", "expected"),
    [
        (25, 20, "higher", 125.0),  # Varaamo 25 of 20 spaces
        (0, 7, "higher", 0.0),  # satisfaction measured 0 of 7
        (-5, 40, "higher", 0.0),  # NPS -5 against 40: floored, never negative
        (-5, -10, "higher", 150.0),  # a negative target measured by its size
        (-10, -10, "higher", 100.0),
        (-20, -10, "higher", 0.0),
        (0, 0, "higher", 100.0),  # a zero target has no scale: met or not
        (-1, 0, "higher", 0.0),
        (3, 0, "lower", 0.0),  # "at most 0 complaints", 3 complaints
        (0, 100, "lower", 200.0),  # zero cost against a cap of 100
        (150, 100, "lower", 50.0),
        (250, 100, "lower", 0.0),
    ],
)
def test_attainment_by_hand(value, limit, direction, expected):
    assert attainment_pct(value, limit, direction) == pytest.approx(expected)
