"""The end of every `kuva refresh`: a summary, exit codes that tell warnings from failures, tags, alerts."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from kuva_pipeline import cli
from kuva_pipeline import summary as run_summary
from kuva_pipeline.defs.alerts import run_warning_alert
from tests.ops.helpers import FIXTURES

SLICE = "+key:meters/nps_measures"
MARCH = ["--from", "2021-03-01", "--to", "2021-03-31", "--no-scorecard", "--select", SLICE]
# Two month partitions, one landed file: a run's rows are counted once, not once a partition.
FEB_MAR = ["--from", "2021-02-01", "--to", "2021-03-31", "--no-scorecard", "--select", SLICE]
NPS_FILE = FIXTURES / "landing" / "nps" / "2021" / "nps_2021-03.csv"


def _records(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.DictReader(fh))


def test_refresh_ends_with_summary_tags_and_warning_exit_code(project_env, capsys):
    expected_rows = _records(NPS_FILE)  # every record of the one fixture month is new on a first load
    code = cli.main(["refresh", *FEB_MAR])
    out = capsys.readouterr().out
    # The fixture month is years old, so the WARN freshness check fails: complete, with warnings.
    assert code == run_summary.EXIT_WARNINGS, out
    assert f"Rows loaded: {expected_rows} new or changed" in out
    assert f"raw.nps_feedback: {expected_rows} rows in range, {expected_rows} new" in out
    assert "WARN check failures" in out and "landing_is_fresh" in out
    assert "Completed with" in out and "exit code 3" in out
    with dg.DagsterInstance.get() as instance:
        (first,) = instance.get_runs()
        assert first.tags[run_summary.LOADED_ROWS_TAG] == str(expected_rows)

    # --strict turns the same warnings into a failure; nothing new is loaded the second time.
    code = cli.main(["refresh", *FEB_MAR, "--strict"])
    out = capsys.readouterr().out
    assert code == run_summary.EXIT_FAILED, out
    assert "Nothing new was loaded" in out and "kuva/loaded_rows=0" in out
    with dg.DagsterInstance.get() as instance:
        second = next(r for r in instance.get_runs() if r.run_id != first.run_id)
        assert second.tags[run_summary.LOADED_ROWS_TAG] == "0"
        assert int(second.tags[run_summary.WARNINGS_TAG]) >= 2  # the stale feed and the empty load

        # The nightly path: the run-status sensor alerts on a run that succeeded with warnings.
        context = dg.build_run_status_sensor_context(
            sensor_name="run_warning_alert",
            dagster_instance=instance,
            dagster_run=second,
            dagster_event=next(
                e.dagster_event
                for e in instance.all_logs(second.run_id, of_type=dg.DagsterEventType.RUN_SUCCESS)
            ),
        )
        run_warning_alert(context)
    lines = Path(project_env["KUVA_ALERT_LOG"]).read_text(encoding="utf-8").splitlines()
    alert = json.loads(lines[-1])
    assert alert["event"] == "run_warnings" and alert["run_id"] == second.run_id
    assert alert["loaded_rows"] == 0
    assert "the raw loads brought no new rows" in alert["warnings"]
    assert any(c["check"] == "landing_is_fresh" for c in alert["checks"])


def test_a_failed_run_is_summarized_with_its_message_and_exit_1(project_env, tmp_path, monkeypatch, capsys):
    landing = tmp_path / "landing"
    (landing / "nps" / "2021").mkdir(parents=True)
    header = NPS_FILE.read_text(encoding="utf-8").splitlines()[0]
    # Line 2 has one field too many: the file cannot be read, the run fails.
    (landing / "nps" / "2021" / "nps_2021-03.csv").write_text(
        header + "\n1,2021-03-01T10:00:00,101,9001,10,false,nps11,,extra\n", encoding="utf-8"
    )
    monkeypatch.setenv("KUVA_LANDING_DIR", str(landing))
    code = cli.main(["refresh", *MARCH])
    out = capsys.readouterr().out
    assert code == run_summary.EXIT_FAILED, out
    assert "failed: raw/nps_feedback" in out and "nps/2021/nps_2021-03.csv: line 2" in out
    assert "Nothing was published" in out


def _scorecard_db(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.scorecard (scorecard_id VARCHAR, meter_id VARCHAR, as_of DATE, "
        "status VARCHAR, data_quality VARCHAR, explanation VARCHAR, explanation_fi VARCHAR)"
    )
    con.execute(
        """INSERT INTO marts.scorecard VALUES
        ('c', 'c.nps', DATE '2021-06-30', 'no_data', 'failed', 'No data: raw/nps_feedback failed. More.', 'Ei tietoa.'),
        ('c', 'c.nps', DATE '2021-12-31', 'achieved', 'ok', 'Fine.', 'Hyvä.'),
        ('c', 'c.cost', DATE '2021-06-30', 'on_track', 'ok', 'Fine.', 'Hyvä.'),
        ('c', 'c.cost', DATE '2021-12-31', 'no_data', 'missing', 'No data: no finance rows. More.',
         'Ei tietoa: ei talousrivejä. Lisää.')"""
    )
    con.close()


def test_no_data_meters_come_from_the_latest_scored_day(tmp_path):
    path = tmp_path / "w.duckdb"
    _scorecard_db(path)
    con = duckdb.connect(str(path), read_only=True)
    found = run_summary.no_data_meters(con)
    con.close()
    # c.nps is no_data only on an earlier day; c.cost is no_data on its latest day.
    assert [(m.meter_id, m.data_quality, m.reason) for m in found] == [
        ("c.cost", "missing", "No data: no finance rows.")
    ]
    summary = run_summary.RunSummary("r", succeeded=True, no_data=found)
    assert "  c c.cost [missing]: Ei tietoa: ei talousrivejä." in run_summary.render(summary, lang="fi")


@pytest.mark.parametrize(
    ("summary", "strict", "code"),
    [
        (run_summary.RunSummary("r", succeeded=True, raw_assets_run=1, loaded_rows=5), False, 0),
        (run_summary.RunSummary("r", succeeded=True, raw_assets_run=1, loaded_rows=0), False, 3),
        (run_summary.RunSummary("r", succeeded=True, raw_assets_run=1, loaded_rows=0), True, 1),
        (run_summary.RunSummary("r", succeeded=False), False, 1),
        (
            run_summary.RunSummary(
                "r", succeeded=True, check_failures=[run_summary.CheckFailure("a", "c", "WARN", "x", "someone")]
            ),
            False,
            0,  # a waived failure is not a warning
        ),
        (
            run_summary.RunSummary(
                "r", succeeded=True, check_failures=[run_summary.CheckFailure("a", "c", "ERROR", "x")]
            ),
            False,
            3,  # a blocked feed in a run that completed
        ),
    ],
)
def test_exit_codes(summary, strict, code):
    assert run_summary.exit_code(summary, strict=strict) == code


def test_finnish_summary_uses_decimal_commas():
    summary = run_summary.RunSummary("abcdef123", succeeded=True, seconds=12.34, raw_assets_run=1, loaded_rows=1234)
    lines = run_summary.render(summary, lang="fi")
    assert "12,3 s" in lines[1]  # 12.34 rounded to one decimal, with a comma
    assert "Ladatut rivit: 1\u202f234 uutta tai muuttunutta" in lines
    assert lines[-1] == "Puhdas ajo: ei varoituksia."
