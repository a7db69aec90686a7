"""The scorecard as a coloured terminal table, in Finnish or English.

It reads the published snapshot (`KUVA_BI_PATH`) by default, as BI tools do,
so it never meets a running refresh's write lock; `live=True` reads the
warehouse itself. Tables are headed by the scorecards' titles, numbers are
formatted as in the scorecard view (counts whole, tier thresholds with the
decimals that tell them apart), owners' forecast words are in the table's
language, and a milestone done without a figure says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from kuva_pipeline import settings
from kuva_pipeline.scoring.labels import (
    CHECKIN_STATUS_LABELS,
    FORECAST_LABELS,
    STATUS_LABELS,
    TIER_LABELS,
)
from kuva_pipeline.web import fmt
from kuva_pipeline.web import labels as L

STATUS_STYLE = {
    "achieved": "bold green",
    "on_track": "green",
    "at_risk": "yellow",
    "not_achieved": "bold red",
    "no_data": "dim",
}

HEADINGS = {
    "en": ("Meter", "Area", "Baseline", "Target", "Actual", "Attain. %", "Status", "Tier", "Forecast"),
    "fi": ("Mittari", "Alue", "Lähtötaso", "Tavoite", "Toteuma", "Tot. %", "Tila", "Taso", "Ennuste"),
}


MESSAGES = {
    "en": {
        "no_snapshot": "No published scorecard at {path} yet: run `kuva refresh` first.",
        "no_warehouse": "No warehouse at {path} yet: run `kuva refresh` first.",
        "busy": "The warehouse {path} is being written by a refresh; read the published "
        "snapshot instead (drop --live), or try again when it has finished.",
        "unreadable": "Cannot open {path}: {error}",
        "no_table": "{path} has no bi.scorecard yet: run `kuva refresh` first.",
        "no_year": "No scorecard for {year}. Years available: {years}.",
        "empty": "The scorecard is empty: run `kuva refresh` first.",
        "as_of": "as of",
        "done_undated": "marked done, without a figure",
    },
    "fi": {
        "no_snapshot": "Julkaistua tuloskorttia ei vielä ole ({path}): aja ensin `kuva refresh`.",
        "no_warehouse": "Tietovarastoa ei vielä ole ({path}): aja ensin `kuva refresh`.",
        "busy": "Päivitys kirjoittaa parhaillaan tietovarastoon {path}; lue julkaistu "
        "tilannekuva (ilman --live) tai yritä uudelleen päivityksen jälkeen.",
        "unreadable": "Tiedostoa {path} ei voi avata: {error}",
        "no_table": "Tiedostossa {path} ei vielä ole taulua bi.scorecard: aja ensin `kuva refresh`.",
        "no_year": "Vuodelle {year} ei ole tuloskorttia. Saatavilla olevat vuodet: {years}.",
        "empty": "Tuloskortti on tyhjä: aja ensin `kuva refresh`.",
        "as_of": "tilanne",
        "done_undated": "merkitty tehdyksi, ilman lukuarvoa",
    },
}


class ScorecardUnavailable(RuntimeError):
    """The warehouse has no scorecard to show yet (or cannot be opened)."""


@dataclass
class ScorecardTables:
    """What the terminal table shows: scored rows, the scorecards' titles and check-ins."""

    rows: list[dict]
    titles: dict[str, dict[str, str]] = field(default_factory=dict)
    """scorecard_id -> {"fi": title, "en": title}"""
    done: dict[str, list[date]] = field(default_factory=dict)
    """meter_id -> the days a check-in marked the meter done (TEHTY)"""


def _titles(rows: list[dict]) -> dict[str, dict[str, str]]:
    return {
        r["scorecard_id"]: {"fi": (r["title_fi"] or "").strip(), "en": (r["title_en"] or r["title_fi"] or "").strip()}
        for r in rows
    }


