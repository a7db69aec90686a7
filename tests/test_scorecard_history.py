"""Each refresh appends its scores to marts.scorecard_history; the current table is replaced."""

from datetime import date

import duckdb

from tests.conftest import materialize_range


def test_history_accumulates_across_refreshes(fixture_resources, warehouse_path):
    runs = []
    for _ in range(2):
        result = materialize_range(fixture_resources, date(2021, 3, 1), date(2021, 3, 31))
        assert result.success
        runs.append(result.run_id)
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        current = con.execute("SELECT count(*) FROM marts.scorecard").fetchone()[0]
        meters_times_days = con.execute(
            "SELECT count(*) FROM catalog.dim_meter m JOIN catalog.as_of_dates d USING (scorecard_id)"
        ).fetchone()[0]
        by_run = dict(
            con.execute(
                "SELECT refresh_id, count(*) FROM marts.scorecard_history GROUP BY 1"
            ).fetchall()
        )
    finally:
        con.close()
    # One row per catalog meter and as-of day of its scorecard, now and in each refresh.
    assert current == meters_times_days
    assert by_run == {runs[0]: current, runs[1]: current}
