"""Varaamo: the old backend's JSON pages and the statistics CSV meet in one staging table; only
normal confirmed reservations are bookings, and no personal data passes staging.

Old backend, varaamo/reservations/2020/varaamo_reservations_2020-12_p001/p002.json (count 9):
  1001 room   1.12.  confirmed normal   booking (KIR)
  1002 studio 2.12.  confirmed blocked  closure, not a booking
  1003 sauna  3.12.  created            expired draft
  1004 sauna  4.12.  cancelled
  1005 court  31.12.2020 16:00 - 2.1.2021 12:00 confirmed: one 2020 booking (LIIKU)
  1006 res_unknown                      quarantine: unknown resource
  1007 room   6.12.  denied
  1008 room   2020-12-31T22:30:00Z      = 1.1.2021 00:30 in Helsinki: outside the December file, quarantine
  1009 studio 7.12.  waiting_for_payment pending
Statistics CSV, varaamo/statistics/2021/varaamo_statistics_2021-01.csv (BOM, all quoted, \\r\\n):
  5001 room  Varaus/Vahvistettu 1.1.2021 9:05   booking (KIR)
  5002 court Varaus/Vahvistettu 20.1.2021       booking (LIIKU)
  5003 sauna Esto/Vahvistettu                   closure
  5004 studio Luonnos                           expired draft
  5005 studio Hylätty                           denied
  5006 studio Odottaa maksua                    pending
  5002 (the same line again)                    quarantine: duplicate
  5007 room  Tila "Tuntematon"                  quarantine: unknown state
  1001 room  31.1.2021 23:00                    booking (KIR): id 1001 of the new id space, not the old 1001
Reference: room KIR, studio KULP, sauna LIIKU for sale from 1.6.2020, court LIIKU for sale from 15.1.2021.
"""

from datetime import date


def test_counts_add_up_and_reasons_name_the_field(q):
    raw = q("SELECT (SELECT count(*) FROM raw.varaamo_reservations) + (SELECT count(*) FROM raw.varaamo_statistics)")
    assert raw == [(18,)]
    assert q("SELECT count(*) FROM staging.varaamo_reservations") == [(14,)]
    assert dict(q("SELECT reservation_id, _reject_reason FROM quarantine.varaamo_reservations "
                  "WHERE _reject_reason NOT LIKE 'duplicate%'")) == {
        "1006": "resource: unknown resource res_unknown (not in reference/varaamo_resources.csv)",
        "1008": "begin: 2020-12-31T22:30:00Z is outside the period of its file",
        "5007": "Tila: unknown state Tuntematon",
    }
    assert q("SELECT _reject_reason FROM quarantine.varaamo_reservations WHERE _reject_reason LIKE 'duplicate%'") == [
        ("duplicate: Varaus ID 5002 already read from varaamo/statistics/2021/varaamo_statistics_2021-01.csv:2",)
    ]


def test_states_and_types_decide_what_is_a_booking(q):
    outcomes = dict(q("SELECT origin || ':' || reservation_id, outcome FROM staging.varaamo_reservations"))
    assert outcomes == {
        "old_backend:1001": "booking",
        "old_backend:1002": "closure",
        "old_backend:1003": "expired_draft",
        "old_backend:1004": "cancelled",
        "old_backend:1005": "booking",
        "old_backend:1007": "denied",
        "old_backend:1009": "pending",
        "statistics:5001": "booking",
        "statistics:5002": "booking",
        "statistics:5003": "closure",
        "statistics:5004": "expired_draft",
        "statistics:5005": "denied",
        "statistics:5006": "pending",
        "statistics:1001": "booking",
    }


def test_bookings_belong_to_the_helsinki_day_of_their_begin(q):
    def bookings(period_start, area="KUVA"):
        return q("SELECT value FROM meters.varaamo_measures WHERE measure = 'bookings' AND grain = 'year' "
                 "AND period_start = ? AND service_area = ?", period_start, area)[0][0]

    assert bookings(date(2020, 1, 1)) == 2  # 1001 and the cottage-style 1005 over the year end
    assert bookings(date(2020, 1, 1), "LIIKU") == 1
    assert bookings(date(2021, 1, 1)) == 3  # 5001, 5002 and the new 1001
    assert bookings(date(2021, 1, 1), "KIR") == 2
    assert q("SELECT begin_time FROM staging.varaamo_reservations WHERE origin = 'statistics' "
             "AND reservation_id = '5001'")[0][0].isoformat() == "2021-01-01T09:05:00"


def test_spaces_for_sale_and_bookable_spaces_come_from_the_reference(q):
    def level(measure, period_end, area="KUVA"):
        return q("SELECT value FROM meters.varaamo_measures WHERE measure = ? AND grain = 'month' "
                 "AND period_end = ? AND service_area = ?", measure, period_end, area)[0][0]

    assert level("spaces_for_sale", date(2020, 5, 31)) == 0
    assert level("spaces_for_sale", date(2020, 6, 30)) == 1  # the sauna from 1.6.2020
    assert level("spaces_for_sale", date(2021, 1, 31)) == 2  # and the court from 15.1.2021
    assert level("bookable_spaces", date(2021, 1, 31)) == 4
    assert level("bookable_spaces", date(2021, 1, 31), "LIIKU") == 2
    assert level("bookable_spaces", date(2021, 1, 31), "NUP") == 0


def test_no_personal_data_past_raw(q):
    cols = {c for (c,) in q("SELECT column_name FROM information_schema.columns WHERE table_name = "
                            "'varaamo_reservations' AND table_schema IN ('staging', 'quarantine')")}
    assert not cols & {"reserver_name", "reserver_email_address", "reserver_phone_number", "event_description",
                       "Varaaja", "Sähköposti", "Puhelin", "Kuvaus"}
    text = str(q("SELECT * FROM staging.varaamo_reservations")) + str(q("SELECT * FROM quarantine.varaamo_reservations"))
    assert "@example" not in text and "Aino" not in text and "040 1234567" not in text
    # Raw keeps them as exported.
    assert q("SELECT count(*) FROM raw.varaamo_statistics WHERE \"Sähköposti\" LIKE '%@example%'")[0][0] == 8
