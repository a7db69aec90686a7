"""`kuva scorecard`'s terminal table: headed by titles, numbers as a reader expects them
(tier thresholds that differ, whole counts), owners' forecast words in the table's language,
and a milestone done without a figure says why it is achieved. The snapshot is built by
hand, so every expected text below is worked out here."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from rich.console import Console

from kuva_pipeline.cli import main
from kuva_pipeline.report import render_scorecard

SCORECARD_COLUMNS = (
    "scorecard_id VARCHAR, year BIGINT, goal_id VARCHAR, meter_id VARCHAR, meter_name_fi VARCHAR, "
    "meter_name_en VARCHAR, service_area VARCHAR, unit VARCHAR, baseline_value DOUBLE, target_kind VARCHAR, "
    "target_min DOUBLE, target_max DOUBLE, tier_minimum DOUBLE, tier_challenging DOUBLE, "
    "tier_exceptional DOUBLE, actual_value DOUBLE, attainment_pct DOUBLE, status VARCHAR, tier VARCHAR, "
    "forecast_value DOUBLE, manual_forecast VARCHAR, as_of DATE"
)
ROWS = [
    # Seed 004's unit cost: 14.5215 EUR, tiers 0.5 % and 1 % lower: 14.4489 and 14.3763.
    ("weighted_2021", 2021, "g1", "weighted_2021.unit_cost", "Yksikkökustannus", "Unit cost", "KUVA",
     "EUR/output", 14.5215, "tiers", None, 14.5215, 14.5215, 14.4489, 14.3763, 14.4199, 101.0, "achieved",
     "challenging", 14.4199, None, date(2021, 12, 31)),
    # A count projected to 30.6 events is shown as 31; its owner says "toteutuu".
    ("weighted_2021", 2021, "g1", "weighted_2021.events", "Tapahtumat", "Events", "KULP",
     "events", 19.0, "at_least", 21.0, None, None, None, None, 14.0, 67.0, "on_track",
     "none", 30.6, "toteutuu", date(2021, 12, 31)),
    # A milestone marked TEHTY with no figure; its owner says "epävarma".
    ("followup_2020", 2020, "g2", "followup_2020.teams", "Teams käyttöön", "Teams adopted", "KUVA",
     "%", None, "at_least", 80.0, None, None, None, None, None, None, "achieved",
     "none", None, "epävarma", date(2020, 12, 31)),
]
TITLES = [
    ("weighted_2021", "Yhteenveto: toimialan painotetut tavoitteet 2021", "Summary: the weighted targets 2021"),
    ("followup_2020", "Talousarvion seuranta 2020", "Budget follow-up 2020"),
]
CHECKINS = [
    ("followup_2020.teams", date(2020, 4, 30), "TEHTY"),
    ("followup_2020.teams", date(2020, 10, 26), "TEHTY"),
    ("followup_2020.teams", date(2021, 1, 15), "TEHTY"),  # after the day shown: not the reason
]


@pytest.fixture
def snapshot(tmp_path):
    path = tmp_path / "kuva_bi.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE SCHEMA bi")
        con.execute(f"CREATE TABLE bi.scorecard ({SCORECARD_COLUMNS})")
        con.executemany(f"INSERT INTO bi.scorecard VALUES ({', '.join('?' * len(ROWS[0]))})", ROWS)
        con.execute("CREATE TABLE bi.scorecards (scorecard_id VARCHAR, title_fi VARCHAR, title_en VARCHAR)")
        con.executemany("INSERT INTO bi.scorecards VALUES (?, ?, ?)", TITLES)
        con.execute("CREATE TABLE bi.checkins (meter_id VARCHAR, checkin_date DATE, status VARCHAR)")
        con.executemany("INSERT INTO bi.checkins VALUES (?, ?, ?)", CHECKINS)
    finally:
        con.close()
    return path


def _table(snapshot, monkeypatch, lang: str) -> str:
    monkeypatch.setenv("KUVA_BI_PATH", str(snapshot))
    console = Console(record=True, width=400, color_system=None)
    render_scorecard(console, lang=lang)
    return console.export_text()


def _line(text: str, start: str) -> str:
    (line,) = [ln for ln in text.splitlines() if ln.startswith(f"│ {start}")]
    return line


def test_headed_by_titles_with_the_day_in_the_language(snapshot, monkeypatch):
    en = _table(snapshot, monkeypatch, "en")
    assert "Summary: the weighted targets 2021  (2021, as of 31 Dec 2021)" in en
    assert "Budget follow-up 2020  (2020, as of 31 Dec 2020)" in en
    fi = _table(snapshot, monkeypatch, "fi")
    assert "Yhteenveto: toimialan painotetut tavoitteet 2021  (2021, tilanne 31.12.2021)" in fi
    for text in (en, fi):
        assert "weighted_2021" not in text and "followup_2020" not in text


def test_tier_thresholds_differ_and_counts_are_whole(snapshot, monkeypatch):
    en = _table(snapshot, monkeypatch, "en")
    unit_cost = _line(en, "Unit cost")
    assert "14.52 / 14.45 / 14.38" in unit_cost
    assert " 14.42 " in unit_cost and "challenging level" in unit_cost
    events = _line(en, "Events")
    assert " 31 will be met " in events, "a projected count is a whole number"
    assert " 14 " in events and "≥ 21" in events
    fi = _table(snapshot, monkeypatch, "fi")
    assert "14,52 / 14,45 / 14,38" in _line(fi, "Yksikkökustannus")
    assert " 31 toteutuu " in _line(fi, "Tapahtumat")


def test_forecast_words_are_in_the_tables_language(snapshot, monkeypatch):
    en = _table(snapshot, monkeypatch, "en")
    assert "toteutuu" not in en and "epävarma" not in en
    assert "uncertain" in _line(en, "Teams adopted")
    fi = _table(snapshot, monkeypatch, "fi")
    assert "epävarma" in _line(fi, "Teams käyttöön")


def test_a_milestone_done_without_a_figure_says_so(snapshot, monkeypatch):
    en = _line(_table(snapshot, monkeypatch, "en"), "Teams adopted")
    assert "done (marked done on 26 Oct 2020, without a figure)" in en
    assert "achieved" in en
    fi = _line(_table(snapshot, monkeypatch, "fi"), "Teams käyttöön")
    assert "tehty (merkitty tehdyksi 26.10.2020, ilman lukuarvoa)" in fi
    assert "saavutettu" in fi


def test_the_sample_table_is_headed_by_titles(sample_snapshot, monkeypatch, capsys):
    _, snapshot = sample_snapshot
    monkeypatch.setenv("KUVA_BI_PATH", str(snapshot))
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        titles = dict(con.execute("SELECT DISTINCT scorecard_id, title_en FROM bi.scorecards").fetchall())
        tiers = con.execute(
            "SELECT tier_minimum, tier_challenging, tier_exceptional FROM bi.scorecard "
            "WHERE meter_id = 'weighted_targets_2021.unit_cost'").fetchone()
    finally:
        con.close()
    assert main(["scorecard", "--year", "2021"]) == 0
    out = capsys.readouterr().out
    for scorecard_id, title in titles.items():
        assert (title.strip() in out) == scorecard_id.endswith("2021"), scorecard_id
        assert scorecard_id not in out
    assert " / ".join(f"{v:.2f}" for v in tiers) in out
    assert len({f"{v:.2f}" for v in tiers}) == 3
    assert "toteutuu" not in out and "epävarma" not in out
