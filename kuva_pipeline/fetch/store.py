"""Writing into the landing zone: atomic, content-addressed, with a sidecar for queries and cursors.

A file is written to a hidden temporary name in its own folder and renamed
into place, so a reader (or a killed fetch) never sees half a file. When the
bytes equal what is already there nothing is written at all: the file keeps
its size and modification time, which is the version the landing sensor
tracks, so an unchanged re-fetch starts no run.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

SIDECAR = "_fetch"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomically write `data` to `path` unless it already holds exactly those bytes.

    Returns True when a new file version was written.
    """
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def dump_json(value: Any) -> bytes:
    """Stable JSON bytes (sorted keys), so equal content gives equal files."""
    return (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


class SourceState:
    """`<landing>/_fetch/<source>/`: the cursor (`state.json`), manifests and pages in progress.

    The cursor lives beside the files it describes rather than in the Dagster
    instance or the warehouse: it says which landing files are complete and
    up to which change, so it must move, be backed up and be wiped together
    with them; `kuva fetch` (no Dagster run) and the fetch assets share it;
    and resetting the instance or rebuilding the warehouse cannot make it
    disagree with the files.
    """

    def __init__(self, landing: Path, source: str) -> None:
        self.dir = landing / SIDECAR / source
        self.path = self.dir / "state.json"

    def load(self) -> dict[str, Any]:
        if not self.path.is_file():
            return {}
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            # A cursor that cannot be read means "fetch everything again": the
            # content-addressed writes keep that from creating new versions.
            return {}

    def save(self, state: dict[str, Any]) -> None:
        write_if_changed(self.path, dump_json(state))

    def manifest(self, key: str) -> Path:
        return self.dir / f"manifest_{key}.json"

    def partial_dir(self, key: str) -> Path:
        return self.dir / "partial" / key


class FetchSummary:
    """What one fetch did: files written, files already current, periods skipped, requests made."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.written: list[str] = []  # landing files with a new version
        self.unchanged: list[str] = []  # fetched, identical to the file in place
        self.removed: list[str] = []  # pages beyond a month's new last page
        self.skipped: list[str] = []  # periods with nothing new since the cursor
        self.notes: list[str] = []
        self.records = 0
        self.requests = 0

    def as_metadata(self) -> dict[str, Any]:
        return {
            "files_written": len(self.written),
            "files_unchanged": len(self.unchanged),
            "files_removed": len(self.removed),
            "periods_without_changes": len(self.skipped),
            "records": self.records,
            "requests": self.requests,
            "written": self.written[:50],
            "notes": self.notes[:50],
        }
