"""Loading landing files into `raw.*` tables: every source field as text, plus file lineage.

Each source declares its fields and how its files are read (CSV with its
delimiter, an Excel workbook, a JSON array, or paginated API JSON). The loader
reads each file inside DuckDB, numbers its records, assigns each to the
Helsinki-local day it belongs to, and replaces the loaded partitions (or,
for an unpartitioned source, the whole table) in one transaction. A long range
is read a chunk of months ahead of the one being stored, on a second cursor. Rerunning
leaves the table identical: a row that did not change keeps its `_loaded_at`.

A month of a feed is never replaced by nothing because its files went missing
(an unmounted share), and a period whose row count drops by more than
`max_drop` (default 50 %, `KUVA_MAX_ROW_DROP`) against what is loaded is held
back: both raise `RawShrinkError` naming the source, period and counts, and the
transaction leaves the table as it was. Only an explicit allowance
(`ShrinkGuard(allow=True)`: `kuva refresh --allow-empty SOURCE`, or
`KUVA_ALLOW_EMPTY=SOURCE[,SOURCE...]`) empties or shrinks a period, and the
result lists what was deleted. Every loaded file version (size, mtime) is
recorded in `raw._loaded_files`, the record the landing sensor reads too.

Reading is strict where leniency would lose rows silently: a CSV row with more
fields than its header, an unterminated quote or bytes that are neither UTF-8
nor cp1252 stop the file with a `LandingFileError` naming the file, the line
and the field. A row with fewer fields is kept (the missing fields are NULL)
and staging rejects it with the reason.
"""

from __future__ import annotations

import calendar
import csv
import json
import os
import re
import tempfile
import warnings
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from kuva_pipeline import sqlmacros
from kuva_pipeline.sources.landing import (
    LandingFile,
    LandingFileError,
    as_utf8,
    relative_name,
    select_files,
)

if TYPE_CHECKING:
    import pyarrow

LINEAGE_TYPES = {
    "_source_file": "VARCHAR",
    "_record_index": "BIGINT",
    "_partition_date": "DATE",
    "_loaded_at": "TIMESTAMP",
}
"""The lineage columns every raw table ends with, and their DuckDB types."""

LINEAGE_COLUMNS = tuple(LINEAGE_TYPES)

# Batches of small files are read through a statement's result, knowingly (see `load_raw`).
warnings.filterwarnings(
    "ignore", "Arrow output on a DB-API result", UserWarning, r"kuva_pipeline\.sources\.raw"
)

READER_KINDS = ("csv", "xlsx", "json_array", "json_pages")


@dataclass(frozen=True)
class Reader:
    """How one kind of file of a source is read.

    kind: 'csv' (delimiter `delim`), 'xlsx' (the first sheet, header in row 1),
    'json_array' (a top-level array of records) or 'json_pages' (an API page
    whose records sit under `records_key`, a dotted path). `count_key` (pages
    only) is the dotted path of the period's total on every page; the loader
    compares it with the records of the period's pages and reports a
    difference (a missing or repeated page).
    """

    pattern: str
    kind: str
    delim: str = ","
    records_key: str = "results"
    count_key: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in READER_KINDS:
            raise ValueError(f"unknown reader kind {self.kind!r}; one of {READER_KINDS}")


@dataclass(frozen=True)
class RawSource:
    """A raw table as it lands: its fields, its files, and the day each record belongs to.

    `name` is the name of the source the table belongs to (`varaamo` for both
    `varaamo_reservations` and `varaamo_statistics`); the source's declaration
    (`kuva_pipeline/sources/declaration.py`) lists the table.
    """

    name: str
    table: str
    folder: str
    description: str
    fields: tuple[str, ...]
    readers: tuple[Reader, ...]
    # SQL over the source fields (all VARCHAR) giving the record's Helsinki-local
    # DATE, or NULL when it cannot be told; such records fall to their file's
    # first day and staging quarantines them with the reason.
    day_expr: str
    field_descriptions: dict[str, str] = field(default_factory=dict)
    personal_fields: tuple[str, ...] = ()
    # Small yearly or ad-hoc files (check-ins, finance) are reloaded whole on
    # every run instead of by partition: the raw asset has no partitions and
    # each run replaces the table with every file under the folder.
    partitioned: bool = True

    @property
    def qualified(self) -> str:
        return f"raw.{self.table}"


LOADED_FILES_TABLE = "raw._loaded_files"
"""One row per landing file version loaded: the record shared by `kuva refresh` and the sensor."""

MAX_DROP_ENV = "KUVA_MAX_ROW_DROP"
ALLOW_EMPTY_ENV = "KUVA_ALLOW_EMPTY"
DEFAULT_MAX_DROP = 0.5


class RawShrinkError(ValueError):
    """A load that would empty a period of a feed, or shrink it beyond the allowed share."""


@dataclass(frozen=True)
class ShrinkGuard:
    """How far a load may shrink a period: `max_drop` is a share (0.5 = half); `allow` lifts it."""

    max_drop: float = DEFAULT_MAX_DROP
    allow: bool = False


