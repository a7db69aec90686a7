"""Turn the SQL models under `assets/` into Dagster assets.

Each `assets/<layer>/<table>.sql` starts with a YAML header in a comment:

    /* ---
    description: One line of business meaning.
    deps: [raw.nps_feedback]
    materialize: table | view | partitions
    quarantine: true        # partitions only: rows with a _reject_reason go to quarantine.<table>
    columns: {feedback_id: The export's id of the press}
    --- */
    SELECT ...

and the rest is one DuckDB SELECT. `table` rebuilds the table atomically,
`view` replaces a view, and `partitions` replaces the partitions of the
run (the query sees `$partition_start` and `$partition_end`, inclusive
Helsinki dates) by delete-then-insert in one transaction. With `quarantine`
(partitioned or whole tables),
the query returns every input row with a `_reject_reason` (NULL when clean);
clean rows go to `<layer>.<table>` and rejected rows, reason attached, to
`quarantine.<table>`, so nothing is lost.

An analyst changes a model by editing its SQL file; the asset's code version
is the hash of the file, so the UI shows which tables are out of date.
"""


import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
import yaml

from kuva_pipeline.metadata import column_schema, table_metadata
from kuva_pipeline.partitions import feed_partitions, partition_dates
from kuva_pipeline.resources import OWNER, WRITER_POOL, WarehouseResource
from kuva_pipeline.settings import PROJECT_ROOT

MODELS_DIR = PROJECT_ROOT / "assets"

_HEADER = re.compile(r"\A\s*/\*\s*---\s*\n(.*?)\n\s*---\s*\*/\s*(.*)\Z", re.S)
LAYER_SCHEMAS = {"staging", "meters", "marts", "bi"}
FACTORY_VERSION = "1"


class ModelError(ValueError):
    """A SQL model file whose header or layout is wrong."""


