"""score_meter_day: one typed input (a row of marts.scorecard_inputs) in, one scorecard row out."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from kuva_pipeline.scoring import MeterDayInput, score_meter_day
from tests.scoring.helpers import UNIT_COST_2021, at_least, milestone


def _day(**overrides) -> MeterDayInput:
    """A 2021 feed meter at year end, with nothing reported; override what a case needs."""
    fields = {
        "scorecard_id": "card_2021",
        "year": 2021,
        "goal_id": "card_2021.g1",
        "meter_id": "card_2021.m1",
        "meter_name_fi": "Mittari",
        "meter_name_en": "Meter",
        "service_area": "KUVA",
        "unit": "count",
        "direction": "higher",
        "accumulation": "cumulative",
        "target_kind": "at_least",
        "target": at_least(100),
        "weight_pct": None,
        "as_of": date(2021, 12, 31),
        "as_of_kind": "latest",
        "baseline_value": None,
        "baseline_from_data": False,
        "seasonal_profile": None,
        "actual_value": None,
        "value_origin": "feed",
        "row_count": None,
        "checkin_status": None,
        "progress_pct": None,
        "manual_forecast": None,
        "data_quality": "ok",
        "data_quality_reason": None,
    }
    return MeterDayInput(**{**fields, **overrides})


def test_unit_cost_against_its_tp2020_baseline_from_the_data():
    # Seed 004: unchanged / -0.5 % / -1 % vs TP2020. TP2020 = 100, so the tiers are
    # 100, 99.5 and 99 (lower is better); 99.5 reaches challenging: 30 x 2/3 = 20 points.
    row = score_meter_day(_day(
        direction="lower", accumulation="level", target_kind="tiers", target=UNIT_COST_2021,
        weight_pct=30.0, baseline_value=100.0, baseline_from_data=True, actual_value=99.5, row_count=6,
    ))
    assert (row.target_min, row.target_max) == (None, 100.0)
    assert (row.tier_minimum, row.tier_challenging, row.tier_exceptional) == (100.0, 99.5, 99.0)
    assert row.status == "achieved" and row.tier == "challenging"
    assert row.weighted_score == 20.0
    # Lower is better: 100 x (1 - (99.5 - 100) / 100) = 100.5.
    assert row.attainment_pct == pytest.approx(100.5)
    assert row.baseline_value == 100.0 and row.baseline_from_data
    assert (row.actual_value, row.value_origin, row.row_count) == (99.5, "feed", 6)


def test_the_seasonal_profile_sets_the_expected_path():
    # Profile 10, 30, then 6 a month: 100 in all. By 14 February: (10 + 30 x 14/28) / 100 = 25 %
    # of the target 100 is expected, so 20 is behind; on the linear path (45 / 365 = 12.3 %)
    # the same 20 is ahead.
    profile = (10.0, 30.0, *([6.0] * 10))
    mid_february = {"as_of": date(2021, 2, 14), "actual_value": 20.0}
    assert score_meter_day(_day(seasonal_profile=profile, **mid_february)).status == "at_risk"
    assert score_meter_day(_day(seasonal_profile=profile, actual_value=25.0, as_of=date(2021, 2, 14))).status == "on_track"
    assert score_meter_day(_day(**mid_february)).status == "on_track"


def test_a_failed_feed_scores_no_data_with_the_reason_and_keeps_the_value_shown():
    reason = "staging/nps_responses check feedback_id_unique failed for 2021-03-01..2021-03-31"
    row = score_meter_day(_day(actual_value=150.0, data_quality="failed", data_quality_reason=reason))
    assert row.status == "no_data" and row.data_quality == "failed"
    assert row.attainment_pct is None and row.tier is None and row.forecast_value is None
    assert (row.actual_value, row.value_origin) == (150.0, "feed")
    assert reason in row.explanation and reason in row.explanation_fi


def test_a_milestone_declared_done_scores_its_full_progress_without_a_reported_value():
    row = score_meter_day(_day(
        accumulation="milestone", target_kind="milestone", target=milestone(),
        value_origin="checkin", checkin_status="TEHTY", as_of=date(2021, 6, 30),
    ))
    assert row.status == "achieved"
    # What was scored is the milestone's 100 %; no value was reported, so no origin.
    assert (row.actual_value, row.value_origin) == (100.0, None)


def test_no_value_and_no_forecast_is_no_data_and_the_forecast_word_decides_mid_year():
    assert score_meter_day(_day(data_quality="missing")).status == "no_data"
    row = score_meter_day(_day(value_origin="checkin", manual_forecast="epävarma", as_of=date(2021, 6, 30)))
    assert (row.status, row.manual_forecast, row.value_origin) == ("at_risk", "epävarma", None)


def test_an_input_row_of_the_sql_model_reads_as_the_typed_input():
    expected = _day(
        target_kind="tiers", target=UNIT_COST_2021, direction="lower", accumulation="level",
        seasonal_profile=(1.0,) * 12, row_count=3, actual_value=99.0,
    )
    row = {f.name: getattr(expected, f.name) for f in dataclasses.fields(expected) if f.name != "target"}
    row |= {
        "target_json": json.dumps(UNIT_COST_2021.model_dump(mode="json")),
        "seasonal_profile": [1] * 12,  # a DOUBLE[] arrives as a list
        "source": "finance",  # columns the input does not carry are left out
    }
    assert MeterDayInput.from_row(row) == expected
