"""An NPS press id repeated in another month is a duplicate whichever month is typed first.

The typed model (staging__nps_responses_typed) looks for the run's ids in every other month
already in raw. The ids below are typed by hand into raw, one month per file:

  nps/2021-03.csv  '100' (3-05), '200 ' (3-06, a space after), '300' (3-07), '400' (3-08)
  nps/2021-04.csv  '100' (4-02), ' 200' (4-03, a space before), U+00A0 '300' (4-04), '500' (4-05)

Ids are compared trimmed, so 100, 200 and 300 are each pressed in both months; the March file
comes first in file order, so the April presses are the duplicates ("seen earlier with
different content": their times differ). 400 and 500 are pressed once. The outcome must be
the same whether March or April is typed first, each month in a run of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from kuva_pipeline.dbt_project import DBT_DIR

FIELDS = ("feedbackId", "localTime", "experiencePointId", "surveyId", "buttonIndex", "misuse", "ui", "smileyType")
MARCH = [("100", "2021-03-05T10:00:00"), ("200 ", "2021-03-06T10:00:00"),
         ("300", "2021-03-07T10:00:00"), ("400", "2021-03-08T10:00:00")]
APRIL = [("100", "2021-04-02T10:00:00"), (" 200", "2021-04-03T10:00:00"),
         ("\u00a0300", "2021-04-04T10:00:00"), ("500", "2021-04-05T10:00:00")]
EXPECTED = {
    ("nps/2021-03.csv", 1): None,
    ("nps/2021-03.csv", 2): None,
    ("nps/2021-03.csv", 3): None,
    ("nps/2021-03.csv", 4): None,
    ("nps/2021-04.csv", 1): "duplicate: feedbackId 100 seen earlier with different content",
    ("nps/2021-04.csv", 2): "duplicate: feedbackId 200 seen earlier with different content",
    ("nps/2021-04.csv", 3): "duplicate: feedbackId 300 seen earlier with different content",
    ("nps/2021-04.csv", 4): None,
}
WINDOWS = {"march": ("2021-03-01", "2021-03-31"), "april": ("2021-04-01", "2021-04-30")}


def _warehouse(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute("CREATE SCHEMA raw; CREATE SCHEMA staging")
        cols = ", ".join(f'"{f}" VARCHAR' for f in FIELDS)
        con.execute(
            f"CREATE TABLE raw.nps_feedback ({cols}, _source_file VARCHAR, _record_index BIGINT, "
            "_partition_date DATE, _loaded_at TIMESTAMP)"
        )
        for name, rows in (("nps/2021-03.csv", MARCH), ("nps/2021-04.csv", APRIL)):
            for index, (feedback_id, local_time) in enumerate(rows, start=1):
                con.execute(
                    "INSERT INTO raw.nps_feedback VALUES (?, ?, '101', '9001', '7', 'false', 'nps11', NULL, "
                    "?, ?, ?::TIMESTAMP::DATE, TIMESTAMP '2021-05-01 00:00:00')",
                    [feedback_id, local_time, name, index, local_time],
                )
        con.execute(
            "CREATE TABLE staging.ref_nps_experience_points AS "
            "SELECT '101' AS experience_point_id, 'Site' AS site, 'KIR' AS service_area"
        )
        con.execute(
            "CREATE TABLE staging.ref_nps_surveys AS SELECT '9001' AS survey_id, true AS is_nps, 11 AS buttons"
        )
    finally:
        con.close()


def _type_month(warehouse: Path, target: Path, month: str) -> None:
    start, end = WINDOWS[month]
    env = {
        **os.environ,
        "KUVA_WAREHOUSE_PATH": str(warehouse),
        "KUVA_PARTITION_START": start,
        "KUVA_PARTITION_END": end,
    }
    done = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "dbt"), "run", "--select", "staging__nps_responses_typed",
         "--profiles-dir", ".", "--target-path", str(target)],
        cwd=DBT_DIR, env=env, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]


@pytest.mark.parametrize("order", [("march", "april"), ("april", "march")])
def test_a_repeated_id_is_a_duplicate_in_the_later_file_whichever_month_runs_first(tmp_path, order):
    warehouse = tmp_path / "kuva.duckdb"
    _warehouse(warehouse)
    for month in order:
        _type_month(warehouse, tmp_path / "target", month)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        got = {
            (f, i): reason
            for f, i, reason in con.execute(
                "SELECT _source_file, _record_index, _reject_reason FROM staging.nps_responses_typed"
            ).fetchall()
        }
    finally:
        con.close()
    assert got == EXPECTED
