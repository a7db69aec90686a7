"""Every rule of every contract in checks/: a clean fixture passes, a broken one fails naming its rows.

The fixtures are the case files under tests/quality/cases/: a small warehouse
built in SQL, and for each rule one change that breaks it and the row (or
column, period, meter) the failing check must name.
"""

from __future__ import annotations

import pytest

from kuva_pipeline.quality import gx_runner
from kuva_pipeline.quality.factory import run_suite
from kuva_pipeline.quality.pipeline import run_sql_check, sql_check_parameters
from kuva_pipeline.quality.suites import load_sql_checks, load_suites
from tests.quality.conftest import CASES, load_case, names_row

SUITES = {s.key: s for s in load_suites()}
SQL_CHECKS = {c.name: c for c in load_sql_checks()}


def _suite_case(table: str):
    schema, name = table.split(".")
    path = CASES / schema / f"{name}.yaml"
    return load_case(path) if path.exists() else None


RULES = [(table, rule.name) for table, suite in sorted(SUITES.items()) for rule in suite.rules]


def test_every_rule_and_sql_check_has_a_case():
    missing = [
        f"{table}: {rule}"
        for table, rule in RULES
        if (case := _suite_case(table)) is None or rule not in case.violations
    ]
    missing += [
        f"checks/sql/{name}.sql"
        for name in SQL_CHECKS
        if not (CASES / "sql" / f"{name}.yaml").exists()
        or name not in load_case(CASES / "sql" / f"{name}.yaml").violations
    ]
    assert not missing, "rules without a violating fixture:\n" + "\n".join(missing)


def test_every_rule_builds_a_gx_expectation():
    problems = [p for suite in SUITES.values() for p in gx_runner.check_expectations(list(suite.rules))]
    assert not problems, problems


@pytest.mark.parametrize("table", sorted(t for t in SUITES if _suite_case(t)))
def test_clean_fixture_passes_every_rule(table, warehouses, fixture_landing):
    suite, case = SUITES[table], _suite_case(table)
    warehouse = warehouses.copy(case)
    results = run_suite(suite, list(suite.rules), warehouse, fixture_landing, case.window, set())
    failing = {n: (r.errors, r.observed, r.examples) for n, r in results.items() if not r.success}
    assert not failing, failing


@pytest.mark.parametrize(("table", "rule_name"), [r for r in RULES if _suite_case(r[0])])
def test_violation_fails_and_names_the_offending_rows(table, rule_name, warehouses, fixture_landing):
    suite, case = SUITES[table], _suite_case(table)
    violation = case.violations[rule_name]
    rule = next(r for r in suite.rules if r.name == rule_name)
    warehouse = warehouses.copy(case, violation.sql)
    result = run_suite(suite, [rule], warehouse, fixture_landing, case.window, set())[rule_name]
    assert not result.success, f"{table} {rule_name} passed on its violating fixture"
    assert not result.errors, result.errors
    if violation.names:
        assert names_row(result.examples, violation.names), (
            f"{rule_name}: no failing example names {violation.names}: {result.examples}"
        )
        assert result.failed_rows and result.failed_rows >= 1
    if violation.observed:
        assert any(violation.observed in o for o in result.observed), result.observed


@pytest.mark.parametrize("name", sorted(SQL_CHECKS))
def test_sql_check_passes_clean_and_fails_broken(name, warehouses):
    check = SQL_CHECKS[name]
    case = load_case(CASES / "sql" / f"{name}.yaml")
    params = sql_check_parameters(case.window, case.window)
    with warehouses.copy(case).connect() as con:
        clean = run_sql_check(con, check, params)
    assert clean.success and not clean.errors, (clean.errors, clean.examples)
    violation = case.violations[name]
    with warehouses.copy(case, violation.sql).connect() as con:
        broken = run_sql_check(con, check, params)
    assert not broken.success and not broken.errors, broken.errors
    assert names_row(broken.examples, violation.names), broken.examples


def test_case_files_belong_to_a_contract():
    known = set(SUITES) | {f"sql.{n}" for n in SQL_CHECKS}
    stray = [
        str(p.relative_to(CASES))
        for p in CASES.glob("*/*.yaml")
        if f"{p.parent.name}.{p.stem}" not in known
    ]
    assert not stray, f"case files without a contract: {stray}"
