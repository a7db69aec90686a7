"""Load and validate the catalog directory; export the JSON Schema editors use.

`load_catalog()` reads every `*.yaml` under data/catalog (or KUVA_CATALOG_DIR),
validates each file against the model and the rules in validation.py, checks
ids across files, and returns a `Catalog` with defaults resolved. Any problem
raises `CatalogError`, whose message lists all of them at once as
`<file>: <path.to.field>: <reason>`, so a planner fixes a file in one pass.
Service areas are checked against the reference file service_areas.csv (in
KUVA_REFERENCE_DIR, default data/reference), with the line of the field.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from pathlib import Path
from typing import IO, Any, NamedTuple

import yaml
from pydantic import ValidationError

from kuva_pipeline.catalog.model import Catalog, Scorecard
from kuva_pipeline.catalog.validation import (
    Problem,
    effective_accumulation,
    pydantic_problems,
    scorecard_problems,
)
from kuva_pipeline.service_areas import (
    ServiceArea,
    ServiceAreaError,
    read_service_areas,
    service_areas_file,
)
from kuva_pipeline.sources.declaration import measures_by_source

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CATALOG_DIR = REPO_ROOT / "data" / "catalog"
CATALOG_DIR_ENV = "KUVA_CATALOG_DIR"
SCHEMA_FILE_NAME = "catalog.schema.json"
SCHEMA_COMMENT = f"# yaml-language-server: $schema=./{SCHEMA_FILE_NAME}"


class CatalogError(ValueError):
    """The catalog has problems; `problems` lists each as file, path and reason."""

    def __init__(self, directory: Path, problems: list[Problem]):
        self.directory = directory
        self.problems = problems
        lines = "\n".join(str(problem) for problem in problems)
        count = f"{len(problems)} problem" + ("" if len(problems) == 1 else "s")
        super().__init__(f"catalog {directory} has {count}:\n{lines}")


def catalog_dir(directory: Path | str | None = None) -> Path:
    """The catalog directory: the argument, else $KUVA_CATALOG_DIR, else data/catalog."""
    if directory is not None:
        return Path(directory)
    from_env = os.environ.get(CATALOG_DIR_ENV)
    return Path(from_env) if from_env else DEFAULT_CATALOG_DIR


class _StrictLoader(yaml.SafeLoader):
    """A safe YAML loader that rejects duplicate keys (PyYAML keeps the last silently)."""


class _FastStrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The same on libyaml's parser where PyYAML has it (several times faster).

    A file it cannot read is read again with `_StrictLoader`, whose messages are PyYAML's.
    """


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_FastStrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)


def _yaml_problem(file: str, exc: yaml.YAMLError) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}" if mark is not None else ""
    reason = getattr(exc, "problem", None) or str(exc)
    return Problem(file, where, f"invalid YAML: {reason}")


def _line_finder(text: str):
    """A function giving the 1-based line of a field path (`goals[0].meters[1].unit`) in the YAML.

    The YAML is composed again only when a line is asked for (a problem to report).
    """

    @functools.cache
    def root() -> yaml.Node | None:
        try:
            return yaml.compose(text, Loader=_FastStrictLoader)
        except yaml.YAMLError:
            return None

    def line_of(path: str) -> int | None:
        node = root()
        for key, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
            if isinstance(node, yaml.MappingNode) and key:
                node = next((v for k, v in node.value if k.value == key), None)
            elif isinstance(node, yaml.SequenceNode) and index:
                i = int(index)
                node = node.value[i] if i < len(node.value) else None
            else:
                node = None
            if node is None:
                return None
        return node.start_mark.line + 1 if node is not None else None

    return line_of


def _parse_file(path: Path, areas: ServiceAreas) -> tuple[Scorecard | None, list[Problem]]:
    file = path.name
    text = path.read_text(encoding="utf-8")
    try:
        try:
            data = yaml.load(text, Loader=_FastStrictLoader)
        except yaml.YAMLError:
            data = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        return None, [_yaml_problem(file, exc)]
    if not isinstance(data, dict):
        return None, [Problem(file, "", "a scorecard file must be a mapping at the top level")]
    try:
        card = Scorecard.model_validate(data)
    except ValidationError as exc:
        return None, pydantic_problems(file, exc)
    return card, scorecard_problems(
        file, path.stem, card, areas.areas, areas.label, _line_finder(text)
    )


def _scorecard_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _id_problems(parsed: list[tuple[str, Scorecard]]) -> list[Problem]:
    # Goal and meter ids share one namespace across the catalog, so BI can
    # join on either without knowing which kind it is.
    problems: list[Problem] = []
    first: dict[str, tuple[str, str]] = {}

    def claim(item_id: str, file: str, path: str) -> None:
        if item_id in first:
            other_file, other_path = first[item_id]
            problems.append(
                Problem(
                    file, path, f"duplicate id {item_id!r} (also at {other_file}: {other_path})"
                )
            )
        else:
            first[item_id] = (file, path)

    for file, card in parsed:
        claim(card.id, file, "id")
        for g, goal in enumerate(card.goals):
            claim(goal.id, file, f"goals[{g}].id")
            for m, meter in enumerate(goal.meters):
                claim(meter.id, file, f"goals[{g}].meters[{m}].id")
    return problems


