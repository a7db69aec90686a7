"""Pure parts of the scorecard view: Finnish and English formatting, the as-of choice,
which days need computing and the target text, with expectations worked out by hand."""

from datetime import date, datetime

import pytest

from kuva_pipeline.web import fmt, views
from kuva_pipeline.web import labels as L
from kuva_pipeline.web.asof import needs_computing
from kuva_pipeline.web.snapshot import BI_TABLES, Snapshot


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "unit", "expected"),
    [
        (41.61, "fi", None, "NPS", "41,61"),
        (41.61, "en", None, "NPS", "41.61"),
        (1234.5, "fi", 1, None, "1\u202f234,5"),
        (1234.5, "en", 1, None, "1,234.5"),
        (-0.5, "fi", 1, None, "\u22120,5"),
        (-0.5, "en", 1, None, "-0.5"),
        (1070.6, "fi", None, "events", "1\u202f071"),  # a count is a whole number
        (40.0, "fi", None, "NPS", "40"),
        (None, "fi", None, None, "–"),
    ],
)
def test_number(value, lang, decimals, unit, expected):
    assert fmt.number(value, lang, decimals, unit) == expected


def test_days_in_both_languages():
    assert fmt.day(date(2021, 12, 31), "fi") == "31.12.2021"
    assert fmt.day(date(2022, 1, 1), "fi") == "1.1.2022"
    assert fmt.day(datetime(2020, 10, 26, 9, 5), "en") == "26 Oct 2020"
    assert fmt.moment(datetime(2020, 10, 26, 9, 5), "fi") == "26.10.2020 09.05"


def test_thresholds_get_enough_decimals_to_differ():
    # The unit-cost tiers of seed 004: 14.5215 / 14.4489 / 14.3763 (-0.5 % and -1 %).
    assert fmt.distinct_decimals([14.5215, 14.4489, 14.3763], "EUR/output") == 2
    assert fmt.distinct_decimals([14.4449, 14.4351], "EUR/output") == 3
    assert fmt.distinct_decimals([40, 41, 43], "NPS") == 0


def test_target_text_of_tiers_and_ranges():
    row = {
        "unit": "EUR/output", "target_kind": "tiers", "target_min": None, "target_max": 14.5215,
        "tier_minimum": 14.5215, "tier_challenging": 14.4489, "tier_exceptional": 14.3763,
    }
    assert views.target_text(row, "fi") == "minimi 14,52 / haastava 14,45 / poikkeuksellinen 14,38"
    row = {
        "unit": "events", "target_kind": "range", "target_min": 30.0, "target_max": 32.0,
        "tier_minimum": None, "tier_challenging": None, "tier_exceptional": None,
    }
    assert views.target_text(row, "en") == "30–32\u00a0events"
    row.update(target_kind="relative_change", target_min=1071.0, target_max=None, unit="listings")
    assert views.target_text(row, "fi") == "≥ 1\u202f071\u00a0ilmoitusta"


def test_as_of_resolution():
    days = [date(2020, 10, 26), date(2020, 12, 31)]
    assert views.resolve_as_of(days, None) == (date(2020, 12, 31), None)
    assert views.resolve_as_of(days, date(2020, 10, 26)) == (date(2020, 10, 26), None)
    assert views.resolve_as_of(days, date(2020, 11, 15)) == (date(2020, 10, 26), "as_of_note")
    assert views.resolve_as_of(days, date(2020, 1, 1)) == (date(2020, 10, 26), "as_of_before")


def test_target_decimals_tell_thresholds_apart_and_keep_whole_ones_whole():
    # Hand values: tiers 0.5 % and 1 % under 14.5215 -> 14.4489 and 14.3763.
    assert fmt.target_decimals([None, 14.5215, 14.5215, 14.4489, 14.3763], "EUR/output") == 2
    assert fmt.target_decimals([14.4449, 14.3751, None], "EUR/output") == 2
    assert fmt.target_decimals([14.4449, 14.4351], "EUR/output") == 3
    assert fmt.target_decimals([40.0, 41.0, 43.0], "NPS") == 0
    assert fmt.target_decimals([1071.0, None], "listings") == 0


def test_every_status_has_colour_icon_and_both_labels():
    for status in ("achieved", "on_track", "at_risk", "not_achieved", "no_data"):
        colour, icon = L.STATUS_STYLE[status]
        assert colour and icon
        assert L.status_label(status, "fi") and L.status_label(status, "en")
    assert L.forecast_label("ei toteudu", "en") == "will not be met"
    assert L.forecast_label("epävarma", "fi") == "epävarma"


