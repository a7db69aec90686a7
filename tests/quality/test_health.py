"""source_health: which sources the scorecard can trust on a day, from the recorded verdicts."""

from datetime import date, datetime

import duckdb
import pytest

from kuva_pipeline.quality.config import FRESHNESS_CHECK
from kuva_pipeline.quality.health import source_health
from kuva_pipeline.quality.results import Evaluation, append

MARCH = (date(2021, 3, 1), date(2021, 3, 31))
# The sources declared in kuva_pipeline/sources/, by the names the catalog binds meters to.
SOURCES = ("checkin", "events", "finance", "hobihobi", "nps", "varaamo")


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


def _verdict(check="feedback_id_unique", passed=False, severity="ERROR", blocking=True,
             source="nps", window=MARCH, asset="staging/nps_responses", **kw) -> Evaluation:
    return Evaluation(asset, check, passed=passed, severity=severity, blocking=blocking,
                      detail="2 of 7 rows break it", source=source,
                      partition_start=window[0] if window else None,
                      partition_end=window[1] if window else None, **kw)


def _record(con, *evaluations, at=datetime(2021, 4, 2, 3, 0), run="run-1"):
    append(con, list(evaluations), run, at)


def _fresh(newest: str | None, limit=35, source="nps") -> Evaluation:
    return _verdict(FRESHNESS_CHECK, passed=True, severity="WARN", blocking=False, source=source,
                    asset="raw/nps_feedback", observed={"newest_period_end": newest,
                                                        "newest_file": "nps/nps_2021-03.csv",
                                                        "max_age_days": limit})


def test_without_any_results_every_source_is_ok(con):
    assert source_health(con, date(2021, 3, 31)) == {s: ("ok", None) for s in SOURCES}


def test_an_unwaived_blocking_failure_fails_its_source_only(con):
    _record(con, _verdict())
    health = source_health(con, date(2021, 3, 31))
    status, reason = health["nps"]
    assert status == "failed"
    assert "staging/nps_responses check feedback_id_unique failed for 2021-03-01..2021-03-31" in reason
    assert "2 of 7 rows break it" in reason and "run run-1" in reason
    assert all(health[s] == ("ok", None) for s in SOURCES if s != "nps")


@pytest.mark.parametrize(
    "verdict",
    [
        _verdict(severity="WARN"),  # a WARN rule, or an escalating one below its limit
        _verdict(blocking=False, severity="WARN"),
        _verdict(waived_by="maija", waiver_reason="known"),
        _verdict(passed=True),
    ],
)
def test_warnings_waivers_and_passes_do_not_fail_a_source(con, verdict):
    _record(con, verdict)
    assert source_health(con, date(2021, 3, 31))["nps"] == ("ok", None)


def test_a_later_pass_of_the_same_months_clears_a_failure(con):
    _record(con, _verdict(), at=datetime(2021, 4, 2))
    _record(con, _verdict(passed=True, severity="ERROR"), at=datetime(2021, 4, 3), run="run-2")
    assert source_health(con, date(2021, 3, 31))["nps"] == ("ok", None)


def test_a_pass_of_other_months_does_not_clear_a_failure(con):
    _record(con, _verdict(), at=datetime(2021, 4, 2))
    _record(con, _verdict(passed=True, window=(date(2021, 4, 1), date(2021, 4, 30))),
            at=datetime(2021, 5, 2), run="run-2")
    assert source_health(con, date(2021, 4, 30))["nps"][0] == "failed"


def test_a_range_run_speaks_for_each_of_its_months(con):
    _record(con, _verdict(window=(date(2021, 1, 1), date(2021, 6, 30))), at=datetime(2021, 7, 1))
    # Rerunning February alone, clean, leaves the other months failed...
    _record(con, _verdict(passed=True, window=(date(2021, 2, 1), date(2021, 2, 28))),
            at=datetime(2021, 7, 2), run="run-2")
    assert source_health(con, date(2021, 2, 28))["nps"][0] == "failed"  # January still failed
    # ...and a clean rerun of the whole range clears them all.
    _record(con, _verdict(passed=True, window=(date(2021, 1, 1), date(2021, 6, 30))),
            at=datetime(2021, 7, 3), run="run-3")
    assert source_health(con, date(2021, 6, 30))["nps"] == ("ok", None)


def test_only_months_of_the_scored_year_up_to_the_day_count(con):
    _record(con, _verdict())  # March 2021 failed
    assert source_health(con, date(2021, 2, 28))["nps"] == ("ok", None)  # before March
    assert source_health(con, date(2022, 12, 31))["nps"] == ("ok", None)  # another year
    assert source_health(con, date(2021, 12, 31))["nps"][0] == "failed"


def test_an_unpartitioned_failure_counts_for_every_day(con):
    _record(con, _verdict("checkin_keys_present", window=None, source="checkin", asset="staging/checkins"))
    assert source_health(con, date(2019, 6, 30))["checkin"][0] == "failed"
    assert source_health(con, date(2023, 6, 30))["checkin"][0] == "failed"


def test_a_source_is_stale_when_its_newest_file_ends_too_long_before_the_day(con):
    _record(con, _fresh("2021-03-31"))
    assert source_health(con, date(2021, 4, 30))["nps"] == ("ok", None)  # 30 days
    status, reason = source_health(con, date(2021, 5, 31))["nps"]  # 61 days
    assert status == "stale"
    assert "covers up to 2021-03-31, 61 days before 2021-05-31; the limit is 35 days" in reason
    # A day the feed covers is fine, however old the feed is today.
    assert source_health(con, date(2021, 3, 15))["nps"] == ("ok", None)


def test_the_latest_freshness_verdict_counts(con):
    _record(con, _fresh("2021-03-31"), at=datetime(2021, 4, 2))
    _record(con, _fresh("2021-05-31"), at=datetime(2021, 6, 2), run="run-2")
    assert source_health(con, date(2021, 6, 30))["nps"] == ("ok", None)


def test_no_landing_file_at_all_is_stale(con):
    _record(con, _fresh(None, source="finance"))
    status, reason = source_health(con, date(2021, 6, 30))["finance"]
    assert status == "stale" and "no landing file has arrived" in reason


def test_a_failure_outranks_staleness(con):
    _record(con, _fresh("2020-12-31"), _verdict())
    assert source_health(con, date(2021, 3, 31))["nps"][0] == "failed"
