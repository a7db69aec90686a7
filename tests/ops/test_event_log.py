"""The instance's event log: Dagster's SQLite storage with its connections kept open.

Same files and schema as Dagster's default storage, so either reads the other's
history; a run's events reach a watcher in another instance (the webserver's
live view) while the writer's connections stay open. Every event here comes
from a real Dagster run.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import dagster as dg
import sqlalchemy as sa
import yaml

from kuva_pipeline.event_log import (
    INDEX_SHARD,
    OPEN_RUN_DATABASES,
    PooledSqliteEventLogStorage,
    _sync_normal_under_wal,
)

ROOT = Path(__file__).resolve().parents[2]
POOLED = (
    "event_log_storage:\n  module: kuva_pipeline.event_log\n  class: PooledSqliteEventLogStorage\n"
)
MONTHS = ("2021-01-01", "2021-02-01", "2021-03-01")


@dg.op(out=dg.Out(dg.Nothing))
def emit_months(context) -> None:
    """Three materializations in one step, as a range run writes one per month."""
    for month in MONTHS:
        context.log_event(dg.AssetMaterialization(asset_key="nps_feedback", partition=month))


@dg.job
def months_job() -> None:
    emit_months()


def _instance(home: Path, monkeypatch, config: str = "dagster.yaml") -> dg.DagsterInstance:
    monkeypatch.setenv("DAGSTER_HOME", str(home))  # where the pooled storage keeps its files
    return dg.DagsterInstance.from_config(str(home), config_filename=config)


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(POOLED)
    (home / "plain.yaml").write_text("telemetry:\n  enabled: false\n")  # Dagster's own storage
    return home


def test_the_project_instance_uses_it():
    config = yaml.safe_load((ROOT / "dagster_home" / "dagster.yaml").read_text())
    assert config["event_log_storage"] == {
        "module": "kuva_pipeline.event_log",
        "class": "PooledSqliteEventLogStorage",
    }


def test_dagsters_own_storage_reads_what_it_wrote(tmp_path, monkeypatch):
    home = _home(tmp_path)
    with _instance(home, monkeypatch) as pooled:
        assert isinstance(pooled.event_log_storage, PooledSqliteEventLogStorage)
        run_id = months_job.execute_in_process(instance=pooled).run_id
    with _instance(home, monkeypatch, "plain.yaml") as plain:
        assert not isinstance(plain.event_log_storage, PooledSqliteEventLogStorage)
        partitions = [
            r.event_log_entry.dagster_event.partition
            for r in plain.get_records_for_run(run_id).records
            if r.event_log_entry.dagster_event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
        ]
        assert partitions == list(MONTHS)
        latest = plain.get_latest_materialization_event(dg.AssetKey("nps_feedback"))
        assert latest.dagster_event.partition == "2021-03-01"


def test_a_watcher_elsewhere_sees_the_whole_run_while_the_writer_stays_open(tmp_path, monkeypatch):
    home = _home(tmp_path)
    run_id = str(uuid.uuid4())
    seen: list[dg.EventLogEntry] = []
    finished = threading.Event()

    def on_event(entry: dg.EventLogEntry, _cursor: str) -> None:
        seen.append(entry)
        if entry.dagster_event_type == dg.DagsterEventType.RUN_SUCCESS:
            finished.set()

    with _instance(home, monkeypatch) as writer, _instance(home, monkeypatch) as watcher:
        watcher.watch_event_logs(run_id, None, on_event)
        try:
            assert months_job.execute_in_process(instance=writer, run_id=run_id).success
            # The writer is still open: its last events must arrive without it closing.
            assert finished.wait(15), [e.dagster_event_type for e in seen]
        finally:
            watcher.end_watch_event_logs(run_id, on_event)
    partitions = [
        e.dagster_event.partition
        for e in seen
        if e.dagster_event_type == dg.DagsterEventType.ASSET_MATERIALIZATION
    ]
    assert partitions == list(MONTHS)


def test_it_keeps_few_run_databases_open(tmp_path, monkeypatch):
    home = _home(tmp_path)
    with _instance(home, monkeypatch) as instance:
        run_ids = [
            months_job.execute_in_process(instance=instance).run_id
            for _ in range(OPEN_RUN_DATABASES + 2)
        ]
        storage = instance.event_log_storage
        for run_id in run_ids:  # read them back in order, as a webserver browsing runs does
            instance.get_records_for_run(run_id)
        assert [s for s in storage._engines if s != "index"] == run_ids[-OPEN_RUN_DATABASES:]
    assert storage._engines == {}


@dg.asset
def checked_table() -> None:
    """An asset with a check, so a run stores check evaluations (planned, then done)."""


@dg.asset_check(asset=checked_table)
def rows_present() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def test_a_run_with_checks_asks_the_index_for_its_tables_once(tmp_path, monkeypatch):
    home = _home(tmp_path)
    with _instance(home, monkeypatch) as instance:
        storage = instance.event_log_storage
        made = []
        real = PooledSqliteEventLogStorage.__mro__[1].has_table  # Dagster's: an engine per question
        monkeypatch.setattr(
            PooledSqliteEventLogStorage.__mro__[1], "has_table",
            lambda self, name: made.append(name) or real(self, name),
        )
        for _ in range(3):
            result = dg.materialize([checked_table, rows_present], instance=instance)
            assert result.success
        checks = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey("checked_table"), "rows_present"), limit=10
        )
        # Three runs, each planned and evaluated: all recorded, as Dagster's own storage does.
        assert [c.status.value for c in checks] == ["SUCCEEDED"] * 3
        # Dagster built an engine for each of those six questions; here none is built once the
        # index is open, and a table found is not asked about again.
        assert made == []
        assert storage.has_table("asset_check_executions")
        assert not storage.has_table("no_such_table")
        assert "no_such_table" not in storage._tables_found



def test_the_asset_key_columns_are_reflected_once_and_the_asset_index_still_fills(tmp_path, monkeypatch):
    home = _home(tmp_path)
    asked: list[str] = []
    dagsters = PooledSqliteEventLogStorage.__mro__[1]._has_asset_key_col_on_connection
    monkeypatch.setattr(
        PooledSqliteEventLogStorage.__mro__[1], "_has_asset_key_col_on_connection",
        lambda self, conn, column: asked.append(column) or dagsters(self, conn, column),
    )
    with _instance(home, monkeypatch) as pooled:
        for _ in range(2):  # two runs of three materializations each
            assert months_job.execute_in_process(instance=pooled).success
        # A column that is not there is asked about again, and not remembered.
        storage = pooled.event_log_storage
        with storage.index_connection() as conn:
            assert not storage._has_asset_key_col_on_connection(conn, "no_such_column")
            assert not storage._has_asset_key_col_on_connection(conn, "no_such_column")
    # Dagster reflects the table's columns before each of the six materializations; here once.
    assert asked == ["last_materialization_timestamp", "no_such_column", "no_such_column"]
    with _instance(home, monkeypatch, "plain.yaml") as plain:
        # The index columns were filled as on Dagster's own storage: the asset's entry
        # knows its last materialization.
        with plain.event_log_storage.index_connection() as conn:
            (stamp,) = conn.execute(
                sa.text("SELECT last_materialization_timestamp FROM asset_keys WHERE asset_key = :k"),
                {"k": dg.AssetKey("nps_feedback").to_string()},
            ).one()
        assert stamp is not None
        latest = plain.get_latest_materialization_event(dg.AssetKey("nps_feedback"))
        assert latest.dagster_event.partition == "2021-03-01"


SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}  # SQLite's PRAGMA synchronous values


def test_its_databases_sync_at_checkpoints_only_where_wal_keeps_them_consistent(tmp_path, monkeypatch):
    home = _home(tmp_path)
    with _instance(home, monkeypatch) as instance:
        run_id = months_job.execute_in_process(instance=instance).run_id
        storage = instance.event_log_storage
        for shard in (INDEX_SHARD, run_id):
            with storage._engine(shard).connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal", shard
                assert SYNCHRONOUS[conn.exec_driver_sql("PRAGMA synchronous").scalar()] == "NORMAL", shard
    # A database in SQLite's default rollback journal keeps FULL.
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    sa.event.listen(engine, "connect", _sync_normal_under_wal)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
            assert SYNCHRONOUS[conn.exec_driver_sql("PRAGMA synchronous").scalar()] == "FULL"
    finally:
        engine.dispose()


@dg.asset
def second_table() -> None:
    """A second checked asset, so a run plans more than one materialization and check."""


@dg.asset_check(asset=second_table)
def second_rows_present() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


PLANNED = (
    dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED,
    dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED,
)
CHECKED = [checked_table, rows_present, second_table, second_rows_present]


def _planned(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    found = []
    for record in instance.get_records_for_run(run_id).records:
        event = record.event_log_entry.dagster_event
        if event is None or event.event_type not in PLANNED:
            continue
        key = event.asset_key or event.asset_check_planned_data.asset_key
        found.append(f"{event.event_type.value} {key.to_user_string()}")
    return sorted(found)


EXPECTED_PLANNED = sorted(
    f"{kind.value} {asset}" for kind in PLANNED for asset in ("checked_table", "second_table")
)


def test_a_batch_commits_once_per_database_and_dagsters_own_storage_reads_it(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "1000")
    home = _home(tmp_path)
    commits: list[str] = []
    batches: list[int] = []

    def on_commit(conn: sa.Connection) -> None:
        commits.append(conn.engine.url.database.rsplit("/", 1)[-1])

    real_batch = PooledSqliteEventLogStorage.store_event_batch

    def counting_batch(self, events):
        commits.clear()
        real_batch(self, events)
        batches.append(commits.count("index.db"))

    monkeypatch.setattr(PooledSqliteEventLogStorage, "store_event_batch", counting_batch)
    sa.event.listen(sa.Engine, "commit", on_commit)
    try:
        with _instance(home, monkeypatch) as pooled:
            run_id = dg.materialize(CHECKED, instance=pooled).run_id
    finally:
        sa.event.remove(sa.Engine, "commit", on_commit)
    # The four planned events came as one batch, committed to the index once, where each
    # event alone commits there (the run's database is made by the batch's first write, with
    # commits of its own, so it is not counted here).
    assert batches == [1]
    with _instance(home, monkeypatch, "plain.yaml") as plain:
        assert _planned(plain, run_id) == EXPECTED_PLANNED
        history = plain.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey("second_table"), "second_rows_present"), limit=5
        )
        assert [c.status.value for c in history] == ["SUCCEEDED"]


def test_a_batch_that_fails_keeps_nothing_and_dagster_stores_its_events_one_by_one(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "1000")
    home = _home(tmp_path)
    dagsters = PooledSqliteEventLogStorage.__mro__[1].store_event
    calls = {"n": 0}

    def failing_third(self, event):
        if getattr(self._batch, "connections", None) is not None:
            calls["n"] += 1
            if calls["n"] == 3:  # two events of the batch are written, not yet committed
                raise RuntimeError("disk full")
        return dagsters(self, event)

    monkeypatch.setattr(PooledSqliteEventLogStorage.__mro__[1], "store_event", failing_third)
    with _instance(home, monkeypatch) as pooled:
        run_id = dg.materialize(CHECKED, instance=pooled).run_id
        assert calls["n"] == 3
        # Each planned event once: the two written before the error were rolled back.
        assert _planned(pooled, run_id) == EXPECTED_PLANNED
