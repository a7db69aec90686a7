"""Adding a meter on a new measure, done once as a planner would, and the files it takes counted.

In copies of the dbt project (`assets/`) and of the catalog (`data/catalog/`),
the test adds the measure `promoters` to the NPS source: its declaration
(config meta) and its `SELECT` in `meters__nps_measures.sql`, the one model;
and a meter on it in `binding_goals_2021.yaml`, the one catalog file. This test
is the third file. It then checks that nothing generated has to be written
again (the JSON Schema, the docs, dbt's raw sources), that the edit touched
exactly those two files of the copies, and that the pipeline computes the
meter's value from the fixture export as counted by hand below.

tests/fixtures/landing/nps/2021/nps_2021-03.csv (see tests/test_nps_slice.py):

  id  device (area)   survey  button  misuse  fate
  1   101 (KIR)       9001    10      false   promoter
  2   101 (KIR)       9001     9      false   promoter
  3   102 (KULP)      9001     7      false   passive
  4   102 (KULP)      9001     3      false   detractor
  5   102 (KULP)      9001     0      true    misuse: not an answer
  6   103 (LIIKU)     9002     2      false   smiley survey: not an answer
  7   103 (LIIKU)     9001    10      false   promoter (its identical copy is quarantined)
  8   999             9001    10      false   quarantined: unknown device
  9   101 (KIR)       9001    11      false   quarantined: button out of range
  10  101 (KIR)       9001     5      false   quarantined: bad timestamp
"""

from __future__ import annotations

import filecmp
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from kuva_pipeline.resources import CatalogResource, LandingResource, WarehouseResource
from kuva_pipeline.sources import declaration
from tests.conftest import FIXTURES, ROOT, dbt_project_copy, materialize_range

META_END = "        },\n    },\n) }}\n"
"""How the config block of a measures model ends: the last measure, `measures`, `meta`."""

NEW_MEASURE_META = """            'promoters': {
                'description': 'Promoters (answers 9-10) on NPS surveys in the period.',
                'unit': 'answers',
                'accumulation': 'cumulative',
            },
"""

NEW_MEASURE_SELECT = """UNION ALL
SELECT 'nps', 'promoters', grain, period_start, period_end, service_area,
       promoters::DOUBLE, promoters::DOUBLE, NULL::DOUBLE, answers
FROM by_area
"""

NEW_METER = {
    "id": "binding_goals_2021.nps_promoters_kir",
    "name": {"fi": "NPS-suosittelijat, kirjastot", "en": "NPS promoters, libraries"},
    "unit": "answers",
    "direction": "higher",
    "service_area": "KIR",
    "source": "nps",
    "measure": "promoters",
    "baseline": None,
    "target": {"kind": "at_least", "value": 2},
}
CARD = "binding_goals_2021.yaml"

# Promoters in March 2021 on KIR's devices: ids 1 and 2 (id 9 is quarantined).
KIR_PROMOTERS = len([1, 2])


def add_the_measure(sql: str) -> str:
    """Step 1 of README's "How to add a meter on a new measure": one model, its meta and its SELECT."""
    assert sql.count(META_END) == 1 and sql.count("ORDER BY measure") == 1
    sql = sql.replace(META_END, NEW_MEASURE_META + META_END)
    return sql.replace("ORDER BY measure", NEW_MEASURE_SELECT + "ORDER BY measure")


def add_the_meter(catalog: Path) -> None:
    """Step 2: the meter, in the first goal of one scorecard."""
    path = catalog / CARD
    card = yaml.safe_load(path.read_text(encoding="utf-8"))
    card["goals"][0]["meters"].append(NEW_METER)
    path.write_text(yaml.safe_dump(card, allow_unicode=True, sort_keys=False), encoding="utf-8")


def changed_files(original: Path, copy: Path, ignore=("target", "logs")) -> list[str]:
    """Files of `copy` that differ from, or are not in, `original` (paths relative to the copy)."""
    found = []
    for path in sorted(copy.rglob("*")):
        relative = path.relative_to(copy)
        if path.is_dir() or relative.parts[0] in ignore:
            continue
        if not (original / relative).exists() or not filecmp.cmp(original / relative, path, shallow=False):
            found.append(str(relative))
    return found


