"""The instance's event log: Dagster's SQLite storage with its connections kept open.

Same files and schema as Dagster's default storage, so either reads the other's
history; a run's events reach a watcher in another storage object (the
webserver's live view) while the writer's connection stays open.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import dagster as dg
import yaml
from dagster._core.events import DagsterEvent, DagsterEventType, StepMaterializationData
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from kuva_pipeline.event_log import PooledSqliteEventLogStorage

ROOT = Path(__file__).resolve().parents[2]
RUN_ID = "0b5e7a1c-0000-4000-8000-000000000001"


def _materialization(month: int) -> EventLogEntry:
    event = DagsterEvent(
        event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value,
        job_name="nightly_refresh",
        event_specific_data=StepMaterializationData(
            dg.AssetMaterialization(asset_key=["raw", "nps_feedback"], partition=f"2021-{month:02d}-01")
        ),
    )
    return EventLogEntry(
        error_info=None,
        level="DEBUG",
        user_message="",
        run_id=RUN_ID,
        timestamp=time.time(),
        dagster_event=event,
        job_name="nightly_refresh",
    )


def test_the_project_instance_uses_it():
    config = yaml.safe_load((ROOT / "dagster_home" / "dagster.yaml").read_text())
    assert config["event_log_storage"] == {
        "module": "kuva_pipeline.event_log",
        "class": "PooledSqliteEventLogStorage",
    }


def test_dagsters_own_storage_reads_what_it_wrote(tmp_path):
    pooled = PooledSqliteEventLogStorage(str(tmp_path))
    for month in (1, 2, 3):
        pooled.store_event(_materialization(month))
    pooled.dispose()

    plain = SqliteEventLogStorage(str(tmp_path))
    records = plain.get_records_for_run(RUN_ID).records
    assert [r.event_log_entry.dagster_event.partition for r in records] == [
        "2021-01-01",
        "2021-02-01",
        "2021-03-01",
    ]
    latest = plain.get_latest_materialization_events([dg.AssetKey(["raw", "nps_feedback"])])
    assert latest[dg.AssetKey(["raw", "nps_feedback"])].dagster_event.partition == "2021-03-01"


def test_a_watcher_elsewhere_sees_each_event_while_the_writer_stays_open(tmp_path):
    writer = PooledSqliteEventLogStorage(str(tmp_path))
    writer.store_event(_materialization(1))  # the run's database exists before the watch
    watcher = PooledSqliteEventLogStorage(str(tmp_path))
    seen: list[str] = []
    arrived = threading.Event()

    def on_event(entry: EventLogEntry, _cursor: str) -> None:
        seen.append(entry.dagster_event.partition)
        if len(seen) == 3:
            arrived.set()

    watcher.watch(RUN_ID, None, on_event)
    try:
        for month in (2, 3):
            writer.store_event(_materialization(month))
            time.sleep(0.2)
        assert arrived.wait(10), f"the watcher saw {seen} of three events"
        assert seen == ["2021-01-01", "2021-02-01", "2021-03-01"]
    finally:
        watcher.end_watch(RUN_ID, on_event)
        watcher.dispose()
        writer.dispose()


def test_it_keeps_few_run_databases_open(tmp_path):
    from kuva_pipeline.event_log import OPEN_RUN_DATABASES

    storage = PooledSqliteEventLogStorage(str(tmp_path))
    run_ids = [f"0b5e7a1c-0000-4000-8000-{n:012d}" for n in range(OPEN_RUN_DATABASES + 3)]
    for run_id in run_ids:
        storage.get_records_for_run(run_id)
    open_runs = [s for s in storage._engines if s != "index"]
    assert open_runs == run_ids[-OPEN_RUN_DATABASES:]
    storage.dispose()
    assert storage._engines == {}
