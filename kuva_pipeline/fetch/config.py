"""What may be fetched, from where, and how fast: the settings behind `KUVA_FETCH` and friends."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_LINKED_EVENTS_URL = "https://api.hel.fi/linkedevents/v1/"
DEFAULT_HAPPYORNOT_URL = "https://api.happy-or-not.com/v2/"

FETCHABLE = ("events", "nps")
"""Sources with a fetcher. Varaamo has none: see docs/sources.md, "Varaamo: why a file drop"."""

FETCHED_FOLDERS = {"linked_events": "events", "nps_feedback": "nps"}
"""Raw table -> landing folder a fetcher fills (the raw asset depends on that fetch)."""

RATE_PER_SECOND = {"events": 4.0, "nps": 2.0}
"""Requests per second at most, per source: polite to a public API, and within HappyOrNot's
package limits (which it does not publish)."""


@dataclass(frozen=True)
class FetchSettings:
    """Which sources fetch, their base URLs and the HappyOrNot token (never logged or written)."""

    enabled: frozenset[str] = frozenset()
    linked_events_url: str = DEFAULT_LINKED_EVENTS_URL
    happyornot_url: str = DEFAULT_HAPPYORNOT_URL
    happyornot_token: str = field(default="", repr=False)
    varaamo_url: str = ""
    rate_per_second: Mapping[str, float] = field(default_factory=lambda: dict(RATE_PER_SECOND))
    timeout_seconds: float = 30.0
    max_attempts: int = 5
    max_wait_seconds: float = 120.0


def parse_enabled(text: str | None) -> frozenset[str]:
    """`KUVA_FETCH`: a comma-separated list of sources (`events,nps`), `all`, or empty (off)."""
    names = {n.strip().lower() for n in (text or "").split(",") if n.strip()}
    if names & {"all", "*"}:
        return frozenset(FETCHABLE)
    if names & {"off", "none", "0", "false"}:
        return frozenset()
    if "varaamo" in names:
        raise ValueError(
            "KUVA_FETCH: varaamo has no public reservations API to fetch from; its "
            "statistics export stays a file drop (docs/sources.md)"
        )
    unknown = sorted(names - set(FETCHABLE))
    if unknown:
        raise ValueError(
            f"KUVA_FETCH: unknown source(s) {', '.join(unknown)} (known: {', '.join(FETCHABLE)})"
        )
    return frozenset(names)


def settings_from_env(environ: Mapping[str, str] | None = None) -> FetchSettings:
    """The settings from the environment, for the command line (Dagster uses the landing resource)."""
    env = os.environ if environ is None else environ
    return FetchSettings(
        enabled=parse_enabled(env.get("KUVA_FETCH")),
        linked_events_url=env.get("KUVA_LINKED_EVENTS_URL") or DEFAULT_LINKED_EVENTS_URL,
        happyornot_url=env.get("KUVA_HAPPYORNOT_URL") or DEFAULT_HAPPYORNOT_URL,
        happyornot_token=env.get("KUVA_HAPPYORNOT_TOKEN") or "",
        varaamo_url=env.get("KUVA_VARAAMO_URL") or "",
    )
