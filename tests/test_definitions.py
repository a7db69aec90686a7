"""The code location loads, and every asset follows the project's conventions."""

import dagster as dg

from kuva_pipeline.definitions import build_definitions, defs


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)


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
    schemas = {"landing", "raw", "staging", "quarantine", "meters", "marts", "quality", "bi"}
    for key in build_definitions().resolve_all_asset_keys():
        assert len(key.path) == 2 and key.path[0] in schemas, key
