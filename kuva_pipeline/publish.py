"""Publishing the `bi` schema to where BI tools read it: a DuckDB snapshot file and PostgreSQL.

BI tools never open the live warehouse (DuckDB has one writer, and a reader would
see a refresh half done). Both targets are replaced whole: the snapshot by an atomic
file rename, PostgreSQL by a schema swap in one transaction, so a reader sees the
previous publication or the next one, never a mix. Each publication carries a
`_publication` table (refresh id, time, row counts) that tells a reader which one it
sees. Pure functions over an open warehouse connection; Dagster wraps them in an asset.
See docs/serving.md.

Beside the warehouse (not beside the snapshot), each DuckDB publication also writes a
copy of the warehouse's dbt sources, stamped with the same refresh: the scorecard view recomputes
days that were not published from its dbt sources with time travel, so it never opens
the live warehouse (docs/scorecard_view.md).
"""

from __future__ import annotations

import contextlib
import functools
import glob
import hashlib
import os
import random
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import sqlalchemy as sa

BI_SCHEMA = "bi"
PUBLICATION_TABLE = "_publication"
_PUBLICATION_COMMENT = (
    "Which refresh of the kuva pipeline this publication holds: one row per published table, "
    "with its row count."
)

SNAPSHOT_STORAGE_VERSION = "v1.0.0"
"""Storage format of the snapshot file. DuckDB 2.0 writes a format no 1.x release can
open, and BI drivers (ODBC, JDBC, Metabase's, DBeaver's) embed their own, often older,
DuckDB; the v1.0.0 format opens in every DuckDB from 0.10 on."""

STALE_TMP_SECONDS = 3600
"""A leftover `<target>.tmp-*` older than this is from a crashed publish, not a running one."""

INDEX_KEYS: tuple[tuple[str, ...], ...] = (
    ("scorecard_id", "meter_id", "as_of"),
    ("meter_id", "period_start"),
    ("year",),
)
"""Columns BI dashboards filter by; a table gets each index whose columns it has."""

SWAP_WAIT_SECONDS = 60.0
"""How long the PostgreSQL swap keeps trying to take the old tables from running BI queries.

Past it the publish fails (and the asset's retry tries again) rather than stalling
dashboards: while the swap waits for a table, new queries on it queue behind it."""

SWAP_ATTEMPT_MS = 200
"""One attempt to lock the old tables waits at most this long (and less than the server's
`deadlock_timeout`), then lets go and tries again: a BI query that holds one old table and
waits for another must never be the one PostgreSQL's deadlock detector cancels."""

FETCH_BATCH_ROWS = 10_000

@dataclass(frozen=True)
class PublishResult:
    """What one publication wrote: where, which refresh, when, and rows per table."""

    target: str
    refresh_id: str
    published_at: datetime
    row_counts: dict[str, int] = field(default_factory=dict)

    def as_metadata(self) -> dict[str, object]:
        """Plain values for `dg.MaterializeResult(metadata=...)`."""
        return {
            "target": self.target,
            "refresh_id": self.refresh_id,
            "published_at": self.published_at.isoformat(),
            "tables": len(self.row_counts),
            **{f"rows/{name}": n for name, n in self.row_counts.items()},
        }


@dataclass(frozen=True)
class _Column:
    name: str
    data_type: str
    comment: str | None


@dataclass(frozen=True)
class _Relation:
    name: str
    comment: str | None
    columns: tuple[_Column, ...]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@contextlib.contextmanager
