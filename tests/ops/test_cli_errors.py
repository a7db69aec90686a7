"""Command-line errors say what to do: selection typos, no traceback without --debug, the scorecard."""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import pytest

from kuva_pipeline import cli, report
from kuva_pipeline import summary as run_summary
from tests.ops.helpers import PYTHON, subprocess_env


@pytest.mark.parametrize("selection", ["key:raw/nps_feedbak+", "key:raw/nps_feedbak"])
def test_a_selection_matching_nothing_is_a_usage_error_with_close_names(project_env, capsys, selection):
    code = cli.main(["refresh", "--no-scorecard", "--select", selection])
    out = capsys.readouterr().out
    assert code == run_summary.EXIT_USAGE, out
    assert "matches no asset" in out and "Did you mean: key:raw/nps_feedback" in out
    assert "Traceback" not in out


def test_an_unexpected_error_is_one_line_unless_debug(project_env, monkeypatch, capsys):
    def boom(*args, **kwargs):
        raise RuntimeError("the disk is full\nsecond line")

    monkeypatch.setattr(report, "render_scorecard", boom)
    assert cli.main(["scorecard"]) == 1
    err = capsys.readouterr().err
    assert "kuva: error: RuntimeError: the disk is full" in err and "--debug" in err
    assert "Traceback" not in err and "second line" not in err
    with pytest.raises(RuntimeError, match="the disk is full"):
        cli.main(["scorecard", "--debug"])


def test_scorecard_before_any_refresh_says_run_refresh_first(project_env):
    result = subprocess.run(
        [PYTHON, "-m", "kuva_pipeline.cli", "scorecard"],
        env=subprocess_env(project_env),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "run `kuva refresh` first" in result.stdout
    assert project_env["KUVA_BI_PATH"] in result.stdout.replace("\n", "")
    assert "IO Error" not in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


COLUMNS = {
    "scorecard_id": "VARCHAR", "year": "INTEGER", "goal_id": "VARCHAR", "meter_id": "VARCHAR",
    "meter_name_fi": "VARCHAR", "meter_name_en": "VARCHAR", "service_area": "VARCHAR",
    "baseline_value": "DOUBLE", "target_min": "DOUBLE", "target_max": "DOUBLE",
    "tier_minimum": "DOUBLE", "tier_challenging": "DOUBLE", "tier_exceptional": "DOUBLE",
    "target_kind": "VARCHAR", "actual_value": "DOUBLE", "attainment_pct": "DOUBLE",
    "status": "VARCHAR", "status_fi": "VARCHAR", "tier": "VARCHAR", "forecast_value": "DOUBLE",
    "manual_forecast": "VARCHAR", "as_of": "DATE",
}


def _snapshot(path: Path) -> None:
    """A published snapshot holding two scorecards, 2020 and 2021."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA bi")
    con.execute(f"CREATE TABLE bi.scorecard ({', '.join(f'{c} {t}' for c, t in COLUMNS.items())})")
    for card, year, actual in (("card_2020", 2020, 40.0), ("card_2021", 2021, 12.5)):
        con.execute(
            "INSERT INTO bi.scorecard (scorecard_id, year, goal_id, meter_id, meter_name_fi, "
            "meter_name_en, service_area, baseline_value, target_min, target_kind, actual_value, "
            "attainment_pct, status, status_fi, tier, as_of) VALUES "
            "(?, ?, 'g', 'm', 'Mittari', 'Meter', 'KUVA', 10, 20, 'at_least', ?, 50, "
            "'at_risk', 'riskissä', 'none', ?)",
            [card, year, actual, f"{year}-12-31"],
        )
    con.close()


def test_scorecard_reads_the_published_snapshot_while_the_warehouse_is_locked(project_env):
    _snapshot(Path(project_env["KUVA_BI_PATH"]))
    live = Path(project_env["KUVA_WAREHOUSE_PATH"])
    writer = duckdb.connect(str(live))  # a refresh holding the live file
    try:
        result = subprocess.run(
            [PYTHON, "-m", "kuva_pipeline.cli", "scorecard", "--year", "2021", "--lang", "fi"],
            env=subprocess_env(project_env),
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        writer.close()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "card_2021" in result.stdout and "card_2020" not in result.stdout
    assert "12,5" in result.stdout  # the 2021 actual 12.5 with a Finnish decimal comma
    assert "tilanne 31.12.2021" in result.stdout  # the day as a Finnish reader writes it


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "No scorecard for 1999. Years available: 2020, 2021."),
        ("fi", "Vuodelle 1999 ei ole tuloskorttia. Saatavilla olevat vuodet: 2020, 2021."),
    ],
)
def test_a_year_without_a_scorecard_lists_the_years_that_exist(project_env, capsys, lang, expected):
    _snapshot(Path(project_env["KUVA_BI_PATH"]))
    assert cli.main(["scorecard", "--year", "1999", "--lang", lang]) == 1
    assert expected in capsys.readouterr().out.replace("\n", " ")


def test_two_refreshes_on_a_brand_new_instance_do_not_race_to_create_it(project_env, tmp_path):
    home = tmp_path / "fresh_home"  # no dagster.yaml, no storage yet
    env = subprocess_env({**project_env, "DAGSTER_HOME": str(home)})
    args = [PYTHON, "-m", "kuva_pipeline.cli", "refresh", "--no-scorecard", "--select", "key:nothing/here"]
    procs = [
        subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(3)
    ]
    outputs = [(p.wait(timeout=300), p.stdout.read()) for p in procs]
    for code, out in outputs:
        # Each gets as far as the selection check: the instance was created once, by one of them.
        assert code == run_summary.EXIT_USAGE, out
        assert "already exists" not in out and "Traceback" not in out


def test_the_selection_error_in_finnish(project_env, capsys):
    code = cli.main(["refresh", "--no-scorecard", "--lang", "fi", "--select", "key:marts/scorecrd"])
    out = capsys.readouterr().out.replace("\n", " ")
    assert code == run_summary.EXIT_USAGE, out
    assert "Käyttövirhe: --select 'key:marts/scorecrd' ei vastaa yhtään assetia." in out
    assert "Tarkoititko: key:marts/scorecard" in out


@pytest.mark.parametrize(
    ("setting", "name"),
    [("KUVA_BI_PATH", "bi.duckdb"), ("KUVA_WAREHOUSE_PATH", "Raw.duckdb"), ("KUVA_WAREHOUSE_PATH", "kuva_macros.duckdb")],
)
def test_a_database_file_named_after_a_schema_is_refused_before_the_run(
    project_env, monkeypatch, tmp_path, capsys, setting, name
):
    # DuckDB would name the database `bi`, and `bi.scorecard` would then be ambiguous:
    # the refresh ran to the end and failed at its first read of the snapshot.
    monkeypatch.setenv(setting, str(tmp_path / name))
    assert cli.main(["refresh", "--no-scorecard"]) == 1
    err = capsys.readouterr().err
    assert f"{setting}={tmp_path / name}" in err and "name the file otherwise" in err
    assert "Traceback" not in err
    assert not (tmp_path / name).exists()
    assert not list(Path(project_env["DAGSTER_HOME"]).glob("history/runs/*.db"))
