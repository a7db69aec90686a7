"""marts.scorecard: every catalog meter scored at each as-of day of its scorecard.

The inputs are one row per meter and as-of day of `marts.scorecard_inputs`
(SQL); each is scored by the pure function
`kuva_pipeline.scoring.score_meter_day`. A Python model so that the pipeline
and time travel score alike; the roll-ups downstream are SQL.
"""

import typing
from datetime import date

SCORED = "marts__scorecard__scored"
"""The temporary table of the scored rows, on the model's own connection."""


def _sql_type(hint) -> str:
    """The DuckDB type of a MeterDayScore field: X | None is X's, a Literal of words VARCHAR."""
    if typing.get_origin(hint) is typing.Literal:
        return "VARCHAR"
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if args:
        return _sql_type(args[0])
    return {str: "VARCHAR", int: "BIGINT", float: "DOUBLE", bool: "BOOLEAN", date: "DATE"}[hint]


def model(dbt, session):
    dbt.config(materialized="table")
    from kuva_pipeline.scoring import MeterDayInput, MeterDayScore, score_meter_day

    inputs = dbt.ref("marts__scorecard_inputs").order("scorecard_id, goal_id, meter_id, as_of")
    names = inputs.columns
    days = [MeterDayInput.from_row(dict(zip(names, row, strict=True))) for row in inputs.fetchall()]
    types = typing.get_type_hints(MeterDayScore)
    rows = [score_meter_day(day).as_row() for day in days]
    # Typed whatever the values (an all-empty column stays DOUBLE), and filled a column per
    # list parameter. Not a pandas or Arrow frame: DuckDB imports pandas to read either, 0.3 s
    # of a nightly rescore that needs it nowhere else.
    columns = ", ".join(f'"{name}" {_sql_type(hint)}' for name, hint in types.items())
    session.execute(f"CREATE OR REPLACE TEMP TABLE {SCORED} ({columns})")
    session.execute(
        f"INSERT INTO {SCORED} SELECT " + ", ".join(f"unnest(${i})" for i in range(1, len(types) + 1)),
        [[row[name] for row in rows] for name in types],
    )
    return session.sql(f"SELECT * FROM {SCORED}")
