"""Dagster resources: the DuckDB warehouse, the landing zone and the catalog.

The warehouse resource opens short-lived connections and always closes them in
`finally`: DuckDB allows one writing process, so a connection left open by a
failed step would lock out every later writer. Nothing connects at import time.
A step that works through many units (the check steps, a suite each) holds one
connection for the step with `session()`; it too is closed when the step ends.
A whole run in one process (`kuva refresh`) keeps the DuckDB instance open
between its units of work with `holding()`, and lets go of the file whenever
another run may want it (`kuva_pipeline.runner`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field, PrivateAttr

from kuva_pipeline import alerts, settings, sqlmacros
from kuva_pipeline.fetch.config import (
    DEFAULT_HAPPYORNOT_URL,
    DEFAULT_LINKED_EVENTS_URL,
    FetchSettings,
    parse_enabled,
)

OWNER = "team:kuva-data"
"""Owner of every asset in the UI."""

WRITER_POOL = "duckdb_writer"
"""Every asset that writes the warehouse takes this pool; the instance limits it to 1."""

SCHEMAS: tuple[str, ...] = settings.WAREHOUSE_SCHEMAS

DEFAULT_MEMORY_LIMIT = "700MB"
"""DuckDB's memory limit unless KUVA_DUCKDB_MEMORY_LIMIT says otherwise (assets/profiles.yml
gives dbt the same default)."""

WRITER_SETTINGS: dict[str, object] = {"max_vacuum_tasks": 0}
"""DuckDB settings of every connection that writes the warehouse (the dbt profile sets the same).

