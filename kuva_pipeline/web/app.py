"""The Starlette app behind `kuva serve`: three page types in two languages, read from the snapshot."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from kuva_pipeline.web import labels as L
from kuva_pipeline.web import render, views
from kuva_pipeline.web.snapshot import Snapshot, SnapshotSource, SnapshotUnavailable

LINKS = views.ServerLinks()


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


def create_app(source: SnapshotSource) -> Starlette:
    def page(fn):
        async def endpoint(request: Request) -> Response:
            lang = _lang(request)
            if request.path_params.get("lang") not in L.LANGS:
                return RedirectResponse(f"/fi{request.url.path}", status_code=307)
            snap: Snapshot | None = None
            try:
                snap = source.get()
                return HTMLResponse(fn(snap, lang, request, _as_of(request)))
            except SnapshotUnavailable as exc:
                return PlainTextResponse(f"The BI snapshot is not available: {exc}", status_code=503)
            except views.NotFound as exc:
                return HTMLResponse(render.error(snap, lang, "not_found", str(exc), LINKS), status_code=404)
            except BadRequest as exc:
                return HTMLResponse(render.error(snap, lang, "bad_request", str(exc), LINKS), status_code=400)

        return endpoint

    routes = [
        Route("/", lambda request: RedirectResponse("/fi/", status_code=307)),
        Route("/healthz", lambda request: PlainTextResponse("ok")),
        Route("/{lang}/", page(lambda s, lang, r, d: render.front(s, lang, d, LINKS))),
        Route(
            "/{lang}/scorecards/{scorecard_id}",
            page(lambda s, lang, r, d: render.scorecard(s, lang, r.path_params["scorecard_id"], d, LINKS)),
        ),
        Route(
            "/{lang}/meters/{meter_id}",
            page(lambda s, lang, r, d: render.meter(s, lang, r.path_params["meter_id"], d, LINKS)),
        ),
    ]
    return Starlette(routes=routes)


def app_for_snapshot(path: Path) -> Starlette:
    return create_app(SnapshotSource(path=path))
