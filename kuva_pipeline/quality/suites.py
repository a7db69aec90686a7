"""The declarative contracts under `checks/`: expectation suites and SQL checks.

Freshness limits belong to each source's declaration (`kuva_pipeline/sources/`).

A suite is `checks/<schema>/<table>.yaml`, one per warehouse table:

    description: What the table promises.
    engine: sql                            # sql: inside DuckDB; gx: GX over pandas (small tables)
    rules:
      - name: button_index_in_range        # the Dagster check's name
        expect: expect_column_values_to_be_between   # a GX 1.x expectation
        column: button_index               # or columns: [a, b] for one each
        min_value: 0                       # further keys are the expectation's own
        max_value: 10
        severity: ERROR                    # ERROR blocks downstream, WARN reports
        why: The NPS index is only defined on 0-10.

`expect: column_types` with `columns: {name: DUCKDB_TYPE}` checks the table's
own column types. A suite with `table:` and `aggregate:` (a SELECT over
`checked_rows`) judges an aggregate of the table's rows instead, e.g. presses
per device and day. A SQL check is `checks/sql/<name>.sql`: a YAML header, then
a SELECT returning the offending rows (none means the check passes).

Everything here is parsed without importing Great Expectations, so loading the
code location stays fast; the expectations are built when a check runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kuva_pipeline.quality.config import CHECKS_DIR

SUITE_SCHEMAS = ("raw", "catalog", "staging", "quarantine", "meters", "marts", "bi")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_HEADER = re.compile(r"\A\s*/\*\s*---\s*\n(.*?)\n\s*---\s*\*/\s*(.*)\Z", re.S)
# Not after a slash: `docs/catalog.md` in a comment is a path, not the table catalog.md.
TABLE_REF = re.compile(r"(?<!/)\b(raw|catalog|staging|quarantine|meters|marts|quality|bi)\.([a-z_][a-z0-9_]*)\b")

Severity = Literal["ERROR", "WARN"]
Engine = Literal["sql", "gx"]
"""Where a suite's row rules run: `sql` inside DuckDB (quality/sql_rules.py), `gx` in
Great Expectations over a pandas frame (quality/gx_runner.py). docs/quality.md says which
suite declares which, and why."""

RULE_KEYS = {
    "name",
    "expect",
    "severity",
    "why",
    "error_above_pct",
    "column",
    "columns",
    "value_set_sql",
    "value_set_reference",
}


class SuiteError(ValueError):
    """A contract file that cannot be used; the message names the file and the field."""


def _fmt(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}" for err in exc.errors()
    )


class Rule(BaseModel):
    """One expectation of a suite; one Dagster asset check."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    expect: str
    severity: Severity
    why: str = Field(min_length=1)
    error_above_pct: float | None = Field(
        default=None,
        ge=0,
        le=100,
        description="A WARN rule becomes ERROR (blocking) when more than this share of rows fails.",
    )
    column: str | None = None
    columns: list[str] | dict[str, str] | None = None
    value_set_sql: str | None = None
    value_set_reference: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError("a check name is lower_snake_case")
        return value

    @field_validator("expect")
    @classmethod
    def _expect(cls, value: str) -> str:
        if value != "column_types" and not re.match(r"^expect_[a-z0-9_]+$", value):
            raise ValueError("expect names a GX expectation (expect_...) or column_types")
        return value

    @model_validator(mode="after")
    def _shape(self) -> Rule:
        if self.expect == "column_types" and not isinstance(self.columns, dict):
            raise ValueError("column_types needs columns: {name: DUCKDB_TYPE}")
        if self.column and self.columns:
            raise ValueError("give column or columns, not both")
        if self.value_set_sql and self.value_set_reference:
            raise ValueError("give value_set_sql or value_set_reference, not both")
        if self.error_above_pct is not None and self.severity != "WARN":
            raise ValueError("error_above_pct escalates a WARN rule; an ERROR rule blocks anyway")
        return self

    @property
    def blocking(self) -> bool:
        """Whether a failure can stop what is downstream (the Dagster spec's `blocking`)."""
        return self.severity == "ERROR" or self.error_above_pct is not None

    @property
    def kwargs(self) -> dict[str, Any]:
        """The expectation's own arguments (everything that is not a rule key)."""
        return dict(self.model_extra or {})

    @property
    def tables_read(self) -> set[str]:
        """Warehouse tables the rule's value set reads."""
        return {f"{m.group(1)}.{m.group(2)}" for m in TABLE_REF.finditer(self.value_set_sql or "")}

    @property
    def target_columns(self) -> list[str]:
        if self.column:
            return [self.column]
        if isinstance(self.columns, dict):
            return list(self.columns)
        return list(self.columns or [])


class SuiteFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=1)
    source: str | None = None
    row_id: list[str] | None = Field(
        default=None,
        description="Columns that name an offending row; default _source_file, _record_index.",
    )
    derive: dict[str, str] = Field(
        default_factory=dict, description="Extra columns computed in DuckDB before validation."
    )
    table: str | None = Field(
        default=None,
        description="The table checked, when the file is not named after it (an aggregate's suite).",
    )
    aggregate: str | None = Field(
        default=None,
        description="A SELECT over `checked_rows` (the run's rows of the table, with the derived "
        "columns); the rules then judge its rows, e.g. presses per device and day.",
    )
    engine: Engine = Field(
        default="sql",
        description="Where the row rules run: sql (inside DuckDB, any size; the default) or gx "
        "(Great Expectations over a pandas frame: small tables only).",
    )
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> SuiteFile:
        names = [r.name for r in self.rules]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"rule names must be unique in a suite: {', '.join(dupes)}")
        return self

    @model_validator(mode="after")
    def _aggregate(self) -> SuiteFile:
        if self.aggregate is not None:
            if not self.table:
                raise ValueError("an aggregate's suite names the table it aggregates (table:)")
            if not self.row_id:
                raise ValueError("an aggregate's suite names its rows by their group columns (row_id:)")
            if "checked_rows" not in self.aggregate:
                raise ValueError("aggregate selects FROM checked_rows (the run's rows of the table)")
        return self

    @model_validator(mode="after")
    def _engine(self) -> SuiteFile:
        if self.engine == "sql":
            from kuva_pipeline.quality.sql_rules import unsupported

            problems = [f"{r.name}: {p}" for r in self.rules if (p := unsupported(r))]
            if problems:
                raise ValueError("; ".join(problems))
        return self


@dataclass(frozen=True)
class Suite:
    """A table's contract, read from `checks/<schema>/<table>.yaml`."""

    path: Path
    schema: str
    table: str
    description: str
    rules: tuple[Rule, ...]
    source: str | None = None
    row_id: tuple[str, ...] | None = None
    derive: dict[str, str] = field(default_factory=dict)
    engine: str = "sql"
    aggregate: str | None = None
    """A SELECT over `checked_rows` whose rows the rules judge (else the table's rows)."""

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def key(self) -> str:
        """The suite's own name, schema.file (a table has one suite, plus any aggregates)."""
        return f"{self.schema}.{self.path.stem}"

    @property
    def asset_path(self) -> tuple[str, str]:
        return (self.schema, self.table)

    def referenced_tables(self) -> set[str]:
        """Other warehouse tables the suite's value sets read (ordering dependencies)."""
        return {t for rule in self.rules for t in rule.tables_read} - {self.qualified}


def _known_source(path: Path, source: str | None) -> None:
    """A contract's `source` is the name of a declared source (kuva_pipeline/sources/)."""
    from kuva_pipeline.sources.declaration import source_names

    if source is not None and source not in source_names():
        raise SuiteError(
            f"{path}: source: {source!r} is not a declared source ({', '.join(source_names())})"
        )


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str) -> Any:
    """`yaml.safe_load` with libyaml's loader where PyYAML has it: ten times faster, and the
    suites are read at every start and by every check step."""
    return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader


def parse_suite(path: Path) -> Suite:
    schema = path.parent.name
    if schema not in SUITE_SCHEMAS:
        raise SuiteError(f"{path}: suites live under checks/<schema>/, one of {SUITE_SCHEMAS}")
    try:
        data = read_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SuiteError(f"{path}: {exc}") from exc
    try:
        parsed = SuiteFile.model_validate(data)
    except ValidationError as exc:
        raise SuiteError(f"{path}: {_fmt(exc)}") from exc
    _known_source(path, parsed.source)
    return Suite(
        path=path,
        schema=schema,
        table=parsed.table or path.stem,
        description=parsed.description.strip(),
        rules=tuple(parsed.rules),
        source=parsed.source,
        row_id=tuple(parsed.row_id) if parsed.row_id else None,
        derive=dict(parsed.derive),
        engine=parsed.engine,
        aggregate=parsed.aggregate.strip() if parsed.aggregate else None,
    )


def load_suites(checks_dir: Path = CHECKS_DIR) -> list[Suite]:
    return [
        parse_suite(p)
        for schema in SUITE_SCHEMAS
        for p in sorted((checks_dir / schema).glob("*.yaml"))
    ]


class SqlHeader(BaseModel):
    model_config = ConfigDict(extra="forbid")

    asset: str = Field(description="The table the check is attached to, schema.table.")
    severity: Severity
    why: str = Field(min_length=1)
    description: str = Field(min_length=1)
    requires: list[str] = Field(default_factory=list)
    source: str | None = None

    @field_validator("asset")
    @classmethod
    def _asset(cls, value: str) -> str:
        if not re.match(r"^[a-z_]+\.[a-z0-9_]+$", value):
            raise ValueError("asset is schema.table")
        return value


@dataclass(frozen=True)
class SqlCheck:
    """A check written as SQL: `checks/sql/<name>.sql`, returning the offending rows."""

    path: Path
    name: str
    asset: str
    severity: str
    why: str
    description: str
    sql: str
    requires: tuple[str, ...] = ()
    source: str | None = None

    @property
    def blocking(self) -> bool:
        return self.severity == "ERROR"

    @property
    def asset_path(self) -> tuple[str, str]:
        schema, _, table = self.asset.partition(".")
        return (schema, table)

    @property
    def referenced_tables(self) -> set[str]:
        found = {f"{m.group(1)}.{m.group(2)}" for m in TABLE_REF.finditer(self.sql)}
        return (found | set(self.requires)) - {self.asset}

    @property
    def parameters(self) -> set[str]:
        return set(re.findall(r"\$([a-z_]+)", self.sql))


def parse_sql_check(path: Path) -> SqlCheck:
    text = path.read_text(encoding="utf-8")
    match = _HEADER.match(text)
    if not match:
        raise SuiteError(f"{path}: line 1: a SQL check starts with a /* --- YAML --- */ header")
    if not NAME.match(path.stem):
        raise SuiteError(f"{path}: the file name is the check's name, lower_snake_case")
    try:
        header = SqlHeader.model_validate(read_yaml(match.group(1)) or {})
    except yaml.YAMLError as exc:
        raise SuiteError(f"{path}: header: {exc}") from exc
    except ValidationError as exc:
        raise SuiteError(f"{path}: header: {_fmt(exc)}") from exc
    _known_source(path, header.source)
    sql = match.group(2).strip().rstrip(";")
    if not sql:
        raise SuiteError(f"{path}: no SELECT after the header")
    return SqlCheck(
        path=path,
        name=path.stem,
        asset=header.asset,
        severity=header.severity,
        why=header.why.strip(),
        description=header.description.strip(),
        sql=sql,
        requires=tuple(header.requires),
        source=header.source,
    )


def load_sql_checks(checks_dir: Path = CHECKS_DIR) -> list[SqlCheck]:
    return [parse_sql_check(p) for p in sorted((checks_dir / "sql").glob("*.sql"))]