class ServiceAreas(NamedTuple):
    """The service areas a meter may name, the file they come from, and its problem if any."""

    areas: dict[str, ServiceArea] | None
    label: str
    problem: Problem | None

    @classmethod
    def read(cls, reference_dir: Path | str | None) -> ServiceAreas:
        path = service_areas_file(reference_dir)
        label = f"reference/{path.name}"
        try:
            return cls(read_service_areas(path), label, None)
        except ServiceAreaError as exc:
            reason = str(exc).removeprefix(f"{label}: ")
            return cls(None, label, Problem(str(path), "", reason))


def validate_catalog(
    directory: Path | str | None = None, reference_dir: Path | str | None = None
) -> list[Problem]:
    """Every problem in the catalog; empty when it is valid.

    `reference_dir` holds service_areas.csv; default $KUVA_REFERENCE_DIR or data/reference.
    """
    return _load(catalog_dir(directory), reference_dir)[1]


def _load(
    directory: Path, reference_dir: Path | str | None = None
) -> tuple[list[Scorecard], list[Problem]]:
    if not directory.is_dir():
        return [], [Problem(str(directory), "", "catalog directory does not exist")]
    files = _scorecard_files(directory)
    if not files:
        return [], [Problem(str(directory), "", "no scorecard files (*.yaml)")]
    areas = ServiceAreas.read(reference_dir)
    problems: list[Problem] = [areas.problem] if areas.problem else []
    parsed: list[tuple[str, Scorecard]] = []
    for path in files:
        card, found = _parse_file(path, areas)
        problems.extend(found)
        if card is not None:
            parsed.append((path.name, card))
    problems.extend(_id_problems(parsed))
    # Stable sort: each file's problems together, in the order they were found.
    problems.sort(key=lambda problem: problem.file)
    return [card for _, card in parsed], problems


def _resolve(catalog: Catalog) -> None:
    """Fill the defaults the model leaves open, so consumers never recompute them."""
    measures = measures_by_source()
    for scorecard, goal, meter in catalog.meters():
        meter.accumulation = effective_accumulation(meter, measures)  # type: ignore[assignment]
        if scorecard.weighted and len(goal.meters) == 1:
            meter.weight_pct = goal.weight_pct
        for checkin in meter.checkins:
            if checkin.date is None and checkin.forecast_round is not None:
                checkin.date = scorecard.round_date(checkin.forecast_round)


def load_catalog(
    directory: Path | str | None = None, reference_dir: Path | str | None = None
) -> Catalog:
    """Load, validate and resolve the catalog; raise CatalogError listing every problem."""
    resolved_dir = catalog_dir(directory)
    scorecards, problems = _load(resolved_dir, reference_dir)
    if problems:
        raise CatalogError(resolved_dir, problems)
    catalog = Catalog(directory=resolved_dir, scorecards=scorecards)
    _resolve(catalog)
    return catalog


def catalog_json_schema() -> dict[str, Any]:
    """JSON Schema of one scorecard file, for editors (yaml-language-server)."""
    schema = Scorecard.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "KUVA scorecard (one file of data/catalog)",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def render_json_schema() -> str:
    return json.dumps(catalog_json_schema(), indent=2, ensure_ascii=False) + "\n"


def export_json_schema(path: Path | str | None = None) -> Path:
    """Write the JSON Schema (default data/catalog/catalog.schema.json); return the path."""
    target = Path(path) if path is not None else DEFAULT_CATALOG_DIR / SCHEMA_FILE_NAME
    target.write_text(render_json_schema(), encoding="utf-8")
    return target


def validate_command(directory: Path | str | None = None, out: IO[str] | None = None) -> int:
    """`kuva catalog validate`: print a summary or every problem; return the exit code."""
    out = out or sys.stdout
    resolved_dir = catalog_dir(directory)
    try:
        catalog = load_catalog(resolved_dir)
    except CatalogError as exc:
        print(exc, file=out)
        return 1
    goals = sum(1 for _ in catalog.goals())
    meters = list(catalog.meters())
    checkins = sum(len(meter.checkins) for _, _, meter in meters)
    print(
        f"catalog {resolved_dir} is valid: {len(catalog.scorecards)} scorecards, "
        f"{goals} goals, {len(meters)} meters, {checkins} check-ins",
        file=out,
    )
    return 0


MEASURE_COLUMNS = ("source", "measure", "unit", "accumulation", "description")


def measures_command(out: IO[str] | None = None) -> int:
    """`kuva catalog measures`: every measure a meter may bind to, from the dbt models' config meta."""
    out = out or sys.stdout
    by_source = measures_by_source()
    rows = [
        (source, name, measure.unit, measure.accumulation, measure.description)
        for source, measures in by_source.items()
        for name, measure in measures.items()
    ]
    widths = [
        max(len(row[i]) for row in [MEASURE_COLUMNS, *rows])
        for i in range(len(MEASURE_COLUMNS) - 1)
    ]
    for row in [MEASURE_COLUMNS, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]), file=out)
    print(
        f"{len(rows)} measures of {len(by_source)} sources, declared in the config meta of their models "
        "(assets/models/meters/)",
        file=out,
    )
    return 0
