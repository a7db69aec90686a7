"""The Starlette app behind `kuva serve`: three page types in two languages, read from the snapshot.

A day the snapshot did not score is computed on demand (`kuva_pipeline.web.asof`). Until it
is ready the page says so, with a link that waits for the result (`wait=1`: the request
is answered when the day is ready, or after `WAIT_SECONDS`). There is no timed reload,
which would take the page away from a reader; no JavaScript is needed either.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from kuva_pipeline.web import fmt, render, views
from kuva_pipeline.web import labels as L
from kuva_pipeline.web.asof import AsOfComputer, needs_computing
from kuva_pipeline.web.snapshot import Snapshot, SnapshotSource, SnapshotUnavailable

LINKS = views.ServerLinks()
RETRY_SECONDS = 5
"""What a 202 "computing" answer tells a client to wait before asking again (Retry-After)."""
WAIT_SECONDS = 120
"""How long a `wait=1` request waits for its day before answering "computing" again."""


def _lang(request: Request) -> str:
    lang = request.path_params.get("lang", "fi")
    return lang if lang in L.LANGS else "fi"


class BadRequest(ValueError):
    pass


def _as_of(request: Request) -> date | None:
    text = request.query_params.get("as_of")
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"as_of={text!r} is not a day like 2021-12-31") from None


def _front(snap: Snapshot, lang: str, request: Request, day: date | None, notice: str) -> str:
    return render.front(snap, lang, day, LINKS, notice)


def _scorecard(snap: Snapshot, lang: str, request: Request, day: date | None, notice: str) -> str:
    return render.scorecard(snap, lang, request.path_params["scorecard_id"], day, LINKS, notice)


def _meter(snap: Snapshot, lang: str, request: Request, day: date | None, notice: str) -> str:
    return render.meter(snap, lang, request.path_params["meter_id"], day, LINKS, notice)


def _scorecard_of(snap: Snapshot, request: Request) -> str | None:
    """The scorecard a page shows (None for the front page, which shows them all)."""
    if "meter_id" in request.path_params:
        return views.scorecard_of_meter(snap, request.path_params["meter_id"])
    return request.path_params.get("scorecard_id")


def _published_href(snap: Snapshot, lang: str, request: Request, scorecard_id: str | None, day: date) -> tuple[str, date | None]:
    """The same page on the published day shown for `day` when it is not computed."""
    if scorecard_id is None:
        return LINKS.front(lang), None
    shown, _ = views.resolve_as_of(snap.as_of_days(scorecard_id), day)
    if "meter_id" in request.path_params:
        return LINKS.meter(lang, request.path_params["meter_id"], shown), shown
    return LINKS.scorecard(lang, scorecard_id, shown), shown


def _computing(
    snap: Snapshot, lang: str, request: Request, scorecard_id: str | None, day: date, queued_before: int
) -> Response:
    href, shown = _published_href(snap, lang, request, scorecard_id, day)
    path, query = request.url.path, {k: v for k, v in request.query_params.items() if k != "wait"}
    other = path.replace(f"/{lang}/", f"/{views.other_lang(lang)}/", 1) + "?" + urlencode(query)
    wait = path + "?" + urlencode({**query, "wait": "1"})
    html = render.computing(snap, lang, day, queued_before, wait, WAIT_SECONDS, href, shown, other, LINKS)
    return HTMLResponse(
        html, status_code=202, headers={"Retry-After": str(RETRY_SECONDS), "Cache-Control": "no-store"}
    )


def create_app(source: SnapshotSource, computer: AsOfComputer | None = None, warm: bool = True) -> Starlette:
    """The app over `source`; with `computer`, days the snapshot did not score are computed
    on demand, and (with `warm`) the documents' own forecast days as soon as it starts."""

    def page(fn):
        async def endpoint(request: Request) -> Response:
            lang = _lang(request)
            if request.path_params.get("lang") not in L.LANGS:
                return RedirectResponse(f"/fi{request.url.path}", status_code=307)
            snap: Snapshot | None = None
            try:
                snap = source.get()
                day = _as_of(request)
                notice = ""
                if day is not None and computer is not None:
                    scorecard_id = _scorecard_of(snap, request)
                    if needs_computing(snap, day, scorecard_id):
                        result = computer.day(snap, day)
                        if request.query_params.get("wait"):
                            deadline = time.monotonic() + WAIT_SECONDS
                            while result.state == "computing" and time.monotonic() < deadline:
                                await asyncio.sleep(0.5)
                                result = computer.day(snap, day)
                        if result.state == "ready":
                            snap = result.snapshot
                        elif result.state == "computing":
                            return _computing(snap, lang, request, scorecard_id, day, result.queued_before)
                        else:
                            notice = L.t("as_of_unavailable", lang, asked=fmt.day(day, lang), reason=result.reason)
                return HTMLResponse(fn(snap, lang, request, day, notice))
            except SnapshotUnavailable as exc:
                return PlainTextResponse(f"The BI snapshot is not available: {exc}", status_code=503)
            except views.NotFound as exc:
                return HTMLResponse(render.error(snap, lang, "not_found", str(exc), LINKS), status_code=404)
            except BadRequest as exc:
                return HTMLResponse(render.error(snap, lang, "bad_request", str(exc), LINKS), status_code=400)

        return endpoint

    @contextlib.asynccontextmanager
    async def lifespan(app):
        if computer is not None and warm:
            with contextlib.suppress(SnapshotUnavailable):
                snap = source.get()
                computer.warm(snap, list(snap.forecast_rounds()))
        try:
            yield
        finally:
            if computer is not None:
                computer.close()

    routes = [
        Route("/", lambda request: RedirectResponse("/fi/", status_code=307)),
        Route("/healthz", lambda request: PlainTextResponse("ok")),
        Route("/{lang}/", page(_front)),
        Route("/{lang}/scorecards/{scorecard_id}", page(_scorecard)),
        Route("/{lang}/meters/{meter_id}", page(_meter)),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def app_for_snapshot(path: Path, computer: AsOfComputer | None = None, warm: bool = True) -> Starlette:
    return create_app(SnapshotSource(path=path), computer, warm)
