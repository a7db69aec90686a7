"""The reference data behind the sample: service areas, devices, surveys, Varaamo resources, event classes.

These tables are what the landing sample is made with, and `write_reference`
writes them as reference files (`kuva sample --reference-dir`), so the two
always agree. `data/reference/` began as such a copy; it is the user's to edit
(a real device is a row added there), and the tests of the sample read the
generated files, not it. None of it depends on the seed. Names of places are
the city's public venues; every person, e-mail address and phone number in the
sample is synthetic.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

SERVICE_AREA_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("KUVA", "Kulttuurin ja vapaa-ajan toimiala", "Culture and Leisure Division", "division"),
    ("KIR", "Kirjastopalvelut", "Library services", "service_area"),
    ("KULP", "Kulttuuripalvelut", "Culture services", "service_area"),
    ("LIIKU", "Liikuntapalvelut", "Sports services", "service_area"),
    ("NUP", "Nuorisopalvelut", "Youth services", "service_area"),
    ("HALLINTO", "Hallinto ja yhteiset palvelut", "Administration and common services", "common"),
    ("KAUPUNKIKULTTUURI", "Kaupunkikulttuuri", "Urban Culture", "unit"),
)
"""The sample's service_areas.csv: code, Finnish and English name, kind."""

SERVICE_AREAS = tuple(code for code, _, _, kind in SERVICE_AREA_ROWS if kind == "service_area")
"""The service areas the sample's devices, spaces, listings and publishers belong to."""


def fixed_id(label: str, length: int = 11) -> str:
    """A seed-independent lowercase base32 id derived from a label."""
    digest = hashlib.sha1(label.encode("utf-8")).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:length]


# --------------------------------------------------------------------------- NPS


@dataclass(frozen=True)
class ExperiencePoint:
    id: int
    name: str
    site: str
    service_area: str
    device_type: str  # floor (floor-standing touch kiosk) or table
    in_use_from: date
    in_use_until: date | None = None  # last day in use, inclusive
    weight: float = 1.0  # relative traffic, used only by the generator


def _ep(i, name, site, area, dtype, frm, until=None, weight=1.0):
    return ExperiencePoint(i, name, site, area, dtype, frm, until, weight)


