"""The HTTP client: retries with backoff on 429 (Retry-After), 5xx and timeouts; clear final errors."""

from __future__ import annotations

import httpx
import pytest
from pytest_httpserver import HTTPServer

from kuva_pipeline.fetch.http import ApiClient, FetchError, RateLimiter, redact, retry_after_seconds


def _client(sleeps: list[float], **kw) -> ApiClient:
    kw.setdefault("rate_per_second", 0)  # no rate limit: only retry waits reach `sleeps`
    return ApiClient("events", sleep=sleeps.append, **kw)


def test_429_with_retry_after_then_500_then_success(httpserver):
    url = httpserver.url_for("/event/")
    httpserver.expect_ordered_request("/event/").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request("/event/").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/event/").respond_with_json({"meta": {"count": 0}, "data": []})
    sleeps: list[float] = []
    with _client(sleeps) as client:
        data, _ = client.get_json(url)
    assert data == {"meta": {"count": 0}, "data": []}
    assert client.requests == 3
    # First wait: what Retry-After said. Second: exponential backoff for attempt 2,
    # initial 1 s doubled = 2 s plus up to 1 s of jitter.
    assert sleeps[0] == 7.0
    assert 2.0 <= sleeps[1] <= 3.0


def test_timeout_is_retried():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        calls = []

        def handler(request):
            import time

            from werkzeug import Response

            calls.append(1)
            if len(calls) == 1:
                time.sleep(1.0)  # longer than the client's 0.2 s timeout
            return Response('{"ok": true}', content_type="application/json")

        server.expect_request("/slow").respond_with_handler(handler)
        sleeps: list[float] = []
        with _client(sleeps, timeout=0.2) as client:
            data, _ = client.get_json(server.url_for("/slow"))
        assert data == {"ok": True}
        assert len(calls) == 2 and len(sleeps) == 1
    finally:
        server.clear()
        server.stop()


def test_timeouts_until_the_attempts_run_out(monkeypatch):
    def always_timeout(self, url, params=None):
        raise httpx.ReadTimeout("timed out")

    monkeypatch.setattr(httpx.Client, "get", always_timeout)
    sleeps: list[float] = []
    with _client(sleeps, max_attempts=3) as client, pytest.raises(FetchError) as caught:
        client.get("https://api.example/v1/event/", {"page": "2"})
    assert str(caught.value) == (
        "events: no response from https://api.example/v1/event/?page=2: timed out on each of 3 attempts"
    )
    assert len(sleeps) == 2  # three attempts, two waits


def test_5xx_until_the_attempts_run_out_names_url_and_status(httpserver):
    httpserver.expect_request("/event/").respond_with_data("down", status=503)
    with _client([], max_attempts=2) as client, pytest.raises(FetchError) as caught:
        client.get(httpserver.url_for("/event/"), {"start": "2021-01-01"})
    assert caught.value.status == 503
    assert str(caught.value) == (
        f"events: HTTP 503 from {httpserver.url_for('/event/')}?start=2021-01-01: "
        "still failing after 2 attempts"
    )


def test_401_is_not_retried_and_hides_secrets(httpserver):
    httpserver.expect_request("/x").respond_with_data("", status=401)
    with _client([]) as client, pytest.raises(FetchError) as caught:
        client.get(httpserver.url_for("/x"), {"auth": "s3cret", "day": "1"})
    assert client.requests == 1
    assert "s3cret" not in str(caught.value)
    assert "HTTP 401" in str(caught.value) and "auth=%2A%2A%2A&day=1" in str(caught.value)


def test_rate_limiter_spaces_requests():
    now = [100.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(2.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        limiter.wait()
    assert slept == [0.5, 0.5]  # 2 per second: half a second between requests


def test_retry_after_as_http_date_and_redaction():
    from datetime import UTC, datetime

    now = datetime(2021, 3, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Mon, 01 Mar 2021 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon", now) is None
    assert redact("https://u:p@h.example/a?token=t&x=1") == "https://h.example/a?token=%2A%2A%2A&x=1"
