"""Fetching the sources that publish an API into the landing zone (no Dagster here).

A fetch writes exactly the files a drop would (`docs/sources.md`), so the
loaders, the landing sensor and every replay work the same whichever way a
file arrived. Beside them, `<landing>/_fetch/<source>/` holds the query of
every written month (`manifest_<YYYY-MM>.json`) and the resumable cursor
(`state.json`); loaders and the sensor never look there.
"""

from typing import TYPE_CHECKING

from kuva_pipeline.fetch.config import (
    FETCHABLE,
    FETCHED_FOLDERS,
    FetchSettings,
    parse_enabled,
    settings_from_env,
)

if TYPE_CHECKING:
    from kuva_pipeline.fetch.http import FetchError
    from kuva_pipeline.fetch.run import FetchSummary, run_fetch


def __getattr__(name: str):
    """The fetching itself (and its HTTP client, httpx) is imported on first use: every
    command imports this package for its settings, and only a fetch needs the rest."""
    if name == "FetchError":
        from kuva_pipeline.fetch.http import FetchError

        return FetchError
    if name in ("FetchSummary", "run_fetch"):
        from kuva_pipeline.fetch import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "FETCHABLE",
    "FETCHED_FOLDERS",
    "FetchError",
    "FetchSettings",
    "FetchSummary",
    "parse_enabled",
    "run_fetch",
    "settings_from_env",
]
