"""Running unattended: the nightly schedule, the landing-file sensor, retries, alerts, freshness.

- `nightly_refresh_schedule` (02:00 Europe/Helsinki) starts a `nightly_refresh` run
  of every asset for the month partition holding yesterday, Helsinki time.
- `landing_files_sensor` starts a `landing_refresh` run for new or changed
  landing files, once per file version, over the months their names cover.
- Both jobs retry a failed step with exponential backoff; a permanent error
  (see `kuva_pipeline.alerts.fail_fast`) fails at once.
- `run_failure_alert` logs and posts every failed run (see `kuva_pipeline.alerts`);
  `run_warning_alert` does the same for a run that succeeded with warnings
  (WARN check failures, blocked feeds, nothing new loaded) and tags every
  successful run with `kuva/loaded_rows` and `kuva/warnings`.
- The landing sensor and the raw loader share one record of loaded file
  versions (`raw._loaded_files`): files `kuva refresh` loaded are not new.
- `with_freshness_policies` marks the scorecard stale 36 hours after its last refresh.

Every warehouse-writing asset takes the `duckdb_writer` pool, which the
instance (dagster_home/dagster.yaml) limits to one step at a time, so runs
started together queue for the warehouse instead of colliding on its lock.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb

from kuva_pipeline import alerts, summary
from kuva_pipeline.defs.raw import RAW_SOURCES
from kuva_pipeline.partitions import HELSINKI, feed_partitions, month_key
from kuva_pipeline.resources import LandingResource, WarehouseResource
from kuva_pipeline.runner import partition_range_tags
from kuva_pipeline.sources.landing import period_of
from kuva_pipeline.sources.raw import RawSource, loaded_file_versions

TZ = ZoneInfo(HELSINKI)
TRIGGER_TAG = "kuva/trigger"

# ------------------------------------------------------------------ retries

UNATTENDED_RETRY_POLICY = dg.RetryPolicy(
    max_retries=3, delay=30, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)
"""A failed step waits about 30 s, 60 s, then 120 s before each new attempt.

This is the second line of defence: the warehouse resource itself already
waits out a held DuckDB lock for about a minute inside each attempt. Errors
that waiting cannot cure skip the backoff (`alerts.fail_fast`).
"""


def refresh_job(
    name: str, description: str, retry_policy: dg.RetryPolicy | None = UNATTENDED_RETRY_POLICY
) -> dg.UnresolvedAssetJobDefinition:
    """Every asset (feeds by month partition, the rest whole), with step retries.

    In-process: every step writes the warehouse and takes the one-slot writer
    pool, so steps run one at a time anyway; one process loads the code once
    instead of once per step, and a retry waits in that process.
    """
    return dg.define_asset_job(
        name,
        selection=dg.AssetSelection.all(),
        description=description,
        op_retry_policy=retry_policy,
        executor_def=dg.in_process_executor,
    )


nightly_refresh = refresh_job(
    "nightly_refresh",
    "Every feed's month partition holding yesterday (Helsinki) and everything downstream.",
)
landing_refresh = refresh_job(
    "landing_refresh",
    "The raw assets of new or changed landing files, their months, and everything downstream.",
)

# ------------------------------------------------------------------ nightly schedule


def helsinki_yesterday(tick: datetime | None) -> date:
    """The Helsinki calendar day before a schedule tick (an aware instant; naive means Helsinki)."""
    if tick is None:
        tick = datetime.now(TZ)
    local = tick.replace(tzinfo=TZ) if tick.tzinfo is None else tick.astimezone(TZ)
    return local.date() - timedelta(days=1)


def nightly_preflight(day: date) -> list[str]:
    """The preflight of the nightly run over the month holding `day` (see `kuva_pipeline.preflight`)."""
    from kuva_pipeline.preflight import preflight
    from kuva_pipeline.resources import default_resources

    res = default_resources()
    landing, catalog, warehouse = res["landing"], res["catalog"], res["warehouse"]
    first = day.replace(day=1)
    report = preflight(
        _resolved(landing.root), _resolved(landing.reference_root), _resolved(catalog.directory),
        _resolved(warehouse.path), RAW_SOURCES, first, day,
    )
    return report.problems


def _resolved(value: Any) -> Path:
    from kuva_pipeline import settings

    text = value.get_value() if isinstance(value, dg.EnvVar) else value
    return settings.resolve(text)


@dg.schedule(
    name="nightly_refresh_schedule",
    job=nightly_refresh,
    cron_schedule="0 2 * * *",
    execution_timezone=HELSINKI,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="02:00 Helsinki: refresh the month holding yesterday, and everything downstream.",
)
def nightly_refresh_schedule(
    context: dg.ScheduleEvaluationContext,
) -> dg.RunRequest | dg.SkipReason:
    # 02:00 exists every day in Helsinki (clocks change at 03:00 and 04:00), and
    # the day is taken in Helsinki time, so DST never shifts the partition.
    day = helsinki_yesterday(context.scheduled_execution_time)
    problems = nightly_preflight(day)
    if problems:
        # Before any work: an unmounted share or a broken catalog starts no run, and is alerted.
        alerts.deliver(alerts.preflight_alert("nightly_refresh", day.isoformat(), problems))
        return dg.SkipReason("preflight failed, no run started: " + "; ".join(problems[:5]))
    return dg.RunRequest(
        run_key=f"nightly-{day.isoformat()}",
        partition_key=month_key(day),
        tags={TRIGGER_TAG: "schedule", "kuva/as_of_day": day.isoformat()},
    )


# ------------------------------------------------------------------ landing sensor

LANDING_SETTLE_SECONDS = 60
"""A file modified this recently may still be being copied; it is looked at on a later tick."""

MAX_LOGGED_FILES = 50
"""A first tick over years of daily files names the first ones and counts the rest."""

_CURSOR_PREFIX = "z1:"


def encode_cursor(versions: Mapping[str, str]) -> str:
    """The sensor cursor: every seen file's version, compressed (cursors are stored per tick)."""
    raw = json.dumps(dict(sorted(versions.items())), separators=(",", ":")).encode("utf-8")
    return _CURSOR_PREFIX + base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def decode_cursor(cursor: str | None) -> dict[str, str]:
    if not cursor:
        return {}
    if not cursor.startswith(_CURSOR_PREFIX):
        raise ValueError("not a landing sensor cursor")
    data = json.loads(zlib.decompress(base64.b64decode(cursor[len(_CURSOR_PREFIX) :])))
    return {str(k): str(v) for k, v in data.items()}


