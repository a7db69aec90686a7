"""Checks beyond one table's rows: raw schemas, landing freshness, and SQL checks.

Pure functions over an open DuckDB connection or the landing folder; the
factory turns their findings into asset check results.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from kuva_pipeline.quality.gx_runner import EXAMPLES, RuleResult, plain
from kuva_pipeline.quality.sql_rules import validate_types
from kuva_pipeline.quality.suites import Rule, SqlCheck
from kuva_pipeline.sources.landing import select_files
from kuva_pipeline.sources.raw import LINEAGE_TYPES, RawSource


def table_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """Column -> DuckDB type of `schema.table` (empty when the table does not exist)."""
    try:
        rows = con.execute(f"DESCRIBE {table}").fetchall()
    except duckdb.CatalogException:
        return {}
    return {r[0]: str(r[1]).upper() for r in rows}


def is_base_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """`schema.table` is a table of the warehouse (not a view): its rows have a `rowid`."""
    return con.execute(
        "SELECT count(*) FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name = ? AND table_name = ?",
        [schema, table],
    ).fetchone()[0] > 0


def missing_tables(con: duckdb.DuckDBPyConnection, tables: set[str]) -> list[str]:
    """The tables (schema.table) of `tables` that do not exist in the warehouse yet."""
    if not tables:
        return []
    present = {
        f"{s}.{t}"
        for s, t in con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
        ).fetchall()
    }
    return sorted(tables - present)


def expected_raw_types(source: RawSource) -> dict[str, str]:
    """What the raw loader creates: every source field as text, then the lineage columns."""
    return {**{f: "VARCHAR" for f in source.fields}, **LINEAGE_TYPES}


@dataclass(frozen=True)
class SchemaFinding:
    result: RuleResult
    extra_columns: list[str]

    @property
    def severity(self) -> str:
        """ERROR when a declared column is missing or retyped; extra columns only warn."""
        broken = bool(self.result.failed_rows) or bool(self.result.errors)
        return "ERROR" if broken else "WARN"


def schema_change(actual: dict[str, str], source: RawSource, name: str) -> SchemaFinding:
    """The raw table's columns against its source definition.

    A missing or retyped column breaks the staging model that reads it (ERROR);
    a column the definition no longer lists is left over from an older loader
    and only reported (WARN).
    """
    expected = expected_raw_types(source)
    rule = Rule(
        name=name,
        expect="column_types",
        severity="ERROR",
        why="schema",
        columns=expected,
    )
    result = validate_types(rule, actual)
    extra = [c for c in actual if c not in expected]
    if extra:
        result.success = False
        result.observed.append(f"column(s) not in the source definition: {', '.join(extra)}")
    return SchemaFinding(result, extra)


@dataclass(frozen=True)
class Freshness:
    newest_period_end: date | None
    newest_file: str | None
    max_age_days: int
    today: date

    @property
    def age_days(self) -> int | None:
        if self.newest_period_end is None:
            return None
        return (self.today - self.newest_period_end).days

    @property
    def fresh(self) -> bool:
        return self.age_days is not None and self.age_days <= self.max_age_days

    def detail(self, source: str) -> str:
        if self.newest_period_end is None:
            return f"{source}: no dated landing file at all (limit {self.max_age_days} days)"
        verdict = "within" if self.fresh else "beyond"
        return (
            f"{source}: newest landing file {self.newest_file} covers up to "
            f"{self.newest_period_end}, {self.age_days} days before {self.today}, "
            f"{verdict} the limit of {self.max_age_days} days"
        )

    def observed(self) -> dict[str, Any]:
        return {
            "newest_period_end": self.newest_period_end.isoformat() if self.newest_period_end else None,
            "newest_file": self.newest_file,
            "max_age_days": self.max_age_days,
            "today": self.today.isoformat(),
            "age_days": self.age_days,
        }


def landing_freshness(
    landing_root: Path, sources: list[RawSource], max_age_days: int, today: date
) -> Freshness:
    """The newest period any of the source's landing files covers, against today."""
    newest: tuple[date, str] | None = None
    for source in sources:
        folder = landing_root / source.folder
        files, _undated = select_files(
            folder, [r.pattern for r in source.readers], date(1900, 1, 1), date(9999, 12, 31)
        )
        for lf in files:
            if newest is None or lf.end > newest[0]:
                try:
                    name = lf.path.relative_to(landing_root).as_posix()
                except ValueError:
                    name = lf.path.as_posix()
                newest = (lf.end, name)
    return Freshness(
        newest_period_end=newest[0] if newest else None,
        newest_file=newest[1] if newest else None,
        max_age_days=max_age_days,
        today=today,
    )


ALL_TIME = (date(1, 1, 1), date(9999, 12, 31))
"""The affected days of a run that names none: every period."""


def sql_check_parameters(
    window: tuple[date, date] | None, affected: tuple[date, date] | None
) -> dict[str, date]:
    """The parameters a SQL check may use.

    `$affected_start` / `$affected_end`: the days the run refreshed (every day when it names
    none). A check over tables rebuilt whole (the meters) compares the periods that hold
    those days, so a nightly run reconciles this month and year, not the whole history;
    a full refresh reconciles every period. `$partition_start` / `$partition_end`: the
    check's own partition range, on a partitioned asset only.
    """
    start, end = affected or ALL_TIME
    params = {"affected_start": start, "affected_end": end}
    if window:
        params.update(partition_start=window[0], partition_end=window[1])
    return params


def run_sql_check(
    con: duckdb.DuckDBPyConnection, check: SqlCheck, params: dict[str, Any]
) -> RuleResult:
    """Evaluate a SQL check: every row it returns is an offence."""
    used = {k: v for k, v in params.items() if k in check.parameters}
    missing = check.parameters - set(used)
    result = RuleResult(check.name)
    absent = missing_tables(con, check.referenced_tables | {check.asset})
    if absent:
        result.success = False
        result.missing_tables = absent
        return result
    if missing:
        result.success = False
        result.errors.append(
            f"parameter(s) {', '.join(sorted(missing))} are not available here "
            "(partition parameters need a partitioned asset)"
        )
        return result
    # The offending rows are kept in a temporary table, so that the check's query runs once
    # for both their count and the first of them (in the query's own order).
    table = "__kuva_sql_check"
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {check.sql}", used)
        count = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        cur = con.execute(f"SELECT * FROM {table} LIMIT {EXAMPLES}")
        names = [d[0] for d in cur.description]
        rows = cur.fetchall()
    except duckdb.Error as exc:
        result.success = False
        result.errors.append(f"{check.path.name}: {str(exc).strip()}")
        return result
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    result.failed_rows = int(count)
    result.success = count == 0
    result.examples = [{n: plain(v) for n, v in zip(names, row, strict=True)} for row in rows]
    return result
