"""Two runs started together share one DuckDB file: the writer pool serializes their steps.

Two `kuva refresh` processes are started at the same moment against one
warehouse and one Dagster instance made from the project's dagster.yaml. Each
is a real run (in-process executor, as `kuva refresh` runs), so the only things
between them are the instance's `duckdb_writer` pool (limit 1, op granularity,
kept in the SQLite storage both processes share) and, behind it, the warehouse
resource's lock retry.

To make the collision certain rather than a matter of start-up timing, the
test itself holds DuckDB's write lock (as a stray reader of the live file
would) until both runs have started: the first run's first step takes the
pool slot and waits in the lock retry, the second run's first step is blocked
by the pool. Then the lock is released and both must finish.
"""

from __future__ import annotations

import subprocess
import time
from collections import defaultdict
from pathlib import Path

import dagster as dg
import duckdb

from tests.ops.helpers import PYTHON, ROOT, subprocess_env

SLICE = "+key:meters/nps_measures"
ARGS = ["refresh", "--from", "2021-03-01", "--to", "2021-03-31", "--no-scorecard", "--select", SLICE]


def _step_windows(instance: dg.DagsterInstance, run_id: str) -> list[tuple[str, float, float]]:
    """(step, start, end) of every step of a run, from its event log."""
    starts: dict[str, float] = {}
    windows = []
    for entry in instance.all_logs(run_id):
        if not entry.is_dagster_event or not entry.step_key:
            continue
        kind = entry.dagster_event.event_type_value
        if kind == "STEP_START":
            starts[entry.step_key] = entry.timestamp
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            windows.append((entry.step_key, starts[entry.step_key], entry.timestamp))
    return windows


def _wait_until_both_runs_wait(procs: list[subprocess.Popen], timeout: float = 60) -> None:
    """Until one run's first step holds the pool slot and the other's is blocked by it."""
    deadline = time.monotonic() + timeout
    with dg.DagsterInstance.get() as instance:
        while time.monotonic() < deadline and all(p.poll() is None for p in procs):
            runs = instance.get_runs()
            if len(runs) == 2:
                started = [
                    e for r in runs for e in instance.all_logs(r.run_id)
                    if e.is_dagster_event and e.dagster_event.event_type_value == "STEP_START"
                ]
                blocked = [
                    e for r in runs for e in instance.all_logs(r.run_id)
                    if "blocked" in (e.message or "") and "duckdb_writer" in (e.message or "")
                ]
                if started and blocked:
                    return
            time.sleep(0.5)
    raise AssertionError("the two runs did not meet at the writer pool")


def test_two_runs_started_together_both_succeed_one_writer_at_a_time(project_env, tmp_path):
    # The instance exists before the runs (as it does once `dagster dev` or the
    # daemon has started): two processes creating a new SQLite instance at the
    # same moment race on its tables, which is not what is tested here.
    dg.DagsterInstance.get().dispose()
    env = subprocess_env(project_env)
    warehouse = Path(project_env["KUVA_WAREHOUSE_PATH"])
    warehouse.parent.mkdir(parents=True)
    lock = duckdb.connect(str(warehouse))  # the write lock, until both runs have started
    logs = [tmp_path / f"refresh_{i}.log" for i in range(2)]
    procs = []
    try:
        for log in logs:
            with log.open("w") as out:
                procs.append(
                    subprocess.Popen(
                        [PYTHON, "-m", "kuva_pipeline.cli", *ARGS],
                        cwd=ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
        _wait_until_both_runs_wait(procs)
    finally:
        lock.close()
    for proc in procs:
        proc.wait(timeout=120)
    outputs = [log.read_text(errors="replace") for log in logs]
    # Both complete, with warnings (exit 3): the fixture month is years old (WARN freshness).
    assert [p.returncode for p in procs] == [3, 3], "\n\n".join(outputs)
    # The run blocked by the pool said so, naming the run that held the writer.
    assert any("Waiting for the warehouse writer" in out and "held by run" in out for out in outputs), (
        "\n\n".join(outputs)
    )

    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs()
        assert len(runs) == 2
        assert {r.status for r in runs} == {dg.DagsterRunStatus.SUCCESS}
        windows = {r.run_id: _step_windows(instance, r.run_id) for r in runs}
        blocked = defaultdict(int)
        for r in runs:
            for entry in instance.all_logs(r.run_id):
                if "pool duckdb_writer" in (entry.message or "") and "blocked" in entry.message:
                    blocked[r.run_id] += 1

    # One writer at a time: no step of one run overlaps any step of the other.
    (a, wa), (b, wb) = windows.items()
    assert len(wa) == len(wb) >= 4
    for step_a, start_a, end_a in wa:
        for step_b, start_b, end_b in wb:
            assert end_a <= start_b or end_b <= start_a, f"{step_a} overlaps {step_b}"
    # ... because the pool made one of them wait, not because they happened not to meet,
    assert sum(blocked.values()) > 0
    # and the step that held the slot waited out the lock in the warehouse resource.
    assert max(end - start for _, start, end in wa + wb) >= 0.5

    # The warehouse holds one run's worth of rows (the fixture: 11 presses, 7 clean, 4 rejected).
    con = duckdb.connect(project_env["KUVA_WAREHOUSE_PATH"], read_only=True)
    try:
        counts = [
            con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("raw.nps_feedback", "staging.nps_responses", "quarantine.nps_responses")
        ]
        distinct = con.execute(
            "SELECT count(DISTINCT (_source_file, _record_index)) FROM raw.nps_feedback"
        ).fetchone()[0]
    finally:
        con.close()
    assert counts == [11, 7, 4]
    assert distinct == 11
