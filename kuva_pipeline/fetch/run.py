"""One entry point for every fetcher: `run_fetch(source, settings, landing, start, end)`."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from kuva_pipeline.fetch.config import FETCHABLE, FetchSettings
from kuva_pipeline.fetch.events import fetch_events
from kuva_pipeline.fetch.http import ApiClient, FetchError
from kuva_pipeline.fetch.nps import TOKEN_HEADER, fetch_nps
from kuva_pipeline.fetch.store import FetchSummary

Progress = Callable[[int, int, str], None]


def run_fetch(
    source: str,
    settings: FetchSettings,
    landing: Path,
    start: date,
    end: date,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    now: datetime | None = None,
    **options,
) -> FetchSummary:
    """Fetch `source` for the days start..end into the landing folder; `FetchError` on failure."""
    common = {
        "rate_per_second": settings.rate_per_second.get(source, 1.0),
        "timeout": settings.timeout_seconds,
        "max_attempts": settings.max_attempts,
        "max_wait": settings.max_wait_seconds,
        "sleep": sleep,
    }
    if source == "events":
        with ApiClient("events", **common) as client:
            return fetch_events(client, settings.linked_events_url, landing, start, end, progress, **options)
    if source == "nps":
        if not settings.happyornot_token:
            raise FetchError("nps", settings.happyornot_url, None, "no token: set KUVA_HAPPYORNOT_TOKEN")
        with ApiClient("nps", headers={TOKEN_HEADER: settings.happyornot_token}, **common) as client:
            return fetch_nps(client, settings.happyornot_url, landing, start, end, progress, now=now, **options)
    raise ValueError(f"no fetcher for {source!r} (known: {', '.join(FETCHABLE)})")
