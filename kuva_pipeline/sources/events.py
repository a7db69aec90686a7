"""Linked Events API pages: events with their series structure, status and keywords.

Nested fields (name, super_event, sub_events, keywords, location) are kept as
JSON text in raw; staging reads what it needs. Times are UTC instants, so an
event's day is its Helsinki calendar day (`2021-12-31T22:30:00Z` is 2022-01-01).
"""

from kuva_pipeline.sources.raw import RawSource, Reader

LINKED_EVENTS = RawSource(
    name="events",
    table="linked_events",
    folder="events",
    description="Events from the Linked Events API pages, exactly as fetched.",
    fields=(
        "id",
        "name",
        "start_time",
        "end_time",
        "event_status",
        "super_event",
        "super_event_type",
        "sub_events",
        "keywords",
        "publisher",
        "deleted",
        "replaced_by",
        "location",
    ),
    readers=(Reader("*.json", "json_pages", records_key="data"),),
    day_expr="helsinki_date(start_time)",
    field_descriptions={
        "id": "Event id, e.g. helsinki:afy6ikna3u.",
        "name": "Multilingual name as JSON ({fi, sv, en}).",
        "start_time": "Start instant in UTC; null when postponed.",
        "end_time": "End instant in UTC.",
        "event_status": "EventScheduled, EventCancelled, EventPostponed or EventRescheduled.",
        "super_event": "The series or umbrella this event belongs to (JSON {@id}).",
        "super_event_type": "recurring or umbrella when this event is itself a series.",
        "sub_events": "Events of this series (JSON list of {@id}).",
        "keywords": "Keywords (JSON list of {@id}).",
        "publisher": "Publishing organisation, e.g. ahjo:u480400.",
        "deleted": "true when the event was deleted.",
        "replaced_by": "Id of the event that replaces this one.",
        "location": "Place (JSON {@id}).",
    },
)
