"""How open the division's venues were, month by month (seasons and the COVID-19 closures).

One multiplier per service area and month, shared by the NPS, Varaamo and event
generators so that the feeds dip together: venues closed on 17.3.2020, libraries
reopened in mid-May 2020, restrictions returned in late 2020 and eased in
summer 2021.
"""

from __future__ import annotations

# Month-of-year seasonality per service area (index 0 = January).
_SEASON = {
    "KIR": (1.05, 1.05, 1.05, 1.0, 0.95, 0.75, 0.65, 0.85, 1.0, 1.05, 1.1, 0.95),
    "KULP": (0.9, 1.0, 1.05, 1.0, 1.0, 0.8, 0.6, 0.9, 1.1, 1.1, 1.15, 1.0),
    "LIIKU": (1.1, 1.05, 1.05, 0.95, 0.9, 0.9, 0.85, 0.9, 1.0, 1.05, 1.05, 0.85),
    "NUP": (1.0, 1.05, 1.05, 1.0, 0.9, 0.6, 0.4, 0.7, 1.05, 1.1, 1.1, 0.9),
}

# COVID-19 multipliers by (year, month); KIR stayed partly open for loans.
_COVID = {
    (2020, 3): (0.55, 0.5),
    (2020, 4): (0.0, 0.0),
    (2020, 5): (0.2, 0.05),
    (2020, 6): (0.6, 0.55),
    (2020, 7): (0.75, 0.7),
    (2020, 8): (0.8, 0.75),
    (2020, 9): (0.85, 0.8),
    (2020, 10): (0.8, 0.7),
    (2020, 11): (0.6, 0.45),
    (2020, 12): (0.35, 0.15),
    (2021, 1): (0.3, 0.1),
    (2021, 2): (0.3, 0.1),
    (2021, 3): (0.15, 0.05),
    (2021, 4): (0.2, 0.05),
    (2021, 5): (0.45, 0.3),
    (2021, 6): (0.75, 0.7),
    (2021, 7): (0.85, 0.8),
    (2021, 8): (0.9, 0.85),
    (2021, 9): (0.95, 0.9),
    (2021, 10): (0.95, 0.95),
    (2021, 11): (0.95, 0.9),
    (2021, 12): (0.8, 0.65),
}


def activity(area: str, year: int, month: int) -> float:
    """Relative activity of a service area in a month (1.0 = an ordinary month)."""
    season = _SEASON.get(area, _SEASON["KULP"])[month - 1]
    kir, other = _COVID.get((year, month), (1.0, 1.0))
    return season * (kir if area == "KIR" else other)


def division_activity(year: int, month: int) -> float:
    return sum(activity(a, year, month) for a in _SEASON) / len(_SEASON)
