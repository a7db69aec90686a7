"""Words, colours and icons of the scorecard view, in Finnish and English.

The scoring vocabulary (statuses, tiers, forecasts, check-in statuses, with their
colours, icons and order) lives in `kuva_pipeline.scoring.labels`, which the BI
models publish too (`catalog.dim_label`); the rest is the view's own wording.
"""

from __future__ import annotations

from kuva_pipeline.scoring.labels import (  # noqa: F401 - the view's vocabulary, one place
    CHECKIN_STATUS_LABELS,
    FORECAST_LABELS,
    STATUS_LABELS,
    STATUS_SORT,
    STATUS_STYLE,
    TIER_LABELS,
)

LANGS = ("fi", "en")


DATA_QUALITY_LABELS = {
    "ok": {"fi": "kunnossa", "en": "ok"},
    "failed": {"fi": "tarkistus epäonnistui", "en": "check failed"},
    "stale": {"fi": "vanhentunut", "en": "stale"},
    "missing": {"fi": "puuttuu", "en": "missing"},
}

AS_OF_KIND_LABELS = {
    "document": {"fi": "asiakirjan päivä", "en": "document date"},
    "latest": {"fi": "viimeisin", "en": "latest"},
    "time_travel": {"fi": "laskettu jälkikäteen", "en": "recomputed"},
}

DIRECTION_LABELS = {
    "higher": {"fi": "suurempi on parempi", "en": "higher is better"},
    "lower": {"fi": "pienempi on parempi", "en": "lower is better"},
}

SOURCE_LABELS = {
    "nps": {"fi": "NPS-palautelaitteet", "en": "NPS feedback devices"},
    "hobihobi": {"fi": "Hobihobi", "en": "Hobihobi"},
    "varaamo": {"fi": "Varaamo", "en": "Varaamo"},
    "events": {"fi": "Linked Events -tapahtumat", "en": "Linked Events"},
    "finance": {"fi": "talous", "en": "finance"},
    "checkin": {"fi": "omistajan raportointi", "en": "owner's check-ins"},
}

ORIGIN_LABELS = {
    "catalog": {"fi": "asiakirja", "en": "document"},
    "sheet": {"fi": "raportointitaulukko", "en": "check-in sheet"},
    "feed": {"fi": "tietolähde", "en": "data feed"},
    "checkin": {"fi": "omistajan raportti", "en": "owner's report"},
}

TARGET_KIND_LABELS = {
    "at_least": {"fi": "vähintään", "en": "at least"},
    "at_most": {"fi": "enintään", "en": "at most"},
    "range": {"fi": "välillä", "en": "range"},
    "relative_change": {"fi": "muutos lähtötasosta", "en": "change from baseline"},
    "keep_baseline": {"fi": "pysyy ennallaan", "en": "keep the baseline"},
    "ratio": {"fi": "osuus", "en": "ratio"},
    "milestone": {"fi": "virstanpylväs", "en": "milestone"},
    "tiers": {"fi": "tasot", "en": "tiers"},
}


def status_label(status: str | None, lang: str) -> str:
    return STATUS_LABELS[status or "no_data"][lang]


def tier_label(tier: str | None, lang: str) -> str:
    return TIER_LABELS[tier][lang] if tier else ""


def forecast_label(forecast: str | None, lang: str) -> str:
    if not forecast:
        return ""
    return FORECAST_LABELS.get(forecast, {}).get(lang, forecast)


def label(table: dict[str, dict[str, str]], key: str | None, lang: str) -> str:
    if key is None:
        return ""
    return table.get(key, {}).get(lang, key)


