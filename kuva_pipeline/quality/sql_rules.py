"""A suite's row rules evaluated inside DuckDB: one scan per table and rule set.

The large tables (raw feeds, staging feeds) are validated here instead of in
Great Expectations: GX 1.x cannot run its SQL engine on DuckDB (it closes the
connection before fetching, so every metric comes back empty), and its pandas
engine needs the whole range copied out of DuckDB first, which was most of a
check step's time. This module compiles the rules of a suite into one SELECT
over the run's partition range, with a `count_if(...)` per rule
(and, first, a sort that finds the repeated values per uniqueness rule), and asks a
second query for the first failing rows of the failing rules only: on a table,
just the rows the counting scan located by `rowid`. Nothing is copied into
pandas.

The verdicts are those of the GX expectations the rules name (see
`docs/quality.md`, "Where each rule runs"):

- a row condition (`row_condition`, pandas syntax as in GX) restricts the rows
  a rule looks at; a row whose condition is NULL is left out;
- `expect_column_values_to_be_in_set`, `_to_be_between` and `_to_be_unique`
  ignore NULLs, and `mostly` is judged against the non-null rows;
  `_to_be_null` and `_not_be_null` judge every row;
- a uniqueness rule reports every copy of a repeated value;
- the column pair rules ignore rows by `ignore_row_if` (default: both values
  missing), and a row with one value missing breaks them (as in pandas);
- `expect_compound_columns_to_be_unique` ignores rows whose columns are all
  missing, and NULLs compare equal (pandas `duplicated`);
- a rule over no rows (or no considered rows) passes, as in GX.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from kuva_pipeline.quality.gx_runner import EXAMPLES, ROW_EXPECTATIONS, RuleResult, plain
from kuva_pipeline.quality.suites import Rule

ROW_COUNT = "expect_table_row_count_to_be_between"
SUPPORTED = {*ROW_EXPECTATIONS, ROW_COUNT}
"""The expectations this engine evaluates; a suite on another one runs in GX (`engine: gx`)."""

_ARGUMENTS = {
    "expect_column_values_to_not_be_null": set(),
    "expect_column_values_to_be_null": set(),
    "expect_column_values_to_be_unique": set(),
    "expect_column_values_to_be_in_set": {"value_set"},
    "expect_column_values_to_be_between": {"min_value", "max_value", "strict_min", "strict_max"},
    "expect_column_pair_values_to_be_equal": {"column_A", "column_B", "ignore_row_if"},
    "expect_column_pair_values_a_to_be_greater_than_b": {
        "column_A", "column_B", "ignore_row_if", "or_equal"},
    "expect_compound_columns_to_be_unique": {"column_list", "ignore_row_if"},
    ROW_COUNT: {"min_value", "max_value", "strict_min", "strict_max"},
}
_COMMON = {"mostly", "row_condition", "condition_parser"}
_NULL_RULES = {"expect_column_values_to_not_be_null", "expect_column_values_to_be_null"}


def unsupported(rule: Rule) -> str | None:
    """Why the SQL engine cannot evaluate a rule (None when it can)."""
    if rule.expect == "column_types":
        return None
    if rule.expect not in SUPPORTED:
        return f"{rule.expect} is not evaluated by the SQL engine (declare engine: gx)"
    extra = set(rule.kwargs) - _ARGUMENTS[rule.expect] - _COMMON
    if extra:
        return f"argument(s) {', '.join(sorted(extra))} of {rule.expect} are not supported by the SQL engine"
    return None


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    """A Python value from a suite as a SQL literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return repr(value) if not isinstance(value, Decimal) else str(value)
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


# --- row conditions ------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<num>-?\d+(?:\.\d+)?)"""
    r"""|(?P<op>==|!=|>=|<=|>|<|\(|\)|\[|\]|,)|(?P<name>`[^`]+`|[A-Za-z_][A-Za-z0-9_]*))"""
)
_WORDS = {"and": "AND", "or": "OR", "not": "NOT", "in": "IN", "True": "TRUE", "False": "FALSE"}


