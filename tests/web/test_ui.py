"""`kuva ui` starts the Dagster UI and the scorecard view beside it, as real processes on
127.0.0.1, and Ctrl+C (SIGINT) stops both and everything they started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
import requests

from tests.conftest import ROOT
from tests.web.conftest import free_port

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=3).ok
    except requests.RequestException:
        return False


def test_kuva_ui_serves_dagster_and_the_view_and_stops_both(web_sample, tmp_path):
    warehouse, snapshot = web_sample
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((ROOT / "dagster_home" / "dagster.yaml").read_text())
    dagster_port, view_port = free_port(), free_port()
    while view_port == dagster_port:
        view_port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KUVA_")},
        "DAGSTER_HOME": str(home),
        "KUVA_BI_PATH": str(snapshot),
        "KUVA_WAREHOUSE_PATH": str(warehouse),
    }
    log = (tmp_path / "ui.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kuva_pipeline.cli",
            "ui",
            "--port",
            str(dagster_port),
            "--view-port",
            str(view_port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    dagster_url, view_url = f"http://127.0.0.1:{dagster_port}", f"http://127.0.0.1:{view_port}"
    try:
        deadline = time.monotonic() + 240
        while not (_answers(f"{view_url}/healthz") and _answers(f"{dagster_url}/server_info")):
            assert proc.poll() is None, (tmp_path / "ui.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (
                "kuva ui did not answer within 240 s:\n" + (tmp_path / "ui.log").read_text()[-3000:]
            )
            time.sleep(1)
        # Both answer on the loopback only, and the view links into the Dagster UI it started with.
        front = requests.get(f"{view_url}/en/", timeout=10)
        assert front.status_code == 200 and "Scorecards" in front.text
        meter = requests.get(
            f"{view_url}/en/meters/weighted_targets_2021.nps_index", timeout=10
        ).text
        assert f'href="{dagster_url}/assets/meters/nps_measures"' in meter
        assert "dagster" in requests.get(f"{dagster_url}/server_info", timeout=10).text.lower()
        printed = (tmp_path / "ui.log").read_text()
        assert f"{dagster_url}/" in printed and f"{view_url}/" in printed
        started = psutil.Process(proc.pid).children(recursive=True)
        assert len(started) >= 2, "dagster dev and kuva serve run as children"

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=120) == 0, (tmp_path / "ui.log").read_text()[-3000:]
    finally:
        if proc.poll() is None:
            # A failed test must not leave dagster dev, its daemon and the view running.
            for child in psutil.Process(proc.pid).children(recursive=True):
                with contextlib.suppress(psutil.NoSuchProcess):
                    child.kill()
            proc.kill()
            proc.wait()
        log.close()
    time.sleep(1)
    left = [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert left == [], f"still running after kuva ui stopped: {[p.cmdline()[:4] for p in left]}"
    assert not _answers(f"{view_url}/healthz") and not _answers(f"{dagster_url}/server_info")