EXPERIENCE_POINTS: tuple[ExperiencePoint, ...] = (
    # The 20 devices in use at the turn of 2018/2019 (seed 001: baseline 20).
    _ep(
        41001,
        "Oodi, 1. krs pääsisäänkäynti",
        "Keskustakirjasto Oodi",
        "KIR",
        "floor",
        date(2018, 12, 5),
        weight=3.0,
    ),
    _ep(
        41002,
        "Oodi, 3. krs Kirjataivas",
        "Keskustakirjasto Oodi",
        "KIR",
        "floor",
        date(2018, 12, 5),
        weight=2.2,
    ),
    _ep(
        41003,
        "Itäkeskuksen kirjasto, palvelutiski",
        "Itäkeskuksen kirjasto",
        "KIR",
        "table",
        date(2018, 2, 12),
        weight=1.3,
    ),
    _ep(
        41004,
        "Kallion kirjasto, aula",
        "Kallion kirjasto",
        "KIR",
        "floor",
        date(2018, 2, 12),
        weight=1.1,
    ),
    _ep(41005, "Pasilan kirjasto, aula", "Pasilan kirjasto", "KIR", "floor", date(2018, 3, 5)),
    _ep(41006, "Malmin kirjasto, aula", "Malmin kirjasto", "KIR", "table", date(2018, 3, 5)),
    _ep(41007, "Vuosaaren kirjasto, aula", "Vuosaaren kirjasto", "KIR", "floor", date(2018, 4, 9)),
    _ep(
        41008,
        "Myllypuron mediakirjasto, aula",
        "Myllypuron mediakirjasto",
        "KIR",
        "table",
        date(2018, 4, 9),
        weight=0.8,
    ),
    _ep(
        41009,
        "Stoa, lämpiö",
        "Kulttuurikeskus Stoa",
        "KULP",
        "floor",
        date(2017, 10, 2),
        weight=0.9,
    ),
    _ep(41010, "Malmitalo, aula", "Malmitalo", "KULP", "floor", date(2017, 10, 2), weight=0.9),
    _ep(41011, "Kanneltalo, aula", "Kanneltalo", "KULP", "floor", date(2018, 1, 15), weight=0.7),
    _ep(
        41012,
        "Caisa, aula",
        "Kulttuurikeskus Caisa",
        "KULP",
        "table",
        date(2018, 1, 15),
        weight=0.6,
    ),
    _ep(
        41013,
        "Itäkeskuksen uimahalli, kassa",
        "Itäkeskuksen uimahalli",
        "LIIKU",
        "floor",
        date(2017, 9, 4),
        weight=1.4,
    ),
    _ep(
        41014,
        "Yrjönkadun uimahalli, kassa",
        "Yrjönkadun uimahalli",
        "LIIKU",
        "table",
        date(2017, 9, 4),
        weight=0.8,
    ),
    _ep(
        41015,
        "Pirkkolan uimahalli, aula",
        "Pirkkolan uimahalli",
        "LIIKU",
        "floor",
        date(2018, 5, 7),
        weight=1.1,
    ),
    _ep(
        41016,
        "Jakomäen uimahalli, aula",
        "Jakomäen uimahalli",
        "LIIKU",
        "floor",
        date(2018, 5, 7),
        date(2020, 2, 28),
        weight=0.7,
    ),
    _ep(
        41017,
        "Liikuntamylly, aula",
        "Myllypuron liikuntamylly",
        "LIIKU",
        "floor",
        date(2018, 6, 11),
        weight=1.0,
    ),
    _ep(
        41018,
        "Kallion nuorisotalo, olohuone",
        "Kallion nuorisotalo",
        "NUP",
        "floor",
        date(2018, 8, 20),
        weight=0.5,
    ),
    _ep(
        41019,
        "Vuosaaren nuorisotalo, aula",
        "Vuosaaren nuorisotalo",
        "NUP",
        "floor",
        date(2018, 8, 20),
        weight=0.5,
    ),
    _ep(
        41020,
        "Itäkeskuksen nuorisotalo, aula",
        "Itäkeskuksen nuorisotalo",
        "NUP",
        "floor",
        date(2018, 9, 3),
        weight=0.5,
    ),
    # Spring 2019: 13 of the 20 new devices installed; 33 in use by May (seed 001).
    _ep(41021, "Töölön kirjasto, aula", "Töölön kirjasto", "KIR", "floor", date(2019, 3, 11)),
    _ep(
        41022,
        "Kannelmäen kirjasto, aula",
        "Kannelmäen kirjasto",
        "KIR",
        "floor",
        date(2019, 3, 11),
        weight=0.8,
    ),
    _ep(
        41023,
        "Herttoniemen kirjasto, aula",
        "Herttoniemen kirjasto",
        "KIR",
        "table",
        date(2019, 3, 18),
        weight=0.8,
    ),
    _ep(
        41024,
        "Lauttasaaren kirjasto, aula",
        "Lauttasaaren kirjasto",
        "KIR",
        "table",
        date(2019, 3, 18),
        weight=0.8,
    ),
    _ep(41025, "Vuotalo, aula", "Vuotalo", "KULP", "floor", date(2019, 3, 25), weight=0.7),
    _ep(41026, "Annantalo, aula", "Annantalo", "KULP", "floor", date(2019, 3, 25), weight=0.7),
    _ep(
        41027,
        "HAM, lippukassa",
        "HAM Helsingin taidemuseo",
        "KULP",
        "floor",
        date(2019, 4, 1),
        weight=1.0,
    ),
    _ep(
        41028,
        "Vuosaaren uimahalli, kassa",
        "Vuosaaren uimahalli",
        "LIIKU",
        "floor",
        date(2019, 4, 1),
        weight=1.0,
    ),
    _ep(
        41029,
        "Siltamäen uimahalli, aula",
        "Siltamäen uimahalli",
        "LIIKU",
        "table",
        date(2019, 4, 8),
        weight=0.7,
    ),
    _ep(
        41030,
        "Pirkkolan liikuntapuisto, palvelupiste",
        "Pirkkolan liikuntapuisto",
        "LIIKU",
        "floor",
        date(2019, 4, 8),
        weight=0.6,
    ),
    _ep(
        41031,
        "Malmin nuorisotalo, aula",
        "Malmin nuorisotalo",
        "NUP",
        "floor",
        date(2019, 4, 15),
        weight=0.5,
    ),
    _ep(
        41032,
        "Herttoniemen nuorisotalo, aula",
        "Herttoniemen nuorisotalo",
        "NUP",
        "floor",
        date(2019, 4, 15),
        weight=0.5,
    ),
    _ep(
        41033,
        "Kannelmäen nuorisotalo, aula",
        "Kannelmäen nuorisotalo",
        "NUP",
        "table",
        date(2019, 4, 23),
        weight=0.4,
    ),
    # Autumn 2019: the remaining 7 of the 40 bought; 40 in use by the end of 2019.
    _ep(
        41034,
        "Maunula-talo, kirjaston aula",
        "Maunulan kirjasto",
        "KIR",
        "floor",
        date(2019, 9, 2),
        weight=0.8,
    ),
    _ep(
        41035,
        "Kontulan kirjasto, aula",
        "Kontulan kirjasto",
        "KIR",
        "table",
        date(2019, 9, 2),
        weight=0.7,
    ),
    _ep(
        41036,
        "Savoy-teatteri, lämpiö",
        "Savoy-teatteri",
        "KULP",
        "floor",
        date(2019, 9, 16),
        weight=0.6,
    ),
    _ep(
        41037,
        "Kaupunginmuseo, aula",
        "Helsingin kaupunginmuseo",
        "KULP",
        "floor",
        date(2019, 9, 16),
        weight=0.9,
    ),
    _ep(
        41038,
        "Kontulan liikuntapuisto, palvelupiste",
        "Kontulan liikuntapuisto",
        "LIIKU",
        "floor",
        date(2019, 10, 7),
        weight=0.6,
    ),
    _ep(
        41039,
        "Latokartanon liikuntapuisto, palvelupiste",
        "Latokartanon liikuntapuisto",
        "LIIKU",
        "table",
        date(2019, 10, 7),
        weight=0.5,
    ),
    _ep(
        41040,
        "Maunulan nuorisotalo, aula",
        "Maunulan nuorisotalo",
        "NUP",
        "floor",
        date(2019, 10, 14),
        weight=0.4,
    ),
    # 2020: the Jakomäki device broke and was replaced; 2021: one more at Stoa.
    _ep(
        41041,
        "Jakomäen uimahalli, aula (uusi laite)",
        "Jakomäen uimahalli",
        "LIIKU",
        "floor",
        date(2020, 3, 2),
        weight=0.7,
    ),
    _ep(
        41042,
        "Stoa, tapahtumatori",
        "Kulttuurikeskus Stoa",
        "KULP",
        "table",
        date(2021, 6, 1),
        weight=0.6,
    ),
)

