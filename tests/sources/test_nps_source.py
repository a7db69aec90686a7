"""NPS device feed: CSV with a BOM and JSON alike, misuse and non-NPS presses kept out of the index,
duplicates across files, and devices in use from the reference rather than from answers.

tests/sources/fixtures/landing/nps/2021/:

  nps_2021-03.csv (UTF-8 with BOM)
    rec id time              device survey button misuse  fate
    1   1  3-01 10:00        101    9001   10     false   promoter (KIR)
    2   2  3-01 10:05        102    9001    3     false   detractor (KULP)
    3   3  3-02 10:00        102    9001    8     true    misuse: staged, not in the index
    4   4  3-02 11:00        101    9002    2     false   smiley survey: staged, not in the index
    5   5  3-31 23:59        101    9001    9     false   promoter (KIR), the last minute of March
    6   5  (identical copy)                               quarantine: duplicate
    7   6  4-01 00:10        101    9001    9     false   quarantine: April in the March file
  nps_2021-04.json
    1   7  4-02 12:00        103    9001    7     false   passive (LIIKU)
    2   8  4-03 12:00        103    9001    9     false   promoter (LIIKU)
    3   5  4-03 13:00        103    9001    0     false   quarantine: id 5 seen in March, other content

Reference: 101 KIR in use from 2019; 102 KULP until 15.3.2021; 103 LIIKU from
10.3.2021; 104 NUP from 1.2.2022.
"""

from datetime import date


def test_counts_add_up_and_reasons_name_the_field(q):
    raw = q("SELECT count(*) FROM raw.nps_feedback")[0][0]
    staged = q("SELECT count(*) FROM staging.nps_responses")[0][0]
    reasons = dict(q("SELECT _source_file || '#' || _record_index, _reject_reason FROM quarantine.nps_responses"))
    assert (raw, staged, len(reasons)) == (10, 7, 3)
    assert reasons["nps/2021/nps_2021-03.csv#6"] == "duplicate: identical to an earlier record of feedbackId 5"
    assert reasons["nps/2021/nps_2021-03.csv#7"] == (
        "localTime: 2021-04-01T00:10:00 is outside the period of its file"
    )
    assert reasons["nps/2021/nps_2021-04.json#3"] == "duplicate: feedbackId 5 seen earlier with different content"


def test_bom_header_and_json_records_read_alike(q):
    # The BOM is not part of the first header: feedbackId 1 is read from the CSV.
    assert q("SELECT feedbackId, localTime FROM raw.nps_feedback WHERE _record_index = 1 "
             "AND _source_file LIKE '%.csv'") == [("1", "2021-03-01T10:00:00")]
    # JSON integers and booleans arrive as the same text as the CSV's.
    assert q("SELECT feedbackId, buttonIndex, misuse, smileyType FROM raw.nps_feedback "
             "WHERE _source_file LIKE '%.json' AND _record_index = 1") == [("7", "7", "false", None)]


def test_nps_index_excludes_misuse_and_smiley_presses(q):
    # 2021 answers: ids 1 (10), 2 (3), 5 (9), 7 (7), 8 (9): promoters 3, detractors 1, of 5.
    assert q("SELECT value, numerator, denominator FROM meters.nps_measures WHERE measure = 'nps_index' "
             "AND grain = 'year' AND service_area = 'KUVA'") == [(100 * (3 - 1) / 5, 2.0, 5.0)]
    # March: 1, 2, 5 -> (2 - 1) / 3 = 33.33; April: 7 (passive), 8 -> (1 - 0) / 2 = 50.
    assert q("SELECT period_start, value FROM meters.nps_measures WHERE measure = 'nps_index' "
             "AND grain = 'month' AND service_area = 'KUVA' ORDER BY 1") == [
        (date(2021, 3, 1), 33.33),
        (date(2021, 4, 1), 50.0),
    ]


def test_devices_in_use_follow_the_reference_not_the_answers(q):
    def in_use(period_end, area="KUVA"):
        return q("SELECT value FROM meters.nps_measures WHERE measure = 'devices_in_use' AND grain = 'month' "
                 "AND period_end = ? AND service_area = ?", period_end, area)[0][0]

    assert in_use(date(2021, 2, 28)) == 2  # 101, 102
    assert in_use(date(2021, 3, 31)) == 2  # 101, 103 (102 retired 15.3., 103 from 10.3.)
    assert in_use(date(2021, 3, 31), "KULP") == 0
    assert q("SELECT value FROM meters.nps_measures WHERE measure = 'devices_in_use' AND grain = 'year' "
             "AND period_start = DATE '2021-01-01' AND service_area = 'KUVA'") == [(2.0,)]
    # ... while three devices answered in 2021.
    assert q("SELECT value FROM meters.nps_measures WHERE measure = 'devices_with_answers' AND grain = 'year' "
             "AND service_area = 'KUVA'") == [(3.0,)]
    # At an as-of day of the catalog (forecast 2/2021, 31.8.2021): 101 and 103.
    assert q("SELECT value FROM meters.nps_measures WHERE measure = 'devices_in_use' AND grain = 'ytd' "
             "AND period_end = DATE '2021-08-31' AND service_area = 'KUVA'") == [(2.0,)]


def test_staging_and_quarantine_name_each_devices_site_from_the_reference(q):
    # Devices per the table above; sites and areas from the fixture reference.
    assert q("SELECT feedback_id, site, service_area FROM staging.nps_responses ORDER BY feedback_id::INT") == [
        ("1", "Oodi", "KIR"), ("2", "Caisa", "KULP"), ("3", "Caisa", "KULP"), ("4", "Oodi", "KIR"),
        ("5", "Oodi", "KIR"), ("7", "Kallio sports hall", "LIIKU"), ("8", "Kallio sports hall", "LIIKU"),
    ]
    assert q("SELECT _source_file || '#' || _record_index, site, service_area FROM quarantine.nps_responses "
             "ORDER BY 1") == [
        ("nps/2021/nps_2021-03.csv#6", "Oodi", "KIR"),
        ("nps/2021/nps_2021-03.csv#7", "Oodi", "KIR"),
        ("nps/2021/nps_2021-04.json#3", "Kallio sports hall", "LIIKU"),
    ]
    # The typed model stores neither: the views join them where the rows are read.
    typed = [r[0] for r in q("DESCRIBE staging.nps_responses_typed")]
    assert "site" not in typed and "service_area" not in typed
    # The views keep the staging order of columns.
    assert [r[0] for r in q("DESCRIBE staging.nps_responses")][:7] == [
        "feedback_id", "local_time", "local_date", "experience_point_id", "site", "service_area", "survey_id"]
