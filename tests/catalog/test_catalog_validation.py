"""Each validation rule: a broken copy of the demo scorecard and the exact message it gives.

The demo (fixtures/demo_2022.yaml) is valid; every case breaks one rule and
asserts the full problem line `<file>: <path.to.field>: <reason>`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from kuva_pipeline.catalog import CatalogError, load_catalog, validate_catalog

KINDS = "at_least, at_most, range, relative_change, keep_baseline, ratio, milestone, tiers"
FILE = "demo_2022.yaml"
M0 = "goals[0].meters[0]"  # the large culture events meter (events source, range target)
M1 = "goals[0].meters[1]"  # the audits meter (check-in source, ratio 7/7, one check-in)


def write(directory: Path, data: dict, name: str = FILE) -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        load_catalog(directory)
    return [str(problem) for problem in caught.value.problems]


def meter(data: dict, index: int) -> dict:
    return data["goals"][0]["meters"][index]


def tiers(minimum: dict, challenging: dict, exceptional: dict) -> dict:
    return {
        "kind": "tiers",
        "minimum": minimum,
        "challenging": challenging,
        "exceptional": exceptional,
    }


def at_least(value: float) -> dict:
    return {"kind": "at_least", "value": value}


def _second_weighted_goal(data: dict, first: float, second: float) -> None:
    data["weighted"] = True
    events = data["goals"][0]
    events["weight_pct"] = first
    more = {
        "id": "demo_2022.more",
        "goal": {"fi": "Lisää", "en": "More"},
        "weight_pct": second,
        "meters": [events["meters"].pop(1)],
    }
    data["goals"].append(more)


def _unit_cost(data: dict) -> None:
    m = meter(data, 0)
    m.update(unit="EUR/output", direction="lower", source="finance", measure="unit_cost")
    m["baseline"] = {"from_source": True, "period": "TP2021"}


def _unit_cost_tiers_reversed(data: dict) -> None:
    _unit_cost(data)
    meter(data, 0)["target"] = tiers(
        {"kind": "keep_baseline"},
        {"kind": "relative_change", "pct": -1},
        {"kind": "relative_change", "pct": -0.5},
    )


def _ratio_tiers_with_items(data: dict, exceptional_done: int) -> None:
    m = meter(data, 1)
    m["target"] = tiers(
        {"kind": "ratio", "done": 5, "total": 13},
        {"kind": "ratio", "done": 9, "total": 13},
        {"kind": "ratio", "done": exceptional_done, "total": 13},
    )
    name = {"fi": "x", "en": "x"}
    m["tier_items"] = [
        {"tier": "minimum", "item": "descriptions", "name": name, "done": 5, "total": 5},
        {"tier": "challenging", "item": "services", "name": name, "done": 4, "total": 4},
        {"tier": "exceptional", "item": "services", "name": name, "done": 8, "total": 8},
    ]
    m["checkins"][0]["denominator"] = 13


Case = tuple[Callable[[dict], object], list[str]]

CASES: dict[str, Case] = {
    # --- the rules the issue names -------------------------------------------
    "unknown target kind": (
        lambda d: meter(d, 0).update(target={"kind": "between", "min": 30, "max": 32}),
        [f"{FILE}: {M0}.target: unknown target kind 'between' (known: {KINDS})"],
    ),
    "reversed range": (
        lambda d: meter(d, 0).update(target={"kind": "range", "min": 32, "max": 30}),
        [f"{FILE}: {M0}.target: reversed range: min 32 is above max 30"],
    ),
    "weights not summing to 100": (
        lambda d: _second_weighted_goal(d, 30, 60),
        [f"{FILE}: goals: goal weights sum to 90 (events 30 + more 60), not 100"],
    ),
    "tiers out of order (higher)": (
        lambda d: meter(d, 0).update(target=tiers(at_least(31), at_least(30), at_least(32))),
        [
            f"{FILE}: {M0}.target: tiers out of order for direction 'higher': minimum 31 then challenging 30"
        ],
    ),
    "tiers out of order (lower, relative to a source baseline, shown as % of it)": (
        _unit_cost_tiers_reversed,
        [
            f"{FILE}: {M0}.target: tiers out of order for direction 'lower': challenging 99 then exceptional 99.5"
        ],
    ),
    "target contradicts direction (at_most on higher)": (
        lambda d: meter(d, 0).update(target={"kind": "at_most", "value": 32}),
        [f"{FILE}: {M0}.target: an at_most target contradicts direction 'higher'"],
    ),
    "target contradicts direction (+10 % on lower)": (
        lambda d: meter(d, 0).update(
            direction="lower", target={"kind": "relative_change", "pct": 10}
        ),
        [
            f"{FILE}: {M0}.target: a relative change of +10 % raises the value, which contradicts direction 'lower'"
        ],
    ),
    "tier level contradicts direction": (
        lambda d: meter(d, 0).update(
            target=tiers(*({"kind": "at_most", "value": v} for v in (30, 31, 32)))
        ),
        [f"{FILE}: {M0}.target: an at_most target contradicts direction 'higher'"],
    ),
    "unknown source": (
        lambda d: meter(d, 1).update(source="excel"),
        [
            f"{FILE}: {M1}.source: unknown source 'excel' (known: checkin, events, finance, hobihobi, nps, varaamo)"
        ],
    ),
    "unknown measure": (
        lambda d: meter(d, 0).update(measure="big_events"),
        [
            f"{FILE}: {M0}.measure: unknown measure 'big_events' for source 'events' "
            "(known: large_culture_events, large_sports_events, district_events)"
        ],
    ),
    "duplicate ids in one file": (
        lambda d: meter(d, 1).update(id="demo_2022.large_culture_events"),
        [
            f"{FILE}: {M1}.id: duplicate id 'demo_2022.large_culture_events' "
            f"(also at {FILE}: {M0}.id)"
        ],
    ),
    "missing baseline for a relative target": (
        lambda d: meter(d, 0).update(baseline=None, target={"kind": "relative_change", "pct": 200}),
        [
            f"{FILE}: {M0}.target: a relative_change target needs a numeric baseline, and the meter has none"
        ],
    ),
    "new meter cannot keep its baseline": (
        lambda d: meter(d, 0).update(
            baseline={"new_meter": True}, target={"kind": "keep_baseline"}
        ),
        [
            f"{FILE}: {M0}.target: a keep_baseline target needs a numeric baseline, and the meter has none"
        ],
    ),
    # --- weights ---------------------------------------------------------------
    "weighted goal without a weight": (
        lambda d: d.update(weighted=True),
        [f"{FILE}: goals[0].weight_pct: every goal of a weighted scorecard needs a weight"],
    ),
    "weight in an unweighted scorecard": (
        lambda d: d["goals"][0].update(weight_pct=100),
        [f"{FILE}: goals[0].weight_pct: a weight needs a weighted scorecard (weighted: true)"],
    ),
    "meter weights not summing to the goal's": (
        lambda d: (
            d.update(weighted=True),
            d["goals"][0].update(weight_pct=100),
            meter(d, 0).update(weight_pct=40),
            meter(d, 1).update(weight_pct=50),
        ),
        [f"{FILE}: goals[0].meters: meter weights sum to 90, not the goal's 100"],
    ),
    # --- shape -----------------------------------------------------------------
    "unknown field": (
        lambda d: meter(d, 0).update(colour="red"),
        [f"{FILE}: {M0}.colour: unknown field (not part of the catalog format)"],
    ),
    "missing target": (
        lambda d: meter(d, 0).pop("target"),
        [f"{FILE}: {M0}.target: required field is missing"],
    ),
    "missing baseline key (must be written, null if none)": (
        lambda d: meter(d, 0).pop("baseline"),
        [f"{FILE}: {M0}.baseline: required field is missing"],
    ),
    "invalid direction": (
        lambda d: meter(d, 0).update(direction="up"),
        [f"{FILE}: {M0}.direction: Input should be 'higher' or 'lower' (got 'up')"],
    ),
    "missing field inside a range": (
        lambda d: meter(d, 0).update(target={"kind": "range", "min": 30}),
        [f"{FILE}: {M0}.target.max: required field is missing"],
    ),
    "ratio asks more than its total": (
        lambda d: meter(d, 1).update(target={"kind": "ratio", "done": 8, "total": 7}),
        [f"{FILE}: {M1}.target: ratio asks for 8 done of only 7"],
    ),
    "id not matching the pattern": (
        lambda d: meter(d, 0).update(id="Demo.Events"),
        [
            f"{FILE}: {M0}.id: String should match pattern '^[a-z0-9_]+\\.[a-z0-9_]+$' (got 'Demo.Events')"
        ],
    ),
    # --- ids, registry, units ----------------------------------------------------
    "id without the scorecard prefix": (
        lambda d: d["goals"][0].update(id="other_2022.events"),
        [f"{FILE}: goals[0].id: id 'other_2022.events' must start with 'demo_2022.'"],
    ),
    "unit differs from the measure's": (
        lambda d: meter(d, 0).update(unit="kpl"),
        [f"{FILE}: {M0}.unit: unit 'kpl' differs from events.large_culture_events's unit 'events'"],
    ),
    "milestone meter not in percent": (
        lambda d: meter(d, 1).update(target={"kind": "milestone"}, checkins=[]),
        [
            f"{FILE}: {M1}.unit: a milestone meter's value is its progress, so its unit is '%', not 'services'"
        ],
    ),
    "milestone accumulation without a milestone target": (
        lambda d: meter(d, 0).update(accumulation="milestone"),
        [f"{FILE}: {M0}.accumulation: accumulation 'milestone' needs a milestone target"],
    ),
    "theme not among the scorecard's themes": (
        lambda d: d["goals"][0].update(
            theme={"fi": "Uudistuvat palvelut", "en": "Renewing services"}
        ),
        [
            f"{FILE}: goals[0].theme.fi: theme 'Uudistuvat palvelut' is not one of the scorecard's themes"
        ],
    ),
    # --- baselines -----------------------------------------------------------------
    "baseline value without its period": (
        lambda d: meter(d, 0).update(baseline={"value": 27}),
        [f"{FILE}: {M0}.baseline: a baseline value needs its period"],
    ),
    "new meter with a baseline value": (
        lambda d: meter(d, 0).update(baseline={"value": 27, "period": "2021", "new_meter": True}),
        [f"{FILE}: {M0}.baseline: a new meter has no baseline value"],
    ),
    "baseline from the source on a check-in meter": (
        lambda d: meter(d, 1).update(baseline={"from_source": True, "period": "2021"}),
        [
            f"{FILE}: {M1}.baseline.from_source: a baseline from the source needs a data source, not 'checkin'"
        ],
    ),
    # --- tier items ------------------------------------------------------------------
    "tier items not adding up to the tier": (
        lambda d: _ratio_tiers_with_items(d, exceptional_done=12),
        [
            f"{FILE}: {M1}.target.exceptional.done: tier items add up to 13 done by the exceptional tier, not 12"
        ],
    ),
    # --- check-ins ---------------------------------------------------------------------
    "check-in in an unknown forecast round": (
        lambda d: meter(d, 1)["checkins"][0].update(forecast_round="2/2022"),
        [
            f"{FILE}: {M1}.checkins[0].forecast_round: forecast round '2/2022' is not in the scorecard's forecast_rounds"
        ],
    ),
    "check-in without a date": (
        lambda d: meter(d, 1)["checkins"][0].pop("forecast_round"),
        [f"{FILE}: {M1}.checkins[0].date: a check-in needs a date or a forecast_round"],
    ),
    "two check-ins on one date": (
        lambda d: meter(d, 1)["checkins"].append({"date": "30.4.2022", "status": "TEKEILLÄ"}),
        [f"{FILE}: {M1}.checkins[1].date: a second check-in on 2022-04-30 (first is checkins[0])"],
    ),
    "check-in denominator differs from the ratio's total": (
        lambda d: meter(d, 1)["checkins"][0].update(denominator=8),
        [f"{FILE}: {M1}.checkins[0].denominator: denominator 8 differs from the target's total 7"],
    ),
    "TEHTY with progress below 100": (
        lambda d: meter(d, 1)["checkins"][0].update(status="TEHTY", progress_pct=50),
        [f"{FILE}: {M1}.checkins[0]: status TEHTY means progress 100 %, not 50"],
    ),
    "numerator without denominator": (
        lambda d: meter(d, 1)["checkins"][0].pop("denominator"),
        [f"{FILE}: {M1}.checkins[0]: numerator and denominator go together"],
    ),
    "unknown forecast word": (
        lambda d: meter(d, 1)["checkins"][0].update(forecast="ok"),
        [
            f"{FILE}: {M1}.checkins[0].forecast: Input should be 'toteutuu', 'toteutumassa', "
            "'epävarma' or 'ei toteudu' (got 'ok')"
        ],
    ),
}


@pytest.mark.parametrize("rule", list(CASES))
def test_rule(tmp_path, demo, rule):
    mutate, expected = CASES[rule]
    mutate(demo)
    write(tmp_path, demo)
    assert problems_of(tmp_path) == expected


def _line_of(path: Path, text: str) -> int:
    """The 1-based line of the file holding `text`, counted here from the written file."""
    (line,) = [i for i, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in row]
    return line


def _areas(tmp_path: Path, rows: str) -> Path:
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / "service_areas.csv").write_text("code,name_fi,name_en,kind\n" + rows, encoding="utf-8")
    return reference


def test_unknown_service_area_names_file_line_and_value(tmp_path, demo):
    meter(demo, 0).update(service_area="KULTTUURI")
    path = write(tmp_path, demo)
    line = _line_of(path, "service_area: KULTTUURI")
    assert problems_of(tmp_path) == [
        f"{FILE}: line {line}: {M0}.service_area: unknown service area 'KULTTUURI' "
        "(reference/service_areas.csv lists KUVA, KIR, KULP, LIIKU, NUP, HALLINTO, KAUPUNKIKULTTUURI)"
    ]


def test_service_areas_come_from_the_reference_file(tmp_path, demo):
    # The demo's first meter is KULP's, the second the division's (KUVA): a reference without
    # KULP rejects the first only, one with it accepts both.
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    path = write(catalog, demo)
    line = _line_of(path, "service_area: KULP")
    without = _areas(tmp_path, "KUVA,Toimiala,Division,division\nNUP,Nuoriso,Youth,service_area\n")
    assert [str(p) for p in validate_catalog(catalog, without)] == [
        f"{FILE}: line {line}: {M0}.service_area: unknown service area 'KULP' "
        "(reference/service_areas.csv lists KUVA, NUP)",
    ]
    (without / "service_areas.csv").write_text(
        "code,name_fi,name_en,kind\nKUVA,Toimiala,Division,division\nKULP,Kulttuuri,Culture,service_area\n",
        encoding="utf-8",
    )
    assert validate_catalog(catalog, without) == []


def test_a_broken_service_areas_file_is_a_catalog_problem(tmp_path, demo):
    catalog = tmp_path / "catalog"
    catalog.mkdir()
    write(catalog, demo)
    reference = _areas(tmp_path, "KUVA,Toimiala,Division,division\nKULP,Kulttuuri,,service_area\nkir,K,L,dept\n")
    assert [str(p) for p in validate_catalog(catalog, reference)] == [
        f"{reference / 'service_areas.csv'}: line 3: field name_en: empty; "
        "line 4: field code: 'kir' is not an upper-case code (A-Z, 0-9, _); "
        "line 4: field kind: 'dept' is not one of division, service_area, common, unit"
    ]
    (reference / "service_areas.csv").unlink()
    (problem,) = validate_catalog(catalog, reference)
    assert str(problem).endswith(f"missing ({reference / 'service_areas.csv'}); it lists the service area codes")


def test_demo_fixture_is_valid(tmp_path, demo):
    write(tmp_path, demo)
    catalog = load_catalog(tmp_path)
    assert [m.id for _, _, m in catalog.meters()] == [
        "demo_2022.large_culture_events",
        "demo_2022.audits",
    ]


def test_error_message_lists_every_problem_with_a_header(tmp_path, demo):
    meter(demo, 0).update(measure="big_events")
    meter(demo, 1).update(source="excel")
    write(tmp_path, demo)
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"catalog {tmp_path} has 2 problems:"
    assert lines[1].startswith(f"{FILE}: {M0}.measure: unknown measure 'big_events'")
    assert lines[2].startswith(f"{FILE}: {M1}.source: unknown source 'excel'")


def test_file_name_must_match_the_scorecard_id(tmp_path, demo):
    write(tmp_path, demo, name="other_2022.yaml")
    assert problems_of(tmp_path) == [
        "other_2022.yaml: id: scorecard id 'demo_2022' must match the file name 'other_2022'"
    ]


def test_duplicate_ids_across_files(tmp_path, demo):
    # A second copy as .yml: the scorecard, its goal and both meters collide.
    write(tmp_path, demo)
    write(tmp_path, demo, name="demo_2022.yml")
    assert problems_of(tmp_path) == [
        "demo_2022.yml: id: duplicate id 'demo_2022' (also at demo_2022.yaml: id)",
        "demo_2022.yml: goals[0].id: duplicate id 'demo_2022.events' (also at demo_2022.yaml: goals[0].id)",
        f"demo_2022.yml: {M0}.id: duplicate id 'demo_2022.large_culture_events' (also at demo_2022.yaml: {M0}.id)",
        f"demo_2022.yml: {M1}.id: duplicate id 'demo_2022.audits' (also at demo_2022.yaml: {M1}.id)",
    ]


def test_meter_id_reused_in_another_scorecard(tmp_path, demo):
    write(tmp_path, demo)
    demo["id"] = "demo_2023"
    demo["goals"][0]["id"] = "demo_2023.events"
    meter(demo, 1)["id"] = "demo_2023.audits"
    write(tmp_path, demo, name="demo_2023.yaml")
    assert problems_of(tmp_path) == [
        f"demo_2023.yaml: {M0}.id: id 'demo_2022.large_culture_events' must start with 'demo_2023.'",
        f"demo_2023.yaml: {M0}.id: duplicate id 'demo_2022.large_culture_events' (also at demo_2022.yaml: {M0}.id)",
    ]


def test_duplicate_yaml_key(tmp_path):
    (tmp_path / FILE).write_text("id: demo_2022\nyear: 2022\nid: demo_2023\n", encoding="utf-8")
    assert problems_of(tmp_path) == [f"{FILE}: line 3: invalid YAML: duplicate key 'id'"]


def test_broken_yaml_syntax(tmp_path):
    (tmp_path / FILE).write_text("id: demo_2022\nnote: a: b\n", encoding="utf-8")
    assert problems_of(tmp_path) == [
        f"{FILE}: line 2: invalid YAML: mapping values are not allowed here"
    ]


def test_top_level_must_be_a_mapping(tmp_path):
    (tmp_path / FILE).write_text("- a\n- b\n", encoding="utf-8")
    assert problems_of(tmp_path) == [f"{FILE}: a scorecard file must be a mapping at the top level"]


def test_empty_directory(tmp_path):
    assert problems_of(tmp_path) == [f"{tmp_path}: no scorecard files (*.yaml)"]


def test_missing_directory(tmp_path):
    missing = tmp_path / "nope"
    assert problems_of(missing) == [f"{missing}: catalog directory does not exist"]


def test_validate_catalog_returns_problems_without_raising(tmp_path, demo):
    meter(demo, 0).update(unit="kpl")
    write(tmp_path, demo)
    assert [str(p) for p in validate_catalog(tmp_path)] == [
        f"{FILE}: {M0}.unit: unit 'kpl' differs from events.large_culture_events's unit 'events'"
    ]


def test_tier_items_that_add_up_are_valid(tmp_path, demo):
    _ratio_tiers_with_items(demo, exceptional_done=13)
    write(tmp_path, demo)
    assert load_catalog(tmp_path).meter("demo_2022.audits").ratio_total == 13


def test_finnish_dates_are_accepted(tmp_path, demo):
    meter(demo, 1)["checkins"].append({"date": "1.6.2022", "status": "TEKEILLÄ"})
    write(tmp_path, demo)
    dates = [c.date.isoformat() for c in load_catalog(tmp_path).meter("demo_2022.audits").checkins]
    assert dates == ["2022-04-30", "2022-06-01"]


def test_the_fixture_file_itself_loads(tmp_path):
    shutil.copy(Path(__file__).parent / "fixtures" / FILE, tmp_path / FILE)
    assert load_catalog(tmp_path).scorecards[0].id == "demo_2022"
