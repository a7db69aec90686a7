"""A SQL check's query runs once: its offending rows are counted and shown from one result."""

from __future__ import annotations

from datetime import date

import duckdb

from kuva_pipeline.quality.pipeline import run_sql_check
from kuva_pipeline.quality.suites import SqlCheck
from tests.quality.test_sql_rules import CountingConnection


def test_the_query_runs_once_for_the_count_and_the_first_rows(tmp_path):
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging")
    con.execute(
        "CREATE TABLE staging.t AS SELECT i AS id, DATE '2021-03-01' + (i % 40)::INTEGER AS day FROM range(1, 101) r(i)"
    )
    check = SqlCheck(
        path=tmp_path / "t_days_in_march.sql", name="t_days_in_march", asset="staging.t", severity="WARN",
        why="w", description="d",
        # 100 days from 1.3. in steps of a day, 40 apart: those past 31.3. are the offences.
        sql="SELECT id, day /* marker */ FROM staging.t WHERE day > $partition_end ORDER BY id DESC",
    )
    recording = CountingConnection(con)
    result = run_sql_check(recording, check, {"partition_end": date(2021, 3, 31)})
    # i % 40 is 31..39 for 9 values of i in each full run of 40: i = 31..39, 71..79 -> 18 rows.
    assert result.failed_rows == 18 and result.success is False
    assert [e["id"] for e in result.examples] == [79, 78, 77, 76, 75, 74, 73, 72, 71, 39]
    assert sum("/* marker */" in s for s in recording.statements) == 1
    # Nothing is left behind on the connection.
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone() == (0,)
