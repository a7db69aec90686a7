"""The daily partitions of the feeds: Helsinki calendar days from 2019-01-01."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import dagster as dg

HELSINKI = "Europe/Helsinki"
FIRST_DAY = "2019-01-01"

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=FIRST_DAY, timezone=HELSINKI, fmt="%Y-%m-%d"
)


def partition_dates(context: dg.AssetExecutionContext) -> tuple[date, date]:
    """The inclusive range of Helsinki days the run covers (one day or a backfill range)."""
    window = context.partition_time_window
    return window.start.date(), (window.end - timedelta(days=1)).date()


def parse_day(text: str) -> date:
    return datetime.strptime(text, "%Y-%m-%d").date()
