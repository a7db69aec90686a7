"""Running a refresh in-process, with a live progress display.

A refresh is one Dagster run of every selected asset; the feeds get the whole
range of daily partitions at once (their backfill policy is a single run), so
three years of history cost one pass over the landing files, not a thousand.

Before the run: the selection must match assets (a typo lists close names).
During it: a step waiting for the one-slot writer pool shows who holds it and
for how long. Each run is tagged with its process (`kuva/pid`, `kuva/host`,
`kuva/pid_started`), so a later refresh can tell a run whose process died
(`kuva_pipeline.recovery`).
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import socket
import threading
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import dagster as dg

from kuva_pipeline.resources import LOCK_WAIT_MESSAGE, holding, holds_any, release_held

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


WRITER_POOL = "duckdb_writer"
WAIT_CHECK_SECONDS = 5.0
"""How often a run blocked on the writer pool checks whether the holder's process died."""
EVENT_BATCH_SIZE = 1000
"""The most events Dagster hands the event log at once (`DAGSTER_EVENT_BATCH_SIZE`)."""


class RefreshError(RuntimeError):
    """A refresh whose run failed; the message names the failed steps and why."""

    def __init__(self, message: str, run_id: str | None = None, seconds: float = 0.0):
        super().__init__(message)
        self.run_id = run_id
        self.seconds = seconds


class SelectionError(ValueError):
    """A `--select` that matches no asset; the message lists close names."""

    def __init__(self, selection: str, problem: str | None, close: list[str]):
        self.selection, self.problem, self.close = selection, problem, close
        super().__init__(self.text("en"))

    def text(self, lang: str = "en") -> str:
        if lang == "fi":
            what = (
                f"ei ole kelvollinen valinta ({self.problem})" if self.problem else "ei vastaa yhtään assetia"
            )
            hint = (
                f" Tarkoititko: {', '.join('key:' + c for c in self.close)}?"
                if self.close
                else " Assettien avaimet ovat muotoa key:raw/nps_feedback tai key:marts/scorecard (ks. `kuva ui`)."
            )
        else:
            what = f"is not a valid selection ({self.problem})" if self.problem else "matches no asset"
            hint = (
                f" Did you mean: {', '.join('key:' + c for c in self.close)}?"
                if self.close
                else " Asset keys look like key:raw/nps_feedback or key:marts/scorecard (see `kuva ui`)."
            )
        return f"--select {self.selection!r} {what}.{hint}"


@dataclass
class RefreshResult:
    run_id: str
    steps_succeeded: int
    seconds: float
    waited_seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


class _StepEvents(logging.Handler):
    """Feeds Dagster's step events to a callback (step start, success, failure)."""

    def __init__(self, callback) -> None:
        super().__init__(level=logging.DEBUG)
        self.callback = callback

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None)
        event = meta.get("dagster_event") if isinstance(meta, dict) else None
        if event is None and LOCK_WAIT_MESSAGE in record.getMessage():
            self.callback("LOCK_WAIT", "", record.getMessage())
            return
        if event is not None and event.step_key:
            message = record.getMessage()
            if event.is_step_failure and event.step_failure_data.error is not None:
                message = event.step_failure_data.error.message.strip()
            self.callback(event.event_type_value, event.step_key, message)


def progress_logger_def(callback) -> dg.LoggerDefinition:
    @dg.logger(description="Reports step progress to the kuva command line.")
    def _progress(init_context: dg.InitLoggerContext) -> logging.Logger:
        lg = logging.Logger("kuva.progress", level=logging.DEBUG)
        lg.addHandler(_StepEvents(callback))
        return lg

    return _progress


def everything() -> dg.AssetSelection:
    """Every asset a `kuva refresh` runs: all of them, less the fetches KUVA_FETCH leaves off.

    A fetch asset that is off would do nothing, yet as a partitioned asset it
    would still cost a planned and a recorded materialization per month of a
    backfill (the nightly jobs, one month at a time, keep them).
    """
    from kuva_pipeline.fetch.config import FETCHABLE, parse_enabled

    enabled = parse_enabled(os.environ.get("KUVA_FETCH"))
    off = [dg.AssetKey(["landing", s]) for s in FETCHABLE if s not in enabled]
    return dg.AssetSelection.all() - dg.AssetSelection.assets(*off) if off else dg.AssetSelection.all()


def with_siblings(selection: str | None) -> dg.AssetSelection:
    """The selection plus the assets that are only whole together.

    A staging table and its quarantine are two views of one typed model, so
    picking any of the three picks all three (raw = staging + quarantine), and
    a multi-asset that cannot be split comes whole.
    """
    if not selection:
        return everything()
    from kuva_pipeline.dbt_project import quarantine_families

    chosen = dg.AssetSelection.from_string(selection).required_multi_asset_neighbors()
    for family in quarantine_families():
        members = dg.AssetSelection.assets(*family)
        touched = chosen & members
        chosen = chosen | (touched | touched.upstream(depth=1)).downstream(depth=1) & members
    return chosen


