"""Run alerts: every failed run, and every run that succeeded with warnings.

`run_failure_alert` logs and posts every failed run (see `kuva_pipeline.alerts`);
`run_warning_alert` does the same for a run that succeeded with warnings (WARN
check failures, blocked feeds, nothing new loaded) and tags every successful
run with `kuva/loaded_rows` and `kuva/warnings`.
"""

from __future__ import annotations

import dagster as dg

from kuva_pipeline import alerts, summary


@dg.run_failure_sensor(
    name="run_failure_alert",
    default_status=dg.DefaultSensorStatus.RUNNING,
    # Every run in this instance, including `kuva refresh` runs started outside
    # the code location (from cron, say): the instance serves only this project.
    monitor_all_code_locations=True,
    minimum_interval_seconds=30,
    description="Every failed run: one JSON line in the alert log, and a POST to "
    "KUVA_ALERT_WEBHOOK when it is set.",
)
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    alert = alerts.alert_from_failure(
        context.dagster_run, context.failure_event, context.get_step_failure_events()
    )
    # A run Dagster is about to start again (its worker died) is logged, not
    # posted: the retry's own failure, if it fails too, is what wakes someone.
    delivery = alerts.deliver(alert.as_json(), post=not alert.will_retry)
    message = f"alert for run {alert.run_id[:8]} written to {delivery.log_path}"
    if delivery.webhook_status == "failed":
        context.log.warning(f"{message}; the webhook failed: {delivery.webhook_error}")
    else:
        context.log.info(f"{message}; webhook {delivery.webhook_status}")


@dg.run_status_sensor(
    name="run_warning_alert",
    run_status=dg.DagsterRunStatus.SUCCESS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=True,
    minimum_interval_seconds=30,
    description="Every successful run: tagged with kuva/loaded_rows and kuva/warnings; one with "
    "warnings (WARN check failures, blocked feeds, nothing new loaded) is alerted like a failure.",
)
def run_warning_alert(context: dg.RunStatusSensorContext) -> None:
    run = context.dagster_run
    found = summary.from_run(context.instance, run.run_id)
    context.instance.add_run_tags(run.run_id, found.tags())
    warnings = found.warnings()
    if not warnings:
        return
    delivery = alerts.deliver(alerts.warning_alert(run, found, warnings))
    context.log.info(
        f"warning alert for run {run.run_id[:8]} ({len(warnings)} warnings) written to "
        f"{delivery.log_path}; webhook {delivery.webhook_status}"
    )
