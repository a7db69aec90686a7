"""A real PostgreSQL server for the integration tests, started once per session.

The server comes from `kuva_pipeline.pgserver` (also runnable by hand); the tests
skip with the reason when no PostgreSQL binaries are installed (CI installs them).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kuva_pipeline import pgserver


@pytest.fixture(scope="session")
def postgres() -> Iterator[pgserver.PostgresServer]:
    """A throwaway cluster on 127.0.0.1 with a database `kuva`; removed at the end of the session.

    Offers host, port, superuser, `url(db, user, password)` and `psql(sql, user, password, db)`.
    """
    bindir = pgserver.find_bindir()
    if bindir is None:
        pytest.skip(
            "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin or pg_ctl on PATH): "
            "install Debian's `postgresql` package (.ci/run does)"
        )
    with pgserver.running_server(bindir) as server:
        yield server