def check_selection(selection: str | None, asset_graph) -> None:
    """Raise `SelectionError` when `selection` matches no asset, naming the closest keys."""
    if not selection:
        return
    keys = sorted(k.to_user_string() for k in asset_graph.get_all_asset_keys())
    try:
        matched = dg.AssetSelection.from_string(selection).resolve(asset_graph)
        if matched:
            return
        problem = None
    except Exception as exc:  # the selection grammar's own errors
        problem = str(exc).splitlines()[0]
    tokens = re.findall(r"(?:key:)?\"?([A-Za-z0-9_/*]+)", selection.replace("+", " "))
    close: list[str] = []
    for token in tokens:
        if token in {"key", "group", "tag", "kind", "owner", "and", "or", "not"}:
            continue
        for name in difflib.get_close_matches(token.strip("*"), keys, n=5, cutoff=0.6):
            if name not in close:
                close.append(name)
    raise SelectionError(selection, problem, close)


def process_tags() -> dict[str, str]:
    """Who runs this refresh: host, pid and the process's start, to tell a dead run later."""
    from kuva_pipeline.recovery import process_started

    pid = os.getpid()
    return {
        "kuva/host": socket.gethostname(),
        "kuva/pid": str(pid),
        "kuva/pid_started": f"{process_started(pid) or 0:.2f}",
    }


def _pool_holder(instance: dg.DagsterInstance, pool: str) -> str | None:
    try:
        info = instance.event_log_storage.get_concurrency_info(pool)
    except Exception:  # storage without pools: nothing to say
        return None
    runs = sorted({slot.run_id[:8] for slot in info.claimed_slots})
    return ", ".join(runs) or None


def _others_in_progress(instance: dg.DagsterInstance) -> bool:
    """Whether a run besides the one of this process is queued or in progress in the instance."""
    from kuva_pipeline.recovery import UNFINISHED

    statuses = [dg.DagsterRunStatus.QUEUED, *UNFINISHED]
    try:
        return instance.get_runs_count(dg.RunsFilter(statuses=statuses)) > 1
    except Exception:  # a storage hiccup: let go of the file, the safe side
        return True


def partition_range_tags(start: date, end: date) -> dict[str, str]:
    """Run tags selecting the feed partitions (months) that hold the days start..end."""
    from kuva_pipeline.partitions import month_key

    return {RANGE_START_TAG: month_key(start), RANGE_END_TAG: month_key(end)}


