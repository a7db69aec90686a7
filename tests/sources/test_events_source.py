"""Linked Events: each production counts once in its class and Helsinki year.

tests/sources/fixtures/landing/events/ (Linked Events pages; reference/event_classification.yaml
has the real rules with the fixture's own include and exclude ids):

  umb_day        culture umbrella (publisher ahjo:u48040010)          counts: culture 2021
    umb_sub1       sub-event carrying kuva:suurtapahtuma              never on its own
    umb_sub_cancel cancelled sub-event                                the umbrella still counts
    umb_series     a recurring series inside the umbrella
      nested       its sub-event                                      never on its own
  series         sports series 15.12.2021 -> 12.1.2022                counts once: sports 2021
    series_dec, series_jan (in the January file)                      never on their own
  cancelled, postponed (no start), deleted, replaced                  do not count
  replacement    the replacing event (listed twice: pages overlap)    counts: culture 2021; the copy is quarantined
  resched        EventRescheduled, district keyword                   counts: district 2021
  inc_district   no keyword, in include_ids                           counts: district 2021
  exc_culture    suurtapahtuma, in exclude_ids                        no class
  both           district keyword and suurtapahtuma                   district (the first class that matches)
  sports_ext     external publisher, suurtapahtuma + yso:p916          counts: sports 2021
  bad_time       start 2021-12-32                                     quarantine
  dec31_late     2021-12-31T21:59:00Z = 31.12. 23:59 Helsinki         counts: culture 2021
  newyear        2021-12-31T22:30:00Z = 1.1.2022 00:30 Helsinki       counts: culture 2022
"""


def test_counts_add_up_and_reasons_name_the_field(q):
    assert q("SELECT count(*) FROM raw.linked_events") == [(22,)]
    assert q("SELECT count(*) FROM staging.linked_events") == [(20,)]
    assert sorted(q("SELECT _reject_reason FROM quarantine.linked_events")) == [
        ("duplicate: id helsinki:replacement is kept from events/2021/events_2021-12_p002.json:2",),
        ("start_time: not an ISO 8601 instant: 2021-12-32T10:00:00Z",),
    ]


def test_each_production_counts_once_in_its_helsinki_year(q):
    year = dict(
        ((m, y.year), v)
        for m, y, v in q(
            "SELECT measure, period_start, value FROM meters.events_measures "
            "WHERE grain = 'year' AND service_area = 'KUVA'"
        )
    )
    assert year[("large_culture_events", 2021)] == 3  # umb_day, replacement, dec31_late
    assert year[("large_sports_events", 2021)] == 2  # series, sports_ext
    assert year[("district_events", 2021)] == 3  # resched, inc_district, both
    assert year[("large_culture_events", 2022)] == 1  # newyear
    assert year[("large_sports_events", 2022)] == 0  # series_jan is a part of a 2021 series


def test_catalog_service_areas_carry_the_same_counts(q):
    areas = dict(
        ((m, a), v)
        for m, a, v in q(
            "SELECT measure, service_area, value FROM meters.events_measures "
            "WHERE grain = 'year' AND period_start = DATE '2021-01-01'"
        )
    )
    assert areas == {
        ("large_culture_events", "KULP"): 3, ("large_culture_events", "KUVA"): 3,
        ("large_sports_events", "LIIKU"): 2, ("large_sports_events", "KUVA"): 2,
        ("district_events", "KULP"): 3, ("district_events", "KUVA"): 3,
    }


def test_every_event_has_a_written_fate(q):
    fate = {e: (c, r) for e, c, r in q("SELECT replace(event_id, 'helsinki:', ''), event_class, "
                                       "coalesce(not_counted_reason, 'counted') FROM staging.event_classification")}
    assert fate["umb_sub1"] == ("large_culture_event", "sub-event of helsinki:umb_day (counts through it)")
    assert fate["nested"][1] == "sub-event of helsinki:umb_series (counts through it)"
    assert fate["umb_sub_cancel"][1].startswith("sub-event of")
    assert fate["cancelled"][1] == "cancelled"
    assert fate["postponed"][1] == "postponed (no start)"
    assert fate["deleted"][1] == "deleted"
    assert fate["replaced"][1] == "replaced by helsinki:replacement"
    assert fate["replacement"] == ("large_culture_event", "counted")
    assert fate["resched"] == ("district_event", "counted")
    assert fate["inc_district"] == ("district_event", "counted")
    assert fate["exc_culture"] == (None, "no class matches")
    assert fate["both"] == ("district_event", "counted")
    assert fate["dec31_late"] == ("large_culture_event", "counted")
    assert fate["newyear"] == ("large_culture_event", "counted")
    assert q("SELECT start_date, event_year FROM staging.event_classification "
             "WHERE event_id = 'helsinki:newyear'")[0][1] == 2022


def test_keywords_are_the_last_segment_of_their_urls(q):
    assert q("SELECT keywords FROM staging.linked_events WHERE event_id = 'helsinki:sports_ext'") == [
        (["kuva:suurtapahtuma", "yso:p916"],)
    ]
