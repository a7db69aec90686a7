"""Files shaped like what the live systems return: HappyOrNot API v2 exports (CSV and JSON),
Linked Events pages listing an event in every month it runs in, ISO 8601 times with `Z`, offsets
and fractions, and the value rules (strict integers, control characters, future periods,
negative amounts, Finnish thousands separators).

The landing zone is built here, one run over March-April 2021 (finance and check-ins load
whole). The run leaves the asset checks out: these tests are about the staging rules, and
raw = staging + quarantine is asserted directly.

  nps/2021/nps_2021-03.csv (API v2 column order, extra smileyId and position, UUID ids)
    rec id  localTime (its Helsinki time)          ep  survey     button  fate
    1   a1  2021-03-01T10:15:30.000+02:00 (10:15)  101 9001 NPS   10      promoter (KIR)
    2   a2  2021-03-01T08:00:00.000Z      (10:00)  102 9001 NPS   3       detractor (KULP)
    3   a3  2021-03-02T12:00:00.250+02:00          101 9003 5-btn 4       staged: top button of a 5-button survey
    4   a4  2021-03-02T12:05:00.000+02:00          101 9001 NPS   8.6     quarantine: not an integer
    5   a5  2021-03-02T12:06:00.000+02:00          101 9002 4-btn 4       quarantine: outside 0-3
    6   a6  2021-03-31T21:30:00.000Z      (1.4. 00:30) 101 9001   9       quarantine: April in the March file
    7   a7  2021-03-03T10:00:00.000+02:00          101 9001 NPS   9       quarantine: NUL in ui
    8   a8  2099-03-01T10:00:00.000+02:00          101 9001 NPS   9       quarantine: after today
  nps/2021/nps_2021-04.json (API v2 objects)
    1   b1  2021-04-01T10:15:30.000+03:00          103 9001 NPS   9       promoter (LIIKU)
    2   b2  2021-04-02T09:00:00.000+03:00          103 9001 NPS   7       passive (LIIKU)

  events/2021/events_2021-03_p001.json (start=2021-03-01&end=2021-03-31: events running in March)
    1 multi     30.3.-2.4., modified 1.3., keywords yso:p1808 only        duplicate of the April copy
    2 ser       recurring series 20.3.-10.4., suurtapahtuma + yso:p916    counts: sports, March
    3 ser_a     its sub-event 20.3.                                       never on its own
    4 naive     start 2021-03-10T10:00:00 (no zone)                       quarantine: no time zone
    5 dateonly  start 2021-03-12 (a day without a time), suurtapahtuma    counts: culture, March
    6 gone      scheduled, suurtapahtuma, modified 1.3.                   duplicate of the deleted record
    7 block     umbrella of residents' block party, no keyword            counts: district (its part has it)
    8 block_a   its part, kuva:kaupunginosatapahtuma                      never on its own
    9 cityblock district keyword, published by the cultural services     counts: district (keyword decides)
  events/2021/events_2021-04_p001.json (events running in April)
    1 multi     moved to 31.3. 15:00Z-2.4., modified 25.3., + suurtapahtuma  counts: culture, March
    2 ser       same copy, same modified time                            duplicate (ties: file order)
    3 gone      deleted record (id, name, last_modified_time 5.4., deleted, replaced_by)  deleted
    4 stray     10.2.2021 only, no copy in its own month                 quarantine: outside its file
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from kuva_pipeline import settings, sqlmacros
from kuva_pipeline.runner import partition_range_tags, with_siblings
from tests.conftest import with_dbt
from tests.sources.conftest import FIXTURES, resources, rows

BASE = "https://api.hel.fi/linkedevents/v1/"

NPS_CSV = (
    "feedbackId,smileyId,localTime,surveyId,experiencePointId,buttonIndex,misuse,position,ui,smileyType\n"
    "6f1c2a9e-0000-4000-8000-0000000000a1,70101,2021-03-01T10:15:30.000+02:00,9001,101,10,false,0,physical,SMILEY_TERMINAL\n"
    "6f1c2a9e-0000-4000-8000-0000000000a2,70102,2021-03-01T08:00:00.000Z,9001,102,3,false,0,physical,SMILEY_TERMINAL\n"
    "6f1c2a9e-0000-4000-8000-0000000000a3,70101,2021-03-02T12:00:00.250+02:00,9003,101,4,false,0,digital,SMILEY_DIGITAL\n"
    "6f1c2a9e-0000-4000-8000-0000000000a4,70101,2021-03-02T12:05:00.000+02:00,9001,101,8.6,false,0,physical,SMILEY_TERMINAL\n"
    "6f1c2a9e-0000-4000-8000-0000000000a5,70101,2021-03-02T12:06:00.000+02:00,9002,101,4,false,0,physical,SMILEY_TERMINAL\n"
    "6f1c2a9e-0000-4000-8000-0000000000a6,70101,2021-03-31T21:30:00.000Z,9001,101,9,false,0,physical,SMILEY_TERMINAL\n"
    "6f1c2a9e-0000-4000-8000-0000000000a7,70101,2021-03-03T10:00:00.000+02:00,9001,101,9,false,0,phys\x00ical,SMILEY_TERMINAL\n"
    "6f1c2a9e-0000-4000-8000-0000000000a8,70101,2099-03-01T10:00:00.000+02:00,9001,101,9,false,0,physical,SMILEY_TERMINAL\n"
)


def _press(fid: str, local: str, point: int, survey: int, button: int) -> dict:
    return {"feedbackId": fid, "smileyId": 70000 + point, "localTime": local, "surveyId": survey,
            "experiencePointId": point, "buttonIndex": button, "misuse": False, "position": 0,
            "ui": "physical", "smileyType": "SMILEY_TERMINAL"}


NPS_JSON = [
    _press("6f1c2a9e-0000-4000-8000-0000000000b1", "2021-04-01T10:15:30.000+03:00", 103, 9001, 9),
    _press("6f1c2a9e-0000-4000-8000-0000000000b2", "2021-04-02T09:00:00.000+03:00", 103, 9001, 7),
]


def _event(eid, start, end, modified, keywords=(), status="EventScheduled", publisher="ahjo:u48040010",
           super_event=None, super_event_type=None, sub_events=()):
    """A Linked Events API event object (the fields the API always sends, with the pipeline's ones)."""
    return {
        "@id": f"{BASE}event/helsinki:{eid}/", "@context": "http://schema.org", "@type": "Event",
        "id": f"helsinki:{eid}", "data_source": "helsinki", "publisher": publisher,
        "name": {"fi": eid, "sv": None, "en": eid}, "start_time": start, "end_time": end,
        "has_start_time": start is not None and "T" in start, "event_status": status,
        "super_event": {"@id": f"{BASE}event/helsinki:{super_event}/"} if super_event else None,
        "super_event_type": super_event_type,
        "sub_events": [{"@id": f"{BASE}event/helsinki:{s}/"} for s in sub_events],
        "keywords": [{"@id": f"{BASE}keyword/{k}/"} for k in keywords],
        "location": {"@id": f"{BASE}place/tprek:7254/"}, "deleted": False, "replaced_by": None,
        "last_modified_time": modified, "created_time": "2021-01-10T08:00:00.000000Z",
    }


def _page(month: str, records: list[dict]) -> dict:
    return {"meta": {"count": len(records), "next": None, "previous": None}, "data": records}


BIG, SPORT, DISTRICT = "kuva:suurtapahtuma", "yso:p916", "kuva:kaupunginosatapahtuma"
EVENTS_MARCH = [
    _event("multi", "2021-03-30T15:00:00Z", "2021-04-02T18:00:00Z", "2021-03-01T09:00:00.000000Z", ["yso:p1808"]),
    _event("ser", "2021-03-20T10:00:00Z", "2021-04-10T12:00:00Z", "2021-03-02T09:00:00.000000Z", [BIG, SPORT],
           publisher="ext:seura", super_event_type="recurring", sub_events=["ser_a"]),
    _event("ser_a", "2021-03-20T10:00:00Z", "2021-03-20T12:00:00Z", "2021-03-02T09:00:00.000000Z", [BIG, SPORT],
           publisher="ext:seura", super_event="ser"),
    _event("naive", "2021-03-10T10:00:00", "2021-03-10T12:00:00", "2021-03-02T09:00:00.000000Z", [BIG]),
    _event("dateonly", "2021-03-12", "2021-03-12", "2021-03-02T09:00:00.000000Z", [BIG]),
    _event("gone", "2021-03-15T10:00:00Z", "2021-03-15T12:00:00Z", "2021-03-01T09:00:00.000000Z", [BIG]),
    _event("block", "2021-03-27T10:00:00Z", "2021-03-27T18:00:00Z", "2021-03-02T09:00:00.000000Z", [],
           publisher="ext:kaupunginosayhdistykset", super_event_type="umbrella", sub_events=["block_a"]),
    _event("block_a", "2021-03-27T10:00:00Z", "2021-03-27T12:00:00Z", "2021-03-02T09:00:00.000000Z", [DISTRICT],
           publisher="ext:kaupunginosayhdistykset", super_event="block"),
    _event("cityblock", "2021-03-28T10:00:00Z", "2021-03-28T18:00:00Z", "2021-03-02T09:00:00.000000Z", [DISTRICT],
           publisher="ahjo:u48040010"),
]
EVENTS_APRIL = [
    _event("multi", "2021-03-31T15:00:00Z", "2021-04-02T18:00:00Z", "2021-03-25T09:00:00.000000Z",
           ["yso:p1808", BIG]),
    EVENTS_MARCH[1],
    # What the API lists for a deleted event with show_deleted=true: a short record.
    {"id": "helsinki:gone", "name": {"fi": "POISTETTU", "sv": "RADERAD", "en": "DELETED"},
     "last_modified_time": "2021-04-05T08:00:00.000000Z", "deleted": True, "replaced_by": None},
    _event("stray", "2021-02-10T10:00:00Z", "2021-02-10T12:00:00Z", "2021-02-01T09:00:00.000000Z", [BIG]),
]

FINANCE = (
    "vuosi;palvelualue;kustannukset_eur;suoritteet;talousarvio_eur;suoritteen_laji\r\n"
    "2021;KULP;95.497.532,44;1000;96.000.000,00;käynnit ja osallistumiskerrat\r\n"
    "2021;KIR;n/a;100;1200,00;lainaukset ja käynnit\r\n"
    "2021;LIIKU;\u22125000,00;10;;käyntikerrat\r\n"
    "2021;NUP;\u2212350000,00;0;;oikaisu: kirjausvirhe 2020\r\n"
    "2021;hallinto;100,00;12,5;;hallinto\r\n"
    "2021;NUP;100,00;1;100,00;käynnit\x00\r\n"
)

HOBIHOBI = (
    "listing_id;title;organiser;category;service_area;visible_from;visible_until;participants\n"
    "1;Sirkuskoulu;Seura ry;sirkus;KULP;1.1.2021;31.12.2021;12\n"
    "2;Kuoro;Seura ry;musiikki;KULP;1.1.2021;31.12.2021;12.5\n"
    "3;Tanssi\x00;Seura ry;tanssi;KULP;1.1.2021;31.12.2021;5\n"
    "4;Bändikoulu;Seura ry;musiikki;KULP;1.3.2021;30.4.2021;8\n"
)
HOBIHOBI_APRIL = (  # listing 4 moves from KULP to NUP between the snapshots
    "listing_id;title;organiser;category;service_area;visible_from;visible_until;participants\n"
    "1;Sirkuskoulu;Seura ry;sirkus;KULP;1.1.2021;31.12.2021;12\n"
    "4;Bändikoulu;Seura ry;musiikki;NUP;1.3.2021;30.4.2021;10\n"
    "5;Kuvataidekoulu;Seura ry;kuvataide;KIR;15.3.2021;30.4.2021;3\n"  # entered after the March snapshot
)

def _reservation(rid: int, begin: str, end: str) -> dict:
    return {"id": rid, "url": f"https://api.hel.fi/respa/v1/reservation/{rid}/", "resource": "res_room",
            "begin": begin, "end": end, "state": "confirmed", "type": "normal", "reserver_name": "Maija Esimerkki",
            "reserver_email_address": "maija@example.com", "reserver_phone_number": "040 1234567",
            "event_description": "Kuoroharjoitus", "created_at": "2021-02-20T12:00:00.000000+02:00"}


VARAAMO = {"count": 3, "next": None, "previous": None, "results": [
    _reservation(9001, "2021-03-05T10:00:00.000000+02:00", "2021-03-05T12:00:00.000000+02:00"),
    _reservation(9002, "2021-03-05T08:00:00Z", "2021-03-05T09:00:00Z"),  # UTC: 10-11 in Helsinki
    _reservation(9003, "2021-03-06T10:00:00", "2021-03-06T12:00:00"),  # no zone: the contract says an offset
]}

CHECKINS = (
    "meter;date;status;progress_pct;forecast;value;comment;author\n"
    "budget_followup_2020.family_events_held;15.10.2020;TEKEILLÄ;85;toteutuu;7;7/8 pidetty;Ville Esimerkki\n"
    "budget_followup_2020.family_events_held;1.1.2099;TEKEILLÄ;90;toteutuu;8;ennakkoon;Ville Esimerkki\n"
)


def build_landing(base: Path) -> tuple[Path, Path]:
    landing, reference = base / "landing", base / "reference"
    shutil.copytree(FIXTURES / "reference", reference)
    with (reference / "nps_surveys.csv").open("a", encoding="utf-8") as fh:
        fh.write("9003,How was it (five smileys),false,5\n")
    rules = reference / "event_classification.yaml"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("    meter: district_events\n",
                                  "    meter: district_events\n    umbrella_from_parts: true\n"), encoding="utf-8")
    files = {
        "nps/2021/nps_2021-03.csv": NPS_CSV,
        "nps/2021/nps_2021-04.json": json.dumps(NPS_JSON, indent=1),
        "events/2021/events_2021-03_p001.json": json.dumps(_page("2021-03", EVENTS_MARCH)),
        "events/2021/events_2021-04_p001.json": json.dumps(_page("2021-04", EVENTS_APRIL)),
        "finance/finance_2021.csv": FINANCE,
        "finance/finance_2099.csv": "vuosi;palvelualue;kustannukset_eur;suoritteet;talousarvio_eur;suoritteen_laji\r\n"
                                    "2099;KIR;1,00;1;1,00;lainaukset\r\n",
        "hobihobi/2021/hobihobi_2021-03-01.csv": HOBIHOBI,
        "hobihobi/2021/hobihobi_2021-04-01.csv": HOBIHOBI_APRIL,
        "checkins/checkins_2020_owner.csv": CHECKINS,
        "varaamo/reservations/2021/varaamo_reservations_2021-03_p001.json": json.dumps(VARAAMO),
    }
    for name, text in files.items():
        path = landing / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    return landing, reference