# A device that appears in the feed but was never registered (test unit left on).
UNKNOWN_EXPERIENCE_POINT = 49999


@dataclass(frozen=True)
class Survey:
    id: int
    name: str
    is_nps: bool
    ui: str
    smiley_type: str  # "" on NPS surveys


SURVEYS: tuple[Survey, ...] = (
    Survey(3101, "Suosittelisitko meitä ystävällesi? (0-10)", True, "nps11", ""),
    Survey(3102, "Suosittelisitko nuorisotaloa kaverillesi? (0-10)", True, "nps11", ""),
    Survey(3201, "Miten onnistuimme tänään? (hymynaamat)", False, "smiley4", "classic"),
    Survey(
        3202,
        "Kesäkysely 2019: oliko käyntisi onnistunut? (hymynaamat)",
        False,
        "smiley4",
        "classic",
    ),
)

# Non-NPS survey windows: (survey id, device ids, first day, last day).
SMILEY_WINDOWS: tuple[tuple[int, tuple[int, ...], date, date], ...] = (
    (3202, (41009, 41010), date(2019, 6, 1), date(2019, 8, 31)),
    (3201, (41003, 41004), date(2021, 1, 11), date(2021, 3, 31)),
)


def default_survey(ep: ExperiencePoint) -> int:
    return 3102 if ep.service_area == "NUP" else 3101


def devices_in_use(on: date) -> int:
    return sum(
        1
        for ep in EXPERIENCE_POINTS
        if ep.in_use_from <= on and (ep.in_use_until is None or ep.in_use_until >= on)
    )


