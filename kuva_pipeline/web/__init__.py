"""The scorecard view (tuloskortti-näkymä): the published BI snapshot as bilingual web pages.

`kuva serve` runs it as a small Starlette app; `kuva report --html DIR` writes the same
pages as static files. Both read only the published snapshot, never the live warehouse.
See docs/scorecard_view.md.
"""
