"""The Dagster code location: every asset, check, job, schedule, sensor and resource."""

from __future__ import annotations

import dagster as dg

from kuva_pipeline.defs.catalog import catalog_assets
from kuva_pipeline.defs.publish import publish_assets
from kuva_pipeline.defs.raw import raw_assets
from kuva_pipeline.defs.reference import reference_assets
from kuva_pipeline.defs.scorecard import scorecard_assets
from kuva_pipeline.resources import default_resources
from kuva_pipeline.sqlmodels import model_assets


def build_definitions(
    resources: dict[str, object] | None = None,
    loggers: dict[str, dg.LoggerDefinition] | None = None,
    jobs: list[dg.UnresolvedAssetJobDefinition] | None = None,
) -> dg.Definitions:
    """The definitions; tests and the CLI pass their own resources, loggers or jobs."""
    assets = [*raw_assets, *reference_assets, *catalog_assets, *model_assets(), *scorecard_assets, *publish_assets]
    return dg.Definitions(
        assets=assets,
        resources={**default_resources(), **(resources or {})},
        loggers=loggers,
        jobs=jobs,
    )


defs = build_definitions()
