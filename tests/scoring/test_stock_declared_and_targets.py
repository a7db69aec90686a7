"""Rules added after the first engine: stock meters, owners' TEHTY without a figure, target rounding."""

from datetime import date

import pytest

from kuva_pipeline.catalog.targets import (
    AtLeast,
    RelativeChange,
    TargetError,
    check_against_direction,
    meets,
    resolve_bounds,
)
from kuva_pipeline.scoring import score

AT_LEAST_20 = {"kind": "at_least", "value": 20}


def _stock(actual, as_of, accumulation="stock"):
    return score(
        target=AT_LEAST_20,
        direction="higher",
        baseline=None,
        actual=actual,
        year=2020,
        as_of=as_of,
        accumulation=accumulation,
        value_origin="feed",
    )


def test_stock_that_reaches_its_target_mid_year_is_achieved():
    # Seed 002: 7 + 18 = 25 spaces on sale on 15.6.2020 against 20: "Tavoite saavutettu 15.6.2020".
    result = _stock(25, date(2020, 6, 15))
    assert result.status == "achieved"
    assert result.projected_value == 25  # a stock is projected as it stands, not extrapolated


def test_the_same_value_as_a_level_is_only_on_track_mid_year():
    assert _stock(25, date(2020, 6, 15), accumulation="level").status == "on_track"


def test_stock_below_target_follows_the_expected_path():
    # 7 spaces on 1.6.2020 (day 153 of 366): expected 20 x 153/366 = 8.36, so 7 is behind.
    assert _stock(7, date(2020, 6, 1)).status == "at_risk"
    # 9 is ahead of that path.
    assert _stock(9, date(2020, 6, 1)).status == "on_track"


def test_owner_tehty_without_a_figure_is_achieved_and_says_so():
    # Seed 002: Teams "Saavutettu 30.4.2020" with no percentage reported.
    result = score(
        target={"kind": "at_least", "value": 80},
        direction="higher",
        baseline=None,
        actual=None,
        year=2020,
        as_of=date(2020, 4, 30),
        accumulation="level",
        value_origin="checkin",
        checkin_status="TEHTY",
    )
    assert result.status == "achieved"
    assert result.attainment_pct is None
    assert "TEHTY" in result.explanation_en and "TEHTY" in result.explanation_fi


def test_relative_change_on_a_negative_baseline_moves_the_right_way():
    # +10 % of an NPS of -20 is -18 (20 x 0.1 = 2 points better), not -22.
    assert resolve_bounds(RelativeChange(kind="relative_change", pct=10), -20, "higher") == (-18, None)


def test_resolved_relative_bounds_are_rounded_so_the_documents_figure_meets_them():
    target = RelativeChange(kind="relative_change", pct=-0.5)
    # 57.3 x 0.995 = 57.0135 exactly on paper.
    assert resolve_bounds(target, 57.3, "lower") == (None, 57.0135)
    assert meets(target, 57.0135, 57.3, "lower")
    assert not meets(target, 57.0136, 57.3, "lower")


def test_relative_change_below_minus_100_is_rejected():
    with pytest.raises(TargetError, match="below -100 %"):
        check_against_direction(RelativeChange(kind="relative_change", pct=-150), 10, "lower")


def test_at_least_is_unchanged_by_rounding():
    assert resolve_bounds(AtLeast(kind="at_least", value=30), None, "higher") == (30, None)


def test_owner_tehty_without_a_figure_at_year_end_says_so_too():
    result = score(
        target={"kind": "at_least", "value": 80},
        direction="higher",
        baseline=None,
        actual=None,
        year=2020,
        as_of=date(2020, 12, 31),
        accumulation="level",
        value_origin="checkin",
        checkin_status="TEHTY",
    )
    assert result.status == "achieved"
    assert "without a figure" in result.explanation_en
    assert "does not meet" not in result.explanation_en
