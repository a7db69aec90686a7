"""Check-ins (CSV and Excel, unpartitioned) and finance (Finnish Excel CSV, unpartitioned).

checkins/checkins_2021_owner.csv (BOM, `;`):
  1  virtual_operating_models_in_use 30.4.2021 "tekeillä" / "Toteutuu" / 4   staged (case variants)
  2  virtual_operating_models_in_use 31.12.2021 TEHTY / 5                     staged
  3  ngo_action_plan 1.1.2022 "toteutumassa"                                  staged (year-end, on New Year's day)
  4  weighted_targets_2021.unit_cost 31.8.2021 value "−0,6" (U+2212)         staged, -0.6
  5  talous_2021.within_budget                                               quarantine: unknown meter
  6  knowledge_management_plan status VALMIS                                 quarantine: status
  7  knowledge_management_plan forecast "ehkä"                               quarantine: forecast
  8  staff_forums 31.8.2021 (40 %)                                           quarantine: replaced by row 9
  9  staff_forums 31.8.2021 (50 %)                                           staged
  10 staff_forums 31.2.2021                                                  quarantine: date
  11 binding_goals_2019.nps_devices in the 2021 file                         quarantine: another year's meter
  12 multilingual_core_service progress 120                                  quarantine: progress
checkins/checkins_2020_owner.xlsx (written by conftest): two check-ins with a blank row between.

finance/finance_2020.csv (cp1252, \\r\\n): KIR 1000,00/100 (budget 1100), KULP 2000,50/50 (2000),
LIIKU 3000,00/300 (3500), NUP 500,00/0 (600), hallinto 999,50/0 (1000).
finance/finance_2021.csv (UTF-8 BOM): KIR 1100/100 (1200), KULP 2100/60 (2200), KULP −100,00
correction (no budget), LIIKU 2900/290 (3000), NUP 600/10 (650), hallinto 1000/0 (1000),
XYZ (quarantine), a 2020 row (quarantine: another year).
"""

from datetime import date

import pytest


def test_checkin_counts_add_up_and_reasons_name_the_field(q):
    assert q("SELECT count(*) FROM raw.checkins") == [(14,)]
    assert q("SELECT count(*) FROM staging.checkins") == [(7,)]
    reasons = dict(q("SELECT _source_file || '#' || _record_index, _reject_reason FROM quarantine.checkins"))
    f = "checkins/checkins_2021_owner.csv#"
    assert reasons == {
        f + "5": "meter: unknown meter id talous_2021.within_budget (not in the catalog)",
        f + "6": "status: VALMIS is not TEKEMÄTTÄ, TEKEILLÄ or TEHTY",
        f + "7": "forecast: ehkä is not toteutuu, toteutumassa, epävarma or ei toteudu",
        f + "8": "duplicate: a later check-in on the same meter and day replaces this one "
        "(checkins/checkins_2021_owner.csv:9)",
        f + "10": "date: not a date: 31.2.2021",
        f + "11": "meter: binding_goals_2019.nps_devices is on the 2019 scorecard, the file on 2021",
        f + "12": "progress_pct: 120 is outside 0-100",
    }


def test_checkins_are_typed_and_words_normalised(q):
    got = {
        (m, d): (s, p, f, v)
        for m, d, s, p, f, v in q("SELECT meter_id, checkin_date, status, progress_pct, forecast, value "
                                  "FROM staging.checkins")
    }
    assert got[("urban_culture_2021.virtual_operating_models_in_use", date(2021, 4, 30))] == (
        "TEKEILLÄ", 50, "toteutuu", 4)
    assert got[("urban_culture_2021.ngo_action_plan", date(2022, 1, 1))][2] == "toteutumassa"
    assert got[("weighted_targets_2021.unit_cost", date(2021, 8, 31))][3] == pytest.approx(-0.6)
    # The Excel file: a real date, numbers as numbers, the blank row skipped.
    assert got[("budget_followup_2020.family_events_held", date(2020, 10, 15))] == ("TEKEILLÄ", 85, "toteutuu", 7)
    assert q("SELECT _record_index FROM staging.checkins WHERE _source_file LIKE '%.xlsx' ORDER BY 1") == [(1,), (2,)]


