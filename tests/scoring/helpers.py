"""Builders shared by the scoring tests: short target constructors and a score() with defaults."""

from __future__ import annotations

from datetime import date
from typing import Any

from kuva_pipeline.catalog.targets import (
    AtLeast,
    AtMost,
    KeepBaseline,
    Milestone,
    Range,
    Ratio,
    RelativeChange,
    Tiers,
)
from kuva_pipeline.scoring import ScoreResult, score


def at_least(value: float) -> AtLeast:
    return AtLeast(kind="at_least", value=value)


def at_most(value: float) -> AtMost:
    return AtMost(kind="at_most", value=value)


def band(lo: float, hi: float) -> Range:
    return Range(kind="range", min=lo, max=hi)


def relative(pct: float) -> RelativeChange:
    return RelativeChange(kind="relative_change", pct=pct)


def keep() -> KeepBaseline:
    return KeepBaseline(kind="keep_baseline")


def ratio(done: int, total: int) -> Ratio:
    return Ratio(kind="ratio", done=done, total=total)


def milestone() -> Milestone:
    return Milestone(kind="milestone")


def tiers(minimum: Any, challenging: Any, exceptional: Any) -> Tiers:
    return Tiers(kind="tiers", minimum=minimum, challenging=challenging, exceptional=exceptional)


NPS_2021 = tiers(keep(), at_least(41), at_least(43))
"""Seed 004: NPS baseline 40 (minimum: stays at the baseline), 41, 43."""

UNIT_COST_2021 = tiers(keep(), relative(-0.5), relative(-1))
"""Seed 004: unit cost unchanged / -0.5 % / -1 % vs TP2020 (lower is better)."""


def run(target: Any, actual: float | None, **overrides: Any) -> ScoreResult:
    """score() at year end 2021 for a higher-is-better level meter, unless overridden."""
    args: dict[str, Any] = {
        "target": target,
        "direction": "higher",
        "baseline": None,
        "actual": actual,
        "year": 2021,
        "as_of": date(2021, 12, 31),
        "accumulation": "level",
    }
    args.update(overrides)
    return score(**args)
