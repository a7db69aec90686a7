"""Time travel: `kuva scorecard --as-of D` shows what was known on D, and nothing later.

Expectations come from the catalog's own dated check-ins (seed 002: Varaamo 7
spaces on 1.6.2020, 25 on 15.6.2020 against a target of 20) and from the
fixture NPS export (March 2021: NPS 40, worked out in tests/test_nps_slice.py).
"""

from datetime import date, datetime

import duckdb
import pytest

from kuva_pipeline.report import ScorecardUnavailable
from kuva_pipeline.timetravel import scorecard_as_of
from tests.conftest import materialize_range

VARAAMO = "budget_followup_2020.varaamo_spaces_for_sale"
NPS = "weighted_targets_2021.nps_index"


@pytest.fixture
def warehouse(fixture_resources, warehouse_path):
    result = materialize_range(fixture_resources, date(2021, 3, 1), date(2021, 3, 31))
    assert result.success
    return str(warehouse_path)


def _row(rows, meter_id):
    (row,) = [r for r in rows if r["meter_id"] == meter_id]
    return row


def test_a_check_in_dated_after_the_as_of_day_does_not_change_that_day(warehouse):
    # The fixture has no Varaamo feed, so the owner's check-ins carry the meter.
    before = _row(scorecard_as_of(date(2020, 6, 14), database=warehouse), VARAAMO)
    assert before["actual_value"] == 7  # the 1.6.2020 check-in; the 15.6 one is not yet known
    assert before["status"] != "achieved"
    on_the_day = _row(scorecard_as_of(date(2020, 6, 15), database=warehouse), VARAAMO)
    assert on_the_day["actual_value"] == 25
    assert on_the_day["status"] == "achieved"  # "Tavoite saavutettu 15.6.2020"
    assert on_the_day["as_of"] == date(2020, 6, 15)


def test_data_loaded_after_the_as_of_day_is_not_known_on_it(warehouse):
    con = duckdb.connect(warehouse)
    try:
        # Pretend the March 2021 export only arrived on 15.7.2021.
        con.execute("UPDATE raw.nps_feedback SET _loaded_at = ?", [datetime(2021, 7, 15, 3, 0)])
    finally:
        con.close()
    strict = _row(scorecard_as_of(date(2021, 6, 30), database=warehouse), NPS)
    assert strict["actual_value"] is None and strict["status"] == "no_data"
    # What today's data says about the days up to 30.6.2021: the March answers, NPS 40.
    loose = _row(
        scorecard_as_of(date(2021, 6, 30), database=warehouse, ignore_load_time=True), NPS
    )
    assert loose["actual_value"] == 40.0
    # By the end of July the export had arrived.
    later = _row(scorecard_as_of(date(2021, 7, 31), database=warehouse), NPS)
    assert later["actual_value"] == 40.0


def test_days_after_the_as_of_day_are_not_counted(warehouse):
    # Only 1.3.2021 and 2.3.2021 are known on 2.3.2021: ids 1, 2, 3, 4 (5 is misuse):
    # promoters 2 (ids 1, 2), detractors 1 (id 4) of 4 answers -> 100 x (2 - 1) / 4 = 25.
    row = _row(
        scorecard_as_of(date(2021, 3, 2), database=warehouse, ignore_load_time=True), NPS
    )
    assert row["actual_value"] == 25.0


def test_time_travel_leaves_the_warehouse_untouched(warehouse):
    def state():
        con = duckdb.connect(warehouse, read_only=True)
        try:
            return con.execute("SELECT * FROM marts.scorecard ORDER BY ALL").fetchall()
        finally:
            con.close()

    before = state()
    scorecard_as_of(date(2021, 3, 2), database=warehouse)
    assert state() == before


def test_as_of_outside_the_requested_year_is_a_clear_error(warehouse):
    with pytest.raises(ScorecardUnavailable, match="not in 2021"):
        scorecard_as_of(date(2020, 6, 30), year=2021, database=warehouse)


def test_a_warehouse_without_any_check_verdict_still_travels(warehouse):
    con = duckdb.connect(warehouse)
    try:
        con.execute("DROP TABLE quality.check_results")
    finally:
        con.close()
    # No verdict recorded, nothing to distrust: March's NPS 40 scores as it is.
    row = _row(scorecard_as_of(date(2021, 3, 31), database=warehouse, ignore_load_time=True), NPS)
    assert (row["actual_value"], row["data_quality"]) == (40.0, "ok")


def test_time_travel_over_the_source_copy_rebuilds_the_models_it_also_holds(warehouse, tmp_path):
    from kuva_pipeline.publish import publish_source_copy

    con = duckdb.connect(warehouse)
    try:
        copy = publish_source_copy(con, refresh_id="copy-test", target=tmp_path / "sources.duckdb")
    finally:
        con.close()
    # The copy holds the sources; its base (read for the raw months that did not change) is
    # the whole warehouse file, scored marts included. Spoil that score: time travel must
    # rebuild the models from the sources, never read the base's own.
    con = duckdb.connect(str(copy), read_only=True)
    try:
        assert con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name NOT IN ('main', 'raw', 'catalog', "
            "'staging', 'quality')"
        ).fetchone() == (0,)
        (base_file,) = con.execute("SELECT file FROM main._source_base").fetchone()
    finally:
        con.close()
    con = duckdb.connect(str(copy.with_name(base_file)))
    try:
        spoiled = con.execute(
            "UPDATE marts.scorecard SET actual_value = -1 WHERE meter_id = ?", [VARAAMO]
        ).fetchone()[0]
    finally:
        con.close()
    assert spoiled > 0
    on_the_day = _row(scorecard_as_of(date(2020, 6, 15), database=str(copy)), VARAAMO)
    assert (on_the_day["actual_value"], on_the_day["status"]) == (25, "achieved")
