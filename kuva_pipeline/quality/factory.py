"""Turn the contracts in `checks/` into Dagster asset checks, one check per rule.

All checks on the assets of one Dagster step (a raw table; a staging table and
its quarantine; the catalog dimensions) run in one check step: the rows are
read once, validated once, and every rule reports as its own asset check, so
the UI lists each rule with its own history. A rule with severity ERROR (or a
WARN rule that can escalate) is a blocking check: when it fails, the assets
downstream of its table do not run. Each evaluation is appended to
`quality.check_results`.

Contracts for tables that have no asset yet (a source another change is still
adding) are skipped with a log line, so a suite can land before its table.
"""


import csv
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg

from kuva_pipeline.metadata import pandas_column
from kuva_pipeline.quality import gx_runner, pipeline, sql_rules
from kuva_pipeline.quality.config import (
    CHECKS_DIR,
    FRESHNESS_CHECK,
    SCHEMA_CHECK,
    reference_today,
)
from kuva_pipeline.quality.gx_runner import EXAMPLES, RuleResult
from kuva_pipeline.quality.results import Evaluation, append
from kuva_pipeline.quality.suites import (
    Rule,
    SqlCheck,
    Suite,
    load_sql_checks,
    load_suites,
    read_yaml,
)
from kuva_pipeline.quality.waivers import WAIVERS_FILE, WaiverFile, load_waivers
from kuva_pipeline.resources import WRITER_POOL, LandingResource, WarehouseResource
from kuva_pipeline.sources.declaration import source_named
from kuva_pipeline.sources.raw import RawSource

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("kuva_pipeline.quality")

CHUNK_ROWS = 500_000
"""Above this many rows in a range, a GX suite validates one month at a time (bounded memory)."""

DEFAULT_ROW_ID = ("_source_file", "_record_index")


def asset_label(key: dg.AssetKey) -> str:
    return key.to_user_string()


def _table(key: dg.AssetKey) -> str:
    return ".".join(key.path)


@dataclass(frozen=True)
class CheckItem:
    """One asset check: what it checks, how severe it is, and what evaluates it."""

    asset: dg.AssetKey
    name: str
    kind: str  # rule | sql | schema | freshness
    severity: str
    blocking: bool
    description: str
    metadata: dict[str, Any]
    additional_deps: tuple[dg.AssetKey, ...] = ()
    suite: Suite | None = None
    rule: Rule | None = None
    sql: SqlCheck | None = None
    raw_source: RawSource | None = None
    error_above_pct: float | None = None

    @property
    def check_key(self) -> dg.AssetCheckKey:
        return dg.AssetCheckKey(self.asset, self.name)

    def spec(self) -> dg.AssetCheckSpec:
        # Not a partitioned check (a preview in Dagster 1.13): in a run over a range of
        # months, the UI showed such checks as skipped, or "0 of 13 passed", though they
        # passed. A check evaluates the run's days (from the run's partition tags) and
        # reports once; the range it judged is in its metadata (docs/quality.md).
        return dg.AssetCheckSpec(
            self.name,
            asset=self.asset,
            description=self.description,
            blocking=self.blocking,
            additional_deps=list(self.additional_deps),
            metadata=self.metadata,
        )


@dataclass
class StepPlan:
    """Checks evaluated together in one Dagster step (`<node>_checks`)."""

    node: str
    items: list[CheckItem] = field(default_factory=list)