@dataclass(frozen=True)
class SqlModel:
    schema: str
    name: str
    path: Path
    sql: str
    description: str
    deps: tuple[str, ...]
    materialize: str
    quarantine: bool
    columns: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    kinds: tuple[str, ...] = ("duckdb", "sql")

    @property
    def table(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def key(self) -> dg.AssetKey:
        return dg.AssetKey([self.schema, self.name])

    @property
    def code_version(self) -> str:
        digest = hashlib.sha256(self.path.read_bytes()).hexdigest()[:12]
        return f"{FACTORY_VERSION}-{digest}"

    @property
    def partitioned(self) -> bool:
        return self.materialize == "partitions"


def parse_model(path: Path) -> SqlModel:
    text = path.read_text(encoding="utf-8")
    match = _HEADER.match(text)
    if not match:
        raise ModelError(f"{path}: line 1: a model starts with a /* --- YAML --- */ header")
    try:
        header = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ModelError(f"{path}: header: {exc}") from exc
    schema = path.parent.name
    if schema not in LAYER_SCHEMAS:
        raise ModelError(f"{path}: models live under assets/<layer>/, one of {sorted(LAYER_SCHEMAS)}")
    unknown = set(header) - {"description", "deps", "materialize", "quarantine", "columns", "tags", "kinds"}
    if unknown:
        raise ModelError(f"{path}: header: unknown key(s) {sorted(unknown)}")
    if not header.get("description"):
        raise ModelError(f"{path}: header.description: every model needs a one-line description")
    materialize = header.get("materialize", "table")
    if materialize not in {"table", "view", "partitions"}:
        raise ModelError(f"{path}: header.materialize: {materialize!r} is not table, view or partitions")
    quarantine = bool(header.get("quarantine", False))
    if quarantine and materialize == "view":
        raise ModelError(f"{path}: header.quarantine: a view cannot quarantine rows")
    return SqlModel(
        schema=schema,
        name=path.stem,
        path=path,
        sql=match.group(2).strip().rstrip(";"),
        description=str(header["description"]).strip(),
        deps=tuple(header.get("deps") or ()),
        materialize=materialize,
        quarantine=quarantine,
        columns={str(k): str(v) for k, v in (header.get("columns") or {}).items()},
        tags={str(k): str(v) for k, v in (header.get("tags") or {}).items()},
        kinds=tuple(header.get("kinds") or ("duckdb", "sql")),
    )


def discover_models(root: Path = MODELS_DIR) -> list[SqlModel]:
    return [parse_model(p) for p in sorted(root.glob("*/*.sql"))]


def _dep_key(dep: str) -> dg.AssetKey:
    return dg.AssetKey(dep.split("."))


def _replace_partitions(
    con: duckdb.DuckDBPyConnection, model: SqlModel, params: dict[str, object]
) -> dict[str, int]:
    """Delete-then-insert the run's partitions into the model's table (and quarantine)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _model AS {model.sql}", params)
    out_cols = [r[0] for r in con.execute("DESCRIBE _model").fetchall()]
    if "_partition_date" not in out_cols:
        raise ModelError(f"{model.path}: a partitioned model must return _partition_date")
    if model.quarantine and "_reject_reason" not in out_cols:
        raise ModelError(f"{model.path}: a quarantining model must return _reject_reason")
    clean_filter = "_reject_reason IS NULL" if model.quarantine else "TRUE"
    exclude = " EXCLUDE (_reject_reason)" if model.quarantine else ""
    targets = [(model.table, f"SELECT *{exclude} FROM _model WHERE {clean_filter}")]
    if model.quarantine:
        targets.append(
            (
                f"quarantine.{model.name}",
                "SELECT * FROM _model WHERE _reject_reason IS NOT NULL",
            )
        )
    rng = "_partition_date BETWEEN $partition_start AND $partition_end"
    counts: dict[str, int] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        for table, select in targets:
            wanted = con.execute(f"DESCRIBE {select}").fetchall()
            exists = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                table.split("."),
            ).fetchone()[0]
            if exists:
                current = con.execute(f"DESCRIBE {table}").fetchall()
                if [(c[0], c[1]) for c in current] != [(c[0], c[1]) for c in wanted]:
                    # The model's columns changed: its old partitions no longer
                    # fit, so the table starts again from this run's partitions.
                    con.execute(f"DROP TABLE {table}")
                    exists = 0
            if not exists:
                # Declared from the query's column types: DuckDB 2.0 mis-scans a table made
                # with CREATE ... AS ... LIMIT 0 inside a transaction once it passes
                # 122,880 rows (tests/sources guards the reproduction).
                cols = ", ".join(f'"{c[0]}" {c[1]}' for c in wanted)
                con.execute(f"CREATE TABLE {table} ({cols})")
            con.execute(f"DELETE FROM {table} WHERE {rng}", params)
            con.execute(f"INSERT INTO {table} {select}")
            counts[table] = con.execute(
                f"SELECT count(*) FROM {table} WHERE {rng}", params
            ).fetchone()[0]
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("DROP TABLE IF EXISTS _model")
    return counts


def _replace_whole(con: duckdb.DuckDBPyConnection, model: SqlModel) -> dict[str, int]:
    """Rebuild a whole quarantining table: clean rows to the table, rejects to quarantine, one transaction."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _model AS {model.sql}")
    cols = {r[0] for r in con.execute("DESCRIBE _model").fetchall()}
    if "_reject_reason" not in cols:
        raise ModelError(f"{model.path}: a quarantining model must return _reject_reason")
    order = " ORDER BY _source_file, _record_index" if {"_source_file", "_record_index"} <= cols else ""
    targets = {
        model.table: f"SELECT * EXCLUDE (_reject_reason) FROM _model WHERE _reject_reason IS NULL{order}",
        f"quarantine.{model.name}": f"SELECT * FROM _model WHERE _reject_reason IS NOT NULL{order}",
    }
    con.execute("BEGIN TRANSACTION")
    try:
        for table, select in targets.items():
            con.execute(f"CREATE OR REPLACE TABLE {table} AS {select}")
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("DROP TABLE IF EXISTS _model")
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in targets}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _comment(con: duckdb.DuckDBPyConnection, model: SqlModel, verb: str) -> None:
    """The model's description and column descriptions as COMMENT ON, for BI tools and SQL clients."""
    con.execute(f"COMMENT ON {verb} {model.table} IS {_quote(model.description)}")
    present = {r[0] for r in con.execute(f"DESCRIBE {model.table}").fetchall()}
    # A quarantining model documents _reject_reason, which only quarantine keeps.
    documented = {c: t for c, t in model.columns.items() if not (model.quarantine and c == "_reject_reason")}
    unknown = set(documented) - present
    if unknown:
        raise ModelError(f"{model.path}: header.columns: no such column(s) {sorted(unknown)}")
    undocumented = present - set(documented)
    if model.schema == "bi" and undocumented:
        # The bi schema is a published contract: every column is documented.
        raise ModelError(f"{model.path}: header.columns: undocumented column(s) {sorted(undocumented)}")
    for column, text in documented.items():
        con.execute(f'COMMENT ON COLUMN {model.table}."{column}" IS {_quote(text)}')