def file_version(st: os.stat_result) -> str:
    """A file version's identity: size and modification time (ns); a rewrite changes it."""
    return f"{st.st_size}:{st.st_mtime_ns}"


def source_files(root: Path, source: RawSource) -> list[Path]:
    """The files a source's readers would pick up (as `landing.select_files` does)."""
    folder = root / source.folder
    found: dict[Path, None] = {}
    for reader in source.readers:
        for path in sorted(folder.rglob(reader.pattern)):
            if path.is_file() and not path.name.startswith((".", "_")):
                found.setdefault(path, None)
    return list(found)


def months_of(period: tuple[date, date], valid: Sequence[str]) -> list[str]:
    """The month partitions a file's period overlaps, limited to the existing partitions."""
    first, last = month_key(period[0]), month_key(period[1])
    return [key for key in valid if first <= key <= last]


@dataclass
class LandingChanges:
    """What a scan found against the cursor; `versions` is the next cursor's content."""

    months: dict[str, set[str]] = field(default_factory=dict)  # raw table -> month keys
    unpartitioned: set[str] = field(default_factory=set)  # raw tables reloaded whole
    files: list[str] = field(default_factory=list)  # "name@version" of files that start a run
    notes: list[str] = field(default_factory=list)  # skipped files and why
    settling: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def tables(self) -> set[str]:
        return set(self.months) | self.unpartitioned


def scan_landing(
    root: Path,
    sources: Iterable[RawSource],
    previous: Mapping[str, str],
    partitioned: Mapping[str, bool],
    valid_months: Sequence[str],
    now: float,
    settle_seconds: float = LANDING_SETTLE_SECONDS,
    loaded: Mapping[str, str] | None = None,
) -> LandingChanges:
    """Compare the landing zone with the versions already seen.

    A file counts once per version (size and mtime): new or changed files
    whose name dates them into existing month partitions start a run; files
    of an unpartitioned source reload that source whole; an undated file or
    one outside the partitions is noted once per version and not loaded.
    Files that disappeared are forgotten but start nothing (an unmounted
    share must not empty the warehouse). A source folder that is missing keeps
    its remembered versions. `loaded` (file -> version, from
    `raw._loaded_files`) holds the versions already loaded by any run, the
    command line's included: those are not new either.
    """
    loaded = loaded or {}
    changes = LandingChanges(versions=dict(previous))
    present: set[str] = set()
    scanned: list[str] = []
    for source in sources:
        if source.table not in partitioned:
            continue  # not a raw asset of this code location
        folder = root / source.folder
        if not folder.is_dir():
            continue
        scanned.append(f"{source.folder}/")
        for path in source_files(root, source):
            name = path.relative_to(root).as_posix()
            present.add(name)
            try:
                st = path.stat()
            except FileNotFoundError:
                continue  # moved away while scanning
            version = file_version(st)
            if previous.get(name) == version:
                continue
            if loaded.get(name) == version:
                changes.versions[name] = version  # loaded by another run: seen
                continue
            if now - st.st_mtime < settle_seconds:
                changes.settling.append(name)  # the cursor keeps its previous version, if any
                continue
            changes.versions[name] = version
            state = "changed" if name in previous else "new"
            if not partitioned[source.table]:
                changes.unpartitioned.add(source.table)
                changes.files.append(f"{name}@{version}")
                changes.notes.append(f"{name} ({state}): reloads {source.qualified} whole")
                continue
            period = period_of(path)
            if period is None:
                changes.notes.append(
                    f"{name} ({state}): skipped, no date token (YYYY, YYYY-MM or YYYY-MM-DD) in "
                    "its name, so no partition to load it into"
                )
                continue
            months = months_of(period, valid_months)
            if not months:
                changes.notes.append(
                    f"{name} ({state}): skipped, its period {period[0]}..{period[1]} is outside "
                    f"the feed partitions ({valid_months[0]}..{valid_months[-1]})"
                )
                continue
            changes.months.setdefault(source.table, set()).update(months)
            changes.files.append(f"{name}@{version}")
            span = months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"
            changes.notes.append(f"{name} ({state}): {source.qualified} {span}")
    for name in list(changes.versions):
        if name not in present and name.startswith(tuple(scanned)):
            del changes.versions[name]
    return changes


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


