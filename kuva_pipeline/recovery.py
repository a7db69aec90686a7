"""Runs whose process died, and a Dagster instance made by one process at a time.

`kuva refresh` runs in its own process (the in-process executor), so a kill -9,
an out-of-memory kill or a reboot leaves its run "started" forever and, worse,
its claim on the one-slot writer pool: every later run waits for a slot that
is never freed. Each CLI run carries its host, pid and the process's start
time as tags; `recover_dead_runs` finds the unfinished ones whose process is
gone, marks them failed and frees their pool slots through the public
instance API, and says which run and when. (Runs launched by the daemon are
watched by Dagster's own run monitoring, see dagster_home/dagster.yaml.)

`instance_lock` serializes the first creation of a brand-new DAGSTER_HOME's
SQLite storage: two refreshes started together would otherwise both create
its tables and one would die with "table ... already exists".
"""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import psutil

UNFINISHED = [
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.CANCELING,
]
LOCK_FILE = ".kuva.lock"


def process_started(pid: int) -> float | None:
    """The process's start time (epoch seconds), or None when there is no such process."""
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def process_alive(pid: int, started: float | None) -> bool:
    """Whether the process that started the run still runs (not a later process with its pid)."""
    current = process_started(pid)
    if current is None:
        return False
    try:
        if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return False
    except psutil.Error:
        return False
    return not started or abs(current - started) < 1.0


@dataclass
class RecoveredRun:
    run_id: str
    job: str
    started_at: datetime | None
    pid: int
    freed_slots: int

    def describe(self) -> str:
        when = self.started_at.strftime("%Y-%m-%d %H:%M:%S UTC") if self.started_at else "?"
        return (
            f"run {self.run_id[:8]} ({self.job}, started {when}, process {self.pid}) "
            f"died without finishing: marked failed"
            + (f", {self.freed_slots} writer pool slot(s) freed" if self.freed_slots else "")
        )


def _claimed_slots(instance: dg.DagsterInstance, run_id: str) -> int:
    storage = instance.event_log_storage
    try:
        keys = storage.get_concurrency_keys()
        return sum(
            1
            for key in keys
            for slot in storage.get_concurrency_info(key).claimed_slots
            if slot.run_id == run_id
        )
    except Exception:  # a storage without pools
        return 0


def recover_dead_runs(
    instance: dg.DagsterInstance, host: str | None = None
) -> list[RecoveredRun]:
    """Fail this host's unfinished CLI runs whose process is gone, and free their pool slots."""
    host = host or socket.gethostname()
    recovered = []
    records = instance.get_run_records(dg.RunsFilter(statuses=UNFINISHED, tags={"kuva/host": host}))
    for record in records:
        run = record.dagster_run
        try:
            pid = int(run.tags.get("kuva/pid", ""))
        except ValueError:
            continue
        if pid == os.getpid():
            continue
        started = float(run.tags.get("kuva/pid_started") or 0) or None
        if process_alive(pid, started):
            continue
        slots = _claimed_slots(instance, run.run_id)
        instance.report_run_failed(
            run,
            message=f"The process running this refresh ({host}, pid {pid}) died without "
            "finishing (killed, out of memory or a restart); marked failed by the next "
            "`kuva refresh`.",
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        begun = record.start_time or record.create_timestamp.timestamp()
        recovered.append(
            RecoveredRun(
                run_id=run.run_id,
                job=run.job_name,
                started_at=datetime.fromtimestamp(begun, UTC) if begun else None,
                pid=pid,
                freed_slots=slots,
            )
        )
    return recovered


@contextmanager
def instance_lock(home: Path) -> Iterator[None]:
    """An exclusive lock on DAGSTER_HOME/.kuva.lock while the instance's storage is created."""
    home.mkdir(parents=True, exist_ok=True)
    with (home / LOCK_FILE).open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def open_instance(home: Path) -> dg.DagsterInstance:
    """The instance at `home`, its storage created (or migrated) by one process at a time."""
    with instance_lock(home):
        instance = dg.DagsterInstance.get()
        # Touch every storage so its tables exist before the lock is released.
        instance.get_runs(limit=1)
        instance.event_log_storage.get_concurrency_keys()
        instance.all_instigator_state()
        return instance