def condition_sql(condition: str) -> tuple[str, set[str]]:
    """A GX pandas `row_condition` (`a == True and b in ["x", "y"]`) as SQL, and the columns it reads."""
    out: list[str] = []
    columns: set[str] = set()
    pos = 0
    text = condition.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ValueError(f"row_condition {condition!r}: cannot read it at {text[pos:]!r}")
        pos = match.end()
        if match.group("str") is not None:
            raw = match.group("str")[1:-1]
            out.append(literal(re.sub(r"\\(.)", r"\1", raw)))
        elif match.group("num") is not None:
            out.append(match.group("num"))
        elif match.group("op") is not None:
            op = match.group("op")
            out.append({"==": "=", "!=": "<>", "[": "(", "]": ")"}.get(op, op))
        else:
            word = match.group("name")
            if word in _WORDS:
                out.append(_WORDS[word])
            elif word in {"None", "nan", "NaN"}:
                raise ValueError(f"row_condition {condition!r}: compare with NULL is not supported")
            else:
                name = word.strip("`")
                columns.add(name)
                out.append(quote(name))
    return " ".join(out), columns


# --- compiling rules -----------------------------------------------------------------------------


@dataclass
class Unit:
    """One expectation of a rule (a rule with `columns: [a, b]` has one per column)."""

    rule: Rule
    index: int
    domain: str
    """Rows the expectation looks at (its row condition)."""
    considered: str
    """Of those, rows it judges (non-null, not ignored)."""
    bad: str
    """Of those, rows that break it."""
    shown: list[str]
    """Columns shown beside the row id in an example."""
    mostly_of_domain: bool = False
    group: list[str] | None = None
    """Uniqueness: the columns whose repeated values break it (set by `uniqueness`)."""

    def uniqueness(self, columns: list[str]) -> None:
        """Every copy of a value (or combination) that repeats among the judged rows breaks it.

        NULLs compare equal, as in pandas' `duplicated`. `validate` groups the values once
        (`_gather_repeats`), which is cheaper than a window over every row, and sets `bad`
        and `bad_count` from that table.
        """
        self.group = [quote(c) for c in columns]

    bad_count: str | None = None
    """How the rows breaking it are counted, when not by filtering on `bad`."""


def _between(col: str, kwargs: dict[str, Any]) -> str:
    lo, hi = kwargs.get("min_value"), kwargs.get("max_value")
    if lo is None and hi is None:
        raise ValueError("give min_value, max_value or both")
    parts = []
    if lo is not None:
        parts.append(f"{col} {'>' if kwargs.get('strict_min') else '>='} {literal(lo)}")
    if hi is not None:
        parts.append(f"{col} {'<' if kwargs.get('strict_max') else '<='} {literal(hi)}")
    return " AND ".join(parts)


SHORT_SET = 8
"""Value sets up to this size are written as an IN list; longer ones as a VALUES table."""


def _in_set(col: str, col_type: str, values: list[Any]) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "FALSE"
    if all(isinstance(v, str) for v in values) and not col_type.startswith("VARCHAR"):
        # A set of strings against a typed column compares the column's text,
        # as pandas compares objects (a number never equals a string).
        col = f"CAST({col} AS VARCHAR)"
    if len(values) <= SHORT_SET:
        return f"{col} IN ({', '.join(literal(v) for v in values)})"
    # A longer set is a table DuckDB probes by hash: an IN list is compared value by value
    # (the 42 NPS devices over ten million presses: 0.65 s as a list, 0.04 s this way).
    rows = ", ".join(f"({literal(v)})" for v in values)
    return f"{col} IN (SELECT __v FROM (VALUES {rows}) AS __set(__v))"