def max_drop_setting(environ: dict[str, str] | None = None) -> float:
    """KUVA_MAX_ROW_DROP as a share 0..1 ('0.5', '50%'); the default when unset."""
    env = os.environ if environ is None else environ
    text = (env.get(MAX_DROP_ENV) or "").strip()
    if not text:
        return DEFAULT_MAX_DROP
    try:
        value = float(text.rstrip("%").replace(",", ".")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise ValueError(f"{MAX_DROP_ENV}={text!r} is not a share like 0.5 or 50%") from None
    if not 0 <= value <= 1:
        raise ValueError(f"{MAX_DROP_ENV}={text!r} is outside 0..1 (0 % .. 100 %)")
    return value


def allowed_to_shrink(source: RawSource, environ: dict[str, str] | None = None) -> bool:
    """Whether KUVA_ALLOW_EMPTY names this table's source (`varaamo`), the table itself
    (`varaamo_statistics`) or says 'all'."""
    env = os.environ if environ is None else environ
    names = {n.strip().lower() for n in (env.get(ALLOW_EMPTY_ENV) or "").split(",") if n.strip()}
    return bool(names & {"all", source.name.lower(), source.table.lower()})


def guard_from_env(source: RawSource, environ: dict[str, str] | None = None) -> ShrinkGuard:
    return ShrinkGuard(max_drop=max_drop_setting(environ), allow=allowed_to_shrink(source, environ))


@dataclass
class RawLoadResult:
    files: list[str]
    undated_files: list[str]
    rows: int
    rows_by_file: dict[str, int]
    # Rows new or changed in this load (their `_loaded_at` is this load's).
    new_rows: int = 0
    # Periods emptied or shrunk under an explicit allowance: "2021-03: 242 -> 0 rows".
    deleted: list[str] = field(default_factory=list)
    # CSV/xlsx columns the contract does not know: not loaded, reported.
    extra_columns: dict[str, list[str]] = field(default_factory=dict)
    # Paged JSON: periods whose pages hold another number of records than their count says.
    page_count_mismatches: list[str] = field(default_factory=list)


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _json_path(dotted: str) -> str:
    return "$." + ".".join(_q(part) for part in dotted.split("."))


def _json_records(source: RawSource, many: bool) -> str:
    """The structure `json_transform` reads a record (or, `many`, a list of records) into:
    each source field as the JSON value under its name."""
    shape = json.dumps({f: "JSON" for f in source.fields})
    return _lit(f"[{shape}]" if many else shape)


def _json_fields(source: RawSource, record: str) -> str:
    """The source fields of `record` (a row of `_json_records`), as text.

    Each record is parsed once, into a row of its fields: `record->>'field'` for each field
    parsed it once a field, thirteen times for a Varaamo reservation (its page's records:
    1.12 s to 0.50 s for the city sample). The text is `->>`'s all the same: a string
    without its quotes, a number, true/false or an object or list as JSON, NULL for JSON's
    null or a missing field, and the first of two fields of the same name."""
    return ", ".join(f"{record}.{_q(f)}->>'$' AS {_q(f)}" for f in source.fields)


# -- CSV ---------------------------------------------------------------------------------------


def csv_header(path: Path, delim: str) -> list[str]:
    """The header's names; a UTF-8 byte order mark is not part of the first. Bytes that are
    not UTF-8 raise UnicodeDecodeError (the file is read transcoded, `load_raw`)."""
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        first = fh.readline()
    row = next(csv.reader([first.rstrip("\r\n")], delimiter=delim), [])
    return [h.strip() for h in row]


def _header_columns(header: list[str], name: str) -> list[str]:
    """Column names for DuckDB: the header, with blanks named by position; duplicates fail."""
    cols: list[str] = []
    for i, h in enumerate(header, start=1):
        col = h or f"_column_{i}"
        if col in cols:
            raise LandingFileError(f"{name}: line 1: field {col}: the header names it twice")
        cols.append(col)
    return cols


def _field_at(line_text: str, offset: int, delim: str) -> int:
    """0-based index of the field holding character `offset` of a CSV line (quotes respected)."""
    index, quoted = 0, False
    for ch in line_text[:offset]:
        if ch == '"':
            quoted = not quoted
        elif ch == delim and not quoted:
            index += 1
    return index


def csv_error(exc: Exception, name: str, header: list[str], delim: str) -> LandingFileError:
    """DuckDB's CSV error as '<file>: line N: field F: what is wrong'."""
    text = str(exc)
    line_m = re.search(r"CSV Error on Line:\s*(\d+)", text)
    where = f"line {line_m.group(1)}" if line_m else "line ?"
    original = re.search(r"Original Line:\s*(.*)", text)
    counts = re.search(r"Expected Number of Columns:\s*(\d+)\s*Found:\s*(\d+)", text)
    if counts:
        expected, found = int(counts.group(1)), int(counts.group(2))
        extra = header[-1] if header else "?"
        return LandingFileError(
            f"{name}: {where}: field {found} (after {extra}): {found} fields where the header "
            f"has {expected}; a delimiter {delim!r} inside an unquoted value?"
        )
    conversion = re.search(r'converting column "([^"]+)"\. Could not convert string "([^"]*)" to \'?(\w+)', text)
    if conversion:
        col, value, typ = conversion.groups()
        return LandingFileError(f"{name}: {where}: field {col}: {value!r} is not a {typ}")
    if "unterminated quote" in text.lower():
        line_text = original.group(1) if original else ""
        pos = line_text.find('"')
        idx = _field_at(line_text, max(pos, 0), delim)
        fname = header[idx] if idx < len(header) else f"#{idx + 1}"
        return LandingFileError(f"{name}: {where}: field {fname}: a quoted value is never closed")
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), text)
    return LandingFileError(f"{name}: {where}: {first}")


