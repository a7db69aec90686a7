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
    dbt.ref("marts__as_of_dates")
    dbt.ref("marts__checkins")
    dbt.ref("meters__meter_values")
    dbt.source("quality", "check_results")

    from kuva_pipeline.scorecard import compute_scorecard

    df = compute_scorecard(session)
    df["as_of"] = df["as_of"].astype("datetime64[ns]").dt.date
    df["row_count"] = df["row_count"].astype("Int64")
    return df
