"""`kuva refresh` and the landing sensor share one record of loaded files; the default range ends at the data."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from kuva_pipeline import cli
from kuva_pipeline.definitions import build_definitions
from kuva_pipeline.defs.sensors import landing_files_sensor
from kuva_pipeline.resources import LandingResource, WarehouseResource
from kuva_pipeline.runner import RANGE_END_TAG, RANGE_START_TAG
from tests.ops.helpers import FIXTURES, age

SLICE = "+key:meters/nps_measures"


def _tick(landing_root: Path, warehouse: Path, cursor: str | None = None) -> dg.SensorResult:
    resources = {
        "landing": LandingResource(root=str(landing_root), reference_root=str(FIXTURES / "reference")),
        "warehouse": WarehouseResource(path=str(warehouse)),
    }
    context = dg.build_sensor_context(
        cursor=cursor,
        instance=dg.DagsterInstance.ephemeral(),
        definitions=build_definitions(resources=resources),
        resources=resources,
    )
    return landing_files_sensor(context)


def test_after_a_refresh_the_sensor_sees_nothing_new_and_the_range_ends_at_the_data(
    project_env, landing_root, monkeypatch, capsys
):
    monkeypatch.setenv("KUVA_LANDING_DIR", str(landing_root))
    warehouse = Path(project_env["KUVA_WAREHOUSE_PATH"])
    # No --to: the range ends with the last landed period (the fixture's only file, March 2021).
    assert cli.main(["refresh", "--no-scorecard", "--select", SLICE]) in (0, 3)
    assert "Refreshing partitions 2019-01-01 .. 2021-03-31" in capsys.readouterr().out
    with dg.DagsterInstance.get() as instance:
        (run,) = instance.get_runs()
        assert (run.tags[RANGE_START_TAG], run.tags[RANGE_END_TAG]) == ("2019-01-01", "2021-03-01")

    # A sensor with no cursor of its own (first tick, or a reset) knows what the CLI loaded.
    result = _tick(landing_root, warehouse)
    assert not result.run_requests, [r.tags for r in result.run_requests]
    assert result.skip_reason and "no new or changed landing files" in str(result.skip_reason)

    # A changed file version is new again.
    path = landing_root / "nps" / "2021" / "nps_2021-03.csv"
    path.write_text(path.read_text(encoding="utf-8") + "99,2021-03-20T10:00:00,101,9001,8,false,nps11,\n")
    age(path)
    (request,) = _tick(landing_root, warehouse, result.cursor).run_requests
    assert request.partition_key == "2021-03-01"

    # While a refresh holds the warehouse, the sensor waits for a later tick instead of guessing.
    writer = duckdb.connect(str(warehouse))
    try:
        busy = _tick(landing_root, warehouse)
    finally:
        writer.close()
    assert not busy.run_requests and "is busy" in str(busy.skip_reason)
