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

`bi_as_of` runs the published models too (`bi.scorecard`, `bi.goals`,
`bi.scorecards`, `bi.checkins`), so a past day comes out labelled exactly as a
published one. The scorecard view computes days that were not published that
way, against the copy of the warehouse's dbt sources each publication writes beside
it (`source_copy_path`, and the base file it names for the raw months that did not
change), never against the live warehouse file.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import duckdb

from kuva_pipeline import settings
from kuva_pipeline.dbt_plugin import BASE_ALIAS, BASE_ENV
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

BI_AS_OF = {
    "scorecard": "bi__scorecard",
    "goals": "bi__goals",
    "scorecards": "bi__scorecards",
    "checkins": "bi__checkins",
}
"""The published tables time travel rebuilds for one day: bi table -> dbt model."""

SOURCE_COPY_META = "_source_copy"
"""Table of a source copy naming the refresh that wrote it (refresh_id, copied_at)."""

SOURCE_BASE_META = "_source_base"
"""Table of a source copy naming its base (file, in the same folder) and the raw tables'
columns when the base was taken; absent when the copy holds every row itself."""

SOURCE_MONTHS_META = "_source_months"
"""Table of a source copy with a base: each month of each raw table (table_name 'raw.<t>',
month) and whether its rows are read from the base (from_base) or from the copy."""


def source_copy_path(warehouse: Path) -> Path:
    """Where a publication puts the copy of the warehouse's sources time travel reads.

    Beside the warehouse, not beside the BI snapshot: it holds the raw layer, personal
    data included, so it belongs where the warehouse is kept.
    """
    warehouse = Path(warehouse)
    return warehouse.with_name(f"{warehouse.stem}_as_of_sources.duckdb")


class TimeTravelError(RuntimeError):
    """The past scorecard could not be rebuilt; the message says why."""


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def source_tables() -> dict[str, set[str]]:
    """The dbt sources, schema -> tables, from the manifest."""
    manifest = load_manifest()
    found: dict[str, set[str]] = {}
    for source in manifest["sources"].values():
        found.setdefault(source["schema"], set()).add(source["name"])
    return found


def attach_base(con: duckdb.DuckDBPyConnection, warehouse: str) -> Path | None:
    """Attach the base of the source copy attached as `wh` (as `BASE_ALIAS`); its path, or
    None for a warehouse or a copy that holds every row itself."""
    named = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'wh' AND schema_name = 'main' "
        "AND table_name = ?",
        [SOURCE_BASE_META],
    ).fetchone()[0]
    if not named:
        return None
    (file,) = con.execute(f"SELECT file FROM wh.main.{SOURCE_BASE_META}").fetchone()
    base = Path(warehouse).with_name(file)
    if not base.is_file():
        raise TimeTravelError(
            f"the source copy {warehouse} reads most raw rows from {base.name}, which is gone; "
            "the next `kuva refresh` writes both again"
        )
    con.execute(f"ATTACH {_lit(str(base))} AS {BASE_ALIAS} (READ_ONLY)")
    return base


def _mirror(scratch: Path, warehouse: str, as_of: date, ignore_load_time: bool) -> Path | None:
    """Views in the scratch database over the warehouse's sources, raw limited to `as_of`.

    Over a source copy with a base, a raw table is the base's rows of the months the copy
    reads from it and the copy's own rows of the others. Returns the base's path, if any.
    """
    cutoff = datetime.combine(as_of + timedelta(days=1), time.min)
    sources = source_tables()
    con = duckdb.connect(str(scratch))
    try:
        con.execute(f"ATTACH {_lit(warehouse)} AS wh (READ_ONLY)")
        base = attach_base(con, warehouse)
        split = (
            {t for (t,) in con.execute(f"SELECT DISTINCT table_name FROM wh.main.{SOURCE_MONTHS_META}").fetchall()}
            if base is not None
            else set()
        )
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
            rows = f'wh.{schema}."{table}"'
            if f"{schema}.{table}" in split:
                rows = (
                    f'(SELECT * FROM {BASE_ALIAS}.{schema}."{table}" '
                    "WHERE date_trunc('month', _partition_date)::DATE IN "
                    f"(SELECT month FROM wh.main.{SOURCE_MONTHS_META} "
                    f"WHERE table_name = {_lit(f'{schema}.{table}')} AND from_base) "
                    f'UNION ALL BY NAME SELECT * FROM wh.{schema}."{table}")'
                )
            con.execute(f'CREATE OR REPLACE VIEW {schema}."{table}" AS SELECT * FROM {rows}{filt}')
        if ("quality", "check_results") not in present:
            # No check has recorded a verdict yet: the scoring inputs read an empty history.
            from kuva_pipeline.quality.results import ensure_table

            ensure_table(con)
        return base
    finally:
        con.close()


