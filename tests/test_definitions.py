"""The code location loads, holds everything the defs modules define, and follows the conventions."""

import importlib

import dagster as dg

from kuva_pipeline.definitions import autoloaded, build_definitions, defs
from kuva_pipeline.resources import WarehouseResource
from kuva_pipeline.settings import PROJECT_ROOT

# Named here, not discovered, so that a definition autoloading misses fails a test.
JOBS = {"nightly_refresh", "landing_refresh"}
SCHEDULES = {"nightly_refresh_schedule"}
SENSORS = {"landing_files_sensor", "run_failure_alert", "run_warning_alert"}
RESOURCES = {"dbt", "warehouse", "landing", "catalog"}
ASSET_MODULES = ("catalog", "fetch", "models", "publish", "quality", "raw", "reference")


def _listed() -> tuple[set[dg.AssetKey], set[dg.AssetCheckKey]]:
    """The asset and check keys the defs modules list in `ASSETS` and `ASSET_CHECKS`.

    What the code location held before autoloading: the hand-written collector
    gathered exactly these lists.
    """
    keys: set[dg.AssetKey] = set()
    checks: set[dg.AssetCheckKey] = set()
    for name in ASSET_MODULES:
        module = importlib.import_module(f"kuva_pipeline.defs.{name}")
        for assets in [*module.ASSETS, *getattr(module, "ASSET_CHECKS", [])]:
            keys |= set(assets.keys)
            checks |= set(assets.check_keys)
    return keys, checks


def _names(items) -> set[str]:
    return {item.name for item in items}


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)


def test_autoloading_finds_every_asset_check_job_schedule_sensor_and_resource():
    repo = defs.get_repository_def()
    keys, checks = _listed()
    assert set(repo.asset_graph.get_all_asset_keys()) == keys
    assert set(repo.asset_graph.asset_check_keys) == checks
    assert {job.name for job in repo.get_all_jobs() if not job.name.startswith("__")} == JOBS
    assert _names(repo.schedule_defs) == SCHEDULES
    assert _names(repo.sensor_defs) == SENSORS
    assert set(defs.resources) == RESOURCES


def test_an_asset_two_modules_hold_is_defined_once():
    # defs/publish.py imports the dbt models' multi-asset: autoloading sees it twice.
    keys = [key for assets in defs.assets for key in assets.keys]
    assert len(keys) == len(set(keys))


def test_the_folder_build_holds_what_dagsters_standard_loader_finds():
    """`dg.load_from_defs_folder`, reading `[tool.dg]` in pyproject.toml, finds the same definitions."""
    standard = dg.load_from_defs_folder(path_within_project=PROJECT_ROOT)
    ours = autoloaded()
    assert set(standard.resolve_all_asset_keys()) == set(ours.resolve_all_asset_keys())
    assert {k for c in standard.asset_checks for k in c.check_keys} == {
        k for c in ours.asset_checks for k in c.check_keys
    }
    assert _names(standard.jobs) == _names(ours.jobs) == JOBS
    assert _names(standard.schedules) == _names(ours.schedules)
    assert _names(standard.sensors) == _names(ours.sensors)
    assert set(standard.resources) == set(ours.resources) == RESOURCES


def test_given_resources_replace_the_autoloaded_ones_and_given_jobs_join():
    warehouse = WarehouseResource(path="elsewhere.duckdb")
    job = dg.define_asset_job("given_job", selection=dg.AssetSelection.all())
    built = build_definitions(resources={"warehouse": warehouse}, jobs=[job])
    assert built.resources["warehouse"] is warehouse
    assert set(built.resources) == RESOURCES
    assert _names(built.jobs) == JOBS | {"given_job"}


def test_every_asset_has_owner_group_kind_description_and_code_version():
    specs = list(build_definitions().resolve_all_asset_specs())
    assert specs, "no assets defined"
    for spec in specs:
        name = spec.key.to_user_string()
        assert spec.owners, f"{name} has no owner"
        assert spec.group_name and spec.group_name != "default", f"{name} has no layer group"
        assert spec.kinds, f"{name} has no kinds"
        assert spec.description and len(spec.description.splitlines()) == 1, (
            f"{name} needs a one-line business description"
        )
        assert spec.code_version, f"{name} has no code version"


def test_asset_keys_mirror_warehouse_schemas():
    # `landing/<folder>`: the fetch assets, whose output is the landing zone's files.
    schemas = {"landing", "raw", "catalog", "staging", "quarantine", "meters", "marts", "quality", "bi"}
    for key in build_definitions().resolve_all_asset_keys():
        assert len(key.path) == 2 and key.path[0] in schemas, key
