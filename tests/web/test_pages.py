"""The scorecard view's pages over the bundled sample, served by the app and written as a
static report: every page answers in both languages and shows what the BI tables hold."""

from __future__ import annotations

import html as htmllib
import re
from datetime import date
from fractions import Fraction

import duckdb
import pytest
from starlette.testclient import TestClient

from kuva_pipeline.web.app import app_for_snapshot
from kuva_pipeline.web.report import write_report
from kuva_pipeline.web.snapshot import read_duckdb
from tests.web.helpers import decimals_shown, fi_day, meter_rows, parse_number, span

pytestmark = pytest.mark.slow

COUNT_UNITS = {"events", "listings", "participants", "devices", "spaces", "systems", "services",
               "districts", "models", "deliverables", "service entities"}


@pytest.fixture(scope="module")
def client(snapshot_path):
    with TestClient(app_for_snapshot(snapshot_path)) as c:
        yield c


def _rows(con, sql, params=()):
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def test_front_page_lists_every_scorecard_with_its_title_in_both_languages(client, bi):
    latest = _rows(bi, "SELECT scorecard_id, title_fi, title_en, max(as_of) AS as_of FROM bi.scorecards GROUP BY ALL")
    assert len(latest) == 5
    for lang in ("fi", "en"):
        r = client.get(f"/{lang}/")
        assert r.status_code == 200
        assert f'<html lang="{lang}">' in r.text
        style = r.text.split("<style>", 1)[1].split("</style>", 1)[0]
        assert "&#" not in style and '"Liberation Sans"' in style, "the inline style is not escaped"
        text = htmllib.unescape(r.text)
        for sc in latest:
            assert sc[f"title_{lang}"].strip() in text
            assert sc["scorecard_id"] not in re.sub(r'href="[^"]*"', "", r.text), "headings use titles, not ids"
    fi = htmllib.unescape(client.get("/fi/").text)
    assert fi_day(max(s["as_of"] for s in latest)) in fi


def test_weighted_headline_and_status_counts_match_the_bi_totals(client, bi):
    for total in _rows(bi, "SELECT * FROM bi.scorecards"):
        for lang in ("fi", "en"):
            r = client.get(f"/{lang}/scorecards/{total['scorecard_id']}", params={"as_of": total["as_of"].isoformat()})
            assert r.status_code == 200
            counts = dict(
                re.findall(r'<li><span class="status s-\w+"><span class="icon" aria-hidden="true">.</span>([^<]+)</span> <strong>(\d+)</strong></li>',
                           r.text.split('<section class="headline"', 1)[1].split("</section>", 1)[0])
            )
            for status in ("achieved", "on_track", "at_risk", "not_achieved", "no_data"):
                n = total[f"meters_{status}"]
                if lang == "fi" and n:
                    label = bi.execute("SELECT any_value(status_fi) FROM bi.scorecard WHERE status = ?", [status]).fetchone()[0]
                    assert counts[label] == str(n), (total["scorecard_id"], status)
            assert sum(int(v) for v in counts.values()) == total["meters"]
            if total["weighted"]:
                shown = re.search(r'<span class="total">([^<]+)</span>', r.text).group(1)
                assert parse_number(shown, lang) == round(total["total_weighted_score"], 1)
                assert decimals_shown(shown, lang) == 1
                # The tier: whole thirds of the maximum reached (tier points 1/3, 2/3, 1 of a weight).
                share = Fraction(total["total_weighted_score"]).limit_denominator(1000) / Fraction(
                    total["max_weighted_score"]).limit_denominator(1000)
                tier = ["none", "minimum", "challenging", "exceptional"][min(3, int(share * 3))]
                assert total["tier"] == tier
                label = {"fi": total["tier_fi"], "en": total["tier_en"]}[lang]
                assert f"<strong>{label}</strong>" in r.text


