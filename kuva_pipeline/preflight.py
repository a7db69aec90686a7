"""Preflight: what must hold before a refresh changes a single table.

- The landing, reference and catalog folders exist and are readable.
- Each source that has rows in the warehouse for the requested days still has
  its landing folder and files for them (an unmounted share would otherwise
  look like a feed that emptied), unless that source may be emptied
  (`KUVA_ALLOW_EMPTY`, `kuva refresh --allow-empty SOURCE`).
- The catalog validates.

Each problem names the path. The warehouse is only read, and a warehouse held
by a running writer is noted and skipped (the loader's own guard still holds).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from kuva_pipeline.sources.raw import RawSource, allowed_to_shrink, files_for


class PreflightError(RuntimeError):
    """The refresh cannot start; `problems` lists each, naming its path."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class PreflightReport:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def raise_if_failed(self) -> None:
        if self.problems:
            raise PreflightError(self.problems)


def _readable_dir(path: Path, what: str, variable: str) -> str | None:
    if not path.exists():
        return f"the {what} folder {path} does not exist (set {variable}, or mount the share)"
    if not path.is_dir():
        return f"the {what} folder {path} is not a folder ({variable})"
    if not os.access(path, os.R_OK | os.X_OK):
        return f"the {what} folder {path} is not readable by this user ({variable})"
    return None


def _periods_with_rows(
    con: duckdb.DuckDBPyConnection, source: RawSource, start: date, end: date
) -> list[date]:
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' AND table_name = ?",
        [source.table],
    ).fetchone()[0]
    if not exists:
        return []
    unit = "month" if source.partitioned else "year"
    where = "WHERE _partition_date BETWEEN ? AND ?" if source.partitioned else ""
    params = [start, end] if source.partitioned else []
    rows = con.execute(
        f"SELECT DISTINCT CAST(date_trunc('{unit}', _partition_date) AS DATE) AS p "
        f"FROM {source.qualified} {where} ORDER BY p",
        params,
    ).fetchall()
    return [r[0] for r in rows]


def _period_end(start: date, partitioned: bool) -> date:
    if not partitioned:
        return date(start.year, 12, 31)
    nxt = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def missing_landing(
    con: duckdb.DuckDBPyConnection,
    sources: Iterable[RawSource],
    landing: Path,
    start: date,
    end: date,
) -> list[str]:
    """Sources whose loaded periods in [start, end] no longer have a landing file or folder."""
    problems = []
    for source in sources:
        periods = _periods_with_rows(con, source, start, end)
        if not periods or allowed_to_shrink(source):
            continue
        folder = landing / source.folder
        if not folder.is_dir():
            problems.append(
                f"{folder} is missing, but {source.qualified} holds rows for "
                f"{_span(periods, source.partitioned)} (an unmounted share?); "
                f"to empty the feed on purpose: --allow-empty {source.name}"
            )
            continue
        if not source.partitioned:
            # A whole-table source is reloaded from its files; a row's day may lie outside
            # its file's period (a check-in dated into January), so ask for the files.
            gone = [
                name
                for (name,) in con.execute(
                    f"SELECT DISTINCT _source_file FROM {source.qualified} ORDER BY 1"
                ).fetchall()
                if not (landing / name).is_file()
            ]
            if gone:
                problems.append(
                    f"{', '.join(gone[:5])} {'is' if len(gone) == 1 else 'are'} gone from {landing}, "
                    f"but {source.qualified} holds rows from {'it' if len(gone) == 1 else 'them'}; "
                    f"to empty them on purpose: --allow-empty {source.name}"
                )
            continue
        selected, _ = files_for(source, landing, start, end)
        uncovered = [
            p
            for p in periods
            if not any(lf.overlaps(p, _period_end(p, source.partitioned)) for lf, _ in selected)
        ]
        if uncovered:
            problems.append(
                f"{folder} has no landing file for {_span(uncovered, source.partitioned)}, which "
                f"{source.qualified} holds rows for; to empty them on purpose: "
                f"--allow-empty {source.name}"
            )
    return problems


def _span(periods: list[date], partitioned: bool) -> str:
    fmt = "%Y-%m" if partitioned else "%Y"
    labels = [p.strftime(fmt) for p in periods]
    if len(labels) <= 4:
        return ", ".join(labels)
    return f"{labels[0]} .. {labels[-1]} ({len(labels)} periods)"


def preflight(
    landing: Path,
    reference: Path,
    catalog: Path,
    warehouse: Path,
    sources: Iterable[RawSource],
    start: date,
    end: date,
) -> PreflightReport:
    """Check everything the refresh needs before it starts; nothing is written."""
    report = PreflightReport()
    for path, what, variable in (
        (landing, "landing", "KUVA_LANDING_DIR"),
        (reference, "reference", "KUVA_REFERENCE_DIR"),
        (catalog, "catalog", "KUVA_CATALOG_DIR"),
    ):
        problem = _readable_dir(path, what, variable)
        if problem:
            report.problems.append(problem)
    if catalog.is_dir():
        from kuva_pipeline.catalog.loader import validate_catalog

        # The catalog's service areas are those of this reference folder (service_areas.csv).
        problems = validate_catalog(catalog, reference)
        for p in problems[:10]:
            report.problems.append(f"catalog: {p}")
        if len(problems) > 10:
            report.problems.append(f"catalog: ... and {len(problems) - 10} more (kuva catalog validate)")
    if landing.is_dir() and warehouse.exists():
        try:
            con = duckdb.connect(str(warehouse), read_only=True)
        except duckdb.Error as exc:
            report.notes.append(
                f"the loaded periods were not compared with {landing}: the warehouse {warehouse} "
                f"is busy ({str(exc).splitlines()[0]})"
            )
        else:
            try:
                report.problems += missing_landing(con, list(sources), landing, start, end)
            finally:
                con.close()
    return report
