"""Sample sizes: `tiny` for tests, `small` for the committed sample, `medium` for the
benchmark, `city` for load tests.

Every scale tells the same story (the same reference data, the same calibrated
baselines: 357 Hobihobi listings, 27/28/19 large and district events, an NPS
index of 40 in 2019); the scales differ only in volume and drop frequency.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    # NPS: mean presses per device on an ordinary open day at full activity.
    nps_presses_per_device_day: float
    # Misuse bursts injected per month (each 3-7 rapid presses).
    nps_misuse_bursts_per_month: int
    # Hobihobi snapshot frequency: "monthly" (1st of the month) or "daily".
    hobihobi_snapshots: str
    # Events: background (unclassified) top-level events per month at full activity.
    events_background_per_month: float
    events_page_size: int
    # Varaamo: mean reservations per resource per month at full activity.
    varaamo_per_resource_month: float
    varaamo_page_size: int


SCALES: dict[str, Scale] = {
    "tiny": Scale(
        name="tiny",
        nps_presses_per_device_day=0.12,
        nps_misuse_bursts_per_month=1,
        hobihobi_snapshots="monthly",
        events_background_per_month=3,
        events_page_size=40,
        varaamo_per_resource_month=0.25,
        varaamo_page_size=20,
    ),
    "small": Scale(
        name="small",
        nps_presses_per_device_day=1.2,
        nps_misuse_bursts_per_month=2,
        hobihobi_snapshots="monthly",
        events_background_per_month=7,
        events_page_size=50,
        varaamo_per_resource_month=1.4,
        varaamo_page_size=50,
    ),
    # One year of city volume, spread over the three years every scale covers
    # (2019 holds the baselines, 2020 the TP2020 unit cost, 2021 the targets, so
    # no shorter span scores every meter): a third of city's NPS presses,
    # reservations and background events, with city's daily Hobihobi snapshots
    # and page sizes, so the file shapes are city's and a run takes minutes.
    "medium": Scale(
        name="medium",
        nps_presses_per_device_day=440.0 / 3,
        nps_misuse_bursts_per_month=2,
        hobihobi_snapshots="daily",
        events_background_per_month=1450 / 3,
        events_page_size=100,
        varaamo_per_resource_month=495.0 / 3,
        varaamo_page_size=500,
    ),
    "city": Scale(
        name="city",
        nps_presses_per_device_day=440.0,
        nps_misuse_bursts_per_month=2,
        hobihobi_snapshots="daily",
        events_background_per_month=1450,
        events_page_size=100,
        varaamo_per_resource_month=495.0,
        varaamo_page_size=500,
    ),
}


def get_scale(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}; choose one of {', '.join(SCALES)}") from None
