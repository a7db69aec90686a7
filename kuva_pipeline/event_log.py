"""Dagster's SQLite event log, with its connections kept open.

Dagster's `SqliteEventLogStorage` (the default of a local instance) creates a
SQLAlchemy engine, opens a connection, commits and disposes of the engine for
every write, and again for the cross-run index: each event costs about 10 ms,
mostly that set-up and SQLAlchemy compiling the same INSERT anew for each
fresh engine. A full refresh of the bundled sample writes some 1,100 events
(a materialization per month of each partitioned asset, a result per check),
so the event log alone took about 10 s of the run.

`PooledSqliteEventLogStorage` is the same storage, on the same files and
schema, except that each database keeps one engine with a small connection
pool, and syncs to disk at checkpoints rather than at every commit (WAL with
`synchronous=NORMAL`): in a run reporting 400 materializations, 1.8 ms an
event against 7.2 ms, and 5.2 ms a check result against 23.6 ms
(`python -m benchmarks.event_log [--kind checks]`). Everything
else, from the layout (`history/runs/<run_id>.db` and `index.db`) to the
journal mode, is Dagster's, so an instance made with the default storage reads
the same history. The webserver's live view of a run waits for the run's
`.db` file to change, which Dagster's storage caused by closing its connection
after each write; here each stored event marks the file changed.

The index database's engine stays open; run databases are kept in a small
least-recently-used set, so a long-lived webserver reading many runs does not
hold a file open per run. Set in `dagster_home/dagster.yaml`:

    event_log_storage:
      module: kuva_pipeline.event_log
      class: PooledSqliteEventLogStorage

`base_dir` defaults to `$DAGSTER_HOME/history/runs`, where the default
storage keeps it.

Dagster has no public base class for an event log storage: the one import from
`dagster._core` below is the class extended. Besides its public methods, two of
its own helpers are overridden: `_connect` (the open engines) and
`_has_asset_key_col_on_connection` (a column found is remembered). The Dagster
version is pinned to 1.13 (pyproject.toml), and `tests/ops/test_event_log.py`
runs real Dagster runs through this storage and counts what each helper saves
(commits per batch, reflections per run), so an upgrade that changes the base
class or stops calling either helper fails there first. Removing the two
lines from `dagster.yaml` returns to Dagster's own storage on the same files.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import dagster as dg
import sqlalchemy as sa
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from sqlalchemy.engine import Connection, Engine

INDEX_SHARD = "index"
"""The cross-run index database, `index.db` beside the run databases (Dagster's name)."""

BUSY_TIMEOUT_SECONDS = 30
"""How long a write waits for another process's lock on a database, as Dagster's storage does."""

OPEN_RUN_DATABASES = 4
"""Run databases whose engines stay open, besides the index: a run writes to one."""


def _sync_normal_under_wal(dbapi_connection: Any, _record: Any) -> None:
    """`synchronous=NORMAL` on a connection to a database in WAL mode, as Dagster makes them.

    SQLite's default (FULL) syncs the write-ahead log to disk at every commit, and Dagster
    commits two or three times an event: without it, 2.6 to 1.8 ms a materialization and 6.3
    to 5.2 ms a check result (`python -m benchmarks.event_log [--kind checks]`). Under WAL,
    NORMAL keeps the database consistent through any crash; only a power cut or an
    operating-system crash can lose the last commits, the final events of a run that the
    cut stopped anyway (run monitoring marks such a run failed). A database in another
    journal mode keeps FULL: there, NORMAL could corrupt it on a power cut.
    """
    cursor = dbapi_connection.cursor()
    try:
        (mode,) = cursor.execute("PRAGMA journal_mode").fetchone()
        if str(mode).lower() == "wal":
            cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's run-sharded SQLite event log with one open engine per database."""

    def __init__(self, base_dir: str | None = None, inst_data: Any = None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables_found: set[str] = set()
        self._asset_key_columns_found: set[str] = set()
        self._batch = threading.local()
        if base_dir is None:
            home = os.environ.get("DAGSTER_HOME")
            if not home:
                raise ValueError(
                    "PooledSqliteEventLogStorage keeps its databases under $DAGSTER_HOME/history/runs: "
                    "set DAGSTER_HOME to the folder of dagster.yaml, or give the storage a base_dir"
                )
            base_dir = os.path.join(home, "history", "runs")
        super().__init__(base_dir, inst_data)

    @classmethod
    def config_type(cls) -> dict[str, dg.Field]:
        return {"base_dir": dg.Field(dg.StringSource, is_required=False)}

    @classmethod
    def from_config_value(  # ty: ignore[invalid-method-override]
        cls, inst_data: Any, config_value: Mapping[str, Any]
    ) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = sa.create_engine(
            self.conn_string_for_shard(shard),
            # Nested use (a write inside a read of the same database) takes a second connection.
            pool_size=2,
            max_overflow=4,
            connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        sa.event.listen(engine, "connect", _sync_normal_under_wal)
        if shard not in self._initialized_dbs:
            self._initdb(engine, for_index_shard=shard == INDEX_SHARD)
            self._initialized_dbs.add(shard)
            # A database made just now became WAL on a connection opened before: the next
            # connection is a new one, and is set for WAL.
            engine.dispose()
        self._engines[shard] = engine
        runs = [s for s in self._engines if s != INDEX_SHARD]
        for old in runs[: max(0, len(runs) - OPEN_RUN_DATABASES)]:
            self._engines.pop(old).dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        batch: dict[str, Connection] | None = getattr(self._batch, "connections", None)
        if batch is not None:
            # Inside `store_event_batch`, which holds the lock: the batch's one transaction.
            if shard not in batch:
                batch[shard] = self._engine(shard).connect()
                batch[shard].begin()
            yield batch[shard]
            return
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def store_event_batch(self, events: list[dg.EventLogEntry]) -> None:
        """Store the events in one transaction per database, all or none.

        Dagster hands over a batch when `DAGSTER_EVENT_BATCH_SIZE` is set (the refresh
        sets it, `kuva_pipeline.runner`): the "planned" events of every asset and check
        a run will execute (some 260 before the first step of a full refresh of the
        bundled sample) and the materializations of a run over many partitions. Each
        event stored alone commits two or three times; here the batch commits once per
        database. On an error nothing of the batch is kept, and Dagster stores the
        events one by one instead.
        """
        with self._db_lock:
            self._batch.connections = batch = {}
            try:
                for event in events:
                    super().store_event(event)
                for conn in batch.values():
                    conn.commit()
            finally:
                self._batch.connections = None
                for conn in batch.values():
                    conn.close()  # rolls back what was not committed
        for run_id in {e.run_id for e in events if e.run_id}:
            with contextlib.suppress(FileNotFoundError):
                os.utime(self.path_for_shard(run_id))

    def store_event(self, event: dg.EventLogEntry) -> None:
        super().store_event(event)
        # Dagster's storage closed its connection after each write, and SQLite then folded
        # the write-ahead log into the run's `.db` file: that change is what a watcher of the
        # run (the webserver's live view) waits for. The connection stays open here, so the
        # file is marked changed instead, once the event is committed and readable.
        if event.run_id:
            with contextlib.suppress(FileNotFoundError):
                os.utime(self.path_for_shard(event.run_id))

    def has_table(self, table_name: str) -> bool:
        """Whether the index database has a table, asked on its open engine.

        Dagster asks before storing every check evaluation and every planned one (whether
        the schema supports asset checks), and its storage built a new engine for each
        question: about 1 ms an event, 0.4 s of a refresh of the bundled sample. A table
        found is remembered: migrations only add tables (a wipe forgets them)."""
        if table_name in self._tables_found:
            return True
        # Not under the storage's lock: Dagster asks this while storing an event, holding it.
        engine = self._engines.get(INDEX_SHARD)
        if engine is None:
            found = super().has_table(table_name)
        else:
            with engine.connect() as conn:
                found = bool(sa.inspect(conn).has_table(table_name))
        if found:
            self._tables_found.add(table_name)
        return found

    def _has_asset_key_col_on_connection(self, conn: Connection, column_name: str) -> bool:
        """Whether the index's asset key table has a column, remembered once found.

        Dagster asks before storing every materialization (whether the table has its
        index columns) by reflecting the table's columns through SQLAlchemy: 1.3 ms an
        event, half a second of a refresh of the bundled sample. Migrations only add
        columns (a wipe forgets them), so a column found stays found; one missing is
        asked about again."""
        if column_name in self._asset_key_columns_found:
            return True
        found = super()._has_asset_key_col_on_connection(conn, column_name)
        if found:
            self._asset_key_columns_found.add(column_name)
        return found

    def _close_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._close_engines()  # the run databases' files are deleted
        self._tables_found.clear()
        self._asset_key_columns_found.clear()
        super().wipe()

    def delete_events(self, run_id: str) -> None:
        super().delete_events(run_id)
        with self._db_lock:
            engine = self._engines.pop(run_id, None)
        if engine is not None:
            engine.dispose()

    def dispose(self) -> None:
        self._close_engines()
        super().dispose()