@pytest.fixture(scope="module")
def shapes(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("public_shapes")
    landing, reference = build_landing(base)
    warehouse = base / "kuva.duckdb"
    res = resources(landing, warehouse, reference)
    from kuva_pipeline.definitions import build_definitions

    result = dg.materialize(
        list(build_definitions(resources=res).assets),
        resources=with_dbt(res),
        tags=partition_range_tags(date(2021, 3, 1), date(2021, 4, 30)),
        selection=with_siblings("+key:meters/meter_values").without_checks(),
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    return warehouse


@pytest.fixture
def w(shapes):
    return lambda sql, *params: rows(shapes, sql, params)


def _reasons(w, table: str) -> dict[str, str]:
    return dict(w(f"SELECT _source_file || '#' || _record_index, _reject_reason FROM quarantine.{table}"))


# -- the shared parser, as a plain function -------------------------------------------------------


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    sqlmacros.install(c)
    yield c
    c.close()


@pytest.mark.parametrize(
    ("text", "wall_clock"),
    [
        ("2021-04-01T10:15:30.000+03:00", "2021-04-01 10:15:30"),  # HappyOrNot localTime: already Helsinki
        ("2021-12-31T22:30:00Z", "2022-01-01 00:30:00"),  # UTC, winter: +2 h, the next year in Helsinki
        ("2021-06-30T21:15:00.123456Z", "2021-07-01 00:15:00.123456"),  # summer: +3 h, fractions kept
        ("2021-04-01T10:15:30+0300", "2021-04-01 10:15:30"),  # offset without a colon
        ("2021-04-01T10:15:30", "2021-04-01 10:15:30"),  # ISO without a zone: a wall clock as written
        ("1.3.2024 9:05", "2024-03-01 09:05:00"),  # Finnish (Varaamo statistics)
        ("2021-07-07T24:15:00Z", None),  # hour 24 does not exist
        ("2020-05-32T10:15:00+03:00", None),  # neither does 32 May
    ],
)
def test_fi_timestamp_reads_every_form_as_helsinki_wall_clock(con, text, wall_clock):
    got = con.execute("SELECT fi_timestamp(?)::VARCHAR", [text]).fetchone()[0]
    assert got == wall_clock


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2021-12-31T22:30:00Z", "2022-01-01"),  # the Helsinki day of the instant
        ("2021-03-31T21:30:00.000Z", "2021-04-01"),  # summer time from 28.3.2021: +3 h
        ("2021-03-12", "2021-03-12"),  # a date-only start: that Helsinki day
        ("2021-03-10T10:00:00", None),  # no zone in a UTC field: not guessed
    ],
)
def test_helsinki_date_takes_the_day_from_the_instant_only(con, text, day):
    assert con.execute("SELECT helsinki_date(?)::VARCHAR", [text]).fetchone()[0] == day


