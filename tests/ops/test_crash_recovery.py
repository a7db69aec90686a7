"""A refresh killed with kill -9 is found by the next one: marked failed, its writer slot freed.

One Dagster instance (the project's dagster.yaml: a one-slot `duckdb_writer`
pool) and one warehouse. A clean refresh gives the reference scorecard and
publication. Then a refresh is killed while it holds the writer pool, the
next one must start at once (not wait for the dead run's slot) and is killed
as the publication starts; the published snapshot and the live warehouse still
open, and a last refresh gives the same `marts.scorecard` values as the clean one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.ops.helpers import PYTHON, subprocess_env

ARGS = ["refresh", "--from", "2021-03-01", "--to", "2021-03-31", "--no-scorecard"]
POOL = "duckdb_writer"
VALUES = (
    "SELECT scorecard_id, meter_id, as_of, status, actual_value, attainment_pct, data_quality "
    "FROM marts.scorecard ORDER BY ALL"
)


def _start(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, float]:
    fh = log.open("w")
    proc = subprocess.Popen(
        [PYTHON, "-m", "kuva_pipeline.cli", *ARGS],
        env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True,
    )
    return proc, time.monotonic()


def _kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _new_run(instance: dg.DagsterInstance, known: set[str], timeout: float = 300) -> dg.DagsterRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = [r for r in instance.get_runs() if r.run_id not in known]
        if runs:
            return runs[0]
        time.sleep(0.2)
    raise AssertionError("no new run appeared")


def _step_started(instance: dg.DagsterInstance, run_id: str, step: str | None = None) -> bool:
    return any(
        e.dagster_event.event_type_value == "STEP_START" and (step is None or e.step_key == step)
        for e in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START)
    )


def _wait_for(condition, proc: subprocess.Popen, timeout: float, what: str) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        assert proc.poll() is None, f"the refresh ended before {what}"
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _values(path: str) -> list[tuple]:
    con = duckdb.connect(path, read_only=True)
    try:
        return con.execute(VALUES).fetchall()
    finally:
        con.close()


def _snapshot_rows(path: str) -> int:
    con = duckdb.connect(path, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM bi.scorecard").fetchone()[0]
    finally:
        con.close()


@pytest.mark.timeout(2400)
def test_killed_refreshes_are_recovered_and_the_next_gives_the_same_scorecard(project_env, tmp_path):
    dg.DagsterInstance.get().dispose()
    env = subprocess_env(project_env)
    warehouse, snapshot = project_env["KUVA_WAREHOUSE_PATH"], project_env["KUVA_BI_PATH"]

    clean = subprocess.run(
        [PYTHON, "-m", "kuva_pipeline.cli", *ARGS], env=env, capture_output=True, text=True, timeout=1200
    )
    assert clean.returncode in (0, 3), clean.stdout[-3000:] + clean.stderr[-3000:]
    expected = _values(warehouse)
    published = _snapshot_rows(snapshot)
    assert expected and published

    with dg.DagsterInstance.get() as instance:
        known = {r.run_id for r in instance.get_runs()}

        # 1. Killed while it holds the writer pool.
        first, _ = _start(env, tmp_path / "first.log")
        run1 = _new_run(instance, known)
        _wait_for(
            lambda: any(
                s.run_id == run1.run_id
                for s in instance.event_log_storage.get_concurrency_info(POOL).claimed_slots
            ),
            first, 600, "the first refresh to hold the writer pool",
        )
        _kill(first)
        assert instance.get_run_by_id(run1.run_id).status == dg.DagsterRunStatus.STARTED
        known.add(run1.run_id)

        # 2. The next refresh starts at once, says what it found, and is killed as it publishes.
        second, began = _start(env, tmp_path / "second.log")
        run2 = _new_run(instance, known)
        _wait_for(lambda: _step_started(instance, run2.run_id), second, 600, "a first step")
        first_step_after = time.monotonic() - began
        assert instance.get_run_by_id(run1.run_id).status == dg.DagsterRunStatus.FAILURE
        assert not [
            s for s in instance.event_log_storage.get_concurrency_info(POOL).claimed_slots
            if s.run_id == run1.run_id
        ]
        _wait_for(
            lambda: _step_started(instance, run2.run_id, "bi__publication"),
            second, 1200, "the publication step",
        )
        _kill(second)
        known.add(run2.run_id)
        log2 = (tmp_path / "second.log").read_text(encoding="utf-8")
        assert f"Found a dead refresh: run {run1.run_id[:8]}" in log2
        assert "Waiting for the warehouse writer" not in log2
        # The step started within seconds of the process (imports and definitions included),
        # not after the minutes a dead run's slot used to cost.
        assert first_step_after < 120, first_step_after

        # The previous publication still opens; so does the live warehouse.
        assert _snapshot_rows(snapshot) == published
        duckdb.connect(warehouse).close()

        # 3. A last refresh on the same instance: the same scorecard values as the clean run.
        last = subprocess.run(
            [PYTHON, "-m", "kuva_pipeline.cli", *ARGS], env=env, capture_output=True, text=True, timeout=1200
        )
        assert last.returncode in (0, 3), last.stdout[-3000:] + last.stderr[-3000:]
        assert f"Found a dead refresh: run {run2.run_id[:8]}" in last.stdout
        assert instance.get_run_by_id(run2.run_id).status == dg.DagsterRunStatus.FAILURE
    assert _values(warehouse) == expected
    assert _snapshot_rows(snapshot) == published
