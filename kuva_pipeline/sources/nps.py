"""The NPS device feed: HappyOrNot-style button-feedback exports (CSV or a JSON array).

`localTime` is the device's Helsinki wall-clock time (`2021-04-01T10:15:30`), or,
in HappyOrNot API v2 exports, the same time with milliseconds and its offset
(`2021-04-01T10:15:30.000+03:00`). The record's day is its Helsinki date, read
by the shared `fi_timestamp` macro the staging model uses too. API v2 exports
carry more columns (`smileyId`, `position`) in another order: the loader picks
the contract's columns by name and reports the others.
"""

from kuva_pipeline.sources.declaration import Source
from kuva_pipeline.sources.raw import RawSource, Reader

NPS_FIELDS = (
    "feedbackId",
    "localTime",
    "experiencePointId",
    "surveyId",
    "buttonIndex",
    "misuse",
    "ui",
    "smileyType",
)

NPS_FEEDBACK = RawSource(
    name="nps",
    table="nps_feedback",
    folder="nps",
    description="Button presses from the quick-feedback devices, exactly as exported.",
    fields=NPS_FIELDS,
    readers=(Reader("*.csv", "csv", delim=","), Reader("*.json", "json_array")),
    day_expr="fi_timestamp(localTime)::DATE",
    field_descriptions={
        "feedbackId": "Export's id of the press (text: an integer or a UUID); unique per press.",
        "localTime": "Press time on the device, Helsinki wall-clock: as written, or ISO 8601 with its offset and fractions.",
        "experiencePointId": "Device (experience point) id; see reference nps_experience_points.",
        "surveyId": "Survey shown on the device; reference nps_surveys says which are NPS.",
        "buttonIndex": "Button pressed: 0-10 on NPS surveys, 0-3 or 0-4 on smiley surveys (reference nps_surveys.buttons).",
        "misuse": "true when the device flagged the press as misuse (rapid repeats).",
        "ui": "Device user interface type (nps11, smiley4; API v2: physical, digital).",
        "smileyType": "Smiley set or device type (classic; API v2: SMILEY_TERMINAL...).",
    },
)

NPS = Source(
    name="nps",
    title="NPS device feed",
    raw=(NPS_FEEDBACK,),
    freshness_days=35,
    freshness_note="monthly exports, delivered in the first days of the next month",
)