def compile_rule(
    rule: Rule,
    start: int,
    types: dict[str, str],
    value_set: list[Any] | None = None,
) -> list[Unit]:
    """The rule's expectations as SQL over a relation with columns `types`."""
    kwargs = rule.kwargs
    problem = unsupported(rule)
    if problem:
        raise ValueError(problem)
    domain, read = "TRUE", set()
    if kwargs.get("row_condition"):
        domain, read = condition_sql(str(kwargs["row_condition"]))
        domain = f"coalesce(({domain}), FALSE)"
    columns = rule.target_columns
    pairs = [kwargs[k] for k in ("column_A", "column_B") if k in kwargs]
    compound = list(kwargs.get("column_list") or [])
    missing = sorted({*read, *columns, *pairs, *compound} - set(types))
    if missing:
        raise ValueError(f"column(s) {', '.join(missing)} not in the table")
    units: list[Unit] = []

    def unit(**kw: Any) -> Unit:
        u = Unit(rule=rule, index=start + len(units), domain=domain, **kw)
        units.append(u)
        return u

    expect = rule.expect
    if expect == ROW_COUNT:
        unit(considered="TRUE", bad="FALSE", shown=[])
        return units
    if expect in {"expect_column_pair_values_to_be_equal",
                  "expect_column_pair_values_a_to_be_greater_than_b"}:
        if len(pairs) != 2:
            raise ValueError("a column pair rule needs column_A and column_B")
        a, b = (quote(c) for c in pairs)
        ignore = kwargs.get("ignore_row_if", "both_values_are_missing")
        considered = {
            "both_values_are_missing": f"NOT ({a} IS NULL AND {b} IS NULL)",
            "either_value_is_missing": f"({a} IS NOT NULL AND {b} IS NOT NULL)",
            "neither": "TRUE",
        }.get(ignore)
        if considered is None:
            raise ValueError(f"ignore_row_if {ignore!r} is not one of both_values_are_missing, "
                             "either_value_is_missing, neither")
        if expect == "expect_column_pair_values_to_be_equal":
            ok = f"{a} = {b}"
        else:
            ok = f"{a} {'>=' if kwargs.get('or_equal') else '>'} {b}"
        unit(considered=considered, bad=f"NOT coalesce({ok}, FALSE)", shown=list(pairs))
        return units
    if expect == "expect_compound_columns_to_be_unique":
        if not compound:
            raise ValueError("expect_compound_columns_to_be_unique needs column_list")
        cols = [quote(c) for c in compound]
        ignore = kwargs.get("ignore_row_if", "all_values_are_missing")
        considered = {
            "all_values_are_missing": "NOT (" + " AND ".join(f"{c} IS NULL" for c in cols) + ")",
            "any_value_is_missing": "(" + " AND ".join(f"{c} IS NOT NULL" for c in cols) + ")",
            "never": "TRUE",
        }.get(ignore)
        if considered is None:
            raise ValueError(f"ignore_row_if {ignore!r} is not one of all_values_are_missing, "
                             "any_value_is_missing, never")
        unit(considered=considered, bad="", shown=list(compound)).uniqueness(compound)
        return units
    if not columns:
        raise ValueError(f"{expect} needs column or columns")
    for name in columns:
        col = quote(name)
        if expect == "expect_column_values_to_not_be_null":
            unit(considered="TRUE", bad=f"{col} IS NULL", shown=[name], mostly_of_domain=True)
        elif expect == "expect_column_values_to_be_null":
            unit(considered="TRUE", bad=f"{col} IS NOT NULL", shown=[name], mostly_of_domain=True)
        elif expect == "expect_column_values_to_be_in_set":
            values = value_set if value_set is not None else kwargs.get("value_set")
            if values is None:
                raise ValueError("expect_column_values_to_be_in_set needs value_set")
            ok = _in_set(col, types[name], list(values))
            unit(considered=f"{col} IS NOT NULL", bad=f"NOT coalesce({ok}, FALSE)", shown=[name])
        elif expect == "expect_column_values_to_be_between":
            ok = _between(col, kwargs)
            unit(considered=f"{col} IS NOT NULL", bad=f"NOT coalesce({ok}, FALSE)", shown=[name])
        elif expect == "expect_column_values_to_be_unique":
            unit(considered=f"{col} IS NOT NULL", bad="", shown=[name]).uniqueness([name])
    return units


