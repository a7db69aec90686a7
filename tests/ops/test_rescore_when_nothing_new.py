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
