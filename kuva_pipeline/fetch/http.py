"""One HTTP client per source: bounded retries with backoff, `Retry-After`, a rate limit, clear errors.

Retries (tenacity) cover what waiting can cure: 429 (waiting what its
`Retry-After` says), 5xx and timeouts or dropped connections. Anything else
(401, 403, 404, a page that is not the API's shape) fails at once with a
`FetchError` naming the source, the URL without secrets and the HTTP status.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

SECRET_PARAMS = {"auth", "token", "api_key", "apikey", "key", "access_token"}


class FetchError(RuntimeError):
    """A fetch that failed for good; `str()` is the one line to show (no secrets in it)."""

    def __init__(self, source: str, url: str, status: int | None, reason: str) -> None:
        self.source = source
        self.url = redact(url)
        self.status = status
        self.reason = reason
        status_text = f"HTTP {status}" if status else "no response"
        super().__init__(f"{source}: {status_text} from {self.url}: {reason}")


class _Retryable(Exception):
    """A response worth another attempt (429 or 5xx)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


def redact(url: str) -> str:
    """The URL with credentials and secret-looking query parameters blanked."""
    parts = urlsplit(str(url))
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = urlencode(
        [(k, "***" if k.lower() in SECRET_PARAMS else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RateLimiter:
    """At most `per_second` requests per second: each request waits for its slot."""

    def __init__(self, per_second: float, clock=time.monotonic, sleep=time.sleep) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self._next = 0.0

    def wait(self) -> None:
        now = self.clock()
        if now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + self.interval


class ApiClient:
    """GET with retries for one source; use as a context manager so the connection pool closes."""

    def __init__(
        self,
        source: str,
        headers: Mapping[str, str] | None = None,
        rate_per_second: float = 4.0,
        timeout: float = 30.0,
        max_attempts: int = 5,
        max_wait: float = 120.0,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        self.sleep = sleep
        self.limiter = RateLimiter(rate_per_second, sleep=sleep)
        self._backoff = wait_exponential_jitter(initial=backoff, max=max_wait, jitter=backoff)
        self._http = httpx.Client(
            headers={"Accept": "application/json", **(headers or {})},
            timeout=timeout,
            follow_redirects=True,
        )
        self.requests = 0

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc) -> None:
        self._http.close()

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.response.status_code == 429:
            after = retry_after_seconds(exc.response.headers.get("Retry-After"))
            if after is not None:
                return min(after, self.max_wait)
        return self._backoff(state)

    def _attempt(self, url: str, params: Mapping[str, str] | None) -> httpx.Response:
        self.limiter.wait()
        self.requests += 1
        response = self._http.get(url, params=params)
        if response.status_code == 429 or response.status_code >= 500:
            raise _Retryable(response)
        return response

    def get(self, url: str, params: Mapping[str, str] | None = None) -> httpx.Response:
        """The response of a GET (2xx), after retries; a `FetchError` otherwise."""
        shown = url if not params else f"{url}?{urlencode(params)}"
        retrying = Retrying(
            retry=retry_if_exception(
                lambda e: isinstance(e, _Retryable | httpx.TimeoutException | httpx.TransportError)
            ),
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            sleep=self.sleep,
            reraise=True,
        )
        try:
            response = retrying(self._attempt, url, params)
        except _Retryable as exc:
            raise FetchError(
                self.source,
                str(exc.response.request.url),
                exc.response.status_code,
                f"still failing after {self.max_attempts} attempts",
            ) from None
        except httpx.TimeoutException:
            raise FetchError(
                self.source, shown, None, f"timed out on each of {self.max_attempts} attempts"
            ) from None
        except httpx.TransportError as exc:
            raise FetchError(
                self.source, shown, None, f"{type(exc).__name__} on each of {self.max_attempts} attempts"
            ) from None
        if response.status_code in (401, 403):
            raise FetchError(
                self.source,
                str(response.request.url),
                response.status_code,
                "the API refused the credentials (check the token)",
            )
        if not response.is_success:
            raise FetchError(
                self.source, str(response.request.url), response.status_code, response.reason_phrase
            )
        return response

    def get_json(self, url: str, params: Mapping[str, str] | None = None):
        """The parsed JSON body of a GET, with the raw bytes: (data, content)."""
        response = self.get(url, params)
        try:
            return response.json(), response.content
        except ValueError as exc:
            raise FetchError(
                self.source, str(response.request.url), response.status_code, f"not JSON: {exc}"
            ) from None