def test_every_meter_row_shows_the_published_status_actual_and_projection(client, bi):
    rows = _rows(bi, "SELECT * FROM bi.scorecard")
    pages = {}
    for row in rows:
        for lang in ("fi", "en"):
            key = (row["scorecard_id"], row["as_of"], lang)
            if key not in pages:
                r = client.get(f"/{lang}/scorecards/{row['scorecard_id']}", params={"as_of": row["as_of"].isoformat()})
                assert r.status_code == 200
                pages[key] = meter_rows(r.text)
            tr = pages[key][row["meter_id"]]
            if lang == "fi":
                assert row["status_fi"] in tr
            actual = htmllib.unescape(span(tr, "actual"))
            if row["actual_value"] is not None:
                digits = 0 if row["unit"] in COUNT_UNITS else 2 if row["unit"] in ("NPS", "EUR/output") else 1
                assert parse_number(actual, lang) == pytest.approx(round(row["actual_value"], digits)), row["meter_id"]
            projection = htmllib.unescape(span(tr, "projection"))
            if row["forecast_value"] is not None and row["unit"] in COUNT_UNITS:
                assert decimals_shown(projection, lang) == 0, f"a projected count is whole: {projection}"
                assert parse_number(projection, lang) == round(row["forecast_value"])
            if row["forecast_disagrees"]:
                assert "⚠" in tr


def test_tier_thresholds_show_enough_decimals_to_differ(client, bi):
    row = _rows(bi, "SELECT * FROM bi.scorecard WHERE meter_id = 'weighted_targets_2021.unit_cost'")[0]
    tr = meter_rows(client.get("/fi/scorecards/weighted_targets_2021").text)[row["meter_id"]]
    shown = htmllib.unescape(span(tr, "target"))
    numbers = [float(n.replace(",", ".")) for n in re.findall(r"\d+,\d+", shown)]
    assert len(numbers) == 3 and len(set(numbers)) == 3, shown
    for value, expected in zip(numbers, (row["tier_minimum"], row["tier_challenging"], row["tier_exceptional"]), strict=True):
        assert value == pytest.approx(expected, abs=0.005)


def test_as_of_days_change_what_the_scorecard_shows(client, bi):
    days = [r[0] for r in bi.execute(
        "SELECT as_of FROM bi.scorecards WHERE scorecard_id = 'budget_followup_2020' ORDER BY as_of").fetchall()]
    assert days == [date(2020, 10, 26), date(2020, 12, 31)], "the document's own day and the year end"
    page = client.get("/fi/scorecards/budget_followup_2020", params={"as_of": "2020-10-26"}).text
    assert "Tarkastelupäivä 26.10.2020" in page
    # A day between two scorings shows the last one before it, and says so.
    between = client.get("/en/scorecards/budget_followup_2020", params={"as_of": "2020-11-15"}).text
    assert "15 Nov 2020" in between and "showing 26 Oct 2020" in between
    assert meter_rows(between) == meter_rows(client.get(
        "/en/scorecards/budget_followup_2020", params={"as_of": "2020-10-26"}).text)
    # The front page on a day shows each scorecard as it stood then.
    front = htmllib.unescape(client.get("/fi/", params={"as_of": "2020-10-26"}).text)
    assert "budget_followup_2020?as_of=2020-10-26" in front
    assert "Ei vielä arvioitu" in front  # the 2021 scorecards


def test_freshness_is_the_newest_complete_feed_month_behind_the_scorecard(client, bi):
    expected = dict(((sc, d), until) for sc, d, until in bi.execute(
        """
        SELECT s.scorecard_id, s.as_of, max(v.period_end)
        FROM bi.scorecard s JOIN bi.meters m USING (meter_id)
        LEFT JOIN bi.meter_values v ON v.meter_id = s.meter_id AND v.grain IN ('month', 'year')
             AND v.period_end <= s.as_of AND m.source <> 'checkin'
        GROUP BY ALL
        """).fetchall())
    problems = dict(((sc, d), n) for sc, d, n in bi.execute(
        "SELECT scorecard_id, as_of, count(*) FILTER (WHERE data_quality <> 'ok') FROM bi.scorecard GROUP BY ALL"
    ).fetchall())
    assert any(expected.values()) and any(problems.values())
    for (sc, d), until in expected.items():
        page = htmllib.unescape(client.get(f"/en/scorecards/{sc}", params={"as_of": d.isoformat()}).text)
        fresh = page.split('class="fresh"', 1)[1].split("</ul>", 1)[0]
        if until is None:
            assert "No feed-computed meters" in fresh, (sc, d)
        else:
            assert f"Feed data up to {until.day} {until.strftime('%b')} {until.year}" in fresh, (sc, d)
        if problems[(sc, d)]:
            assert f"Meters with data problems: {problems[(sc, d)]}" in fresh
        else:
            assert "Every meter's data is in order" in fresh


