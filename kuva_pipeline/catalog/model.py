"""Typed model of the meter catalog: one scorecard per YAML file under data/catalog/.

A scorecard holds goals, a goal holds meters, a meter holds its baseline, its
target (in the grammar of targets.py) and the dated check-ins the documents
report. Every model forbids unknown fields, so a misspelt key fails loudly.
Rules that span fields or files (ids, weights, the declared sources and
measures, the service areas, a target against its direction) live in validation.py, which reports each problem with
its file and field path; the loader runs both and fills in defaults.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from kuva_pipeline.catalog.targets import TIER_NAMES, Direction, Ratio, Target, Tiers
from kuva_pipeline.sources.declaration import Accumulation, source_names

if TYPE_CHECKING:
    import pandas as pd

SCORECARD_ID_PATTERN = r"^[a-z0-9_]+$"
ITEM_ID_PATTERN = r"^[a-z0-9_]+\.[a-z0-9_]+$"
"""Goal and meter ids: `<scorecard_id>.<snake_slug>`, one namespace per catalog."""

Status = Literal["TEKEMÄTTÄ", "TEKEILLÄ", "TEHTY"]
"""Milestone status of the follow-up bars: not started / in progress / done."""
STATUSES: tuple[str, ...] = ("TEKEMÄTTÄ", "TEKEILLÄ", "TEHTY")

Forecast = Literal["toteutuu", "toteutumassa", "epävarma", "ei toteudu"]
"""Forecast vocabulary: will be met / on track / uncertain / will not be met."""
FORECASTS: tuple[str, ...] = ("toteutuu", "toteutumassa", "epävarma", "ei toteudu")

TierName = Literal["minimum", "challenging", "exceptional"]


def _finnish_date(value: object) -> object:
    # Goal owners write dates the Finnish way (1.6.2020); YAML itself only
    # understands ISO dates, so accept both.
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*", value)
        if match:
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
    return value


def _period_text(value: object) -> object:
    # `period: 2019` arrives from YAML as an int; a period is a label, not a number.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


FlexibleDate = Annotated[dt.date, BeforeValidator(_finnish_date)]
NonEmptyStr = Annotated[str, Field(min_length=1)]
Period = Annotated[
    str,
    BeforeValidator(_period_text),
    Field(min_length=1, description="The baseline's period, e.g. '2019' or 'TP2020'."),
]
RoundLabel = Annotated[
    str, Field(pattern=r"^[1-9]/\d{4}$", description="Forecast round, e.g. '2/2021'.")
]
ItemId = Annotated[str, Field(pattern=ITEM_ID_PATTERN)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
Percent = Annotated[float, Field(gt=0, le=100)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Text(_Strict):
    """A text in the Finnish original and its English translation."""

    fi: NonEmptyStr
    en: NonEmptyStr


class Baseline(_Strict):
    """The starting level a meter is judged against.

    Four shapes: a number with its period; `new_meter: true` (the documents'
    "Uusi mittari"); `from_source: true` with a period, when the value is the
    meter's own source for that period (unit cost vs TP2020); or only `text`
    when the document states the baseline in words.
    """

    value: float | None = None
    period: Period | None = None
    new_meter: bool = False
    from_source: bool = Field(
        default=False,
        description="The value is computed by the meter's source for `period`, not typed here.",
    )
    text: Text | None = Field(default=None, description="The baseline as the document words it.")
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Baseline:
        if self.new_meter and (self.value is not None or self.from_source):
            raise ValueError("a new meter has no baseline value")
        if self.value is not None and self.from_source:
            raise ValueError("give either a baseline value or from_source, not both")
        if (self.value is not None or self.from_source) and self.period is None:
            raise ValueError("a baseline value needs its period")
        return self


class Stage(_Strict):
    """One labelled step on a follow-up bar (TEKEMÄTTÄ -> TEHTY), in document order."""

    label: Text
    detail_fi: str | None = None
    status: Status | None = Field(
        default=None, description="Only where the document states it; bar positions are graphics."
    )


class TierItem(_Strict):
    """What a tier counts when the tiers of one meter count different things.

    Seed 004's service strategy asks 5/5 descriptions (minimum), 4/4 services
    with a refined role (challenging) and 8/8 (exceptional). The meter counts
    deliverables on one cumulative scale; each tier's ratio target must equal
    the sum, over distinct items, of the largest `done` asked up to that tier.
    """

    tier: TierName
    item: Slug
    name: Text
    done: int = Field(ge=0)
    total: int = Field(gt=0)

    @model_validator(mode="after")
    def _within_total(self) -> TierItem:
        if self.done > self.total:
            raise ValueError(f"asks for {self.done} done of only {self.total}")
        return self


class CheckIn(_Strict):
    """A dated report on a meter: status, progress, forecast and/or value."""

    date: FlexibleDate | None = Field(
        default=None, description="Defaults to the date of `forecast_round` in the scorecard."
    )
    forecast_round: RoundLabel | None = None
    status: Status | None = None
    progress_pct: float | None = Field(default=None, ge=0, le=100)
    forecast: Forecast | None = None
    forecast_value: float | None = Field(
        default=None, description="The document's numeric forecast of the meter (e.g. 100 %)."
    )
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = Field(default=None, gt=0)
    comment_fi: str | None = None
    comment_en: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> CheckIn:
        reported = (self.status, self.progress_pct, self.forecast, self.forecast_value, self.value)
        if all(item is None for item in reported) and self.numerator is None:
            raise ValueError("a check-in must report a status, progress, forecast or value")
        if (self.numerator is None) != (self.denominator is None):
            raise ValueError("numerator and denominator go together")
        if self.numerator is not None:
            # The value of a done/total reading is the count done.
            if self.value is None:
                self.value = self.numerator
            elif self.value != self.numerator:
                raise ValueError(f"value {self.value:g} differs from numerator {self.numerator:g}")
        if self.status == "TEHTY" and self.progress_pct not in (None, 100):
            raise ValueError(f"status TEHTY means progress 100 %, not {self.progress_pct:g}")
        if self.status == "TEKEMÄTTÄ" and self.progress_pct not in (None, 0):
            raise ValueError(f"status TEKEMÄTTÄ means progress 0 %, not {self.progress_pct:g}")
        return self


# The JSON Schema's enums come from the source declarations and the service areas file
# when the schema is generated (`kuva catalog schema`), never at import. The measures
# have none: they are declared in the dbt models, and a new one needs no schema edit.
def _source_enum(schema: dict) -> None:
    schema["enum"] = sorted(source_names())


def _area_enum(schema: dict) -> None:
    from kuva_pipeline.service_areas import read_service_areas

    schema["enum"] = sorted(read_service_areas())


_SOURCE_ENUM, _AREA_ENUM = _source_enum, _area_enum


class Meter(_Strict):
    """The measure of a goal, its source binding, baseline, target and check-ins."""

    id: ItemId
    name: Text
    unit: NonEmptyStr = Field(description="Must equal the measure's unit for a data-fed meter.")
    direction: Direction = Field(description="Whether a higher or a lower value is better.")
    service_area: str = Field(json_schema_extra=_AREA_ENUM)
    source: str = Field(json_schema_extra=_SOURCE_ENUM)
    measure: str = Field(
        description="A measure the source offers: `kuva catalog measures` lists them with their units "
        "(declared in the config meta of the source's measures model, assets/models/meters/)."
    )
    accumulation: Accumulation | None = Field(
        default=None,
        description="Defaults to the measure's accumulation, or 'milestone' for a milestone target.",
    )
    baseline: Baseline | None = Field(
        description="Required; null when the document states no baseline at all."
    )
    target: Target
    weight_pct: Percent | None = Field(
        default=None,
        description="Share of the scorecard total; only needed when a weighted goal has several meters.",
    )
    recovery_meter: bool | None = Field(default=None, description="Palautusmittari (seed 003).")
    description: Text | None = None
    city_links: list[NonEmptyStr] = Field(default_factory=list)
    stages: list[Stage] = Field(default_factory=list)
    tier_items: list[TierItem] = Field(default_factory=list)
    checkins: list[CheckIn] = Field(default_factory=list)
    note: str | None = Field(default=None, description="Catalog decisions about this meter.")

    @property
    def baseline_value(self) -> float | None:
        return self.baseline.value if self.baseline is not None else None

    @property
    def is_new_meter(self) -> bool:
        return self.baseline is not None and self.baseline.new_meter

    @property
    def ratio_total(self) -> int | None:
        """The denominator of a ratio target (of the exceptional tier when tiered)."""
        if isinstance(self.target, Ratio):
            return self.target.total
        if isinstance(self.target, Tiers) and isinstance(self.target.exceptional, Ratio):
            return self.target.exceptional.total
        return None


class Goal(_Strict):
    """A goal of a scorecard, under a city strategy theme and/or a goal area."""

    id: ItemId
    theme: Text | None = Field(default=None, description="City strategy theme, where stated.")
    goal_area: Text | None = Field(
        default=None, description="Goal area (tavoitealue) or project the goal belongs to."
    )
    goal: Text = Field(description="The goal's headline, Finnish original and translation.")
    description: Text | None = None
    weight_pct: Percent | None = None
    binding: bool = Field(default=False, description="A binding goal (sitova tavoite).")
    responsible: list[NonEmptyStr] = Field(default_factory=list)
    risks: Text | None = None
    city_links: list[NonEmptyStr] = Field(default_factory=list)
    note: str | None = None
    meters: list[Meter] = Field(min_length=1)


class ForecastRound(_Strict):
    """The date a forecast round's check-ins are dated at."""

    round: RoundLabel
    date: FlexibleDate
    note: str | None = None


