"""The code location runs unattended: schedule and sensors on by default, jobs, freshness, docs."""

from __future__ import annotations

import re
from datetime import timedelta

import dagster as dg
import pytest
import yaml

from kuva_pipeline.dbt_project import dbt_resource
from kuva_pipeline.definitions import autoloaded, build_definitions, defs
from kuva_pipeline.defs.jobs import landing_refresh, nightly_refresh
from kuva_pipeline.defs.schedules import SCORECARD_FRESHNESS, SCORECARD_KEY, with_freshness_policies
from kuva_pipeline.partitions import feed_partitions
from kuva_pipeline.resources import WRITER_POOL, default_resources
from tests.ops.helpers import PROJECT_INSTANCE_YAML, ROOT


def test_schedule_and_sensors_are_in_the_code_location_and_on_by_default():
    repo = defs.get_repository_def()
    schedules = {s.name: s for s in repo.schedule_defs}
    sensors = {s.name: s for s in repo.sensor_defs}
    assert schedules["nightly_refresh_schedule"].default_status == dg.DefaultScheduleStatus.RUNNING
    for name in ("landing_files_sensor", "run_failure_alert"):
        assert sensors[name].default_status == dg.DefaultSensorStatus.RUNNING, name
    assert sensors["landing_files_sensor"].job_name == "landing_refresh"


def test_unattended_jobs_cover_every_asset_by_feed_month():
    repo = defs.get_repository_def()
    for job in (nightly_refresh, landing_refresh):
        # A fetch that KUVA_FETCH leaves off does nothing in one month's run.
        assert job.selection == dg.AssetSelection.all()
        assert repo.get_job(job.name).partitions_def == feed_partitions


def test_every_warehouse_writer_shares_the_one_slot_pool():
    """What the instance limits: the pool all writing assets take, limited to 1."""
    config = yaml.safe_load(PROJECT_INSTANCE_YAML.read_text())
    assert config["concurrency"]["pools"]["default_limit"] == 1
    assert config["concurrency"]["pools"]["granularity"] == "op"
    # A dead run's slot is freed, or the single writer slot would block every later run.
    assert config["run_monitoring"]["free_slots_after_run_end_seconds"] > 0
    assert config["run_retries"]["retry_on_asset_or_op_failure"] is False
    production = yaml.safe_load((ROOT / "dagster_home" / "dagster.production.yaml").read_text())
    assert production["run_monitoring"]["free_slots_after_run_end_seconds"] > 0
    pools = {
        assets.node_def.pool
        for assets in build_definitions().assets
        if isinstance(assets, dg.AssetsDefinition) and assets.is_executable
    }
    assert pools == {WRITER_POOL}


def test_scorecard_freshness_policy():
    # As autoloaded: the dbt models' multi-asset comes twice (defs/publish.py imports it).
    mapped = with_freshness_policies(list(autoloaded().assets))
    located = dg.Definitions(assets=mapped, resources={"dbt": dbt_resource(), **default_resources()})
    specs = {s.key: s for s in located.resolve_all_asset_specs()}
    policy = specs[SCORECARD_KEY].freshness_policy
    assert policy is not None
    assert policy.fail_window.to_timedelta() == timedelta(hours=36)
    assert policy.warn_window.to_timedelta() == timedelta(hours=26)
    others = [k for k, s in specs.items() if s.freshness_policy and k != SCORECARD_KEY]
    assert others == []


DOC = ROOT / "docs" / "operations.md"
ALERT_SETTINGS = sorted(
    set(re.findall(r'"(KUVA_[A-Z_]+)"', (ROOT / "kuva_pipeline" / "alerts.py").read_text()))
)
OPERATIONS_NAMES = [
    "DAGSTER_HOME", "DAGSTER_PG_HOST", "KUVA_WAREHOUSE_PATH", "dagster-daemon",
    "dagster-webserver", "nightly_refresh_schedule", "landing_files_sensor", "run_failure_alert",
]


@pytest.mark.parametrize("name", ALERT_SETTINGS + OPERATIONS_NAMES)
def test_operations_doc_names_every_setting_and_piece(name):
    assert name in DOC.read_text(encoding="utf-8"), f"docs/operations.md does not mention {name}"


def test_code_location_declares_the_scorecard_freshness_policy():
    spec = next(s for s in defs.resolve_all_asset_specs() if s.key == SCORECARD_KEY)
    assert spec.freshness_policy == SCORECARD_FRESHNESS
