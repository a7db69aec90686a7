"""Days the publication did not score, computed on demand with time travel for `kuva serve`.

The snapshot holds each scorecard on its document's own day and on the latest day of
its year. Any other day of a scorecard's year (a forecast round such as 30.4.2021,
or any day a manager types in) is recomputed by `kuva_pipeline.timetravel`: the same
dbt models, as of that day, into a scratch database. They read the **source copy**
each publication writes beside the warehouse (`timetravel.source_copy_path`), never
the live warehouse, so a running refresh and the view never wait for each other.

A day is computed once per refresh, in a background process (one at a time: the
machine's cores belong to the refresh), and kept on disk as a small DuckDB file
`<cache>/refresh-<id>/<day>.duckdb`; until it is there the page says "computing"
and offers a link that waits for it. A day is scored with all the data of the days
up to it, whenever it was loaded (`ignore_load_time`), which is how the published
days are scored too, so a computed day and a published one compare like for like.

`python -m kuva_pipeline.web.asof --source COPY --day D --out FILE` is the background
process: it writes the day's `bi.scorecard`, `bi.goals`, `bi.scorecards` and
`bi.checkins` into FILE, or prints why not and exits 1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from kuva_pipeline.web.snapshot import Row, Snapshot, as_day

COMPUTED_KIND = "time_travel"
MEMORY_DAYS = 32
"""Computed days kept in memory; the disk cache keeps every one."""
RETRY_FAILED_SECONDS = 300.0
"""A day that failed is shown as failed for this long, then tried again when asked."""


@dataclass
class DayResult:
    """A computed day: `ready` with the snapshot that holds it, `computing` (with the number
    of days queued before it), or `unavailable` with the reason."""

    state: str
    snapshot: Snapshot | None = None
    queued_before: int = 0
    reason: str = ""


def needs_computing(snap: Snapshot, day: date, scorecard_id: str | None = None) -> bool:
    """Whether showing `day` needs time travel: a scorecard of that year (or the one asked for)
    was not published on it, and the day is not after the latest published day of it
    (nothing newer is known than the latest publication)."""
    ids = [scorecard_id] if scorecard_id is not None else list(snap.scorecards)
    for sc in ids:
        rows = snap.scorecards.get(sc) or []
        days = [as_day(r["as_of"]) for r in rows]
        if rows and rows[0]["year"] == day.year and day not in days and day <= max(days):
            return True
    return False


def _safe(text: str) -> str:
    return re.sub(r"[^\w.-]", "_", text)


@dataclass
class _Job:
    refresh_id: str
    day: date
    out: Path
    process: subprocess.Popen | None = field(default=None, repr=False)


class AsOfComputer:
    """Computes and caches unpublished days for the app; safe to call from any request."""

    def __init__(self, source_copy: Path, cache_dir: Path | None = None, python: str = sys.executable):
        self.source_copy = Path(source_copy)
        self.cache_dir = Path(cache_dir) if cache_dir else self.source_copy.with_name(
            f"{self.source_copy.stem}_cache"
        )
        self._python = python
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._queue: list[_Job] = []
        self._running: _Job | None = None
        self._failed: dict[tuple[str, date], tuple[str, float]] = {}
        self._ready: OrderedDict[tuple[str, date], dict[str, list[Row]]] = OrderedDict()
        self._copy_stamp: tuple | None = None
        self._copy_refresh: str | None = None
        self._closed = False
        self._worker = threading.Thread(target=self._work, name="kuva-as-of", daemon=True)
        self._worker.start()

    # ------------------------------------------------------------ asking

    def day(self, snap: Snapshot, day: date) -> DayResult:
        """The snapshot with `day` computed in, or that it is being computed, or why not."""
        refresh = snap.refresh_id
        if refresh is None:
            return DayResult("unavailable", reason="the snapshot names no refresh")
        reason = self._copy_matches(refresh)
        if reason:
            return DayResult("unavailable", reason=reason)
        key = (refresh, day)
        with self._lock:
            if key in self._ready:
                self._ready.move_to_end(key)
                return DayResult("ready", snap.with_scored_day(self._ready[key]))
            failed = self._failed.get((refresh, day))
            if failed and time.monotonic() - failed[1] > RETRY_FAILED_SECONDS:
                del self._failed[(refresh, day)]
                failed = None
        if failed:
            return DayResult("unavailable", reason=failed[0])
        out = self._cache_file(refresh, day)
        if out.exists():
            try:
                computed = _read_day(out, refresh)
            except (OSError, ValueError) as exc:
                out.unlink(missing_ok=True)
                return DayResult("unavailable", reason=f"the cached day {out} was unreadable ({exc}); ask again to compute it anew")
            with self._lock:
                self._ready[key] = computed
                while len(self._ready) > MEMORY_DAYS:
                    self._ready.popitem(last=False)
            return DayResult("ready", snap.with_scored_day(computed))
        return DayResult("computing", queued_before=self._enqueue(refresh, day, out))

    def wait(self, snap: Snapshot, day: date, timeout: float = 600.0) -> DayResult:
        """`day`, waiting while it is computed (for the static report)."""
        deadline = time.monotonic() + timeout
        result = self.day(snap, day)
        while result.state == "computing" and time.monotonic() < deadline:
            time.sleep(0.5)
            result = self.day(snap, day)
        if result.state == "computing":
            return DayResult("unavailable", reason=f"not computed within {timeout:.0f} s")
        return result

    def warm(self, snap: Snapshot, days: list[date]) -> None:
        """Queue days to compute before anyone asks (the documents' own forecast days)."""
        for d in days:
            if needs_computing(snap, d):
                self.day(snap, d)

    def close(self) -> None:
        """Stop the worker and any computation in progress."""
        with self._lock:
            self._closed = True
            self._queue.clear()
            running = self._running
            self._wake.notify_all()
        if running and running.process:
            _stop_group(running.process)
        self._worker.join(timeout=15)

    # ------------------------------------------------------------ internals

    def _cache_file(self, refresh: str, day: date) -> Path:
        return self.cache_dir / f"refresh-{_safe(refresh)}" / f"{day.isoformat()}.duckdb"

    def _copy_matches(self, refresh: str) -> str:
        """Empty when the source copy belongs to the snapshot's refresh; else why not."""
        try:
            st = self.source_copy.stat()
        except FileNotFoundError:
            return (
                f"there is no source copy for time travel at {self.source_copy}; "
                "`kuva refresh` writes it beside the warehouse when it publishes"
            )
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if stamp != self._copy_stamp:
            self._copy_refresh = _copy_refresh_id(self.source_copy)
            self._copy_stamp = stamp
        if self._copy_refresh != refresh:
            return (
                f"the source copy {self.source_copy.name} is of refresh {str(self._copy_refresh)[:8]}, "
                f"the snapshot of {refresh[:8]}; the next publication brings them together"
            )
        return ""

    def _enqueue(self, refresh: str, day: date, out: Path) -> int:
        with self._lock:
            if self._running and (self._running.refresh_id, self._running.day) == (refresh, day):
                return 0
            for i, job in enumerate(self._queue):
                if (job.refresh_id, job.day) == (refresh, day):
                    return i + (self._running is not None)
            self._queue.append(_Job(refresh, day, out))
            self._wake.notify_all()
            return len(self._queue) - 1 + (self._running is not None)

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._queue and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                job = self._running = self._queue.pop(0)
            try:
                error = self._compute(job)
            except OSError as exc:
                error = f"the time-travel process could not run: {exc}"
            with self._lock:
                self._running = None
                if error and not self._closed:
                    self._failed[(job.refresh_id, job.day)] = (error, time.monotonic())

    def _compute(self, job: _Job) -> str:
        """Run one day in its own process; an error message, or empty on success."""
        folder = job.out.parent
        folder.mkdir(parents=True, exist_ok=True)
        # A new refresh's days replace the previous refreshes' ones.
        for old in self.cache_dir.glob("refresh-*"):
            if old != folder and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
        cmd = [
            self._python, "-m", "kuva_pipeline.web.asof",
            "--source", str(self.source_copy), "--day", job.day.isoformat(), "--out", str(job.out),
        ]
        with self._lock:
            if self._closed:
                return ""
            # Its own process group, so stopping the view stops the dbt run it started too.
            job.process = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
                start_new_session=True,
            )
        _, err = job.process.communicate()
        if job.process.returncode == 0 and job.out.exists():
            return ""
        lines = [line for line in err.strip().splitlines() if line.strip()]
        return lines[-1] if lines else f"time travel exited with {job.process.returncode}"


