"""Goal owners' check-ins: milestone status, progress, forecast and comments, CSV or Excel.

The content follows the seeds (forecast 1/2019, the 2020 budget follow-up, the
Urban Culture scorecard 2021, forecast 2/2021 and the weighted targets 2021);
people are synthetic. Meter ids are slugs `<scorecard>_<year>.<meter>` that the
catalog must use too (see docs/sources.md).
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
                "toimiala_2019.customer_journeys",
                date(2019, 4, 30),
                "TEKEILLÄ",
                30,
                "toteutuu",
                None,
                "30 kehitettävää palvelupolkua valittu, vastuuhenkilöt nimetty.",
                "Sanna Koskinen",
            ),
            (
                "toimiala_2019.nps_devices",
                date(2019, 4, 30),
                "TEKEILLÄ",
                80,
                "toteutuu",
                "33",
                "40 pystylaitetta hankittu, 33 käytössä. Toukokuussa neljä työpajaa.",
                "Sanna Koskinen",
            ),
            (
                "toimiala_2019.planning_principles",
                date(2019, 4, 30),
                "TEKEILLÄ",
                40,
                "toteutuu",
                None,
                "Esiselvitys valmis; päätetään dashboard-testauksesta.",
                "Timo Lehtonen",
            ),
            (
                "toimiala_2019.varaamo_spaces_all_entities",
                date(2019, 4, 30),
                "TEKEILLÄ",
                25,
                "toteutuu",
                None,
                "Nuorison prosessikuvaukset lähes valmiit, liikunnan aloitettu.",
                "Timo Lehtonen",
            ),
            (
                "toimiala_2019.hobby_pass_trial",
                date(2019, 4, 30),
                "TEKEILLÄ",
                50,
                "toteutuu",
                None,
                "Harrastuspassi koekäytössä vuoden 2019 aikana.",
                "Hanna Salo",
            ),
            (
                "toimiala_2019.school_service_tray",
                date(2019, 4, 30),
                "TEKEILLÄ",
                20,
                "toteutuu",
                None,
                "Alueet Malminkartano/Kannelmäki ja Vuosaari.",
                "Hanna Salo",
            ),
            (
                "toimiala_2019.oma_helsinki_links",
                date(2019, 4, 30),
                "TEKEILLÄ",
                15,
                "epävarma",
                "0",
                "Ensimmäiset liitettävät palvelut valittu.",
                "Mikko Järvinen",
            ),
            (
                "toimiala_2019.nps_devices",
                date(2019, 12, 31),
                "TEHTY",
                100,
                "toteutuu",
                "40",
                "Kaikki 40 laitetta käytössä.",
                "Sanna Koskinen",
            ),
            (
                "toimiala_2019.oma_helsinki_links",
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
                "kehittamispalvelut_2020.teams_active_users",
                date(2020, 4, 30),
                "TEHTY",
                100,
                "toteutuu",
                "80",
                "Saavutettu 30.4.2020.",
                "Anna Virtanen",
            ),
            (
                "kehittamispalvelut_2020.varaamo_spaces_for_sale",
                date(2020, 6, 15),
                "TEHTY",
                100,
                "toteutuu",
                "25",
                "Mökit, huvilat ja saunat (7) myyntiin 1.6.2020, tenniskentät (18) 15.6.2020.",
                "Anna Virtanen",
            ),
            (
                "kehittamispalvelut_2020.accessibility_audits",
                date(2020, 10, 26),
                "TEHTY",
                100,
                "toteutuu",
                "7",
                "Saavutettavuusauditointi tehty 7/7.",
                "Anna Virtanen",
            ),
            (
                "kehittamispalvelut_2020.satisfaction_measured",
                date(2020, 10, 26),
                "TEKEMÄTTÄ",
                0,
                "epävarma",
                "0",
                "Asiakastyytyväisyys mitattu 0/7; mittaus käyttäjätestauksen yhteydessä Q4.",
                "Anna Virtanen",
            ),
            (
                "kehittamispalvelut_2020.monthly_report_visualised",
                date(2020, 10, 26),
                "TEHTY",
                100,
                "toteutuu",
                None,
                "Visualisointikokeiluja tehty johtoryhmien kuukausiraportoinnissa.",
                "Jussi Heikkinen",
            ),
            (
                "kehittamispalvelut_2020.technical_poc",
                date(2020, 6, 16),
                "TEHTY",
                100,
                "toteutuu",
                None,
                "PoC esitelty digitalisaatio-ohjelman demotilaisuudessa 16.6.2020.",
                "Jussi Heikkinen",
            ),
            (
                "kehittamispalvelut_2020.dashboard_concept",
                date(2020, 10, 26),
                "TEKEILLÄ",
                50,
                "toteutuu",
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
                "liikkumisohjelma_2020.service_markets_elderly",
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
                "liikkumisohjelma_2020.family_events",
                date(2020, 10, 15),
                "TEKEILLÄ",
                40,
                "epävarma",
                "3",
                "Perhehulinat: 3/8 toteutunut ennen rajoituksia.",
                "Ville Mattila",
            ),
            (
                "liikkumisohjelma_2020.small_children_campaign",
                date(2020, 10, 15),
                "TEKEILLÄ",
                60,
                "toteutuu",
                None,
                "Vimpa-kampanja valmisteilla.",
                "Ville Mattila",
            ),
            (
                "liikkumisohjelma_2020.youth_units_actions",
                date(2020, 10, 15),
                "TEKEILLÄ",
                40,
                "epävarma",
                "40",
                "40 % nuorisotyöyksiköistä toteuttanut toimenpiteen (tavoite 100 %).",
                "Outi Niemi",
            ),
        ],
    ),
    (
        "checkins/checkins_2021_kaupunkikulttuuri.csv",
        "utf-8-sig",
        [
            (
                "kaupunkikulttuuri_2021.within_budget",
                date(2021, 4, 30),
                "TEKEILLÄ",
                33,
                "toteutuu",
                None,
                "Korona-tilanne ja säästötaso riskinä.",
                "Liisa Heinonen",
            ),
            (
                "kaupunkikulttuuri_2021.positive_discrimination_actions",
                date(2021, 4, 30),
                "TEKEILLÄ",
                30,
                "toteutuu",
                None,
                "Toimenpiteet aikataulutettu.",
                "Liisa Heinonen",
            ),
            (
                "kaupunkikulttuuri_2021.multilingual_communication",
                date(2021, 4, 30),
                "TEKEILLÄ",
                25,
                "epävarma",
                None,
                "Käännöstyöt ruuhkautuneet.",
                "Eetu Salminen",
            ),
            (
                "kaupunkikulttuuri_2021.ngo_cooperation_plan",
                date(2021, 4, 30),
                "TEKEMÄTTÄ",
                0,
                "epävarma",
                None,
                "Korona vaikeuttaa osallistamista.",
                "Eetu Salminen",
            ),
            (
                "kaupunkikulttuuri_2021.virtual_models",
                date(2021, 4, 30),
                "TEKEILLÄ",
                50,
                "toteutuu",
                "4",
                "Neljä poikkeusaikana luotua toimintamallia käytössä.",
                "Aino Lahtinen",
            ),
            (
                "kaupunkikulttuuri_2021.knowledge_management_plan",
                date(2021, 8, 31),
                "TEKEILLÄ",
                60,
                "toteutuu",
                None,
                "Nykytilan kuvaukset tehty kolmella palvelualueella.",
                "Aino Lahtinen",
            ),
            (
                "kaupunkikulttuuri_2021.staff_forums",
                date(2021, 8, 31),
                "TEKEILLÄ",
                50,
                "toteutuu",
                None,
                "Esimiesfoorumi pidetty; alueelliset foorumit syksyllä.",
                "Liisa Heinonen",
            ),
            (
                "kaupunkikulttuuri_2021.virtual_models",
                date(2021, 12, 31),
                "TEHTY",
                100,
                "toteutuu",
                "5",
                "Viisi toimintamallia vakiintunut.",
                "Aino Lahtinen",
            ),
            (
                "kaupunkikulttuuri_2021.ngo_cooperation_plan",
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
    (
        "checkins/checkins_2021_talous.csv",
        "utf-8",
        [
            (
                "talous_2021.unit_cost_change_pct",
                date(2021, 8, 31),
                "TEKEILLÄ",
                67,
                "toteutuu",
                "\u22120,6",
                "Ennuste 2/2021: yksikkökustannus pienenee 0,6 % vrt. TP2020.",
                "Markku Korhonen",
            ),
            (
                "talous_2021.within_budget",
                date(2021, 8, 31),
                "TEKEILLÄ",
                67,
                "toteutuu",
                None,
                "Pysytään valtuuston sitovuustasoissa.",
                "Markku Korhonen",
            ),
        ],
    ),
)

XLSX_FILE = "checkins/checkins_2021_toimiala.xlsx"
# xlsx rows: real Excel dates and numbers.
XLSX_ROWS: list[tuple] = [
    (
        "toimiala_2021.service_strategy_descriptions",
        date(2021, 4, 30),
        "TEKEILLÄ",
        40,
        "toteutuu",
        2,
        "Kuvaukset valmiit kirjastossa ja nuorisossa (2/5).",
        "Kerttu Saarinen",
    ),
    (
        "toimiala_2021.service_strategy_descriptions",
        date(2021, 8, 31),
        "TEKEILLÄ",
        80,
        "toteutuu",
        4,
        "Riskit: työ on laaja; resursointi koronan vuoksi vaikeaa.",
        "Kerttu Saarinen",
    ),
    (
        "toimiala_2021.service_strategy_descriptions",
        date(2021, 12, 31),
        "TEHTY",
        100,
        "toteutuu",
        5,
        "5/5 kuvausta valmiina.",
        "Kerttu Saarinen",
    ),
    (
        "toimiala_2021.service_strategy_roles",
        date(2021, 12, 31),
        "TEHTY",
        100,
        "toteutuu",
        4,
        "Oma rooli täsmennetty neljässä palvelussa (4/4).",
        "Kerttu Saarinen",
    ),
    (
        "toimiala_2021.hobby_opportunities",
        date(2021, 8, 31),
        "TEKEILLÄ",
        70,
        "toteutuu",
        100,
        "Riskit vähenevät, jos rajoitukset lieventyvät.",
        "Juho Turunen",
    ),
    (
        "toimiala_2021.elderly_mobility",
        date(2021, 8, 31),
        "TEKEILLÄ",
        60,
        "epävarma",
        100,
        "Palvelutoripilotti syksyllä; koronan pitkittyminen riskinä.",
        "Juho Turunen",
    ),
    (
        "toimiala_2021.nps_index",
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
        note(m, d, s, f, str(v))
    return {"rows_by_file": files, "latest_by_meter": dict(sorted(meters.items()))}
