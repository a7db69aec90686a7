"""Great Expectations 1.x over pandas frames: one ephemeral context per process.

GX's SQL datasource does not work over duckdb-engine, so a check reads the
rows of its partition range out of DuckDB into pandas and validates the frame
with a pandas datasource. Importing GX costs seconds, so it happens on the
first validation in a process (never when the code location loads) and the
context, datasource and batch definition are built once and reused. A run that
will validate with GX starts a worker process (`start_worker`, `gx_worker.py`):
`kuva refresh` of the whole job as it starts up, any other run as its raw feeds
load. The worker imports GX on the other core, and the validations are sent to it.

Only suites that declare `engine: gx` come here (an aggregate of a feed: the NPS
presses per device and day); the feeds' rules run inside DuckDB
(sql_rules.py). Column types are judged on the table's own schema in
sql_rules.validate_types, because pandas blurs DuckDB's types (a nullable
INTEGER arrives as Int32, a DATE as datetime64).
"""

from __future__ import annotations

import atexit
import math
import pickle
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from kuva_pipeline.quality.suites import Rule

if TYPE_CHECKING:
    import pandas as pd

EXAMPLES = 10
"""Offending rows kept per check: enough to find the problem, small enough for the UI."""

_lock = threading.Lock()
_batch_definition = None
_worker_lock = threading.Lock()
_worker: subprocess.Popen | None = None
_asked: set[subprocess.Popen] = set()
"""Workers sent a request: they may have a validation in hand when asked to stop."""

GX_CHECKS: set[Any] = set()
"""The asset check keys whose suite runs in GX (`engine: gx`), recorded as the checks are built."""


@dataclass
class RuleResult:
    """A rule's outcome over one or more frames (months of a range are merged)."""

    name: str
    success: bool = True
    element_count: int = 0
    failed_rows: int | None = None
    examples: list[dict[str, Any]] = field(default_factory=list)
    observed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    missing_tables: list[str] = field(default_factory=list)
    """Tables the rule reads that do not exist yet: it is not evaluated (WARN, never blocking)."""

    @property
    def unexpected_percent(self) -> float | None:
        if self.failed_rows is None or not self.element_count:
            return None
        return 100.0 * self.failed_rows / self.element_count

    def merge(self, other: RuleResult) -> RuleResult:
        failed = (
            None
            if self.failed_rows is None and other.failed_rows is None
            else (self.failed_rows or 0) + (other.failed_rows or 0)
        )
        return RuleResult(
            name=self.name,
            success=self.success and other.success,
            element_count=self.element_count + other.element_count,
            failed_rows=failed,
            examples=(self.examples + other.examples)[:EXAMPLES],
            observed=_unique(self.observed + other.observed),
            errors=_unique(self.errors + other.errors),
            missing_tables=_unique(self.missing_tables + other.missing_tables),
        )


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def batch_definition():
    """The process's GX batch definition over a whole pandas frame (built on first use)."""
    global _batch_definition
    with _lock:
        if _batch_definition is None:
            import great_expectations as gx
            from great_expectations.data_context.types.base import (
                DataContextConfig,
                InMemoryStoreBackendDefaults,
            )

            # In memory only: no docs site, no usage statistics, no progress bars.
            config = DataContextConfig(
                store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
                analytics_enabled=False,
            )
            context = gx.get_context(mode="ephemeral", project_config=config)
            context.variables.progress_bars = {"globally": False}
            asset = context.data_sources.add_pandas("kuva_frames").add_dataframe_asset("frame")
            _batch_definition = asset.add_batch_definition_whole_dataframe("whole_frame")
        return _batch_definition


def used_by(check_selection: Any) -> bool:
    """Whether a run with this asset check selection (None: every check) validates with GX."""
    return bool(GX_CHECKS) if check_selection is None else bool(GX_CHECKS & set(check_selection))


