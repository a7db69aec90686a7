"""A refresh that finds nothing new since the last full one rescores and checks freshness only."""

from __future__ import annotations

import dagster as dg

from kuva_pipeline import cli
from kuva_pipeline.changes import SCOPE_TAG, landing_changes
from kuva_pipeline.defs.raw import RAW_SOURCES
from tests.ops.helpers import age

RANGE = ["--from", "2021-03-01", "--to", "2021-03-31", "--no-scorecard"]


def _latest_run(instance: dg.DagsterInstance) -> tuple[dg.DagsterRun, set[str], set[tuple[str, str]]]:
    run = instance.get_runs(limit=1)[0]
    records = instance.all_logs(run.run_id)
    materialized = {
        e.dagster_event.asset_key.to_user_string()
        for e in records
        if e.dagster_event and e.dagster_event.event_type_value == "ASSET_MATERIALIZATION"
    }
    checked = {
        (
            e.dagster_event.event_specific_data.asset_key.to_user_string(),
            e.dagster_event.event_specific_data.check_name,
        )
        for e in records
        if e.dagster_event and e.dagster_event.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    return run, materialized, checked


def test_nothing_new_rescores_and_checks_freshness_and_a_changed_file_runs_everything(
    project_env, landing_root, monkeypatch, capsys
):
    monkeypatch.setenv("KUVA_LANDING_DIR", str(landing_root))
    assert cli.main(["refresh", *RANGE]) in (0, 3)
    with dg.DagsterInstance.get() as instance:
        run, materialized, _ = _latest_run(instance)
        assert run.tags[SCOPE_TAG] == "full"
        assert "raw/nps_feedback" in materialized
    capsys.readouterr()

    # Nothing landed, nothing changed: the scorecards are rescored, the feeds' freshness judged.
    assert cli.main(["refresh", *RANGE]) in (0, 3)
    assert "Nothing new since the last full refresh" in capsys.readouterr().out
    with dg.DagsterInstance.get() as instance:
        run, materialized, checked = _latest_run(instance)
        assert run.tags[SCOPE_TAG] == "rescore"
        assert {"marts/scorecard", "meters/meter_values", "bi/publication"} <= materialized
        assert not {k for k in materialized if k.split("/")[0] in ("raw", "staging", "quarantine")}
        # The bi views are the last full refresh's code: a rescore leaves them be...
        assert {k for k in materialized if k.startswith("bi/")} == {"bi/publication"}
        assert {(f"raw/{s.table}", "landing_is_fresh") for s in RAW_SOURCES} <= checked
        # ...and publishes only after the tables behind them are rescored.
        steps = [
            (e.step_key, e.dagster_event.event_type_value)
            for e in instance.all_logs(run.run_id)
            if e.dagster_event and e.dagster_event.event_type_value in ("STEP_START", "STEP_SUCCESS")
        ]
        assert steps.index(("bi__publication", "STEP_START")) > steps.index(
            ("warehouse_models", "STEP_SUCCESS")
        )

    # A file rewritten since it was loaded: everything runs again.
    path = landing_root / "nps" / "2021" / "nps_2021-03.csv"
    path.write_text(path.read_text(encoding="utf-8") + "99,2021-03-20T10:00:00,101,9001,8,false,nps11,\n")
    age(path)
    assert cli.main(["refresh", *RANGE]) in (0, 3)
    with dg.DagsterInstance.get() as instance:
        run, materialized, _ = _latest_run(instance)
        assert run.tags[SCOPE_TAG] == "full"
        assert "raw/nps_feedback" in materialized


def test_a_loaded_file_that_is_gone_is_a_change(project_env, landing_root, monkeypatch):
    from pathlib import Path

    monkeypatch.setenv("KUVA_LANDING_DIR", str(landing_root))
    assert cli.main(["refresh", *RANGE, "--select", "key:raw/nps_feedback"]) in (0, 3)
    warehouse = Path(project_env["KUVA_WAREHOUSE_PATH"])
    nps = [s for s in RAW_SOURCES if s.table == "nps_feedback"]
    from datetime import date

    span = (date(2021, 3, 1), date(2021, 3, 31))
    assert landing_changes(warehouse, landing_root, nps, *span) == []
    (landing_root / "nps" / "2021" / "nps_2021-03.csv").unlink()
    assert landing_changes(warehouse, landing_root, nps, *span) == ["nps/2021/nps_2021-03.csv: gone"]
    # A month no file covers, and none was loaded for, is no change by itself.
    assert landing_changes(warehouse, landing_root, nps, date(2021, 5, 1), date(2021, 5, 31)) == []


def test_a_rescore_recomputes_only_the_periods_whose_as_of_day_moved(
    project_env, landing_root, monkeypatch
):
    """assets/macros/rescore.sql: a rescore keeps the measures' past periods and recomputes the
    year of an as-of day that moved; a staging table rebuilt since makes it rebuild them whole.

    tests/fixtures/landing/nps/2021/nps_2021-03.csv holds the March 2021 NPS answers 1 (10),
    2 (9), 3 (7), 4 (3) and 7 (10; its identical copy is quarantined), the others misuse, a
    smiley survey, an unknown device, button 11 or no time: promoters 3, detractors 1, of 5,
    so March and the year to date as of 31.12.2021 are 100 * (3 - 1) / 5 = 40. The reference
    has devices 101, 102 and 103 in use since 2019: three in June 2020.
    """
    from datetime import date
    from pathlib import Path

    import duckdb

    monkeypatch.setenv("KUVA_LANDING_DIR", str(landing_root))
    warehouse = Path(project_env["KUVA_WAREHOUSE_PATH"])

    def rows(sql: str) -> list[tuple]:
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def latest_scope() -> str:
        with dg.DagsterInstance.get() as instance:
            return instance.get_runs(limit=1)[0].tags[SCOPE_TAG]

    ytd_2021 = (
        "SELECT period_end, value FROM meters.nps_measures WHERE measure = 'nps_index' AND grain = 'ytd' "
        "AND period_start = DATE '2021-01-01' AND service_area = 'KUVA' ORDER BY period_end"
    )
    march_2021 = (
        "SELECT value FROM meters.nps_measures WHERE measure = 'nps_index' AND grain = 'month' "
        "AND period_start = DATE '2021-03-01' AND service_area = 'KUVA'"
    )
    june_2020 = (
        "SELECT value FROM meters.nps_measures WHERE measure = 'devices_in_use' AND grain = 'month' "
        "AND period_start = DATE '2020-06-01' AND service_area = 'KUVA'"
    )
    moved_from = "SELECT * FROM meters.nps_measures WHERE period_end = DATE '2021-02-14'"

    assert cli.main(["refresh", *RANGE]) in (0, 3)
    assert latest_scope() == "full"
    assert (date(2021, 12, 31), 40.0) in rows(ytd_2021)
    assert rows(march_2021) == [(40.0,)]
    assert rows(june_2020) == [(3.0,)]

    def as_if_scored_on_14_february() -> None:
        # The table as a rescore on 15.2.2021 would have left it: the 2021 year to date as of
        # 14.2. And a mark on a past period, which only a whole rebuild puts right.
        con = duckdb.connect(str(warehouse))
        try:
            con.execute(
                "UPDATE meters.nps_measures SET period_end = DATE '2021-02-14', value = -2 WHERE grain = 'ytd' "
                "AND period_start = DATE '2021-01-01' AND period_end = DATE '2021-12-31'"
            )
            con.execute(
                "UPDATE meters.nps_measures SET value = -1 WHERE measure = 'devices_in_use' AND grain = 'month' "
                "AND period_start = DATE '2020-06-01' AND service_area = 'KUVA'"
            )
        finally:
            con.close()

    as_if_scored_on_14_february()
    assert cli.main(["refresh", *RANGE]) in (0, 3)
    assert latest_scope() == "rescore"
    # 2021's as-of day moved from 14.2. to 31.12.: its periods are recomputed...
    assert (date(2021, 12, 31), 40.0) in rows(ytd_2021)
    assert not rows(moved_from)
    assert rows(march_2021) == [(40.0,)]
    # ...and 2020, whose as-of day stayed, is kept as it was.
    assert rows(june_2020) == [(-1.0,)]

    # Staging rebuilt by a run of its own since: the next rescore rebuilds the table whole.
    assert cli.main(["refresh", *RANGE, "--select", "key:staging/nps_responses"]) in (0, 3)
    as_if_scored_on_14_february()
    assert cli.main(["refresh", *RANGE]) in (0, 3)
    assert latest_scope() == "rescore"
    assert rows(june_2020) == [(3.0,)]
    assert (date(2021, 12, 31), 40.0) in rows(ytd_2021)
    assert not rows(moved_from)
