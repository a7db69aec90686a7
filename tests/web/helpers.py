"""Reading numbers back from the pages, independently of the view's own formatting code."""

from __future__ import annotations

import re

NUMBER = re.compile(r"[\u2212-]?\d[\d\u202f\u00a0,.]*")


def parse_number(text: str, lang: str) -> float | None:
    """The first number in `text` as the page's language writes it: 1 234,5 (fi) or 1,234.5 (en)."""
    m = NUMBER.search(text)
    if not m:
        return None
    raw = m.group(0).rstrip(".,").replace("\u202f", "").replace("\u00a0", "").replace("\u2212", "-")
    raw = raw.replace(",", ".") if lang == "fi" else raw.replace(",", "")
    return float(raw)


def decimals_shown(text: str, lang: str) -> int:
    m = NUMBER.search(text)
    assert m, text
    sep = "," if lang == "fi" else "."
    raw = m.group(0).rstrip(".,")
    return len(raw.rsplit(sep, 1)[1]) if sep in raw else 0


def fi_day(d) -> str:
    return f"{d.day}.{d.month}.{d.year}"


def meter_rows(html: str) -> dict[str, str]:
    """Each meter's table row on a scorecard page, by meter id."""
    return dict(re.findall(r'<tr data-meter="([^"]+)">(.*?)</tr>', html, flags=re.S))


def span(html: str, css_class: str) -> str:
    m = re.search(rf'<span class="{css_class}">(.*?)</span>', html, flags=re.S)
    assert m, f"no {css_class} in {html[:200]}"
    return m.group(1)
