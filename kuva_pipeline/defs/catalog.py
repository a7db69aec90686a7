"""Catalog assets: the scorecard YAML files loaded into the marts dimension tables."""

import hashlib

import dagster as dg
import pandas as pd

from kuva_pipeline.metadata import table_metadata
from kuva_pipeline.resources import OWNER, WRITER_POOL, CatalogResource, WarehouseResource

CATALOG_TABLES: dict[str, str] = {
    "dim_scorecard": "Scorecards: one per unit and year, from the catalog.",
    "dim_goal": "Goals of each scorecard with theme, owners, risks and goal-area weight.",
    "dim_meter": "Meters with unit, direction, service area, source binding and baseline.",
    "dim_target": "Each meter's target for its year, with bounds resolved against the baseline.",
    "fact_checkin": "Values and statuses the scorecard documents report, as dated check-ins.",
    "dim_status": "The scoring statuses with their Finnish and English labels, worst first.",
}


def status_frame() -> pd.DataFrame:
    """The scoring vocabulary as a table, so SQL roll-ups and BI label statuses as the engine does."""
    from kuva_pipeline.scoring import STATUS_LABELS
    from kuva_pipeline.scoring.labels import STATUS_RANK

    return pd.DataFrame(
        [
            {
                "status": status,
                "label_fi": labels["fi"],
                "label_en": labels["en"],
                # Worst first; no_data sorts last, outside the order of measured statuses.
                "sort_order": STATUS_RANK.get(status, len(STATUS_RANK)),
            }
            for status, labels in STATUS_LABELS.items()
        ]
    )


def _catalog_version(catalog: CatalogResource) -> str:
    digest = hashlib.sha256()
    for path in sorted(catalog.path.glob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["marts", name],
            description=description,
            group_name="catalog",
            owners=[OWNER],
            kinds={"duckdb", "yaml"},
            code_version="1",
        )
        for name, description in CATALOG_TABLES.items()
    ],
    pool=WRITER_POOL,
    name="catalog_dimensions",
    can_subset=True,
)
def catalog_dimensions(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, catalog: CatalogResource
):
    """Validate the catalog and load it into the marts dimension tables."""
    from kuva_pipeline.catalog.loader import load_catalog

    # The whole catalog is validated even when one table is asked for: a broken
    # file must stop every dimension, not just the one that shows the problem.
    frames = {**load_catalog(catalog.path).frames(), "dim_status": status_frame()}
    version = _catalog_version(catalog)
    selected = [n for n in CATALOG_TABLES if dg.AssetKey(["marts", n]) in context.selected_asset_keys]
    with warehouse.connect() as con:
        for name in selected:
            df = frames[name]  # noqa: F841 - read by DuckDB's replacement scan below
            con.execute(f"CREATE OR REPLACE TABLE marts.{name} AS SELECT * FROM df")
        for name in selected:
            yield dg.MaterializeResult(
                asset_key=["marts", name],
                metadata={**table_metadata(con, f"marts.{name}"), "catalog_version": version},
                data_version=dg.DataVersion(version),
            )


ASSETS = [catalog_dimensions]
