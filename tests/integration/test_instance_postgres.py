"""The production Dagster instance (dagster_home/dagster.production.yaml) on a real PostgreSQL.

A run executed with one instance object is read back, with its materialization, by a
second instance built fresh from the same DAGSTER_HOME: what the webserver, the daemon
and run workers rely on when they are separate processes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_YAML = ROOT / "dagster_home" / "dagster.production.yaml"

pytestmark = pytest.mark.integration


@dg.asset
def greeting() -> dg.MaterializeResult:
    """A trivial asset: its materialization must land in the event log."""
    return dg.MaterializeResult(metadata={"text": "hei maailma"})


greeting_job = dg.define_asset_job("greeting_job", selection=[greeting])
defs = dg.Definitions(assets=[greeting], jobs=[greeting_job])


@pytest.fixture
def production_home(postgres, tmp_path, monkeypatch) -> Path:
    """DAGSTER_HOME holding the production file, pointed at its own database and owner."""
    for sql in (
        "CREATE ROLE dagster LOGIN PASSWORD 'dagster-secret'",
        "CREATE DATABASE dagster OWNER dagster",
    ):
        rc, _, err = postgres.psql(sql, db="postgres")
        assert rc == 0, err
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PRODUCTION_YAML, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_PG_HOST", postgres.host)
    monkeypatch.setenv("DAGSTER_PG_PORT", str(postgres.port))
    monkeypatch.setenv("DAGSTER_PG_USER", "dagster")
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "dagster-secret")
    monkeypatch.setenv("DAGSTER_PG_DB", "dagster")
    return home


def test_runs_and_events_survive_into_a_fresh_instance(production_home, postgres):
    with dg.DagsterInstance.get() as writer:
        assert isinstance(writer.run_storage, PostgresRunStorage)
        assert isinstance(writer.event_log_storage, PostgresEventLogStorage)
        assert isinstance(writer.schedule_storage, PostgresScheduleStorage)
        # The queue and the single-writer pool of the local instance hold here too.
        assert isinstance(writer.run_coordinator, dg.QueuedRunCoordinator)
        concurrency = writer.get_concurrency_config()
        assert concurrency.pool_config.default_pool_limit == 1
        assert concurrency.run_queue_config.max_concurrent_runs == 4
        result = defs.resolve_job_def("greeting_job").execute_in_process(instance=writer)
        assert result.success
        run_id = result.run_id

    with dg.DagsterInstance.get() as reader:
        run = reader.get_run_by_id(run_id)
        assert run is not None
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert run.job_name == "greeting_job"

        materializations = reader.fetch_materializations(dg.AssetKey("greeting"), limit=10)
        assert [r.run_id for r in materializations.records] == [run_id]
        event = materializations.records[0].asset_materialization
        assert event is not None and event.metadata["text"].value == "hei maailma"
        logged = {e.dagster_event_type for e in reader.all_logs(run_id) if e.is_dagster_event}
        assert dg.DagsterEventType.ASSET_MATERIALIZATION in logged
        assert dg.DagsterEventType.RUN_SUCCESS in logged
        # Schedule storage answers (empty: nothing scheduled in this test).
        assert list(reader.all_instigator_state()) == []

    # The tables live in the configured database, owned by the configured user.
    rc, out, err = postgres.psql(
        "SELECT tablename FROM pg_tables WHERE tableowner = 'dagster' ORDER BY 1", db="dagster"
    )
    assert rc == 0, err
    tables = set(out.split())
    # run storage, event log, schedule storage (instigators, their ticks)
    assert {"runs", "event_logs", "jobs", "job_ticks", "instigators"} <= tables


def test_production_keeps_the_local_concurrency_and_retries():
    """The single-writer pool must not drift between the local and the production instance."""
    local = yaml.safe_load((ROOT / "dagster_home" / "dagster.yaml").read_text())
    production = yaml.safe_load(PRODUCTION_YAML.read_text())
    assert production["concurrency"] == local["concurrency"]
    assert production["run_retries"] == local["run_retries"]
    assert production["telemetry"] == {"enabled": False}
