"""Reruns leave the warehouse identical; a corrected file replaces what it covers."""

from datetime import date

from tests.sources.conftest import make_landing, resources, rows, run

TABLES = [
    "raw.nps_feedback", "raw.hobihobi_listings", "raw.varaamo_reservations", "raw.varaamo_statistics",
    "raw.linked_events", "raw.checkins", "raw.finance",
    "staging.nps_responses", "staging.hobihobi_listings", "staging.varaamo_reservations",
    "staging.linked_events", "staging.event_classification", "staging.checkins", "staging.finance",
    "quarantine.nps_responses", "quarantine.hobihobi_listings", "quarantine.varaamo_reservations",
    "quarantine.linked_events", "quarantine.checkins", "quarantine.finance",
    "meters.nps_measures", "meters.hobihobi_measures", "meters.varaamo_measures", "meters.events_measures",
    "meters.finance_measures", "meters.meter_values", "meters.checkins",
]


def snapshot(warehouse):
    return {t: rows(warehouse, f"SELECT * FROM {t} ORDER BY ALL") for t in TABLES}


def value(warehouse, table, measure, period_start, area="KUVA"):
    return rows(
        warehouse,
        f"SELECT value FROM {table} WHERE measure = ? AND grain = 'year' AND period_start = ? "
        "AND service_area = ?",
        (measure, period_start, area),
    )[0][0]


def test_reruns_are_identical_and_corrections_replace(tmp_path):
    landing = make_landing(tmp_path / "landing")
    warehouse = tmp_path / "kuva.duckdb"
    res = resources(landing, warehouse)
    assert run(res).success
    first = snapshot(warehouse)

    # Rerunning some months (and, with them, the unpartitioned sources) changes nothing, not
    # even _loaded_at. April to December leaves out March, yet the April copy of NPS id 5 is
    # still a duplicate of the March one: duplicates are judged against every month in raw.
    assert run(res, date(2021, 4, 1), date(2021, 12, 31)).success
    assert snapshot(warehouse) == first

    # Corrected files: the June snapshot again with 200 at 20 participants and without the
    # duplicate and broken rows; the December events page without sports_ext; the 2021 finance
    # file with KIR's cost corrected to 1200; a check-in edited.
    june = landing / "hobihobi" / "2021" / "hobihobi_2021-06-01.csv"
    lines = june.read_text(encoding="utf-8").splitlines()
    june.write_text("\n".join([lines[0], lines[1].replace(";14", ";20"), lines[2]]) + "\n", encoding="utf-8")
    page = landing / "events" / "2021" / "events_2021-12_p002.json"
    import json

    doc = json.loads(page.read_text(encoding="utf-8"))
    doc["data"] = [e for e in doc["data"] if e["id"] != "helsinki:sports_ext"]
    doc["meta"]["count"] = 19
    page.write_text(json.dumps(doc), encoding="utf-8")
    fin = landing / "finance" / "finance_2021.csv"
    fin.write_bytes(fin.read_bytes().replace(b"2021;KIR;1100,00", b"2021;KIR;1200,00"))
    chk = landing / "checkins" / "checkins_2021_owner.csv"
    chk.write_bytes(chk.read_bytes().replace(b"31.12.2021;TEHTY;100;toteutuu;5;", b"31.12.2021;TEHTY;100;toteutuu;6;"))

    assert run(res, date(2021, 6, 1), date(2021, 6, 30)).success
    assert run(res, date(2021, 12, 1), date(2021, 12, 31)).success
    after = snapshot(warehouse)
    # June's raw rows are exactly the corrected file's two.
    assert rows(warehouse, "SELECT count(*) FROM raw.hobihobi_listings WHERE _partition_date = DATE '2021-06-01'") == [(2,)]
    assert rows(warehouse, "SELECT count(*) FROM quarantine.hobihobi_listings "
                           "WHERE _partition_date = DATE '2021-06-01'") == [(0,)]
    # participants 2021: 5 + max(10, 20, 12) + 4 + 2.
    assert value(warehouse, "meters.hobihobi_measures", "participants", date(2021, 1, 1)) == 5 + 20 + 4 + 2
    assert value(warehouse, "meters.events_measures", "large_sports_events", date(2021, 1, 1)) == 1
    assert value(warehouse, "meters.finance_measures", "unit_cost", date(2021, 1, 1)) == round(7700 / 460, 6)
    assert rows(warehouse, "SELECT value FROM staging.checkins WHERE checkin_date = DATE '2021-12-31'") == [(6.0,)]
    # What the corrections did not touch is as it was.
    for table in ("raw.nps_feedback", "staging.varaamo_reservations", "meters.nps_measures", "meters.varaamo_measures"):
        assert after[table] == first[table], table
