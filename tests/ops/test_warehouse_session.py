"""A step's session: one warehouse connection for the whole step, closed when it ends."""

from __future__ import annotations

import duckdb
import pytest

from kuva_pipeline.resources import WarehouseResource


def test_inside_a_session_every_connect_is_the_sessions_connection(tmp_path):
    warehouse = WarehouseResource(path=str(tmp_path / "kuva.duckdb"))
    with warehouse.session() as con:
        con.execute("CREATE TEMP TABLE scratch AS SELECT 42 AS answer")
        with warehouse.connect() as inner, warehouse.connect(read_only=True) as reader:
            # A temporary table lives in one connection only: these see it, so they are it.
            assert inner.execute("SELECT answer FROM scratch").fetchone() == (42,)
            assert reader.execute("SELECT answer FROM scratch").fetchone() == (42,)
        with warehouse.session() as nested:
            assert nested.execute("SELECT answer FROM scratch").fetchone() == (42,)
        # Leaving an inner connect or a nested session does not close it.
        assert con.execute("SELECT 1").fetchone() == (1,)
    with pytest.raises(duckdb.ConnectionException):
        con.execute("SELECT 1")


def test_outside_a_session_each_connect_is_its_own_and_closed(tmp_path):
    warehouse = WarehouseResource(path=str(tmp_path / "kuva.duckdb"))
    with warehouse.connect() as first:
        first.execute("CREATE TEMP TABLE scratch AS SELECT 1 AS x")
    with pytest.raises(duckdb.ConnectionException):
        first.execute("SELECT 1")
    with warehouse.connect() as second:
        missing = second.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'scratch'"
        ).fetchone()
        assert missing == (0,)


def test_a_failing_step_still_closes_its_session(tmp_path):
    warehouse = WarehouseResource(path=str(tmp_path / "kuva.duckdb"))
    with pytest.raises(RuntimeError), warehouse.session() as con:
        raise RuntimeError("the step failed")
    with pytest.raises(duckdb.ConnectionException):
        con.execute("SELECT 1")
    # Another process could take the write lock now; here, a new session opens.
    with warehouse.session() as again:
        assert again.execute("SELECT 1").fetchone() == (1,)


def test_another_thread_of_the_step_gets_a_cursor_of_the_session_with_its_settings(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    warehouse = WarehouseResource(path=str(tmp_path / "kuva.duckdb"))
    with warehouse.session() as con:
        con.execute("CREATE TEMP TABLE scratch AS SELECT 42 AS answer")
        con.execute("CREATE TABLE main.shared AS SELECT 7 AS x")

        def in_thread(_):
            with warehouse.connect() as cur:
                own_temp = cur.execute(
                    "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'scratch'"
                ).fetchone()[0]
                return (
                    cur is con,
                    own_temp,
                    cur.execute("SELECT x FROM main.shared").fetchone()[0],
                    cur.execute("SELECT current_setting('TimeZone')").fetchone()[0],
                    # The SQL macros: 1.3.2024 9:05 read as a Finnish time.
                    str(cur.execute("SELECT fi_timestamp('1.3.2024 9:05')").fetchone()[0]),
                )

        with ThreadPoolExecutor(2) as pool:
            seen = list(pool.map(in_thread, range(2)))
        # Not the session's connection (its temporary table is not there), the same database.
        assert seen == [(False, 0, 7, "Europe/Helsinki", "2024-03-01 09:05:00")] * 2
        # The session itself is untouched and still the step's own thread's connection.
        with warehouse.connect() as again:
            assert again is con and again.execute("SELECT answer FROM scratch").fetchone() == (42,)
