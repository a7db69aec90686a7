"""The scorecard view in a real browser (Debian's Chromium through Playwright): every page
type in both languages passes axe-core's WCAG 2.1 AA rules, a manager can click through
and back, change the day and reach every link by keyboard, and the page fits a phone and A4."""

from __future__ import annotations

import time
from datetime import date

import pytest

from kuva_pipeline.timetravel import scorecard_as_of
from kuva_pipeline.web import render, views
from kuva_pipeline.web.snapshot import read_duckdb
from tests.web.helpers import fi_day, parse_number

pytestmark = [pytest.mark.slow, pytest.mark.integration]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _pages(bi) -> list[tuple[str, str]]:
    """(page type, path) for each page type: the front page, a weighted and a plain scorecard,
    a feed meter and an owner-reported one."""
    return [
        ("front", "/{lang}/"),
        ("scorecard-weighted", "/{lang}/scorecards/weighted_targets_2021"),
        ("scorecard", "/{lang}/scorecards/budget_followup_2020?as_of=2020-10-26"),
        ("meter-feed", "/{lang}/meters/weighted_targets_2021.nps_index"),
        ("meter-checkin", "/{lang}/meters/budget_followup_2020.accessibility_audits?as_of=2020-10-26"),
    ]


def _axe(page, axe_source) -> list[dict]:
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_every_page_type_passes_axe_and_is_screenshotted(page, server_url, bi, axe_source, output_dir, lang, snapshot_path):
    for name, path in _pages(bi):
        response = page.goto(server_url + path.format(lang=lang))
        assert response.status == 200, path
        assert page.get_attribute("html", "lang") == lang
        page.screenshot(path=str(output_dir / f"{name}-{lang}.png"), full_page=True)
        assert _axe(page, axe_source) == [], f"{path.format(lang=lang)}: serious or critical WCAG 2.1 AA violations"
    # The page shown while a day is computed (its self-reload is far off here).
    snap = read_duckdb(snapshot_path)
    html = render.computing(
        snap, lang, date(2021, 6, 30), 1, "/x?wait=1", 120, "/x", date(2021, 4, 30), "/y", views.ServerLinks()
    )
    page.set_content(html)
    page.screenshot(path=str(output_dir / f"computing-{lang}.png"), full_page=True)
    assert _axe(page, axe_source) == [], "the computing page: serious or critical WCAG 2.1 AA violations"


def test_click_through_front_scorecard_meter_and_back(page, server_url, bi):
    title, = bi.execute("SELECT any_value(title_fi) FROM bi.scorecards WHERE scorecard_id = 'budget_followup_2020'").fetchone()
    meter_id, meter_name, status_fi = bi.execute(
        "SELECT meter_id, meter_name_fi, status_fi FROM bi.scorecard WHERE scorecard_id = 'budget_followup_2020' "
        "AND as_of = (SELECT max(as_of) FROM bi.scorecards WHERE scorecard_id = 'budget_followup_2020') "
        "AND meter_id LIKE '%accessibility_audits'"
    ).fetchone()
    page.goto(server_url + "/fi/")
    page.get_by_role("link", name=title, exact=True).click()
    page.wait_for_url("**/fi/scorecards/budget_followup_2020?as_of=2020-12-31")
    assert page.locator("h1").inner_text() == title
    page.get_by_role("link", name=meter_name, exact=True).first.click()
    page.wait_for_url(f"**/fi/meters/{meter_id}?as_of=2020-12-31")
    assert page.locator("h1").inner_text() == meter_name
    assert status_fi in page.locator("table").first.inner_text()
    page.get_by_role("link", name=f"← Takaisin: {title}").click()
    page.wait_for_url("**/fi/scorecards/budget_followup_2020?as_of=2020-12-31")
    page.go_back()
    page.wait_for_url(f"**/fi/meters/{meter_id}?as_of=2020-12-31")
    page.go_back()
    page.go_back()
    page.wait_for_url("**/fi/")
    # The language switch keeps the page.
    page.get_by_role("link", name=title, exact=True).click()
    page.get_by_role("link", name="In English").click()
    page.wait_for_url("**/en/scorecards/budget_followup_2020?as_of=2020-12-31")


def _shown_actuals(page) -> dict[str, str]:
    return page.eval_on_selector_all(
        "tr[data-meter]",
        "rows => Object.fromEntries(rows.map(r => [r.dataset.meter, r.querySelector('.actual').textContent]))",
    )


def test_changing_the_day_shows_the_scorecard_as_it_stood(page, server_url, bi, web_sample):
    page.goto(server_url + "/fi/scorecards/budget_followup_2020")
    page.get_by_role("link", name="26.10.2020 (asiakirjan päivä)").click()
    page.wait_for_url("**as_of=2020-10-26")
    expected = dict(bi.execute(
        "SELECT meter_id, actual_value FROM bi.scorecard WHERE scorecard_id = 'budget_followup_2020' AND as_of = DATE '2020-10-26'"
    ).fetchall())
    shown = _shown_actuals(page)
    assert set(shown) == set(expected)
    for meter_id, value in expected.items():
        if value is not None:
            assert parse_number(shown[meter_id], "fi") == pytest.approx(value, abs=0.051), meter_id
    assert page.locator("a[aria-current=page]").inner_text().startswith(fi_day(date(2020, 10, 26)))


