"""Shared helpers of the quality tests: small warehouses built from SQL, and contract cases.

A case file `tests/quality/cases/<schema>/<table>.yaml` (or `cases/sql/<check>.yaml`)
gives the SQL that builds a clean warehouse for one contract and, for every
rule, a change that breaks it and what the failing check must name.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from kuva_pipeline.resources import SCHEMAS, LandingResource
from kuva_pipeline.sqlmacros import install

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
FIXTURES = HERE.parent / "fixtures"


@dataclass(frozen=True)
class Violation:
    sql: str
    names: dict[str, Any] = field(default_factory=dict)
    observed: str | None = None


@dataclass(frozen=True)
class Case:
    path: Path
    setup: str
    window: tuple[date, date] | None
    violations: dict[str, Violation]


def load_case(path: Path) -> Case:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    setup = [(CASES / "_shared" / f).read_text(encoding="utf-8") for f in data.get("setup_files", [])]
    setup.append(data.get("setup") or "")
    window = data.get("window")
    return Case(
        path=path,
        setup="\n".join(setup),
        window=(date.fromisoformat(str(window[0])), date.fromisoformat(str(window[1])))
        if window
        else None,
        violations={
            name: Violation(v["sql"], v.get("names") or {}, v.get("observed"))
            for name, v in (data.get("violations") or {}).items()
        },
    )


def run_sql(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    for statement in [s for s in sql.split(";") if s.strip()]:
        con.execute(statement)


class MemoryWarehouse:
    """A case's warehouse in memory: what `WarehouseResource.connect()` gives, without a file.

    The checks only run SQL on the connection they are handed, so the contract
    tests build each small warehouse in memory (milliseconds) instead of on disk;
    the end-to-end tests in test_blocking.py use the real resource.
    """

    def __init__(self, setup: str, extra_sql: str | None = None) -> None:
        self.con = duckdb.connect()
        for schema in SCHEMAS:
            self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        self.con.execute("SET TimeZone = 'Europe/Helsinki'")
        install(self.con)
        run_sql(self.con, setup)
        if extra_sql:
            run_sql(self.con, extra_sql)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        yield self.con


class WarehouseFactory:
    """Hands out a case's clean warehouse, or one broken by a violation's SQL."""

    def copy(self, case: Case, extra_sql: str | None = None) -> MemoryWarehouse:
        return MemoryWarehouse(case.setup, extra_sql)


@pytest.fixture(scope="session")
def warehouses() -> WarehouseFactory:
    return WarehouseFactory()


@pytest.fixture(scope="session")
def fixture_landing() -> LandingResource:
    return LandingResource(root=str(FIXTURES / "landing"), reference_root=str(FIXTURES / "reference"))


def names_row(examples: list[dict[str, Any]], wanted: dict[str, Any]) -> bool:
    """Whether one of the examples carries every wanted column value."""
    return any(all(ex.get(k) == v for k, v in wanted.items()) for ex in examples)
