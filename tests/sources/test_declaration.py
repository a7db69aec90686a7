"""One declaration per source: a source declared in one module reaches every consumer.

A new source (library visits) is written as one module beside the others in
`kuva_pipeline.sources`, and nothing else is touched. The test then finds it
in the raw loaders (it loads a landing file into a real DuckDB file), in the
freshness check with its own limit and in source health, and in the JSON
Schema. Its measures are declared in the config meta of its measures model
(a copy of the dbt project gains `meters__library_measures.sql`), and the
catalog validation then binds meters to them. Every expectation is worked out
by hand below.
"""

from __future__ import annotations

import copy
import io
import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from kuva_pipeline import sources as sources_package
from kuva_pipeline.quality.config import TODAY_ENV
from kuva_pipeline.sources import declaration
from kuva_pipeline.sources.declaration import (
    Source,
    SourceDeclarationError,
    declared_sources,
    reload_sources,
)
from kuva_pipeline.sources.raw import RawSource, Reader
from tests.conftest import ROOT

MODULE = '''
"""Library visits: a daily count per branch, one `;`-separated CSV per month."""

from kuva_pipeline.sources.declaration import Source
from kuva_pipeline.sources.raw import RawSource, Reader

LIBRARY_VISITS = RawSource(
    name="library",
    table="library_visits",
    folder="library",
    description="Visits per library branch and day, exactly as exported.",
    fields=("day", "branch", "visits"),
    readers=(Reader("*.csv", "csv", delim=";"),),
    day_expr="fi_date(day)",
    partitioned=False,
)

LIBRARY = Source(
    name="library",
    title="Library visits",
    raw=(LIBRARY_VISITS,),
    freshness_days=10,
)
'''

MEASURES_MODEL = """{{ config(materialized='table', meta={'kuva_source': 'library', 'measures': {
    'visits': {'description': 'Visits to the libraries in the year so far.', 'unit': 'visits',
               'accumulation': 'stock'}}}) }}
SELECT 'library' AS source, 'visits' AS measure, 'year' AS grain, DATE '2021-01-01' AS period_start,
       DATE '2021-12-31' AS period_end, 'KUVA' AS service_area, sum(visits::INTEGER)::DOUBLE AS value,
       sum(visits::INTEGER)::DOUBLE AS numerator, NULL::DOUBLE AS denominator, count(*) AS row_count
FROM {{ source('raw', 'library_visits') }}
"""

LANDING_FILE = "day;branch;visits\n1.3.2021;Oodi;120\n31.3.2021;Kallio;45\n"
"""Two rows; the file name's token (2021-03) says the file covers March 2021."""


@contextmanager
def declared_in(package_dir: Path):
    """The sources package also searching `package_dir`, as if its modules were committed there."""
    original = list(sources_package.__path__)
    sources_package.__path__[:] = [*original, str(package_dir)]
    try:
        yield
    finally:
        sources_package.__path__[:] = original
        for name in [m for m in sys.modules if m.startswith("kuva_pipeline.sources.")]:
            if (getattr(sys.modules[name], "__file__", None) or "").startswith(str(package_dir)):
                del sys.modules[name]
        reload_sources()


@pytest.fixture
def library(tmp_path: Path):
    """The library source, declared by one module file added to the sources package."""
    package_dir = tmp_path / "declared"
    package_dir.mkdir()
    (package_dir / "library.py").write_text(MODULE, encoding="utf-8")
    with declared_in(package_dir):
        reload_sources()
        yield


def test_the_declared_sources(tmp_path):
    # The six sources of the scorecard, by the names the catalog binds meters to.
    assert [s.name for s in declared_sources()] == ["checkin", "events", "finance", "hobihobi", "nps", "varaamo"]
    assert {s.name: s.tables for s in declared_sources()} == {
        "checkin": ("checkins",),
        "events": ("linked_events",),
        "finance": ("finance",),
        "hobihobi": ("hobihobi_listings",),
        "nps": ("nps_feedback",),
        "varaamo": ("varaamo_reservations", "varaamo_statistics"),
    }


