"""The weighted roll-up of a scorecard's goal areas (e.g. 30 % / 30 % / 40 % in seed 004).

Sums the goal areas' weighted scores into one total out of the weights, and
counts statuses, so the scorecard's headline and its traffic lights come
from the same scored items.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol

from .labels import STATUSES, Status

WEIGHT_TOTAL_PCT = 100.0
WEIGHT_TOLERANCE_PCT = 0.01
"""Weights typed as 33.33 / 33.33 / 33.34 must pass; a missing goal area must not."""


class Weighted(Protocol):
    """Anything with a weight, a status and a weighted score; ScoreResult qualifies."""

    @property
    def weight_pct(self) -> float | None: ...

    @property
    def status(self) -> Status: ...

    @property
    def weighted_score(self) -> float | None: ...


@dataclass(frozen=True, slots=True)
class RollupItem:
    """A goal area as the roll-up sees it, for callers that do not hold a ScoreResult."""

    weight_pct: float
    status: Status
    weighted_score: float | None
    goal_id: str | None = None


@dataclass(frozen=True, slots=True)
class RollupResult:
    """A scorecard's weighted total.

    `max_possible` is the sum of the weights (100). `share` is the total over
    that, between 0 and 1. Goal areas without a weighted score (no data, or no
    value yet) add nothing to the total; `scored_weight_pct` says how much of
    the weight is behind the total and `complete` whether all of it is.
    """

    total_weighted_score: float
    max_possible: float
    share: float
    scored_weight_pct: float
    complete: bool
    item_count: int
    status_counts: MappingProxyType[Status, int]


def rollup(items: Iterable[Weighted]) -> RollupResult:
    """Weighted total and status counts; ValueError unless weights sum to 100 (+- 0.01)."""
    items = list(items)
    if not items:
        raise ValueError("a roll-up needs at least one weighted goal area")
    weights: list[float] = []
    scores: list[float] = []
    scored_weights: list[float] = []
    counts = dict.fromkeys(STATUSES, 0)
    for index, item in enumerate(items):
        name = getattr(item, "goal_id", None) or f"item {index}"
        weight = item.weight_pct
        if weight is None or not math.isfinite(weight) or weight < 0:
            raise ValueError(f"{name} needs a weight >= 0, got {weight!r}")
        if item.status not in counts:
            raise ValueError(f"{name} has an unknown status {item.status!r}")
        counts[item.status] += 1
        weights.append(weight)
        if item.weighted_score is not None:
            earned = item.weighted_score
            # A score above its weight means the caller mixed up scales (0-1 vs %).
            if not math.isfinite(earned) or earned < 0 or earned > weight + 1e-9:
                raise ValueError(f"{name} has weighted score {earned!r} outside [0, {weight:g}]")
            scores.append(earned)
            scored_weights.append(weight)
    total_weight = math.fsum(weights)
    # The 1e-9 lets 100.01 itself pass: 100.01 - 100 is 0.0100000000000051 in floats.
    if abs(total_weight - WEIGHT_TOTAL_PCT) > WEIGHT_TOLERANCE_PCT + 1e-9:
        raise ValueError(f"goal-area weights sum to {total_weight:g} %, not 100 %")
    total = math.fsum(scores)
    scored = math.fsum(scored_weights)
    return RollupResult(
        total_weighted_score=total,
        max_possible=total_weight,
        share=total / total_weight,
        scored_weight_pct=scored,
        complete=len(scored_weights) == len(items),
        item_count=len(items),
        status_counts=MappingProxyType(counts),
    )