No row-group merging at checkpoint. A bulk insert leaves partly filled row groups,
and DuckDB's checkpoint merged them by rewriting most of the table: 5 of the 23 s
of the city NPS load, and the file grew from 328 to 579 MB on the way. A row group
whose rows are all deleted (a reloaded month) is still dropped; the rows deleted
from a row group that keeps others stay on disk until it empties.
"""

LOCK_RETRY_SECONDS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
"""Backoff while another process holds the write lock (a concurrent run, a reader)."""

LOCK_WAIT_MESSAGE = "Waiting for the warehouse write lock"
"""Start of the step log line the command line shows while the lock retry waits."""


def _say_waiting(file: Path, waited: float) -> None:
    """Inside a step, log how long this step has waited for the lock (the CLI shows it)."""
    try:
        context = dg.OpExecutionContext.get()
    except dg.DagsterInvariantViolationError:
        return
    if context is not None:
        context.log.warning(
            f"{LOCK_WAIT_MESSAGE} on {file}: another process holds it; waited {waited:.0f} s so far"
        )


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set lock" in text)


def _open(file: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """The warehouse file opened, waiting out another process's write lock with backoff.

    While this process holds the warehouse (`holding`), the connection opened is the held
    instance's: read-write whatever was asked, and without connection-time settings, so
    dbt-duckdb's own connection (made without any) shares the instance.
    """
    hold = _holding and str(file) not in _held
    waited = 0.0
    for attempt, delay in enumerate((*LOCK_RETRY_SECONDS, None)):
        try:
            if hold:
                con = duckdb.connect(str(file))
                try:
                    for name, value in WRITER_SETTINGS.items():  # global: every later connection's
                        con.execute(f"SET {name} = {value}")
                    cursor = con.cursor()
                except BaseException:
                    con.close()
                    raise
                _held[str(file)] = con
                return cursor
            return duckdb.connect(
                str(file), read_only=read_only, config={} if read_only else dict(WRITER_SETTINGS)
            )
        except duckdb.IOException as exc:
            if delay is None or not _is_lock_error(exc):
                raise RuntimeError(
                    f"cannot open the warehouse {file} after {attempt + 1} attempts "
                    f"({waited:.0f} s): {exc}. "
                    "Another process holds the write lock; BI tools must read the published "
                    "snapshot, never the live file."
                ) from exc
            if delay >= 2.0:  # past the first blips: say so
                _say_waiting(file, waited)
            time.sleep(delay)
            waited += delay
    raise AssertionError("unreachable: the last attempt raises")


_holding = False
_held: dict[str, duckdb.DuckDBPyConnection] = {}


@contextmanager
def holding() -> Iterator[None]:
    """Keep each warehouse file this process opens open until the block ends.

    A run on the in-process executor (`kuva refresh`) opened and closed the file
    for every unit of work: some thirty times in a refresh of the bundled sample,
    each time reading the catalog, creating the SQL macros and checkpointing at
    the close, some 2 s of a 20 s refresh. Inside this block the first connection
    opens the DuckDB instance and keeps it; every `connect()` after it is a cursor
    of that instance (its own transaction scope, closed after the unit of work),
    and dbt-duckdb's connection shares it too. The instance is closed, and its
    write-ahead log checkpointed, at the end of the block or at `release_held()`.

    DuckDB's lock is the process's, not the step's: between two steps another
    run may take the writer pool, and its step would find the file locked. The
    caller releases the file whenever another run may want it: the runner does
    at the end of each step while another run is in progress, and when its run
    waits for the pool.
    """
    global _holding
    if _holding:
        yield
        return
    _holding = True
    try:
        yield
    finally:
        _holding = False
        release_held()


def holds_any() -> bool:
    """Whether this process holds a warehouse file open (`holding`)."""
    return bool(_held)


def release_held() -> None:
    """Close the warehouse instances held (`holding`); the next `connect()` opens the file again."""
    while _held:
        _, con = _held.popitem()
        con.close()


class WarehouseResource(dg.ConfigurableResource):
    """The embedded DuckDB warehouse file (schemas raw, catalog, staging, quarantine, meters, marts, quality, bi)."""

    path: str = Field(description="Path of the DuckDB file; relative paths start at the project root.")
    memory_limit: str = Field(
        default=DEFAULT_MEMORY_LIMIT,
        description="DuckDB memory limit of the warehouse database in a process, shared by its "
        "connections (KUVA_DUCKDB_MEMORY_LIMIT).",
    )

    _session: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)

    @property
    def file(self) -> Path:
        return settings.resolve(self.path)

    @contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One connection for a whole step, closed when it ends: `connect()` inside yields it.

        Opening the warehouse costs some 40 ms a connection (the file, the settings,
        the SQL macros), and a check step used to open one per suite. Work inside a
        session shares one transaction scope, so it is for units that commit their
        own work or only read; dbt, which opens the file itself, runs outside one.
        """
        if self._session is not None:
            yield self._session
            return
        with self.connect() as con:
            self._session = con
            try:
                yield con
            finally:
                self._session = None

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for one unit of work, closed however the work ends.

        Inside `session()` it is the session's connection, left open for the rest
        of the step. A write lock held by another process is a transient
        condition: retry with backoff, then fail with a message that says what
        holds the file.
        """
        if self._session is not None:
            yield self._session
            return
        file = self.file
        held = _held.get(str(file))  # only ever filled inside `holding()`
        opened_for_writing = held is None and (not read_only or _holding)
        if held is not None:
            con = held.cursor()
        else:
            if opened_for_writing:
                file.parent.mkdir(parents=True, exist_ok=True)
            con = _open(file, read_only)
        try:
            if opened_for_writing:
                for schema in SCHEMAS:
                    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            # A time written without an offset in a Finnish export is Helsinki time.
            con.execute("SET TimeZone = 'Europe/Helsinki'")
            # DuckDB's default cache is 80 % of RAM; a city-scale load needs far less,
            # and spills to disk beyond the limit instead of crowding the machine.
            con.execute(f"SET memory_limit = '{self.memory_limit}'")
            sqlmacros.install(con)
            # Inside a Dagster step, a permanent error (a malformed model, file or
            # reference) fails at once instead of waiting out the retries.
            with alerts.fail_fast():
                yield con
        finally:
            con.close()


class LandingResource(dg.ConfigurableResource):
    """The landing zone where source exports are dropped or fetched, and the reference data beside it."""

    root: str = Field(description="Landing folder: one sub-folder per source.")
    reference_root: str = Field(description="Reference data folder (devices, surveys, spaces, event rules).")
    fetch: str = Field(
        default="",
        description="Sources fetched from their APIs before loading, e.g. 'events,nps' (KUVA_FETCH); "
        "empty: none, the landing files are used as dropped.",
    )
    linked_events_url: str = Field(
        default=DEFAULT_LINKED_EVENTS_URL, description="Linked Events API base URL (KUVA_LINKED_EVENTS_URL)."
    )
    happyornot_url: str = Field(
        default=DEFAULT_HAPPYORNOT_URL, description="HappyOrNot Customer API v2 base URL (KUVA_HAPPYORNOT_URL)."
    )
    happyornot_token: str = Field(
        default="", description="HappyOrNot API token; set it only through KUVA_HAPPYORNOT_TOKEN."
    )
    varaamo_url: str = Field(
        default="", description="Varaamo backend URL (KUVA_VARAAMO_URL); no fetcher uses it yet."
    )

    @property
    def landing(self) -> Path:
        return settings.resolve(self.root)

    @property
    def reference(self) -> Path:
        return settings.resolve(self.reference_root)

    def fetch_settings(self) -> FetchSettings:
        """What to fetch and from where; a bad KUVA_FETCH raises ValueError naming the source."""
        return FetchSettings(
            enabled=parse_enabled(self.fetch),
            linked_events_url=self.linked_events_url or DEFAULT_LINKED_EVENTS_URL,
            happyornot_url=self.happyornot_url or DEFAULT_HAPPYORNOT_URL,
            happyornot_token=self.happyornot_token,
            varaamo_url=self.varaamo_url,
        )


class CatalogResource(dg.ConfigurableResource):
    """The scorecard catalog: one YAML file per scorecard."""

    directory: str = Field(description="Folder of the catalog YAML files.")

    @property
    def path(self) -> Path:
        return settings.resolve(self.directory)


FETCH_VARIABLES = {
    "fetch": "KUVA_FETCH",
    "linked_events_url": "KUVA_LINKED_EVENTS_URL",
    "happyornot_url": "KUVA_HAPPYORNOT_URL",
    "happyornot_token": "KUVA_HAPPYORNOT_TOKEN",
    "varaamo_url": "KUVA_VARAAMO_URL",
}
"""Landing resource field -> environment variable; each is read through `dg.EnvVar` when set,
so the UI shows the variable's name, never the token."""


def default_resources() -> dict[str, dg.ConfigurableResource]:
    """Resources for the code location, from the environment or fresh-clone defaults."""
    return {
        "warehouse": WarehouseResource(
            path=settings.resource_value("KUVA_WAREHOUSE_PATH"),
            memory_limit=os.environ.get("KUVA_DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT,
        ),
        "landing": LandingResource(
            root=settings.resource_value("KUVA_LANDING_DIR"),
            reference_root=settings.resource_value("KUVA_REFERENCE_DIR"),
            **{
                field: dg.EnvVar(name)
                for field, name in FETCH_VARIABLES.items()
                if os.environ.get(name)
            },
        ),
        "catalog": CatalogResource(directory=settings.resource_value("KUVA_CATALOG_DIR")),
    }
