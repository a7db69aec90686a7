"""The catalog as the warehouse's dimension tables (pandas, small by nature).

`catalog_frames` returns dim_scorecard, dim_goal, dim_meter, dim_target and
fact_checkin with fixed columns and dtypes, so DuckDB types every column even
when all its values are null. Targets are resolved here with targets.py:
relative targets against the baseline, tiers into their three thresholds.
Document text with no column of its own (a goal's description, a meter's
follow-up bar, a numeric forecast) is folded into the nearest text column so
nothing in the documents is left out of the warehouse.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from kuva_pipeline.catalog.model import Catalog, CheckIn, Goal, Meter, Scorecard
from kuva_pipeline.catalog.targets import (
    TargetError,
    Tiers,
    resolve_bounds,
    tier_thresholds,
)

if TYPE_CHECKING:
    import pandas as pd

CHECKIN_SOURCE = "catalog"

# Column name -> pandas dtype. "object" columns hold datetime.date values,
# which DuckDB reads as DATE.
COLUMNS: dict[str, dict[str, str]] = {
    "dim_scorecard": {
        "scorecard_id": "string",
        "year": "int64",
        "title_fi": "string",
        "title_en": "string",
        "organisation": "string",
        "source_document": "string",
        "weighted": "boolean",
        "as_of_document": "object",
    },
    "dim_goal": {
        "goal_id": "string",
        "scorecard_id": "string",
        "theme_fi": "string",
        "theme_en": "string",
        "goal_fi": "string",
        "goal_en": "string",
        "goal_area_fi": "string",
        "goal_area_en": "string",
        "weight_pct": "float64",
        "responsible": "string",
        "risks_fi": "string",
        "risks_en": "string",
        "city_links": "string",
        "binding": "boolean",
    },
    "dim_meter": {
        "meter_id": "string",
        "goal_id": "string",
        "scorecard_id": "string",
        "year": "int64",
        "name_fi": "string",
        "name_en": "string",
        "unit": "string",
        "direction": "string",
        "service_area": "string",
        "source": "string",
        "measure": "string",
        "accumulation": "string",
        "baseline_value": "float64",
        "baseline_period": "string",
        "is_new_meter": "boolean",
        "recovery_meter": "boolean",
        "description_fi": "string",
    },
    "dim_target": {
        "meter_id": "string",
        "scorecard_id": "string",
        "year": "int64",
        "target_kind": "string",
        "target_json": "string",
        "target_min": "float64",
        "target_max": "float64",
        "tier_minimum": "float64",
        "tier_challenging": "float64",
        "tier_exceptional": "float64",
        "ratio_total": "float64",
        "weight_pct": "float64",
        "note": "string",
    },
    "fact_checkin": {
        "meter_id": "string",
        "checkin_date": "object",
        "status": "string",
        "progress_pct": "float64",
        "forecast": "string",
        "forecast_round": "string",
        "forecast_value": "float64",
        "value": "float64",
        "numerator": "float64",
        "denominator": "float64",
        "comment_fi": "string",
        "source": "string",
    },
}

KEYS: dict[str, tuple[str, ...]] = {
    "dim_scorecard": ("scorecard_id",),
    "dim_goal": ("goal_id",),
    "dim_meter": ("meter_id",),
    "dim_target": ("meter_id",),
    "fact_checkin": ("meter_id", "checkin_date"),
}


def _join(parts: list[str | None], sep: str = "\n\n") -> str | None:
    kept = [part for part in parts if part]
    return sep.join(kept) if kept else None


def _frame(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = COLUMNS[name]
    import pandas as pd  # at use: importing it at start-up cost 0.4 s

    frame = pd.DataFrame.from_records(rows, columns=list(columns))
    return frame.astype(columns)


def _scorecard_row(card: Scorecard) -> dict[str, Any]:
    return {
        "scorecard_id": card.id,
        "year": card.year,
        "title_fi": card.title.fi,
        "title_en": card.title.en,
        "organisation": card.organisation,
        "source_document": card.source_document,
        "weighted": card.weighted,
        "as_of_document": card.as_of_document,
    }


def _goal_row(card: Scorecard, goal: Goal) -> dict[str, Any]:
    # In seed 001 the city-link column is per meter row; the goal lists them all.
    links: list[str] = []
    for link in [*goal.city_links, *(link for meter in goal.meters for link in meter.city_links)]:
        if link not in links:
            links.append(link)
    return {
        "goal_id": goal.id,
        "scorecard_id": card.id,
        "theme_fi": goal.theme.fi if goal.theme else None,
        "theme_en": goal.theme.en if goal.theme else None,
        # The headline comes first; the document's longer goal text follows it.
        "goal_fi": _join([goal.goal.fi, goal.description.fi if goal.description else None]),
        "goal_en": _join([goal.goal.en, goal.description.en if goal.description else None]),
        "goal_area_fi": goal.goal_area.fi if goal.goal_area else None,
        "goal_area_en": goal.goal_area.en if goal.goal_area else None,
        "weight_pct": goal.weight_pct,
        "responsible": _join(list(goal.responsible), "; "),
        "risks_fi": goal.risks.fi if goal.risks else None,
        "risks_en": goal.risks.en if goal.risks else None,
        "city_links": _join(links, "; "),
        "binding": goal.binding,
    }


def meter_description_fi(meter: Meter) -> str | None:
    """The meter's description with its baseline wording, follow-up bar and tier items."""
    parts: list[str | None] = [meter.description.fi if meter.description else None]
    if meter.baseline is not None and meter.baseline.text is not None:
        parts.append(f"Lähtötaso: {meter.baseline.text.fi}")
    if meter.stages:
        lines = ["Ositettu toteutuminen:"]
        for stage in meter.stages:
            line = f"- {stage.label.fi}"
            if stage.detail_fi:
                line += f": {stage.detail_fi}"
            if stage.status:
                line += f" [{stage.status}]"
            lines.append(line)
        parts.append("\n".join(lines))
    if meter.tier_items:
        lines = ["Tasojen mittarit:"]
        lines += [f"- {i.tier}: {i.name.fi} {i.done}/{i.total}" for i in meter.tier_items]
        parts.append("\n".join(lines))
    return _join(parts)