def build_model_asset(model: SqlModel) -> dg.AssetsDefinition:
    """One SQL model as a Dagster asset (a two-table multi-asset when it quarantines)."""
    deps = [_dep_key(d) for d in model.deps]
    common = {
        "deps": deps,
        "group_name": model.schema,
        "owners": [OWNER],
        "kinds": set(model.kinds),
        "code_version": model.code_version,
        "tags": model.tags,
    }
    partitions = feed_partitions if model.partitioned else None
    definition_meta = {"dagster/table_name": model.table}
    if model.columns:
        definition_meta["dagster/column_schema"] = column_schema(model.columns)
    specs = [
        dg.AssetSpec(model.key, description=model.description, metadata=definition_meta, **common)
    ]
    if model.quarantine:
        specs.append(
            dg.AssetSpec(
                dg.AssetKey(["quarantine", model.name]),
                description=f"Rows rejected on their way to {model.table}, each with its reason.",
                **{**common, "group_name": "quarantine", "deps": deps},
            )
        )

    @dg.multi_asset(
        name=f"{model.schema}__{model.name}",
        specs=specs,
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run() if partitions else None,
        pool=WRITER_POOL,
        can_subset=False,
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        with warehouse.connect() as con:
            if model.partitioned:
                start, end = partition_dates(context)
                params = {"partition_start": start, "partition_end": end}
                counts = _replace_partitions(con, model, params)
                where = f"_partition_date BETWEEN DATE '{start}' AND DATE '{end}'"
                context.log.info(
                    f"{model.table} {start}..{end}: "
                    + ", ".join(f"{t} {n} rows" for t, n in counts.items())
                )
                lean = start != end
                yield dg.MaterializeResult(
                    asset_key=model.key,
                    metadata={
                        **table_metadata(con, model.table, model.columns, where=where, lean=lean),
                        "partition_range": f"{start}..{end}",
                    },
                )
                if model.quarantine:
                    yield dg.MaterializeResult(
                        asset_key=dg.AssetKey(["quarantine", model.name]),
                        metadata=table_metadata(
                            con, f"quarantine.{model.name}", model.columns, where=where, lean=lean
                        ),
                    )
            elif model.quarantine:
                counts = _replace_whole(con, model)
                context.log.info(", ".join(f"{t} {n} rows" for t, n in counts.items()))
                _comment(con, model, "TABLE")
                yield dg.MaterializeResult(
                    asset_key=model.key, metadata=table_metadata(con, model.table, model.columns)
                )
                yield dg.MaterializeResult(
                    asset_key=dg.AssetKey(["quarantine", model.name]),
                    metadata=table_metadata(con, f"quarantine.{model.name}", model.columns),
                )
            else:
                verb = "VIEW" if model.materialize == "view" else "TABLE"
                con.execute(f"CREATE OR REPLACE {verb} {model.table} AS {model.sql}")
                _comment(con, model, verb)
                yield dg.MaterializeResult(
                    asset_key=model.key, metadata=table_metadata(con, model.table, model.columns)
                )

    _asset.__doc__ = model.description
    return _asset


def model_assets(root: Path = MODELS_DIR) -> list[dg.AssetsDefinition]:
    return [build_model_asset(m) for m in discover_models(root)]
