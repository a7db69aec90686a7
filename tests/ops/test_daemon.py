"""The real Dagster daemon picks up a landing file by itself and the run it starts succeeds.

This is the unattended path end to end: `dagster-daemon run` on the project's
workspace and instance file, the landing sensor on by default, the run queue,
the default run launcher, the in-process executor and the writer pool.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.ops.helpers import ROOT, subprocess_env

pytestmark = pytest.mark.integration

DAEMON = str(Path(sys.executable).with_name("dagster-daemon"))
DEADLINE_SECONDS = 180
"""About 20 s on an idle machine (daemon start, first tick, queue, run); generous for busy CI."""


def _stop(daemon: subprocess.Popen) -> None:
    """Stop the daemon and what it started (its process group: the code server, run workers)."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(daemon.pid, sig)
        except ProcessLookupError:
            return  # the whole group has exited
        try:
            daemon.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def test_daemon_runs_the_landing_sensor_and_the_run_succeeds(project_env, landing_root, tmp_path):
    env = subprocess_env({**project_env, "KUVA_LANDING_DIR": str(landing_root)})
    log_path = tmp_path / "daemon.log"
    with log_path.open("w") as log:
        daemon = subprocess.Popen(
            [DAEMON, "run", "-w", str(ROOT / "workspace.yaml")],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its code server and run workers stop with it
        )
    run = None
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        with dg.DagsterInstance.get() as instance:
            while time.monotonic() < deadline and daemon.poll() is None:
                runs = [
                    r
                    for r in instance.get_runs()
                    if r.tags.get("kuva/trigger") == "landing_sensor"
                ]
                if runs and runs[0].is_finished:
                    run = runs[0]
                    break
                time.sleep(1)
    finally:
        _stop(daemon)
    tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])
    assert run is not None, (
        f"no landing run finished within {DEADLINE_SECONDS} s (daemon exit code {daemon.returncode}); "
        f"daemon log:\n{tail}"
    )
    assert run.status == dg.DagsterRunStatus.SUCCESS, tail
    assert run.job_name == "landing_refresh"
    assert run.tags.get("dagster/partition") == "2021-03-01"
    con = duckdb.connect(project_env["KUVA_WAREHOUSE_PATH"], read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM raw.nps_feedback").fetchone()[0] == 11
        assert con.execute("SELECT count(*) FROM marts.scorecard").fetchone()[0] > 0
    finally:
        con.close()