def run_refresh(
    start: date,
    end: date,
    selection: str | None = None,
    console=None,
    resources: dict[str, object] | None = None,
    instance: dg.DagsterInstance | None = None,
    before_run=None,
    extra_checks: Sequence[dg.AssetCheckKey] = (),
    tags: Mapping[str, str] | None = None,
) -> RefreshResult:
    """Materialize the selected assets (all by default) over [start, end] in one run.

    `before_run(sources)`, when given, is called with the raw sources the run
    will load once the selection is known, before anything is written (the
    preflight); whatever it raises stops the refresh.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    from kuva_pipeline.definitions import build_definitions
    from kuva_pipeline.quality import gx_runner

    failures: list[str] = []
    succeeded: list[str] = []
    wait = {"since": None, "total": 0.0, "holder": None, "said": False}

    class StepColumn(ProgressColumn):
        """The running step, or how long it has waited for the writer and who holds it."""

        def render(self, task) -> Text:
            if wait["since"] is not None:
                held = f", held by run {wait['holder']}" if wait["holder"] else ""
                return Text(
                    f"waiting for the writer (pool {WRITER_POOL}{held}) "
                    f"{time.monotonic() - wait['since']:.0f} s",
                    style="yellow",
                )
            return Text(task.fields.get("step", ""))

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        StepColumn(),
        console=console,
        transient=False,
        disable=console is None,
    )
    task = None

    def stop_waiting() -> None:
        if wait["since"] is not None:
            wait["total"] += time.monotonic() - wait["since"]
            wait["since"] = None

    def on_event(kind: str, step: str, message: str) -> None:
        if kind == "LOCK_WAIT":
            if console is not None:
                text = message[message.index(LOCK_WAIT_MESSAGE):]
                progress.console.print(text, style="yellow", markup=False, highlight=False)
            return
        if kind == "ENGINE_EVENT" and "blocked" in message.lower() and WRITER_POOL in message:
            # The run holds the warehouse file open between its steps (`holding` below):
            # let go of it, or the run that has the pool would find the file locked.
            release_held()
            if wait["since"] is None:
                wait["since"] = time.monotonic()
                wait["holder"] = _pool_holder(run_instance, WRITER_POOL)
                if not wait["said"] and console is not None:
                    held = f" (held by run {wait['holder']})" if wait["holder"] else ""
                    progress.console.print(
                        f"[yellow]Waiting for the warehouse writer: another run holds the "
                        f"{WRITER_POOL} pool{held}; this run starts when it is free.[/yellow]"
                    )
                    wait["said"] = True
            return
        if holds_any() and (
            kind in ("STEP_FAILURE", "STEP_UP_FOR_RETRY")
            or (kind == "STEP_SUCCESS" and _others_in_progress(run_instance))
        ):
            # Before the step gives up the pool, so that the run that takes it next finds the
            # file free (Dagster says "blocked" only once for a step, so that alone is not
            # enough); and after a failure, so that a retry or the next step opens the file
            # afresh rather than reuse an instance the failure may have left unusable.
            release_held()
        if kind == "STEP_START":
            stop_waiting()
            progress.update(task, step=step.replace("__", "/"))
        elif kind == "STEP_SUCCESS":
            succeeded.append(step)
            progress.advance(task)
        elif kind == "STEP_FAILURE":
            failures.append(f"{step.replace('__', '/')}: {message}")
            progress.advance(task)
        elif kind == "STEP_SKIPPED":
            progress.advance(task)

    job_name = "kuva_cli_refresh"
    # Definitions are lazy: the job is resolved only after the selection is known to match.
    defs = build_definitions(
        resources=resources,
        loggers={"progress": progress_logger_def(on_event)},
        jobs=[
            dg.define_asset_job(
                job_name,
                selection=with_siblings(selection) | dg.AssetSelection.checks(*extra_checks)
                if extra_checks
                else with_siblings(selection),
            )
        ],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = defs.resolve_asset_graph()
    check_selection(selection, graph)
    if selection is None and gx_runner.used_by(None):
        # The whole job validates with GX: the worker imports GX on the other core while this
        # process is still starting up (one core's work until the first step) rather than
        # beside the first feed loads, which use both (`gx_runner.start_worker`).
        gx_runner.start_worker()
    if before_run is not None:
        from kuva_pipeline.defs.raw import RAW_SOURCES

        chosen = with_siblings(selection).resolve(graph)
        before_run([s for s in RAW_SOURCES if dg.AssetKey(["raw", s.table]) in chosen])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        job = defs.resolve_job_def(job_name)
    n_steps = len(job.graph.node_defs)
    run_instance = instance or dg.DagsterInstance.get()
    t0 = time.monotonic()
    done = threading.Event()

    def watch_holder() -> None:
        """While blocked, check every few seconds whether the pool's holder died, and free it."""
        from kuva_pipeline.recovery import recover_dead_runs

        while not done.wait(WAIT_CHECK_SECONDS):
            if wait["since"] is None:
                continue
            try:
                freed = recover_dead_runs(run_instance)
            except Exception:  # a storage hiccup: try again next time
                continue
            for run in freed:
                if console is not None:
                    progress.console.print(f"[yellow]Found a dead refresh: {run.describe()}.[/yellow]")

    # One "materialization planned" event per asset for the whole range instead of one
    # per month: some 400 fewer writes to the instance before the first step of a full
    # refresh. The price: Dagster does not mark the months of a failed range run as
    # failed in an asset's partition view (the run shows failed, and this command says so).
    os.environ.setdefault("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "true")
    # The planned events, and a range run's materializations of each asset, stored in one
    # transaction each (`PooledSqliteEventLogStorage.store_event_batch`).
    os.environ.setdefault("DAGSTER_EVENT_BATCH_SIZE", str(EVENT_BATCH_SIZE))
    watcher = threading.Thread(target=watch_holder, name="kuva-pool-watch", daemon=True)
    watcher.start()
    try:
        # One DuckDB instance for the whole run instead of one per unit of work.
        with progress, holding():
            task = progress.add_task("refresh", total=n_steps, step="")
            result = job.execute_in_process(
                run_config={"loggers": {"progress": {}}},
                instance=run_instance,
                tags={
                    **partition_range_tags(start, end),
                    "kuva/trigger": "cli",
                    **process_tags(),
                    **(tags or {}),
                },
                raise_on_error=False,
            )
    finally:
        done.set()
        watcher.join(timeout=5)
    stop_waiting()
    seconds = time.monotonic() - t0
    if not result.success:
        detail = "; ".join(failures) or "the run failed before its steps started"
        raise RefreshError(f"run {result.run_id[:8]}: {detail}", run_id=result.run_id, seconds=seconds)
    return RefreshResult(result.run_id, len(succeeded), seconds, wait["total"], failures)
