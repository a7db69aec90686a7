"""dbt-duckdb plugin: every dbt connection gets the project's SQL macros.

The loaders and the dbt models read Finnish numbers, dates and ISO 8601 instants
through the same DuckDB macros (`kuva_pipeline.sqlmacros`), so there is one
parser, not one per layer. The profile (`assets/profiles.yml`) names this module.
"""

from dbt.adapters.duckdb.plugins import BasePlugin

from kuva_pipeline import sqlmacros


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        sqlmacros.install(conn)

    def configure_cursor(self, cursor) -> None:
        # dbt opens a cursor for every model and test: the macros, made once for the DuckDB
        # instance, only need to be on its search path (`sqlmacros.install`).
        sqlmacros.install(cursor)
