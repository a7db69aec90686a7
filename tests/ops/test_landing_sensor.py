"""The landing sensor: one run per new or changed file version, over the months its name covers."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import dagster as dg
import pytest

from kuva_pipeline.definitions import build_definitions
from kuva_pipeline.defs import sensors
from kuva_pipeline.defs.jobs import landing_refresh
from kuva_pipeline.defs.sensors import landing_files_sensor
from kuva_pipeline.landing_scan import decode_cursor, encode_cursor
from kuva_pipeline.runner import RANGE_END_TAG, RANGE_START_TAG
from kuva_pipeline.sources.raw import RawSource, Reader
from tests.ops.helpers import age

NPS = "nps/2021/nps_2021-03.csv"
NPS_CHAIN = {"raw/nps_feedback", "staging/nps_responses", "quarantine/nps_responses", "meters/nps_measures"}
REFERENCE = {"staging/ref_nps_experience_points", "staging/ref_nps_surveys"}


@pytest.fixture
def defs(resources) -> dg.Definitions:
    return build_definitions(resources=resources)


@pytest.fixture
def evaluate(defs, resources):
    """Evaluate the sensor as the daemon would: fresh context, the previous tick's cursor."""
    instance = dg.DagsterInstance.ephemeral()

    def _evaluate(cursor: str | None) -> dg.SensorResult:
        context = dg.build_sensor_context(
            cursor=cursor,
            instance=instance,
            definitions=defs,
            resources={"landing": resources["landing"], "warehouse": resources["warehouse"]},
        )
        result = landing_files_sensor(context)
        assert isinstance(result, dg.SensorResult)
        return result

    _evaluate.instance = instance
    return _evaluate


def _keys(request: dg.RunRequest) -> set[str]:
    return {k.to_user_string() for k in request.asset_selection}


def test_new_file_starts_one_run_then_nothing_until_it_changes(evaluate, landing_root):
    first = evaluate(None)
    assert len(first.run_requests) == 1
    request = first.run_requests[0]
    assert request.partition_key == "2021-03-01"
    assert RANGE_START_TAG not in request.tags
    keys = _keys(request)
    assert keys >= NPS_CHAIN
    assert "marts/scorecard" in keys and "bi/publication" in keys  # everything downstream
    # Nothing was ever materialized in this instance, so the run brings the
    # reference data and the catalog dimensions the NPS chain reads.
    assert keys >= REFERENCE and "catalog/dim_meter" in keys
    assert request.run_key.startswith("landing-")
    assert request.tags["kuva/trigger"] == "landing_sensor"
    assert request.tags["kuva/sources"] == "nps_feedback"

    # The same file version again: no run.
    second = evaluate(first.cursor)
    assert second.run_requests == []
    assert "no new or changed landing files" in second.skip_reason.skip_message
    assert decode_cursor(second.cursor) == decode_cursor(first.cursor)

    # The export is corrected (a row appended): a new version, a new run.
    path = landing_root / NPS
    with path.open("a", encoding="utf-8") as fh:
        fh.write(path.read_text(encoding="utf-8").splitlines()[1] + "\n")
    age(path, 1800)
    third = evaluate(second.cursor)
    assert len(third.run_requests) == 1
    assert third.run_requests[0].partition_key == "2021-03-01"
    assert third.run_requests[0].run_key != request.run_key
    assert evaluate(third.cursor).run_requests == []


def test_materialized_ancestors_are_not_rerun(evaluate, defs):
    for spec in defs.resolve_all_asset_specs():
        evaluate.instance.report_runless_asset_event(dg.AssetMaterialization(spec.key))
    request = evaluate(None).run_requests[0]
    keys = _keys(request)
    assert keys >= NPS_CHAIN
    assert not keys & REFERENCE
    assert "catalog/dim_meter" not in keys
    # Other sources are not reloaded for an NPS file.
    assert {k for k in keys if k.startswith("raw/")} == {"raw/nps_feedback"}


def test_a_file_covering_many_months_requests_the_range(evaluate, landing_root):
    first = evaluate(None)
    yearly = landing_root / "nps" / "2020" / "nps_2020.csv"
    yearly.parent.mkdir()
    shutil.copy(landing_root / NPS, yearly)
    may = landing_root / "nps" / "2021" / "nps_2021-05-17.csv"
    shutil.copy(landing_root / NPS, may)
    age(yearly), age(may)
    request = evaluate(first.cursor).run_requests[0]
    # One run over the months of all changed files: 2020-01 .. 2021-05.
    assert request.partition_key is None
    assert (request.tags[RANGE_START_TAG], request.tags[RANGE_END_TAG]) == ("2020-01-01", "2021-05-01")
    assert request.tags["kuva/changed_files"] == "2"