def test_a_new_source_reaches_the_loaders(library, tmp_path):
    from kuva_pipeline.defs.raw import build_raw_asset, discover_sources
    from kuva_pipeline.resources import LandingResource, WarehouseResource

    raws = discover_sources()
    assert [r.table for r in raws] == [
        "checkins", "finance", "hobihobi_listings", "library_visits", "linked_events",
        "nps_feedback", "varaamo_reservations", "varaamo_statistics",
    ]
    (landing := tmp_path / "landing" / "library").mkdir(parents=True)
    (landing / "library_2021-03.csv").write_text(LANDING_FILE, encoding="utf-8")
    warehouse = tmp_path / "kuva.duckdb"
    asset = build_raw_asset(next(r for r in raws if r.table == "library_visits"))
    result = dg.materialize(
        [asset],
        resources={
            "warehouse": WarehouseResource(path=str(warehouse)),
            "landing": LandingResource(root=str(tmp_path / "landing"), reference_root=str(tmp_path)),
        },
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "SELECT day, branch, visits, _partition_date FROM raw.library_visits ORDER BY _record_index"
        ).fetchall()
        recorded = con.execute("SELECT source, file, rows FROM raw._loaded_files").fetchall()
    finally:
        con.close()
    assert rows == [
        ("1.3.2021", "Oodi", "120", date(2021, 3, 1)),
        ("31.3.2021", "Kallio", "45", date(2021, 3, 31)),
    ]
    assert recorded == [("library", "library/library_2021-03.csv", 2)]


def test_a_new_source_reaches_the_docs_and_dbt(library):
    from kuva_pipeline.sources.docs import render_bindings, render_dbt_raw_sources, render_sources

    assert (
        "| `library` (Library visits) | `raw.library_visits` | `library/`: `*.csv` CSV `;` "
        "| whole table, every run | none | 10 days |"
    ) in render_sources()
    # The measures are not listed in a generated file: a new measure rewrites none.
    assert "library" not in render_bindings()
    (raw,) = yaml.safe_load(render_dbt_raw_sources())["sources"]
    visits = next(t for t in raw["tables"] if t["name"] == "library_visits")
    assert visits["meta"] == {"dagster": {"asset_key": ["raw", "library_visits"]}}
    assert [c["name"] for c in visits["columns"]][:3] == ["day", "branch", "visits"]


