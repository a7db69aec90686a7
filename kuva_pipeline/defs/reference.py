"""Reference data assets: service areas, devices, surveys, spaces and event rules beside the landing zone.

Each CSV is read with explicit column types, so a malformed date or a missing
column fails with the file and line instead of changing a column's type
silently, and a few rules (known service areas, unique ids) are checked before
the table is replaced. A service area is known when `staging.ref_service_areas`
(from service_areas.csv) lists it. The event classification YAML is validated
and flattened into tables the SQL models join.
"""

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from kuva_pipeline.metadata import table_metadata
from kuva_pipeline.resources import OWNER, WRITER_POOL, LandingResource, WarehouseResource
from kuva_pipeline.service_areas import ServiceAreaError, read_service_areas
from kuva_pipeline.sources.events import ClassificationError, empty_event_rules, load_event_rules
from kuva_pipeline.sources.landing import LandingFileError, as_utf8
from kuva_pipeline.sources.raw import csv_error, csv_header

SERVICE_AREAS_TABLE = "ref_service_areas"


@dataclass(frozen=True)
class ReferenceTable:
    name: str
    file: str
    description: str
    columns: dict[str, str]
    key: str
    # The landing folder of the source that needs this table: without landing files
    # there, a missing reference file gives an empty table instead of a failure
    # ("" for a table every source needs: the whole landing zone).
    source_folder: str
    # (SQL condition naming a bad row, what is wrong): checked before the table is replaced.
    rules: tuple[tuple[str, str], ...] = ()
    # A column that must hold a code of kind service_area in staging.ref_service_areas.
    service_area_column: str | None = None
    # Reads and checks the whole file first (file, line and field in its error).
    check_file: Callable[[Path], object] | None = None


REFERENCE_TABLES: tuple[ReferenceTable, ...] = (
    ReferenceTable(
        SERVICE_AREAS_TABLE,
        "service_areas.csv",
        "Service areas of the division: code, Finnish and English name, and kind (division, "
        "service_area, common, unit).",
        {"code": "VARCHAR", "name_fi": "VARCHAR", "name_en": "VARCHAR", "kind": "VARCHAR"},
        key="code",
        source_folder="",
        check_file=read_service_areas,
    ),
    ReferenceTable(
        "ref_nps_experience_points",
        "nps_experience_points.csv",
        "Feedback devices (experience points) with their site, service area and days in use.",
        {
            "experience_point_id": "VARCHAR",
            "name": "VARCHAR",
            "site": "VARCHAR",
            "service_area": "VARCHAR",
            "device_type": "VARCHAR",
            "in_use_from": "DATE",
            "in_use_until": "DATE",
        },
        key="experience_point_id",
        source_folder="nps",
        service_area_column="service_area",
        rules=(
            ("in_use_from IS NULL", "in_use_from is empty"),
            ("in_use_until < in_use_from", "in_use_until is before in_use_from"),
        ),
    ),
    ReferenceTable(
        "ref_nps_surveys",
        "nps_surveys.csv",
        "Surveys shown on the devices, which are NPS, and each survey's number of buttons (its scale).",
        {"survey_id": "VARCHAR", "name": "VARCHAR", "is_nps": "VARCHAR", "buttons": "INTEGER"},
        key="survey_id",
        source_folder="nps",
        rules=(
            ("lower(is_nps) NOT IN ('true', 'false') OR is_nps IS NULL", "is_nps is not true or false"),
            ("buttons IS NULL OR buttons NOT IN (4, 5, 11)", "buttons is not 4 or 5 (smileys) or 11 (NPS 0-10)"),
            ("lower(is_nps) = 'true' AND buttons <> 11", "an NPS survey (is_nps true) has 11 buttons, 0-10"),
        ),
    ),
    ReferenceTable(
        "ref_varaamo_resources",
        "varaamo_resources.csv",
        "Varaamo resources (bookable spaces) with unit, type, service area and sale date.",
        {
            "resource_id": "VARCHAR",
            "name": "VARCHAR",
            "unit": "VARCHAR",
            "type": "VARCHAR",
            "service_area": "VARCHAR",
            "for_sale": "BOOLEAN",
            "for_sale_from": "DATE",
        },
        key="resource_id",
        source_folder="varaamo",
        service_area_column="service_area",
        rules=(
            ("for_sale IS NULL", "for_sale is not true or false"),
            ("for_sale AND for_sale_from IS NULL", "for_sale is true but for_sale_from is empty"),
        ),
    ),
)


