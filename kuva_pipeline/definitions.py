"""The Dagster code location: every asset, check, job, schedule, sensor and resource.

Each module under `kuva_pipeline/defs/` contributes by naming what it defines
in module-level lists: `ASSETS`, `ASSET_CHECKS`, `JOBS`, `SCHEDULES`,
`SENSORS`. The dbt models under `assets/` come in through `defs/models.py`. Adding a
source or a check means adding a module, not editing this file.
"""

from __future__ import annotations

import importlib
import pkgutil

import dagster as dg

from kuva_pipeline import defs as defs_package
from kuva_pipeline.dbt_project import dbt_resource
from kuva_pipeline.resources import default_resources

_KINDS = ("ASSETS", "ASSET_CHECKS", "JOBS", "SCHEDULES", "SENSORS")


def _collect() -> dict[str, list]:
    found: dict[str, list] = {kind: [] for kind in _KINDS}
    for info in sorted(pkgutil.iter_modules(defs_package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{defs_package.__name__}.{info.name}")
        for kind in _KINDS:
            found[kind].extend(getattr(module, kind, ()))
    return found


def build_definitions(
    resources: dict[str, object] | None = None,
    loggers: dict[str, dg.LoggerDefinition] | None = None,
    jobs: list | None = None,
) -> dg.Definitions:
    """The definitions; tests and the CLI pass their own resources, loggers or jobs."""
    from kuva_pipeline.defs.operations import with_freshness_policies

    found = _collect()
    return dg.Definitions(
        assets=with_freshness_policies(found["ASSETS"]),
        asset_checks=found["ASSET_CHECKS"],
        jobs=[*found["JOBS"], *(jobs or [])],
        schedules=found["SCHEDULES"],
        sensors=found["SENSORS"],
        resources={"dbt": dbt_resource(), **default_resources(), **(resources or {})},
        loggers=loggers,
    )


defs = build_definitions()
