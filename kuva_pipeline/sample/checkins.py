"""Goal owners' check-ins: milestone status, progress, forecast and comments, CSV or Excel.

The content follows the seeds (forecast 1/2019, the 2020 budget follow-up, the
Urban Culture scorecard 2021, forecast 2/2021 and the weighted targets 2021);
people are synthetic. Meter ids are the catalog's (`data/catalog/*.yaml`), and
no sample check-in contradicts a check-in the catalog documents on the same
meter and day (the same status, forecast class and value, or none).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

from kuva_pipeline.sample.common import Context, csv_text, encode, fi_date

HEADER = ("meter", "date", "status", "progress_pct", "forecast", "value", "comment", "author")
_FIXED_TIME = (2021, 12, 31, 12, 0, 0)

# (file, encoding, rows); a row: meter, date, status, progress %, forecast, value, comment, author.
# value is a str as written in CSV (decimal comma; U+2212 minus) or None.
CHECKINS: tuple[tuple[str, str, list[tuple]], ...] = (
    (
        "checkins/checkins_2019_toimiala.csv",
        "utf-8",
        [
            (
                "binding_goals_2019.customer_journeys",
                date(2019, 4, 30),
                "TEKEILLÄ",
                30,
                "toteutumassa",
                None,
                "30 kehitettävää palvelupolkua valittu, vastuuhenkilöt nimetty.",
                "Sanna Koskinen",
            ),
            (
                "binding_goals_2019.nps_devices",
                date(2019, 4, 30),
                "TEKEILLÄ",
                80,
                "toteutumassa",
                "33",
                "40 pystylaitetta hankittu, 33 käytössä. Toukokuussa neljä työpajaa.",
                "Sanna Koskinen",
            ),
            (
                "binding_goals_2019.planning_principles",
                date(2019, 4, 30),
                "TEKEILLÄ",
                40,
                "toteutumassa",
                None,
                "Esiselvitys valmis; päätetään dashboard-testauksesta.",
                "Timo Lehtonen",
            ),
            (
                "binding_goals_2019.varaamo_spaces_every_entity",
                date(2019, 4, 30),
                "TEKEILLÄ",
                25,
                "toteutumassa",
                None,
                "Nuorison prosessikuvaukset lähes valmiit, liikunnan aloitettu.",
                "Timo Lehtonen",
            ),
            (
                "binding_goals_2019.hobby_pass_trial",
                date(2019, 4, 30),
                "TEKEILLÄ",
                50,
                "toteutumassa",
                None,
                "Harrastuspassi koekäytössä vuoden 2019 aikana.",
                "Hanna Salo",
            ),
            (
                "binding_goals_2019.service_tray_districts",
                date(2019, 4, 30),
                "TEKEILLÄ",
                20,
                "toteutumassa",
                None,
                "Alueet Malminkartano/Kannelmäki ja Vuosaari.",
                "Hanna Salo",
            ),
            (
                "binding_goals_2019.oma_helsinki_systems",
                date(2019, 4, 30),
                "TEKEILLÄ",
                15,
                "toteutumassa",
                "0",
                "Ensimmäiset liitettävät palvelut valittu.",
                "Mikko Järvinen",
            ),
            (
                "binding_goals_2019.nps_devices",
                date(2019, 12, 31),
                "TEHTY",
                100,
                "toteutuu",
                "40",
                "Kaikki 40 laitetta käytössä.",
                "Sanna Koskinen",
            ),
            (
                "binding_goals_2019.oma_helsinki_systems",
                date(2019, 12, 31),
                "TEKEILLÄ",
                60,
                "epävarma",
                "1",
                "Kirjasto kytketty, nuorisotalot kesken.",
                "Mikko Järvinen",
            ),
        ],
    ),
    (
        "checkins/checkins_2020_kehittamispalvelut.csv",
        "utf-8",
        [
            (
                "budget_followup_2020.teams_active_users",
                date(2020, 4, 30),
                "TEHTY",
                100,
                "toteutuu",
                None,
                "Tavoite saavutettu 30.4.2020.",
                "Anna Virtanen",
            ),
            (
                "budget_followup_2020.varaamo_spaces_for_sale",
                date(2020, 6, 15),
                "TEHTY",
                100,
                "toteutuu",
                "25",
                "Mökit, huvilat ja saunat (7) myyntiin 1.6.2020, tenniskentät (18) 15.6.2020.",
                "Anna Virtanen",
            ),
            (
                "budget_followup_2020.accessibility_audits",
                date(2020, 10, 26),
                "TEHTY",
                100,
                "toteutuu",
                "7",
                "Saavutettavuusauditointi tehty 7/7.",
                "Anna Virtanen",
            ),
            (
                "budget_followup_2020.satisfaction_measured",
                date(2020, 10, 26),
                "TEKEMÄTTÄ",
                0,
                "epävarma",
                "0",
                "Asiakastyytyväisyys mitattu 0/7; mittaus käyttäjätestauksen yhteydessä Q4.",
                "Anna Virtanen",
            ),
            (
                "budget_followup_2020.monthly_report_visualised",
                date(2020, 10, 26),
                "TEHTY",
                100,
                "toteutuu",
                None,
                "Visualisointikokeiluja tehty johtoryhmien kuukausiraportoinnissa.",
                "Jussi Heikkinen",
            ),
            (
                "budget_followup_2020.technical_poc",
                date(2020, 6, 16),
                "TEHTY",
                100,
                "toteutuu",
                None,
                "PoC esitelty digitalisaatio-ohjelman demotilaisuudessa 16.6.2020.",
                "Jussi Heikkinen",
            ),
            (
                "budget_followup_2020.one_dashboard_concept",
                date(2020, 10, 26),
                "TEKEILLÄ",
                50,
                "toteutumassa",
                None,
                "Tuloskorttinäkymä toteutetaan syksyn aikana.",
                "Jussi Heikkinen",
            ),
        ],
    ),
    (
        "checkins/checkins_2020_liikkumisohjelma.csv",
        "utf-8",
        [
            (
                "budget_followup_2020.service_markets_held",
                date(2020, 10, 15),
                "TEKEILLÄ",
                30,
                "ei toteudu",
                "0",
                "Kevään palvelutori Kannelmäessä peruuntui; syksyn valmistelut jäissä. "
                "Lisätiedot Päivi Rantanen, 040 5550199, paivi.rantanen@example.org",
                "Päivi Rantanen",
            ),
            (
                "budget_followup_2020.family_events_held",
                date(2020, 10, 15),
                "TEKEILLÄ",
                85,
                "toteutuu",
                "7",
                "Perhehulinat käynnissä seitsemällä alueella (7/8); Tapanila käynnistyy lokakuussa.",
                "Ville Mattila",
            ),
            (
                "budget_followup_2020.small_children_campaign",
                date(2020, 10, 15),
                "TEHTY",
                100,
                "toteutuu",
                None,
                "Kampanja toteutettu helmikuussa ja toistettu elokuussa 2020.",
                "Ville Mattila",
            ),
            (
                "budget_followup_2020.youth_units_measure_implemented",
                date(2020, 10, 15),
                "TEKEILLÄ",
                30,
                "epävarma",
                "30",
                "30 % nuorisotyöyksiköistä toteuttanut toimenpiteen, 40 % valinnut "
                "kehittämiskohteen (tavoite 100 %).",
                "Outi Niemi",
            ),
        ],
    ),
    (
        "checkins/checkins_2021_kaupunkikulttuuri.csv",
        "utf-8-sig",
        [
            (
                "urban_culture_2021.within_budget",
                date(2021, 4, 30),
                "TEKEILLÄ",
                33,
                "toteutuu",
                None,
                "Korona-tilanne ja säästötaso riskinä.",
                "Liisa Heinonen",
            ),
            (
                "urban_culture_2021.positive_discrimination_measures",
                date(2021, 4, 30),
                "TEKEILLÄ",
                30,
                "toteutuu",
                None,
                "Toimenpiteet aikataulutettu.",
                "Liisa Heinonen",
            ),
            (
                "urban_culture_2021.multilingual_core_service",
                date(2021, 4, 30),
                "TEKEILLÄ",
                25,
                "epävarma",
                None,
                "Käännöstyöt ruuhkautuneet.",
                "Eetu Salminen",
            ),
            (
                "urban_culture_2021.ngo_action_plan",
                date(2021, 4, 30),
                "TEKEMÄTTÄ",
                0,
                "epävarma",
                None,
                "Korona vaikeuttaa osallistamista.",
                "Eetu Salminen",
            ),
            (
                "urban_culture_2021.virtual_operating_models_in_use",
                date(2021, 4, 30),
                "TEKEILLÄ",
                50,
                "toteutuu",
                "4",
                "Neljä poikkeusaikana luotua toimintamallia käytössä.",
                "Aino Lahtinen",
            ),
            (
                "urban_culture_2021.knowledge_management_plan",
                date(2021, 8, 31),
                "TEKEILLÄ",
                60,
                "toteutuu",
                None,
                "Nykytilan kuvaukset tehty kolmella palvelualueella.",
                "Aino Lahtinen",
            ),
            (
                "urban_culture_2021.staff_forums_feedback_channel",
                date(2021, 8, 31),
                "TEKEILLÄ",
                50,
                "toteutuu",
                None,
                "Esimiesfoorumi pidetty; alueelliset foorumit syksyllä.",
                "Liisa Heinonen",
            ),
            (
                "urban_culture_2021.virtual_operating_models_in_use",
                date(2021, 12, 31),
                "TEHTY",
                100,
                "toteutuu",
                "5",
                "Viisi toimintamallia vakiintunut.",
                "Aino Lahtinen",
            ),
            (
                "urban_culture_2021.ngo_action_plan",
                date(2022, 1, 1),
                "TEKEILLÄ",
                70,
                "toteutuu",
                None,
                "Vuoden 2021 loppukirjaus: järjestöjä osallistettu, suunnitelman teko aloitettu.",
                "Eetu Salminen",
            ),
        ],
    ),
)

XLSX_FILE = "checkins/checkins_2021_toimiala.xlsx"
# xlsx rows: real Excel dates and numbers.
XLSX_ROWS: list[tuple] = [
    (
        "binding_goals_2021.service_strategy_descriptions",
        date(2021, 4, 30),
        "TEKEILLÄ",
        40,
        "toteutuu",
        40,
        "Kuvaukset valmiit kirjastossa ja nuorisossa (2/5).",
        "Kerttu Saarinen",
    ),
    (
        "binding_goals_2021.service_strategy_descriptions",
        date(2021, 8, 31),
        "TEKEILLÄ",
        80,
        "toteutuu",
        80,
        "Kuvauksia valmiina 4/5. Riskit: työ on laaja; resursointi koronan vuoksi vaikeaa.",
        "Kerttu Saarinen",
    ),
    (
        "binding_goals_2021.service_strategy_descriptions",
        date(2021, 12, 31),
        "TEHTY",
        100,
        "toteutuu",
        100,
        "5/5 kuvausta valmiina.",
        "Kerttu Saarinen",
    ),
    (
        "weighted_targets_2021.service_strategy_progress",
        date(2021, 12, 31),
        "TEKEILLÄ",
        69,
        "toteutuu",
        9,
        "5/5 kuvausta ja oma rooli täsmennetty neljässä palvelussa (4/4): 9/13.",
        "Kerttu Saarinen",
    ),
    (
        "binding_goals_2021.hobby_opportunities_measures",
        date(2021, 8, 31),
        "TEKEILLÄ",
        70,
        "toteutuu",
        None,
        "Mittarin numeerinen ennuste: 100 %. Riskit vähenevät, jos rajoitukset lieventyvät.",
        "Juho Turunen",
    ),
    (
        "binding_goals_2021.older_people_mobility_measures",
        date(2021, 8, 31),
        "TEKEILLÄ",
        60,
        "toteutuu",
        None,
        "Mittarin numeerinen ennuste: 100 %. Palvelutoripilotti syksyllä; koronan pitkittyminen riskinä.",
        "Juho Turunen",
    ),
    (
        "weighted_targets_2021.nps_index",
        date(2021, 8, 31),
        "TEKEILLÄ",
        67,
        "toteutuu",
        41,
        "Omistajan ennuste vuoden lopun NPS-indeksille.",
        "Sanna Koskinen",
    ),
]


def _xlsx_bytes(rows: list[tuple]) -> bytes:
    """An .xlsx whose bytes depend only on `rows` (fixed document times and zip entry times)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Check-ins"
    ws.append(list(HEADER))
    for r in rows:
        ws.append(list(r))
        ws.cell(row=ws.max_row, column=2).number_format = "d.m.yyyy"
    fixed = datetime(*_FIXED_TIME)
    wb.properties.creator = "kuva sample"
    wb.properties.created = fixed
    wb.properties.modified = fixed
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                stamp = fixed.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp + rb"\g<2>",
                    data,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, data)
    return out.getvalue()


