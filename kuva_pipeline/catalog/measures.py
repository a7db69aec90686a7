"""The registry of sources, measures and service areas a catalog meter may bind to.

A meter names a `source` and a `measure`; the loader rejects any pair not listed
here, so a typo in a scorecard file fails validation instead of silently
producing a meter with no data. The meter computations (meters.meter_values)
implement exactly these measures; adding one means adding it here and there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Accumulation = Literal["cumulative", "level", "stock", "milestone"]
"""How a meter's value behaves through the year.

cumulative: grows through the year (events held, participants); mid-year it is
    compared with a seasonal path and projected to year end.
level: judged as it stands at the as-of date (an index, a share, a unit cost);
    it can move either way, so mid-year it is only ever on track.
stock: a count of things put in place (devices in use, spaces on sale): it does
    not fall back, so it is achieved once it reaches the target (the documents'
    "Tavoite saavutettu 15.6.2020"), and its year-end projection is the count
    as it stands.
milestone: progress 0-100 % towards something done (TEHTY = 100).
"""

ACCUMULATIONS: tuple[str, ...] = ("cumulative", "level", "stock", "milestone")


@dataclass(frozen=True)
class MeasureInfo:
    """What a measure computes, in which unit, and how it accumulates."""

    description: str
    unit: str
    accumulation: Accumulation


MEASURES: dict[str, dict[str, MeasureInfo]] = {
    "nps": {
        "nps_index": MeasureInfo(
            "Net Promoter Score: % promoters (9-10) minus % detractors (0-6) of valid "
            "presses on NPS surveys in the period, from -100 to +100.",
            "NPS",
            "level",
        ),
        "devices_in_use": MeasureInfo(
            "Feedback devices (experience points) in use at the end of the period, per the "
            "reference data's in-use dates.",
            "devices",
            "stock",
        ),
    },
    "hobihobi": {
        "listings": MeasureInfo(
            "Distinct Hobihobi listings (hobbies) visible at any time in the year so far.",
            "listings",
            "cumulative",
        ),
        "participants": MeasureInfo(
            "Participants of Hobihobi listings in the year so far, counted once per "
            "listing per year.",
            "participants",
            "cumulative",
        ),
    },
    "varaamo": {
        "spaces_for_sale": MeasureInfo(
            "Varaamo resources on sale (reservable for a fee) at the as-of date.",
            "spaces",
            "stock",
        ),
        "bookable_spaces": MeasureInfo(
            "Varaamo resources reservable by residents at the as-of date.",
            "spaces",
            "stock",
        ),
        "bookings": MeasureInfo(
            "Confirmed normal reservations beginning in the year so far (blocked "
            "reservations are closures, not bookings).",
            "bookings",
            "cumulative",
        ),
    },
    "events": {
        "large_culture_events": MeasureInfo(
            "Large culture events held in the year so far (classification rules in "
            "data/reference).",
            "events",
            "cumulative",
        ),
        "large_sports_events": MeasureInfo(
            "Large sports events held in the year so far.", "events", "cumulative"
        ),
        "district_events": MeasureInfo(
            "Resident-driven district events held in the year so far.", "events", "cumulative"
        ),
    },
    "finance": {
        "unit_cost": MeasureInfo(
            "Cost per output (EUR per suorite) for the year.", "EUR/output", "level"
        ),
        "budget_use_pct": MeasureInfo(
            "Cost as a percentage of the budget for the year.", "%", "level"
        ),
    },
    "checkin": {
        "manual": MeasureInfo(
            "Reported by the goal owner: the value comes from the latest check-in.",
            "as declared on the meter",
            "level",
        ),
    },
}

MANUAL_SOURCE = "checkin"
"""The source whose meters are fed by check-ins; their unit is the meter's own."""


@dataclass(frozen=True)
class ServiceArea:
    """A part of the division a meter is scoped to."""

    name_fi: str
    name_en: str


SERVICE_AREAS: dict[str, ServiceArea] = {
    "KUVA": ServiceArea("Kulttuurin ja vapaa-ajan toimiala", "Culture and Leisure Division"),
    "KULP": ServiceArea("Kulttuuripalvelut", "Culture services"),
    "LIIKU": ServiceArea("Liikuntapalvelut", "Sports services"),
    "NUP": ServiceArea("Nuorisopalvelut", "Youth services"),
    "KIR": ServiceArea("Kirjastopalvelut", "Library services"),
    "HALLINTO": ServiceArea("Hallinto ja yhteiset palvelut", "Administration and common services"),
    "KAUPUNKIKULTTUURI": ServiceArea("Kaupunkikulttuuri", "Urban Culture"),
}


def measure_info(source: str, measure: str) -> MeasureInfo:
    """The registry entry for `source`.`measure`; KeyError when unknown."""
    return MEASURES[source][measure]
