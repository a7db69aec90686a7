"""Where the contracts live, the sources the scorecard knows, and the day freshness is judged on."""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from kuva_pipeline.settings import PROJECT_ROOT

CHECKS_DIR = PROJECT_ROOT / "checks"

TODAY_ENV = "KUVA_QUALITY_TODAY"
"""ISO date that stands in for today when judging freshness and waiver expiry (tests, replays)."""

SOURCES: tuple[str, ...] = ("nps", "hobihobi", "varaamo", "events", "finance", "checkin")
"""Source names as the catalog's meters bind to them (`marts.dim_meter.source`)."""

SOURCE_ALIASES = {"checkins": "checkin"}
"""A raw source named differently from the catalog's binding."""

SCHEMA_CHECK = "schema_matches_source"
FRESHNESS_CHECK = "landing_is_fresh"
"""Names of the checks every raw table gets without a suite entry."""

HELSINKI = ZoneInfo("Europe/Helsinki")


def canonical_source(name: str | None) -> str | None:
    """The catalog's name of a raw source: `checkins` -> checkin, `varaamo_statistics` -> varaamo."""
    if name is None:
        return None
    if name in SOURCE_ALIASES:
        return SOURCE_ALIASES[name]
    if name in SOURCES:
        return name
    head = name.split("_", 1)[0]
    return SOURCE_ALIASES.get(head, head) if head in (*SOURCES, *SOURCE_ALIASES) else name


def reference_today() -> date:
    """Today in Helsinki, or the day `KUVA_QUALITY_TODAY` names."""
    text = os.environ.get(TODAY_ENV, "").strip()
    if text:
        try:
            return date.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(f"{TODAY_ENV}={text!r} is not an ISO date (YYYY-MM-DD)") from exc
    return datetime.now(HELSINKI).date()
