"""Raw schema changes, landing freshness, the check factory and the GX runner's process cache."""

import logging
import shutil
import time
from datetime import date

import duckdb
import pandas as pd
import pytest

from kuva_pipeline.definitions import build_definitions
from kuva_pipeline.defs.quality import project_assets
from kuva_pipeline.defs.raw import RAW_SOURCES
from kuva_pipeline.quality import gx_runner
from kuva_pipeline.quality.config import CHECKS_DIR, FRESHNESS_CHECK, SCHEMA_CHECK, reference_today
from kuva_pipeline.quality.factory import AssetIndex, build_asset_checks, plan_checks
from kuva_pipeline.quality.pipeline import landing_freshness, schema_change, table_types
from kuva_pipeline.quality.suites import Rule, SuiteError, load_suites
from kuva_pipeline.resources import WRITER_POOL
from kuva_pipeline.sources.declaration import declared_sources
from kuva_pipeline.sources.nps import NPS_FEEDBACK
from kuva_pipeline.sources.raw import load_raw
from kuva_pipeline.sqlmacros import install
from tests.quality.conftest import FIXTURES


@pytest.fixture
def raw_nps():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    install(con)
    load_raw(con, NPS_FEEDBACK, FIXTURES / "landing", date(2021, 3, 1), date(2021, 3, 31),
             pd.Timestamp("2021-04-01").to_pydatetime())
    yield con
    con.close()


def test_a_raw_table_as_loaded_matches_its_source(raw_nps):
    finding = schema_change(table_types(raw_nps, "raw.nps_feedback"), NPS_FEEDBACK, SCHEMA_CHECK)
    assert finding.result.success and finding.severity == "WARN" and finding.extra_columns == []


def test_a_missing_or_retyped_raw_column_is_an_error_naming_it(raw_nps):
    raw_nps.execute("ALTER TABLE raw.nps_feedback DROP COLUMN smileyType")
    raw_nps.execute("ALTER TABLE raw.nps_feedback ALTER _record_index TYPE VARCHAR")
    finding = schema_change(table_types(raw_nps, "raw.nps_feedback"), NPS_FEEDBACK, SCHEMA_CHECK)
    assert not finding.result.success and finding.severity == "ERROR"
    assert finding.result.failed_rows == 2
    assert {"column": "smileyType", "expected": "VARCHAR", "actual": "(missing)"} in finding.result.examples
    assert {"column": "_record_index", "expected": "BIGINT", "actual": "VARCHAR"} in finding.result.examples


def test_a_column_the_source_no_longer_declares_is_a_warning(raw_nps):
    raw_nps.execute("ALTER TABLE raw.nps_feedback ADD COLUMN deviceName VARCHAR")
    finding = schema_change(table_types(raw_nps, "raw.nps_feedback"), NPS_FEEDBACK, SCHEMA_CHECK)
    assert not finding.result.success and finding.severity == "WARN"
    assert finding.extra_columns == ["deviceName"]
    assert "deviceName" in finding.result.observed[0]


def test_freshness_is_the_newest_files_period_end_against_today(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "landing", landing)
    fresh = landing_freshness(landing, [NPS_FEEDBACK], 35, date(2021, 4, 30))
    assert fresh.newest_period_end == date(2021, 3, 31)
    assert fresh.newest_file == "nps/2021/nps_2021-03.csv"
    assert fresh.fresh and fresh.age_days == 30
    stale = landing_freshness(landing, [NPS_FEEDBACK], 35, date(2021, 5, 6))
    assert not stale.fresh and "36 days before 2021-05-06, beyond the limit of 35" in stale.detail("nps")
    (landing / "nps" / "2021" / "nps_2021-05-03.csv").write_text("feedbackId\n", encoding="utf-8")
    assert landing_freshness(landing, [NPS_FEEDBACK], 35, date(2021, 5, 6)).fresh
    empty = landing_freshness(tmp_path / "nowhere", [NPS_FEEDBACK], 35, date(2021, 5, 6))
    assert not empty.fresh and "no dated landing file" in empty.detail("nps")


