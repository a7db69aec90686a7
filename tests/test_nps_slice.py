"""End to end over the fixture export: landing -> raw -> staging/quarantine -> meters.

Every expected number is worked out by hand from
tests/fixtures/landing/nps/2021/nps_2021-03.csv, whose eleven rows are:

  id  time              device survey button misuse   fate
  1   03-01 10:00       101    9001   10     false    promoter (KIR)
  2   03-01 10:05       101    9001    9     false    promoter (KIR)
  3   03-01 11:00       102    9001    7     false    passive (KULP)
  4   03-02 12:00       102    9001    3     false    detractor (KULP)
  5   03-02 12:00:01    102    9001    0     true     misuse: kept in staging, not in NPS
  6   03-02 13:00       103    9002    2     false    smiley survey: kept, not in NPS
  7   03-03 09:00       103    9001   10     false    promoter (LIIKU)
  7   (identical copy)                                quarantine: duplicate
  8   03-03 09:30       999    9001   10     false    quarantine: unknown device
  9   03-03 09:40       101    9001   11     false    quarantine: button out of range
  10  not-a-time        101    9001    5     false    quarantine: bad timestamp
"""

from datetime import date

import duckdb

from tests.conftest import materialize_range

SLICE = "+key:meters/nps_measures"


def _one(con, sql, *params):
    return con.execute(sql, list(params)).fetchone()


def test_nps_slice_end_to_end(fixture_resources, warehouse_path):
    result = materialize_range(
        fixture_resources, date(2021, 3, 1), date(2021, 3, 31), selection=SLICE
    )
    assert result.success
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        raw = _one(con, "SELECT count(*) FROM raw.nps_feedback")[0]
        staged = _one(con, "SELECT count(*) FROM staging.nps_responses")[0]
        rejected = _one(con, "SELECT count(*) FROM quarantine.nps_responses")[0]
        assert (raw, staged, rejected) == (11, 7, 4)
        assert raw == staged + rejected

        reasons = dict(
            con.execute(
                "SELECT _record_index, _reject_reason FROM quarantine.nps_responses"
            ).fetchall()
        )
        # Record indexes are the data-row positions in the file (header excluded).
        assert reasons[8].startswith("duplicate: identical")
        assert reasons[9] == "experiencePointId: unknown device 999"
        assert reasons[10] == "buttonIndex: 11 outside 0-10 on an NPS survey"
        assert reasons[11] == "localTime: not a timestamp: not-a-time"

        # NPS for 2021: valid answers are ids 1, 2, 3, 4, 7 (5 is misuse, 6 a smiley survey).
        promoters, detractors, answers = 3, 1, 5
        expected_nps = 100.0 * (promoters - detractors) / answers  # = 40.0
        value, numerator, denominator = _one(
            con,
            "SELECT value, numerator, denominator FROM meters.nps_measures "
            "WHERE measure='nps_index' AND grain='year' AND service_area='KUVA' "
            "AND period_start = DATE '2021-01-01'",
        )
        assert value == expected_nps
        assert (numerator, denominator) == (promoters - detractors, answers)

        # Per service area: KULP has one passive (7) and one detractor (3): (0-1)/2 = -50.
        kulp = _one(
            con,
            "SELECT value FROM meters.nps_measures WHERE measure='nps_index' AND grain='year' "
            "AND service_area='KULP'",
        )[0]
        assert kulp == -50.0
        # Devices in use come from the reference: 101, 102 and 103 are in use from
        # 1.1.2019 with no end, so all three on 31.12.2021 (the year's last day).
        devices = _one(
            con,
            "SELECT value FROM meters.nps_measures WHERE measure='devices_in_use' "
            "AND grain='year' AND service_area='KUVA' AND period_start = DATE '2021-01-01'",
        )[0]
        assert devices == 3
        # One per service area: 101 KIR, 102 KULP, 103 LIIKU; none in NUP.
        per_area = dict(
            con.execute(
                "SELECT service_area, value FROM meters.nps_measures WHERE measure='devices_in_use' "
                "AND grain='year' AND period_start = DATE '2021-01-01'"
            ).fetchall()
        )
        assert per_area == {"KIR": 1, "KULP": 1, "LIIKU": 1, "KUVA": 3}
        # Devices with a valid NPS answer in 2021: 101 (ids 1, 2), 102 (3, 4), 103 (7).
        with_answers = _one(
            con,
            "SELECT value FROM meters.nps_measures WHERE measure='devices_with_answers' "
            "AND grain='year' AND service_area='KUVA'",
        )[0]
        assert with_answers == 3
    finally:
        con.close()


def test_rerunning_a_partition_leaves_the_warehouse_identical(fixture_resources, warehouse_path):
    def snapshot():
        con = duckdb.connect(str(warehouse_path), read_only=True)
        try:
            return {
                t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                for t in ("raw.nps_feedback", "staging.nps_responses", "quarantine.nps_responses")
            }
        finally:
            con.close()

    materialize_range(fixture_resources, date(2021, 3, 1), date(2021, 3, 31), selection=SLICE)
    first = snapshot()
    # Rerun one day of the month, then the whole month again.
    materialize_range(fixture_resources, date(2021, 3, 2), date(2021, 3, 2), selection=SLICE)
    materialize_range(fixture_resources, date(2021, 3, 1), date(2021, 3, 31), selection=SLICE)
    assert snapshot() == first
