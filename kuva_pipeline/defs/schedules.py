"""The nightly schedule, and the scorecard freshness policy it keeps.

`nightly_refresh_schedule` (02:00 Europe/Helsinki) starts a `nightly_refresh`
run of every asset for the month partition holding yesterday, Helsinki time,
after a preflight of the landing zone, the catalog and the warehouse.
`with_freshness_policies` marks the scorecard stale 36 hours after its last
refresh; `kuva_pipeline.definitions` applies it to the autoloaded assets.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg

from kuva_pipeline import alerts
from kuva_pipeline.defs.jobs import TRIGGER_TAG, nightly_refresh
from kuva_pipeline.defs.raw import RAW_SOURCES
from kuva_pipeline.partitions import HELSINKI, month_key

TZ = ZoneInfo(HELSINKI)


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


# ------------------------------------------------------------------ freshness

SCORECARD_KEY = dg.AssetKey(["marts", "scorecard"])
SCORECARD_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(hours=36), warn_window=timedelta(hours=26)
)
"""Stale (FAIL) 36 h after the last refresh; WARN after 26 h, i.e. one nightly run missed."""


def with_freshness_policies(assets: Sequence[Any]) -> list[Any]:
    """The code location's assets with the scorecard's freshness policy attached.

    `kuva_pipeline.definitions` passes the autoloaded assets through this, so
    the policy is declared here, beside the schedule that keeps it fresh,
    without touching the scorecard's own module. The list comes deduplicated:
    an asset object that two defs modules both hold (one imports it from the
    other) is one asset, and mapping it twice would define its keys twice.
    """

    def attach(spec: dg.AssetSpec) -> dg.AssetSpec:
        return dg.apply_freshness_policy(spec, SCORECARD_FRESHNESS) if spec.key == SCORECARD_KEY else spec

    unique = list({id(a): a for a in assets}.values())
    return [
        dg.map_asset_specs(attach, [a])[0] if SCORECARD_KEY in _keys_of(a) else a for a in unique
    ]


def _keys_of(item: Any) -> set[dg.AssetKey]:
    if isinstance(item, dg.AssetsDefinition):
        return set(item.keys)
    return {item.key} if isinstance(item, dg.AssetSpec) else set()
