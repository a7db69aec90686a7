"""A real PostgreSQL server for the integration tests, started once per session.

pytest-postgresql's executor initialises and starts a throwaway cluster with the
system's `pg_ctl` and stops and removes it at the end of the session. The tests
skip with the reason when no PostgreSQL binaries are installed (`.ci/run`
installs Debian's `postgresql`).

PostgreSQL refuses to run as root, and CI runs as root. Then `pg_ctl` is called
through a small generated wrapper that runs the real one as Debian's `postgres` user
(`setpriv`, no PAM session), and the cluster lives in a folder that user owns.
That folder cannot be under pytest's `tmp_path`, which is private to the user
running pytest; this is why the fixture builds the executor itself instead of
using the `postgresql_proc` factory, whose data folder is always there.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import port_for
import psycopg
import pytest
from psycopg.sql import SQL, Identifier, Literal
from pytest_postgresql.executors import PostgreSQLExecutor
from pytest_postgresql.janitor import DatabaseJanitor

DEBIAN_PG_ROOT = Path("/usr/lib/postgresql")
SERVER_USER_WHEN_ROOT = "postgres"
"""Created by Debian's `postgresql` package, which also provides the binaries."""

SUPERUSER = "postgres"
HOST = "127.0.0.1"

PG_HBA = """\
# The superuser over the Unix socket, whose folder only the server's user (and root) can
# enter: the fixture sets the superuser's password through it. Over TCP, everyone needs a
# password, as in production.
local all {superuser} trust
host  all all {host}/32 scram-sha-256
"""


def find_pg_ctl() -> Path | None:
    """The newest Debian `pg_ctl` (/usr/lib/postgresql/<major>/bin), else `pg_ctl` on PATH."""

    def major(pg_ctl: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", pg_ctl.parent.parent.name))

    debian = [p for p in DEBIAN_PG_ROOT.glob("*/bin/pg_ctl") if os.access(p, os.X_OK)]
    if debian:
        return max(debian, key=major)
    on_path = shutil.which("pg_ctl")
    return Path(on_path) if on_path else None


def _first_connection(root: Path, port: int, patience: float = 120.0):
    """The server's first connection, waiting while it still says it is starting up.

    `pg_ctl -w` returns once the postmaster answers; on a busy machine it may still
    refuse sessions for a moment ("the database system is starting up").
    """
    deadline = time.monotonic() + patience
    while True:
        try:
            return psycopg.connect(
                host=str(root), port=port, user=SUPERUSER, dbname="postgres", autocommit=True
            )
        except psycopg.OperationalError as exc:
            if "starting up" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def pg_ctl_as_server_user(pg_ctl: Path, folder: Path) -> Path:
    """A `pg_ctl` for root that runs the real one as the unprivileged server user.

    `cd /` because that user may not enter the caller's working directory. The
    wrapper stays in a folder of root's own: root executes it.
    """
    wrapper = folder / "pg_ctl"
    wrapper.write_text(
        "#!/bin/sh\n"
        "cd / || exit 1\n"
        f'exec setpriv --reuid={SERVER_USER_WHEN_ROOT} --regid={SERVER_USER_WHEN_ROOT} --init-groups -- "{pg_ctl}" "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper


@dataclass
class PostgresServer:
    """The running cluster's address, its superuser and a `psql` helper for the tests."""

    executor: PostgreSQLExecutor
    bindir: Path
    password: str = field(repr=False)
    superuser: str = SUPERUSER

    @property
    def host(self) -> str:
        return self.executor.host

    @property
    def port(self) -> int:
        return self.executor.port

    def url(self, db: str = "kuva", user: str | None = None, password: str | None = None) -> str:
        """A `postgresql://` URL (SQLAlchemy, Dagster's `postgres_url`, psql); superuser by default."""
        user = user or self.superuser
        if password is None and user == self.superuser:
            password = self.password
        auth = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
        return f"postgresql://{auth}@{self.host}:{self.port}/{db}"

    def psql(
        self, sql: str, user: str | None = None, password: str | None = None, db: str = "kuva"
    ) -> tuple[int, str, str]:
        """Run SQL through the real `psql` client over TCP: (returncode, stdout, stderr).

        Output is unaligned tuples only (`-At`): one row a line, fields joined by `|`,
        NULL as an empty field. ON_ERROR_STOP makes a failed statement a non-zero exit.
        """
        user = user or self.superuser
        if password is None and user == self.superuser:
            password = self.password
        client = self.bindir / "psql"
        proc = subprocess.run(
            [str(client) if client.exists() else "psql", "-X", "-At", "-v", "ON_ERROR_STOP=1"]
            + ["-h", self.host, "-p", str(self.port), "-U", user, "-d", db, "-c", sql],
            capture_output=True,
            text=True,
            env={**os.environ, "PGPASSWORD": password or "", "PGCONNECT_TIMEOUT": "10"},
            timeout=60,
        )
        return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """A throwaway cluster on 127.0.0.1 with a database `kuva`; removed at the end of the session.

    Offers host, port, superuser, `url(db, user, password)` and `psql(sql, user, password, db)`.
    """
    pg_ctl = find_pg_ctl()
    if pg_ctl is None:
        pytest.skip(
            "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin or pg_ctl on PATH): "
            "install Debian's `postgresql` package (.ci/run does)"
        )
    as_root = os.geteuid() == 0
    executable = pg_ctl
    if as_root:
        try:
            pwd.getpwnam(SERVER_USER_WHEN_ROOT)
        except KeyError:
            raise RuntimeError(
                f"running as root, PostgreSQL needs the OS user `{SERVER_USER_WHEN_ROOT}` "
                "(Debian's `postgresql` package creates it)"
            ) from None
        executable = pg_ctl_as_server_user(pg_ctl, tmp_path_factory.mktemp("pg_ctl"))

    root = Path(tempfile.mkdtemp(prefix="kuva-pg-"))
    if as_root:
        shutil.chown(root, SERVER_USER_WHEN_ROOT, SERVER_USER_WHEN_ROOT)
    hba = root / "pg_hba.conf"
    hba.write_text(PG_HBA.format(superuser=SUPERUSER, host=HOST))
    executor = PostgreSQLExecutor(
        executable=str(executable),
        host=HOST,
        port=port_for.select_random(),
        datadir=str(root / "data"),
        unixsocketdir=str(root),
        logfile=str(root / "postgresql.log"),
        startparams="-w",
        dbname="kuva",
        user=SUPERUSER,
        # Durability off: the data is thrown away (the executor already passes -F, no fsync).
        postgres_options=f"-c hba_file={hba} -c synchronous_commit=off -c full_page_writes=off",
    )
    password = secrets.token_urlsafe(16)
    try:
        try:
            executor.start()
        except Exception as exc:
            logfile = Path(executor.logfile)
            log = logfile.read_text() if logfile.exists() else "(no log)"
            raise RuntimeError(f"PostgreSQL did not start; its log:\n{log}") from exc
        with _first_connection(root, executor.port) as conn:
            conn.execute(
                SQL("ALTER ROLE {} PASSWORD {}").format(Identifier(SUPERUSER), Literal(password))
            )
        # Over TCP with the new password: the database the tests publish into.
        DatabaseJanitor(
            user=SUPERUSER, host=HOST, port=executor.port, dbname="kuva", password=password
        ).init()
        yield PostgresServer(executor=executor, bindir=pg_ctl.parent, password=password)
    finally:
        try:
            if executor.running():
                executor.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)
