"""What the landing sensor compares: landing file versions against the ones already seen.

Plain functions, no Dagster: the sensor (`defs/sensors.py`) reads its cursor
and the warehouse's record of loaded files, calls `scan_landing`, and turns the
result into a run request.
"""

from __future__ import annotations

import base64
import json
import os
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from kuva_pipeline.partitions import month_key
from kuva_pipeline.sources.landing import period_of
from kuva_pipeline.sources.raw import RawSource, loaded_file_versions

LANDING_SETTLE_SECONDS = 60
"""A file modified this recently may still be being copied; it is looked at on a later tick."""

_CURSOR_PREFIX = "z1:"


def encode_cursor(versions: Mapping[str, str]) -> str:
    """The sensor cursor: every seen file's version, compressed (cursors are stored per tick)."""
    raw = json.dumps(dict(sorted(versions.items())), separators=(",", ":")).encode("utf-8")
    return _CURSOR_PREFIX + base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def decode_cursor(cursor: str | None) -> dict[str, str]:
    if not cursor:
        return {}
    if not cursor.startswith(_CURSOR_PREFIX):
        raise ValueError("not a landing sensor cursor")
    data = json.loads(zlib.decompress(base64.b64decode(cursor[len(_CURSOR_PREFIX) :])))
    return {str(k): str(v) for k, v in data.items()}


def file_version(st: os.stat_result) -> str:
    """A file version's identity: size and modification time (ns); a rewrite changes it."""
    return f"{st.st_size}:{st.st_mtime_ns}"


def source_files(root: Path, source: RawSource) -> list[Path]:
    """The files a source's readers would pick up (as `landing.select_files` does)."""
    folder = root / source.folder
    found: dict[Path, None] = {}
    for reader in source.readers:
        for path in sorted(folder.rglob(reader.pattern)):
            if path.is_file() and not path.name.startswith((".", "_")):
                found.setdefault(path, None)
    return list(found)


def months_of(period: tuple[date, date], valid: Sequence[str]) -> list[str]:
    """The month partitions a file's period overlaps, limited to the existing partitions."""
    first, last = month_key(period[0]), month_key(period[1])
    return [key for key in valid if first <= key <= last]


@dataclass
class LandingChanges:
    """What a scan found against the cursor; `versions` is the next cursor's content."""

    months: dict[str, set[str]] = field(default_factory=dict)  # raw table -> month keys
    unpartitioned: set[str] = field(default_factory=set)  # raw tables reloaded whole
    files: list[str] = field(default_factory=list)  # "name@version" of files that start a run
    notes: list[str] = field(default_factory=list)  # skipped files and why
    settling: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)

    @property
    def tables(self) -> set[str]:
        return set(self.months) | self.unpartitioned


def scan_landing(
    root: Path,
    sources: Iterable[RawSource],
    previous: Mapping[str, str],
    partitioned: Mapping[str, bool],
    valid_months: Sequence[str],
    now: float,
    settle_seconds: float = LANDING_SETTLE_SECONDS,
    loaded: Mapping[str, str] | None = None,
) -> LandingChanges:
    """Compare the landing zone with the versions already seen.

    A file counts once per version (size and mtime): new or changed files
    whose name dates them into existing month partitions start a run; files
    of an unpartitioned source reload that source whole; an undated file or
    one outside the partitions is noted once per version and not loaded.
    Files that disappeared are forgotten but start nothing (an unmounted
    share must not empty the warehouse). A source folder that is missing keeps
    its remembered versions. `loaded` (file -> version, from
    `raw._loaded_files`) holds the versions already loaded by any run, the
    command line's included: those are not new either.
    """
    loaded = loaded or {}
    changes = LandingChanges(versions=dict(previous))
    present: set[str] = set()
    scanned: list[str] = []
    for source in sources:
        if source.table not in partitioned:
            continue  # not a raw asset of this code location
        folder = root / source.folder
        if not folder.is_dir():
            continue
        scanned.append(f"{source.folder}/")
        for path in source_files(root, source):
            name = path.relative_to(root).as_posix()
            present.add(name)
            try:
                st = path.stat()
            except FileNotFoundError:
                continue  # moved away while scanning
            version = file_version(st)
            if previous.get(name) == version:
                continue
            if loaded.get(name) == version:
                changes.versions[name] = version  # loaded by another run: seen
                continue
            if now - st.st_mtime < settle_seconds:
                changes.settling.append(name)  # the cursor keeps its previous version, if any
                continue
            changes.versions[name] = version
            state = "changed" if name in previous else "new"
            if not partitioned[source.table]:
                changes.unpartitioned.add(source.table)
                changes.files.append(f"{name}@{version}")
                changes.notes.append(f"{name} ({state}): reloads {source.qualified} whole")
                continue
            period = period_of(path)
            if period is None:
                changes.notes.append(
                    f"{name} ({state}): skipped, no date token (YYYY, YYYY-MM or YYYY-MM-DD) in "
                    "its name, so no partition to load it into"
                )
                continue
            months = months_of(period, valid_months)
            if not months:
                changes.notes.append(
                    f"{name} ({state}): skipped, its period {period[0]}..{period[1]} is outside "
                    f"the feed partitions ({valid_months[0]}..{valid_months[-1]})"
                )
                continue
            changes.months.setdefault(source.table, set()).update(months)
            changes.files.append(f"{name}@{version}")
            span = months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"
            changes.notes.append(f"{name} ({state}): {source.qualified} {span}")
    for name in list(changes.versions):
        if name not in present and name.startswith(tuple(scanned)):
            del changes.versions[name]
    return changes


def read_loaded_files(path: Path) -> dict[str, str]:
    """The loaded landing file versions, read-only (no warehouse yet: none)."""
    if not path.exists():
        return {}
    con = duckdb.connect(str(path), read_only=True)
    try:
        return loaded_file_versions(con)
    finally:
        con.close()
