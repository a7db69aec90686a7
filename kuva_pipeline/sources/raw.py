"""Loading landing files into `raw.*` tables: every source field as text, plus file lineage.

Each source declares its fields and how its files are read (CSV with its
delimiter, a JSON array, or paginated API JSON). The loader reads each file
inside DuckDB, numbers its records, hashes each row, assigns it to the
Helsinki-local day it belongs to, and replaces the loaded partitions in one
transaction. Rerunning a partition leaves the table identical: a row that did
not change keeps its original `_loaded_at`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from kuva_pipeline.sources.landing import (
    LandingFile,
    LandingFileError,
    as_utf8,
    relative_name,
    select_files,
)

LINEAGE_COLUMNS = ("_source_file", "_record_index", "_row_hash", "_partition_date", "_loaded_at")


@dataclass(frozen=True)
class Reader:
    """How one kind of file of a source is read.

    kind: 'csv' (delimiter `delim`), 'json_array' (a top-level array of
    records) or 'json_pages' (an API page whose records sit under `records_key`).
    """

    pattern: str
    kind: str
    delim: str = ","
    records_key: str = "results"


@dataclass(frozen=True)
class RawSource:
    """A source as it lands: its fields, its files, and the day each record belongs to."""

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
    # every run instead of by daily partition.
    partitioned: bool = True

    @property
    def qualified(self) -> str:
        return f"raw.{self.table}"


@dataclass
class RawLoadResult:
    files: list[str]
    undated_files: list[str]
    rows: int
    rows_by_file: dict[str, int]


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _csv_header(path: Path, delim: str) -> list[str]:
    with path.open("r", encoding="utf-8", newline="") as fh:
        first = fh.readline().rstrip("\r\n")
    return [h.strip().strip('"') for h in first.split(delim)]


def _select_file(
    con: duckdb.DuckDBPyConnection,
    source: RawSource,
    reader: Reader,
    lf: LandingFile,
    readable: Path,
    source_name: str,
) -> str:
    """A SELECT producing the file's records: the source fields, file name and record index."""
    period = f"DATE {_lit(lf.start.isoformat())} AS _period_start, DATE {_lit(lf.end.isoformat())} AS _period_end"
    path_lit = _lit(str(readable))
    if reader.kind == "csv":
        header = _csv_header(readable, reader.delim)
        missing = [f for f in source.fields if f not in header]
        if missing:
            raise LandingFileError(
                f"{source_name}: line 1: missing column(s) {', '.join(missing)} "
                f"(found: {', '.join(header)})"
            )
        cols = ", ".join(_q(f) for f in source.fields)
        return (
            f"SELECT {cols}, {_lit(source_name)} AS _source_file, "
            f"row_number() OVER () AS _record_index, {period} "
            f"FROM read_csv({path_lit}, header=true, all_varchar=true, delim={_lit(reader.delim)}, "
            f"quote='\"', escape='\"', null_padding=true, strict_mode=false)"
        )
    if reader.kind == "json_array":
        objects = f"SELECT json AS j FROM read_json_objects({path_lit}, format='array')"
    elif reader.kind == "json_pages":
        objects = (
            f"SELECT unnest(json_extract(json, '$.{reader.records_key}[*]')) AS j "
            f"FROM read_json_objects({path_lit}, format='auto')"
        )
    else:  # pragma: no cover - guarded by the source definitions
        raise ValueError(f"unknown reader kind {reader.kind!r}")
    cols = ", ".join(f"j->>{_lit(f)} AS {_q(f)}" for f in source.fields)
    return (
        f"SELECT {cols}, {_lit(source_name)} AS _source_file, "
        f"row_number() OVER () AS _record_index, {period} FROM ({objects})"
    )


def _ensure_table(con: duckdb.DuckDBPyConnection, source: RawSource) -> None:
    cols = ", ".join(f"{_q(f)} VARCHAR" for f in source.fields)
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {source.qualified} ({cols}, _source_file VARCHAR NOT NULL, "
        "_record_index BIGINT NOT NULL, _row_hash VARCHAR NOT NULL, _partition_date DATE NOT NULL, "
        "_loaded_at TIMESTAMP NOT NULL)"
    )


