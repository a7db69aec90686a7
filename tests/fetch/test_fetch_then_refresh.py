"""Done when: fetching a year of Linked Events and loading it counts the same as dropping the pages by hand.

The local server serves the bundled sample's 2021 event records as the
Linked Events API would (re-paged at the fetcher's page size, so the fetched
files differ from the dropped ones in paging but not in events). The expected
counts are the sample's calibrated 2021 figures (docs/sources.md: large
culture 31, large sports 28, district 21), worked out when the sample was
designed, not by this pipeline.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from kuva_pipeline import cli
from kuva_pipeline.resources import CatalogResource, LandingResource, WarehouseResource
from tests.conftest import ROOT, materialize_range, write_sample_reference
from tests.fetch.fakes import FakeLinkedEvents, deleted_event

pytestmark = pytest.mark.slow

SAMPLE = ROOT / "data" / "landing" / "events" / "2021"
SLICE = "+key:meters/events_measures"
YEAR = (date(2021, 1, 1), date(2021, 12, 31))
EXPECTED_2021 = {"large_culture_events": 31, "large_sports_events": 28, "district_events": 21}


def _recorded_months() -> dict[str, list[dict]]:
    months: dict[str, list[dict]] = {}
    for path in sorted(SAMPLE.glob("events_2021-*_p*.json")):
        key = path.stem.split("_")[1]
        months.setdefault(key, []).extend(json.loads(path.read_text(encoding="utf-8"))["data"])
    return months


def _resources(tmp: Path, landing: Path) -> dict[str, object]:
    # The sample's events are classified by the sample's own rules (the generator's reference).
    return {
        "warehouse": WarehouseResource(path=str(tmp / "warehouse.duckdb")),
        "landing": LandingResource(root=str(landing), reference_root=str(write_sample_reference(tmp / "reference"))),
        "catalog": CatalogResource(directory=str(ROOT / "data" / "catalog")),
    }


def _yearly_counts(resources: dict[str, object]) -> dict[str, float]:
    result = materialize_range(resources, *YEAR, selection=SLICE)
    assert result.success
    con = duckdb.connect(str(resources["warehouse"].path), read_only=True)
    try:
        rows = con.execute(
            "SELECT measure, value FROM meters.events_measures WHERE grain = 'year' "
            "AND service_area = 'KUVA' AND period_start = DATE '2021-01-01'"
        ).fetchall()
    finally:
        con.close()
    return {measure: value for measure, value in rows}


def test_kuva_fetch_then_refresh_equals_the_hand_drop(httpserver, tmp_path, monkeypatch, capsys):
    fake = FakeLinkedEvents(httpserver, _recorded_months())

    dropped = tmp_path / "dropped"
    shutil.copytree(SAMPLE, dropped / "events" / "2021")
    by_hand = _yearly_counts(_resources(tmp_path / "a", dropped))

    fetched = tmp_path / "fetched"
    monkeypatch.setenv("KUVA_LANDING_DIR", str(fetched))
    monkeypatch.setenv("KUVA_LINKED_EVENTS_URL", fake.base_url)
    assert cli.main(["fetch", "events", "--from", "2021-01-01", "--to", "2021-12-31"]) == 0
    assert "Fetched events: 12 file(s) written" in capsys.readouterr().out
    resources = _resources(tmp_path / "b", fetched)
    by_fetch = _yearly_counts(resources)

    assert by_fetch == by_hand == EXPECTED_2021

    # Later, one counted culture event is deleted at the source. The next fetch
    # probes every month, re-fetches only the changed one, and the event no
    # longer counts: its short deleted record is now its latest copy.
    con = duckdb.connect(str(tmp_path / "b" / "warehouse.duckdb"), read_only=True)
    try:
        eid, start = con.execute(
            "SELECT event_id, strftime(start_date, '%Y-%m') FROM staging.event_classification "
            "WHERE counts AND event_class = 'large_culture_event' AND event_year = 2021 "
            "ORDER BY start_date, event_id LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    month = fake.months[start]
    index = next(i for i, r in enumerate(month) if r["id"] == eid)
    month[index] = deleted_event(eid, "2022-02-01T12:00:00.000000Z")
    fake.requests.clear()
    assert cli.main(["fetch", "events", "--from", "2021-01-01", "--to", "2021-12-31"]) == 0
    assert len([r for r in fake.requests if "last_modified_since" in r]) == 12
    assert {r["start"][:7] for r in fake.requests if "last_modified_since" not in r} == {start}
    after = _yearly_counts(resources)
    assert after == {**EXPECTED_2021, "large_culture_events": EXPECTED_2021["large_culture_events"] - 1}


def _nps_year(resources: dict[str, object]) -> tuple:
    result = materialize_range(resources, date(2021, 3, 1), date(2021, 3, 31), selection="+key:meters/nps_measures")
    assert result.success
    con = duckdb.connect(str(resources["warehouse"].path), read_only=True)
    try:
        return con.execute(
            "SELECT value, numerator, denominator FROM meters.nps_measures WHERE measure = 'nps_index' "
            "AND grain = 'year' AND service_area = 'KUVA' AND period_start = DATE '2021-01-01'"
        ).fetchone()
    finally:
        con.close()


def test_kuva_fetch_nps_then_refresh_equals_the_hand_drop(httpserver, tmp_path, monkeypatch):
    from tests.conftest import FIXTURES
    from tests.fetch.fakes import FakeHappyOrNot, press

    export = [
        press("a1", "2021-03-01T10:00:00", 101, 9001, 10),  # promoter
        press("a2", "2021-03-01T10:05:00", 101, 9001, 9),  # promoter
        press("a3", "2021-03-01T11:00:00", 102, 9001, 7),  # passive
        press("a4", "2021-03-02T12:00:00", 102, 9001, 0, misuse=True),  # misuse: not an answer
        press("a5", "2021-03-02T12:30:00", 102, 9001, 3),  # detractor
        press("a6", "2021-03-09T09:00:00", 103, 9002, 2),  # smiley survey: not an answer
        press("a7", "2021-03-31T20:00:00", 103, 9001, 10),  # promoter
    ]
    fake = FakeHappyOrNot(httpserver, export, "t0ken")

    def resources(name: str, landing: Path) -> dict[str, object]:
        return {
            **_resources(tmp_path / name, landing),
            "landing": LandingResource(root=str(landing), reference_root=str(FIXTURES / "reference")),
        }

    dropped = tmp_path / "dropped"
    (dropped / "nps" / "2021").mkdir(parents=True)
    (dropped / "nps" / "2021" / "nps_2021-03.json").write_text(json.dumps(export))
    by_hand = _nps_year(resources("a", dropped))

    fetched = tmp_path / "fetched"
    monkeypatch.setenv("KUVA_LANDING_DIR", str(fetched))
    monkeypatch.setenv("KUVA_HAPPYORNOT_URL", fake.base_url)
    monkeypatch.setenv("KUVA_HAPPYORNOT_TOKEN", "t0ken")
    assert cli.main(["fetch", "nps", "--from", "2021-03-01", "--to", "2021-03-31"]) == 0
    by_fetch = _nps_year(resources("b", fetched))

    # Answers a1, a2, a3, a5, a7: promoters 3, detractors 1, so NPS = 100 * (3 - 1) / 5.
    assert by_fetch == by_hand == (40.0, 2, 5)
