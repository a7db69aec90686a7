"""Numbers and dates as a reader of the page's language expects them.

Finnish: decimal comma, a narrow no-break space between thousands, the real minus
sign and `31.12.2021`. English: `1,234.5` and `31 Dec 2021`. Counts are whole
numbers; thresholds get as many decimals as it takes to tell them apart.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime

COUNT_UNITS = frozenset(
    {
        "events",
        "listings",
        "participants",
        "devices",
        "spaces",
        "systems",
        "services",
        "districts",
        "models",
        "deliverables",
        "service entities",
    }
)

UNIT_LABELS = {
    "events": {"fi": "tapahtumaa", "en": "events"},
    "listings": {"fi": "ilmoitusta", "en": "listings"},
    "participants": {"fi": "osallistujaa", "en": "participants"},
    "devices": {"fi": "laitetta", "en": "devices"},
    "spaces": {"fi": "tilaa", "en": "spaces"},
    "systems": {"fi": "järjestelmää", "en": "systems"},
    "services": {"fi": "palvelua", "en": "services"},
    "districts": {"fi": "aluetta", "en": "districts"},
    "models": {"fi": "mallia", "en": "models"},
    "deliverables": {"fi": "tuotosta", "en": "deliverables"},
    "service entities": {"fi": "palvelukokonaisuutta", "en": "service entities"},
    "EUR/output": {"fi": "€/suorite", "en": "EUR/output"},
    "NPS": {"fi": "NPS", "en": "NPS"},
    "%": {"fi": "%", "en": "%"},
}

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MAX_DECIMALS = 4


def default_decimals(unit: str | None) -> int:
    if unit in COUNT_UNITS:
        return 0
    if unit == "EUR/output" or unit == "NPS":
        return 2
    return 1


def number(value: float | int | None, lang: str, decimals: int | None = None, unit: str | None = None) -> str:
    """`value` with `decimals` places (default by unit), trailing zeros of a whole number dropped."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    digits = default_decimals(unit) if decimals is None else decimals
    rounded = round(float(value), digits)
    if digits and rounded.is_integer() and decimals is None:
        digits = 0
    text = f"{abs(rounded):,.{digits}f}"
    negative = rounded < 0
    if lang == "fi":
        text = text.replace(",", "\u202f").replace(".", ",")
        return ("\u2212" if negative else "") + text
    return ("-" if negative else "") + text


def with_unit(value: float | int | None, unit: str | None, lang: str, decimals: int | None = None) -> str:
    text = number(value, lang, decimals, unit)
    if value is None or not unit:
        return text
    label = UNIT_LABELS.get(unit, {}).get(lang, unit)
    sep = "\u00a0" if label != "%" or lang == "fi" else ""
    return f"{text}{sep}{label}"


def distinct_decimals(values: Iterable[float | None], unit: str | None) -> int:
    """The fewest decimals at which distinct values stay distinct (14.45 / 14.37, not 14.4 / 14.4)."""
    present = sorted({float(v) for v in values if v is not None})
    digits = 0
    while digits < MAX_DECIMALS:
        shown = {round(v, digits) for v in present}
        if len(shown) == len(present):
            break
        digits += 1
    return digits


def target_decimals(values: Iterable[float | None], unit: str | None) -> int:
    """Decimals for a target's bounds and tier thresholds: the unit's usual ones, more when
    thresholds would otherwise look alike, none when every one is whole."""
    values = list(values)
    digits = max(default_decimals(unit), distinct_decimals(values, unit))
    if digits and all(v is None or float(v).is_integer() for v in values):
        digits = 0
    return digits


def day(value: date | datetime | None, lang: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = value.date()
    if lang == "fi":
        return f"{value.day}.{value.month}.{value.year}"
    return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"


def moment(value: datetime | None, lang: str) -> str:
    if value is None:
        return "–"
    clock = f"{value.hour:02d}.{value.minute:02d}" if lang == "fi" else f"{value.hour:02d}:{value.minute:02d}"
    return f"{day(value, lang)} {clock}"


def month(value: date, lang: str) -> str:
    if lang == "fi":
        return f"{value.month}/{value.year}"
    return f"{MONTHS_EN[value.month - 1]} {value.year}"


def percent(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    return number(value, lang, 0) + ("\u00a0%" if lang == "fi" else "%")
