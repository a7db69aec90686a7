"""Whole-table staging models with quarantine, for the unpartitioned sources (check-ins, finance).

`kuva_pipeline.sqlmodels` quarantines only partitioned models. The
unpartitioned sources are reloaded whole on every run, so their staging
models rebuild whole too: a SQL file under `assets/staging/unpartitioned/`
with the same YAML header (`materialize: table`, `quarantine: true`) returns
every raw row with a `_reject_reason`, and one transaction writes the clean
rows to `staging.<name>` and the rejected ones to `quarantine.<name>`. When the
factory learns `quarantine` on table models these files can move up a folder
unchanged.
"""


import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import yaml

from kuva_pipeline.metadata import column_schema, table_metadata
from kuva_pipeline.resources import WarehouseResource
from kuva_pipeline.settings import PROJECT_ROOT
from kuva_pipeline.sqlmodels import OWNER, WRITER_POOL

WHOLE_MODELS_DIR = PROJECT_ROOT / "assets" / "staging" / "unpartitioned"
_HEADER = re.compile(r"\A\s*/\*\s*---\s*\n(.*?)\n\s*---\s*\*/\s*(.*)\Z", re.S)
_KEYS = {"description", "deps", "materialize", "quarantine", "columns", "tags", "kinds"}


class WholeModelError(ValueError):
    """A whole-table model file whose header is wrong."""


@dataclass(frozen=True)
class WholeModel:
    name: str
    path: Path
    sql: str
    description: str
    deps: tuple[str, ...]
    columns: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def code_version(self) -> str:
        return "1-" + hashlib.sha256(self.path.read_bytes()).hexdigest()[:12]


def parse_whole_model(path: Path) -> WholeModel:
    match = _HEADER.match(path.read_text(encoding="utf-8"))
    if not match:
        raise WholeModelError(f"{path}: line 1: a model starts with a /* --- YAML --- */ header")
    header = yaml.safe_load(match.group(1)) or {}
    unknown = set(header) - _KEYS
    if unknown:
        raise WholeModelError(f"{path}: header: unknown key(s) {sorted(unknown)}")
    if header.get("materialize", "table") != "table" or not header.get("quarantine"):
        raise WholeModelError(f"{path}: header: models here are `materialize: table` with `quarantine: true`")
    if not header.get("description"):
        raise WholeModelError(f"{path}: header.description: every model needs a one-line description")
    return WholeModel(
        name=path.stem,
        path=path,
        sql=match.group(2).strip().rstrip(";"),
        description=str(header["description"]).strip(),
        deps=tuple(header.get("deps") or ()),
        columns={str(k): str(v) for k, v in (header.get("columns") or {}).items()},
        tags={str(k): str(v) for k, v in (header.get("tags") or {}).items()},
    )


def rebuild(con, model: WholeModel) -> dict[str, int]:
    """Run the model and replace staging.<name> and quarantine.<name> in one transaction."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _whole AS {model.sql}")
    cols = [r[0] for r in con.execute("DESCRIBE _whole").fetchall()]
    if "_reject_reason" not in cols:
        raise WholeModelError(f"{model.path}: a quarantining model must return _reject_reason")
    order = " ORDER BY _source_file, _record_index" if {"_source_file", "_record_index"} <= set(cols) else ""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            f"CREATE OR REPLACE TABLE staging.{model.name} AS SELECT * EXCLUDE (_reject_reason) "
            f"FROM _whole WHERE _reject_reason IS NULL{order}"
        )
        con.execute(
            f"CREATE OR REPLACE TABLE quarantine.{model.name} AS SELECT * "
            f"FROM _whole WHERE _reject_reason IS NOT NULL{order}"
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("DROP TABLE IF EXISTS _whole")
    return {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in (f"staging.{model.name}", f"quarantine.{model.name}")
    }


def build_whole_model_asset(model: WholeModel) -> dg.AssetsDefinition:
    deps = [dg.AssetKey(d.split(".")) for d in model.deps]
    common = {
        "deps": deps,
        "owners": [OWNER],
        "kinds": {"duckdb", "sql"},
        "code_version": model.code_version,
        "tags": model.tags,
    }
    meta = {"dagster/table_name": f"staging.{model.name}"}
    if model.columns:
        meta["dagster/column_schema"] = column_schema(model.columns)

    @dg.multi_asset(
        name=f"staging__{model.name}",
        specs=[
            dg.AssetSpec(
                ["staging", model.name],
                description=model.description,
                metadata=meta,
                group_name="staging",
                **common,
            ),
            dg.AssetSpec(
                ["quarantine", model.name],
                description=f"Rows rejected on their way to staging.{model.name}, each with its reason.",
                group_name="quarantine",
                **common,
            ),
        ],
        pool=WRITER_POOL,
        can_subset=False,
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        with warehouse.connect() as con:
            counts = rebuild(con, model)
            context.log.info(", ".join(f"{t} {n} rows" for t, n in counts.items()))
            yield dg.MaterializeResult(
                asset_key=["staging", model.name],
                metadata=table_metadata(con, f"staging.{model.name}", model.columns),
            )
            yield dg.MaterializeResult(
                asset_key=["quarantine", model.name],
                metadata=table_metadata(con, f"quarantine.{model.name}", model.columns),
            )

    _asset.__doc__ = model.description
    return _asset


def whole_model_assets(root: Path = WHOLE_MODELS_DIR) -> list[dg.AssetsDefinition]:
    return [build_whole_model_asset(parse_whole_model(p)) for p in sorted(root.glob("*.sql"))]
