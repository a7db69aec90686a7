"""Every baseline, target, tier, weight and reported figure of the five seeds, one by one.

Each row types the document's figure by hand and names its meaning in the test
id, and is asserted against the loaded catalog (the model and the warehouse
frames), so a changed YAML value fails with the figure it broke.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kuva_pipeline.catalog import Catalog
from kuva_pipeline.catalog.targets import (
    AtLeast,
    AtMost,
    KeepBaseline,
    Milestone,
    Range,
    Ratio,
    RelativeChange,
    Tiers,
    resolve_bounds,
    tier_thresholds,
)

P = pytest.param
D = dt.date


def checkin(catalog: Catalog, meter_id: str, when: dt.date):
    matches = [c for c in catalog.meter(meter_id).checkins if c.date == when]
    assert len(matches) == 1, f"expected one check-in of {meter_id} on {when}"
    return matches[0]


def target_row(frames, meter_id: str):
    rows = frames["dim_target"].set_index("meter_id")
    return rows.loc[meter_id]


def cell(value):
    """A frame cell as a plain value, None for null."""
    return None if pd.isna(value) else value


# --- the five documents -------------------------------------------------------

# fmt: off
SCORECARDS = [
    P("urban_culture_2021", 2021, False, None, id="seed 000: Urban Culture scorecard 2021, a plan (no as-of date)"),
    P("binding_goals_2019", 2019, False, D(2019, 4, 30), id="seed 001: binding goals 2019 as of forecast 1/2019"),
    P("budget_followup_2020", 2020, False, D(2020, 10, 26), id="seed 002: budget follow-up 2020 as of 26.10.2020"),
    P("binding_goals_2021", 2021, False, D(2021, 8, 31), id="seed 003: binding goals 2021 as of forecast 2/2021"),
    P("weighted_targets_2021", 2021, True, None, id="seed 004: weighted targets 2021, weighted"),
]
# fmt: on


@pytest.mark.parametrize(("scorecard_id", "year", "weighted", "as_of"), SCORECARDS)
def test_scorecard(catalog, scorecard_id, year, weighted, as_of):
    card = catalog.scorecard(scorecard_id)
    assert (card.year, card.weighted, card.as_of_document) == (year, weighted, as_of)


# fmt: off
COUNTS = [
    P("urban_culture_2021", 9, 12, 0, id="seed 000: 9 goals, 12 meters, no check-ins"),
    P("binding_goals_2019", 3, 8, 8, id="seed 001: 3 binding goals, 8 meters, 8 check-ins of forecast 1/2019"),
    P("budget_followup_2020", 9, 16, 19, id="seed 002: 9 goals, 16 meters, 19 check-ins"),
    P("binding_goals_2021", 3, 3, 6, id="seed 003: 3 binding goals, 3 meters, forecasts 1/2021 and 2/2021"),
    P("weighted_targets_2021", 3, 3, 0, id="seed 004: 3 weighted goal areas, 3 meters"),
]
# fmt: on


@pytest.mark.parametrize(("scorecard_id", "goals", "meters", "checkins"), COUNTS)
def test_nothing_left_out(catalog, scorecard_id, goals, meters, checkins):
    card = catalog.scorecard(scorecard_id)
    all_meters = [m for g in card.goals for m in g.meters]
    assert len(card.goals) == goals
    assert len(all_meters) == meters
    assert sum(len(m.checkins) for m in all_meters) == checkins


def test_seed_000_keeps_the_heading_without_goals(catalog):
    # "Tiivistämme kaupunkia lähiluontoa vaalien" has no goals under it.
    themes = [t.fi for t in catalog.scorecard("urban_culture_2021").themes]
    assert "Tiivistämme kaupunkia lähiluontoa vaalien" in themes
    assert len(themes) == 6


# --- baselines ----------------------------------------------------------------

# fmt: off
BASELINES = [
    P("urban_culture_2021.large_culture_events", 27, "2019", id="seed 000: large culture events, baseline end of 2019 = 27"),
    P("urban_culture_2021.large_sports_events", 28, "2019", id="seed 000: large sports events, baseline end of 2019 = 28"),
    P("urban_culture_2021.district_events", 19, "2019", id="seed 000: resident-driven district events, baseline end of 2019 = 19"),
    P("urban_culture_2021.hobihobi_listings", 357, "2019", id="seed 000: Hobihobi listings, baseline end of 2019 = 357"),
    P("urban_culture_2021.hobihobi_participants", 1859, "2019", id="seed 000: Hobihobi participants, baseline end of 2019 = 1859"),
    P("binding_goals_2019.nps_devices", 20, "2018", id="seed 001: NPS devices, baseline 20 devices"),
    P("weighted_targets_2021.nps_index", 40, "2019", id="seed 004: NPS index, baseline 2019 = 40"),
]
# fmt: on


@pytest.mark.parametrize(("meter_id", "value", "period"), BASELINES)
def test_baseline(catalog, frames, meter_id, value, period):
    meter = catalog.meter(meter_id)
    assert meter.baseline_value == value
    assert meter.baseline.period == period
    row = frames["dim_meter"].set_index("meter_id").loc[meter_id]
    assert (row["baseline_value"], row["baseline_period"], row["is_new_meter"]) == (
        value,
        period,
        False,
    )


# fmt: off
NEW_METERS = [
    P("urban_culture_2021.multilingual_core_service", id="seed 000: multilingual core service, 'Uusi mittari'"),
    P("urban_culture_2021.ngo_action_plan", id="seed 000: NGO action plan, 'Uusi mittari'"),
    P("urban_culture_2021.virtual_operating_models_in_use", id="seed 000: virtual operating models, 'Uusi mittari'"),
    P("urban_culture_2021.knowledge_management_plan", id="seed 000: knowledge-based management plan, 'Uusi mittari'"),
    P("urban_culture_2021.staff_forums_feedback_channel", id="seed 000: staff forums and feedback channel, 'Uusi mittari'"),
]
# fmt: on


@pytest.mark.parametrize("meter_id", NEW_METERS)
def test_new_meter(catalog, frames, meter_id):
    meter = catalog.meter(meter_id)
    assert meter.is_new_meter and meter.baseline_value is None
    assert bool(frames["dim_meter"].set_index("meter_id").loc[meter_id, "is_new_meter"]) is True


def test_seed_000_positive_discrimination_baseline_is_the_programme_decision(catalog):
    baseline = catalog.meter("urban_culture_2021.positive_discrimination_measures").baseline
    assert baseline.text.fi.endswith("hyväksyttiin kh:ssa 17.12.2018")
    assert (baseline.value, baseline.new_meter) == (None, False)


def test_seed_000_budget_meter_states_no_baseline(catalog):
    assert catalog.meter("urban_culture_2021.within_budget").baseline is None


def test_seed_004_unit_cost_baseline_is_tp2020_from_finance(catalog):
    meter = catalog.meter("weighted_targets_2021.unit_cost")
    assert (meter.baseline.from_source, meter.baseline.period, meter.baseline_value) == (
        True,
        "TP2020",
        None,
    )
    assert (meter.source, meter.measure, meter.direction) == ("finance", "unit_cost", "lower")


# --- targets ------------------------------------------------------------------

# fmt: off
TARGET_BOUNDS = [
    P("urban_culture_2021.within_budget", "at_most", None, 100, id="seed 000: stay within budget 2021, at most 100 % of KS 2021"),
    P("urban_culture_2021.large_culture_events", "range", 30, 32, id="seed 000: large culture events 2021, range 30-32 (lower end 30, upper end 32)"),
    P("urban_culture_2021.large_sports_events", "at_least", 30, None, id="seed 000: large sports events 2021, at least 30"),
    P("urban_culture_2021.district_events", "at_least", 21, None, id="seed 000: district events 2021, at least 21"),
    P("urban_culture_2021.hobihobi_listings", "relative_change", 1071, None, id="seed 000: Hobihobi listings 2021, +200 % = 357 x 3 = 1071"),
    P("urban_culture_2021.hobihobi_participants", "relative_change", 7436, None, id="seed 000: Hobihobi participants 2021, +300 % = 1859 x 4 = 7436"),
    P("urban_culture_2021.virtual_operating_models_in_use", "at_least", 1, None, id="seed 000: virtual operating models in use, at least 1"),
    P("binding_goals_2019.customer_journeys", "ratio", 4, None, id="seed 001: customer journey in each of 4 services, 4/4"),
    P("binding_goals_2019.nps_devices", "at_least", 40, None, id="seed 001: NPS devices 2019, target 40 devices"),
    P("binding_goals_2019.varaamo_spaces_every_entity", "ratio", 4, None, id="seed 001: Varaamo spaces in every service entity KULP LIIKU NUP KIR, 4/4"),
    P("binding_goals_2019.service_tray_districts", "ratio", 2, None, id="seed 001: service tray in two districts, 2/2"),
    P("binding_goals_2019.oma_helsinki_systems", "ratio", 2, None, id="seed 001: oma.helsinki, at least 2 of 3 systems"),
    P("budget_followup_2020.teams_active_users", "at_least", 80, None, id="seed 002: Teams active users, target 80 %"),
    P("budget_followup_2020.varaamo_spaces_for_sale", "at_least", 20, None, id="seed 002: Varaamo spaces for sale, 20 spaces"),
    P("budget_followup_2020.accessibility_audits", "ratio", 7, None, id="seed 002: accessibility audits, 7/7"),
    P("budget_followup_2020.satisfaction_measured", "ratio", 7, None, id="seed 002: satisfaction measured, 7/7"),
    P("budget_followup_2020.service_markets_held", "ratio", 4, None, id="seed 002: service markets for older people, 4"),
    P("budget_followup_2020.family_events_held", "ratio", 8, None, id="seed 002: Perhehulinat family events, 8"),
    P("budget_followup_2020.youth_units_measure_chosen", "at_least", 100, None, id="seed 002: measure chosen in every youth unit, 100 %"),
    P("budget_followup_2020.youth_units_measure_implemented", "at_least", 100, None, id="seed 002: measure carried out in every youth unit, 100 %"),
]
# fmt: on


@pytest.mark.parametrize(("meter_id", "kind", "low", "high"), TARGET_BOUNDS)
def test_target_bounds(catalog, frames, meter_id, kind, low, high):
    meter = catalog.meter(meter_id)
    assert meter.target.kind == kind
    assert resolve_bounds(meter.target, meter.baseline_value, meter.direction) == (low, high)
    row = target_row(frames, meter_id)
    assert row["target_kind"] == kind
    assert (cell(row["target_min"]), cell(row["target_max"])) == (low, high)


# fmt: off
RATIOS = [
    P("binding_goals_2019.customer_journeys", 4, 4, id="seed 001: customer journeys 4 of 4 services"),
    P("binding_goals_2019.varaamo_spaces_every_entity", 4, 4, id="seed 001: Varaamo 4 of 4 service entities"),
    P("binding_goals_2019.service_tray_districts", 2, 2, id="seed 001: service tray 2 of 2 districts"),
    P("binding_goals_2019.oma_helsinki_systems", 2, 3, id="seed 001: oma.helsinki 2 of 3 systems"),
    P("budget_followup_2020.accessibility_audits", 7, 7, id="seed 002: accessibility audits 7 of 7"),
    P("budget_followup_2020.satisfaction_measured", 7, 7, id="seed 002: satisfaction measured 7 of 7"),
    P("budget_followup_2020.service_markets_held", 4, 4, id="seed 002: service markets 4 of 4"),
    P("budget_followup_2020.family_events_held", 8, 8, id="seed 002: family events 8 of 8"),
]
# fmt: on


@pytest.mark.parametrize(("meter_id", "done", "total"), RATIOS)
def test_ratio_target(catalog, frames, meter_id, done, total):
    target = catalog.meter(meter_id).target
    assert isinstance(target, Ratio) and (target.done, target.total) == (done, total)
    assert target_row(frames, meter_id)["ratio_total"] == total


def test_seed_000_culture_events_range_sides(catalog):
    target = catalog.meter("urban_culture_2021.large_culture_events").target
    assert isinstance(target, Range)
    assert target.min == 30  # the near end along 'higher': the commitment
    assert target.max == 32  # the far end: full attainment


def test_seed_000_relative_targets_are_typed_as_percent(catalog):
    listings = catalog.meter("urban_culture_2021.hobihobi_listings").target
    participants = catalog.meter("urban_culture_2021.hobihobi_participants").target
    assert isinstance(listings, RelativeChange) and listings.pct == 200
    assert isinstance(participants, RelativeChange) and participants.pct == 300


# fmt: off
MILESTONES = [
    P("urban_culture_2021.positive_discrimination_measures", id="seed 000: positive discrimination measures 2021 carried out"),
    P("urban_culture_2021.multilingual_core_service", id="seed 000: multilingual communication of a core service"),
    P("urban_culture_2021.ngo_action_plan", id="seed 000: NGO action plan started"),
    P("urban_culture_2021.knowledge_management_plan", id="seed 000: knowledge-based management description and plan"),
    P("urban_culture_2021.staff_forums_feedback_channel", id="seed 000: forums held and feedback channel created"),
    P("binding_goals_2019.planning_principles", id="seed 001: planning principles approved by the committee"),
    P("binding_goals_2019.booking_principles", id="seed 001: booking principles and processes defined"),
    P("binding_goals_2019.hobby_pass_trial", id="seed 001: Hobby Pass in trial use"),
    P("budget_followup_2020.monthly_report_visualised", id="seed 002: monthly report visualised"),
    P("budget_followup_2020.technical_poc", id="seed 002: technical POC"),
    P("budget_followup_2020.one_dashboard_concept", id="seed 002: one-dashboard concept"),
    P("budget_followup_2020.biennial_realised", id="seed 002: first Helsinki Biennial"),
    P("budget_followup_2020.small_children_campaign", id="seed 002: small children's campaign"),
    P("budget_followup_2020.service_strategy_descriptions", id="seed 002: service strategy descriptions"),
    P("budget_followup_2020.education_operating_model", id="seed 002: operating model with education (KUVA)"),
    P("budget_followup_2020.culture_paths_every_school", id="seed 002: culture paths in every school (Kasko)"),
    P("binding_goals_2021.service_strategy_descriptions", id="seed 003: service strategy descriptions"),
    P("binding_goals_2021.hobby_opportunities_measures", id="seed 003: hobby opportunities measures"),
    P("binding_goals_2021.older_people_mobility_measures", id="seed 003: older people's mobility measures"),
]
# fmt: on


@pytest.mark.parametrize("meter_id", MILESTONES)
def test_milestone(catalog, frames, meter_id):
    meter = catalog.meter(meter_id)
    assert isinstance(meter.target, Milestone)
    assert (meter.accumulation, meter.unit) == ("milestone", "%")
    assert target_row(frames, meter_id)["target_min"] == 100  # TEHTY = 100 %


# --- tiers --------------------------------------------------------------------


def test_seed_004_unit_cost_tiers(catalog, frames):
    target = catalog.meter("weighted_targets_2021.unit_cost").target
    assert isinstance(target, Tiers)
    assert isinstance(target.minimum, KeepBaseline)  # "yksikkökustannus ennallaan"
    assert isinstance(target.challenging, RelativeChange) and target.challenging.pct == -0.5
    assert isinstance(target.exceptional, RelativeChange) and target.exceptional.pct == -1
    # Resolved against a hand-typed TP2020 unit cost of 50 EUR: 50, 49.75, 49.5.
    assert tier_thresholds(target, 50.0, "lower") == {
        "minimum": 50.0,
        "challenging": 49.75,
        "exceptional": 49.5,
    }
    # The TP2020 value comes from the finance source, so the warehouse row is open.
    row = target_row(frames, "weighted_targets_2021.unit_cost")
    assert row[["target_min", "target_max", "tier_minimum"]].isna().all()


# fmt: off
NPS_TIERS = [
    P("minimum", 40, id="seed 004: NPS minimum tier = baseline 40"),
    P("challenging", 41, id="seed 004: NPS challenging tier = 41 at year end"),
    P("exceptional", 43, id="seed 004: NPS exceptional tier = 43 at year end"),
]
# fmt: on


@pytest.mark.parametrize(("tier", "value"), NPS_TIERS)
def test_seed_004_nps_tier(catalog, frames, tier, value):
    target = catalog.meter("weighted_targets_2021.nps_index").target
    level = getattr(target, tier)
    assert isinstance(level, AtLeast) and level.value == value
    assert target_row(frames, "weighted_targets_2021.nps_index")[f"tier_{tier}"] == value


def test_seed_004_nps_meter_contract(catalog):
    meter = catalog.meter("weighted_targets_2021.nps_index")
    assert (meter.source, meter.measure, meter.baseline_value, meter.baseline.period) == (
        "nps",
        "nps_index",
        40,
        "2019",
    )


# fmt: off
SERVICE_STRATEGY_TIERS = [
    P("minimum", "descriptions", 5, 5, 5, id="seed 004: service strategy minimum = 5/5 descriptions (cumulative 5)"),
    P("challenging", "services_refined", 4, 4, 9, id="seed 004: service strategy challenging = 4/4 services (cumulative 5 + 4 = 9)"),
    P("exceptional", "services_refined", 8, 8, 13, id="seed 004: service strategy exceptional = 8/8 services (cumulative 5 + 8 = 13)"),
]
# fmt: on


@pytest.mark.parametrize(("tier", "item", "done", "total", "cumulative"), SERVICE_STRATEGY_TIERS)
def test_seed_004_service_strategy_tier(catalog, frames, tier, item, done, total, cumulative):
    meter = catalog.meter("weighted_targets_2021.service_strategy_progress")
    (tier_item,) = [i for i in meter.tier_items if i.tier == tier]
    assert (tier_item.item, tier_item.done, tier_item.total) == (item, done, total)
    level = getattr(meter.target, tier)
    assert isinstance(level, Ratio) and (level.done, level.total) == (cumulative, 13)
    assert target_row(frames, meter.id)[f"tier_{tier}"] == cumulative


def test_seed_000_budget_is_at_most_on_a_lower_meter(catalog):
    meter = catalog.meter("urban_culture_2021.within_budget")
    assert isinstance(meter.target, AtMost) and meter.direction == "lower"
    assert (meter.source, meter.measure) == ("finance", "budget_use_pct")


# --- weights ------------------------------------------------------------------

# fmt: off
WEIGHTS = [
    P("weighted_targets_2021.unit_cost_improves", "weighted_targets_2021.unit_cost", 30, id="seed 004: unit cost goal area weight 30 %"),
    P("weighted_targets_2021.customer_experience", "weighted_targets_2021.nps_index", 30, id="seed 004: customer experience (NPS) weight 30 %"),
    P("weighted_targets_2021.service_strategy", "weighted_targets_2021.service_strategy_progress", 40, id="seed 004: service strategy weight 40 %"),
]
# fmt: on


@pytest.mark.parametrize(("goal_id", "meter_id", "weight"), WEIGHTS)
def test_weight(catalog, frames, goal_id, meter_id, weight):
    assert catalog.goal(goal_id).weight_pct == weight
    assert catalog.meter(meter_id).weight_pct == weight
    assert frames["dim_goal"].set_index("goal_id").loc[goal_id, "weight_pct"] == weight
    assert target_row(frames, meter_id)["weight_pct"] == weight


def test_seed_004_weights_sum_to_100(catalog):
    assert sum(g.weight_pct for g in catalog.scorecard("weighted_targets_2021").goals) == 100


def test_unweighted_scorecards_carry_no_weights(frames):
    goals = frames["dim_goal"]
    assert goals.loc[goals.scorecard_id != "weighted_targets_2021", "weight_pct"].isna().all()


# --- reported figures (check-ins) ---------------------------------------------

# fmt: off
CHECKIN_FIGURES = [
    # seed 001, forecast 1/2019
    P("binding_goals_2019.nps_devices", D(2019, 4, 30), "value", 33, id="seed 001: NPS devices in use 1/2019 = 33"),
    P("binding_goals_2019.nps_devices", D(2019, 4, 30), "denominator", 40, id="seed 001: NPS devices bought 1/2019 = 40"),
    P("binding_goals_2019.nps_devices", D(2019, 4, 30), "forecast", "toteutumassa", id="seed 001: NPS devices forecast 1/2019 on track"),
    # seed 002: digitalisation
    P("budget_followup_2020.teams_active_users", D(2020, 4, 30), "status", "TEHTY", id="seed 002: Teams target reached 30.4.2020"),
    P("budget_followup_2020.teams_active_users", D(2020, 4, 30), "progress_pct", 100, id="seed 002: Teams progress 100 % on 30.4.2020"),
    P("budget_followup_2020.varaamo_spaces_for_sale", D(2020, 6, 1), "value", 7, id="seed 002: Varaamo 7 cottages, villas and saunas on sale 1.6.2020"),
    P("budget_followup_2020.varaamo_spaces_for_sale", D(2020, 6, 15), "value", 25, id="seed 002: Varaamo 7 + 18 tennis courts = 25 on sale 15.6.2020"),
    P("budget_followup_2020.varaamo_spaces_for_sale", D(2020, 6, 15), "status", "TEHTY", id="seed 002: Varaamo target achieved 15.6.2020"),
    P("budget_followup_2020.accessibility_audits", D(2020, 10, 26), "numerator", 7, id="seed 002: accessibility audits done 7"),
    P("budget_followup_2020.accessibility_audits", D(2020, 10, 26), "denominator", 7, id="seed 002: accessibility audits of 7"),
    P("budget_followup_2020.accessibility_audits", D(2020, 10, 26), "status", "TEHTY", id="seed 002: accessibility audits done"),
    P("budget_followup_2020.satisfaction_measured", D(2020, 10, 26), "value", 0, id="seed 002: satisfaction measured 0"),
    P("budget_followup_2020.satisfaction_measured", D(2020, 10, 26), "denominator", 7, id="seed 002: satisfaction measured of 7"),
    P("budget_followup_2020.satisfaction_measured", D(2020, 10, 26), "status", "TEKEMÄTTÄ", id="seed 002: satisfaction not yet measured"),
    P("budget_followup_2020.technical_poc", D(2020, 6, 16), "status", "TEHTY", id="seed 002: POC done and presented 16.6.2020"),
    P("budget_followup_2020.monthly_report_visualised", D(2020, 10, 26), "status", "TEHTY", id="seed 002: monthly report visualised, target reached"),
    P("budget_followup_2020.one_dashboard_concept", D(2020, 10, 26), "status", "TEKEILLÄ", id="seed 002: one-dashboard concept in progress"),
    P("budget_followup_2020.one_dashboard_concept", D(2020, 10, 26), "forecast", "toteutumassa", id="seed 002: dashboard project on track"),
    # seed 002: Biennial and mobility
    P("budget_followup_2020.biennial_realised", D(2020, 10, 26), "status", "TEKEILLÄ", id="seed 002: Biennial in progress, moved to summer 2021"),
    P("budget_followup_2020.service_markets_held", D(2020, 10, 26), "value", 0, id="seed 002: service markets held 0"),
    P("budget_followup_2020.service_markets_held", D(2020, 10, 26), "denominator", 4, id="seed 002: service markets of 4"),
    P("budget_followup_2020.service_markets_held", D(2020, 10, 26), "forecast", "ei toteudu", id="seed 002: service markets forecast not met"),
    P("budget_followup_2020.family_events_held", D(2020, 10, 26), "forecast", "toteutumassa", id="seed 002: family events on track"),
    P("budget_followup_2020.small_children_campaign", D(2020, 10, 26), "status", "TEHTY", id="seed 002: small children's campaign done"),
    P("budget_followup_2020.youth_units_measure_chosen", D(2020, 10, 26), "value", 40, id="seed 002: youth units with a measure chosen 40 %"),
    P("budget_followup_2020.youth_units_measure_implemented", D(2020, 10, 26), "value", 30, id="seed 002: youth units with a measure carried out 30 %"),
    P("budget_followup_2020.youth_units_measure_chosen", D(2020, 3, 31), "value", 40, id="seed 002: youth units chosen 40 % already in March 2020"),
    P("budget_followup_2020.youth_units_measure_implemented", D(2020, 3, 31), "value", 30, id="seed 002: youth units carried out 30 % already in March 2020"),
    P("budget_followup_2020.youth_units_measure_chosen", D(2020, 10, 26), "forecast", "epävarma", id="seed 002: youth units forecast uncertain"),
    P("budget_followup_2020.youth_units_measure_implemented", D(2020, 10, 26), "forecast", "epävarma", id="seed 002: youth units (carried out) forecast uncertain"),
    P("budget_followup_2020.service_strategy_descriptions", D(2020, 10, 26), "status", "TEKEILLÄ", id="seed 002: service strategy work continues into 2021"),
    P("budget_followup_2020.education_operating_model", D(2020, 10, 26), "forecast", "toteutumassa", id="seed 002: operating model with education on track"),
]
# fmt: on


@pytest.mark.parametrize(("meter_id", "when", "field", "expected"), CHECKIN_FIGURES)
def test_checkin_figure(catalog, frames, meter_id, when, field, expected):
    assert getattr(checkin(catalog, meter_id, when), field) == expected
    facts = frames["fact_checkin"].set_index(["meter_id", "checkin_date"])
    assert facts.loc[(meter_id, when), field] == expected


def test_seed_002_varaamo_tennis_courts_are_the_difference(catalog):
    meter_id = "budget_followup_2020.varaamo_spaces_for_sale"
    added = (
        checkin(catalog, meter_id, D(2020, 6, 15)).value
        - checkin(catalog, meter_id, D(2020, 6, 1)).value
    )
    assert added == 18  # "Tenniskentät (18 kpl) myyntiin Varaamoon 15.6.2020"


# fmt: off
FORECASTS_1_2019 = [
    P("binding_goals_2019.customer_journeys", id="seed 001: customer journeys on track 1/2019"),
    P("binding_goals_2019.nps_devices", id="seed 001: NPS devices on track 1/2019"),
    P("binding_goals_2019.planning_principles", id="seed 001: planning principles on track 1/2019"),
    P("binding_goals_2019.booking_principles", id="seed 001: booking principles on track 1/2019"),
    P("binding_goals_2019.varaamo_spaces_every_entity", id="seed 001: Varaamo in every entity on track 1/2019"),
    P("binding_goals_2019.hobby_pass_trial", id="seed 001: Hobby Pass trial on track 1/2019"),
    P("binding_goals_2019.service_tray_districts", id="seed 001: service tray on track 1/2019"),
    P("binding_goals_2019.oma_helsinki_systems", id="seed 001: oma.helsinki on track 1/2019"),
]
# fmt: on


@pytest.mark.parametrize("meter_id", FORECASTS_1_2019)
def test_seed_001_forecast(catalog, meter_id):
    (only,) = catalog.meter(meter_id).checkins
    assert (only.forecast_round, only.forecast, only.date) == (
        "1/2019",
        "toteutumassa",
        D(2019, 4, 30),
    )


# fmt: off
REPORTED_TEXT = [
    P("binding_goals_2019.customer_journeys", "30 kehitettävää palvelupolkua", id="seed 001: 30 service paths chosen"),
    P("binding_goals_2019.booking_principles", "Nuorison prosessikuvaukset (3)", id="seed 001: 3 youth process descriptions nearly ready"),
    P("binding_goals_2019.service_tray_districts", "Malminkartano/Kannelmäki ja Vuosaari", id="seed 001: the two service tray districts"),
    P("budget_followup_2020.small_children_campaign", "kieliversiot (6)", id="seed 002: campaign material in 6 languages"),
    P("budget_followup_2020.family_events_held", "Lokakuussa hulinat käynnistyvät Tapanilassa", id="seed 002: Perhehulinat places"),
]
# fmt: on


@pytest.mark.parametrize(("meter_id", "fragment"), REPORTED_TEXT)
def test_reported_text(catalog, meter_id, fragment):
    assert any(fragment in (c.comment_fi or "") for c in catalog.meter(meter_id).checkins)


# fmt: off
SEED_003 = [
    P("binding_goals_2021.service_strategy_descriptions", False, id="seed 003: service strategy, recovery meter Ei"),
    P("binding_goals_2021.hobby_opportunities_measures", True, id="seed 003: hobby opportunities, recovery meter Kyllä"),
    P("binding_goals_2021.older_people_mobility_measures", True, id="seed 003: older people's mobility, recovery meter Kyllä"),
]
# fmt: on


@pytest.mark.parametrize(("meter_id", "recovery"), SEED_003)
def test_seed_003_forecasts(catalog, frames, meter_id, recovery):
    meter = catalog.meter(meter_id)
    assert meter.recovery_meter is recovery
    assert (
        bool(frames["dim_meter"].set_index("meter_id").loc[meter_id, "recovery_meter"]) is recovery
    )
    first = checkin(catalog, meter_id, D(2021, 4, 30))
    second = checkin(catalog, meter_id, D(2021, 8, 31))
    assert (first.forecast_round, first.forecast) == ("1/2021", "toteutuu")
    assert (second.forecast_round, second.forecast, second.forecast_value) == (
        "2/2021",
        "toteutuu",
        100,
    )
    assert second.comment_fi.startswith("Riskit:")


def test_seed_003_numeric_forecast_reaches_the_warehouse(frames):
    facts = frames["fact_checkin"]
    second = facts[(facts.forecast_round == "2/2021")]
    assert len(second) == 3
    # "Mittarin numeerinen ennuste 100 %" on each of the three binding goals of 2021.
    assert (second.forecast_value == 100).all()


# --- goals: themes, responsible persons, links, binding -------------------------

# fmt: off
GOAL_FACTS = [
    P("urban_culture_2021.events_stay_or_grow", "Lisäämme kaupungin elinvoimaa ja vetovoimaa", "Palvelualuejohtajat (kulttuuri ja Liikunta)", id="seed 000: events goal, theme and responsible"),
    P("urban_culture_2021.stay_within_budget", "Turvaamme talouden tasapainon", "Akj; palvelualuejohtajat", id="seed 000: budget goal, theme and responsible"),
    P("budget_followup_2020.helsinki_biennial", None, "Mari Männistö (omistaja); Maija Tanninen-Mattila (omistaja); Jonna Hurskainen (projektipäällikkö)", id="seed 002: Biennial owners and project manager"),
    P("binding_goals_2021.active_city", "Uudistuvat palvelut", None, id="seed 003: active city under 'Uudistuvat palvelut'"),
]
# fmt: on


@pytest.mark.parametrize(("goal_id", "theme", "responsible"), GOAL_FACTS)
def test_goal_facts(frames, goal_id, theme, responsible):
    row = frames["dim_goal"].set_index("goal_id").loc[goal_id]
    assert (cell(row["theme_fi"]), cell(row["responsible"])) == (theme, responsible)


def test_seed_001_links_are_the_union_of_the_meter_rows(frames):
    links = (
        frames["dim_goal"]
        .set_index("goal_id")
        .loc["binding_goals_2019.city_as_platform", "city_links"]
    )
    assert links == (
        "Hyvinvoinnin ja terveyden edistäminen; Palvelujen saavutettavuus; Harrastustoiminta; "
        "Kaupungin tilojen käyttö; Elävät kaupunginosat"
    )


def test_binding_goals(frames):
    goals = frames["dim_goal"].set_index("goal_id")["binding"]
    assert goals[goals.index.str.startswith("binding_goals_")].all()
    assert not goals[goals.index.str.startswith("urban_culture_2021.")].any()
    assert (
        goals["budget_followup_2020.helsinki_biennial"]
        and goals["budget_followup_2020.service_strategy"]
    )
    assert not goals["budget_followup_2020.mobility_youth_units"]  # "(tuloskortti)"


# fmt: off
SOURCE_BINDINGS = [
    P("urban_culture_2021.large_culture_events", "events", "large_culture_events", "cumulative", id="seed 000: culture events from the events feed"),
    P("urban_culture_2021.large_sports_events", "events", "large_sports_events", "cumulative", id="seed 000: sports events from the events feed"),
    P("urban_culture_2021.district_events", "events", "district_events", "cumulative", id="seed 000: district events from the events feed"),
    P("urban_culture_2021.hobihobi_listings", "hobihobi", "listings", "cumulative", id="seed 000: listings from Hobihobi"),
    P("urban_culture_2021.hobihobi_participants", "hobihobi", "participants", "cumulative", id="seed 000: participants from Hobihobi"),
    P("urban_culture_2021.within_budget", "finance", "budget_use_pct", "level", id="seed 000: budget use from finance"),
    P("binding_goals_2019.nps_devices", "nps", "devices_in_use", "stock", id="seed 001: devices in use from the NPS feed"),
    P("budget_followup_2020.varaamo_spaces_for_sale", "varaamo", "spaces_for_sale", "stock", id="seed 002: spaces for sale from Varaamo"),
    P("weighted_targets_2021.unit_cost", "finance", "unit_cost", "level", id="seed 004: unit cost from finance"),
    P("weighted_targets_2021.nps_index", "nps", "nps_index", "level", id="seed 004: NPS from the NPS feed"),
]
# fmt: on


@pytest.mark.parametrize(("meter_id", "source", "measure", "accumulation"), SOURCE_BINDINGS)
def test_source_binding(catalog, meter_id, source, measure, accumulation):
    meter = catalog.meter(meter_id)
    assert (meter.source, meter.measure, meter.accumulation) == (source, measure, accumulation)
