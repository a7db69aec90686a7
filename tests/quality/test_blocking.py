"""Real runs over a copy of the fixture landing zone: bad data stops before the meters.

Each test copies tests/fixtures (landing and reference) into tmp_path and
materializes the NPS slice, plus other sources' assets and the catalog, in one
run with every asset check. Two kinds of breakage reach the checks:

- a broken export (the source's fault): the raw rules escalate and block staging;
- a staging-model regression (ours): de-duplication removed from a copy of
  assets/staging/nps_responses.sql lets the fixture's duplicate press into
  staging, and the staging contract blocks the meters.

Broken reference files never get this far: the reference loader refuses them
(kuva_pipeline/defs/reference.py), which stops the same assets.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from kuva_pipeline.definitions import build_definitions
from kuva_pipeline.defs.quality import project_assets
from kuva_pipeline.defs.raw import RAW_SOURCES
from kuva_pipeline.quality.config import CHECKS_DIR, TODAY_ENV
from kuva_pipeline.quality.factory import build_asset_checks
from kuva_pipeline.quality.health import source_health
from kuva_pipeline.resources import CatalogResource, LandingResource, WarehouseResource
from kuva_pipeline.runner import partition_range_tags, with_siblings
from tests.conftest import dbt_project_copy, with_dbt

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
MARCH = (date(2021, 3, 1), date(2021, 3, 31))
NPS_SLICE = "+key:meters/nps_measures"
# Another source's loading and staging, other raw tables and the catalog refresh whatever NPS
# does; the meters are one dbt step over every feed, so a blocked feed holds them all back.
OTHERS = (
    "raw/hobihobi_listings",
    "staging/hobihobi_listings",
    "raw/linked_events",
    "catalog/dim_meter",
)
SELECTION = " or ".join(
    [NPS_SLICE, "+key:bi/quality_checks", *(f"key:{k}" for k in OTHERS)]
)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv(TODAY_ENV, "2021-04-05")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A private copy of the fixture landing zone and reference data, to break."""
    shutil.copytree(FIXTURES / "landing", tmp_path / "landing")
    shutil.copytree(FIXTURES / "reference", tmp_path / "reference")
    return tmp_path


def _resources(tree: Path) -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(path=str(tree / "warehouse" / "kuva.duckdb")),
        "landing": LandingResource(root=str(tree / "landing"), reference_root=str(tree / "reference")),
        "catalog": CatalogResource(directory=str(ROOT / "data" / "catalog")),
    }


def _without_dedup(tree: Path):
    """The NPS staging model with its de-duplication rules deleted: a regression to catch."""
    return dbt_project_copy(
        tree,
        "staging__nps_responses_typed",
        lambda sql: "\n".join(line for line in sql.splitlines() if "WHEN _nth > 1" not in line),
    )


def _run(
    tree: Path,
    selection: str = SELECTION,
    checks_dir: Path | None = None,
    replace=None,
):
    resources = _resources(tree)
    defs = build_definitions(resources=resources)
    assets = list(defs.assets)
    resources = with_dbt(resources)
    if replace is not None:
        resources["dbt"] = replace
    checks = (
        list(defs.asset_checks)
        if checks_dir is None
        else build_asset_checks(project_assets(), RAW_SOURCES, checks_dir)
    )
    return dg.materialize(
        [*assets, *checks],
        resources=resources,
        tags=partition_range_tags(*MARCH),
        selection=with_siblings(selection),
        raise_on_error=False,
        instance=dg.DagsterInstance.ephemeral(),
    )


def _materialized(result) -> set[str]:
    return {
        e.asset_key.to_user_string() for e in result.get_asset_materialization_events()
    }


def _evaluation(result, asset: str, check: str):
    (found,) = [
        e
        for e in result.get_asset_check_evaluations()
        if e.asset_key.to_user_string() == asset and e.check_name == check
    ]
    return found


