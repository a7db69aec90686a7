"""Finance extracts: cost, outputs and budget per service area and year, as Finnish Excel CSV.

The division's unit cost (total cost / total outputs) falls 0.7 % from 2020 to
2021, between the seed's challenging (-0.5 %) and exceptional (-1 %) tiers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from kuva_pipeline.sample.common import YEARS, Context, encode

HEADER = (
    "vuosi",
    "palvelualue",
    "kustannukset_eur",
    "suoritteet",
    "talousarvio_eur",
    "suoritteen_laji",
)
AREAS = ("KIR", "KULP", "LIIKU", "NUP", "hallinto")
OUTPUT_KIND = {
    "KIR": "lainaukset ja käynnit",
    "KULP": "käynnit ja osallistumiskerrat",
    "LIIKU": "käyntikerrat",
    "NUP": "käyntikerrat",
    "hallinto": "ei omia suoritteita",
}
ENCODING = {2019: "utf-8-sig", 2020: "cp1252", 2021: "utf-8-sig"}
UNIT_COST_CHANGE_2021 = Decimal("-0.007")
CORRECTION_2021 = Decimal("350000.00")  # a KULP accrual correction, written as a negative row

_BASE_2019 = {  # cost EUR, outputs, budget EUR
    "KIR": (63_820_000, 17_300_000, 64_500_000),
    "KULP": (98_450_000, 3_900_000, 99_800_000),
    "LIIKU": (86_300_000, 11_800_000, 87_100_000),
    "NUP": (32_600_000, 1_650_000, 33_000_000),
    "hallinto": (21_400_000, 0, 21_900_000),
}
_OUTPUT_FACTOR = {2020: (0.62, 0.48, 0.58, 0.55, 0.0), 2021: (0.635, 0.47, 0.6, 0.565, 0.0)}
_COST_FACTOR = {2020: (0.982, 0.975, 0.968, 0.99, 1.01), 2021: (0.991, 0.958, 0.99, 1.0, 1.02)}
_CENT = Decimal("0.01")


def _fi(x: Decimal) -> str:
    s = f"{x.quantize(_CENT):.2f}".replace(".", ",")
    return s.replace("-", "\u2212")


def build(seed_noise: list[float]) -> dict[int, list[tuple[str, Decimal, int, Decimal]]]:
    """Rows per year: (area, cost, outputs, budget); the 2021 total is fixed by the unit-cost change."""
    rows: dict[int, list[tuple[str, Decimal, int, Decimal]]] = {}
    noise = iter(seed_noise)
    rows[2019] = [(a, Decimal(c), o, Decimal(b)) for a, (c, o, b) in _BASE_2019.items()]
    for year in (2020, 2021):
        out = []
        for i, a in enumerate(AREAS):
            c0, o0, b0 = _BASE_2019[a]
            cost = (
                Decimal(c0)
                * Decimal(str(_COST_FACTOR[year][i]))
                * Decimal(str(1 + next(noise) * 0.004))
            ).quantize(_CENT)
            outputs = int(round(o0 * _OUTPUT_FACTOR[year][i] * (1 + next(noise) * 0.01)))
            out.append((a, cost, outputs, Decimal(0)))
        rows[year] = out
    c20 = sum(r[1] for r in rows[2020])
    o20 = sum(r[2] for r in rows[2020])
    o21 = sum(r[2] for r in rows[2021])
    target = (c20 / o20 * (1 + UNIT_COST_CHANGE_2021) * o21).quantize(_CENT, rounding=ROUND_HALF_UP)
    c21 = sum(r[1] for r in rows[2021])
    scaled = [(a, (c * target / c21).quantize(_CENT), o, b) for a, c, o, b in rows[2021]]
    residual = target - sum(r[1] for r in scaled)
    a, c, o, b = scaled[-1]
    scaled[-1] = (a, c + residual, o, b)
    rows[2021] = scaled
    for year in (2020, 2021):
        # Each area stays 0.6-1.4 % under its budget.
        rows[year] = [
            (a, c, o, (c * Decimal(str(1.006 + 0.002 * i))).quantize(Decimal("1000")))
            for i, (a, c, o, _b) in enumerate(rows[year])
        ]
    return rows


def generate(ctx: Context) -> dict:
    rng = ctx.rng("finance")
    rows = build([float(x) for x in (rng.random(20) - 0.5)])
    headline: dict = {"by_year": {}}
    for year in YEARS:
        lines = []
        for a, cost, outputs, budget in rows[year]:
            if year == 2021 and a == "KULP":
                cost += CORRECTION_2021  # the booked figure; the correction row brings it back
            lines.append([str(year), a, _fi(cost), str(outputs), _fi(budget), OUTPUT_KIND[a]])
        correction_line = None
        if year == 2021:
            lines.append([str(year), "KULP", _fi(-CORRECTION_2021), "0", "", "oikaisu: jaksotus"])
            correction_line = len(lines) + 1
        text = "\r\n".join(";".join(r) for r in [list(HEADER), *lines]) + "\r\n"
        rel = f"finance/finance_{year}.csv"
        enc = ENCODING[year]
        ctx.write(rel, encode(text, enc), encoding=enc, rows=len(lines))
        if enc == "utf-8-sig":
            ctx.pitfall("utf8_bom", rel, line=1, detail="file starts with a UTF-8 byte order mark")
        else:
            ctx.pitfall(
                "cp1252",
                rel,
                line=2,
                detail="Windows-1252 text: 'lainaukset ja käynnit' has ä as byte 0xE4",
            )
        ctx.pitfall(
            "decimal_comma",
            rel,
            line=2,
            detail="amounts use a decimal comma and ';' separates fields",
        )
        if correction_line:
            ctx.pitfall(
                "u2212_minus",
                rel,
                line=correction_line,
                detail="a negative correction written with U+2212 MINUS SIGN; rows are summed per area",
            )
        cost = sum(r[1] for r in rows[year])
        outputs = sum(r[2] for r in rows[year])
        budget = sum(r[3] for r in rows[year])
        headline["by_year"][str(year)] = {
            "cost_eur": f"{cost:.2f}",
            "outputs": outputs,
            "budget_eur": f"{budget:.2f}",
            "unit_cost_eur": float((cost / outputs).quantize(Decimal("0.000001"))),
            "by_service_area": {
                a: {"cost_eur": f"{c:.2f}", "outputs": o, "budget_eur": f"{b:.2f}"}
                for a, c, o, b in rows[year]
            },
        }
    u = {
        y: Decimal(headline["by_year"][str(y)]["cost_eur"]) / headline["by_year"][str(y)]["outputs"]
        for y in YEARS
    }
    headline["unit_cost_change_pct"] = {
        "2020_vs_2019": float(((u[2020] / u[2019] - 1) * 100).quantize(Decimal("0.0001"))),
        "2021_vs_2020": float(((u[2021] / u[2020] - 1) * 100).quantize(Decimal("0.0001"))),
    }
    return headline
