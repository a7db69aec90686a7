"""Readers for the raw landing files, written from docs/sources.md alone.

Nothing here imports the generator: the tests compute every figure from the
files with the standard library, so a generator bug cannot hide behind itself.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

HELSINKI = ZoneInfo("Europe/Helsinki")
BOM = b"\xef\xbb\xbf"


def text(path: Path, encoding: str | None = None) -> str:
    """Decode a landing text file: a UTF-8 BOM means utf-8-sig, else UTF-8, else cp1252."""
    raw = path.read_bytes()
    if encoding:
        return raw.decode(encoding)
    if raw.startswith(BOM):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def csv_rows(path: Path, delimiter: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text(path), newline=""), delimiter=delimiter))


def fi_date(s: str) -> date:
    d, m, y = s.split(".")
    return date(int(y), int(m), int(d))


def fi_number(s: str) -> float:
    return float(s.replace("\u2212", "-").replace(",", "."))


def utc(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def helsinki_year(s: str) -> int:
    return utc(s).astimezone(HELSINKI).year


# ------------------------------------------------------------------ reference


def experience_points(ref: Path) -> dict[str, dict[str, str]]:
    return {r["experience_point_id"]: r for r in csv_rows(ref / "nps_experience_points.csv", ",")}


def nps_surveys(ref: Path) -> dict[str, bool]:
    return {r["survey_id"]: r["is_nps"] == "true" for r in csv_rows(ref / "nps_surveys.csv", ",")}


def resources(ref: Path) -> dict[str, dict[str, str]]:
    return {r["resource_id"]: r for r in csv_rows(ref / "varaamo_resources.csv", ",")}


def classification(ref: Path) -> dict:
    return yaml.safe_load((ref / "event_classification.yaml").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ sources


def nps_records(landing: Path) -> list[tuple[str, int, dict[str, str]]]:
    """(relative file, data-row index, record as strings) for every press, files in name order."""
    out = []
    for path in sorted((landing / "nps").rglob("nps_*.*")):
        rel = path.relative_to(landing).as_posix()
        if path.suffix == ".json":
            for i, rec in enumerate(json.loads(text(path))):
                out.append((rel, i, {k: _s(v) for k, v in rec.items()}))
        else:
            for i, rec in enumerate(csv_rows(path, ",")):
                out.append((rel, i, rec))
    return out


def _s(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def json_pages(landing: Path, folder: str, items: str) -> dict[str, list[tuple[Path, dict]]]:
    """Pages grouped by their month token (`..._YYYY-MM_pNNN.json`), in page order."""
    groups: dict[str, list[tuple[Path, dict]]] = {}
    for path in sorted((landing / folder).rglob("*.json")):
        month = path.stem.rsplit("_p", 1)[0].rsplit("_", 1)[1]
        groups.setdefault(month, []).append((path, json.loads(text(path))))
    return groups


def events(landing: Path) -> list[dict]:
    return [
        e
        for pages in json_pages(landing, "events", "data").values()
        for _, p in pages
        for e in p["data"]
    ]


def hobihobi_snapshots(landing: Path) -> list[tuple[date, list[dict[str, str]]]]:
    out = []
    for path in sorted((landing / "hobihobi").rglob("hobihobi_*.csv")):
        out.append((date.fromisoformat(path.stem.split("_")[1]), csv_rows(path, ";")))
    return out
