"""Property tests: the engine's guarantees over arbitrary targets, dates and values.

- a better value (along the direction) never gives a worse status, a lower
  tier, a lower attainment or a lower weighted score;
- at year end the status is achieved exactly when the value reaches the bound;
- weighted scores stay within [0, weight]; bad data is always no_data;
- expected_fraction stays in [0, 1] and never decreases over the year.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kuva_pipeline.scoring import (
    STATUS_RANK,
    TIERS,
    RollupItem,
    expected_fraction,
    rollup,
    score,
)

from .helpers import at_least, at_most, band, keep, milestone, ratio, relative, tiers

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)

numbers = st.floats(
    min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False, allow_subnormal=False
)
baselines = st.floats(
    min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False, allow_subnormal=False
)


@st.composite
def simple_targets(draw: st.DrawFn, direction: str) -> Any:
    """A simple target consistent with the direction."""
    up = direction == "higher"
    choices = ["bound", "range", "relative", "keep"] + (["ratio", "milestone"] if up else [])
    kind = draw(st.sampled_from(choices))
    if kind == "bound":
        value = draw(numbers)
        return at_least(value) if up else at_most(value)
    if kind == "range":
        lo, hi = sorted((draw(numbers), draw(numbers)))
        return band(lo, hi)
    if kind == "relative":
        pct = draw(st.floats(min_value=0, max_value=500, allow_subnormal=False))
        return relative(pct if up else -min(pct, 100))
    if kind == "keep":
        return keep()
    if kind == "ratio":
        total = draw(st.integers(min_value=1, max_value=50))
        return ratio(draw(st.integers(min_value=0, max_value=total)), total)
    return milestone()


@st.composite
def targets(draw: st.DrawFn, direction: str) -> Any:
    if draw(st.booleans()):
        return draw(simple_targets(direction))
    # Levels in any order: the tier rule must stay monotonic even for tiers a
    # catalog validator would reject.
    return tiers(*(draw(simple_targets(direction)) for _ in range(3)))


@st.composite
def scenarios(draw: st.DrawFn, year_end: bool | None = None) -> dict[str, Any]:
    """Every input to score() except `actual`."""
    direction = draw(st.sampled_from(["higher", "lower"]))
    if year_end is None:
        as_of = date(2020, 12, 1) + timedelta(days=draw(st.integers(0, 420)))
    elif year_end:
        as_of = date(2021, 12, 31) + timedelta(days=draw(st.integers(0, 60)))
    else:
        as_of = date(2021, 1, 1) + timedelta(days=draw(st.integers(0, 363)))
    return {
        "target": draw(targets(direction)),
        "direction": direction,
        "baseline": draw(st.one_of(st.none(), baselines)),
        "year": 2021,
        "as_of": as_of,
        "accumulation": draw(st.sampled_from(["cumulative", "level", "milestone"])),
        "value_origin": draw(st.sampled_from(["feed", "checkin"])),
        "expected_fraction": draw(st.one_of(st.none(), st.floats(0, 1, allow_subnormal=False))),
        "manual_forecast": draw(
            st.sampled_from([None, "toteutuu", "Toteutumassa", "epävarma", "ei toteudu"])
        ),
        "manual_forecast_value": draw(st.one_of(st.none(), numbers)),
        "weight_pct": draw(st.one_of(st.none(), st.floats(0, 100, allow_subnormal=False))),
        "checkin_status": draw(st.sampled_from([None, "TEKEMÄTTÄ", "TEKEILLÄ"])),
        "level_tolerance_pct": draw(st.sampled_from([0.0, 5.0, 20.0])),
    }


def _ordered(sc: dict[str, Any], a: float, b: float) -> tuple[float, float]:
    """(worse, better) of two values along the scenario's direction."""
    lo, hi = sorted((a, b))
    return (lo, hi) if sc["direction"] == "higher" else (hi, lo)


@PROPERTY_SETTINGS
@given(sc=scenarios(), a=numbers, b=numbers)
def test_a_better_value_never_scores_worse(sc, a, b):
    worse_value, better_value = _ordered(sc, a, b)
    worse = score(**sc, actual=worse_value)
    better = score(**sc, actual=better_value)
    if worse.status == "no_data" or better.status == "no_data":
        # Only an unresolvable target gives no_data with a value, and then for both.
        assert worse.rule == better.rule == "target_unresolved"
        return
    assert STATUS_RANK[better.status] >= STATUS_RANK[worse.status]
    assert better.attainment_pct >= worse.attainment_pct >= 0
    if worse.tier is not None:
        assert TIERS.index(better.tier) >= TIERS.index(worse.tier)
    if sc["weight_pct"] is not None:
        assert 0 <= worse.weighted_score <= better.weighted_score <= sc["weight_pct"]