@pytest.mark.parametrize(
    ("text", "number", "integer"),
    [
        ("95.497.532,44", 95497532.44, None),  # dots as thousands separators, decimal comma
        ("1 234", 1234.0, 1234),  # a space as thousands separator
        ("\u2212350000,00", -350000.0, None),  # U+2212 minus; ',00' is not an integer literal
        ("8.6", 8.6, None),  # not an integer: never rounded to 9
        ("12", 12.0, 12),
        ("n/a", None, None),
    ],
)
def test_numbers_are_read_or_refused_never_rounded(con, text, number, integer):
    assert con.execute("SELECT fi_number(?), fi_integer(?)", [text, text]).fetchone() == (number, integer)


def test_control_characters_are_named_with_their_field(con):
    assert con.execute("SELECT control_reason('title', 'a' || chr(0) || 'b')").fetchone()[0] == (
        "title: control character U+0000 in the value"
    )
    # Tabs and line breaks are text (a quoted CSV value may hold them).
    assert con.execute("SELECT control_reason('title', 'a' || chr(9) || 'b' || chr(10))").fetchone()[0] is None


# What counts as a control character, by hand: C0 except tab, line feed and carriage return,
# and DEL. The rest of the list is what the macro's JSON test flags for a second look (quotes,
# backslashes, the three allowed controls) or leaves alone (C1 controls, line separators).
_CONTROLS = [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]
_TEXT = [0x09, 0x0A, 0x0D, 0x20, 0x22, 0x2F, 0x5C, 0x7E, 0x80, 0x85, 0x9F, 0xA0, 0x2028, 0x1F600]


