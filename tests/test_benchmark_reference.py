"""The benchmark's bare-DuckDB reference computes the contract's numbers.

A small landing zone written here, with every value worked out by hand in the
comments, and the bundled sample against the generator's own headline figures
(`_manifest.json`), never against the pipeline's output. Both read the reference
the sample is made with (the generator's), not data/reference, which a user edits.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.nightly import last_landed_day, write_next_day
from benchmarks.reference import PROJECT_ROOT, Reference, compute_yearly

CATALOG = PROJECT_ROOT / "data" / "catalog"
BUNDLED = PROJECT_ROOT / "data" / "landing"

NPS_HEADER = "feedbackId,localTime,experiencePointId,surveyId,buttonIndex,misuse,ui,smileyType\n"


def _write(root: Path, rel: str, data: bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _event(eid: str, start: str | None, *, keywords=(), publisher="ext:tapahtumatoimisto",
           status="EventScheduled", super_event=None, super_event_type=None, deleted=False,
           replaced_by=None) -> dict:
    url = "https://api.hel.fi/linkedevents/v1"
    return {
        "@id": f"{url}/event/{eid}/", "id": eid, "publisher": publisher,
        "name": {"fi": eid, "sv": None, "en": None},
        "start_time": start, "end_time": None, "event_status": status,
        "super_event": {"@id": f"{url}/event/{super_event}/"} if super_event else None,
        "super_event_type": super_event_type, "sub_events": [],
        "keywords": [{"@id": f"{url}/keyword/{k}/"} for k in keywords],
        "deleted": deleted, "replaced_by": replaced_by,
        "last_modified_time": "2021-01-01T00:00:00Z",
    }


def _page(events: list[dict]) -> bytes:
    meta = {"count": len(events), "next": None, "previous": None}
    return json.dumps({"meta": meta, "data": events}).encode("utf-8")


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("landing")
    # NPS, March 2021 (device 41001 is KIR's, 3101 an NPS survey, 3201 a smiley survey):
    # answers 10, 9 (promoters), 7 (passive), 3 (detractor); left out: misuse, a second
    # copy of id 2 (first wins), a smiley press, a bad day, a day outside the file's month,
    # an unknown device and button 11.
    nps_csv = NPS_HEADER + "".join(
        f"{line}\n"
        for line in (
            "1,2021-03-01T10:00:00,41001,3101,10,false,nps11,",
            "2,2021-03-01T10:01:00,41001,3101,9,false,nps11,",
            "3,2021-03-02T10:00:00,41001,3101,7,false,nps11,",
            "4,2021-03-02T10:01:00,41001,3101,3,false,nps11,",
            "5,2021-03-02T10:01:01,41001,3101,10,true,nps11,",
            "2,2021-03-02T11:00:00,41001,3101,0,false,nps11,",
            "6,2021-03-03T10:00:00,41001,3201,2,false,smiley4,standard",
            "7,2021-03-32T10:00:00,41001,3101,0,false,nps11,",
            "8,2021-04-01T10:00:00,41001,3101,0,false,nps11,",
            "9,2021-03-04T10:00:00,49999,3101,0,false,nps11,",
            "10,2021-03-04T10:00:00,41001,3101,11,false,nps11,",
        )
    )
    _write(root, "nps/2021/nps_2021-03.csv", b"\xef\xbb\xbf" + nps_csv.encode("utf-8"))
    # May 2021 as JSON: one detractor (0), one promoter (10).
    # 2021: promoters 3, detractors 2, answers 6 -> NPS 100 * (3 - 2) / 6 = 16.67.
    nps_json = [
        {"feedbackId": 11, "localTime": "2021-05-03T12:00:00", "experiencePointId": 41001,
         "surveyId": 3101, "buttonIndex": 0, "misuse": False, "ui": "nps11", "smileyType": None},
        {"feedbackId": 12, "localTime": "2021-05-03T12:05:00", "experiencePointId": 41001,
         "surveyId": 3101, "buttonIndex": 10, "misuse": False, "ui": "nps11", "smileyType": None},
    ]
    _write(root, "nps/2021/nps_2021-05.json", json.dumps(nps_json).encode("utf-8"))

    # Hobihobi snapshots of 1.3.2021 and 1.6.2021. Visible in 2021: listings 1, 2 (from
    # 2020), 4 (a quoted title with ';'); listing 3 only from 2022. Participants, the highest
    # in the year's snapshots: 1 -> max(5, 4) = 5 (its second row in a snapshot is ignored),
    # 2 -> 3, 4 -> 7: 15.
    head = "listing_id;title;organiser;category;service_area;visible_from;visible_until;participants\n"
    snap1 = head + (
        "1;Jooga;Seura;liikunta;LIIKU;1.1.2021;31.12.2021;5\n"
        "2;Kuoro;Seura;musiikki;KULP;1.8.2020;15.1.2021;3\n"
        "3;Sirkus;Seura;sirkus;KULP;1.1.2022;30.6.2022;9\n"
    )
    snap2 = head + (
        "1;Jooga;Seura;liikunta;LIIKU;1.1.2021;31.12.2021;4\n"
        '4;"Maalaus; ""akvarelli""";Seura;kuvataide;KULP;1.6.2021;1.9.2021;7\n'
        "1;Jooga;Seura;liikunta;LIIKU;1.1.2021;31.12.2021;100\n"
    )
    _write(root, "hobihobi/2021/hobihobi_2021-03-01.csv", snap1.encode("utf-8"))
    _write(root, "hobihobi/2021/hobihobi_2021-06-01.csv", snap2.encode("utf-8"))

    # Varaamo statistics, March 2021: one booking; a closure, a cancellation and an unknown
    # resource are not bookings.
    stats = (
        '"Varaus ID","Resurssi ID","Resurssi","Yksikkö","Tyyppi","Tila","Alkaa","Päättyy",'
        '"Luontiaika","Varaaja","Sähköposti","Puhelin","Kuvaus"\r\n'
        '"1","au4ersabpmnc","x","y","Varaus","Vahvistettu","1.3.2021 9:05","1.3.2021 10:05",'
        '"1.2.2021 9:00","","","",""\r\n'
        '"2","au4ersabpmnc","x","y","Esto","Vahvistettu","2.3.2021 9:05","2.3.2021 10:05",'
        '"1.2.2021 9:00","","","",""\r\n'
        '"3","au4ersabpmnc","x","y","Varaus","Peruttu","3.3.2021 9:05","3.3.2021 10:05",'
        '"1.2.2021 9:00","","","",""\r\n'
        '"4","nosuchresource","x","y","Varaus","Vahvistettu","4.3.2021 9:05","4.3.2021 10:05",'
        '"1.2.2021 9:00","","","",""\r\n'
    )
    _write(root, "varaamo/statistics/2021/varaamo_statistics_2021-03.csv", stats.encode("utf-8"))

    # Events, June 2021: counted are a sports event (keyword + sports topic), an umbrella of
    # the culture services (its sub-event with the keyword does not add) and the replacement
    # of a replaced district event; cancelled, deleted and postponed ones do not count.
    june = [
        _event("helsinki:e1", "2021-06-05T12:00:00Z", keywords=["kuva:suurtapahtuma", "yso:p965"]),
        _event("helsinki:e2", "2021-06-10T12:00:00Z", publisher="ahjo:u48040010",
               super_event_type="umbrella"),
        _event("helsinki:e3", "2021-06-11T12:00:00Z", keywords=["kuva:suurtapahtuma"],
               super_event="helsinki:e2"),
        _event("helsinki:e4", "2021-06-12T12:00:00Z", keywords=["kuva:suurtapahtuma"],
               status="EventCancelled"),
        _event("helsinki:e5", "2021-06-13T12:00:00Z", keywords=["kuva:kaupunginosatapahtuma"],
               deleted=True),
        _event("helsinki:e6", "2021-06-14T12:00:00Z", keywords=["kuva:kaupunginosatapahtuma"],
               replaced_by="helsinki:e7"),
        _event("helsinki:e7", "2021-06-15T12:00:00Z", keywords=["kuva:kaupunginosatapahtuma"]),
        _event("helsinki:e8", None, keywords=["kuva:suurtapahtuma"], status="EventPostponed"),
    ]
    _write(root, "events/2021/events_2021-06_p001.json", _page(june))
    # 2021-12-31T22:30:00Z is 1.1.2022 00:30 in Helsinki: a 2022 district event.
    _write(root, "events/2022/events_2022-01_p001.json", _page([
        _event("helsinki:e9", "2021-12-31T22:30:00Z", keywords=["kuva:kaupunginosatapahtuma"]),
    ]))

    # Finance: 2020 in cp1252 (ä = 0xE4), 2021 UTF-8 with a BOM and a U+2212 correction.
    # 2020: 500,00 / 40 = 12.5. 2021: (1000,50 + 200,00 − 100,50) / (100 + 0 + 0) = 11.0.
    head = "vuosi;palvelualue;kustannukset_eur;suoritteet;talousarvio_eur;suoritteen_laji\r\n"
    f2020 = head + "2020;KULP;500,00;40;600,00;käyntikerrat\r\n"
    f2021 = head + (
        "2021;KIR;1000,50;100;1100,00;lainaukset ja käynnit\r\n"
        "2021;hallinto;200,00;0;250,00;hallinto\r\n"
        "2021;KIR;\u2212100,50;0;;oikaisu: kirjaus\r\n"
    )
    _write(root, "finance/finance_2020.csv", f2020.encode("cp1252"))
    _write(root, "finance/finance_2021.csv", b"\xef\xbb\xbf" + f2021.encode("utf-8"))
    return root


