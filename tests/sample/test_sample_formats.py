"""Every landing format parses with its real convention, and the manifest describes the tree."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import date, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from tests.sample import rawread as rr

NPS_HEADER = [
    "feedbackId",
    "localTime",
    "experiencePointId",
    "surveyId",
    "buttonIndex",
    "misuse",
    "ui",
    "smileyType",
]
HOBIHOBI_HEADER = [
    "listing_id",
    "title",
    "organiser",
    "category",
    "service_area",
    "visible_from",
    "visible_until",
    "participants",
]
STATS_HEADER = [
    "Varaus ID",
    "Resurssi ID",
    "Resurssi",
    "Yksikkö",
    "Tyyppi",
    "Tila",
    "Alkaa",
    "Päättyy",
    "Luontiaika",
    "Varaaja",
    "Sähköposti",
    "Puhelin",
    "Kuvaus",
]
CHECKIN_HEADER = [
    "meter",
    "date",
    "status",
    "progress_pct",
    "forecast",
    "value",
    "comment",
    "author",
]
FINANCE_HEADER = [
    "vuosi",
    "palvelualue",
    "kustannukset_eur",
    "suoritteet",
    "talousarvio_eur",
    "suoritteen_laji",
]
FI_DATE = re.compile(r"^([1-9]|[12]\d|3[01])\.([1-9]|1[0-2])\.\d{4}$")
FI_DATETIME = re.compile(
    r"^([1-9]|[12]\d|3[01])\.([1-9]|1[0-2])\.\d{4} ([0-9]|1\d|2[0-3]):[0-5]\d$"
)
ISO_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0[23]:00$")
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
QUOTED_LINE = re.compile(r'^"(?:[^"]|"")*"(?:,"(?:[^"]|"")*")*$')


def _declared_encoding(manifest: dict, rel: str) -> str:
    return manifest["files"][rel]["encoding"]


def test_manifest_lists_every_file_with_its_hash(small_dir: Path, small_manifest: dict):
    on_disk = {p.relative_to(small_dir).as_posix() for p in small_dir.rglob("*") if p.is_file()} - {
        "_manifest.json"
    }
    assert on_disk == set(small_manifest["files"])
    for rel, meta in small_manifest["files"].items():
        data = (small_dir / rel).read_bytes()
        assert len(data) == meta["bytes"] and hashlib.sha256(data).hexdigest() == meta["sha256"], (
            rel
        )


def test_small_sample_stays_small(small_manifest: dict):
    assert small_manifest["totals"]["files"] <= 250
    assert small_manifest["totals"]["bytes"] <= 4_200_000


def test_files_decode_as_declared(small_dir: Path, small_manifest: dict):
    for rel, meta in small_manifest["files"].items():
        raw = (small_dir / rel).read_bytes()
        enc = meta["encoding"]
        if enc == "xlsx":
            assert raw[:2] == b"PK"
        elif enc == "utf-8-sig":
            assert raw.startswith(rr.BOM) and raw[3:].decode("utf-8")
        elif enc == "utf-8":
            assert not raw.startswith(rr.BOM)
            raw.decode("utf-8")
        else:
            assert enc == "cp1252"
            raw.decode("cp1252")


def test_nps_exports(small_dir: Path, small_manifest: dict):
    csvs = sorted((small_dir / "nps").rglob("*.csv"))
    jsons = sorted((small_dir / "nps").rglob("*.json"))
    assert len(csvs) > len(jsons) >= 2
    for path in csvs:
        header = rr.text(path).split("\n", 1)[0]
        assert header.split(",") == NPS_HEADER, path
    for path in jsons:
        data = json.loads(rr.text(path))
        assert isinstance(data, list) and data
        for rec in data:
            assert list(rec) == NPS_HEADER
            assert isinstance(rec["feedbackId"], int) and isinstance(rec["misuse"], bool)
    bad = {
        (p["file"], p.get("line", (p.get("record") or 0) + 2))
        for p in small_manifest["pitfalls"]
        if p["kind"] == "bad_timestamp"
    }
    for rel, i, r in rr.nps_records(small_dir):
        month = rel.rsplit("_", 1)[1][:7]
        if (rel, i + 2) in bad:
            continue
        t = datetime.strptime(r["localTime"], "%Y-%m-%dT%H:%M:%S")
        assert t.strftime("%Y-%m") == month, (rel, r)  # rows lie inside the file's period
        assert r["ui"] in ("nps11", "smiley4") and r["misuse"] in ("true", "false")


def test_hobihobi_snapshots(small_dir: Path):
    snaps = rr.hobihobi_snapshots(small_dir)
    assert len(snaps) == 36 and all(d.day == 1 for d, _ in snaps)
    for path in sorted((small_dir / "hobihobi").rglob("*.csv")):
        rows = list(csv.reader(io.StringIO(rr.text(path), newline=""), delimiter=";"))
        assert rows[0] == HOBIHOBI_HEADER
        for r in rows[1:]:
            assert len(r) == 8 and FI_DATE.match(r[5]) and FI_DATE.match(r[6]) and r[7].isdigit(), (
                path,
                r,
            )
            assert r[4] in ("KIR", "KULP", "LIIKU", "NUP")
            assert rr.fi_date(r[5]) <= rr.fi_date(r[6])
            snap = date.fromisoformat(path.stem.split("_")[1])
            assert rr.fi_date(r[6]) >= snap  # expired listings leave the snapshot


def test_varaamo_old_backend_pages(small_dir: Path, reference_dir: Path):
    states = {"created", "requested", "confirmed", "denied", "cancelled", "waiting_for_payment"}
    months = rr.json_pages(small_dir, "varaamo/reservations", "results")
    assert sorted(months) == [f"{y}-{m:02d}" for y in (2019, 2020) for m in range(1, 13)]
    multi_page = 0
    for month, pages in months.items():
        total = pages[0][1]["count"]
        assert sum(len(p["results"]) for _, p in pages) == total
        multi_page += len(pages) > 1
        for n, (path, page) in enumerate(pages, start=1):
            assert list(page) == ["count", "next", "previous", "results"]
            assert path.name.endswith(f"_p{n:03d}.json")
            assert page["count"] == total
            if n < len(pages):
                assert parse_qs(urlparse(page["next"]).query)["page"] == [str(n + 1)]
            else:
                assert page["next"] is None
            assert (page["previous"] is None) == (n == 1)
            for r in page["results"]:
                assert ISO_OFFSET.match(r["begin"]) and ISO_OFFSET.match(r["end"])
                begin = datetime.fromisoformat(r["begin"])
                assert begin.strftime("%Y-%m") == month
                # the offset is Helsinki's on that day (+02:00 winter, +03:00 summer)
                assert begin.utcoffset() == begin.astimezone(rr.HELSINKI).utcoffset()
                assert r["state"] in states and r["type"] in ("normal", "blocked")
    assert multi_page >= 3


def test_varaamo_statistics_csv_is_fully_quoted(small_dir: Path):
    files = sorted((small_dir / "varaamo" / "statistics").rglob("*.csv"))
    assert [p.stem[-7:] for p in files] == [f"2021-{m:02d}" for m in range(1, 13)]
    for path in files:
        body = rr.text(path)
        assert body.endswith("\r\n") and "\n" not in body.replace("\r\n", "")
        for line in body.split("\r\n")[:-1]:
            assert QUOTED_LINE.match(line), (path, line)
        rows = list(csv.reader(io.StringIO(body, newline="")))
        assert rows[0] == STATS_HEADER
        for r in rows[1:]:
            assert (
                FI_DATETIME.match(r[6]) and FI_DATETIME.match(r[7]) and FI_DATETIME.match(r[8])
            ), r
            assert r[4] in ("Varaus", "Esto")
            assert r[5] in (
                "Vahvistettu",
                "Peruttu",
                "Hylätty",
                "Käsiteltävänä",
                "Luonnos",
                "Odottaa maksua",
            )


def test_linked_events_pages(small_dir: Path):
    keys = {
        "@id",
        "@type",
        "id",
        "data_source",
        "publisher",
        "name",
        "start_time",
        "end_time",
        "event_status",
        "super_event",
        "super_event_type",
        "sub_events",
        "keywords",
        "location",
        "deleted",
        "replaced_by",
        "last_modified_time",
    }
    months = rr.json_pages(small_dir, "events", "data")
    assert "2022-01" in months  # holds the 2021-12-31T22:30:00Z event
    every: dict[str, dict] = {}
    for month, pages in months.items():
        assert sum(len(p["data"]) for _, p in pages) == pages[0][1]["meta"]["count"]
        for n, (_path, page) in enumerate(pages, start=1):
            assert set(page) == {"meta", "data"} and set(page["meta"]) == {
                "count",
                "next",
                "previous",
            }
            assert (page["meta"]["next"] is None) == (n == len(pages))
            for ev in page["data"]:
                assert set(ev) == keys
                assert re.match(r"^[a-z]+:[a-z0-9]+$", ev["id"])
                assert ev["@id"].endswith(f"/event/{ev['id']}/")
                assert set(ev["name"]) == {"fi", "sv", "en"} and ev["name"]["fi"]
                assert ev["event_status"] in (
                    "EventScheduled",
                    "EventCancelled",
                    "EventPostponed",
                    "EventRescheduled",
                )
                assert ev["super_event_type"] in (None, "recurring", "umbrella")
                assert re.match(r"^(ahjo|ext):", ev["publisher"])
                if ev["start_time"] is None:
                    assert ev["event_status"] == "EventPostponed"
                else:
                    assert ISO_UTC.match(ev["start_time"]) and ISO_UTC.match(ev["end_time"])
                    local = rr.utc(ev["start_time"]).astimezone(rr.HELSINKI)
                    assert (
                        local.strftime("%Y-%m") == month
                    )  # files hold events starting in their Helsinki month
                for k in ev["keywords"]:
                    assert re.match(
                        r"^https://api\.hel\.fi/linkedevents/v1/keyword/[a-z]+:[a-z0-9]+/$",
                        k["@id"],
                    )
                every[ev["@id"]] = ev
    # super and sub-events point at each other, across files
    for ev in every.values():
        for sub in ev["sub_events"]:
            assert every[sub["@id"]]["super_event"] == {"@id": ev["@id"]}
        if ev["super_event"]:
            assert {"@id": ev["@id"]} in every[ev["super_event"]["@id"]]["sub_events"]


def test_checkins(small_dir: Path):
    from openpyxl import load_workbook

    csvs = sorted((small_dir / "checkins").glob("checkins_*.csv"))
    assert len(csvs) >= 3
    for path in csvs:
        assert re.match(r"^checkins_\d{4}_[a-z0-9-]+$", path.stem)
        rows = list(csv.reader(io.StringIO(rr.text(path), newline=""), delimiter=";"))
        assert rows[0] == CHECKIN_HEADER
        for r in rows[1:]:
            assert FI_DATE.match(r[1]) and r[2] in ("TEKEMÄTTÄ", "TEKEILLÄ", "TEHTY")
            assert r[4] in ("toteutuu", "toteutumassa", "epävarma", "ei toteudu") and 0 <= int(r[3]) <= 100
            if r[5]:
                rr.fi_number(r[5])
    xlsx = sorted((small_dir / "checkins").glob("*.xlsx"))
    assert len(xlsx) == 1
    ws = load_workbook(xlsx[0]).active
    values = list(ws.values)
    assert list(values[0]) == CHECKIN_HEADER
    assert all(isinstance(r[1], datetime) and isinstance(r[3], int) for r in values[1:])


def test_finance_extracts(small_dir: Path, small_manifest: dict):
    files = sorted((small_dir / "finance").glob("finance_*.csv"))
    assert [p.stem for p in files] == ["finance_2019", "finance_2020", "finance_2021"]
    for path in files:
        rel = path.relative_to(small_dir).as_posix()
        text = path.read_bytes().decode(_declared_encoding(small_manifest, rel))
        assert "\r\n" in text
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
        assert rows[0] == FINANCE_HEADER
        assert {r[1] for r in rows[1:]} == {"KIR", "KULP", "LIIKU", "NUP", "hallinto"}
        for r in rows[1:]:
            assert re.match(r"^[\u2212-]?\d+,\d{2}$", r[2]) and r[3].isdigit()
    assert _declared_encoding(small_manifest, "finance/finance_2020.csv") == "cp1252"


def test_reference_files(reference_dir: Path):
    eps = rr.experience_points(reference_dir)
    assert len(eps) == len(rr.csv_rows(reference_dir / "nps_experience_points.csv", ","))
    assert {e["service_area"] for e in eps.values()} == {"KIR", "KULP", "LIIKU", "NUP"}
    surveys = rr.nps_surveys(reference_dir)
    assert any(surveys.values()) and not all(surveys.values())
    res = rr.resources(reference_dir)
    assert len(res) == len(rr.csv_rows(reference_dir / "varaamo_resources.csv", ","))
    rules = rr.classification(reference_dir)
    assert [c["id"] for c in rules["classes"]] == [
        "district_event",
        "large_sports_event",
        "large_culture_event",
    ]
    assert rules["counting"]["statuses"] == ["EventScheduled", "EventRescheduled"]
