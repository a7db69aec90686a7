"""Which sources the scorecard can trust on a day: from the recorded check verdicts.

A source is `failed` when the latest verdict of one of its blocking checks is
a failure nobody waived, `stale` when its newest landing file ends too long
before the day scored, and `ok` otherwise. The scorecard scores a meter fed by
a failed or stale source `no_data`, with the reason, instead of a colour the
data cannot support.

The rule is SQL, once: the dbt macro `source_health` (assets/macros/source_health.sql),
which `marts.scorecard_inputs` applies to every meter and as-of day. `source_health`
here renders the same macro for any one day, for the run summary and the tests.
"""

from __future__ import annotations

import functools
from datetime import date

import duckdb
import jinja2

from kuva_pipeline.quality.results import TABLE
from kuva_pipeline.settings import PROJECT_ROOT
from kuva_pipeline.sources.declaration import source_names

Health = tuple[str, str | None]

MACRO = PROJECT_ROOT / "assets" / "macros" / "source_health.sql"


@functools.cache
def _health_sql() -> str:
    """The macro rendered over the days `$sources` x `$as_of` and the results table."""
    module = jinja2.Environment(autoescape=False).from_string(MACRO.read_text(encoding="utf-8")).module
    days = "(SELECT unnest($sources::VARCHAR[]) AS source, $as_of::DATE AS as_of)"
    return str(module.source_health(days, TABLE))


def _has_results(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'quality' AND table_name = 'check_results'"
        ).fetchone()[0]
    )


def source_health(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, Health]:
    """Each source -> ('ok' | 'failed' | 'stale', reason) for scoring on `as_of`.

    failed: the latest verdict of a blocking check on one of the source's tables
    (for a partitioned table: on a month from January of `as_of`'s year to
    `as_of`) failed with severity ERROR and no waiver. stale: the newest landing
    file, as last checked, ends more than the source's freshness limit before
    `as_of`. A failure outranks staleness.
    """
    health: dict[str, Health] = {s: ("ok", None) for s in source_names()}
    if not _has_results(con):
        return health
    rows = con.execute(_health_sql(), {"sources": list(source_names()), "as_of": as_of}).fetchall()
    for source, _, state, reason in rows:
        health[source] = (state, reason)
    return health