def start_worker() -> None:
    """Start the GX worker process (`gx_worker.py`) unless one runs or GX is loaded here.

    Importing GX costs some 2.5 s of one core. In a thread of this process it would
    take turns with the run for the interpreter; the worker imports it on the other
    core while the run goes on, and the check step's validations go to it, already
    warm. Its memory (Python, pandas and GX, about 270 MB) is the price.
    """
    global _worker
    with _worker_lock:
        if _worker is not None or _batch_definition is not None:
            return
        _worker = subprocess.Popen(
            [sys.executable, "-m", "kuva_pipeline.quality.gx_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # GX's warnings would land in the middle of `kuva refresh`'s progress display;
            # a worker that fails is replaced by validating here, where errors are reported.
            stderr=subprocess.DEVNULL,
        )


def stop_worker() -> None:
    """End the worker: its input closes, and it exits after any validation in hand.

    A worker never asked anything (a run that failed before its checks) is stopped at
    once rather than waited for while it finishes importing GX."""
    global _worker
    with _worker_lock:
        worker, _worker = _worker, None
    if worker is None:
        return
    try:
        if worker.stdin is not None:
            worker.stdin.close()
        if worker not in _asked:
            worker.kill()
        worker.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        worker.kill()
        worker.wait()


atexit.register(stop_worker)


def _ask_worker(request: tuple) -> dict[str, RuleResult] | None:
    """The worker's results for a request, or None when there is no worker or it failed."""
    global _worker
    with _worker_lock:
        worker = _worker
        if worker is None or worker.stdin is None or worker.stdout is None:
            return None
        _asked.add(worker)
        try:
            pickle.dump(request, worker.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            worker.stdin.flush()
            return pickle.load(worker.stdout)
        except Exception:  # noqa: BLE001 - a broken worker is replaced by validating here
            _worker = None
            worker.kill()
            worker.wait()
            return None


def _expectation_class(name: str):
    import great_expectations.expectations as gxe

    class_name = "".join(part.capitalize() for part in name.split("_"))
    cls = getattr(gxe, class_name, None)
    if cls is None:
        raise ValueError(f"{name} is not a Great Expectations 1.x expectation")
    return cls


def build_expectations(rule: Rule, value_set: list[Any] | None = None) -> list[Any]:
    """The GX expectations of a rule: one per column for `columns: [...]`, else one."""
    cls = _expectation_class(rule.expect)
    kwargs = rule.kwargs
    if value_set is not None:
        kwargs["value_set"] = value_set
    if "row_condition" in kwargs:
        kwargs.setdefault("condition_parser", "pandas")
    meta = {"rule": rule.name}
    columns = rule.target_columns
    if not columns:
        return [cls(**kwargs, meta=meta)]
    return [cls(column=c, **kwargs, meta=meta) for c in columns]


def check_expectations(rules: list[Rule]) -> list[str]:
    """Problems building the rules' expectations (unknown names, wrong arguments)."""
    problems = []
    for rule in rules:
        if rule.expect == "column_types":
            continue
        try:
            needs_set = rule.value_set_sql or rule.value_set_reference
            build_expectations(rule, value_set=["x"] if needs_set else None)
        except Exception as exc:  # noqa: BLE001 - every problem is reported, not the first
            problems.append(f"{rule.name}: {exc}")
    return problems


def plain(value: Any) -> Any:
    """A JSON-friendly copy of a value pandas or numpy handed back.

    A value can be a pandas one only once pandas is imported: the checks that run in
    SQL hand back plain values, and a run of only those (a nightly rescore) never
    imports pandas (0.4 s) for this.
    """
    pd = sys.modules.get("pandas")
    if value is None or (pd is not None and (value is pd.NA or value is pd.NaT)):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if pd is not None and isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):
        try:
            return plain(value.item())
        except (ValueError, TypeError):
            return str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def _exception_messages(info: Any) -> list[str]:
    if not isinstance(info, dict):
        return []
    if info.get("raised_exception") and info.get("exception_message"):
        return [str(info["exception_message"]).strip()]
    found = []
    for value in info.values():
        found.extend(_exception_messages(value))
    return found


def _observation(expectation_type: str, kwargs: dict[str, Any], result: dict[str, Any]) -> str:
    observed = plain(result.get("observed_value"))
    shown = {
        k: v
        for k, v in kwargs.items()
        if k not in {"meta", "id", "notes", "description", "result_format", "batch_id"}
        and v is not None
    }
    args = ", ".join(f"{k}={v}" for k, v in shown.items())
    return f"{expectation_type}({args}): observed {observed}"


ROW_EXPECTATIONS = frozenset({
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_null",
    "expect_column_values_to_be_unique",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_be_between",
    "expect_column_pair_values_to_be_equal",
    "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_compound_columns_to_be_unique",
})
"""Expectations that judge each row on its own: over no rows, GX passes them, with no offence."""


def validate(
    frame: pd.DataFrame,
    rules: list[Rule],
    row_id: list[str],
    value_sets: dict[str, list[Any]] | None = None,
) -> dict[str, RuleResult]:
    """Validate one frame against the rules; offending rows are named by `row_id` columns.

    A frame with no rows judged only by row expectations passes them as GX would, without
    importing GX (some 2.5 s): a nightly run with nothing new has no device-days to judge.
    """
    if frame.empty and all(r.expect in ROW_EXPECTATIONS for r in rules):
        return {r.name: RuleResult(r.name, success=True, element_count=0, failed_rows=0) for r in rules}
    return validate_with_gx(frame, rules, row_id, value_sets)


def validate_with_gx(
    frame: pd.DataFrame,
    rules: list[Rule],
    row_id: list[str],
    value_sets: dict[str, list[Any]] | None = None,
) -> dict[str, RuleResult]:
    """`validate`, always through Great Expectations: in the worker when one runs."""
    answer = _ask_worker((frame, rules, row_id, value_sets))
    if answer is not None:
        return answer
    return validate_in_process(frame, rules, row_id, value_sets)


def validate_in_process(
    frame: pd.DataFrame,
    rules: list[Rule],
    row_id: list[str],
    value_sets: dict[str, list[Any]] | None = None,
) -> dict[str, RuleResult]:
    """`validate_with_gx` with GX imported into this process."""
    import great_expectations as gx

    value_sets = value_sets or {}
    results = {r.name: RuleResult(r.name) for r in rules}
    expectations = []
    for rule in rules:
        try:
            expectations.extend(build_expectations(rule, value_sets.get(rule.name)))
        except Exception as exc:  # noqa: BLE001 - a broken rule fails, it never passes
            results[rule.name].success = False
            results[rule.name].errors.append(f"cannot build the expectation: {exc}")
    if not expectations:
        return results
    index_columns = [c for c in row_id if c in frame.columns]
    result_format: dict[str, Any] = {
        "result_format": "SUMMARY",
        "partial_unexpected_count": EXAMPLES,
    }
    if index_columns:
        result_format["unexpected_index_column_names"] = index_columns
    suite = gx.ExpectationSuite(name="kuva_check", expectations=expectations)
    batch = batch_definition().get_batch(batch_parameters={"dataframe": frame})
    validation = batch.validate(suite, result_format=result_format)
    for res in validation.results:
        config = res.expectation_config
        name = (config.meta or {}).get("rule")
        if name not in results:
            continue
        out = results[name]
        details = res.result or {}
        errors = _exception_messages(res.exception_info)
        if errors:
            out.success = False
            out.errors.extend(errors)
            continue
        if not res.success:
            out.success = False
        if "unexpected_count" in details:
            out.element_count = max(out.element_count, int(details.get("element_count") or 0))
            out.failed_rows = (out.failed_rows or 0) + int(details["unexpected_count"] or 0)
            if not res.success:
                rows = details.get("partial_unexpected_index_list")
                if rows and isinstance(rows[0], dict):
                    examples = [plain(r) for r in rows]
                else:
                    values = details.get("partial_unexpected_list") or []
                    column = config.kwargs.get("column")
                    examples = [{column or "value": plain(v)} for v in values]
                out.examples = (out.examples + examples)[:EXAMPLES]
        else:
            out.element_count = max(out.element_count, len(frame))
            if not res.success:
                out.observed.append(_observation(config.type, dict(config.kwargs), details))
    return results
