"""A source, declared once: its name, raw tables and freshness limit; and the measures it offers.

Each module of `kuva_pipeline.sources` that feeds the scorecard declares one
`Source` at module level, with its raw tables (`RawSource`: landing folder,
file patterns and readers, fields, partitioning, personal-data columns).
`declared_sources()` finds them. Everything else reads this registry: the raw
loaders (one asset per raw table), the quality checks (which source a table
belongs to, its freshness limit, its health), the catalog validation and the
JSON Schema's source enum, and the generated inventory in docs/sources.md.

A measure is declared where it is computed: in the dbt config `meta` of the
model whose SELECT gives it (`assets/models/meters/meters__<source>_measures.sql`;
the owner-reported `checkin` source's `manual` in `meters__checkins.sql`):

    {{ config(materialized='table', meta={'kuva_source': 'varaamo', 'measures': {
        'bookings': {'description': '...', 'unit': 'bookings', 'accumulation': 'cumulative'}}}) }}

`measures_by_source()` reads them from the dbt manifest, once per manifest version.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # the scoring engine reads Accumulation from here and stays free of DuckDB
    from kuva_pipeline.sources.raw import RawSource

Accumulation = Literal["cumulative", "level", "stock", "milestone"]
"""How a meter's value behaves through the year.

cumulative: grows through the year (events held, participants); mid-year it is
    compared with a seasonal path and projected to year end.
level: judged as it stands at the as-of date (an index, a share, a unit cost);
    it can move either way, so mid-year it is only ever on track.
stock: a count of things put in place (devices in use, spaces on sale): it does
    not fall back, so it is achieved once it reaches the target (the documents'
    "Tavoite saavutettu 15.6.2020"), and its year-end projection is the count
    as it stands.
milestone: progress 0-100 % towards something done (TEHTY = 100).
"""

ACCUMULATIONS: tuple[str, ...] = ("cumulative", "level", "stock", "milestone")

SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


SOURCE_META = "kuva_source"
"""The key of a model's config meta naming the source its measures belong to."""
MEASURES_META = "measures"
"""The key of a model's config meta declaring its measures: name -> MEASURE_FIELDS."""
MEASURE_FIELDS = ("description", "unit", "accumulation")

MEASURES_PROJECT: Path | None = None
"""The dbt project whose models declare the measures; None is the project's own `assets/`.

A test that adds a measure to a copy of the project points this at the copy."""


class SourceDeclarationError(ValueError):
    """A source declaration that contradicts itself or another; the message names the module or model file."""


@dataclass(frozen=True)
class Measure:
    """What a measure computes, in which unit, and how it accumulates.

    Declared in the config meta of the model that computes it under the same
    name (`assets/models/meters/meters__<source>_measures.sql`); a catalog meter
    binds to it by source and name.
    """

    description: str
    unit: str
    accumulation: Accumulation
    model: str = field(default="", compare=False)
    """The model file that declares and computes it, e.g. assets/models/meters/meters__nps_measures.sql."""


@dataclass(frozen=True)
class Source:
    """One source of the scorecard, declared once.

    name: the one name of the source: what a catalog meter's `source` says, what
        the checks and `quality.check_results` file verdicts under, what
        `--allow-empty` takes. Every raw table of the source carries it as its
        `RawSource.name`; the tables keep their own names (`raw.varaamo_statistics`).
    title: the source as people call it, for the docs.
    raw: the raw tables the loaders fill from the landing zone.
    freshness_days: how many days may pass between the end of the period the
        newest landing file covers and today before the source is stale (a WARN
        check; its meters score no_data).
    freshness_note: why that limit, for the docs.
    owner_reported: the values are reported by goal owners in check-ins, so a
        meter's unit is its own rather than the measure's.
    """

    name: str
    title: str
    raw: tuple[RawSource, ...]
    freshness_days: int
    freshness_note: str = ""
    owner_reported: bool = False

    def __post_init__(self) -> None:
        where = f"source {self.name!r}"
        if not SOURCE_NAME.match(self.name):
            raise SourceDeclarationError(f"{where}: name {self.name!r} is not lower_snake_case")
        if not self.raw:
            raise SourceDeclarationError(f"{where}: a source needs at least one raw table")
        for raw in self.raw:
            if raw.name != self.name:
                raise SourceDeclarationError(
                    f"{where}: raw table {raw.table} names its source {raw.name!r}, not {self.name!r}"
                )
        if self.freshness_days < 0:
            raise SourceDeclarationError(f"{where}: freshness_days must be 0 or more, not {self.freshness_days}")

    @property
    def measures(self) -> Mapping[str, Measure]:
        """What the source offers, by name: declared in its models' config meta (`measures_by_source`)."""
        return measures_by_source().get(self.name, {})

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(r.table for r in self.raw)

    @property
    def personal_fields(self) -> dict[str, tuple[str, ...]]:
        """Raw table -> its personal-data columns (raw keeps them, staging drops them)."""
        return {r.table: r.personal_fields for r in self.raw if r.personal_fields}


def _package_modules() -> list[str]:
    from kuva_pipeline import sources as package

    return [
        f"{package.__name__}.{info.name}"
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name)
    ]


