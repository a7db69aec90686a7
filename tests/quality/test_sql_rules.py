"""The SQL rule engine: GX's verdicts, computed inside DuckDB in one scan.

Every expected number here is counted by hand from the rows written in the
test; the reason is given beside it.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date

import dagster as dg
import duckdb
import pytest

from kuva_pipeline.quality import sql_rules
from kuva_pipeline.quality.factory import _evaluation, _rule_item, run_suite
from kuva_pipeline.quality.pipeline import run_sql_check, sql_check_parameters
from kuva_pipeline.quality.suites import (
    Rule,
    Suite,
    SuiteError,
    load_sql_checks,
    load_suites,
    parse_suite,
)
from tests.quality.conftest import CASES, MemoryWarehouse, load_case

ROWS = """
CREATE TABLE raw.t AS SELECT * FROM (VALUES
  ('a.csv', 1::BIGINT, 'x',  1,    true,  DATE '2021-03-01', DATE '2021-03-01'),
  ('a.csv', 2::BIGINT, 'x',  NULL, false, DATE '2021-03-01', NULL),
  ('a.csv', 3::BIGINT, NULL, 5,    NULL,  NULL,              NULL),
  ('b.csv', 1::BIGINT, 'y',  20,   false, DATE '2021-03-02', DATE '2021-03-01'),
  ('b.csv', 2::BIGINT, NULL, NULL, false, DATE '2021-04-01', DATE '2021-04-01')
) v(_source_file, _record_index, code, n, flag, day, _partition_date)
"""


def rule(name: str, expect: str, **kw) -> Rule:
    return Rule(name=name, expect=expect, severity="ERROR", why="w", **kw)


def run(rules: list[Rule], window=None, setup: str = ROWS, **suite_kw) -> dict:
    suite = Suite(path=CASES / "raw" / "t.yaml", schema="raw", table="t", description="d",
                  rules=tuple(rules), **suite_kw)
    return run_suite(suite, rules, MemoryWarehouse(setup), None, window, set(), engine="sql")


@pytest.mark.parametrize("padding", [0, sql_rules.SHORT_SET])
def test_a_long_value_set_gives_the_same_verdict_as_a_short_one(padding):
    # Padded past SHORT_SET, the set is read from a VALUES table instead of an IN list.
    unused = [f"z{i}" for i in range(padding)]
    res = run([
        rule("in_x", "expect_column_values_to_be_in_set", column="code", value_set=["x", *unused]),
        rule("in_numbers", "expect_column_values_to_be_in_set", column="n", value_set=[1, 20, *range(100, 100 + padding)]),
        rule("in_text", "expect_column_values_to_be_in_set", column="n", value_set=["1", "5", *unused]),
    ])
    # code is x, x, NULL, y, NULL: one of the three present values (y) is outside {x, ...}.
    assert (res["in_x"].success, res["in_x"].failed_rows, res["in_x"].element_count) == (False, 1, 5)
    assert res["in_x"].examples[0]["code"] == "y"
    # n is 1, NULL, 5, 20, NULL: 5 is outside {1, 20, ...}.
    assert (res["in_numbers"].success, res["in_numbers"].failed_rows) == (False, 1)
    # Against text the integer column compares its digits: 20 is outside {'1', '5', ...}.
    assert (res["in_text"].success, res["in_text"].failed_rows) == (False, 1)


def test_nulls_are_ignored_by_in_set_between_and_unique():
    res = run([
        rule("in_set", "expect_column_values_to_be_in_set", column="code", value_set=["x", "y"]),
        rule("between", "expect_column_values_to_be_between", column="n", min_value=0, max_value=20),
        rule("unique", "expect_column_values_to_be_unique", column="n"),
    ])
    # code is x, x, NULL, y, NULL: both NULLs are ignored and the rest are in the set.
    assert (res["in_set"].success, res["in_set"].failed_rows, res["in_set"].element_count) == (True, 0, 5)
    # n is 1, NULL, 5, 20, NULL: 20 is within the inclusive bound, the NULLs are ignored.
    assert (res["between"].success, res["between"].failed_rows) == (True, 0)
    # the two NULLs of n are not duplicates of each other.
    assert (res["unique"].success, res["unique"].failed_rows) == (True, 0)


def test_null_rules_judge_every_row():
    res = run([
        rule("present", "expect_column_values_to_not_be_null", column="code"),
        rule("absent", "expect_column_values_to_be_null", column="code"),
    ])
    # code has 2 NULLs (a.csv 3, b.csv 2) and 3 values among 5 rows.
    assert (res["present"].success, res["present"].failed_rows, res["present"].element_count) == (False, 2, 5)
    assert (res["absent"].success, res["absent"].failed_rows) == (False, 3)


def test_examples_carry_file_record_and_value():
    res = run([rule("small", "expect_column_values_to_be_between", column="n", max_value=10)])
    # only b.csv record 1 has n above 10 (20).
    assert res["small"].examples == [{"_source_file": "b.csv", "_record_index": 1, "n": 20}]
    pair = run([rule("same_day", "expect_column_pair_values_to_be_equal",
                     column_A="day", column_B="_partition_date")])["same_day"]
    # a.csv 2 has a day and no partition date; b.csv 1 is 2 March stored under 1 March;
    # a.csv 3 has neither and is ignored (both missing, GX's default).
    assert pair.failed_rows == 2
    assert pair.examples == [
        {"_source_file": "a.csv", "_record_index": 2, "day": "2021-03-01", "_partition_date": None},
        {"_source_file": "b.csv", "_record_index": 1, "day": "2021-03-02",
         "_partition_date": "2021-03-01"},
    ]


UNORDERED = """
CREATE {kind} raw.t AS SELECT * FROM (VALUES
  ('b.csv', 3::BIGINT, 'bad', 1),
  ('b.csv', 1::BIGINT, 'ok',  NULL),
  ('a.csv', 9::BIGINT, 'bad', 2),
  ('c.csv', 1::BIGINT, 'ok',  3),
  ('a.csv', 2::BIGINT, 'bad', NULL),
  ('b.csv', 2::BIGINT, 'bad', 4)
) v(_source_file, _record_index, code, n)
"""


@pytest.mark.parametrize("kind", ["TABLE", "VIEW"])
@pytest.mark.parametrize("located", [sql_rules.POSITIONS, 3])
def test_examples_are_the_first_broken_rows_in_file_order_wherever_they_lie(monkeypatch, kind, located):
    """The counting scan notes where a table's broken rows lie (up to POSITIONS of them) and
    the examples read only those; beyond that, or on a view, the examples scan the range.
    Either way they are the first broken rows by file and record, not by storage order."""
    monkeypatch.setattr(sql_rules, "POSITIONS", located)
    res = run([
        rule("ok", "expect_column_values_to_be_in_set", column="code", value_set=["ok"]),
        rule("n_present", "expect_column_values_to_not_be_null", column="n"),
        rule("n_small", "expect_column_values_to_be_between", column="n", max_value=2),
    ], setup=UNORDERED.format(kind=kind))
    # 'bad' in b.csv 3, a.csv 9, a.csv 2 and b.csv 2, stored in that order; n is NULL in
    # b.csv 1 and a.csv 2, and above 2 in c.csv 1 (3) and b.csv 2 (4). Five distinct rows
    # break a rule: more than 3, so with POSITIONS at 3 the examples come from the scan.
    assert [(e["_source_file"], e["_record_index"]) for e in res["ok"].examples] == [
        ("a.csv", 2), ("a.csv", 9), ("b.csv", 2), ("b.csv", 3)]
    assert res["n_present"].examples == [
        {"_source_file": "a.csv", "_record_index": 2, "n": None},
        {"_source_file": "b.csv", "_record_index": 1, "n": None},
    ]
    assert res["n_small"].examples == [
        {"_source_file": "b.csv", "_record_index": 2, "n": 4},
        {"_source_file": "c.csv", "_record_index": 1, "n": 3},
    ]
    assert (res["ok"].failed_rows, res["n_present"].failed_rows, res["n_small"].failed_rows) == (4, 2, 2)


def test_examples_of_a_table_read_only_the_rows_the_counting_scan_located():
    warehouse = CountingWarehouse(UNORDERED.format(kind="TABLE"))
    rules = [rule("ok", "expect_column_values_to_be_in_set", column="code", value_set=["ok"])]
    suite = Suite(path=CASES / "raw" / "t.yaml", schema="raw", table="t", description="d",
                  rules=tuple(rules))
    res = run_suite(suite, rules, warehouse, None, None, set(), engine="sql")
    assert res["ok"].failed_rows == 4
    # Stored first, third, fifth and sixth: rowids 0, 2, 4 and 5.
    examples = warehouse.counting.statements[-1]
    assert examples.rstrip().endswith("ORDER BY __unit, \"_source_file\", \"_record_index\", \"code\"")
    assert '"__position" IN (0, 2, 4, 5)' in examples


@pytest.mark.parametrize(
    ("mostly", "passes"),
    # code: 3 values of 5 rows, one of them ('y') outside {x}: in_set judges the
    # 3 non-null rows, so 2/3 = 0.667 pass.
    [(0.66, True), (0.67, False), (1.0, False)],
)
def test_mostly_is_judged_against_the_non_null_rows(mostly, passes):
    res = run([rule("in_set", "expect_column_values_to_be_in_set", column="code", value_set=["x"],
                    mostly=mostly)])["in_set"]
    assert res.success is passes and res.failed_rows == 1
    assert res.examples == ([] if passes else [{"_source_file": "b.csv", "_record_index": 1, "code": "y"}])


@pytest.mark.parametrize(
    ("mostly", "passes"),
    # not_be_null judges all 5 rows: 3 of 5 = 0.6 have a code.
    [(0.6, True), (0.61, False)],
)
def test_mostly_of_not_null_counts_every_row(mostly, passes):
    res = run([rule("present", "expect_column_values_to_not_be_null", column="code", mostly=mostly)])
    assert res["present"].success is passes


def test_uniqueness_reports_every_copy_and_respects_the_row_condition():
    res = run([
        rule("code_unique", "expect_column_values_to_be_unique", column="code"),
        rule("code_unique_unflagged", "expect_column_values_to_be_unique", column="code",
             row_condition="flag == False"),
        rule("pair_unique", "expect_compound_columns_to_be_unique", column_list=["code", "n"]),
    ])
    # 'x' appears twice (a.csv 1 and 2): both copies break it.
    assert res["code_unique"].failed_rows == 2
    assert [e["_record_index"] for e in res["code_unique"].examples] == [1, 2]
    # among flag = false rows (a.csv 2, b.csv 1, b.csv 2) the codes are x, y, NULL;
    # a.csv 3 has a NULL flag and is left out: no repeat. Its domain is those 3 rows.
    assert (res["code_unique_unflagged"].success, res["code_unique_unflagged"].element_count) == (True, 3)
    # (x,1), (x,NULL), (NULL,5), (y,20), (NULL,NULL): the last is all missing and ignored.
    assert res["pair_unique"].success


REPEATS = """
CREATE TABLE raw.t AS SELECT * FROM (VALUES
  ('a.csv', 1::BIGINT, NULL, NULL),
  ('a.csv', 2::BIGINT, 'k',  2),
  ('a.csv', 3::BIGINT, 'm',  NULL),
  ('a.csv', 4::BIGINT, 'k',  2),
  ('a.csv', 5::BIGINT, 'm',  NULL),
  ('b.csv', 1::BIGINT, 'k',  1),
  ('b.csv', 2::BIGINT, 'z',  9),
  ('b.csv', 3::BIGINT, 'k',  2)
) v(_source_file, _record_index, code, n)
"""


@pytest.mark.parametrize("ignore", ["all_values_are_missing", "any_value_is_missing", "never"])
def test_repeated_values_are_found_in_sorted_order_with_nulls_equal(ignore):
    res = run([
        rule("code_unique", "expect_column_values_to_be_unique", column="code"),
        rule("pair_unique", "expect_compound_columns_to_be_unique", column_list=["code", "n"],
             ignore_row_if=ignore),
    ], setup=REPEATS)
    # code: k four times (a2, a4, b1, b3), m twice (a3, a5), z once, one NULL (not judged).
    code = res["code_unique"]
    assert (code.failed_rows, code.element_count) == (6, 8)
    assert [(e["_source_file"], e["_record_index"]) for e in code.examples] == [
        ("a.csv", 2), ("a.csv", 3), ("a.csv", 4), ("a.csv", 5), ("b.csv", 1), ("b.csv", 3)]
    # (code, n): (k, 2) three times (a2, a4, b3); (m, NULL) twice, NULLs equal (a3, a5),
    # unless a row with a missing value is ignored; (k, 1) and (z, 9) once. The lone
    # (NULL, NULL) of a1 sorts first or last and has no twin: never a repeat, judged or not.
    pair = res["pair_unique"]
    expected = [("a.csv", 2), ("a.csv", 4), ("b.csv", 3)]
    if ignore != "any_value_is_missing":
        expected = sorted([*expected, ("a.csv", 3), ("a.csv", 5)])
    assert pair.failed_rows == len(expected)
    assert [(e["_source_file"], e["_record_index"]) for e in pair.examples] == expected


def test_row_conditions_in_pandas_syntax():
    sql, columns = sql_rules.condition_sql('status in ["A", "B"] and is_deleted == False')
    assert sql == "\"status\" IN ( 'A' , 'B' ) AND \"is_deleted\" = FALSE"
    assert columns == {"status", "is_deleted"}
    with pytest.raises(ValueError, match="cannot read"):
        sql_rules.condition_sql("a == 1; DROP TABLE x")


def test_greater_than_with_one_value_missing_breaks_it():
    res = run([rule("after", "expect_column_pair_values_a_to_be_greater_than_b",
                    column_A="n", column_B="_record_index", or_equal=True)])["after"]
    # n >= record: 1>=1 ok, NULL vs 2 breaks, 5>=3 ok, 20>=1 ok, NULL vs 2 breaks.
    assert (res.success, res.failed_rows) == (False, 2)


def test_the_window_limits_the_rows_and_row_count_reports_it():
    rules = [rule("rows", "expect_table_row_count_to_be_between", min_value=5),
             rule("present", "expect_column_values_to_not_be_null", column="code")]
    res = run(rules, window=(date(2021, 3, 1), date(2021, 3, 31)))
    # March holds a.csv 1 and b.csv 1 (a.csv 2 and 3 have no partition date, b.csv 2 is April).
    assert res["rows"].element_count == 2 and not res["rows"].success
    assert res["rows"].observed == ["expect_table_row_count_to_be_between(min_value=5): observed 2"]
    assert res["present"].success and res["present"].element_count == 2


def test_a_rule_on_a_missing_column_fails_alone():
    res = run([rule("ghost", "expect_column_values_to_not_be_null", column="ghost"),
               rule("present", "expect_column_values_to_not_be_null", column="n")])
    assert not res["ghost"].success and "ghost" in res["ghost"].errors[0]
    # n has 2 NULLs (a.csv 2, b.csv 2): the other rule still runs.
    assert res["present"].failed_rows == 2 and not res["present"].errors


def test_escalation_comes_from_the_share_of_failing_rows():
    warn = Rule(name="present", expect="expect_column_values_to_not_be_null", column="code",
                severity="WARN", error_above_pct=25, why="w")
    suite = Suite(path=CASES / "raw" / "t.yaml", schema="raw", table="t", description="d", rules=(warn,))
    item = _rule_item(suite, warn, dg.AssetKey(["raw", "t"]), ())
    res = run([warn])["present"]
    # 2 of 5 rows (40 %) lack a code: more than 25 %, so the WARN rule blocks.
    evaluation = _evaluation(item, res, None, None)
    assert (evaluation.severity, evaluation.blocks) == ("ERROR", True)
    march = run([warn], window=(date(2021, 3, 1), date(2021, 3, 31)))["present"]
    # March's 2 rows (a.csv 1, b.csv 1) both have a code.
    assert _evaluation(item, march, None, None).passed


class CountingConnection:
    """A connection that remembers the statements run on it."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con, self.statements = con, []

    def execute(self, sql, params=None):
        self.statements.append(sql)
        return self.con.execute(sql, params) if params else self.con.execute(sql)