@pytest.mark.parametrize(
    ("today", "fresh"),
    # The newest file covers March 2021, ending 31.3.; the declared limit is 10 days.
    [("2021-04-10", True), ("2021-04-11", False)],
)
def test_a_new_source_reaches_the_freshness_check_and_health(library, tmp_path, monkeypatch, today, fresh):
    from kuva_pipeline.defs.raw import build_raw_asset, discover_sources
    from kuva_pipeline.quality.config import CHECKS_DIR, FRESHNESS_CHECK
    from kuva_pipeline.quality.factory import build_asset_checks
    from kuva_pipeline.quality.health import source_health
    from kuva_pipeline.resources import LandingResource, WarehouseResource

    monkeypatch.setenv(TODAY_ENV, today)
    (landing := tmp_path / "landing" / "library").mkdir(parents=True)
    (landing / "library_2021-03.csv").write_text(LANDING_FILE, encoding="utf-8")
    warehouse = tmp_path / "kuva.duckdb"
    raw = next(r for r in discover_sources() if r.table == "library_visits")
    asset = build_raw_asset(raw)
    checks = build_asset_checks([asset], discover_sources(), CHECKS_DIR)
    result = dg.materialize(
        [asset, *checks],
        resources={
            "warehouse": WarehouseResource(path=str(warehouse)),
            "landing": LandingResource(root=str(tmp_path / "landing"), reference_root=str(tmp_path)),
        },
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    (evaluation,) = [
        e for e in result.get_asset_check_evaluations() if e.check_name == FRESHNESS_CHECK
    ]
    assert evaluation.asset_key == dg.AssetKey(["raw", "library_visits"])
    assert evaluation.passed is fresh
    age = (date.fromisoformat(today) - date(2021, 3, 31)).days
    verdict = "within" if fresh else "beyond"
    assert evaluation.description == (
        f"library: newest landing file library/library_2021-03.csv covers up to 2021-03-31, "
        f"{age} days before {today}, {verdict} the limit of 10 days"
    )
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        sources = con.execute(
            "SELECT DISTINCT source FROM quality.check_results WHERE asset = 'raw/library_visits'"
        ).fetchall()
        # Health on 30.4.: the file ends 30 days before, beyond the 10 the declaration allows.
        health = source_health(con, date(2021, 4, 30))
    finally:
        con.close()
    assert sources == [("library",)]
    assert health["library"] == (
        "stale",
        "library: the newest landing file (library/library_2021-03.csv) covers up to 2021-03-31, "
        "30 days before 2021-04-30; the limit is 10 days",
    )
    assert {name for name, (status, _) in health.items() if status == "ok"} == {
        "checkin", "events", "finance", "hobihobi", "nps", "varaamo",
    }


def _demo_on_library(catalog_dir: Path, measure: str, unit: str = "visits") -> None:
    demo = yaml.safe_load((ROOT / "tests" / "catalog" / "fixtures" / "demo_2022.yaml").read_text(encoding="utf-8"))
    demo = copy.deepcopy(demo)
    demo["goals"][0]["meters"][0].update(source="library", measure=measure, unit=unit)
    catalog_dir.mkdir(exist_ok=True)
    (catalog_dir / "demo_2022.yaml").write_text(yaml.safe_dump(demo, allow_unicode=True, sort_keys=False))


@pytest.fixture
def library_measures(library, tmp_path, monkeypatch):
    """A copy of the dbt project with the library's raw table and its measures model, read for the measures."""
    import shutil

    from kuva_pipeline.dbt_project import DBT_DIR
    from kuva_pipeline.sources.docs import render_dbt_raw_sources

    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    # The generated dbt source `raw`, as `python -m kuva_pipeline.sources.docs` writes it from the declarations.
    (project / "models" / "_raw_sources.yml").write_text(render_dbt_raw_sources(), encoding="utf-8")
    (project / "models" / "meters" / "meters__library_measures.sql").write_text(MEASURES_MODEL, encoding="utf-8")
    monkeypatch.setattr(declaration, "MEASURES_PROJECT", project)
    return project


def test_a_new_source_reaches_the_catalog_validation(library_measures, tmp_path):
    from kuva_pipeline.catalog import load_catalog, validate_catalog
    from kuva_pipeline.catalog.loader import catalog_json_schema, measures_command

    out = io.StringIO()
    measures_command(out)
    assert "library   visits" in out.getvalue()
    catalog_dir = tmp_path / "catalog"
    _demo_on_library(catalog_dir, "visits")
    assert validate_catalog(catalog_dir) == []
    # The meter takes its accumulation from the declared measure: a stock.
    assert load_catalog(catalog_dir).meter("demo_2022.large_culture_events").accumulation == "stock"
    _demo_on_library(catalog_dir, "loans", unit="loans")
    assert [str(p) for p in validate_catalog(catalog_dir)] == [
        "demo_2022.yaml: goals[0].meters[0].measure: unknown measure 'loans' for source 'library' (known: visits)"
    ]
    _demo_on_library(catalog_dir, "visits", unit="kpl")
    assert [str(p) for p in validate_catalog(catalog_dir)] == [
        "demo_2022.yaml: goals[0].meters[0].unit: unit 'kpl' differs from library.visits's unit 'visits'"
    ]
    meter = catalog_json_schema()["$defs"]["Meter"]["properties"]
    assert meter["source"]["enum"] == ["checkin", "events", "finance", "hobihobi", "library", "nps", "varaamo"]
    assert "enum" not in meter["measure"]  # the measures live in the models; `kuva catalog measures` lists them


def test_a_source_without_a_measures_model_offers_no_measure(library):
    from kuva_pipeline.sources.declaration import measures_by_source

    with pytest.raises(SourceDeclarationError) as caught:
        measures_by_source()
    assert str(caught.value).startswith("source 'library' offers no measure: a source offers at least one")


def test_without_the_module_the_source_is_unknown(tmp_path):
    from kuva_pipeline.catalog import validate_catalog

    catalog_dir = tmp_path / "catalog"
    _demo_on_library(catalog_dir, "visits")
    assert [str(p) for p in validate_catalog(catalog_dir)] == [
        "demo_2022.yaml: goals[0].meters[0].source: unknown source 'library' "
        "(known: checkin, events, finance, hobihobi, nps, varaamo)"
    ]


def _raw(name: str, table: str, folder: str) -> RawSource:
    return RawSource(name=name, table=table, folder=folder, description="d", fields=("a",),
                     readers=(Reader("*.csv", "csv"),), day_expr="NULL")


def test_a_declaration_that_contradicts_itself_is_refused():
    with pytest.raises(SourceDeclarationError, match="raw table library_visits names its source 'libraries', not 'library'"):
        Source("library", "Library", (_raw("libraries", "library_visits", "library"),), 10)
    with pytest.raises(SourceDeclarationError, match="freshness_days must be 0 or more, not -1"):
        Source("library", "Library", (_raw("library", "library_visits", "library"),), -1)


def test_two_sources_on_one_raw_table_are_refused(tmp_path):
    package_dir = tmp_path / "declared"
    package_dir.mkdir()
    (package_dir / "nps_again.py").write_text(
        MODULE.replace('table="library_visits"', 'table="nps_feedback"'), encoding="utf-8"
    )
    with declared_in(package_dir), pytest.raises(SourceDeclarationError) as caught:
        reload_sources()
    assert str(caught.value) == (
        "kuva_pipeline.sources.nps_again: raw table 'nps_feedback' is already declared by "
        "source 'nps' (kuva_pipeline.sources.nps)"
    )


def test_the_docs_list_the_declared_sources_and_service_areas():
    from kuva_pipeline.sources.docs import CATALOG_DOC, SOURCES_DOC, render_bindings, render_sources

    assert render_sources() in SOURCES_DOC.read_text(encoding="utf-8"), "run: python -m kuva_pipeline.sources.docs"
    assert render_bindings() in CATALOG_DOC.read_text(encoding="utf-8"), "run: python -m kuva_pipeline.sources.docs"
    # What the tables say, counted here: seven raw tables of six sources, seven service areas.
    sources_section = render_sources()
    assert sum(line.startswith("| `") for line in sources_section.splitlines()) == 7
    assert "| `varaamo` (Varaamo reservations) | `raw.varaamo_statistics` |" in sources_section
    bindings = render_bindings()
    # No measure table: the docs point at `kuva catalog measures` instead. Service area rows have four cells.
    rows = [line for line in bindings.splitlines() if line.startswith("| `")]
    assert "`kuva catalog measures`" in bindings
    assert [line.count("|") for line in rows] == [5] * 7
    assert "| `KAUPUNKIKULTTUURI` | Kaupunkikulttuuri | Urban Culture | unit |" in bindings


def test_dbt_reads_the_declared_raw_tables():
    """assets/models/_raw_sources.yml is written from the declarations, never by hand."""
    from kuva_pipeline.sources.docs import DBT_RAW_SOURCES, render_dbt_raw_sources

    assert DBT_RAW_SOURCES.read_text(encoding="utf-8") == render_dbt_raw_sources(), (
        "run: python -m kuva_pipeline.sources.docs"
    )
    committed = yaml.safe_load(DBT_RAW_SOURCES.read_text(encoding="utf-8"))
    (raw,) = committed["sources"]
    tables = {t["name"]: [c["name"] for c in t["columns"]] for t in raw["tables"]}
    assert sorted(tables) == [
        "checkins", "finance", "hobihobi_listings", "linked_events",
        "nps_feedback", "varaamo_reservations", "varaamo_statistics",
    ]
    lineage = ["_source_file", "_record_index", "_partition_date", "_loaded_at"]
    assert tables["finance"] == [
        "vuosi", "palvelualue", "kustannukset_eur", "suoritteet", "talousarvio_eur", "suoritteen_laji", *lineage,
    ]


def _model(path: str, meta: dict) -> dict:
    return {"resource_type": "model", "original_file_path": path, "config": {"meta": meta}}


VISITS = {"description": "Visits.", "unit": "visits", "accumulation": "stock"}
LIBRARY_MODEL = "models/meters/meters__library_measures.sql"
DECLARED = "checkin, events, finance, hobihobi, nps, varaamo"


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        pytest.param(
            {"kuva_source": "library", "measures": {"visits": VISITS}},
            f"assets/{LIBRARY_MODEL}: config meta 'kuva_source': 'library' is not a declared source "
            f"(declared: {DECLARED})",
            id="an undeclared source",
        ),
        pytest.param(
            {"measures": {"visits": VISITS}},
            f"assets/{LIBRARY_MODEL}: config meta 'kuva_source': None is not a declared source (declared: {DECLARED})",
            id="no source",
        ),
        pytest.param(
            {"kuva_source": "nps", "measures": {}},
            f"assets/{LIBRARY_MODEL}: config meta 'measures': declare at least one measure of 'nps', "
            "name -> {description, unit, accumulation}",
            id="no measure",
        ),
        pytest.param(
            {"kuva_source": "nps", "measures": {"Visits": VISITS}},
            f"assets/{LIBRARY_MODEL}: config meta measures.Visits: measure name 'Visits' is not lower_snake_case",
            id="a name in capitals",
        ),
        pytest.param(
            {"kuva_source": "nps", "measures": {"visits": {**VISITS, "accumulation": "daily"}}},
            f"assets/{LIBRARY_MODEL}: config meta measures.visits.accumulation: 'daily' is not one of "
            "cumulative, level, stock, milestone",
            id="an unknown accumulation",
        ),
        pytest.param(
            {"kuva_source": "nps", "measures": {"visits": {"description": "Visits.", "accumulation": "stock"}}},
            f"assets/{LIBRARY_MODEL}: config meta measures.visits.unit: missing or empty",
            id="no unit",
        ),
        pytest.param(
            {"kuva_source": "nps", "measures": {"visits": {**VISITS, "units": "visits"}}},
            f"assets/{LIBRARY_MODEL}: config meta measures.visits.units: unknown field "
            "(a measure has description, unit, accumulation)",
            id="a misspelt field",
        ),
    ],
)
def test_a_measure_declaration_that_is_wrong_is_refused_naming_its_model(meta, message):
    from kuva_pipeline.sources.declaration import measures_in_manifest

    manifest = {"nodes": {"model.kuva.meters__library_measures": _model(LIBRARY_MODEL, meta)}}
    with pytest.raises(SourceDeclarationError) as caught:
        measures_in_manifest(manifest)
    assert str(caught.value) == message


