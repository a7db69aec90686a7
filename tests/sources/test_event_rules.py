"""The event classification file is validated before its rules are used: an unknown condition or a
counting rule other than the implemented one fails with the file and the field path."""

import pytest
import yaml

from kuva_pipeline.sources.events import ClassificationError, load_event_rules
from tests.sources.conftest import FIXTURES

RULES = FIXTURES / "reference" / "event_classification.yaml"


def _with(tmp_path, change):
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    change(doc)
    path = tmp_path / "event_classification.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_rules_flatten_into_tables():
    tables = load_event_rules(RULES)
    classes = tables["ref_event_classes"][1]
    assert [(c[0], c[1], c[2]) for c in classes] == [
        ("district_event", 1, "district_events"),
        ("large_sports_event", 2, "large_sports_events"),
        ("large_culture_event", 3, "large_culture_events"),
    ]
    # Each class's responsible service area, as the fixture file states it.
    assert [(c[0], c[6]) for c in classes] == [
        ("district_event", "KULP"), ("large_sports_event", "LIIKU"), ("large_culture_event", "KULP"),
    ]
    rules = tables["ref_event_class_rules"][1]
    assert ("large_sports_event", 2, 1, ["yso:p965", "yso:p916"], ["kuva:suurtapahtuma"], None, None) in rules
    assert ("large_culture_event", 3, "helsinki:exc_culture", "exclude") in tables["ref_event_class_ids"][1]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["classes"][1]["rules"][0].update(keywords_some=["x"]),
         "classes[1].rules[0].keywords_some: unknown condition"),
        (lambda d: d["counting"].update(statuses=["EventScheduled"]),
         "counting.statuses: ['EventScheduled'] differs from the implemented rule"),
        (lambda d: d["classes"][0]["rules"][0].update(keywords_any=[]),
         "classes[0].rules[0].keywords_any: an empty list matches nothing"),
        (lambda d: d["classes"][2]["rules"][1].update(super_event_type="series"),
         "classes[2].rules[1].super_event_type: 'series' is not umbrella or recurring"),
        (lambda d: d["classes"][0].update(id="large_culture_event"), "classes[2].id: missing or repeated"),
        (lambda d: d["classes"][1].update(service_area=["LIIKU"]),
         "classes[1].service_area: a service area code, got ['LIIKU']"),
    ],
)
def test_a_broken_rule_file_names_the_field(tmp_path, change, message):
    with pytest.raises(ClassificationError) as err:
        load_event_rules(_with(tmp_path, change))
    assert str(err.value).startswith("reference/event_classification.yaml: " + message)
