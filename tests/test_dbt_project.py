"""The dbt project as Dagster sees it: lineage is dbt's own graph, names are the warehouse's.

The expected graph is read straight from dbt's manifest (depends_on of each
model), independently of the translator, and compared with the asset graph
the code location defines.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import dagster as dg
import duckdb
import pytest

from kuva_pipeline.dbt_project import DBT_DIR, ensure_manifest


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(ensure_manifest().read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def graph():
    from kuva_pipeline.definitions import defs

    return defs.resolve_asset_graph()


def _key_of(manifest: dict, unique_id: str) -> dg.AssetKey:
    if unique_id.startswith("source."):
        return dg.AssetKey(manifest["sources"][unique_id]["meta"]["dagster"]["asset_key"])
    node = manifest["nodes"][unique_id]
    return dg.AssetKey([node["schema"], node["alias"]])


def test_every_model_is_an_asset_named_after_its_table(manifest, graph):
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert len(models) >= 30
    keys = graph.get_all_asset_keys()
    for node in models:
        # assets/models/<layer>/<layer>__<table>.sql is the table <layer>.<table>.
        layer, table = node["name"].split("__", 1)
        assert node["schema"] == layer and node["alias"] == table, node["name"]
        assert dg.AssetKey([layer, table]) in keys, node["name"]


def test_each_model_assets_upstream_keys_equal_the_manifests(manifest, graph):
    checked = 0
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] != "model":
            continue
        expected = {_key_of(manifest, dep) for dep in node["depends_on"]["nodes"]}
        key = _key_of(manifest, unique_id)
        assert set(graph.get(key).parent_keys) == expected, key.to_user_string()
        checked += 1
    assert checked >= 30


def test_a_model_reading_reference_data_shows_it_in_the_lineage(graph):
    # events_measures reads the event classes: the hand-listed deps once missed it.
    parents = graph.get(dg.AssetKey(["meters", "events_measures"])).parent_keys
    assert dg.AssetKey(["staging", "ref_event_classes"]) in parents


def test_views_are_kind_view_and_the_publication_waits_for_the_tables_behind_the_bi_views(
    manifest, graph
):
    views = {
        _key_of(manifest, uid)
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] == "model" and n["config"]["materialized"] == "view"
    }
    tables = {
        _key_of(manifest, uid)
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] == "model" and n["config"]["materialized"] != "view"
    }
    assert dg.AssetKey(["bi", "scorecard"]) in views and dg.AssetKey(["marts", "scorecard"]) in tables
    for key in views:
        assert "view" in graph.get(key).kinds, key.to_user_string()
    for key in tables:
        assert "view" not in graph.get(key).kinds, key.to_user_string()
    # bi/scorecard reads marts/scorecard (assets/models/bi/bi__scorecard.sql), bi/goals
    # marts/goal_scores: the publication copies their rows, a rescore rebuilds only them.
    publication = set(graph.get(dg.AssetKey(["bi", "publication"])).parent_keys)
    assert {
        dg.AssetKey(["bi", "scorecard"]),
        dg.AssetKey(["marts", "scorecard"]),
        dg.AssetKey(["marts", "goal_scores"]),
    } <= publication


def test_dbt_sources_are_the_python_assets_that_write_them(manifest, graph):
    keys = graph.get_all_asset_keys()
    for source in manifest["sources"].values():
        key = dg.AssetKey(source["meta"]["dagster"]["asset_key"])
        assert key in keys, f"source {source['schema']}.{source['name']} has no asset writing it"
        assert key.path[0] == source["schema"] and key.path[1] == source["name"]


def test_the_project_builds_standalone_with_dbt(tmp_path):
    """`dbt build` in assets/ works against a warehouse: here, one with empty raw tables."""
    from kuva_pipeline.defs.raw import RAW_SOURCES

    warehouse = tmp_path / "kuva.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        for schema in ("raw", "catalog", "staging", "quality"):
            con.execute(f"CREATE SCHEMA {schema}")
        for source in RAW_SOURCES:
            cols = ", ".join(f'"{f}" VARCHAR' for f in source.fields)
            con.execute(
                f"CREATE TABLE raw.{source.table} ({cols}, _source_file VARCHAR, _record_index BIGINT, "
                "_partition_date DATE, _loaded_at TIMESTAMP)"
            )
    finally:
        con.close()
    # The reference, catalog and quality tables come from the Python assets; a run of theirs.
    from kuva_pipeline.definitions import build_definitions
    from kuva_pipeline.resources import CatalogResource, LandingResource, WarehouseResource
    from tests.conftest import ROOT, with_dbt

    resources = {
        "warehouse": WarehouseResource(path=str(warehouse)),
        "landing": LandingResource(
            root=str(tmp_path / "landing"), reference_root=str(ROOT / "data" / "reference")
        ),
        "catalog": CatalogResource(directory=str(ROOT / "data" / "catalog")),
    }
    python_assets = [
        a
        for a in build_definitions(resources=resources).assets
        if isinstance(a, dg.AssetsDefinition)
        and a.node_def.name
        in {
            "catalog_dimensions",
            "event_classification",
            "quality__check_results",
            "staging__ref_nps_experience_points",
            "staging__ref_nps_surveys",
            "staging__ref_service_areas",
            "staging__ref_varaamo_resources",
        }
    ]
    assert dg.materialize(
        python_assets, resources=with_dbt(resources), instance=dg.DagsterInstance.ephemeral()
    ).success
    env = {**os.environ, "KUVA_WAREHOUSE_PATH": str(warehouse)}
    dbt = os.path.join(os.path.dirname(sys.executable), "dbt")

    def run_dbt(*args: str) -> None:
        done = subprocess.run(
            [dbt, *args, "--profiles-dir", ".", "--target-path", str(tmp_path / "target")],
            cwd=DBT_DIR,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout[-2000:]

    run_dbt("build")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        # Every catalog meter is scored at least once (at each as-of day of its scorecard).
        scored = con.execute("SELECT count(*) FROM marts.scorecard").fetchone()
        meters = con.execute(
            "SELECT count(*) FROM catalog.dim_meter m JOIN catalog.dim_scorecard s USING (scorecard_id)"
        ).fetchone()[0]
    finally:
        con.close()
    assert scored[0] >= meters > 0

    # A warehouse built before the typed tables dropped `_row_hash` still holds the column;
    # the next incremental run drops it (on_schema_change) and appends the window's rows.
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("ALTER TABLE staging.nps_responses_typed ADD COLUMN _row_hash VARCHAR")
        con.execute(
            "INSERT INTO raw.nps_feedback VALUES ('f-1', '2021-03-01T10:00:00', 'EP-X', 'S-X', '3', "
            "'false', 'smiley', '5', 'nps/2021-03.csv', 1, DATE '2021-03-01', now())"
        )
    finally:
        con.close()
    run_dbt("run", "--select", "staging__nps_responses_typed")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        columns = [r[0] for r in con.execute("DESCRIBE staging.nps_responses_typed").fetchall()]
        rows = con.execute(
            "SELECT feedback_id, _source_file, _record_index, _reject_reason FROM staging.nps_responses_typed"
        ).fetchall()
    finally:
        con.close()
    assert "_row_hash" not in columns and "_record_index" in columns
    assert rows == [("f-1", "nps/2021-03.csv", 1, "experiencePointId: unknown device EP-X")]


def test_a_run_reuses_the_written_manifest_when_it_names_the_warehouse(monkeypatch, tmp_path):
    """The step's dbt reads target/manifest.json (no parse) when the warehouse's name matches it."""
    from dbt.contracts.graph.nodes import GenericTestNode

    from kuva_pipeline import dbt_runner

    written = json.loads(ensure_manifest().read_text())
    databases = {n["database"] for n in written["nodes"].values() if n["resource_type"] == "model"}
    generic = {
        uid
        for uid, n in written["nodes"].items()
        if n["resource_type"] == "test" and n.get("test_metadata")
    }
    assert databases == {"kuva"} and generic  # the project's raw_rows_accounted tests

    parses: list[str] = []
    monkeypatch.setattr(dbt_runner, "_parsed", lambda *args: parses.append(args[0]) or "parsed")
    monkeypatch.setenv("KUVA_WAREHOUSE_PATH", str(tmp_path / "kuva.duckdb"))
    manifest = dbt_runner.runtime_manifest()
    assert parses == []
    assert set(manifest.nodes) == set(written["nodes"])
    # A generic test keeps its arguments: it compiles only as a generic test node.
    assert all(isinstance(manifest.nodes[uid], GenericTestNode) for uid in generic)
    assert all(
        manifest.nodes[uid].test_metadata.name == written["nodes"][uid]["test_metadata"]["name"]
        for uid in generic
    )

    # Another warehouse name means another database in compiled SQL: parsed for it.
    monkeypatch.setenv("KUVA_WAREHOUSE_PATH", str(tmp_path / "elsewhere.duckdb"))
    assert dbt_runner.runtime_manifest() == "parsed"
    assert parses == [str(DBT_DIR)]


def test_the_next_process_reads_the_manifest_objects_kept_beside_the_json(monkeypatch, tmp_path):
    """`dbt_runner._written` keeps dbt's manifest objects beside manifest.json; a process
    that finds them for the same JSON bytes and dbt reads them instead of the JSON, and one
    that finds them for another JSON, or unreadable, reads the JSON and writes them anew."""
    import os
    import shutil

    from dbt.contracts.graph.nodes import GenericTestNode

    from kuva_pipeline import dbt_runner

    path = tmp_path / "manifest.json"
    shutil.copy(ensure_manifest(), path)
    written = json.loads(path.read_text())
    generic = {
        uid: n["test_metadata"]["name"]
        for uid, n in written["nodes"].items()
        if n["resource_type"] == "test" and n.get("test_metadata")
    }
    reads: list[str] = []
    from_json = dbt_runner._from_json
    monkeypatch.setattr(dbt_runner, "_from_json", lambda p: reads.append(p) or from_json(p))

    def in_a_new_process(mtime_ns: int):
        dbt_runner._written.cache_clear()  # what a new process starts with
        return dbt_runner._written(str(path), mtime_ns)

    def same_as_the_json(manifest) -> bool:
        return set(manifest.nodes) == set(written["nodes"]) and all(
            isinstance(manifest.nodes[uid], GenericTestNode) and manifest.nodes[uid].test_metadata.name == name
            for uid, name in generic.items()
        )

    mtime = path.stat().st_mtime_ns
    assert same_as_the_json(in_a_new_process(mtime))
    kept = tmp_path / dbt_runner.MANIFEST_PICKLE
    assert kept.is_file() and len(reads) == 1
    # The next process: the same JSON, read from what the first one kept.
    assert same_as_the_json(in_a_new_process(mtime))
    assert len(reads) == 1
    # The same JSON touched (a checkout): still read from what was kept.
    os.utime(path, ns=(mtime + 10**9, mtime + 10**9))
    assert same_as_the_json(in_a_new_process(mtime + 10**9))
    assert len(reads) == 1
    # A JSON written anew (dbt parsed the project again): read from the JSON.
    path.write_text(json.dumps(written, indent=1))
    assert same_as_the_json(in_a_new_process(mtime + 2 * 10**9))
    assert len(reads) == 2
    # A truncated file: read from the JSON, and kept whole again.
    kept.write_bytes(kept.read_bytes()[:100])
    assert same_as_the_json(in_a_new_process(mtime + 2 * 10**9))
    assert len(reads) == 3
    assert same_as_the_json(in_a_new_process(mtime + 2 * 10**9))
    assert len(reads) == 3
    dbt_runner._written.cache_clear()


def test_persist_docs_comments_in_one_statement_and_skips_a_missing_column(tmp_path):
    """The project's `duckdb__persist_docs` (assets/macros/persist_docs.sql) in a project of
    its own: the relation and column comments land in one statement, and a documented column
    the model lacks is skipped with a warning, not an error, as dbt's default does."""
    project = tmp_path / "p"
    (project / "models").mkdir(parents=True)
    (project / "macros").mkdir()
    (project / "macros" / "persist_docs.sql").write_text(
        (DBT_DIR / "macros" / "persist_docs.sql").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (project / "dbt_project.yml").write_text(
        "name: p\nversion: '1.0.0'\nprofile: p\nconfig-version: 2\n"
        "flags: {send_anonymous_usage_stats: false}\n"
        "models: {p: {+materialized: table, +persist_docs: {relation: true, columns: true}}}\n",
        encoding="utf-8",
    )
    (project / "profiles.yml").write_text(
        f"p: {{target: t, outputs: {{t: {{type: duckdb, path: '{tmp_path / 'w.duckdb'}', threads: 1}}}}}}\n",
        encoding="utf-8",
    )
    (project / "models" / "m.sql").write_text("select 1 as a, 'x' as \"B b\"\n", encoding="utf-8")
    (project / "models" / "_m.yml").write_text(
        "version: 2\nmodels:\n- name: m\n  description: \"It's $m$: one row.\"\n  columns:\n"
        "  - {name: a, description: The first.}\n"
        "  - {name: B b, quote: true, description: Quoted.}\n"
        "  - {name: gone, description: Not in the model.}\n",
        encoding="utf-8",
    )
    dbt = os.path.join(os.path.dirname(sys.executable), "dbt")
    done = subprocess.run([dbt, "run", "--profiles-dir", "."], cwd=project, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "gone" in done.stdout and "not present in the database" in done.stdout
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    try:
        table = con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'm'").fetchall()
        columns = con.execute(
            "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'm' ORDER BY column_index"
        ).fetchall()
    finally:
        con.close()
    assert table == [("It's $m$: one row.",)]
    assert columns == [("a", "The first."), ("B b", "Quoted.")]
    # One statement: dbt logs each query it sends, and the three comments are one of them.
    log = (project / "logs" / "dbt.log").read_text(encoding="utf-8")
    assert re.search(
        r'comment on table "w"\."main"\."m" is [^\n]*;\n'
        r'comment on column "w"\."main"\."m"\.a is [^\n]*;\n'
        r'comment on column "w"\."main"\."m"\."B b" is ',
        log,
    ), log[-3000:]
