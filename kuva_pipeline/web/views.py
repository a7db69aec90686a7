"""Page models: what each page shows, computed from the snapshot as plain dictionaries.

Pure functions of (snapshot, language, as-of day, links); the templates only lay
the values out. The web app and the static report both call these.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from kuva_pipeline.web import charts, fmt
from kuva_pipeline.web import labels as L
from kuva_pipeline.web.snapshot import Row, Snapshot

DAGSTER_URL_ENV = "KUVA_DAGSTER_URL"
DEFAULT_DAGSTER_URL = "http://127.0.0.1:3000"


class NotFound(LookupError):
    """A scorecard or meter the snapshot does not hold."""


class Links(Protocol):
    dynamic: bool

    def front(self, lang: str, as_of: date | None = None) -> str: ...
    def scorecard(self, lang: str, scorecard_id: str, as_of: date) -> str: ...
    def meter(self, lang: str, meter_id: str, as_of: date) -> str: ...


@dataclass(frozen=True)
class ServerLinks:
    dynamic: bool = True

    def front(self, lang: str, as_of: date | None = None) -> str:
        return f"/{lang}/" + (f"?as_of={as_of.isoformat()}" if as_of else "")

    def scorecard(self, lang: str, scorecard_id: str, as_of: date) -> str:
        return f"/{lang}/scorecards/{scorecard_id}?as_of={as_of.isoformat()}"

    def meter(self, lang: str, meter_id: str, as_of: date) -> str:
        return f"/{lang}/meters/{meter_id}?as_of={as_of.isoformat()}"


@dataclass(frozen=True)
class StaticLinks:
    """Relative links between the files of a static report (`<lang>/<page>.html`)."""

    dynamic: bool = False

    def front(self, lang: str, as_of: date | None = None) -> str:
        return f"../{lang}/" + (f"index-{as_of.isoformat()}.html" if as_of else "index.html")

    def scorecard(self, lang: str, scorecard_id: str, as_of: date) -> str:
        return f"../{lang}/{scorecard_id}-{as_of.isoformat()}.html"

    def meter(self, lang: str, meter_id: str, as_of: date) -> str:
        return f"../{lang}/{meter_id}-{as_of.isoformat()}.html"


def other_lang(lang: str) -> str:
    return "en" if lang == "fi" else "fi"


def resolve_as_of(days: list[date], asked: date | None) -> tuple[date | None, str | None]:
    """The published day to show for `asked`: itself, else the last one before it, else the first."""
    if not days:
        return None, None
    if asked is None:
        return days[-1], None
    if asked in days:
        return asked, None
    before = [d for d in days if d <= asked]
    if before:
        return before[-1], "as_of_note"
    return days[0], "as_of_before"


def dagster_asset_url(asset_key: str) -> str:
    base = os.environ.get(DAGSTER_URL_ENV) or DEFAULT_DAGSTER_URL
    return f"{base.rstrip('/')}/assets/{asset_key}"


def meter_asset_key(source: str | None) -> str:
    """The asset in the Dagster UI that computes a meter's value."""
    if not source or source == "checkin":
        return "meters/checkins"
    return f"meters/{source}_measures"


# ---------------------------------------------------------------- pieces


def status_view(status: str | None, lang: str) -> dict[str, str]:
    status = status or "no_data"
    colour, icon = L.STATUS_STYLE[status]
    return {"key": status, "colour": colour, "icon": icon, "label": L.status_label(status, lang)}


def _title(row: Row, lang: str, field: str = "title") -> str:
    return (row.get(f"{field}_{lang}") or row.get(f"{field}_fi") or "").strip()


def _split_goal(text: str) -> tuple[str, str]:
    head, _, rest = text.partition("\n")
    return head.strip(), rest.strip()


def _target_values(row: Row) -> list[float | None]:
    return [row["target_min"], row["target_max"], row["tier_minimum"], row["tier_challenging"], row["tier_exceptional"]]


