"""The warehouse frames: exact keys and columns, unique keys, resolved bounds, DuckDB types."""

from __future__ import annotations

import duckdb
import pytest

EXPECTED_COLUMNS = {
    "dim_scorecard": [
        "scorecard_id",
        "year",
        "title_fi",
        "title_en",
        "organisation",
        "source_document",
        "weighted",
        "as_of_document",
    ],
    "dim_goal": [
        "goal_id",
        "scorecard_id",
        "theme_fi",
        "theme_en",
        "goal_fi",
        "goal_en",
        "goal_area_fi",
        "goal_area_en",
        "weight_pct",
        "responsible",
        "risks_fi",
        "risks_en",
        "city_links",
        "binding",
    ],
    "dim_meter": [
        "meter_id",
        "goal_id",
        "scorecard_id",
        "year",
        "name_fi",
        "name_en",
        "unit",
        "direction",
        "service_area",
        "source",
        "measure",
        "accumulation",
        "baseline_value",
        "baseline_period",
        "is_new_meter",
        "recovery_meter",
        "description_fi",
    ],
    "dim_target": [
        "meter_id",
        "scorecard_id",
        "year",
        "target_kind",
        "target_json",
        "target_min",
        "target_max",
        "tier_minimum",
        "tier_challenging",
        "tier_exceptional",
        "ratio_total",
        "weight_pct",
        "note",
    ],
    "fact_checkin": [
        "meter_id",
        "checkin_date",
        "status",
        "progress_pct",
        "forecast",
        "forecast_round",
        "forecast_value",
        "value",
        "numerator",
        "denominator",
        "comment_fi",
        "source",
    ],
}

KEYS = {
    "dim_scorecard": ["scorecard_id"],
    "dim_goal": ["goal_id"],
    "dim_meter": ["meter_id"],
    "dim_target": ["meter_id"],
    "fact_checkin": ["meter_id", "checkin_date"],
}


def test_frame_names_and_columns(frames):
    assert {name: list(frame.columns) for name, frame in frames.items()} == EXPECTED_COLUMNS


@pytest.mark.parametrize("name", list(KEYS))
def test_keys_are_unique_and_not_null(frames, name):
    frame = frames[name]
    assert not frame[KEYS[name]].isna().any().any()
    assert not frame.duplicated(KEYS[name]).any()


def test_row_counts(frames):
    sizes = {name: len(frame) for name, frame in frames.items()}
    assert sizes == {
        "dim_scorecard": 5,
        "dim_goal": 27,
        "dim_meter": 42,
        "dim_target": 42,
        "fact_checkin": 33,
    }


def test_foreign_keys_hold(frames):
    goals, meters = set(frames["dim_goal"].goal_id), set(frames["dim_meter"].meter_id)
    assert set(frames["dim_meter"].goal_id) <= goals
    assert set(frames["dim_target"].meter_id) == meters
    assert set(frames["fact_checkin"].meter_id) <= meters
    assert set(frames["dim_goal"].scorecard_id) == set(frames["dim_scorecard"].scorecard_id)


RESOLVED = [
    pytest.param(
        "urban_culture_2021.hobihobi_listings", 357 * 3, id="listings target_min = 357 * 3 = 1071"
    ),
    pytest.param(
        "urban_culture_2021.hobihobi_participants",
        1859 * 4,
        id="participants target_min = 1859 * 4 = 7436",
    ),
    pytest.param(
        "urban_culture_2021.large_culture_events",
        30,
        id="culture events target_min = 30 (range 30-32)",
    ),
    pytest.param("weighted_targets_2021.nps_index", 40, id="NPS target_min = minimum tier 40"),
    pytest.param(
        "weighted_targets_2021.service_strategy_progress",
        5,
        id="service strategy target_min = 5 of 13",
    ),
]


@pytest.mark.parametrize(("meter_id", "low"), RESOLVED)
def test_resolved_lower_bound(frames, meter_id, low):
    assert frames["dim_target"].set_index("meter_id").loc[meter_id, "target_min"] == low


def test_target_json_round_trips_through_the_grammar(frames, catalog):
    from pydantic import TypeAdapter

    from kuva_pipeline.catalog.targets import Target

    adapter = TypeAdapter(Target)
    for row in frames["dim_target"].itertuples():
        assert adapter.validate_json(row.target_json) == catalog.meter(row.meter_id).target


def test_goal_text_keeps_the_headline_first(frames):
    goal = (
        frames["dim_goal"]
        .set_index("goal_id")
        .loc["binding_goals_2019.customer_experience", "goal_fi"]
    )
    assert goal.startswith(
        "Palveluja parannetaan asiakaskokemuksen perusteella\n\nKulttuurin ja vapaa-ajan"
    )


def test_meter_description_carries_the_follow_up_bar(frames):
    text = (
        frames["dim_meter"]
        .set_index("meter_id")
        .loc["budget_followup_2020.biennial_realised", "description_fi"]
    )
    assert "Ositettu toteutuminen:" in text
    assert (
        "- Sisältösuunnittelu on valmis, näyttelyohjelma on julkaistu.:" in text
        and "[TEHTY]" in text
    )


def test_frames_load_into_duckdb_with_stable_types(frames):
    connection = duckdb.connect()
    try:
        types = {}
        for name, frame in frames.items():
            connection.register(f"frame_{name}", frame)
            for column, column_type, *_ in connection.sql(
                f"describe select * from frame_{name}"
            ).fetchall():
                types[(name, column)] = column_type
    finally:
        connection.close()
    assert types[("dim_scorecard", "as_of_document")] == "DATE"
    assert types[("fact_checkin", "checkin_date")] == "DATE"
    assert types[("dim_meter", "recovery_meter")] == "BOOLEAN"
    assert types[("dim_target", "tier_minimum")] == "DOUBLE"
    assert types[("dim_goal", "theme_fi")] == "VARCHAR"
    assert "NULL" not in {t.strip('"') for t in types.values()}