UI = {
    "site_title": {"fi": "Kulttuurin ja vapaa-ajan toimialan tuloskortit", "en": "Culture and Leisure Division scorecards"},
    "front_title": {"fi": "Tuloskortit", "en": "Scorecards"},
    "skip": {"fi": "Siirry sisältöön", "en": "Skip to content"},
    "lang_switch": {"fi": "In English", "en": "Suomeksi"},
    "lang_name": {"fi": "suomi", "en": "English"},
    "year": {"fi": "Vuosi", "en": "Year"},
    "as_of": {"fi": "Tarkastelupäivä", "en": "As of"},
    "as_of_pick": {"fi": "Näytä tilanne päivänä", "en": "Show the scorecard as it stood on"},
    "as_of_any": {"fi": "Muu päivä", "en": "Another day"},
    "show": {"fi": "Näytä", "en": "Show"},
    "as_of_note": {
        "fi": "Päivälle {asked} ei ole omaa arviota; näytetään {shown}, viimeisin sitä ennen.",
        "en": "No scoring was published for {asked}; showing {shown}, the last one before it.",
    },
    "as_of_before": {
        "fi": "Päivä {asked} on ennen ensimmäistä arviota; näytetään {shown}.",
        "en": "{asked} is before the first scoring; showing {shown}.",
    },
    "as_of_computed": {
        "fi": "Tuloskorttia ei julkaistu päivältä {day}: se on laskettu aikamatkalla samoista tiedoista "
        "ja säännöistä kuin julkaistut päivät, {day} asti.",
        "en": "No scorecard was published for {day}: it was recomputed with time travel from the same "
        "data and rules as the published days, up to {day}.",
    },
    "as_of_unavailable": {
        "fi": "Päivää {asked} ei voitu laskea: {reason}",
        "en": "{asked} could not be computed: {reason}",
    },
    "computing_title": {"fi": "Lasketaan tilannetta {day}", "en": "Computing the scorecard as of {day}"},
    "computing_body": {
        "fi": "Päivältä {day} ei ole julkaistua tuloskorttia, joten se lasketaan nyt aikamatkalla samoista "
        "tiedoista ja säännöistä kuin julkaistut päivät. Laskenta kestää tavallisesti 15–60 sekuntia.",
        "en": "No scorecard was published for {day}, so it is being recomputed now with time travel, "
        "from the same data and rules as the published days. This usually takes 15–60 seconds.",
    },
    "computing_queue": {"fi": "Jonossa ennen tätä päivää: {n}.", "en": "Days queued before this one: {n}."},
    "computing_wait": {"fi": "Näytä tulos, kun se on valmis", "en": "Show the result when it is ready"},
    "computing_wait_note": {
        "fi": "Linkki avaa sivun heti, kun laskenta valmistuu (enintään {minutes} min).",
        "en": "The link opens the page as soon as the computation is done (within {minutes} min).",
    },
    "computing_published": {"fi": "Näytä sen sijaan {day} (julkaistu)", "en": "Show {day} instead (published)"},
    "forecast_round_day": {"fi": "ennusteet {round}", "en": "forecast {round}"},
    "not_scored_yet": {"fi": "Ei vielä arvioitu tähän päivään mennessä.", "en": "Not yet scored by this day."},
    "weighted_total": {"fi": "Painotettu kokonaispistemäärä", "en": "Weighted total"},
    "of_max": {"fi": "/ {max} pistettä", "en": "of {max} points"},
    "tier_reached": {"fi": "Saavutettu taso", "en": "Tier reached"},
    "scored_weight": {"fi": "pisteytetty painoarvo {pct} %", "en": "{pct} % of the weight scored"},
    "status_counts": {"fi": "Mittarit tiloittain", "en": "Meters by status"},
    "meters_n": {"fi": "{n} mittaria", "en": "{n} meters"},
    "goals_n": {"fi": "{n} tavoitetta", "en": "{n} goals"},
    "freshness": {"fi": "Tietojen tuoreus", "en": "Data freshness"},
    "data_until": {"fi": "Tietolähteiden tiedot {day} asti", "en": "Feed data up to {day}"},
    "no_feed": {"fi": "Ei tietolähteistä laskettuja mittareita", "en": "No feed-computed meters"},
    "published": {"fi": "Julkaistu {when}", "en": "Published {when}"},
    "quality_issues": {"fi": "Mittareita, joiden tiedoissa puutteita: {n}", "en": "Meters with data problems: {n}"},
    "quality_ok": {"fi": "Kaikkien mittareiden tiedot kunnossa", "en": "Every meter's data is in order"},
    "open_scorecard": {"fi": "Avaa tuloskortti", "en": "Open the scorecard"},
    "breadcrumb": {"fi": "Murupolku", "en": "Breadcrumb"},
    "goal": {"fi": "Tavoite", "en": "Goal"},
    "goal_area": {"fi": "Tavoitealue", "en": "Goal area"},
    "theme": {"fi": "Teema", "en": "Theme"},
    "weight": {"fi": "Painoarvo", "en": "Weight"},
    "binding": {"fi": "Sitova tavoite", "en": "Binding goal"},
    "responsible": {"fi": "Vastuussa", "en": "Responsible"},
    "meter": {"fi": "Mittari", "en": "Meter"},
    "status": {"fi": "Tila", "en": "Status"},
    "actual": {"fi": "Toteuma", "en": "Actual"},
    "target": {"fi": "Tavoite", "en": "Target"},
    "baseline": {"fi": "Lähtötaso", "en": "Baseline"},
    "attainment": {"fi": "Toteutumisaste", "en": "Attainment"},
    "trend": {"fi": "Kehitys", "en": "Trend"},
    "forecast": {"fi": "Ennuste", "en": "Forecast"},
    "projection": {"fi": "Laskennallinen ennuste", "en": "Projection"},
    "owner_forecast": {"fi": "Omistajan ennuste", "en": "Owner's forecast"},
    "disagree": {"fi": "ristiriita", "en": "disagree"},
    "disagree_long": {
        "fi": "Laskennallinen ennuste ja omistajan ennuste ovat ristiriidassa.",
        "en": "The projection and the owner's forecast disagree.",
    },
    "data_quality": {"fi": "Tiedon laatu", "en": "Data quality"},
    "tier": {"fi": "Taso", "en": "Tier"},
    "tiers": {"fi": "Tasot", "en": "Tiers"},
    "tier_minimum": {"fi": "minimi", "en": "minimum"},
    "tier_challenging": {"fi": "haastava", "en": "challenging"},
    "tier_exceptional": {"fi": "poikkeuksellinen", "en": "exceptional"},
    "no_value": {"fi": "ei arvoa", "en": "no value"},
    "done_no_figure": {
        "fi": "merkitty tehdyksi {day}, ilman lukuarvoa",
        "en": "marked done on {day}, without a figure",
    },
    "explanation": {"fi": "Perustelu", "en": "Explanation"},
    "inputs": {"fi": "Lähtötiedot", "en": "Inputs"},
    "source": {"fi": "Lähde", "en": "Source"},
    "measure": {"fi": "Suure", "en": "Measure"},
    "rows": {"fi": "Lähderivejä", "en": "Source rows"},
    "value_origin": {"fi": "Arvon alkuperä", "en": "Value from"},
    "direction": {"fi": "Suunta", "en": "Direction"},
    "unit": {"fi": "Yksikkö", "en": "Unit"},
    "service_area": {"fi": "Palvelualue", "en": "Service area"},
    "target_kind": {"fi": "Tavoitteen muoto", "en": "Target form"},
    "dagster_link": {"fi": "Aineisto {asset} Dagsterissa", "en": "Asset {asset} in the Dagster UI"},
    "checks": {"fi": "Laatutarkistukset", "en": "Quality checks"},
    "check": {"fi": "Tarkistus", "en": "Check"},
    "asset": {"fi": "Aineisto", "en": "Asset"},
    "result": {"fi": "Tulos", "en": "Result"},
    "severity": {"fi": "Vakavuus", "en": "Severity"},
    "detail": {"fi": "Havainto", "en": "Detail"},
    "checked_at": {"fi": "Tarkistettu", "en": "Checked"},
    "passed": {"fi": "✔ läpäisty", "en": "✔ passed"},
    "failed": {"fi": "✖ epäonnistui", "en": "✖ failed"},
    "waived": {"fi": "hyväksytty poikkeus: {reason}", "en": "waived: {reason}"},
    "checks_summary": {"fi": "{n} tarkistusta, joista {failed} epäonnistui viimeksi", "en": "{n} checks, {failed} failed at their last run"},
    "passed_checks": {"fi": "Läpäistyt tarkistukset ({n})", "en": "Checks passed ({n})"},
    "no_checks": {"fi": "Ei tarkistuksia tälle lähteelle.", "en": "No checks for this source."},
    "checkins": {"fi": "Raportointihistoria", "en": "Check-in history"},
    "checkin_date": {"fi": "Päivä", "en": "Date"},
    "checkin_status": {"fi": "Tilanne", "en": "Progress status"},
    "progress": {"fi": "Edistyminen", "en": "Progress"},
    "value": {"fi": "Arvo", "en": "Value"},
    "reported_in": {"fi": "Lähde", "en": "Reported in"},
    "round": {"fi": "Ennustekierros", "en": "Forecast round"},
    "no_checkins": {"fi": "Ei raportteja tähän päivään mennessä.", "en": "No check-ins by this day."},
    "checkin_privacy": {
        "fi": "Raporttien vapaat kommentit ja kirjoittajien nimet jäävät tietovaraston raakatasolle; "
        "vastuuhenkilöt näytetään siten kuin tuloskortti heidät nimeää.",
        "en": "Free-text comments and authors' names stay in the warehouse's raw layer; the "
        "responsible persons are shown as the scorecard lists them.",
    },
    "chart": {"fi": "Arvot suhteessa lähtötasoon ja tavoitteeseen", "en": "Values against the baseline and target"},
    "chart_cumulative": {"fi": "kertymä vuoden alusta kuukausittain", "en": "year-to-date total by month"},
    "chart_monthly": {"fi": "kuukausittain", "en": "by month"},
    "chart_yearly": {"fi": "vuosittain", "en": "by year"},
    "chart_checkins": {"fi": "raportoidut arvot", "en": "reported values"},
    "no_series": {"fi": "Ei aikasarjaa.", "en": "No series."},
    "series_table": {"fi": "Aikasarja taulukkona", "en": "The series as a table"},
    "period": {"fi": "Jakso", "en": "Period"},
    "back_to": {"fi": "Takaisin: {title}", "en": "Back to {title}"},
    "front_link": {"fi": "Kaikki tuloskortit", "en": "All scorecards"},
    "not_found": {"fi": "Sivua ei löydy", "en": "Page not found"},
    "bad_request": {"fi": "Virheellinen pyyntö", "en": "Bad request"},
    "footer": {
        "fi": "Lähde: julkaistu BI-tilannekuva ({path}), päivitys {refresh}.",
        "en": "Source: the published BI snapshot ({path}), refresh {refresh}.",
    },
    "legend": {"fi": "Tilojen selitteet", "en": "Status legend"},
    "no_data_reason": {"fi": "Syy", "en": "Reason"},
    "scorecard_meters": {"fi": "Tavoitteet ja mittarit", "en": "Goals and meters"},
}


def t(key: str, lang: str, **values: object) -> str:
    text = UI[key][lang]
    return text.format(**values) if values else text