@pytest.mark.parametrize("code", _CONTROLS + _TEXT)
def test_has_control_flags_exactly_the_c0_controls_and_del(con, code):
    for text in (chr(code), f"abc{chr(code)}", f"{chr(code)}xyz", f'a"b\\c{chr(code)}d'):
        got = con.execute("SELECT has_control(?)", [text]).fetchone()[0]
        assert got is (code in _CONTROLS), (hex(code), text)
    assert con.execute("SELECT has_control(NULL::VARCHAR)").fetchone()[0] is None


def test_macros_reach_every_cursor_of_the_instance(tmp_path):
    """Made once per DuckDB instance: a cursor opened later has them without making them again."""
    path = tmp_path / "w.duckdb"
    first = duckdb.connect(str(path))
    try:
        sqlmacros.install(first)
        made = first.execute(
            "SELECT count(*) FROM duckdb_functions() WHERE database_name = ?", [sqlmacros.CATALOG]
        ).fetchone()[0]
        assert made == len(sqlmacros.MACROS)
        assert sqlmacros.CATALOG in settings.RESERVED_FILE_NAMES  # no warehouse file may take its name
        cursor = first.cursor()
        sqlmacros.install(cursor)
        assert cursor.execute("SELECT fi_integer('1 234'), has_control('a' || chr(1))").fetchone() == (1234, True)
        # Nothing of them is stored in the warehouse file.
        cursor.execute("CREATE TABLE t AS SELECT 1 AS a")
    finally:
        first.close()
    # First made while a transaction of the caller already writes to the warehouse: the
    # macros go in on a cursor of their own, and the caller's transaction goes on.
    busy = duckdb.connect(str(path))
    try:
        busy.execute("BEGIN")
        busy.execute("INSERT INTO t VALUES (2)")
        sqlmacros.install(busy)
        busy.execute("INSERT INTO t SELECT fi_integer('3')")
        busy.execute("COMMIT")
        assert busy.execute("SELECT list(a ORDER BY a) FROM t").fetchone()[0] == [1, 2, 3]
        busy.execute("DELETE FROM t WHERE a > 1")
    finally:
        busy.close()
    reopened = duckdb.connect(str(path), read_only=True)
    try:
        assert reopened.execute(
            "SELECT count(*) FROM duckdb_functions() WHERE function_type = 'macro' AND database_name = 'w'"
        ).fetchone()[0] == 0
        # Read-only, where no in-memory database can be attached, they are the connection's own.
        sqlmacros.install(reopened)
        assert reopened.execute("SELECT fi_integer('12'), count(*) FROM t").fetchone() == (12, 1)
    finally:
        reopened.close()


