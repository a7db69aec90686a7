"""The source copy for time travel: a byte copy of the checkpointed warehouse file, stamped
with the refresh, swapped in beside the warehouse.

The warehouse is built by hand: every dbt source the manifest declares holds one row naming
itself, written after the last checkpoint (so it is only in the write-ahead log until the
copy checkpoints), and the schemas time travel must ignore hold tables and views named like
the models it rebuilds. Every expectation is a value typed or named here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from kuva_pipeline import sqlmacros
from kuva_pipeline.publish import STALE_TMP_SECONDS, publish_source_copy
from kuva_pipeline.resources import WarehouseResource
from kuva_pipeline.timetravel import _mirror, attach_base, source_copy_path, source_tables

# Tables time travel must not take for sources (nor clash with when it rebuilds the models).
NOT_SOURCES = {
    ("marts", "scorecard"): "a scored mart",
    ("bi", "scorecards"): "a published table",
    ("meters", "meter_values"): "a meter",
    ("staging", "stg_not_a_source"): "a staging model",
}


def _sources() -> list[tuple[str, str]]:
    found = sorted(
        (schema, table) for schema, tables in source_tables().items() for table in tables
    )
    # The manifest names the sources; these are ones time travel cannot do without.
    assert {
        ("raw", "checkins"), ("raw", "nps_feedback"), ("catalog", "dim_scorecard"),
        ("catalog", "fact_checkin"), ("staging", "ref_service_areas"), ("quality", "check_results"),
    } <= set(found)  # fmt: skip
    return found


def _wal_bytes(path: Path) -> int:
    wal = path.with_name(path.name + ".wal")
    return wal.stat().st_size if wal.exists() else 0


@pytest.fixture
def warehouse_file(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "kuva.duckdb"


@pytest.fixture
def warehouse(warehouse_file: Path):
    """An open writer connection to a hand-built warehouse, as the pipeline holds it."""
    with WarehouseResource(path=str(warehouse_file)).connect() as con:
        for schema, table in [*_sources(), *NOT_SOURCES]:
            con.execute(f'CREATE TABLE {schema}."{table}" (name VARCHAR)')
        con.execute("CREATE VIEW bi.scorecard AS SELECT * FROM marts.scorecard")
        con.execute("CHECKPOINT")
        for schema, table in _sources():
            con.execute(f'INSERT INTO {schema}."{table}" VALUES (?)', [f"{schema}.{table}"])
        for (schema, table), what in NOT_SOURCES.items():
            con.execute(f'INSERT INTO {schema}."{table}" VALUES (?)', [what])
        yield con


def test_the_copy_holds_every_source_time_travel_reads_and_names_the_refresh(
    warehouse, warehouse_file, tmp_path
):
    target = source_copy_path(warehouse_file)
    assert target == warehouse_file.with_name("kuva_as_of_sources.duckdb")
    stale = target.with_name(target.name + ".tmp-crashed")
    stale.write_bytes(b"left by a crashed publish")
    old = time.time() - STALE_TMP_SECONDS - 60
    os.utime(stale, (old, old))
    running = target.with_name(target.name + ".tmp-running")
    running.write_bytes(b"another publish, still copying")
    # The rows are only in the write-ahead log: a copy of the file alone would miss them.
    assert _wal_bytes(warehouse_file) > 0

    before = datetime.now(UTC)
    assert publish_source_copy(warehouse, refresh_id="nightly-7") == target
    after = datetime.now(UTC)

    assert sorted(p.name for p in target.parent.iterdir() if p.name.startswith(target.name)) == [
        target.name, running.name,
    ]  # fmt: skip
    with duckdb.connect(str(target), read_only=True) as copy:
        for schema, table in _sources():
            assert copy.execute(f'SELECT name FROM {schema}."{table}"').fetchall() == [
                (f"{schema}.{table}",)
            ], f"{schema}.{table}"
        meta = copy.execute("SELECT refresh_id, copied_at FROM main._source_copy").fetchall()
        assert len(meta) == 1
        assert meta[0][0] == "nightly-7"
        assert before <= meta[0][1] <= after
    # The warehouse is left as it was: usable, not stamped, nothing attached.
    assert warehouse.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = '_source_copy'"
    ).fetchone() == (0,)
    # (The SQL macros' in-memory database is attached to every warehouse connection.)
    assert warehouse.execute(
        "SELECT list(database_name ORDER BY database_name) FROM duckdb_databases() WHERE NOT internal"
    ).fetchone()[0] == ["kuva", sqlmacros.CATALOG]
    assert warehouse.execute('SELECT name FROM raw."checkins"').fetchall() == [("raw.checkins",)]

    # Time travel's views over the copy: one per source, each reading its table, and none
    # for the models the copy also holds (time travel rebuilds those into its scratch file).
    scratch = tmp_path / "scratch.duckdb"
    _mirror(scratch, str(target), date(2021, 6, 30), ignore_load_time=False)
    with duckdb.connect(str(scratch), read_only=True) as con:
        con.execute(f"ATTACH '{target}' AS wh (READ_ONLY)")  # as time travel reads it
        views = sorted(
            con.execute(
                "SELECT schema_name, view_name FROM duckdb_views() "
                "WHERE database_name = 'scratch' AND NOT internal"
            ).fetchall()
        )
        assert views == _sources()
        for schema, table in views:
            assert con.execute(f'SELECT name FROM {schema}."{table}"').fetchall() == [
                (f"{schema}.{table}",)
            ]
        assert con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'scratch'"
        ).fetchone() == (0,)


def test_a_new_copy_replaces_the_last_one(warehouse, warehouse_file):
    publish_source_copy(warehouse, refresh_id="refresh-1")
    warehouse.execute("INSERT INTO raw.checkins VALUES ('a second check-in')")
    target = publish_source_copy(warehouse, refresh_id="refresh-2")

    with duckdb.connect(str(target), read_only=True) as copy:
        assert copy.execute("SELECT refresh_id FROM main._source_copy").fetchall() == [
            ("refresh-2",)
        ]
        assert copy.execute("SELECT name FROM raw.checkins ORDER BY name").fetchall() == [
            ("a second check-in",), ("raw.checkins",),
        ]  # fmt: skip
    assert not list(warehouse_file.parent.glob("*.tmp-*"))


def test_uncommitted_changes_are_a_clear_error_and_keep_the_last_copy(warehouse, warehouse_file):
    target = publish_source_copy(warehouse, refresh_id="good")
    warehouse.execute("BEGIN TRANSACTION")
    warehouse.execute("INSERT INTO raw.checkins VALUES ('not committed')")
    try:
        with pytest.raises(RuntimeError, match="uncommitted changes.*commit or roll it back"):
            publish_source_copy(warehouse, refresh_id="half-done")
    finally:
        warehouse.execute("ROLLBACK")

    assert not list(warehouse_file.parent.glob("*.tmp-*"))
    with duckdb.connect(str(target), read_only=True) as copy:
        assert copy.execute("SELECT refresh_id FROM main._source_copy").fetchall() == [("good",)]


def test_no_copy_without_a_catalog_or_a_file(tmp_path):
    with duckdb.connect(":memory:") as memory:
        memory.execute("CREATE SCHEMA catalog")
        memory.execute("CREATE TABLE catalog.dim_scorecard (scorecard_id VARCHAR)")
        assert publish_source_copy(memory, refresh_id="r", target=tmp_path / "copy.duckdb") is None
    with WarehouseResource(path=str(tmp_path / "empty.duckdb")).connect() as empty:
        assert publish_source_copy(empty, refresh_id="r") is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.duckdb"]


HOLDER = r"""
import sys
import duckdb

