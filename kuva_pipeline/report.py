"""The scorecard as a coloured terminal table, in Finnish or English."""

from __future__ import annotations

from datetime import date

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


class ScorecardUnavailable(RuntimeError):
    """The warehouse has no scorecard to show yet (or cannot be opened)."""


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, int | float):
        text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.{digits}f}"
        return text.replace(",", "\u202f")  # thin space groups thousands, as in Finnish
    return str(value)


def _target_text(row: dict) -> str:
    lo, hi = row["target_min"], row["target_max"]
    if row.get("tier_minimum") is not None:
        return " / ".join(_fmt(row[k]) for k in ("tier_minimum", "tier_challenging", "tier_exceptional"))
    if lo is not None and hi is not None:
        return f"{_fmt(lo)}–{_fmt(hi)}"
    if lo is not None:
        return f"≥ {_fmt(lo)}"
    if hi is not None:
        return f"≤ {_fmt(hi)}"
    return "–"


def load_scorecard_rows(
    database: str | None = None, year: int | None = None
) -> list[dict]:
    """The latest scored row per scorecard and meter from `bi.scorecard`."""
    path = database or str(settings.path_setting("KUVA_WAREHOUSE_PATH"))
    try:
        con = duckdb.connect(path, read_only=True)
    except duckdb.Error as exc:
        raise ScorecardUnavailable(f"cannot open the warehouse {path}: {exc}") from exc
    try:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema='bi' AND table_name='scorecard'"
        ).fetchone()[0]
        if not exists:
            raise ScorecardUnavailable(
                f"{path} has no bi.scorecard yet: run `kuva refresh` first"
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
) -> None:
    from rich.table import Table

    if as_of is not None:
        from kuva_pipeline.timetravel import scorecard_as_of

        rows = scorecard_as_of(as_of, year=year, ignore_load_time=ignore_load_time)
    else:
        rows = load_scorecard_rows(year=year)
    if not rows:
        raise ScorecardUnavailable("the scorecard is empty for that selection")
    by_card: dict[str, list[dict]] = {}
    for row in rows:
        by_card.setdefault(row["scorecard_id"], []).append(row)
    heads = HEADINGS[lang]
    for card, card_rows in by_card.items():
        first = card_rows[0]
        title = f"{card}  ({first['year']}, as of {first['as_of']})"
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
                forecast = f"{_fmt(r['forecast_value'])} {forecast}".strip()
            table.add_row(
                name,
                r.get("service_area") or "",
                _fmt(r["baseline_value"]),
                _target_text(r),
                _fmt(r["actual_value"]),
                _fmt(r["attainment_pct"], 0),
                f"[{style}]{status_label}[/{style}]" if style else status_label,
                # A tier means something only for a tiered target that has a value.
                TIER_LABELS[r["tier"]][lang]
                if r.get("tier") and r.get("target_kind") == "tiers" and r["status"] != "no_data"
                else "",
                forecast,
            )
        console.print(table)