@cache
def declared_sources() -> tuple[Source, ...]:
    """Every `Source` declared at module level in `kuva_pipeline.sources`, by name.

    Fails naming both modules when two declarations share a name, a raw table
    or a landing folder.
    """
    found: dict[str, Source] = {}
    where: dict[str, str] = {}
    for module_name in _package_modules():
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if not isinstance(value, Source) or any(value is s for s in found.values()):
                continue
            if value.name in found:
                raise SourceDeclarationError(
                    f"{module_name}: source {value.name!r} is declared again (first in {where[value.name]})"
                )
            found[value.name] = value
            where[value.name] = module_name
    tables: dict[str, str] = {}
    folders: dict[str, str] = {}
    for name, source in found.items():
        for raw in source.raw:
            for seen, key, what in ((tables, raw.table, "raw table"), (folders, raw.folder, "landing folder")):
                if key in seen and seen[key] != name:
                    raise SourceDeclarationError(
                        f"{where[name]}: {what} {key!r} is already declared by source {seen[key]!r} "
                        f"({where[seen[key]]})"
                    )
                seen[key] = name
    return tuple(found[n] for n in sorted(found))


def reload_sources() -> tuple[Source, ...]:
    """Find the declarations again (after a module was added to the package)."""
    declared_sources.cache_clear()
    _MEASURES.clear()
    return declared_sources()


def source_names() -> tuple[str, ...]:
    return tuple(s.name for s in declared_sources())


def source_named(name: str) -> Source:
    """The declaration of `name`; KeyError naming the known sources otherwise."""
    for source in declared_sources():
        if source.name == name:
            return source
    raise KeyError(f"unknown source {name!r} (declared: {', '.join(source_names())})")


def raw_sources() -> list[RawSource]:
    """Every raw table of every source, by table name: one raw asset each."""
    return sorted((raw for s in declared_sources() for raw in s.raw), key=lambda r: r.table)


def measures_by_source() -> dict[str, dict[str, Measure]]:
    """Source name -> the measures it offers: what a catalog meter may bind to.

    Read from the config meta of the dbt project's models (see the module's
    docstring), once per version of the manifest.
    """
    from kuva_pipeline.dbt_project import DBT_DIR, load_manifest

    manifest = load_manifest(MEASURES_PROJECT or DBT_DIR)
    if _MEASURES.get("manifest") is not manifest:
        _MEASURES.clear()
        _MEASURES["measures"] = measures_in_manifest(manifest)
        _MEASURES["manifest"] = manifest
    return _MEASURES["measures"]


_MEASURES: dict[str, Any] = {}
"""The measures of the manifest object last read; `load_manifest` returns the same object until it changes."""


def _meta(node: Mapping[str, Any]) -> dict[str, Any]:
    return {**(node.get("meta") or {}), **((node.get("config") or {}).get("meta") or {})}


def measures_in_manifest(manifest: Mapping[str, Any]) -> dict[str, dict[str, Measure]]:
    """The measures the manifest's models declare in their config meta, by source.

    Fails naming the model file and the meta field when a declaration is
    incomplete, names an undeclared source, a measure name that is not
    lower_snake_case, an unknown accumulation, or a measure already declared;
    and naming the source when a declared source offers no measure.
    """
    sources = source_names()
    found: dict[str, dict[str, Measure]] = {}
    models = sorted(
        (n for n in manifest["nodes"].values() if n["resource_type"] == "model"),
        key=lambda n: n["original_file_path"],
    )
    for node in models:
        meta = _meta(node)
        if SOURCE_META not in meta and MEASURES_META not in meta:
            continue
        where = f"assets/{node['original_file_path']}: config meta"
        source, measures = meta.get(SOURCE_META), meta.get(MEASURES_META)
        if source not in sources:
            raise SourceDeclarationError(
                f"{where} {SOURCE_META!r}: {source!r} is not a declared source "
                f"(declared: {', '.join(sources)})"
            )
        if not isinstance(measures, Mapping) or not measures:
            raise SourceDeclarationError(
                f"{where} {MEASURES_META!r}: declare at least one measure of {source!r}, "
                f"name -> {{{', '.join(MEASURE_FIELDS)}}}"
            )
        for name, fields in measures.items():
            at = f"{where} {MEASURES_META}.{name}"
            if not SOURCE_NAME.match(str(name)):
                raise SourceDeclarationError(f"{at}: measure name {name!r} is not lower_snake_case")
            if not isinstance(fields, Mapping):
                raise SourceDeclarationError(f"{at}: give {', '.join(MEASURE_FIELDS)}, not {fields!r}")
            for key in fields:
                if key not in MEASURE_FIELDS:
                    raise SourceDeclarationError(
                        f"{at}.{key}: unknown field (a measure has {', '.join(MEASURE_FIELDS)})"
                    )
            for key in MEASURE_FIELDS:
                if not isinstance(fields.get(key), str) or not fields[key].strip():
                    raise SourceDeclarationError(f"{at}.{key}: missing or empty")
            if fields["accumulation"] not in ACCUMULATIONS:
                raise SourceDeclarationError(
                    f"{at}.accumulation: {fields['accumulation']!r} is not one of {', '.join(ACCUMULATIONS)}"
                )
            first = found.get(source, {}).get(name)
            if first is not None:
                raise SourceDeclarationError(
                    f"{at}: measure {name!r} of {source!r} is already declared in {first.model}"
                )
            found.setdefault(source, {})[name] = Measure(
                fields["description"], fields["unit"], fields["accumulation"],
                model=f"assets/{node['original_file_path']}",
            )
    for name in sources:
        if name not in found:
            raise SourceDeclarationError(
                f"source {name!r} offers no measure: a source offers at least one, declared in the "
                f"config meta of the model that computes it ({SOURCE_META!r}: {name!r}, "
                f"{MEASURES_META!r}: {{...}}) under assets/models/meters/"
            )
    return {name: found[name] for name in sources}


def owner_reported_sources() -> tuple[str, ...]:
    return tuple(s.name for s in declared_sources() if s.owner_reported)
