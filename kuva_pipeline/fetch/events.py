"""Linked Events: each Helsinki month's event list, paged by `meta.next`, into the monthly page files.

A month is fetched whole (`start`, `end`, `show_deleted=true`) and lands as
`events/<YYYY>/events_<YYYY-MM>_p<NNN>.json`, byte for byte as served, so the
files equal a hand drop of the same pages (unless the listing repeats events
that started in an earlier month: see `_month_pages`). A month already held is first
probed with `last_modified_since` (its newest `last_modified_time`): when
nothing changed since, it costs one request and writes nothing; when
something did (a new, edited or deleted event), the month is fetched again,
deleted events arriving as the API's short deleted records.

Pages are collected under `_fetch/events/partial/<YYYY-MM>/` and the cursor
(`state.json`) records the next page URL after each one, so a fetch killed
halfway resumes at the page it stopped at. The month's files are replaced
only once every page is in; until then the last good files stay.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from kuva_pipeline.fetch.http import ApiClient, FetchError
from kuva_pipeline.fetch.store import FetchSummary, SourceState, dump_json, sha256, write_if_changed
from kuva_pipeline.sources.landing import period_of

HELSINKI = ZoneInfo("Europe/Helsinki")

SOURCE = "events"
FOLDER = "events"
PAGE_SIZE = 100

Progress = Callable[[int, int, str], None]


def month_keys(start: date, end: date) -> list[str]:
    """The `YYYY-MM` months holding start..end (a file always covers a whole month)."""
    keys, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def month_query(key: str, page_size: int = PAGE_SIZE) -> dict[str, str]:
    first, last = period_of(Path(f"m_{key}"))
    return {
        "start": first.isoformat(),
        "end": last.isoformat(),
        "show_deleted": "true",
        "page_size": str(page_size),
    }


def _check_page(data, url: str) -> dict:
    ok = (
        isinstance(data, dict)
        and isinstance(data.get("meta"), dict)
        and "count" in data["meta"]
        and isinstance(data.get("data"), list)
    )
    if not ok:
        raise FetchError(SOURCE, url, 200, "not a Linked Events page ({meta: {count, next}, data: [...]})")
    return data


def page_path(landing: Path, key: str, number: int) -> Path:
    return landing / FOLDER / key[:4] / f"events_{key}_p{number:03d}.json"


def fetch_events(
    client: ApiClient,
    base_url: str,
    landing: Path,
    start: date,
    end: date,
    progress: Progress | None = None,
    page_size: int = PAGE_SIZE,
    on_page: Callable[[str, int], None] | None = None,
) -> FetchSummary:
    """Fetch every month holding start..end; returns what was written."""
    summary = FetchSummary(SOURCE)
    store = SourceState(landing, SOURCE)
    url = urljoin(base_url if base_url.endswith("/") else base_url + "/", "event/")
    keys = month_keys(start, end)
    for i, key in enumerate(keys):
        if progress:
            progress(i, len(keys), f"{key}")
        _fetch_month(client, url, landing, store, key, page_size, summary, progress, on_page)
    if progress:
        progress(len(keys), len(keys), "done")
    summary.requests = client.requests
    return summary


def _fetch_month(client, url, landing, store, key, page_size, summary, progress, on_page) -> None:
    state = store.load()
    months = state.setdefault("months", {})
    query = month_query(key, page_size)
    partial = state.get("partial") or {}
    partial_dir = store.partial_dir(key)
    if partial.get("month") == key and partial.get("query") == query:
        next_url, params, page_no = partial.get("next"), None, int(partial.get("page", 0))
    else:
        held = months.get(key) or {}
        if (
            held.get("complete")
            and held.get("last_modified")
            and not _changed_since(client, url, query, held)
        ):
            summary.skipped.append(key)
            return
        shutil.rmtree(partial_dir, ignore_errors=True)
        next_url, params, page_no = url, query, 0
    while next_url:
        data, content = client.get_json(next_url, params)
        page = _check_page(data, next_url)
        page_no += 1
        write_if_changed(partial_dir / f"p{page_no:03d}.json", content)
        state["partial"] = {"month": key, "query": query, "page": page_no, "next": page["meta"].get("next")}
        store.save(state)
        if progress:
            progress(-1, -1, f"{key} page {page_no} ({page['meta']['count']} events)")
        if on_page:
            on_page(key, page_no)
        next_url, params = page["meta"].get("next"), None
    _finalize(landing, store, state, key, url, query, partial_dir, summary)


def _changed_since(client: ApiClient, url: str, query: dict, held: dict) -> bool:
    """Whether the month changed since its newest held change (one request).

    `last_modified_since` may be inclusive, so the events held at exactly that
    time can come back without being a change: the probe's page is one longer
    than they are, and anything else on it (or beyond it) is a change.
    """
    at_cursor = set(held.get("ids_at_last_modified") or [])
    probe = {**query, "last_modified_since": held["last_modified"], "page_size": str(len(at_cursor) + 1)}
    data, _ = client.get_json(url, probe)
    page = _check_page(data, url)
    if int(page["meta"]["count"]) > len(at_cursor):
        return True
    return any(
        r.get("id") not in at_cursor or r.get("last_modified_time") != held["last_modified"]
        for r in page["data"]
    )


def _helsinki_month(start_time) -> str | None:
    """`YYYY-MM` of an instant in Helsinki; None when absent or unreadable (the loader judges those)."""
    if not isinstance(start_time, str) or not start_time.strip():
        return None
    try:
        instant = datetime.fromisoformat(start_time.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if instant.tzinfo is None:
        return None
    return instant.astimezone(HELSINKI).strftime("%Y-%m")


def _month_pages(pages: list[Path], key: str) -> tuple[list[bytes], list[str], int | None]:
    """The month's page files: as served, or without the events that started in another month.

    The API's `start`/`end` select events that overlap the window, so an event
    running across a month end is listed again in the next month. The contract
    holds each event in the file of the month it starts in; such copies are
    left out (and named in the manifest), and `meta.count` is set to what the
    files then hold, so the loader's page-count check still adds up.
    """
    served = [path.read_bytes() for path in pages]
    parsed = [json.loads(content) for content in served]
    count = parsed[0]["meta"]["count"] if parsed else None
    outside = [
        str(r.get("id"))
        for page in parsed
        for r in page["data"]
        if _helsinki_month(r.get("start_time")) not in (None, key)
    ]
    if not outside:
        return served, outside, count
    kept_total = sum(len(page["data"]) for page in parsed) - len(outside)
    rewritten = []
    for page in parsed:
        page["data"] = [r for r in page["data"] if _helsinki_month(r.get("start_time")) in (None, key)]
        page["meta"]["count"] = kept_total
        rewritten.append((json.dumps(page, ensure_ascii=False) + "\n").encode("utf-8"))
    return rewritten, outside, count


def _finalize(landing, store, state, key, url, query, partial_dir, summary) -> None:
    pages = sorted(partial_dir.glob("p*.json"))
    contents, outside, count = _month_pages(pages, key)
    records, listed = [], []
    for number, content in enumerate(contents, start=1):
        data = json.loads(content)
        records.extend(data["data"])
        target = page_path(landing, key, number)
        name = target.relative_to(landing).as_posix()
        (summary.written if write_if_changed(target, content) else summary.unchanged).append(name)
        listed.append({"file": name, "sha256": sha256(content), "records": len(data["data"])})
    folder = landing / FOLDER / key[:4]
    for old in sorted(folder.glob(f"events_{key}_p*.json")):
        number = old.stem.rsplit("_p", 1)[-1]
        if number.isdigit() and int(number) > len(pages):
            old.unlink()
            summary.removed.append(old.relative_to(landing).as_posix())
    if count is not None and count != len(records) + len(outside):
        summary.notes.append(
            f"{key}: the pages hold {len(records)} events where meta.count says {count} "
            "(the list changed while paging; the next fetch of the month settles it)"
        )
    summary.records += len(records)
    # The cursor covers everything served, the events left out too, so that the
    # next probe does not take them for changes.
    served = [r for path in pages for r in json.loads(path.read_bytes())["data"]]
    stamps = [r.get("last_modified_time") for r in served if r.get("last_modified_time")]
    newest = max(stamps) if stamps else None
    state.setdefault("months", {})[key] = {
        "complete": True,
        "pages": len(pages),
        "count": len(records),
        "last_modified": newest,
        "ids_at_last_modified": sorted(
            str(r.get("id")) for r in served if newest and r.get("last_modified_time") == newest
        ),
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    state.pop("partial", None)
    write_if_changed(
        store.manifest(key),
        dump_json(
            {
                "source": SOURCE,
                "month": key,
                "request": {"url": url, "params": query},
                "paged_by": "meta.next",
                "served_count": count,
                "left_out_started_in_another_month": outside,
                "pages": listed,
            }
        ),
    )
    store.save(state)
    shutil.rmtree(partial_dir, ignore_errors=True)
