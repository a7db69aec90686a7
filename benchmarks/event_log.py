"""Dagster's SQLite event log against the project's, event by event.

    .venv/bin/python -m benchmarks.event_log [--events 400]

Stores the same asset materializations (a partition each, as a range run
writes them) into Dagster's default `SqliteEventLogStorage` and into
`kuva_pipeline.event_log.PooledSqliteEventLogStorage`, each in a fresh folder,
alternating, and prints the median milliseconds per event.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import dagster as dg
from dagster._core.events import DagsterEvent, DagsterEventType, StepMaterializationData
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from kuva_pipeline.event_log import PooledSqliteEventLogStorage

RUN_ID = "be5c4a11-0000-4000-8000-000000000000"


def _entry(i: int) -> EventLogEntry:
    event = DagsterEvent(
        event_type_value=DagsterEventType.ASSET_MATERIALIZATION.value,
        job_name="benchmark",
        event_specific_data=StepMaterializationData(
            dg.AssetMaterialization(
                asset_key=["raw", f"table_{i % 10}"],
                partition=f"{2019 + i // 120}-{1 + i // 10 % 12:02d}-01",
                metadata={"rows": i},
            )
        ),
    )
    return EventLogEntry(
        error_info=None,
        level="DEBUG",
        user_message="",
        run_id=RUN_ID,
        timestamp=time.time(),
        dagster_event=event,
        job_name="benchmark",
    )


def _ms_per_event(storage_class: type, events: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        storage = storage_class(folder)
        entries = [_entry(i) for i in range(events)]
        started = time.perf_counter()
        for entry in entries:
            storage.store_event(entry)
        elapsed = time.perf_counter() - started
        storage.dispose()
    return 1000 * elapsed / events


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    results: dict[str, list[float]] = {"dagster default": [], "kuva pooled": []}
    for _ in range(args.reps):
        results["dagster default"].append(_ms_per_event(SqliteEventLogStorage, args.events))
        results["kuva pooled"].append(_ms_per_event(PooledSqliteEventLogStorage, args.events))
    medians = {name: statistics.median(v) for name, v in results.items()}
    for name, ms in medians.items():
        print(f"{name:16s} {ms:6.2f} ms per event ({args.events} events, median of {args.reps})")
    print(f"ratio {medians['dagster default'] / medians['kuva pooled']:.1f}x")


if __name__ == "__main__":
    main()