def _query(tree: Path, sql: str, *params):
    con = duckdb.connect(str(tree / "warehouse" / "kuva.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _edit_csv(path: Path, change) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
        fields = list(rows[0])
    for row in rows:
        change(row)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _health(tree: Path, as_of: date):
    con = duckdb.connect(str(tree / "warehouse" / "kuva.duckdb"), read_only=True)
    try:
        return source_health(con, as_of)
    finally:
        con.close()


def test_a_failed_blocking_staging_check_stops_the_meters_and_not_the_other_sources(tree):
    # A clean run first: it also creates bi.quality_checks, the view over the check history.
    clean = _run(tree)
    assert clean.success and "meters/nps_measures" in _materialized(clean)
    before = _query(tree, "SELECT * FROM quality.check_results ORDER BY ALL")

    result = _run(tree, replace=_without_dedup(tree))
    done = _materialized(result)
    assert {"raw/nps_feedback", "staging/nps_responses", *OTHERS} <= done
    assert "meters/nps_measures" not in done and "meters/hobihobi_measures" not in done
    assert not result.success  # the blocking check fails its step, and so the run

    ev = _evaluation(result, "staging/nps_responses", "feedback_id_unique")
    assert not ev.passed and ev.blocking and ev.severity == dg.AssetCheckSeverity.ERROR
    # Records 7 and 8 of the file are the same press (feedbackId 7).
    assert ev.metadata["failed_rows"].value == 2
    examples = ev.metadata["examples"].value
    assert "nps/2021/nps_2021-03.csv" in examples
    assert "nps/2021/nps_2021-03.csv record 7" in ev.description
    assert "nps/2021/nps_2021-03.csv record 8" in ev.description
    # Other rules of the same suite still report on their own.
    assert _evaluation(result, "staging/nps_responses", "button_index_in_range").passed

    rows = _query(
        tree,
        'SELECT passed, severity, failed_rows, "partition", source, detail, examples '
        "FROM quality.check_results "
        "WHERE asset = 'staging/nps_responses' AND check_name = 'feedback_id_unique' AND run_id = ?",
        result.run_id,
    )
    assert len(rows) == 1
    passed, severity, failed_rows, partition, source, detail, examples_json = rows[0]
    assert (passed, severity, failed_rows, partition, source) == (
        False, "ERROR", 2, "2021-03-01..2021-03-31", "nps"
    )
    assert "record 8" in detail and '"_record_index": 8' in examples_json

    # The second run appended its verdicts; the first run's rows are untouched.
    after = _query(tree, "SELECT * FROM quality.check_results ORDER BY ALL")
    assert set(before) < set(after) and {r[1] for r in before} == {clean.run_id}
    evaluated = {
        (e.asset_key.to_user_string(), e.check_name) for e in result.get_asset_check_evaluations()
    }
    recorded = set(
        _query(tree, "SELECT asset, check_name FROM quality.check_results WHERE run_id = ?", result.run_id)
    )
    assert evaluated == recorded and len(after) == len(before) + len(recorded)
    published = _query(
        tree, "SELECT count(*) FROM bi.quality_checks WHERE asset = 'staging/nps_responses' "
        "AND check_name = 'feedback_id_unique' AND NOT passed"
    )
    assert published == [(1,)]

    health = _health(tree, date(2021, 3, 31))
    assert health["nps"][0] == "failed" and "feedback_id_unique" in health["nps"][1]
    assert health["hobihobi"][0] != "failed"
    # A later year's scorecard is not held back by a March 2021 failure.
    assert _health(tree, date(2022, 6, 30))["nps"][0] != "failed"


def test_a_broken_export_blocks_at_raw_and_staging_keeps_its_rows(tree):
    # An export whose buttons are text: far more than a quarter of the presses break
    # button_index_is_integer, so the raw WARN rule escalates and blocks staging.
    def change(row):
        if row["feedbackId"] not in {"1", "2"}:
            row["buttonIndex"] = "painike"

    _edit_csv(tree / "landing" / "nps" / "2021" / "nps_2021-03.csv", change)
    result = _run(tree, NPS_SLICE)
    done = _materialized(result)
    assert "raw/nps_feedback" in done
    assert "staging/nps_responses" not in done and "meters/nps_measures" not in done
    ev = _evaluation(result, "raw/nps_feedback", "button_index_is_integer")
    assert not ev.passed and ev.severity == dg.AssetCheckSeverity.ERROR
    assert ev.metadata["failed_rows"].value == 9
    assert "so it blocks" in ev.description
    assert "button_index_unreadable=painike" in ev.description
    assert _health(tree, date(2021, 3, 31))["nps"][0] == "failed"


def test_a_waived_failure_is_recorded_as_failed_and_does_not_block(tree):
    checks = tree / "checks"
    shutil.copytree(CHECKS_DIR, checks)
    (checks / "waivers.yaml").write_text(
        """
waivers:
  - check: feedback_id_unique
    asset: staging/nps_responses
    partitions: 2021-03
    reason: Known double export of press 7; the fix to the staging model ships next week.
    author: maija.meikalainen@hel.fi
    expires: 2021-04-30
  - check: nps_feedback_ids_unique_across_months
    asset: staging/nps_responses
    partitions: 2021-03
    reason: Known double export of press 7; the fix to the staging model ships next week.
    author: maija.meikalainen@hel.fi
    expires: 2021-04-30
  - check: feedback_id_unique
    asset: staging/nps_responses
    reason: "  "
    author: somebody
""",
        encoding="utf-8",
    )
    result = _run(tree, NPS_SLICE, checks_dir=checks, replace=_without_dedup(tree))
    assert "meters/nps_measures" in _materialized(result)
    ev = _evaluation(result, "staging/nps_responses", "feedback_id_unique")
    assert not ev.passed and ev.severity == dg.AssetCheckSeverity.WARN
    assert ev.metadata["waived_by"].value == "maija.meikalainen@hel.fi"
    assert ev.description.startswith("WAIVED by maija.meikalainen@hel.fi")
    rows = _query(
        tree,
        "SELECT passed, severity, waived_by, waiver_reason FROM quality.check_results "
        "WHERE check_name = 'feedback_id_unique' AND asset = 'staging/nps_responses'",
    )
    assert rows == [
        (
            False,
            "ERROR",
            "maija.meikalainen@hel.fi",
            "Known double export of press 7; the fix to the staging model ships next week.",
        )
    ]
    assert _health(tree, date(2021, 3, 31))["nps"] == ("ok", None)


def test_an_expired_waiver_blocks_again(tree, monkeypatch):
    monkeypatch.setenv(TODAY_ENV, "2021-05-02")
    checks = tree / "checks"
    shutil.copytree(CHECKS_DIR, checks)
    (checks / "waivers.yaml").write_text(
        """
waivers:
  - check: feedback_id_unique
    asset: staging/nps_responses
    partitions: 2021-03
    reason: Known double export of press 7.
    author: maija.meikalainen@hel.fi
    expires: 2021-04-30
""",
        encoding="utf-8",
    )
    result = _run(tree, NPS_SLICE, checks_dir=checks, replace=_without_dedup(tree))
    assert "meters/nps_measures" not in _materialized(result)
    ev = _evaluation(result, "staging/nps_responses", "feedback_id_unique")
    assert ev.severity == dg.AssetCheckSeverity.ERROR and "waived_by" not in ev.metadata