class CountingWarehouse(MemoryWarehouse):
    @contextmanager
    def connect(self, read_only: bool = False):
        self.counting = CountingConnection(self.con)
        yield self.counting


@pytest.mark.parametrize(("value_set", "scans"), [(["x", "y"], 2), (["x"], 3)])
def test_one_scan_per_suite_and_one_more_for_examples(value_set, scans):
    rules = [rule("in_set", "expect_column_values_to_be_in_set", column="code", value_set=value_set),
             rule("unique", "expect_compound_columns_to_be_unique",
                  column_list=["_source_file", "_record_index"]),
             rule("present", "expect_column_values_to_not_be_null", column="_record_index")]
    suite = Suite(path=CASES / "raw" / "t.yaml", schema="raw", table="t", description="d",
                  rules=tuple(rules))
    warehouse = CountingWarehouse(ROWS)
    run_suite(suite, rules, warehouse, None, None, set(), engine="sql")
    reads = [s for s in warehouse.counting.statements if "raw.t" in s and not s.startswith("DESCRIBE")]
    # The uniqueness rule's values grouped once beforehand (only the repeated ones are
    # kept); all three rules in one SELECT; the examples in one more, only when a rule
    # fails: file and record are unique and present, and 'y' is only outside {x}.
    assert len(reads) == scans
    assert reads[0].startswith("CREATE OR REPLACE TEMP TABLE __kuva_repeats_")


