"""Linked Events API pages: events with their series structure, status and keywords.

Nested fields (name, super_event, sub_events, keywords, location) are kept as
JSON text in raw; staging reads what it needs. Times are UTC instants, so an
event's day is its Helsinki calendar day (`2021-12-31T22:30:00Z` is 2022-01-01).
A postponed event has no start and belongs to its file's first day.
"""

from kuva_pipeline.sources.declaration import Source
from kuva_pipeline.sources.raw import RawSource, Reader

LINKED_EVENTS = RawSource(
    name="events",
    table="linked_events",
    folder="events",
    description="Events from the Linked Events API pages, exactly as fetched.",
    fields=(
        "@id",
        "@type",
        "id",
        "data_source",
        "publisher",
        "name",
        "start_time",
        "end_time",
        "event_status",
        "super_event",
        "super_event_type",
        "sub_events",
        "keywords",
        "location",
        "deleted",
        "replaced_by",
        "last_modified_time",
    ),
    readers=(Reader("*.json", "json_pages", records_key="data", count_key="meta.count"),),
    day_expr="helsinki_date(start_time)",
    field_descriptions={
        "@id": "API URL of the event.",
        "@type": "Event.",
        "id": "Event id, e.g. helsinki:afy6ikna3u.",
        "data_source": "The id's prefix (helsinki, kulke, helmet...).",
        "publisher": "Publishing organisation, e.g. ahjo:u480400.",
        "name": "Multilingual name as JSON ({fi, sv, en}).",
        "start_time": "Start instant in UTC; null when postponed.",
        "end_time": "End instant in UTC.",
        "event_status": "EventScheduled, EventCancelled, EventPostponed or EventRescheduled.",
        "super_event": "The series or umbrella this event belongs to (JSON {@id}).",
        "super_event_type": "recurring or umbrella when this event is itself a series.",
        "sub_events": "Events of this series (JSON list of {@id}).",
        "keywords": "Keywords (JSON list of {@id}).",
        "location": "Place (JSON {@id}).",
        "deleted": "true when the event was deleted.",
        "replaced_by": "Id of the event that replaces this one.",
        "last_modified_time": "Last change in the source system, UTC.",
    },
)

EVENTS = Source(
    name="events",
    title="Linked Events",
    raw=(LINKED_EVENTS,),
    freshness_days=35,
    freshness_note="monthly API pages",
)


# -- the classification rules (reference/event_classification.yaml) ----------------------------

RULE_CONDITIONS = ("keywords_any", "keywords_all", "publishers_any", "super_event_type")
CLASS_KEYS = {
    "id", "meter", "name_fi", "name_en", "service_area", "include_ids", "exclude_ids", "rules", "umbrella_from_parts",
}
SUPER_EVENT_TYPES = ("umbrella", "recurring")

IMPLEMENTED_COUNTING = {
    "production": "top_level",
    "statuses": ["EventScheduled", "EventRescheduled"],
    "exclude_deleted": True,
    "exclude_replaced": True,
    "year_of": "start_time",
    "timezone": "Europe/Helsinki",
}
"""The counting rule assets/staging/event_classification.sql implements; the YAML must say the same."""


class ClassificationError(ValueError):
    """The classification file breaks its contract; the message names the file and the field path."""