def _or_list(codes: list[str]) -> str:
    return codes[0] if len(codes) == 1 else f"{', '.join(codes[:-1])} or {codes[-1]}"


def _service_area_problems(con: duckdb.DuckDBPyConnection, ref: ReferenceTable) -> list[tuple[int, str]]:
    """Rows whose service area is not a code of kind service_area in staging.ref_service_areas."""
    col = ref.service_area_column
    try:
        known = [c for (c,) in con.execute(
            f"SELECT code FROM staging.{SERVICE_AREAS_TABLE} WHERE kind = 'service_area' ORDER BY code"
        ).fetchall()]
    except duckdb.CatalogException:
        raise LandingFileError(
            f"reference/{ref.file}: staging.{SERVICE_AREAS_TABLE} is not loaded; its service areas "
            "come from reference/service_areas.csv, loaded first"
        ) from None
    if not known:
        return [(0, "no service area of kind service_area in reference/service_areas.csv")]
    marks = ", ".join("?" for _ in known)
    rows = con.execute(
        f"SELECT _line FROM _ref WHERE {col} IS NULL OR {col} NOT IN ({marks}) ORDER BY _line", known
    ).fetchall()
    return [(ln, f"{col} is not {_or_list(known)}") for (ln,) in rows]


def load_reference_csv(con: duckdb.DuckDBPyConnection, ref: ReferenceTable, path: Path) -> None:
    """Read, check and replace `staging.<ref.name>`; raise LandingFileError naming file and line.

    A table with a service area column needs `staging.ref_service_areas` loaded first.
    """
    if ref.check_file is not None:
        try:
            ref.check_file(Path(path))
        except ServiceAreaError as exc:
            raise LandingFileError(str(exc)) from exc
    with tempfile.TemporaryDirectory(prefix="kuva_ref_") as tmp:
        readable = as_utf8(Path(path), Path(tmp), name=ref.file, delim=",")
        header = csv_header(readable, ",")
        missing = [c for c in ref.columns if c not in header]
        if missing:
            # A column added to the contract (nps_surveys.buttons) names itself, not a field count.
            raise LandingFileError(
                f"reference/{ref.file}: line 1: field {missing[0]}: missing from the header "
                f"(missing: {', '.join(missing)}; found: {', '.join(header)}); see docs/sources.md"
            )
        cols = "{" + ", ".join(f"'{c}': '{t}'" for c, t in ref.columns.items()) + "}"
        try:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _ref AS SELECT *, row_number() OVER () + 1 AS _line "
                f"FROM read_csv(?, header=true, auto_detect=false, columns={cols}, delim=',', "
                "quote='\"', escape='\"', strict_mode=true)",
                [str(readable)],
            )
        except duckdb.Error as exc:
            raise csv_error(exc, f"reference/{ref.file}", list(ref.columns), ",") from exc
    problems: list[str] = []
    dupes = con.execute(
        f"SELECT {ref.key}, list(_line ORDER BY _line) FROM _ref GROUP BY 1 HAVING count(*) > 1"
    ).fetchall()
    problems += [f"lines {', '.join(map(str, lines))}: {ref.key} {k} appears more than once" for k, lines in dupes]
    problems += [f"line {ln}: {ref.key} is empty" for (ln,) in con.execute(
        f"SELECT _line FROM _ref WHERE {ref.key} IS NULL"
    ).fetchall()]
    checked: list[tuple[int, str]] = []
    if ref.service_area_column:
        checked += _service_area_problems(con, ref)
    for condition, message in ref.rules:
        checked += [
            (ln, message)
            for (ln,) in con.execute(f"SELECT _line FROM _ref WHERE {condition} ORDER BY _line").fetchall()
        ]
    problems += [f"line {ln}: {message}" if ln else message for ln, message in checked]
    if problems:
        con.execute("DROP TABLE IF EXISTS _ref")
        raise LandingFileError(f"reference/{ref.file}: " + "; ".join(problems[:10]))
    con.execute(f"CREATE OR REPLACE TABLE staging.{ref.name} AS SELECT * EXCLUDE (_line) FROM _ref ORDER BY _line")
    con.execute("DROP TABLE IF EXISTS _ref")