def generate(ctx: Context) -> dict:
    meters: dict[str, dict] = {}
    files: dict[str, int] = {}

    def note(meter, d, status, forecast, value) -> None:
        last = meters.get(meter)
        if last is None or d >= date.fromisoformat(last["date"]):
            meters[meter] = {
                "date": d.isoformat(),
                "status": status,
                "forecast": forecast,
                "value": value,
            }

    for rel, enc, rows in CHECKINS:
        text = csv_text(
            HEADER,
            ([m, fi_date(d), s, p, f, v or "", c, a] for m, d, s, p, f, v, c, a in rows),
            delimiter=";",
        )
        ctx.write(rel, encode(text, enc), encoding=enc, rows=len(rows))
        files[rel] = len(rows)
        if enc == "utf-8-sig":
            ctx.pitfall("utf8_bom", rel, line=1, detail="file starts with a UTF-8 byte order mark")
        for i, (m, d, s, _p, f, v, c, _a) in enumerate(rows):
            line = i + 2
            if v and "\u2212" in v:
                ctx.pitfall(
                    "u2212_minus",
                    rel,
                    line=line,
                    detail=f"value {v!r} uses U+2212 MINUS SIGN and a decimal comma",
                )
            if d == date(2021, 12, 31):
                ctx.pitfall("date_31_12", rel, line=line, detail="date 31.12.2021")
            if d == date(2022, 1, 1):
                ctx.pitfall(
                    "date_1_1",
                    rel,
                    line=line,
                    detail="date 1.1.2022 in the 2021 file: a year-end check-in recorded on New Year's day",
                )
            if "@" in c:
                ctx.pitfall(
                    "personal_data",
                    rel,
                    line=line,
                    detail="comment names a person with phone and e-mail",
                )
            note(m, d, s, f, v.replace("\u2212", "-").replace(",", ".") if v else None)

    data = _xlsx_bytes(XLSX_ROWS)
    ctx.write(XLSX_FILE, data, encoding="xlsx", rows=len(XLSX_ROWS))
    files[XLSX_FILE] = len(XLSX_ROWS)
    ctx.pitfall(
        "excel_file",
        XLSX_FILE,
        line=1,
        detail="an .xlsx workbook (sheet 'Check-ins'); dates are Excel dates",
    )
    for m, d, s, _p, f, v, _c, _a in XLSX_ROWS:
        note(m, d, s, f, None if v is None else str(v))
    return {"rows_by_file": files, "latest_by_meter": dict(sorted(meters.items()))}
