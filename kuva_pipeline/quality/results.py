"""`quality.check_results`: every check evaluation, appended and never overwritten.

One row per check per evaluation, so BI can chart a check's history and the
scorecard can ask whether a source's latest verdicts are good. `bi.quality_checks`
publishes it (assets/bi/quality_checks.sql).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb

TABLE = "quality.check_results"

COLUMNS: dict[str, tuple[str, str]] = {
    "checked_at": ("TIMESTAMP", "When the check was evaluated (UTC)."),
    "run_id": ("VARCHAR", "Dagster run that evaluated it."),
    "asset": ("VARCHAR", "Asset checked, as its key in the Dagster UI (staging/nps_responses)."),
    "check_name": ("VARCHAR", "The check, as named in checks/ and in the Dagster UI."),
    "partition": ("VARCHAR", "Helsinki days checked, start..end; null for an unpartitioned table."),
    "partition_start": ("DATE", "First day checked."),
    "partition_end": ("DATE", "Last day checked."),
    "passed": ("BOOLEAN", "The data met the rule (a waived failure is still false)."),
    "severity": ("VARCHAR", "ERROR (blocks what is downstream) or WARN (reported only)."),
    "blocking": ("BOOLEAN", "The check can stop downstream assets (its Dagster spec is blocking)."),
    "failed_rows": ("BIGINT", "Rows (or columns, periods, meters) that broke the rule."),
    "detail": ("VARCHAR", "What was found, in one sentence."),
    "examples": ("JSON", "Up to ten offending rows, named by file and record where the table has them."),
    "source": ("VARCHAR", "Source system behind the checked table (nps, varaamo, ...), if one."),
    "observed": ("JSON", "Structured observations (freshness: newest period end and the limit)."),
    "waived_by": ("VARCHAR", "Author of the waiver that accepted this failure."),
    "waiver_reason": ("VARCHAR", "Why the failure was accepted."),
    "waiver_expires": ("DATE", "Last day the waiver applies."),
}


@dataclass
class Evaluation:
    """One check's verdict, as recorded and as shown in the Dagster UI."""

    asset: str
    check_name: str
    passed: bool
    severity: str
    blocking: bool
    detail: str
    failed_rows: int | None = None
    examples: list[dict[str, Any]] = field(default_factory=list)
    source: str | None = None
    partition_start: date | None = None
    partition_end: date | None = None
    observed: dict[str, Any] = field(default_factory=dict)
    waived_by: str | None = None
    waiver_reason: str | None = None
    waiver_expires: date | None = None

    @property
    def partition(self) -> str | None:
        if self.partition_start is None or self.partition_end is None:
            return None
        return f"{self.partition_start.isoformat()}..{self.partition_end.isoformat()}"

    @property
    def blocks(self) -> bool:
        """Whether this verdict stops what is downstream."""
        return (
            not self.passed
            and self.blocking
            and self.severity == "ERROR"
            and self.waived_by is None
        )


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create the table, or add columns a newer version records; rows are never dropped."""
    con.execute("CREATE SCHEMA IF NOT EXISTS quality")
    existing = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'quality' AND table_name = 'check_results'"
        ).fetchall()
    }
    if not existing:
        cols = ", ".join(f'"{name}" {sql_type}' for name, (sql_type, _) in COLUMNS.items())
        con.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({cols})")
        con.execute(
            f"COMMENT ON TABLE {TABLE} IS 'Every data-quality check evaluation, appended, never overwritten.'"
        )
        for name, (_, description) in COLUMNS.items():
            text = description.replace("'", "''")
            con.execute(f"COMMENT ON COLUMN {TABLE}.\"{name}\" IS '{text}'")
        return
    for name, (sql_type, _) in COLUMNS.items():
        if name not in existing:
            con.execute(f'ALTER TABLE {TABLE} ADD COLUMN "{name}" {sql_type}')


def append(
    con: duckdb.DuckDBPyConnection,
    evaluations: list[Evaluation],
    run_id: str,
    checked_at: datetime,
) -> int:
    """Append the evaluations in one transaction; returns the rows written."""
    if not evaluations:
        return 0
    ensure_table(con)
    rows = [
        (
            checked_at,
            run_id,
            e.asset,
            e.check_name,
            e.partition,
            e.partition_start,
            e.partition_end,
            e.passed,
            e.severity,
            e.blocking,
            e.failed_rows,
            e.detail,
            json.dumps(e.examples, ensure_ascii=False, default=str),
            e.source,
            json.dumps(e.observed, ensure_ascii=False, default=str),
            e.waived_by,
            e.waiver_reason,
            e.waiver_expires,
        )
        for e in evaluations
    ]
    names = ", ".join(f'"{c}"' for c in COLUMNS)
    marks = ", ".join("?" for _ in COLUMNS)
    con.execute("BEGIN TRANSACTION")
    try:
        con.executemany(f"INSERT INTO {TABLE} ({names}) VALUES ({marks})", rows)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return len(rows)
