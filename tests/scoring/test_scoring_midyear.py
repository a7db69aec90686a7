"""Mid-year rules: reaching early, level tolerance, the expected path, forecasts, no_data."""

from __future__ import annotations

from datetime import date

import pytest

from kuva_pipeline.scoring import (
    STATUS_LABELS,
    STATUSES,
    TIER_LABELS,
    TIERS,
    normalise_checkin_status,
    normalise_forecast,
)

from .helpers import NPS_2021, at_least, at_most, keep, milestone, ratio, relative, run

JULY_2 = date(2021, 7, 2)  # day 183 of 365
OCT_26_2020 = date(2020, 10, 26)  # day 300 of 366


# --- reaching the target before the year ends --------------------------------------


def test_level_from_feed_meeting_target_is_on_track_not_achieved():
    result = run(at_least(40), 45, as_of=JULY_2)
    assert (result.status, result.rule) == ("on_track", "level_band")
    assert "can still fall" in result.explanation_en


def test_level_from_checkin_meeting_target_is_achieved():
    assert run(at_least(40), 40, as_of=JULY_2, value_origin="checkin").status == "achieved"


def test_cumulative_meeting_a_cap_mid_year_is_not_achieved_early():
    # A running cost under its cap can still grow past it: follow the path instead.
    kw = {"direction": "lower", "as_of": JULY_2, "accumulation": "cumulative"}
    assert run(at_most(1000), 400, **kw).status == "on_track"  # under 183/365 x 1000
    assert run(at_most(1000), 600, **kw).status == "at_risk"  # over the path, under the cap
    assert run(at_most(1000), 1200, **kw).status == "at_risk"
    assert run(at_most(1000), 400, value_origin="checkin", **kw).status == "on_track"


# --- level tolerance band ----------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "direction", "baseline", "actual", "status"),
    [
        (at_least(40), "higher", None, 38.0, "on_track"),  # 40 - 5 % = 38
        (at_least(40), "higher", None, 37.99, "at_risk"),
        (keep(), "lower", 100, 105.0, "on_track"),  # 100 + 5 % = 105
        (keep(), "lower", 100, 105.01, "at_risk"),
        (NPS_2021, "higher", 40, 38.5, "on_track"),
    ],
)
def test_level_tolerance_band(target, direction, baseline, actual, status):
    result = run(target, actual, direction=direction, baseline=baseline, as_of=JULY_2)
    assert (result.status, result.rule) == (status, "level_band")


def test_level_tolerance_can_be_tightened():
    assert run(at_least(40), 39, as_of=JULY_2, level_tolerance_pct=0).status == "at_risk"


# --- cumulative expected path ----------------------------------------------------------


def test_cumulative_linear_path():
    kw = {"as_of": JULY_2, "accumulation": "cumulative"}
    on = run(at_least(365), 183, **kw)
    assert (on.status, on.expected_to_date) == ("on_track", pytest.approx(183.0))
    assert on.projected_value == pytest.approx(365.0)
    assert "on a linear path" in on.explanation_en
    assert run(at_least(365), 182.99, **kw).status == "at_risk"


def test_cumulative_seasonal_path():
    kw = {"as_of": date(2021, 2, 14), "accumulation": "cumulative", "expected_fraction": 0.25}
    on = run(at_least(100), 25, **kw)
    assert (on.status, on.expected_to_date) == ("on_track", 25.0)
    assert "seasonal profile" in on.explanation_en
    off = run(at_least(100), 24, **kw)
    assert (off.status, off.projected_value) == ("at_risk", 96.0)
    assert "jää alle odotetun 25" in off.explanation_fi


def test_relative_target_on_cumulative_path():
    # Hobihobi participants 1859 +300 % = 7436; half the year expected -> 3718.
    kw = {"baseline": 1859, "as_of": JULY_2, "accumulation": "cumulative", "expected_fraction": 0.5}
    assert run(relative(300), 3718, **kw).status == "on_track"
    assert run(relative(300), 3717, **kw).status == "at_risk"


def test_projection_is_withheld_early_in_the_year():
    result = run(
        at_least(100),
        3,
        as_of=date(2021, 1, 5),
        accumulation="cumulative",
        manual_forecast="toteutuu",
    )
    assert result.projected_value is None
    assert result.forecast_disagrees is False


def test_ratio_projection_is_capped_at_the_total():
    kw = {"as_of": JULY_2, "accumulation": "cumulative", "expected_fraction": 0.5}
    assert run(ratio(4, 8), 3, **kw).projected_value == 6.0
    assert run(ratio(4, 8), 5, **kw).projected_value == 8.0


