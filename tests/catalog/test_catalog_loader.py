"""Where the catalog is read from, the resolved defaults, and the validate command."""

from __future__ import annotations

import io

import yaml

from kuva_pipeline.catalog import load_catalog, validate_command
from kuva_pipeline.catalog.__main__ import main
from kuva_pipeline.catalog.loader import DEFAULT_CATALOG_DIR, catalog_dir
from kuva_pipeline.sources.declaration import source_named


def write_demo(directory, demo):
    (directory / "demo_2022.yaml").write_text(
        yaml.safe_dump(demo, allow_unicode=True), encoding="utf-8"
    )


def test_default_directory_is_data_catalog(monkeypatch):
    monkeypatch.delenv("KUVA_CATALOG_DIR", raising=False)
    assert catalog_dir() == DEFAULT_CATALOG_DIR
    assert DEFAULT_CATALOG_DIR.parts[-2:] == ("data", "catalog")


def test_environment_overrides_the_directory(monkeypatch, tmp_path, demo):
    write_demo(tmp_path, demo)
    monkeypatch.setenv("KUVA_CATALOG_DIR", str(tmp_path))
    assert [card.id for card in load_catalog().scorecards] == ["demo_2022"]


def test_defaults_are_resolved_on_load(tmp_path, demo):
    write_demo(tmp_path, demo)
    catalog = load_catalog(tmp_path)
    events = catalog.meter("demo_2022.large_culture_events")
    audits = catalog.meter("demo_2022.audits")
    assert (
        events.accumulation
        == source_named("events").measures["large_culture_events"].accumulation
        == "cumulative"
    )
    assert audits.accumulation == "level"  # check-in meters stand as reported
    # The check-in was written with only its forecast round.
    assert audits.checkins[0].date.isoformat() == "2022-04-30"
    assert audits.checkins[0].value == 3  # a done/total reading's value is the count done


def test_validate_command_on_the_catalog():
    out = io.StringIO()
    assert validate_command(out=out) == 0
    assert out.getvalue().endswith("is valid: 5 scorecards, 27 goals, 42 meters, 33 check-ins\n")


def test_validate_command_on_a_broken_catalog(tmp_path, demo):
    demo["goals"][0]["meters"][0]["target"] = {"kind": "range", "min": 32, "max": 30}
    write_demo(tmp_path, demo)
    out = io.StringIO()
    assert validate_command(tmp_path, out=out) == 1
    assert (
        "demo_2022.yaml: goals[0].meters[0].target: reversed range: min 32 is above max 30"
        in out.getvalue()
    )


def test_module_entry_point(tmp_path, demo, capsys):
    write_demo(tmp_path, demo)
    assert main(["validate", str(tmp_path)]) == 0
    assert "1 scorecards, 1 goals, 2 meters, 1 check-ins" in capsys.readouterr().out


def test_the_measures_command_lists_what_the_models_declare(capsys):
    import re

    from kuva_pipeline import cli

    assert cli.main(["catalog", "measures"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [re.split(r"\s{2,}", line) for line in lines[:-1]]
    assert rows[0] == ["source", "measure", "unit", "accumulation", "description"]
    # As written in the config meta of assets/models/meters/meters__varaamo_measures.sql.
    assert [
        "varaamo", "bookings", "bookings", "cumulative",
        "Confirmed normal reservations beginning in the year so far (blocked reservations are closures, "
        "not bookings).",
    ] in rows
    # meters__checkins.sql declares the owner-reported `manual`; six models declare 13 measures in all.
    assert ["checkin", "manual", "as declared on the meter", "level",
            "Reported by the goal owner: the value comes from the latest check-in."] in rows
    assert len(rows) == 1 + 13
    assert lines[-1].startswith("13 measures of 6 sources")
