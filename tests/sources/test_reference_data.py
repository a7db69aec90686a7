"""data/reference is data a user edits: it must be valid and consistent, not equal to anything.

Each file goes through the loader the pipeline uses, into a real DuckDB file,
and the files must agree with each other, with the source declarations and
with the catalog. Nothing here pins a row or a count: a real device or space
added to the reference keeps this green, and one that names an unknown service
area fails with the file and line.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from kuva_pipeline.catalog import validate_catalog
from kuva_pipeline.defs.reference import REFERENCE_TABLES, load_reference_csv
from kuva_pipeline.service_areas import ServiceAreaError, read_service_areas
from kuva_pipeline.sources.declaration import source_named
from kuva_pipeline.sources.events import load_event_rules
from kuva_pipeline.sources.landing import LandingFileError
from tests.conftest import ROOT

REFERENCE = ROOT / "data" / "reference"


def check_reference(reference: Path, warehouse: Path) -> None:
    """Load every reference file as the reference assets do, and cross-check them."""
    areas = read_service_areas(reference / "service_areas.csv")
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS staging")
        # REFERENCE_TABLES lists the service areas first, as the asset graph loads them.
        for ref in REFERENCE_TABLES:
            load_reference_csv(con, ref, reference / ref.file)
        loaded = {c for (c,) in con.execute("SELECT code FROM staging.ref_service_areas").fetchall()}
    finally:
        con.close()
    assert loaded == set(areas)
    rules = load_event_rules(reference / "event_classification.yaml")
    service_areas = {code for code, a in areas.items() if a.kind == "service_area"}
    for publisher, _, area in rules["ref_event_publishers"][1]:
        assert area is None or area in service_areas, f"publisher {publisher}: service area {area!r}"
    measures = set(source_named("events").measures)
    for class_id, _, meter, _, _, _, area in rules["ref_event_classes"][1]:
        assert meter in measures, f"event class {class_id}: meter {meter!r} is not an events measure"
        assert area is None or area in service_areas, f"event class {class_id}: service area {area!r}"


def test_the_reference_files_are_valid_and_consistent(tmp_path):
    check_reference(REFERENCE, tmp_path / "kuva.duckdb")


def test_every_catalog_meter_names_a_service_area_of_the_reference():
    assert validate_catalog(ROOT / "data" / "catalog", REFERENCE) == []


def test_every_reference_file_has_a_loader():
    # A file in data/reference that nothing reads is a file a user edits in vain.
    read = {r.file for r in REFERENCE_TABLES} | {"event_classification.yaml"}
    assert {p.name for p in REFERENCE.iterdir() if p.is_file()} == read


def edited_copy(tmp_path: Path, added: dict[str, str]) -> Path:
    """A copy of data/reference with rows appended to some of its files, as a user edits it."""
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE, reference)
    for name, rows in added.items():
        with (reference / name).open("a", encoding="utf-8") as fh:
            fh.write(rows)
    return reference


def test_a_real_device_added_by_a_user_is_fine(tmp_path):
    reference = edited_copy(tmp_path, {
        "nps_experience_points.csv": "99001,Kannelmäen kirjasto,Kannelmäen kirjasto,KIR,table,2024-05-02,\n",
        "varaamo_resources.csv": "zz9newroom01,Kannelmäen kirjasto; ryhmätila,Kannelmäen kirjasto,room,KIR,false,\n",
    })
    check_reference(reference, tmp_path / "kuva.duckdb")


def test_a_device_in_an_unknown_service_area_names_file_and_line(tmp_path):
    reference = edited_copy(tmp_path, {
        "nps_experience_points.csv": "99002,Uusi laite,Jossain,KIRJASTO,table,2024-05-02,\n",
    })
    path = reference / "nps_experience_points.csv"
    line = len(path.read_text(encoding="utf-8").splitlines())  # the row just appended
    with pytest.raises(LandingFileError) as caught:
        check_reference(reference, tmp_path / "kuva.duckdb")
    assert str(caught.value) == (
        f"reference/nps_experience_points.csv: line {line}: service_area is not KIR, KULP, LIIKU or NUP"
    )


def test_a_new_service_area_is_one_row(tmp_path):
    # A reorganisation: a new service area, and a device of it, pass without any code change.
    reference = edited_copy(tmp_path, {
        "service_areas.csv": "TAPA,Tapahtumapalvelut,Event services,service_area\n",
        "nps_experience_points.csv": "99003,Tapahtumatori,Tapahtumatori,TAPA,floor,2024-05-02,\n",
    })
    check_reference(reference, tmp_path / "kuva.duckdb")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("KUVA,Toimiala,Division,division\nKIR,Kirjasto,Library,service_area\nKIR,Kirjastot,Libraries,service_area\n",
         "reference/service_areas.csv: line 4: field code: KIR appears already on line 3"),
        ("KUVA,Toimiala,Division,division\nKIR,Kirjasto,Library,office\n",
         "reference/service_areas.csv: line 3: field kind: 'office' is not one of division, service_area, common, unit"),
        ("KIR,Kirjasto,Library,service_area\n",
         "reference/service_areas.csv: field kind: exactly one row is the division, found none"),
        ("KUVA,Toimiala,Division,division\nDIV,Toinen,Other,division\n",
         "reference/service_areas.csv: field kind: exactly one row is the division, found line 2 (KUVA), "
         "line 3 (DIV)"),
        ("KUVA,,Division,division\n", "reference/service_areas.csv: line 2: field name_fi: empty"),
    ],
)
def test_a_broken_service_areas_file_names_file_line_and_field(tmp_path, rows, message):
    path = tmp_path / "service_areas.csv"
    path.write_text("code,name_fi,name_en,kind\n" + rows, encoding="utf-8")
    with pytest.raises(ServiceAreaError) as caught:
        read_service_areas(path)
    assert str(caught.value) == message


def test_a_missing_column_is_named(tmp_path):
    path = tmp_path / "service_areas.csv"
    path.write_text("code,name_fi,kind\nKUVA,Toimiala,division\n", encoding="utf-8")
    with pytest.raises(ServiceAreaError) as caught:
        read_service_areas(path)
    assert str(caught.value) == (
        "reference/service_areas.csv: line 1: field name_en: missing from the header "
        "(missing: name_en; found: code, name_fi, kind)"
    )
