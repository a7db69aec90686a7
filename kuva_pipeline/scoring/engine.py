"""score(): one meter scored at one as-of date against its year's target.

A pure function of typed inputs (no Dagster, no database): the target from the
catalog, the meter's direction and baseline, the value to date or the owner's
check-in, the data-quality verdict and the owner's forecast. It returns a
frozen ScoreResult with attainment, status, tier, weighted score, year-end
projection and an explanation in English and Finnish. docs/scoring.md gives
the rules and the reasons for them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any, Literal, get_args

from pydantic import TypeAdapter

from kuva_pipeline.catalog.targets import (
    MILESTONE_DONE_VALUE,
    Direction,
    Milestone,
    Ratio,
    Target,
    TargetError,
    Tiers,
    meets,
    threshold,
    tier_thresholds,
)
from kuva_pipeline.sources.declaration import Accumulation

from .explain import Facts, Rule, ValueKind, describe_target, explain
from .labels import (
    POSITIVE_FORECASTS,
    STATUS_LABELS,
    TIER_POINTS,
    CheckinStatus,
    Forecast,
    Status,
    Tier,
    normalise_checkin_status,
    normalise_forecast,
)
from .measures import attainment_pct, projected_value, tier_reached
from .seasonality import is_year_complete, linear_fraction

SCORING_CODE_VERSION = "scoring-1"
"""Bump when a rule changes, so explanations and asset code versions say which rules applied."""

LEVEL_TOLERANCE_PCT = 5.0
"""Mid-year, a level meter within this share of its threshold (on the wrong
side) is still on track. Levels such as NPS move a few points month to month
on small samples; a 40-point NPS target tolerates 38, a unit cost of 100
tolerates 105. Year-end scoring never uses the band."""

ValueOrigin = Literal["feed", "checkin"]
DataQuality = Literal["ok", "failed", "stale", "missing"]

_TARGET_ADAPTER: TypeAdapter[Any] = TypeAdapter(Target)


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """The score of one meter at one as-of date.

    `tier` is set only for a tiered target with a value ('none' below the
    minimum); otherwise None. `weighted_score` is None without a weight or a
    value. `value` is what was scored: the actual, or a milestone's progress.
    """

    status: Status
    status_fi: str
    status_en: str
    attainment_pct: float | None
    tier: Tier | None
    weighted_score: float | None
    weight_pct: float | None
    projected_value: float | None
    forecast_disagrees: bool
    explanation_en: str
    explanation_fi: str
    rule: Rule
    value: float | None
    threshold: float | None
    meets_target: bool | None
    expected_to_date: float | None
    manual_forecast: Forecast | None
    as_of: date
    code_version: str


def _check_choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def _check_number(
    name: str, value: float | None, *, low: float | None = None, high: float | None = None
) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number or None; got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must lie in [{low}, {high}]; got {value!r}")


def _scored_value(
    *,
    milestone: bool,
    actual: float | None,
    progress_pct: float | None,
    checkin: CheckinStatus | None,
    value_origin: ValueOrigin,
    accumulation: Accumulation,
) -> tuple[float | None, ValueKind, bool]:
    """The number to score, how to name it, and whether it is a TEHTY milestone."""
    if milestone:
        # TEHTY is the owner's declaration and wins over a bar not yet redrawn.
        if checkin == "TEHTY":
            return MILESTONE_DONE_VALUE, "milestone", True
        if progress_pct is not None:
            return float(progress_pct), "milestone", False
        if actual is not None:
            return float(actual), "milestone", False
        if checkin == "TEKEMÄTTÄ":  # not started: nothing done yet
            return 0.0, "milestone", False
        return None, "milestone", False
    kind: ValueKind = "checkin" if value_origin == "checkin" else accumulation  # type: ignore[assignment]
    return (None if actual is None else float(actual)), kind, False


def _clean(x: float) -> float:
    """Drop float noise from a derived bound: 183/365 x 365 is 183.00000000000003,
    which would put an exact 183 off the path. Nine decimals is far below any
    meter's precision."""
    return round(x, 9)


