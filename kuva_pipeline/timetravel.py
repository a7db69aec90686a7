"""Time travel: the scorecard as it would have been computed on a past day.

`kuva scorecard --as-of 2021-06-30` rebuilds, in an in-memory DuckDB that
reads the warehouse read-only, what was known that day: raw rows of days up
to the as-of day that had been loaded by its end, run again through the same
SQL models, and check-ins dated by then, scored by the same function the
pipeline uses. Nothing in the warehouse changes.

Data backfilled later (the bundled sample, say) was not known on a past day;
`ignore_load_time=True` asks instead what today's data says about the days up
to the as-of day. What each refresh actually showed is kept in
`marts.scorecard_history`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from graphlib import TopologicalSorter

import duckdb
import pandas as pd

from kuva_pipeline import settings, sqlmacros
from kuva_pipeline.partitions import FIRST_DAY
from kuva_pipeline.sqlmodels import SqlModel, discover_models

MIRRORED_SCHEMAS = ("raw", "staging", "quarantine", "meters", "marts", "quality")
RECOMPUTED_LAYERS = ("staging", "marts", "meters")


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _order(models: list[SqlModel]) -> list[SqlModel]:
    by_table = {m.table: m for m in models}
    graph = {m.table: {d for d in m.deps if d in by_table} for m in models}
    return [by_table[t] for t in TopologicalSorter(graph).static_order()]


def _mirror(con: duckdb.DuckDBPyConnection, as_of: date, ignore_load_time: bool) -> None:
    """Views over the attached warehouse, raw rows limited to what was known by `as_of`."""
    cutoff = datetime.combine(as_of + timedelta(days=1), time.min)
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'wh' "
        "UNION ALL SELECT schema_name, view_name FROM duckdb_views() "
        "WHERE database_name = 'wh' AND NOT internal"
    ).fetchall()
    for schema in MIRRORED_SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for schema, table in tables:
        if schema not in MIRRORED_SCHEMAS:
            continue
        cols = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name='wh' "
                "AND schema_name=? AND table_name=?",
                [schema, table],
            ).fetchall()
        }
        where = []
        if schema == "raw" and "_partition_date" in cols:
            where.append(f"_partition_date <= DATE {_lit(as_of.isoformat())}")
        if schema == "raw" and "_loaded_at" in cols and not ignore_load_time:
            where.append(f"_loaded_at < TIMESTAMP {_lit(cutoff.isoformat(sep=' '))}")
        filt = f" WHERE {' AND '.join(where)}" if where else ""
        con.execute(
            f'CREATE OR REPLACE VIEW {schema}."{table}" AS SELECT * FROM wh.{schema}."{table}"{filt}'
        )


def _recompute(con: duckdb.DuckDBPyConnection, as_of: date, year: int | None) -> None:
    """Run the SQL models again over the mirrored raw data, with the one as-of day."""
    params = {"partition_start": date.fromisoformat(FIRST_DAY), "partition_end": as_of}
    con.execute("DROP VIEW IF EXISTS marts.as_of_dates")
    con.execute(
        "CREATE OR REPLACE TABLE marts.as_of_dates AS "
        "SELECT scorecard_id, year, ?::DATE AS as_of, 'time_travel' AS as_of_kind "
        "FROM wh.marts.dim_scorecard WHERE year = ?",
        [as_of, year or as_of.year],
    )
    models = [
        m
        for m in discover_models()
        if m.schema in RECOMPUTED_LAYERS and m.table != "marts.as_of_dates"
    ]
    for model in _order(models):
        sql = model.sql
        if model.quarantine:
            sql = f"SELECT * EXCLUDE (_reject_reason) FROM ({sql}) WHERE _reject_reason IS NULL"
        used = {k: v for k, v in params.items() if f"${k}" in model.sql}
        con.execute(f"DROP VIEW IF EXISTS {model.table}")
        con.execute(f"CREATE OR REPLACE TABLE {model.table} AS {sql}", used)
        if model.table == "marts.checkins":
            con.execute("DELETE FROM marts.checkins WHERE checkin_date > ?", [as_of])


def scorecard_as_of(
    as_of: date,
    year: int | None = None,
    database: str | None = None,
    ignore_load_time: bool = False,
) -> list[dict]:
    """The scorecard rows of `year` (default: the as-of day's year) as known on `as_of`."""
    from kuva_pipeline.defs.scorecard import compute_scorecard
    from kuva_pipeline.report import ScorecardUnavailable

    if year is not None and as_of.year != year:
        raise ScorecardUnavailable(
            f"--as-of {as_of} is not in {year}: time travel scores a year's scorecard on one of its days"
        )
    path = database or str(settings.path_setting("KUVA_WAREHOUSE_PATH"))
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'Europe/Helsinki'")
        sqlmacros.install(con)
        try:
            con.execute(f"ATTACH {_lit(path)} AS wh (READ_ONLY)")
        except duckdb.Error as exc:
            raise ScorecardUnavailable(f"cannot open the warehouse {path}: {exc}") from exc
        has_catalog = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name='wh' "
            "AND schema_name='marts' AND table_name='dim_scorecard'"
        ).fetchone()[0]
        if not has_catalog:
            raise ScorecardUnavailable(f"{path} has no catalog yet: run `kuva refresh` first")
        _mirror(con, as_of, ignore_load_time)
        _recompute(con, as_of, year)
        df: pd.DataFrame = compute_scorecard(con)
    finally:
        con.close()
    df = df.astype(object).where(df.notna(), None)
    return df.to_dict("records")
