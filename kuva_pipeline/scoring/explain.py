"""One readable sentence, in English and in Finnish, saying why a meter got its status.

The sentence names the rule applied and the figures it compared, then the
as-of date, the row count when known and the scoring code version, so a
manager can read it in the BI tool and an engineer can trace it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from kuva_pipeline.catalog.targets import (
    AtLeast,
    AtMost,
    Direction,
    KeepBaseline,
    Milestone,
    Range,
    Ratio,
    RelativeChange,
    Tiers,
)

from .labels import STATUS_LABELS, TIER_LABELS, Forecast, Status, Tier

Rule = Literal[
    "data_quality",  # the feed failed its checks, is stale or missing
    "target_unresolved",  # the target cannot be turned into a number
    "no_value",  # nothing reported and no owner forecast
    "year_end",  # the year is complete: met or not
    "reached_early",  # met mid-year by a value that cannot fall back
    "level_band",  # mid-year level against the target with a tolerance band
    "expected_path",  # mid-year total or progress against the expected share
    "owner_forecast",  # no value: the owner's forecast decides
]
ValueKind = Literal["cumulative", "level", "stock", "milestone", "checkin"]
Lang = Literal["en", "fi"]


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything a sentence may mention; the engine fills in what applies."""

    status: Status
    rule: Rule
    detail: str | None
    as_of: date
    code_version: str
    row_count: int | None = None
    reason: str | None = None
    value: float | None = None
    value_kind: ValueKind = "level"
    direction: Direction = "higher"
    limit: float | None = None
    target_en: str = ""
    target_fi: str = ""
    band_limit: float | None = None
    tolerance_pct: float | None = None
    expected: float | None = None
    fraction: float | None = None
    seasonal: bool = False
    tier: Tier | None = None
    forecast: Forecast | None = None
    forecast_value: float | None = None
    projection: float | None = None
    forecast_disagrees: bool = False


def num(x: float, lang: Lang) -> str:
    """A figure as people write it: 2 decimals at most, decimal comma in Finnish."""
    text = f"{x:.0f}" if abs(x - round(x)) < 1e-9 else f"{x:.2f}".rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return text.replace(".", ",") if lang == "fi" else text


def describe_target(
    target: object, limit: float, baseline: float | None, direction: Direction
) -> tuple[str, str]:
    """The target in words (en, fi), with the number it resolves to."""
    prefix_en, prefix_fi = "", ""
    if isinstance(target, Tiers):
        prefix_en, prefix_fi = "minimum level ", "minimitaso "
        target = target.minimum
    up = direction == "higher"
    bound_en = "at least" if up else "at most"
    bound_fi = "vähintään" if up else "enintään"
    lim_en, lim_fi = num(limit, "en"), num(limit, "fi")
    if isinstance(target, AtLeast | AtMost):
        en, fi = f"{bound_en} {lim_en}", f"{bound_fi} {lim_fi}"
    elif isinstance(target, Range):
        en = f"{num(target.min, 'en')}-{num(target.max, 'en')}"
        fi = f"{num(target.min, 'fi')}-{num(target.max, 'fi')}"
    elif isinstance(target, RelativeChange):
        sign = "+" if target.pct >= 0 else "-"
        pct_en, pct_fi = num(abs(target.pct), "en"), num(abs(target.pct), "fi")
        b_en = num(baseline, "en") if baseline is not None else "?"
        b_fi = num(baseline, "fi") if baseline is not None else "?"
        en = f"{bound_en} {lim_en}, {sign}{pct_en} % on the baseline {b_en}"
        fi = f"{bound_fi} {lim_fi}, lähtötaso {b_fi} {sign}{pct_fi} %"
    elif isinstance(target, KeepBaseline):
        en, fi = f"{bound_en} the baseline {lim_en}", f"{bound_fi} lähtötaso {lim_fi}"
    elif isinstance(target, Ratio):
        en = f"at least {target.done} of {target.total}"
        fi = f"vähintään {target.done}/{target.total}"
    elif isinstance(target, Milestone):
        en, fi = "done, 100 %", "valmis, 100 %"
    else:  # pragma: no cover - the grammar has no other kinds
        en, fi = f"{bound_en} {lim_en}", f"{bound_fi} {lim_fi}"
    return prefix_en + en, prefix_fi + fi


def _value_phrase(f: Facts, lang: Lang) -> str:
    v = num(f.value, lang) if f.value is not None else "?"
    phrases = {
        "milestone": ("the milestone progress {v} %", "virstanpylvään edistyminen {v} %"),
        "checkin": ("the value {v} reported by the owner", "omistajan raportoima arvo {v}"),
        "cumulative": ("the year-to-date total {v}", "vuoden kertymä {v}"),
        "level": ("the measured level {v}", "mitattu taso {v}"),
        "stock": ("the count in place {v}", "käytössä oleva määrä {v}"),
    }
    en, fi = phrases[f.value_kind]
    return (en if lang == "en" else fi).format(v=v)