# -- Excel -------------------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def xlsx_to_csv(path: Path, workdir: Path, name: str) -> Path:
    """The first sheet of a workbook as a comma-separated UTF-8 file (small owner files only).

    Dates become ISO dates, numbers keep a decimal point, blank rows are not
    records. Formulas give their last computed value.
    """
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError, InvalidFileException...
        raise LandingFileError(f"{name}: line 1: not a readable .xlsx workbook ({exc})") from exc
    target = Path(tempfile.mkstemp(prefix=path.stem + "_", suffix=".csv", dir=workdir)[1])
    try:
        ws = wb.worksheets[0]
        with target.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, delimiter=",", lineterminator="\n")
            width = None
            for row in ws.iter_rows(values_only=True):
                cells = [_cell_text(v) for v in row]
                if width is None:
                    while cells and not cells[-1].strip():
                        cells.pop()
                    width = len(cells)
                    writer.writerow(cells)
                    continue
                if not any(c.strip() for c in cells):
                    continue
                while len(cells) > width and not cells[-1].strip():
                    cells.pop()
                writer.writerow(cells + [""] * (width - len(cells)))
    finally:
        wb.close()
    return target


# -- JSON --------------------------------------------------------------------------------------


def _json_error(exc: Exception, name: str, path: Path) -> LandingFileError:
    """A JSON file DuckDB could not read, located by Python's parser: line, column, nearest key."""
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        keys = re.findall(r'"([^"\\]{1,80})"\s*:', text[: err.pos])
        near = f"field {keys[-1]}: " if keys else ""
        return LandingFileError(f"{name}: line {err.lineno}, column {err.colno}: {near}{err.msg}")
    first = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), str(exc))
    return LandingFileError(f"{name}: line 1: {first}")


# -- one file ----------------------------------------------------------------------------------


@dataclass
class _FileSelect:
    sql: str
    extra_columns: list[str]
    count_sql: str | None = None  # paged JSON: SELECT declared count, records


def _select_file(
    source: RawSource, reader: Reader, lf: LandingFile, readable: Path, source_name: str
) -> _FileSelect:
    """A SELECT producing the file's records: the source fields, file name and record index."""
    period = (
        f"DATE {_lit(lf.start.isoformat())} AS _period_start, "
        f"DATE {_lit(lf.end.isoformat())} AS _period_end"
    )
    path_lit = _lit(str(readable))
    if reader.kind in ("csv", "xlsx"):
        delim = "," if reader.kind == "xlsx" else reader.delim
        header = csv_header(readable, delim)
        columns = _header_columns(header, source_name)
        missing = [f for f in source.fields if f not in columns]
        if missing:
            raise LandingFileError(
                f"{source_name}: line 1: field {missing[0]}: missing from the header "
                f"(missing: {', '.join(missing)}; found: {', '.join(header)})"
            )
        extra = [c for c in columns if c not in source.fields]
        cols = ", ".join(_q(f) for f in source.fields)
        col_types = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in columns) + "}"
        sql = (
            f"SELECT {cols}, {_lit(source_name)} AS _source_file, "
            f"row_number() OVER () AS _record_index, {period} "
            f"FROM read_csv({path_lit}, header=true, auto_detect=false, columns={col_types}, "
            f"delim={_lit(delim)}, quote='\"', escape='\"', null_padding=true, strict_mode=true)"
        )
        return _FileSelect(sql, extra)
    if reader.kind == "json_array":
        objects = (
            f"SELECT json_transform(json, {_json_records(source, many=False)}) AS j "
            f"FROM read_json_objects({path_lit}, format='array')"
        )
        count_sql = None
    else:
        rec = _json_path(reader.records_key)
        objects = (
            f"SELECT unnest(json_transform(json_extract(json, '{rec}'), "
            f"{_json_records(source, many=True)})) AS j "
            f"FROM read_json_objects({path_lit}, format='auto')"
        )
        count_expr = (
            f"try_cast(json_extract(json, '{_json_path(reader.count_key)}') AS BIGINT)"
            if reader.count_key
            else "NULL::BIGINT"
        )
        count_sql = (
            f"SELECT json_type(json, '{rec}') AS records_type, {count_expr} AS declared, "
            f"coalesce(json_array_length(json, '{rec}'), 0) AS records "
            f"FROM read_json_objects({path_lit}, format='auto')"
        )
    sql = (
        f"SELECT {_json_fields(source, 'j')}, {_lit(source_name)} AS _source_file, "
        f"row_number() OVER () AS _record_index, {period} FROM ({objects})"
    )
    return _FileSelect(sql, [], count_sql)


def row_hash_sql(source: RawSource) -> str:
    """The md5 of a record's source fields, as a 128-bit number (the `row_hash` macro).

    Not stored: a reload of a period that is already in raw hashes its rows as loaded and
    as they come in, to tell a changed record from the same one landed again. Stored, the
    hash was the widest column of raw (16 incompressible bytes a record, 160 MB for the
    city sample's presses) and cost every first load its computing and writing."""
    return f"row_hash([{', '.join(_q(f) for f in source.fields)}])"


def _ensure_table(con: duckdb.DuckDBPyConnection, source: RawSource) -> None:
    cols = ", ".join(f"{_q(f)} VARCHAR" for f in source.fields)
    lineage = ", ".join(f"{c} {t} NOT NULL" for c, t in LINEAGE_TYPES.items())
    con.execute(f"CREATE TABLE IF NOT EXISTS {source.qualified} ({cols}, {lineage})")
    schema, table = source.qualified.split(".")
    stored = con.execute(
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? AND column_name = '_row_hash'",
        [schema, table],
    ).fetchone()[0]
    if stored:
        # Loaded when the row hash was stored: it is worked out from the fields when needed.
        con.execute(f"ALTER TABLE {source.qualified} DROP COLUMN _row_hash")


