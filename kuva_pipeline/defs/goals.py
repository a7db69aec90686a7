"""Goal and scorecard roll-ups of the scored meters.

A goal's status is the worst among its scored meters (a goal is only as far
along as its weakest meter); `no_data` only when none of its meters has data.
A weighted scorecard (seed 004: 30 / 30 / 40) also gets its weighted total
from the scoring engine's `rollup`, the same function the tests pin down.
"""

import dagster as dg
import pandas as pd

from kuva_pipeline.metadata import table_metadata
from kuva_pipeline.resources import OWNER, WRITER_POOL, WarehouseResource
from kuva_pipeline.scoring import STATUS_LABELS, RollupItem, rollup

# Worst first: the goal takes the first of these that any of its meters has.
STATUS_ORDER = ("not_achieved", "at_risk", "on_track", "achieved")

GOAL_COLUMNS = {
    "scorecard_id": "Scorecard.",
    "year": "The scorecard's year.",
    "as_of": "Day scored.",
    "goal_id": "Goal.",
    "weight_pct": "Weight of the goal area (weighted scorecards).",
    "meters": "Meters of the goal.",
    "meters_achieved": "Meters achieved.",
    "meters_on_track": "Meters on track.",
    "meters_at_risk": "Meters at risk.",
    "meters_not_achieved": "Meters not achieved.",
    "meters_no_data": "Meters without data.",
    "status": "Worst status among the goal's meters with data; no_data when none has data.",
    "status_fi": "Status in Finnish.",
    "weighted_score": "Points earned towards the goal area's weight.",
}
TOTAL_COLUMNS = {
    "scorecard_id": "Scorecard.",
    "year": "The scorecard's year.",
    "as_of": "Day scored.",
    "weighted": "The scorecard weighs its goal areas.",
    "goals": "Goals on the scorecard.",
    "meters": "Meters on the scorecard.",
    "meters_achieved": "Meters achieved.",
    "meters_on_track": "Meters on track.",
    "meters_at_risk": "Meters at risk.",
    "meters_not_achieved": "Meters not achieved.",
    "meters_no_data": "Meters without data.",
    "total_weighted_score": "Weighted total (weighted scorecards), out of max_weighted_score.",
    "max_weighted_score": "Sum of the goal-area weights (100).",
    "weighted_share": "Weighted total over its maximum, 0-1.",
    "scored_weight_pct": "Weight behind the total: goal areas that have a score.",
}


def _goal_status(statuses: list[str]) -> str:
    for status in STATUS_ORDER:
        if status in statuses:
            return status
    return "no_data"


def compute_rollups(scorecard: pd.DataFrame, goals: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-goal and per-scorecard roll-ups of `marts.scorecard` rows (pure)."""
    weighted_cards = set(goals.loc[goals.weight_pct.notna(), "scorecard_id"])
    goal_rows: list[dict] = []
    for (card, year, as_of, goal), rows in scorecard.groupby(
        ["scorecard_id", "year", "as_of", "goal_id"], sort=True
    ):
        statuses = list(rows.status)
        weight = goals.loc[goals.goal_id == goal, "weight_pct"]
        weight_pct = float(weight.iloc[0]) if len(weight) and pd.notna(weight.iloc[0]) else None
        scores = [s for s in rows.weighted_score if pd.notna(s)]
        goal_rows.append(
            {
                "scorecard_id": card,
                "year": int(year),
                "as_of": as_of,
                "goal_id": goal,
                "weight_pct": weight_pct,
                "meters": len(rows),
                **{f"meters_{s}": statuses.count(s) for s in (*STATUS_ORDER, "no_data")},
                "status": (status := _goal_status(statuses)),
                "status_fi": STATUS_LABELS[status]["fi"],
                "weighted_score": min(sum(scores), weight_pct) if scores and weight_pct else None,
            }
        )
    per_goal = pd.DataFrame(goal_rows, columns=list(GOAL_COLUMNS))
    total_rows: list[dict] = []
    for (card, year, as_of), rows in per_goal.groupby(["scorecard_id", "year", "as_of"], sort=True):
        row = {
            "scorecard_id": card,
            "year": int(year),
            "as_of": as_of,
            "weighted": card in weighted_cards,
            "goals": len(rows),
            "meters": int(rows.meters.sum()),
            **{f"meters_{s}": int(rows[f"meters_{s}"].sum()) for s in (*STATUS_ORDER, "no_data")},
            "total_weighted_score": None,
            "max_weighted_score": None,
            "weighted_share": None,
            "scored_weight_pct": None,
        }
        if card in weighted_cards:
            result = rollup(
                RollupItem(
                    weight_pct=float(r.weight_pct),
                    status=r.status,
                    weighted_score=None if pd.isna(r.weighted_score) else float(r.weighted_score),
                    goal_id=r.goal_id,
                )
                for r in rows.itertuples(index=False)
            )
            row.update(
                total_weighted_score=result.total_weighted_score,
                max_weighted_score=result.max_possible,
                weighted_share=result.share,
                scored_weight_pct=result.scored_weight_pct,
            )
        total_rows.append(row)
    return per_goal, pd.DataFrame(total_rows, columns=list(TOTAL_COLUMNS))


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["marts", "goal_scores"],
            description="Each goal's meters rolled up at each as-of day: status counts, worst status, weighted score.",
            group_name="marts",
            owners=[OWNER],
            kinds={"duckdb", "python"},
            code_version="1",
            deps=[dg.AssetKey(["marts", "scorecard"]), dg.AssetKey(["marts", "dim_goal"])],
        ),
        dg.AssetSpec(
            ["marts", "scorecard_totals"],
            description="Each scorecard at each as-of day: status counts and, when weighted, its weighted total.",
            group_name="marts",
            owners=[OWNER],
            kinds={"duckdb", "python"},
            code_version="1",
            deps=[dg.AssetKey(["marts", "scorecard"]), dg.AssetKey(["marts", "dim_goal"])],
        ),
    ],
    pool=WRITER_POOL,
    name="goal_rollups",
)
def goal_rollups(warehouse: WarehouseResource):
    with warehouse.connect() as con:
        scorecard = con.execute("SELECT * FROM marts.scorecard").df()
        goals = con.execute("SELECT goal_id, scorecard_id, weight_pct FROM marts.dim_goal").df()
        per_goal, totals = compute_rollups(scorecard, goals)
        # pandas carries days as timestamps; the warehouse keeps them as DATE.
        con.execute(
            "CREATE OR REPLACE TABLE marts.goal_scores AS "
            "SELECT * REPLACE (as_of::DATE AS as_of) FROM per_goal"
        )
        con.execute(
            "CREATE OR REPLACE TABLE marts.scorecard_totals AS "
            "SELECT * REPLACE (as_of::DATE AS as_of) FROM totals"
        )
        yield dg.MaterializeResult(
            asset_key=["marts", "goal_scores"],
            metadata=table_metadata(con, "marts.goal_scores", GOAL_COLUMNS),
        )
        yield dg.MaterializeResult(
            asset_key=["marts", "scorecard_totals"],
            metadata=table_metadata(con, "marts.scorecard_totals", TOTAL_COLUMNS),
        )


ASSETS = [goal_rollups]
