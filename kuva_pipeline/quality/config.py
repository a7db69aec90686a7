"""Where the contracts live, the names of the built-in checks, and the day freshness is judged on.

The sources themselves (names, raw tables, freshness limits) are declared in
`kuva_pipeline/sources/` (see `kuva_pipeline.sources.declaration`).
"""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from kuva_pipeline.settings import PROJECT_ROOT

CHECKS_DIR = PROJECT_ROOT / "checks"

TODAY_ENV = "KUVA_QUALITY_TODAY"
"""ISO date that stands in for today when judging freshness and waiver expiry (tests, replays)."""

SCHEMA_CHECK = "schema_matches_source"
FRESHNESS_CHECK = "landing_is_fresh"
"""Names of the checks every raw table gets without a suite entry."""

HELSINKI = ZoneInfo("Europe/Helsinki")


def reference_today() -> date:
    """Today in Helsinki, or the day `KUVA_QUALITY_TODAY` names."""
    text = os.environ.get(TODAY_ENV, "").strip()
    if text:
        try:
            return date.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(f"{TODAY_ENV}={text!r} is not an ISO date (YYYY-MM-DD)") from exc
    return datetime.now(HELSINKI).date()