QUERY = "SELECT (SELECT refresh_id FROM main._source_copy), (SELECT count(*) FROM raw.checkins)"
held = duckdb.connect(sys.argv[1], read_only=True)
for line in sys.stdin:
    print(*held.execute(QUERY).fetchone(), flush=True)
"""


def test_a_reader_holding_the_old_copy_keeps_reading_it(warehouse, warehouse_file):
    target = publish_source_copy(warehouse, refresh_id="refresh-1")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(target)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:

        def held_reads() -> str:
            holder.stdin.write("read\n")
            holder.stdin.flush()
            line = holder.stdout.readline().strip()
            assert line, holder.stderr.read()
            return line

        assert held_reads() == "refresh-1 1"
        warehouse.execute("INSERT INTO raw.checkins VALUES ('two'), ('three')")
        publish_source_copy(warehouse, refresh_id="refresh-2")
        assert held_reads() == "refresh-1 1"
        publish_source_copy(warehouse, refresh_id="refresh-3")
        assert held_reads() == "refresh-1 1"
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert holder.returncode == 0, holder.stderr.read()
    # A reader opening the file anew gets the latest copy, whole.
    fresh = subprocess.run(
        [sys.executable, "-c", HOLDER, str(target)], input="read\n", capture_output=True, text=True
    )
    assert fresh.stdout.strip() == "refresh-3 3", fresh.stderr


# -- raw tables copied by month over a base ------------------------------------------------------

T1, T2 = datetime(2021, 5, 1, 3, 0), datetime(2021, 5, 2, 3, 0)  # two loads


@pytest.fixture
def raw_warehouse(warehouse_file: Path):
    """A warehouse whose raw.nps_feedback carries the day and load of each row: 20 presses
    in January (j00..j19), 2 in February (3, 4), 1 in March (5)."""
    with WarehouseResource(path=str(warehouse_file)).connect() as con:
        con.execute("CREATE TABLE catalog.dim_scorecard (scorecard_id VARCHAR)")
        con.execute(
            "CREATE TABLE raw.nps_feedback (feedbackId VARCHAR, _source_file VARCHAR, "
            "_record_index BIGINT, _partition_date DATE NOT NULL, _loaded_at TIMESTAMP NOT NULL)"
        )
        con.executemany(
            "INSERT INTO raw.nps_feedback VALUES (?, ?, ?, ?, ?)",
            [
                *((f"j{i:02d}", "nps/2021-01.csv", i + 1, date(2021, 1, 5), T1) for i in range(20)),
                ("3", "nps/2021-02.csv", 1, date(2021, 2, 5), T1),
                ("4", "nps/2021-02.csv", 2, date(2021, 2, 6), T1),
                ("5", "nps/2021-03.csv", 1, date(2021, 3, 5), T1),
            ],
        )
        yield con


JANUARY = [(f"j{i:02d}", date(2021, 1, 5)) for i in range(20)]


def _seen(copy: Path, tmp_path: Path) -> list[tuple]:
    """raw.nps_feedback as time travel reads it through the copy (and its base)."""
    scratch = tmp_path / f"scratch-{time.monotonic_ns()}.duckdb"
    _mirror(scratch, str(copy), date(2100, 1, 1), ignore_load_time=True)
    with duckdb.connect(str(scratch), read_only=True) as con:
        con.execute(f"ATTACH '{copy}' AS wh (READ_ONLY)")
        attach_base(con, str(copy))
        return con.execute(
            "SELECT feedbackId, _partition_date FROM raw.nps_feedback ORDER BY feedbackId"
        ).fetchall()


def _bases(copy: Path) -> list[str]:
    return sorted(p.name for p in copy.parent.glob("kuva_as_of_sources.base-*.duckdb"))


def _own_rows(copy: Path) -> list[str]:
    with duckdb.connect(str(copy), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT feedbackId FROM raw.nps_feedback ORDER BY 1").fetchall()]


def test_a_copy_writes_only_the_months_that_changed_since_its_base(raw_warehouse, tmp_path):
    copy = publish_source_copy(raw_warehouse, refresh_id="r1")
    (base,) = _bases(copy)
    base_stamp = copy.with_name(base).stat().st_mtime_ns
    assert _own_rows(copy) == []  # every month is read from the base
    assert _seen(copy, tmp_path) == [
        ("3", date(2021, 2, 5)), ("4", date(2021, 2, 6)), ("5", date(2021, 3, 5)), *JANUARY,
    ]  # fmt: skip

    # A second load: February loses a press, March gets a new one, January is untouched
    # (3 of 22 rows in changed months, within REBASE_SHARE).
    raw_warehouse.execute("DELETE FROM raw.nps_feedback WHERE feedbackId = '4'")
    raw_warehouse.execute(
        "INSERT INTO raw.nps_feedback VALUES ('6', 'nps/2021-03.csv', 2, DATE '2021-03-06', ?)", [T2]
    )
    copy = publish_source_copy(raw_warehouse, refresh_id="r2")
    assert _bases(copy) == [base] and copy.with_name(base).stat().st_mtime_ns == base_stamp
    assert _own_rows(copy) == ["3", "5", "6"]  # February and March, whole
    assert _seen(copy, tmp_path) == [
        ("3", date(2021, 2, 5)), ("5", date(2021, 3, 5)), ("6", date(2021, 3, 6)), *JANUARY,
    ]  # fmt: skip

    # A month emptied: its rows in the base are no longer read.
    raw_warehouse.execute("DELETE FROM raw.nps_feedback WHERE _partition_date >= DATE '2021-03-01'")
    copy = publish_source_copy(raw_warehouse, refresh_id="r3")
    assert _bases(copy) == [base]
    assert _own_rows(copy) == ["3"]
    assert _seen(copy, tmp_path) == [("3", date(2021, 2, 5)), *JANUARY]


def test_a_new_base_when_the_changes_outgrow_it_or_the_columns_change(raw_warehouse, tmp_path):
    copy = publish_source_copy(raw_warehouse, refresh_id="r1")
    (first,) = _bases(copy)
    # January changes: 21 of 24 rows would be the copy's own, beyond REBASE_SHARE.
    raw_warehouse.execute(
        "INSERT INTO raw.nps_feedback VALUES ('6', 'nps/2021-01.csv', 21, DATE '2021-01-07', ?)", [T2]
    )
    copy = publish_source_copy(raw_warehouse, refresh_id="r2")
    second = [b for b in _bases(copy) if b != first]
    assert len(second) == 1 and first in _bases(copy)  # the previous copy's base is kept
    assert _own_rows(copy) == []
    everything = ["3", "4", "5", "6", *(j for j, _ in JANUARY)]
    assert [r[0] for r in _seen(copy, tmp_path)] == everything

    # New columns in raw: the base's no longer match, so a third base, and the first goes.
    raw_warehouse.execute("ALTER TABLE raw.nps_feedback ADD COLUMN ui VARCHAR")
    copy = publish_source_copy(raw_warehouse, refresh_id="r3")
    assert first not in _bases(copy) and second[0] in _bases(copy) and len(_bases(copy)) == 2
    assert [r[0] for r in _seen(copy, tmp_path)] == everything


def test_a_source_that_is_a_view_is_copied_as_its_rows(raw_warehouse, tmp_path):
    raw_warehouse.execute("CREATE VIEW staging.ref_service_areas AS SELECT 'KIR' AS code, 'service_area' AS kind")
    copy = publish_source_copy(raw_warehouse, refresh_id="r1")
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute("SELECT code, kind FROM staging.ref_service_areas").fetchall() == [
            ("KIR", "service_area")
        ]
