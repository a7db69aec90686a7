"""The scored scorecard: every catalog meter at every as-of day of its scorecard.

The catalog says what to score, the meter values and check-ins say what
happened, and the pure scoring engine (`kuva_pipeline.scoring`) says what it
means. `compute_scorecard` gathers the inputs from the warehouse and calls the
engine once per meter and day; the dbt model `marts.scorecard`
(`assets/models/marts/marts__scorecard.py`) runs it, so the pipeline and time
travel score alike.
"""

import json
import math
import re
from dataclasses import dataclass
from datetime import date

import pandas as pd
from pydantic import TypeAdapter

from kuva_pipeline.catalog.targets import (
    Target,
    TargetError,
    Tiers,
    resolve_bounds,
    tier_thresholds,
)
from kuva_pipeline.scoring import SCORING_CODE_VERSION, expected_fraction, score

SCORECARD_COLUMNS: dict[str, str] = {
    "scorecard_id": "Scorecard (unit and year).",
    "year": "The scorecard's year.",
    "goal_id": "Goal the meter measures.",
    "meter_id": "Meter, stable id from the catalog.",
    "meter_name_fi": "Meter name in Finnish.",
    "meter_name_en": "Meter name in English.",
    "service_area": "KUVA for the division, else KIR, KULP, LIIKU or NUP.",
    "unit": "Unit of the values.",
    "direction": "higher or lower is better.",
    "baseline_value": "Baseline value (null for a new meter).",
    "baseline_from_data": "The baseline is the feed's own value for the baseline period (e.g. TP2020).",
    "target_kind": "Form of the target in the catalog's grammar.",
    "target_min": "Lower bound of the year's target, resolved against the baseline; null when open.",
    "target_max": "Upper bound of the year's target; null when open.",
    "tier_minimum": "Minimum tier threshold (tiered targets).",
    "tier_challenging": "Challenging tier threshold.",
    "tier_exceptional": "Exceptional tier threshold.",
    "weight_pct": "Weight of the goal area in a weighted scorecard.",
    "actual_value": "Value to the as-of day (year to date for feeds; latest check-in for manual meters).",
    "value_origin": "feed or checkin: where the actual value came from.",
    "attainment_pct": "Attainment of the target in percent; 100 exactly at the target.",
    "status": "achieved, on_track, at_risk, not_achieved or no_data.",
    "status_fi": "Status in Finnish.",
    "tier": "Tier reached: none, minimum, challenging or exceptional (tiered targets only).",
    "weighted_score": "Points earned towards the weight.",
    "forecast_value": "Projected year-end value.",
    "manual_forecast": "The owner's latest forecast (toteutuu, toteutumassa, epävarma, ei toteudu).",
    "forecast_disagrees": "The projection and the owner's forecast disagree.",
    "as_of": "Day the scorecard is scored on.",
    "as_of_kind": "document (the source document's date) or latest.",
    "data_quality": "ok, failed, stale or missing: the state of the feed behind the value.",
    "row_count": "Source rows behind the value.",
    "explanation": "The rule applied, its inputs, the rows behind them and the code version (English).",
    "explanation_fi": "The same in Finnish.",
}


SCORECARD_TYPES: dict[str, str] = {
    "scorecard_id": "VARCHAR",
    "year": "BIGINT",
    "goal_id": "VARCHAR",
    "meter_id": "VARCHAR",
    "meter_name_fi": "VARCHAR",
    "meter_name_en": "VARCHAR",
    "service_area": "VARCHAR",
    "unit": "VARCHAR",
    "direction": "VARCHAR",
    "baseline_value": "DOUBLE",
    "baseline_from_data": "BOOLEAN",
    "target_kind": "VARCHAR",
    "target_min": "DOUBLE",
    "target_max": "DOUBLE",
    "tier_minimum": "DOUBLE",
    "tier_challenging": "DOUBLE",
    "tier_exceptional": "DOUBLE",
    "weight_pct": "DOUBLE",
    "actual_value": "DOUBLE",
    "value_origin": "VARCHAR",
    "attainment_pct": "DOUBLE",
    "status": "VARCHAR",
    "status_fi": "VARCHAR",
    "tier": "VARCHAR",
    "weighted_score": "DOUBLE",
    "forecast_value": "DOUBLE",
    "manual_forecast": "VARCHAR",
    "forecast_disagrees": "BOOLEAN",
    "as_of": "DATE",
    "as_of_kind": "VARCHAR",
    "data_quality": "VARCHAR",
    "row_count": "BIGINT",
    "explanation": "VARCHAR",
    "explanation_fi": "VARCHAR",
}
"""The column types of marts.scorecard, whatever the values (an all-empty column stays typed)."""

