"""The landing zone contract shared by every source: which file covers which period, and encodings.

A landing file name carries a date token saying which period it covers:
`YYYY-MM-DD` (a day), `YYYY-MM` (a month) or `YYYY` (a year). Loaders pick the
files whose period overlaps the partitions being loaded, so a daily drop and a
monthly bundle work the same way, and a corrected file for a day replaces that
day when its partition is rerun.
"""

from __future__ import annotations

import calendar
import codecs
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

_TOKEN = re.compile(r"(?<!\d)(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?!\d)")


class LandingFileError(ValueError):
    """A landing file that cannot be read; the message names the file, line and field."""


@dataclass(frozen=True)
class LandingFile:
    path: Path
    start: date
    end: date  # inclusive

    def overlaps(self, start: date, end: date) -> bool:
        return self.start <= end and start <= self.end


def period_of(path: Path) -> tuple[date, date] | None:
    """The inclusive (start, end) period a file covers, from the last date token in its name."""
    matches = list(_TOKEN.finditer(path.stem))
    if not matches:
        return None
    year_s, month_s, day_s = matches[-1].groups()
    year = int(year_s)
    try:
        if day_s:
            day = date(year, int(month_s), int(day_s))
            return day, day
        if month_s:
            month = int(month_s)
            last = calendar.monthrange(year, month)[1]
            return date(year, month, 1), date(year, month, last)
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        return None


def select_files(
    folder: Path, patterns: Iterable[str], start: date, end: date
) -> tuple[list[LandingFile], list[Path]]:
    """Files under `folder` matching `patterns` whose period overlaps [start, end].

    Returns the selected files and the files whose name carries no readable
    period (those are reported, never silently skipped).
    """
    selected: list[LandingFile] = []
    undated: list[Path] = []
    if not folder.exists():
        return selected, undated
    seen: set[Path] = set()
    for pattern in patterns:
        for path in sorted(folder.rglob(pattern)):
            if path in seen or not path.is_file() or path.name.startswith((".", "_")):
                continue
            seen.add(path)
            period = period_of(path)
            if period is None:
                undated.append(path)
                continue
            lf = LandingFile(path, *period)
            if lf.overlaps(start, end):
                selected.append(lf)
    selected.sort(key=lambda f: (f.start, str(f.path)))
    return selected, sorted(undated)


def detect_encoding(path: Path, chunk_size: int = 1 << 20) -> str:
    """'utf-8-sig', 'utf-8' or 'cp1252', read in chunks so large files stay cheap."""
    with path.open("rb") as fh:
        head = fh.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        decoder = codecs.getincrementaldecoder("utf-8")()
        data = head
        try:
            while True:
                decoder.decode(data)
                data = fh.read(chunk_size)
                if not data:
                    decoder.decode(b"", final=True)
                    return "utf-8"
        except UnicodeDecodeError:
            return "cp1252"


def as_utf8(path: Path, workdir: Path) -> Path:
    """A UTF-8 path DuckDB can read: the file itself, or a transcoded copy in `workdir`.

    DuckDB reads UTF-8 natively; BOM files are stripped and cp1252 files (Excel
    exports on Finnish Windows) are transcoded, which is cheap for the small
    spreadsheets that use them.
    """
    encoding = detect_encoding(path)
    if encoding == "utf-8":
        return path
    target = Path(tempfile.mkstemp(prefix=path.stem + "_", suffix=path.suffix, dir=workdir)[1])
    try:
        with path.open("r", encoding=encoding, newline="") as src, target.open(
            "w", encoding="utf-8", newline=""
        ) as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
    except UnicodeDecodeError as exc:
        raise LandingFileError(f"{path}: byte {exc.start}: not readable as {encoding}") from exc
    return target


def relative_name(path: Path, root: Path) -> str:
    """The file's path relative to the landing root, as stored in `_source_file`."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
