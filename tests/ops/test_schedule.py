"""The nightly schedule: 02:00 Helsinki, and the month partition holding yesterday (Helsinki)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from kuva_pipeline.defs.schedules import nightly_refresh_schedule
from kuva_pipeline.partitions import feed_partitions

HEL = ZoneInfo("Europe/Helsinki")


@pytest.fixture(autouse=True)
def _own_warehouse(tmp_path, monkeypatch):
    """The tick's preflight reads a warehouse: a new one of the test's, never the developer's."""
    monkeypatch.setenv("KUVA_WAREHOUSE_PATH", str(tmp_path / "kuva.duckdb"))


def test_cron_timezone_job_and_default_status():
    assert nightly_refresh_schedule.cron_schedule == "0 2 * * *"
    assert nightly_refresh_schedule.execution_timezone == "Europe/Helsinki"
    assert nightly_refresh_schedule.job_name == "nightly_refresh"
    assert nightly_refresh_schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def _request(tick: datetime) -> dg.RunRequest:
    context = dg.build_schedule_context(scheduled_execution_time=tick)
    request = nightly_refresh_schedule(context)
    assert isinstance(request, dg.RunRequest)
    return request


# Helsinki is UTC+2 in winter (EET) and UTC+3 in summer (EEST). In 2021 the
# clocks went 03:00 -> 04:00 on 28 March and 04:00 -> 03:00 on 31 October, so
# 02:00 exists exactly once on both nights; the ticks' UTC instants are worked
# out by hand beside each case.
CASES = [
    # tick (Helsinki wall clock), UTC instant, yesterday, partition
    ((2021, 3, 27), "2021-03-27T00:00:00Z", "2021-03-26", "2021-03-01"),
    ((2021, 3, 28), "2021-03-28T00:00:00Z", "2021-03-27", "2021-03-01"),  # DST starts at 03:00
    ((2021, 3, 29), "2021-03-28T23:00:00Z", "2021-03-28", "2021-03-01"),  # first tick in EEST
    ((2021, 4, 1), "2021-03-31T23:00:00Z", "2021-03-31", "2021-03-01"),  # 1st: previous month
    ((2021, 4, 2), "2021-04-01T23:00:00Z", "2021-04-01", "2021-04-01"),  # UTC date is still 1.4.
    ((2021, 6, 15), "2021-06-14T23:00:00Z", "2021-06-14", "2021-06-01"),
    ((2021, 10, 31), "2021-10-30T23:00:00Z", "2021-10-30", "2021-10-01"),  # DST ends at 04:00
    ((2021, 11, 1), "2021-11-01T00:00:00Z", "2021-10-31", "2021-10-01"),  # first tick in EET
    ((2022, 1, 1), "2022-01-01T00:00:00Z", "2021-12-31", "2021-12-01"),  # year boundary
]


@pytest.mark.parametrize(("day", "utc", "yesterday", "partition"), CASES)
def test_tick_requests_the_month_holding_yesterday(day, utc, yesterday, partition):
    local_tick = datetime(*day, 2, 0, tzinfo=HEL)
    utc_tick = datetime.fromisoformat(utc.replace("Z", "+00:00"))
    assert local_tick == utc_tick, "the hand-computed UTC instant of the tick"
    # The daemon hands over the tick in the schedule's time zone; a UTC instant
    # (or a naive Helsinki time) of the same tick must give the same run.
    for tick in (local_tick, utc_tick, local_tick.replace(tzinfo=None)):
        request = _request(tick)
        assert request.partition_key == partition
        assert request.run_key == f"nightly-{yesterday}"
        assert request.tags["kuva/trigger"] == "schedule"
        assert request.tags["kuva/as_of_day"] == yesterday


def test_requested_partitions_exist():
    tick = datetime(2021, 4, 1, 2, 0, tzinfo=HEL)
    keys = feed_partitions.get_partition_keys(current_time=tick)
    assert _request(tick).partition_key in keys
    # The running month is a partition too (end_offset=1): mid-month ticks have one.
    mid = datetime(2021, 6, 15, 2, 0, tzinfo=HEL)
    assert _request(mid).partition_key in feed_partitions.get_partition_keys(current_time=mid)