def test_an_engine_is_declared_and_the_sql_engine_refuses_what_it_cannot_run(tmp_path):
    suites = load_suites()
    # GX judges aggregates DuckDB has reduced; every rule on rows runs in SQL.
    assert {s.path.stem for s in suites if s.engine == "gx"} == {
        s.path.stem for s in suites if s.aggregate
    } == {"nps_device_days"}
    path = tmp_path / "raw" / "x.yaml"
    path.parent.mkdir()
    path.write_text(
        "description: d\nengine: sql\nrules:\n  - name: r\n    expect: expect_column_mean_to_be_between\n"
        "    column: c\n    min_value: 1\n    severity: WARN\n    why: w\n",
        encoding="utf-8",
    )
    with pytest.raises(SuiteError, match="declare engine: gx"):
        parse_suite(path)


def _case_runs():
    for suite in load_suites():
        path = CASES / suite.schema / f"{suite.path.stem}.yaml"
        if path.exists():
            case = load_case(path)
            yield from ((suite, case, None), *((suite, case, v) for v in case.violations))


@pytest.mark.parametrize(
    ("suite", "case", "violation"),
    list(_case_runs()),
    ids=lambda v: getattr(v, "key", None) or (v if isinstance(v, str) else "clean"),
)
def test_both_engines_agree_rule_by_rule_on_every_case(suite, case, violation):
    """The same suite through GX (pandas) and through DuckDB: the same verdict for every rule."""
    extra = case.violations[violation].sql if violation else None
    verdicts = {}
    for engine in ("gx", "sql"):
        warehouse = MemoryWarehouse(case.setup, extra)
        results = run_suite(suite, list(suite.rules), warehouse, None, case.window, set(), engine=engine)
        verdicts[engine] = {
            name: (r.success, r.failed_rows, r.element_count, r.errors, r.observed,
                   sorted(json.dumps(e, sort_keys=True, default=str) for e in r.examples))
            for name, r in results.items()
        }
    assert verdicts["sql"] == verdicts["gx"]


