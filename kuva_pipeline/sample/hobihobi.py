"""Hobihobi listings snapshots (contract `hobihobi-snapshot v1`, see docs/sources.md).

Each snapshot lists every listing that exists in the service on that day and has
not yet expired (visible_until >= snapshot day), including listings scheduled to
become visible later. Listing counts and participant sums are calibrated per
year so that the documented counting rule gives exactly the targets below
(2019 = the seed baselines 357 and 1859).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from kuva_pipeline.sample.common import YEARS, Context, csv_text, encode, fi_date
from kuva_pipeline.sample.rng import pick, randint, weighted

HEADER = (
    "listing_id",
    "title",
    "organiser",
    "category",
    "service_area",
    "visible_from",
    "visible_until",
    "participants",
)

LISTING_TARGET = {2019: 357, 2020: 522, 2021: 904}
PARTICIPANT_TARGET = {2019: 1859, 2020: 2874, 2021: 6093}
_GROWTH = {2018: 0.9, 2019: 1.0, 2020: 1.45, 2021: 2.5, 2022: 2.5}
_MEAN_FINAL = {2018: 5.4, 2019: 5.4, 2020: 5.7, 2021: 6.9, 2022: 6.9}

FIRST_SNAPSHOT = date(2019, 1, 1)
LAST_DAY = date(2021, 12, 31)
BOM_SNAPSHOT = date(2020, 9, 1)

_CATEGORIES = {
    "liikunta": (
        "LIIKU",
        (
            "Futisryhmä",
            "Salibandykerho",
            "Uimakoulu",
            "Parkour",
            "Kiipeilykerho",
            "Skeittikoulu",
            "Koripallokerho",
            "Yleisurheilukoulu",
        ),
    ),
    "musiikki": ("NUP", ("Bändikoulu", "Rumpukerho", "Kuoro", "Ukulelekerho", "Räppityöpaja")),
    "kuvataide": ("KULP", ("Sarjakuvakerho", "Maalauskerho", "Valokuvauskerho", "Animaatiopaja")),
    "tanssi": ("KULP", ("Hip hop -tanssi", "Katutanssi", "Baletti", "K-pop-tanssi")),
    "sirkus": ("KULP", ("Sirkuskoulu", "Jongleerauskerho", "Ilma-akrobatia")),
    "teatteri": ("KULP", ("Teatterikerho", "Improkerho", "Nukketeatteripaja")),
    "kädentaidot": ("NUP", ("Ompelukerho", "Puutyökerho", "Kokkikerho")),
    "pelit": ("NUP", ("Pelikerho", "E-urheiluvalmennus", "Lautapelikerho", "Koodauskerho")),
    "kirjallisuus": ("KIR", ("Lukupiiri", "Sanataidekerho", "Kirjoittajapaja")),
    "luonto": ("LIIKU", ("Retkikerho", "Melontakoulu", "Luontokerho")),
}
_CATEGORY_WEIGHTS = (30, 12, 9, 10, 5, 6, 6, 10, 6, 6)
_ORGANISERS = {
    "liikunta": (
        "Helsingin liikuntapalvelut",
        "Stadin Palloseura ry",
        "Itä-Helsingin Urheilijat ry",
        "Pohjois-Helsingin Liikuntaseura ry",
    ),
    "musiikki": ("Helsingin nuorisopalvelut", "Stadin Musiikkikoulu ry", "Bändikoulu Meteli"),
    "kuvataide": ("Helsingin kulttuuripalvelut", "Kuvataidekoulu Väri ry"),
    "tanssi": ("Tanssikoulu Liike", "Helsingin kulttuuripalvelut"),
    "sirkus": ("Stadin Sirkus ry",),
    "teatteri": ("Nuorisoteatteri Kulissi ry", "Helsingin kulttuuripalvelut"),
    "kädentaidot": ("Helsingin nuorisopalvelut",),
    "pelit": ("Helsingin nuorisopalvelut", "Pelikasvattajat ry"),
    "kirjallisuus": ("Helsingin kaupunginkirjasto", "Sanataidekoulu Sana ry"),
    "luonto": ("Helsingin liikuntapalvelut", "Helsingin Melojat ry"),
}
_AGES = (
    "7–9-vuotiaille",
    "10–12-vuotiaille",
    "13–17-vuotiaille",
    "alakoululaisille",
    "yläkoululaisille",
    "tytöille 10–14 v",
    "kaikenikäisille",
)
_DISTRICTS = (
    "Kallio",
    "Vuosaari",
    "Malmi",
    "Kontula",
    "Itäkeskus",
    "Kannelmäki",
    "Herttoniemi",
    "Maunula",
    "Pasila",
    "Jakomäki",
    "Myllypuro",
    "Lauttasaari",
    "Oulunkylä",
    "Pihlajamäki",
)

# Term templates: (name, weight, visible_from window, visible_until window); windows are
# (month, day) pairs relative to the term's start year, the until-window may be in the next year.
_TERMS = (
    ("spring", 30, ((1, 2), (1, 25)), ((5, 10), (6, 5)), 0),
    ("summer", 14, ((4, 15), (5, 31)), ((8, 5), (8, 31)), 0),
    ("autumn", 30, ((8, 1), (9, 12)), ((12, 5), (12, 20)), 0),
    ("season", 16, ((8, 1), (9, 15)), ((5, 15), (6, 10)), 1),
    ("course", 10, ((1, 15), (10, 15)), None, 0),
)


@dataclass(eq=False)
class Listing:
    visible_from: date
    visible_until: date
    created: date
    category: str
    title: str
    organiser: str
    final: int
    ramp: int
    id: int = 0
    tag: str | None = None
    title_edit: tuple[date, str] | None = None
    overrides: dict[date, int] = field(default_factory=dict)

    @property
    def area(self) -> str:
        return _CATEGORIES[self.category][0]

    def participants(self, day: date) -> int:
        if day in self.overrides:
            return self.overrides[day]
        if day < self.visible_from:
            return 0
        frac = min(1.0, ((day - self.visible_from).days + 1) / self.ramp)
        return int(self.final * frac)

    def title_on(self, day: date) -> str:
        if self.title_edit and day >= self.title_edit[0]:
            return self.title_edit[1]
        return self.title

    def visible_in(self, year: int) -> bool:
        return self.visible_from <= date(year, 12, 31) and self.visible_until >= date(year, 1, 1)


def _window(
    rng, year: int, lo: tuple[int, int], hi: tuple[int, int], hi_year_offset: int = 0
) -> date:
    a = date(year, *lo)
    b = date(year + hi_year_offset, *hi)
    return a + timedelta(days=randint(rng, 0, (b - a).days + 1))


def _new_listing(rng, year: int, term: tuple, *, inside_year: bool = False) -> Listing:
    name, _w, frm, until, off = term
    if name == "course" or inside_year:
        vf = _window(rng, year, (1, 15), (10, 1))
        vu = vf + timedelta(days=randint(rng, 45, 80))
    else:
        vf = _window(rng, year, *frm)
        vu = _window(rng, year + off, until[0], until[1])
    cat = list(_CATEGORIES)[weighted(rng, _CATEGORY_WEIGHTS)]
    title = f"{pick(rng, _CATEGORIES[cat][1])} {pick(rng, _AGES)}, {pick(rng, _DISTRICTS)}"
    organiser = pick(rng, _ORGANISERS[cat])
    cap = pick(rng, (6, 8, 10, 12, 15, 20, 25))
    fill = 0.15 + 0.85 * rng.random()
    final = int(round(cap * fill * _MEAN_FINAL[year] / 7.0))
    if rng.random() < 0.08:
        final = 0
    created = vf - timedelta(days=randint(rng, 0, 21))
    return Listing(vf, vu, created, cat, title, organiser, final, randint(rng, 10, 45))


def snapshot_days(scale_snapshots: str) -> list[date]:
    days = []
    d = FIRST_SNAPSHOT
    while d <= LAST_DAY:
        days.append(d)
        if scale_snapshots == "daily":
            d += timedelta(days=1)
        else:
            d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return days


def generate(ctx: Context) -> dict:
    rng = ctx.rng("hobihobi")
    snaps = snapshot_days(ctx.scale.hobihobi_snapshots)
    snap_arr = np.array(snaps, dtype="datetime64[D]")

    def appears(lst: Listing) -> bool:
        return bool(
            np.any(
                (snap_arr >= np.datetime64(lst.created))
                & (snap_arr <= np.datetime64(lst.visible_until))
            )
        )

    listings: list[Listing] = []
    for year in (2018, 2019, 2020, 2021):
        for term in _TERMS:
            if year == 2018 and term[0] not in ("autumn", "season"):
                continue
            n = int(round(term[1] * 2.75 * _GROWTH[year]))
            for _ in range(n):
                listings.append(_new_listing(rng, year, term))
    listings = [x for x in listings if appears(x)]

    # Specimens (fixed shapes, so every seed has them).
    autumn = next(t for t in _TERMS if t[0] == "autumn")
    spring = next(t for t in _TERMS if t[0] == "spring")
    s_until = _new_listing(rng, 2021, autumn)
    s_until.visible_until = date(2021, 12, 31)
    s_until.tag = "date_31_12"
    s_from = _new_listing(rng, 2022, spring)
    s_from.visible_from = date(2022, 1, 1)
    s_from.created = date(2021, 11, 20)
    s_from.tag = "date_1_1"
    s_prev = _new_listing(rng, 2018, next(t for t in _TERMS if t[0] == "season"))
    s_prev.tag = "visible_from_previous_year"
    s_drop = _new_listing(rng, 2019, spring)
    s_drop.visible_from, s_drop.visible_until, s_drop.created = (
        date(2019, 1, 14),
        date(2019, 5, 31),
        date(2019, 1, 2),
    )
    s_drop.final, s_drop.ramp = 14, 20
    s_drop.tag = "participants_decrease"
    s_edit = _new_listing(rng, 2020, autumn)
    s_edit.visible_from, s_edit.visible_until, s_edit.created = (
        date(2020, 8, 17),
        date(2020, 12, 15),
        date(2020, 8, 3),
    )
    s_edit.title_edit = (date(2020, 10, 1), s_edit.title.replace(",", " (uusi aika),", 1))
    s_edit.tag = "title_changed"
    s_quote = _new_listing(rng, 2019, autumn)
    s_quote.title = 'Sirkuskoulu "Trapetsi"; jatkoryhmä 10–12-vuotiaille, Kallio'
    s_quote.category, s_quote.organiser = "sirkus", "Stadin Sirkus ry"
    s_quote.tag = "quoted_field"
    specimens = [s_prev, s_drop, s_quote, s_edit, s_until, s_from]
    listings.extend(specimens)

    # Exact listing counts per year: add or drop listings that live inside one year.
    for year in YEARS:
        count = sum(1 for x in listings if x.visible_in(year))
        while count < LISTING_TARGET[year]:
            extra = _new_listing(rng, year, _TERMS[-1], inside_year=True)
            if appears(extra):
                listings.append(extra)
                count += 1
        if count > LISTING_TARGET[year]:
            inside = [
                i
                for i, x in enumerate(listings)
                if x.tag is None and x.visible_from.year == year and x.visible_until.year == year
            ]
            drop = set(
                inside[j]
                for j in np.argsort(rng.random(len(inside)), kind="stable")[
                    : count - LISTING_TARGET[year]
                ]
            )
            if len(drop) < count - LISTING_TARGET[year]:
                raise RuntimeError(
                    f"cannot reach {LISTING_TARGET[year]} Hobihobi listings in {year}"
                )
            listings = [x for i, x in enumerate(listings) if i not in drop]

    # Ids in order of creation, with gaps (listings by other cities, deleted drafts).
    listings.sort(key=lambda x: (x.created, x.visible_from, x.visible_until, x.title))
    next_id = 20_517
    for x in listings:
        next_id += 1 + randint(rng, 0, 4)
        x.id = next_id

    def days_of(x: Listing) -> list[date]:
        return snaps[bisect_left(snaps, x.created) : bisect_right(snaps, x.visible_until)]

    present: dict[date, list[Listing]] = {d: [] for d in snaps}
    for x in listings:
        for d in days_of(x):
            present[d].append(x)

    # The decreasing specimen: two participants cancel after the peak.
    peak_days = [d for d in days_of(s_drop) if d >= s_drop.visible_from]
    if len(peak_days) >= 2:
        s_drop.overrides[peak_days[-1]] = s_drop.participants(peak_days[-2]) - 2

    _calibrate_participants(rng, listings, days_of)

    # Write the snapshots.
    lines_of: dict[tuple[int, date], int] = {}
    for d in snaps:
        rows = sorted(present[d], key=lambda x: x.id)
        rel = f"hobihobi/{d.year}/hobihobi_{d.isoformat()}.csv"
        for i, x in enumerate(rows):
            lines_of[(x.id, d)] = i + 2
        text = csv_text(
            HEADER,
            (
                [
                    x.id,
                    x.title_on(d),
                    x.organiser,
                    x.category,
                    x.area,
                    fi_date(x.visible_from),
                    fi_date(x.visible_until),
                    x.participants(d),
                ]
                for x in rows
            ),
            delimiter=";",
        )
        enc = "utf-8-sig" if d == BOM_SNAPSHOT else "utf-8"
        ctx.write(rel, encode(text, enc), encoding=enc, rows=len(rows))
        if enc == "utf-8-sig":
            ctx.pitfall("utf8_bom", rel, line=1, detail="file starts with a UTF-8 byte order mark")

    def snap_rel(d: date) -> str:
        return f"hobihobi/{d.year}/hobihobi_{d.isoformat()}.csv"

    for x in specimens:
        days = days_of(x)
        if not days:
            continue
        if x.tag == "visible_from_previous_year":
            d = days[0] if days[0].year == 2019 else None
            detail = f"visible_from {fi_date(x.visible_from)} is before the year; the listing counts in 2019"
        elif x.tag == "participants_decrease":
            d = peak_days[-1] if len(peak_days) >= 2 else None
            detail = "participants drop after an earlier, higher snapshot; the year's figure is the maximum"
        elif x.tag == "title_changed":
            d = next((d for d in days if d >= x.title_edit[0]), None)
            detail = "title edited between snapshots; still one listing"
        elif x.tag == "date_31_12":
            d = days[-1]
            detail = "visible_until 31.12.2021: counts in 2021 only"
        elif x.tag == "date_1_1":
            d = days[-1]
            detail = "visible_from 1.1.2022 in a 2021 snapshot: not visible in 2021, does not count"
        else:
            d = days[0]
            detail = "title contains the separator and quotes; the field is quoted"
        if d is not None:
            ctx.pitfall(x.tag, snap_rel(d), line=lines_of[(x.id, d)], id=x.id, detail=detail)

    repeated = next(x for x in listings if x.tag is None and len(days_of(x)) >= 2)
    d1, d2 = days_of(repeated)[:2]
    ctx.pitfall(
        "repeated_listing",
        snap_rel(d2),
        line=lines_of[(repeated.id, d2)],
        id=repeated.id,
        detail=f"the same listing is also in {snap_rel(d1)} line {lines_of[(repeated.id, d1)]}; count listing ids once",
    )
    n_repeated = sum(1 for x in listings if len(days_of(x)) > 1)

    headline: dict = {
        "by_year": {},
        "snapshots": len(snaps),
        "listings_in_more_than_one_snapshot": n_repeated,
    }
    for year in YEARS:
        vis = [x for x in listings if x.visible_in(year)]
        headline["by_year"][str(year)] = {
            "listings": len(vis),
            "participants": sum(_year_max(x, year, days_of) for x in vis),
            "by_service_area": {
                a: {
                    "listings": sum(1 for x in vis if x.area == a),
                    "participants": sum(_year_max(x, year, days_of) for x in vis if x.area == a),
                }
                for a in ("KIR", "KULP", "LIIKU", "NUP")
            },
        }
    return headline


def _year_max(x: Listing, year: int, days_of) -> int:
    vals = [x.participants(d) for d in days_of(x) if d.year == year]
    return max(vals) if vals else 0


def _calibrate_participants(rng, listings: list[Listing], days_of) -> None:
    """Shift final participant counts of one-year listings until each year's sum hits its target."""
    for year in YEARS:
        vis = [x for x in listings if x.visible_in(year)]
        total = sum(_year_max(x, year, days_of) for x in vis)
        delta = PARTICIPANT_TARGET[year] - total
        # Listings living inside the year whose yearly maximum is their (ramped-up) final value.
        cands = []
        for x in vis:
            if (
                x.tag is not None
                or x.overrides
                or x.visible_from.year != year
                or x.visible_until.year != year
            ):
                continue
            days = [d for d in days_of(x) if d.year == year]
            if (
                days
                and max(x.participants(d) for d in days) == x.final
                and any((d - x.visible_from).days + 1 >= x.ramp for d in days)
            ):
                cands.append(x)
        if not cands and delta:
            raise RuntimeError(f"no Hobihobi listing to calibrate participants in {year}")
        order = [cands[i] for i in np.argsort(rng.random(len(cands)), kind="stable")]
        step = 1 if delta > 0 else -1
        i = 0
        guard = 0
        while delta:
            x = order[i % len(order)]
            if step > 0 and x.final < 40 or step < 0 and x.final > 1:
                x.final += step
                delta -= step
                guard = 0
            else:
                guard += 1
                if guard > len(order):
                    raise RuntimeError(f"cannot calibrate Hobihobi participants in {year}")
            i += 1
