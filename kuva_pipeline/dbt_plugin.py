"""dbt-duckdb plugin: every dbt connection gets the project's SQL macros.

The loaders and the dbt models read Finnish numbers, dates and ISO 8601 instants
through the same DuckDB macros (`kuva_pipeline.sqlmacros`), so there is one
parser, not one per layer. The profile (`assets/profiles.yml`) names this module.

Time travel's run over a source copy that reads most raw rows from a base file
(`kuva_pipeline.publish.publish_source_copy`) names the base in KUVA_TIME_TRAVEL_BASE;
it is attached read-only beside the copy, for the views over the two.
"""

import os

from dbt.adapters.duckdb.plugins import BasePlugin

from kuva_pipeline import sqlmacros

BASE_ALIAS = "whb"
"""The name a source copy's base is attached under (the copy itself is `wh`)."""

BASE_ENV = "KUVA_TIME_TRAVEL_BASE"
"""The base file a time travel run attaches, when its source copy has one."""


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        sqlmacros.install(conn)
        base = os.environ.get(BASE_ENV)
        if base:
            attached = conn.execute(
                "SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [BASE_ALIAS]
            ).fetchone()[0]
            if not attached:
                quoted = "'" + base.replace("'", "''") + "'"
                conn.execute(f"ATTACH {quoted} AS {BASE_ALIAS} (READ_ONLY)")

    def configure_cursor(self, cursor) -> None:
        # dbt opens a cursor for every model and test: the macros, made once for the DuckDB
        # instance, only need to be on its search path (`sqlmacros.install`).
        sqlmacros.install(cursor)
