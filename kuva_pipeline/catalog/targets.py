"""The target grammar: every form of target the scorecards use, as typed data.

One grammar covers the seeds: at least / at most a value, a range (30-32), a
change relative to the baseline (+200 %), keeping the baseline, a ratio done of
total (7/7), a milestone reached (TEHTY), and three tiers (minimum /
challenging / exceptional) whose levels are any of the simple forms. Direction
is always explicit on the meter; these helpers turn a target plus the meter's
baseline and direction into numeric bounds, and say whether a value meets them.
The scoring engine builds attainment, status and tiers on top of this.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Direction = Literal["higher", "lower"]
TIER_NAMES: tuple[str, ...] = ("minimum", "challenging", "exceptional")


class _Target(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    note: str | None = Field(
        default=None, description="How the document words the target, verbatim if useful."
    )


class AtLeast(_Target):
    """The value must reach at least `value` (e.g. 40 NPS devices)."""

    kind: Literal["at_least"]
    value: float


class AtMost(_Target):
    """The value must stay at or below `value`."""

    kind: Literal["at_most"]
    value: float


class Range(_Target):
    """A target band such as 30-32 large events.

    Along the meter's direction the near end is the commitment and the far end
    full attainment; a value beyond the far end still meets the target.
    """

    kind: Literal["range"]
    min: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min > self.max:
            raise ValueError(f"reversed range: min {self.min:g} is above max {self.max:g}")
        return self


class RelativeChange(_Target):
    """A change relative to the baseline: +200 % means three times the baseline."""

    kind: Literal["relative_change"]
    pct: float = Field(description="Percent change from the baseline; +200 means 3 x baseline.")


class KeepBaseline(_Target):
    """Stay at the baseline or improve on it ("pysyy ennallaan tai lisääntyy")."""

    kind: Literal["keep_baseline"]


class Ratio(_Target):
    """`done` of `total` items completed (e.g. accessibility audits 7/7).

    The meter's actual value is the count done; the total is its denominator.
    """

    kind: Literal["ratio"]
    done: int = Field(ge=0)
    total: int = Field(gt=0)

    @model_validator(mode="after")
    def _within_total(self) -> Ratio:
        if self.done > self.total:
            raise ValueError(f"ratio asks for {self.done} done of only {self.total}")
        return self


class Milestone(_Target):
    """A milestone reached: the check-in status TEHTY (done), i.e. progress 100 %."""

    kind: Literal["milestone"]


SimpleTarget = Annotated[
    AtLeast | AtMost | Range | RelativeChange | KeepBaseline | Ratio | Milestone,
    Field(discriminator="kind"),
]


class Tiers(_Target):
    """Three levels, each a simple target, ordered along the meter's direction."""

    kind: Literal["tiers"]
    minimum: SimpleTarget
    challenging: SimpleTarget
    exceptional: SimpleTarget

    def levels(self) -> list[tuple[str, SimpleTarget]]:
        return [(name, getattr(self, name)) for name in TIER_NAMES]


Target = Annotated[
    AtLeast | AtMost | Range | RelativeChange | KeepBaseline | Ratio | Milestone | Tiers,
    Field(discriminator="kind"),
]

TARGET_KINDS: tuple[str, ...] = (
    "at_least",
    "at_most",
    "range",
    "relative_change",
    "keep_baseline",
    "ratio",
    "milestone",
    "tiers",
)

MILESTONE_DONE_VALUE = 100.0
"""A milestone meter's actual value is its progress in percent; TEHTY is 100."""


class TargetError(ValueError):
    """A target that cannot be resolved or contradicts its meter."""


def _needs_baseline(target: SimpleTarget, baseline: float | None) -> float:
    if baseline is None:
        raise TargetError(f"a {target.kind} target needs a numeric baseline, and the meter has none")
    return baseline


