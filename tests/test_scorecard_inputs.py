"""marts.scorecard_inputs gathers what scoring reads, one row per meter and as-of day.

A hand-made warehouse (catalog, meter values, check-ins, check verdicts), the two
models run by dbt against it, and every expected input worked out here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime

import duckdb
import pytest

from kuva_pipeline.dbt_project import DBT_DIR
from kuva_pipeline.quality.config import FRESHNESS_CHECK
from kuva_pipeline.quality.results import Evaluation, append

JUNE, DEC = date(2021, 6, 30), date(2021, 12, 31)

CATALOG = """
CREATE SCHEMA catalog; CREATE SCHEMA meters;
CREATE TABLE catalog.dim_meter AS SELECT * FROM (VALUES
    ('card.cost',     'card.g1', 'card', 2021::BIGINT, 'Kustannus', 'Cost',     'KUVA', 'EUR', 'lower',  'level',      'finance',  'unit_cost',    NULL::DOUBLE, 'TP2020'),
    ('card.listings', 'card.g1', 'card', 2021::BIGINT, 'Ilmoitukset', 'Listings', 'KUVA', 'count', 'higher', 'cumulative', 'hobihobi', 'listings', 357.0, '2019'),
    ('card.nps',      'card.g1', 'card', 2021::BIGINT, 'NPS', 'NPS',            'KUVA', 'index', 'higher', 'level',      'nps',      'nps_index',    40.0, '2019'),
    ('card.events',   'card.g1', 'card', 2021::BIGINT, 'Tapahtumat', 'Events',  'KULP', 'count', 'higher', 'cumulative', 'events',   'large_culture_events', 27.0, '2019'),
    ('card.plan',     'card.g1', 'card', 2021::BIGINT, 'Suunnitelma', 'Plan',   NULL,   '%',     'higher', 'milestone',  'checkin',  'manual',       NULL, NULL)
) t(meter_id, goal_id, scorecard_id, "year", name_fi, name_en, service_area, unit, direction, accumulation,
    source, measure, baseline_value, baseline_period);