@dataclass(frozen=True)
class AssetIndex:
    """What the project defines: which step writes each asset, partitioning and lineage."""

    node_of: dict[dg.AssetKey, str]
    partitions_of: dict[str, Any]
    upstream: dict[dg.AssetKey, set[dg.AssetKey]]
    raw_sources: dict[dg.AssetKey, RawSource]

    @classmethod
    def build(cls, assets: Iterable[dg.AssetsDefinition], raw_sources: Iterable[RawSource]) -> "AssetIndex":
        node_of: dict[dg.AssetKey, str] = {}
        partitions_of: dict[str, Any] = {}
        upstream: dict[dg.AssetKey, set[dg.AssetKey]] = {}
        for a in assets:
            if not isinstance(a, dg.AssetsDefinition) or not a.keys:
                continue
            node = a.node_def.name
            partitions_of[node] = a.partitions_def
            for key in a.keys:
                node_of[key] = node
                upstream[key] = set(a.asset_deps.get(key, set()))
        raws = {dg.AssetKey(["raw", s.table]): s for s in raw_sources}
        return cls(node_of, partitions_of, upstream, raws)

    def node_depths(self) -> dict[str, int]:
        """Each step's longest distance from a step that reads nothing the project makes."""
        parents: dict[str, set[str]] = defaultdict(set)
        for key, node in self.node_of.items():
            parents[node] |= {
                self.node_of[u] for u in self.upstream.get(key, ()) if u in self.node_of
            } - {node}
        depth: dict[str, int] = {}

        def visit(node: str) -> int:
            if node not in depth:
                depth[node] = 0  # a cycle cannot occur in a valid asset graph
                depth[node] = 1 + max((visit(p) for p in parents[node]), default=-1)
            return depth[node]

        for node in set(self.node_of.values()):
            visit(node)
        return depth

    def exists(self, table: str) -> bool:
        return dg.AssetKey(table.split(".")) in self.node_of

    def sources_of(self, key: dg.AssetKey) -> set[str]:
        """Raw sources upstream of `key` (itself included)."""
        seen: set[dg.AssetKey] = set()
        stack = [key]
        found: set[str] = set()
        while stack:
            k = stack.pop()
            if k in seen:
                continue
            seen.add(k)
            if k in self.raw_sources:
                found.add(self.raw_sources[k].name)
            stack.extend(self.upstream.get(k, ()))
        return found

    def source_of(self, key: dg.AssetKey, declared: str | None = None) -> str | None:
        if declared:
            return declared
        sources = self.sources_of(key)
        return next(iter(sources)) if len(sources) == 1 else None


def _describe(why: str, severity: str, error_above_pct: float | None = None) -> str:
    why = " ".join(why.split())
    if error_above_pct is not None:
        return f"{why} [WARN; blocks when more than {error_above_pct:g} % of rows fail]"
    return f"{why} [{severity}{', blocking' if severity == 'ERROR' else ''}]"


def _rule_item(suite: Suite, rule: Rule, key: dg.AssetKey, deps: tuple[dg.AssetKey, ...]) -> CheckItem:
    shown = {k: v for k, v in rule.kwargs.items()}
    if rule.target_columns:
        shown["columns"] = rule.columns if isinstance(rule.columns, dict) else rule.target_columns
    for extra in ("value_set_sql", "value_set_reference"):
        if getattr(rule, extra):
            shown[extra] = getattr(rule, extra)
    return CheckItem(
        asset=key,
        name=rule.name,
        kind="rule",
        severity=rule.severity,
        blocking=rule.blocking,
        description=_describe(rule.why, rule.severity, rule.error_above_pct),
        metadata={
            "severity": rule.severity,
            "why": " ".join(rule.why.split()),
            "expectation": rule.expect,
            "arguments": dg.MetadataValue.json(shown),
            "suite": str(suite.path.relative_to(suite.path.parents[2])),
            **({"error_above_pct": rule.error_above_pct} if rule.error_above_pct is not None else {}),
        },
        additional_deps=deps,
        suite=suite,
        rule=rule,
        error_above_pct=rule.error_above_pct,
    )


