"""Running a refresh in-process, with a live progress display.

A refresh is one Dagster run of every selected asset; the feeds get the whole
range of daily partitions at once (their backfill policy is a single run), so
three years of history cost one pass over the landing files, not a thousand.
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass
from datetime import date

import dagster as dg

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


class RefreshError(RuntimeError):
    """A refresh whose run failed; the message names the failed steps and why."""


@dataclass
class RefreshResult:
    run_id: str
    steps_succeeded: int
    seconds: float


class _StepEvents(logging.Handler):
    """Feeds Dagster's step events to a callback (step start, success, failure)."""

    def __init__(self, callback) -> None:
        super().__init__(level=logging.DEBUG)
        self.callback = callback

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None)
        event = meta.get("dagster_event") if isinstance(meta, dict) else None
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


def with_siblings(selection: str | None) -> dg.AssetSelection:
    """The selection plus the assets that are only whole together.

    A staging table and its quarantine are two views of one typed model, so
    picking any of the three picks all three (raw = staging + quarantine), and
    a multi-asset that cannot be split comes whole.
    """
    if not selection:
        return dg.AssetSelection.all()
    from kuva_pipeline.dbt_project import quarantine_families

    chosen = dg.AssetSelection.from_string(selection).required_multi_asset_neighbors()
    for family in quarantine_families():
        members = dg.AssetSelection.assets(*family)
        touched = (chosen | chosen.upstream(depth=1)) & members
        chosen = chosen | touched.upstream(depth=1).downstream(depth=1) & members
    return chosen


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
) -> RefreshResult:
    """Materialize the selected assets (all by default) over [start, end] in one run."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from kuva_pipeline.definitions import build_definitions

    failures: list[str] = []
    succeeded: list[str] = []
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[step]}"),
        console=console,
        transient=False,
        disable=console is None,
    )
    task = None

    def on_event(kind: str, step: str, message: str) -> None:
        if kind == "STEP_START":
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
    defs = build_definitions(
        resources=resources,
        loggers={"progress": progress_logger_def(on_event)},
        jobs=[dg.define_asset_job(job_name, selection=with_siblings(selection))],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        job = defs.resolve_job_def(job_name)
    n_steps = len(job.graph.node_defs)
    run_instance = instance or dg.DagsterInstance.get()
    t0 = time.monotonic()
    with progress:
        task = progress.add_task("refresh", total=n_steps, step="")
        result = job.execute_in_process(
            run_config={"loggers": {"progress": {}}},
            instance=run_instance,
            tags={**partition_range_tags(start, end), "kuva/trigger": "cli"},
            raise_on_error=False,
        )
    seconds = time.monotonic() - t0
    if not result.success:
        detail = "; ".join(failures) or "the run failed before its steps started"
        raise RefreshError(f"run {result.run_id[:8]}: {detail}")
    return RefreshResult(result.run_id, len(succeeded), seconds)
