"""`kuva report --html DIR`: every page of the scorecard view as self-contained static HTML.

The files link to each other relatively (`fi/index.html`, `fi/<scorecard>-<day>.html`,
`fi/<meter>-<day>.html`, the same under `en/`), carry their styles and charts inline,
and need no server, so the folder can go on an intranet share or into an e-mail.
"""

from __future__ import annotations

import os
from pathlib import Path

from kuva_pipeline.web import labels as L
from kuva_pipeline.web import render, views
from kuva_pipeline.web.snapshot import Snapshot

LINKS = views.StaticLinks()


def _write(path: Path, html: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, path)


def write_report(snap: Snapshot, out_dir: Path) -> list[Path]:
    """Write every page in both languages under `out_dir`; return the files written."""
    out_dir = Path(out_dir)
    written: list[Path] = []
    for lang in L.LANGS:
        folder = out_dir / lang
        folder.mkdir(parents=True, exist_ok=True)
        pages = {"index.html": render.front(snap, lang, None, LINKS)}
        for day in snap.all_as_of_days():
            pages[f"index-{day.isoformat()}.html"] = render.front(snap, lang, day, LINKS)
        for scorecard_id in snap.scorecards:
            for day in snap.as_of_days(scorecard_id):
                pages[f"{scorecard_id}-{day.isoformat()}.html"] = render.scorecard(
                    snap, lang, scorecard_id, day, LINKS
                )
                for row in snap.scorecard_rows(scorecard_id, day):
                    pages[f"{row['meter_id']}-{day.isoformat()}.html"] = render.meter(
                        snap, lang, row["meter_id"], day, LINKS
                    )
        for name, html in pages.items():
            _write(folder / name, html)
            written.append(folder / name)
    index = out_dir / "index.html"
    _write(
        index,
        '<!doctype html><html lang="fi"><head><meta charset="utf-8">'
        '<meta http-equiv="refresh" content="0; url=fi/index.html"><title>Tuloskortit</title></head>'
        '<body><p><a href="fi/index.html">Tuloskortit (suomeksi)</a> · '
        '<a href="en/index.html" lang="en">Scorecards (in English)</a></p></body></html>',
    )
    written.append(index)
    return written
