"""Hobihobi snapshots (contract hobihobi-snapshot v1): a listing counts once per year, at its highest
participants, when its visibility overlaps the year.

tests/sources/fixtures/landing/hobihobi/ (`;`, d.m.yyyy; the first file has a BOM):

  snapshot    listing  area   visible              participants  note
  1.1.2021    100      KULP   1.8.2020-31.5.2021    5            visible from the previous year
  1.1.2021    200      LIIKU  1.1.2021-31.12.2021  10
  1.6.2021    200      LIIKU                        14            the year's highest
  1.6.2021    300      KIR    1.6.2021-31.12.2021   3            title with ; and "" (RFC 4180)
  1.6.2021    200      (again, 99)                               quarantine: duplicate in a snapshot
  1.6.2021    abc                                                quarantine: listing_id not an integer
  1.12.2021   200      (title edited)              12            drops after cancellations
  1.12.2021   300                                   4
  1.12.2021   400      KULP   1.1.2022-31.5.2022    6            entered in advance: not a 2021 listing
  1.12.2021   500      NUP    15.12.2021-1.1.2022   2            visible across the year end
  1.12.2021   600      visible_from 31.2.2021                    quarantine: not a date
  1.1.2022    400                                   8
  1.1.2022    500                                   3
"""


def test_counts_add_up_and_reasons_name_the_field(q):
    assert q("SELECT count(*) FROM raw.hobihobi_listings") == [(13,)]
    assert q("SELECT count(*) FROM staging.hobihobi_listings") == [(10,)]
    assert sorted(q("SELECT _reject_reason FROM quarantine.hobihobi_listings")) == [
        ("duplicate: listing_id 200 appears earlier in the snapshot of 1.6.2021",),
        ("listing_id: not an integer: abc",),
        ("visible_from: not a date: 31.2.2021",),
    ]


def test_a_listing_counts_once_per_year_at_its_highest_participants(q):
    year = dict(
        ((m, a), v)
        for m, a, v in q(
            "SELECT measure, service_area, value FROM meters.hobihobi_measures "
            "WHERE grain = 'year' AND period_start = DATE '2021-01-01'"
        )
    )
    # 2021: listings 100, 200, 300, 500 (400 is visible only from 2022).
    assert year[("listings", "KUVA")] == 4
    # 100: 5; 200: max(10, 14, 12) = 14; 300: max(3, 4) = 4; 500: 2.
    assert year[("participants", "KUVA")] == 5 + 14 + 4 + 2
    assert {a: year[("listings", a)] for a in ("KIR", "KULP", "LIIKU", "NUP")} == {
        "KIR": 1, "KULP": 1, "LIIKU": 1, "NUP": 1,
    }
    assert year[("participants", "LIIKU")] == 14


def test_visibility_overlap_decides_the_year(q):
    year_2022 = dict(
        q(
            "SELECT measure, value FROM meters.hobihobi_measures WHERE grain = 'year' "
            "AND period_start = DATE '2022-01-01' AND service_area = 'KUVA'"
        )
    )
    # 400 (its 2022 snapshot says 8) and 500 (visible until 1.1.2022; 3 on that day).
    assert year_2022 == {"listings": 2, "participants": 8 + 3}
    # June 2021: 200 and 300 are visible; 100 ended on 31.5.
    assert q(
        "SELECT value FROM meters.hobihobi_measures WHERE measure = 'listings' AND grain = 'month' "
        "AND period_start = DATE '2021-06-01' AND service_area = 'KUVA'"
    ) == [(2.0,)]


def test_quoted_title_and_edited_title_stay_one_listing(q):
    assert q("SELECT DISTINCT title FROM staging.hobihobi_listings WHERE listing_id = 300") == [
        ('Sirkus; "Hyppy" ja tasapaino',)
    ]
    assert q(
        "SELECT count(DISTINCT title), count(DISTINCT listing_id) FROM staging.hobihobi_listings "
        "WHERE listing_id = 200"
    ) == [(2, 1)]