def test_the_cross_month_id_check_compares_only_the_runs_ids():
    check = next(c for c in load_sql_checks() if c.name == "nps_feedback_ids_unique_across_months")
    warehouse = MemoryWarehouse(
        "CREATE TABLE staging.nps_responses AS SELECT * FROM (VALUES "
        "('1', 'nps/nps_2021-01.csv', 1::BIGINT, DATE '2021-01-05'), "
        "('1', 'nps/nps_2021-02.csv', 4::BIGINT, DATE '2021-02-07'), "
        "('2', 'nps/nps_2021-02.csv', 5::BIGINT, DATE '2021-02-08'), "
        "('2', 'nps/nps_2021-03.csv', 9::BIGINT, DATE '2021-03-01')"
        ") t(feedback_id, _source_file, _record_index, _partition_date)"
    )
    with warehouse.connect() as con:
        march = run_sql_check(con, check, {"partition_start": date(2021, 3, 1),
                                           "partition_end": date(2021, 3, 31)})
        april = run_sql_check(con, check, {"partition_start": date(2021, 4, 1),
                                           "partition_end": date(2021, 4, 30)})
    # March's only id is '2', also staged in February; id '1' (January and February)
    # is not March's and was reported when February ran.
    assert march.failed_rows == 1 and march.examples[0]["feedback_id"] == "2"
    assert march.examples[0]["records"] == "nps/nps_2021-02.csv record 5; nps/nps_2021-03.csv record 9"
    # April has no ids at all.
    assert april.success


