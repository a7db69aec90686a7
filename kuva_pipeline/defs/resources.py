"""The code location's resources: the warehouse, the landing zone, the catalog and dbt.

Values come from the environment or fresh-clone defaults (see
`kuva_pipeline.resources.default_resources`); tests and the command line
replace them through `kuva_pipeline.definitions.build_definitions`.
"""

import dagster as dg

from kuva_pipeline.dbt_project import dbt_resource
from kuva_pipeline.resources import default_resources


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"dbt": dbt_resource(), **default_resources()})