def _weighted(weight_pct: float | None, tier: Tier | None, met: bool) -> float | None:
    if weight_pct is None:
        return None
    # A target without tiers is a single level: all of the weight or none.
    points = TIER_POINTS[tier] if tier is not None else Fraction(int(met))
    return float(Fraction(weight_pct) * points)


def score(
    *,
    target: Target | dict[str, Any],
    direction: Direction,
    baseline: float | None,
    actual: float | None,
    year: int,
    as_of: date,
    accumulation: Accumulation,
    value_origin: ValueOrigin = "feed",
    expected_fraction: float | None = None,
    manual_forecast: str | None = None,
    manual_forecast_value: float | None = None,
    data_quality: DataQuality = "ok",
    data_quality_reason: str | None = None,
    weight_pct: float | None = None,
    progress_pct: float | None = None,
    checkin_status: str | None = None,
    row_count: int | None = None,
    code_version: str = SCORING_CODE_VERSION,
    level_tolerance_pct: float = LEVEL_TOLERANCE_PCT,
) -> ScoreResult:
    """Score one meter at `as_of` against its target for `year`.

    `actual` is the year-to-date value (cumulative), the latest value (level)
    or the latest check-in value; `expected_fraction` is the share of the
    year's total expected by `as_of` from the baseline year's profile (see
    seasonality.expected_fraction), None for a linear path. `manual_forecast`
    takes the owners' words in any case ("Toteutuu"); `checkin_status` the
    milestone statuses. Raises ValueError on malformed inputs; a target that
    cannot be resolved (no baseline for a relative target) scores `no_data`.
    """
    if isinstance(target, dict):
        target = _TARGET_ADAPTER.validate_python(target)
    _check_choice("direction", direction, ("higher", "lower"))
    _check_choice("accumulation", accumulation, get_args(Accumulation))
    _check_choice("value_origin", value_origin, get_args(ValueOrigin))
    _check_choice("data_quality", data_quality, get_args(DataQuality))
    _check_number("actual", actual)
    _check_number("baseline", baseline)
    _check_number("expected_fraction", expected_fraction, low=0.0, high=1.0)
    _check_number("manual_forecast_value", manual_forecast_value)
    _check_number("weight_pct", weight_pct, low=0.0, high=100.0)
    _check_number("progress_pct", progress_pct, low=0.0, high=100.0)
    _check_number("level_tolerance_pct", level_tolerance_pct, low=0.0)
    if row_count is not None and row_count < 0:
        raise ValueError(f"row_count must be >= 0; got {row_count!r}")
    forecast = normalise_forecast(manual_forecast)
    checkin = normalise_checkin_status(checkin_status)
    if weight_pct is not None:
        weight_pct = float(weight_pct)

    complete = is_year_complete(as_of, year)
    common: dict[str, Any] = {
        "as_of": as_of,
        "code_version": code_version,
        "row_count": row_count,
        "direction": direction,
        "forecast": forecast,
        "forecast_value": manual_forecast_value,
    }

    limit: float | None = None
    target_error: TargetError | None = None
    try:
        limit = float(threshold(target, baseline, direction))
        if isinstance(target, Tiers):
            tier_thresholds(target, baseline, direction)  # every level must resolve
    except TargetError as exc:
        target_error = exc

    def no_data(rule: Rule, detail: str | None, reason: str | None) -> ScoreResult:
        facts = Facts(status="no_data", rule=rule, detail=detail, reason=reason, **common)
        return _result(facts, limit=limit, weight_pct=weight_pct)

    # Data quality comes first: a number from a failed or stale feed must not
    # paint the scorecard red or green.
    if data_quality != "ok":
        return no_data("data_quality", data_quality, data_quality_reason)
    if target_error is not None or limit is None:
        return no_data("target_unresolved", None, str(target_error))

    simple = target.minimum if isinstance(target, Tiers) else target
    milestone = accumulation == "milestone" or isinstance(simple, Milestone)
    value, value_kind, tehty = _scored_value(
        milestone=milestone,
        actual=actual,
        progress_pct=progress_pct,
        checkin=checkin,
        value_origin=value_origin,
        accumulation=accumulation,
    )
    target_en, target_fi = describe_target(target, limit, baseline, direction)
    common.update(target_en=target_en, target_fi=target_fi, limit=limit, value_kind=value_kind)
    up = direction == "higher"

    seasonal = expected_fraction is not None
    if complete:
        fraction = 1.0
    elif expected_fraction is not None:
        fraction = float(expected_fraction)
    else:
        fraction = linear_fraction(as_of, year)

    if value is None and milestone and complete and checkin == "TEKEILLÄ":
        # Still in progress on 31.12. is a fact, not a forecast: the milestone was missed.
        tier = "none" if isinstance(target, Tiers) else None
        facts = Facts(
            status="not_achieved", rule="year_end", detail="in_progress", tier=tier, **common
        )
        weighted = _weighted(weight_pct, tier, False)
        return _result(facts, limit=limit, weight_pct=weight_pct, weighted=weighted, met=False)

    if value is None and checkin == "TEHTY":
        # The owner reports the goal done without a figure ("Saavutettu 30.4.2020"):
        # the declaration is the result, and the explanation says so.
        facts = Facts(
            status="achieved",
            rule="year_end" if complete else "reached_early",
            detail="tehty_declared",
            tier=None,
            **common,
        )
        return _result(
            facts, limit=limit, weight_pct=weight_pct, weighted=_weighted(weight_pct, None, True), met=True
        )

    if value is None:
        return _from_forecast(
            target=target,
            baseline=baseline,
            direction=direction,
            forecast=forecast,
            forecast_value=manual_forecast_value,
            complete=complete,
            limit=limit,
            weight_pct=weight_pct,
            common=common,
        )

    met = meets(target, value, baseline, direction)
    tier = tier_reached(target, value, baseline, direction) if isinstance(target, Tiers) else None
    cumulative = accumulation == "cumulative" and not milestone
    stock = accumulation == "stock" and not milestone
    ceiling = float(simple.total) if isinstance(target, Ratio) else None
    if milestone:
        ceiling = MILESTONE_DONE_VALUE
    projection = projected_value(
        value,
        accumulation="cumulative" if cumulative else "level",
        fraction=fraction,
        ceiling=ceiling,
    )
    disagrees = _forecast_disagrees(
        projection, forecast, manual_forecast_value, target, baseline, direction
    )

    expected: float | None = None
    band_limit: float | None = None
    status: Status
    rule: Rule
    detail: str
    # A value that can only grow (a running total, a count done, progress)
    # cannot fall back below a higher-is-better target once it meets it; an
    # owner's check-in reporting the target met is the documents' own
    # "Tavoite saavutettu 15.6.2020". A running total under a cap is the
    # exception: it can still grow past it.
    grows = up and (cumulative or stock or milestone or isinstance(simple, Ratio))
    owner_says = value_origin == "checkin" and not (cumulative and not up)
    if complete:
        rule = "year_end"
        status, detail = ("achieved", "met") if met else ("not_achieved", "missed")
    elif met and (grows or owner_says):
        status, rule = "achieved", "reached_early"
        detail = "tehty" if tehty else ("grows" if grows else "checkin")
    elif accumulation == "level" and not milestone:
        tolerance = abs(limit) * level_tolerance_pct / 100.0
        band_limit = _clean(limit - tolerance if up else limit + tolerance)
        within = value >= band_limit if up else value <= band_limit
        rule = "level_band"
        if met:
            status, detail = "on_track", "met"
        elif within:
            status, detail = "on_track", "within"
        else:
            status, detail = "at_risk", "outside"
    else:
        # Running totals, counts done and progress bars: compare with the share
        # of the threshold expected by now (seasonal, else linear).
        expected = _clean(fraction * limit)
        on_path = value >= expected if up else value <= expected
        rule, detail = "expected_path", ""
        status = "on_track" if on_path else "at_risk"

    facts = Facts(
        status=status,
        rule=rule,
        detail=detail,
        value=value,
        band_limit=band_limit,
        tolerance_pct=level_tolerance_pct,
        expected=expected,
        fraction=fraction,
        seasonal=seasonal,
        tier=tier,
        projection=projection,
        forecast_disagrees=disagrees,
        **common,
    )
    return _result(
        facts,
        limit=limit,
        weight_pct=weight_pct,
        attainment=attainment_pct(value, limit, direction),
        weighted=_weighted(weight_pct, tier, met),
        met=met,
    )


