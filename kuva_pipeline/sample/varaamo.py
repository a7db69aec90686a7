"""Varaamo reservations: old-backend JSON pages for 2019-2020, statistics CSV exports for 2021.

Both shapes describe the same reservations: a resource from the reference
list, a Helsinki-local begin and end, a state and a type. Only `type = normal`
and `state = confirmed` is a booking; see docs/sources.md for the state rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from kuva_pipeline.sample import reference as ref
from kuva_pipeline.sample.activity import activity
from kuva_pipeline.sample.common import (
    YEARS,
    Context,
    csv_text,
    encode,
    fi_datetime,
    iso_offset,
    json_bytes,
    local,
    month_days,
    months,
)
from kuva_pipeline.sample.people import person, phone
from kuva_pipeline.sample.rng import pick, randint, stochastic_round, weighted

API = "https://api.hel.fi/respa/v1/reservation/"
STATS_HEADER = (
    "Varaus ID",
    "Resurssi ID",
    "Resurssi",
    "Yksikkö",
    "Tyyppi",
    "Tila",
    "Alkaa",
    "Päättyy",
    "Luontiaika",
    "Varaaja",
    "Sähköposti",
    "Puhelin",
    "Kuvaus",
)
STATE_FI = {
    "confirmed": "Vahvistettu",
    "cancelled": "Peruttu",
    "denied": "Hylätty",
    "requested": "Käsiteltävänä",
    "created": "Luonnos",
    "waiting_for_payment": "Odottaa maksua",
}
TYPE_FI = {"normal": "Varaus", "blocked": "Esto"}
STATS_BOM_MONTH = (2021, 5)

_STATES = ("confirmed", "cancelled", "denied", "requested", "created", "waiting_for_payment")
_STATE_WEIGHTS = {
    "free": (0.88, 0.09, 0.0, 0.0, 0.03, 0.0),
    "approval": (0.78, 0.08, 0.06, 0.04, 0.04, 0.0),
    "paid": (0.80, 0.07, 0.02, 0.0, 0.08, 0.03),
}
_TYPE_FACTOR = {
    "room": 1.0,
    "studio": 1.1,
    "band_room": 1.4,
    "hall": 0.7,
    "sports_hall": 1.2,
    "sauna": 1.8,
    "cottage": 0.8,
    "villa": 0.5,
    "tennis_court": 2.6,
}
_DESCRIPTIONS = {
    "room": (
        "",
        "Yhdistyksen hallituksen kokous",
        "Opintopiiri",
        "Lukupiiri",
        "Ryhmätyö",
        "Taloyhtiön kokous",
    ),
    "studio": ("", "Podcast-äänitys", "Demoäänitys", "Videoprojekti"),
    "band_room": ("", "Bändiharjoitukset", "Treenit"),
    "hall": ("", "Tanssiharjoitus", "Kuoroharjoitus", "Näytelmän harjoitus", "Perhejuhla"),
    "sports_hall": ("", "Sählyvuoro", "Futsal", "Jumppa"),
    "sauna": ("", "Saunailta työporukalle", "Perhesauna", "Saunavuoro"),
    "cottage": ("", "Viikonloppu mökillä", "Perheen lomailu"),
    "villa": ("", "Hääjuhla", "Syntymäpäiväjuhlat", "Yrityksen kesäjuhla"),
    "tennis_court": ("", "Tennistä", "Tennisvuoro"),
}
_CLOSURES = (
    "Suljettu: siivous",
    "Suljettu: huoltotyöt",
    "Oma käyttö: tapahtuma",
    "Suljettu: kenttien kunnostus",
)


@dataclass
class Reservation:
    id: int
    resource: str
    begin: datetime
    end: datetime
    state: str
    type: str
    name: str | None
    email: str | None
    phone: str | None
    description: str
    created: datetime
    tag: tuple[str, str] | None = None


def _kind(r: ref.Resource) -> str:
    if r.for_sale:
        return "paid"
    return "approval" if r.type in ("hall", "villa") else "free"


def _slot(rng, rtype: str, day: date) -> tuple[datetime, datetime]:
    if rtype == "tennis_court":
        h = randint(rng, 7, 22)
        return local(day.year, day.month, day.day, h), local(
            day.year, day.month, day.day, h
        ) + timedelta(hours=2 if rng.random() < 0.2 else 1)
    if rtype == "sauna":
        h = randint(rng, 15, 21)
        b = local(day.year, day.month, day.day, h)
        return b, b + timedelta(hours=randint(rng, 2, 4))
    if rtype == "cottage":
        b = local(day.year, day.month, day.day, 16)
        e = day + timedelta(days=randint(rng, 1, 4))
        return b, local(e.year, e.month, e.day, 12)
    if rtype == "villa":
        h = pick(rng, (10, 12, 16))
        b = local(day.year, day.month, day.day, h)
        return b, b + timedelta(hours=randint(rng, 4, 8))
    h = randint(rng, 8, 20) if rtype in ("room", "studio", "band_room") else randint(rng, 9, 21)
    m = pick(rng, (0, 0, 0, 15, 30, 45))
    b = local(day.year, day.month, day.day, h, m)
    return b, b + timedelta(hours=randint(rng, 1, 4) if h < 20 else 1)


def _available_days(r: ref.Resource, y: int, m: int) -> list[date]:
    days = [date(y, m, d) for d in range(1, month_days(y, m) + 1)]
    if r.for_sale_from:
        days = [d for d in days if d >= r.for_sale_from]
    if r.type == "tennis_court":
        days = [d for d in days if 5 <= d.month <= 9]
    return days


def _season(rtype: str, month: int) -> float:
    if rtype in ("sauna", "cottage", "villa"):
        return (0.6, 0.6, 0.7, 0.8, 1.1, 1.5, 1.7, 1.5, 1.0, 0.8, 0.6, 0.9)[month - 1]
    return 1.0


def _make(rng, res: ref.Resource, day: date, next_id: int) -> Reservation:
    begin, end = _slot(rng, res.type, day)
    weights = list(_STATE_WEIGHTS[_kind(res)])
    if (day.year, day.month) in ((2020, 3), (2020, 4), (2020, 11), (2020, 12)):
        weights[1] *= 4  # COVID-19 cancellations
    state = _STATES[weighted(rng, weights)]
    name, email, ph = person(rng)
    desc = pick(rng, _DESCRIPTIONS[res.type])
    if state == "created" and rng.random() < 0.5:
        ph = None
    created = begin - timedelta(days=randint(rng, 1, 60), minutes=randint(rng, 0, 1440))
    return Reservation(next_id, res.id, begin, end, state, "normal", name, email, ph, desc, created)


def _blocked(
    rng, res: ref.Resource, day: date, next_id: int, days: int = 0, text: str | None = None
) -> Reservation:
    begin = local(day.year, day.month, day.day, 8)
    end_day = day + timedelta(days=days)
    end = local(end_day.year, end_day.month, end_day.day, 22)
    return Reservation(
        next_id,
        res.id,
        begin,
        end,
        "confirmed",
        "blocked",
        None,
        None,
        None,
        text or pick(rng, _CLOSURES),
        begin - timedelta(days=randint(rng, 3, 30)),
    )


def generate(ctx: Context) -> dict:
    resources = ref.RESOURCES
    by_id = {r.id: r for r in resources}
    stats = {y: _YearStats() for y in YEARS}
    next_id = 412_000
    stats_next_id = 90_001

    for y, m in months((2019, 1), (2021, 12)):
        rng = ctx.rng(f"varaamo:{y}-{m:02d}")
        recs: list[Reservation] = []
        for res in resources:
            days = _available_days(res, y, m)
            if not days:
                continue
            lam = (
                ctx.scale.varaamo_per_resource_month
                * res.weight
                * _TYPE_FACTOR[res.type]
                * activity(res.service_area, y, m)
                * _season(res.type, m)
                * len(days)
                / month_days(y, m)
            )
            k = int(stochastic_round(rng, np.array([lam]))[0])
            for _ in range(k):
                next_id += 1 + randint(rng, 0, 3)
                recs.append(_make(rng, res, days[randint(rng, 0, len(days))], next_id))
            if rng.random() < 0.04 * len(days) / 30:
                next_id += 1
                recs.append(_blocked(rng, res, days[randint(rng, 0, len(days))], next_id))

        next_id = _specimens(ctx, rng, y, m, recs, by_id, next_id)
        recs.sort(key=lambda r: (r.begin, r.id))
        for r in recs:
            stats[r.begin.year].add(r, by_id)

        if y <= 2020:
            _write_pages(ctx, y, m, recs)
        else:
            for r in recs:  # the new backend numbers reservations afresh
                r.id = stats_next_id
                stats_next_id += 1 + randint(rng, 0, 2)
            _write_statistics(ctx, y, m, recs, by_id)

    headline: dict = {"by_year": {str(y): s.out() for y, s in stats.items()}}
    headline["resources_by_service_area"] = {
        a: sum(1 for r in resources if r.service_area == a) for a in ref.SERVICE_AREAS
    }
    headline["spaces_for_sale"] = {
        d.isoformat(): ref.spaces_for_sale(d)
        for d in (
            date(2019, 12, 31),
            date(2020, 6, 1),
            date(2020, 6, 14),
            date(2020, 6, 15),
            date(2020, 12, 31),
            date(2021, 12, 31),
        )
    }
    return headline


def _specimens(ctx, rng, y, m, recs, by_id, next_id) -> int:
    """Inject the listed specimens (fixed months, so every seed and scale has them)."""
    res = ref.RESOURCES

    def room(t: str) -> ref.Resource:
        return next(r for r in res if r.type == t)

    def add(r: Reservation, kind: str, detail: str) -> None:
        r.tag = (kind, detail)
        recs.append(r)

    def nid() -> int:
        nonlocal next_id
        next_id += 1
        return next_id

    if (y, m) == (2019, 5):
        r = _make(rng, room("room"), date(2019, 5, 14), nid())
        r.state = "confirmed"
        r.name, r.email, r.phone = "Liisa Mäkelä", "liisa.makela@example.com", "+358 40 555 0142"
        r.description = "Liisan 40-vuotissynttärit, lisätiedot 040 5550142"
        add(
            r,
            "personal_data",
            "reserver name, e-mail, phone and a free-text description naming a person",
        )
    if (y, m) == (2019, 7):
        add(
            _blocked(
                rng, room("hall"), date(2019, 7, 1), nid(), days=13, text="Suljettu: remontti"
            ),
            "blocked_closure",
            "type blocked: a two-week closure for renovation, not a booking",
        )
    if (y, m) == (2019, 10):
        r = _make(rng, room("room"), date(2019, 10, 9), nid())
        r.resource, r.state = ref.UNKNOWN_RESOURCE_ID, "confirmed"
        add(
            r, "unknown_resource", f"resource {ref.UNKNOWN_RESOURCE_ID} is not in varaamo_resources"
        )
    if (y, m) == (2019, 11):
        r = _make(rng, room("hall"), date(2019, 11, 20), nid())
        r.state = "denied"
        add(r, "denied", "state denied: the request was turned down, not a booking")
    if (y, m) == (2020, 3):
        r = _make(rng, room("hall"), date(2020, 3, 21), nid())
        r.state = "cancelled"
        add(r, "cancelled", "state cancelled (venues closed 17.3.2020), not a booking")
    if (y, m) == (2020, 7):
        sauna = next(r for r in res if r.type == "sauna")
        r = _make(rng, sauna, date(2020, 7, 18), nid())
        r.state, r.phone = "created", None
        add(
            r,
            "created_expired_draft",
            "state created: a draft abandoned at payment, expired; not a booking",
        )
    if (y, m) == (2020, 8):
        r = _make(rng, next(r for r in res if r.type == "villa"), date(2020, 8, 22), nid())
        r.state = "waiting_for_payment"
        add(
            r,
            "waiting_for_payment",
            "state waiting_for_payment left over in the closed backend; not a booking",
        )
    if (y, m) == (2020, 12):
        cottage = next(r for r in res if r.type == "cottage")
        b = local(2020, 12, 31, 16)
        r = Reservation(
            nid(),
            cottage.id,
            b,
            local(2021, 1, 2, 12),
            "confirmed",
            "normal",
            *person(rng),
            "Uudenvuoden vietto",
            b - timedelta(days=40),
        )
        add(
            r,
            "crosses_year_end",
            "begins 31.12.2020 and ends 2.1.2021: one 2020 booking (by begin)",
        )
    if (y, m) == (2021, 2):
        r = _blocked(
            rng,
            room("sports_hall"),
            date(2021, 2, 8),
            nid(),
            days=4,
            text="Suljettu: koronarajoitukset",
        )
        add(r, "blocked_closure", "Tyyppi Esto (blocked): a closure, not a booking")
    if (y, m) == (2021, 3):
        r = _make(rng, room("studio"), date(2021, 3, 16), nid())
        r.resource, r.state = ref.UNKNOWN_RESOURCE_ID, "confirmed"
        add(
            r, "unknown_resource", f"resource {ref.UNKNOWN_RESOURCE_ID} is not in varaamo_resources"
        )
    if (y, m) == (2021, 6):
        r = _make(rng, next(r for r in res if r.type == "tennis_court"), date(2021, 6, 9), nid())
        r.state, r.phone = "created", phone(rng)
        add(r, "created_expired_draft", "Tila Luonnos (created): an expired draft, not a booking")
    return next_id


def _page_url(y: int, m: int, page: int, size: int) -> str:
    last = month_days(y, m)
    return (
        f"{API}?start={y}-{m:02d}-01&end={y}-{m:02d}-{last}&all=true&page_size={size}&page={page}"
    )


def _write_pages(ctx: Context, y: int, m: int, recs: list[Reservation]) -> None:
    size = ctx.scale.varaamo_page_size
    pages = max(1, -(-len(recs) // size))
    for p in range(pages):
        chunk = recs[p * size : (p + 1) * size]
        body = {
            "count": len(recs),
            "next": _page_url(y, m, p + 2, size) if p + 1 < pages else None,
            "previous": _page_url(y, m, p, size) if p > 0 else None,
            "results": [
                {
                    "id": r.id,
                    "url": f"{API}{r.id}/",
                    "resource": r.resource,
                    "begin": iso_offset(r.begin),
                    "end": iso_offset(r.end),
                    "state": r.state,
                    "type": r.type,
                    "reserver_name": r.name,
                    "reserver_email_address": r.email,
                    "reserver_phone_number": r.phone,
                    "event_description": r.description,
                    "created_at": iso_offset(r.created),
                }
                for r in chunk
            ],
        }
        rel = f"varaamo/reservations/{y}/varaamo_reservations_{y}-{m:02d}_p{p + 1:03d}.json"
        ctx.write(rel, json_bytes(body), encoding="utf-8", rows=len(chunk))
        for i, r in enumerate(chunk):
            if r.tag:
                ctx.pitfall(r.tag[0], rel, record=i, id=r.id, detail=r.tag[1])


def _write_statistics(ctx: Context, y: int, m: int, recs: list[Reservation], by_id) -> None:
    import csv

    rows = []
    for r in recs:
        res = by_id.get(r.resource)
        rows.append(
            [
                r.id,
                r.resource,
                res.name if res else "Poistettu testitila",
                res.unit if res else "",
                TYPE_FI[r.type],
                STATE_FI[r.state],
                fi_datetime(r.begin),
                fi_datetime(r.end),
                fi_datetime(r.created),
                r.name or "",
                r.email or "",
                r.phone or "",
                r.description,
            ]
        )
    text = csv_text(STATS_HEADER, rows, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    enc = "utf-8-sig" if (y, m) == STATS_BOM_MONTH else "utf-8"
    rel = f"varaamo/statistics/{y}/varaamo_statistics_{y}-{m:02d}.csv"
    ctx.write(rel, encode(text, enc), encoding=enc, rows=len(rows))
    if enc == "utf-8-sig":
        ctx.pitfall("utf8_bom", rel, line=1, detail="file starts with a UTF-8 byte order mark")
    for i, r in enumerate(recs):
        if r.tag:
            ctx.pitfall(r.tag[0], rel, line=i + 2, id=r.id, detail=r.tag[1])


class _YearStats:
    def __init__(self) -> None:
        self.c = {
            k: 0
            for k in (
                "reservations",
                "bookings",
                "blocked",
                "unknown_resource",
                *(s for s in _STATES if s != "confirmed"),
            )
        }
        self.area = {a: 0 for a in ref.SERVICE_AREAS}
        self.for_sale = 0
        self.booked_resources: dict[str, set] = {a: set() for a in ref.SERVICE_AREAS}

    def add(self, r: Reservation, by_id) -> None:
        self.c["reservations"] += 1
        res = by_id.get(r.resource)
        if res is None:
            self.c["unknown_resource"] += 1
            return
        if r.type == "blocked":
            self.c["blocked"] += 1
            return
        if r.state != "confirmed":
            self.c[r.state] += 1
            return
        self.c["bookings"] += 1
        self.area[res.service_area] += 1
        self.booked_resources[res.service_area].add(res.id)
        if res.for_sale:
            self.for_sale += 1

    def out(self) -> dict:
        return {
            **self.c,
            "bookings_by_service_area": self.area,
            "bookings_on_spaces_for_sale": self.for_sale,
            "resources_booked_by_service_area": {
                a: len(s) for a, s in self.booked_resources.items()
            },
        }