# ---------------------------------------------------------------------- Varaamo


@dataclass(frozen=True)
class Resource:
    id: str
    name: str
    unit: str
    type: str
    service_area: str
    for_sale: bool
    for_sale_from: date | None
    weight: float = 1.0  # relative demand, used only by the generator


def _res(name, unit, rtype, area, sale_from=None, weight=1.0):
    return Resource(
        "a" + fixed_id("varaamo:" + name),
        name,
        unit,
        rtype,
        area,
        sale_from is not None,
        sale_from,
        weight,
    )


_COTTAGES = date(2020, 6, 1)  # 7 cottages, villas and saunas for sale (seed 002)
_TENNIS = date(2020, 6, 15)  # 18 tennis courts for sale (seed 002)

_TENNIS_SITES = (
    ("Tehtaanpuiston tenniskentät", 2),
    ("Brahenkentän tenniskentät", 3),
    ("Laajasalon tenniskentät", 2),
    ("Herttoniemen tenniskentät", 2),
    ("Käpylän tenniskentät", 3),
    ("Pirkkolan tenniskentät", 3),
    ("Vuosaaren tenniskentät", 3),
)

RESOURCES: tuple[Resource, ...] = (
    # KIR: library rooms and studios
    _res("Oodi, Kuutio", "Keskustakirjasto Oodi", "room", "KIR", weight=2.5),
    _res("Oodi, ryhmätila 1", "Keskustakirjasto Oodi", "room", "KIR", weight=2.5),
    _res("Oodi, ryhmätila 2", "Keskustakirjasto Oodi", "room", "KIR", weight=2.2),
    _res("Oodi, äänitysstudio", "Keskustakirjasto Oodi", "studio", "KIR", weight=2.0),
    _res("Kallion kirjasto, kokoushuone", "Kallion kirjasto", "room", "KIR"),
    _res("Itäkeskuksen kirjasto, ryhmätila", "Itäkeskuksen kirjasto", "room", "KIR", weight=1.2),
    _res("Pasilan kirjasto, pelihuone", "Pasilan kirjasto", "room", "KIR", weight=0.8),
    _res("Vuosaaren kirjasto, ryhmätila", "Vuosaaren kirjasto", "room", "KIR"),
    _res("Töölön kirjasto, kokoustila", "Töölön kirjasto", "room", "KIR", weight=0.8),
    _res("Malmin kirjasto, ryhmätila", "Malmin kirjasto", "room", "KIR", weight=0.8),
    _res(
        "Myllypuron mediakirjasto, studio", "Myllypuron mediakirjasto", "studio", "KIR", weight=0.9
    ),
    _res(
        "Herttoniemen kirjasto, neuvotteluhuone", "Herttoniemen kirjasto", "room", "KIR", weight=0.7
    ),
    # KULP: halls and rooms in cultural centres
    _res("Stoa, musiikkisali", "Kulttuurikeskus Stoa", "hall", "KULP", weight=0.8),
    _res("Stoa, studio", "Kulttuurikeskus Stoa", "studio", "KULP", weight=0.7),
    _res("Malmitalo, kokoustila", "Malmitalo", "room", "KULP"),
    _res("Kanneltalo, Kannelsali", "Kanneltalo", "hall", "KULP", weight=0.6),
    _res("Vuotalo, tanssisali", "Vuotalo", "hall", "KULP", weight=0.9),
    _res("Caisa, ryhmätila", "Kulttuurikeskus Caisa", "room", "KULP"),
    _res("Annantalo, työpaja", "Annantalo", "room", "KULP", weight=0.8),
    _res("Savoy-teatteri, harjoitustila", "Savoy-teatteri", "hall", "KULP", weight=0.5),
    # NUP: youth centre rooms
    _res("Kallion nuorisotalo, bändikämppä", "Kallion nuorisotalo", "band_room", "NUP", weight=1.5),
    _res("Kallion nuorisotalo, keittiö", "Kallion nuorisotalo", "room", "NUP", weight=0.6),
    _res("Vuosaaren nuorisotalo, sali", "Vuosaaren nuorisotalo", "hall", "NUP", weight=0.7),
    _res(
        "Itäkeskuksen nuorisotalo, bändikämppä",
        "Itäkeskuksen nuorisotalo",
        "band_room",
        "NUP",
        weight=1.2,
    ),
    _res("Malmin nuorisotalo, kerhohuone", "Malmin nuorisotalo", "room", "NUP", weight=0.7),
    _res("Herttoniemen nuorisotalo, sali", "Herttoniemen nuorisotalo", "hall", "NUP", weight=0.6),
    _res("Kannelmäen nuorisotalo, studio", "Kannelmäen nuorisotalo", "studio", "NUP", weight=0.8),
    _res("Maunulan nuorisotalo, kerhohuone", "Maunulan nuorisotalo", "room", "NUP", weight=0.6),
    # LIIKU: rooms that were always free to book
    _res("Liikuntamylly, kokoustila", "Myllypuron liikuntamylly", "room", "LIIKU", weight=0.8),
    _res(
        "Oulunkylän liikuntapuisto, sali",
        "Oulunkylän liikuntapuisto",
        "sports_hall",
        "LIIKU",
        weight=1.2,
    ),
    # LIIKU: 7 cottages, villas and saunas for sale from 1.6.2020
    _res("Uutelan sauna", "Uutelan ulkoilualue", "sauna", "LIIKU", _COTTAGES, 1.6),
    _res("Rastilan saunamökki", "Rastilan ulkoilualue", "sauna", "LIIKU", _COTTAGES, 1.4),
    _res("Kallahdenniemen sauna", "Kallahdenniemen ulkoilualue", "sauna", "LIIKU", _COTTAGES, 1.2),
    _res("Pihlajasaaren mökki", "Pihlajasaaren ulkoilualue", "cottage", "LIIKU", _COTTAGES, 0.9),
    _res("Kaunissaaren mökki", "Kaunissaaren ulkoilualue", "cottage", "LIIKU", _COTTAGES, 0.8),
    _res("Vartiosaaren huvila", "Vartiosaaren ulkoilualue", "villa", "LIIKU", _COTTAGES, 0.6),
    _res("Karhusaaren huvila", "Karhusaaren ulkoilualue", "villa", "LIIKU", _COTTAGES, 0.6),
) + tuple(
    # LIIKU: 18 tennis courts for sale from 15.6.2020
    _res(f"{site}, kenttä {n}", site, "tennis_court", "LIIKU", _TENNIS, 1.3)
    for site, count in _TENNIS_SITES
    for n in range(1, count + 1)
)

