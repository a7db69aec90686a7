"""The two unattended jobs, `nightly_refresh` and `landing_refresh`, and their step retries.

Both run every asset (feeds by month partition, the rest whole). A failed step
retries with exponential backoff; a permanent error (see
`kuva_pipeline.alerts.fail_fast`) fails at once. Every warehouse-writing asset
takes the `duckdb_writer` pool, which the instance (dagster_home/dagster.yaml)
limits to one step at a time, so runs started together queue for the warehouse
instead of colliding on its lock.
"""

from __future__ import annotations

import dagster as dg

TRIGGER_TAG = "kuva/trigger"
"""Run tag naming what started a run of these jobs: `schedule` or `landing_sensor`."""

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
