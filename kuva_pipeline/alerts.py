"""Run failures: whether retrying can help, and telling someone when a run fails.

A step error is *transient* when waiting can cure it (a held DuckDB lock, an
I/O hiccup on the landing share, a dropped database connection) and
*permanent* when only a person can (a malformed model or landing file, a
missing reference file, an invalid catalog, a bug). The unattended jobs retry
steps with backoff; `fail_fast` turns a permanent error into a
`dg.Failure(allow_retries=False)`, which Dagster fails at once, without
waiting out the backoff.

An alert is one JSON object: appended as one line to the alert log
(`KUVA_ALERT_LOG`, default `$DAGSTER_HOME/logs/kuva_alerts.jsonl`) and, when
`KUVA_ALERT_WEBHOOK` is set, POSTed there (with a `text` field, so Slack,
Mattermost and Teams incoming webhooks show it as is).
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from kuva_pipeline import settings

ALERT_LOG_ENV = "KUVA_ALERT_LOG"
ALERT_WEBHOOK_ENV = "KUVA_ALERT_WEBHOOK"
UI_URL_ENV = "KUVA_DAGSTER_URL"
WEBHOOK_TIMEOUT_SECONDS = 10.0
WEBHOOK_ATTEMPTS = 2
"""One retry after a short pause: a webhook that is down for longer is noted in the log line."""

# ------------------------------------------------------------------ transient or permanent

# Exceptions that waiting cannot cure, unless a transient error caused them.
_PERMANENT: tuple[type[BaseException], ...] = (
    ValueError,  # ModelError, LandingFileError, CatalogError, pydantic errors, UnicodeError
    LookupError,
    TypeError,
    AttributeError,
    NameError,
    NotImplementedError,
    AssertionError,
    FileNotFoundError,
    PermissionError,
    IsADirectoryError,
    NotADirectoryError,
    duckdb.ProgrammingError,  # parser, binder, catalog (missing table or column), invalid input
    duckdb.DataError,  # conversion, out of range, type mismatch
    duckdb.IntegrityError,
    duckdb.NotSupportedError,
)
_PERMANENT_OS_ERRORS = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        if current.__cause__ is not None:
            current = current.__cause__
        else:  # implicit chaining, unless the raiser said `from None`
            current = None if current.__suppress_context__ else current.__context__


def _is_transient_link(exc: BaseException) -> bool:
    if isinstance(exc, duckdb.OperationalError):  # I/O, lock, transaction conflict, connection
        return True
    if isinstance(exc, OSError) and not isinstance(exc, _PERMANENT_OS_ERRORS):
        return True  # EIO, ESTALE, timeouts, refused connections
    # Database drivers' connection errors, named rather than imported (optional dependencies).
    return type(exc).__name__ == "OperationalError" and type(exc).__module__.startswith(
        ("sqlalchemy", "psycopg2", "psycopg")
    )


def is_transient(exc: BaseException) -> bool:
    """Whether retrying after a pause can cure `exc`.

    Any transient error in the cause chain makes it transient (a flaky read
    that a loader re-raised as a `LandingFileError` is still a flaky read);
    otherwise known permanent types are permanent, and anything unknown gets
    the benefit of the doubt and is retried.
    """
    if isinstance(exc, dg.Failure):
        # An explicit choice stands; otherwise a Failure wrapping an error is that error.
        if exc.allow_retries is False:
            return False
        return exc.__cause__ is None or is_transient(exc.__cause__)
    if any(_is_transient_link(link) for link in _chain(exc)):
        return True
    return not isinstance(exc, _PERMANENT)


def permanent_failure(exc: BaseException) -> dg.Failure:
    """A `dg.Failure` that Dagster does not retry, carrying the original message."""
    return dg.Failure(
        description=f"{type(exc).__name__}: {exc}",
        metadata={"error_kind": "permanent", "error_type": type(exc).__name__},
        allow_retries=False,
    )


def _in_dagster_step() -> bool:
    try:
        dg.OpExecutionContext.get()
    except dg.DagsterInvariantViolationError:
        return False
    return True


@contextmanager
def fail_fast() -> Iterator[None]:
    """Inside a Dagster step, re-raise a permanent error as a non-retryable `dg.Failure`.

    Transient errors pass unchanged (the job's retry policy takes them). A
    `dg.Failure` raised inside keeps its description and metadata; it only
    loses its retries when it wraps a permanent error (`raise dg.Failure(...)
    from exc`), so an asset can word the message and still fail fast. Outside
    a step (the command line, plain tests) every exception passes unchanged,
    so callers of `WarehouseResource.connect` still see a `LandingFileError`.
    """
    try:
        yield
    except dg.Failure as failure:
        if is_transient(failure) or not _in_dagster_step():
            raise
        if failure.allow_retries is False:
            raise
        raise dg.Failure(
            description=failure.description,
            metadata={**failure.metadata, "error_kind": "permanent"},
            allow_retries=False,
        ) from failure.__cause__
    except Exception as exc:
        if is_transient(exc) or not _in_dagster_step():
            raise
        raise permanent_failure(exc) from exc


# ------------------------------------------------------------------ the alert


def alert_log_path() -> Path:
    """Where alert lines go: KUVA_ALERT_LOG, else `<DAGSTER_HOME>/logs/kuva_alerts.jsonl`."""
    configured = os.environ.get(ALERT_LOG_ENV)
    if configured:
        return settings.resolve(configured)
    home = os.environ.get("DAGSTER_HOME") or str(settings.PROJECT_ROOT / "dagster_home")
    return Path(home) / "logs" / "kuva_alerts.jsonl"


@dataclass
class FailedStep:
    step: str
    error: str
    error_type: str | None = None
    error_kind: str | None = None  # "permanent" when it failed without retries


@dataclass
class RunFailureAlert:
    """What went wrong in one run, in the shape of the JSON that is logged and posted."""

    run_id: str
    job: str
    error: str
    failed_steps: list[FailedStep] = field(default_factory=list)
    partition: str | None = None
    trigger: str | None = None
    will_retry: bool = False
    tags: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        steps = ", ".join(s.step for s in self.failed_steps) or "no step (the run itself failed)"
        first = self.failed_steps[0].error if self.failed_steps else self.error
        text = (
            f"KUVA pipeline: run {self.run_id[:8]} of {self.job}"
            f"{f' ({self.partition})' if self.partition else ''} failed in {steps}: "
            f"{_one_line(first, 300)}"
            f"{' (Dagster will retry the run)' if self.will_retry else ''}"
        )
        payload: dict[str, Any] = {
            "event": "run_failure",
            "time": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "run_id": self.run_id,
            "job": self.job,
            "partition": self.partition,
            "trigger": self.trigger,
            "failed_steps": [
                {
                    "step": s.step,
                    "error": s.error,
                    "error_type": s.error_type,
                    "error_kind": s.error_kind,
                }
                for s in self.failed_steps
            ],
            "error": self.error,
            "will_retry": self.will_retry,
            "tags": self.tags,
            "text": text,
        }
        base = os.environ.get(UI_URL_ENV)
        if base:
            payload["run_url"] = f"{base.rstrip('/')}/runs/{self.run_id}"
        return payload


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _error_text(error: Any) -> tuple[str, str | None]:
    """The user's message and exception class from a Dagster error, beneath Dagster's wrapper."""
    if error is None:
        return "", None
    innermost = error
    # "Error occurred while executing op ..." wraps the user's exception as its cause.
    while getattr(innermost, "cause", None) is not None and innermost.cls_name in (
        "DagsterExecutionStepExecutionError",
        "DagsterUserCodeExecutionError",
        "RetryRequestedFromPolicy",
    ):
        innermost = innermost.cause
    message, cls_name = innermost.message.strip(), innermost.cls_name
    if cls_name == "Failure":
        # The asset's own wording: drop Dagster's class path, keep the type of the cause.
        message = re.sub(r"^[\w.]*Failure: ", "", message)
        if getattr(innermost, "cause", None) is not None:
            cls_name = innermost.cause.cls_name
    return message, cls_name


def alert_from_failure(
    dagster_run: dg.DagsterRun,
    failure_event: dg.DagsterEvent | None,
    step_failure_events: Sequence[dg.DagsterEvent],
) -> RunFailureAlert:
    steps = []
    for event in step_failure_events:
        data = event.step_failure_data
        message, cls_name = _error_text(data.error if data else None)
        meta = data.user_failure_data.metadata if data and data.user_failure_data else {}
        if "error_type" in meta:  # a permanent error raised through fail_fast: the original type
            cls_name = str(meta["error_type"].value)
        kind = str(meta["error_kind"].value) if "error_kind" in meta else None
        steps.append(
            FailedStep(event.step_key or "?", message or event.message or "", cls_name, kind)
        )
    tags = dict(dagster_run.tags)
    start, end = (
        tags.get("dagster/asset_partition_range_start"),
        tags.get("dagster/asset_partition_range_end"),
    )
    partition = tags.get("dagster/partition") or (f"{start}..{end}" if start and end else None)
    return RunFailureAlert(
        run_id=dagster_run.run_id,
        job=dagster_run.job_name,
        error=(failure_event.message if failure_event is not None else None) or "run failed",
        failed_steps=steps,
        partition=partition,
        trigger=tags.get("kuva/trigger"),
        will_retry=tags.get("dagster/will_retry") == "true",
        tags={k: v for k, v in tags.items() if k.startswith("kuva/")},
    )


def warning_alert(dagster_run: dg.DagsterRun, found: Any, warnings: Sequence[str]) -> dict[str, Any]:
    """The alert for a run that succeeded with warnings (`found`: a `summary.RunSummary`)."""
    tags = dict(dagster_run.tags)
    first = "; ".join(warnings[:3]) + (f"; and {len(warnings) - 3} more" if len(warnings) > 3 else "")
    payload: dict[str, Any] = {
        "event": "run_warnings",
        "time": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "run_id": dagster_run.run_id,
        "job": dagster_run.job_name,
        "trigger": tags.get("kuva/trigger"),
        "warnings": list(warnings),
        "loaded_rows": found.loaded_rows,
        "checks": [
            {"asset": c.asset, "check": c.check, "severity": c.severity, "detail": c.detail}
            for c in found.check_failures
            if not c.waived_by
        ],
        "tags": {k: v for k, v in tags.items() if k.startswith("kuva/")},
        "text": f"KUVA pipeline: run {dagster_run.run_id[:8]} of {dagster_run.job_name} "
        f"succeeded with {len(warnings)} warning(s): {_one_line(first, 300)}",
    }
    base = os.environ.get(UI_URL_ENV)
    if base:
        payload["run_url"] = f"{base.rstrip('/')}/runs/{dagster_run.run_id}"
    return payload


def preflight_alert(job: str, partition: str | None, problems: Sequence[str]) -> dict[str, Any]:
    """The alert for a scheduled run that its preflight stopped before any work."""
    return {
        "event": "preflight_failed",
        "time": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "job": job,
        "partition": partition,
        "problems": list(problems),
        "text": f"KUVA pipeline: {job} ({partition}) not started, preflight failed: "
        f"{_one_line('; '.join(problems), 300)}",
    }


@dataclass
class Delivery:
    log_path: Path
    webhook_status: str  # "not_configured", "not_sent", "delivered", "failed"
    webhook_error: str | None = None


def _post_json(url: str, payload: Mapping[str, Any], timeout: float) -> int:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "kuva-pipeline"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status


def deliver(
    payload: Mapping[str, Any],
    log_path: Path | None = None,
    webhook_url: str | None = None,
    timeout: float = WEBHOOK_TIMEOUT_SECONDS,
    post: bool = True,
) -> Delivery:
    """POST the alert to the webhook (when one is configured), then log it as one JSON line.

    A webhook that cannot be reached never loses the alert: the log line
    records the delivery error. Bounded: at most WEBHOOK_ATTEMPTS tries of
    `timeout` seconds each. With `post=False` the alert is only logged.
    """
    path = log_path or alert_log_path()
    url = webhook_url if webhook_url is not None else os.environ.get(ALERT_WEBHOOK_ENV) or None
    status, error = "not_configured", None
    if url and not post:
        status = "not_sent"
    elif url:
        for attempt in range(1, WEBHOOK_ATTEMPTS + 1):
            try:
                code = _post_json(url, payload, timeout)
                status, error = "delivered", None
                if code >= 300:  # urlopen raises for 4xx/5xx; a 3xx is not a delivery
                    status, error = "failed", f"HTTP {code}"
                break
            except (urllib.error.URLError, OSError, ValueError) as exc:
                status, error = "failed", f"{type(exc).__name__}: {exc}"
                if attempt < WEBHOOK_ATTEMPTS:
                    time.sleep(1.0)
    line = {**payload, "webhook": {"status": status, **({"error": error} if error else {})}}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
    return Delivery(path, status, error)