def test_the_reference_today_can_be_set(monkeypatch):
    monkeypatch.setenv("KUVA_QUALITY_TODAY", "2021-04-05")
    assert reference_today() == date(2021, 4, 5)
    monkeypatch.setenv("KUVA_QUALITY_TODAY", "5.4.2021")
    with pytest.raises(ValueError, match="KUVA_QUALITY_TODAY"):
        reference_today()


def test_freshness_limits_are_declared_per_source():
    limits = {s.name: s.freshness_days for s in declared_sources()}
    assert limits == {"nps": 35, "hobihobi": 35, "varaamo": 35, "events": 35, "checkin": 400, "finance": 400}


def test_every_raw_and_staging_table_has_its_suite_and_every_check_shows():
    defs = build_definitions()
    suites = {s.qualified for s in load_suites()}
    tables = {
        ".".join(k.path)
        for k in defs.resolve_all_asset_keys()
        if k.path[0] in {"raw", "staging"}
    }
    # A typed staging model is checked by its dbt test (raw = staging + quarantine); its
    # staging view carries the contract in checks/.
    tables = {t for t in tables if not t.endswith("_typed")}
    assert not sorted(tables - suites), f"tables without a suite in checks/: {sorted(tables - suites)}"
    checked = {ck.asset_key for c in defs.asset_checks for ck in c.check_keys}
    assert {k for k in defs.resolve_all_asset_keys() if ".".join(k.path) in suites} <= checked
    for key in (k for k in defs.resolve_all_asset_keys() if k.path[0] == "raw"):
        names = {ck.name for c in defs.asset_checks for ck in c.check_keys if ck.asset_key == key}
        assert {SCHEMA_CHECK, FRESHNESS_CHECK} <= names, key


def test_check_steps_take_the_writer_pool_and_block_exactly_on_error_rules():
    defs = build_definitions()
    specs = {}
    for checks in defs.asset_checks:
        assert checks.node_def.pool == WRITER_POOL
        for spec in checks.check_specs:
            specs[(spec.asset_key.to_user_string(), spec.name)] = spec
    index = AssetIndex.build(project_assets(), RAW_SOURCES)
    plans, _ = plan_checks(index)
    for item in (i for p in plans for i in p.items):
        spec = specs[(item.asset.to_user_string(), item.name)]
        assert spec.blocking == (item.severity == "ERROR" or item.error_above_pct is not None)
        assert spec.description and spec.metadata["severity"] in {"ERROR", "WARN"}
    assert specs[("staging/nps_responses", "feedback_id_unique")].blocking
    assert not specs[("raw/nps_feedback", "feedback_id_unique")].blocking
    assert specs[("raw/nps_feedback", "button_index_in_range")].blocking  # escalates
    assert not specs[("raw/nps_feedback", FRESHNESS_CHECK)].blocking
    # No check is partitioned (the UI showed partitioned checks of a range run as skipped);
    # each is scoped to the run's days instead (tests/quality/test_blocking.py records
    # 2021-03-01..2021-03-31 for a March run) and tests/test_webserver.py reads the UI.
    assert all(spec.partitions_def is None for spec in specs.values())


def test_a_suite_for_a_table_without_an_asset_is_skipped_with_a_log_line(tmp_path, caplog):
    checks = tmp_path / "checks"
    shutil.copytree(CHECKS_DIR, checks)
    (checks / "staging" / "pools_visits.yaml").write_text(
        "description: Swimming pool visits (not built yet).\n"
        "rules:\n  - name: visit_id_present\n    expect: expect_column_values_to_not_be_null\n"
        "    column: visit_id\n    severity: ERROR\n    why: Visits are counted by id.\n",
        encoding="utf-8",
    )
    (checks / "sql" / "pools_reconcile.sql").write_text(
        "/* ---\nasset: meters.pools_measures\nseverity: ERROR\ndescription: d\nwhy: w\n--- */\nSELECT 1",
        encoding="utf-8",
    )
    with caplog.at_level(logging.INFO, logger="kuva_pipeline.quality"):
        built = build_asset_checks(project_assets(), RAW_SOURCES, checks)
    assert "pools_visits.yaml: no asset staging/pools_visits yet" in caplog.text
    assert "pools_reconcile.sql: no asset for meters.pools_measures" in caplog.text
    assert {ck.asset_key.to_user_string() for c in built for ck in c.check_keys} >= {"staging/nps_responses"}


