"""Shared plumbing of the sample generator: the run context, file writers, Helsinki time."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from kuva_pipeline.sample.rng import stream
from kuva_pipeline.sample.scales import Scale

HELSINKI = ZoneInfo("Europe/Helsinki")
YEARS = (2019, 2020, 2021)
BOM = b"\xef\xbb\xbf"


@dataclass
class Context:
    """One generation run: where files go, the seed, and what was written and injected."""

    out_dir: Path
    seed: int
    scale: Scale
    progress: Callable[[str], None] = lambda _msg: None
    files: dict[str, dict] = field(default_factory=dict)
    pitfalls: list[dict] = field(default_factory=list)

    def rng(self, name: str) -> np.random.Generator:
        return stream(self.seed, name)

    def write(self, rel: str, data: bytes, *, encoding: str, rows: int | None = None) -> None:
        path = self.out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files[rel] = {
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "encoding": encoding,
            "rows": rows,
        }
        self.progress(f"  {rel}  ({_human(len(data))}{'' if rows is None else f', {rows} rows'})")

    def pitfall(
        self,
        kind: str,
        file: str,
        *,
        line: int | None = None,
        record: int | None = None,
        id: str | int | None = None,  # noqa: A002 - the record's own id field
        detail: str | None = None,
    ) -> None:
        """Note an injected pitfall. `line` is the 1-based physical line of a text file
        (the header is line 1); `record` is the 0-based index in a JSON array."""
        entry: dict = {"kind": kind, "file": file}
        if line is not None:
            entry["line"] = int(line)
        if record is not None:
            entry["record"] = int(record)
        if id is not None:
            entry["id"] = id
        if detail:
            entry["detail"] = detail
        self.pitfalls.append(entry)


def _human(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} kB"
    return f"{n / 1024 / 1024:.1f} MB"


def csv_text(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    delimiter: str = ",",
    quoting: int = csv.QUOTE_MINIMAL,
    lineterminator: str = "\n",
) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=lineterminator)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def encode(text: str, encoding: str) -> bytes:
    """Encode as 'utf-8', 'utf-8-sig' (with BOM) or 'cp1252'."""
    if encoding == "utf-8-sig":
        return BOM + text.encode("utf-8")
    return text.encode(encoding)


def json_bytes(obj: object) -> bytes:
    """Compact JSON as APIs return it, UTF-8, one trailing newline."""
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def months(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    out = []
    y, m = first
    while (y, m) <= last:
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def month_days(year: int, month: int) -> int:
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (nxt - date(year, month, 1)).days


def fi_date(d: date) -> str:
    """Finnish short date: 1.1.2022, 31.12.2021."""
    return f"{d.day}.{d.month}.{d.year}"


def fi_datetime(dt: datetime) -> str:
    """Finnish export timestamp: 1.3.2021 9:05."""
    return f"{dt.day}.{dt.month}.{dt.year} {dt.hour}:{dt.minute:02d}"


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=HELSINKI)


def iso_offset(dt: datetime) -> str:
    """ISO 8601 with the Helsinki offset: 2019-05-03T10:00:00+03:00."""
    return dt.astimezone(HELSINKI).isoformat(timespec="seconds")


def iso_utc(dt: datetime) -> str:
    """ISO 8601 UTC with Z: 2019-05-03T07:00:00Z."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_days(d: date, n: int) -> date:
    return d + timedelta(days=n)
