"""The published BI snapshot: its columns are the documented contract, it holds no
personal data, and a reader never sees a broken file or a mix of two refreshes."""

import re
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from kuva_pipeline.bicontract import bi_models, render_contract
from kuva_pipeline.resources import CatalogResource, LandingResource, WarehouseResource
from tests.conftest import FIXTURES, ROOT, with_dbt

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
PHONE = re.compile(r"(\+358|\b0)[\s-]?\d{1,3}[\s-]?\d{3}[\s-]?\d{2,4}\b")
PERSONAL_COLUMN = re.compile(r"email|e_mail|phone|puhelin|reserver|varaaja|author|comment|kommentti")


def _resources(tmp: Path, landing: Path, reference: Path) -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(path=str(tmp / "kuva.duckdb")),
        "landing": LandingResource(root=str(landing), reference_root=str(reference)),
        "catalog": CatalogResource(directory=str(ROOT / "data" / "catalog")),
    }


def _publish_config(snapshot: Path) -> dict:
    return {"ops": {"bi__publication": {"config": {"snapshot_path": str(snapshot)}}}}


def test_readme_documents_the_current_contract():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert render_contract() in readme, "run: python -m kuva_pipeline.bicontract"


def test_published_schema_matches_the_contract_column_for_column(sample_snapshot):
    _, snapshot = sample_snapshot
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        for model in bi_models():
            published = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'bi' "
                    "AND table_name = ? ORDER BY column_index",
                    [model.name],
                ).fetchall()
            ]
            assert published == list(model.columns), model.table
    finally:
        con.close()


def test_no_personal_data_reaches_the_published_layer(sample_snapshot):
    warehouse, snapshot = sample_snapshot
    # Names the sources really carried, to look for in every published value.
    wh = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = {
            r[0]
            for r in wh.execute(
                "SELECT DISTINCT reserver_name FROM raw.varaamo_reservations "
                "WHERE reserver_name IS NOT NULL"
            ).fetchall()
        }
    finally:
        wh.close()
    assert names, "the sample should carry reserver names in raw, or this test proves nothing"
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        columns = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'bi'"
        ).fetchall()
        assert columns
        for table, column in columns:
            assert not PERSONAL_COLUMN.search(column), f"bi.{table}.{column} looks personal"
            values = [
                r[0]
                for r in con.execute(
                    f'SELECT DISTINCT "{column}"::VARCHAR FROM bi."{table}" WHERE "{column}" IS NOT NULL'
                ).fetchall()
            ]
            for value in values:
                assert not EMAIL.search(value), f"e-mail in bi.{table}.{column}: {value!r}"
                assert not PHONE.search(value), f"phone number in bi.{table}.{column}: {value!r}"
                hits = [n for n in names if n in value]
                assert not hits, f"reserver name in bi.{table}.{column}: {hits[:3]}"
    finally:
        con.close()


READER = textwrap.dedent(
    """
    import json, sys, time, duckdb
    path, seconds = sys.argv[1], float(sys.argv[2])
    seen, errors, deadline = [], [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            con = duckdb.connect(path, read_only=True)
            try:
                # One query, so one consistent view of the file.
                row = con.execute(
                    "SELECT p.refresh_id, p.row_count, (SELECT count(*) FROM bi.scorecard) "
                    "FROM bi._publication p WHERE p.table_name = 'scorecard'"
                ).fetchone()
            finally:
                con.close()
            seen.append(row)
        except Exception as exc:
            errors.append(repr(exc))
        time.sleep(0.02)
    print(json.dumps({"seen": seen, "errors": errors}))
    """
)


def test_a_reader_is_never_broken_and_never_sees_two_refreshes(tmp_path):
    import json

    import dagster as dg

    from kuva_pipeline.definitions import build_definitions
    from kuva_pipeline.runner import partition_range_tags

    resources = _resources(tmp_path, FIXTURES / "landing", FIXTURES / "reference")
    snapshot = tmp_path / "kuva_bi.duckdb"
    defs = build_definitions(resources=resources)
    assets = list(defs.assets)

    def refresh(selection=None) -> str:
        result = dg.materialize(
            assets,
            resources=with_dbt(resources),
            tags=partition_range_tags(date(2021, 3, 1), date(2021, 3, 31)),
            run_config=_publish_config(snapshot),
            instance=dg.DagsterInstance.ephemeral(),
            selection=selection,
        )
        assert result.success
        return result.run_id

    first = refresh()  # the whole refresh: the file exists before the reader starts
    # Then publications, each its own run, swapped in while the reader reads.
    publish = [dg.AssetKey(["bi", "publication"])]
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(snapshot), "12"], stdout=subprocess.PIPE, text=True
    )
    time.sleep(0.5)
    runs = {first}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(runs) < 4:
        runs.add(refresh(publish))
    out, _ = reader.communicate(timeout=60)
    report = json.loads(out)
    assert report["errors"] == []
    assert len(runs) >= 3, "the refreshes should have run several times during the read loop"
    assert report["seen"], "the reader read nothing"
    seen_runs = {refresh_id for refresh_id, _, _ in report["seen"]}
    assert seen_runs <= runs  # every read belongs to one of the refreshes
    assert len(seen_runs) >= 2, "the reader should have seen more than one publication"
    for refresh_id, published_rows, counted_rows in report["seen"]:
        # The recorded row count of that refresh is what the reader counted in the same file.
        assert published_rows == counted_rows, refresh_id