def test_a_measure_declared_in_two_models_is_refused():
    from kuva_pipeline.sources.declaration import measures_in_manifest

    meta = {"kuva_source": "nps", "measures": {"nps_index": VISITS}}
    manifest = {"nodes": {
        "model.kuva.a": _model("models/meters/meters__nps_measures.sql", meta),
        "model.kuva.b": _model("models/meters/meters__nps_more.sql", meta),
    }}
    with pytest.raises(SourceDeclarationError) as caught:
        measures_in_manifest(manifest)
    assert str(caught.value) == (
        "assets/models/meters/meters__nps_more.sql: config meta measures.nps_index: measure 'nps_index' "
        "of 'nps' is already declared in assets/models/meters/meters__nps_measures.sql"
    )


def test_the_measures_are_read_from_the_models_meta():
    from kuva_pipeline.sources.declaration import measures_by_source

    measures = measures_by_source()
    # Thirteen measures, as the six models declare them (counted in the SQL files' config blocks).
    assert {source: list(names) for source, names in measures.items()} == {
        "checkin": ["manual"],
        "events": ["large_culture_events", "large_sports_events", "district_events"],
        "finance": ["unit_cost", "budget_use_pct"],
        "hobihobi": ["listings", "participants"],
        "nps": ["nps_index", "devices_in_use"],
        "varaamo": ["spaces_for_sale", "bookable_spaces", "bookings"],
    }
    bookings = measures["varaamo"]["bookings"]
    assert (bookings.unit, bookings.accumulation, bookings.model) == (
        "bookings", "cumulative", "assets/models/meters/meters__varaamo_measures.sql"
    )
    # The owner-reported check-ins have no measures model: `manual` is declared on meters__checkins.
    assert measures["checkin"]["manual"].model == "assets/models/meters/meters__checkins.sql"
    # Read once per manifest version: the same object until a model changes.
    assert measures_by_source() is measures
