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
    # staging.nps_responses is the clean view of the typed model, which reads raw.
    assert [d["path"] for d in staging["dependencyKeys"]] == [["staging", "nps_responses_typed"]]
    typed = nodes["staging/nps_responses_typed"]
    assert ["raw", "nps_feedback"] in [d["path"] for d in typed["dependencyKeys"]]
    assert {"team": "kuva-data"} in staging["owners"]
    assert "duckdb" in staging["kinds"]
    meters = nodes["meters/nps_measures"]
    assert ["staging", "nps_responses"] in [d["path"] for d in meters["dependencyKeys"]]
