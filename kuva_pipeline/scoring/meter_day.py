"""One meter on one as-of day: a typed input in, one scorecard row out.

`MeterDayInput` is a row of the SQL model `marts.scorecard_inputs`, which
gathers everything from the warehouse (the target, the baseline, the value to
date, the owner's check-ins, the baseline year's monthly profile, the feed's
health); `score_meter_day` turns it into a row of `marts.scorecard`. Pure: no
database and no Dagster, so a test builds the input by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from pydantic import TypeAdapter

from kuva_pipeline.catalog.targets import (
    Direction,
    Target,
    TargetError,
    Tiers,
    resolve_bounds,
    tier_thresholds,
)
from kuva_pipeline.sources.declaration import Accumulation

from .engine import SCORING_CODE_VERSION, DataQuality, ValueOrigin, score
from .labels import Forecast, Status, Tier
from .seasonality import expected_fraction

_TARGET: TypeAdapter[Any] = TypeAdapter(Target)


@dataclass(frozen=True, slots=True)
class ScorecardMeter:
    """Which meter, of which goal and scorecard: where a scoring input and its score begin."""

    scorecard_id: str
    year: int
    goal_id: str
    meter_id: str
    meter_name_fi: str | None
    meter_name_en: str | None
    service_area: str | None
    unit: str | None
    direction: Direction


@dataclass(frozen=True, slots=True)
class MeterDayInput(ScorecardMeter):
    """Everything the scoring of one meter on one as-of day reads.

    `actual_value` is the feed's year-to-date value, or the owner's latest
    reported value (`value_origin` 'checkin': a manual meter, or a feed meter
    whose feed has nothing for the year yet). `baseline_value` is the
    catalog's, or the feed's own value for the baseline period
    (`baseline_from_data`). `seasonal_profile` is the baseline year's monthly
    values, January to December, for a cumulative meter that has them.
    `checkin_status` and `progress_pct` are the latest check-in's,
    `manual_forecast` the latest forecast given, all dated by `as_of`.
    """

    accumulation: Accumulation
    target_kind: str
    target: Target
    weight_pct: float | None
    as_of: date
    as_of_kind: str
    baseline_value: float | None
    baseline_from_data: bool
    seasonal_profile: tuple[float, ...] | None
    actual_value: float | None
    value_origin: ValueOrigin
    row_count: int | None
    checkin_status: str | None
    progress_pct: float | None
    manual_forecast: str | None
    data_quality: DataQuality
    data_quality_reason: str | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> MeterDayInput:
        """From a row of `marts.scorecard_inputs` (column -> value); the target is its JSON."""
        values = {f.name: row[f.name] for f in fields(cls) if f.name != "target"}
        profile: Sequence[float] | None = values["seasonal_profile"]
        return cls(
            **{
                **values,
                "year": int(values["year"]),
                "seasonal_profile": None if profile is None else tuple(float(v) for v in profile),
                "row_count": None if values["row_count"] is None else int(values["row_count"]),
            },
            target=_TARGET.validate_json(row["target_json"]),
        )


@dataclass(frozen=True, slots=True)
class MeterDayScore(ScorecardMeter):
    """One row of `marts.scorecard`, its columns in order (documented in assets/models/marts/_marts.yml)."""

    baseline_value: float | None
    baseline_from_data: bool
    target_kind: str
    target_min: float | None
    target_max: float | None
    tier_minimum: float | None
    tier_challenging: float | None
    tier_exceptional: float | None
    weight_pct: float | None
    actual_value: float | None
    value_origin: ValueOrigin | None
    attainment_pct: float | None
    status: Status
    status_fi: str
    tier: Tier | None
    weighted_score: float | None
    forecast_value: float | None
    manual_forecast: Forecast | None
    forecast_disagrees: bool
    as_of: date
    as_of_kind: str
    data_quality: DataQuality
    row_count: int | None
    explanation: str
    explanation_fi: str

    def as_row(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def resolved_bounds(target: Target, baseline: float | None, direction: Direction) -> dict[str, float | None]:
    """The target's bounds and tier thresholds against the baseline used; open without one."""
    out: dict[str, float | None] = dict.fromkeys(
        ("target_min", "target_max", "tier_minimum", "tier_challenging", "tier_exceptional")
    )
    try:
        out["target_min"], out["target_max"] = resolve_bounds(target, baseline, direction)
        if isinstance(target, Tiers):
            tiers = tier_thresholds(target, baseline, direction)
            out.update({f"tier_{name}": value for name, value in tiers.items()})
    except TargetError:
        pass  # no baseline yet: the bounds stay open and the score says why
    return out


def score_meter_day(day: MeterDayInput) -> MeterDayScore:
    """Score one meter on one as-of day (docs/scoring.md); the row `marts.scorecard` keeps."""
    profile = None if day.seasonal_profile is None else dict(enumerate(day.seasonal_profile, start=1))
    result = score(
        target=day.target,
        direction=day.direction,
        baseline=day.baseline_value,
        actual=day.actual_value,
        year=day.year,
        as_of=day.as_of,
        accumulation=day.accumulation,
        value_origin=day.value_origin,
        expected_fraction=expected_fraction(profile, day.as_of, day.year) if profile else None,
        manual_forecast=day.manual_forecast,
        data_quality=day.data_quality,
        data_quality_reason=day.data_quality_reason,
        weight_pct=day.weight_pct,
        progress_pct=day.progress_pct,
        checkin_status=day.checkin_status,
        row_count=day.row_count,
        code_version=SCORING_CODE_VERSION,
    )
    return MeterDayScore(
        **{f.name: getattr(day, f.name) for f in fields(ScorecardMeter)},
        baseline_value=day.baseline_value,
        baseline_from_data=day.baseline_from_data,
        target_kind=day.target_kind,
        **resolved_bounds(day.target, day.baseline_value, day.direction),
        weight_pct=day.weight_pct,
        # What was scored: a milestone's progress, else the value itself.
        actual_value=result.value if result.value is not None else day.actual_value,
        value_origin=day.value_origin if day.actual_value is not None else None,
        attainment_pct=result.attainment_pct,
        status=result.status,
        status_fi=result.status_fi,
        tier=result.tier,
        weighted_score=result.weighted_score,
        forecast_value=result.projected_value,
        manual_forecast=result.manual_forecast,
        forecast_disagrees=result.forecast_disagrees,
        as_of=day.as_of,
        as_of_kind=day.as_of_kind,
        data_quality=day.data_quality,
        row_count=day.row_count,
        explanation=result.explanation_en,
        explanation_fi=result.explanation_fi,
    )