def _run_models(
    scratch: Path,
    warehouse: str,
    as_of: date,
    year: int,
    models: tuple[str, ...] = (SCORED,),
    base: Path | None = None,
) -> None:
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
        "--select", *(f"+{m}" for m in models), "--vars", json.dumps(dbt_vars),
    ]
    extra = {"KUVA_TIME_TRAVEL_PATH": str(scratch), BASE_ENV: str(base) if base else None}
    with warehouse_env(Path(warehouse), **extra):
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


@contextlib.contextmanager
def _scratch_as_of(
    as_of: date,
    year: int | None,
    database: str | None,
    ignore_load_time: bool,
    models: tuple[str, ...] = (SCORED,),
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a scratch database holding `models` (and what they need)
    as of `as_of`, with the warehouse attached as `wh` for the views over its sources."""
    from kuva_pipeline.report import ScorecardUnavailable

    if year is not None and as_of.year != year:
        raise ScorecardUnavailable(
            f"--as-of {as_of} is not in {year}: time travel scores a year's scorecard on one of its days"
        )
    path = str(Path(database).resolve()) if database else str(settings.path_setting("KUVA_WAREHOUSE_PATH"))
    if not Path(path).exists():
        raise ScorecardUnavailable(f"no warehouse at {path} yet: run `kuva refresh` first")
    try:
        con = duckdb.connect(path, read_only=True)
    except duckdb.Error as exc:
        raise ScorecardUnavailable(f"cannot open the warehouse {path}: {str(exc).splitlines()[0]}") from None
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
        try:
            base = _mirror(scratch, path, as_of, ignore_load_time)
            _run_models(scratch, path, as_of, year or as_of.year, models, base)
        except TimeTravelError as exc:
            raise ScorecardUnavailable(str(exc)) from exc
        # Writable, so a caller can attach a file to copy results into; the scratch
        # database is thrown away with its folder anyway.
        con = duckdb.connect(str(scratch))
        try:
            con.execute(f"ATTACH {_lit(path)} AS wh (READ_ONLY)")
            attach_base(con, path)
            yield con
        finally:
            con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def scorecard_as_of(
    as_of: date,
    year: int | None = None,
    database: str | None = None,
    ignore_load_time: bool = False,
) -> list[dict]:
    """The scorecard rows of `year` (default: the as-of day's year) as known on `as_of`."""
    with _scratch_as_of(as_of, year, database, ignore_load_time) as con:
        return _rows(con, "SELECT * FROM marts.scorecard ORDER BY scorecard_id, goal_id, meter_id")


def bi_as_of(
    as_of: date,
    year: int | None = None,
    database: str | None = None,
    ignore_load_time: bool = False,
) -> dict[str, list[dict]]:
    """The published tables of `BI_AS_OF` as a publication on `as_of` would have held them.

    Only the scorecards of the as-of day's year are scored; `checkins` holds the
    check-ins dated by that day.
    """
    models = tuple(BI_AS_OF.values())
    with _scratch_as_of(as_of, year, database, ignore_load_time, models) as con:
        return {table: _rows(con, f"SELECT * FROM bi.{table}") for table in BI_AS_OF}


def write_bi_as_of(
    as_of: date,
    out: Path,
    database: str | None = None,
    ignore_load_time: bool = False,
) -> None:
    """Write `bi_as_of`'s tables into the DuckDB file `out` (schema bi), replacing it whole.

    `bi._as_of` (as_of, refresh_id, computed_at) names the day and, when the database
    is a source copy, the refresh that wrote the copy.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.name}.tmp-{secrets.token_hex(4)}")
    models = tuple(BI_AS_OF.values())
    try:
        with _scratch_as_of(as_of, None, database, ignore_load_time, models) as con:
            refresh_id = source_copy_refresh_id(con, "wh")
            con.execute(f"ATTACH {_lit(str(tmp))} AS out_file")
            try:
                con.execute("CREATE SCHEMA out_file.bi")
                for table in BI_AS_OF:
                    con.execute(f"CREATE TABLE out_file.bi.{table} AS SELECT * FROM bi.{table}")
                con.execute(
                    "CREATE TABLE out_file.bi._as_of AS SELECT ?::DATE AS as_of, "
                    "?::VARCHAR AS refresh_id, now()::TIMESTAMPTZ AS computed_at",
                    [as_of, refresh_id],
                )
                con.execute("CHECKPOINT out_file")
            finally:
                con.execute("DETACH out_file")
        os.replace(tmp, out)
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)


def source_copy_refresh_id(con: duckdb.DuckDBPyConnection, database: str | None = None) -> str | None:
    """The refresh that wrote the source copy open in `con` (or attached as `database`), if any."""
    db = database or con.execute("SELECT current_database()").fetchone()[0]
    present = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' "
        "AND table_name = ?",
        [db, SOURCE_COPY_META],
    ).fetchone()[0]
    if not present:
        return None
    row = con.execute(f'SELECT refresh_id FROM "{db}".main.{SOURCE_COPY_META}').fetchone()
    return row[0] if row else None
