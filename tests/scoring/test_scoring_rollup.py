"""The weighted roll-up of goal areas."""

from __future__ import annotations

from datetime import date

import pytest

from kuva_pipeline.scoring import STATUSES, RollupItem, rollup

from .helpers import NPS_2021, at_least, run


def test_seed_004_weights():
    total = rollup(
        [
            RollupItem(30, "achieved", 10.0, "unit_cost"),
            RollupItem(30, "achieved", 20.0, "nps"),
            RollupItem(40, "not_achieved", 0.0, "strategy"),
        ]
    )
    assert (total.total_weighted_score, total.max_possible, total.share) == (30.0, 100.0, 0.3)
    assert total.scored_weight_pct == 100.0 and total.complete
    assert dict(total.status_counts) == {s: 0 for s in STATUSES} | {
        "achieved": 2,
        "not_achieved": 1,
    }
    assert total.item_count == 3


def test_unscored_goal_areas_add_nothing_and_mark_the_total_incomplete():
    no_data = run(NPS_2021, 41.5, baseline=40, weight_pct=30, data_quality="stale")
    scored = run(at_least(20), 25, weight_pct=70)
    total = rollup([no_data, scored])
    assert total.total_weighted_score == 70.0
    assert total.scored_weight_pct == 70.0
    assert not total.complete
    assert total.status_counts["no_data"] == 1


@pytest.mark.parametrize("weights", [(33.33, 33.33, 33.34), (30, 30, 40.01), (30, 30, 39.99)])
def test_weights_within_a_hundredth_pass(weights):
    rollup([RollupItem(w, "on_track", None) for w in weights])


@pytest.mark.parametrize("weights", [(30, 30), (30, 30, 40.02), (30, 30, 39.98), (50, 60, -10)])
def test_weights_not_summing_to_100_raise(weights):
    with pytest.raises(ValueError):
        rollup([RollupItem(w, "on_track", None) for w in weights])


def test_malformed_items_raise():
    with pytest.raises(ValueError, match="at least one"):
        rollup([])
    with pytest.raises(ValueError, match="weight"):
        rollup([run(at_least(20), 25)])  # scored without a weight
    with pytest.raises(ValueError, match="outside"):
        rollup([RollupItem(100, "achieved", 101.0)])


def test_rollup_takes_score_results_directly():
    items = [
        run(at_least(20), 25, weight_pct=50, as_of=date(2021, 6, 1), accumulation="cumulative"),
        run(at_least(20), 10, weight_pct=50),
    ]
    total = rollup(items)
    assert total.total_weighted_score == 50.0
    assert total.status_counts["achieved"] == 1 and total.status_counts["not_achieved"] == 1
