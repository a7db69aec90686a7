"""Nothing published is lost: preflight before any work, and a feed never replaced by nothing."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from kuva_pipeline import cli
from kuva_pipeline import summary as run_summary
from kuva_pipeline.defs.alerts import run_failure_alert
from kuva_pipeline.preflight import preflight
from kuva_pipeline.sources.nps import NPS_FEEDBACK
from kuva_pipeline.sources.raw import RawShrinkError, ShrinkGuard, load_raw, max_drop_setting
from tests.ops.helpers import FIXTURES, ROOT

MARCH = (date(2021, 3, 1), date(2021, 3, 31))
NPS_FILE = FIXTURES / "landing" / "nps" / "2021" / "nps_2021-03.csv"
T0 = datetime(2021, 4, 1, tzinfo=UTC).replace(tzinfo=None)
SLICE = "+key:meters/nps_measures"
CLI_MARCH = ["--from", "2021-03-01", "--to", "2021-03-31", "--no-scorecard", "--select", SLICE]


def _records() -> list[str]:
    lines = NPS_FILE.read_text(encoding="utf-8").splitlines()
    return lines[1:]  # one record a line in this fixture, no quoted newlines


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    shutil.copytree(FIXTURES / "landing", root)
    return root


@pytest.fixture
def loaded(tmp_path: Path, landing: Path) -> Path:
    """A warehouse holding the fixture's March 2021 of NPS."""
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA raw")
    load_raw(con, NPS_FEEDBACK, landing, *MARCH, T0)
    con.close()
    return path


