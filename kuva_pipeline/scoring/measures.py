"""The numeric measures behind a score: attainment %, tier reached, year-end projection.

Each is a small function of a value and a resolved threshold, so the rules in
docs/scoring.md can be checked one at a time. The status logic is in engine.py.
"""

from __future__ import annotations

from kuva_pipeline.catalog.targets import Direction, Tiers, meets

from .labels import Tier

MIN_PROJECTION_FRACTION = 0.05
"""Below this expected share of the year (about the first 18 days on a linear
path) a year-to-date total is too small to extrapolate: one early event would
project to dozens."""


def attainment_pct(value: float, limit: float, direction: Direction) -> float:
    """How far `value` has come towards `limit`, in percent; 100 exactly at the limit.

    The signed distance to the limit along the direction, relative to the
    limit's size: 100 x (1 + (value - limit) / |limit|) when higher is better,
    100 x (1 - (value - limit) / |limit|) when lower is better. For a positive
    limit and higher-is-better this is the familiar value / limit x 100
    (25 of 20 spaces is 125 %); lower-is-better mirrors it, so a unit cost 1 %
    under its limit is 101 % and 1 % over is 99 %. Unlike limit / value it
    stays defined at and below zero. A negative limit (an NPS of -10) works the
    same way through |limit|. Floored at 0 (no negative attainment: an NPS of
    -5 against 40 is 0 %), not capped, so over-achievement shows. A limit of 0
    has no scale: 100 when met, else 0.
    """
    met = value >= limit if direction == "higher" else value <= limit
    if limit == 0:
        return 100.0 if met else 0.0
    gain = (value - limit) if direction == "higher" else (limit - value)
    # Rounding to 6 decimals drops float noise (103.75000000000001) and, being
    # monotonic, keeps a better value from ever showing a lower attainment.
    return round(max(0.0, 100.0 * (1.0 + gain / abs(limit))), 6)


def tier_reached(target: Tiers, value: float, baseline: float | None, direction: Direction) -> Tier:
    """The highest tier met with every tier below it met too; 'none' below the minimum.

    Walking up and stopping at the first miss is the same as "the highest level
    met" for tiers ordered along the direction, and stays monotonic in the
    value if a catalog ever carries tiers out of order.
    """
    reached: Tier = "none"
    for name, level in target.levels():
        if not meets(level, value, baseline, direction):
            break
        reached = name  # type: ignore[assignment]  # TIER_NAMES are the Tier values
    return reached


def projected_value(
    value: float,
    *,
    accumulation: str,
    fraction: float,
    ceiling: float | None = None,
) -> float | None:
    """The year-end value the current one points to; None when too early to say.

    A cumulative total is scaled up by the share of the year expected so far
    (seasonal or linear), capped at `ceiling` when the count cannot exceed one
    (a ratio's total). A level, and a milestone's progress, are projected as
    they stand: there is no honest way to extrapolate a satisfaction index or
    a progress bar that moves in stages.
    """
    if accumulation != "cumulative":
        return value
    if fraction >= 1.0:
        return value
    if fraction < MIN_PROJECTION_FRACTION:
        return None
    projected = value / fraction
    return min(projected, ceiling) if ceiling is not None else projected