def test_responsible_persons_are_the_ones_the_catalog_lists(client, bi):
    rows = bi.execute(
        "SELECT DISTINCT scorecard_id, goal_id, responsible FROM bi.goals WHERE responsible IS NOT NULL "
        "AND scorecard_id = 'urban_culture_2021'"
    ).fetchall()
    assert rows
    page = htmllib.unescape(client.get("/fi/scorecards/urban_culture_2021").text)
    for _, _, responsible in rows:
        assert f"Vastuussa: {responsible}" in page


def test_meter_page_explains_in_the_page_language_and_links_the_asset(client, bi, snapshot_path):
    for row in _rows(bi, "SELECT * FROM bi.scorecard"):
        for lang in ("fi", "en"):
            r = client.get(f"/{lang}/meters/{row['meter_id']}", params={"as_of": row["as_of"].isoformat()})
            assert r.status_code == 200, row["meter_id"]
            text = htmllib.unescape(r.text)
            assert (row["explanation_fi"] if lang == "fi" else row["explanation"]) in text
            assert re.search(r'href="http://127\.0\.0\.1:3000/assets/(meters|marts)/\w+"', r.text)
    nps = client.get("/fi/meters/weighted_targets_2021.nps_index").text
    assert 'href="http://127.0.0.1:3000/assets/meters/nps_measures"' in nps


def test_check_in_history_is_the_published_one_up_to_the_day(client, snapshot_path):
    con = duckdb.connect(str(snapshot_path), read_only=True)
    try:
        assert con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name <> 'bi'"
        ).fetchone() == (0,), "the view reads bi only"
        expected = con.execute(
            "SELECT checkin_date, status FROM bi.checkins "
            "WHERE meter_id = 'budget_followup_2020.accessibility_audits' AND checkin_date <= DATE '2020-10-26' "
            "ORDER BY checkin_date, origin"
        ).fetchall()
    finally:
        con.close()
    assert expected
    page = client.get("/fi/meters/budget_followup_2020.accessibility_audits", params={"as_of": "2020-10-26"}).text
    section = page.split('id="checkins-h"', 1)[1]
    shown = re.findall(r'<td data-label="Päivä">([^<]+)</td>', section)
    assert shown == [fi_day(d) for d, _ in expected]


def test_no_personal_data_on_any_page(client, bi, web_sample):
    warehouse, snapshot = web_sample
    wh = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = {r[0] for r in wh.execute(
            "SELECT DISTINCT reserver_name FROM raw.varaamo_reservations WHERE reserver_name IS NOT NULL").fetchall()}
        authors = {r[0] for r in wh.execute("SELECT DISTINCT author FROM raw.checkins WHERE author IS NOT NULL").fetchall()}
        comments = {r[0] for r in wh.execute(
            "SELECT DISTINCT comment FROM raw.checkins WHERE length(comment) > 20").fetchall()}
        responsible = " ".join(r[0] for r in wh.execute(
            "SELECT responsible FROM catalog.dim_goal WHERE responsible IS NOT NULL").fetchall())
    finally:
        wh.close()
    assert names and authors and comments, "the sample should carry personal data in raw"
    people = (names | authors) - {a for a in authors if a in responsible}
    urls = ["/fi/", "/en/"] + [
        f"/{lang}/meters/{m}?as_of={d.isoformat()}"
        for lang in ("fi", "en")
        for m, d in bi.execute("SELECT meter_id, as_of FROM bi.scorecard").fetchall()
    ] + [f"/{lang}/scorecards/{s}?as_of={d.isoformat()}" for lang in ("fi", "en")
         for s, d in bi.execute("SELECT scorecard_id, as_of FROM bi.scorecards").fetchall()]
    for url in urls:
        text = htmllib.unescape(client.get(url).text)
        assert not [p for p in people if p in text], url
        assert not [c for c in comments if c in text], url
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text), url