# A resource id that shows up in reservations but is in no reference list (a removed test space).
UNKNOWN_RESOURCE_ID = "a" + fixed_id("varaamo:poistettu testitila")


def spaces_for_sale(on: date) -> int:
    return sum(1 for r in RESOURCES if r.for_sale and r.for_sale_from and r.for_sale_from <= on)


# ----------------------------------------------------------------------- Events

PUBLISHERS = {
    "ahjo:u480400": ("Kulttuurin ja vapaa-ajan toimiala", None),
    "ahjo:u48040010": ("Kulttuuripalvelut", "KULP"),
    "ahjo:u48040020": ("Liikuntapalvelut", "LIIKU"),
    "ahjo:u48040030": ("Nuorisopalvelut", "NUP"),
    "ahjo:u48040040": ("Kirjastopalvelut", "KIR"),
    "ext:juhlaviikot": ("Helsingin juhlaviikot (external organiser)", None),
    "ext:palloliitto-uusimaa": (
        "Football association, Uusimaa district (external organiser)",
        None,
    ),
    "ext:kaupunginosayhdistykset": ("Resident associations (external organisers)", None),
    "ext:tapahtumatoimisto": ("Event production companies (external organisers)", None),
}

KW_LARGE = "kuva:suurtapahtuma"
KW_DISTRICT = "kuva:kaupunginosatapahtuma"

