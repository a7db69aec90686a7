"""Time travel: the scorecard as it would have been computed on a past day.

`kuva scorecard --as-of 2021-06-30` runs the same dbt models as the pipeline,
with the var `as_of`, into a scratch DuckDB (the dbt target `time_travel`)
that attaches the warehouse read-only. The scratch database's sources are
views over the warehouse limited to what was known that day: raw rows of days
up to the as-of day that had been loaded by its end, and check-ins dated by
then. Nothing in the warehouse changes, and there is no second executor: the
models, their order and the scoring are dbt's.

Data backfilled later (the bundled sample, say) was not known on a past day;
`ignore_load_time=True` asks instead what today's data says about the days up
to the as-of day. What each refresh actually showed is kept in
`marts.scorecard_history`.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import duckdb

from kuva_pipeline import settings
from kuva_pipeline.dbt_project import (
    DBT_DIR,
    dbt_executable,
    load_manifest,
    warehouse_env,
)
from kuva_pipeline.partitions import FIRST_DAY

MIRRORED_SCHEMAS = ("raw", "catalog", "staging", "quality")
"""Schemas holding dbt sources: raw tables, reference data, the catalog, check results."""

SCORED = "marts__scorecard"


class TimeTravelError(RuntimeError):
    """The past scorecard could not be rebuilt; the message says why."""


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _source_tables() -> dict[str, set[str]]:
    """The dbt sources, schema -> tables, from the manifest."""
    manifest = load_manifest()
    found: dict[str, set[str]] = {}
    for source in manifest["sources"].values():
        found.setdefault(source["schema"], set()).add(source["name"])
    return found


def _mirror(scratch: Path, warehouse: str, as_of: date, ignore_load_time: bool) -> None:
    """Views in the scratch database over the warehouse's sources, raw limited to `as_of`."""
    cutoff = datetime.combine(as_of + timedelta(days=1), time.min)
    sources = _source_tables()
    con = duckdb.connect(str(scratch))
    try:
        con.execute(f"ATTACH {_lit(warehouse)} AS wh (READ_ONLY)")
        present = {
            (s, t): {c for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = 'wh' "
                "AND schema_name = ? AND table_name = ?", [s, t]).fetchall()}
            for s, t in con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'wh' "
                "UNION ALL SELECT schema_name, view_name FROM duckdb_views() "
                "WHERE database_name = 'wh' AND NOT internal"
            ).fetchall()
        }
        for schema in MIRRORED_SCHEMAS:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        for (schema, table), cols in present.items():
            if table not in sources.get(schema, ()):
                continue
            where = []
            if schema == "raw" and "_partition_date" in cols:
                where.append(f"_partition_date <= DATE {_lit(as_of.isoformat())}")
            if schema == "raw" and "_loaded_at" in cols and not ignore_load_time:
                where.append(f"_loaded_at < TIMESTAMP {_lit(cutoff.isoformat(sep=' '))}")
            filt = f" WHERE {' AND '.join(where)}" if where else ""
            con.execute(
                f'CREATE OR REPLACE VIEW {schema}."{table}" AS '
                f'SELECT * FROM wh.{schema}."{table}"{filt}'
            )
        if ("quality", "check_results") not in present:
            # No check has recorded a verdict yet: the scoring inputs read an empty history.
            from kuva_pipeline.quality.results import ensure_table

            ensure_table(con)
    finally:
        con.close()


def _run_models(scratch: Path, warehouse: str, as_of: date, year: int) -> None:
    """dbt runs every model the scorecard needs, as of the day, into the scratch database.

    dbt runs as its own process, so no connection to the warehouse or the
    scratch file outlives it in this one.
    """
    dbt_vars = {
        "as_of": as_of.isoformat(),
        "year": year,
        "partition_start": FIRST_DAY,
        "partition_end": as_of.isoformat(),
    }
    args = [
        dbt_executable(), "run", "--quiet", "--log-format", "json", "--target", "time_travel",
        "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
        "--target-path", str(scratch.parent / "target"), "--log-path", str(scratch.parent),
        "--select", f"+{SCORED}", "--vars", json.dumps(dbt_vars),
    ]
    with warehouse_env(Path(warehouse), KUVA_TIME_TRAVEL_PATH=str(scratch)):
        done = subprocess.run(args, capture_output=True, text=True, env=dict(os.environ))
    if done.returncode != 0:
        messages = []
        for line in done.stdout.splitlines():
            try:
                info = json.loads(line).get("info", {})
            except ValueError:
                continue
            if info.get("level") == "error" and info.get("msg"):
                messages.append(info["msg"].strip())
        detail = " ".join(messages) or done.stderr.strip() or f"dbt exited with {done.returncode}"
        raise TimeTravelError(f"the models could not be run as of {as_of}: {detail}")


def scorecard_as_of(
    as_of: date,
    year: int | None = None,
    database: str | None = None,
    ignore_load_time: bool = False,
) -> list[dict]:
    """The scorecard rows of `year` (default: the as-of day's year) as known on `as_of`."""
    from kuva_pipeline.report import ScorecardUnavailable

    if year is not None and as_of.year != year:
        raise ScorecardUnavailable(
            f"--as-of {as_of} is not in {year}: time travel scores a year's scorecard on one of its days"
        )
    path = str(Path(database).resolve()) if database else str(settings.path_setting("KUVA_WAREHOUSE_PATH"))
    try:
        con = duckdb.connect(path, read_only=True)
    except duckdb.Error as exc:
        raise ScorecardUnavailable(f"cannot open the warehouse {path}: {exc}") from exc
    try:
        has_catalog = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'catalog' "
            "AND table_name = 'dim_scorecard'"
        ).fetchone()[0]
    finally:
        con.close()
    if not has_catalog:
        raise ScorecardUnavailable(f"{path} has no catalog yet: run `kuva refresh` first")
    with tempfile.TemporaryDirectory(prefix="kuva_time_travel_") as tmp:
        scratch = Path(tmp) / "as_of.duckdb"
        _mirror(scratch, path, as_of, ignore_load_time)
        try:
            _run_models(scratch, path, as_of, year or as_of.year)
        except TimeTravelError as exc:
            raise ScorecardUnavailable(str(exc)) from exc
        con = duckdb.connect(str(scratch), read_only=True)
        try:
            cursor = con.execute("SELECT * FROM marts.scorecard ORDER BY scorecard_id, goal_id, meter_id")
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            con.close()