def target_text(row: Row, lang: str) -> str:
    unit = row["unit"]
    digits = fmt.target_decimals(_target_values(row), unit)

    def n(v: float) -> str:
        return fmt.number(v, lang, digits)

    if row["target_kind"] == "tiers":
        parts = [
            f"{L.t(key, lang)} {n(row[key])}"
            for key in ("tier_minimum", "tier_challenging", "tier_exceptional")
            if row[key] is not None
        ]
        return " / ".join(parts)
    lo, hi = row["target_min"], row["target_max"]
    unit_label = fmt.UNIT_LABELS.get(unit, {}).get(lang, unit or "")
    if lo is not None and hi is not None:
        text = f"{n(lo)}–{n(hi)}"
    elif lo is not None:
        text = f"≥ {n(lo)}"
    elif hi is not None:
        text = f"≤ {n(hi)}"
    else:
        return "–"
    return f"{text}\u00a0{unit_label}" if unit_label else text


def _feed_points(snap: Snapshot, row: Row, as_of: date) -> tuple[list[charts.Point], str]:
    """The meter's series up to `as_of`: monthly, else yearly, else its check-in values."""
    values = snap.meter_values(row["meter_id"])
    area = row["service_area"]
    if not any(v["service_area"] == area for v in values):
        area = "KUVA"
    for grain in ("month", "year", "checkin"):
        pts = sorted(
            (v["period_start"], float(v["value"]))
            for v in values
            if v["grain"] == grain and v["service_area"] == area and v["value"] is not None and v["period_start"] <= as_of
        )
        if pts:
            return pts, grain
    return [], ""


def _year_to_date(points: list[charts.Point]) -> list[charts.Point]:
    out, total, year = [], 0.0, None
    for day, value in points:
        if day.year != year:
            total, year = 0.0, day.year
        total += value
        out.append((day, total))
    return out


def _latest_done(snap: Snapshot, meter_id: str, as_of: date) -> date | None:
    rows = snap.checkins(meter_id)
    done = [r["checkin_date"] for r in rows if r["status"] == "TEHTY" and r["checkin_date"] <= as_of]
    return max(done) if done else None


def meter_view(snap: Snapshot, row: Row, lang: str, as_of: date, links: Links) -> dict:
    """One meter at one as-of day, as the scorecard and meter pages show it."""
    unit = row["unit"]
    name = _title(row, lang, "meter_name")
    actual = row["actual_value"]
    actual_text = fmt.with_unit(actual, unit, lang)
    actual_note = ""
    if actual is None and row["status"] == "achieved":
        done = _latest_done(snap, row["meter_id"], as_of)
        actual_text = L.CHECKIN_STATUS_LABELS["TEHTY"][lang]
        actual_note = L.t("done_no_figure", lang, day=fmt.day(done or as_of, lang))
    elif actual is None:
        actual_text = L.t("no_value", lang)
    points, grain = _feed_points(snap, row, as_of)
    tiers = [row["tier_minimum"], row["tier_challenging"], row["tier_exceptional"]]
    target = target_text(row, lang)
    bar_label = f"{L.t('actual', lang)} {actual_text}; {L.t('target', lang)} {target}"
    if row["baseline_value"] is not None:
        bar_label += f"; {L.t('baseline', lang)} {fmt.with_unit(row['baseline_value'], unit, lang)}"
    spark_label = ""
    if points:
        first, last = points[0], points[-1]
        spark_label = (
            f"{L.t('trend', lang)}: {fmt.month(first[0], lang)} {fmt.number(first[1], lang, unit=unit)} … "
            f"{fmt.month(last[0], lang)} {fmt.number(last[1], lang, unit=unit)}"
        )
    no_data_reason = ""
    if row["status"] == "no_data" or row["data_quality"] not in (None, "ok"):
        no_data_reason = (row["explanation_fi"] if lang == "fi" else row["explanation"]) or ""
    return {
        "id": row["meter_id"],
        "name": name,
        "href": links.meter(lang, row["meter_id"], as_of),
        "status": status_view(row["status"], lang),
        "actual": actual_text,
        "actual_note": actual_note,
        "target": target,
        "baseline": fmt.with_unit(row["baseline_value"], unit, lang) if row["baseline_value"] is not None else "–",
        "attainment": fmt.percent(row["attainment_pct"], lang),
        "tier": L.tier_label(row["tier"], lang) if row["target_kind"] == "tiers" else "",
        "weight": fmt.number(row["weight_pct"], lang, 0) + "\u00a0%" if row["weight_pct"] is not None else "",
        "weighted_score": fmt.number(row["weighted_score"], lang, 1) if row["weighted_score"] is not None else "",
        "bar": charts.target_bar(
            actual,
            baseline=row["baseline_value"],
            target_min=row["target_min"],
            target_max=row["target_max"],
            tiers=tiers,
            direction=row["direction"],
            label=bar_label,
        ),
        "spark": charts.sparkline(points, spark_label) if len(points) > 1 else "",
        "projection": fmt.with_unit(row["forecast_value"], unit, lang) if row["forecast_value"] is not None else "–",
        "owner_forecast": L.forecast_label(row["manual_forecast"], lang) or "–",
        "disagrees": bool(row["forecast_disagrees"]),
        "data_quality": L.label(L.DATA_QUALITY_LABELS, row["data_quality"], lang),
        "data_quality_key": row["data_quality"],
        "no_data_reason": no_data_reason,
        "points": points,
        "grain": grain,
    }