def _label(status: Status, lang: Lang) -> str:
    text = STATUS_LABELS[status][lang]
    return text[0].upper() + text[1:]


def _core(f: Facts, lang: Lang) -> str:
    """The rule sentence, without the tail."""
    en = lang == "en"
    label = _label(f.status, lang)
    vp = _value_phrase(f, lang)
    target = f.target_en if en else f.target_fi
    reason = f" ({f.reason})" if f.reason else ""
    up = f.direction == "higher"

    if f.rule == "data_quality":
        what_en = {
            "failed": "failed its quality checks",
            "stale": "is stale",
            "missing": "is missing",
        }
        what_fi = {
            "failed": "ei läpäissyt laatutarkistuksia",
            "stale": "on vanhentunut",
            "missing": "puuttuu",
        }
        detail = f.detail or "missing"
        if en:
            return f"{label}: the source data {what_en[detail]}{reason}, so no status is shown"
        return f"{label}: lähdeaineisto {what_fi[detail]}{reason}, joten tilaa ei näytetä"

    if f.rule == "target_unresolved":
        if en:
            return f"{label}: the target cannot be resolved{reason}"
        return f"{label}: tavoitetasoa ei voi laskea{reason}"

    if f.rule == "no_value":
        if en:
            return f"{label}: no value has been reported and there is no owner forecast"
        return f"{label}: arvoa ei ole raportoitu eikä omistajan ennustetta ole"

    if f.detail == "tehty_declared":
        if en:
            return f"{label}: the owner reports the target reached (TEHTY) without a figure"
        return f"{label}: omistaja ilmoittaa tavoitteen saavutetuksi (TEHTY) ilman lukua"

    if f.rule == "year_end":
        if f.detail == "in_progress":
            if en:
                return f"{label}: the year is complete and the milestone is still in progress (TEKEILLÄ)"
            return f"{label}: vuosi on päättynyt ja virstanpylväs on yhä tekeillä (TEKEILLÄ)"
        if f.detail == "met":
            if en:
                return f"{label}: the year is complete and {vp} meets the target ({target})"
            return f"{label}: vuosi on päättynyt ja {vp} täyttää tavoitteen ({target})"
        if en:
            return f"{label}: the year is complete and {vp} does not meet the target ({target})"
        return f"{label}: vuosi on päättynyt eikä {vp} täytä tavoitetta ({target})"

    if f.rule == "reached_early":
        if f.detail == "tehty":
            if en:
                return f"{label}: the owner has marked the milestone done (TEHTY)"
            return f"{label}: omistaja on merkinnyt virstanpylvään tehdyksi (TEHTY)"
        if f.detail == "checkin":
            if en:
                return f"{label}: {vp} meets the target ({target}) before the year ends"
            return f"{label}: {vp} täyttää tavoitteen ({target}) jo ennen vuoden loppua"
        if en:
            return (
                f"{label}: {vp} already meets the target ({target}), "
                "and a value that only grows cannot fall back"
            )
        return (
            f"{label}: {vp} täyttää jo tavoitteen ({target}), "
            "eikä vain kasvava arvo voi enää pudota sen alle"
        )

    if f.rule == "level_band":
        tol = num(f.tolerance_pct or 0.0, lang)
        band = num(f.band_limit, lang) if f.band_limit is not None else "?"
        if f.detail == "met":
            if en:
                return (
                    f"{label}: {vp} meets the target ({target}), "
                    "but a measured level can still fall before the year ends"
                )
            return (
                f"{label}: {vp} täyttää tavoitteen ({target}), "
                "mutta mitattu taso voi vielä muuttua ennen vuoden loppua"
            )
        inside = f.detail == "within"
        if en:
            where = "within" if inside else "outside"
            return (
                f"{label}: {vp} is {where} the {tol} % tolerance of the target "
                f"({target}; tolerance limit {band})"
            )
        where = "sisällä" if inside else "ulkopuolella"
        return (
            f"{label}: {vp} on {tol} %:n toleranssin {where} tavoitteesta "
            f"({target}; toleranssiraja {band})"
        )

    if f.rule == "expected_path":
        exp = num(f.expected, lang) if f.expected is not None else "?"
        share = num(100.0 * (f.fraction or 0.0), lang)
        limit = num(f.limit, lang) if f.limit is not None else "?"
        on = f.status == "on_track"
        if en:
            basis = (
                "from the baseline year's seasonal profile" if f.seasonal else "on a linear path"
            )
            if on:
                cmp = "at or above" if up else "at or below"
            else:
                cmp = "below" if up else "above"
            return (
                f"{label}: {vp} is {cmp} the {exp} expected to date "
                f"({share} % of the target {limit}, {basis})"
            )
        basis = (
            "lähtötasovuoden kausivaihtelun mukaan" if f.seasonal else "tasaisen kertymän mukaan"
        )
        if on:
            cmp = f"on vähintään odotettu {exp}" if up else f"on enintään odotettu {exp}"
        else:
            cmp = f"jää alle odotetun {exp}" if up else f"ylittää odotetun {exp}"
        return f"{label}: {vp} {cmp} ({share} % tavoitteesta {limit} {basis})"

    if f.rule == "owner_forecast":
        fc = f.forecast or ""
        fv_en = num(f.forecast_value, "en") if f.forecast_value is not None else "?"
        fv_fi = num(f.forecast_value, "fi") if f.forecast_value is not None else "?"
        if f.detail == "word":
            if en:
                return (
                    f"{label}: no value has been reported yet, "
                    f"so the status comes from the owner's forecast '{fc}'"
                )
            return (
                f"{label}: arvoa ei ole vielä raportoitu, "
                f"joten tila perustuu omistajan ennusteeseen ”{fc}”"
            )
        if f.detail == "word_final":
            if en:
                return (
                    f"{label}: the year is complete with no value reported, "
                    f"so the status comes from the owner's final forecast '{fc}'"
                )
            return (
                f"{label}: vuosi on päättynyt ilman raportoitua arvoa, "
                f"joten tila perustuu omistajan viimeiseen ennusteeseen ”{fc}”"
            )
        if f.detail == "word_open":
            if en:
                return (
                    f"{label}: the year is complete with no value reported, "
                    f"and the owner's last forecast '{fc}' is not a final result"
                )
            return (
                f"{label}: vuosi on päättynyt ilman raportoitua arvoa, "
                f"eikä omistajan viimeisin ennuste ”{fc}” ole lopullinen tulos"
            )
        if f.detail == "value_open":
            if en:
                return (
                    f"{label}: the year is complete with no value reported, "
                    f"and the owner's numeric forecast {fv_en} is not a result"
                )
            return (
                f"{label}: vuosi on päättynyt ilman raportoitua arvoa, "
                f"eikä omistajan numeerinen ennuste {fv_fi} ole tulos"
            )
        meets = f.detail == "value_meets"
        if en:
            verdict = "meets" if meets else "does not meet"
            return (
                f"{label}: no value has been reported yet, so the status comes from the "
                f"owner's numeric forecast {fv_en}, which {verdict} the target ({target})"
            )
        verdict = "täyttää tavoitteen" if meets else "ei täytä tavoitetta"
        return (
            f"{label}: arvoa ei ole vielä raportoitu, joten tila perustuu omistajan "
            f"numeeriseen ennusteeseen {fv_fi}, joka {verdict} ({target})"
        )

    raise ValueError(f"no sentence for rule {f.rule!r}")  # pragma: no cover


