"""Where things live: project paths and the environment variables that move them.

Every default works on a fresh clone; an environment variable (see
`.env.example`) moves a location without code changes. Resources read these
through `dg.EnvVar` when the variable is set, so the UI shows where a value
came from.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from kuva_pipeline.sqlmacros import CATALOG as MACRO_CATALOG

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# name -> default relative to the project root
DEFAULTS: dict[str, str] = {
    "KUVA_WAREHOUSE_PATH": "data/warehouse/kuva.duckdb",
    "KUVA_BI_PATH": "data/warehouse/kuva_bi.duckdb",
    "KUVA_LANDING_DIR": "data/landing",
    "KUVA_REFERENCE_DIR": "data/reference",
    "KUVA_CATALOG_DIR": "data/catalog",
}


DATABASE_FILES = ("KUVA_WAREHOUSE_PATH", "KUVA_BI_PATH")
"""The settings that name DuckDB files."""

WAREHOUSE_SCHEMAS: tuple[str, ...] = (
    "raw", "catalog", "staging", "quarantine", "meters", "marts", "quality", "bi"
)
"""The warehouse's schemas (every writing connection makes sure they exist)."""

RESERVED_FILE_NAMES = (*WAREHOUSE_SCHEMAS, "main", MACRO_CATALOG)
"""Names a DuckDB file of the project may not have: DuckDB names a database after its file,
and a database named like one of its schemas (`bi.duckdb`) makes `bi.scorecard` ambiguous,
as one named like the SQL macros' in-memory database (`sqlmacros.CATALOG`) could not be attached."""


def path_setting(name: str) -> Path:
    """The resolved path for a setting: the environment variable, else the default.

    A DuckDB file named after a schema (`bi.duckdb`) is refused with the reason, before
    any work, rather than failing at its first query."""
    raw = os.environ.get(name) or DEFAULTS[name]
    path = Path(raw)
    if name in DATABASE_FILES and path.stem.lower() in RESERVED_FILE_NAMES:
        raise ValueError(
            f"{name}={raw}: DuckDB names the database after the file, and {path.stem!r} is also "
            f"the name of a schema or database beside it, so its tables could not be told apart; name the file otherwise "
            f"(not one of {', '.join(RESERVED_FILE_NAMES)}), e.g. kuva_{path.stem}.duckdb"
        )
    return path if path.is_absolute() else PROJECT_ROOT / path


def resource_value(name: str) -> str | dg.EnvVar:
    """A resource field value: `dg.EnvVar` when the variable is set, else the default path."""
    if os.environ.get(name):
        return dg.EnvVar(name)
    return str(path_setting(name))


def resolve(path: str | os.PathLike[str]) -> Path:
    """A configured path made absolute against the project root."""
    p = Path(path)
    return p if p.is_absolute() else PROJECT_ROOT / p