def _from_forecast(
    *,
    target: Target,
    baseline: float | None,
    direction: Direction,
    forecast: Forecast | None,
    forecast_value: float | None,
    complete: bool,
    limit: float,
    weight_pct: float | None,
    common: dict[str, Any],
) -> ScoreResult:
    """Status when no value has been reported: the owner's forecast, if any.

    Mid-year the forecast word sets on_track / at_risk. Once the year is over
    only a definite word is a result: "toteutuu" achieved, "ei toteudu" not
    achieved; "toteutumassa" or "epävarma" after 31.12. leave the outcome
    unknown. A numeric forecast alone is used mid-year only.
    """
    status: Status
    if forecast is not None:
        if complete:
            if forecast == "toteutuu":
                status, detail = "achieved", "word_final"
            elif forecast == "ei toteudu":
                status, detail = "not_achieved", "word_final"
            else:
                status, detail = "no_data", "word_open"
        else:
            status = "on_track" if forecast in POSITIVE_FORECASTS else "at_risk"
            detail = "word"
    elif forecast_value is not None:
        if complete:
            status, detail = "no_data", "value_open"
        elif meets(target, forecast_value, baseline, direction):
            status, detail = "on_track", "value_meets"
        else:
            status, detail = "at_risk", "value_misses"
    else:
        facts = Facts(status="no_data", rule="no_value", detail=None, **common)
        return _result(facts, limit=limit, weight_pct=weight_pct)
    facts = Facts(status=status, rule="owner_forecast", detail=detail, **common)
    return _result(facts, limit=limit, weight_pct=weight_pct)


