"""The warehouse layers follow the graph: no model reads a layer that comes after its own.

Read from dbt's manifest (every model's `depends_on`), so a new `ref()` or
`source()` across the layers fails here, whatever the model's file says about
itself. A source belongs to the layer its dbt source is named after (`raw`,
`reference`, `catalog`, `quality`); a model to its schema.
"""

from __future__ import annotations

import pytest

from kuva_pipeline.dbt_project import load_manifest

ORDER = {
    "raw": 0,
    "reference": 0,
    "catalog": 1,
    "staging": 2,
    "quarantine": 2,
    "meters": 3,
    "marts": 4,
    "quality": 4,
    "bi": 5,
}
"""Where each layer sits: reference data is loaded beside raw, the catalog before any
model reads it, and `quality.check_results` (every check's verdicts, written while the
run goes) is read only from the scoring on."""

READS = {
    "catalog": {"catalog"},
    "staging": {"raw", "reference", "catalog", "staging"},
    "quarantine": {"staging", "reference"},
    "meters": {"reference", "catalog", "staging", "meters"},
    "marts": {"catalog", "staging", "meters", "quality", "marts"},
    "bi": {"catalog", "meters", "marts", "quality"},
}
"""The layers each layer reads, today. The quarantine views read their typed staging
model, and the NPS one the device reference beside it (its site and service area, which
the typed model does not store); bi publishes `meters.meter_values` as it is, without a copy in marts."""


def _layer(manifest: dict, unique_id: str) -> str:
    if unique_id.startswith("source."):
        return manifest["sources"][unique_id]["source_name"]
    return manifest["nodes"][unique_id]["schema"]


@pytest.fixture(scope="module")
def reads() -> dict[str, set[tuple[str, str]]]:
    """Each model (`<layer>.<table>`) -> the (layer, unique id) of everything it reads."""
    manifest = load_manifest()
    return {
        f"{node['schema']}.{node['alias']}": {
            (_layer(manifest, dep), dep) for dep in node["depends_on"]["nodes"]
        }
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }


def test_every_layer_is_ordered(reads):
    layers = {model.split(".")[0] for model in reads} | {layer for deps in reads.values() for layer, _ in deps}
    assert layers <= set(ORDER), f"layers without a place in the order: {layers - set(ORDER)}"
    assert set(READS) == {model.split(".")[0] for model in reads}


def test_no_model_reads_a_later_layer(reads):
    later = sorted(
        f"{model} reads {dep} ({layer})"
        for model, deps in reads.items()
        for layer, dep in deps
        if ORDER[layer] > ORDER[model.split(".")[0]]
    )
    assert not later, "\n".join(later)


def test_each_layer_reads_only_its_own_inputs(reads):
    stray = sorted(
        f"{model} reads {dep} ({layer})"
        for model, deps in reads.items()
        for layer, dep in deps
        if layer not in READS[model.split(".")[0]]
    )
    assert not stray, "\n".join(stray)


def test_nothing_before_the_marts_reads_them(reads):
    readers = {model for model, deps in reads.items() if any(layer == "marts" for layer, _ in deps)}
    assert readers, "the bi views read the marts"
    assert {r.split(".")[0] for r in readers} <= {"marts", "bi"}, sorted(readers)


def test_the_catalog_is_read_by_staging_meters_and_marts_from_its_own_schema():
    manifest = load_manifest()
    catalog = [s for s in manifest["sources"].values() if s["source_name"] == "catalog"]
    assert {s["name"] for s in catalog} >= {
        "dim_scorecard", "dim_goal", "dim_meter", "dim_target", "fact_checkin", "dim_label",
    }
    for source in catalog:
        assert source["schema"] == "catalog", source["name"]
        assert source["meta"]["dagster"]["asset_key"] == ["catalog", source["name"]]
    readers = {
        node["schema"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and any(dep in {s["unique_id"] for s in catalog} for dep in node["depends_on"]["nodes"])
    }
    assert {"staging", "meters", "marts"} <= readers