def test_unknown_pages_and_bad_days_say_what_is_wrong(client):
    r = client.get("/en/scorecards/no_such_scorecard")
    assert r.status_code == 404 and "no_such_scorecard" in r.text
    r = client.get("/fi/meters/weighted_targets_2021.nps_index", params={"as_of": "31.12.2021"})
    assert r.status_code == 400 and "is not a day like 2021-12-31" in htmllib.unescape(r.text)
    assert client.get("/", follow_redirects=False).headers["location"] == "/fi/"


def test_a_missing_snapshot_is_a_clear_503(tmp_path):
    with TestClient(app_for_snapshot(tmp_path / "nowhere.duckdb")) as c:
        r = c.get("/fi/")
    assert r.status_code == 503 and "kuva refresh" in r.text


def test_static_report_writes_every_page_with_working_relative_links(snapshot_path, tmp_path, bi):
    files = write_report(read_duckdb(snapshot_path), tmp_path / "report")
    n_meter_pages = bi.execute("SELECT count(*) FROM bi.scorecard").fetchone()[0]
    n_scorecard_pages = bi.execute("SELECT count(*) FROM bi.scorecards").fetchone()[0]
    n_days = bi.execute("SELECT count(DISTINCT as_of) FROM bi.scorecards").fetchone()[0]
    assert len(files) == 2 * (1 + n_days + n_scorecard_pages + n_meter_pages) + 1
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "<script" not in text and "<link " not in text, "self-contained"
        for href in re.findall(r'href="([^"#]+)"', text):
            if href.startswith("http://127.0.0.1:3000/"):
                continue
            assert (path.parent / href).resolve().exists(), f"{path.name}: broken link {href}"


def test_cli_report_and_serve_arguments(snapshot_path, tmp_path):
    from kuva_pipeline.cli import build_parser, main

    assert main(["report", "--snapshot", str(snapshot_path), "--html", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "fi" / "index.html").exists()
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port) == ("127.0.0.1", 8080)
    assert (args.as_of_sources, args.as_of_cache, args.no_as_of) == (None, None, False)
    args = build_parser().parse_args(["ui"])
    assert (args.port, args.view_port, args.no_view) == (3000, 8080, False)
    assert main(["report", "--snapshot", str(tmp_path / "missing.duckdb"), "--html", str(tmp_path / "x")]) == 1


def test_meter_chart_and_its_table_hold_the_published_monthly_values(client, bi):
    expected = bi.execute(
        "SELECT period_start, value FROM bi.meter_values WHERE meter_id = 'weighted_targets_2021.nps_index' "
        "AND grain = 'month' AND service_area = 'KUVA' AND period_start <= DATE '2021-12-31' ORDER BY period_start"
    ).fetchall()
    assert len(expected) > 24, "three years of months, less any the feed misses"
    page = client.get("/fi/meters/weighted_targets_2021.nps_index", params={"as_of": "2021-12-31"}).text
    assert '<svg class="chart"' in page and 'role="img"' in page
    table = page.split('id="chart-h"', 1)[1].split("</details>", 1)[0]
    shown = re.findall(r"<tr><td>(\d+/\d{4})</td><td class=\"num\">([^<]+)</td></tr>", table)
    assert [p for p, _ in shown] == [f"{d.month}/{d.year}" for d, _ in expected]
    for (_, text), (_, value) in zip(shown, expected, strict=True):
        assert parse_number(text, "fi") == pytest.approx(value, abs=0.005)
