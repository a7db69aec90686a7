"""Days the publication did not score, computed on demand by time travel over the source
copy the publication writes beside the warehouse: the page says it is computing, then shows
what time travel gives for that day (worked out here by running time travel on the sample's
warehouse itself), and the day is kept on disk for the next request and the next server."""

from __future__ import annotations

import html as htmllib
import re
import shutil
import time
from datetime import date

import duckdb
import pytest
from starlette.testclient import TestClient

from kuva_pipeline.timetravel import SOURCE_COPY_META, _mirror, attach_base, scorecard_as_of
from kuva_pipeline.web.app import app_for_snapshot
from kuva_pipeline.web.asof import AsOfComputer
from tests.web.helpers import meter_rows, parse_number, span

pytestmark = pytest.mark.slow

STATUS_EN = {"achieved": "achieved", "on_track": "on track", "at_risk": "at risk",
             "not_achieved": "not achieved", "no_data": "no data"}


@pytest.fixture(scope="module")
def client(snapshot_path, source_copy, as_of_cache):
    app = app_for_snapshot(snapshot_path, AsOfComputer(source_copy, as_of_cache), warm=False)
    with TestClient(app) as c:
        yield c


def _when_computed(client, url: str, params: dict, timeout: float = 600):
    """The page once its day is computed. The first answer says it is being computed, with
    a link that waits for the result (no timed reload, which would take the page from a reader)."""
    first = client.get(url, params=params)
    if first.status_code == 202:
        text = htmllib.unescape(first.text)
        assert 'http-equiv="refresh"' not in first.text and "<script" not in first.text
        assert first.headers["retry-after"] == "5"
        assert "recomputed now with time travel" in text or "lasketaan nyt aikamatkalla" in text
        assert re.search(r'<a class="button" href="[^"]*wait=1"', first.text)
    deadline = time.monotonic() + timeout
    r = first
    while r.status_code == 202 and time.monotonic() < deadline:
        r = client.get(url, params={**params, "wait": "1"})
    assert r.status_code == 200, r.text[:500]
    return first, r


def test_the_source_copy_is_beside_the_warehouse_and_of_the_published_refresh(
    web_sample, source_copy, bi, tmp_path
):
    warehouse, snapshot = web_sample
    assert source_copy.exists() and source_copy.parent == warehouse.parent
    (published,) = bi.execute("SELECT DISTINCT refresh_id FROM bi._publication").fetchone()
    wh = duckdb.connect(str(warehouse), read_only=True)
    copy = duckdb.connect(str(source_copy), read_only=True)
    try:
        assert copy.execute(f"SELECT refresh_id FROM main.{SOURCE_COPY_META}").fetchone() == (published,)
        # The copy holds the dbt sources only (its base, a byte copy of the warehouse file,
        # the raw months it does not hold itself).
        schemas = {s for (s,) in copy.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()}
        assert schemas <= {"main", "raw", "catalog", "staging", "quality"}
        (base,) = copy.execute("SELECT file FROM main._source_base").fetchone()
        assert source_copy.with_name(base).is_file()
    finally:
        copy.close()
    # What time travel reads through the copy and its base is what the warehouse holds.
    scratch = tmp_path / "scratch.duckdb"
    _mirror(scratch, str(source_copy), date(2100, 1, 1), ignore_load_time=True)
    seen = duckdb.connect(str(scratch), read_only=True)
    try:
        seen.execute(f"ATTACH '{source_copy}' AS wh (READ_ONLY)")
        attach_base(seen, str(source_copy))
        # The raw tables dbt reads (not the loaders' own bookkeeping, such as raw._loaded_files).
        raw = [t for (t,) in wh.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw' AND table_name NOT LIKE '\\_%' ESCAPE '\\' "
            "ORDER BY 1").fetchall()]
        assert {"nps_feedback", "checkins", "varaamo_reservations", "finance"} <= set(raw)
        every_row = "SELECT count(*), sum(hash(_source_file, _record_index, _loaded_at)) FROM raw.{}"
        for table in raw:
            assert seen.execute(every_row.format(table)).fetchone() == wh.execute(
                every_row.format(table)).fetchone(), table
        for table in ("dim_scorecard", "dim_goal", "dim_meter", "dim_target", "dim_label", "fact_checkin"):
            assert seen.execute(f"SELECT count(*) FROM catalog.{table}").fetchone() == wh.execute(
                f"SELECT count(*) FROM catalog.{table}").fetchone(), table
    finally:
        wh.close()
        seen.close()