# -- HappyOrNot API v2 -----------------------------------------------------------------------------


def test_api_v2_exports_load_as_they_come(w):
    # 8 CSV + 2 JSON presses; the extra columns are not loaded.
    assert w("SELECT count(*) FROM raw.nps_feedback") == [(10,)]
    columns = {c for (c,) in w("SELECT column_name FROM information_schema.columns "
                               "WHERE table_schema = 'raw' AND table_name = 'nps_feedback'")}
    assert "smileyId" not in columns and "position" not in columns
    staged = {f[-2:]: (b, d) for f, b, d in w("SELECT feedback_id, button_index, local_date FROM staging.nps_responses")}
    # a1, a2, a3 and the two JSON presses; ids stay the UUID text.
    assert staged == {
        "a1": (10, date(2021, 3, 1)), "a2": (3, date(2021, 3, 1)), "a3": (4, date(2021, 3, 2)),
        "b1": (9, date(2021, 4, 1)), "b2": (7, date(2021, 4, 2)),
    }
    assert w("SELECT local_time::VARCHAR FROM staging.nps_responses WHERE feedback_id LIKE '%a3'") == [
        ("2021-03-02 12:00:00.25",)  # the offset is Helsinki's own: the wall clock as written
    ]


def test_api_v2_rejects_name_the_field(w):
    reasons = _reasons(w, "nps_responses")
    f = "nps/2021/nps_2021-03.csv#"
    assert reasons == {
        f + "4": "buttonIndex: not an integer: 8.6",
        f + "5": "buttonIndex: 4 outside 0-3 on a 4-button smiley survey",
        f + "6": "localTime: 2021-03-31T21:30:00.000Z is outside the period of its file",
        f + "7": "ui: control character U+0000 in the value",
        f + "8": "localTime: 2099-03-01T10:00:00.000+02:00 is after today (a future period is not data yet)",
    }