def test_level_projection_is_the_current_value():
    assert run(at_least(40), 42, as_of=JULY_2).projected_value == 42.0


# --- milestones ------------------------------------------------------------------------


def test_milestone_tehty_mid_year_is_achieved_whatever_the_bar_says():
    result = run(
        milestone(),
        None,
        as_of=OCT_26_2020,
        year=2020,
        accumulation="milestone",
        progress_pct=60,
        checkin_status="Tehty",
    )
    assert (result.status, result.value) == ("achieved", 100.0)
    assert "TEHTY" in result.explanation_en


@pytest.mark.parametrize(
    ("progress", "status"), [(90, "on_track"), (82, "on_track"), (81, "at_risk")]
)
def test_milestone_progress_against_the_year_elapsed(progress, status):
    # 26.10.2020 is day 300 of 366: 82.0 % expected.
    result = run(
        milestone(),
        None,
        as_of=OCT_26_2020,
        year=2020,
        accumulation="milestone",
        progress_pct=progress,
        checkin_status="TEKEILLÄ",
    )
    assert result.status == status


def test_milestone_not_started_mid_year_is_at_risk():
    result = run(
        milestone(), None, as_of=JULY_2, accumulation="milestone", checkin_status="TEKEMÄTTÄ"
    )
    assert (result.status, result.value) == ("at_risk", 0.0)


def test_milestone_in_progress_without_a_bar_falls_back_to_the_forecast():
    kw = {"as_of": JULY_2, "accumulation": "milestone", "checkin_status": "tekeillä"}
    assert run(milestone(), None, **kw).status == "no_data"
    assert run(milestone(), None, manual_forecast="toteutuu", **kw).status == "on_track"


def test_milestone_still_in_progress_at_year_end_is_not_achieved():
    result = run(
        milestone(),
        None,
        accumulation="milestone",
        checkin_status="TEKEILLÄ",
        manual_forecast="toteutuu",
        weight_pct=40,
    )
    assert (result.status, result.rule, result.weighted_score) == ("not_achieved", "year_end", 0.0)
    assert "TEKEILLÄ" in result.explanation_en and "tekeillä" in result.explanation_fi


# --- owner's forecast when there is no value -------------------------------------------


@pytest.mark.parametrize(
    ("word", "mid_year", "year_end"),
    [
        ("Toteutuu", "on_track", "achieved"),
        ("toteutumassa", "on_track", "no_data"),
        ("Epävarma", "at_risk", "no_data"),
        ("EI TOTEUDU", "at_risk", "not_achieved"),
    ],
)
def test_forecast_only(word, mid_year, year_end):
    mid = run(at_least(8), None, as_of=JULY_2, manual_forecast=word)
    end = run(at_least(8), None, manual_forecast=word)
    assert (mid.status, end.status) == (mid_year, year_end)
    assert mid.rule == end.rule == "owner_forecast"
    assert "owner" in mid.explanation_en and "omistajan" in mid.explanation_fi
    assert mid.attainment_pct is None and mid.weighted_score is None


def test_numeric_forecast_only():
    kw = {"accumulation": "milestone", "value_origin": "checkin"}
    assert (
        run(milestone(), None, as_of=JULY_2, manual_forecast_value=100, **kw).status == "on_track"
    )
    assert run(milestone(), None, as_of=JULY_2, manual_forecast_value=50, **kw).status == "at_risk"
    assert run(milestone(), None, manual_forecast_value=100, **kw).status == "no_data"


def test_no_value_and_no_forecast_is_no_data():
    for as_of in (JULY_2, date(2021, 12, 31)):
        result = run(at_least(8), None, as_of=as_of)
        assert (result.status, result.rule) == ("no_data", "no_value")


def test_a_value_outranks_the_forecast():
    result = run(
        at_least(8), 2, as_of=JULY_2, accumulation="cumulative", manual_forecast="toteutuu"
    )
    assert result.status == "at_risk"  # 2 < 183/365 x 8


# --- projection against the owner's forecast ------------------------------------------


@pytest.mark.parametrize(
    ("actual", "word", "disagrees"),
    [
        (60, "ei toteudu", True),  # projects 120 >= 100, owner says no
        (60, "epävarma", True),
        (60, "toteutuu", False),
        (40, "toteutuu", True),  # projects 80 < 100, owner says yes
        (40, "toteutumassa", True),
        (40, "ei toteudu", False),
    ],
)
def test_forecast_disagrees(actual, word, disagrees):
    result = run(
        at_least(100),
        actual,
        as_of=JULY_2,
        accumulation="cumulative",
        expected_fraction=0.5,
        manual_forecast=word,
    )
    assert result.forecast_disagrees is disagrees
    assert ("disagrees" in result.explanation_en) is disagrees