class Scorecard(_Strict):
    """One scorecard file: a unit's goals, meters and targets for one year."""

    id: Annotated[str, Field(pattern=SCORECARD_ID_PATTERN)]
    year: int = Field(ge=2000, le=2100)
    title: Text
    organisation: NonEmptyStr
    source_document: NonEmptyStr
    weighted: bool = Field(default=False, description="Goal weights must sum to 100.")
    as_of_document: FlexibleDate | None = Field(
        default=None, description="The date the document reports status at, if it reports any."
    )
    themes: list[Text] = Field(
        default_factory=list,
        description="The document's city strategy headings in order, including empty ones.",
    )
    forecast_rounds: list[ForecastRound] = Field(default_factory=list)
    note: str | None = None
    goals: list[Goal] = Field(min_length=1)

    def round_date(self, label: str) -> dt.date | None:
        return next((r.date for r in self.forecast_rounds if r.round == label), None)


class Catalog(BaseModel):
    """Every scorecard of the catalog, validated and with defaults resolved.

    After loading: each meter's `accumulation` is set, each meter of a
    weighted scorecard carries its `weight_pct`, and each check-in its `date`.
    """

    model_config = ConfigDict(extra="forbid")

    directory: Path | None = None
    scorecards: list[Scorecard]

    def meters(self) -> Iterator[tuple[Scorecard, Goal, Meter]]:
        for scorecard in self.scorecards:
            for goal in scorecard.goals:
                for meter in goal.meters:
                    yield scorecard, goal, meter

    def goals(self) -> Iterator[tuple[Scorecard, Goal]]:
        for scorecard in self.scorecards:
            for goal in scorecard.goals:
                yield scorecard, goal

    def scorecard(self, scorecard_id: str) -> Scorecard:
        for scorecard in self.scorecards:
            if scorecard.id == scorecard_id:
                return scorecard
        raise KeyError(scorecard_id)

    def goal(self, goal_id: str) -> Goal:
        for _, goal in self.goals():
            if goal.id == goal_id:
                return goal
        raise KeyError(goal_id)

    def meter(self, meter_id: str) -> Meter:
        for _, _, meter in self.meters():
            if meter.id == meter_id:
                return meter
        raise KeyError(meter_id)

    def frames(self) -> dict[str, pd.DataFrame]:
        """The catalog as warehouse tables; see frames.py for the columns."""
        from kuva_pipeline.catalog.frames import catalog_frames

        return catalog_frames(self)


__all__ = [
    "Baseline",
    "Catalog",
    "CheckIn",
    "FORECASTS",
    "Forecast",
    "ForecastRound",
    "Goal",
    "ITEM_ID_PATTERN",
    "Meter",
    "SCORECARD_ID_PATTERN",
    "STATUSES",
    "Scorecard",
    "Stage",
    "Status",
    "TIER_NAMES",
    "Text",
    "TierItem",
]
