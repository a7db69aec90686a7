"""The scorecard view (tuloskortti-näkymä): the published BI snapshot as bilingual web pages.

`kuva serve` runs it as a small Starlette app; `kuva report --html DIR` writes the same
pages as static files. Both read only the published `bi` tables, never the live warehouse;
a day that was not published is computed by time travel over the copy of the sources the
publication writes beside the warehouse (`asof.py`). See docs/scorecard_view.md.
"""
