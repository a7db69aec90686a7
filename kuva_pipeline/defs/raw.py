"""Raw assets: one per source table, loading landing files as-is with file lineage."""


import importlib
import pkgutil
from datetime import UTC, datetime

import dagster as dg

from kuva_pipeline import sources as sources_package
from kuva_pipeline.metadata import column_schema, table_metadata
from kuva_pipeline.partitions import feed_partitions, partition_dates
from kuva_pipeline.resources import LandingResource, WarehouseResource
from kuva_pipeline.sources.raw import LINEAGE_COLUMNS, RawSource, load_raw
from kuva_pipeline.sqlmodels import OWNER, WRITER_POOL


def discover_sources() -> list[RawSource]:
    """Every `RawSource` defined at module level in `kuva_pipeline.sources`: one raw asset each."""
    found: dict[str, RawSource] = {}
    for info in sorted(pkgutil.iter_modules(sources_package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{sources_package.__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, RawSource):
                found[value.table] = value
    return [found[t] for t in sorted(found)]


RAW_SOURCES: list[RawSource] = discover_sources()

LINEAGE_DESCRIPTIONS = {
    "_source_file": "Landing file the record came from, relative to the landing root.",
    "_record_index": "1-based position of the record in its file (data rows, header excluded).",
    "_row_hash": "md5 of the record's source fields; tells a changed record from a rerun.",
    "_partition_date": "Helsinki day the record belongs to (its file's first day when unreadable).",
    "_loaded_at": "When the record first landed in raw (kept when a rerun finds it unchanged).",
}


def build_raw_asset(source: RawSource) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", source.table],
        description=source.description,
        group_name="raw",
        owners=[OWNER],
        kinds={"duckdb", "python", "file"},
        code_version="1",
        partitions_def=feed_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        pool=WRITER_POOL,
        tags={"source": source.name},
        metadata={
            "dagster/column_schema": column_schema(
                {**source.field_descriptions, **LINEAGE_DESCRIPTIONS},
                {
                    **{f: "VARCHAR" for f in source.fields},
                    "_source_file": "VARCHAR",
                    "_record_index": "BIGINT",
                    "_row_hash": "VARCHAR",
                    "_partition_date": "DATE",
                    "_loaded_at": "TIMESTAMP",
                },
            ),
            "dagster/table_name": source.qualified,
        },
    )
    def _raw(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, landing: LandingResource
    ) -> dg.MaterializeResult:
        start, end = partition_dates(context)
        loaded_at = datetime.now(UTC).replace(tzinfo=None)

        def progress(i: int, n: int, name: str) -> None:
            if i == n or i % 50 == 0:
                context.log.info(f"{source.qualified}: read {i}/{n} files (last: {name})")

        with warehouse.connect() as con:
            result = load_raw(con, source, landing.landing, start, end, loaded_at, progress)
            if result.undated_files:
                context.log.warning(
                    f"{len(result.undated_files)} file(s) under {source.folder}/ carry no date "
                    f"token and were not loaded: {', '.join(result.undated_files[:5])}"
                )
            where = f"_partition_date BETWEEN DATE '{start}' AND DATE '{end}'"
            meta = table_metadata(
                con,
                source.qualified,
                {**source.field_descriptions, **LINEAGE_DESCRIPTIONS},
                where=where,
                preview_exclude=source.personal_fields,
                lean=start != end,
            )
        return dg.MaterializeResult(
            metadata={
                **meta,
                "partition_range": f"{start}..{end}",
                "files_loaded": len(result.files),
                "undated_files": dg.MetadataValue.json(result.undated_files[:50]),
                **(
                    {}
                    if start != end
                    else {"rows_by_file": dg.MetadataValue.json(dict(list(result.rows_by_file.items())[:200]))}
                ),
            }
        )

    return _raw


ASSETS = [build_raw_asset(s) for s in RAW_SOURCES]
assert set(LINEAGE_DESCRIPTIONS) == set(LINEAGE_COLUMNS)
