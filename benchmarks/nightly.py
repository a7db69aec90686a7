"""A nightly drop: one more day of landing files, made from the latest day already landed.

`write_next_day(landing, day)` adds, for `day`, an NPS export, a Hobihobi
snapshot, a Varaamo statistics export and a Linked Events page, each shaped
like the latest file of its source (same columns, encodings and conventions,
see docs/sources.md), with new ids so nothing is a duplicate. The volume of
each is that of a typical day of the latest file. Deterministic: the same
landing zone and day give the same files.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.reference import LandingFile, landing_files

HELSINKI = ZoneInfo("Europe/Helsinki")


def _latest(files: list[LandingFile]) -> LandingFile | None:
    return max(files, key=lambda f: (f.end, f.start, f.rel), default=None)


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _typical_day(days: list[date]) -> date | None:
    """The day whose row count is closest to the mean of the days with rows (ties: the latest)."""
    counts = Counter(days)
    if not counts:
        return None
    mean = sum(counts.values()) / len(counts)
    return min(counts, key=lambda d: (abs(counts[d] - mean), -d.toordinal()))


def _fi_datetime(text: str) -> datetime | None:
    try:
        return datetime.strptime(text.strip(), "%d.%m.%Y %H:%M")
    except ValueError:
        return None


def _fi(dt: datetime) -> str:
    return f"{dt.day}.{dt.month}.{dt.year} {dt.hour}:{dt.minute:02d}"


def _nps(landing: Path, day: date) -> Path | None:
    latest = _latest(landing_files(landing, "nps", ".csv") + landing_files(landing, "nps", ".json"))
    if latest is None:
        return None
    if latest.path.suffix == ".json":
        records = json.loads(_read_text(latest.path))
        rows = [{k: r.get(k) for k in r} for r in records]
        header = list(records[0]) if records else []
    else:
        reader = csv.DictReader(io.StringIO(_read_text(latest.path), newline=""))
        rows = list(reader)
        header = list(reader.fieldnames or [])

    def day_of(r) -> date | None:
        try:
            return date.fromisoformat(str(r["localTime"])[:10])
        except (ValueError, TypeError):
            return None

    template_day = _typical_day([d for d in map(day_of, rows) if d])
    ids = [int(r["feedbackId"]) for r in rows if str(r.get("feedbackId") or "").strip().isdigit()]
    next_id = max(ids, default=0) + 1
    out_rows = []
    for r in rows:
        if day_of(r) != template_day:
            continue
        r = dict(r)
        r["feedbackId"] = str(next_id)
        next_id += 1
        r["localTime"] = day.isoformat() + str(r["localTime"])[10:]
        out_rows.append(r)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in out_rows:
        w.writerow(
            [
                ("true" if v else "false") if isinstance(v, bool) else ("" if v is None else v)
                for v in (r.get(h) for h in header)
            ]
        )
    target = landing / "nps" / f"{day.year}" / f"nps_{day.isoformat()}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(buf.getvalue(), encoding="utf-8", newline="")
    return target


def _hobihobi(landing: Path, day: date) -> Path | None:
    latest = _latest(landing_files(landing, "hobihobi", ".csv"))
    if latest is None:
        return None
    target = landing / "hobihobi" / f"{day.year}" / f"hobihobi_{day.isoformat()}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(latest.path.read_bytes())
    return target


def _varaamo(landing: Path, day: date) -> Path | None:
    latest = _latest(landing_files(landing, "varaamo/statistics", ".csv"))
    if latest is None:
        return None
    reader = csv.DictReader(io.StringIO(_read_text(latest.path), newline=""))
    rows = list(reader)
    header = list(reader.fieldnames or [])
    begins = [_fi_datetime(r.get("Alkaa") or "") for r in rows]
    template_day = _typical_day([b.date() for b in begins if b])
    ids = [int(r["Varaus ID"]) for r in rows if (r.get("Varaus ID") or "").strip().isdigit()]
    next_id = max(ids, default=0) + 1
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(header)
    for r, begin in zip(rows, begins, strict=True):
        if begin is None or begin.date() != template_day:
            continue
        shift = timedelta(days=(day - template_day).days)
        r = dict(r)
        r["Varaus ID"] = str(next_id)
        next_id += 1
        r["Alkaa"] = _fi(begin + shift)
        end = _fi_datetime(r.get("Päättyy") or "")
        if end:
            r["Päättyy"] = _fi(end + shift)
        w.writerow([r.get(h, "") for h in header])
    target = landing / "varaamo" / "statistics" / f"{day.year}" / f"varaamo_statistics_{day.isoformat()}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(buf.getvalue(), encoding="utf-8", newline="")
    return target


def _events(landing: Path, day: date) -> Path | None:
    files = landing_files(landing, "events", ".json")
    latest = _latest(files)
    if latest is None:
        return None
    month_files = [f for f in files if (f.start, f.end) == (latest.start, latest.end)]
    events = []
    for f in month_files:
        events.extend(json.loads(_read_text(f.path)).get("data") or [])

    def start_of(e) -> datetime | None:
        try:
            return datetime.fromisoformat(e["start_time"].replace("Z", "+00:00"))
        except (AttributeError, KeyError, TypeError, ValueError):
            return None

    singles = [
        e
        for e in events
        if start_of(e) and not e.get("super_event") and not e.get("sub_events")
        and not e.get("deleted") and not e.get("replaced_by")
    ]
    template_day = _typical_day([start_of(e).astimezone(HELSINKI).date() for e in singles])
    out = []
    for e in singles:
        start = start_of(e)
        if start.astimezone(HELSINKI).date() != template_day:
            continue
        shift = timedelta(days=(day - template_day).days)
        new_start = start + shift
        if new_start.astimezone(HELSINKI).date() != day:
            continue
        e = dict(e)
        prefix = str(e.get("id", "helsinki:x")).split(":", 1)[0]
        e["id"] = f"{prefix}:nightly{day:%Y%m%d}{len(out):05d}"
        e["@id"] = f"https://api.hel.fi/linkedevents/v1/event/{e['id']}/"
        e["start_time"] = new_start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        end = e.get("end_time")
        if end:
            new_end = datetime.fromisoformat(end.replace("Z", "+00:00")) + shift
            e["end_time"] = new_end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        e["last_modified_time"] = f"{day.isoformat()}T00:00:00Z"
        out.append(e)
    page = {"meta": {"count": len(out), "next": None, "previous": None}, "data": out}
    target = landing / "events" / f"{day.year}" / f"events_{day.isoformat()}_p001.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        json.dumps(page, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    return target


def write_next_day(landing: Path, day: date) -> list[Path]:
    """Add one day of files for `day` to the landing zone; returns the files written."""
    landing = Path(landing)
    written = [fn(landing, day) for fn in (_nps, _hobihobi, _varaamo, _events)]
    return [p for p in written if p is not None]


def last_landed_day(landing: Path) -> date:
    """The last day any partitioned landing file covers."""
    ends = [
        f.end
        for folder, suffix in (
            ("nps", ".csv"), ("nps", ".json"), ("hobihobi", ".csv"),
            ("varaamo/reservations", ".json"), ("varaamo/statistics", ".csv"),
            ("events", ".json"),
        )
        for f in landing_files(Path(landing), folder, suffix)
    ]
    if not ends:
        raise ValueError(f"{landing}: no landing files with a date token")
    return max(ends)


def first_landed_day(landing: Path) -> date:
    starts = [
        f.start
        for folder, suffix in (("nps", ".csv"), ("nps", ".json"), ("hobihobi", ".csv"),
                               ("varaamo/reservations", ".json"), ("events", ".json"))
        for f in landing_files(Path(landing), folder, suffix)
    ]
    return min(starts, default=date(2019, 1, 1))
