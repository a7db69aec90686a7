"""The scorecard view reads the PostgreSQL publication as well as the snapshot file."""

from __future__ import annotations

import re

import duckdb
import pytest

from kuva_pipeline.publish import publish_postgres
from kuva_pipeline.web import render, views
from kuva_pipeline.web.snapshot import read_duckdb, read_postgres

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def _body(html: str) -> str:
    # The footer names the source and the publication; the pages themselves must agree.
    return re.sub(r"<footer>.*</footer>", "", html, flags=re.S)


def test_pages_from_postgres_equal_pages_from_the_snapshot(postgres, sample_snapshot):
    warehouse, snapshot = sample_snapshot
    url = postgres.url()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        publish_postgres(con, url, schema="kuva_bi_view", refresh_id="view-test")
    finally:
        con.close()
    from_pg = read_postgres(url, "kuva_bi_view")
    from_file = read_duckdb(snapshot)
    links = views.ServerLinks()
    for lang in ("fi", "en"):
        assert _body(render.front(from_pg, lang, None, links)) == _body(render.front(from_file, lang, None, links))
        assert _body(render.scorecard(from_pg, lang, "weighted_targets_2021", None, links)) == _body(
            render.scorecard(from_file, lang, "weighted_targets_2021", None, links)
        )