def _ensure_loaded_files(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {LOADED_FILES_TABLE} (source VARCHAR NOT NULL, "
        "file VARCHAR NOT NULL, size BIGINT NOT NULL, mtime_ns BIGINT NOT NULL, "
        "rows BIGINT, loaded_at TIMESTAMP NOT NULL, PRIMARY KEY (source, file))"
    )


def loaded_file_versions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every recorded landing file (relative name) -> its loaded version 'size:mtime_ns'."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'raw' AND table_name = '_loaded_files'"
    ).fetchone()[0]
    if not exists:
        return {}
    return {
        f: f"{size}:{mtime}"
        for f, size, mtime in con.execute(f"SELECT file, size, mtime_ns FROM {LOADED_FILES_TABLE}").fetchall()
    }


def _period_label(day: date, partitioned: bool) -> str:
    return day.strftime("%Y-%m") if partitioned else str(day.year)


def _counts_by_period(
    con: duckdb.DuckDBPyConnection, source: RawSource, scope: str
) -> dict[date, int]:
    """Rows of `raw.<table>` in `scope` per period (month, or year when unpartitioned)."""
    unit = "month" if source.partitioned else "year"
    return dict(
        con.execute(
            f"SELECT date_trunc('{unit}', _partition_date)::DATE, count(*) FROM {source.qualified} "
            f"WHERE {scope} GROUP BY 1"
        ).fetchall()
    )


def _shrink_check(
    source: RawSource,
    old: dict[date, int],
    new: dict[date, int] | None,
    guard: ShrinkGuard,
    folder: Path,
    deleted: list[str],
) -> None:
    """Compare the rows loaded per period (month, or year when unpartitioned) with the incoming ones.

    `new` is None when no file covers the scope any more.
    """
    for period in sorted(old):
        before, after = old[period], (new or {}).get(period, 0)
        if not after < before * (1 - guard.max_drop):
            continue
        label = _period_label(period, source.partitioned)
        if guard.allow:
            deleted.append(f"{label}: {before} -> {after} rows")
            continue
        if new is None:
            reason = (
                f"no landing file under {folder} covers {label} any more (an unmounted share or "
                "moved files?)"
            )
        elif after == 0:
            reason = f"the landing files for {label} hold no rows"
        else:
            reason = f"the landing files for {label} hold {after} rows, a drop of {1 - after / before:.0%}"
        raise RawShrinkError(
            f"{source.qualified} {label} held back: {before} rows are loaded but {reason}; more than "
            f"the {guard.max_drop:.0%} drop allowed ({MAX_DROP_ENV}). Nothing was changed. If the "
            f"data really is gone, rerun with `kuva refresh --allow-empty {source.name}` "
            f"({ALLOW_EMPTY_ENV}={source.name})."
        )


def _files_for(
    source: RawSource, landing_root: Path, start: date, end: date
) -> tuple[list[tuple[LandingFile, Reader]], list[Path]]:
    folder = landing_root / source.folder
    chosen: dict[Path, tuple[LandingFile, Reader]] = {}
    undated: set[Path] = set()
    for reader in source.readers:
        if source.partitioned:
            files, und = select_files(folder, [reader.pattern], start, end)
        else:
            files, und = select_files(folder, [reader.pattern], date.min, date.max)
        for lf in files:
            chosen.setdefault(lf.path, (lf, reader))
        undated.update(und)
    ordered = sorted(chosen.values(), key=lambda fr: (fr[0].start, str(fr[0].path)))
    return ordered, sorted(undated)


def files_for(
    source: RawSource, landing_root: Path, start: date, end: date
) -> tuple[list[tuple[LandingFile, Reader]], list[Path]]:
    """The landing files a load of [start, end] reads, with their readers, and the undated ones."""
    return _files_for(source, landing_root, start, end)


def last_landed_day(sources: list[RawSource], landing_root: Path) -> date | None:
    """The last day of the latest period any partitioned source's landing files cover."""
    last: date | None = None
    for source in sources:
        if not source.partitioned:
            continue
        selected, _ = _files_for(source, landing_root, date.min, date.max)
        for lf, _ in selected:
            last = lf.end if last is None else max(last, lf.end)
    return last


def _page_group(name: str) -> str:
    """The period a page file belongs to: its name without the page number."""
    return re.sub(r"_p\d+(?=\.[^.]+$)", "", name)


CHUNK_BYTES = 32 * 1024 * 1024
"""Landing bytes read and replaced at a time: months are taken together up to this size."""


def _month_chunks(start: date, end: date) -> list[tuple[date, date]]:
    """[start, end] cut at month ends."""
    chunks, day = [], start
    while day <= end:
        last = date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
        chunks.append((day, min(last, end)))
        day = last + timedelta(days=1)
    return chunks


