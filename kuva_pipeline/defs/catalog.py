"""Catalog assets: the scorecard YAML files loaded into the `catalog` schema (dimensions, check-ins, labels)."""

import hashlib
from typing import TYPE_CHECKING

import dagster as dg

from kuva_pipeline.metadata import table_metadata
from kuva_pipeline.resources import OWNER, WRITER_POOL, CatalogResource, WarehouseResource

if TYPE_CHECKING:
    import pandas as pd

CATALOG_TABLES: dict[str, str] = {
    "dim_scorecard": "Scorecards: one per unit and year, from the catalog.",
    "dim_goal": "Goals of each scorecard with theme, owners, risks and goal-area weight.",
    "dim_meter": "Meters with unit, direction, service area, source binding and baseline.",
    "dim_target": "Each meter's target for its year, with bounds resolved against the baseline.",
    "fact_checkin": "Values and statuses the scorecard documents report, as dated check-ins.",
    "dim_label": "The scoring vocabulary (statuses, tiers, forecasts, check-in statuses) in Finnish and English.",
}


def label_frame() -> "pd.DataFrame":
    """The scoring vocabulary as one table, so SQL roll-ups and BI tools label as the engine does.

    One row per (vocabulary, code): statuses with their colour token, icon and
    order (worst first, no data last), tiers, forecasts and check-in statuses.
    """
    import pandas as pd  # at use: importing it at start-up cost 0.4 s

    from kuva_pipeline.scoring import labels as L

    rows = [
        {
            "vocabulary": "status",
            "code": code,
            "label_fi": text["fi"],
            "label_en": text["en"],
            "sort_order": L.STATUS_SORT[code],
            "colour": L.STATUS_STYLE[code][0],
            "icon": L.STATUS_STYLE[code][1],
        }
        for code, text in L.STATUS_LABELS.items()
    ]
    for vocabulary, table in (
        ("tier", L.TIER_LABELS),
        ("forecast", L.FORECAST_LABELS),
        ("checkin_status", L.CHECKIN_STATUS_LABELS),
    ):
        rows += [
            {
                "vocabulary": vocabulary,
                "code": code,
                "label_fi": text["fi"],
                "label_en": text["en"],
                "sort_order": order,
                "colour": None,
                "icon": None,
            }
            for order, (code, text) in enumerate(table.items())
        ]
    return pd.DataFrame(rows)


def _catalog_version(catalog: CatalogResource) -> str:
    digest = hashlib.sha256()
    for path in sorted(catalog.path.glob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["catalog", name],
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
    """Validate the catalog and load it into the catalog schema's tables."""
    from kuva_pipeline.catalog.loader import load_catalog

    # The whole catalog is validated even when one table is asked for: a broken
    # file must stop every dimension, not just the one that shows the problem.
    frames = {**load_catalog(catalog.path).frames(), "dim_label": label_frame()}
    version = _catalog_version(catalog)
    selected = [
        n for n in CATALOG_TABLES if dg.AssetKey(["catalog", n]) in context.selected_asset_keys
    ]
    with warehouse.connect() as con:
        for name in selected:
            df = frames[name]  # noqa: F841 - read by DuckDB's replacement scan below
            con.execute(f"CREATE OR REPLACE TABLE catalog.{name} AS SELECT * FROM df")
        for name in selected:
            yield dg.MaterializeResult(
                asset_key=["catalog", name],
                metadata={**table_metadata(con, f"catalog.{name}"), "catalog_version": version},
                data_version=dg.DataVersion(version),
            )


ASSETS = [catalog_dimensions]
