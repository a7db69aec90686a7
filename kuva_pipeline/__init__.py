"""kuva-pipeline: KUVA scorecards as a Dagster pipeline over a DuckDB warehouse."""