def _as_of_choices(snap: Snapshot, scorecard_id: str | None, lang: str, current: date | None, links: Links, page) -> list[dict]:
    """The days to pick: the days scored (published, or computed for this page) and the
    documents' own forecast days. A scorecard's page offers its year's days of every
    scorecard, as a server computes those it lacks; a static report only the days it holds."""
    year = snap.scorecards[scorecard_id][0]["year"] if scorecard_id in snap.scorecards else None
    ids = [sc for sc, rows in snap.scorecards.items() if scorecard_id is None or rows[0]["year"] == year]
    kinds: dict[date, list[str]] = {}

    def add(d: date, label: str) -> None:
        if label and label not in kinds.setdefault(d, []):
            kinds[d].append(label)

    for sc in ids:
        for d in snap.as_of_days(sc):
            add(d, L.label(L.AS_OF_KIND_LABELS, _kind_of(snap, sc, d), lang))
    for d, rounds in snap.forecast_rounds().items():
        if year is None or d.year == year:
            for r in rounds:
                add(d, L.t("forecast_round_day", lang, round=r))
    held = set(snap.as_of_days(scorecard_id)) if scorecard_id else set(snap.all_as_of_days())
    days = sorted(kinds) if links.dynamic else sorted(d for d in kinds if d in held)
    return [
        {
            "day": fmt.day(d, lang),
            "iso": d.isoformat(),
            "kind": ", ".join(kinds[d]),
            "href": page(d),
            "current": d == current,
        }
        for d in days
    ]


def _note(snap: Snapshot, scorecard_id: str, note: str | None, asked: date | None, shown: date, lang: str) -> str:
    """What the page says about its day: another day shown than asked, or a computed one."""
    if note:
        return L.t(note, lang, asked=fmt.day(asked, lang), shown=fmt.day(shown, lang))
    if _kind_of(snap, scorecard_id, shown) == "time_travel":
        return L.t("as_of_computed", lang, day=fmt.day(shown, lang))
    return ""


def _kind_of(snap: Snapshot, scorecard_id: str, as_of: date) -> str:
    rows = snap.scorecard_rows(scorecard_id, as_of)
    return (rows[0].get("as_of_kind") if rows else None) or ""


def headline(snap: Snapshot, total: Row, lang: str) -> dict:
    """The weighted total and its tier for a weighted scorecard; status counts otherwise."""
    counts = [
        {"status": status_view(s, lang), "n": total[f"meters_{s}"]}
        for s in sorted(L.STATUS_SORT, key=L.STATUS_SORT.get)
        if total.get(f"meters_{s}")
    ]
    out = {
        "weighted": bool(total["weighted"]),
        "counts": counts,
        "meters": L.t("meters_n", lang, n=total["meters"]),
        "goals": L.t("goals_n", lang, n=total["goals"]),
    }
    if total["weighted"] and total["total_weighted_score"] is not None:
        out.update(
            total=fmt.number(total["total_weighted_score"], lang, 1),
            max=fmt.number(total["max_weighted_score"], lang, 0),
            tier=L.tier_label(total["tier"], lang),
            scored_weight=fmt.number(total["scored_weight_pct"], lang, 0),
            share=float(total["weighted_share"] or 0),
        )
    return out


