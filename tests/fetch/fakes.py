"""Recorded public APIs served from 127.0.0.1: Linked Events and the HappyOrNot Customer API v2.

Each fake answers the queries the fetchers send from a list of recorded
records, the way the public API pages them: Linked Events with
`{meta: {count, next, previous}, data}` and `page`/`page_size`, HappyOrNot
with a bare JSON array, `offset`/`limit` and `X-More-Available`. `faults`
are answers to give before the recorded ones (status and headers, or a delay
in seconds), to test retries.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

from werkzeug import Request, Response

LE_PREFIX = "/linkedevents/v1/"
HON_PREFIX = "/v2/"


class _Faults:
    def __init__(self) -> None:
        self.faults: list = []

    def _fault(self) -> Response | None:
        if not self.faults:
            return None
        fault = self.faults.pop(0)
        if isinstance(fault, int | float) and not isinstance(fault, bool):
            time.sleep(fault)  # a slow answer; the client has given up by then
            return None
        status, headers = fault
        return Response(json.dumps({"detail": "fault"}), status=status, headers=headers,
                        content_type="application/json")


class FakeLinkedEvents(_Faults):
    """`/event/` over recorded events by month: {'2021-03': [event, ...]}."""

    def __init__(self, server, months: dict[str, list[dict]]) -> None:
        super().__init__()
        self.server = server
        self.months = months
        self.requests: list[dict[str, str]] = []
        server.expect_request(LE_PREFIX + "event/").respond_with_handler(self.handle)

    @property
    def base_url(self) -> str:
        return self.server.url_for(LE_PREFIX)

    def handle(self, request: Request) -> Response:
        args = request.args.to_dict()
        self.requests.append(args)
        fault = self._fault()
        if fault is not None:
            return fault
        records = list(self.months.get(args["start"][:7], []))
        if args.get("show_deleted") != "true":
            records = [r for r in records if not r.get("deleted")]
        if "last_modified_since" in args:
            # Linked Events filters last_modified_time >= the given time.
            records = [r for r in records if (r.get("last_modified_time") or "") >= args["last_modified_since"]]
        size, page = int(args.get("page_size", 20)), int(args.get("page", 1))
        url = self.server.url_for(LE_PREFIX + "event/")

        def link(n: int) -> str:
            return url + "?" + urlencode({**args, "page": str(n)})

        body = {
            "meta": {
                "count": len(records),
                "next": link(page + 1) if page * size < len(records) else None,
                "previous": link(page - 1) if page > 1 else None,
            },
            "data": records[(page - 1) * size : page * size],
        }
        return Response(json.dumps(body, ensure_ascii=False), content_type="application/json")

    def pages_requested(self) -> list[int]:
        return [int(r.get("page", 1)) for r in self.requests if "last_modified_since" not in r]


class FakeHappyOrNot(_Faults):
    """`results/button-feedbacks.json` over recorded v2 button feedback, behind a token."""

    def __init__(self, server, feedback: list[dict], token: str) -> None:
        super().__init__()
        self.server = server
        self.feedback = feedback
        self.token = token
        self.requests: list[dict[str, str]] = []
        server.expect_request(HON_PREFIX + "results/button-feedbacks.json").respond_with_handler(self.handle)

    @property
    def base_url(self) -> str:
        return self.server.url_for(HON_PREFIX)

    def handle(self, request: Request) -> Response:
        args = request.args.to_dict()
        self.requests.append(args)
        if request.headers.get("X-HON-API-Token") != self.token:
            return Response("", status=401)
        fault = self._fault()
        if fault is not None:
            return fault
        rows = [
            r
            for r in self.feedback
            if args["startDate"] <= r["localTime"][:10] < args["endDate"]
            and (args.get("includeMisuse") == "true" or not r["misuse"])
        ]
        offset, limit = int(args.get("offset", 0)), int(args.get("limit", 1000))
        chunk = rows[offset : offset + limit]
        more = offset + limit < len(rows)
        return Response(
            json.dumps(chunk),
            content_type="application/json",
            headers={"X-More-Available": "true" if more else "false"},
        )


def event(eid: str, start: str, modified: str = "2021-01-10T08:00:00.000000Z", **extra) -> dict:
    """A Linked Events event object with the fields of the public schema the pipeline reads."""
    base = "https://api.hel.fi/linkedevents/v1/"
    record = {
        "@id": f"{base}event/{eid}/",
        "@type": "Event",
        "id": eid,
        "data_source": eid.split(":")[0],
        "publisher": "ahjo:u480400",
        "name": {"fi": f"Tapahtuma {eid}", "sv": None, "en": None},
        "start_time": start,
        "end_time": None,
        "event_status": "EventScheduled",
        "super_event": None,
        "super_event_type": None,
        "sub_events": [],
        "keywords": [{"@id": f"{base}keyword/kuva:suurtapahtuma/"}],
        "location": {"@id": f"{base}place/tprek:7254/"},
        "deleted": False,
        "replaced_by": None,
        "last_modified_time": modified,
    }
    record.update(extra)
    return record


def deleted_event(eid: str, modified: str) -> dict:
    """What the API lists for a deleted event with show_deleted=true: a short record."""
    return {
        "id": eid,
        "name": {"fi": "POISTETTU", "sv": "RADERAD", "en": "DELETED"},
        "last_modified_time": modified,
        "deleted": True,
        "replaced_by": None,
    }


def press(fid: str, local: str, point: int, survey: int, button: int, misuse: bool = False) -> dict:
    """A HappyOrNot v2 button feedback object (all its required fields)."""
    return {
        "feedbackId": fid,
        "smileyId": 70000 + point,
        "localTime": local,
        "surveyId": survey,
        "experiencePointId": point,
        "buttonIndex": button,
        "misuse": misuse,
        "position": 0,
        "ui": "physical",
        "smileyType": "SMILEY_TERMINAL",
    }