def test_a_day_that_was_not_published_shows_what_time_travel_computes(client, web_sample, bi):
    warehouse, _ = web_sample
    day = date(2021, 6, 30)
    assert not bi.execute(
        "SELECT count(*) FROM bi.scorecards WHERE as_of = ?", [day]).fetchone()[0], "not a published day"
    first, page = _when_computed(client, "/en/scorecards/weighted_targets_2021", {"as_of": day.isoformat()})
    # Time travel run here on the warehouse itself (the view used the copy).
    expected = {
        r["meter_id"]: r for r in scorecard_as_of(day, database=str(warehouse), ignore_load_time=True)
        if r["scorecard_id"] == "weighted_targets_2021"
    }
    assert len(expected) == 3
    text = htmllib.unescape(page.text)
    assert "No scorecard was published for 30 Jun 2021: it was recomputed with time travel" in text
    assert "As of 30 Jun 2021 (recomputed)" in text
    rows = meter_rows(page.text)
    assert set(rows) == set(expected)
    digits = {"NPS": 2, "EUR/output": 2, "deliverables": 0}
    for meter_id, row in expected.items():
        tr = htmllib.unescape(rows[meter_id])
        assert STATUS_EN[row["status"]] in tr, meter_id
        if row["actual_value"] is not None:
            assert parse_number(span(tr, "actual"), "en") == pytest.approx(
                round(row["actual_value"], digits[row["unit"]])), meter_id
    # The weighted total: the meters' weighted scores (one meter per goal area here).
    total = sum(r["weighted_score"] or 0 for r in expected.values())
    shown = re.search(r'<span class="total">([^<]+)</span>', page.text).group(1)
    assert parse_number(shown, "en") == pytest.approx(round(total, 1))
    year_end = bi.execute(
        "SELECT total_weighted_score FROM bi.scorecards WHERE scorecard_id = 'weighted_targets_2021'").fetchone()[0]
    assert round(total, 1) != round(year_end, 1), "the day differs from the published year end"
    # The meter page of the same day is ready at once, from the same computation.
    nps = client.get("/fi/meters/weighted_targets_2021.nps_index", params={"as_of": day.isoformat()})
    assert nps.status_code == 200
    assert parse_number(span(nps.text, "actual"), "fi") == pytest.approx(
        round(expected["weighted_targets_2021.nps_index"]["actual_value"], 2))


def test_a_computed_day_is_kept_on_disk_for_the_next_server(snapshot_path, source_copy, as_of_cache, client):
    day = "2021-06-30"
    _when_computed(client, "/fi/", {"as_of": day})
    assert list(as_of_cache.glob(f"refresh-*/{day}.duckdb"))
    fresh = AsOfComputer(source_copy, as_of_cache)
    with TestClient(app_for_snapshot(snapshot_path, fresh, warm=False)) as other:
        r = other.get("/fi/", params={"as_of": day})
    assert r.status_code == 200, "read from the disk cache, not computed again"
    text = htmllib.unescape(r.text)
    # Every 2021 scorecard on the front page as it stood on the day, none "not yet scored".
    assert text.count("Tarkastelupäivä 30.6.2021 (laskettu jälkikäteen)") == 3  # the 2021 scorecards
    assert text.count("Ei vielä arvioitu") == 0


def test_the_documents_forecast_days_are_offered(client):
    front = htmllib.unescape(client.get("/en/").text)
    choices = re.findall(r'<li><a href="/en/\?as_of=([\d-]+)"[^>]*>[^<]*<span class="small-kind">\(([^)]*)\)', front)
    kinds = dict(choices)
    assert kinds["2020-10-26"] == "document date"
    assert kinds["2021-04-30"] == "forecast 1/2021"
    assert kinds["2021-08-31"] == "document date, forecast 2/2021"
    page = htmllib.unescape(client.get("/fi/scorecards/binding_goals_2021").text)
    assert "30.4.2021 <span class=\"small-kind\">(ennusteet 1/2021)</span>" in page


def test_a_source_copy_of_another_refresh_is_not_used(tmp_path, snapshot_path, source_copy):
    other = tmp_path / "kuva_as_of_sources.duckdb"
    shutil.copy(source_copy, other)
    con = duckdb.connect(str(other))
    try:
        con.execute(f"UPDATE main.{SOURCE_COPY_META} SET refresh_id = 'another-refresh'")
    finally:
        con.close()
    for copy, says in ((other, "is of refresh another"), (tmp_path / "missing.duckdb", "there is no source copy")):
        app = app_for_snapshot(snapshot_path, AsOfComputer(copy, tmp_path / "cache"), warm=False)
        with TestClient(app) as c:
            r = c.get("/en/scorecards/budget_followup_2020", params={"as_of": "2020-11-15"})
        assert r.status_code == 200
        text = htmllib.unescape(r.text)
        assert "15 Nov 2020 could not be computed: " in text and says in text
        assert "showing 26 Oct 2020, the last one before it" in text
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_the_static_report_holds_the_forecast_days(snapshot_path, source_copy, as_of_cache, tmp_path):
    from kuva_pipeline.cli import main

    out = tmp_path / "report"
    assert main(["report", "--snapshot", str(snapshot_path), "--html", str(out),
                 "--as-of-sources", str(source_copy), "--as-of-cache", str(as_of_cache)]) == 0
    page = htmllib.unescape((out / "en" / "binding_goals_2021-2021-04-30.html").read_text(encoding="utf-8"))
    assert "As of 30 Apr 2021 (recomputed)" in page
    assert (out / "fi" / "weighted_targets_2021-2021-08-31.html").exists()
    for path in out.rglob("*.html"):
        for href in re.findall(r'href="([^"#]+)"', path.read_text(encoding="utf-8")):
            if not href.startswith("http://127.0.0.1:3000/"):
                assert (path.parent / href).resolve().exists(), f"{path.name}: broken link {href}"
