"""How much of a year's total should have accumulated by a given date.

Mid-year a cumulative meter (events held, bookings made) is compared with the
share of the year's total expected by then. That share comes from the baseline
year's monthly totals when there are any: summer events and winter library
visits do not accrue evenly. Without a usable profile it is the share of
days elapsed. Dates are Helsinki calendar dates; callers convert first.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping
from datetime import date


def is_year_complete(as_of: date, year: int) -> bool:
    """Whether `year` is over for scoring purposes: as_of on or after 31 December.

    The year-end figures are reported as of 31.12., so that day counts as complete.
    """
    return as_of >= date(year, 12, 31)


def linear_fraction(as_of: date, year: int) -> float:
    """Days elapsed in `year` up to and including `as_of`, over the days in the year.

    Clamped to 0 before the year starts and 1 from 31 December on.
    """
    if as_of < date(year, 1, 1):
        return 0.0
    if is_year_complete(as_of, year):
        return 1.0
    days_in_year = 366 if calendar.isleap(year) else 365
    return as_of.timetuple().tm_yday / days_in_year


def expected_fraction(profile: Mapping[int, float] | None, as_of: date, year: int) -> float:
    """Share of the baseline year's total reached by `as_of`, between 0 and 1.

    `profile` maps month (1-12) to the baseline year's total for that month;
    missing months count as 0. Months before `as_of`'s month count in full, and
    the current month in proportion to its days elapsed (inclusive of `as_of`,
    using the month lengths of `year`). A profile that is None or sums to 0
    carries no seasonality, so the linear day fraction is used instead.
    """
    if as_of < date(year, 1, 1):
        return 0.0
    if is_year_complete(as_of, year):
        return 1.0
    if profile is None:
        return linear_fraction(as_of, year)
    for month, value in profile.items():
        if not isinstance(month, int) or not 1 <= month <= 12:
            raise ValueError(f"a seasonal profile is keyed by month 1-12, got {month!r}")
        if not math.isfinite(value) or value < 0:
            raise ValueError(
                f"a seasonal profile needs finite totals >= 0, month {month} has {value!r}"
            )
    total = math.fsum(profile.values())
    if total <= 0:
        return linear_fraction(as_of, year)
    month = as_of.month
    days_in_month = calendar.monthrange(year, month)[1]
    # One correctly rounded sum of every part: a month's last day then equals the next
    # month's first day without its share, never a rounding above it (the share stays
    # non-decreasing from day to day).
    reached = math.fsum(
        [*(profile.get(m, 0.0) for m in range(1, month)), profile.get(month, 0.0) * as_of.day / days_in_month]
    )
    # fsum of parts can overshoot the fsum of the whole by one ulp.
    return min(1.0, reached / total)
