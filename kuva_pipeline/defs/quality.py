"""Data-quality checks on every layer, built from the contracts in `checks/`, and their history.

`ASSET_CHECKS` holds one check step per checked step of the graph (see
kuva_pipeline/quality/factory.py); `quality/check_results` is the table every
evaluation is appended to. docs/quality.md lists every check and its severity.
"""

import importlib
import pkgutil

import dagster as dg

from kuva_pipeline import defs as defs_package
from kuva_pipeline.defs.raw import RAW_SOURCES
from kuva_pipeline.metadata import column_schema, table_metadata
from kuva_pipeline.quality.factory import build_asset_checks
from kuva_pipeline.quality.results import COLUMNS, TABLE, ensure_table
from kuva_pipeline.resources import OWNER, WRITER_POOL, WarehouseResource
from kuva_pipeline.sqlmodels import model_assets


def project_assets() -> list[dg.AssetsDefinition]:
    """Every asset the other defs modules and the SQL models define (what checks may target)."""
    found: list[dg.AssetsDefinition] = []
    for info in sorted(pkgutil.iter_modules(defs_package.__path__), key=lambda i: i.name):
        if info.name == __name__.rsplit(".", 1)[-1]:
            continue
        module = importlib.import_module(f"{defs_package.__name__}.{info.name}")
        found.extend(a for a in getattr(module, "ASSETS", ()) if isinstance(a, dg.AssetsDefinition))
    return [*found, *model_assets()]


@dg.asset(
    key=["quality", "check_results"],
    description="Every data-quality check evaluation with its verdict, failing rows and waiver, appended and never overwritten.",
    group_name="quality",
    owners=[OWNER],
    kinds={"duckdb", "python"},
    code_version="1",
    pool=WRITER_POOL,
    metadata={
        "dagster/table_name": TABLE,
        "dagster/column_schema": column_schema(
            {name: text for name, (_, text) in COLUMNS.items()},
            {name: sql_type for name, (sql_type, _) in COLUMNS.items()},
        ),
    },
)
def check_results(warehouse: WarehouseResource) -> dg.MaterializeResult:
    # The checks append their rows themselves; this asset makes sure the table
    # exists (and has every column) so the bi view over it always resolves.
    with warehouse.connect() as con:
        ensure_table(con)
        failing = con.execute(
            f"""
            SELECT count(*) FROM (
                SELECT passed, row_number() OVER (
                    PARTITION BY asset, check_name, "partition" ORDER BY checked_at DESC) AS rn
                FROM {TABLE}) WHERE rn = 1 AND NOT passed
            """
        ).fetchone()[0]
        meta = table_metadata(con, TABLE, {name: text for name, (_, text) in COLUMNS.items()})
    return dg.MaterializeResult(metadata={**meta, "checks_failing_now": int(failing)})


ASSETS = [check_results]
ASSET_CHECKS = build_asset_checks(project_assets(), RAW_SOURCES)
