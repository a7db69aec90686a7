"""The meter catalog: scorecards as code under data/catalog/, validated and loaded.

`load_catalog()` returns the validated `Catalog`; `Catalog.frames()` gives the
warehouse tables; `targets` holds the target grammar the scoring engine uses.
"""

from kuva_pipeline.catalog.loader import (
    CatalogError,
    catalog_dir,
    export_json_schema,
    load_catalog,
    validate_catalog,
    validate_command,
)
from kuva_pipeline.catalog.model import Catalog, CheckIn, Goal, Meter, Scorecard
from kuva_pipeline.catalog.validation import Problem

__all__ = [
    "Catalog",
    "CatalogError",
    "CheckIn",
    "Goal",
    "Meter",
    "Problem",
    "Scorecard",
    "catalog_dir",
    "export_json_schema",
    "load_catalog",
    "validate_catalog",
    "validate_command",
]
