"""HappyOrNot Customer API v2: button feedback per Helsinki day into daily NPS landing files.

One query per day (`results/button-feedbacks.json`, `startDate` inclusive,
`endDate` exclusive, `includeMisuse=true` because misuse presses are kept and
flagged, `order=asc`), paged by `offset`/`limit` while the API answers
`X-More-Available: true`. It covers every experience point the token's package
sees; the reference (`nps_experience_points.csv`) decides which devices count.
Records are written as the contract's JSON array (`nps/<YYYY>/nps_<YYYY-MM-DD>.json`)
with its eight keys in order; the API's other fields (smileyId, position) are
left out, as the loader would report and skip them anyway.

A day is fetched again until two days after it ended (devices upload late);
after that the cursor marks it settled and later fetches skip it. The day
is the unit of resumption: a fetch killed halfway keeps the days it finished.
The token travels in the `X-HON-API-Token` header, never in a URL, log or file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from kuva_pipeline.fetch.http import ApiClient, FetchError
from kuva_pipeline.fetch.store import FetchSummary, SourceState, dump_json, sha256, write_if_changed
from kuva_pipeline.sources.nps import NPS_FIELDS

SOURCE = "nps"
FOLDER = "nps"
PAGE_LIMIT = 1000
SETTLE_DAYS = 2
HELSINKI = ZoneInfo("Europe/Helsinki")
TOKEN_HEADER = "X-HON-API-Token"

Progress = Callable[[int, int, str], None]


def day_path(landing: Path, day: date) -> Path:
    return landing / FOLDER / f"{day.year:04d}" / f"nps_{day.isoformat()}.json"


def day_query(day: date, limit: int = PAGE_LIMIT) -> dict[str, str]:
    return {
        "startDate": day.isoformat(),
        "endDate": (day + timedelta(days=1)).isoformat(),
        "includeMisuse": "true",
        "order": "asc",
        "limit": str(limit),
    }


def contract_bytes(records: list[dict]) -> bytes:
    """The landing contract's JSON array: the eight NPS keys in order, one record a line."""
    rows = [json.dumps({f: r.get(f) for f in NPS_FIELDS}, ensure_ascii=False) for r in records]
    return ("[\n" + ",\n".join(rows) + "\n]\n").encode("utf-8")


def fetch_nps(
    client: ApiClient,
    base_url: str,
    landing: Path,
    start: date,
    end: date,
    progress: Progress | None = None,
    now: datetime | None = None,
    limit: int = PAGE_LIMIT,
) -> FetchSummary:
    """Fetch every finished, unsettled Helsinki day in start..end."""
    summary = FetchSummary(SOURCE)
    store = SourceState(landing, SOURCE)
    url = urljoin(base_url if base_url.endswith("/") else base_url + "/", "results/button-feedbacks.json")
    today = (now or datetime.now(UTC)).astimezone(HELSINKI).date()
    last = min(end, today - timedelta(days=1))  # today is not over yet
    days = [start + timedelta(days=i) for i in range((last - start).days + 1)]
    state = store.load()
    held = state.setdefault("days", {})
    for i, day in enumerate(days):
        key = day.isoformat()
        if progress:
            progress(i, len(days), key)
        if (held.get(key) or {}).get("settled"):
            summary.skipped.append(key)
            continue
        records = _fetch_day(client, url, day, limit)
        path = day_path(landing, day)
        name = path.relative_to(landing).as_posix()
        entry = {"settled": today >= day + timedelta(days=SETTLE_DAYS), "records": len(records)}
        if records:
            content = contract_bytes(records)
            (summary.written if write_if_changed(path, content) else summary.unchanged).append(name)
            entry.update(file=name, sha256=sha256(content))
        elif path.exists():
            # An API that suddenly has nothing for a day it had presses for is more
            # likely a narrowed token than retracted feedback: keep the last good file.
            summary.notes.append(f"{key}: the API returned no feedback; {name} is kept as it was")
            entry["settled"] = False
        summary.records += len(records)
        _record(store, day, entry, day_query(day, limit), url)
        held[key] = entry
        store.save(state)
    if progress:
        progress(len(days), len(days), "done")
    summary.requests = client.requests
    return summary


def _fetch_day(client: ApiClient, url: str, day: date, limit: int) -> list[dict]:
    records: list[dict] = []
    seen: set[str] = set()
    offset = 0
    while True:
        response = client.get(url, {**day_query(day, limit), "offset": str(offset)})
        try:
            page = response.json()
        except ValueError:
            page = None
        if not isinstance(page, list):
            raise FetchError(SOURCE, str(response.request.url), response.status_code,
                             "not a button-feedback list (a JSON array of feedback objects)")
        for record in page:
            # A press that moved across a page boundary while paging comes twice.
            ident = json.dumps(record, sort_keys=True)
            if ident not in seen:
                seen.add(ident)
                records.append(record)
        more = response.headers.get("X-More-Available", "").strip().lower() == "true"
        if not more or not page:
            return records
        offset += len(page)


def _record(store: SourceState, day: date, entry: dict, query: dict, url: str) -> None:
    """The month's manifest: each day's query (no token) and the file it gave."""
    path = store.manifest(day.strftime("%Y-%m"))
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {"source": SOURCE, "month": day.strftime("%Y-%m"), "paged_by": "offset/limit", "days": {}}
    manifest["days"][day.isoformat()] = {
        "request": {"url": url, "params": query},
        "records": entry["records"],
        **({"file": entry["file"], "sha256": entry["sha256"]} if "file" in entry else {}),
    }
    write_if_changed(path, dump_json(manifest))
