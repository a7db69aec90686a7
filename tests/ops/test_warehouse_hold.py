"""A run holds the warehouse open between its units of work, and lets go when told.

`kuva refresh` runs every step in its own process (the in-process executor);
inside `resources.holding()` the DuckDB instance stays open from the first
connection to the end of the run, and every `connect()` is a cursor of it.
Another process must still get in when the run lets go (`release_held`), and
nothing stays locked after the block.
"""

from __future__ import annotations

import subprocess
import sys

import duckdb

from kuva_pipeline.resources import WarehouseResource, holding, holds_any, release_held

OTHER_PROCESS = """
import sys, duckdb
try:
    duckdb.connect(sys.argv[1], read_only=True).close()
except duckdb.IOException as exc:
    print("locked" if "lock" in str(exc).lower() else f"other error: {exc}")
else:
    print("opened")
"""


def _another_process_opens(path) -> str:
    out = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, str(path)], capture_output=True, text=True, timeout=60
    )
    return out.stdout.strip() or out.stderr.strip()


def _instance_marked(con) -> bool:
    """An in-memory database attached to an instance is seen by every connection of it only."""
    return (
        con.execute(
            "SELECT count(*) FROM duckdb_databases() WHERE database_name = 'hold_marker'"
        ).fetchone()[0]
        == 1
    )


def _first_unit_of_work(warehouse: WarehouseResource, x: int) -> None:
    """Marks the instance it runs on and writes raw.t = [x]."""
    with warehouse.connect() as con:
        con.execute("ATTACH ':memory:' AS hold_marker")
        con.execute(f"CREATE TABLE raw.t AS SELECT {x} AS x")


def test_inside_holding_every_connection_shares_the_instance_until_the_block_ends(tmp_path):
    path = tmp_path / "kuva.duckdb"
    warehouse = WarehouseResource(path=str(path))
    with holding():
        _first_unit_of_work(warehouse, 7)
        # Between two units of work the file stays open: another process finds it locked.
        assert holds_any()
        assert _another_process_opens(path) == "locked"
        with warehouse.connect(read_only=True) as reader:
            assert _instance_marked(reader)
            assert reader.execute("SELECT x FROM raw.t").fetchone() == (7,)
        # dbt-duckdb connects with the path and no settings: the same instance.
        dbt_like = duckdb.connect(str(path), read_only=False, config={})
        try:
            assert _instance_marked(dbt_like)
        finally:
            dbt_like.close()
        # Every connection still gets the settings a unit of work relies on.
        with warehouse.connect() as con:
            assert con.execute("SELECT current_setting('TimeZone')").fetchone() == (
                "Europe/Helsinki",
            )
            assert con.execute("SELECT current_setting('max_vacuum_tasks')").fetchone() == (0,)
            assert con.execute("SELECT fi_number('1 234,5')").fetchone() == (1234.5,)
    assert not holds_any()
    assert _another_process_opens(path) == "opened"
    with warehouse.connect() as con:
        assert not _instance_marked(con)
        assert con.execute("SELECT x FROM raw.t").fetchone() == (7,)


def test_release_lets_another_process_in_and_the_next_connection_opens_the_file_again(tmp_path):
    path = tmp_path / "kuva.duckdb"
    warehouse = WarehouseResource(path=str(path))
    with holding():
        _first_unit_of_work(warehouse, 1)
        release_held()
        assert not holds_any()
        assert _another_process_opens(path) == "opened"
        with warehouse.connect() as con:
            assert not _instance_marked(con)  # a new instance
            con.execute("INSERT INTO raw.t VALUES (2)")
        assert holds_any()
    # What was written before and after the release is all in the file.
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert con.execute("SELECT list(x ORDER BY x) FROM raw.t").fetchone() == ([1, 2],)
    finally:
        con.close()


def test_outside_holding_nothing_stays_open_between_units_of_work(tmp_path):
    path = tmp_path / "kuva.duckdb"
    warehouse = WarehouseResource(path=str(path))
    with warehouse.connect() as con:
        con.execute("ATTACH ':memory:' AS hold_marker")
    assert not holds_any()
    assert _another_process_opens(path) == "opened"
    with warehouse.connect() as con:
        assert not _instance_marked(con)
