"""Publishing schema `bi`: the atomic DuckDB snapshot and the PostgreSQL schema swap.

The warehouse is built by hand in each test (typed values, NULLs, a view over a mart,
comments), so every expectation below is a value typed here, not one computed by the
code under test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path

import duckdb
import psycopg2
import pytest

from kuva_pipeline import sqlmacros
from kuva_pipeline.publish import publish_postgres, publish_snapshot
from kuva_pipeline.resources import WarehouseResource

pytestmark = pytest.mark.integration

SCORECARD_DDL = """
CREATE TABLE bi.scorecard (
    scorecard_id VARCHAR, year INTEGER, meter_id VARCHAR, meter_name_fi VARCHAR,
    target_min DOUBLE, actual_value DOUBLE, status VARCHAR, as_of DATE,
    in_budget BOOLEAN, computed_at TIMESTAMP, respondents BIGINT
)
"""
SCORECARD_ROWS = [
    ("kuva-2021", 2021, "district_events", "Asukaslähtöiset kaupunginosatapahtumat",
     None, 19.0, "at_risk", date(2021, 6, 30), False, datetime(2021, 7, 1, 2, 0), 0),
    ("kuva-2021", 2021, "large_culture_events", "Kulttuurin suurtapahtumat",
     30.0, None, "no_data", date(2021, 12, 31), None, datetime(2022, 1, 1, 2, 15), None),
    ("kuva-2021", 2021, "nps_index", "NPS-suositteluindeksi",
     41.0, 43.5, "achieved", date(2021, 12, 31), True, datetime(2022, 1, 1, 2, 15), 1250),
]  # fmt: skip
MARTS_METER_VALUES = [
    ("nps_index", date(2021, 1, 1), date(2021, 12, 31), "year", "KULP", 43.5, 620, 1250),
    ("district_events", date(2021, 1, 1), date(2021, 6, 30), "half_year", "KULP", 19.0, None, None),
    ("nps_index", date(2021, 1, 1), date(2021, 1, 1), "draft", "KULP", -3.0, 1, 2),
]
# The view drops draft rows: the snapshot must hold the view's result, not the mart.
METER_VALUES_ROWS = [row for row in MARTS_METER_VALUES if row[3] != "draft"]


@pytest.fixture
def warehouse(tmp_path: Path):
    """An open writer connection to a small hand-built warehouse, as the pipeline holds it."""
    resource = WarehouseResource(path=str(tmp_path / "warehouse" / "kuva.duckdb"))
    with resource.connect() as con:
        con.execute(SCORECARD_DDL)
        con.executemany(
            "INSERT INTO bi.scorecard VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", SCORECARD_ROWS
        )
        con.execute(
            "CREATE TABLE marts.meter_values (meter_id VARCHAR, period_start DATE, period_end DATE,"
            " grain VARCHAR, service_area VARCHAR, value DOUBLE, numerator BIGINT, denominator BIGINT)"
        )
        con.executemany(
            "INSERT INTO marts.meter_values VALUES (?, ?, ?, ?, ?, ?, ?, ?)", MARTS_METER_VALUES
        )
        con.execute(
            "CREATE VIEW bi.meter_values AS SELECT * FROM marts.meter_values WHERE grain <> 'draft'"
        )
        con.execute(
            "COMMENT ON TABLE bi.scorecard IS 'One row per scorecard, meter and as-of date.'"
        )
        con.execute(
            "COMMENT ON COLUMN bi.scorecard.actual_value IS 'Meter value to the as-of date; NULL without data.'"
        )
        con.execute("COMMENT ON COLUMN bi.meter_values.value IS 'Meter value for the period.'")
        yield con


def _replace_scorecard(con: duckdb.DuckDBPyConnection, n: int) -> None:
    """n generated scorecard rows, so each refresh has its own row count."""
    con.execute("DELETE FROM bi.scorecard")
    con.execute(
        "INSERT INTO bi.scorecard SELECT 'kuva-2021', 2021, 'meter_' || i, NULL, NULL, i, "
        "'on_track', DATE '2021-06-30', NULL, NULL, NULL FROM range(?) t(i)",
        [n],
    )


# ---------------------------------------------------------------- DuckDB snapshot


def test_snapshot_holds_the_bi_schema_as_tables(warehouse, tmp_path):
    target = tmp_path / "bi" / "kuva_bi.duckdb"
    target.parent.mkdir()
    stale = target.with_name(target.name + ".tmp-crashed")
    stale.write_bytes(b"left by a crashed publish")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    running = target.with_name(target.name + ".tmp-running")
    running.write_bytes(b"another publish, still writing")

    result = publish_snapshot(warehouse, target, refresh_id="nightly-1")

    assert result.row_counts == {"meter_values": 2, "scorecard": 3}
    assert result.refresh_id == "nightly-1"
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name, running.name]
    with duckdb.connect(str(target), read_only=True) as snap:
        assert (
            snap.execute("SELECT * FROM bi.scorecard ORDER BY meter_id").fetchall()
            == SCORECARD_ROWS
        )
        assert (
            snap.execute("SELECT * FROM bi.meter_values ORDER BY period_end DESC").fetchall()
            == METER_VALUES_ROWS
        )
        tables = snap.execute(
            "SELECT schema_name, table_name, comment FROM duckdb_tables() ORDER BY table_name"
        ).fetchall()
        assert [t[:2] for t in tables] == [
            ("bi", "_publication"),
            ("bi", "meter_values"),
            ("bi", "scorecard"),
        ]
        assert tables[2][2] == "One row per scorecard, meter and as-of date."
        assert snap.execute(
            "SELECT count(*) FROM duckdb_views() WHERE NOT internal"
        ).fetchone() == (0,)
        comments = snap.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE comment IS NOT NULL ORDER BY 1, 2"
        ).fetchall()
        assert comments == [
            ("meter_values", "value", "Meter value for the period."),
            ("scorecard", "actual_value", "Meter value to the as-of date; NULL without data."),
        ]
        publication = snap.execute(
            "SELECT refresh_id, table_name, row_count, published_at FROM bi._publication ORDER BY table_name"
        ).fetchall()
        assert [p[:3] for p in publication] == [
            ("nightly-1", "meter_values", 2),
            ("nightly-1", "scorecard", 3),
        ]
        assert publication[0][3] == result.published_at
        # Readable by the DuckDB 1.x that BI drivers embed, not only by 2.0.
        storage = snap.execute(
            "SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = 'kuva_bi'"
        ).fetchone()
        assert storage == ("v1.0.0+",)
    # The warehouse connection is left as it was: usable, nothing attached.
    # (The SQL macros' in-memory database is attached to every warehouse connection.)
    assert warehouse.execute(
        "SELECT list(database_name ORDER BY database_name) FROM duckdb_databases() WHERE NOT internal"
    ).fetchone()[0] == ["kuva", sqlmacros.CATALOG]


def test_failed_snapshot_keeps_the_previous_one(warehouse, tmp_path):
    target = tmp_path / "kuva_bi.duckdb"
    publish_snapshot(warehouse, target, refresh_id="good")
    # Binds, then fails on the first row: the copy breaks halfway through the tables.
    warehouse.execute(
        "CREATE VIEW bi.zz_broken AS SELECT CAST(meter_id AS INTEGER) AS n FROM bi.scorecard"
    )

    with pytest.raises(duckdb.ConversionException):
        publish_snapshot(warehouse, target, refresh_id="broken")

    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("kuva_bi")] == [target.name]
    with duckdb.connect(str(target), read_only=True) as snap:
        assert snap.execute("SELECT DISTINCT refresh_id FROM bi._publication").fetchall() == [
            ("good",)
        ]
    assert warehouse.execute("SELECT count(*) FROM bi.scorecard").fetchone() == (3,)


READER = r"""
import json, os, sys
import duckdb

