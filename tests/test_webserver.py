"""The real Dagster webserver, started on a free loopback port, serves the project's lineage."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.integration
HOMES: dict[str, Path] = {}

QUERY = """
{
  assetNodes {
    assetKey { path }
    groupName
    description
    owners { ... on TeamAssetOwner { team } }
    kinds
    dependencyKeys { path }
  }
}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text((ROOT / "dagster_home" / "dagster.yaml").read_text())
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    HOMES[f"http://127.0.0.1:{port}"] = home  # runs a test makes land where the UI reads
    log = (home / "webserver.log").open("w")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("dagster-webserver")),
            "-w",
            str(ROOT / "workspace.yaml"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"webserver exited: {(home / 'webserver.log').read_text()[-2000:]}")
            try:
                if requests.get(f"{url}/server_info", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("webserver did not answer within 120 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _asset_nodes(url: str) -> dict[str, dict]:
    # The code location loads in a subprocess; wait until its assets are served.
    deadline = time.monotonic() + 90
    while True:
        resp = requests.post(f"{url}/graphql", json={"query": QUERY}, timeout=30)
        resp.raise_for_status()
        nodes = resp.json()["data"]["assetNodes"]
        if nodes or time.monotonic() > deadline:
            return {"/".join(n["assetKey"]["path"]): n for n in nodes}
        time.sleep(1)


def test_webserver_lists_the_slice_with_its_lineage(webserver):
    nodes = _asset_nodes(webserver)
    for key in (
        "raw/nps_feedback",
        "staging/nps_responses",
        "quarantine/nps_responses",
        "meters/nps_measures",
    ):
        assert key in nodes, f"{key} missing from the UI; got {sorted(nodes)}"
    staging = nodes["staging/nps_responses"]
    assert staging["groupName"] == "staging"
    # staging.nps_responses is the clean view of the typed model, which reads raw, with each
    # device's site from the device reference.
    assert sorted(d["path"] for d in staging["dependencyKeys"]) == [
        ["staging", "nps_responses_typed"], ["staging", "ref_nps_experience_points"]]
    typed = nodes["staging/nps_responses_typed"]
    assert ["raw", "nps_feedback"] in [d["path"] for d in typed["dependencyKeys"]]
    assert {"team": "kuva-data"} in staging["owners"]
    assert "duckdb" in staging["kinds"]
    meters = nodes["meters/nps_measures"]
    assert ["staging", "nps_responses"] in [d["path"] for d in meters["dependencyKeys"]]


CHECKS = """
query Checks($path: [String!]!) {
  assetNodeOrError(assetKey: {path: $path}) {
    ... on AssetNode {
      assetChecksOrError {
        ... on AssetChecks {
          checks {
            name
            executionForLatestMaterialization { status runId }
            partitionDefinition { description }
            partitionStatuses {
              ... on AssetCheckTimePartitionStatuses { ranges { startKey endKey status } }
            }
          }
        }
      }
    }
  }
}
"""


def test_checks_of_a_range_run_show_their_verdicts_in_the_ui(webserver, tmp_path, monkeypatch):
    """A run over two months shows each raw check as passed or failed, as it ended, not skipped."""
    from datetime import date

    import dagster as dg
    import duckdb

    from kuva_pipeline.definitions import build_definitions
    from kuva_pipeline.resources import CatalogResource, LandingResource, WarehouseResource
    from kuva_pipeline.runner import partition_range_tags, with_siblings
    from tests.conftest import FIXTURES, with_dbt

    _asset_nodes(webserver)  # the code location is up
    warehouse = tmp_path / "kuva.duckdb"
    resources = {
        "warehouse": WarehouseResource(path=str(warehouse)),
        "landing": LandingResource(
            root=str(FIXTURES / "landing"), reference_root=str(FIXTURES / "reference")
        ),
        "catalog": CatalogResource(directory=str(ROOT / "data" / "catalog")),
    }
    monkeypatch.setenv("DAGSTER_HOME", str(HOMES[webserver]))  # the event log's base folder
    instance = dg.DagsterInstance.from_config(str(HOMES[webserver]))
    defs = build_definitions(resources=resources)
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks],
        resources=with_dbt(resources),
        tags=partition_range_tags(date(2021, 3, 1), date(2021, 4, 30)),
        selection=with_siblings("+key:raw/nps_feedback"),
        instance=instance,
    )
    assert result.success
    with duckdb.connect(str(warehouse), read_only=True) as con:
        verdicts = dict(
            con.execute(
                "SELECT check_name, passed FROM quality.check_results "
                "WHERE asset = 'raw/nps_feedback' AND run_id = ?",
                [result.run_id],
            ).fetchall()
        )
    assert len(verdicts) > 5
    resp = requests.post(
        f"{webserver}/graphql",
        json={"query": CHECKS, "variables": {"path": ["raw", "nps_feedback"]}},
        timeout=30,
    )
    checks = resp.json()["data"]["assetNodeOrError"]["assetChecksOrError"]["checks"]
    shown = {
        c["name"]: (c["executionForLatestMaterialization"] or {}).get("status") for c in checks
    }
    # Each verdict the run recorded is what the UI shows for it, with this run's id.
    assert shown == {
        name: "SUCCEEDED" if passed else "FAILED" for name, passed in verdicts.items()
    }
    assert {
        (c["executionForLatestMaterialization"] or {}).get("runId") for c in checks
    } == {result.run_id}
    for check in checks:
        # A partitioned check would be shown month by month: those months must carry the
        # verdict too (with partitioned checks they showed as skipped, "0 of 13 passed").
        if check["partitionDefinition"] is not None:
            expected = "SUCCEEDED" if verdicts[check["name"]] else "FAILED"
            months = {
                (r["startKey"], r["endKey"]): r["status"]
                for r in (check["partitionStatuses"] or {}).get("ranges", [])
            }
            assert months == {("2021-03-01", "2021-04-01"): expected}, check["name"]
