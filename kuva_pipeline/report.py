"""The scorecard as a coloured terminal table, in Finnish or English.

It reads the published snapshot (`KUVA_BI_PATH`) by default, as BI tools do,
so it never meets a running refresh's write lock; `live=True` reads the
warehouse itself.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from kuva_pipeline import settings
from kuva_pipeline.scoring import TIER_LABELS

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
    },
}


class ScorecardUnavailable(RuntimeError):
    """The warehouse has no scorecard to show yet (or cannot be opened)."""


def _fmt(value, digits: int = 1, lang: str = "en") -> str:
    if value is None:
        return "–"
    if isinstance(value, int | float):
        text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.{digits}f}"
        text = text.replace(",", "\u202f")  # thin space groups thousands, as in Finnish
        return text.replace(".", ",") if lang == "fi" else text  # and a decimal comma
    return str(value)


def _target_text(row: dict, lang: str = "en") -> str:
    lo, hi = row["target_min"], row["target_max"]
    if row.get("tier_minimum") is not None:
        return " / ".join(
            _fmt(row[k], lang=lang) for k in ("tier_minimum", "tier_challenging", "tier_exceptional")
        )
    if lo is not None and hi is not None:
        return f"{_fmt(lo, lang=lang)}–{_fmt(hi, lang=lang)}"
    if lo is not None:
        return f"≥ {_fmt(lo, lang=lang)}"
    if hi is not None:
        return f"≤ {_fmt(hi, lang=lang)}"
    return "–"


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set lock" in text)


def load_scorecard_rows(
    database: str | None = None, year: int | None = None, lang: str = "en", live: bool = False
) -> list[dict]:
    """The latest scored row per scorecard and meter from `bi.scorecard`.

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
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema='bi' AND table_name='scorecard'"
        ).fetchone()[0]
        if not exists:
            raise ScorecardUnavailable(msg["no_table"].format(path=path))
        if year:
            years = [r[0] for r in con.execute("SELECT DISTINCT year FROM bi.scorecard ORDER BY 1").fetchall()]
            if year not in years:
                raise ScorecardUnavailable(
                    msg["no_year"].format(year=year, years=", ".join(map(str, years)) or "–")
                )
        filt = "WHERE year = ?" if year else ""
        cur = con.execute(
            f"""
            SELECT * FROM bi.scorecard {filt}
            QUALIFY row_number() OVER (PARTITION BY scorecard_id, meter_id ORDER BY as_of DESC) = 1
            ORDER BY year, scorecard_id, goal_id, meter_id
            """,
            [year] if year else [],
        )
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


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
        from kuva_pipeline.timetravel import scorecard_as_of

        rows = scorecard_as_of(as_of, year=year, ignore_load_time=ignore_load_time)
    else:
        rows = load_scorecard_rows(year=year, lang=lang, live=live)
    if not rows:
        raise ScorecardUnavailable(MESSAGES[lang]["empty"])
    by_card: dict[str, list[dict]] = {}
    for row in rows:
        by_card.setdefault(row["scorecard_id"], []).append(row)
    heads = HEADINGS[lang]
    for card, card_rows in by_card.items():
        first = card_rows[0]
        title = f"{card}  ({first['year']}, {MESSAGES[lang]['as_of']} {first['as_of']})"
        table = Table(title=title, title_justify="left", show_lines=False, expand=False)
        for i, h in enumerate(heads):
            if i == 0:
                table.add_column(h, overflow="fold", min_width=28, max_width=48)
            else:
                table.add_column(h, justify="right" if 2 <= i <= 5 else "left", no_wrap=True)
        for r in card_rows:
            name = r["meter_name_fi"] if lang == "fi" else r["meter_name_en"]
            status_label = r["status_fi"] if lang == "fi" else r["status"].replace("_", " ")
            style = STATUS_STYLE.get(r["status"], "")
            forecast = r.get("manual_forecast") or ""
            if r.get("forecast_value") is not None:
                forecast = f"{_fmt(r['forecast_value'], lang=lang)} {forecast}".strip()
            table.add_row(
                name,
                r.get("service_area") or "",
                _fmt(r["baseline_value"], lang=lang),
                _target_text(r, lang),
                _fmt(r["actual_value"], lang=lang),
                _fmt(r["attainment_pct"], 0, lang),
                f"[{style}]{status_label}[/{style}]" if style else status_label,
                # A tier means something only for a tiered target that has a value.
                TIER_LABELS[r["tier"]][lang]
                if r.get("tier") and r.get("target_kind") == "tiers" and r["status"] != "no_data"
                else "",
                forecast,
            )
        console.print(table)
