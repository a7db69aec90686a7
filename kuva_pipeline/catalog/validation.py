"""The catalog's rules beyond types: each problem reported with file, field path and reason.

Pydantic checks the shape of one file; these functions check what spans fields
or files: ids and their prefixes, duplicate ids, the sources and measures a
meter may bind to (the source declarations in kuva_pipeline/sources/), its
service area (the reference file service_areas.csv), units, weights summing to
100, a target against its meter's direction and baseline (via
targets.check_against_direction), tier items, and check-ins against forecast
rounds and ratio totals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from pydantic import ValidationError

from kuva_pipeline.catalog.model import Meter, Scorecard
from kuva_pipeline.catalog.targets import (
    TARGET_KINDS,
    TIER_NAMES,
    Milestone,
    Ratio,
    TargetError,
    Tiers,
    check_against_direction,
)
from kuva_pipeline.service_areas import ServiceArea
from kuva_pipeline.sources.declaration import Measure, measures_by_source, owner_reported_sources

WEIGHT_TOLERANCE = 1e-6

# A stand-in for a baseline the source supplies only at scoring time (unit
# cost vs TP2020): the direction and tier order of relative targets do not
# depend on the size of a positive baseline, so they can be checked now, and
# with 100 the thresholds in a message read as percent of the baseline.
SOURCE_BASELINE_STANDIN = 100.0


class Problem(NamedTuple):
    """One validation problem: `<file>: [line <n>: ]<path>: <reason>`."""

    file: str
    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = [self.file, *([f"line {self.line}"] if self.line else []), *([self.path] if self.path else [])]
        return ": ".join([*where, self.reason])


def format_path(loc: tuple[Any, ...]) -> str:
    """`('goals', 2, 'meters', 0, 'target', 'range', 'max')` -> `goals[2].meters[0].target.max`.

    Pydantic puts the discriminator tag of a target (`range`) into the location;
    the YAML has no such key, so it is dropped.
    """
    parts: list[str] = []
    previous: Any = None
    for element in loc:
        is_tag = element in TARGET_KINDS and (previous == "target" or previous in TIER_NAMES)
        previous = element
        if is_tag:
            continue
        if isinstance(element, int):
            parts.append(f"[{element}]")
        else:
            parts.append(f".{element}" if parts else str(element))
    return "".join(parts)


def pydantic_problems(file: str, error: ValidationError) -> list[Problem]:
    """Translate pydantic errors into catalog problems with readable reasons."""
    problems = []
    for item in error.errors():
        kind = item["type"]
        ctx = item.get("ctx") or {}
        if kind == "union_tag_invalid":
            reason = f"unknown target kind {ctx.get('tag')!r} (known: {', '.join(TARGET_KINDS)})"
        elif kind == "union_tag_not_found":
            reason = f"a target needs a 'kind' (one of: {', '.join(TARGET_KINDS)})"
        elif kind == "value_error":
            reason = str(ctx.get("error", item["msg"]))
        elif kind == "extra_forbidden":
            reason = "unknown field (not part of the catalog format)"
        elif kind == "missing":
            reason = "required field is missing"
        else:
            reason = f"{item['msg']} (got {item.get('input')!r})"
        problems.append(Problem(file, format_path(item["loc"]), reason))
    return problems


def scorecard_problems(
    file: str,
    stem: str,
    card: Scorecard,
    areas: dict[str, ServiceArea] | None = None,
    areas_file: str = "reference/service_areas.csv",
    line_of: Callable[[str], int | None] = lambda path: None,
) -> list[Problem]:
    """Every rule within one scorecard file.

    `areas` are the known service areas (read from `areas_file`); None skips the
    service-area rule (the file itself could not be read, a problem of its own).
    `line_of` gives the line of a field path in the file, for the messages that name it.
    """
    problems: list[Problem] = []

    def add(path: str, reason: str) -> None:
        problems.append(Problem(file, path, reason))

    if card.id != stem:
        add("id", f"scorecard id {card.id!r} must match the file name {stem!r}")

    rounds = [r.round for r in card.forecast_rounds]
    for i, label in enumerate(rounds):
        if label in rounds[:i]:
            add(f"forecast_rounds[{i}].round", f"forecast round {label!r} is listed twice")

    theme_names = {theme.fi for theme in card.themes}
    prefix = f"{card.id}."
    measures = measures_by_source()  # once per file: it checks the dbt manifest is current
    for g, goal in enumerate(card.goals):
        gpath = f"goals[{g}]"
        if not goal.id.startswith(prefix):
            add(f"{gpath}.id", f"id {goal.id!r} must start with {prefix!r}")
        if theme_names and goal.theme is not None and goal.theme.fi not in theme_names:
            add(
                f"{gpath}.theme.fi", f"theme {goal.theme.fi!r} is not one of the scorecard's themes"
            )
        for m, meter in enumerate(goal.meters):
            mpath = f"{gpath}.meters[{m}]"
            if areas is not None and meter.service_area not in areas:
                path = f"{mpath}.service_area"
                problems.append(Problem(
                    file,
                    path,
                    f"unknown service area {meter.service_area!r} "
                    f"({areas_file} lists {', '.join(areas)})",
                    line_of(path),
                ))
            problems.extend(
                Problem(file, f"{mpath}{sub}", reason) for sub, reason in meter_problems(card, meter, measures)
            )

    problems.extend(Problem(file, path, reason) for path, reason in weight_problems(card))
    return problems


def weight_problems(card: Scorecard) -> list[tuple[str, str]]:
    """Weights only in a weighted scorecard, where goal weights sum to 100.

    A weighted goal with one meter passes its weight to it; with several
    meters, each meter needs a weight and they sum to the goal's.
    """
    found: list[tuple[str, str]] = []
    if not card.weighted:
        for g, goal in enumerate(card.goals):
            if goal.weight_pct is not None:
                found.append(
                    (
                        f"goals[{g}].weight_pct",
                        "a weight needs a weighted scorecard (weighted: true)",
                    )
                )
            for m, meter in enumerate(goal.meters):
                if meter.weight_pct is not None:
                    found.append(
                        (
                            f"goals[{g}].meters[{m}].weight_pct",
                            "a weight needs a weighted scorecard (weighted: true)",
                        )
                    )
        return found

    for g, goal in enumerate(card.goals):
        if goal.weight_pct is None:
            found.append(
                (f"goals[{g}].weight_pct", "every goal of a weighted scorecard needs a weight")
            )
            continue
        meter_weights = [meter.weight_pct for meter in goal.meters]
        if len(goal.meters) == 1:
            if (
                meter_weights[0] is not None
                and abs(meter_weights[0] - goal.weight_pct) > WEIGHT_TOLERANCE
            ):
                found.append(
                    (
                        f"goals[{g}].meters[0].weight_pct",
                        f"the only meter of a goal carries the goal's weight {goal.weight_pct:g}, "
                        f"not {meter_weights[0]:g}",
                    )
                )
            continue
        for m, weight in enumerate(meter_weights):
            if weight is None:
                found.append(
                    (
                        f"goals[{g}].meters[{m}].weight_pct",
                        "each meter of a weighted goal with several meters needs a weight",
                    )
                )
        if all(weight is not None for weight in meter_weights):
            total = sum(w for w in meter_weights if w is not None)
            if abs(total - goal.weight_pct) > WEIGHT_TOLERANCE:
                found.append(
                    (
                        f"goals[{g}].meters",
                        f"meter weights sum to {total:g}, not the goal's {goal.weight_pct:g}",
                    )
                )

    weighted_goals = [goal for goal in card.goals if goal.weight_pct is not None]
    if len(weighted_goals) == len(card.goals):
        total = sum(goal.weight_pct for goal in weighted_goals if goal.weight_pct is not None)
        if abs(total - 100.0) > WEIGHT_TOLERANCE:
            terms = " + ".join(
                f"{goal.id.split('.', 1)[-1]} {goal.weight_pct:g}" for goal in weighted_goals
            )
            found.append(("goals", f"goal weights sum to {total:g} ({terms}), not 100"))
    return found


def effective_accumulation(
    meter: Meter, measures: Mapping[str, Mapping[str, Measure]] | None = None
) -> str | None:
    """The meter's accumulation, defaulting to 'milestone' or the measure's (of `measures_by_source()`)."""
    if meter.accumulation is not None:
        return meter.accumulation
    if _is_milestone(meter):
        return "milestone"
    info = (measures_by_source() if measures is None else measures).get(meter.source, {}).get(meter.measure)
    return info.accumulation if info else None


def _is_milestone(meter: Meter) -> bool:
    target = meter.target
    if isinstance(target, Tiers):
        return all(isinstance(level, Milestone) for _, level in target.levels())
    return isinstance(target, Milestone)


def meter_problems(
    card: Scorecard, meter: Meter, measures: Mapping[str, Mapping[str, Measure]] | None = None
) -> list[tuple[str, str]]:
    """Rules for one meter; paths are relative to the meter (`.target`, ...).

    `measures` is `measures_by_source()`, passed in by a caller that checks many meters.
    """
    found: list[tuple[str, str]] = []

    def add(sub: str, reason: str) -> None:
        found.append((sub, reason))

    prefix = f"{card.id}."
    if not meter.id.startswith(prefix):
        add(".id", f"id {meter.id!r} must start with {prefix!r}")

    info = None
    if measures is None:
        measures = measures_by_source()
    owner_reported = meter.source in owner_reported_sources()
    if meter.source not in measures:
        add(".source", f"unknown source {meter.source!r} (known: {', '.join(measures)})")
    elif meter.measure not in measures[meter.source]:
        known = ", ".join(measures[meter.source])
        add(
            ".measure",
            f"unknown measure {meter.measure!r} for source {meter.source!r} (known: {known})",
        )
    else:
        info = measures[meter.source][meter.measure]

    milestone = _is_milestone(meter)
    if milestone and meter.unit != "%":
        add(
            ".unit",
            f"a milestone meter's value is its progress, so its unit is '%', not {meter.unit!r}",
        )
    elif info is not None and not owner_reported and meter.unit != info.unit:
        add(
            ".unit",
            f"unit {meter.unit!r} differs from {meter.source}.{meter.measure}'s unit {info.unit!r}",
        )

    if meter.accumulation is not None:
        if milestone and meter.accumulation != "milestone":
            add(
                ".accumulation",
                f"a milestone target needs accumulation 'milestone', not {meter.accumulation!r}",
            )
        elif not milestone and meter.accumulation == "milestone":
            add(".accumulation", "accumulation 'milestone' needs a milestone target")

    baseline = meter.baseline
    if baseline is not None and baseline.from_source and owner_reported:
        add(
            ".baseline.from_source",
            f"a baseline from the source needs a data source, not {meter.source!r}",
        )

    baseline_for_check = meter.baseline_value
    if baseline_for_check is None and baseline is not None and baseline.from_source:
        baseline_for_check = SOURCE_BASELINE_STANDIN
    try:
        check_against_direction(meter.target, baseline_for_check, meter.direction)
    except TargetError as exc:
        add(".target", str(exc))

    found.extend(_tier_item_problems(meter))
    found.extend(_checkin_problems(card, meter))
    return found


def _tier_item_problems(meter: Meter) -> list[tuple[str, str]]:
    if not meter.tier_items:
        return []
    target = meter.target
    if not isinstance(target, Tiers) or not all(
        isinstance(level, Ratio) for _, level in target.levels()
    ):
        return [(".tier_items", "tier items need a tiers target whose levels are ratios")]
    found: list[tuple[str, str]] = []
    by_tier = {
        name: [item for item in meter.tier_items if item.tier == name] for name in TIER_NAMES
    }
    for name in TIER_NAMES:
        if not by_tier[name]:
            found.append((".tier_items", f"no item for tier {name!r}"))
    if found:
        return found
    # Each tier counts everything asked up to it: per distinct item, the largest
    # `done` asked so far (the exceptional 8 services include the challenging 4).
    all_totals: dict[str, int] = {}
    asked: dict[str, int] = {}
    for name in TIER_NAMES:
        for item in by_tier[name]:
            asked[item.item] = max(asked.get(item.item, 0), item.done)
            all_totals[item.item] = max(all_totals.get(item.item, 0), item.total)
        level = getattr(target, name)
        expected = sum(asked.values())
        if level.done != expected:
            found.append(
                (
                    f".target.{name}.done",
                    f"tier items add up to {expected} done by the {name} tier, not {level.done}",
                )
            )
    expected_total = sum(all_totals.values())
    for name in TIER_NAMES:
        level = getattr(target, name)
        if level.total != expected_total:
            found.append(
                (
                    f".target.{name}.total",
                    f"tier items add up to a total of {expected_total}, not {level.total}",
                )
            )
    return found


def _checkin_problems(card: Scorecard, meter: Meter) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    total = meter.ratio_total
    seen: dict[object, int] = {}
    for c, checkin in enumerate(meter.checkins):
        path = f".checkins[{c}]"
        when = checkin.date
        if checkin.forecast_round is not None:
            round_date = card.round_date(checkin.forecast_round)
            if round_date is None:
                found.append(
                    (
                        f"{path}.forecast_round",
                        f"forecast round {checkin.forecast_round!r} is not in the scorecard's forecast_rounds",
                    )
                )
            when = when or round_date
        elif when is None:
            found.append((f"{path}.date", "a check-in needs a date or a forecast_round"))
        if when is not None:
            if when in seen:
                found.append(
                    (
                        f"{path}.date",
                        f"a second check-in on {when.isoformat()} (first is checkins[{seen[when]}])",
                    )
                )
            else:
                seen[when] = c
        if total is not None and checkin.denominator is not None and checkin.denominator != total:
            found.append(
                (
                    f"{path}.denominator",
                    f"denominator {checkin.denominator:g} differs from the target's total {total}",
                )
            )
    return found