def _duckdb_transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    # Every bi table is read from one warehouse state, even if the caller's
    # connection is used for more work around the publish.
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _bi_relations(con: duckdb.DuckDBPyConnection) -> list[_Relation]:
    """Tables and views of the warehouse's `bi` schema (not of attached files), with comments."""
    rows = con.execute(
        """
        SELECT table_name, comment FROM duckdb_tables()
        WHERE database_name = current_database() AND schema_name = $schema
        UNION ALL
        SELECT view_name, comment FROM duckdb_views()
        WHERE database_name = current_database() AND schema_name = $schema AND NOT internal
        ORDER BY 1
        """,
        {"schema": BI_SCHEMA},
    ).fetchall()
    columns: dict[str, list[_Column]] = {}
    for table, column, data_type, comment in con.execute(
        """
        SELECT table_name, column_name, data_type, comment FROM duckdb_columns()
        WHERE database_name = current_database() AND schema_name = $schema
        ORDER BY table_name, column_index
        """,
        {"schema": BI_SCHEMA},
    ).fetchall():
        columns.setdefault(table, []).append(_Column(column, data_type, comment or None))
    relations = [
        _Relation(name, comment or None, tuple(columns.get(name, ())))
        for name, comment in rows
        # A warehouse never holds one, but a stale copy must not shadow the fresh record.
        if name != PUBLICATION_TABLE
    ]
    if not relations:
        raise ValueError("the warehouse has no tables or views in schema `bi`: nothing to publish")
    return relations


# ---------------------------------------------------------------- DuckDB snapshot


def _remove_stale_tmp_files(target: Path) -> None:
    cutoff = time.time() - STALE_TMP_SECONDS
    for leftover in target.parent.glob(f"{target.name}.tmp-*"):
        with contextlib.suppress(FileNotFoundError):
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()


