"""A throwaway local PostgreSQL server for the integration tests and for trying things on a laptop.

It backs the tests of the production Dagster instance and of the BI publish, and a
developer can run `python -m kuva_pipeline.pgserver` to get one, with the URLs and
environment variables to point `dagster.production.yaml` or `KUVA_PUBLISH_URL` at it.
The cluster lives in a temporary folder, listens only on 127.0.0.1 and is removed on stop.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

DEBIAN_PG_ROOT = Path("/usr/lib/postgresql")
OS_USER_WHEN_ROOT = "postgres"
"""PostgreSQL refuses to run as root; as root the cluster runs as this OS user (Debian's)."""

START_TIMEOUT_SECONDS = 30
START_ATTEMPTS = 3
"""A free port can be taken between probing and binding; a fresh port is tried then."""


def find_bindir() -> Path | None:
    """The newest server binaries: Debian's /usr/lib/postgresql/<version>/bin, else `pg_ctl` on PATH."""

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", path.parent.name))

    candidates = [p for p in DEBIAN_PG_ROOT.glob("*/bin") if (p / "initdb").exists()]
    if candidates:
        return max(candidates, key=version)
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl and (Path(pg_ctl).parent / "initdb").exists():
        return Path(pg_ctl).parent
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    """A running cluster: connection details and a `psql` helper."""

    bindir: Path
    root: Path
    port: int
    password: str = field(repr=False)
    host: str = "127.0.0.1"
    superuser: str = "postgres"

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def logfile(self) -> Path:
        return self.root / "postgres.log"

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
        env = {**os.environ, "PGPASSWORD": password or "", "PGCONNECT_TIMEOUT": "10"}
        proc = subprocess.run(
            [
                str(client) if client.exists() else "psql",
                "-X",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                self.host,
                "-p",
                str(self.port),
                "-U",
                user,
                "-d",
                db,
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        return proc.returncode, proc.stdout, proc.stderr

    def stop(self) -> None:
        """Stop the server (immediately: the data is thrown away) and remove its folder."""
        try:
            if (self.datadir / "postmaster.pid").exists():
                _run_as_owner(
                    [
                        str(self.bindir / "pg_ctl"),
                        "-D",
                        str(self.datadir),
                        "-m",
                        "immediate",
                        "-w",
                        "stop",
                    ],
                    self.root,
                )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _run_as_owner(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a server binary as the cluster's owner: `postgres` via runuser when we are root."""
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", OS_USER_WHEN_ROOT, "--", *cmd]
    # cwd: the postgres user may not be allowed into the caller's working directory.
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def start_server(
    bindir: Path | None = None, databases: tuple[str, ...] = ("kuva",)
) -> PostgresServer:
    """Initialise and start a throwaway cluster; the caller must `stop()` it.

    Password authentication (scram-sha-256) is on for every connection, so tests see
    the same permission errors a real server gives; durability is off for speed.
    """
    bindir = bindir or find_bindir()
    if bindir is None:
        raise RuntimeError(
            "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin or pg_ctl on PATH); "
            "install Debian's `postgresql` package"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(OS_USER_WHEN_ROOT)
        except KeyError:
            raise RuntimeError(
                f"running as root, PostgreSQL needs the OS user `{OS_USER_WHEN_ROOT}` "
                "(Debian's postgresql package creates it)"
            ) from None
    # Not under pytest's tmp_path: it is private to root, and the server user must enter it.
    root = Path(tempfile.mkdtemp(prefix="kuva-pg-"))
    server = PostgresServer(bindir=bindir, root=root, port=0, password=secrets.token_urlsafe(16))
    pwfile = root / "superuser.pw"
    try:
        pwfile.write_text(server.password + "\n")
        if os.geteuid() == 0:
            for path in (root, pwfile):
                shutil.chown(path, OS_USER_WHEN_ROOT, OS_USER_WHEN_ROOT)
        _run_as_owner(
            [
                str(bindir / "initdb"),
                "-D",
                str(server.datadir),
                "-U",
                server.superuser,
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            root,
        )
        pwfile.unlink()
        conf = server.datadir / "postgresql.conf"
        base_conf = conf.read_text()
        for attempt in range(START_ATTEMPTS):
            server.port = _free_port()
            # Appending keeps the file's owner (the server user) and overrides initdb's defaults.
            conf.write_text(
                base_conf
                + "\n# kuva_pipeline.pgserver: a throwaway test cluster\n"
                + "listen_addresses = '127.0.0.1'\n"
                + f"port = {server.port}\n"
                + f"unix_socket_directories = '{root}'\n"
                + "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            )
            try:
                _run_as_owner(
                    [
                        str(bindir / "pg_ctl"),
                        "-D",
                        str(server.datadir),
                        "-l",
                        str(server.logfile),
                        "-t",
                        str(START_TIMEOUT_SECONDS),
                        "-w",
                        "start",
                    ],
                    root,
                )
                break
            except RuntimeError:
                if attempt == START_ATTEMPTS - 1:
                    log = server.logfile.read_text() if server.logfile.exists() else ""
                    raise RuntimeError(f"PostgreSQL did not start; log:\n{log}") from None
        for db in databases:
            rc, _, err = server.psql(f'CREATE DATABASE "{db}"', db="postgres")
            if rc != 0:
                raise RuntimeError(f"CREATE DATABASE {db} failed: {err}")
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def running_server(bindir: Path | None = None) -> Iterator[PostgresServer]:
    """A started cluster with a database `kuva`, stopped and removed however the block ends."""
    server = start_server(bindir)
    try:
        yield server
    finally:
        server.stop()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Run a throwaway server until Ctrl-C (or SIGTERM) and print how to point the project at it."""
    import signal
    import time

    # A plain `kill` must clean up too, or the server outlives us with its data on disk.
    signal.signal(signal.SIGTERM, _interrupt)
    with suppress(KeyboardInterrupt), running_server() as server:
        print(
            f"PostgreSQL {server.bindir.parent.name} on {server.host}:{server.port} (data in {server.root})"
        )
        print(f"superuser URL: {server.url('kuva')}\n")
        print(
            "# the production Dagster instance (DAGSTER_HOME holding dagster.production.yaml as dagster.yaml):"
        )
        print(
            f"export DAGSTER_PG_HOST={server.host} DAGSTER_PG_PORT={server.port} DAGSTER_PG_DB=kuva"
        )
        print(f"export DAGSTER_PG_USER={server.superuser} DAGSTER_PG_PASSWORD='{server.password}'")
        print("# the BI publish:")
        print(f"export KUVA_PUBLISH_URL='{server.url('kuva')}'")
        print("\nCtrl-C stops the server and deletes its data.", flush=True)
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    main()
