"""Goal owners' check-ins: `;`-separated CSV or an Excel workbook, one file per owner and year.

Unpartitioned: the files are few and small, and a check-in's date may fall
outside its file's year (a year-end check-in written on 1.1.), so every run
reloads them all. `comment` and `author` are personal data: raw keeps them,
staging drops them.
"""

from kuva_pipeline.sources.declaration import Source
from kuva_pipeline.sources.raw import RawSource, Reader

CHECKIN_PERSONAL = ("comment", "author")

CHECKINS = RawSource(
    name="checkin",
    table="checkins",
    folder="checkins",
    description="Goal owners' check-ins (status, progress, forecast, value), exactly as filed.",
    fields=("meter", "date", "status", "progress_pct", "forecast", "value", *CHECKIN_PERSONAL),
    readers=(Reader("*.csv", "csv", delim=";"), Reader("*.xlsx", "xlsx")),
    day_expr="fi_date(date)",
    personal_fields=CHECKIN_PERSONAL,
    partitioned=False,
    field_descriptions={
        "meter": "Catalog meter id, e.g. binding_goals_2019.nps_devices.",
        "date": "As-of date of the check-in (d.m.yyyy; ISO from Excel).",
        "status": "TEKEMÄTTÄ, TEKEILLÄ or TEHTY.",
        "progress_pct": "Progress bar 0-100.",
        "forecast": "toteutuu, toteutumassa, epävarma or ei toteudu.",
        "value": "The meter's value (Finnish number).",
        "comment": "PERSONAL DATA: free text.",
        "author": "PERSONAL DATA: who wrote the check-in.",
    },
)

CHECKIN = Source(
    name="checkin",
    title="Check-ins",
    raw=(CHECKINS,),
    freshness_days=400,
    freshness_note="goal owners report a few times a year, in yearly files",
    owner_reported=True,
)