def plan_checks(
    index: AssetIndex,
    checks_dir: Path = CHECKS_DIR,
) -> tuple[list[StepPlan], list[str]]:
    """Every check the contracts ask for on assets that exist, and what was skipped and why."""
    skipped: list[str] = []
    items: list[CheckItem] = []
    suites = load_suites(checks_dir)
    suite_tables = {s.qualified for s in suites}
    for suite in suites:
        key = dg.AssetKey(list(suite.asset_path))
        if key not in index.node_of:
            skipped.append(f"suite {suite.path.name}: no asset {asset_label(key)} yet")
            continue
        missing = sorted(t for t in suite.referenced_tables() if not index.exists(t))
        if missing:
            skipped.append(f"suite {suite.path.name}: reads {', '.join(missing)}, which has no asset yet")
            continue
        deps = tuple(dg.AssetKey(t.split(".")) for t in sorted(suite.referenced_tables()))
        items.extend(_rule_item(suite, rule, key, deps) for rule in suite.rules)
    for key, source in sorted(index.raw_sources.items(), key=lambda kv: kv[0].to_user_string()):
        if key not in index.node_of:
            continue
        if _table(key) not in suite_tables:
            skipped.append(f"raw table {_table(key)} has no suite in checks/raw/ (schema and freshness only)")
        items.append(
            CheckItem(
                asset=key,
                name=SCHEMA_CHECK,
                kind="schema",
                severity="ERROR",
                blocking=True,
                description=_describe(
                    "The raw table has exactly the columns and types its source definition "
                    "declares; staging reads them by name.",
                    "ERROR",
                ),
                metadata={"severity": "ERROR", "expected_columns": dg.MetadataValue.json(
                    pipeline.expected_raw_types(source))},
                raw_source=source,
            )
        )
        items.append(
            CheckItem(
                asset=key,
                name=FRESHNESS_CHECK,
                kind="freshness",
                severity="WARN",
                blocking=False,
                description=_describe(
                    "The newest landing file of the source covers a period ending within the "
                    "freshness limit of the source's declaration; a stale source scores its meters "
                    "no_data instead of stopping the run.",
                    "WARN",
                ),
                metadata={"severity": "WARN", "max_age_days": source_named(source.name).freshness_days},
                raw_source=source,
            )
        )
    for check in load_sql_checks(checks_dir):
        key = dg.AssetKey(list(check.asset_path))
        missing = sorted(
            t for t in {check.asset, *check.referenced_tables} if not index.exists(t)
        )
        if missing:
            skipped.append(f"SQL check {check.path.name}: no asset for {', '.join(missing)} yet")
            continue
        deps = tuple(dg.AssetKey(t.split(".")) for t in sorted(check.referenced_tables))
        items.append(
            CheckItem(
                asset=key,
                name=check.name,
                kind="sql",
                severity=check.severity,
                blocking=check.blocking,
                description=_describe(check.description, check.severity),
                metadata={
                    "severity": check.severity,
                    "why": " ".join(check.why.split()),
                    "sql": dg.MetadataValue.md(f"```sql\n{check.sql}\n```"),
                    "file": f"checks/sql/{check.path.name}",
                },
                additional_deps=deps,
                sql=check,
            )
        )
    names: set[dg.AssetCheckKey] = set()
    for item in items:
        if item.check_key in names:
            raise ValueError(
                f"two checks named {item.name} on {asset_label(item.asset)}: rename one "
                "(check names are unique per asset)"
            )
        names.add(item.check_key)
    return group_into_steps(items, index), skipped


def group_into_steps(items: list[CheckItem], index: AssetIndex) -> list[StepPlan]:
    """One check step for all checks whose inputs sit at the same depth of the asset graph.

    Assets at the same depth have no path between them, so a blocking check in the
    step never holds back an asset that another check in the same step reads: the
    raw feeds, the reference tables and the catalog are checked in one step, not
    twelve.
    """
    depth = index.node_depths()
    groups: dict[int, list[CheckItem]] = defaultdict(list)
    for item in items:
        node = index.node_of[item.asset]
        inputs = [node, *(index.node_of[d] for d in item.additional_deps if d in index.node_of)]
        groups[max(depth[n] for n in inputs)].append(item)
    plans: list[StepPlan] = []
    for level, group in sorted(groups.items()):
        nodes = sorted({index.node_of[i.asset] for i in group})
        layers = {i.asset.path[0] for i in group}
        if len(nodes) == 1:
            name = nodes[0]
        else:
            name = layers.pop() if len(layers) == 1 else "inputs"
            if any(p.node == name for p in plans):
                name = f"{name}_{level}"
        plans.append(StepPlan(name, group))
    return plans


# --- evaluation ---------------------------------------------------------------------------------


