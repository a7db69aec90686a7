"""Inline SVG charts: a sparkline, the actual-against-target bar and a larger line chart.

Plain strings, no JavaScript: a page shows them as it is, in print and in a static
report. Each carries a text alternative (`role="img"` and `aria-label`), and the
larger chart's numbers are on the page as a table too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from html import escape

from markupsafe import Markup

Point = tuple[date, float]

INK = "#1a1a1a"
LINE = "#0000bf"  # Helsinki's coat-of-arms blue
TARGET_FILL = "#c8e6c9"
TIER_INK = "#2e6b30"
BASELINE_INK = "#5c5c5c"


def _svg(width: float, height: float, label: str, body: str, css_class: str) -> Markup:
    return Markup(
        f'<svg class="{css_class}" viewBox="0 0 {width:g} {height:g}" width="{width:g}" height="{height:g}" '
        f'role="img" aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg" '
        f'preserveAspectRatio="xMinYMid meet" focusable="false">'
        f"<title>{escape(label)}</title>{body}</svg>"
    )


def _scale(lo: float, hi: float, a: float, b: float) -> Callable[[float], float]:
    if hi == lo:
        hi, lo = hi + 1, lo - 1
    return lambda v: a + (v - lo) * (b - a) / (hi - lo)


def sparkline(points: Sequence[Point], label: str, width: int = 120, height: int = 28) -> Markup:
    """The series as a thin line, its last point marked."""
    if not points:
        return Markup("")
    xs = [p[0].toordinal() for p in points]
    ys = [p[1] for p in points]
    fx = _scale(min(xs), max(xs), 2, width - 4)
    fy = _scale(min(ys), max(ys), height - 3, 3)
    if len(points) == 1:
        path = ""
    else:
        coords = " ".join(f"{fx(x):.1f},{fy(y):.1f}" for x, y in zip(xs, ys, strict=True))
        path = f'<polyline points="{coords}" fill="none" stroke="{LINE}" stroke-width="1.5"/>'
    dot = f'<circle cx="{fx(xs[-1]):.1f}" cy="{fy(ys[-1]):.1f}" r="2.5" fill="{INK}"/>'
    return _svg(width, height, label, path + dot, "spark")


def target_bar(
    actual: float | None,
    *,
    baseline: float | None,
    target_min: float | None,
    target_max: float | None,
    tiers: Sequence[float | None],
    direction: str,
    label: str,
    width: int = 160,
    height: int = 26,
) -> Markup:
    """The actual value as a bar on a scale holding the target zone, tier ticks and baseline."""
    known = [v for v in (actual, baseline, target_min, target_max, *tiers) if v is not None]
    if not known:
        return Markup("")
    lo, hi = min(known), max(known)
    pad = (hi - lo) * 0.15 or abs(hi) * 0.15 or 1
    lo = min(0.0, lo - pad) if lo >= 0 else lo - pad
    hi = hi + pad
    fx = _scale(lo, hi, 1, width - 1)
    body = [f'<rect x="1" y="8" width="{width - 2}" height="10" fill="#f0f0f0" stroke="#767676" stroke-width="0.5"/>']
    if target_min is not None or target_max is not None:
        zlo = fx(target_min) if target_min is not None else 1
        zhi = fx(target_max) if target_max is not None else width - 1
        body.append(f'<rect x="{zlo:.1f}" y="8" width="{max(zhi - zlo, 1.5):.1f}" height="10" fill="{TARGET_FILL}"/>')
    if actual is not None:
        body.append(f'<rect x="1" y="10.5" width="{max(fx(actual) - 1, 1):.1f}" height="5" fill="{LINE}"/>')
        body.append(f'<rect x="{fx(actual) - 1:.1f}" y="5" width="2.5" height="16" fill="{INK}"/>')
    for value in tiers:
        if value is not None:
            body.append(f'<rect x="{fx(value) - 0.5:.1f}" y="3" width="1.2" height="20" fill="{TIER_INK}"/>')
    if baseline is not None:
        body.append(
            f'<line x1="{fx(baseline):.1f}" x2="{fx(baseline):.1f}" y1="2" y2="24" stroke="{BASELINE_INK}" '
            'stroke-width="1.2" stroke-dasharray="2,1.5"/>'
        )
    return _svg(width, height, label, "".join(body), "bar")


def line_chart(
    points: Sequence[Point],
    *,
    baseline: float | None,
    target_min: float | None,
    target_max: float | None,
    tiers: Sequence[float | None],
    label: str,
    tick_label: Callable[[float], str],
    legend: dict[str, str],
    width: int = 640,
    height: int = 260,
) -> Markup:
    """A larger chart of the series with the target zone, the tier thresholds and the baseline."""
    if not points:
        return Markup("")
    left, right, top, bottom = 64, 12, 12, 44
    xs = [p[0].toordinal() for p in points]
    ys = [p[1] for p in points]
    refs = [v for v in (baseline, target_min, target_max, *tiers) if v is not None]
    lo, hi = min(ys + refs), max(ys + refs)
    pad = (hi - lo) * 0.1 or abs(hi) * 0.1 or 1
    lo, hi = (0.0 if lo >= 0 and lo - pad < 0 else lo - pad), hi + pad
    x0, x1 = min(xs), max(xs)
    if x0 == x1:
        x0, x1 = x0 - 15, x1 + 15
    fx = _scale(x0, x1, left, width - right)
    fy = _scale(lo, hi, height - bottom, top)
    out = []
    if target_min is not None or target_max is not None:
        ytop = fy(target_max) if target_max is not None else top
        ybot = fy(target_min) if target_min is not None else height - bottom
        out.append(
            f'<rect x="{left}" y="{ytop:.1f}" width="{width - left - right}" height="{max(ybot - ytop, 1.5):.1f}" '
            f'fill="{TARGET_FILL}"/>'
        )
    for i in range(5):
        v = lo + (hi - lo) * i / 4
        y = fy(v)
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d0d0" stroke-width="0.6"/>')
        out.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{INK}">{escape(tick_label(v))}</text>'
        )
    years = sorted({p[0].year for p in points})
    for year in years:
        first = date(year, 1, 1).toordinal()
        if x0 <= first <= x1:
            x = fx(first)
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - bottom}" stroke="#b0b0b0" stroke-width="0.6"/>')
        mid = max(x0, min(x1, date(year, 7, 1).toordinal()))
        out.append(
            f'<text x="{fx(mid):.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11" fill="{INK}">{year}</text>'
        )
    for value in tiers:
        if value is not None:
            out.append(
                f'<line x1="{left}" x2="{width - right}" y1="{fy(value):.1f}" y2="{fy(value):.1f}" stroke="{TIER_INK}" stroke-width="1"/>'
            )
    if baseline is not None:
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{fy(baseline):.1f}" y2="{fy(baseline):.1f}" '
            f'stroke="{BASELINE_INK}" stroke-width="1.5" stroke-dasharray="6,4"/>'
        )
    coords = " ".join(f"{fx(x):.1f},{fy(y):.1f}" for x, y in zip(xs, ys, strict=True))
    if len(points) > 1:
        out.append(f'<polyline points="{coords}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    for x, y in zip(xs, ys, strict=True):
        out.append(f'<circle cx="{fx(x):.1f}" cy="{fy(y):.1f}" r="2.6" fill="{LINE}"/>')
    # Legend along the bottom: series, target zone, baseline.
    ly = height - 10
    items = [
        (f'<line x1="0" x2="18" y1="0" y2="0" stroke="{LINE}" stroke-width="2"/>', legend.get("series", "")),
        (f'<rect x="0" y="-5" width="18" height="10" fill="{TARGET_FILL}"/>', legend.get("target", "")),
        (f'<line x1="0" x2="18" y1="0" y2="0" stroke="{BASELINE_INK}" stroke-width="1.5" stroke-dasharray="6,4"/>', legend.get("baseline", "")),
        (f'<line x1="0" x2="18" y1="0" y2="0" stroke="{TIER_INK}" stroke-width="1"/>', legend.get("tiers", "")),
    ]
    x = left
    for glyph, text in items:
        if not text:
            continue
        out.append(
            f'<g transform="translate({x},{ly - 4})">{glyph}<text x="24" y="4" font-size="11" fill="{INK}">{escape(text)}</text></g>'
        )
        x += 34 + 6.2 * len(text)
    return _svg(width, height, label, "".join(out), "chart")
