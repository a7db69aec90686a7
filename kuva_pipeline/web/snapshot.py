"""The published BI snapshot, read once into memory and re-read when a new one is swapped in.

The snapshot is small (hundreds of rows per table), so every page renders from
plain Python rows without a query. A publish replaces the file by an atomic rename;
the next request sees the new inode and reloads. Reading PostgreSQL's published
schema gives the same rows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

BI_TABLES = ("scorecards", "scorecard", "goals", "meters", "meter_values", "quality_checks", "_publication")
EXTRA_TABLES = ("meters.checkins", "catalog.dim_goal")
"""Tables `publish_snapshot` copies beside `bi` for this view; optional."""


class SnapshotUnavailable(RuntimeError):
    """The snapshot cannot be read; the message says which file or table and what to do."""


Row = dict[str, object]


@dataclass
class Snapshot:
    """Rows of the published tables, with the look-ups pages need."""

    source: str
    tables: dict[str, list[Row]]
    scorecards: dict[str, list[Row]] = field(init=False)
    meters: dict[str, Row] = field(init=False)

    @classmethod
    def empty(cls) -> Snapshot:
        return cls("", {name: [] for name in BI_TABLES})

    def __post_init__(self) -> None:
        self.scorecards = {}
        for row in sorted(self.tables["scorecards"], key=lambda r: (r["year"], r["scorecard_id"], r["as_of"])):
            self.scorecards.setdefault(row["scorecard_id"], []).append(row)
        self.meters = {r["meter_id"]: r for r in self.tables["meters"]}
        self._by_meter: dict[str, list[Row]] = {}
        for row in self.tables["meter_values"]:
            self._by_meter.setdefault(row["meter_id"], []).append(row)
        self._scorecard_rows: dict[tuple[str, date], list[Row]] = {}
        for row in self.tables["scorecard"]:
            self._scorecard_rows.setdefault((row["scorecard_id"], as_day(row["as_of"])), []).append(row)
        self._goals: dict[tuple[str, date], list[Row]] = {}
        for row in self.tables["goals"]:
            self._goals.setdefault((row["scorecard_id"], as_day(row["as_of"])), []).append(row)
        self._checkins: dict[str, list[Row]] = {}
        for row in self.tables.get("meters.checkins") or []:
            self._checkins.setdefault(row["meter_id"], []).append(row)
        self.dim_goal = {r["goal_id"]: r for r in self.tables.get("catalog.dim_goal") or []}

    # ------------------------------------------------------------ look-ups

    def as_of_days(self, scorecard_id: str) -> list[date]:
        return [as_day(r["as_of"]) for r in self.scorecards.get(scorecard_id, [])]

    def all_as_of_days(self) -> list[date]:
        return sorted({as_day(r["as_of"]) for rows in self.scorecards.values() for r in rows})

    def scorecard_total(self, scorecard_id: str, as_of: date) -> Row | None:
        for row in self.scorecards.get(scorecard_id, []):
            if as_day(row["as_of"]) == as_of:
                return row
        return None

    def scorecard_rows(self, scorecard_id: str, as_of: date) -> list[Row]:
        return self._scorecard_rows.get((scorecard_id, as_of), [])

    def goal_rows(self, scorecard_id: str, as_of: date) -> list[Row]:
        return self._goals.get((scorecard_id, as_of), [])

    def meter_values(self, meter_id: str) -> list[Row]:
        return self._by_meter.get(meter_id, [])

    def checkins(self, meter_id: str) -> list[Row] | None:
        """The meter's check-ins, or None when the snapshot does not carry them."""
        if "meters.checkins" not in self.tables:
            return None
        return self._checkins.get(meter_id, [])

    def quality_checks(self, source: str | None) -> list[Row]:
        return [r for r in self.tables["quality_checks"] if r["source"] == source]

    @property
    def publication(self) -> Row | None:
        rows = self.tables["_publication"]
        return rows[0] if rows else None


def as_day(value: object) -> date:
    return value.date() if isinstance(value, datetime) else value  # type: ignore[return-value]


def _rows(cursor) -> list[Row]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_duckdb(path: Path) -> Snapshot:
    import duckdb

    if not path.exists():
        raise SnapshotUnavailable(
            f"{path}: no published BI snapshot yet; run `kuva refresh` first "
            "(or set KUVA_BI_PATH to where it is published)"
        )
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise SnapshotUnavailable(f"{path}: cannot open the BI snapshot: {exc}") from None
    try:
        present = {
            f"{s}.{t}" if s != "bi" else t
            for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
        }
        missing = [t for t in BI_TABLES if t not in present]
        if missing:
            raise SnapshotUnavailable(
                f"{path}: the snapshot lacks bi.{', bi.'.join(missing)}; publish it again with `kuva refresh`"
            )
        tables = {}
        for name in (*BI_TABLES, *EXTRA_TABLES):
            if name in present:
                qualified = name if "." in name else f"bi.{name}"
                tables[name] = _rows(con.execute(f"SELECT * FROM {qualified}"))
    finally:
        con.close()
    return Snapshot(str(path), tables)


def read_postgres(url: str, schema: str = "kuva_bi") -> Snapshot:
    """The PostgreSQL publication (schema `kuva_bi` by default) as a snapshot."""
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    if parsed.drivername == "postgresql":  # the project ships psycopg2, not psycopg 3
        parsed = parsed.set(drivername="postgresql+psycopg2")
    engine = sa.create_engine(parsed, poolclass=sa.NullPool)
    tables: dict[str, list[Row]] = {}
    try:
        with engine.connect() as con:
            for name in BI_TABLES:
                result = con.execute(sa.text(f'SELECT * FROM "{schema}"."{name}"'))
                tables[name] = [dict(r._mapping) for r in result]
    except sa.exc.SQLAlchemyError as exc:
        raise SnapshotUnavailable(
            f"{sa.make_url(url).render_as_string(hide_password=True)} schema {schema}: "
            f"cannot read the publication: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
        ) from None
    finally:
        engine.dispose()
    target = f"{sa.make_url(url).render_as_string(hide_password=True)} schema {schema}"
    return Snapshot(target, tables)


class SnapshotSource:
    """Hands out the current snapshot, re-reading the file when a publish has replaced it.

    A PostgreSQL publication has no file to watch; it is read again after `ttl_seconds`.
    """

    def __init__(
        self,
        path: Path | None = None,
        loader: Callable[[], Snapshot] | None = None,
        ttl_seconds: float = 60.0,
    ):
        self.path = path
        self._loader = loader
        self._ttl = ttl_seconds
        self._loaded_at = 0.0
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._snapshot: Snapshot | None = None

    def get(self) -> Snapshot:
        with self._lock:
            if self.path is not None:
                try:
                    st = self.path.stat()
                    stamp: tuple | None = (st.st_ino, st.st_mtime_ns, st.st_size)
                except FileNotFoundError:
                    stamp = None
                if self._snapshot is None or stamp != self._stamp:
                    self._snapshot = read_duckdb(self.path)
                    self._stamp = stamp
            elif self._loader is not None and (
                self._snapshot is None or time.monotonic() - self._loaded_at > self._ttl
            ):
                self._snapshot = self._loader()
                self._loaded_at = time.monotonic()
            if self._snapshot is None:
                raise SnapshotUnavailable("no snapshot configured")
            return self._snapshot