def _forecast_disagrees(
    projection: float | None,
    forecast: Forecast | None,
    forecast_value: float | None,
    target: Target,
    baseline: float | None,
    direction: Direction,
) -> bool:
    """Whether our projection and the owner's forecast point different ways."""
    if projection is None:
        return False
    projected_met = meets(target, projection, baseline, direction)
    if forecast is not None:
        return projected_met != (forecast in POSITIVE_FORECASTS)
    if forecast_value is not None:
        return projected_met != meets(target, forecast_value, baseline, direction)
    return False


def _result(
    facts: Facts,
    *,
    limit: float | None,
    weight_pct: float | None,
    attainment: float | None = None,
    weighted: float | None = None,
    met: bool | None = None,
) -> ScoreResult:
    explanation_en, explanation_fi = explain(facts)
    labels = STATUS_LABELS[facts.status]
    return ScoreResult(
        status=facts.status,
        status_fi=labels["fi"],
        status_en=labels["en"],
        attainment_pct=attainment,
        tier=facts.tier,
        weighted_score=weighted,
        weight_pct=weight_pct,
        projected_value=facts.projection,
        forecast_disagrees=facts.forecast_disagrees,
        explanation_en=explanation_en,
        explanation_fi=explanation_fi,
        rule=facts.rule,
        value=facts.value,
        threshold=limit,
        meets_target=met,
        expected_to_date=facts.expected,
        manual_forecast=facts.forecast,
        as_of=facts.as_of,
        code_version=facts.code_version,
    )
