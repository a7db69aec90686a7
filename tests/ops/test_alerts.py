"""A failed run is told: one JSON line in the alert log, one JSON POST to the webhook when set."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import dagster as dg
import pytest

from kuva_pipeline import alerts
from kuva_pipeline.definitions import build_definitions
from kuva_pipeline.defs.alerts import run_failure_alert
from kuva_pipeline.defs.jobs import refresh_job
from kuva_pipeline.resources import LandingResource


@pytest.fixture
def failing_run(resources, tmp_path, instance):
    """A real refresh run that fails: the reference folder is missing (no step retries here)."""
    broken = {
        **resources,
        "landing": LandingResource(
            root=resources["landing"].root, reference_root=str(tmp_path / "missing_reference")
        ),
    }
    job_def = refresh_job("alert_test_refresh", "test", retry_policy=None)
    defs = build_definitions(resources=broken, jobs=[job_def])
    result = defs.resolve_job_def("alert_test_refresh").execute_in_process(
        partition_key="2021-03-01",
        asset_selection=[dg.AssetKey(["staging", "ref_nps_surveys"])],
        instance=instance,
        raise_on_error=False,
        tags={"kuva/trigger": "schedule"},
    )
    assert not result.success
    return defs, result


def _alert(instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult) -> None:
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_alert",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()
    run_failure_alert(context)


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_failure_posts_to_the_webhook_and_logs_one_line(
    failing_run, instance, webhook, tmp_path, monkeypatch
):
    log = tmp_path / "alerts.jsonl"
    monkeypatch.setenv("KUVA_ALERT_LOG", str(log))
    monkeypatch.setenv("KUVA_ALERT_WEBHOOK", webhook.url)
    _, result = failing_run
    _alert(instance, result)

    assert len(webhook.requests) == 1
    posted = webhook.requests[0]
    assert posted["path"] == "/hooks/kuva"
    assert posted["content_type"].startswith("application/json")
    body = posted["json"]
    assert body["event"] == "run_failure"
    assert body["run_id"] == result.run_id
    assert body["job"] == "alert_test_refresh"
    assert body["partition"] == "2021-03-01"
    assert body["trigger"] == "schedule"
    [step] = body["failed_steps"]
    assert step["step"] == "staging__ref_nps_surveys"
    assert "nps_surveys.csv is missing" in step["error"]
    assert step["error_type"] == "FileNotFoundError"
    assert "failed" in body["error"]
    assert result.run_id[:8] in body["text"] and "nps_surveys.csv is missing" in body["text"]

    [line] = _lines(log)
    assert line["run_id"] == result.run_id
    assert line["failed_steps"] == body["failed_steps"]
    assert line["webhook"] == {"status": "delivered"}


def test_without_a_webhook_only_the_log_line(failing_run, instance, webhook, tmp_path, monkeypatch):
    log = tmp_path / "alerts.jsonl"
    monkeypatch.setenv("KUVA_ALERT_LOG", str(log))
    monkeypatch.delenv("KUVA_ALERT_WEBHOOK", raising=False)
    _, result = failing_run
    _alert(instance, result)
    assert webhook.requests == []
    [line] = _lines(log)
    assert line["run_id"] == result.run_id
    assert line["webhook"] == {"status": "not_configured"}


def test_unreachable_webhook_still_logs_within_a_bounded_time(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / "alerts.jsonl"
    t0 = time.monotonic()
    delivery = alerts.deliver(
        {"event": "run_failure", "run_id": "r1"}, log_path=log,
        webhook_url=f"http://127.0.0.1:{port}/", timeout=2,
    )
    assert time.monotonic() - t0 < 2 * 2 + 2
    assert delivery.webhook_status == "failed"
    [line] = _lines(log)
    assert line["webhook"]["status"] == "failed" and "refused" in line["webhook"]["error"].lower()


def test_the_sensor_alerts_once_per_failed_run(failing_run, instance, webhook, tmp_path, monkeypatch):
    """Evaluated tick by tick as the daemon does: the failure is reported once, not every tick."""
    log = tmp_path / "alerts.jsonl"
    monkeypatch.setenv("KUVA_ALERT_LOG", str(log))
    monkeypatch.setenv("KUVA_ALERT_WEBHOOK", webhook.url)
    defs, first_failure = failing_run

    def tick(cursor):
        context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs)
        return run_failure_alert.evaluate_tick(context).cursor

    cursor = tick(None)  # the first tick starts watching from now
    assert webhook.requests == []
    job = defs.resolve_job_def("alert_test_refresh")
    second = job.execute_in_process(
        partition_key="2021-03-01",
        asset_selection=[dg.AssetKey(["staging", "ref_nps_surveys"])],
        instance=instance,
        raise_on_error=False,
    )
    cursor = tick(cursor)
    cursor = tick(cursor)
    assert [r["json"]["run_id"] for r in webhook.requests] == [second.run_id]
    assert [line["run_id"] for line in _lines(log)] == [second.run_id]
    assert first_failure.run_id != second.run_id


def test_alert_log_defaults_under_dagster_home(monkeypatch, tmp_path):
    monkeypatch.delenv("KUVA_ALERT_LOG", raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    assert alerts.alert_log_path() == tmp_path / "logs" / "kuva_alerts.jsonl"



def test_a_run_dagster_will_retry_is_logged_not_posted(
    failing_run, instance, webhook, tmp_path, monkeypatch
):
    log = tmp_path / "alerts.jsonl"
    monkeypatch.setenv("KUVA_ALERT_LOG", str(log))
    monkeypatch.setenv("KUVA_ALERT_WEBHOOK", webhook.url)
    _, result = failing_run
    # As Dagster tags a failed run whose worker died when run retries will start it again.
    run = result.dagster_run.with_tags({**result.dagster_run.tags, "dagster/will_retry": "true"})
    context = dg.build_run_status_sensor_context(
        sensor_name="run_failure_alert",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=run,
    ).for_run_failure()
    run_failure_alert(context)
    assert webhook.requests == []
    [line] = _lines(log)
    assert line["will_retry"] is True and line["webhook"] == {"status": "not_sent"}
