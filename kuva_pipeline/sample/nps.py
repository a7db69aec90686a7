"""NPS device feed: HappyOrNot-style button-feedback exports, one file per month.

Presses are drawn per device and day (vectorised, one month in memory at a
time), then answers are assigned so that each year's NPS index lands on its
target exactly after the documented exclusions (misuse, non-NPS surveys,
unknown devices, out-of-range buttons, bad timestamps, repeated feedbackIds).
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np

from kuva_pipeline.sample import reference as ref
from kuva_pipeline.sample.activity import activity
from kuva_pipeline.sample.common import YEARS, Context, encode, month_days, months
from kuva_pipeline.sample.rng import randint, stochastic_round, weighted

HEADER = (
    "feedbackId",
    "localTime",
    "experiencePointId",
    "surveyId",
    "buttonIndex",
    "misuse",
    "ui",
    "smileyType",
)

# Yearly targets: NPS index (promoters - detractors) / answers and the promoter share.
INDEX_TARGET = {2019: 0.40, 2020: 0.375, 2021: 0.416}
PROMOTER_SHARE = {2019: 0.56, 2020: 0.55, 2021: 0.565}

JSON_MONTHS = {(2019, 7), (2020, 5), (2021, 3), (2021, 4)}
BOM_MONTHS = {(2019, 3), (2021, 10)}

# Injected specimens by month: (kind, parameter).
SPECIMENS: dict[tuple[int, int], list[tuple[str, object]]] = {
    (2019, 5): [("exact_duplicate", "adjacent")],
    (2019, 8): [("button_out_of_range", 11)],
    (2019, 11): [("conflicting_duplicate", 25)],
    (2020, 5): [("bad_timestamp", "2020-05-32T10:15:00")],
    (2020, 9): [("exact_duplicate", "end")],
    (2020, 10): [("unknown_experience_point", 4)],
    (2021, 4): [("exact_duplicate", "adjacent")],
    (2021, 6): [("button_out_of_range", 13)],
    (2021, 7): [("bad_timestamp", "2021-07-07T24:15:00")],
    (2021, 9): [("conflicting_duplicate", 40)],
}

_HOUR_WEIGHTS = (3, 5, 7, 8, 9, 9, 10, 11, 10, 8, 5)  # 9:00 ... 19:59
_DETRACTOR_WEIGHTS = (0.22, 0.05, 0.05, 0.08, 0.1, 0.23, 0.27)  # buttons 0..6
_AREA_BIAS = {"KIR": 0.09, "LIIKU": 0.03, "KULP": 0.0, "NUP": -0.07}
_CLOSED = {
    (12, 24),
    (12, 25),
    (1, 1),
    (6, 21),
    (6, 22),
}  # approximately: Christmas, New Year, Midsummer


def _rel(y: int, m: int) -> str:
    ext = "json" if (y, m) in JSON_MONTHS else "csv"
    return f"nps/{y}/nps_{y}-{m:02d}.{ext}"


class _YearState:
    def __init__(self) -> None:
        self.n = 0
        self.pd = 0


def generate(ctx: Context) -> dict:
    eps = ref.EXPERIENCE_POINTS
    ep_ids = np.array([e.id for e in eps], dtype=np.int64)
    ep_area = [e.service_area for e in eps]
    ep_weight = np.array([e.weight for e in eps])
    ep_survey = np.array([ref.default_survey(e) for e in eps], dtype=np.int64)
    surveys = {s.id: s for s in ref.SURVEYS}
    bias_rng = ctx.rng("nps:device-bias")
    ep_bias = np.array([_AREA_BIAS[a] for a in ep_area]) + (bias_rng.random(len(eps)) - 0.5) * 0.1

    next_id = 183_400_000
    years = {y: _YearState() for y in YEARS}
    stats = _Stats()

    for y, m in months((2019, 1), (2021, 12)):
        rng = ctx.rng(f"nps:{y}-{m:02d}")
        ndays = month_days(y, m)
        first = date(y, m, 1)
        day_dates = [date(y, m, d) for d in range(1, ndays + 1)]

        # Presses per device and day.
        in_use = np.array(
            [
                [
                    e.in_use_from <= d and (e.in_use_until is None or e.in_use_until >= d)
                    for d in day_dates
                ]
                for e in eps
            ]
        )
        act = np.array([activity(a, y, m) for a in ep_area])
        dow = np.array([(1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.6)[d.weekday()] for d in day_dates])
        closed = np.array([(d.month, d.day) in _CLOSED for d in day_dates])
        lam = (
            ctx.scale.nps_presses_per_device_day * np.outer(ep_weight * act, dow * ~closed) * in_use
        )
        counts = stochastic_round(rng, lam)
        dev = np.repeat(np.arange(len(eps)), counts.sum(axis=1))
        day = (
            np.concatenate([np.repeat(np.arange(ndays), row) for row in counts])
            if len(dev)
            else np.zeros(0, np.int64)
        )
        n = len(dev)
        sec = (9 + weighted(rng, _HOUR_WEIGHTS, n)) * 3600 + randint(rng, 0, 3600, n)
        t = day.astype(np.int64) * 86400 + sec
        misuse = np.zeros(n, dtype=bool)
        known = np.ones(n, dtype=bool)
        ep_col = ep_ids[dev]
        survey = ep_survey[dev].copy()
        for sid, devices, d0, d1 in ref.SMILEY_WINDOWS:
            lo, hi = (d0 - first).days, (d1 - first).days
            mask = np.isin(ep_col, devices) & (day >= lo) & (day <= hi)
            survey[mask] = sid

        # Misuse bursts: a child pressing repeatedly right after someone's answer.
        bursts = []
        nps_rows = np.nonzero(np.isin(survey, [3101, 3102]))[0]
        for _ in range(ctx.scale.nps_misuse_bursts_per_month if len(nps_rows) else 0):
            anchor = nps_rows[randint(rng, 0, len(nps_rows))]
            k = randint(rng, 3, 8)
            start = t[anchor] + randint(rng, 20, 60)
            bt = start + np.cumsum(randint(rng, 1, 4, k))
            bursts.append((np.full(k, dev[anchor]), bt, np.full(k, survey[anchor])))
        extra_dev = [b[0] for b in bursts]
        extra_t = [b[1] for b in bursts]
        extra_survey = [b[2] for b in bursts]
        extra_misuse = [np.ones(len(b[0]), dtype=bool) for b in bursts]
        extra_known = [np.ones(len(b[0]), dtype=bool) for b in bursts]
        extra_ep = [ep_ids[b[0]] for b in bursts]

        specimens = SPECIMENS.get((y, m), [])
        for kind, param in specimens:
            if kind == "unknown_experience_point" and n:
                k = int(param)
                d0 = randint(rng, 9, 15)
                ut = d0 * 86400 + np.sort(randint(rng, 10 * 3600, 16 * 3600, k))
                extra_dev.append(np.zeros(k, dtype=np.int64))
                extra_t.append(ut)
                extra_survey.append(np.full(k, 3101))
                extra_misuse.append(np.zeros(k, dtype=bool))
                extra_known.append(np.zeros(k, dtype=bool))
                extra_ep.append(np.full(k, ref.UNKNOWN_EXPERIENCE_POINT))

        if extra_dev:
            dev = np.concatenate([dev, *extra_dev])
            t = np.concatenate([t, *extra_t])
            survey = np.concatenate([survey, *extra_survey])
            misuse = np.concatenate([misuse, *extra_misuse])
            known = np.concatenate([known, *extra_known])
            ep_col = np.concatenate([ep_col, *extra_ep])
        order = np.lexsort((ep_col, t))
        dev, t, survey, misuse, known, ep_col = (
            a[order] for a in (dev, t, survey, misuse, known, ep_col)
        )
        n = len(t)
        ids = next_id + np.cumsum(1 + randint(rng, 0, 40, n)) if n else np.zeros(0, np.int64)
        if n:
            next_id = int(ids[-1])
        is_nps = np.isin(survey, [3101, 3102])

        # Rows to be spoiled (out-of-range button, bad timestamp) leave the valid set first.
        spoil: list[tuple[int, str, object]] = []
        candidates = np.nonzero(is_nps & ~misuse & known)[0]
        for kind, param in specimens:
            if kind in ("button_out_of_range", "bad_timestamp") and len(candidates):
                spoil.append((int(candidates[randint(rng, 0, len(candidates))]), kind, param))
        spoiled = np.zeros(n, dtype=bool)
        for i, _, _ in spoil:
            spoiled[i] = True

        # Answers: exact category counts so the year's index lands on target.
        button = np.zeros(n, dtype=np.int64)
        valid = is_nps & ~misuse & known & ~spoiled
        vi = np.nonzero(valid)[0]
        nv = len(vi)
        st = years[y]
        want_cum = round(INDEX_TARGET[y] * (st.n + nv))
        pd = want_cum - st.pd
        # Promoter count near its share, kept feasible: 0 <= detractors, p + d <= answers.
        p = min(max(round(PROMOTER_SHARE[y] * nv), pd), (nv + pd) // 2)
        dn = p - pd
        if nv and not (dn >= 0 and p + dn <= nv):
            raise RuntimeError(f"NPS calibration impossible in {y}-{m:02d}: n={nv} p={p} d={dn}")
        st.n += nv
        st.pd += pd
        if nv:
            key = rng.random(nv) + ep_bias[dev[vi]]
            ranked = vi[np.argsort(-key, kind="stable")]
            prom, det = ranked[:p], ranked[nv - dn :] if dn else ranked[:0]
            pas = ranked[p : nv - dn]
            button[prom] = np.where(rng.random(len(prom)) < 0.62, 10, 9)
            button[pas] = np.where(rng.random(len(pas)) < 0.55, 8, 7)
            button[det] = weighted(rng, _DETRACTOR_WEIGHTS, len(det))
        other_nps = np.nonzero(is_nps & ~valid)[0]
        button[other_nps] = weighted(rng, (5, 1, 1, 1, 1, 2, 1, 1, 2, 2, 5), len(other_nps))
        smiley = np.nonzero(~is_nps)[0]
        button[smiley] = weighted(rng, (0.06, 0.12, 0.34, 0.48), len(smiley))

        local = np.datetime64(f"{y}-{m:02d}-01T00:00:00") + t.astype("timedelta64[s]")
        local_s = np.datetime_as_string(local, unit="s").astype(object)
        rows = [
            [
                fid,
                lt,
                epid,
                sid,
                b,
                "true" if mu else "false",
                surveys[sid].ui,
                surveys[sid].smiley_type,
            ]
            for fid, lt, epid, sid, b, mu in zip(
                ids.tolist(),
                local_s.tolist(),
                ep_col.tolist(),
                survey.tolist(),
                button.tolist(),
                misuse.tolist(),
                strict=True,
            )
        ]
        tags: list[tuple[str, str | None] | None] = [None] * len(rows)
        for i in np.nonzero(misuse)[0].tolist():
            tags[i] = ("misuse", None)
        for i in np.nonzero(~known)[0].tolist():
            tags[i] = (
                "unknown_experience_point",
                f"experiencePointId {ref.UNKNOWN_EXPERIENCE_POINT} is not in nps_experience_points",
            )
        for i, kind, param in spoil:
            if kind == "button_out_of_range":
                rows[i][4] = int(param)
                tags[i] = (kind, f"buttonIndex {param} on NPS survey {rows[i][3]}")
            else:
                rows[i][1] = str(param)
                tags[i] = (kind, f"localTime {param!r}")
        if len(smiley):
            tags[int(smiley[0])] = (
                "non_nps_survey",
                f"survey {rows[int(smiley[0])][3]} is a smiley survey (0-3), not NPS",
            )

        # Copies go in after answers are set (the first copy in file order is the one that counts).
        for kind, param in specimens:
            if kind not in ("exact_duplicate", "conflicting_duplicate") or not nv:
                continue
            src = int(vi[randint(rng, 0, nv)])
            while tags[src] is not None:
                src = int(vi[randint(rng, 0, nv)])
            copy = list(rows[src])
            if kind == "conflicting_duplicate":
                copy[4] = (copy[4] + 5) % 11
                pos = min(src + int(param), len(rows))
                detail = f"feedbackId {copy[0]} first seen at the row above with buttonIndex {rows[src][4]}"
            else:
                pos = src + 1 if param == "adjacent" else len(rows)
                detail = f"identical copy of feedbackId {copy[0]}"
            rows.insert(pos, copy)
            tags.insert(pos, (kind, detail))
            tags[src] = ("duplicate_original", None)

        rel = _rel(y, m)
        if rel.endswith(".json"):
            recs = [
                {
                    "feedbackId": r[0],
                    "localTime": r[1],
                    "experiencePointId": r[2],
                    "surveyId": r[3],
                    "buttonIndex": r[4],
                    "misuse": r[5] == "true",
                    "ui": r[6],
                    "smileyType": r[7] or None,
                }
                for r in rows
            ]
            data = (
                json.dumps(recs, ensure_ascii=False, indent=None, separators=(",", ":")) + "\n"
            ).encode()
            encoding = "utf-8"
        else:
            encoding = "utf-8-sig" if (y, m) in BOM_MONTHS else "utf-8"
            text = (
                ",".join(HEADER)
                + "\n"
                + "".join(
                    f"{r[0]},{r[1]},{r[2]},{r[3]},{r[4]},{r[5]},{r[6]},{r[7]}\n" for r in rows
                )
            )
            data = encode(text, encoding)
        ctx.write(rel, data, encoding=encoding, rows=len(rows))
        if encoding == "utf-8-sig":
            ctx.pitfall("utf8_bom", rel, line=1, detail="file starts with a UTF-8 byte order mark")

        is_json = rel.endswith(".json")
        for i, tag in enumerate(tags):
            if tag is None or tag[0] == "duplicate_original":
                continue
            kind, detail = tag
            loc = {"record": i} if is_json else {"line": i + 2}
            ctx.pitfall(kind, rel, id=rows[i][0], detail=detail, **loc)

        stats.add(y, m, rows, tags, {e.id: e.service_area for e in eps})

    return stats.headline()


class _Stats:
    """Yearly headline figures, following the documented exclusion rules."""

    def __init__(self) -> None:
        self.year: dict[int, dict] = {}
        self.area: dict[int, dict[str, list[int]]] = {}
        self.month: dict[str, dict] = {}
        self.devices: dict[int, set] = {}

    def add(self, y, m, rows, tags, area_of) -> None:
        ys = self.year.setdefault(
            y,
            {
                "rows": 0,
                "answers": 0,
                "promoters": 0,
                "passives": 0,
                "detractors": 0,
                "misuse": 0,
                "non_nps_survey": 0,
                "quarantined": 0,
            },
        )
        areas = self.area.setdefault(y, {a: [0, 0, 0] for a in ref.SERVICE_AREAS})
        ms = {"answers": 0, "promoters": 0, "detractors": 0}
        devs = self.devices.setdefault(y, set())
        for r, tag in zip(rows, tags, strict=True):
            ys["rows"] += 1
            kind = tag[0] if tag else None
            if kind in (
                "exact_duplicate",
                "conflicting_duplicate",
                "unknown_experience_point",
                "button_out_of_range",
                "bad_timestamp",
            ):
                ys["quarantined"] += 1
                continue
            if r[3] not in (3101, 3102):
                ys["non_nps_survey"] += 1
                continue
            if r[5] == "true":
                ys["misuse"] += 1
                continue
            b = r[4]
            cat = "promoters" if b >= 9 else ("detractors" if b <= 6 else "passives")
            ys["answers"] += 1
            ys[cat] += 1
            ms["answers"] += 1
            if cat != "passives":
                ms[cat] += 1
            a = areas[area_of[r[2]]]
            a[0] += 1
            a[1] += b >= 9
            a[2] += b <= 6
            devs.add(r[2])
        self.month[f"{y}-{m:02d}"] = ms

    def headline(self) -> dict:
        out: dict = {"by_year": {}, "by_month": self.month}
        for y, ys in self.year.items():
            idx = 100.0 * (ys["promoters"] - ys["detractors"]) / ys["answers"]
            out["by_year"][str(y)] = {
                **ys,
                "nps_index": round(idx, 4),
                "devices_in_use_year_end": ref.devices_in_use(date(y, 12, 31)),
                "devices_with_answers": len(self.devices[y]),
                "by_service_area": {
                    a: {
                        "answers": v[0],
                        "promoters": v[1],
                        "detractors": v[2],
                        "nps_index": round(100.0 * (v[1] - v[2]) / v[0], 4) if v[0] else None,
                    }
                    for a, v in self.area[y].items()
                },
            }
        out["devices_in_use"] = {
            "2019-01-01": ref.devices_in_use(date(2019, 1, 1)),
            "2019-05-31": ref.devices_in_use(date(2019, 5, 31)),
            "2019-12-31": ref.devices_in_use(date(2019, 12, 31)),
            "2020-12-31": ref.devices_in_use(date(2020, 12, 31)),
            "2021-12-31": ref.devices_in_use(date(2021, 12, 31)),
        }
        return out
