"""Linked Events API pages: every event starting in a Helsinki calendar month, paged.

The classified productions (large culture and sports events, resident-driven
district events) are planned per year so that the documented counting rule
gives exactly the planned counts (2019 = the seed baselines 27, 28 and 19); the
rest of the feed is background programme that no rule matches. The generator
classifies its own output with the rules in `event_classification.yaml` and
refuses to write a sample whose counts differ from the plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from kuva_pipeline.sample import reference as ref
from kuva_pipeline.sample.activity import division_activity
from kuva_pipeline.sample.common import (
    HELSINKI,
    Context,
    iso_utc,
    json_bytes,
    local,
    month_days,
    months,
)
from kuva_pipeline.sample.rng import b32_id, pick, randint, stochastic_round, weighted

API = "https://api.hel.fi/linkedevents/v1"

# Counted productions per Helsinki year.
PLAN = {
    2019: {"large_culture_event": 27, "large_sports_event": 28, "district_event": 19},
    2020: {"large_culture_event": 12, "large_sports_event": 10, "district_event": 7},
    2021: {"large_culture_event": 31, "large_sports_event": 28, "district_event": 21},
}
# Classified productions that do not count (COVID-19 cancellations and postponements).
CANCELLED = {
    2019: {"district_event": 1},
    2020: {"large_culture_event": 10, "large_sports_event": 12, "district_event": 8},
    2021: {"large_culture_event": 1, "large_sports_event": 2},
}
POSTPONED = {2020: {"large_culture_event": 2, "large_sports_event": 1}, 2021: {"district_event": 1}}

KULP, LIIKU, NUP, KIR, DIV = (
    "ahjo:u48040010",
    "ahjo:u48040020",
    "ahjo:u48040030",
    "ahjo:u48040040",
    "ahjo:u480400",
)
EXT_EVENTS, EXT_DISTRICT = "ext:tapahtumatoimisto", "ext:kaupunginosayhdistykset"

_NAMES = {
    "large_culture_event": (
        ("Helsingin päivä", "Helsingfors dag", "Helsinki Day"),
        ("Taiteiden yö", "Konstens natt", "Night of the Arts"),
        ("Lux Helsinki", "Lux Helsinki", "Lux Helsinki"),
        (
            "Kesäkonsertit Esplanadilla",
            "Sommarkonserter på Esplanaden",
            "Summer concerts on Esplanadi",
        ),
        (
            "Kaupunginorkesterin puistokonsertti",
            "Stadsorkesterns parkkonsert",
            "City orchestra park concert",
        ),
        ("Stoan kesäteatteri", "Stoas sommarteater", "Stoa summer theatre"),
        ("Kulttuurikattila", "Kulttuurikattila", "Kulttuurikattila festival"),
        ("Maailma kylässä -festivaali", "Världen i byn", "World Village Festival"),
        ("Joulukadun avajaiset", "Julgatans öppning", "Christmas Street opening"),
        ("Tuomaan markkinat", "Thomasmarknaden", "St Thomas Christmas market"),
        ("Kirjallisuusfestivaali", "Litteraturfestival", "Literature festival"),
        ("Elokuvafestivaali", "Filmfestival", "Film festival"),
    ),
    "large_sports_event": (
        ("Helsinki City Marathon", "Helsinki City Marathon", "Helsinki City Marathon"),
        ("Helsinki City Run", "Helsinki City Run", "Helsinki City Run"),
        ("Naisten kymppi", "Damernas tia", "Women's 10K"),
        ("Stadin Skate Jam", "Stadin Skate Jam", "Stadin Skate Jam"),
        ("Uimastadionin uintikarnevaali", "Simstadions simkarneval", "Swimming Stadium carnival"),
        ("Kaupunkisuunnistus", "Stadsorientering", "City orienteering"),
        ("Liikuntaviikko", "Motionsveckan", "Sports week"),
        ("Stadin Sporttipäivä", "Idrottsdagen", "City sports day"),
        ("Helsinki Ice Challenge", "Helsinki Ice Challenge", "Helsinki Ice Challenge"),
        ("Hiihtolomaliikunta", "Sportlovsmotion", "Winter holiday sports"),
        ("Rantalentopalloturnaus", "Beachvolleyturnering", "Beach volleyball tournament"),
    ),
    "district_event": (
        ("Vuosaari-päivä", "Nordsjödagen", "Vuosaari Day"),
        ("Maunula-päivä", "Månsasdagen", "Maunula Day"),
        ("Malmin tapahtumatori", "Malms evenemangstorg", "Malmi event square"),
        ("Kontulan kylätapahtuma", "Gårdsbacka byfest", "Kontula village fest"),
        ("Herttoniemi-päivä", "Hertonäsdagen", "Herttoniemi Day"),
        ("Pihlajamäki-päivä", "Rönnbackadagen", "Pihlajamäki Day"),
        ("Jakomäki-päivä", "Jakobackadagen", "Jakomäki Day"),
        ("Lauttasaari-päivä", "Drumsödagen", "Lauttasaari Day"),
        ("Oulunkylä-päivä", "Åggelbydagen", "Oulunkylä Day"),
        ("Kannelmäki-päivä", "Gamlasdagen", "Kannelmäki Day"),
        ("Myllypuron kevätjuhla", "Kvarnbäckens vårfest", "Myllypuro spring party"),
    ),
}
_CLASS_KEYWORDS = {
    "large_culture_event": ("yso:p1808", "yso:p2625", "yso:p1304", "yso:p2851", "yso:p1235"),
    "large_sports_event": ("yso:p965", "yso:p916", "yso:p9824"),
    "district_event": ("yso:p14004", "yso:p4354", "yso:p1808"),
}
_MONTH_WEIGHTS = {
    "large_culture_event": (3, 2, 2, 2, 4, 8, 6, 9, 5, 3, 2, 6),
    "large_sports_event": (3, 3, 3, 3, 7, 8, 7, 8, 7, 3, 2, 2),
    "district_event": (0, 0, 1, 2, 8, 7, 3, 8, 9, 2, 0, 0),
}
_BACKGROUND = (
    # (publisher, data source, keywords, names, weight)
    (
        KIR,
        "helmet",
        ("yso:p15875", "yso:p4354"),
        ("Satutunti", "Lukupiiri", "Kirjailijavieras", "Digiopastus", "Lautapeli-ilta"),
        30,
    ),
    (
        KULP,
        "kulke",
        ("yso:p1808", "yso:p2625", "yso:p1235", "yso:p2851"),
        ("Lounaskonsertti", "Elokuvailta", "Teatteriesitys", "Näyttelyn avajaiset", "Tanssiesitys"),
        30,
    ),
    (
        NUP,
        "helsinki",
        ("yso:p11617",),
        ("Nuorten disko", "Pelailta", "Bänditreffit", "Kokkikerho"),
        12,
    ),
    (
        LIIKU,
        "helsinki",
        ("yso:p916", "yso:p2433"),
        ("Senioreiden kuntosaliopastus", "Vesijumppa", "Luontoretki", "Perheliikunta"),
        15,
    ),
    (
        EXT_EVENTS,
        "helsinki",
        ("yso:p1808", "yso:p965"),
        ("Klubi-ilta", "Kirpputori", "Kuorokonsertti", "Lenkkitapahtuma"),
        13,
    ),
)


@dataclass(eq=False)
class Ev:
    id: str
    publisher: str
    name: dict
    start: datetime | None
    end: datetime | None
    keywords: list[str]
    location: str
    status: str = "EventScheduled"
    super: Ev | None = None
    super_type: str | None = None
    subs: list[Ev] = field(default_factory=list)
    deleted: bool = False
    replaced_by: str | None = None
    file_month: tuple[int, int] | None = None  # for events without a start_time
    tag: tuple[str, str] | None = None

    @property
    def data_source(self) -> str:
        return self.id.split(":", 1)[0]

    def month(self) -> tuple[int, int]:
        if self.start is None:
            assert self.file_month is not None
            return self.file_month
        s = self.start.astimezone(HELSINKI)
        return s.year, s.month


class _Ids:
    def __init__(self, rng) -> None:
        self.rng = rng
        self.seen: set[str] = set()
        self.kulke = 50_000
        self.helmet = 210_000

    def new(self, source: str = "helsinki") -> str:
        while True:
            if source == "kulke":
                self.kulke += 1 + randint(self.rng, 0, 6)
                eid = f"kulke:{self.kulke}"
            elif source == "helmet":
                self.helmet += 1 + randint(self.rng, 0, 9)
                eid = f"helmet:{self.helmet}"
            else:
                eid = "helsinki:a" + b32_id(self.rng, 9)
            if eid not in self.seen:
                self.seen.add(eid)
                return eid

    def reserve(self, eid: str) -> str:
        self.seen.add(eid)
        return eid


def _place(rng) -> str:
    return f"tprek:{randint(rng, 1000, 80000)}"


def _day_in(rng, year: int, weights) -> date:
    m = 1 + weighted(rng, weights)
    return date(year, m, randint(rng, 1, month_days(year, m) + 1))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return local(day.year, day.month, day.day, hour, minute)


class _Builder:
    def __init__(self, rng, ids: _Ids) -> None:
        self.rng = rng
        self.ids = ids
        self.events: list[Ev] = []

    def single(self, pub, name, start, hours, kws, eid=None, source="helsinki") -> Ev:
        ev = Ev(
            eid or self.ids.new(source),
            pub,
            name,
            start,
            start + timedelta(hours=hours),
            list(kws),
            _place(self.rng),
        )
        self.events.append(ev)
        return ev

    def series(
        self, kind, pub, name, starts, hours, kws, eid=None, source="helsinki", sub_names=None
    ) -> Ev:
        """A recurring series or an umbrella: the super event spans its sub-events."""
        subs = []
        for i, st in enumerate(starts):
            nm = dict(name)
            if sub_names:
                part = sub_names[i % len(sub_names)]
                nm = {k: (f"{v}: {part}" if v else None) for k, v in name.items()}
            sub = Ev(
                self.ids.new(source),
                pub,
                nm,
                st,
                st + timedelta(hours=hours),
                list(kws),
                _place(self.rng),
            )
            subs.append(sub)
        sup = Ev(
            eid or self.ids.new(source),
            pub,
            dict(name),
            min(s.start for s in subs),
            max(s.end for s in subs),
            list(kws),
            _place(self.rng),
            super_type=kind,
            subs=subs,
        )
        for s in subs:
            s.super = sup
        self.events.append(sup)
        self.events.extend(subs)
        return sup


def _name(rng, cls: str, year: int) -> dict:
    fi, sv, en = pick(rng, _NAMES[cls])
    with_sv = rng.random() < 0.8
    with_en = rng.random() < 0.9
    return {
        "fi": f"{fi} {year}",
        "sv": f"{sv} {year}" if with_sv else None,
        "en": f"{en} {year}" if with_en else None,
    }


def _production(
    b: _Builder, cls: str, year: int, route: str, day: date | None = None, eid: str | None = None
) -> Ev:
    """One classified production following a classification route."""
    rng = b.rng
    day = day or _day_in(rng, year, _MONTH_WEIGHTS[cls])
    name = _name(rng, cls, year)
    topic = [pick(rng, _CLASS_KEYWORDS[cls])]
    if route == "culture_marker":
        pub = pick(rng, (KULP, KULP, EXT_EVENTS))
        kws = [ref.KW_LARGE, *topic]
    elif route == "culture_umbrella":
        pub, kws = pick(rng, (KULP, KULP, DIV)), topic
    elif route == "culture_include":
        pub, kws = "ext:juhlaviikot", ["yso:p1304", "yso:p1808"]
    elif route == "sports_marker":
        pub, kws = LIIKU, [ref.KW_LARGE, *topic]
    elif route == "sports_marker_ext":
        pub, kws = EXT_EVENTS, [ref.KW_LARGE, pick(rng, ("yso:p965", "yso:p916"))]
    elif route == "sports_umbrella":
        pub, kws = LIIKU, topic
    elif route == "sports_include":
        pub, kws = "ext:palloliitto-uusimaa", ["yso:p6455"]
    elif route == "district_include":
        pub, kws = EXT_DISTRICT, ["yso:p14004", "yso:p1808"]
    else:  # district_keyword
        pub, kws = pick(rng, (EXT_DISTRICT, EXT_DISTRICT, KULP)), [ref.KW_DISTRICT, *topic]

    umbrella = (
        route.endswith("umbrella")
        or route in ("culture_include",)
        or (route == "district_keyword" and rng.random() < 0.35)
    )
    if route == "sports_include":
        return b.single(pub, name, _at(day, 9), 24 * 5 + 9, kws, eid=eid)
    # Series stay inside the production's year (the 2019-2020 winter series is a separate specimen).
    room = (date(year, 12, 31) - day).days
    if umbrella:
        n = randint(rng, 3, 8)
        offsets = [0] + [randint(rng, 0, min(4, room) + 1) for _ in range(n - 1)]
        starts = sorted(_at(day + timedelta(days=o), randint(rng, 10, 20)) for o in offsets)
        parts = (
            "Puistokonsertti",
            "Lasten ohjelma",
            "Työpaja",
            "Esitys",
            "Opastettu kierros",
            "Ruokatori",
        )
        return b.series("umbrella", pub, name, starts, 2, kws, eid=eid, sub_names=parts)
    if rng.random() < 0.3 and room >= 14:
        n = min(randint(rng, 3, 7), room // 7 + 1)
        starts = [_at(day + timedelta(days=7 * i), 18) for i in range(n)]
        return b.series("recurring", pub, name, starts, 2, kws, eid=eid)
    return b.single(pub, name, _at(day, randint(rng, 10, 19)), randint(rng, 3, 9), kws, eid=eid)


_ROUTES = {
    "large_culture_event": (("culture_marker", 0.72), ("culture_umbrella", 0.28)),
    "large_sports_event": (
        ("sports_marker", 0.55),
        ("sports_marker_ext", 0.3),
        ("sports_umbrella", 0.15),
    ),
    "district_event": (("district_keyword", 1.0),),
}


def _route(rng, cls: str) -> str:
    routes = _ROUTES[cls]
    return routes[weighted(rng, [w for _, w in routes])][0]


def _tag(ev: Ev, kind: str, detail: str) -> Ev:
    ev.tag = (kind, detail)
    return ev


def _plan_year(b: _Builder, year: int) -> None:
    rng = b.rng
    explicit = ref.EXPLICIT_EVENTS
    kw_music = [ref.KW_LARGE, "yso:p1808"]
    for cls, n in PLAN[year].items():
        made: list[Ev] = []
        # Fixed specimens counted in this year's plan (every seed and scale has them).
        if cls == "large_culture_event" and year in (2019, 2021):
            made.append(
                _production(
                    b,
                    cls,
                    year,
                    "culture_include",
                    date(year, 8, 16),
                    explicit["culture_include"][year],
                )
            )
        if cls == "large_sports_event" and year in (2019, 2021):
            made.append(
                _production(
                    b,
                    cls,
                    year,
                    "sports_include",
                    date(year, 7, 8),
                    explicit["sports_include"][year],
                )
            )
        if cls == "district_event" and year in explicit["district_include"]:
            ev = _production(
                b,
                cls,
                year,
                "district_include",
                date(year, 8, 24),
                explicit["district_include"][year],
            )
            made.append(
                _tag(
                    ev,
                    "included_by_id",
                    "no division keyword; counted because its id is in include_ids",
                )
            )
        if cls == "large_culture_event" and year == 2019:
            ev = b.single(
                KULP,
                {
                    "fi": "Uudenvuoden yökonsertti 2019",
                    "sv": "Nyårsnattens konsert 2019",
                    "en": "New Year's night concert 2019",
                },
                datetime(2018, 12, 31, 22, 30, tzinfo=UTC),
                3,
                kw_music,
            )
            made.append(
                _tag(
                    ev,
                    "helsinki_year_boundary",
                    "start_time 2018-12-31T22:30:00Z is 1.1.2019 00:30 in Helsinki: counts in 2019",
                )
            )
            starts = [
                _at(date(2019, 12, 15), 18),
                _at(date(2019, 12, 22), 18),
                _at(date(2020, 1, 5), 18),
                _at(date(2020, 1, 12), 18),
            ]
            sup = b.series(
                "recurring",
                KULP,
                {
                    "fi": "Talvikonsertit 2019-2020",
                    "sv": "Vinterkonserter 2019-2020",
                    "en": "Winter concerts 2019-2020",
                },
                starts,
                2,
                kw_music,
            )
            _tag(
                sup,
                "series_spans_years",
                "recurring series from 15.12.2019 to 12.1.2020: one 2019 production",
            )
            _tag(
                sup.subs[2],
                "sub_event_recurring",
                "sub-event in January 2020 of a series counted in 2019; never counts on its own",
            )
            made.append(sup)
            # A production with a deleted duplicate.
            orig = b.single(KULP, _name(rng, cls, year), _at(date(2019, 5, 25), 14), 6, kw_music)
            dup = b.single(KULP, dict(orig.name), orig.start, 6, kw_music)
            dup.deleted = True
            _tag(dup, "deleted", f"deleted duplicate of {orig.id}: does not count")
            made.append(orig)
            # An umbrella with keyworded sub-events, a cancelled sub-event and a nested series.
            umb = b.series(
                "umbrella",
                KULP,
                {
                    "fi": "Helsingin päivä 2019",
                    "sv": "Helsingfors dag 2019",
                    "en": "Helsinki Day 2019",
                },
                [_at(date(2019, 6, 12), h) for h in (10, 12, 14, 16)],
                2,
                kw_music,
                sub_names=("Puistokonsertti", "Lasten ohjelma", "Työpaja", "Esitys"),
            )
            _tag(
                umb.subs[0],
                "sub_event_umbrella",
                f"sub-event of umbrella {umb.id}; never counts on its own",
            )
            umb.subs[1].status = "EventCancelled"
            _tag(
                umb.subs[1],
                "cancelled_sub_event",
                f"a cancelled sub-event; its umbrella {umb.id} still counts",
            )
            nested = b.series(
                "recurring",
                KULP,
                {
                    "fi": "Helsingin päivä 2019: iltakonsertit",
                    "sv": None,
                    "en": "Helsinki Day 2019: evening concerts",
                },
                [_at(date(2019, 6, 12), 19), _at(date(2019, 6, 12), 21)],
                1,
                kw_music,
            )
            nested.super = umb
            umb.subs.append(nested)
            umb.end = max(umb.end, nested.end)
            _tag(
                nested.subs[0],
                "nested_sub_event",
                f"sub-event of a recurring series inside umbrella {umb.id}; counts only via {umb.id}",
            )
            made.append(umb)
        if cls == "large_sports_event" and year == 2019:
            new = b.single(
                LIIKU,
                _name(rng, cls, year),
                _at(date(2019, 9, 7), 10),
                6,
                [ref.KW_LARGE, "yso:p965"],
            )
            old = b.single(
                LIIKU, dict(new.name), new.start - timedelta(days=7), 6, [ref.KW_LARGE, "yso:p965"]
            )
            old.replaced_by = new.id
            _tag(
                old,
                "replaced",
                f"replaced_by {new.id} (deleted is false): only the replacement counts",
            )
            made.append(new)
        if cls == "large_culture_event" and year == 2020:
            ev = b.single(
                KULP,
                {
                    "fi": "Uudenvuoden yökonsertti 2020",
                    "sv": None,
                    "en": "New Year's night concert 2020",
                },
                datetime(2019, 12, 31, 22, 30, tzinfo=UTC),
                3,
                kw_music,
            )
            made.append(
                _tag(
                    ev,
                    "helsinki_year_boundary",
                    "start_time 2019-12-31T22:30:00Z is 1.1.2020 00:30 in Helsinki: counts in 2020",
                )
            )
        if cls == "large_culture_event" and year == 2021:
            ev = b.single(KULP, _name(rng, cls, year), _at(date(2021, 6, 5), 15), 5, kw_music)
            ev.status = "EventRescheduled"
            made.append(_tag(ev, "rescheduled", "EventRescheduled: held on its new date, counts"))
            new = b.single(KULP, _name(rng, cls, year), _at(date(2021, 9, 4), 12), 6, kw_music)
            old = b.single(KULP, dict(new.name), new.start, 6, kw_music)
            old.deleted, old.replaced_by = True, new.id
            _tag(old, "replaced", f"deleted and replaced_by {new.id}: only the replacement counts")
            made.append(new)
        for _ in range(n - len(made)):
            _production(b, cls, year, _route(rng, cls))

        # Classified productions that must not count.
        for _ in range(CANCELLED.get(year, {}).get(cls, 0)):
            ev = _production(b, cls, year, _route(rng, cls))
            for e in [ev, *ev.subs]:
                e.status = "EventCancelled"
            _tag(ev, "cancelled", "EventCancelled: does not count")
        for _ in range(POSTPONED.get(year, {}).get(cls, 0)):
            ev = _production(b, cls, year, _ROUTES[cls][0][0])
            for e in [ev, *ev.subs]:
                e.file_month = e.month()
            for e in [ev, *ev.subs]:
                e.start = e.end = None
                e.status = "EventPostponed"
            _tag(ev, "postponed_no_start", "EventPostponed with start_time null: counts in no year")

    if year == 2020:
        for key, day in (
            ("culture_include", date(2020, 8, 14)),
            ("sports_include", date(2020, 7, 9)),
        ):
            cls = "large_culture_event" if key == "culture_include" else "large_sports_event"
            ev = _production(b, cls, year, key, day, explicit[key][year])
            for e in [ev, *ev.subs]:
                e.status = "EventCancelled"
            _tag(ev, "cancelled", "in include_ids but EventCancelled (COVID-19): does not count")
    if year in explicit["culture_exclude"]:
        ev = b.single(
            KULP,
            {"fi": f"Pihakonsertti Kalliossa {year}", "sv": None, "en": None},
            _at(date(year, 6, 12), 17),
            2,
            kw_music,
            eid=explicit["culture_exclude"][year],
        )
        _tag(
            ev,
            "excluded_by_id",
            "tagged suurtapahtuma but listed in exclude_ids: not a large event",
        )
    if year == 2021:
        ev = b.single(
            KULP,
            {
                "fi": "Uudenvuoden yökonsertti 2022",
                "sv": None,
                "en": "New Year's night concert 2022",
            },
            datetime(2021, 12, 31, 22, 30, tzinfo=UTC),
            3,
            kw_music,
        )
        _tag(
            ev,
            "helsinki_year_boundary",
            "start_time 2021-12-31T22:30:00Z is 1.1.2022 00:30 in Helsinki: belongs to 2022",
        )


def _background(b: _Builder, ctx: Context, y: int, m: int) -> None:
    rng = b.rng
    n = int(
        stochastic_round(
            rng, np.array([ctx.scale.events_background_per_month * division_activity(y, m)])
        )[0]
    )
    for _ in range(n):
        pub, source, kws, names, _w = _BACKGROUND[weighted(rng, [x[4] for x in _BACKGROUND])]
        day = date(y, m, randint(rng, 1, month_days(y, m) + 1))
        base = pick(rng, names)
        name = {"fi": base, "sv": None, "en": None}
        kw = [pick(rng, kws)]
        room = (date(2022, 1, 31) - day).days  # the last month with a file
        if rng.random() < 0.18 and room >= 7:
            k = min(randint(rng, 2, 6), room // 7 + 1)
            ev = b.series(
                "recurring",
                pub,
                name,
                [_at(day + timedelta(days=7 * i), 17) for i in range(k)],
                2,
                kw,
                source=source,
            )
        else:
            ev = b.single(
                pub,
                name,
                _at(day, randint(rng, 9, 20), pick(rng, (0, 30))),
                randint(rng, 1, 4),
                kw,
                source=source,
            )
        u = rng.random()
        for e in [ev, *ev.subs]:
            if u < 0.03:
                e.status = "EventCancelled"
            elif u < 0.04:
                e.deleted = True
    if m == 10 and y <= 2021:
        # A library umbrella week: umbrella, but not published by the culture services.
        day = date(y, 10, 12)
        b.series(
            "umbrella",
            KIR,
            {
                "fi": f"Lasten kirjallisuusviikko {y}",
                "sv": None,
                "en": f"Children's literature week {y}",
            },
            [_at(day + timedelta(days=i), 10) for i in range(4)],
            2,
            ["yso:p15875", "yso:p4354"],
            source="helmet",
            sub_names=("Satutunti", "Kirjailijavieras", "Sarjakuvapaja", "Lukudiplomi"),
        )


def _json(ev: Ev, modified: datetime) -> dict:
    def ref_of(e: Ev | str) -> dict:
        return {"@id": f"{API}/event/{e if isinstance(e, str) else e.id}/"}

    return {
        "@id": f"{API}/event/{ev.id}/",
        "@type": "Event",
        "id": ev.id,
        "data_source": ev.data_source,
        "publisher": ev.publisher,
        "name": ev.name,
        "start_time": iso_utc(ev.start) if ev.start else None,
        "end_time": iso_utc(ev.end) if ev.end else None,
        "event_status": ev.status,
        "super_event": ref_of(ev.super) if ev.super else None,
        "super_event_type": ev.super_type,
        "sub_events": [ref_of(s) for s in ev.subs],
        "keywords": [{"@id": f"{API}/keyword/{k}/"} for k in ev.keywords],
        "location": {"@id": f"{API}/place/{ev.location}/"},
        "deleted": ev.deleted,
        "replaced_by": ev.replaced_by,
        "last_modified_time": iso_utc(modified),
    }


def classify(ev: dict, rules: dict) -> str | None:
    """The class of one event (a JSON record) under the classification rules, or None."""
    kws = {k["@id"].rstrip("/").rsplit("/", 1)[-1] for k in ev.get("keywords") or []}
    for cls in rules["classes"]:
        if ev["id"] in (cls.get("include_ids") or []):
            return cls["id"]
        if ev["id"] in (cls.get("exclude_ids") or []):
            continue
        for rule in cls.get("rules") or []:
            ok = True
            if "keywords_any" in rule and not kws & set(rule["keywords_any"]):
                ok = False
            if "keywords_all" in rule and not set(rule["keywords_all"]) <= kws:
                ok = False
            if "publishers_any" in rule and ev.get("publisher") not in rule["publishers_any"]:
                ok = False
            if (
                "super_event_type" in rule
                and ev.get("super_event_type") != rule["super_event_type"]
            ):
                ok = False
            if ok:
                return cls["id"]
    return None


def count_productions(records: list[dict], rules: dict) -> dict[int, dict[str, int]]:
    """Counted productions per Helsinki year and class, following the counting rules."""
    out: dict[int, dict[str, int]] = {}
    statuses = set(rules["counting"]["statuses"])
    for ev in records:
        if (
            ev["super_event"] is not None
            or ev["deleted"]
            or ev["replaced_by"]
            or ev["event_status"] not in statuses
        ):
            continue
        if not ev["start_time"]:
            continue
        cls = classify(ev, rules)
        if cls is None:
            continue
        start = datetime.strptime(ev["start_time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        year = start.astimezone(HELSINKI).year
        out.setdefault(year, {}).setdefault(cls, 0)
        out[year][cls] += 1
    return out


def generate(ctx: Context) -> dict:
    rng = ctx.rng("events")
    ids = _Ids(rng)
    for group in ref.EXPLICIT_EVENTS.values():
        for eid in group.values():
            ids.reserve(eid)
    b = _Builder(rng, ids)
    for year in (2019, 2020, 2021):
        _plan_year(b, year)
    for y, m in months((2019, 1), (2022, 1)):
        _background(b, ctx, y, m)

    by_month: dict[tuple[int, int], list[Ev]] = {}
    for ev in b.events:
        by_month.setdefault(ev.month(), []).append(ev)

    outside = set(by_month) - set(months((2019, 1), (2022, 1)))
    if outside:
        raise RuntimeError(f"events fall outside the written months: {sorted(outside)}")

    rules = ref.classification()
    records_all: list[dict] = []
    size = ctx.scale.events_page_size
    for y, m in months((2019, 1), (2022, 1)):
        evs = by_month.get((y, m), [])
        far = datetime(9999, 1, 1, tzinfo=UTC)
        evs.sort(key=lambda e: (e.start or far, e.id))
        recs = []
        for e in evs:
            ref_time = e.start or local(y, m, 1, 9)
            modified = ref_time - timedelta(days=randint(rng, 3, 60), minutes=randint(rng, 0, 1440))
            recs.append(_json(e, modified))
        records_all.extend(recs)
        pages = max(1, -(-len(recs) // size))
        for p in range(pages):
            chunk = recs[p * size : (p + 1) * size]
            body = {
                "meta": {
                    "count": len(recs),
                    "next": _url(y, m, p + 2, size) if p + 1 < pages else None,
                    "previous": _url(y, m, p, size) if p > 0 else None,
                },
                "data": chunk,
            }
            rel = f"events/{y}/events_{y}-{m:02d}_p{p + 1:03d}.json"
            ctx.write(rel, json_bytes(body), encoding="utf-8", rows=len(chunk))
            for i, e in enumerate(evs[p * size : (p + 1) * size]):
                if e.tag:
                    ctx.pitfall(e.tag[0], rel, record=i, id=e.id, detail=e.tag[1])

    counts = count_productions(records_all, rules)
    for year, plan in PLAN.items():
        got = {c: counts.get(year, {}).get(c, 0) for c in plan}
        if got != plan:
            raise RuntimeError(f"event sample for {year} classifies as {got}, planned {plan}")
    subs = sum(1 for r in records_all if r["super_event"] is not None)
    return {
        "by_year": {
            str(y): {c: counts.get(y, {}).get(c, 0) for c in PLAN[2019]} for y in (2019, 2020, 2021)
        },
        "events_total": len(records_all),
        "sub_events": subs,
        "files_cover": "2019-01 .. 2022-01 (2022-01 holds the 2021-12-31T22:30:00Z event)",
    }


def _url(y: int, m: int, page: int, size: int) -> str:
    return (
        f"{API}/event/?start={y}-{m:02d}-01&end={y}-{m:02d}-{month_days(y, m)}"
        f"&show_deleted=true&page_size={size}&page={page}"
    )
