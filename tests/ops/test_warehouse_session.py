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