def freshness(snap: Snapshot, scorecard_id: str, as_of: date, lang: str) -> dict:
    """How fresh the scorecard's data is at its day, as `bi.scorecards` publishes it."""
    total = snap.scorecard_total(scorecard_id, as_of) or {}
    until = total.get("data_until")
    problems = total.get("meters_data_problems") or 0
    pub = snap.publication
    return {
        "data_until": L.t("data_until", lang, day=fmt.day(until, lang)) if until else L.t("no_feed", lang),
        "quality": L.t("quality_issues", lang, n=problems) if problems else L.t("quality_ok", lang),
        "quality_ok": not problems,
        "published": L.t("published", lang, when=fmt.moment(pub["published_at"], lang)) if pub else "",
    }


# ---------------------------------------------------------------- pages


def front_page(snap: Snapshot, lang: str, asked: date | None, links: Links) -> dict:
    cards = []
    for scorecard_id, totals in snap.scorecards.items():
        days = snap.as_of_days(scorecard_id)
        if asked is not None and not any(d <= asked for d in days):
            chosen = None
        else:
            chosen, _ = resolve_as_of(days, asked)
        first = totals[-1]
        card = {"id": scorecard_id, "title": _title(first, lang), "year": first["year"]}
        if chosen is None:
            card["not_scored"] = L.t("not_scored_yet", lang)
        else:
            total = snap.scorecard_total(scorecard_id, chosen)
            card.update(
                as_of=fmt.day(chosen, lang),
                as_of_kind=L.label(L.AS_OF_KIND_LABELS, _kind_of(snap, scorecard_id, chosen), lang),
                href=links.scorecard(lang, scorecard_id, chosen),
                headline=headline(snap, total, lang),
                freshness=freshness(snap, scorecard_id, chosen, lang),
            )
        cards.append(card)
    return {
        "page": "front",
        "title": L.t("front_title", lang),
        "cards": cards,
        "as_of_choices": _as_of_choices(snap, None, lang, asked, links, lambda d: links.front(lang, d)),
        "as_of_value": asked.isoformat() if asked else "",
        "switch_href": links.front(other_lang(lang), asked),
        "breadcrumbs": [],
    }


def scorecard_page(snap: Snapshot, lang: str, scorecard_id: str, asked: date | None, links: Links) -> dict:
    if scorecard_id not in snap.scorecards:
        raise NotFound(f"scorecard {scorecard_id!r} is not in the published snapshot")
    as_of, note = resolve_as_of(snap.as_of_days(scorecard_id), asked)
    total = snap.scorecard_total(scorecard_id, as_of)
    rows = snap.scorecard_rows(scorecard_id, as_of)
    goals = {g["goal_id"]: g for g in snap.goal_rows(scorecard_id, as_of)}
    groups: dict[str, dict] = {}
    goal_views: dict[str, dict] = {}
    for row in rows:
        gid = row["goal_id"]
        if gid not in goal_views:
            g = goals.get(gid, {})
            area = _title(g, lang, "goal_area") if total["weighted"] else ""
            heading = area or _title(g, lang, "theme")
            group = groups.setdefault(
                heading,
                {
                    "heading": heading,
                    "weight": fmt.number(g.get("weight_pct"), lang, 0) + "\u00a0%" if total["weighted"] and g.get("weight_pct") is not None else "",
                    "goals": [],
                },
            )
            head, detail = _split_goal(_title(g, lang, "goal"))
            responsible = g.get("responsible")
            goal_views[gid] = {
                "id": gid,
                "title": head,
                "detail": detail,
                "binding": bool(g.get("binding")),
                "status": status_view(g.get("status"), lang),
                "weighted_score": fmt.number(g.get("weighted_score"), lang, 1) if g.get("weighted_score") is not None else "",
                "responsible": responsible or "",
                "meters": [],
            }
            group["goals"].append(goal_views[gid])
        goal_views[gid]["meters"].append(meter_view(snap, row, lang, as_of, links))
    return {
        "page": "scorecard",
        "title": _title(total, lang),
        "year": total["year"],
        "as_of": fmt.day(as_of, lang),
        "as_of_iso": as_of.isoformat(),
        "as_of_kind": L.label(L.AS_OF_KIND_LABELS, _kind_of(snap, scorecard_id, as_of), lang),
        "note": _note(snap, scorecard_id, note, asked, as_of, lang),
        "headline": headline(snap, total, lang),
        "freshness": freshness(snap, scorecard_id, as_of, lang),
        "groups": list(groups.values()),
        "weighted": bool(total["weighted"]),
        "as_of_choices": _as_of_choices(
            snap, scorecard_id, lang, as_of, links, lambda d: links.scorecard(lang, scorecard_id, d)
        ),
        "as_of_value": as_of.isoformat(),
        "switch_href": links.scorecard(other_lang(lang), scorecard_id, as_of),
        "breadcrumbs": [{"label": L.t("front_link", lang), "href": links.front(lang, asked)}],
        "legend": [status_view(s, lang) for s in sorted(L.STATUS_SORT, key=L.STATUS_SORT.get)],
    }