def _done(rows: list[dict]) -> dict[str, list[date]]:
    done: dict[str, list[date]] = {}
    for r in rows:
        if r["status"] == "TEHTY":
            done.setdefault(r["meter_id"], []).append(r["checkin_date"])
    return done


def _number(value, lang: str, unit: str | None = None, decimals: int | None = None) -> str:
    return fmt.number(value, lang, decimals, unit)


def _target_text(row: dict, lang: str = "en") -> str:
    bounds = [row.get(k) for k in ("target_min", "target_max", "tier_minimum", "tier_challenging", "tier_exceptional")]
    digits = fmt.target_decimals(bounds, row.get("unit"))
    lo, hi = row["target_min"], row["target_max"]
    if row.get("tier_minimum") is not None:
        return " / ".join(
            _number(row[k], lang, decimals=digits) for k in ("tier_minimum", "tier_challenging", "tier_exceptional")
        )
    if lo is not None and hi is not None:
        return f"{_number(lo, lang, decimals=digits)}–{_number(hi, lang, decimals=digits)}"
    if lo is not None:
        return f"≥ {_number(lo, lang, decimals=digits)}"
    if hi is not None:
        return f"≤ {_number(hi, lang, decimals=digits)}"
    return "–"


def actual_text(row: dict, done_days: list[date], lang: str) -> str:
    """The actual value; a milestone achieved without a figure says it was marked done, and when."""
    if row["actual_value"] is not None:
        return _number(row["actual_value"], lang, row.get("unit"))
    if row["status"] == "achieved":
        known = [d for d in done_days if d <= row["as_of"]]
        # The scorecard view's words, so the table and the pages say it alike.
        why = L.t("done_no_figure", lang, day=fmt.day(max(known), lang)) if known else MESSAGES[lang]["done_undated"]
        return f"{CHECKIN_STATUS_LABELS['TEHTY'][lang]} ({why})"
    return "–"


def forecast_text(row: dict, lang: str) -> str:
    """The projection (a count as a whole number) and the owner's forecast word in `lang`."""
    word = row.get("manual_forecast") or ""
    word = FORECAST_LABELS.get(word, {}).get(lang, word)
    if row.get("forecast_value") is not None:
        return f"{_number(row['forecast_value'], lang, row.get('unit'))} {word}".strip()
    return word


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set lock" in text)


def _table_rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def load_scorecard_tables(
    database: str | None = None, year: int | None = None, lang: str = "en", live: bool = False
) -> ScorecardTables:
    """The latest scored row per scorecard and meter from `bi.scorecard`, with titles and check-ins.

    `database` defaults to the published snapshot (KUVA_BI_PATH), or with
    `live` to the warehouse; every way this can fail says what to do.
    """
    msg = MESSAGES[lang]
    setting = "KUVA_WAREHOUSE_PATH" if live else "KUVA_BI_PATH"
    path = database or str(settings.path_setting(setting))
    if not Path(path).exists():
        raise ScorecardUnavailable(msg["no_warehouse" if live else "no_snapshot"].format(path=path))
    try:
        con = duckdb.connect(path, read_only=True)
    except duckdb.Error as exc:
        key = "busy" if _is_lock_error(exc) else "unreadable"
        raise ScorecardUnavailable(
            msg[key].format(path=path, error=str(exc).splitlines()[0])
        ) from None
    try:
        present = {
            t for (t,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'bi'"
            ).fetchall()
        }
        if "scorecard" not in present:
            raise ScorecardUnavailable(msg["no_table"].format(path=path))
        if year:
            years = [r[0] for r in con.execute("SELECT DISTINCT year FROM bi.scorecard ORDER BY 1").fetchall()]
            if year not in years:
                raise ScorecardUnavailable(
                    msg["no_year"].format(year=year, years=", ".join(map(str, years)) or "–")
                )
        filt = "WHERE year = ?" if year else ""
        rows = _table_rows(
            con,
            f"""
            SELECT * FROM bi.scorecard {filt}
            QUALIFY row_number() OVER (PARTITION BY scorecard_id, meter_id ORDER BY as_of DESC) = 1
            ORDER BY year, scorecard_id, goal_id, meter_id
            """,
            [year] if year else [],
        )
        titles = _titles(_table_rows(con, "SELECT DISTINCT scorecard_id, title_fi, title_en FROM bi.scorecards")) if "scorecards" in present else {}
        done = _done(_table_rows(con, "SELECT meter_id, checkin_date, status FROM bi.checkins")) if "checkins" in present else {}
        return ScorecardTables(rows, titles, done)
    finally:
        con.close()