def test_checkins_reach_the_meters_without_comments_or_authors(q):
    cols = {c for (c,) in q("SELECT column_name FROM information_schema.columns WHERE table_name = 'checkins' "
                            "AND table_schema IN ('staging', 'quarantine', 'meters')")}
    assert not cols & {"comment", "author"}
    assert q("SELECT origin, status, value FROM meters.checkins WHERE meter_id = "
             "'urban_culture_2021.virtual_operating_models_in_use' ORDER BY checkin_date") == [
        ("checkins/checkins_2021_owner.csv", "TEKEILLÄ", 4.0),
        ("checkins/checkins_2021_owner.csv", "TEHTY", 5.0),
    ]
    # The catalog's own check-ins are still there.
    assert q("SELECT count(*) FROM meters.checkins WHERE origin = 'catalog'")[0][0] > 0
    assert q("SELECT count(*) FROM raw.checkins WHERE comment LIKE '%040 1234567%'") == [(1,)]


def test_finance_counts_add_up_and_reasons_name_the_field(q):
    assert q("SELECT count(*) FROM raw.finance") == [(13,)]
    assert q("SELECT count(*) FROM staging.finance") == [(11,)]
    assert sorted(q("SELECT _reject_reason FROM quarantine.finance")) == [
        ("palvelualue: XYZ is not KIR, KULP, LIIKU, NUP or HALLINTO",),
        ("vuosi: 2020 in the file of 2021",),
    ]


def test_finance_decimals_cp1252_and_minus_sign(q):
    assert q("SELECT cost_eur, output_kind FROM staging.finance WHERE year = 2020 AND service_area = 'KULP'") == [
        (pytest.approx(2000.50), "käynnit ja osallistumiskerrat")  # ä from a cp1252 byte
    ]
    assert q("SELECT cost_eur, budget_eur, is_correction FROM staging.finance WHERE year = 2021 "
             "AND is_correction") == [(pytest.approx(-100.00), None, True)]


def test_unit_cost_and_budget_use_per_area_and_division(q):
    m = {
        (measure, y.year, a): (v, n, d)
        for measure, y, a, v, n, d in q(
            "SELECT measure, period_start, service_area, value, numerator, denominator "
            "FROM meters.finance_measures WHERE grain = 'year'"
        )
    }
    # 2020: cost 1000 + 2000.50 + 3000 + 500 + 999.50 = 7500 over 100 + 50 + 300 outputs = 450.
    assert m[("unit_cost", 2020, "KUVA")] == (round(7500 / 450, 6), 7500.0, 450.0)
    # 2021: 1100 + 2100 - 100 + 2900 + 600 + 1000 = 7600 over 460; budget 8050.
    assert m[("unit_cost", 2021, "KUVA")] == (round(7600 / 460, 6), 7600.0, 460.0)
    assert m[("budget_use_pct", 2021, "KUVA")] == (round(100 * 7600 / 8050, 4), 7600.0, 8050.0)
    # KULP 2021 sums its correction: (2100 - 100) / 60.
    assert m[("unit_cost", 2021, "KULP")][0] == round(2000 / 60, 6)
    # No outputs, no unit cost: NUP 2020 and hallinto.
    assert ("unit_cost", 2020, "NUP") not in m and ("unit_cost", 2021, "HALLINTO") not in m
    assert m[("budget_use_pct", 2020, "KULP")][0] == round(100 * 2000.5 / 2000, 4)
    # A yearly figure stands for every as-of day of its year (here forecast 2/2021, 31.8.2021).
    assert q("SELECT value FROM meters.finance_measures WHERE measure = 'unit_cost' AND grain = 'ytd' "
             "AND period_end = DATE '2021-08-31' AND service_area = 'KUVA'") == [(round(7600 / 460, 6),)]
