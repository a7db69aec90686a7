"""Dagster's SQLite event log against the project's, event by event.

    .venv/bin/python -m benchmarks.event_log [--events 400] [--reps 3] [--kind checks]

Runs one Dagster job whose single step reports `--events` asset
materializations (a partition each, as a range run writes them), or with
`--kind checks` as many asset check results (a check step's output and
evaluation, two events each, counted as one), into a fresh
instance with Dagster's default storage and into one with
`kuva_pipeline.event_log.PooledSqliteEventLogStorage`, alternating, and prints
the median milliseconds per event. The run's own dozen events and its set-up
are in the time too, the same for both.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import dagster as dg

CONFIGS = {
    "dagster default": "telemetry:\n  enabled: false\n",
    "kuva pooled": (
        "telemetry:\n  enabled: false\n"
        "event_log_storage:\n  module: kuva_pipeline.event_log\n  class: PooledSqliteEventLogStorage\n"
    ),
}


def _job(events: int) -> dg.JobDefinition:
    @dg.op(out=dg.Out(dg.Nothing))
    def report(context) -> None:
        for i in range(events):
            month = f"{2019 + i // 120}-{1 + i // 10 % 12:02d}-01"
            context.log_event(
                dg.AssetMaterialization(asset_key=["raw", f"table_{i % 10}"], partition=month)
            )

    @dg.job
    def materializations() -> None:
        report()

    return materializations


def _check_job(checks: int) -> dg.JobDefinition:
    specs = [dg.AssetCheckSpec(f"rule_{i}", asset="checked") for i in range(checks)]

    @dg.asset
    def checked() -> None:
        """The table the checks judge."""

    @dg.multi_asset_check(specs=specs)
    def rules() -> object:
        for i in range(checks):
            yield dg.AssetCheckResult(
                check_name=f"rule_{i}", asset_key="checked", passed=i % 10 != 0,
                metadata={"failed_rows": i % 10, "examples": dg.MetadataValue.json([{"row": i}])},
            )

    return dg.Definitions(assets=[checked], asset_checks=[rules]).resolve_implicit_global_asset_job_def()


def _ms_per_event(config: str, job: dg.JobDefinition, events: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "dagster.yaml").write_text(config)
        os.environ["DAGSTER_HOME"] = folder
        with dg.DagsterInstance.get() as instance:
            started = time.perf_counter()
            job.execute_in_process(instance=instance)
            elapsed = time.perf_counter() - started
    return 1000 * elapsed / events


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--kind", choices=("materializations", "checks"), default="materializations")
    args = parser.parse_args(argv)
    job = _job(args.events) if args.kind == "materializations" else _check_job(args.events)
    results: dict[str, list[float]] = {name: [] for name in CONFIGS}
    for _ in range(args.reps):
        for name, config in CONFIGS.items():
            results[name].append(_ms_per_event(config, job, args.events))
    medians = {name: statistics.median(v) for name, v in results.items()}
    for name, ms in medians.items():
        unit = "event" if args.kind == "materializations" else "check result"
        print(f"{name:16s} {ms:6.2f} ms per {unit} ({args.events} {args.kind}, median of {args.reps})")
    print(f"ratio {medians['dagster default'] / medians['kuva pooled']:.1f}x")


if __name__ == "__main__":
    main()