KEYWORDS = {
    KW_LARGE: "suurtapahtuma - large event (division keyword set; sample id)",
    KW_DISTRICT: "asukaslähtöinen kaupunginosatapahtuma - resident-driven district event (division keyword set; sample id)",
    "yso:p965": "urheilu (sports)",
    "yso:p916": "liikunta (physical exercise)",
    "yso:p1808": "musiikki (music)",
    "yso:p2625": "teatteritaide (theatre)",
    "yso:p1235": "elokuvat (films)",
    "yso:p2851": "kuvataide (visual arts)",
    "yso:p1304": "festivaalit (festivals)",
    "yso:p4354": "lapset (children)",
    "yso:p11617": "nuoret (young people)",
    "yso:p2433": "ikääntyneet (the elderly)",
    "yso:p15875": "kirjallisuus (literature)",
    "yso:p14004": "kaupunginosat (city districts)",
    "yso:p6455": "jalkapallo (football)",
    "yso:p9824": "juoksu (running)",
}


def event_fixed_id(label: str) -> str:
    return "helsinki:a" + fixed_id("event:" + label, 9)


# Events named explicitly in the classification (ids are seed-independent).
EXPLICIT_EVENTS = {
    # Helsinki Festival umbrellas: an external publisher and no division keyword.
    "culture_include": {
        2019: event_fixed_id("Helsingin juhlaviikot 2019"),
        2020: event_fixed_id("Helsingin juhlaviikot 2020"),
        2021: event_fixed_id("Helsingin juhlaviikot 2021"),
    },
    # Small courtyard concerts someone tagged as large events.
    "culture_exclude": {
        2019: event_fixed_id("Pihakonsertti Kalliossa 2019"),
        2021: event_fixed_id("Pihakonsertti Kalliossa 2021"),
    },
    # An international youth football tournament without the division keyword.
    "sports_include": {
        2019: event_fixed_id("Helsinki Cup 2019"),
        2020: event_fixed_id("Helsinki Cup 2020"),
        2021: event_fixed_id("Helsinki Cup 2021"),
    },
    # A resident-driven block party registered by its association without the keyword.
    "district_include": {
        2019: event_fixed_id("Kallio Block Party 2019"),
        2021: event_fixed_id("Kallio Block Party 2021"),
    },
}


def _ids(key: str) -> str:
    return "\n".join(
        f'      - "{eid}"   # {label}'
        for eid, label in (
            (v, f"{_EXPLICIT_LABELS[key]} {y}") for y, v in sorted(EXPLICIT_EVENTS[key].items())
        )
    )


_EXPLICIT_LABELS = {
    "culture_include": "Helsingin juhlaviikot (umbrella, external publisher)",
    "culture_exclude": "Pihakonsertti Kalliossa (small concert wrongly tagged suurtapahtuma)",
    "sports_include": "Helsinki Cup (youth football tournament, external publisher)",
    "district_include": "Kallio Block Party (registered without the keyword)",
}