def read_loaded_files(path: Path) -> dict[str, str]:
    """The loaded landing file versions, read-only (no warehouse yet: none)."""
    if not path.exists():
        return {}
    con = duckdb.connect(str(path), read_only=True)
    try:
        return loaded_file_versions(con)
    finally:
        con.close()


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


# ------------------------------------------------------------------ alerts


@dg.run_failure_sensor(
    name="run_failure_alert",
    default_status=dg.DefaultSensorStatus.RUNNING,
    # Every run in this instance, including `kuva refresh` runs started outside
    # the code location (from cron, say): the instance serves only this project.
    monitor_all_code_locations=True,
    minimum_interval_seconds=30,
    description="Every failed run: one JSON line in the alert log, and a POST to "
    "KUVA_ALERT_WEBHOOK when it is set.",
)
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    alert = alerts.alert_from_failure(
        context.dagster_run, context.failure_event, context.get_step_failure_events()
    )
    # A run Dagster is about to start again (its worker died) is logged, not
    # posted: the retry's own failure, if it fails too, is what wakes someone.
    delivery = alerts.deliver(alert.as_json(), post=not alert.will_retry)
    message = f"alert for run {alert.run_id[:8]} written to {delivery.log_path}"
    if delivery.webhook_status == "failed":
        context.log.warning(f"{message}; the webhook failed: {delivery.webhook_error}")
    else:
        context.log.info(f"{message}; webhook {delivery.webhook_status}")


@dg.run_status_sensor(
    name="run_warning_alert",
    run_status=dg.DagsterRunStatus.SUCCESS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=True,
    minimum_interval_seconds=30,
    description="Every successful run: tagged with kuva/loaded_rows and kuva/warnings; one with "
    "warnings (WARN check failures, blocked feeds, nothing new loaded) is alerted like a failure.",
)
def run_warning_alert(context: dg.RunStatusSensorContext) -> None:
    run = context.dagster_run
    found = summary.from_run(context.instance, run.run_id)
    context.instance.add_run_tags(run.run_id, found.tags())
    warnings = found.warnings()
    if not warnings:
        return
    delivery = alerts.deliver(alerts.warning_alert(run, found, warnings))
    context.log.info(
        f"warning alert for run {run.run_id[:8]} ({len(warnings)} warnings) written to "
        f"{delivery.log_path}; webhook {delivery.webhook_status}"
    )


# ------------------------------------------------------------------ freshness

SCORECARD_KEY = dg.AssetKey(["marts", "scorecard"])
SCORECARD_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(hours=36), warn_window=timedelta(hours=26)
)
"""Stale (FAIL) 36 h after the last refresh; WARN after 26 h, i.e. one nightly run missed."""


def with_freshness_policies(assets: Sequence[Any]) -> list[Any]:
    """The code location's assets with the scorecard's freshness policy attached.

    `build_definitions` passes its asset list through this, so the policy is
    declared here, beside the schedule that keeps it fresh, without touching
    the scorecard's own module.
    """

    def attach(spec: dg.AssetSpec) -> dg.AssetSpec:
        return dg.apply_freshness_policy(spec, SCORECARD_FRESHNESS) if spec.key == SCORECARD_KEY else spec

    return [
        dg.map_asset_specs(attach, [a])[0] if SCORECARD_KEY in _keys_of(a) else a for a in assets
    ]


def _keys_of(item: Any) -> set[dg.AssetKey]:
    if isinstance(item, dg.AssetsDefinition):
        return set(item.keys)
    return {item.key} if isinstance(item, dg.AssetSpec) else set()


JOBS = [nightly_refresh, landing_refresh]
SCHEDULES = [nightly_refresh_schedule]
SENSORS = [landing_files_sensor, run_failure_alert, run_warning_alert]