path, mode, stop = sys.argv[1], sys.argv[2], sys.argv[3]
QUERY = '''
SELECT (SELECT any_value(refresh_id) FROM bi._publication),
       (SELECT row_count FROM bi._publication WHERE table_name = 'scorecard'),
       (SELECT count(*) FROM bi.scorecard)
'''
held = duckdb.connect(path, read_only=True) if mode == "hold" else None

def read():
    if held is not None:
        return held.execute(QUERY).fetchone()
    with duckdb.connect(path, read_only=True) as con:  # a BI tool opening the file anew
        return con.execute(QUERY).fetchone()

seen, errors, reads = set(), [], 0
print("ready", flush=True)
while True:
    stopping = os.path.exists(stop)  # one more read after the last publish
    try:
        seen.add(read())
    except Exception as exc:
        errors.append(repr(exc))
    reads += 1
    if stopping:
        break
print(json.dumps({"seen": sorted(seen), "errors": errors[:5], "n_errors": len(errors), "reads": reads}))
"""


def test_readers_see_one_refresh_or_the_next_never_a_mix(warehouse, tmp_path):
    target = tmp_path / "kuva_bi.duckdb"
    stop = tmp_path / "stop"
    rows = {f"refresh-{k}": 10 * (k + 1) for k in range(6)}
    _replace_scorecard(warehouse, rows["refresh-0"])
    publish_snapshot(warehouse, target, refresh_id="refresh-0")

    readers = {
        mode: subprocess.Popen(
            [sys.executable, "-c", READER, str(target), mode, str(stop)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mode in ("reopen", "hold")
    }
    try:
        for proc in readers.values():
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        for k in range(1, 6):
            refresh = f"refresh-{k}"
            _replace_scorecard(warehouse, rows[refresh])
            publish_snapshot(warehouse, target, refresh_id=refresh)
            time.sleep(0.4)
        stop.touch()
        reports = {mode: proc.communicate(timeout=30) for mode, proc in readers.items()}
    finally:
        for proc in readers.values():
            proc.kill()

    results = {}
    for mode, (out, err) in reports.items():
        assert readers[mode].returncode == 0, err
        results[mode] = json.loads(out)
        assert results[mode]["n_errors"] == 0, results[mode]["errors"]
        assert results[mode]["reads"] > 20
        for refresh, recorded, actual in results[mode]["seen"]:
            assert recorded == actual == rows[refresh], (mode, refresh, recorded, actual)
    # Reopening readers follow the refreshes, through to the last one...
    reopened = {refresh for refresh, _, _ in results["reopen"]["seen"]}
    assert {"refresh-0", "refresh-5"} <= reopened and len(reopened) >= 3
    # ...and a connection held open keeps reading the file it opened.
    assert results["hold"]["seen"] == [["refresh-0", 10, 10]]


# ---------------------------------------------------------------- PostgreSQL

SCORECARD_SQL = (
    "SELECT scorecard_id, year, meter_id, meter_name_fi, target_min, actual_value, status,"
    " as_of, in_budget, computed_at, respondents FROM kuva_bi.scorecard ORDER BY meter_id"
)
# psql -At: fields joined by |, NULL empty, booleans t/f.
SCORECARD_PSQL = [
    "kuva-2021|2021|district_events|Asukaslähtöiset kaupunginosatapahtumat||19|at_risk|2021-06-30|f|2021-07-01 02:00:00|0",
    "kuva-2021|2021|large_culture_events|Kulttuurin suurtapahtumat|30||no_data|2021-12-31||2022-01-01 02:15:00|",
    "kuva-2021|2021|nps_index|NPS-suositteluindeksi|41|43.5|achieved|2021-12-31|t|2022-01-01 02:15:00|1250",
]


@pytest.fixture(scope="module")
def pg_roles(postgres):
    """The publisher (not a superuser: CREATE on the database and CREATEROLE) and a BI login.

    The BI login is created as docs/serving.md says: the group role first, then a
    LOGIN user IN ROLE kuva_bi_reader.
    """
    for sql in (
        "CREATE ROLE kuva_publisher LOGIN PASSWORD 'pub-secret' CREATEROLE",
        "GRANT CREATE ON DATABASE kuva TO kuva_publisher",
        "CREATE ROLE kuva_bi_reader NOLOGIN",
        "CREATE ROLE metabase LOGIN PASSWORD 'bi-secret' IN ROLE kuva_bi_reader",
    ):
        rc, _, err = postgres.psql(sql)
        assert rc == 0, err
    return postgres.url("kuva", "kuva_publisher", "pub-secret")


def _as_bi_user(postgres, sql: str) -> tuple[int, str, str]:
    return postgres.psql(sql, user="metabase", password="bi-secret")


def test_postgres_publish_swap_grants_and_indexes(warehouse, postgres, pg_roles):
    result = publish_postgres(warehouse, pg_roles, refresh_id="nightly-1")

    assert result.row_counts == {"meter_values": 2, "scorecard": 3}
    assert "pub-secret" not in result.target and "kuva_bi" in result.target
    rc, out, err = _as_bi_user(postgres, SCORECARD_SQL)
    assert rc == 0, err
    assert out.splitlines() == SCORECARD_PSQL
    rc, out, err = _as_bi_user(
        postgres,
        "SELECT meter_id, period_start, period_end, grain, service_area, value, numerator, denominator"
        " FROM kuva_bi.meter_values ORDER BY period_end DESC",
    )
    assert rc == 0, err
    assert out.splitlines() == [
        "nps_index|2021-01-01|2021-12-31|year|KULP|43.5|620|1250",
        "district_events|2021-01-01|2021-06-30|half_year|KULP|19||",
    ]
    rc, out, err = _as_bi_user(
        postgres,
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = 'kuva_bi' AND table_name = 'scorecard' ORDER BY ordinal_position",
    )
    assert rc == 0, err
    assert dict(line.split("|") for line in out.splitlines()) == {
        "scorecard_id": "text",
        "year": "integer",
        "meter_id": "text",
        "meter_name_fi": "text",
        "target_min": "double precision",
        "actual_value": "double precision",
        "status": "text",
        "as_of": "date",
        "in_budget": "boolean",
        "computed_at": "timestamp without time zone",
        "respondents": "bigint",
    }
    rc, out, err = _as_bi_user(
        postgres,
        "SELECT obj_description('kuva_bi.scorecard'::regclass, 'pg_class'),"
        " col_description('kuva_bi.scorecard'::regclass, 6),"
        " col_description('kuva_bi.meter_values'::regclass, 6)",
    )
    assert rc == 0, err
    assert out.strip() == (
        "One row per scorecard, meter and as-of date.|"
        "Meter value to the as-of date; NULL without data.|Meter value for the period."
    )

    # Read-only: the BI login can neither write nor create.
    rc, _, err = _as_bi_user(
        postgres, "INSERT INTO kuva_bi.scorecard (scorecard_id) VALUES ('hacked')"
    )
    assert rc != 0 and "permission denied for table scorecard" in err
    rc, _, err = _as_bi_user(postgres, "CREATE TABLE kuva_bi.mine (x int)")
    assert rc != 0 and "permission denied for schema kuva_bi" in err

    rc, out, err = postgres.psql(
        "SELECT tablename || ': ' || substring(indexdef from '\\((.*)\\)') FROM pg_indexes"
        " WHERE schemaname = 'kuva_bi' ORDER BY 1"
    )
    assert rc == 0, err
    assert out.splitlines() == [
        "meter_values: meter_id, period_start",
        "scorecard: scorecard_id, meter_id, as_of",
        "scorecard: year",
    ]

    # Republish other rows: the old ones are gone, the grants follow the new tables.
    warehouse.execute("DELETE FROM bi.scorecard WHERE meter_id <> 'district_events'")
    warehouse.execute(
        "INSERT INTO bi.scorecard VALUES ('kuva-2022', 2022, 'nps_index', 'NPS-suositteluindeksi',"
        " 43.0, 44.0, 'on_track', DATE '2022-03-31', NULL, TIMESTAMP '2022-04-01 02:00:00', 310)"
    )
    publish_postgres(warehouse, pg_roles, refresh_id="nightly-2")
    rc, out, err = _as_bi_user(postgres, SCORECARD_SQL)
    assert rc == 0, err
    assert out.splitlines() == [
        SCORECARD_PSQL[0],
        "kuva-2022|2022|nps_index|NPS-suositteluindeksi|43|44|on_track|2022-03-31||2022-04-01 02:00:00|310",
    ]
    rc, out, err = _as_bi_user(
        postgres, "SELECT refresh_id, table_name, row_count FROM kuva_bi._publication ORDER BY 2"
    )
    assert rc == 0, err
    assert out.splitlines() == ["nightly-2|meter_values|2", "nightly-2|scorecard|2"]
    rc, out, err = postgres.psql(
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'kuva_bi%' ORDER BY 1"
    )
    assert (rc, out.split()) == (0, ["kuva_bi"]), err

    # A publish that fails halfway (after two tables were loaded) changes nothing.
    warehouse.execute(
        "CREATE VIEW bi.zz_broken AS SELECT CAST(meter_id AS INTEGER) AS n FROM bi.scorecard"
    )
    with pytest.raises(duckdb.ConversionException):
        publish_postgres(warehouse, pg_roles, refresh_id="nightly-3")
    rc, out, err = _as_bi_user(postgres, "SELECT DISTINCT refresh_id FROM kuva_bi._publication")
    assert (rc, out.split()) == (0, ["nightly-2"]), err
    rc, out, err = postgres.psql("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'kuva_bi%'")
    assert (rc, out.split()) == (0, ["kuva_bi"]), err
    # The warehouse connection is usable again (its read transaction was rolled back).
    assert warehouse.execute("SELECT count(*) FROM bi.scorecard").fetchone() == (2,)


def test_postgres_publish_creates_a_missing_role(warehouse, postgres, pg_roles):
    result = publish_postgres(
        warehouse,
        pg_roles,
        schema="scorecards_bi",
        readonly_role="scorecards_reader",
        refresh_id="t",
    )
    assert result.row_counts["scorecard"] == 3
    rc, out, err = postgres.psql(
        "SELECT rolcanlogin, has_table_privilege('scorecards_reader', 'scorecards_bi.scorecard', 'SELECT'),"
        " has_table_privilege('scorecards_reader', 'scorecards_bi.scorecard', 'INSERT')"
        " FROM pg_roles WHERE rolname = 'scorecards_reader'"
    )
    assert (rc, out.strip()) == (0, "f|t|f"), err


def test_postgres_readers_never_fail_or_mix_during_swaps(warehouse, postgres, pg_roles):
    """Dashboards querying several tables while the nightly swap runs see no error, no mix.

    The query locks its tables one by one, which is the pattern that deadlocks a naive
    drop-and-rename swap; four readers and eight publishes reproduce it within seconds.
    """
    rows = {f"swap-{k}": 5 * (k + 1) for k in range(8)}
    _replace_scorecard(warehouse, rows["swap-0"])
    publish_postgres(warehouse, pg_roles, refresh_id="swap-0")
    query = (
        "SELECT (SELECT min(refresh_id) FROM kuva_bi._publication),"
        " (SELECT row_count FROM kuva_bi._publication WHERE table_name = 'scorecard'),"
        " (SELECT count(*) FROM kuva_bi.scorecard), (SELECT count(*) FROM kuva_bi.meter_values)"
    )
    stop = threading.Event()
    seen: set[tuple] = set()
    errors: list[str] = []

    def read() -> None:
        # autocommit: each query is its own transaction, as BI tools run them.
        conn = psycopg2.connect(postgres.url("kuva", "metabase", "bi-secret"))
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                while not stop.is_set():
                    try:
                        cur.execute(query)
                        seen.add(cur.fetchone())
                    except psycopg2.Error as exc:
                        errors.append(repr(exc))
        finally:
            conn.close()

    readers = [threading.Thread(target=read) for _ in range(4)]
    for thread in readers:
        thread.start()
    try:
        for k in range(1, 8):
            _replace_scorecard(warehouse, rows[f"swap-{k}"])
            publish_postgres(warehouse, pg_roles, refresh_id=f"swap-{k}")
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in readers:
            thread.join(timeout=30)

    assert errors == []
    for refresh, recorded, scorecard, meter_values in seen:
        assert recorded == scorecard == rows[refresh] and meter_values == 2, refresh
    assert {"swap-0", "swap-7"} <= {refresh for refresh, *_ in seen}