def test_forecast_disagrees_with_a_numeric_forecast():
    kw = {"as_of": JULY_2, "accumulation": "cumulative", "expected_fraction": 0.5}
    assert run(at_least(100), 40, manual_forecast_value=100, **kw).forecast_disagrees is True
    assert run(at_least(100), 40, manual_forecast_value=90, **kw).forecast_disagrees is False


# --- data quality and unresolvable targets ---------------------------------------------


@pytest.mark.parametrize("quality", ["failed", "stale", "missing"])
@pytest.mark.parametrize("actual", [0.0, 50.0, 1e6])
@pytest.mark.parametrize("as_of", [JULY_2, date(2021, 12, 31)])
def test_bad_data_is_never_red_or_green(quality, actual, as_of):
    reason = "row count 0 vs 4 000 expected"
    result = run(
        NPS_2021,
        actual,
        baseline=40,
        as_of=as_of,
        weight_pct=30,
        data_quality=quality,
        data_quality_reason=reason,
        manual_forecast="toteutuu",
    )
    assert result.status == "no_data"
    assert (result.status_fi, result.status_en) == ("ei tietoa", "no data")
    assert reason in result.explanation_en and reason in result.explanation_fi
    assert result.attainment_pct is None and result.tier is None and result.weighted_score is None
    assert result.projected_value is None and result.forecast_disagrees is False


def test_missing_baseline_for_a_relative_target_is_no_data():
    result = run(relative(200), 1000, baseline=None)
    assert (result.status, result.rule) == ("no_data", "target_unresolved")
    assert "baseline" in result.explanation_en


# --- explanations, labels and inputs ------------------------------------------------------


def test_explanation_names_rule_inputs_rows_and_code_version():
    result = run(at_least(20), 19, row_count=12345, code_version="scoring-test")
    assert result.explanation_en == (
        "Not achieved: the year is complete and the measured level 19 does not meet the "
        "target (at least 20); as of 2021-12-31, 12,345 rows, scoring scoring-test."
    )
    assert result.explanation_fi == (
        "Ei saavutettu: vuosi on päättynyt eikä mitattu taso 19 täytä tavoitetta "
        "(vähintään 20); tilanne 31.12.2021, 12\u00a0345 riviä, laskentaversio scoring-test."
    )


def test_labels_cover_every_status_and_tier():
    assert set(STATUS_LABELS) == set(STATUSES)
    assert set(TIER_LABELS) == set(TIERS)
    for labels in (*STATUS_LABELS.values(), *TIER_LABELS.values()):
        assert set(labels) == {"fi", "en"} and all(labels.values())
    result = run(at_least(20), 25, as_of=JULY_2, accumulation="cumulative")
    assert (result.status_fi, result.status_en) == ("saavutettu", "achieved")


def test_forecast_and_checkin_vocabulary():
    assert normalise_forecast("  Toteutuu ") == "toteutuu"
    assert normalise_forecast("epavarma") == "epävarma"
    assert normalise_forecast("Epa\u0308varma") == "epävarma"  # decomposed umlaut
    assert normalise_forecast("Ei  toteudu.") == "ei toteudu"
    assert normalise_forecast("") is None and normalise_forecast(None) is None
    assert normalise_checkin_status("tekemättä") == "TEKEMÄTTÄ"
    with pytest.raises(ValueError, match="unknown manual forecast"):
        normalise_forecast("kyllä")
    with pytest.raises(ValueError, match="unknown check-in status"):
        normalise_checkin_status("valmis")


def test_dict_targets_are_validated_by_the_grammar():
    assert run({"kind": "at_least", "value": 20}, 20).status == "achieved"


@pytest.mark.parametrize(
    "bad",
    [
        {"direction": "up"},
        {"accumulation": "sum"},
        {"data_quality": "bad"},
        {"expected_fraction": 1.5},
        {"actual": float("nan")},
        {"weight_pct": -1},
        {"progress_pct": 120},
        {"manual_forecast": "maybe"},
    ],
)
def test_malformed_inputs_raise(bad):
    kwargs = {"actual": 20.0, **bad}
    with pytest.raises(ValueError):
        run(at_least(20), **kwargs)
