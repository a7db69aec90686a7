"""The seed documents' own outcomes, reproduced by the pipeline from their reported check-ins.

Each row: meter, as-of day, the status the document states (or implies), and
where it says so. The budget follow-up 2020 (seed 002) is dated 26.10.2020;
its year-end outcomes are scored on 31.12.2020. The run uses the small fixture
landing zone, so these statuses come from the catalog's check-ins alone.
"""

from datetime import date

import duckdb
import pytest

from kuva_pipeline.timetravel import scorecard_as_of
from tests.conftest import materialize_range

DOC = date(2020, 10, 26)
YEAR_END = date(2020, 12, 31)

OUTCOMES = [
    # (meter, as_of, status, actual, why)
    ("budget_followup_2020.accessibility_audits", DOC, "achieved", 7, "Saavutettavuusauditointi tehty 7 / 7"),
    ("budget_followup_2020.satisfaction_measured", YEAR_END, "not_achieved", 0, "Asiakastyytyväisyys mitattu 0 / 7"),
    ("budget_followup_2020.teams_active_users", DOC, "achieved", None, "Teams: Saavutettu 30.4.2020 (no figure)"),
    ("budget_followup_2020.service_markets_held", YEAR_END, "not_achieved", 0, "palvelutorit 0 of 4, ei toteudu"),
    ("budget_followup_2020.family_events_held", DOC, "on_track", None, "Perhehulinat: tavoite on toteutumassa"),
    ("budget_followup_2020.varaamo_spaces_for_sale", DOC, "achieved", 25, "7 + 18 spaces: Tavoite saavutettu 15.6.2020"),
]


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    from kuva_pipeline.resources import CatalogResource, LandingResource, WarehouseResource
    from tests.conftest import FIXTURES, ROOT

    path = tmp_path_factory.mktemp("seed") / "kuva.duckdb"
    resources = {
        "warehouse": WarehouseResource(path=str(path)),
        "landing": LandingResource(
            root=str(FIXTURES / "landing"), reference_root=str(FIXTURES / "reference")
        ),
        "catalog": CatalogResource(directory=str(ROOT / "data" / "catalog")),
    }
    assert materialize_range(resources, date(2021, 3, 1), date(2021, 3, 31)).success
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "SELECT meter_id, as_of, status, actual_value, explanation FROM bi.scorecard"
        ).fetchall()
    finally:
        con.close()
    return str(path), {(m, d): (s, v, e) for m, d, s, v, e in rows}


@pytest.mark.parametrize(
    ("meter", "as_of", "status", "actual", "why"), OUTCOMES, ids=[o[4] for o in OUTCOMES]
)
def test_document_outcome(scored, meter, as_of, status, actual, why):
    _, rows = scored
    got_status, got_actual, explanation = rows[(meter, as_of)]
    assert got_status == status, explanation
    assert got_actual == actual
    assert explanation  # every scored row explains itself


def test_varaamo_reached_on_the_day_the_document_names(scored):
    path, _ = scored
    # Scored as known on 15.6.2020 itself (the check-in of that day: 25 against 20).
    (row,) = [
        r
        for r in scorecard_as_of(date(2020, 6, 15), database=path)
        if r["meter_id"] == "budget_followup_2020.varaamo_spaces_for_sale"
    ]
    assert (row["status"], row["actual_value"]) == ("achieved", 25)


def test_weighted_rollup_of_seed_004(scored):
    path, _ = scored
    con = duckdb.connect(path, read_only=True)
    try:
        weights = dict(
            con.execute(
                "SELECT goal_id, weight_pct FROM bi.goals WHERE scorecard_id = 'weighted_targets_2021'"
            ).fetchall()
        )
        total = con.execute(
            "SELECT total_weighted_score, max_weighted_score FROM bi.scorecards "
            "WHERE scorecard_id = 'weighted_targets_2021'"
        ).fetchone()
        nps = con.execute(
            "SELECT actual_value, tier, weighted_score FROM bi.scorecard "
            "WHERE meter_id = 'weighted_targets_2021.nps_index'"
        ).fetchone()
    finally:
        con.close()
    # Seed 004: unit cost 30 %, customer experience 30 %, service strategy 40 %.
    assert sorted(weights.values()) == [30.0, 30.0, 40.0]
    # The fixture's 2021 NPS is 40 (tests/test_nps_slice.py): the minimum tier, 1/3 of 30 points.
    assert nps == (40.0, "minimum", 10.0)
    # The other two areas have no data in the fixture, so they add nothing.
    assert total == (10.0, 100.0)
