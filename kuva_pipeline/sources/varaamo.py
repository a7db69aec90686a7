"""Varaamo reservations: the old backend's JSON pages and the current statistics CSV export.

Both carry personal data (reserver name, e-mail, phone, free-text description);
raw keeps them as exported, staging drops or hashes them, and previews never
show them.
"""

from kuva_pipeline.sources.raw import RawSource, Reader

PERSONAL = ("reserver_name", "reserver_email_address", "reserver_phone_number", "event_description")

VARAAMO_RESERVATIONS = RawSource(
    name="varaamo",
    table="varaamo_reservations",
    folder="varaamo/reservations",
    description="Reservations from the old Varaamo backend's JSON pages, exactly as exported.",
    fields=("id", "resource", "begin", "end", "state", "type", *PERSONAL),
    readers=(Reader("*.json", "json_pages", records_key="results"),),
    day_expr="helsinki_date(\"begin\")",
    personal_fields=PERSONAL,
    field_descriptions={
        "id": "Reservation id.",
        "resource": "Reserved resource (space) id; see reference varaamo_resources.",
        "begin": "Start, ISO 8601 with offset.",
        "end": "End, ISO 8601 with offset.",
        "state": "created, requested, confirmed, denied, cancelled or waiting_for_payment.",
        "type": "normal (a booking) or blocked (a closure).",
        "reserver_name": "PERSONAL DATA: reserver's name.",
        "reserver_email_address": "PERSONAL DATA: reserver's e-mail.",
        "reserver_phone_number": "PERSONAL DATA: reserver's phone.",
        "event_description": "PERSONAL DATA: free text.",
    },
)