def _values(rows: list[dict]) -> dict[tuple[str, int], float]:
    return {(r["meter_id"], r["year"]): r["value"] for r in rows}


def test_reference_follows_the_contract_on_a_hand_made_landing(landing: Path, sample_reference: Path) -> None:
    v = _values(compute_yearly(landing, sample_reference, CATALOG))
    assert v[("weighted_targets_2021.nps_index", 2021)] == 16.67
    assert v[("urban_culture_2021.hobihobi_listings", 2021)] == 3
    assert v[("urban_culture_2021.hobihobi_participants", 2021)] == 15
    assert v[("urban_culture_2021.large_sports_events", 2021)] == 1
    assert v[("urban_culture_2021.large_culture_events", 2021)] == 1
    assert v[("urban_culture_2021.district_events", 2021)] == 1
    assert v[("urban_culture_2021.district_events", 2022)] == 1
    assert v[("urban_culture_2021.large_culture_events", 2022)] == 0
    assert v[("weighted_targets_2021.unit_cost", 2020)] == 12.5
    assert v[("weighted_targets_2021.unit_cost", 2021)] == 11.0
    # Levels from the reference data (docs/sources.md): 40 devices at the end of 2019, 41 at
    # the end of 2021; 25 spaces for sale from mid-2020.
    assert v[("binding_goals_2019.nps_devices", 2019)] == 40
    assert v[("binding_goals_2019.nps_devices", 2021)] == 41
    assert v[("budget_followup_2020.varaamo_spaces_for_sale", 2019)] == 0
    assert v[("budget_followup_2020.varaamo_spaces_for_sale", 2021)] == 25
    # No NPS data in 2019 or 2020, so no index for those years.
    assert ("weighted_targets_2021.nps_index", 2019) not in v