_TARGETS = TypeAdapter(Target)


def _resolved(target_json: str, baseline: float | None, direction: str) -> dict[str, float | None]:
    """Target bounds and tier thresholds against the baseline actually used."""
    target = _TARGETS.validate_json(target_json)
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


@dataclass(frozen=True)
class _Checkin:
    checkin_date: date
    status: str | None
    progress_pct: float | None
    forecast: str | None
    value: float | None


def _num(value) -> float | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _latest(checkins: list[_Checkin], as_of: date) -> tuple[_Checkin | None, str | None, float | None]:
    """The latest check-in dated by `as_of`, the latest forecast and the latest value by then."""
    known = [c for c in checkins if c.checkin_date <= as_of]
    if not known:
        return None, None, None
    forecast = next((c.forecast for c in reversed(known) if c.forecast), None)
    value = next((c.value for c in reversed(known) if c.value is not None), None)
    return known[-1], forecast, value


def compute_scorecard(con) -> pd.DataFrame:
    """Score every meter of every scorecard at each of its as-of days (pure reads, no writes)."""
    meters = con.execute(
        """
        SELECT m.*, t.target_kind, t.target_json, t.weight_pct
        FROM catalog.dim_meter m JOIN catalog.dim_target t USING (meter_id)
        ORDER BY m.scorecard_id, m.goal_id, m.meter_id
        """
    ).df()
    as_of_dates = con.execute("SELECT scorecard_id, as_of, as_of_kind FROM catalog.as_of_dates").df()
    values = con.execute(
        "SELECT meter_id, grain, period_start, period_end, value, row_count FROM meters.meter_values"
    ).df()
    checkin_rows = con.execute(
        "SELECT meter_id, checkin_date, status, progress_pct, forecast, value "
        "FROM meters.checkins ORDER BY meter_id, checkin_date"
    ).df()

    checkins: dict[str, list[_Checkin]] = {}
    for r in checkin_rows.itertuples(index=False):
        checkins.setdefault(r.meter_id, []).append(
            _Checkin(
                pd.Timestamp(r.checkin_date).date(),
                _text(r.status),
                _num(r.progress_pct),
                _text(r.forecast),
                _num(r.value),
            )
        )
    ytd = {
        (r.meter_id, pd.Timestamp(r.period_end).date()): (_num(r.value), r.row_count)
        for r in values[values.grain == "ytd"].itertuples(index=False)
    }
    yearly = {
        (r.meter_id, pd.Timestamp(r.period_start).year): _num(r.value)
        for r in values[values.grain == "year"].itertuples(index=False)
    }
    monthly: dict[tuple[str, int], dict[int, float]] = {}
    for r in values[values.grain == "month"].itertuples(index=False):
        start = pd.Timestamp(r.period_start)
        monthly.setdefault((r.meter_id, start.year), {})[start.month] = _num(r.value) or 0.0

    from kuva_pipeline.quality.health import source_health

    health_on: dict[date, dict] = {}
    rows: list[dict] = []
    for m in meters.itertuples(index=False):
        dates = as_of_dates[as_of_dates.scorecard_id == m.scorecard_id]
        for d in dates.itertuples(index=False):
            as_of = pd.Timestamp(d.as_of).date()
            latest, forecast, checkin_value = _latest(checkins.get(m.meter_id, []), as_of)
            data_quality, reason, row_count = "ok", None, None
            if m.source == "checkin":
                actual, origin = checkin_value, "checkin"
            else:
                actual, row_count = ytd.get((m.meter_id, as_of), (None, None))
                origin = "feed"
                if actual is None and checkin_value is not None:
                    # No feed data for the year yet: the owner's reported value stands in.
                    actual, origin = checkin_value, "checkin"
                elif actual is None:
                    data_quality = "missing"
                    reason = f"no {m.source} data for {m.year} up to {as_of}"
                if origin == "feed":
                    # A feed that failed a blocking check or went stale cannot vouch for
                    # its value: the meter is no_data with the reason, never red or green.
                    if as_of not in health_on:
                        health_on[as_of] = source_health(con, as_of)
                    state, why = health_on[as_of].get(m.source, ("ok", None))
                    if state != "ok":
                        data_quality, reason = state, why
            baseline = _num(m.baseline_value)
            baseline_from_data = False
            if baseline is None and m.source != "checkin" and _text(m.baseline_period):
                # "vs TP2020": the baseline is the feed's own value for that year.
                found = re.search(r"(19|20)\d\d", str(m.baseline_period))  # "2020", "TP2020"
                if found:
                    baseline = yearly.get((m.meter_id, int(found.group(0))))
                    baseline_from_data = baseline is not None
            bounds = _resolved(m.target_json, baseline, m.direction)
            profile = None
            if m.accumulation == "cumulative" and _text(m.baseline_period):
                try:
                    profile = monthly.get((m.meter_id, int(str(m.baseline_period)[:4])))
                except ValueError:
                    profile = None
            fraction = expected_fraction(profile, as_of, int(m.year)) if profile else None
            result = score(
                target=json.loads(m.target_json),
                direction=m.direction,
                baseline=baseline,
                actual=actual,
                year=int(m.year),
                as_of=as_of,
                accumulation=m.accumulation,
                value_origin=origin,
                expected_fraction=fraction,
                manual_forecast=forecast,
                data_quality=data_quality,
                data_quality_reason=reason,
                weight_pct=_num(m.weight_pct),
                progress_pct=latest.progress_pct if latest else None,
                checkin_status=latest.status if latest else None,
                row_count=None if row_count is None or pd.isna(row_count) else int(row_count),
                code_version=SCORING_CODE_VERSION,
            )
            rows.append(
                {
                    "scorecard_id": m.scorecard_id,
                    "year": int(m.year),
                    "goal_id": m.goal_id,
                    "meter_id": m.meter_id,
                    "meter_name_fi": m.name_fi,
                    "meter_name_en": m.name_en,
                    "service_area": m.service_area,
                    "unit": m.unit,
                    "direction": m.direction,
                    "baseline_value": baseline,
                    "target_kind": m.target_kind,
                    **bounds,
                    "baseline_from_data": baseline_from_data,
                    "weight_pct": _num(m.weight_pct),
                    "actual_value": result.value if result.value is not None else actual,
                    "value_origin": origin if actual is not None else None,
                    "attainment_pct": result.attainment_pct,
                    "status": result.status,
                    "status_fi": result.status_fi,
                    "tier": result.tier,
                    "weighted_score": result.weighted_score,
                    "forecast_value": result.projected_value,
                    "manual_forecast": result.manual_forecast,
                    "forecast_disagrees": result.forecast_disagrees,
                    "as_of": as_of,
                    "as_of_kind": d.as_of_kind,
                    "data_quality": data_quality,
                    "row_count": row_count if row_count is None or pd.isna(row_count) else int(row_count),
                    "explanation": result.explanation_en,
                    "explanation_fi": result.explanation_fi,
                }
            )
    return pd.DataFrame(rows, columns=list(SCORECARD_COLUMNS))