def _load_chunks(
    start: date, end: date, selected: list[tuple[LandingFile, Reader]], budget: int | None = None
) -> list[tuple[date, date]]:
    """[start, end] cut into runs of whole months whose landing files total at most `budget` bytes.

    A month alone may exceed it. A month no file covers is a chunk of its own, so that a
    period that lost its files is reported as such (an unmounted share), not as empty files.
    A small range is one chunk (a few statements instead of a dozen a month); at city
    volume a chunk is a month or two, and memory stays bounded however long the range.
    """
    budget = CHUNK_BYTES if budget is None else budget
    chunks: list[tuple[date, date]] = []
    current: tuple[date, date] | None = None  # the chunk being gathered, and its files' sizes
    sizes: dict[Path, int] = {}
    for month_start, month_end in _month_chunks(start, end):
        files = {lf.path: lf.path.stat().st_size for lf, _ in selected if lf.overlaps(month_start, month_end)}
        if current and (not files or sum({**sizes, **files}.values()) > budget):
            chunks.append(current)
            current, sizes = None, {}
        if not files:
            chunks.append((month_start, month_end))
        else:
            current = (current[0] if current else month_start, month_end)
            sizes.update(files)
    if current:
        chunks.append(current)
    return chunks


PAGE_BATCH = 256
"""API pages read in one statement: a page alone costs more to start reading than to read."""

CSV_BATCH = 64
"""CSV files read in one statement (a daily feed has hundreds of small files)."""


class _BatchError(Exception):
    """A batch of files DuckDB could not read.

    `files` are (SQL reading one file alone, how to word its error), in file order.
    """

    def __init__(
        self, files: list[tuple[str, Callable[[Exception], LandingFileError]]], error: Exception
    ) -> None:
        super().__init__(str(error))
        self.files, self.error = files, error


def _batches(files: list[tuple[LandingFile, Reader]]) -> list[list[tuple[LandingFile, Reader]]]:
    """Runs of consecutive files of one reader read in one statement: API pages up to
    PAGE_BATCH, CSV files up to CSV_BATCH; a workbook or a JSON array alone."""
    size = {"json_pages": PAGE_BATCH, "csv": CSV_BATCH}
    batches: list[list[tuple[LandingFile, Reader]]] = []
    for lf, reader in files:
        last = batches[-1] if batches else None
        if last and last[0][1] == reader and len(last) < size.get(reader.kind, 1):
            last.append((lf, reader))
        else:
            batches.append([(lf, reader)])
    return batches


@dataclass
class _PagesSelect:
    """Reading many API page files at once: their counts, and their records in file order."""

    source: RawSource
    reader: Reader
    paths: list[str]

    def _objects(self, paths: list[str]) -> str:
        listed = "[" + ", ".join(_lit(p) for p in paths) + "]"
        return f"read_json_objects({listed}, format='auto', filename=true)"

    @property
    def _rec(self) -> str:
        return _json_path(self.reader.records_key)

    def _count_expr(self) -> str:
        return (
            f"try_cast(json_extract(json, '{_json_path(self.reader.count_key)}') AS BIGINT)"
            if self.reader.count_key
            else "NULL::BIGINT"
        )

    @property
    def count_sql(self) -> str:
        return (
            f"SELECT filename, json_type(json, '{self._rec}'), {self._count_expr()}, "
            f"coalesce(json_array_length(json, '{self._rec}'), 0) FROM {self._objects(self.paths)}"
        )

    def count_sql_of(self, path: str) -> str:
        return (
            f"SELECT json_type(json, '{self._rec}') FROM "
            f"read_json_objects({_lit(path)}, format='auto')"
        )

    def records_sql(self, paths: list[str], values: str) -> str:
        """The records of single-document pages, numbered from 1 in each page as one by one.

        `values` lists (path, name, period start, period end) for each page."""
        return (
            f"SELECT {_json_fields(self.source, 'j')}, m.name AS _source_file, x.i AS _record_index, "
            f"m.period_start AS _period_start, m.period_end AS _period_end "
            f"FROM (SELECT filename, unnest(json_transform(json_extract(json, '{self._rec}'), "
            f"{_json_records(self.source, many=True)})) AS j, "
            f"unnest(range(1, coalesce(json_array_length(json, '{self._rec}'), 0)::BIGINT + 1)) AS i "
            f"FROM {self._objects(paths)}) x "
            f"JOIN (VALUES {values}) m(path, name, period_start, period_end) ON x.filename = m.path"
        )


_NOT_UTF8 = ("invalid unicode", "invalid utf-8")
"""How DuckDB says a file is not UTF-8: its CSV reader ('Invalid unicode (byte sequence
mismatch)') and its JSON reader ('invalid UTF-8 encoding in string')."""


def _not_utf8(exc: BaseException | None) -> bool:
    """Whether a failed read (or what it was raised from) is DuckDB finding bytes that are not UTF-8."""
    while exc is not None:
        error = exc.error if isinstance(exc, _BatchError) else exc
        if isinstance(error, duckdb.Error) and any(m in str(error).lower() for m in _NOT_UTF8):
            return True
        exc = exc.__cause__
    return False


def _settle(ahead: dict[int, Future]) -> None:
    """Wait for the chunks being read ahead, whatever their outcome, before a rollback."""
    for future in ahead.values():
        future.cancel() or future.exception()