def test_nps_index_from_api_v2_presses(w):
    # 2021 answers: a1 10, a2 3, b1 9, b2 7 (a3 is a smiley survey): (2 - 1) / 4 -> 25.
    assert w("SELECT value FROM meters.nps_measures WHERE measure = 'nps_index' AND grain = 'year' "
             "AND service_area = 'KUVA'") == [(25.0,)]
    # March: a1 promoter, a2 detractor -> 0; April: b1 promoter, b2 passive -> 50.
    assert w("SELECT period_start, value FROM meters.nps_measures WHERE measure = 'nps_index' "
             "AND grain = 'month' AND service_area = 'KUVA' ORDER BY 1") == [
        (date(2021, 3, 1), 0.0), (date(2021, 4, 1), 50.0)
    ]


# -- Linked Events as the API pages them ------------------------------------------------------------


def test_multi_month_events_count_once_in_their_own_month(w):
    counted = dict(w("SELECT replace(event_id, 'helsinki:', ''), measure || ' ' || strftime(start_date, '%Y-%m') "
                     "FROM staging.event_classification WHERE counts"))
    # multi counts through its later copy (keyword added, start moved to 31.3.), ser once as a series,
    # dateonly on its day; gone is deleted, naive and stray are quarantined.
    assert counted == {
        "multi": "large_culture_events 2021-03",
        "ser": "large_sports_events 2021-03",
        "dateonly": "large_culture_events 2021-03",
        "block": "district_events 2021-03",
        "cityblock": "district_events 2021-03",
    }
    fate = dict(w("SELECT replace(event_id, 'helsinki:', ''), not_counted_reason FROM staging.event_classification "
                  "WHERE NOT counts"))
    assert fate == {
        "ser_a": "sub-event of helsinki:ser (counts through it)",
        "block_a": "sub-event of helsinki:block (counts through it)",
        "gone": "deleted",
    }
    assert w("SELECT measure, value FROM meters.events_measures WHERE grain = 'year' AND service_area = 'KUVA' "
             "AND period_start = DATE '2021-01-01' ORDER BY 1") == [
        ("district_events", 2.0), ("large_culture_events", 2.0), ("large_sports_events", 1.0)
    ]


def test_district_events_umbrella_and_publisher_rules(w):
    cls = dict(w("SELECT replace(event_id, 'helsinki:', ''), event_class || ' ' || matched_by "
                 "FROM staging.event_classification WHERE event_id IN ('helsinki:block', 'helsinki:cityblock')"))
    # block: an umbrella without the keyword, its part block_a has it -> one district event, by rule.
    # cityblock: the keyword decides, not the publisher (the cultural centres enter residents' events).
    assert cls == {"block": "district_event rule", "cityblock": "district_event rule"}


