"""A broken feed never turns a meter green: its meter is scored no_data with the failed check as reason."""

import csv
import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb

from kuva_pipeline.definitions import build_definitions
from kuva_pipeline.resources import CatalogResource, LandingResource, WarehouseResource
from kuva_pipeline.runner import partition_range_tags, with_siblings
from tests.conftest import FIXTURES, ROOT, with_dbt

NPS = "weighted_targets_2021.nps_index"


def _run(tree: Path, selection: str | None = None):
    resources = {
        "warehouse": WarehouseResource(path=str(tree / "kuva.duckdb")),
        "landing": LandingResource(root=str(tree / "landing"), reference_root=str(tree / "reference")),
        "catalog": CatalogResource(directory=str(ROOT / "data" / "catalog")),
    }
    defs = build_definitions(resources=resources)
    return dg.materialize(
        [*defs.assets, *defs.asset_checks],
        resources=with_dbt(resources),
        tags=partition_range_tags(date(2021, 3, 1), date(2021, 3, 31)),
        selection=with_siblings(selection) if selection else None,
        raise_on_error=False,
        instance=dg.DagsterInstance.ephemeral(),
    )


def _nps_row(tree: Path):
    con = duckdb.connect(str(tree / "kuva.duckdb"), read_only=True)
    try:
        return con.execute(
            "SELECT status, data_quality, explanation FROM bi.scorecard WHERE meter_id = ?", [NPS]
        ).fetchone()
    finally:
        con.close()


def test_a_failed_blocking_check_scores_the_meter_no_data(tmp_path):
    shutil.copytree(FIXTURES / "landing", tmp_path / "landing")
    shutil.copytree(FIXTURES / "reference", tmp_path / "reference")
    # A good night first: the warehouse has its tables and a scorecard.
    assert _run(tmp_path).success
    assert _nps_row(tmp_path)[1] != "failed"
    # Then a corrected export arrives broken: an export whose buttons are text in 9 of its 11 rows: the raw rule escalates and blocks.
    path = tmp_path / "landing" / "nps" / "2021" / "nps_2021-03.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["feedbackId"] not in {"1", "2"}:
            row["buttonIndex"] = "painike"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    first = _run(tmp_path)
    done = {e.asset_key.to_user_string() for e in first.get_asset_materialization_events()}
    assert "raw/nps_feedback" in done and "meters/nps_measures" not in done
    # The scorecard's next refresh reads the recorded failure (its inputs read the verdicts).
    assert _run(tmp_path, "key:marts/scorecard_inputs+").success
    status, quality, explanation = _nps_row(tmp_path)
    assert status == "no_data"
    assert quality == "failed"
    assert "button_index_is_integer" in explanation
