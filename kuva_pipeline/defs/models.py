"""The dbt models as Dagster assets, in three steps that follow the layers.

- `feed_models`: the partitioned feeds' staging models (dbt tag `feed`). A run
  passes its Helsinki days as the window (`KUVA_PARTITION_START` /
  `KUVA_PARTITION_END`, which stand for the vars `partition_start` /
  `partition_end`), and each incremental model replaces exactly those days. A backfill over a
  range is one dbt invocation.
- `staging_models`: the unpartitioned staging models (check-ins, finance, the
  event classification) and their quarantine views.
- `warehouse_models`: meters, marts (scoring included) and the published bi
  views.

The cut between the steps is where the Python quality checks on staging run:
a blocking check on a staging table stops the meters downstream of it.
Lineage is dbt's own `ref()` / `source()` graph.
"""

from collections.abc import Iterable, Iterator

import dagster as dg
from dagster_dbt import dbt_assets

from kuva_pipeline.dbt_project import (
    KuvaDbtTranslator,
    load_manifest,
    warehouse_env,
)
from kuva_pipeline.dbt_runner import DbtRunnerResource
from kuva_pipeline.metadata import table_metadata
from kuva_pipeline.partitions import feed_partitions, partition_dates
from kuva_pipeline.resources import WRITER_POOL, WarehouseResource

# The manifest as a dict, the very object `load_manifest` gives the steps: dagster-dbt
# remembers each node's asset spec by the manifest's identity, so a step translating dbt's
# results finds the specs the definitions made (a path here was read into a second copy, and
# the first dbt step of a process worked every spec out again).
MANIFEST = load_manifest()
TRANSLATOR = KuvaDbtTranslator()
STAGING = "tag:staging"


def _with_table_metadata(
    events: Iterable, warehouse: WarehouseResource, where: str | None = None
) -> Iterator:
    """dbt's events, each materialization carrying the table's row count, schema and preview.

    The events are held until dbt exits: while it runs, it holds the warehouse's
    write lock, and the counts are read after.
    """
    held = list(events)
    with warehouse.connect(read_only=True) as con:
        for event in held:
            key = getattr(event, "asset_key", None)
            if isinstance(event, dg.Output | dg.AssetMaterialization) and key is not None:
                table = ".".join(key.path)
                meta = table_metadata(con, table, where=where, lean=where is not None)
                event = event.with_metadata({**(event.metadata or {}), **meta})
            yield event


def _sources_by_asset() -> dict[dg.AssetKey, str]:
    """Each model asset that reads a raw table directly -> that source's name (nps, varaamo, ...)."""

    from kuva_pipeline.defs.raw import RAW_SOURCES

    by_table = {s.table: s.name for s in RAW_SOURCES}
    manifest = load_manifest()
    found: dict[dg.AssetKey, str] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        for dep in node["depends_on"]["nodes"]:
            source = manifest["sources"].get(dep)
            if source and source["schema"] == "raw" and source["name"] in by_table:
                found[dg.AssetKey([node["schema"], node["alias"]])] = by_table[source["name"]]
    return found


SOURCE_OF = _sources_by_asset()


def _record_tests(
    events: list, warehouse: WarehouseResource, run_id: str, window: tuple | None
) -> None:
    """dbt's test verdicts into quality.check_results, beside every other check's.

    So `bi.quality_checks` publishes them and a failed blocking test makes its
    source's meters no_data (`quality/health.py`), like any blocking check.
    """
    from datetime import UTC, datetime

    from kuva_pipeline.quality.results import Evaluation, append

    evaluations = []
    for event in events:
        if not isinstance(event, dg.AssetCheckResult):
            continue
        meta = {k: getattr(v, "value", v) for k, v in (event.metadata or {}).items()}
        failed = meta.get("dagster_dbt/failed_row_count")
        error = event.severity == dg.AssetCheckSeverity.ERROR
        evaluations.append(
            Evaluation(
                asset=event.asset_key.to_user_string(),
                check_name=event.check_name,
                passed=event.passed,
                severity="ERROR" if error else "WARN",
                blocking=error,
                detail=(
                    f"dbt test {event.check_name}: "
                    + (
                        "passed"
                        if event.passed
                        else f"{failed if failed is not None else 'some'} failing rows"
                    )
                ),
                failed_rows=int(failed) if failed is not None else None,
                source=SOURCE_OF.get(event.asset_key),
                partition_start=window[0] if window else None,
                partition_end=window[1] if window else None,
            )
        )
    if evaluations:
        with warehouse.connect() as con:
            append(con, evaluations, run_id, datetime.now(UTC).replace(tzinfo=None))