def test_every_copy_is_staged_or_quarantined_with_a_reason(w):
    raw = w("SELECT count(*) FROM raw.linked_events")[0][0]
    staged = w("SELECT count(*) FROM staging.linked_events")[0][0]
    reasons = _reasons(w, "linked_events")
    assert (raw, staged, len(reasons)) == (13, 8, 5)  # raw = staging + quarantine
    march, april = "events/2021/events_2021-03_p001.json", "events/2021/events_2021-04_p001.json"
    assert reasons == {
        f"{march}#1": f"duplicate: id helsinki:multi is kept from {april}:1",
        f"{march}#4": "start_time: 2021-03-10T10:00:00 has no time zone (the contract says UTC, e.g. "
                      "2021-04-01T07:15:30Z; a time without Z or an offset is not guessed)",
        f"{march}#6": f"duplicate: id helsinki:gone is kept from {april}:3",
        f"{april}#2": f"duplicate: id helsinki:ser is kept from {march}:2",
        f"{april}#4": "start_time: 2021-02-10T10:00:00Z (10.2.2021 12:00 in Helsinki) is outside the period "
                      "of its file",
    }
    # The later copy of multi is staged from the April file, in April's partition, with March's start.
    assert w("SELECT _partition_date, start_date, keywords FROM staging.linked_events "
             "WHERE event_id = 'helsinki:multi'") == [(date(2021, 4, 1), date(2021, 3, 31), ["yso:p1808", BIG])]


# -- value rules ------------------------------------------------------------------------------------


def test_finance_values_read_or_rejected_with_the_field(w):
    staged = w("SELECT service_area, cost_eur::VARCHAR, budget_eur::VARCHAR, is_correction FROM staging.finance "
               "ORDER BY 1")
    # Dots as thousands separators read right; a correction may be negative.
    assert staged == [("KULP", "95497532.44", "96000000.00", False), ("NUP", "-350000.00", None, True)]
    reasons = _reasons(w, "finance")
    assert reasons == {
        "finance/finance_2021.csv#2": "kustannukset_eur: not a number: n/a",
        "finance/finance_2021.csv#3": "kustannukset_eur: \u22125000,00 is negative on a row that is not a "
                                      "correction (suoritteen_laji käyntikerrat)",
        "finance/finance_2021.csv#5": "suoritteet: not a count: 12,5",
        "finance/finance_2021.csv#6": "suoritteen_laji: control character U+0000 in the value",
        "finance/finance_2099.csv#1": "vuosi: 2099 is after the current year (a future period is not data yet)",
    }


def test_hobihobi_counts_are_integers_and_text_is_clean(w):
    assert w("SELECT listing_id, participants FROM staging.hobihobi_listings WHERE snapshot_date = DATE '2021-03-01' "
             "ORDER BY 1") == [(1, 12), (4, 8)]
    assert _reasons(w, "hobihobi_listings") == {
        "hobihobi/2021/hobihobi_2021-03-01.csv#2": "participants: not a count: 12.5",  # not rounded to 13
        "hobihobi/2021/hobihobi_2021-03-01.csv#3": "title: control character U+0000 in the value",
    }


def test_a_checkin_dated_after_today_is_rejected(w):
    assert w("SELECT checkin_date FROM staging.checkins") == [(date(2020, 10, 15),)]
    assert _reasons(w, "checkins") == {
        "checkins/checkins_2020_owner.csv#2": "date: 1.1.2099 is after today (a check-in reports on a day "
                                              "that has come)",
    }


def test_each_survey_declares_its_scale(tmp_path):
    from kuva_pipeline.defs.reference import REFERENCE_TABLES, load_reference_csv
    from kuva_pipeline.sources.landing import LandingFileError

    surveys = next(r for r in REFERENCE_TABLES if r.name == "ref_nps_surveys")
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging")
    path = tmp_path / "nps_surveys.csv"
    path.write_text("survey_id,name,is_nps,buttons\n1,NPS,true,11\n2,Five smileys,false,5\n", encoding="utf-8")
    load_reference_csv(con, surveys, path)
    assert con.execute("SELECT survey_id, buttons FROM staging.ref_nps_surveys").fetchall() == [("1", 11), ("2", 5)]
    # An NPS survey is 0-10; a smiley survey has 4 or 5 buttons; an old file without the column names it.
    path.write_text("survey_id,name,is_nps,buttons\n1,NPS,true,5\n2,Seven,false,7\n", encoding="utf-8")
    with pytest.raises(LandingFileError, match=r"line 3: buttons is not 4 or 5 .*line 2: an NPS survey .* has 11 buttons"):
        load_reference_csv(con, surveys, path)
    path.write_text("survey_id,name,is_nps\n1,NPS,true\n", encoding="utf-8")
    with pytest.raises(LandingFileError, match="line 1: field buttons: missing from the header"):
        load_reference_csv(con, surveys, path)