# --- evaluation ----------------------------------------------------------------------------------


def _observation(rule: Rule, observed: Any) -> str:
    shown = {k: v for k, v in rule.kwargs.items() if v is not None}
    args = ", ".join(f"{k}={v}" for k, v in shown.items())
    return f"{rule.expect}({args}): observed {plain(observed)}"


def _row_count_ok(n: int, kwargs: dict[str, Any]) -> bool:
    lo, hi = kwargs.get("min_value"), kwargs.get("max_value")
    if lo is not None and (n <= lo if kwargs.get("strict_min") else n < lo):
        return False
    return not (hi is not None and (n >= hi if kwargs.get("strict_max") else n > hi))


def relation_types(con: duckdb.DuckDBPyConnection, relation_sql: str, params: dict[str, Any]) -> dict[str, str]:
    """Column -> type of a SELECT (the table's columns and the suite's derived ones)."""
    rows = con.execute(f"DESCRIBE {relation_sql}", params).fetchall()
    return {r[0]: str(r[1]).upper() for r in rows}


def validate(
    con: duckdb.DuckDBPyConnection,
    relation_sql: str,
    params: dict[str, Any],
    rules: list[Rule],
    row_id: list[str],
    value_sets: dict[str, list[Any]] | None = None,
    position: str | None = None,
) -> dict[str, RuleResult]:
    """Evaluate the rules over the rows of `relation_sql` in one scan, plus one for examples.

    A uniqueness rule first groups its values into a temporary table of the repeated
    ones (`_gather_repeats`); the scan counts from it and the examples join it.

    `relation_sql` is the checked rows (the run's range of the table, with the
    suite's derived columns); offending rows are named by the `row_id` columns
    it has, then the rule's columns. `position`, when given, is a column of it
    that tells its rows apart and that DuckDB finds rows by without a scan (the
    table's `rowid`): the counting scan then notes where the broken rows are, and
    the examples read only those rows (`_evaluate`).
    """
    value_sets = value_sets or {}
    results = {r.name: RuleResult(r.name) for r in rules}
    types = relation_types(con, relation_sql, params)
    units: list[Unit] = []
    for rule in rules:
        try:
            units.extend(compile_rule(rule, len(units), types, value_sets.get(rule.name)))
        except Exception as exc:  # noqa: BLE001 - a broken rule fails, it never passes
            results[rule.name].success = False
            results[rule.name].errors.append(f"cannot build the rule: {exc}")
    if not units:
        return results
    repeats: list[str] = []
    try:
        for u in units:
            if u.group is not None:
                repeats.append(_gather_repeats(con, relation_sql, params, u))
        return _evaluate(con, relation_sql, params, units, types, row_id, results, position)
    finally:
        for table in repeats:
            con.execute(f"DROP TABLE IF EXISTS {table}")


def _gather_repeats(
    con: duckdb.DuckDBPyConnection, relation_sql: str, params: dict[str, Any], u: Unit
) -> str:
    """Find a uniqueness rule's repeated values once, with their number of copies (a few
    rows), so that counting its offending rows and showing the first ones read that small
    table instead of going over every value of the range again.

    The judged values are sorted, and a value equal to the one before or after it is
    repeated: each of its copies is next to another. On ids that are nearly all distinct
    this is cheaper than grouping them (a hash table of ten million groups): the city's
    NPS presses took 0.7-0.8 s against 1.1-1.35 s. Several columns compare as one row
    value, NULLs equal, as pandas' `duplicated` and GROUP BY compare them; a single
    column's judged values are never NULL.
    """
    table = f"__kuva_repeats_{u.index}"
    group = u.group or []
    cols = ", ".join(group)
    if len(group) == 1:
        value = group[0]
        same = f"{value} = lag({value}) OVER __w OR {value} = lead({value}) OVER __w"
    else:
        value = f"row({cols})"
        same = (f"{value} IS NOT DISTINCT FROM lag({value}) OVER __w "
                f"OR {value} IS NOT DISTINCT FROM lead({value}) OVER __w")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {cols}, count(*) AS __n FROM ("
        f"SELECT {cols}, ({same}) AS __repeated "
        f"FROM (SELECT {cols} FROM ({relation_sql}) AS __checked WHERE {u.domain} AND {u.considered}) "
        f"WINDOW __w AS (ORDER BY {cols})) WHERE __repeated GROUP BY {cols}",
        params,
    )
    match = " AND ".join(f"__r.{c} IS NOT DISTINCT FROM __d.{c}" for c in group)
    u.bad = f"EXISTS (SELECT 1 FROM {table} AS __d WHERE {match})"
    u.bad_count = f"(SELECT coalesce(sum(__n), 0) FROM {table})"
    return table