def load_raw(
    con: duckdb.DuckDBPyConnection,
    source: RawSource,
    landing_root: Path,
    start: date,
    end: date,
    loaded_at: datetime,
    on_file: Callable[[int, int, str], None] | None = None,
    guard: ShrinkGuard | None = None,
) -> RawLoadResult:
    """Replace the partitions [start, end] of `raw.<table>` with the landing files covering them.

    The range is read and replaced a chunk of months at a time (`CHUNK_BYTES` of
    landing files) inside one transaction, so memory holds a bounded slice of
    records however long the range, and a file that cannot be read leaves the
    table as it was. The next chunk's files are read on a cursor of their own, in
    a thread, while this chunk is stored: numbering a file's records in order is
    one core's work, and the store uses the other. An unpartitioned source
    ignores `start`/`end`: every file is loaded and the whole table replaced.

    `guard` (default: a 50 % drop at most, no allowance) holds back a period
    that would be emptied or shrink too far; see `RawShrinkError`.
    """
    import pyarrow  # here, not at the module's top: 0.1 s off the start of every command

    guard = guard or ShrinkGuard()
    folder = landing_root / source.folder
    selected, undated = _files_for(source, landing_root, start, end)
    # The day rules read times and numbers with the project's macros, whatever opened `con`.
    sqlmacros.install(con)
    _ensure_table(con, source)
    _ensure_loaded_files(con)
    deleted: list[str] = []
    new_rows = 0
    versions: dict[str, tuple[int, int]] = {}
    fields = ", ".join(_q(f) for f in source.fields)
    day = (
        "CASE WHEN _day BETWEEN _period_start AND _period_end THEN _day ELSE _period_start END"
        if source.partitioned
        else "coalesce(_day, _period_start)"
    )
    rows_by_file: dict[str, int] = {}
    extra_columns: dict[str, list[str]] = {}
    pages: dict[str, list[tuple[int | None, int]]] = {}
    prepared: dict[Path, tuple[str, _FileSelect, Reader, Path]] = {}
    transcode: set[Path] = set()  # files DuckDB found not to be UTF-8: read through `as_utf8`
    chunks = _load_chunks(start, end, selected) if source.partitioned else [(None, None)]

    def record_pages(name: str, reader: Reader, checked: list[tuple]) -> None:
        for rtype, declared, n in checked:
            if rtype != "ARRAY":
                raise LandingFileError(
                    f"{name}: line 1: field {reader.records_key}: "
                    f"{'missing' if rtype is None else 'a ' + rtype.lower()}, "
                    "not a list of records"
                )
            pages.setdefault(_page_group(name), []).append((declared, n))

    def load_pages(batch: list[tuple[LandingFile, Reader]], tmp: Path) -> list[tuple[LandingFile, Reader]]:
        """Read a batch of API pages in two statements instead of two per page; the pages
        that do not hold exactly one JSON document are returned to be read one by one."""
        reader = batch[0][1]
        entries = {}
        for lf, r in batch:
            name, _, _, readable = prepare(lf, r, tmp, check_pages=False)
            entries[str(readable)] = (lf, name)
        page_sql = _PagesSelect(source, reader, list(entries))

        def page_error(path: str) -> tuple[str, Callable[[Exception], LandingFileError]]:
            name = entries[path][1]
            return page_sql.count_sql_of(path), lambda exc: _json_error(exc, name, Path(path))
        try:
            checked = rcon.execute(page_sql.count_sql).fetchall()
        except duckdb.Error as exc:
            raise _BatchError([page_error(k) for k in entries], exc) from exc
        by_file: dict[str, list[tuple]] = {}
        for filename, rtype, declared, n in checked:
            by_file.setdefault(filename, []).append((rtype, declared, n))
        single = [k for k in entries if len(by_file.get(k, ())) == 1]
        for k in entries:
            if k in by_file:
                record_pages(entries[k][1], reader, by_file[k])
        if single:
            values = ", ".join(
                f"({_lit(k)}, {_lit(entries[k][1])}, DATE {_lit(entries[k][0].start.isoformat())}, "
                f"DATE {_lit(entries[k][0].end.isoformat())})"
                for k in single
            )
            try:
                emit(page_sql.records_sql(single, values), files=len(single))
            except duckdb.Error as exc:
                raise _BatchError([page_error(k) for k in single], exc) from exc
        # A file of several documents (or none) numbers its records across them: one by one.
        return [entries[k][0:1] + (reader,) for k in entries if k not in single]

    def load_csv(batch: list[tuple[LandingFile, Reader]], tmp: Path) -> None:
        """Read a batch of CSV files in one statement, each numbered on its own."""
        selects, located = [], []
        for lf, r in batch:
            name, select, _, readable = prepare(lf, r, tmp)
            selects.append(select.sql)

            def explain(exc: Exception, name=name, readable=readable, r=r) -> LandingFileError:
                return csv_error(exc, name, csv_header(readable, r.delim), r.delim)

            located.append((f"SELECT * FROM ({select.sql})", explain))
        try:
            emit(" UNION ALL ".join(f"({sql})" for sql in selects), files=len(selects))
        except duckdb.Error as exc:
            raise _BatchError(located, exc) from exc

    def prepare(
        lf: LandingFile, reader: Reader, tmp: Path, check_pages: bool = True
    ) -> tuple[str, _FileSelect, Reader, Path]:
        """Decode or convert a file once, check its pages (unless a batch checks them), and
        build its SELECT."""
        if lf.path in prepared:
            return prepared[lf.path]
        name = relative_name(lf.path, landing_root)
        st = lf.path.stat()  # before reading: a rewrite while loading counts as a new version
        versions[name] = (st.st_size, st.st_mtime_ns)
        if reader.kind == "xlsx":
            readable = xlsx_to_csv(lf.path, tmp, name)
        elif lf.path in transcode:
            readable = as_utf8(lf.path, tmp, name=name, delim=reader.delim)
        else:
            # DuckDB reads UTF-8 and skips a byte order mark itself; a file of other bytes
            # fails its read, and its chunk is read again transcoded (`read_chunk`). Checking
            # every file in Python first read all of them twice: 1.7 s of CPU over the city
            # sample's 2,536 files, most of it opening the small ones.
            readable = lf.path
        try:
            select = _select_file(source, reader, lf, readable, name)
        except UnicodeDecodeError:  # a CSV header that is not UTF-8
            readable = as_utf8(lf.path, tmp, name=name, delim=reader.delim)
            select = _select_file(source, reader, lf, readable, name)
        if select.extra_columns:
            extra_columns[name] = select.extra_columns
        if select.count_sql and check_pages:
            try:
                checked = rcon.execute(select.count_sql).fetchall()
            except duckdb.Error as exc:
                raise _json_error(exc, name, readable) from exc
            record_pages(name, reader, checked)
        prepared[lf.path] = (name, select, reader, readable)
        progress.append((len(prepared), len(selected), name))
        return prepared[lf.path]

    incoming_names = [*source.fields, "_source_file", "_record_index", "_period_start", "_period_end", "_day"]
    # The landing files are read on a cursor of their own, a chunk ahead of the one being
    # stored: reading numbers each file's records in order, one core's work, and storing
    # compresses them on the other. A chunk's rows pass between the two as Arrow tables
    # (a Parquet file in between took half as long again to write as the reading itself).
    rcon = con.cursor()
    zone = con.execute("SELECT current_setting('TimeZone')").fetchone()[0]
    rcon.execute(f"SET TimeZone = {_lit(zone)}")
    sqlmacros.install(rcon)
    progress: list[tuple[int, int, str]] = []
    parts: list[pyarrow.Table] = []

    # Every part of a chunk has the same types, so that the parts are one table.
    typed_names = ", ".join(
        f"{_q(c)}::{t} AS {_q(c)}"
        for c, t in zip(
            incoming_names,
            [*("VARCHAR" for _ in source.fields), "VARCHAR", "BIGINT", "DATE", "DATE", "DATE"],
            strict=True,
        )
    )

    def emit(sql: str, files: int = 1) -> None:
        """Read the records `sql` selects from `files` files, with the day each belongs to, as
        one part of the chunk."""
        query = (
            f"SELECT {typed_names} FROM (SELECT *, TRY_CAST(({source.day_expr}) AS DATE) FROM ({sql})) "
            f"AS t({', '.join(_q(c) for c in incoming_names)})"
        )
        if files == 1:
            parts.append(rcon.sql(query).to_arrow_table())
        else:
            # A relation (`sql`) binds its statement twice, to be made and to run, and binding
            # 64 small files twice made a Hobihobi load half as long again; a statement's result
            # costs a copy of its rows instead (DuckDB warns of it), small for small files.
            parts.append(rcon.execute(query).to_arrow_table())

    def read_chunk(
        files: list[tuple[LandingFile, Reader]],
    ) -> tuple[list[pyarrow.Table], list[tuple[int, int, str]]]:
        """Read a chunk's files on the reading cursor: the chunk's parts, and progress.

        A file DuckDB finds not to be UTF-8 (a Windows-1252 export) has the chunk read
        again, every file of it through `as_utf8`: what the failed reading recorded
        is undone first, so nothing is counted twice."""
        first_progress = len(progress)
        pages_before = {group: len(counts) for group, counts in pages.items()}
        try:
            return read_files(files, first_progress)
        except Exception as exc:
            if not _not_utf8(exc):
                raise
        parts.clear()
        del progress[first_progress:]
        for group in list(pages):
            if group in pages_before:
                del pages[group][pages_before[group]:]
            else:
                del pages[group]
        for lf, _ in files:
            prepared.pop(lf.path, None)
            transcode.add(lf.path)
        return read_files(files, first_progress)

    def read_files(
        files: list[tuple[LandingFile, Reader]], first_progress: int
    ) -> tuple[list[pyarrow.Table], list[tuple[int, int, str]]]:
        one_by_one = []
        for batch in _batches(files):
            if len(batch) == 1:
                one_by_one += batch
            elif batch[0][1].kind == "json_pages":
                one_by_one += load_pages(batch, Path(tmp_dir))
            else:
                load_csv(batch, Path(tmp_dir))
        for lf, reader in one_by_one:
            name, select, reader, readable = prepare(lf, reader, Path(tmp_dir))
            try:
                # The day rule is read here, once per record, while the file streams in.
                emit(select.sql)
            except duckdb.Error as exc:
                if reader.kind in ("csv", "xlsx"):
                    delim = "," if reader.kind == "xlsx" else reader.delim
                    raise csv_error(exc, name, csv_header(readable, delim), delim) from exc
                raise _json_error(exc, name, readable) from exc
        chunk_parts = parts[:]
        parts.clear()
        return chunk_parts, progress[first_progress:]

    plans = []
    for chunk_start, chunk_end in chunks:
        if source.partitioned:
            scope = (
                f"_partition_date BETWEEN DATE {_lit(chunk_start.isoformat())} "
                f"AND DATE {_lit(chunk_end.isoformat())}"
            )
            files = [(lf, r) for lf, r in selected if lf.overlaps(chunk_start, chunk_end)]
        else:
            scope, files = "TRUE", selected
        plans.append((scope, files))

    with tempfile.TemporaryDirectory(prefix="kuva_raw_") as tmp_dir, ThreadPoolExecutor(1) as pool:
        ahead: dict[int, Future] = {}

        def read_ahead(i: int) -> None:
            if i < len(plans) and plans[i][1]:
                ahead[i] = pool.submit(read_chunk, plans[i][1])

        con.execute("BEGIN TRANSACTION")
        try:
            read_ahead(0)
            for i, (scope, files) in enumerate(plans):
                read_ahead(i + 1)
                old = _counts_by_period(con, source, scope)
                if not files:
                    # No file covers these days (any more): emptied only when allowed.
                    _shrink_check(source, old, None, guard, folder, deleted)
                    con.execute(f"DELETE FROM {source.qualified} WHERE {scope}")
                    continue
                chunk_parts, chunk_progress = ahead.pop(i).result()
                if on_file:
                    for done, total, name in chunk_progress:
                        on_file(done, total, name)
                # Read by its name, as a variable of this function (DuckDB looks it up in the
                # frame that calls `execute`): the scan of a Python variable lets it go when the
                # statement ends, where a registered one (and the memory of every chunk) was held
                # until the transaction's end (duckdb-python issue 469).
                incoming_rows = pyarrow.concat_tables(chunk_parts)  # noqa: F841 (read in SQL)
                del chunk_parts
                incoming = f"""
                    SELECT * FROM (
                        SELECT {fields}, _source_file, _record_index,
                               {day} AS _partition_date
                        FROM incoming_rows
                    ) WHERE {scope}
                """
                # The incoming rows go straight into the table; the shrink guard then compares
                # the periods as loaded, and a period held back rolls the whole load back.
                if old:
                    # A record that did not change keeps the `_loaded_at` of its first load:
                    # the records of the period as loaded and as they come in are hashed.
                    con.execute(
                        f"CREATE OR REPLACE TEMP TABLE _previous AS SELECT _source_file, _record_index, "
                        f"{row_hash_sql(source)} AS _row_hash, _loaded_at FROM {source.qualified} WHERE {scope}"
                    )
                    con.execute(f"DELETE FROM {source.qualified} WHERE {scope}")
                    rows_in = f"""
                        SELECT s.* EXCLUDE (_row_hash), coalesce(p._loaded_at, ?::TIMESTAMP) AS _loaded_at
                        FROM (SELECT *, {row_hash_sql(source)} AS _row_hash FROM ({incoming})) s
                        LEFT JOIN _previous p USING (_source_file, _record_index, _row_hash)
                    """
                else:
                    rows_in = f"SELECT *, ?::TIMESTAMP AS _loaded_at FROM ({incoming})"
                # Not sorted: the files of a chunk are months of their own, so its rows are
                # already clustered by day, and a sort cost a tenth of a city-scale load.
                con.execute(
                    f"INSERT INTO {source.qualified} ({fields}, {', '.join(LINEAGE_COLUMNS)}) {rows_in}",
                    [loaded_at],
                )
                unit = "month" if source.partitioned else "year"
                new: dict[date, int] = {}
                for name, period, n, fresh in con.execute(
                    f"SELECT _source_file, date_trunc('{unit}', _partition_date)::DATE, count(*), "
                    f"count(*) FILTER (WHERE _loaded_at = ?::TIMESTAMP) "
                    f"FROM {source.qualified} WHERE {scope} GROUP BY ALL",
                    [loaded_at],
                ).fetchall():
                    rows_by_file[name] = rows_by_file.get(name, 0) + n
                    new[period] = new.get(period, 0) + n
                    new_rows += fresh
                _shrink_check(source, old, new, guard, folder, deleted)
                con.execute("DROP TABLE IF EXISTS _previous")
                del incoming_rows
            if versions:
                # One statement for all files (a daily feed has hundreds). One row per file:
                # a warehouse loaded before the source was renamed may hold the file under
                # the table's old source name.
                names = list(versions)
                con.execute(
                    f"DELETE FROM {LOADED_FILES_TABLE} WHERE source <> ? AND file IN (SELECT unnest(?::VARCHAR[]))",
                    [source.name, names],
                )
                con.execute(
                    f"""
                    INSERT OR REPLACE INTO {LOADED_FILES_TABLE}
                    SELECT ?, unnest(?::VARCHAR[]), unnest(?::BIGINT[]), unnest(?::BIGINT[]),
                           unnest(?::BIGINT[]), ?::TIMESTAMP
                    """,
                    [
                        source.name,
                        names,
                        [versions[n][0] for n in names],
                        [versions[n][1] for n in names],
                        [rows_by_file.get(n, 0) for n in names],
                        loaded_at,
                    ],
                )
            con.execute("COMMIT")
        except _BatchError as failed:
            _settle(ahead)
            con.execute("ROLLBACK")
            # Outside the aborted transaction, each file of the batch is read alone to find
            # the one that failed and say where; the batch's own error if none does.
            for sql, explain in failed.files:
                try:
                    con.execute(sql).fetchall()
                except duckdb.Error as exc:
                    raise explain(exc) from exc
            raise LandingFileError(f"{len(failed.files)} files read together: {failed.error}") from failed.error
        except BaseException:
            _settle(ahead)
            con.execute("ROLLBACK")
            raise
        finally:
            rcon.close()
    mismatches = []
    for group, counts in sorted(pages.items()):
        declared = {d for d, _ in counts if d is not None}
        got = sum(n for _, n in counts)
        if declared and got not in declared:
            mismatches.append(
                f"{group}: the pages say count {max(declared)} but hold {got} records "
                f"in {len(counts)} page(s)"
            )
    return RawLoadResult(
        files=[relative_name(lf.path, landing_root) for lf, _ in selected],
        undated_files=[relative_name(p, landing_root) for p in undated],
        rows=sum(rows_by_file.values()),
        rows_by_file=dict(sorted(rows_by_file.items())),
        new_rows=new_rows,
        deleted=deleted,
        extra_columns=extra_columns,
        page_count_mismatches=mismatches,
    )