BY_PERIOD = frozenset(
    dg.AssetKey([node["schema"], node["alias"]])
    for node in MANIFEST["nodes"].values()
    if node["resource_type"] == "model" and "by_period" in node["tags"]
)
"""The measures models a rescore recomputes by period (dbt tag `by_period`, assets/macros/rescore.sql)."""


def _rescores_by_period(context: dg.AssetExecutionContext) -> bool:
    """Whether the run only rescores and the by-period tables may keep their past periods.

    A rescore (`kuva_pipeline.changes`) has nothing new since the last full refresh; the
    tables must also be newer than everything they read but the as-of days. A run since
    then may have rebuilt staging or a reference table without them (a selection in the
    UI): then they are rebuilt whole, as in any other run.
    """
    from kuva_pipeline.changes import SCOPE_TAG

    if context.run.tags.get(SCOPE_TAG) != "rescore":
        return False
    selected = BY_PERIOD & set(context.selected_asset_keys)
    if not selected:
        return False
    reads = {spec.key: {dep.asset_key for dep in spec.deps} for spec in context.assets_def.specs}
    instance = context.instance

    def stamp(key: dg.AssetKey) -> float | None:
        event = instance.get_latest_materialization_event(key)
        return event.timestamp if event else None

    as_of = dg.AssetKey(["catalog", "as_of_dates"])
    for key in selected:
        built = stamp(key)
        if built is None:
            return False
        for parent in reads[key] - {as_of}:
            read = stamp(parent)
            if read is not None and read >= built:
                context.log.info(
                    f"{parent.to_user_string()} changed after {key.to_user_string()}: rebuilt whole"
                )
                return False
    return True


def _build(
    context: dg.AssetExecutionContext,
    dbt: DbtRunnerResource,
    warehouse: WarehouseResource,
    window: dict[str, str] | None = None,
    where: str | None = None,
    span: tuple | None = None,
    rescore: bool = False,
) -> Iterator:
    # KUVA_RESCORE is set, or removed, for every invocation (assets/macros/rescore.sql).
    env = {
        "KUVA_RUN_ID": context.run_id,
        "KUVA_RESCORE": "1" if rescore else None,
        **(window or {}),
    }
    with warehouse_env(warehouse.file, warehouse.memory_limit, **env):
        run = dbt.build(context, TRANSLATOR)
    # dbt's own log goes to the run's event log: the UI shows what dbt did.
    context.log.debug(run.log)
    _record_tests(run.events, warehouse, context.run_id, span)
    yield from _with_table_metadata(run.events, warehouse, where)
    # A failing test is a check result (blocking when its severity is error: Dagster
    # and dbt then skip what is downstream); a model that errors fails the step.
    if run.errors:
        raise dg.Failure(
            description="dbt build failed: " + "; ".join(run.errors), allow_retries=False
        )


@dbt_assets(
    manifest=MANIFEST,
    select="tag:feed",
    name="feed_models",
    partitions_def=feed_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    dagster_dbt_translator=TRANSLATOR,
    pool=WRITER_POOL,
)
def feed_models(
    context: dg.AssetExecutionContext, dbt: DbtRunnerResource, warehouse: WarehouseResource
):
    """Typed, checked feed rows; clean ones staged, rejected ones quarantined, for the run's days."""
    start, end = partition_dates(context)
    where = f"_partition_date BETWEEN DATE '{start}' AND DATE '{end}'"
    yield from _build(
        context,
        dbt,
        warehouse,
        {"KUVA_PARTITION_START": start.isoformat(), "KUVA_PARTITION_END": end.isoformat()},
        where,
        (start, end),
    )


@dbt_assets(
    manifest=MANIFEST,
    select=STAGING,
    exclude="tag:feed",
    name="staging_models",
    dagster_dbt_translator=TRANSLATOR,
    pool=WRITER_POOL,
)
def staging_models(
    context: dg.AssetExecutionContext, dbt: DbtRunnerResource, warehouse: WarehouseResource
):
    """Staging models rebuilt whole: check-ins, finance and the event classification."""
    yield from _build(context, dbt, warehouse)


@dbt_assets(
    manifest=MANIFEST,
    exclude=f"{STAGING} tag:feed",
    name="warehouse_models",
    dagster_dbt_translator=TRANSLATOR,
    pool=WRITER_POOL,
)
def warehouse_models(
    context: dg.AssetExecutionContext, dbt: DbtRunnerResource, warehouse: WarehouseResource
):
    """Meters, the scored scorecard and its roll-ups, and the published bi views."""
    yield from _build(context, dbt, warehouse, rescore=_rescores_by_period(context))


ASSETS = [feed_models, staging_models, warehouse_models]
