"""The Dagster code location: every asset, check, job, schedule, sensor and resource.

Dagster autoloads them from the `kuva_pipeline/defs/` folder, the layout of
projects made by `create-dagster` (`[tool.dg]` in pyproject.toml declares it
to Dagster's tools): every definition a module there holds at module level, or
in a module-level list, joins the code location, and `defs/resources.py`
supplies the resources. The dbt models under `assets/` come in through
`defs/models.py`. Adding a source or a check means adding a module, not
editing this file.
"""

from __future__ import annotations

import warnings

import dagster as dg

from kuva_pipeline import defs as defs_folder
from kuva_pipeline.defs.schedules import with_freshness_policies
from kuva_pipeline.settings import PROJECT_ROOT


def autoloaded() -> dg.Definitions:
    """Everything the modules of `defs/` define, as Dagster's autoloading finds it.

    The tree `dg.load_from_defs_folder` builds, built from the defs module at
    hand and at the defs folder rather than at its root: the root adds a
    catalog of every installed component type (JSON schemas for `dg`'s docs),
    which this project, having no components, does not use, and which would add
    about 0.3 s to every load; finding the module through pyproject.toml would
    parse that file twice more.
    """
    tree = dg.ComponentTree.from_module(defs_module=defs_folder, project_root=PROJECT_ROOT)
    with warnings.catch_warnings():
        # The loader calls Dagster's own preview-marked module loader; its entry
        # point silences that warning too, so every load does not print it.
        warnings.simplefilter("ignore", dg.PreviewWarning)
        found = tree.build_defs(tree.defs_module_path)
    return dg.Definitions.merge(found, dg.Definitions(component_tree=tree))


def build_definitions(
    resources: dict[str, object] | None = None,
    loggers: dict[str, dg.LoggerDefinition] | None = None,
    jobs: list | None = None,
) -> dg.Definitions:
    """The definitions; tests and the CLI pass their own resources, loggers or jobs.

    Given resources replace the autoloaded ones of the same key (which
    `Definitions.merge` would refuse as a conflict); given jobs and loggers are
    added. The scorecard's freshness policy is attached here, after loading.
    """
    loaded = autoloaded()
    return dg.Definitions(
        assets=with_freshness_policies(loaded.assets or []),
        asset_checks=loaded.asset_checks,
        jobs=[*(loaded.jobs or []), *(jobs or [])],
        schedules=loaded.schedules,
        sensors=loaded.sensors,
        resources={**(loaded.resources or {}), **(resources or {})},
        loggers={**(loaded.loggers or {}), **(loggers or {})} or None,
        executor=loaded.executor,
        metadata=loaded.metadata,
        component_tree=loaded.component_tree,
    )


defs = build_definitions()
