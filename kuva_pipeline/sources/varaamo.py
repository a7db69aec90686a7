"""Varaamo reservations: the old backend's JSON pages and the current statistics CSV export.

Both shapes land in their own raw table and meet in `staging.varaamo_reservations`
(with `origin`). Both carry personal data (reserver name, e-mail, phone,
free-text description): raw keeps them as exported, staging drops them, and
previews never show them.
"""

from kuva_pipeline.sources.declaration import Source
from kuva_pipeline.sources.raw import RawSource, Reader

PERSONAL = ("reserver_name", "reserver_email_address", "reserver_phone_number", "event_description")

VARAAMO_RESERVATIONS = RawSource(
    name="varaamo",
    table="varaamo_reservations",
    folder="varaamo/reservations",
    description="Reservations from the old Varaamo backend's JSON pages, exactly as exported.",
    fields=("id", "url", "resource", "begin", "end", "state", "type", *PERSONAL, "created_at"),
    readers=(Reader("*.json", "json_pages", records_key="results", count_key="count"),),
    day_expr='helsinki_date("begin")',
    personal_fields=PERSONAL,
    field_descriptions={
        "id": "Reservation id in the old backend.",
        "url": "API URL of the reservation.",
        "resource": "Reserved resource (space) id; see reference varaamo_resources.",
        "begin": "Start, ISO 8601 with offset.",
        "end": "End, ISO 8601 with offset.",
        "state": "created, requested, confirmed, denied, cancelled or waiting_for_payment.",
        "type": "normal (a booking) or blocked (a closure).",
        "reserver_name": "PERSONAL DATA: reserver's name.",
        "reserver_email_address": "PERSONAL DATA: reserver's e-mail.",
        "reserver_phone_number": "PERSONAL DATA: reserver's phone.",
        "event_description": "PERSONAL DATA: free text.",
        "created_at": "When the reservation was made, ISO 8601 with offset.",
    },
)

STATISTICS_PERSONAL = ("Varaaja", "Sähköposti", "Puhelin", "Kuvaus")

VARAAMO_STATISTICS = RawSource(
    name="varaamo",
    table="varaamo_statistics",
    folder="varaamo/statistics",
    description="Reservations from the current Varaamo reservation-statistics CSV export, exactly as exported.",
    fields=(
        "Varaus ID",
        "Resurssi ID",
        "Resurssi",
        "Yksikkö",
        "Tyyppi",
        "Tila",
        "Alkaa",
        "Päättyy",
        "Luontiaika",
        *STATISTICS_PERSONAL,
    ),
    readers=(Reader("*.csv", "csv", delim=","),),
    # Alkaa is Helsinki wall-clock time, d.m.yyyy H:MM.
    day_expr='fi_timestamp("Alkaa")::DATE',
    personal_fields=STATISTICS_PERSONAL,
    field_descriptions={
        "Varaus ID": "Reservation id in the new backend (a new id space).",
        "Resurssi ID": "Resource id (same ids as the reference).",
        "Resurssi": "Resource name.",
        "Yksikkö": "Unit (venue).",
        "Tyyppi": "Varaus = normal, Esto = blocked.",
        "Tila": "Vahvistettu, Peruttu, Hylätty, Käsiteltävänä, Luonnos or Odottaa maksua.",
        "Alkaa": "Start, d.m.yyyy H:MM Helsinki time.",
        "Päättyy": "End, d.m.yyyy H:MM Helsinki time.",
        "Luontiaika": "When the reservation was made, d.m.yyyy H:MM.",
        "Varaaja": "PERSONAL DATA: reserver's name.",
        "Sähköposti": "PERSONAL DATA: reserver's e-mail.",
        "Puhelin": "PERSONAL DATA: reserver's phone.",
        "Kuvaus": "PERSONAL DATA: free text.",
    },
)

VARAAMO = Source(
    name="varaamo",
    title="Varaamo reservations",
    raw=(VARAAMO_RESERVATIONS, VARAAMO_STATISTICS),
    freshness_days=35,
    freshness_note="monthly reservation pages / statistics exports",
)
