"""The NPS device feed: HappyOrNot-style button-feedback exports (CSV or a JSON array).

`localTime` is the device's Helsinki wall-clock time, so the record's day is
its date as written; no time-zone conversion applies.
"""

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
    day_expr="coalesce(try_strptime(localTime, '%Y-%m-%dT%H:%M:%S'), "
    "try_strptime(localTime, '%Y-%m-%d %H:%M:%S'))::DATE",
    field_descriptions={
        "feedbackId": "Export's id of the press; unique per press.",
        "localTime": "Press time on the device, Helsinki wall-clock.",
        "experiencePointId": "Device (experience point) id; see reference nps_experience_points.",
        "surveyId": "Survey shown on the device; reference nps_surveys says which are NPS.",
        "buttonIndex": "Button pressed: 0-10 on NPS surveys, 0-3 on smiley surveys.",
        "misuse": "true when the device flagged the press as misuse (rapid repeats).",
        "ui": "Device user interface type.",
        "smileyType": "Smiley set shown on smiley surveys.",
    },
)