def load_scorecard_rows(
    database: str | None = None, year: int | None = None, lang: str = "en", live: bool = False
) -> list[dict]:
    """The latest scored row per scorecard and meter from `bi.scorecard`."""
    return load_scorecard_tables(database, year, lang, live).rows


def scorecard_tables_as_of(
    as_of: date, year: int | None = None, ignore_load_time: bool = False, database: str | None = None
) -> ScorecardTables:
    """The same tables recomputed as of a day by time travel (from the warehouse)."""
    from kuva_pipeline.timetravel import bi_as_of

    tables = bi_as_of(as_of, year=year, database=database, ignore_load_time=ignore_load_time)
    rows = sorted(tables["scorecard"], key=lambda r: (r["year"], r["scorecard_id"], r["goal_id"], r["meter_id"]))
    return ScorecardTables(rows, _titles(tables["scorecards"]), _done(tables["checkins"]))


def render_scorecard(
    console,
    year: int | None = None,
    as_of: date | None = None,
    lang: str = "en",
    ignore_load_time: bool = False,
    live: bool = False,
) -> None:
    from rich.table import Table

    if as_of is not None:
        tables = scorecard_tables_as_of(as_of, year=year, ignore_load_time=ignore_load_time)
    else:
        tables = load_scorecard_tables(year=year, lang=lang, live=live)
    if not tables.rows:
        raise ScorecardUnavailable(MESSAGES[lang]["empty"])
    by_card: dict[str, list[dict]] = {}
    for row in tables.rows:
        by_card.setdefault(row["scorecard_id"], []).append(row)
    heads = HEADINGS[lang]
    for card, card_rows in by_card.items():
        first = card_rows[0]
        name = (tables.titles.get(card) or {}).get(lang) or card
        title = f"{name}  ({first['year']}, {MESSAGES[lang]['as_of']} {fmt.day(first['as_of'], lang)})"
        table = Table(title=title, title_justify="left", show_lines=False, expand=False)
        for i, h in enumerate(heads):
            if i == 0:
                table.add_column(h, overflow="fold", min_width=28, max_width=48)
            elif i == 4:  # the actual may be a sentence: a milestone done without a figure
                table.add_column(h, justify="right")
            else:
                table.add_column(h, justify="right" if 2 <= i <= 5 else "left", no_wrap=True)
        for r in card_rows:
            name = r["meter_name_fi"] if lang == "fi" else r["meter_name_en"]
            status_label = STATUS_LABELS[r["status"]][lang]
            style = STATUS_STYLE.get(r["status"], "")
            table.add_row(
                name,
                r.get("service_area") or "",
                _number(r["baseline_value"], lang, r.get("unit")) if r["baseline_value"] is not None else "–",
                _target_text(r, lang),
                actual_text(r, tables.done.get(r["meter_id"], []), lang),
                _number(r["attainment_pct"], lang, decimals=0),
                f"[{style}]{status_label}[/{style}]" if style else status_label,
                # A tier means something only for a tiered target that has a value.
                TIER_LABELS[r["tier"]][lang]
                if r.get("tier") and r.get("target_kind") == "tiers" and r["status"] != "no_data"
                else "",
                forecast_text(r, lang),
            )
        console.print(table)