def test_hobihobi_periods_use_only_their_own_snapshots(w):
    def figures(grain, start):
        return {(m, a): v for m, a, v in w(
            "SELECT measure, service_area, value FROM meters.hobihobi_measures WHERE grain = ? AND period_start = ? "
            "AND value > 0", grain, start)}

    # March: the 1.3. snapshot has 1 and 4 in KULP (4 is in NUP only from the April snapshot);
    # 5, visible from 15.3., shows only in the April snapshot: it counts, in its first area after
    # March (KIR), with no participants from a March snapshot.
    assert figures("month", date(2021, 3, 1)) == {
        ("listings", "KULP"): 2, ("listings", "KIR"): 1, ("listings", "KUVA"): 3,
        ("participants", "KULP"): 20, ("participants", "KUVA"): 20,
    }
    # April: 1 in KULP (12), 4 in NUP (10), 5 in KIR (3).
    april = {
        ("listings", "KULP"): 1, ("listings", "NUP"): 1, ("listings", "KIR"): 1, ("listings", "KUVA"): 3,
        ("participants", "KULP"): 12, ("participants", "NUP"): 10, ("participants", "KIR"): 3,
        ("participants", "KUVA"): 25,
    }
    assert figures("month", date(2021, 4, 1)) == april
    # The year: 4 in its latest 2021 area NUP at its highest, 10; the areas add up to KUVA.
    assert figures("year", date(2021, 1, 1)) == april


def test_months_run_one_at_a_time_count_each_event_once(tmp_path):
    """March staged before April's pages arrive, then April alone, then March again: the event
    counts once at every step, and the rerun settles the duplicates into quarantine."""
    landing, reference = build_landing(tmp_path)
    warehouse = tmp_path / "kuva.duckdb"
    res = resources(landing, warehouse, reference)
    from kuva_pipeline.definitions import build_definitions

    def run_month(first: date, last: date):
        result = dg.materialize(
            list(build_definitions(resources=res).assets),
            resources=with_dbt(res),
            tags=partition_range_tags(first, last),
            selection=with_siblings("+key:meters/events_measures").without_checks(),
            instance=dg.DagsterInstance.ephemeral(),
        )
        assert result.success

    def counted():
        return dict(rows(warehouse, "SELECT replace(event_id, 'helsinki:', ''), strftime(start_date, '%Y-%m') "
                                    "FROM staging.event_classification WHERE counts AND measure IS NOT NULL"))

    expected = {"multi": "2021-03", "ser": "2021-03", "dateonly": "2021-03", "block": "2021-03",
                "cityblock": "2021-03"}
    april_pages = landing / "events" / "2021" / "events_2021-04_p001.json"
    held = april_pages.read_bytes()
    april_pages.unlink()
    run_month(date(2021, 3, 1), date(2021, 3, 31))
    # Only March is known: multi counts through its March copy (no class keyword yet), gone is
    # still scheduled; both are in March.
    assert counted() == {"ser": "2021-03", "dateonly": "2021-03", "gone": "2021-03", "block": "2021-03",
                         "cityblock": "2021-03"}
    april_pages.write_bytes(held)
    run_month(date(2021, 4, 1), date(2021, 4, 30))
    # April's later copies win although March's staged copies are not rerun yet.
    assert counted() == expected
    assert rows(warehouse, "SELECT not_counted_reason FROM staging.event_classification "
                           "WHERE event_id = 'helsinki:multi' AND NOT counts") == [
        ("superseded by the copy in events/2021/events_2021-04_p001.json",)
    ]
    run_month(date(2021, 3, 1), date(2021, 3, 31))
    assert counted() == expected
    # Settled: each id staged once; raw = staging + quarantine.
    assert rows(warehouse, "SELECT count(*), count(DISTINCT event_id) FROM staging.linked_events") == [(8, 8)]
    assert rows(warehouse, "SELECT (SELECT count(*) FROM raw.linked_events), "
                           "(SELECT count(*) FROM quarantine.linked_events)") == [(13, 5)]


def test_varaamo_times_with_offset_or_z_read_and_without_a_zone_rejected(w):
    assert w("SELECT reservation_id, begin_time::VARCHAR FROM staging.varaamo_reservations ORDER BY 1") == [
        ("9001", "2021-03-05 10:00:00"),  # +02:00 is Helsinki's winter offset: as written
        ("9002", "2021-03-05 10:00:00"),  # 08:00Z is 10:00 in Helsinki
    ]
    assert _reasons(w, "varaamo_reservations") == {
        "varaamo/reservations/2021/varaamo_reservations_2021-03_p001.json#3":
            "begin: 2021-03-06T10:00:00 has no time zone (the contract says an offset, +02:00 or +03:00)",
    }