def test_a_repeat_inside_the_range_is_the_suites_and_one_outside_it_the_checks():
    check = next(c for c in load_sql_checks() if c.name == "nps_feedback_ids_unique_across_months")
    setup = (
        "CREATE TABLE staging.nps_responses AS SELECT * FROM (VALUES "
        "('2', 'nps/nps_2021-02.csv', 5::BIGINT, DATE '2021-02-08'), "
        "('2', 'nps/nps_2021-03.csv', 9::BIGINT, DATE '2021-03-01'), "
        "('3', 'nps/nps_2021-03.csv', 10::BIGINT, DATE '2021-03-02')"
        ") t(feedback_id, _source_file, _record_index, _partition_date)"
    )
    unique = rule("feedback_id_unique", "expect_column_values_to_be_unique", column="feedback_id")
    suite = Suite(path=CASES / "staging" / "nps_responses.yaml", schema="staging", table="nps_responses",
                  description="d", rules=(unique,))
    for (start, end), check_fails, suite_fails in [
        # February and March run together: id 2 repeats inside the range.
        ((date(2021, 2, 1), date(2021, 3, 31)), 0, 2),
        # March alone: id 2 is also staged in February, outside the range.
        ((date(2021, 3, 1), date(2021, 3, 31)), 1, 0),
    ]:
        warehouse = MemoryWarehouse(setup)
        with warehouse.connect() as con:
            res = run_sql_check(con, check, {"partition_start": start, "partition_end": end})
        assert res.failed_rows == check_fails
        by_suite = run_suite(suite, [unique], MemoryWarehouse(setup), None, (start, end), set(), engine="sql")
        # The suite counts the rows of a repeated value: both copies of id 2.
        assert by_suite["feedback_id_unique"].failed_rows == suite_fails