def _extras(f: Facts, lang: Lang) -> list[str]:
    en = lang == "en"
    parts: list[str] = []
    if f.tier is not None:
        tier = TIER_LABELS[f.tier][lang]
        parts.append(f"tier reached: {tier}" if en else f"saavutettu taso: {tier}")
    if f.forecast_disagrees and f.projection is not None:
        p = num(f.projection, lang)
        if f.forecast is not None:
            owner_en, owner_fi = f"forecast '{f.forecast}'", f"ennusteen ”{f.forecast}”"
        else:
            fv = f.forecast_value if f.forecast_value is not None else 0.0
            owner_en = f"numeric forecast {num(fv, 'en')}"
            owner_fi = f"numeerisen ennusteen {num(fv, 'fi')}"
        parts.append(
            f"the projected year-end value {p} disagrees with the owner's {owner_en}"
            if en
            else f"ennustettu vuoden lopun arvo {p} on ristiriidassa omistajan {owner_fi} kanssa"
        )
    when = f.as_of.isoformat() if en else f"{f.as_of.day}.{f.as_of.month}.{f.as_of.year}"
    tail = f"as of {when}" if en else f"tilanne {when}"
    if f.row_count is not None:
        n = f.row_count
        if en:
            tail += f", {n:,} row" + ("" if n == 1 else "s")
        else:
            # Finnish groups thousands with a (no-break) space: 12 345 riviä.
            tail += ", " + f"{n:,}".replace(",", "\u00a0") + (" rivi" if n == 1 else " riviä")
    tail += f", scoring {f.code_version}" if en else f", laskentaversio {f.code_version}"
    parts.append(tail)
    return parts


def explain(f: Facts) -> tuple[str, str]:
    """The explanation sentence (en, fi)."""
    en = "; ".join([_core(f, "en"), *_extras(f, "en")]) + "."
    fi = "; ".join([_core(f, "fi"), *_extras(f, "fi")]) + "."
    return en, fi