def _strings(value, where: str, file: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ClassificationError(f"{file}: {where}: a list of ids (text) is expected, got {value!r}")
    return [v.strip() for v in value]


def load_event_rules(path) -> dict[str, tuple[str, list[tuple]]]:
    """Validate the classification YAML and flatten it into rows: {table: (columns DDL, rows)}.

    Unknown keys and conditions fail rather than being ignored, because an
    ignored condition would widen a rule silently.
    """
    from pathlib import Path

    import yaml

    path = Path(path)
    file = f"reference/{path.name}"
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark else ""
        raise ClassificationError(f"{file}: {line}{getattr(exc, 'problem', exc)}") from exc
    if not isinstance(doc, dict):
        raise ClassificationError(f"{file}: the document is not a mapping")
    if doc.get("version") != 1:
        raise ClassificationError(f"{file}: version: {doc.get('version')!r}; this pipeline reads version 1")
    counting = doc.get("counting") or {}
    for key, expected in IMPLEMENTED_COUNTING.items():
        if counting.get(key) != expected:
            raise ClassificationError(
                f"{file}: counting.{key}: {counting.get(key)!r} differs from the implemented rule "
                f"{expected!r}; change assets/staging/event_classification.sql with it"
            )
    classes = doc.get("classes")
    if not isinstance(classes, list) or not classes:
        raise ClassificationError(f"{file}: classes: a non-empty list is expected")
    class_rows, rule_rows, id_rows, seen = [], [], [], set()
    for order, cls in enumerate(classes, start=1):
        where = f"classes[{order - 1}]"
        if not isinstance(cls, dict):
            raise ClassificationError(f"{file}: {where}: a mapping is expected")
        unknown = set(cls) - CLASS_KEYS
        if unknown:
            raise ClassificationError(f"{file}: {where}.{sorted(unknown)[0]}: unknown key")
        cid, meter = cls.get("id"), cls.get("meter")
        if not isinstance(cid, str) or not cid or cid in seen:
            raise ClassificationError(f"{file}: {where}.id: missing or repeated ({cid!r})")
        if not isinstance(meter, str) or not meter:
            raise ClassificationError(f"{file}: {where}.meter: missing")
        seen.add(cid)
        # An umbrella is matched with its parts' keywords too (the district class: a district
        # festival whose parts carry the keyword is one resident-driven district event).
        from_parts = cls.get("umbrella_from_parts", False)
        if not isinstance(from_parts, bool):
            raise ClassificationError(f"{file}: {where}.umbrella_from_parts: true or false, got {from_parts!r}")
        # The class's responsible service area (its measure is also reported under it); a code
        # of reference/service_areas.csv, checked on the loaded table (checks/staging).
        area = cls.get("service_area")
        if area is not None and (not isinstance(area, str) or not area.strip()):
            raise ClassificationError(f"{file}: {where}.service_area: a service area code, got {area!r}")
        class_rows.append(
            (cid, order, meter, cls.get("name_fi"), cls.get("name_en"), from_parts, area.strip() if area else None)
        )
        for lst in ("include_ids", "exclude_ids"):
            for eid in _strings(cls.get(lst), f"{where}.{lst}", file):
                id_rows.append((cid, order, eid, lst.split("_")[0]))
        rules = cls.get("rules") or []
        if not isinstance(rules, list):
            raise ClassificationError(f"{file}: {where}.rules: a list is expected")
        for i, rule in enumerate(rules):
            rwhere = f"{where}.rules[{i}]"
            if not isinstance(rule, dict) or not rule:
                raise ClassificationError(f"{file}: {rwhere}: a rule needs at least one condition")
            unknown = set(rule) - set(RULE_CONDITIONS)
            if unknown:
                raise ClassificationError(
                    f"{file}: {rwhere}.{sorted(unknown)[0]}: unknown condition "
                    f"(known: {', '.join(RULE_CONDITIONS)})"
                )
            set_type = rule.get("super_event_type")
            if set_type is not None and set_type not in SUPER_EVENT_TYPES:
                raise ClassificationError(
                    f"{file}: {rwhere}.super_event_type: {set_type!r} is not umbrella or recurring"
                )
            lists = {k: _strings(rule.get(k), f"{rwhere}.{k}", file) for k in RULE_CONDITIONS[:3]}
            if any(k in rule and not lists[k] for k in lists):
                empty = next(k for k in lists if k in rule and not lists[k])
                raise ClassificationError(f"{file}: {rwhere}.{empty}: an empty list matches nothing")
            rule_rows.append(
                (
                    cid,
                    order,
                    i,
                    lists["keywords_any"] or None,
                    lists["keywords_all"] or None,
                    lists["publishers_any"] or None,
                    set_type,
                )
            )
    publishers = doc.get("publishers") or {}
    if not isinstance(publishers, dict):
        raise ClassificationError(f"{file}: publishers: a mapping is expected")
    pub_rows = []
    for pid, info in publishers.items():
        info = info if isinstance(info, dict) else {}
        pub_rows.append((str(pid), info.get("name"), info.get("service_area")))
    return _tables(class_rows, rule_rows, id_rows, pub_rows)


def _tables(class_rows, rule_rows, id_rows, pub_rows) -> dict[str, tuple[str, list[tuple]]]:
    return {
        "ref_event_classes": (
            "class_id VARCHAR, class_order INTEGER, meter VARCHAR, name_fi VARCHAR, name_en VARCHAR, "
            "umbrella_from_parts BOOLEAN, service_area VARCHAR",
            class_rows,
        ),
        "ref_event_class_rules": (
            "class_id VARCHAR, class_order INTEGER, rule_index INTEGER, keywords_any VARCHAR[], "
            "keywords_all VARCHAR[], publishers_any VARCHAR[], super_event_type VARCHAR",
            rule_rows,
        ),
        "ref_event_class_ids": (
            "class_id VARCHAR, class_order INTEGER, event_id VARCHAR, list VARCHAR",
            id_rows,
        ),
        "ref_event_publishers": ("publisher_id VARCHAR, name VARCHAR, service_area VARCHAR", pub_rows),
    }


def empty_event_rules() -> dict[str, tuple[str, list[tuple]]]:
    """The rule tables with no rows (no classification file and no events to classify)."""
    return _tables([], [], [], [])