def _count(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM raw.nps_feedback").fetchone()[0]
    finally:
        con.close()


def _load(path: Path, landing: Path, guard: ShrinkGuard | None = None):
    con = duckdb.connect(str(path))
    try:
        return load_raw(con, NPS_FEEDBACK, landing, *MARCH, T0, guard=guard)
    finally:
        con.close()


# ------------------------------------------------------------------ the loader


def test_a_month_whose_files_are_gone_is_not_emptied(loaded, landing):
    n = len(_records())
    assert _count(loaded) == n
    shutil.rmtree(landing / "nps")  # the share is not mounted
    with pytest.raises(RawShrinkError) as err:
        _load(loaded, landing)
    message = str(err.value)
    assert f"raw.nps_feedback 2021-03 held back: {n} rows are loaded" in message
    assert "--allow-empty nps" in message
    assert _count(loaded) == n  # rolled back: nothing changed

    # Only an explicit allowance empties it, and says what it deleted.
    result = _load(loaded, landing, ShrinkGuard(allow=True))
    assert result.deleted == [f"2021-03: {n} -> 0 rows"] and _count(loaded) == 0


def test_a_period_dropping_past_the_threshold_is_held_back(loaded, landing):
    records = _records()
    n, kept = len(records), len(records) // 3  # two thirds gone: a drop over 50 %
    path = landing / "nps" / "2021" / "nps_2021-03.csv"
    path.write_text("\n".join([NPS_FILE.read_text(encoding="utf-8").splitlines()[0], *records[:kept]]) + "\n")
    with pytest.raises(RawShrinkError) as err:
        _load(loaded, landing)
    assert f"{n} rows are loaded but the landing files for 2021-03 hold {kept} rows" in str(err.value)
    assert _count(loaded) == n
    # A looser threshold lets the same drop through.
    _load(loaded, landing, ShrinkGuard(max_drop=0.9))
    assert _count(loaded) == kept


@pytest.mark.parametrize(("text", "share"), [("", 0.5), ("0.2", 0.2), ("80%", 0.8), ("0,3", 0.3)])
def test_the_drop_threshold_setting(text, share):
    assert max_drop_setting({"KUVA_MAX_ROW_DROP": text}) == pytest.approx(share)


def test_a_bad_drop_threshold_is_named():
    with pytest.raises(ValueError, match="KUVA_MAX_ROW_DROP='150%' is outside 0..1"):
        max_drop_setting({"KUVA_MAX_ROW_DROP": "150%"})


# ------------------------------------------------------------------ preflight


def _preflight(landing: Path, warehouse: Path, catalog: Path = ROOT / "data" / "catalog"):
    return preflight(landing, FIXTURES / "reference", catalog, warehouse, [NPS_FEEDBACK], *MARCH)


def test_preflight_names_a_missing_source_folder_with_loaded_rows(loaded, landing, monkeypatch):
    assert _preflight(landing, loaded).problems == []
    shutil.rmtree(landing / "nps")
    (problem,) = _preflight(landing, loaded).problems
    assert problem.startswith(f"{landing / 'nps'} is missing, but raw.nps_feedback holds rows for 2021-03")
    monkeypatch.setenv("KUVA_ALLOW_EMPTY", "nps")
    assert _preflight(landing, loaded).problems == []


def test_preflight_names_a_month_without_files(loaded, landing):
    (landing / "nps" / "2021" / "nps_2021-03.csv").unlink()
    (problem,) = _preflight(landing, loaded).problems
    assert problem.startswith(f"{landing / 'nps'} has no landing file for 2021-03")


def test_preflight_checks_folders_and_the_catalog(loaded, tmp_path):
    catalog = tmp_path / "catalog"
    shutil.copytree(ROOT / "data" / "catalog", catalog)
    first = sorted(catalog.glob("*.yaml"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\nnot_a_field: 1\n", encoding="utf-8")
    problems = _preflight(tmp_path / "nowhere", loaded, catalog).problems
    assert problems[0].startswith(f"the landing folder {tmp_path / 'nowhere'} does not exist")
    assert any(p.startswith("catalog: ") and first.name in p for p in problems[1:])


def test_refresh_stops_before_any_change_when_the_share_is_gone(project_env, landing, monkeypatch, capsys):
    monkeypatch.setenv("KUVA_LANDING_DIR", str(landing))
    assert cli.main(["refresh", *CLI_MARCH]) in (0, 3)
    warehouse = Path(project_env["KUVA_WAREHOUSE_PATH"])
    before = _count(warehouse)
    capsys.readouterr()
    with dg.DagsterInstance.get() as instance:
        runs_before = len(instance.get_runs())

    shutil.rmtree(landing / "nps")
    code = cli.main(["refresh", *CLI_MARCH])
    out = capsys.readouterr().out
    assert code == run_summary.EXIT_FAILED, out
    assert "Preflight failed, nothing was changed" in out and str(landing / "nps") in out
    assert _count(warehouse) == before
    with dg.DagsterInstance.get() as instance:
        assert len(instance.get_runs()) == runs_before  # no run was even started


def test_a_drop_in_a_refresh_fails_the_run_and_publishes_nothing(project_env, landing, monkeypatch, capsys):
    monkeypatch.setenv("KUVA_LANDING_DIR", str(landing))
    assert cli.main(["refresh", *CLI_MARCH]) in (0, 3)
    n = len(_records())
    header = NPS_FILE.read_text(encoding="utf-8").splitlines()[0]
    (landing / "nps" / "2021" / "nps_2021-03.csv").write_text(header + "\n" + _records()[0] + "\n")
    capsys.readouterr()
    code = cli.main(["refresh", *CLI_MARCH])
    out = capsys.readouterr().out
    assert code == run_summary.EXIT_FAILED, out
    assert f"raw.nps_feedback 2021-03 held back: {n} rows are loaded but the landing files" in out
    assert "Nothing was published" in out
    assert _count(Path(project_env["KUVA_WAREHOUSE_PATH"])) == n
    # ... and alerted, through the run-failure alert, with the source, month and counts.
    with dg.DagsterInstance.get() as instance:
        failed = next(r for r in instance.get_runs() if r.status == dg.DagsterRunStatus.FAILURE)
        context = dg.build_run_status_sensor_context(
            sensor_name="run_failure_alert",
            dagster_event=next(
                e.dagster_event
                for e in instance.all_logs(failed.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
            ),
            dagster_instance=instance,
            dagster_run=failed,
        ).for_run_failure()
        run_failure_alert(context)
    alert = json.loads(Path(project_env["KUVA_ALERT_LOG"]).read_text(encoding="utf-8").splitlines()[-1])
    assert f"raw.nps_feedback 2021-03 held back: {n} rows are loaded" in alert["text"]
    assert alert["failed_steps"][0]["error_kind"] == "permanent"
    # The explicit allowance lets it through, and the summary says what was emptied.
    monkeypatch.setenv("KUVA_ALLOW_EMPTY", "")  # the command sets it; restored after the test
    code = cli.main(["refresh", *CLI_MARCH, "--allow-empty", "nps"])
    out = capsys.readouterr().out
    assert code in (run_summary.EXIT_WARNINGS, run_summary.EXIT_FAILED), out
    assert f"Emptied on request: raw/nps_feedback 2021-03: {n} -> 1 rows" in out


def test_the_nightly_schedule_runs_the_preflight_first_and_alerts(project_env, tmp_path, monkeypatch):
    from zoneinfo import ZoneInfo

    from kuva_pipeline.defs.schedules import nightly_refresh_schedule

    monkeypatch.setenv("KUVA_LANDING_DIR", str(tmp_path / "unmounted"))
    tick = datetime(2021, 4, 2, 2, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
    result = nightly_refresh_schedule(dg.build_schedule_context(scheduled_execution_time=tick))
    assert isinstance(result, dg.SkipReason)
    assert f"the landing folder {tmp_path / 'unmounted'} does not exist" in result.skip_message
    alert = json.loads(Path(project_env["KUVA_ALERT_LOG"]).read_text(encoding="utf-8").splitlines()[-1])
    assert alert["event"] == "preflight_failed" and alert["partition"] == "2021-04-01"


def test_preflight_asks_a_whole_table_source_for_its_files_not_its_days(tmp_path, landing):
    from kuva_pipeline import sqlmacros
    from kuva_pipeline.sources.checkins import CHECKINS

    # A check-in in the 2021 file dated 10.1.2022: its row's day is in 2022, its file is 2021's.
    sheet = landing / "checkins" / "checkins_2021_owner.csv"
    sheet.parent.mkdir(exist_ok=True)
    shutil.copy(ROOT / "tests" / "sources" / "fixtures" / "landing" / "checkins" / sheet.name, sheet)
    lines = sheet.read_text(encoding="utf-8").splitlines()
    head, first = lines[0], lines[1]
    cells = first.split(";")
    cells[1] = "10.1.2022"
    sheet.write_text("\n".join([head, ";".join(cells)]) + "\n", encoding="utf-8")
    path = tmp_path / "c.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA raw")
    sqlmacros.install(con)  # the warehouse resource gives every connection the Finnish readers
    load_raw(con, CHECKINS, landing, date(2019, 1, 1), date(2030, 12, 31), T0)
    days = con.execute("SELECT DISTINCT year(_partition_date) FROM raw.checkins").fetchall()
    con.close()
    assert days == [(2022,)]

    def problems():
        return preflight(
            landing, FIXTURES / "reference", ROOT / "data" / "catalog", path, [CHECKINS], *MARCH
        ).problems

    assert problems() == []  # its file is still there: nothing is missing
    sheet.unlink()
    (problem,) = problems()
    assert problem.startswith("checkins/checkins_2021_owner.csv is gone from ")