def _run_window(context: dg.AssetCheckExecutionContext) -> tuple[date, date] | None:
    """The feed days a run refreshes, from its partition tags (a month, or a range of months)."""
    tags = context.run.tags
    first = tags.get("dagster/asset_partition_range_start") or tags.get("dagster/partition")
    last = tags.get("dagster/asset_partition_range_end") or tags.get("dagster/partition")
    if not first or not last:
        return None
    try:
        start, end_month = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        return None
    return start, (end_month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _over_feed(item: CheckItem, index: AssetIndex) -> bool:
    """The item's table holds days of the feeds: a partitioned table, or a view over a
    partitioned model (staging.nps_responses over its typed model). A run changes only its
    own days, and its checks judge those."""
    if index.partitions_of.get(index.node_of.get(item.asset)) is not None:
        return True
    return any(
        index.partitions_of.get(index.node_of.get(parent)) is not None
        for parent in index.upstream.get(item.asset, ())
        if parent.path[0] != "raw"
    )


def _months(start: date, end: date) -> list[tuple[date, date]]:
    out = []
    first = start.replace(day=1)
    while first <= end:
        nxt = (first + timedelta(days=32)).replace(day=1)
        out.append((max(first, start), min(nxt - timedelta(days=1), end)))
        first = nxt
    return out


def _reference_values(reference_root: Path, spec: str) -> list[str]:
    """`file.csv#column` or `file.yaml#key` -> the distinct values listed there."""
    name, _, key = spec.partition("#")
    path = reference_root / name
    if not key:
        raise ValueError(f"value_set_reference {spec!r}: name the column or key after '#'")
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        if rows and key not in rows[0]:
            raise ValueError(f"{path.name} has no column {key!r}")
        return sorted({r[key] for r in rows if r.get(key) not in (None, "")})
    data = read_yaml(path.read_text(encoding="utf-8")) or {}
    for part in key.split("."):
        data = data.get(part, {}) if isinstance(data, dict) else {}
    if isinstance(data, dict):
        return sorted(str(k) for k in data)
    if isinstance(data, list):
        return sorted(str(v) for v in data)
    raise ValueError(f"{path.name}: {key} is neither a mapping nor a list")


POSITION = "__position"
"""The SQL engine's name for a checked row's `rowid` (`sql_rules.validate`'s `position`)."""


def _frame_sql(
    suite: Suite, types: dict[str, str], exclude: set[str], where: str | None, position: bool = False
) -> str:
    kept = [pandas_column(c, t) for c, t in types.items() if c not in exclude]
    derived = [f"({expr}) AS \"{name}\"" for name, expr in suite.derive.items()]
    located = [f'rowid AS "{POSITION}"'] if position else []
    select = ", ".join(kept + derived + located) or "*"
    return f"SELECT {select} FROM {suite.qualified}" + (f" WHERE {where}" if where else "")


def run_suite(
    suite: Suite,
    rules: list[Rule],
    warehouse: WarehouseResource,
    landing: LandingResource,
    window: tuple[date, date] | None,
    personal: set[str],
    engine: str | None = None,
) -> dict[str, RuleResult]:
    """Validate a suite's rules over the rows of the window (or the whole table).

    The suite's `engine` (or `engine` here) says where the row rules run:
    `sql` evaluates them inside DuckDB in one scan of the range
    (quality/sql_rules.py); `gx` reads the rows into pandas and validates the
    frame with Great Expectations, a month at a time above CHUNK_ROWS rows.
    `column_types` is judged on the table's schema either way.
    """
    engine = engine or suite.engine
    results: dict[str, RuleResult] = {}
    value_sets: dict[str, list[Any]] = {}
    row_rules = [r for r in rules if r.expect != "column_types"]
    type_rules = [r for r in rules if r.expect == "column_types"]
    row_id = list(suite.row_id or DEFAULT_ROW_ID)
    frames: list[pd.DataFrame] = []  # gx engine only
    chunks: list[tuple[date, date]] = []
    with warehouse.connect() as con:
        types = pipeline.table_types(con, suite.qualified)
        for rule in type_rules:
            results[rule.name] = sql_rules.validate_types(rule, types)
        for rule in row_rules:
            absent = pipeline.missing_tables(con, rule.tables_read)
            if absent:
                results[rule.name] = RuleResult(rule.name, success=False, missing_tables=absent)
                continue
            try:
                if rule.value_set_sql:
                    value_sets[rule.name] = [
                        r[0] for r in con.execute(rule.value_set_sql).fetchall() if r[0] is not None
                    ]
                elif rule.value_set_reference:
                    value_sets[rule.name] = _reference_values(landing.reference, rule.value_set_reference)
            except Exception as exc:  # noqa: BLE001 - the rule fails with the reason
                results[rule.name] = RuleResult(rule.name, success=False, errors=[f"value set: {exc}"])
        runnable = [r for r in row_rules if r.name not in results]
        if not runnable:
            return results
        if not types:
            for rule in runnable:
                results[rule.name] = RuleResult(
                    rule.name, success=False, errors=[f"{suite.qualified} does not exist"]
                )
            return results
        partitioned = window is not None and "_partition_date" in types
        where = "_partition_date BETWEEN $start AND $end" if partitioned else None
        params = {"start": window[0], "end": window[1]} if partitioned else {}
        # A table's own rows are found again by their rowid, so the SQL engine's examples of
        # the failing rules read only the rows its counting scan saw break them.
        located = engine == "sql" and not suite.aggregate and pipeline.is_base_table(
            con, suite.schema, suite.table
        )
        sql = _frame_sql(suite, types, personal, where, position=located)
        if suite.aggregate:
            # The rules judge the aggregate's rows (a few per device and day), built in DuckDB.
            sql = f"WITH checked_rows AS ({sql}) {suite.aggregate}"
        if engine == "sql":
            position = POSITION if located else None
            results.update(
                sql_rules.validate(con, sql, params, runnable, row_id, value_sets, position=position)
            )
            return results
        total = 0 if suite.aggregate else con.execute(
            f"SELECT count(*) FROM {suite.qualified}" + (f" WHERE {where}" if where else ""), params
        ).fetchone()[0]
        if partitioned and total > CHUNK_ROWS:
            chunks = _months(*window)
        else:
            frames.append(con.execute(sql, params).df())
    merged: dict[str, RuleResult] = {}

    def _merge(frame: "pd.DataFrame") -> None:
        for name, res in gx_runner.validate(frame, runnable, row_id, value_sets).items():
            merged[name] = merged[name].merge(res) if name in merged else res

    for frame in frames:
        _merge(frame)
    for start, end in chunks:
        with warehouse.connect() as con:
            frame = con.execute(sql, {"start": start, "end": end}).df()
        _merge(frame)
    results.update(merged)
    return results


def _example_text(example: dict[str, Any]) -> str:
    ex = dict(example)
    where = ""
    if "_source_file" in ex and "_record_index" in ex:
        where = f"{ex.pop('_source_file')} record {ex.pop('_record_index')}"
    rest = ", ".join(f"{k}={v}" for k, v in ex.items())
    return f"{where} ({rest})" if where and rest else where or rest


def _detail(item: CheckItem, res: RuleResult, escalated: bool) -> str:
    if res.missing_tables:
        return (
            f"not evaluated: it reads {', '.join(res.missing_tables)}, which has not been "
            "materialized yet (run it, then this check)"
        )
    if res.errors:
        return "could not be evaluated: " + "; ".join(res.errors)
    if res.success:
        if res.failed_rows is not None and res.element_count:
            return f"all {res.element_count} rows pass"
        return "passes"
    parts = []
    if res.failed_rows:
        of = f" of {res.element_count}" if res.element_count else ""
        pct = res.unexpected_percent
        share = f" ({pct:.1f} %)" if pct is not None else ""
        noun = "rows" if item.kind in {"rule", "sql"} else "columns"
        parts.append(f"{res.failed_rows}{of} {noun}{share} break it")
        if res.examples:
            parts.append("e.g. " + "; ".join(_example_text(e) for e in res.examples[:3]))
    parts.extend(res.observed)
    text = ": ".join(parts[:2]) + ("; " + "; ".join(parts[2:]) if len(parts) > 2 else "")
    if escalated:
        text += f" - more than {item.error_above_pct:g} % of rows, so it blocks"
    return text or "fails"


def _examples_md(examples: list[dict[str, Any]]) -> str:
    """The examples as a Markdown table for the UI, a missing value shown as NULL.

    Straight from the rows with tabulate (what pandas' `to_markdown` calls): a run of
    only SQL checks then never imports pandas (0.4 s).
    """
    if not examples:
        return "_none_"
    from tabulate import tabulate

    return tabulate(examples, headers="keys", tablefmt="pipe", missingval="NULL")


def _evaluation(
    item: CheckItem,
    res: RuleResult,
    window: tuple[date, date] | None,
    source: str | None,
    severity: str | None = None,
    observed: dict[str, Any] | None = None,
    detail: str | None = None,
) -> Evaluation:
    passed = res.success and not res.errors and not res.missing_tables
    escalated = False
    if res.missing_tables:
        # Nothing was checked, so nothing is known to be wrong: report, never block.
        severity = "WARN"
    if severity is None:
        severity = item.severity
        if item.error_above_pct is not None and not passed:
            pct = res.unexpected_percent
            if res.errors or (pct is not None and pct > item.error_above_pct):
                severity, escalated = "ERROR", True
    return Evaluation(
        asset=asset_label(item.asset),
        check_name=item.name,
        passed=passed,
        severity=severity,
        blocking=item.blocking,
        detail=detail or _detail(item, res, escalated),
        failed_rows=res.failed_rows,
        examples=res.examples[:EXAMPLES],
        source=source,
        partition_start=window[0] if window else None,
        partition_end=window[1] if window else None,
        observed={
            **({"checked_rows": res.element_count} if res.element_count else {}),
            **(observed or {}),
        },
    )


def evaluate_plan(
    plan: StepPlan,
    selected: set[dg.AssetCheckKey],
    window: tuple[date, date] | None,
    warehouse: WarehouseResource,
    landing: LandingResource,
    index: AssetIndex,
    checks_dir: Path,
    raw_sources: list[RawSource],
    logger: Any = log,
    affected: tuple[date, date] | None = None,
) -> list[Evaluation]:
    """Evaluate the selected checks of a step; nothing is written here.

    `window` is the range the checks of a feed's days judge (None: every row); `affected`
    the days the run refreshed, for SQL checks that reconcile the periods holding them
    (`pipeline.sql_check_parameters`)."""
    items = [i for i in plan.items if i.check_key in selected]
    out: dict[dg.AssetCheckKey, Evaluation] = {}
    by_suite: dict[Path, list[CheckItem]] = defaultdict(list)
    for item in items:
        if item.kind == "rule":
            by_suite[item.suite.path].append(item)
    for suite_items in by_suite.values():
        suite = suite_items[0].suite
        source = index.source_of(suite_items[0].asset, suite.source)
        raw = index.raw_sources.get(suite_items[0].asset)
        personal = set(raw.personal_fields) if raw else set()
        started = time.perf_counter()
        try:
            results = run_suite(
                suite, [i.rule for i in suite_items], warehouse, landing, window, personal
            )
        except Exception as exc:  # noqa: BLE001 - a suite that cannot run fails every rule
            logger.error(f"{suite.path.name}: {exc}")
            results = {
                i.name: RuleResult(i.name, success=False, errors=[str(exc).strip()]) for i in suite_items
            }
        logger.debug(f"{suite.path.name}: {len(suite_items)} rule(s) in {time.perf_counter() - started:.2f} s")
        for item in suite_items:
            out[item.check_key] = _evaluation(item, results[item.name], window, source)
    sql_items = [i for i in items if i.kind in {"sql", "schema"}]
    if sql_items:
        params = pipeline.sql_check_parameters(window, affected or window)
        with warehouse.connect() as con:
            for item in sql_items:
                source = index.source_of(item.asset, item.sql.source if item.sql else None)
                if item.kind == "sql":
                    started = time.perf_counter()
                    res = pipeline.run_sql_check(con, item.sql, params)
                    out[item.check_key] = _evaluation(item, res, window, source)
                    logger.debug(f"{item.name}: {time.perf_counter() - started:.2f} s")
                else:
                    actual = pipeline.table_types(con, _table(item.asset))
                    finding = pipeline.schema_change(actual, item.raw_source, item.name)
                    out[item.check_key] = _evaluation(
                        item,
                        finding.result,
                        window,
                        source,
                        severity=finding.severity,
                        observed={"extra_columns": finding.extra_columns},
                    )
    fresh_items = [i for i in items if i.kind == "freshness"]
    if fresh_items:
        today = reference_today()
        for item in fresh_items:
            name = item.raw_source.name
            siblings = [s for s in raw_sources if s.name == name]
            fresh = pipeline.landing_freshness(
                landing.landing, siblings or [item.raw_source], source_named(name).freshness_days, today
            )
            res = RuleResult(item.name, success=fresh.fresh)
            out[item.check_key] = _evaluation(
                item, res, window, name, observed=fresh.observed(), detail=fresh.detail(name)
            )
    return [out[i.check_key] for i in items if i.check_key in out]


def apply_waivers(evaluations: list[Evaluation], waivers: WaiverFile, today: date) -> None:
    for e in evaluations:
        if e.passed:
            continue
        waiver = waivers.find(e.asset, e.check_name, e.partition_start, e.partition_end, today)
        if waiver:
            e.waived_by, e.waiver_reason, e.waiver_expires = waiver.author, waiver.reason, waiver.expires


def check_result(e: Evaluation, item: CheckItem) -> dg.AssetCheckResult:
    """The Dagster view of an evaluation: a waived or WARN failure never blocks."""
    if e.passed:
        blocks = item.blocking
    else:
        blocks = e.severity == "ERROR" and e.waived_by is None
    severity = dg.AssetCheckSeverity.ERROR if blocks else dg.AssetCheckSeverity.WARN
    description = e.detail
    if e.waived_by:
        description = f"WAIVED by {e.waived_by}: {e.waiver_reason} ({e.detail})"
    metadata: dict[str, Any] = {
        "severity": e.severity,
        "detail": e.detail,
        "examples": dg.MetadataValue.md(_examples_md(e.examples)),
    }
    if e.failed_rows is not None:
        metadata["failed_rows"] = dg.MetadataValue.int(int(e.failed_rows))
    if e.partition:
        metadata["partition_range"] = e.partition
    if e.observed:
        metadata["observed"] = dg.MetadataValue.json(e.observed)
    if e.waived_by:
        metadata["waived_by"] = e.waived_by
        metadata["waiver_reason"] = e.waiver_reason
        if e.waiver_expires:
            metadata["waiver_expires"] = e.waiver_expires.isoformat()
    return dg.AssetCheckResult(
        asset_key=item.asset,
        check_name=item.name,
        passed=e.passed,
        severity=severity,
        description=description[:1000],
        metadata=metadata,
    )


def build_step_checks(
    plan: StepPlan,
    index: AssetIndex,
    checks_dir: Path,
    raw_sources: list[RawSource],
) -> dg.AssetChecksDefinition:
    items_by_key = {i.check_key: i for i in plan.items}

    @dg.multi_asset_check(
        name=f"{plan.node}_checks",
        specs=[i.spec() for i in plan.items],
        description=f"Data-quality checks of {plan.node} (checks/).",
        can_subset=True,
        pool=WRITER_POOL,
    )
    def _checks(
        context: dg.AssetCheckExecutionContext,
        warehouse: WarehouseResource,
        landing: LandingResource,
    ) -> Iterator[dg.AssetCheckResult]:
        selected = set(context.selected_asset_check_keys)
        waivers = load_waivers(checks_dir / WAIVERS_FILE)
        for problem in waivers.problems:
            context.log.warning(f"waiver not applied: {problem}")
        # A table of the feeds' days is checked over the days the run refreshed (all of
        # them when the run names none), so a nightly run checks one month, not history.
        run_window = _run_window(context)
        over_feed = {i.check_key for i in plan.items if run_window and _over_feed(i, index)}
        evaluations = []
        with warehouse.session() as con:  # the step's suites share one connection
            for keys, scope in ((selected - over_feed, None), (selected & over_feed, run_window)):
                if keys:
                    evaluations += evaluate_plan(
                        plan, keys, scope, warehouse, landing, index, checks_dir, raw_sources,
                        context.log, affected=run_window,
                    )
            apply_waivers(evaluations, waivers, reference_today())
            checked_at = datetime.now(UTC).replace(tzinfo=None)
            append(con, evaluations, context.run.run_id, checked_at)
        failed = [e for e in evaluations if not e.passed]
        if failed:
            context.log.warning(
                f"{len(failed)} of {len(evaluations)} check(s) failed: "
                + "; ".join(f"{e.asset} {e.check_name} [{e.severity}]" for e in failed)
            )
        by_name = {(e.asset, e.check_name): e for e in evaluations}
        for key in items_by_key:
            if key not in selected:
                continue
            item = items_by_key[key]
            yield check_result(by_name[(asset_label(item.asset), item.name)], item)

    return _checks


def build_asset_checks(
    assets: Iterable[dg.AssetsDefinition],
    raw_sources: Iterable[RawSource],
    checks_dir: Path = CHECKS_DIR,
    logger: logging.Logger = log,
) -> list[dg.AssetChecksDefinition]:
    """Asset checks for every contract in `checks_dir` whose assets exist."""
    raw_sources = list(raw_sources)
    index = AssetIndex.build(assets, raw_sources)
    plans, skipped = plan_checks(index, checks_dir)
    for message in skipped:
        logger.info(f"quality: skipped {message}")
    gx_runner.GX_CHECKS.update(
        i.check_key for p in plans for i in p.items if i.suite is not None and i.suite.engine == "gx"
    )
    return [build_step_checks(p, index, checks_dir, raw_sources) for p in plans]