def _fsync_dir(directory: Path) -> None:
    # The rename is atomic at once; fsync of the folder makes it survive a power cut too.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _replacing(target: Path) -> Iterator[Path]:
    """A temporary path beside `target` to write a whole new file at; renamed over `target`
    when the block ends without error.

    `os.replace` swaps the file in at once: a reader that already opened the old file keeps
    its inode (POSIX) and a new reader opens either file whole. On any error the temporary
    file (and a DuckDB WAL beside it) is removed. Leftovers of crashed writers are removed
    first (`_remove_stale_tmp_files`), so the temporary name must stay `<target>.tmp-*`.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_tmp_files(target)
    tmp = target.with_name(f"{target.name}.tmp-{secrets.token_hex(6)}")
    try:
        yield tmp
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except BaseException:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise


def _write_file_atomically(
    con: duckdb.DuckDBPyConnection,
    target: Path,
    fill: Callable[[str], dict[str, int]],
    storage_version: str | None = None,
) -> dict[str, int]:
    """Fill a new DuckDB file through `con` (attached under the alias `fill` is given, in one
    transaction) and swap it in over `target` with `os.replace`; returns what `fill` returns.

    The file is written beside the target, checkpointed, detached and renamed over it
    (`_replacing`): a reader that already opened the old file keeps reading it and a new
    reader opens either file whole. On any error the temporary file is removed.
    """
    alias = f"kuva_publish_{secrets.token_hex(6)}"
    options = f" (STORAGE_VERSION {_literal(storage_version)})" if storage_version else ""
    with _replacing(target) as tmp:
        attached = False
        try:
            con.execute(f"ATTACH {_literal(str(tmp))} AS {alias}{options}")
            attached = True
            with _duckdb_transaction(con):
                result = fill(alias)
            # Everything must be in the main file before the rename: a WAL left beside the
            # temporary name would not follow it.
            con.execute(f"CHECKPOINT {alias}")
            con.execute(f"DETACH {alias}")
            attached = False
        except BaseException:
            if attached:
                with contextlib.suppress(duckdb.Error):
                    con.execute(f"DETACH {alias}")
            raise
    return result


def publish_snapshot(
    con: duckdb.DuckDBPyConnection, target_path: Path, *, refresh_id: str
) -> PublishResult:
    """Copy schema `bi` of the open warehouse into a new DuckDB file and swap it in atomically.

    Views become tables (the snapshot has no `marts` to point at); table, view and
    column comments are copied. `con` must be a writable warehouse connection with no
    transaction open; the snapshot is read in one transaction, so it is consistent even
    if other work shares the connection. First, a warehouse file that holds the catalog
    gets its source copy for time travel (`publish_source_copy`), so a reader that sees
    this snapshot finds the copy of the same refresh beside the warehouse.
    """
    target = Path(target_path).absolute()
    published_at = datetime.now(UTC)
    publish_source_copy(con, refresh_id=refresh_id)

    def fill(alias: str) -> dict[str, int]:
        row_counts: dict[str, int] = {}
        relations = _bi_relations(con)
        con.execute(f"CREATE SCHEMA {alias}.{BI_SCHEMA}")
        for rel in relations:
            dest = f"{alias}.{BI_SCHEMA}.{_ident(rel.name)}"
            con.execute(f"CREATE TABLE {dest} AS SELECT * FROM {BI_SCHEMA}.{_ident(rel.name)}")
            if rel.comment:
                con.execute(f"COMMENT ON TABLE {dest} IS {_literal(rel.comment)}")
            for col in rel.columns:
                if col.comment:
                    con.execute(
                        f"COMMENT ON COLUMN {dest}.{_ident(col.name)} IS {_literal(col.comment)}"
                    )
            row_counts[rel.name] = con.execute(f"SELECT count(*) FROM {dest}").fetchone()[0]
        pub = f"{alias}.{BI_SCHEMA}.{PUBLICATION_TABLE}"
        con.execute(
            f"CREATE TABLE {pub} (refresh_id VARCHAR NOT NULL, published_at TIMESTAMPTZ NOT NULL,"
            " table_name VARCHAR NOT NULL, row_count BIGINT NOT NULL)"
        )
        con.execute(f"COMMENT ON TABLE {pub} IS {_literal(_PUBLICATION_COMMENT)}")
        con.executemany(
            f"INSERT INTO {pub} VALUES (?, ?, ?, ?)",
            [(refresh_id, published_at, name, n) for name, n in row_counts.items()],
        )
        return row_counts

    row_counts = _write_file_atomically(con, target, fill, SNAPSHOT_STORAGE_VERSION)
    return PublishResult(str(target), refresh_id, published_at, row_counts)


def _warehouse_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    path = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()[0]
    return Path(path).absolute() if path else None


def _wal_bytes(database: Path) -> int:
    """Bytes in the write-ahead log(s) DuckDB keeps beside `database`; 0 when there is none."""
    total = 0
    for wal in database.parent.glob(f"{glob.escape(database.name)}.wal*"):
        with contextlib.suppress(FileNotFoundError):
            total += wal.stat().st_size
    return total


def _checkpoint_warehouse(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    """Move everything committed into the warehouse file itself, so the file alone is the
    warehouse: a byte copy of it then misses nothing (the WAL would not be copied)."""
    database, read_only = con.execute(
        "SELECT database_name, readonly FROM duckdb_databases() "
        "WHERE database_name = current_database()"
    ).fetchone()
    if not read_only:
        try:
            # Not FORCE: that would wait for, or (before DuckDB 1.4) abort, other work.
            con.execute(f"CHECKPOINT {_ident(database)}")
        except duckdb.TransactionException as exc:
            raise RuntimeError(
                f"cannot copy the warehouse {warehouse} for time travel: its connection is in "
                "a transaction that keeps CHECKPOINT from running, such as one with uncommitted "
                f"changes (commit or roll it back first): {str(exc).splitlines()[0]}"
            ) from exc
    if _wal_bytes(warehouse):
        raise RuntimeError(
            f"cannot copy the warehouse {warehouse} for time travel: its write-ahead log still "
            "holds changes after CHECKPOINT (another connection is writing, or it was opened "
            "read-only), and a copy of the file alone would miss them"
        )


REBASE_SHARE = 0.2
"""A source copy reads the months of the raw tables that changed since its base from the
copy itself; when they hold more than this share of the raw rows, the next publication
copies the whole warehouse again as a new base (see `publish_source_copy`)."""


@dataclass(frozen=True)
class _Month:
    """A month of a raw table as a publication saw it, and where its copy reads it from."""

    rows: int
    first_loaded: datetime | None
    last_loaded: datetime | None
    from_base: bool = False

    def same_rows(self, other: _Month) -> bool:
        return (self.rows, self.first_loaded, self.last_loaded) == (
            other.rows, other.first_loaded, other.last_loaded,
        )  # fmt: skip


def _split_tables(con: duckdb.DuckDBPyConnection, sources: dict[str, set[str]]) -> dict[str, str]:
    """The raw source tables copied by month ('raw.<table>' -> their columns and types, as
    text): those whose rows carry the day they belong to and when they were loaded."""
    rows = con.execute(
        "SELECT table_name, list(column_name || ' ' || data_type ORDER BY column_index) "
        "FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'raw' "
        "GROUP BY table_name"
    ).fetchall()
    return {
        f"raw.{table}": ", ".join(columns)
        for table, columns in rows
        if table in sources.get("raw", ())
        and any(c.startswith("_partition_date ") for c in columns)
        and any(c.startswith("_loaded_at ") for c in columns)
    }


def _months(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[tuple[str, date], _Month]:
    """Each month of each table: its rows and the first and last time any of them was loaded.

    The raw loader stamps a record with the load that first brought it and keeps the stamp
    while the record is landed unchanged (`kuva_pipeline.sources.raw`), so a month whose
    rows, first and last load are the same holds the same records: any record added or
    changed carries a newer stamp, and one removed lowers the count."""
    if not tables:
        return {}
    parts = " UNION ALL ".join(
        f"SELECT {_literal(t)} AS t, date_trunc('month', _partition_date)::DATE AS m, count(*), "
        f"min(_loaded_at), max(_loaded_at) FROM {t} GROUP BY ALL"
        for t in tables
    )
    return {(t, m): _Month(n, first, last) for t, m, n, first, last in con.execute(parts).fetchall()}


def _previous_copy(target: Path) -> tuple[Path | None, str, dict[tuple[str, date], _Month]]:
    """The base file, table signature and month record of the copy at `target`, if any."""
    from kuva_pipeline.timetravel import SOURCE_BASE_META, SOURCE_MONTHS_META

    if not target.is_file():
        return None, "", {}
    try:
        prev = duckdb.connect(str(target), read_only=True)
    except duckdb.Error:
        return None, "", {}
    try:
        tables = {r[0] for r in prev.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
        if not {SOURCE_BASE_META, SOURCE_MONTHS_META} <= tables:
            return None, "", {}
        base_file, signature = prev.execute(f"SELECT file, tables FROM main.{SOURCE_BASE_META}").fetchone()
        months = {
            (t, m): _Month(n, first, last, from_base)
            for t, m, n, first, last, from_base in prev.execute(
                f"SELECT table_name, month, rows, first_loaded, last_loaded, from_base FROM main.{SOURCE_MONTHS_META}"
            ).fetchall()
        }
    finally:
        prev.close()
    base = target.with_name(base_file)
    return (base if base.is_file() else None), signature, months


def _copy_base(warehouse: Path, target: Path) -> Path:
    """A byte copy of the (checkpointed) warehouse file beside `target`, under a new name."""
    base = target.with_name(f"{target.stem}.base-{secrets.token_hex(6)}{target.suffix}")
    with _replacing(base) as tmp:
        # copyfile, not copy2: the copy gets a fresh mtime, so a concurrent publisher's
        # stale-temporary clean-up never takes it for a crashed one's leftover.
        shutil.copyfile(warehouse, tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)  # the copied bytes, before the rename
        finally:
            os.close(fd)
    return base


def _remove_old_bases(target: Path, keep: set[Path]) -> None:
    """Base copies no copy names any more: all but the current one and the one the previous
    copy named (a reader may have opened the previous copy and not yet its base)."""
    for old in target.parent.glob(f"{glob.escape(target.stem)}.base-*{target.suffix}"):
        if old not in keep:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()


def publish_source_copy(
    con: duckdb.DuckDBPyConnection, *, refresh_id: str, target: Path | None = None
) -> Path | None:
    """Write the warehouse's dbt sources into a copy of their own for time travel; its path.

    The copy holds what `kuva_pipeline.timetravel` reads (the raw, reference, catalog and
    check-result tables the dbt project declares as sources) and a `main._source_copy`
    row (refresh_id, copied_at) naming the refresh. It goes to
    `timetravel.source_copy_path(warehouse)` unless `target` is given, swapped in
    atomically like the snapshot: a reader holding the previous copy open keeps reading
    it, a new reader opens one copy whole.

    The cost follows what changed, not the history. The raw tables are kept by month: the
    months that changed since a *base* (a byte copy of the whole warehouse file, taken after
    a `CHECKPOINT`, under a name of its own beside the copy) are written into the copy, and
    the copy names the base for the others (`main._source_base`, `main._source_months`;
    `timetravel` reads the two as one table). The other sources, all small, are written
    whole. A new base is taken when there is none yet, when the raw tables' columns changed,
    or when the changed months hold more than `REBASE_SHARE` of the raw rows: a full
    backfill copies the file once, a nightly run writes the day's month. Re-reading and
    re-compressing every raw table on each publication was what made the copy grow with the
    history; a byte copy of the file on each was still the largest cost of a nightly run
    that grew with it. The raw layer keeps its personal columns in both files, so they stay
    beside the warehouse, never with BI files.

    `con` must be the warehouse's only writer (the file lock sees to other processes)
    with no uncommitted changes, and nothing may write through it while this runs; an
    open transaction with changes is a RuntimeError. A warehouse without the catalog
    (nothing to score) or held in memory gets no copy: None.
    """
    from kuva_pipeline.timetravel import (
        SOURCE_BASE_META,
        SOURCE_COPY_META,
        SOURCE_MONTHS_META,
        source_copy_path,
        source_tables,
    )

    warehouse = _warehouse_file(con)
    has_catalog = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'catalog' AND table_name = 'dim_scorecard'"
    ).fetchone()[0]
    if warehouse is None or not has_catalog:
        return None
    if not warehouse.is_file():
        raise FileNotFoundError(
            f"cannot copy the warehouse for time travel: DuckDB has it at {warehouse}, "
            "but there is no such file (moved or deleted while open?)"
        )
    target = Path(target).absolute() if target else source_copy_path(warehouse)
    if target == warehouse:
        raise ValueError(f"the source copy cannot replace the warehouse itself ({warehouse})")
    _checkpoint_warehouse(con, warehouse)
    sources = source_tables()
    split = _split_tables(con, sources)
    signature = "; ".join(f"{t}({cols})" for t, cols in sorted(split.items()))
    current = _months(con, sorted(split))
    base, previous_signature, previous = _previous_copy(target)
    previous_base = base
    if base is not None and previous_signature == signature:
        months = {
            key: replace(m, from_base=key in previous and previous[key].from_base and previous[key].same_rows(m))
            for key, m in current.items()
        }
    else:
        base, months = None, current
    own_rows = sum(m.rows for m in months.values() if not m.from_base)
    if split and (base is None or own_rows > REBASE_SHARE * sum(m.rows for m in months.values())):
        base = _copy_base(warehouse, target)
        months = {k: replace(m, from_base=True) for k, m in months.items()}

    # A source that is a view is written as a table of its rows, as time travel reads it.
    present = {
        (s, t)
        for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "UNION ALL SELECT schema_name, view_name FROM duckdb_views() "
            "WHERE database_name = current_database() AND NOT internal"
        ).fetchall()
    }

    def fill(alias: str) -> dict[str, int]:
        for schema in sorted(sources):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {alias}.{_ident(schema)}")
        for schema, tables in sorted(sources.items()):
            for table in sorted(tables):
                if (schema, table) not in present:
                    continue
                name = f"{schema}.{table}"
                where = ""
                if name in split:
                    own = sorted(m for (t, m), month in months.items() if t == name and not month.from_base)
                    where = (
                        " WHERE date_trunc('month', _partition_date)::DATE IN ("
                        + ", ".join(f"DATE {_literal(m.isoformat())}" for m in own) + ")"
                        if own else " WHERE false"
                    )
                con.execute(
                    f"CREATE TABLE {alias}.{_ident(schema)}.{_ident(table)} AS "
                    f"SELECT * FROM {_ident(schema)}.{_ident(table)}{where}"
                )
        con.execute(
            f"CREATE TABLE {alias}.main.{SOURCE_COPY_META} AS "
            "SELECT ?::VARCHAR AS refresh_id, now()::TIMESTAMPTZ AS copied_at",
            [refresh_id],
        )
        if base is not None:
            con.execute(
                f"CREATE TABLE {alias}.main.{SOURCE_BASE_META} AS SELECT ?::VARCHAR AS file, ?::VARCHAR AS tables",
                [base.name, signature],
            )
            con.execute(
                f"CREATE TABLE {alias}.main.{SOURCE_MONTHS_META} (table_name VARCHAR, month DATE, rows BIGINT, "
                "first_loaded TIMESTAMP, last_loaded TIMESTAMP, from_base BOOLEAN)"
            )
            record = sorted(months.items())
            con.execute(
                f"INSERT INTO {alias}.main.{SOURCE_MONTHS_META} SELECT unnest(?::VARCHAR[]), "
                "unnest(?::DATE[]), unnest(?::BIGINT[]), unnest(?::TIMESTAMP[]), unnest(?::TIMESTAMP[]), "
                "unnest(?::BOOLEAN[])",
                [[t for (t, _), _ in record], [m for (_, m), _ in record], [v.rows for _, v in record],
                 [v.first_loaded for _, v in record], [v.last_loaded for _, v in record],
                 [v.from_base for _, v in record]],
            )  # fmt: skip
        return {}

    _write_file_atomically(con, target, fill)
    _remove_old_bases(target, {p for p in (base, previous_base) if p is not None})
    return target


# ---------------------------------------------------------------- PostgreSQL

@functools.cache
def _pg_types() -> dict[str, sa.types.TypeEngine]:
    """DuckDB type -> PostgreSQL column type. SQLAlchemy's PostgreSQL dialect is imported
    here, when a publication to PostgreSQL needs it: at the top it cost every command's
    start 0.2 s."""
    from sqlalchemy.dialects import postgresql as pg

    return {
        "VARCHAR": sa.Text(),
        "BOOLEAN": sa.Boolean(),
        "TINYINT": sa.SmallInteger(),
        "SMALLINT": sa.SmallInteger(),
        "INTEGER": sa.Integer(),
        "BIGINT": sa.BigInteger(),
        # Unsigned and 128-bit integers need the next wider type, or numeric.
        "UTINYINT": sa.SmallInteger(),
        "USMALLINT": sa.Integer(),
        "UINTEGER": sa.BigInteger(),
        "UBIGINT": sa.Numeric(20, 0),
        "HUGEINT": sa.Numeric(39, 0),
        "UHUGEINT": sa.Numeric(39, 0),
        "FLOAT": pg.REAL(),
        "DOUBLE": pg.DOUBLE_PRECISION(),
        "DATE": sa.Date(),
        "TIME": sa.Time(),
        "TIMESTAMP": pg.TIMESTAMP(),
        "TIMESTAMP_S": pg.TIMESTAMP(),
        "TIMESTAMP_MS": pg.TIMESTAMP(),
        "TIMESTAMP_NS": pg.TIMESTAMP(),
        "TIMESTAMP WITH TIME ZONE": pg.TIMESTAMP(timezone=True),
        "INTERVAL": pg.INTERVAL(),
        "UUID": pg.UUID(as_uuid=True),
        "BLOB": pg.BYTEA(),
    }


_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


def pg_type(duckdb_type: str) -> sa.types.TypeEngine | None:
    """The PostgreSQL column type for a DuckDB type; None when it is published as text.

    The BI contract is flat (text, numbers, dates); a nested or enum type that slips in
    is published as its DuckDB text form rather than failing the refresh.
    """
    if m := _DECIMAL.fullmatch(duckdb_type):
        return sa.Numeric(int(m[1]), int(m[2]))
    return _pg_types().get(duckdb_type)


def _pg_url(url: str) -> sa.URL:
    parsed = sa.make_url(url)
    # SQLAlchemy 2.1 maps a bare `postgresql://` to psycopg 3; the project ships psycopg2.
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed


def _index_name(table: str, columns: tuple[str, ...]) -> str:
    # PostgreSQL truncates identifiers at 63 bytes; a hash suffix keeps long ones distinct.
    name = f"{table}_{'_'.join(columns)}_idx"
    return name if len(name) <= 63 else f"{name[:54]}_{hashlib.md5(name.encode()).hexdigest()[:8]}"


def _pg_table(rel: _Relation, metadata: sa.MetaData, schema: str) -> tuple[sa.Table, list[str]]:
    """The SQLAlchemy table for a bi relation, and the DuckDB select list that feeds it."""
    cols, select = [], []
    for col in rel.columns:
        mapped = pg_type(col.data_type)
        cols.append(sa.Column(col.name, mapped or sa.Text(), comment=col.comment))
        select.append(_ident(col.name) if mapped else f"CAST({_ident(col.name)} AS VARCHAR)")
    table = sa.Table(rel.name, metadata, *cols, schema=schema, comment=rel.comment)
    names = {c.name for c in rel.columns}
    for key in INDEX_KEYS:
        if set(key) <= names:
            sa.Index(_index_name(rel.name, key), *(table.c[k] for k in key))
    return table, select


def _batches(con: duckdb.DuckDBPyConnection, sql: str, names: list[str]) -> Iterator[list[dict]]:
    # Plain Python rows keep DuckDB's types exactly (dates, NULLs in integer columns),
    # which a pandas round trip would not; batches bound the memory of a larger table.
    cursor = con.execute(sql)
    while rows := cursor.fetchmany(FETCH_BATCH_ROWS):
        yield [dict(zip(names, row, strict=True)) for row in rows]


def publish_postgres(
    con: duckdb.DuckDBPyConnection,
    url: str,
    schema: str = "kuva_bi",
    readonly_role: str = "kuva_bi_reader",
    *,
    refresh_id: str,
) -> PublishResult:
    """Publish schema `bi` of the open warehouse to PostgreSQL, swapped in one transaction.

    Loads every bi table and view into a staging schema, with key-column indexes and the
    column comments, then drops `schema` and renames the staging schema into its place
    and grants `readonly_role` (a NOLOGIN group role, created when missing) read access
    again, all in one transaction: readers see the old publication or the new one.
    Needs a user with CREATE on the database, and CREATEROLE unless the role exists.
    """
    staging = f"{schema}__staging"
    published_at = datetime.now(UTC)
    row_counts: dict[str, int] = {}
    engine = sa.create_engine(_pg_url(url), poolclass=sa.NullPool)
    try:
        with _duckdb_transaction(con), engine.begin() as pgc:
            metadata = sa.MetaData()
            loads = [(rel, *_pg_table(rel, metadata, staging)) for rel in _bi_relations(con)]
            publication = sa.Table(
                PUBLICATION_TABLE,
                metadata,
                sa.Column("refresh_id", sa.Text(), nullable=False),
                sa.Column("published_at", sa.TIMESTAMP(timezone=True), nullable=False),
                sa.Column("table_name", sa.Text(), nullable=False),
                sa.Column("row_count", sa.BigInteger(), nullable=False),
                schema=staging,
                comment=_PUBLICATION_COMMENT,
            )
            pgc.execute(sa.text(f"SET LOCAL lock_timeout = '{int(SWAP_WAIT_SECONDS * 1000)}ms'"))
            pgc.execute(sa.text(f"DROP SCHEMA IF EXISTS {_ident(staging)} CASCADE"))
            pgc.execute(sa.text(f"CREATE SCHEMA {_ident(staging)}"))
            metadata.create_all(pgc)
            for rel, table, select in loads:
                names = [c.name for c in rel.columns]
                sql = f"SELECT {', '.join(select)} FROM {BI_SCHEMA}.{_ident(rel.name)}"
                row_counts[rel.name] = 0
                for batch in _batches(con, sql, names):
                    pgc.execute(table.insert(), batch)
                    row_counts[rel.name] += len(batch)
                # Fresh statistics now, not whenever autovacuum gets to the new table.
                pgc.execute(sa.text(f"ANALYZE {_ident(staging)}.{_ident(rel.name)}"))
            pgc.execute(
                publication.insert(),
                [
                    {
                        "refresh_id": refresh_id,
                        "published_at": published_at,
                        "table_name": n,
                        "row_count": c,
                    }
                    for n, c in row_counts.items()
                ],
            )
            _ensure_role(pgc, readonly_role)
            _lock_published_tables(pgc, schema)
            pgc.execute(sa.text(f"DROP SCHEMA IF EXISTS {_ident(schema)} CASCADE"))
            pgc.execute(sa.text(f"ALTER SCHEMA {_ident(staging)} RENAME TO {_ident(schema)}"))
            # Grants belong to the objects, and these objects are new: grant again each time.
            pgc.execute(
                sa.text(f"GRANT USAGE ON SCHEMA {_ident(schema)} TO {_ident(readonly_role)}")
            )
            pgc.execute(
                sa.text(
                    f"GRANT SELECT ON ALL TABLES IN SCHEMA {_ident(schema)} TO {_ident(readonly_role)}"
                )
            )
    finally:
        engine.dispose()
    target = f"{_pg_url(url).render_as_string(hide_password=True)} schema {schema}"
    return PublishResult(target, refresh_id, published_at, row_counts)


def _ensure_role(pgc: sa.Connection, role: str) -> None:
    exists = pgc.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
    if not exists:
        # A group role: BI users log in as their own users that are members of it.
        pgc.execute(sa.text(f"CREATE ROLE {_ident(role)} NOLOGIN"))


_RETRYABLE_LOCK_ERRORS = {"55P03", "40P01"}  # lock_not_available, deadlock_detected


def _lock_published_tables(pgc: sa.Connection, schema: str) -> None:
    """Take every table of the published schema, all at once or none, before the swap.

    A BI query locks its tables one by one; dropping them one by one could deadlock with
    a query that holds one and waits for another, and PostgreSQL would cancel one side,
    maybe the dashboard's. So each attempt waits only briefly, and on failure releases
    what it took (a savepoint) and tries again. Once all are held, a query that arrives
    waits for the commit and then reads the new tables: never a mix, never an error.
    """
    tables = (
        pgc.execute(
            sa.text(
                "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = :schema AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
                " ORDER BY c.relname"
            ),
            {"schema": schema},
        )
        .scalars()
        .all()
    )
    if not tables:
        return
    deadlock_ms = pgc.execute(
        sa.text("SELECT setting::int FROM pg_settings WHERE name = 'deadlock_timeout'")
    ).scalar_one()
    attempt_ms = max(10, min(SWAP_ATTEMPT_MS, deadlock_ms // 2))
    deadline = time.monotonic() + SWAP_WAIT_SECONDS
    while True:
        savepoint = pgc.begin_nested()
        try:
            pgc.execute(sa.text(f"SET LOCAL lock_timeout = '{attempt_ms}ms'"))
            pgc.execute(sa.text(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE"))
        except sa.exc.OperationalError as exc:
            savepoint.rollback()
            code = getattr(exc.orig, "pgcode", None) or getattr(exc.orig, "sqlstate", None)
            if code not in _RETRYABLE_LOCK_ERRORS or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.02, 0.2))
            continue
        savepoint.commit()  # RELEASE keeps the locks until the transaction ends
        pgc.execute(sa.text(f"SET LOCAL lock_timeout = '{int(SWAP_WAIT_SECONDS * 1000)}ms'"))
        return
