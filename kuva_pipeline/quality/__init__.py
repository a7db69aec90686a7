"""Data-quality contracts: suites in `checks/` turned into Dagster asset checks, and their history.

`suites` reads the declarative contracts (YAML suites, SQL checks), `sql_rules`
evaluates a table's rules inside DuckDB in one scan, `gx_runner` validates an
aggregate's rows (NPS presses per device and day) with Great Expectations 1.x,
`pipeline` holds the checks that span tables or look outside the warehouse
(schema, freshness), `results` appends every evaluation to
`quality.check_results`, `waivers` reads `checks/waivers.yaml`, `factory`
builds the asset checks, and `health` tells the scorecard which sources it can
trust. See docs/quality.md.
"""