def test_dagster_link_follows_the_configured_ui(monkeypatch):
    assert views.dagster_asset_url("meters/nps_measures") == "http://127.0.0.1:3000/assets/meters/nps_measures"
    monkeypatch.setenv("KUVA_DAGSTER_URL", "http://dagster.example:3000/")
    assert views.dagster_asset_url("meters/checkins") == "http://dagster.example:3000/assets/meters/checkins"
    assert views.meter_asset_key("nps") == "meters/nps_measures"
    assert views.meter_asset_key("checkin") == "meters/checkins"


def _snapshot(published: dict[str, list[date]], rounds: list[tuple[str, date, str]] = ()) -> Snapshot:
    """A snapshot by hand: scorecard id -> its published days, and (meter, day, round) of the
    documents' forecasts."""
    tables = {name: [] for name in BI_TABLES}
    for sc, days in published.items():
        tables["meters"].append({"meter_id": f"{sc}.m", "scorecard_id": sc})
        for d in days:
            tables["scorecards"].append({"scorecard_id": sc, "year": d.year, "as_of": d})
            tables["scorecard"].append({"scorecard_id": sc, "meter_id": f"{sc}.m", "as_of": d, "as_of_kind": "document"})
            tables["goals"].append({"scorecard_id": sc, "goal_id": f"{sc}.g", "as_of": d})
    for meter, d, r in rounds:
        tables["checkins"].append({"meter_id": meter, "checkin_date": d, "origin": "catalog", "forecast_round": r})
    tables["checkins"].append({"meter_id": "b_2021.m", "checkin_date": date(2021, 5, 3), "origin": "sheet", "forecast_round": None})
    return Snapshot("hand", tables)


def test_which_days_need_time_travel():
    snap = _snapshot({"a_2020": [date(2020, 10, 26), date(2020, 12, 31)], "b_2021": [date(2021, 8, 31), date(2021, 12, 31)]})
    assert not needs_computing(snap, date(2020, 10, 26))  # published
    assert needs_computing(snap, date(2020, 11, 15))
    assert needs_computing(snap, date(2020, 3, 1), "a_2020")  # before the first publication, same year
    assert not needs_computing(snap, date(2020, 11, 15), "b_2021")  # another year's scorecard
    assert not needs_computing(snap, date(2022, 1, 5))  # no scorecard of 2022
    assert not needs_computing(snap, date(2021, 12, 31))
    later = _snapshot({"c_2022": [date(2022, 3, 1)]})
    assert not needs_computing(later, date(2022, 3, 2))  # after the latest known day: nothing newer


def test_forecast_rounds_and_a_computed_day_join_the_snapshot():
    snap = _snapshot(
        {"a_2020": [date(2020, 12, 31)], "b_2021": [date(2021, 8, 31), date(2021, 12, 31)]},
        rounds=[("b_2021.m", date(2021, 4, 30), "1/2021"), ("b_2021.m", date(2021, 8, 31), "2/2021")],
    )
    assert snap.forecast_rounds() == {date(2021, 4, 30): ["1/2021"], date(2021, 8, 31): ["2/2021"]}
    assert snap.forecast_rounds("a_2020") == {}
    day = date(2021, 4, 30)
    computed = {
        "scorecards": [{"scorecard_id": "b_2021", "year": 2021, "as_of": day},
                       # published already: the published row stays the only one
                       {"scorecard_id": "b_2021", "year": 2021, "as_of": date(2021, 8, 31)}],
        "scorecard": [{"scorecard_id": "b_2021", "meter_id": "b_2021.m", "as_of": day, "as_of_kind": "time_travel"}],
        "goals": [{"scorecard_id": "b_2021", "goal_id": "b_2021.g", "as_of": day}],
    }
    joined = snap.with_scored_day(computed)
    assert joined.as_of_days("b_2021") == [day, date(2021, 8, 31), date(2021, 12, 31)]
    assert joined.scorecard_rows("b_2021", day)[0]["as_of_kind"] == "time_travel"
    assert len(joined.tables["scorecards"]) == len(snap.tables["scorecards"]) + 1
    assert snap.as_of_days("b_2021") == [date(2021, 8, 31), date(2021, 12, 31)], "the snapshot itself is unchanged"