@st.composite
def plain_bounds(draw: st.DrawFn) -> tuple[str, Any, float | None, float | None]:
    """(direction, target, lowest value that meets, highest value that meets) of a bound or range."""
    direction = draw(st.sampled_from(["higher", "lower"]))
    if draw(st.booleans()):
        value = draw(numbers)
        if direction == "higher":
            return direction, at_least(value), value, None
        return direction, at_most(value), None, value
    lo, hi = sorted((draw(numbers), draw(numbers)))
    # A range's near end is the commitment: reaching it meets the target, and going
    # past the far end still does (30-32: 31 and 40 meet it, 29 does not).
    if direction == "higher":
        return direction, band(lo, hi), lo, None
    return direction, band(lo, hi), None, hi


@PROPERTY_SETTINGS
@given(
    sc=scenarios(year_end=True),
    bounds=plain_bounds(),
    actual=numbers,
    accumulation=st.sampled_from(["cumulative", "level"]),
)
def test_at_year_end_achieved_exactly_when_met(sc, bounds, actual, accumulation):
    direction, target, lowest, highest = bounds
    sc = {
        **sc,
        "target": target,
        "direction": direction,
        "accumulation": accumulation,
        "checkin_status": None,  # so the value scored is `actual` itself
    }
    result = score(**sc, actual=actual)
    # The oracle is the bound itself, read off the target by hand, not the engine's `meets`.
    met = (lowest is None or actual >= lowest) and (highest is None or actual <= highest)
    assert result.status == ("achieved" if met else "not_achieved"), (target, actual)
    assert result.meets_target is met


@PROPERTY_SETTINGS
@given(sc=scenarios(year_end=False), actual=st.one_of(st.none(), numbers))
def test_mid_year_never_not_achieved_and_weights_bounded(sc, actual):
    result = score(**sc, actual=actual)
    assert result.status != "not_achieved"
    if result.weighted_score is not None:
        assert 0 <= result.weighted_score <= sc["weight_pct"]


@PROPERTY_SETTINGS
@given(
    sc=scenarios(),
    actual=st.one_of(st.none(), numbers),
    quality=st.sampled_from(["failed", "stale", "missing"]),
    reason=st.text(alphabet="abcdefghijklmnopqrstuvwxyzäö 0123456789", min_size=3, max_size=30),
)
def test_bad_data_is_always_no_data_with_its_reason(sc, actual, quality, reason):
    result = score(**sc, actual=actual, data_quality=quality, data_quality_reason=reason)
    assert result.status == "no_data"
    assert reason in result.explanation_en and reason in result.explanation_fi


@settings(max_examples=200, deadline=None)
@given(
    profile=st.one_of(
        st.none(),
        st.dictionaries(st.integers(1, 12), st.floats(0, 1e6, allow_subnormal=False), max_size=12),
    ),
    a=st.integers(0, 400),
    b=st.integers(0, 400),
    year=st.sampled_from([2020, 2021]),
)
def test_expected_fraction_is_a_share_that_never_decreases(profile, a, b, year):
    start = date(year - 1, 12, 15)
    early, late = sorted((start + timedelta(days=a), start + timedelta(days=b)))
    f_early = expected_fraction(profile, early, year)
    f_late = expected_fraction(profile, late, year)
    assert 0.0 <= f_early <= f_late <= 1.0


@settings(max_examples=200, deadline=None)
@given(
    parts=st.lists(st.integers(1, 100), min_size=1, max_size=6),
    earned=st.lists(st.one_of(st.none(), st.floats(0, 1)), min_size=6, max_size=6),
)
def test_rollup_total_stays_within_the_weights(parts, earned):
    weights = [100 * p / sum(parts) for p in parts]
    items = [
        RollupItem(w, "on_track", None if e is None else w * e)
        for w, e in zip(weights, earned, strict=False)
    ]
    total = rollup(items)
    assert 0 <= total.total_weighted_score <= total.scored_weight_pct + 1e-9
    assert 0 <= total.share <= 1 + 1e-12


def test_expected_fraction_does_not_drop_at_a_month_end_by_rounding():
    # Found by the property above: summing the months before June and then adding June
    # rounded one ulp above the sum of January to June, so 30 June came out above 1 July.
    profile = {1: 10032.207117264048, 6: 1.1519704686070327, 8: 1.0, 2: 252112.1519704686}
    assert expected_fraction(profile, date(2021, 6, 30), 2021) <= expected_fraction(profile, date(2021, 7, 1), 2021)