def _stop_group(process: subprocess.Popen) -> None:
    """Stop a computation and everything it started (its process group)."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=wait)
            if sig == signal.SIGTERM:
                # The leader is gone; whatever it left in its group goes now.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                return


def _copy_refresh_id(path: Path) -> str | None:
    import duckdb

    from kuva_pipeline.timetravel import source_copy_refresh_id

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        return source_copy_refresh_id(con)
    finally:
        con.close()


def _read_day(path: Path, refresh: str) -> dict[str, list[Row]]:
    """The computed day's tables from its cache file, checked to be of `refresh`."""
    import duckdb

    from kuva_pipeline.timetravel import BI_AS_OF

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise ValueError(str(exc).splitlines()[0]) from None
    try:
        (made_of,) = con.execute("SELECT refresh_id FROM bi._as_of").fetchone()
        if made_of != refresh:
            raise ValueError(f"it was computed from refresh {made_of}, not {refresh}")
        tables = {}
        for name in BI_AS_OF:
            cursor = con.execute(f"SELECT * FROM bi.{name}")
            names = [d[0] for d in cursor.description]
            tables[name] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        return tables
    finally:
        con.close()


def compute_day(source: Path, day: date, out: Path) -> None:
    """Compute `day` from the source copy into the cache file `out` (the background process)."""
    from kuva_pipeline.timetravel import write_bi_as_of

    write_bi_as_of(day, out, database=str(source), ignore_load_time=True)


def main(argv: list[str] | None = None) -> int:
    from kuva_pipeline.report import ScorecardUnavailable

    parser = argparse.ArgumentParser(prog="python -m kuva_pipeline.web.asof", description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, type=Path, help="the source copy a publication wrote")
    parser.add_argument("--day", required=True, type=date.fromisoformat, help="the day, like 2021-04-30")
    parser.add_argument("--out", required=True, type=Path, help="the DuckDB file to write")
    args = parser.parse_args(argv)
    try:
        compute_day(args.source, args.day, args.out)
    except ScorecardUnavailable as exc:
        print(str(exc).strip().splitlines()[0] if str(exc).strip() else "time travel failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