POSITIONS = 1000
"""How many broken rows the counting scan locates (`_evaluate`); more, and the examples scan."""


def _evaluate(
    con: duckdb.DuckDBPyConnection,
    relation_sql: str,
    params: dict[str, Any],
    units: list[Unit],
    types: dict[str, str],
    row_id: list[str],
    results: dict[str, RuleResult],
    position: str | None = None,
) -> dict[str, RuleResult]:
    # Three counts a rule (its rows, the judged ones, the bad ones), each asked once: most
    # rules share the first two (every row, every non-null value), and DuckDB keeps an
    # aggregate for every one written (a third of the counting scan of the NPS presses).
    # Each condition is a column of the scan's projection, computed once for its counts
    # and for locating the broken rows.
    conditions: dict[str, str] = {}

    def column(*where: str) -> str | None:
        """The projection's column of the rows meeting every condition (None: every row)."""
        kept = [c for c in where if c != "TRUE"]
        if not kept:
            return None
        return conditions.setdefault(" AND ".join(kept), f"__c{len(conditions)}")

    def count(name: str | None) -> str:
        # `count_if(c)`, not `count(*) FILTER (WHERE c)`: both count the rows where `c` is
        # true (not false, not NULL), but DuckDB runs an aggregate's FILTER as a selection
        # of its own for every aggregate: the NPS presses' counting scan took a fifth
        # less time (0.93 s to 0.74 s on ten million rows). Over no rows at all
        # `count_if` is NULL, where a count is 0.
        return f"coalesce(count_if({name}), 0)" if name else "count(*)"

    counts: dict[str, int] = {}
    slots: list[tuple[int, int, int]] = []
    located: list[str] = []
    for u in units:
        broken = None if u.bad_count else column(u.domain, u.considered, f"({u.bad})")
        exprs = (count(column(u.domain)), count(column(u.domain, u.considered)),
                 u.bad_count or count(broken))
        rows, judged, bad = (counts.setdefault(e, len(counts)) for e in exprs)
        slots.append((rows, judged, bad))
        if broken and u.rule.expect != ROW_COUNT:
            located.append(broken)
    # NOT MATERIALIZED: the examples read the rows once per failing rule, each for a few
    # columns; DuckDB would otherwise keep every column of the range for all of them.
    checked = f"WITH __checked AS NOT MATERIALIZED ({relation_sql}) "
    projected = [f"({c}) AS {name}" for c, name in conditions.items()]
    aggregates = list(counts)
    if position and located:
        # The positions of the first POSITIONS rows breaking any of the rules: when
        # there are fewer, they are every broken row, and the examples read just them.
        projected.append(f"{quote(position)} AS __position")
        aggregates.append(
            f"min(CASE WHEN {' OR '.join(dict.fromkeys(located))} THEN __position END, {POSITIONS})"
        )
    row = con.execute(
        f"{checked}SELECT {', '.join(aggregates)} "
        f"FROM (SELECT {', '.join(projected) or '1'} FROM __checked AS __r) AS __r",
        params,
    ).fetchone()
    positions = row[len(counts)] if len(aggregates) > len(counts) else None
    failing: list[Unit] = []
    for u, slot in zip(units, slots, strict=True):
        rows, considered, bad = (int(row[i]) for i in slot)
        out = results[u.rule.name]
        kwargs = u.rule.kwargs
        if u.rule.expect == ROW_COUNT:
            out.element_count = rows
            out.success = _row_count_ok(rows, kwargs)
            if not out.success:
                out.observed.append(_observation(u.rule, rows))
            continue
        # GX: the rows the rule judges are every row for the null rules and the
        # considered ones for the others; none at all passes vacuously.
        judged = rows if u.mostly_of_domain else considered
        mostly = float(kwargs.get("mostly", 1.0))
        success = rows == 0 or judged == 0 or (judged - bad) / judged >= mostly
        out.element_count = max(out.element_count, rows)
        out.failed_rows = (out.failed_rows or 0) + bad
        if not success:
            out.success = False
        if bad and not success:
            failing.append(u)
    if positions is not None and len(positions) < POSITIONS:
        # Every broken row of the located rules is among these: their examples come from
        # them alone (the same first rows in the same order as from the whole range).
        found = [u for u in failing if u.group is None]
        failing = [u for u in failing if u.group is not None]
        if found:  # then at least one row broke a rule, so `positions` is not empty
            listed = ", ".join(str(int(p)) for p in positions)
            _examples(
                con,
                f"WITH __checked AS NOT MATERIALIZED (SELECT * FROM ({relation_sql}) AS __all "
                f"WHERE {quote(position)} IN ({listed})) ",
                params, found, types, row_id, results,
            )
    if failing:
        _examples(con, checked, params, failing, types, row_id, results)
    return results


