"""Which sources the scorecard can trust on a day: from the recorded check verdicts.

A source is `failed` when the latest verdict of one of its blocking checks is
a failure nobody waived, `stale` when its newest landing file ends too long
before the day scored, and `ok` otherwise. The scorecard scores a meter fed by
a failed or stale source `no_data`, with the reason, instead of a colour the
data cannot support.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import duckdb

from kuva_pipeline.quality.config import FRESHNESS_CHECK
from kuva_pipeline.quality.results import TABLE
from kuva_pipeline.sources.declaration import source_names

Health = tuple[str, str | None]

_FAILURES = f"""
WITH verdicts AS (
    SELECT *, row_number() OVER () AS _seq FROM {TABLE} WHERE source = $source
),
by_month AS (
    -- A range verdict speaks for each month it covers; an unpartitioned one for the table.
    SELECT v.*, unnest(generate_series(date_trunc('month', partition_start)::DATE,
                                       date_trunc('month', partition_end)::DATE,
                                       INTERVAL 1 MONTH))::DATE AS month
    FROM verdicts v WHERE partition_start IS NOT NULL
    UNION ALL BY NAME
    SELECT v.*, NULL::DATE AS month FROM verdicts v WHERE partition_start IS NULL
),
latest AS (
    SELECT *, row_number() OVER (
        PARTITION BY asset, check_name, month ORDER BY checked_at DESC, _seq DESC) AS _rank
    FROM by_month
    -- Months after the day scored, or before its year, do not feed its year-to-date value.
    WHERE month IS NULL OR month BETWEEN date_trunc('year', $as_of::DATE) AND $as_of::DATE
)
SELECT asset, check_name, "partition", detail, checked_at, run_id
FROM latest
WHERE _rank = 1 AND NOT passed AND blocking AND severity = 'ERROR' AND waived_by IS NULL
ORDER BY checked_at DESC, asset, check_name
LIMIT 1
"""

_FRESHNESS = f"""
SELECT observed, checked_at FROM {TABLE}
WHERE source = $source AND check_name = $check
ORDER BY checked_at DESC
LIMIT 1
"""


def _has_results(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'quality' AND table_name = 'check_results'"
        ).fetchone()[0]
    )


def _stale(con: duckdb.DuckDBPyConnection, source: str, as_of: date) -> str | None:
    row = con.execute(_FRESHNESS, {"source": source, "check": FRESHNESS_CHECK}).fetchone()
    if row is None:
        return None
    observed = json.loads(row[0]) if isinstance(row[0], str) else (row[0] or {})
    limit = observed.get("max_age_days")
    if limit is None:
        return None
    newest = observed.get("newest_period_end")
    if newest is None:
        return f"{source}: no landing file has arrived (checked {row[1]:%Y-%m-%d %H:%M} UTC)"
    newest_day = date.fromisoformat(newest)
    if newest_day >= as_of - timedelta(days=int(limit)):
        return None
    return (
        f"{source}: the newest landing file ({observed.get('newest_file')}) covers up to "
        f"{newest_day}, {(as_of - newest_day).days} days before {as_of}; the limit is {limit} days"
    )


def source_health(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, Health]:
    """Each declared source -> ('ok' | 'failed' | 'stale', reason) for scoring on `as_of`.

    failed: the latest verdict of a blocking check on one of the source's tables
    (for a partitioned table: on a month from January of `as_of`'s year to
    `as_of`) failed with severity ERROR and no waiver. stale: the newest landing
    file, as last checked, ends more than the source's freshness limit before
    `as_of`. A failure outranks staleness.
    """
    sources = source_names()
    health: dict[str, Health] = {s: ("ok", None) for s in sources}
    if not _has_results(con):
        return health
    for source in sources:
        row = con.execute(_FAILURES, {"source": source, "as_of": as_of}).fetchone()
        if row is not None:
            asset, check, partition, detail, checked_at, run_id = row
            where = f" for {partition}" if partition else ""
            health[source] = (
                "failed",
                f"{asset} check {check} failed{where}: {detail} "
                f"(run {str(run_id)[:8]}, {checked_at:%Y-%m-%d %H:%M} UTC)",
            )
            continue
        stale = _stale(con, source, as_of)
        if stale:
            health[source] = ("stale", stale)
    return health
