"""The dbt generic test `raw_rows_accounted` (assets/tests/generic/): its SQL on hand-made tables.

The test is rendered with Jinja as dbt would render it (sources and window macros
replaced by plain names and dates) and run on a DuckDB holding a raw table and a
typed model whose records were lost, repeated and invented on purpose; the rows it
returns are worked out by hand below.
"""

from __future__ import annotations

from datetime import date

import duckdb
import jinja2
import pytest

from kuva_pipeline.dbt_project import DBT_DIR

MACRO = DBT_DIR / "tests" / "generic" / "raw_rows_accounted.sql"


def render(windowed: bool) -> str:
    text = MACRO.read_text(encoding="utf-8")
    text = text.replace("{% test raw_rows_accounted(", "{% macro raw_rows_accounted(")
    text = text.replace("{% endtest %}", "{% endmacro %}")
    module = jinja2.Environment().from_string(text).make_module(
        {
            "source": lambda schema, table: f"{schema}.{table}",
            "window_start": lambda: "DATE '2021-03-01'",
            "window_end": lambda: "DATE '2021-03-31'",
        }
    )
    return str(module.raw_rows_accounted("staging.typed", ["part_a", "part_b"], windowed=windowed))


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute("CREATE SCHEMA raw; CREATE SCHEMA staging")
    rows = "_source_file VARCHAR, _record_index BIGINT, _partition_date DATE"
    c.execute(f"CREATE TABLE raw.part_a ({rows}); CREATE TABLE raw.part_b ({rows})")
    c.execute(f"CREATE TABLE staging.typed ({rows})")
    march, april = date(2021, 3, 5), date(2021, 4, 2)
    c.executemany("INSERT INTO raw.part_a VALUES (?, ?, ?)", [
        ("a.csv", 1, march), ("a.csv", 2, march), ("a.csv", 3, march), ("x.csv", 1, april)])
    c.executemany("INSERT INTO raw.part_b VALUES (?, ?, ?)", [("b.json", 1, march), ("b.json", 2, march)])
    c.executemany("INSERT INTO staging.typed VALUES (?, ?, ?)", [
        ("a.csv", 1, march), ("a.csv", 1, march),  # a.csv 1 twice (a join that fanned out)
        ("a.csv", 3, march),                       # a.csv 2 lost
        ("b.json", 1, march), ("b.json", 2, march),
        ("b.json", 9, march),                      # a record raw never had
        ("y.csv", 1, april),                       # outside the window
    ])
    yield c
    c.close()


def test_it_names_every_record_lost_repeated_or_invented_in_the_window(con):
    found = con.execute(f"SELECT * FROM ({render(windowed=True)}) ORDER BY 1, 2").fetchall()
    assert found == [
        ("a.csv", 1, 1, 2),
        ("a.csv", 2, 1, 0),
        ("b.json", 9, 0, 1),
    ]


def test_an_unwindowed_source_is_compared_whole(con):
    found = con.execute(f"SELECT * FROM ({render(windowed=False)}) ORDER BY 1, 2").fetchall()
    assert found == [
        ("a.csv", 1, 1, 2),
        ("a.csv", 2, 1, 0),
        ("b.json", 9, 0, 1),
        ("x.csv", 1, 1, 0),
        ("y.csv", 1, 0, 1),
    ]


def test_records_accounted_once_each_pass(con):
    con.execute("DELETE FROM staging.typed")
    con.execute("INSERT INTO staging.typed SELECT * FROM raw.part_a UNION ALL SELECT * FROM raw.part_b")
    assert con.execute(f"SELECT count(*) FROM ({render(windowed=False)})").fetchone() == (0,)


def test_a_record_swapped_for_another_in_a_long_file_is_named(con):
    # Equal counts per file, one record replaced by a copy of another: only the records
    # themselves can tell, and only that file's are compared.
    con.execute("DELETE FROM raw.part_a; DELETE FROM raw.part_b; DELETE FROM staging.typed")
    con.execute("INSERT INTO raw.part_a SELECT 'big.csv', i, DATE '2021-03-10' FROM range(1, 5001) t(i)")
    con.execute("INSERT INTO raw.part_a SELECT 'other.csv', i, DATE '2021-03-11' FROM range(1, 301) t(i)")
    con.execute("INSERT INTO staging.typed SELECT * FROM raw.part_a WHERE _record_index <> 4321 OR _source_file <> 'big.csv'")
    con.execute("INSERT INTO staging.typed VALUES ('big.csv', 17, DATE '2021-03-10')")
    found = con.execute(f"SELECT * FROM ({render(windowed=True)}) ORDER BY 1, 2").fetchall()
    assert found == [("big.csv", 17, 1, 2), ("big.csv", 4321, 1, 0)]


def test_a_typed_record_without_a_file_is_named(con):
    con.execute("DELETE FROM staging.typed")
    con.execute("INSERT INTO staging.typed SELECT * FROM raw.part_a UNION ALL SELECT * FROM raw.part_b")
    con.execute("INSERT INTO staging.typed VALUES (NULL, 1, DATE '2021-03-05')")
    assert con.execute(f"SELECT * FROM ({render(windowed=True)})").fetchall() == [(None, 1, 0, 1)]
