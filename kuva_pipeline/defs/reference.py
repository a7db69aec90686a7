"""Reference data assets: devices, surveys, spaces and event rules maintained beside the landing zone."""


from dataclasses import dataclass

import dagster as dg

from kuva_pipeline.metadata import table_metadata
from kuva_pipeline.resources import LandingResource, WarehouseResource
from kuva_pipeline.sqlmodels import OWNER, WRITER_POOL


@dataclass(frozen=True)
class ReferenceTable:
    name: str
    file: str
    description: str


REFERENCE_TABLES: tuple[ReferenceTable, ...] = (
    ReferenceTable(
        "ref_nps_experience_points",
        "nps_experience_points.csv",
        "Feedback devices (experience points) with their site and service area.",
    ),
    ReferenceTable(
        "ref_nps_surveys", "nps_surveys.csv", "Surveys shown on the devices and which are NPS."
    ),
)


def build_reference_asset(ref: ReferenceTable) -> dg.AssetsDefinition:
    @dg.asset(
        key=["staging", ref.name],
        description=ref.description,
        group_name="reference",
        owners=[OWNER],
        kinds={"duckdb", "csv"},
        code_version="1",
        pool=WRITER_POOL,
    )
    def _ref(warehouse: WarehouseResource, landing: LandingResource) -> dg.MaterializeResult:
        path = landing.reference / ref.file
        if not path.exists():
            raise FileNotFoundError(f"reference file {path} is missing")
        with warehouse.connect() as con:
            con.execute(
                f"CREATE OR REPLACE TABLE staging.{ref.name} AS "
                "SELECT * FROM read_csv(?, header=true, auto_detect=true)",
                [str(path)],
            )
            meta = table_metadata(con, f"staging.{ref.name}")
        return dg.MaterializeResult(metadata={**meta, "file": str(path)})

    return _ref


ASSETS = [build_reference_asset(r) for r in REFERENCE_TABLES]
