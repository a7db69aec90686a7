"""The landing-file sensor: new or changed landing files start a `landing_refresh` run.

Once per file version, over the months the files' names cover, for the changed
sources' raw assets and everything downstream. What counts as new is
`kuva_pipeline.landing_scan`; the sensor and the raw loader share one record of
loaded file versions (`raw._loaded_files`), so files `kuva refresh` loaded are
not new.
"""

from __future__ import annotations

import hashlib
import json
import time
import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb

from kuva_pipeline.defs.jobs import TRIGGER_TAG, landing_refresh
from kuva_pipeline.defs.raw import RAW_SOURCES
from kuva_pipeline.landing_scan import (
    LandingChanges,
    decode_cursor,
    encode_cursor,
    read_loaded_files,
    scan_landing,
)
from kuva_pipeline.partitions import HELSINKI, feed_partitions
from kuva_pipeline.resources import LandingResource, WarehouseResource
from kuva_pipeline.runner import partition_range_tags

TZ = ZoneInfo(HELSINKI)

MAX_LOGGED_FILES = 50
"""A first tick over years of daily files names the first ones and counts the rest."""


def _assets_by_key(context: dg.SensorEvaluationContext) -> dict[dg.AssetKey, dg.AssetsDefinition]:
    repo = context.repository_def
    if repo is None:  # evaluated outside a code location (a bare test context)
        from kuva_pipeline.definitions import defs

        repo = defs.get_repository_def()
    return dict(repo.assets_defs_by_key)


def landing_selection(
    tables: Iterable[str],
    assets_by_key: Mapping[dg.AssetKey, dg.AssetsDefinition],
    instance: dg.DagsterInstance | None,
) -> list[dg.AssetKey]:
    """The changed sources' raw assets, everything downstream, and any ancestor never materialized.

    The ancestors make a first run on an empty warehouse work (reference data
    and the catalog dimensions are not downstream of any feed, but staging and
    the scorecard read them); once materialized they are left alone.
    """
    assets = list({id(a): a for a in assets_by_key.values()}.values())
    raw_keys = [dg.AssetKey(["raw", table]) for table in sorted(tables)]
    keys = set(dg.AssetSelection.assets(*raw_keys).downstream().resolve(assets))
    ancestors = dg.AssetSelection.assets(*keys).upstream().resolve(assets) - keys
    if instance is not None:
        keys |= {k for k in ancestors if instance.get_latest_materialization_event(k) is None}
    # A multi-asset (a staging table and its quarantine) runs whole.
    keys = dg.AssetSelection.assets(*keys).required_multi_asset_neighbors().resolve(assets)
    return sorted(keys, key=lambda k: k.to_user_string())


def _run_request(
    changes: LandingChanges,
    assets_by_key: Mapping[dg.AssetKey, dg.AssetsDefinition],
    valid_months: Sequence[str],
    instance: dg.DagsterInstance | None,
) -> dg.RunRequest:
    keys = landing_selection(changes.tables, assets_by_key, instance)
    months = sorted(set().union(*changes.months.values())) if changes.months else []
    if not months and any(assets_by_key[k].partitions_def is not None for k in keys):
        # An unpartitioned source feeding a partitioned asset: every month depends on it.
        months = [valid_months[0], valid_months[-1]]
    tags = {
        TRIGGER_TAG: "landing_sensor",
        "kuva/sources": ",".join(sorted(changes.tables)),
        "kuva/changed_files": str(len(changes.files)),
    }
    partition_key = None
    if months and months[0] == months[-1]:
        partition_key = months[0]
    elif months:
        first, last = date.fromisoformat(months[0]), date.fromisoformat(months[-1])
        tags.update(partition_range_tags(first, last))
    digest = hashlib.sha256("\n".join(sorted(changes.files)).encode("utf-8")).hexdigest()
    return dg.RunRequest(
        run_key=f"landing-{digest[:24]}",
        asset_selection=keys,
        partition_key=partition_key,
        tags=tags,
    )


@dg.sensor(
    name="landing_files_sensor",
    job=landing_refresh,
    minimum_interval_seconds=120,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="New or changed landing files (once per file version) start a refresh of "
    "their sources' raw assets over the months they cover, and everything downstream.",
)
def landing_files_sensor(
    context: dg.SensorEvaluationContext, landing: LandingResource, warehouse: WarehouseResource
) -> dg.SensorResult:
    root = landing.landing
    if not root.is_dir():
        return dg.SensorResult(skip_reason=f"the landing folder {root} does not exist")
    try:
        loaded = read_loaded_files(warehouse.file)
    except duckdb.Error as exc:
        # A refresh holds the write lock: look again next tick rather than call its files new.
        return dg.SensorResult(
            skip_reason=f"the warehouse {warehouse.file} is busy ({str(exc).splitlines()[0]}); "
            "landing files are compared on a later tick"
        )
    try:
        previous = decode_cursor(context.cursor)
    except (ValueError, zlib.error, json.JSONDecodeError) as exc:
        context.log.warning(f"unreadable cursor ({exc}); every landing file counts as new")
        previous = {}
    assets_by_key = _assets_by_key(context)
    partitioned = {
        key.path[1]: assets.partitions_def is not None
        for key, assets in assets_by_key.items()
        if key.path[0] == "raw" and len(key.path) == 2
    }
    valid_months = list(feed_partitions.get_partition_keys(current_time=datetime.now(TZ)))
    changes = scan_landing(
        root, RAW_SOURCES, previous, partitioned, valid_months, now=time.time(), loaded=loaded
    )
    for note in changes.notes[:MAX_LOGGED_FILES]:
        context.log.info(note)
    if len(changes.notes) > MAX_LOGGED_FILES:
        context.log.info(f"... and {len(changes.notes) - MAX_LOGGED_FILES} more file(s)")
    if changes.settling:
        context.log.info(f"still being written, next tick: {', '.join(changes.settling[:10])}")
    cursor = encode_cursor(changes.versions)
    if not changes.files:
        skipped = [n for n in changes.notes if "skipped" in n]
        reason = "no new or changed landing files"
        if skipped:
            reason += "; " + "; ".join(skipped[:5])
        if changes.settling:
            reason += f"; {len(changes.settling)} file(s) still being written"
        return dg.SensorResult(skip_reason=reason, cursor=cursor)
    return dg.SensorResult(
        run_requests=[_run_request(changes, assets_by_key, valid_months, context.instance)],
        cursor=cursor,
    )
