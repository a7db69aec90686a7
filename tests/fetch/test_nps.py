"""HappyOrNot v2 button feedback into daily NPS landing files; a refused token gives one clear line."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from kuva_pipeline import cli
from kuva_pipeline.fetch import FetchError, FetchSettings, run_fetch
from tests.fetch.fakes import FakeHappyOrNot, press

TOKEN = "hon-test-token-1234"
NOW = datetime(2021, 3, 10, 9, 0, tzinfo=UTC)  # 10.3.2021 11:00 in Helsinki


def _settings(fake: FakeHappyOrNot, token: str = TOKEN) -> FetchSettings:
    return FetchSettings(
        enabled=frozenset({"nps"}),
        happyornot_url=fake.base_url,
        happyornot_token=token,
        rate_per_second={},
    )


def _feedback() -> list[dict]:
    return [
        press("a1", "2021-03-01T10:00:00", 101, 9001, 10),
        press("a2", "2021-03-01T10:05:00", 101, 9001, 9),
        press("a3", "2021-03-01T11:00:00", 102, 9001, 7),
        press("a4", "2021-03-02T12:00:00", 102, 9001, 0, misuse=True),
        press("a5", "2021-03-09T23:59:00", 103, 9001, 3),
    ]


def test_days_land_as_contract_json_with_paging(httpserver, tmp_path):
    fake = FakeHappyOrNot(httpserver, _feedback(), TOKEN)
    summary = run_fetch(
        "nps", _settings(fake), tmp_path, date(2021, 3, 1), date(2021, 3, 31),
        sleep=lambda s: None, now=NOW, limit=2,
    )
    files = sorted(p.name for p in (tmp_path / "nps" / "2021").iterdir())
    # Only days with presses get a file; 10.3. (today in Helsinki) and later are not fetched.
    assert files == ["nps_2021-03-01.json", "nps_2021-03-02.json", "nps_2021-03-09.json"]
    first = json.loads((tmp_path / "nps/2021/nps_2021-03-01.json").read_text())
    # Three presses at a limit of two: two pages, the contract's eight keys in order.
    assert [r["feedbackId"] for r in first] == ["a1", "a2", "a3"]
    assert list(first[0]) == [
        "feedbackId", "localTime", "experiencePointId", "surveyId", "buttonIndex", "misuse", "ui", "smileyType"
    ]
    day1 = [r for r in fake.requests if r["startDate"] == "2021-03-01"]
    assert [r["offset"] for r in day1] == ["0", "2"]
    assert day1[0]["endDate"] == "2021-03-02" and day1[0]["includeMisuse"] == "true"
    misuse = json.loads((tmp_path / "nps/2021/nps_2021-03-02.json").read_text())
    assert misuse[0]["misuse"] is True  # misuse presses are kept and flagged
    assert summary.records == 5 and len(fake.requests) == 10  # nine days, one day with two pages
    manifest = json.loads((tmp_path / "_fetch/nps/manifest_2021-03.json").read_text())
    assert TOKEN not in json.dumps(manifest)
    assert manifest["days"]["2021-03-01"]["records"] == 3


def test_settled_days_are_skipped_and_unchanged_days_keep_their_version(httpserver, tmp_path):
    fake = FakeHappyOrNot(httpserver, _feedback(), TOKEN)
    run = dict(sleep=lambda s: None, now=NOW)
    run_fetch("nps", _settings(fake), tmp_path, date(2021, 3, 1), date(2021, 3, 9), **run)
    path = tmp_path / "nps/2021/nps_2021-03-09.json"
    version = (path.stat().st_size, path.stat().st_mtime_ns)
    fake.requests.clear()
    again = run_fetch("nps", _settings(fake), tmp_path, date(2021, 3, 1), date(2021, 3, 9), **run)
    # On 10.3. the days up to 8.3. are two days old, settled: only 9.3. is asked again.
    assert [r["startDate"] for r in fake.requests] == ["2021-03-09"]
    assert again.written == [] and again.unchanged == ["nps/2021/nps_2021-03-09.json"]
    assert (path.stat().st_size, path.stat().st_mtime_ns) == version


def test_wrong_token_is_a_clear_error(httpserver, tmp_path):
    fake = FakeHappyOrNot(httpserver, _feedback(), TOKEN)
    with pytest.raises(FetchError) as caught:
        run_fetch("nps", _settings(fake, "wrong-token"), tmp_path, date(2021, 3, 1), date(2021, 3, 1),
                  sleep=lambda s: None, now=NOW)
    assert caught.value.status == 401 and len(fake.requests) == 1  # not retried
    assert "wrong-token" not in str(caught.value)
    assert not (tmp_path / "nps").exists()


def test_cli_wrong_token_prints_one_line_and_exits_1(httpserver, tmp_path, monkeypatch, capsys):
    fake = FakeHappyOrNot(httpserver, _feedback(), TOKEN)
    monkeypatch.setenv("KUVA_LANDING_DIR", str(tmp_path))
    monkeypatch.setenv("KUVA_HAPPYORNOT_URL", fake.base_url)
    monkeypatch.setenv("KUVA_HAPPYORNOT_TOKEN", "wrong-token")
    code = cli.main(["fetch", "nps", "--from", "2021-03-01", "--to", "2021-03-01"])
    out = capsys.readouterr()
    text = out.out + out.err
    assert code == 1
    assert "Traceback" not in text and "wrong-token" not in text
    failure = [line for line in text.splitlines() if "Fetch failed" in line]
    assert failure == [
        f"Fetch failed: nps: HTTP 401 from {fake.base_url}results/button-feedbacks.json?"
        "startDate=2021-03-01&endDate=2021-03-02&includeMisuse=true&order=asc&limit=1000&offset=0: "
        "the API refused the credentials (check the token)"
    ]


def test_missing_token_names_the_variable(tmp_path):
    with pytest.raises(FetchError, match="set KUVA_HAPPYORNOT_TOKEN"):
        run_fetch("nps", FetchSettings(enabled=frozenset({"nps"})), Path(tmp_path),
                  date(2021, 3, 1), date(2021, 3, 1))


def test_kill_halfway_then_resume_keeps_the_finished_days(httpserver, tmp_path):
    fake = FakeHappyOrNot(httpserver, _feedback(), TOKEN)

    def kill_at_day_4(done: int, total: int, message: str) -> None:
        if message == "2021-03-04":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_fetch("nps", _settings(fake), tmp_path, date(2021, 3, 1), date(2021, 3, 9),
                  progress=kill_at_day_4, sleep=lambda s: None, now=NOW)
    assert [r["startDate"] for r in fake.requests] == ["2021-03-01", "2021-03-02", "2021-03-03"]
    fake.requests.clear()
    run_fetch("nps", _settings(fake), tmp_path, date(2021, 3, 1), date(2021, 3, 9),
              sleep=lambda s: None, now=NOW)
    # Days 1-3 were finished and are settled by 10.3.: the resume starts at day 4.
    assert [r["startDate"] for r in fake.requests] == [f"2021-03-0{d}" for d in range(4, 10)]
    ids = [r["feedbackId"] for p in sorted((tmp_path / "nps/2021").glob("*.json"))
           for r in json.loads(p.read_text())]
    assert ids == ["a1", "a2", "a3", "a4", "a5"]  # every press once: no duplicate, no gap
