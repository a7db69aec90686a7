"""Transient errors are waited out; permanent ones fail at once with the reason."""

from __future__ import annotations

import errno
import subprocess
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from kuva_pipeline import alerts
from kuva_pipeline.definitions import build_definitions
from kuva_pipeline.defs.jobs import UNATTENDED_RETRY_POLICY, refresh_job
from kuva_pipeline.runner import with_siblings
from kuva_pipeline.sources import raw as raw_module
from tests.ops.helpers import PYTHON

SLICE = "+key:meters/nps_measures"
FAST = dg.RetryPolicy(max_retries=3, delay=0.2)
"""The unattended jobs' retry mechanics with the waits shortened, so a test takes seconds."""


def _slice_keys(defs: dg.Definitions) -> list[dg.AssetKey]:
    return sorted(with_siblings(SLICE).resolve(list(defs.assets)), key=str)


def _events(result: dg.ExecuteInProcessResult, kind: str) -> list[dg.DagsterEvent]:
    return [e for e in result.all_events if e.event_type_value == kind]


HOLD_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])           # a read-write connection: DuckDB's write lock
con.execute("CREATE SCHEMA IF NOT EXISTS raw")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def test_held_warehouse_lock_is_waited_out_and_the_run_succeeds(resources, tmp_path):
    defs = build_definitions(resources=resources)
    job = defs.resolve_job_def("landing_refresh")  # the real job, its real retry policy
    warehouse = Path(resources["warehouse"].path)
    warehouse.parent.mkdir(parents=True)
    holder = subprocess.Popen(
        [PYTHON, "-c", HOLD_LOCK, str(warehouse), "3"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        t0 = time.monotonic()
        result = job.execute_in_process(
            partition_key="2021-03-01",
            asset_selection=_slice_keys(defs),
            instance=dg.DagsterInstance.ephemeral(),
            raise_on_error=False,
        )
        waited = time.monotonic() - t0
    finally:
        holder.wait(timeout=30)
    assert result.success
    assert waited >= 2.0, "the first step must have waited for the other process's lock"
    # The warehouse resource absorbed it: no step had to be retried.
    assert _events(result, "STEP_UP_FOR_RETRY") == []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM raw.nps_feedback").fetchone()[0] == 11
    finally:
        con.close()


def test_flaky_read_is_retried_by_the_job_and_the_run_succeeds(resources, monkeypatch):
    calls = {"n": 0}
    real = raw_module.csv_header  # the loader's first read of a CSV landing file

    def flaky(path, *args, **kwargs):
        calls["n"] += 1
        # The first read of the landing file fails once, whichever step reads first.
        if Path(path).name.startswith("nps_20") and not calls.get("failed"):
            calls["failed"] = True
            raise OSError(errno.EIO, "Input/output error", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(raw_module, "csv_header", flaky)
    job_def = refresh_job("fast_retry_refresh", "test", retry_policy=FAST)
    defs = build_definitions(resources=resources, jobs=[job_def])
    result = defs.resolve_job_def("fast_retry_refresh").execute_in_process(
        partition_key="2021-03-01",
        asset_selection=_slice_keys(defs),
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert result.success
    retried = _events(result, "STEP_UP_FOR_RETRY")
    assert [e.step_key for e in retried] == ["raw__nps_feedback"]
    assert calls["n"] >= 2


def test_unattended_jobs_retry_with_exponential_backoff():
    defs = build_definitions()
    for name in ("nightly_refresh", "landing_refresh"):
        policy = defs.resolve_job_def(name).op_retry_policy
        assert policy == UNATTENDED_RETRY_POLICY
    assert UNATTENDED_RETRY_POLICY.max_retries == 3
    assert UNATTENDED_RETRY_POLICY.backoff == dg.Backoff.EXPONENTIAL
    assert UNATTENDED_RETRY_POLICY.delay == 30


# ------------------------------------------------------------------ what counts as permanent


def _wrapped(exc: BaseException) -> BaseException:
    """`exc` re-raised by a loader as something else, keeping the cause."""
    try:
        try:
            raise exc
        except BaseException as inner:
            raise ValueError(f"nps/2021/nps_2021-03.csv: {inner}") from inner
    except ValueError as outer:
        return outer


def _failure_from(exc: BaseException) -> dg.Failure:
    """An asset's own `raise dg.Failure(description=...) from exc`."""
    try:
        try:
            raise exc
        except BaseException as inner:
            raise dg.Failure(description=f"raw.nps_feedback not loaded: {inner}") from inner
    except dg.Failure as failure:
        return failure


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (duckdb.IOException("Could not set lock on file: Conflicting lock is held"), True),
        (OSError(errno.EIO, "Input/output error"), True),
        (OSError(errno.ESTALE, "Stale file handle"), True),
        (TimeoutError("timed out"), True),
        (ConnectionRefusedError(111, "Connection refused"), True),
        (_wrapped(OSError(errno.EIO, "Input/output error")), True),  # a flaky read, re-raised
        (RuntimeError("cannot open the warehouse after 8 attempts"), True),  # unknown: retry
        (FileNotFoundError("reference file nps_surveys.csv is missing"), False),
        (PermissionError(errno.EACCES, "Permission denied"), False),
        (duckdb.ParserException("syntax error at or near SELEC"), False),
        (duckdb.BinderException('Referenced column "no_such" not found'), False),
        (duckdb.CatalogException("Table with name ref_nps_surveys does not exist"), False),
        (duckdb.ConversionException("Could not convert string 'x' to INT32"), False),
        (ValueError("nps_2021-03.csv: line 1: missing column(s) localTime"), False),
        (KeyError("meter_id"), False),
        (dg.Failure("given up", allow_retries=False), False),
        (dg.Failure("try again"), True),
        (_failure_from(ValueError("nps_2021-03.csv: line 4: unterminated quote")), False),
        (_failure_from(OSError(errno.EIO, "Input/output error")), True),
    ],
)
def test_transient_or_permanent(exc, transient):
    assert alerts.is_transient(exc) is transient


# ------------------------------------------------------------------ fail_fast in a job


def _job_with(step_body, name: str) -> dg.JobDefinition:
    @dg.asset(key=["staging", "ref_example"])
    def example() -> None:
        with alerts.fail_fast():
            step_body()

    defs = dg.Definitions(
        assets=[example], jobs=[refresh_job(name, "test", retry_policy=FAST)]
    )
    return defs.resolve_job_def(name)


def test_permanent_error_fails_at_once_with_its_message():
    def missing_reference() -> None:
        raise FileNotFoundError("reference file /srv/kuva/reference/nps_surveys.csv is missing")

    job = _job_with(missing_reference, "permanent_job")
    t0 = time.monotonic()
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert not result.success
    assert time.monotonic() - t0 < 5
    assert _events(result, "STEP_UP_FOR_RETRY") == []
    failure = _events(result, "STEP_FAILURE")[0].step_failure_data
    assert "nps_surveys.csv is missing" in failure.error.message
    assert "FileNotFoundError" in failure.error.message
    assert failure.user_failure_data.metadata["error_kind"].value == "permanent"


def test_an_assets_own_failure_wrapping_a_permanent_error_fails_at_once():
    def bad_file() -> None:
        try:
            raise ValueError("nps/2021/nps_2021-03.csv: line 4: unterminated quote")
        except ValueError as exc:
            raise dg.Failure(
                description=f"raw.nps_feedback not loaded: {exc}", metadata={"file": "nps_2021-03.csv"}
            ) from exc

    result = _job_with(bad_file, "wrapped_permanent_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    assert not result.success
    assert _events(result, "STEP_UP_FOR_RETRY") == []
    failure = _events(result, "STEP_FAILURE")[0].step_failure_data
    assert failure.error.message.strip().endswith("line 4: unterminated quote")
    assert failure.user_failure_data.metadata["file"].value == "nps_2021-03.csv"


def test_outside_a_dagster_step_fail_fast_changes_nothing():
    """The command line and plain callers of the warehouse keep the original exception."""
    with pytest.raises(FileNotFoundError), alerts.fail_fast():
        raise FileNotFoundError("reference file nps_surveys.csv is missing")


def test_transient_error_inside_fail_fast_is_still_retried():
    attempts = {"n": 0}

    def flaky() -> None:
        attempts["n"] += 1
        if attempts["n"] < 3:
            raise OSError(errno.EIO, "Input/output error")

    result = _job_with(flaky, "transient_job").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    assert result.success
    assert len(_events(result, "STEP_UP_FOR_RETRY")) == 2


WIRING = (
    "needs the lead's wiring of alerts.fail_fast into WarehouseResource.connect and the "
    "reference asset (see docs/operations.md, Retries); remove this mark with the wiring"
)


@pytest.mark.parametrize("case", ["missing_reference_file", "malformed_model"])
def test_project_permanent_errors_fail_fast(case, resources, tmp_path):
    from kuva_pipeline.resources import LandingResource
    from tests.conftest import dbt_project_copy

    if case == "missing_reference_file":
        resources = {
            **resources,
            "landing": LandingResource(
                root=resources["landing"].root, reference_root=str(tmp_path / "no_reference")
            ),
        }
        selection = [dg.AssetKey(["staging", "ref_nps_surveys"])]
    else:
        # A typo in a model: dbt fails it, and no retry can mend it.
        resources = {
            **resources,
            "dbt": dbt_project_copy(
                tmp_path, "staging__finance_typed", lambda sql: sql.replace("SELECT", "SELECT no_such_column,", 1)
            ),
        }
        selection = [dg.AssetKey(["raw", "finance"]), dg.AssetKey(["staging", "finance_typed"])]
    job_def = refresh_job("permanent_refresh", "test", retry_policy=FAST)
    defs = build_definitions(resources=resources, jobs=[job_def])
    result = defs.resolve_job_def("permanent_refresh").execute_in_process(
        asset_selection=selection,
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    assert _events(result, "STEP_UP_FOR_RETRY") == [], "a permanent error must not be retried"