def test_meter_reconciliations_compare_the_years_holding_the_runs_days():
    """A nightly run reconciles the meters of its own year; a full refresh every year."""
    checks = {c.name: c for c in load_sql_checks()}
    # The division's code comes from the reference; one answer in each of 2020 and 2021, and
    # the meter's 2020 year total broken (2 answers counted where staging holds 1).
    nps = MemoryWarehouse(
        "CREATE TABLE staging.ref_service_areas AS SELECT 'KUVA' AS code, 'division' AS kind; "
        "CREATE TABLE staging.nps_responses AS SELECT * FROM (VALUES "
        "(DATE '2020-06-01', 'KIR', true, false), (DATE '2021-06-01', 'KIR', true, false)"
        ") t(local_date, service_area, is_nps_survey, is_misuse); "
        "CREATE TABLE meters.nps_measures AS SELECT * FROM (VALUES "
        "('nps_index', 'month', DATE '2020-06-01', 'KIR', 1.0), ('nps_index', 'month', DATE '2020-06-01', 'KUVA', 1.0), "
        "('nps_index', 'year', DATE '2020-01-01', 'KIR', 2.0), ('nps_index', 'year', DATE '2020-01-01', 'KUVA', 2.0), "
        "('nps_index', 'month', DATE '2021-06-01', 'KIR', 1.0), ('nps_index', 'month', DATE '2021-06-01', 'KUVA', 1.0), "
        "('nps_index', 'year', DATE '2021-01-01', 'KIR', 1.0), ('nps_index', 'year', DATE '2021-01-01', 'KUVA', 1.0)"
        ") t(measure, grain, period_start, service_area, denominator)"
    )
    # Listings 1 (2020 only) and 2 (2021 only); the meter says 2020 held two.
    hobihobi = MemoryWarehouse(
        "CREATE TABLE staging.ref_service_areas AS SELECT 'KUVA' AS code, 'division' AS kind; "
        "CREATE TABLE staging.hobihobi_listings AS SELECT * FROM (VALUES "
        "(1, DATE '2020-05-01', DATE '2020-04-01', DATE '2020-08-31'), "
        "(2, DATE '2021-05-01', DATE '2021-04-01', DATE '2021-08-31')"
        ") t(listing_id, snapshot_date, visible_from, visible_until); "
        "CREATE TABLE meters.hobihobi_measures AS SELECT * FROM (VALUES "
        "('listings', 'year', DATE '2020-01-01', 'KUVA', 2.0), ('listings', 'year', DATE '2021-01-01', 'KUVA', 1.0)"
        ") t(measure, grain, period_start, service_area, value)"
    )
    for name, warehouse in (("nps_measures_match_staging", nps), ("hobihobi_listings_match_staging", hobihobi)):
        with warehouse.connect() as con:
            june_2021 = run_sql_check(con, checks[name], sql_check_parameters(None, (date(2021, 6, 1), date(2021, 6, 30))))
            june_2020 = run_sql_check(con, checks[name], sql_check_parameters(None, (date(2020, 6, 1), date(2020, 6, 30))))
            every_year = run_sql_check(con, checks[name], sql_check_parameters(None, None))
        assert june_2021.success and not june_2021.errors, (name, june_2021.errors, june_2021.examples)
        assert not june_2020.success and not june_2020.errors, (name, june_2020.errors)
        assert not every_year.success
        assert {str(e["period_start"]) for e in every_year.examples} == {"2020-01-01"}, every_year.examples
