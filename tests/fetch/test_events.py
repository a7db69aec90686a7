"""Linked Events into the monthly page files: paging, resume, content addressing, deleted events."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from kuva_pipeline.fetch import FetchError, FetchSettings, run_fetch
from tests.fetch.fakes import FakeLinkedEvents, deleted_event, event

MARCH = (date(2021, 3, 1), date(2021, 3, 31))


def _settings(fake: FakeLinkedEvents, **kw) -> FetchSettings:
    return FetchSettings(
        enabled=frozenset({"events"}), linked_events_url=fake.base_url, rate_per_second={}, **kw
    )


def _fetch(fake, landing: Path, **options):
    return run_fetch("events", _settings(fake), landing, *MARCH, sleep=lambda s: None, page_size=2, **options)


def _march(n: int) -> list[dict]:
    return [event(f"helsinki:e{i}", f"2021-03-{i + 1:02d}T10:00:00Z") for i in range(n)]


def _pages(landing: Path) -> list[Path]:
    return sorted((landing / "events" / "2021").glob("events_2021-03_p*.json"))


def _ids(landing: Path) -> list[str]:
    return [r["id"] for p in _pages(landing) for r in json.loads(p.read_text())["data"]]


def _versions(landing: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in _pages(landing)}


def test_follows_next_pages_into_monthly_files(httpserver, tmp_path):
    fake = FakeLinkedEvents(httpserver, {"2021-03": _march(5)})
    summary = _fetch(fake, tmp_path)
    # 5 events at 2 a page: pages 1, 2, 3 (the last with one event).
    assert [p.name for p in _pages(tmp_path)] == [
        "events_2021-03_p001.json",
        "events_2021-03_p002.json",
        "events_2021-03_p003.json",
    ]
    assert _ids(tmp_path) == [f"helsinki:e{i}" for i in range(5)]
    assert fake.pages_requested() == [1, 2, 3]
    assert fake.requests[0] == {
        "start": "2021-03-01", "end": "2021-03-31", "show_deleted": "true", "page_size": "2"
    }
    # Each page is written as served, so `next` and `count` are the API's own.
    first = json.loads(_pages(tmp_path)[0].read_text())
    assert first["meta"]["count"] == 5 and first["meta"]["next"].endswith("page=2")
    manifest = json.loads((tmp_path / "_fetch/events/manifest_2021-03.json").read_text())
    assert manifest["request"]["params"]["start"] == "2021-03-01"
    assert [p["records"] for p in manifest["pages"]] == [2, 2, 1]
    assert summary.records == 5 and len(summary.written) == 3


def test_unchanged_refetch_writes_no_new_version(httpserver, tmp_path):
    fake = FakeLinkedEvents(httpserver, {"2021-03": _march(5)})
    _fetch(fake, tmp_path)
    before = _versions(tmp_path)
    fake.requests.clear()
    again = _fetch(fake, tmp_path)
    # One probe (last_modified_since = the newest change held) finds nothing new.
    assert len(fake.requests) == 1 and "last_modified_since" in fake.requests[0]
    assert again.written == [] and again.skipped == ["2021-03"]
    assert _versions(tmp_path) == before
    # Even a full re-fetch (cursor lost) leaves identical files untouched.
    (tmp_path / "_fetch/events/state.json").unlink()
    full = _fetch(fake, tmp_path)
    assert full.written == [] and len(full.unchanged) == 3
    assert _versions(tmp_path) == before


def test_kill_halfway_then_resume_without_duplicate_or_gap(httpserver, tmp_path):
    fake = FakeLinkedEvents(httpserver, {"2021-03": _march(5)})
    _fetch(fake, tmp_path)
    good = {p.name: p.read_bytes() for p in _pages(tmp_path)}
    # A sixth event appears (modified later), so the month is fetched again: 3 pages of 2.
    fake.months["2021-03"].append(event("helsinki:e5", "2021-03-20T10:00:00Z", "2021-04-01T00:00:00Z"))
    fake.requests.clear()

    def kill(month: str, page: int) -> None:
        if page == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _fetch(fake, tmp_path, on_page=kill)
    # Killed after page 2: the last good files are still the month's files.
    assert {p.name: p.read_bytes() for p in _pages(tmp_path)} == good
    fake.requests.clear()
    _fetch(fake, tmp_path)
    # The resume asks only for page 3, then every event is there exactly once.
    assert fake.pages_requested() == [3]
    assert _ids(tmp_path) == [f"helsinki:e{i}" for i in range(6)]
    assert not (tmp_path / "_fetch/events/partial/2021-03").exists()


def test_deleted_event_arrives_in_a_later_fetch(httpserver, tmp_path):
    fake = FakeLinkedEvents(httpserver, {"2021-03": _march(3)})
    _fetch(fake, tmp_path)
    stub = deleted_event("helsinki:e1", "2021-05-02T09:00:00.000000Z")
    fake.months["2021-03"][1] = stub
    summary = _fetch(fake, tmp_path)
    records = [r for p in _pages(tmp_path) for r in json.loads(p.read_text())["data"]]
    assert records[1] == stub  # the short record the API lists for a deleted event
    assert [r["id"] for r in records] == ["helsinki:e0", "helsinki:e1", "helsinki:e2"]
    assert summary.written == ["events/2021/events_2021-03_p001.json"]  # page 2 unchanged


def test_a_failed_fetch_keeps_the_last_good_files(httpserver, tmp_path):
    fake = FakeLinkedEvents(httpserver, {"2021-03": _march(3)})
    _fetch(fake, tmp_path)
    good = {p.name: p.read_bytes() for p in _pages(tmp_path)}
    (tmp_path / "_fetch/events/state.json").unlink()
    fake.faults = [(502, {})] * 10
    with pytest.raises(FetchError) as caught:
        _fetch(fake, tmp_path)
    assert caught.value.status == 502 and caught.value.source == "events"
    assert {p.name: p.read_bytes() for p in _pages(tmp_path)} == good


def test_fewer_pages_than_before_removes_the_stale_ones(httpserver, tmp_path):
    fake = FakeLinkedEvents(httpserver, {"2021-03": _march(5)})
    _fetch(fake, tmp_path)
    fake.months["2021-03"] = [
        event("helsinki:e0", "2021-03-01T10:00:00Z", "2021-06-01T00:00:00Z")
    ]
    summary = _fetch(fake, tmp_path)
    assert [p.name for p in _pages(tmp_path)] == ["events_2021-03_p001.json"]
    assert summary.removed == [
        "events/2021/events_2021-03_p002.json",
        "events/2021/events_2021-03_p003.json",
    ]


def test_an_event_started_in_an_earlier_month_stays_in_its_own_file(httpserver, tmp_path):
    # The live API lists an event overlapping the window: this one started on
    # 28.2. and runs into March, so the March listing repeats it.
    running = event(
        "helsinki:long", "2021-02-28T10:00:00Z", "2021-02-01T00:00:00Z", end_time="2021-03-05T10:00:00Z"
    )
    # 28.2.2021 22:30 UTC is already 1.3. in Helsinki: it belongs to March.
    march_first = event("helsinki:night", "2021-02-28T22:30:00Z")
    fake = FakeLinkedEvents(httpserver, {"2021-03": [running, *_march(2), march_first]})
    _fetch(fake, tmp_path)
    pages = [json.loads(p.read_text()) for p in _pages(tmp_path)]
    assert [r["id"] for p in pages for r in p["data"]] == ["helsinki:e0", "helsinki:e1", "helsinki:night"]
    # meta.count now says what the files hold (3 of the 4 served), on every page.
    assert {p["meta"]["count"] for p in pages} == {3}
    manifest = json.loads((tmp_path / "_fetch/events/manifest_2021-03.json").read_text())
    assert manifest["served_count"] == 4
    assert manifest["left_out_started_in_another_month"] == ["helsinki:long"]
    # The next fetch probes and finds nothing new, the left-out event included.
    fake.requests.clear()
    assert _fetch(fake, tmp_path).skipped == ["2021-03"] and len(fake.requests) == 1