CREATE TABLE catalog.dim_target AS SELECT * FROM (VALUES
    ('card.cost',     'at_most',  '{"kind": "at_most", "value": 99}', 40.0::DOUBLE),
    ('card.listings', 'relative_change', '{"kind": "relative_change", "pct": 200}', 60.0),
    ('card.nps',      'at_least', '{"kind": "at_least", "value": 40}', NULL),
    ('card.events',   'range',    '{"kind": "range", "min": 30, "max": 32}', NULL),
    ('card.plan',     'milestone', '{"kind": "milestone"}', NULL)
) t(meter_id, target_kind, target_json, weight_pct);
CREATE TABLE catalog.as_of_dates AS SELECT * FROM (VALUES
    ('card', 2021::BIGINT, DATE '2021-06-30', 'document'),
    ('card', 2021::BIGINT, DATE '2021-12-31', 'latest')
) t(scorecard_id, "year", as_of, as_of_kind);
CREATE TABLE meters.meter_values AS SELECT * FROM (VALUES
    -- Unit cost: TP2020 is 100; year to date 99 by June, 98 by December.
    ('card.cost', DATE '2020-01-01', DATE '2020-12-31', 'year', 'KUVA', 100.0::DOUBLE, 6),
    ('card.cost', DATE '2021-01-01', DATE '2021-06-30', 'ytd', 'KUVA', 99.0, 6),
    ('card.cost', DATE '2021-01-01', DATE '2021-12-31', 'ytd', 'KUVA', 98.0, 12),
    -- Listings: nothing by June; 1200 by December. 2019 by month: January 10, February 30,
    -- March without a value, the rest without a row.
    ('card.listings', DATE '2021-01-01', DATE '2021-12-31', 'ytd', 'KUVA', 1200.0, 40),
    ('card.listings', DATE '2019-01-01', DATE '2019-01-31', 'month', 'KUVA', 10.0, 10),
    ('card.listings', DATE '2019-02-01', DATE '2019-02-28', 'month', 'KUVA', 30.0, 30),
    ('card.listings', DATE '2019-03-01', DATE '2019-03-31', 'month', 'KUVA', NULL, 0),
    ('card.listings', DATE '2020-01-01', DATE '2020-01-31', 'month', 'KUVA', 99.0, 99),
    ('card.nps', DATE '2021-01-01', DATE '2021-06-30', 'ytd', 'KUVA', 41.0, 500),
    ('card.nps', DATE '2021-01-01', DATE '2021-12-31', 'ytd', 'KUVA', 42.0, 900)
) t(meter_id, period_start, period_end, grain, service_area, value, row_count);
CREATE TABLE meters.checkins AS SELECT * FROM (VALUES
    ('card.listings', DATE '2021-05-01', NULL, NULL::DOUBLE, NULL, 50.0::DOUBLE, 'catalog'),
    ('card.plan', DATE '2021-03-31', 'TEKEILLÄ', 40.0, 'toteutuu', NULL, 'catalog'),
    ('card.plan', DATE '2021-06-30', 'TEKEILLÄ', 60.0, '', NULL, 'catalog'),
    ('card.plan', DATE '2021-06-30', 'TEHTY', 100.0, NULL, NULL, 'checkins/checkins_2021.csv'),
    ('card.plan', DATE '2021-09-30', NULL, NULL, 'epävarma', 3.0, 'checkins/checkins_2021.csv')
) t(meter_id, checkin_date, status, progress_pct, forecast, value, origin);
"""

NPS_REASON = (
    "staging/nps_responses check feedback_id_unique failed for 2021-03-01..2021-03-31: "
    "2 of 7 rows break it (run run-0001, 2021-04-02 03:00 UTC)"
)
# 31 May to 31 December: 30 + 31 + 31 + 30 + 31 + 30 + 31 = 214 days.
HOBIHOBI_STALE = (
    "hobihobi: the newest landing file (hobihobi/hobihobi_2021-05-31.csv) covers up to 2021-05-31, "
    "214 days before 2021-12-31; the limit is 35 days"
)

COLUMNS = (
    "baseline_value", "baseline_from_data", "seasonal_profile", "actual_value", "value_origin", "row_count",
    "checkin_status", "progress_pct", "manual_forecast", "data_quality", "data_quality_reason",
)
EXPECTED = {
    # The baseline "vs TP2020" is the feed's 2020 value; the feed is healthy.
    ("card.cost", JUNE): (100.0, True, None, 99.0, "feed", 6, None, None, None, "ok", None),
    ("card.cost", DEC): (100.0, True, None, 98.0, "feed", 12, None, None, None, "ok", None),
    # No feed value by June: the owner's 50 stands in, so the feed's staleness does not
    # matter; by December the feed has 1200 but went stale 214 days before. The profile is
    # 2019's months (a month without a value or a row is 0).
    ("card.listings", JUNE): (357.0, False, [10.0, 30.0] + [0.0] * 10, 50.0, "checkin", None,
                              None, None, None, "ok", None),
    ("card.listings", DEC): (357.0, False, [10.0, 30.0] + [0.0] * 10, 1200.0, "feed", 40,
                             None, None, None, "stale", HOBIHOBI_STALE),
    # A blocking failure in March counts for every day of 2021 from March on.
    ("card.nps", JUNE): (40.0, False, None, 41.0, "feed", 500, None, None, None, "failed", NPS_REASON),
    ("card.nps", DEC): (40.0, False, None, 42.0, "feed", 900, None, None, None, "failed", NPS_REASON),
    # Neither feed nor owner has a value: missing.
    ("card.events", JUNE): (27.0, False, None, None, "feed", None, None, None, None, "missing",
                            "no events data for 2021 up to 2021-06-30"),
    ("card.events", DEC): (27.0, False, None, None, "feed", None, None, None, None, "missing",
                           "no events data for 2021 up to 2021-12-31"),
    # On 30 June the landing file's TEHTY is the later row; the empty forecast that day is
    # no forecast, so March's 'toteutuu' is the latest. By December: September's row.
    ("card.plan", JUNE): (None, False, None, None, "checkin", None, "TEHTY", 100.0, "toteutuu", "ok", None),
    ("card.plan", DEC): (None, False, None, 3.0, "checkin", None, None, None, "epävarma", "ok", None),
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("inputs")
    path = tmp / "kuva.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute(CATALOG)
        append(con, [
            Evaluation("staging/nps_responses", "feedback_id_unique", passed=False, severity="ERROR",
                       blocking=True, detail="2 of 7 rows break it", source="nps",
                       partition_start=date(2021, 3, 1), partition_end=date(2021, 3, 31)),
            # A waived failure of the events feed changes nothing.
            Evaluation("staging/linked_events", "event_id_unique", passed=False, severity="ERROR",
                       blocking=True, detail="1 row", source="events", waived_by="maija"),
            Evaluation("raw/hobihobi_listings", FRESHNESS_CHECK, passed=True, severity="WARN", blocking=False,
                       detail="fresh", source="hobihobi",
                       observed={"newest_period_end": "2021-05-31", "max_age_days": 35,
                                 "newest_file": "hobihobi/hobihobi_2021-05-31.csv"}),
        ], "run-0001-abcdef", datetime(2021, 4, 2, 3, 0))
    finally:
        con.close()
    dbt = os.path.join(os.path.dirname(sys.executable), "dbt")
    done = subprocess.run(
        [dbt, "run", "--profiles-dir", ".", "--target-path", str(tmp / "target"),
         "--select", "marts__scorecard_inputs", "marts__scorecard"],
        cwd=DBT_DIR, env={**os.environ, "KUVA_WAREHOUSE_PATH": str(path)}, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    return path


def _rows(path, sql):
    con = duckdb.connect(str(path), read_only=True)
    try:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()


def test_one_row_per_meter_and_as_of_day_with_every_input(warehouse):
    rows = _rows(warehouse, "SELECT * FROM marts.scorecard_inputs")
    got = {(r["meter_id"], r["as_of"]): tuple(r[c] for c in COLUMNS) for r in rows}
    assert got == EXPECTED


def test_the_scorecard_scores_each_input_row(warehouse):
    rows = {(r["meter_id"], r["as_of"]): r for r in _rows(warehouse, "SELECT * FROM marts.scorecard")}
    assert set(rows) == set(EXPECTED)
    # Unit cost 98 against at most 99 at year end: achieved, all of the weight 40.
    cost = rows[("card.cost", DEC)]
    assert (cost["status"], cost["weighted_score"], cost["target_max"]) == ("achieved", 40.0, 99.0)
    # +200 % of 357 is 1071; the stale feed's 1200 does not count.
    listings = rows[("card.listings", DEC)]
    assert (listings["status"], listings["target_min"], listings["data_quality"]) == ("no_data", 1071.0, "stale")
    assert HOBIHOBI_STALE in listings["explanation"]
    assert rows[("card.nps", JUNE)]["status"] == "no_data"
    assert rows[("card.events", DEC)]["status"] == "no_data"
    # TEHTY on 30 June: the milestone is done, its value 100 %.
    plan = rows[("card.plan", JUNE)]
    assert (plan["status"], plan["actual_value"], plan["value_origin"]) == ("achieved", 100.0, None)