def resolve_bounds(
    target: SimpleTarget | Tiers, baseline: float | None, direction: Direction
) -> tuple[float | None, float | None]:
    """The (min, max) a value must lie in to meet the target; an open side is None.

    A tiered target resolves to its minimum tier, the level that counts as met.
    A relative target is resolved against the baseline.
    """
    if isinstance(target, Tiers):
        return resolve_bounds(target.minimum, baseline, direction)
    if isinstance(target, AtLeast):
        return (target.value, None)
    if isinstance(target, AtMost):
        return (None, target.value)
    if isinstance(target, Range):
        return (target.min, target.max)
    if isinstance(target, RelativeChange):
        base = _needs_baseline(target, baseline)
        # The change is a share of the baseline's size, so +10 % of an NPS of
        # -20 is -18 (better), not -22; rounding keeps 57.3 x 0.995 at 57.0135
        # instead of 57.01349999999999, so a reported figure equal to the
        # document's target meets it.
        value = round(base + abs(base) * target.pct / 100.0, 9)
        return (value, None) if direction == "higher" else (None, value)
    if isinstance(target, KeepBaseline):
        value = _needs_baseline(target, baseline)
        return (value, None) if direction == "higher" else (None, value)
    if isinstance(target, Ratio):
        return (float(target.done), None)
    if isinstance(target, Milestone):
        return (MILESTONE_DONE_VALUE, None)
    raise TargetError(f"unknown target kind {getattr(target, 'kind', target)!r}")


def threshold(target: SimpleTarget | Tiers, baseline: float | None, direction: Direction) -> float:
    """The single value that must be reached along the direction to meet the target.

    For a range that is its near end (min when higher is better, max when lower).
    """
    lo, hi = resolve_bounds(target, baseline, direction)
    value = lo if direction == "higher" else hi
    if value is None:
        # An at_most target on a higher-is-better meter (or the reverse) has no
        # side along the direction; the catalog validator rejects it earlier.
        raise TargetError(f"a {target.kind} target has no bound along direction {direction!r}")
    return value


def meets(
    target: SimpleTarget | Tiers, actual: float, baseline: float | None, direction: Direction
) -> bool:
    """Whether `actual` meets the target (for tiers: at least the minimum tier)."""
    limit = threshold(target, baseline, direction)
    return actual >= limit if direction == "higher" else actual <= limit


def tier_thresholds(
    target: Tiers, baseline: float | None, direction: Direction
) -> dict[str, float]:
    """Each tier's threshold along the direction, by tier name."""
    return {name: threshold(level, baseline, direction) for name, level in target.levels()}


def check_against_direction(
    target: SimpleTarget | Tiers, baseline: float | None, direction: Direction
) -> None:
    """Raise TargetError when the target contradicts the meter's direction.

    Contradictions: an at_most on a higher-is-better meter, an at_least on a
    lower-is-better one, a relative change that moves the wrong way (or below
    -100 %), a ratio or milestone on a lower-is-better meter, and tiers that do
    not rise along the direction.
    """
    if isinstance(target, Tiers):
        for _, level in target.levels():
            check_against_direction(level, baseline, direction)
        items = list(tier_thresholds(target, baseline, direction).items())
        for (name_a, a), (name_b, b) in zip(items, items[1:], strict=False):
            if (b < a) if direction == "higher" else (b > a):
                raise TargetError(
                    f"tiers out of order for direction {direction!r}: "
                    f"{name_a} {a:g} then {name_b} {b:g}"
                )
        return
    if isinstance(target, AtMost) and direction == "higher":
        raise TargetError("an at_most target contradicts direction 'higher'")
    if isinstance(target, AtLeast) and direction == "lower":
        raise TargetError("an at_least target contradicts direction 'lower'")
    if isinstance(target, Ratio | Milestone) and direction == "lower":
        raise TargetError(f"a {target.kind} target needs direction 'higher'")
    if isinstance(target, RelativeChange):
        if target.pct < -100:
            raise TargetError(f"a relative change of {target.pct:g} % is below -100 %")
        if direction == "higher" and target.pct < 0:
            raise TargetError(
                f"a relative change of {target.pct:g} % lowers the value, "
                "which contradicts direction 'higher'"
            )
        if direction == "lower" and target.pct > 0:
            raise TargetError(
                f"a relative change of +{target.pct:g} % raises the value, "
                "which contradicts direction 'lower'"
            )
    # Resolving also checks that a baseline exists where one is needed.
    resolve_bounds(target, baseline, direction)
