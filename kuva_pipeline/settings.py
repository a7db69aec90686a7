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

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# name -> default relative to the project root
DEFAULTS: dict[str, str] = {
    "KUVA_WAREHOUSE_PATH": "data/warehouse/kuva.duckdb",
    "KUVA_BI_PATH": "data/warehouse/kuva_bi.duckdb",
    "KUVA_LANDING_DIR": "data/landing",
    "KUVA_REFERENCE_DIR": "data/reference",
    "KUVA_CATALOG_DIR": "data/catalog",
}


def path_setting(name: str) -> Path:
    """The resolved path for a setting: the environment variable, else the default."""
    raw = os.environ.get(name) or DEFAULTS[name]
    path = Path(raw)
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
