"""Every pitfall the manifest lists is really in the file, at the line or record it names."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from tests.sample import rawread as rr

NPS_KINDS = {
    "misuse",
    "exact_duplicate",
    "conflicting_duplicate",
    "unknown_experience_point",
    "button_out_of_range",
    "bad_timestamp",
    "non_nps_survey",
}


def _line(path: Path, line: int) -> str:
    return rr.text(path).splitlines()[line - 1]


def _csv_record(path: Path, line: int, delimiter: str) -> dict[str, str]:
    """The data row at a physical line (no embedded newlines in these files)."""
    lines = rr.text(path).splitlines()
    return next(
        csv.DictReader(io.StringIO(lines[0] + "\n" + lines[line - 1] + "\n"), delimiter=delimiter)
    )


def _record(landing: Path, p: dict) -> dict:
    path = landing / p["file"]
    if "record" in p:
        data = json.loads(rr.text(path))
        items = data if isinstance(data, list) else data.get("results", data.get("data"))
        return {k: v for k, v in items[p["record"]].items()}
    delimiter = ";" if p["file"].startswith(("hobihobi", "checkins", "finance")) else ","
    return _csv_record(path, p["line"], delimiter)


def _nps_rows_before(landing: Path, p: dict) -> list[dict[str, str]]:
    rel = p["file"]
    idx = p["record"] if "record" in p else p["line"] - 2
    return [r for f, i, r in rr.nps_records(landing) if f == rel and i < idx]


def _as_str(rec: dict) -> dict[str, str]:
    return {
        k: ("" if v is None else ("true" if v is True else "false" if v is False else str(v)))
        for k, v in rec.items()
    }


def check(landing: Path, ref: Path, p: dict) -> None:  # noqa: C901 - one branch per kind, on purpose
    kind, path = p["kind"], landing / p["file"]
    assert path.exists(), p
    raw = path.read_bytes()
    if kind == "utf8_bom":
        assert raw.startswith(rr.BOM)
        return
    if kind == "cp1252":
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert "ä" in raw.decode("cp1252").splitlines()[p["line"] - 1]
        return
    if kind == "excel_file":
        from openpyxl import load_workbook

        assert raw[:2] == b"PK"
        assert load_workbook(path).active.max_row > 1
        return
    if kind == "decimal_comma":
        assert re.search(r"(^|;)\d+,\d{2}(;|$)", _line(path, p["line"]))
        return
    if kind == "u2212_minus":
        assert "\u2212" in _line(path, p["line"])
        return
    if kind in ("date_31_12", "date_1_1"):
        token = "31.12.2021" if kind == "date_31_12" else "1.1.2022"
        assert token in _line(path, p["line"]).split(";")
        return

    rec = _as_str(_record(landing, p))
    if "id" in p:
        key = next(k for k in ("feedbackId", "listing_id", "Varaus ID", "id") if k in rec)
        assert rec[key] == str(p["id"]), (p, rec)

    if kind in NPS_KINDS:
        eps, surveys = rr.experience_points(ref), rr.nps_surveys(ref)
        if kind == "misuse":
            assert rec["misuse"] == "true"
        elif kind == "exact_duplicate":
            assert rec in _nps_rows_before(landing, p)
        elif kind == "conflicting_duplicate":
            earlier = [
                r for r in _nps_rows_before(landing, p) if r["feedbackId"] == rec["feedbackId"]
            ]
            assert earlier and all(r != rec for r in earlier)
        elif kind == "unknown_experience_point":
            assert rec["experiencePointId"] not in eps
        elif kind == "button_out_of_range":
            assert surveys[rec["surveyId"]] and not 0 <= int(rec["buttonIndex"]) <= 10
        elif kind == "bad_timestamp":
            with pytest.raises(ValueError):
                datetime.strptime(rec["localTime"], "%Y-%m-%dT%H:%M:%S")
        elif kind == "non_nps_survey":
            assert surveys[rec["surveyId"]] is False and 0 <= int(rec["buttonIndex"]) <= 3
        return

    if p["file"].startswith("hobihobi"):
        snaps = rr.hobihobi_snapshots(landing)
        day = datetime.strptime(path.stem.split("_")[1], "%Y-%m-%d").date()
        others = [
            (d, r)
            for d, rows in snaps
            for r in rows
            if r["listing_id"] == rec["listing_id"] and d != day
        ]
        if kind == "visible_from_previous_year":
            assert (
                rr.fi_date(rec["visible_from"]).year
                < day.year
                <= rr.fi_date(rec["visible_until"]).year
            )
        elif kind == "participants_decrease":
            assert any(
                d < day and int(r["participants"]) > int(rec["participants"]) for d, r in others
            )
        elif kind == "title_changed":
            assert any(d < day and r["title"] != rec["title"] for d, r in others)
        elif kind == "quoted_field":
            assert ";" in rec["title"] and '"' in rec["title"]
            assert '"' in _line(path, p["line"])
        elif kind == "repeated_listing":
            assert others
        else:
            raise AssertionError(f"no check for {kind}")
        return

    if p["file"].startswith("varaamo"):
        res = rr.resources(ref)
        if "Tila" in rec:  # statistics CSV: translate the Finnish labels
            rec = {
                "resource": rec["Resurssi ID"],
                "state": STATE_FI[rec["Tila"]],
                "type": TYPE_FI[rec["Tyyppi"]],
                "reserver_name": rec["Varaaja"],
                "reserver_email_address": rec["Sähköposti"],
                "begin": rec["Alkaa"],
                "end": rec["Päättyy"],
            }
        expect_state = {
            "denied": "denied",
            "cancelled": "cancelled",
            "created_expired_draft": "created",
            "waiting_for_payment": "waiting_for_payment",
        }
        if kind == "personal_data":
            assert (
                rec["reserver_name"]
                and "@" in rec["reserver_email_address"]
                and rec["reserver_phone_number"]
            )
        elif kind == "blocked_closure":
            assert rec["type"] == "blocked"
        elif kind == "unknown_resource":
            assert rec["resource"] not in res
        elif kind in expect_state:
            assert rec["state"] == expect_state[kind] and rec["type"] == "normal"
        elif kind == "crosses_year_end":
            assert (
                datetime.fromisoformat(rec["begin"]).year + 1
                == datetime.fromisoformat(rec["end"]).year
            )
        else:
            raise AssertionError(f"no check for {kind}")
        return

    if p["file"].startswith("events"):
        ev = _record(landing, p)
        rules = rr.classification(ref)
        include = {i for c in rules["classes"] for i in c["include_ids"]}
        exclude = {i for c in rules["classes"] for i in c["exclude_ids"]}
        if kind == "helsinki_year_boundary":
            assert ev["start_time"].endswith("-12-31T22:30:00Z")
            assert rr.helsinki_year(ev["start_time"]) == int(ev["start_time"][:4]) + 1
        elif kind == "cancelled":
            assert ev["event_status"] == "EventCancelled" and ev["super_event"] is None
        elif kind == "cancelled_sub_event":
            assert ev["event_status"] == "EventCancelled" and ev["super_event"] is not None
        elif kind == "postponed_no_start":
            assert ev["event_status"] == "EventPostponed" and ev["start_time"] is None
        elif kind == "deleted":
            assert ev["deleted"] is True and ev["replaced_by"] is None
        elif kind == "replaced":
            assert ev["replaced_by"]
        elif kind == "excluded_by_id":
            assert ev["id"] in exclude and any("suurtapahtuma" in k["@id"] for k in ev["keywords"])
        elif kind == "included_by_id":
            assert ev["id"] in include
        elif kind in ("sub_event_umbrella", "sub_event_recurring", "nested_sub_event"):
            assert ev["super_event"] is not None and ev["super_event_type"] is None
        elif kind == "series_spans_years":
            by_url = {e["@id"]: e for e in rr.events(landing)}
            years = {rr.helsinki_year(by_url[s["@id"]]["start_time"]) for s in ev["sub_events"]}
            assert ev["super_event_type"] == "recurring" and len(years) == 2
        elif kind == "rescheduled":
            assert ev["event_status"] == "EventRescheduled" and ev["start_time"]
        else:
            raise AssertionError(f"no check for {kind}")
        return

    if p["file"].startswith("checkins") and kind == "personal_data":
        assert "@" in rec["comment"] and re.search(r"\d{3} ?\d{4}", rec["comment"])
        return
    raise AssertionError(f"no check for {kind} in {p['file']}")


STATE_FI = {
    "Vahvistettu": "confirmed",
    "Peruttu": "cancelled",
    "Hylätty": "denied",
    "Käsiteltävänä": "requested",
    "Luonnos": "created",
    "Odottaa maksua": "waiting_for_payment",
}
TYPE_FI = {"Varaus": "normal", "Esto": "blocked"}


def test_every_listed_pitfall_is_in_its_file(small_dir, small_manifest, reference_dir):
    for p in small_manifest["pitfalls"]:
        check(small_dir, reference_dir, p)


def test_tiny_sample_pitfalls_too(tiny_dir, reference_dir):
    manifest = json.loads((tiny_dir / "_manifest.json").read_text(encoding="utf-8"))
    for p in manifest["pitfalls"]:
        check(tiny_dir, reference_dir, p)


def test_the_brief_pitfalls_are_all_present(small_manifest):
    kinds = Counter(p["kind"] for p in small_manifest["pitfalls"])
    wanted = {
        "utf8_bom",
        "cp1252",
        "date_31_12",
        "date_1_1",
        "u2212_minus",
        "decimal_comma",
        "misuse",
        "exact_duplicate",
        "conflicting_duplicate",
        "non_nps_survey",
        "unknown_experience_point",
        "button_out_of_range",
        "bad_timestamp",
        "sub_event_umbrella",
        "sub_event_recurring",
        "nested_sub_event",
        "cancelled",
        "postponed_no_start",
        "deleted",
        "replaced",
        "blocked_closure",
        "created_expired_draft",
        "denied",
        "unknown_resource",
        "repeated_listing",
        "personal_data",
        "helsinki_year_boundary",
        "excel_file",
    }
    assert wanted <= set(kinds), wanted - set(kinds)


def test_personal_data_columns_are_filled_in_raw_files(small_dir):
    page = json.loads(rr.text(next((small_dir / "varaamo" / "reservations").rglob("*.json"))))
    normal = [r for r in page["results"] if r["type"] == "normal"]
    assert normal and all(r["reserver_name"] and "@" in r["reserver_email_address"] for r in normal)
    assert all(r["reserver_email_address"].split("@")[1].startswith("example.") for r in normal)