def scorecard_of_meter(snap: Snapshot, meter_id: str) -> str:
    meter = snap.meters.get(meter_id)
    if meter is None:
        for row in snap.tables["scorecard"]:
            if row["meter_id"] == meter_id:
                return row["scorecard_id"]
        raise NotFound(f"meter {meter_id!r} is not in the published snapshot")
    return meter["scorecard_id"]


def _latest_checks(snap: Snapshot, source: str | None, lang: str) -> list[dict]:
    latest: dict[tuple[str, str], Row] = {}
    for r in snap.quality_checks(source):
        key = (r["asset"], r["check_name"])
        if key not in latest or r["checked_at"] > latest[key]["checked_at"]:
            latest[key] = r
    out = []
    for (asset, name), r in sorted(latest.items(), key=lambda kv: (kv[1]["passed"], kv[0])):
        out.append(
            {
                "asset": asset,
                "asset_href": dagster_asset_url(asset),
                "name": name,
                "passed": bool(r["passed"]),
                "result": L.t("passed" if r["passed"] else "failed", lang),
                "severity": r["severity"],
                "detail": r["detail"] or "",
                "waiver": L.t("waived", lang, reason=r["waiver_reason"]) if r.get("waived_by") else "",
                "checked_at": fmt.moment(r["checked_at"], lang),
            }
        )
    return out


def _checkin_rows(snap: Snapshot, row: Row, as_of: date, lang: str) -> list[dict]:
    unit = row["unit"]
    out = []
    checkins = snap.checkins(row["meter_id"])
    for c in sorted(checkins, key=lambda c: (c["checkin_date"], c["origin"] != "catalog")):
        if c["checkin_date"] > as_of:
            continue
        out.append(
            {
                "date": fmt.day(c["checkin_date"], lang),
                "status": L.label(L.CHECKIN_STATUS_LABELS, c["status"], lang) or "–",
                "progress": fmt.percent(c["progress_pct"], lang) if c["progress_pct"] is not None else "–",
                "forecast": L.forecast_label(c["forecast"], lang) or "–",
                "round": c.get("forecast_round") or "",
                "value": fmt.with_unit(c["value"], unit, lang) if c["value"] is not None else "–",
                "origin": L.label(L.ORIGIN_LABELS, c.get("origin"), lang) or "–",
            }
        )
    return out


