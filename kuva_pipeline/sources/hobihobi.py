"""Hobihobi listing snapshots: contract `hobihobi-snapshot v1` (see docs/sources.md).

Hobihobi has no public API, so the contract is ours: one `;`-separated UTF-8
CSV per snapshot day, one row per listing visible that day. A snapshot
belongs to the day in its file name.
"""

from kuva_pipeline.sources.declaration import Source
from kuva_pipeline.sources.raw import RawSource, Reader

HOBIHOBI_LISTINGS = RawSource(
    name="hobihobi",
    table="hobihobi_listings",
    folder="hobihobi",
    description="Hobby listings visible in Hobihobi, one snapshot per day, exactly as exported.",
    fields=(
        "listing_id",
        "title",
        "organiser",
        "category",
        "service_area",
        "visible_from",
        "visible_until",
        "participants",
    ),
    readers=(Reader("*.csv", "csv", delim=";"),),
    # A snapshot belongs to the day in its file name (the file's first day).
    day_expr="NULL",
    field_descriptions={
        "listing_id": "Hobihobi's id of the listing; stable across snapshots.",
        "title": "Listing title (free text).",
        "organiser": "Organising club or unit.",
        "category": "Hobby category.",
        "service_area": "KUVA service area the listing is attributed to.",
        "visible_from": "First day the listing is visible (d.m.yyyy).",
        "visible_until": "Last day the listing is visible (d.m.yyyy, inclusive); required.",
        "participants": "Participants registered on the listing at snapshot time.",
    },
)

HOBIHOBI = Source(
    name="hobihobi",
    title="Hobihobi listings snapshots",
    raw=(HOBIHOBI_LISTINGS,),
    freshness_days=35,
    freshness_note="snapshots daily in production, monthly in the bundled sample",
)
