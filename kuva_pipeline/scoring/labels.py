"""The scoring vocabulary: statuses, tiers and their Finnish and English labels.

Also turns the words goal owners type into check-in sheets (forecasts such as
"Toteutuu", milestone statuses such as "tehty") into one canonical spelling, so
the engine never compares free text.
"""

from __future__ import annotations

import unicodedata
from fractions import Fraction
from types import MappingProxyType
from typing import Literal, get_args

from kuva_pipeline.catalog.targets import TIER_NAMES

Status = Literal["achieved", "on_track", "at_risk", "not_achieved", "no_data"]
STATUSES: tuple[Status, ...] = get_args(Status)

# From worst to best; `no_data` is deliberately outside the order, because a
# missing figure is neither better nor worse than a measured one.
STATUS_RANK: MappingProxyType[Status, int] = MappingProxyType(
    {"not_achieved": 0, "at_risk": 1, "on_track": 2, "achieved": 3}
)

Tier = Literal["none", "minimum", "challenging", "exceptional"]
TIERS: tuple[Tier, ...] = get_args(Tier)
if TIERS[1:] != TIER_NAMES:  # the grammar and the scorecard must name tiers alike
    raise ImportError(f"tier names drifted from the target grammar: {TIER_NAMES}")

Forecast = Literal["toteutuu", "toteutumassa", "epävarma", "ei toteudu"]
FORECASTS: tuple[Forecast, ...] = get_args(Forecast)
POSITIVE_FORECASTS: frozenset[Forecast] = frozenset({"toteutuu", "toteutumassa"})
NEGATIVE_FORECASTS: frozenset[Forecast] = frozenset({"epävarma", "ei toteudu"})

CheckinStatus = Literal["TEKEMÄTTÄ", "TEKEILLÄ", "TEHTY"]
CHECKIN_STATUSES: tuple[CheckinStatus, ...] = get_args(CheckinStatus)

STATUS_LABELS: MappingProxyType[Status, MappingProxyType[str, str]] = MappingProxyType(
    {
        "achieved": MappingProxyType({"fi": "saavutettu", "en": "achieved"}),
        # The owners' own word for "on track" in the follow-up reports
        # ("Ennusteen mukaan hanke on toteutumassa").
        "on_track": MappingProxyType({"fi": "toteutumassa", "en": "on track"}),
        # Not "epävarma": that is a forecast word owners choose themselves, and
        # at_risk also covers an owner's "ei toteudu" mid-year and a value off
        # the expected path; "riskissä" says what the scorecard concludes.
        "at_risk": MappingProxyType({"fi": "riskissä", "en": "at risk"}),
        "not_achieved": MappingProxyType({"fi": "ei saavutettu", "en": "not achieved"}),
        "no_data": MappingProxyType({"fi": "ei tietoa", "en": "no data"}),
    }
)

# The Finnish tier names are those of the weighted-targets document (seed 004).
TIER_LABELS: MappingProxyType[Tier, MappingProxyType[str, str]] = MappingProxyType(
    {
        "none": MappingProxyType({"fi": "alle minimitason", "en": "below minimum"}),
        "minimum": MappingProxyType({"fi": "minimitaso", "en": "minimum level"}),
        "challenging": MappingProxyType({"fi": "haastava tavoitetaso", "en": "challenging level"}),
        "exceptional": MappingProxyType({"fi": "poikkeuksellinen taso", "en": "exceptional level"}),
    }
)


# Worst first, so a sorted list shows what needs attention at the top; a meter
# without data comes last, as it is neither better nor worse.
STATUS_SORT = {"not_achieved": 0, "at_risk": 1, "on_track": 2, "achieved": 3, "no_data": 4}

# Colour token (a CSS class), and an icon, so a status never depends on colour alone.
STATUS_STYLE = {
    "achieved": ("green", "✔"),
    "on_track": ("teal", "➚"),
    "at_risk": ("amber", "!"),
    "not_achieved": ("red", "✖"),
    "no_data": ("grey", "?"),
}

FORECAST_LABELS = {
    "toteutuu": {"fi": "toteutuu", "en": "will be met"},
    "toteutumassa": {"fi": "toteutumassa", "en": "on track"},
    "epävarma": {"fi": "epävarma", "en": "uncertain"},
    "ei toteudu": {"fi": "ei toteudu", "en": "will not be met"},
}

CHECKIN_STATUS_LABELS = {
    "TEKEMÄTTÄ": {"fi": "tekemättä", "en": "not started"},
    "TEKEILLÄ": {"fi": "tekeillä", "en": "in progress"},
    "TEHTY": {"fi": "tehty", "en": "done"},
}

# Share of a goal area's weight earned at each tier. Evenly spaced, so each
# step up is worth the same and the exceptional level earns the full weight.
# Fractions keep 30 % x 2/3 at exactly 20 rather than 19.999999999999996.
TIER_POINTS: MappingProxyType[Tier, Fraction] = MappingProxyType(
    {
        "none": Fraction(0),
        "minimum": Fraction(1, 3),
        "challenging": Fraction(2, 3),
        "exceptional": Fraction(1),
    }
)

_FORECAST_ALIASES: dict[str, Forecast] = {
    "toteutuu": "toteutuu",
    "toteutunut": "toteutuu",  # "Tavoite ... on toteutunut" in the reports
    "toteutumassa": "toteutumassa",
    "epävarma": "epävarma",
    "epavarma": "epävarma",  # typed without the umlaut
    "ei toteudu": "ei toteudu",
    "ei toteutunut": "ei toteudu",
    "ei toteutumassa": "ei toteudu",
    "ei ole toteutumassa": "ei toteudu",  # wording of seed 002
}

_CHECKIN_ALIASES: dict[str, CheckinStatus] = {
    "tekemättä": "TEKEMÄTTÄ",
    "tekematta": "TEKEMÄTTÄ",
    "tekeillä": "TEKEILLÄ",
    "tekeilla": "TEKEILLÄ",
    "tehty": "TEHTY",
}


def _key(text: str) -> str:
    # NFC first: Excel on macOS may hand over "ä" as "a" + combining diaeresis.
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    return " ".join(text.split()).strip(".!").casefold()


def normalise_forecast(text: str | None) -> Forecast | None:
    """The canonical forecast word for what an owner typed; None when blank.

    Case, surrounding space and a missing umlaut do not matter ("Toteutuu",
    "EI TOTEUDU", "epavarma"). An unknown word raises ValueError: guessing
    would put a wrong colour on the scorecard.
    """
    if text is None:
        return None
    key = _key(text)
    if not key:
        return None
    try:
        return _FORECAST_ALIASES[key]
    except KeyError:
        raise ValueError(
            f"unknown manual forecast {text!r}; expected one of {', '.join(FORECASTS)}"
        ) from None


def normalise_checkin_status(text: str | None) -> CheckinStatus | None:
    """The canonical milestone status (TEKEMÄTTÄ / TEKEILLÄ / TEHTY); None when blank."""
    if text is None:
        return None
    key = _key(text)
    if not key:
        return None
    try:
        return _CHECKIN_ALIASES[key]
    except KeyError:
        raise ValueError(
            f"unknown check-in status {text!r}; expected one of {', '.join(CHECKIN_STATUSES)}"
        ) from None