def test_reference_counts_bookings(landing: Path, sample_reference: Path) -> None:
    ref = Reference(landing, sample_reference, CATALOG)
    try:
        ref.run()
        bookings = dict(
            ref.con.execute(
                "SELECT service_area, value FROM m_varaamo WHERE year = 2021"
            ).fetchall()
        )
    finally:
        ref.close()
    assert bookings["KUVA"] == 1
    assert bookings["KIR"] == 1


def test_reference_matches_the_bundled_sample_headline(sample_reference: Path) -> None:
    """The generator's own figures for the committed sample (docs/sources.md's table)."""
    headline = json.loads((BUNDLED / "_manifest.json").read_text(encoding="utf-8"))["headline"]
    v = _values(compute_yearly(BUNDLED, sample_reference, CATALOG))
    for y in ("2019", "2020", "2021"):
        year = int(y)
        nps = headline["nps"]["by_year"][y]
        assert v[("weighted_targets_2021.nps_index", year)] == round(nps["nps_index"], 2)
        assert v[("binding_goals_2019.nps_devices", year)] == nps["devices_in_use_year_end"]
        hobi = headline["hobihobi"]["by_year"][y]
        assert v[("urban_culture_2021.hobihobi_listings", year)] == hobi["listings"]
        assert v[("urban_culture_2021.hobihobi_participants", year)] == hobi["participants"]
        ev = headline["events"]["by_year"][y]
        assert v[("urban_culture_2021.large_culture_events", year)] == ev["large_culture_event"]
        assert v[("urban_culture_2021.large_sports_events", year)] == ev["large_sports_event"]
        assert v[("urban_culture_2021.district_events", year)] == ev["district_event"]
        unit = headline["finance"]["by_year"][y]["unit_cost_eur"]
        assert v[("weighted_targets_2021.unit_cost", year)] == pytest.approx(unit, abs=5e-7)


def test_next_day_files_land_after_the_last_day(landing: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "landing"
    shutil.copytree(landing, copy)
    last = last_landed_day(copy)
    assert last.isoformat() == "2022-01-31"
    day = last.replace(day=1).replace(month=2)
    written = write_next_day(copy, day)
    assert {p.parent.parent.name for p in written} >= {"nps", "hobihobi"}
    assert last_landed_day(copy) == day
