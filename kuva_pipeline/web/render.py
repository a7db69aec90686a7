"""Jinja2 rendering shared by the web app and the static report."""

from __future__ import annotations

from functools import cache
from importlib import resources

import jinja2
from markupsafe import Markup

from kuva_pipeline.web import labels as L
from kuva_pipeline.web import views
from kuva_pipeline.web.snapshot import Snapshot


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("kuva_pipeline.web", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


@cache
def _css() -> Markup:
    # Our own file, inlined as is: escaping would break its quotes inside <style>.
    return Markup(resources.files("kuva_pipeline.web").joinpath("style.css").read_text(encoding="utf-8"))


def render_page(template: str, page: dict, snap: Snapshot, lang: str, links: views.Links, notice: str = "") -> str:
    pub = snap.publication or {}
    from kuva_pipeline.web import fmt

    return _env().get_template(template).render(
        page=page,
        lang=lang,
        other=views.other_lang(lang),
        links=links,
        css=_css(),
        notice=notice,
        t=lambda key, **kw: L.t(key, lang, **kw),
        source_name=snap.source.rsplit("/", 1)[-1],
        refresh_id=str(pub.get("refresh_id", "–"))[:8],
        published=L.t("published", lang, when=fmt.moment(pub["published_at"], lang)) + "." if pub else "",
    )


def front(snap: Snapshot, lang: str, as_of, links: views.Links, notice: str = "") -> str:
    return render_page("front.html", views.front_page(snap, lang, as_of, links), snap, lang, links, notice)


def scorecard(snap: Snapshot, lang: str, scorecard_id: str, as_of, links: views.Links, notice: str = "") -> str:
    page = views.scorecard_page(snap, lang, scorecard_id, as_of, links)
    return render_page("scorecard.html", page, snap, lang, links, notice)


def meter(snap: Snapshot, lang: str, meter_id: str, as_of, links: views.Links, notice: str = "") -> str:
    page = views.meter_page(snap, lang, meter_id, as_of, links)
    return render_page("meter.html", page, snap, lang, links, notice)


def computing(
    snap: Snapshot, lang: str, day, queued_before: int, wait_href: str, wait_seconds: int,
    published_href: str, published_day, switch_href: str, links: views.Links,
) -> str:
    """The page shown while a day is computed: what is happening, a link that waits for the
    result, and the published day instead. No timed reload: the reader decides when to go on."""
    from kuva_pipeline.web import fmt

    page = {
        "title": L.t("computing_title", lang, day=fmt.day(day, lang)),
        "body": L.t("computing_body", lang, day=fmt.day(day, lang)),
        "queue": L.t("computing_queue", lang, n=queued_before) if queued_before else "",
        "wait_href": wait_href,
        "wait_note": L.t("computing_wait_note", lang, minutes=max(1, round(wait_seconds / 60))),
        "published_href": published_href,
        "published_label": (
            L.t("computing_published", lang, day=fmt.day(published_day, lang)) if published_day else L.t("front_link", lang)
        ),
        "switch_href": switch_href,
        "breadcrumbs": [{"label": L.t("front_link", lang), "href": links.front(lang)}],
    }
    return render_page("computing.html", page, snap, lang, links)


def error(snap: Snapshot | None, lang: str, title_key: str, message: str, links: views.Links) -> str:
    page = {"title": L.t(title_key, lang), "message": message, "switch_href": links.front(views.other_lang(lang)), "breadcrumbs": []}
    if snap is None:
        snap = Snapshot.empty()
    return render_page("error.html", page, snap, lang, links)