def test_a_broken_suite_file_names_the_file_and_field(tmp_path):
    checks = tmp_path / "checks"
    (checks / "staging").mkdir(parents=True)
    (checks / "staging" / "nps_responses.yaml").write_text(
        "description: d\nrules:\n  - name: Bad Name\n    expect: expect_x\n    severity: FATAL\n",
        encoding="utf-8",
    )
    with pytest.raises(SuiteError) as err:
        load_suites(checks)
    text = str(err.value)
    assert "nps_responses.yaml" in text and "rules.0.name" in text and "rules.0.severity" in text
    assert "rules.0.why" in text


def test_one_gx_context_per_process_and_a_quick_validation():
    first = gx_runner.batch_definition()
    assert gx_runner.batch_definition() is first
    rule = Rule(name="id_present", expect="expect_column_values_to_not_be_null", column="id",
                severity="ERROR", why="w")
    frame = pd.DataFrame({"id": [1, None, 3], "_source_file": ["f"] * 3, "_record_index": [1, 2, 3]})
    t0 = time.perf_counter()
    result = gx_runner.validate(frame, [rule], ["_source_file", "_record_index"])["id_present"]
    assert time.perf_counter() - t0 < 2.0
    assert not result.success and result.failed_rows == 1
    assert result.examples == [{"id": None, "_source_file": "f", "_record_index": 2}]


def test_docs_list_every_check_with_its_current_severity():
    from kuva_pipeline.quality.docs import DOC, render_inventory

    assert render_inventory() in DOC.read_text(encoding="utf-8"), (
        "run: python -m kuva_pipeline.quality.docs"
    )


def test_value_sets_can_come_from_the_reference_files(tmp_path):
    from kuva_pipeline.quality.factory import run_suite
    from kuva_pipeline.quality.suites import Suite
    from kuva_pipeline.resources import LandingResource
    from tests.quality.conftest import MemoryWarehouse

    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / "spaces.csv").write_text("resource_id,name\nr1,Kuutio\nr2,Sali\n", encoding="utf-8")
    (reference / "rules.yaml").write_text("publishers:\n  'ahjo:1': {}\n  'ahjo:2': {}\n", encoding="utf-8")
    rules = (
        Rule(name="resource_known", expect="expect_column_values_to_be_in_set", column="resource",
             value_set_reference="spaces.csv#resource_id", severity="ERROR", why="w"),
        Rule(name="publisher_known", expect="expect_column_values_to_be_in_set", column="publisher",
             value_set_reference="rules.yaml#publishers", severity="WARN", why="w"),
    )
    suite = Suite(path=tmp_path / "raw" / "x.yaml", schema="raw", table="x", description="d", rules=rules)
    warehouse = MemoryWarehouse(
        "CREATE TABLE raw.x AS SELECT * FROM (VALUES ('r1', 'ahjo:1', 'f', 1), ('r9', 'ahjo:3', 'f', 2)) "
        "t(resource, publisher, _source_file, _record_index)"
    )
    landing = LandingResource(root=str(tmp_path), reference_root=str(reference))
    results = run_suite(suite, list(rules), warehouse, landing, None, set())
    assert results["resource_known"].examples == [{"resource": "r9", "_source_file": "f", "_record_index": 2}]
    assert results["publisher_known"].examples[0]["publisher"] == "ahjo:3"
