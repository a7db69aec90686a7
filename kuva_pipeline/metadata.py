"""Table metadata every materialization reports: row count, column schema and a preview.

So the Dagster UI answers "what is in this table" without a SQL client.
"""

from __future__ import annotations

import dagster as dg
import duckdb

PREVIEW_ROWS = 5


WIDE_INTEGERS = ("HUGEINT", "UHUGEINT")
"""128-bit integers: DuckDB cannot hand them to pandas as numbers."""


def pandas_column(name: str, data_type: str) -> str:
    """A SELECT item that reads column `name` into pandas: 128-bit integers as their digits."""
    if data_type.upper() in WIDE_INTEGERS:
        return f'CAST("{name}" AS VARCHAR) AS "{name}"'
    return f'"{name}"'


def table_metadata(
    con: duckdb.DuckDBPyConnection,
    table: str,
    descriptions: dict[str, str] | None = None,
    where: str | None = None,
    preview_exclude: tuple[str, ...] = (),
    lean: bool = False,
) -> dict[str, object]:
    """Row count, schema and a Markdown preview of `table` (optionally of the rows `where` selects).

    `lean` keeps only the counts: a run over a range of daily partitions
    records one materialization per day, and copying the schema and preview
    onto each of thousands of days would only bloat the event log (the schema
    is also on the asset definition).
    """
    descriptions = descriptions or {}
    if lean:
        total = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        meta: dict[str, object] = {
            "dagster/row_count": dg.MetadataValue.int(int(total)),
            "dagster/table_name": dg.MetadataValue.text(table),
        }
        if where:
            selected = con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]
            meta["rows_in_partitions"] = dg.MetadataValue.int(int(selected))
        return meta
    schema_name, _, table_name = table.partition(".")
    columns = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [schema_name, table_name],
    ).fetchall()
    filt = f" WHERE {where}" if where else ""
    total = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    selected = con.execute(f"SELECT count(*) FROM {table}{filt}").fetchone()[0] if where else total
    shown = [c for c, _ in columns if c not in preview_exclude]
    preview = ""
    if shown:
        types = dict(columns)
        cols = ", ".join(pandas_column(c, types[c]) for c in shown)
        df = con.execute(f"SELECT {cols} FROM {table}{filt} LIMIT {PREVIEW_ROWS}").df()
        preview = df.to_markdown(index=False) if len(df) else "_no rows_"
    # The standard `dagster/*` keys are what the UI renders as row count,
    # column schema and table name.
    meta: dict[str, object] = {
        "dagster/row_count": dg.MetadataValue.int(int(total)),
        "dagster/column_schema": dg.TableSchema(
            columns=[
                dg.TableColumn(name=c, type=t, description=descriptions.get(c)) for c, t in columns
            ]
        ),
        "dagster/table_name": dg.MetadataValue.text(table),
        "preview": dg.MetadataValue.md(preview),
    }
    if where:
        meta["rows_in_partitions"] = dg.MetadataValue.int(int(selected))
    return meta


def column_schema(columns: dict[str, str], types: dict[str, str] | None = None) -> dg.TableSchema:
    """A definition-time column schema from column descriptions (and types where known)."""
    types = types or {}
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name=name, type=types.get(name, "see materialization"), description=desc)
            for name, desc in columns.items()
        ]
    )