def _has_landing_files(landing: LandingResource, folder: str) -> bool:
    root = landing.landing / folder
    return root.exists() and any(
        p.is_file() and not p.name.startswith((".", "_")) for p in root.rglob("*")
    )


def _missing(path: Path, landing: LandingResource, folder: str) -> None:
    """A missing reference file fails when its source has data to join it to."""
    if _has_landing_files(landing, folder):
        raise FileNotFoundError(
            f"reference file {path} is missing, and {folder}/ in the landing zone has files that need it"
        )


def build_reference_asset(ref: ReferenceTable) -> dg.AssetsDefinition:
    @dg.asset(
        key=["staging", ref.name],
        description=ref.description,
        group_name="reference",
        owners=[OWNER],
        kinds={"duckdb", "csv"},
        code_version="3" if ref.service_area_column else "2",
        pool=WRITER_POOL,
        # Its service areas are checked against the service areas table.
        deps=[dg.AssetKey(["staging", SERVICE_AREAS_TABLE])] if ref.service_area_column else None,
    )
    def _ref(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, landing: LandingResource
    ) -> dg.MaterializeResult:
        path = landing.reference / ref.file
        with warehouse.connect() as con:
            if path.exists():
                try:
                    load_reference_csv(con, ref, path)
                except LandingFileError as exc:
                    raise dg.Failure(description=str(exc), allow_retries=False) from exc
            else:
                _missing(path, landing, ref.source_folder)
                context.log.warning(f"{path} is missing; staging.{ref.name} is empty (no {ref.source_folder} data)")
                cols = ", ".join(f"{c} {t}" for c, t in ref.columns.items())
                con.execute(f"CREATE OR REPLACE TABLE staging.{ref.name} ({cols})")
            meta = table_metadata(con, f"staging.{ref.name}")
        return dg.MaterializeResult(metadata={**meta, "file": str(path), "file_exists": path.exists()})

    return _ref


EVENT_RULE_TABLES: dict[str, str] = {
    "ref_event_classes": "Event classes in the order they are tried, with the meter each feeds.",
    "ref_event_class_rules": "Each class's rules, one row per rule; a NULL condition does not apply.",
    "ref_event_class_ids": "Event ids each class includes or excludes explicitly.",
    "ref_event_publishers": "Publishers (organisations) the rules name, with their service area.",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["staging", name],
            description=description,
            group_name="reference",
            owners=[OWNER],
            kinds={"duckdb", "yaml"},
            code_version="1",
        )
        for name, description in EVENT_RULE_TABLES.items()
    ],
    pool=WRITER_POOL,
    name="event_classification",
    can_subset=False,
)
def event_classification(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, landing: LandingResource
):
    """The event classification rules (contract `event-classification v1`) as joinable tables."""
    path = landing.reference / "event_classification.yaml"
    if path.exists():
        try:
            tables = load_event_rules(path)
        except ClassificationError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
    else:
        _missing(path, landing, "events")
        context.log.warning(f"{path} is missing; the event rule tables are empty (no events data)")
        tables = {name: (cols, []) for name, (cols, _) in empty_event_rules().items()}
    with warehouse.connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            for name, (columns, rows) in tables.items():
                con.execute(f"CREATE OR REPLACE TABLE staging.{name} ({columns})")
                if rows:
                    marks = ", ".join("?" for _ in rows[0])
                    con.executemany(f"INSERT INTO staging.{name} VALUES ({marks})", rows)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        for name in EVENT_RULE_TABLES:
            yield dg.MaterializeResult(
                asset_key=["staging", name],
                metadata={**table_metadata(con, f"staging.{name}"), "file": str(path)},
            )


ASSETS = [*(build_reference_asset(r) for r in REFERENCE_TABLES), event_classification]