def _finance_totals(year: int, encoding: str) -> tuple[float, float]:
    """Cost and outputs of a year summed by hand from the Finnish finance CSV."""
    import csv

    path = ROOT / "data" / "landing" / "finance" / f"finance_{year}.csv"
    with path.open(encoding=encoding, newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))

    def number(text: str) -> float:
        return float(text.replace("\u2212", "-").replace(",", ".")) if text else 0.0

    return (
        sum(number(r["kustannukset_eur"]) for r in rows),
        sum(number(r["suoritteet"]) for r in rows),
    )


def test_unit_cost_is_scored_against_its_tp2020_baseline_from_the_feed(sample_snapshot):
    _, snapshot = sample_snapshot
    cost_2020, outputs_2020 = _finance_totals(2020, "cp1252")
    cost_2021, outputs_2021 = _finance_totals(2021, "utf-8-sig")
    baseline = cost_2020 / outputs_2020  # TP2020, EUR per output
    actual = cost_2021 / outputs_2021
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        row = con.execute(
            "SELECT baseline_value, baseline_from_data, tier_minimum, tier_challenging, "
            "tier_exceptional, actual_value, tier FROM bi.scorecard "
            "WHERE meter_id = 'weighted_targets_2021.unit_cost' AND as_of = DATE '2021-12-31'"
        ).fetchone()
    finally:
        con.close()
    got_baseline, from_data, minimum, challenging, exceptional, got_actual, tier = row
    assert from_data is True
    assert got_baseline == pytest.approx(baseline, rel=1e-6)
    # Seed 004: unchanged / -0.5 % / -1 % against TP2020, lower is better.
    assert (minimum, challenging, exceptional) == pytest.approx(
        (baseline, baseline * 0.995, baseline * 0.99), rel=1e-6
    )
    assert got_actual == pytest.approx(actual, rel=1e-6)
    expected_tier = (
        "exceptional" if actual <= baseline * 0.99
        else "challenging" if actual <= baseline * 0.995
        else "minimum" if actual <= baseline
        else "none"
    )
    assert tier == expected_tier


def test_every_documented_model_and_column_carries_its_description(sample_snapshot):
    """dbt writes each model's and column's YAML description as the warehouse's comment
    (persist_docs), and the snapshot keeps them: the BI contract's documentation."""
    warehouse, snapshot = sample_snapshot
    documented: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}
    for path in (ROOT / "assets" / "models").glob("*/_*.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            schema, table = model["name"].split("__", 1)
            documented[(schema, table)] = (
                model.get("description", ""),
                {c["name"]: c.get("description", "") for c in model.get("columns", [])},
            )
    assert len(documented) > 30, "every layer's YAML should be read"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        relations = {
            (s, t): c
            for s, t, c in con.execute(
                "SELECT schema_name, table_name, comment FROM duckdb_tables() UNION ALL "
                "SELECT schema_name, view_name, comment FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
        }
        columns = {
            (s, t, c): comment
            for s, t, c, comment in con.execute(
                "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns()"
            ).fetchall()
        }
    finally:
        con.close()
    for (schema, table), (description, column_docs) in documented.items():
        if (schema, table) not in relations:  # a model the sample run does not build
            continue
        if description:
            assert relations[(schema, table)] == description, f"{schema}.{table}"
        for column, text in column_docs.items():
            if text:
                assert columns[(schema, table, column)] == text, f"{schema}.{table}.{column}"
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        published = dict(
            con.execute(
                "SELECT table_name || '.' || column_name, comment FROM duckdb_columns() "
                "WHERE schema_name = 'bi'"
            ).fetchall()
        )
    finally:
        con.close()
    _, scorecard_docs = documented[("bi", "scorecard")]
    assert published["scorecard.scorecard_id"] == scorecard_docs["scorecard_id"]