@pytest.fixture
def project_with_the_measure(tmp_path, monkeypatch):
    dbt = dbt_project_copy(tmp_path, "meters__nps_measures", add_the_measure)
    monkeypatch.setattr(declaration, "MEASURES_PROJECT", Path(dbt.project_dir))
    return dbt


@pytest.fixture
def catalog_with_the_meter(tmp_path) -> Path:
    catalog = tmp_path / "catalog"
    shutil.copytree(ROOT / "data" / "catalog", catalog)
    add_the_meter(catalog)
    return catalog


def test_without_the_measure_the_meter_is_refused(catalog_with_the_meter):
    from kuva_pipeline.catalog import validate_catalog

    problems = [str(p) for p in validate_catalog(catalog_with_the_meter)]
    assert len(problems) == 1
    assert problems[0].startswith(f"{CARD}: goals[0].meters[")
    assert problems[0].endswith(
        ".measure: unknown measure 'promoters' for source 'nps' (known: nps_index, devices_in_use)"
    )


def test_two_files_and_a_test_add_the_meter_and_nothing_generated_changes(
    project_with_the_measure, catalog_with_the_meter
):
    from kuva_pipeline.catalog import load_catalog, validate_catalog
    from kuva_pipeline.catalog.loader import SCHEMA_FILE_NAME, render_json_schema
    from kuva_pipeline.dbt_project import DBT_DIR
    from kuva_pipeline.sources.declaration import measures_by_source
    from kuva_pipeline.sources.docs import (
        CATALOG_DOC,
        DBT_RAW_SOURCES,
        SOURCES_DOC,
        render_bindings,
        render_dbt_raw_sources,
        render_sources,
    )

    project = Path(project_with_the_measure.project_dir)
    assert changed_files(DBT_DIR, project) == ["models/meters/meters__nps_measures.sql"]
    assert changed_files(ROOT / "data" / "catalog", catalog_with_the_meter) == [CARD]

    promoters = measures_by_source()["nps"]["promoters"]
    assert (promoters.unit, promoters.accumulation) == ("answers", "cumulative")
    assert validate_catalog(catalog_with_the_meter) == []
    # The meter takes the measure's accumulation.
    assert load_catalog(catalog_with_the_meter).meter(NEW_METER["id"]).accumulation == "cumulative"
    # Nothing derived from the declarations has to be written again.
    assert render_json_schema() == (ROOT / "data" / "catalog" / SCHEMA_FILE_NAME).read_text(encoding="utf-8")
    assert render_bindings() in CATALOG_DOC.read_text(encoding="utf-8")
    assert render_sources() in SOURCES_DOC.read_text(encoding="utf-8")
    assert render_dbt_raw_sources() == DBT_RAW_SOURCES.read_text(encoding="utf-8")


def test_the_pipeline_computes_the_new_meter(project_with_the_measure, catalog_with_the_meter, tmp_path):
    warehouse = tmp_path / "warehouse" / "kuva.duckdb"
    resources = {
        "warehouse": WarehouseResource(path=str(warehouse)),
        "landing": LandingResource(root=str(FIXTURES / "landing"), reference_root=str(FIXTURES / "reference")),
        "catalog": CatalogResource(directory=str(catalog_with_the_meter)),
        "dbt": project_with_the_measure,
    }
    result = materialize_range(
        resources, date(2021, 3, 1), date(2021, 3, 31), selection="+key:meters/meter_values"
    )
    assert result.success
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        values = con.execute(
            "SELECT grain, period_start, value FROM meters.meter_values WHERE meter_id = ? "
            "AND grain IN ('month', 'year') ORDER BY grain",
            [NEW_METER["id"]],
        ).fetchall()
    finally:
        con.close()
    assert values == [
        ("month", date(2021, 3, 1), KIR_PROMOTERS),
        ("year", date(2021, 1, 1), KIR_PROMOTERS),
    ]