def test_a_day_that_was_not_published_is_computed_by_time_travel(page, server_url, bi, web_sample):
    day = date(2020, 6, 30)  # before the document's 26.10.2020: most check-ins were not made yet
    assert not bi.execute("SELECT count(*) FROM bi.scorecards WHERE as_of = ?", [day]).fetchone()[0]
    page.goto(server_url + "/fi/scorecards/budget_followup_2020")
    page.fill("#as-of-any", day.isoformat())
    page.get_by_role("button", name="Näytä").click()
    page.wait_for_url("**as_of=2020-06-30")
    # "Computing" first (unless an earlier test computed the day), with a link that waits for it.
    deadline = time.monotonic() + 600
    while page.locator("p.computing").count():
        assert "lasketaan nyt aikamatkalla" in page.locator("p.computing").inner_text()
        assert time.monotonic() < deadline, "the day was not computed within 10 minutes"
        with page.expect_navigation(timeout=200_000):
            page.get_by_role("link", name="Näytä tulos, kun se on valmis").click(no_wait_after=True)
    page.locator("tr[data-meter]").first.wait_for()
    # Time travel run here, on the sample's warehouse itself (the server used the source copy).
    warehouse, _ = web_sample
    expected = {
        r["meter_id"]: r for r in scorecard_as_of(day, database=str(warehouse), ignore_load_time=True)
        if r["scorecard_id"] == "budget_followup_2020"
    }
    shown = _shown_actuals(page)
    assert set(shown) == set(expected)
    for meter_id, row in expected.items():
        if row["actual_value"] is not None:
            assert parse_number(shown[meter_id], "fi") == pytest.approx(row["actual_value"], abs=0.051), meter_id
    statuses = page.eval_on_selector_all(
        "tr[data-meter]",
        "rows => Object.fromEntries(rows.map(r => [r.dataset.meter, r.querySelector('.status').textContent]))",
    )
    for meter_id, row in expected.items():
        assert statuses[meter_id].endswith(row["status_fi"]), meter_id
    assert "laskettu aikamatkalla" in page.locator(".note").inner_text()
    assert page.locator("a[aria-current=page]").inner_text().startswith("30.6.2020")
    # Not the first publication shown instead: the day differs from 26.10.2020.
    published = dict(bi.execute(
        "SELECT meter_id, status FROM bi.scorecard WHERE scorecard_id = 'budget_followup_2020' AND as_of = DATE '2020-10-26'"
    ).fetchall())
    assert sum(published[m] != r["status"] for m, r in expected.items()) >= 5


@pytest.mark.parametrize(
    "path", ["/fi/", "/en/scorecards/weighted_targets_2021", "/fi/meters/weighted_targets_2021.unit_cost"]
)
def test_keyboard_alone_reaches_every_link(page, server_url, path):
    page.goto(server_url + path)
    links = set(page.eval_on_selector_all("a[href]", "as => as.filter(a => a.checkVisibility()).map(a => a.href)"))
    reached: set[str] = set()
    for _ in range(4 * len(links) + 20):
        page.keyboard.press("Tab")
        href = page.evaluate("() => document.activeElement && document.activeElement.href || null")
        if href:
            reached.add(href)
        if links <= reached:
            break
    assert links - reached == set()


def test_tables_work_without_javascript(browser, server_url, bi):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(server_url + "/en/scorecards/urban_culture_2021")
        n = bi.execute("SELECT count(*) FROM bi.scorecard WHERE scorecard_id = 'urban_culture_2021' "
                       "AND as_of = (SELECT max(as_of) FROM bi.scorecards WHERE scorecard_id = 'urban_culture_2021')").fetchone()[0]
        assert page.locator("tr[data-meter]").count() == n
        assert page.locator("tr[data-meter] svg[role=img]").count() >= n
    finally:
        context.close()


def test_fits_a_phone_and_prints_on_a4(browser, server_url, output_dir):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    try:
        page = context.new_page()
        for path in ("/fi/", "/fi/scorecards/weighted_targets_2021", "/fi/meters/weighted_targets_2021.nps_index"):
            page.goto(server_url + path)
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways on a phone by {overflow} px"
        page.screenshot(path=str(output_dir / "meter-phone-fi.png"), full_page=True)
        page.goto(server_url + "/fi/scorecards/weighted_targets_2021")
        page.screenshot(path=str(output_dir / "scorecard-phone-fi.png"), full_page=True)
        page.emulate_media(media="print")
        assert page.locator("nav.asof").is_hidden()
        pdf = output_dir / "scorecard-a4-fi.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        assert pdf.stat().st_size > 10_000
    finally:
        context.close()