def test_undated_file_is_skipped_with_a_reason_once(evaluate, landing_root):
    first = evaluate(None)
    undated = landing_root / "nps" / "nps_export_latest.csv"
    shutil.copy(landing_root / NPS, undated)
    age(undated)
    second = evaluate(first.cursor)
    assert second.run_requests == []
    reason = second.skip_reason.skip_message
    assert "nps/nps_export_latest.csv" in reason and "no date token" in reason
    # Reported once per version, not on every tick.
    third = evaluate(second.cursor)
    assert "nps_export_latest" not in third.skip_reason.skip_message


def test_file_still_being_written_waits_for_a_later_tick(evaluate, landing_root):
    first = evaluate(None)
    fresh = landing_root / "nps" / "2021" / "nps_2021-04.csv"
    shutil.copy(landing_root / NPS, fresh)  # modified just now
    second = evaluate(first.cursor)
    assert second.run_requests == []
    assert "still being written" in second.skip_reason.skip_message
    age(fresh)
    third = evaluate(second.cursor)
    assert [r.partition_key for r in third.run_requests] == ["2021-04-01"]


def test_removed_file_is_forgotten_without_a_run(evaluate, landing_root):
    first = evaluate(None)
    (landing_root / NPS).unlink()
    second = evaluate(first.cursor)
    assert second.run_requests == []
    assert decode_cursor(second.cursor) == {}


def test_missing_landing_folder_keeps_the_cursor(evaluate, landing_root):
    first = evaluate(None)
    shutil.rmtree(landing_root)  # an unmounted share
    second = evaluate(first.cursor)
    assert second.run_requests == []
    assert "does not exist" in second.skip_reason.skip_message
    assert second.cursor is None  # unchanged: Dagster keeps the previous cursor


def test_cursor_round_trips_and_stays_small():
    versions = {f"nps/{y}/nps_{y}-{m:02d}-{d:02d}.csv": f"{1000 + d}:{time.time_ns()}"
                for y in (2019, 2020, 2021) for m in range(1, 13) for d in range(1, 29)}
    cursor = encode_cursor(versions)
    assert decode_cursor(cursor) == versions
    assert len(cursor) < len(str(versions)) / 2


CHECKINS = RawSource(
    name="checkins_test",
    table="checkins_test",
    folder="checkins",
    description="Test check-ins: one unpartitioned source.",
    fields=("meter", "date"),
    readers=(Reader("*.csv", "csv", delim=";"),),
    day_expr="NULL",
    partitioned=False,
)


def test_unpartitioned_source_reloads_whole_without_partitions(tmp_path: Path, monkeypatch):
    """A check-ins or finance file starts an unpartitioned run of its raw asset and downstream."""

    @dg.asset(key=["raw", "checkins_test"])
    def raw_checkins() -> None: ...

    @dg.asset(key=["marts", "checkins_test"], deps=[raw_checkins])
    def marts_checkins() -> None: ...

    from kuva_pipeline.resources import LandingResource, WarehouseResource

    landing = LandingResource(root=str(tmp_path), reference_root=str(tmp_path))
    warehouse = WarehouseResource(path=str(tmp_path / "none.duckdb"))
    defs = dg.Definitions(
        assets=[raw_checkins, marts_checkins],
        jobs=[landing_refresh],
        sensors=[landing_files_sensor],
        resources={"landing": landing, "warehouse": warehouse},
    )
    monkeypatch.setattr(sensors, "RAW_SOURCES", [CHECKINS])
    undated = tmp_path / "checkins" / "owner_kir.csv"  # no date token: fine when unpartitioned
    undated.parent.mkdir()
    undated.write_text("meter;date\nx;1.1.2021\n", encoding="utf-8")
    age(undated)
    context = dg.build_sensor_context(
        instance=dg.DagsterInstance.ephemeral(),
        definitions=defs,
        resources={"landing": landing, "warehouse": warehouse},
    )
    request = landing_files_sensor(context).run_requests[0]
    assert request.partition_key is None and RANGE_START_TAG not in request.tags
    assert _keys(request) == {"raw/checkins_test", "marts/checkins_test"}