def _examples(
    con: duckdb.DuckDBPyConnection,
    checked: str,
    params: dict[str, Any],
    failing: list[Unit],
    types: dict[str, str],
    row_id: list[str],
    results: dict[str, RuleResult],
) -> None:
    """The first EXAMPLES offending rows of each failing expectation, in one query."""
    ids = [c for c in row_id if c in types]
    shown_cols = list(dict.fromkeys(c for u in failing for c in u.shown if c not in ids))
    order = ", ".join(quote(c) for c in ids + [c for c in shown_cols]) or "1"
    names = ids + shown_cols
    parts = []
    for u in failing:
        select = ", ".join(
            [f"{u.index} AS __unit"]
            + [quote(c) if c in ids or c in u.shown else f"NULL AS {quote(c)}" for c in names]
        )
        parts.append(
            f"(SELECT {select} FROM __checked AS __r WHERE {u.domain} AND {u.considered} AND ({u.bad}) "
            f"ORDER BY {order} LIMIT {EXAMPLES})"
        )
    # Each part is a top-ten of its rule's offending rows; ordering their union
    # (at most ten rows per rule) keeps each rule's examples in file and record order.
    sql = checked + " UNION ALL ".join(parts) + f" ORDER BY __unit, {order}"
    by_index = {u.index: u for u in failing}
    for fetched in con.execute(sql, params).fetchall():
        u = by_index[fetched[0]]
        values = dict(zip(names, fetched[1:], strict=True))
        example = {c: plain(values[c]) for c in ids}
        example.update({c: plain(values[c]) for c in u.shown})
        out = results[u.rule.name]
        if len(out.examples) < EXAMPLES:
            out.examples.append(example)


def validate_types(rule: Rule, actual: dict[str, str]) -> RuleResult:
    """`column_types`: the table's DuckDB types against the rule's, one row per column.

    Plain Python over the table's schema: a few names, no rows to scan.
    """
    expected = {c: t.upper() for c, t in dict(rule.columns or {}).items()}
    wrong = [
        {"column": c, "expected": t, "actual": actual.get(c) or "(missing)"}
        for c, t in expected.items()
        if actual.get(c) != t
    ]
    return RuleResult(
        rule.name,
        success=not wrong,
        element_count=len(expected),
        failed_rows=len(wrong),
        examples=wrong[:EXAMPLES],
    )
