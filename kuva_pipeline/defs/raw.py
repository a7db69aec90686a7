"""Raw assets: one per source table, loading landing files as-is with file lineage."""


import time
from collections.abc import Callable
from datetime import UTC, date, datetime

import dagster as dg

from kuva_pipeline.fetch import FETCHED_FOLDERS
from kuva_pipeline.metadata import column_schema, table_metadata
from kuva_pipeline.partitions import feed_partitions, partition_dates
from kuva_pipeline.quality import gx_runner
from kuva_pipeline.resources import OWNER, WRITER_POOL, LandingResource, WarehouseResource
from kuva_pipeline.sources.declaration import raw_sources
from kuva_pipeline.sources.landing import LandingFileError
from kuva_pipeline.sources.raw import (
    LINEAGE_COLUMNS,
    LINEAGE_TYPES,
    RawShrinkError,
    RawSource,
    guard_from_env,
    load_raw,
)


def discover_sources() -> list[RawSource]:
    """The raw tables of every source declared in `kuva_pipeline.sources`: one raw asset each."""
    return raw_sources()


RAW_SOURCES: list[RawSource] = discover_sources()

LINEAGE_DESCRIPTIONS = {
    "_source_file": "Landing file the record came from, relative to the landing root.",
    "_record_index": "1-based position of the record in its file (data rows, header excluded).",
    "_partition_date": "Helsinki day the record belongs to (its file's first day when unreadable).",
    "_loaded_at": "When the record first landed in raw (kept when a rerun finds it unchanged).",
}


def _start_gx_worker(context: dg.AssetExecutionContext) -> None:
    """Start the GX worker process when this run validates with GX (`gx_runner.start_worker`).

    A feed's load comes well before its checks, so the worker has imported GX on the
    other core by the time the check step sends it the frame to judge.
    """
    if gx_runner.used_by(context.run.asset_check_selection):
        gx_runner.start_worker()


PROGRESS_SECONDS = 2.0
"""How often a raw load reports the files it has read, at most: a line every two seconds of
a long load, and one at its end. (A line every fifty files wrote some sixty events for a city
backfill's small daily files, and none before the end of the NPS load's large ones.)"""


class FileProgress:
    """Reports `read i/n files (last: name)` at most every PROGRESS_SECONDS, and the last file."""

    def __init__(
        self,
        say: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
        every: float = PROGRESS_SECONDS,
    ) -> None:
        self.say, self.clock, self.every = say, clock, every
        self.last = clock()

    def __call__(self, i: int, n: int, name: str) -> None:
        now = self.clock()
        if i == n or now - self.last >= self.every:
            self.last = now
            self.say(f"read {i}/{n} files (last: {name})")


def build_raw_asset(source: RawSource) -> dg.AssetsDefinition:
    """A partitioned source loads the run's months; an unpartitioned one reloads every file."""
    partitioned = source.partitioned

    @dg.asset(
        key=["raw", source.table],
        description=source.description,
        group_name="raw",
        owners=[OWNER],
        kinds={"duckdb", "python", "file"},
        code_version="2",
        partitions_def=feed_partitions if partitioned else None,
        backfill_policy=dg.BackfillPolicy.single_run() if partitioned else None,
        pool=WRITER_POOL,
        # A source with an API loads after its fetch (defs/fetch.py), which is a no-op unless enabled.
        deps=[dg.AssetKey(["landing", FETCHED_FOLDERS[source.table]])]
        if source.table in FETCHED_FOLDERS
        else None,
        tags={"source": source.name},
        metadata={
            "dagster/column_schema": column_schema(
                {**source.field_descriptions, **LINEAGE_DESCRIPTIONS},
                {**{f: "VARCHAR" for f in source.fields}, **LINEAGE_TYPES},
            ),
            "dagster/table_name": source.qualified,
        },
    )
    def _raw(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, landing: LandingResource
    ) -> dg.MaterializeResult:
        if partitioned:
            start, end = partition_dates(context)
            _start_gx_worker(context)
        else:
            start, end = date.min, date.max
        loaded_at = datetime.now(UTC).replace(tzinfo=None)

        progress = FileProgress(lambda line: context.log.info(f"{source.qualified}: {line}"))

        try:
            guard = guard_from_env(source)
        except ValueError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        with warehouse.connect() as con:
            try:
                result = load_raw(
                    con, source, landing.landing, start, end, loaded_at, progress, guard=guard
                )
            except RawShrinkError as exc:
                # Held back: downstream does not run, nothing is published, the failure is alerted.
                raise dg.Failure(
                    description=str(exc),
                    metadata={"held_back": str(exc), "error_kind": "permanent"},
                    allow_retries=False,
                ) from exc
            except LandingFileError as exc:
                # A Failure's description is the step's error message itself, so the UI and
                # `kuva refresh` print the file, line and field rather than a wrapper.
                # A broken file does not mend itself: no retries.
                raise dg.Failure(
                    description=f"{source.qualified} not loaded: {exc}",
                    metadata={"landing_error": str(exc)},
                    allow_retries=False,
                ) from exc
            if result.undated_files:
                context.log.warning(
                    f"{len(result.undated_files)} file(s) under {source.folder}/ carry no date "
                    f"token and were not loaded: {', '.join(result.undated_files[:5])}"
                )
            for name, cols in result.extra_columns.items():
                context.log.warning(
                    f"{name}: column(s) {', '.join(cols)} are not in the {source.name} contract "
                    "and were not loaded (docs/sources.md)"
                )
            for problem in result.page_count_mismatches:
                context.log.warning(f"{source.qualified}: {problem}")
            for period in result.deleted:
                context.log.warning(
                    f"{source.qualified}: emptied or shrunk as explicitly allowed: {period}"
                )
            where = (
                f"_partition_date BETWEEN DATE '{start}' AND DATE '{end}'" if partitioned else None
            )
            meta = table_metadata(
                con,
                source.qualified,
                {**source.field_descriptions, **LINEAGE_DESCRIPTIONS},
                where=where,
                preview_exclude=source.personal_fields,
                lean=partitioned and start != end,
            )
        return dg.MaterializeResult(
            metadata={
                **meta,
                **({"partition_range": f"{start}..{end}"} if partitioned else {}),
                "files_loaded": len(result.files),
                # Rows new or changed in this load: 0 marks a run that brought nothing new.
                "kuva/new_rows": result.new_rows,
                "kuva/deleted_periods": dg.MetadataValue.json(result.deleted),
                "undated_files": dg.MetadataValue.json(result.undated_files[:50]),
                "extra_columns": dg.MetadataValue.json(result.extra_columns),
                "page_count_mismatches": dg.MetadataValue.json(result.page_count_mismatches[:50]),
                **(
                    {}
                    if partitioned and start != end
                    else {"rows_by_file": dg.MetadataValue.json(dict(list(result.rows_by_file.items())[:200]))}
                ),
            }
        )

    return _raw


ASSETS = [build_raw_asset(s) for s in RAW_SOURCES]
assert set(LINEAGE_DESCRIPTIONS) == set(LINEAGE_COLUMNS)
