"""Waivers: only an entry with a reason and an author waives, only its check, range and days."""

from datetime import date
from pathlib import Path

import pytest

from kuva_pipeline.quality.config import CHECKS_DIR
from kuva_pipeline.quality.factory import apply_waivers
from kuva_pipeline.quality.results import Evaluation
from kuva_pipeline.quality.waivers import load_waivers, parse_range

VALID = """
waivers:
  - check: button_index_in_range
    asset: raw/nps_feedback
    partitions: 2021-03
    reason: Device 41007 firmware sent 12s; quarantined.
    author: maija.meikalainen@hel.fi
    expires: 2021-12-31
  - check: rows_present
    asset: staging.nps_responses        # a table name works as well as an asset key
    partitions: 2021-06-01..2021-08-31
    reason: Devices were stored for the summer.
    author: Matti Virtanen
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _failed(asset, check, start=date(2021, 3, 1), end=date(2021, 3, 31)) -> Evaluation:
    return Evaluation(asset, check, passed=False, severity="ERROR", blocking=True, detail="x",
                      partition_start=start, partition_end=end)


def test_the_committed_waiver_file_is_valid():
    assert load_waivers(CHECKS_DIR / "waivers.yaml").problems == ()


def test_valid_waivers_apply_to_their_check_range_and_days(tmp_path):
    waivers = load_waivers(_write(tmp_path, VALID))
    assert waivers.problems == ()
    assert len(waivers.waivers) == 2
    today = date(2021, 4, 5)
    march = _failed("raw/nps_feedback", "button_index_in_range")
    april = _failed("raw/nps_feedback", "button_index_in_range", date(2021, 4, 1), date(2021, 4, 30))
    other_check = _failed("raw/nps_feedback", "button_index_is_integer")
    summer = _failed("staging/nps_responses", "rows_present", date(2021, 7, 1), date(2021, 7, 31))
    apply_waivers([march, april, other_check, summer], waivers, today)
    assert (march.waived_by, march.waiver_reason) == (
        "maija.meikalainen@hel.fi", "Device 41007 firmware sent 12s; quarantined."
    )
    assert march.waiver_expires == date(2021, 12, 31) and not march.blocks
    assert april.waived_by is None and april.blocks  # outside the waived month
    assert other_check.waived_by is None
    assert summer.waived_by == "Matti Virtanen"


def test_a_range_run_is_waived_only_when_the_waiver_covers_all_of_it(tmp_path):
    waivers = load_waivers(_write(tmp_path, VALID))
    spring = _failed("raw/nps_feedback", "button_index_in_range", date(2021, 3, 1), date(2021, 4, 30))
    apply_waivers([spring], waivers, date(2021, 5, 1))
    assert spring.waived_by is None


def test_an_expired_waiver_no_longer_applies(tmp_path):
    waivers = load_waivers(_write(tmp_path, VALID))
    march = _failed("raw/nps_feedback", "button_index_in_range")
    apply_waivers([march], waivers, date(2022, 1, 1))
    assert march.waived_by is None and march.blocks


def test_a_passing_check_is_never_marked_waived(tmp_path):
    waivers = load_waivers(_write(tmp_path, VALID))
    ok = Evaluation("raw/nps_feedback", "button_index_in_range", passed=True, severity="WARN",
                    blocking=True, detail="ok", partition_start=date(2021, 3, 1),
                    partition_end=date(2021, 3, 31))
    apply_waivers([ok], waivers, date(2021, 4, 1))
    assert ok.waived_by is None


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ("check: a\n    asset: raw/nps_feedback\n    author: someone", "reason: Field required"),
        ("check: a\n    asset: raw/nps_feedback\n    reason: because", "author: Field required"),
        ("check: a\n    asset: raw/nps_feedback\n    reason: '  '\n    author: x", "reason: Value error"),
        ("check: a\n    asset: raw/nps_feedback\n    reason: r\n    author: ''", "author: Value error"),
        ("check: a\n    asset: raw/nps_feedback\n    reason: r\n    author: x\n    partitions: March",
         "partitions: Value error"),
        ("check: a\n    asset: raw/nps_feedback\n    reason: r\n    author: x\n    partitions: 2021-05..2021-03",
         "ends before it starts"),
        ("check: a\n    asset: nps feedback\n    reason: r\n    author: x", "asset: Value error"),
        ("check: a\n    asset: raw/nps_feedback\n    reason: r\n    author: x\n    expires: soon",
         "expires"),
        ("check: a\n    asset: raw/nps_feedback\n    reason: r\n    author: x\n    approved: yes",
         "approved: Extra inputs are not permitted"),
    ],
)
def test_an_invalid_waiver_is_reported_and_waives_nothing(tmp_path, entry, complaint):
    text = f"waivers:\n  - {entry}\n  - check: b\n    asset: raw/x\n    reason: r\n    author: y\n"
    waivers = load_waivers(_write(tmp_path, text))
    assert len(waivers.problems) == 1
    assert "waivers[0]" in waivers.problems[0] and complaint in waivers.problems[0]
    assert [w.check for w in waivers.waivers] == ["b"]  # the valid entry still applies
    failed = _failed("raw/nps_feedback", "a")
    apply_waivers([failed], waivers, date(2021, 4, 1))
    assert failed.waived_by is None


def test_an_unreadable_file_waives_nothing_and_says_why(tmp_path):
    waivers = load_waivers(_write(tmp_path, "waivers: [unclosed"))
    assert waivers.waivers == () and "not readable YAML" in waivers.problems[0]


def test_partition_ranges():
    assert parse_range("2021-03") == (date(2021, 3, 1), date(2021, 3, 31))
    assert parse_range("2020-02") == (date(2020, 2, 1), date(2020, 2, 29))
    assert parse_range("2021") == (date(2021, 1, 1), date(2021, 12, 31))
    assert parse_range("2021-03-05") == (date(2021, 3, 5), date(2021, 3, 5))
    assert parse_range("2021-03..2021-05-15") == (date(2021, 3, 1), date(2021, 5, 15))
