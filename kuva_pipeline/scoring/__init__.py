"""The scoring engine: pure functions that turn a meter's value and target into a score.

No Dagster and no database here. `score_meter_day` scores one meter on one as-of
day from one typed input (`MeterDayInput`, a row of the SQL model
`marts.scorecard_inputs`); the dbt model `marts.scorecard` calls it per row.
The rules, and why they are what they are, are in docs/scoring.md.
"""

from .engine import (
    LEVEL_TOLERANCE_PCT,
    SCORING_CODE_VERSION,
    Accumulation,
    DataQuality,
    ScoreResult,
    ValueOrigin,
    score,
)
from .explain import Rule
from .labels import (
    CHECKIN_STATUSES,
    FORECASTS,
    STATUS_LABELS,
    STATUS_RANK,
    STATUSES,
    TIER_LABELS,
    TIER_POINTS,
    TIERS,
    CheckinStatus,
    Forecast,
    Status,
    Tier,
    normalise_checkin_status,
    normalise_forecast,
)
from .measures import MIN_PROJECTION_FRACTION, attainment_pct, projected_value, tier_reached
from .meter_day import MeterDayInput, MeterDayScore, score_meter_day
from .rollup import RollupItem, RollupResult, rollup
from .seasonality import expected_fraction, is_year_complete, linear_fraction

__all__ = [
    "CHECKIN_STATUSES",
    "FORECASTS",
    "LEVEL_TOLERANCE_PCT",
    "MIN_PROJECTION_FRACTION",
    "SCORING_CODE_VERSION",
    "STATUSES",
    "STATUS_LABELS",
    "STATUS_RANK",
    "TIERS",
    "TIER_LABELS",
    "TIER_POINTS",
    "Accumulation",
    "CheckinStatus",
    "DataQuality",
    "Forecast",
    "MeterDayInput",
    "MeterDayScore",
    "RollupItem",
    "RollupResult",
    "Rule",
    "ScoreResult",
    "Status",
    "Tier",
    "ValueOrigin",
    "attainment_pct",
    "expected_fraction",
    "is_year_complete",
    "linear_fraction",
    "normalise_checkin_status",
    "normalise_forecast",
    "projected_value",
    "rollup",
    "score",
    "score_meter_day",
    "tier_reached",
]