def meter_page(snap: Snapshot, lang: str, meter_id: str, asked: date | None, links: Links) -> dict:
    scorecard_id = scorecard_of_meter(snap, meter_id)
    as_of, note = resolve_as_of(snap.as_of_days(scorecard_id), asked)
    rows = [r for r in snap.scorecard_rows(scorecard_id, as_of) if r["meter_id"] == meter_id]
    if not rows:
        raise NotFound(f"meter {meter_id!r} is not scored on {as_of}")
    row = rows[0]
    total = snap.scorecard_total(scorecard_id, as_of)
    meter = snap.meters.get(meter_id, {})
    view = meter_view(snap, row, lang, as_of, links)
    unit = row["unit"]
    points, grain = view["points"], view["grain"]
    cumulative = grain == "month" and meter.get("accumulation") == "cumulative"
    chart_points = _year_to_date(points) if cumulative else points
    series_label = {
        "month": L.t("chart_cumulative" if cumulative else "chart_monthly", lang),
        "year": L.t("chart_yearly", lang),
        "checkin": L.t("chart_checkins", lang),
    }.get(grain, "")
    tiers = [row["tier_minimum"], row["tier_challenging"], row["tier_exceptional"]]
    digits = fmt.default_decimals(unit)
    has_target = row["target_min"] is not None or row["target_max"] is not None
    chart = charts.line_chart(
        chart_points,
        baseline=row["baseline_value"],
        target_min=row["target_min"],
        target_max=row["target_max"],
        tiers=tiers if row["target_kind"] == "tiers" else [],
        label=f"{L.t('chart', lang)}: {view['name']} ({series_label}); {L.t('target', lang)} {view['target']}; "
        f"{L.t('baseline', lang)} {view['baseline']}",
        tick_label=lambda v: fmt.number(v, lang, digits if abs(v) < 1000 else 0),
        legend={
            "series": f"{L.t('actual', lang)}, {series_label}",
            "target": L.t("target", lang) if has_target else "",
            "baseline": L.t("baseline", lang) if row["baseline_value"] is not None else "",
            "tiers": L.t("tiers", lang) if row["target_kind"] == "tiers" else "",
        },
    )
    period = fmt.month if grain == "month" else (lambda d, lg: str(d.year)) if grain == "year" else fmt.day
    series = [
        {"period": period(d, lang), "value": fmt.number(v, lang, unit=unit)}
        for d, v in chart_points
    ]
    source = meter.get("source") or ("checkin" if row["value_origin"] == "checkin" else None)
    asset = meter_asset_key(source)
    goal = {g["goal_id"]: g for g in snap.goal_rows(scorecard_id, as_of)}.get(row["goal_id"], {})
    responsible = goal.get("responsible") or ""
    return {
        "page": "meter",
        "title": view["name"],
        "meter": view,
        "scorecard_title": _title(total, lang),
        "goal_title": _split_goal(_title(goal, lang, "goal"))[0],
        "responsible": responsible,
        "as_of": fmt.day(as_of, lang),
        "as_of_kind": L.label(L.AS_OF_KIND_LABELS, _kind_of(snap, scorecard_id, as_of), lang),
        "note": _note(snap, scorecard_id, note, asked, as_of, lang),
        "explanation": (row["explanation_fi"] if lang == "fi" else row["explanation"]) or "",
        "inputs": [
            (L.t("source", lang), L.label(L.SOURCE_LABELS, source, lang) or "–"),
            (L.t("measure", lang), meter.get("measure") or "–"),
            (L.t("value_origin", lang), L.label(L.ORIGIN_LABELS, row["value_origin"], lang) or "–"),
            (L.t("rows", lang), fmt.number(row["row_count"], lang, 0) if row["row_count"] is not None else "–"),
            (L.t("service_area", lang), row["service_area"] or "–"),
            (L.t("unit", lang), fmt.UNIT_LABELS.get(unit, {}).get(lang, unit or "–")),
            (L.t("direction", lang), L.label(L.DIRECTION_LABELS, row["direction"], lang)),
            (L.t("target_kind", lang), L.label(L.TARGET_KIND_LABELS, row["target_kind"], lang)),
            (L.t("data_quality", lang), view["data_quality"]),
        ],
        "asset": asset,
        "asset_href": dagster_asset_url(asset),
        "checks": _latest_checks(snap, source, lang),
        "checkins": _checkin_rows(snap, row, as_of, lang),
        "chart": chart,
        "series": series,
        "series_label": series_label,
        "as_of_choices": _as_of_choices(
            snap, scorecard_id, lang, as_of, links, lambda d: links.meter(lang, meter_id, d)
        ),
        "as_of_value": as_of.isoformat(),
        "switch_href": links.meter(other_lang(lang), meter_id, as_of),
        "breadcrumbs": [
            {"label": L.t("front_link", lang), "href": links.front(lang, asked)},
            {"label": _title(total, lang), "href": links.scorecard(lang, scorecard_id, as_of)},
        ],
        "back": {"label": L.t("back_to", lang, title=_title(total, lang)), "href": links.scorecard(lang, scorecard_id, as_of)},
    }
