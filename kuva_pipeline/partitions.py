"""The partitions of the feeds: Helsinki calendar months from January 2019.

Rows still belong to Helsinki days (`_partition_date`), and a rerun replaces
exactly the days of its months. The Dagster partition is a month rather than a
day because Dagster records every partition of a run as its own events: a
full refresh over daily partitions wrote about 17,000 events (190 MB of event
log) per source and took minutes of bookkeeping for seconds of DuckDB work,
while a month of landing files reloads in well under a second. See the
README's design notes for the measurements.
"""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg

HELSINKI = "Europe/Helsinki"
FIRST_DAY = "2019-01-01"

feed_partitions = dg.MonthlyPartitionsDefinition(
    start_date=FIRST_DAY,
    timezone=HELSINKI,
    # The running month is a partition too, so the nightly run can refresh it.
    end_offset=1,
)


def partition_dates(context: dg.AssetExecutionContext) -> tuple[date, date]:
    """The inclusive range of Helsinki days the run covers (one month or a backfill range)."""
    window = context.partition_time_window
    return window.start.date(), (window.end - timedelta(days=1)).date()


def month_key(day: date) -> str:
    """The partition key of the month holding `day`."""
    return day.replace(day=1).isoformat()
