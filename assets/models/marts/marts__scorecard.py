"""marts.scorecard: every catalog meter scored at each as-of day of its scorecard.

A Python model so that the pipeline and time travel run the same scoring: the
inputs are the upstream models, the rules are the pure engine in
`kuva_pipeline.scoring`, called through `kuva_pipeline.scorecard`.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    # The inputs, declared so that dbt (and the Dagster lineage) know them.
    dbt.source("catalog", "dim_meter")
    dbt.source("catalog", "dim_target")
    dbt.ref("catalog__as_of_dates")
    dbt.ref("meters__checkins")
    dbt.ref("meters__meter_values")
    dbt.source("quality", "check_results")

    from kuva_pipeline.scorecard import SCORECARD_TYPES, compute_scorecard

    # Its own cursor: the reads leave no open result on the connection dbt writes with.
    scored = compute_scorecard(session.cursor())  # noqa: F841 - read by the SELECT below
    columns = ", ".join(f'CAST("{name}" AS {sql_type}) AS "{name}"' for name, sql_type in SCORECARD_TYPES.items())
    return session.sql(f"SELECT {columns} FROM scored")