def classification_yaml() -> str:
    kw = "\n".join(f'  "{k}": "{v}"' for k, v in KEYWORDS.items())
    pubs = "\n".join(
        f'  "{k}": {{name: "{name}", service_area: {area or "null"}}}'
        for k, (name, area) in PUBLISHERS.items()
    )
    return f"""\
# Event classification for the Linked Events feed: contract `event-classification v1`.
# Generated by `kuva sample --write-reference` from kuva_pipeline/sample/reference.py;
# docs/sources.md explains every rule. Keyword and publisher ids of the division
# (kuva:*, ahjo:u4804xxxx, ext:*) are sample ids: confirm them against the live
# /keyword/ and /organization/ endpoints before pointing the pipeline at the real API.
version: 1
timezone: Europe/Helsinki

# Counting, the same for every class:
# - a production is an event whose super_event is null. Sub-events never count on
#   their own: a recurring series or an umbrella counts once, through its super event;
# - it counts when event_status is EventScheduled or EventRescheduled, deleted is
#   false and replaced_by is null. EventCancelled, EventPostponed (start_time null),
#   deleted and replaced events never count;
# - it counts in the Helsinki calendar year of its start_time: 2021-12-31T22:30:00Z is
#   2022-01-01 00:30 in Helsinki and belongs to 2022.
counting:
  production: top_level
  statuses: [EventScheduled, EventRescheduled]
  exclude_deleted: true
  exclude_replaced: true
  year_of: start_time
  timezone: Europe/Helsinki

# Keyword ids are the last path segment of a keyword's @id
# (https://api.hel.fi/linkedevents/v1/keyword/yso:p965/ -> yso:p965).
keywords:
{kw}

publishers:
{pubs}

# Classes are tried in the order listed; an event takes the first class that matches.
# A class matches an event when its id is in include_ids, or, if its id is not in
# exclude_ids, when any one of the class's rules matches. Inside a rule every
# condition must hold:
#   keywords_any      the event has at least one of these keywords
#   keywords_all      the event has all of these keywords
#   publishers_any    the event's publisher is one of these
#   super_event_type  the event's super_event_type equals this (umbrella or recurring)
# A class's service_area (a code of service_areas.csv) is the service area its measure is
# reported under besides the whole division: the culture side owns culture and district
# events, the sports services sports events.
classes:
  - id: district_event
    meter: district_events
    service_area: KULP
    name_fi: Asukaslähtöinen kaupunginosatapahtuma
    name_en: Resident-driven district event
    # An umbrella (a district festival) whose parts carry the district keyword is one
    # district event, even without the keyword itself; its parts never count on their own.
    umbrella_from_parts: true
    include_ids:
{_ids("district_include")}
    exclude_ids: []
    rules:
      - keywords_any: ["{KW_DISTRICT}"]

  - id: large_sports_event
    meter: large_sports_events
    service_area: LIIKU
    name_fi: Liikunnan suurtapahtuma
    name_en: Large sports event
    include_ids:
{_ids("sports_include")}
    exclude_ids: []
    rules:
      # Marked as a large event and published by the sports services.
      - keywords_all: ["{KW_LARGE}"]
        publishers_any: ["ahjo:u48040020"]
      # Marked as a large event by an external organiser, with a sports topic.
      - keywords_all: ["{KW_LARGE}"]
        keywords_any: ["yso:p965", "yso:p916"]
      # Umbrella productions of the sports services (sports weeks, city runs).
      - super_event_type: umbrella
        publishers_any: ["ahjo:u48040020"]

  - id: large_culture_event
    meter: large_culture_events
    service_area: KULP
    name_fi: Kulttuurin suurtapahtuma
    name_en: Large culture event
    include_ids:
{_ids("culture_include")}
    exclude_ids:
{_ids("culture_exclude")}
    rules:
      # Every other event marked as a large event.
      - keywords_all: ["{KW_LARGE}"]
      # Umbrella productions of the culture services or the division (Helsinki Day,
      # Night of the Arts...).
      - super_event_type: umbrella
        publishers_any: ["ahjo:u48040010", "ahjo:u480400"]
"""


# ------------------------------------------------------------------- writing


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def reference_files() -> dict[str, bytes]:
    """File name -> exact bytes of every reference file."""
    eps = _csv(
        [
            "experience_point_id",
            "name",
            "site",
            "service_area",
            "device_type",
            "in_use_from",
            "in_use_until",
        ],
        [
            [
                e.id,
                e.name,
                e.site,
                e.service_area,
                e.device_type,
                e.in_use_from.isoformat(),
                e.in_use_until.isoformat() if e.in_use_until else "",
            ]
            for e in EXPERIENCE_POINTS
        ],
    )
    surveys = _csv(
        ["survey_id", "name", "is_nps", "buttons"],
        [[s.id, s.name, "true" if s.is_nps else "false", 11 if s.is_nps else 4] for s in SURVEYS],
    )
    resources = _csv(
        ["resource_id", "name", "unit", "type", "service_area", "for_sale", "for_sale_from"],
        [
            [
                r.id,
                r.name,
                r.unit,
                r.type,
                r.service_area,
                "true" if r.for_sale else "false",
                r.for_sale_from.isoformat() if r.for_sale_from else "",
            ]
            for r in RESOURCES
        ],
    )
    areas = _csv(["code", "name_fi", "name_en", "kind"], [list(row) for row in SERVICE_AREA_ROWS])
    return {
        "service_areas.csv": areas,
        "nps_experience_points.csv": eps,
        "nps_surveys.csv": surveys,
        "varaamo_resources.csv": resources,
        "event_classification.yaml": classification_yaml().encode("utf-8"),
    }


def write_reference(ref_dir: Path) -> list[Path]:
    """Write the reference files the sample was made with into `ref_dir`."""
    ref_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in reference_files().items():
        path = ref_dir / name
        path.write_bytes(data)
        written.append(path)
    return written


def classification() -> dict:
    """The parsed classification rules."""
    return yaml.safe_load(classification_yaml())