def _meter_row(card: Scorecard, goal: Goal, meter: Meter) -> dict[str, Any]:
    baseline = meter.baseline
    return {
        "meter_id": meter.id,
        "goal_id": goal.id,
        "scorecard_id": card.id,
        "year": card.year,
        "name_fi": meter.name.fi,
        "name_en": meter.name.en,
        "unit": meter.unit,
        "direction": meter.direction,
        "service_area": meter.service_area,
        "source": meter.source,
        "measure": meter.measure,
        "accumulation": meter.accumulation,
        "baseline_value": meter.baseline_value,
        "baseline_period": baseline.period if baseline else None,
        "is_new_meter": meter.is_new_meter,
        "recovery_meter": meter.recovery_meter,
        "description_fi": meter_description_fi(meter),
    }


def resolved_bounds(meter: Meter) -> tuple[float | None, float | None, dict[str, float]]:
    """(target_min, target_max, tier thresholds); all open when the baseline is not yet known.

    A baseline that comes from the source (unit cost vs TP2020) is only known
    at scoring time, so its relative bounds stay null here.
    """
    try:
        low, high = resolve_bounds(meter.target, meter.baseline_value, meter.direction)
        tiers = (
            tier_thresholds(meter.target, meter.baseline_value, meter.direction)
            if isinstance(meter.target, Tiers)
            else {}
        )
    except TargetError:
        return None, None, {}
    return low, high, tiers


def _target_note(meter: Meter) -> str | None:
    target = meter.target
    parts: list[str | None] = [target.note]
    if isinstance(target, Tiers):
        parts += [f"{name}: {level.note}" for name, level in target.levels() if level.note]
    baseline = meter.baseline
    if baseline is not None and baseline.from_source:
        parts.append(
            f"Bounds resolve at scoring time against the {baseline.period} value of "
            f"{meter.source}.{meter.measure}."
        )
    return _join(parts, "\n")


def _target_row(card: Scorecard, meter: Meter) -> dict[str, Any]:
    low, high, tiers = resolved_bounds(meter)
    return {
        "meter_id": meter.id,
        "scorecard_id": card.id,
        "year": card.year,
        "target_kind": meter.target.kind,
        "target_json": json.dumps(
            meter.target.model_dump(mode="json", exclude_none=True), ensure_ascii=False
        ),
        "target_min": low,
        "target_max": high,
        "tier_minimum": tiers.get("minimum"),
        "tier_challenging": tiers.get("challenging"),
        "tier_exceptional": tiers.get("exceptional"),
        "ratio_total": meter.ratio_total,
        "weight_pct": meter.weight_pct,
        "note": _target_note(meter),
    }


def _checkin_row(meter: Meter, checkin: CheckIn) -> dict[str, Any]:
    comment = checkin.comment_fi
    return {
        "meter_id": meter.id,
        "checkin_date": checkin.date,
        "status": checkin.status,
        "progress_pct": checkin.progress_pct,
        "forecast": checkin.forecast,
        "forecast_round": checkin.forecast_round,
        "forecast_value": checkin.forecast_value,
        "value": checkin.value,
        "numerator": checkin.numerator,
        "denominator": checkin.denominator,
        "comment_fi": comment,
        "source": CHECKIN_SOURCE,
    }


def catalog_frames(catalog: Catalog) -> dict[str, pd.DataFrame]:
    """dim_scorecard, dim_goal, dim_meter, dim_target and fact_checkin."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in COLUMNS}
    for card in catalog.scorecards:
        rows["dim_scorecard"].append(_scorecard_row(card))
        for goal in card.goals:
            rows["dim_goal"].append(_goal_row(card, goal))
            for meter in goal.meters:
                rows["dim_meter"].append(_meter_row(card, goal, meter))
                rows["dim_target"].append(_target_row(card, meter))
                rows["fact_checkin"] += [_checkin_row(meter, c) for c in meter.checkins]
    return {name: _frame(name, table) for name, table in rows.items()}