def load_raw(
    con: duckdb.DuckDBPyConnection,
    source: RawSource,
    landing_root: Path,
    start: date,
    end: date,
    loaded_at: datetime,
    on_file: callable | None = None,
) -> RawLoadResult:
    """Replace the partitions [start, end] of `raw.<table>` with the landing files covering them."""
    folder = landing_root / source.folder
    selected: list[LandingFile] = []
    undated: list[Path] = []
    for reader in source.readers:
        files, und = select_files(folder, [reader.pattern], start, end)
        selected.extend(files)
        undated.extend(und)
    reader_of = {}
    for reader in source.readers:
        for lf in selected:
            if lf.path.match(reader.pattern):
                reader_of.setdefault(lf.path, reader)
    _ensure_table(con, source)
    fields = ", ".join(_q(f) for f in source.fields)
    hash_input = ", ".join(f"coalesce({_q(f)}, '\\N')" for f in source.fields)
    rows_by_file: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="kuva_raw_") as tmp:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _incoming AS SELECT {fields}, "
            "NULL::VARCHAR AS _source_file, NULL::BIGINT AS _record_index, "
            "NULL::DATE AS _period_start, NULL::DATE AS _period_end "
            f"FROM {source.qualified} LIMIT 0"
        )
        for i, lf in enumerate(selected, start=1):
            name = relative_name(lf.path, landing_root)
            readable = as_utf8(lf.path, Path(tmp))
            sql = _select_file(con, source, reader_of[lf.path], lf, readable, name)
            try:
                con.execute(f"INSERT INTO _incoming {sql}")
            except duckdb.Error as exc:
                raise LandingFileError(f"{name}: {str(exc).strip()}") from exc
            if on_file:
                on_file(i, len(selected), name)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _staged AS
            SELECT {fields}, _source_file, _record_index,
                   md5(concat_ws(chr(31), {hash_input})) AS _row_hash,
                   CASE WHEN _day BETWEEN _period_start AND _period_end THEN _day
                        ELSE _period_start END AS _partition_date
            FROM (SELECT *, TRY_CAST(({source.day_expr}) AS DATE) AS _day FROM _incoming)
            """
        )
        rng = f"BETWEEN DATE {_lit(start.isoformat())} AND DATE {_lit(end.isoformat())}"
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _previous AS SELECT _source_file, _record_index, "
                f"_row_hash, _loaded_at FROM {source.qualified} WHERE _partition_date {rng}"
            )
            con.execute(f"DELETE FROM {source.qualified} WHERE _partition_date {rng}")
            con.execute(
                f"""
                INSERT INTO {source.qualified}
                SELECT s.* EXCLUDE (_source_file, _record_index, _row_hash, _partition_date),
                       s._source_file, s._record_index, s._row_hash, s._partition_date,
                       coalesce(p._loaded_at, ?::TIMESTAMP) AS _loaded_at
                FROM _staged s
                LEFT JOIN _previous p USING (_source_file, _record_index, _row_hash)
                WHERE s._partition_date {rng}
                ORDER BY s._partition_date, s._source_file, s._record_index
                """,
                [loaded_at],
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        for name, n in con.execute(
            f"SELECT _source_file, count(*) FROM _staged WHERE _partition_date {rng} "
            "GROUP BY 1 ORDER BY 1"
        ).fetchall():
            rows_by_file[name] = n
        con.execute("DROP TABLE IF EXISTS _incoming; DROP TABLE IF EXISTS _staged; DROP TABLE IF EXISTS _previous")
    return RawLoadResult(
        files=[relative_name(f.path, landing_root) for f in selected],
        undated_files=[relative_name(p, landing_root) for p in undated],
        rows=sum(rows_by_file.values()),
        rows_by_file=rows_by_file,
    )


def sql_list(values: Sequence[str]) -> str:
    return ", ".join(_lit(v) for v in values)
