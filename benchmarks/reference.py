"""The bare-DuckDB reference: the yearly meter values straight from the landing files.

One Python process, one in-memory DuckDB connection, no Dagster, no warehouse.
It reads the landing zone under the rules of `docs/sources.md` (encodings,
Finnish CSV, Helsinki days, NPS duplicate ids, misuse and non-NPS presses left
out, the event classification of `reference/event_classification.yaml`,
blocked reservations not bookings, Hobihobi snapshots, finance rows summed)
and returns, for every data-fed catalog meter, its value per Helsinki year in
the meter's service area: what the pipeline publishes as
`meters.meter_values WHERE grain = 'year'`.

It is written from the contract, not from the pipeline's SQL, so that the
benchmark compares the pipeline with an independent computation of the same
numbers and times it against the cost of plain DuckDB over the same files.

    python -m benchmarks.reference --landing data/landing
"""

from __future__ import annotations

import argparse
import calendar
import csv
import io
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# The last date token of a file name names its period (YYYY, YYYY-MM or YYYY-MM-DD).
_TOKEN = re.compile(r"(?<!\d)(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?!\d)")

NPS_FIELDS = (
    "feedbackId", "localTime", "experiencePointId", "surveyId", "buttonIndex", "misuse", "ui",
    "smileyType",
)
HOBIHOBI_FIELDS = (
    "listing_id", "title", "organiser", "category", "service_area", "visible_from",
    "visible_until", "participants",
)
STATISTICS_FIELDS = (
    "Varaus ID", "Resurssi ID", "Resurssi", "Yksikkö", "Tyyppi", "Tila", "Alkaa", "Päättyy",
    "Luontiaika", "Varaaja", "Sähköposti", "Puhelin", "Kuvaus",
)
FINANCE_FIELDS = (
    "vuosi", "palvelualue", "kustannukset_eur", "suoritteet", "talousarvio_eur", "suoritteen_laji",
)
SERVICE_AREAS = ("KIR", "KULP", "LIIKU", "NUP")
# docs/catalog.md: culture and district events are KULP's, sports events LIIKU's.
EVENT_CLASS_AREA = {
    "large_culture_events": "KULP",
    "large_sports_events": "LIIKU",
    "district_events": "KULP",
}
FIRST_YEAR = 2019


@dataclass(frozen=True)
class LandingFile:
    path: Path
    rel: str  # relative to the landing root, with forward slashes: the file order key
    start: date
    end: date


def period_of(name: str) -> tuple[date, date] | None:
    stem = name.rsplit(".", 1)[0]
    found = list(_TOKEN.finditer(stem))
    if not found:
        return None
    y, m, d = found[-1].groups()
    try:
        if d:
            day = date(int(y), int(m), int(d))
            return day, day
        if m:
            last = calendar.monthrange(int(y), int(m))[1]
            return date(int(y), int(m), 1), date(int(y), int(m), last)
        return date(int(y), 1, 1), date(int(y), 12, 31)
    except ValueError:
        return None


def landing_files(root: Path, folder: str, suffix: str) -> list[LandingFile]:
    """Data files under root/folder with a date token; `_` and `.` files are not data."""
    base = root / folder
    if not base.exists():
        return []
    out = []
    for p in base.rglob(f"*{suffix}"):
        if not p.is_file() or p.name.startswith(("_", ".")):
            continue
        period = period_of(p.name)
        if period is None:
            continue
        out.append(LandingFile(p, p.relative_to(root).as_posix(), *period))
    return sorted(out, key=lambda f: f.rel)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(paths: Sequence[str]) -> str:
    return "[" + ", ".join(_lit(p) for p in paths) + "]"


def _columns(fields: Sequence[str]) -> str:
    return "{" + ", ".join(f"{_lit(f)}: 'VARCHAR'" for f in fields) + "}"


def _decode(data: bytes) -> str:
    """BOM -> UTF-8 -> Windows-1252, as the contract says."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")


class Reference:
    """One computation over one landing zone."""

    def __init__(
        self,
        landing: Path,
        reference_dir: Path,
        catalog_dir: Path,
        *,
        memory_limit: str | None = None,
        threads: int | None = None,
    ) -> None:
        self.landing = Path(landing)
        self.reference_dir = Path(reference_dir)
        self.catalog_dir = Path(catalog_dir)
        self._tmp = tempfile.TemporaryDirectory(prefix="kuva-reference-")
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute(f"SET temp_directory = {_lit(self._tmp.name)}")
        if memory_limit:
            self.con.execute(f"SET memory_limit = {_lit(memory_limit)}")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")

    def close(self) -> None:
        self.con.close()
        self._tmp.cleanup()

    # ------------------------------------------------------------------ reading

    def _files_table(
        self, name: str, files: list[LandingFile], paths: list[str], order: dict[str, int] | None
    ) -> None:
        """The files read: the path DuckDB reports, the file's place in file order, its period."""
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} "
            "(path VARCHAR, idx INTEGER, p_start DATE, p_end DATE)"
        )
        order = order or {f.rel: i for i, f in enumerate(files)}
        if not files:
            return
        self.con.executemany(
            f"INSERT INTO {name} VALUES (?, ?, ?, ?)",
            [(p, order[f.rel], f.start, f.end) for p, f in zip(paths, files, strict=True)],
        )

    def _readable(self, files: list[LandingFile], probe) -> list[str]:
        """Paths DuckDB can read as UTF-8: a file that is not UTF-8 is decoded as cp1252
        into the work folder (only when DuckDB refuses the batch)."""
        paths = [str(f.path) for f in files]
        try:
            probe(paths)
            return paths
        except duckdb.Error:
            pass
        out = []
        for f in files:
            try:
                probe([str(f.path)])
                out.append(str(f.path))
            except duckdb.Error:
                text = _decode(f.path.read_bytes())
                target = Path(self._tmp.name) / f.rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8", newline="")
                out.append(str(target))
        return out

    def _read_csv(
        self,
        table: str,
        files: list[LandingFile],
        fields: Sequence[str],
        delim: str,
        select: str,
        order: dict[str, int] | None = None,
    ) -> None:
        """CSV files into `table`, as `select` over the file's columns (all text) and `_fidx`
        (the file's place in file order), `_p_start`, `_p_end` (its period) and `_rn` (orders
        the rows of a file as written). Only what `select` keeps is stored."""

        def source(paths: list[str]) -> str:
            return (
                f"read_csv({_list(paths)}, header = true, auto_detect = false, "
                f"columns = {_columns(fields)}, delim = {_lit(delim)}, quote = '\"', "
                "escape = '\"', null_padding = true, filename = true)"
            )

        if files:
            paths = self._readable(
                files, lambda ps: self.con.execute(f"SELECT count(*) FROM {source(ps)}").fetchall()
            )
            self._files_table(f"{table}_files", files, paths, order)
            # row_number() OVER () numbers the rows in scan order: files in list order, each
            # file's rows as written.
            rows = f"(SELECT *, row_number() OVER () AS _rn FROM {source(paths)})"
        else:
            self._files_table(f"{table}_files", [], [], order)
            cols = ", ".join(f'NULL::VARCHAR AS "{f}"' for f in fields)
            rows = f"(SELECT {cols}, NULL::VARCHAR AS filename, NULL::BIGINT AS _rn LIMIT 0)"
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {table} AS
            SELECT {select} FROM (
                SELECT c.*, f.idx AS _fidx, f.p_start AS _p_start, f.p_end AS _p_end
                FROM {rows} c JOIN {table}_files f ON f.path = c.filename
            )
            """
        )

    def _read_json(
        self,
        table: str,
        files: list[LandingFile],
        records: str,
        select: str,
        order: dict[str, int] | None = None,
    ) -> None:
        """JSON files into `table`, as `select` over each record `j` (at the path `records`) and
        `_fidx`, `_p_start`, `_p_end` and `_rn` (the record's 1-based place in its file)."""
        if files:
            paths = self._readable(
                files,
                lambda ps: self.con.execute(
                    f"SELECT count(*) FROM read_text({_list(ps)})"
                ).fetchall(),
            )
            self._files_table(f"{table}_files", files, paths, order)
            docs = f"read_text({_list(paths)})"
        else:
            self._files_table(f"{table}_files", [], [], order)
            docs = "(SELECT NULL::VARCHAR AS filename, NULL::VARCHAR AS content LIMIT 0)"
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {table} AS
            WITH docs AS (
                SELECT filename, json_extract(content::JSON, '{records}') AS recs FROM {docs}
            )
            SELECT {select} FROM (
                SELECT r.j, r._rn, f.idx AS _fidx, f.p_start AS _p_start, f.p_end AS _p_end
                FROM (
                    SELECT filename, unnest(recs) AS j, unnest(range(1, len(recs) + 1)) AS _rn
                    FROM docs
                ) r
                JOIN {table}_files f ON f.path = r.filename
            )
            """
        )

    def _read_reference(self) -> None:
        ref = self.reference_dir
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE ref_points AS
            SELECT trim(experience_point_id) AS experience_point_id,
                   upper(trim(service_area)) AS service_area,
                   CAST(in_use_from AS DATE) AS in_use_from,
                   CAST(nullif(trim(in_use_until), '') AS DATE) AS in_use_until
            FROM read_csv({_lit(str(ref / "nps_experience_points.csv"))}, header = true,
                          all_varchar = true)
            """
        )
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE ref_surveys AS
            SELECT trim(survey_id) AS survey_id,
                   lower(trim(is_nps)) IN ('true', '1', 'yes') AS is_nps
            FROM read_csv({_lit(str(ref / "nps_surveys.csv"))}, header = true, all_varchar = true)
            """
        )
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE ref_resources AS
            SELECT trim(resource_id) AS resource_id, upper(trim(service_area)) AS service_area,
                   lower(trim(for_sale)) = 'true' AS for_sale,
                   CAST(nullif(trim(for_sale_from), '') AS DATE) AS for_sale_from
            FROM read_csv({_lit(str(ref / "varaamo_resources.csv"))}, header = true,
                          all_varchar = true)
            """
        )

    # ------------------------------------------------------------------ sources

    def nps(self) -> None:
        """Presses -> answers: valid rows, first copy of an id in file order, NPS surveys only,
        misuse left out; the year is the Helsinki date of localTime (device wall clock)."""
        files_csv = landing_files(self.landing, "nps", ".csv")
        files_json = landing_files(self.landing, "nps", ".json")
        order = {rel: i for i, rel in enumerate(sorted(f.rel for f in files_csv + files_json))}
        typed = """
            nullif(trim({feedbackId}), '') AS feedback_id,
            try_strptime(trim({localTime}), '%Y-%m-%dT%H:%M:%S')::DATE AS local_date,
            nullif(trim({experiencePointId}), '') AS point,
            nullif(trim({surveyId}), '') AS survey,
            try_cast(trim({buttonIndex}) AS INTEGER) AS button,
            CASE lower(trim({misuse})) WHEN 'true' THEN true WHEN 'false' THEN false END AS misuse,
            _p_start, _p_end, _fidx, _rn
        """
        fields = ("feedbackId", "localTime", "experiencePointId", "surveyId", "buttonIndex",
                  "misuse")
        self._read_csv("nps_csv", files_csv, NPS_FIELDS, ",",
                       typed.format(**{f: f'"{f}"' for f in fields}), order)
        self._read_json("nps_json", files_json, "$[*]",
                        typed.format(**{f: f"(j->>'{f}')" for f in fields}), order)
        self.con.execute(
            "CREATE OR REPLACE TEMP VIEW nps_typed AS "
            "SELECT * FROM nps_csv UNION ALL SELECT * FROM nps_json"
        )
        self.con.execute(
            """
            CREATE OR REPLACE TEMP TABLE nps_answers AS
            WITH dup_ids AS (
                SELECT feedback_id FROM nps_typed WHERE feedback_id IS NOT NULL
                GROUP BY feedback_id HAVING count(*) > 1
            ),
            later_copies AS (
                -- The first occurrence of an id in file order stays; later ones are duplicates.
                SELECT _fidx, _rn FROM nps_typed
                WHERE feedback_id IN (SELECT feedback_id FROM dup_ids)
                QUALIFY row_number() OVER (PARTITION BY feedback_id ORDER BY _fidx, _rn) > 1
            ),
            clean AS (
                SELECT t.local_date, t.point, p.service_area, s.is_nps, t.button, t.misuse
                FROM nps_typed t
                JOIN ref_points p ON p.experience_point_id = t.point
                JOIN ref_surveys s ON s.survey_id = t.survey
                ANTI JOIN later_copies l ON l._fidx = t._fidx AND l._rn = t._rn
                WHERE t.feedback_id IS NOT NULL
                  AND t.local_date BETWEEN t._p_start AND t._p_end
                  AND t.button IS NOT NULL
                  AND (CASE WHEN s.is_nps THEN t.button BETWEEN 0 AND 10
                            ELSE t.button BETWEEN 0 AND 3 END)
                  AND t.misuse IS NOT NULL
            )
            SELECT year(local_date) AS year, service_area, point, button
            FROM clean
            WHERE is_nps AND NOT misuse
            """
        )
        self.con.execute(
            """
            CREATE OR REPLACE TEMP TABLE m_nps AS
            WITH agg AS (
                SELECT year, coalesce(service_area, 'KUVA') AS service_area,
                       count(*) FILTER (WHERE button >= 9) AS promoters,
                       count(*) FILTER (WHERE button <= 6) AS detractors,
                       count(*) AS answers,
                       count(DISTINCT point) AS devices
                FROM nps_answers
                GROUP BY GROUPING SETS ((year, service_area), (year))
            )
            SELECT 'nps' AS source, 'nps_index' AS measure, year, service_area,
                   round(100.0 * (promoters - detractors) / answers, 2) AS value
            FROM agg
            UNION ALL
            SELECT 'nps', 'devices_with_answers', year, service_area, devices FROM agg
            """
        )

    def hobihobi(self) -> None:
        """Snapshots -> listings visible in a year, each at its highest participants in the
        year's snapshots."""
        files = landing_files(self.landing, "hobihobi", ".csv")
        self._read_csv(
            "hobi_raw", files, HOBIHOBI_FIELDS, ";",
            """
            _p_start AS snapshot_date,
            trim(listing_id) AS raw_id,
            try_cast(trim(listing_id) AS BIGINT) AS listing_id,
            upper(trim(service_area)) AS service_area,
            coalesce(try_strptime(trim(visible_from), '%d.%m.%Y'),
                     try_strptime(trim(visible_from), '%Y-%m-%d'))::DATE AS visible_from,
            coalesce(try_strptime(trim(visible_until), '%d.%m.%Y'),
                     try_strptime(trim(visible_until), '%Y-%m-%d'))::DATE AS visible_until,
            try_cast(trim(participants) AS INTEGER) AS participants,
            _fidx, _rn
            """,
        )
        self.con.execute(
            """
            CREATE OR REPLACE TEMP TABLE hobi AS
            WITH typed AS (
                -- a listing twice in one snapshot: the first row stays
                SELECT *, row_number() OVER (PARTITION BY snapshot_date, raw_id
                                             ORDER BY _fidx, _rn) AS nth
                FROM hobi_raw
            )
            SELECT snapshot_date, listing_id, service_area, visible_from, visible_until,
                   participants
            FROM typed
            WHERE listing_id IS NOT NULL
              AND service_area IN ('KIR', 'KULP', 'LIIKU', 'NUP')
              AND visible_from IS NOT NULL AND visible_until IS NOT NULL
              AND visible_until >= visible_from
              AND participants >= 0
              AND nth = 1
            """
        )
        self.con.execute(
            """
            CREATE OR REPLACE TEMP TABLE m_hobihobi AS
            WITH years AS (SELECT DISTINCT year(snapshot_date) AS year FROM hobi),
            visible AS (
                -- a listing counts in Y when any snapshot row's visibility overlaps Y;
                -- its area is the one of its latest such row
                SELECT y.year, h.listing_id, arg_max(h.service_area, h.snapshot_date) AS service_area
                FROM years y
                JOIN hobi h ON h.visible_from <= make_date(y.year, 12, 31)
                           AND h.visible_until >= make_date(y.year, 1, 1)
                GROUP BY ALL
            ),
            peak AS (
                SELECT year(snapshot_date) AS year, listing_id, max(participants) AS participants
                FROM hobi GROUP BY ALL
            ),
            per_listing AS (
                SELECT v.year, v.service_area, coalesce(p.participants, 0) AS participants
                FROM visible v LEFT JOIN peak p USING (year, listing_id)
            ),
            agg AS (
                SELECT year, coalesce(service_area, 'KUVA') AS service_area,
                       count(*) AS listings, sum(participants) AS participants
                FROM per_listing
                GROUP BY GROUPING SETS ((year, service_area), (year))
            ),
            scopes AS (SELECT unnest(['KIR', 'KULP', 'LIIKU', 'NUP', 'KUVA']) AS service_area),
            filled AS (
                SELECT y.year, s.service_area, coalesce(a.listings, 0) AS listings,
                       coalesce(a.participants, 0) AS participants
                FROM years y CROSS JOIN scopes s LEFT JOIN agg a USING (year, service_area)
            )
            SELECT 'hobihobi' AS source, 'listings' AS measure, year, service_area,
                   listings::DOUBLE AS value FROM filled
            UNION ALL
            SELECT 'hobihobi', 'participants', year, service_area, participants FROM filled
            """
        )

    def varaamo(self) -> None:
        """Reservations of both exports -> bookings (normal and confirmed on a known resource,
        in the Helsinki year of its begin); spaces for sale from the reference."""
        pages = landing_files(self.landing, "varaamo/reservations", ".json")
        stats = landing_files(self.landing, "varaamo/statistics", ".csv")
        order = {rel: i for i, rel in enumerate(sorted(f.rel for f in pages + stats))}
        self._read_json(
            "var_pages", pages, "$.results[*]",
            """
            'old_backend' AS origin,
            nullif(trim(j->>'id'), '') AS rid,
            nullif(trim(j->>'resource'), '') AS resource_id,
            try_cast(trim(j->>'begin') AS TIMESTAMPTZ) AT TIME ZONE 'Europe/Helsinki' AS begin_time,
            try_cast(trim(j->>'end') AS TIMESTAMPTZ) AT TIME ZONE 'Europe/Helsinki' AS end_time,
            lower(trim(j->>'state')) AS state,
            lower(trim(j->>'type')) AS rtype,
            _p_start, _p_end, _fidx, _rn
            """,
            order,
        )
        self._read_csv(
            "var_stats", stats, STATISTICS_FIELDS, ",",
            """
            'statistics' AS origin,
            nullif(trim("Varaus ID"), '') AS rid,
            nullif(trim("Resurssi ID"), '') AS resource_id,
            try_strptime(trim("Alkaa"), '%d.%m.%Y %H:%M') AS begin_time,
            try_strptime(trim("Päättyy"), '%d.%m.%Y %H:%M') AS end_time,
            CASE lower(trim("Tila"))
                WHEN 'vahvistettu' THEN 'confirmed' WHEN 'peruttu' THEN 'cancelled'
                WHEN 'hylätty' THEN 'denied' WHEN 'käsiteltävänä' THEN 'requested'
                WHEN 'luonnos' THEN 'created' WHEN 'odottaa maksua' THEN 'waiting_for_payment'
            END AS state,
            CASE lower(trim("Tyyppi")) WHEN 'varaus' THEN 'normal' WHEN 'esto' THEN 'blocked'
            END AS rtype,
            _p_start, _p_end, _fidx, _rn
            """,
            order,
        )
        self.con.execute(
            r"""
            CREATE OR REPLACE TEMP TABLE var_res AS
            WITH typed AS (
                SELECT * FROM var_pages UNION ALL SELECT * FROM var_stats
            ),
            dup_ids AS (
                SELECT origin, rid FROM typed WHERE rid IS NOT NULL
                GROUP BY ALL HAVING count(*) > 1
            ),
            later_copies AS (
                SELECT _fidx, _rn FROM typed
                WHERE (origin, rid) IN (SELECT (origin, rid) FROM dup_ids)
                QUALIFY row_number() OVER (PARTITION BY origin, rid ORDER BY _fidx, _rn) > 1
            )
            SELECT r.service_area, t.begin_time::DATE AS begin_date,
                   t.rtype = 'normal' AND t.state = 'confirmed' AS is_booking
            FROM typed t
            JOIN ref_resources r ON r.resource_id = t.resource_id
            ANTI JOIN later_copies l ON l._fidx = t._fidx AND l._rn = t._rn
            WHERE t.rid IS NOT NULL
              AND t.begin_time IS NOT NULL
              AND t.begin_time::DATE BETWEEN t._p_start AND t._p_end
              AND t.end_time IS NOT NULL AND t.end_time >= t.begin_time
              AND t.state IN ('created', 'requested', 'confirmed', 'denied', 'cancelled',
                              'waiting_for_payment')
              AND t.rtype IN ('normal', 'blocked')
            """
        )
        self.con.execute(
            """
            CREATE OR REPLACE TEMP TABLE m_varaamo AS
            WITH agg AS (
                SELECT year(begin_date) AS year, coalesce(service_area, 'KUVA') AS service_area,
                       count(*) FILTER (WHERE is_booking) AS bookings
                FROM var_res
                GROUP BY GROUPING SETS ((year(begin_date), service_area), (year(begin_date)))
            ),
            years AS (SELECT DISTINCT year(begin_date) AS year FROM var_res),
            scopes AS (SELECT unnest(['KIR', 'KULP', 'LIIKU', 'NUP', 'KUVA']) AS service_area)
            SELECT 'varaamo' AS source, 'bookings' AS measure, y.year, s.service_area,
                   coalesce(a.bookings, 0)::DOUBLE AS value
            FROM years y CROSS JOIN scopes s LEFT JOIN agg a USING (year, service_area)
            """
        )

    def events(self) -> None:
        """Linked Events pages -> productions per class and Helsinki year."""
        files = landing_files(self.landing, "events", ".json")
        self._read_json("ev_raw", files, "$.data[*]", "j, _p_start, _p_end, _fidx, _rn")
        self.con.execute(
            r"""
            CREATE OR REPLACE TEMP TABLE ev AS
            WITH typed AS (
                SELECT
                    nullif(trim(j->>'id'), '') AS event_id,
                    nullif(trim(j->>'publisher'), '') AS publisher,
                    j->>'start_time' AS raw_start,
                    try_cast(trim(j->>'start_time') AS TIMESTAMPTZ)
                        AT TIME ZONE 'Europe/Helsinki' AS start_local,
                    nullif(trim(j->>'event_status'), '') AS status,
                    json_extract(j, '$.super_event') AS super_event,
                    regexp_extract(json_extract_string(j, '$.super_event."@id"'),
                                   '/event/([^/]+)/?$', 1)
                        AS super_event_id,
                    nullif(trim(j->>'super_event_type'), '') AS super_event_type,
                    CASE WHEN json_type(j, '$.keywords') IS NULL
                              OR json_type(j, '$.keywords') = 'NULL'
                         THEN []::VARCHAR[]
                         WHEN json_type(j, '$.keywords') = 'ARRAY'
                         THEN list_filter(list_transform(
                                  json_extract_string(j, '$.keywords[*]."@id"'),
                                  lambda k: regexp_extract(k, '/keyword/([^/]+)/?$', 1)),
                                  lambda k: k <> '')
                    END AS keywords,
                    j->>'deleted' AS raw_deleted,
                    CASE lower(trim(j->>'deleted')) WHEN 'true' THEN true
                         WHEN 'false' THEN false END AS deleted,
                    nullif(trim(j->>'replaced_by'), '') AS replaced_by,
                    try_cast(trim(j->>'last_modified_time') AS TIMESTAMPTZ) AS modified,
                    _p_start, _p_end, _fidx, _rn
                FROM ev_raw
            ),
            valid AS (
                SELECT * FROM typed
                WHERE event_id IS NOT NULL
                  AND NOT (raw_start IS NOT NULL AND start_local IS NULL)
                  AND (start_local IS NULL OR start_local::DATE BETWEEN _p_start AND _p_end)
                  AND NOT (deleted IS NULL AND raw_deleted IS NOT NULL)
                  AND NOT (status IS NULL AND NOT coalesce(deleted, false))
                  AND (status IS NULL OR status IN ('EventScheduled', 'EventCancelled',
                                                    'EventPostponed', 'EventRescheduled'))
                  AND NOT (start_local IS NULL AND status IN ('EventScheduled', 'EventRescheduled')
                           AND NOT coalesce(deleted, false))
                  AND (super_event_type IS NULL OR super_event_type IN ('recurring', 'umbrella'))
                  AND (super_event IS NULL OR json_type(super_event) = 'NULL'
                       OR nullif(super_event_id, '') IS NOT NULL)
                  AND keywords IS NOT NULL
            ),
            ranked AS (
                -- An id in more than one file: its most recently modified copy, then the first
                -- in file order, among every copy, valid or not.
                SELECT * FROM typed WHERE event_id IS NOT NULL
                QUALIFY row_number() OVER (
                    PARTITION BY event_id ORDER BY modified DESC NULLS LAST, _fidx, _rn) = 1
            )
            SELECT v.event_id, v.publisher, v.start_local::DATE AS start_date, v.status,
                   nullif(v.super_event_id, '') AS super_event_id, v.super_event_type,
                   v.keywords, coalesce(v.deleted, false) AS deleted, v.replaced_by
            FROM valid v
            JOIN ranked k ON k._fidx = v._fidx AND k._rn = v._rn
            """
        )
        self._classify()
        self.con.execute(
            """
            CREATE OR REPLACE TEMP TABLE m_events AS
            WITH years AS (
                SELECT DISTINCT year(start_date) AS year FROM ev WHERE start_date IS NOT NULL
            ),
            counted AS (
                SELECT e.event_id, year(e.start_date) AS year, c.measure
                FROM ev e JOIN ev_class c USING (event_id)
                WHERE e.super_event_id IS NULL AND NOT e.deleted AND e.replaced_by IS NULL
                  AND e.status IN ('EventScheduled', 'EventRescheduled')
                  AND e.start_date IS NOT NULL
            ),
            agg AS (SELECT year, measure, count(DISTINCT event_id) AS n FROM counted GROUP BY ALL),
            measures AS (SELECT DISTINCT measure FROM ev_classes),
            scopes AS (
                SELECT measure, 'KUVA' AS service_area FROM measures
                UNION ALL
                SELECT measure, service_area FROM measures JOIN ev_class_area USING (measure)
            )
            SELECT 'events' AS source, s.measure, y.year, s.service_area,
                   coalesce(a.n, 0)::DOUBLE AS value
            FROM years y CROSS JOIN scopes s LEFT JOIN agg a ON a.year = y.year
                                                         AND a.measure = s.measure
            """
        )

    def _classify(self) -> None:
        """reference/event_classification.yaml: classes in file order, the first that matches
        wins; a class matches by include_ids, or (unless exclude_ids lists the event) by any
        rule whose conditions all hold."""
        doc = yaml.safe_load(
            (self.reference_dir / "event_classification.yaml").read_text(encoding="utf-8")
        )
        classes = doc["classes"]
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE ev_classes (class_order INT, class_id VARCHAR, "
            "measure VARCHAR)"
        )
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE ev_class_area (measure VARCHAR, service_area VARCHAR)"
        )
        self.con.executemany(
            "INSERT INTO ev_class_area VALUES (?, ?)", list(EVENT_CLASS_AREA.items())
        )
        conditions = []
        for order, cls in enumerate(classes):
            self.con.execute(
                "INSERT INTO ev_classes VALUES (?, ?, ?)", [order, cls["id"], cls["meter"]]
            )
            rules = []
            for rule in cls.get("rules") or []:
                parts = []
                for key, val in rule.items():
                    if key == "keywords_any":
                        parts.append(f"list_has_any(keywords, {_list(val)}::VARCHAR[])")
                    elif key == "keywords_all":
                        parts.append(f"list_has_all(keywords, {_list(val)}::VARCHAR[])")
                    elif key == "publishers_any":
                        parts.append(f"list_contains({_list(val)}::VARCHAR[], publisher)")
                    elif key == "super_event_type":
                        parts.append(f"super_event_type = {_lit(val)}")
                    else:
                        raise ValueError(f"event_classification.yaml: unknown condition {key}")
                rules.append("(" + " AND ".join(parts or ["true"]) + ")")
            include = cls.get("include_ids") or []
            exclude = cls.get("exclude_ids") or []
            by_rule = " OR ".join(rules) or "false"
            match = (
                f"list_contains({_list(include)}::VARCHAR[], event_id) OR "
                f"(NOT list_contains({_list(exclude)}::VARCHAR[], event_id) "
                f"AND coalesce({by_rule}, false))"
            )
            conditions.append(f"WHEN {match} THEN {_lit(cls['meter'])}")
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE ev_class AS
            SELECT event_id, measure FROM (
                SELECT event_id, CASE {" ".join(conditions)} END AS measure FROM ev
            ) WHERE measure IS NOT NULL
            """
        )

    def finance(self) -> None:
        """Finance files (small; decoded in Python) -> rows summed per year and area."""
        rows = []
        files = landing_files(self.landing, "finance", ".csv")
        for f in files:
            text = _decode(f.path.read_bytes())
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
            header = [h.strip() for h in next(reader, [])]
            for n, rec in enumerate(reader, start=1):
                if not any(v.strip() for v in rec):
                    continue
                rec = rec + [None] * (len(header) - len(rec))
                row = dict(zip(header, rec, strict=False))
                rows.append(
                    (f.rel, f.start.year, n, *(row.get(c) for c in FINANCE_FIELDS))
                )
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE fin_raw (_file VARCHAR, file_year INT, _rn INT, "
            + ", ".join(f"{c} VARCHAR" for c in FINANCE_FIELDS)
            + ")"
        )
        if rows:
            self.con.executemany(
                f"INSERT INTO fin_raw VALUES ({', '.join(['?'] * (3 + len(FINANCE_FIELDS)))})",
                rows,
            )
        fi_decimal = (
            "try_cast(replace(replace(regexp_replace(trim({0}), '\\s', '', 'g'), "
            "chr(8722), '-'), ',', '.') AS DECIMAL(18, 2))"
        )
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE fin AS
            WITH typed AS (
                SELECT try_cast(trim(vuosi) AS INTEGER) AS year, file_year, _file,
                       CASE WHEN upper(trim(palvelualue)) IN ('KIR', 'KULP', 'LIIKU', 'NUP',
                                                             'HALLINTO')
                            THEN upper(trim(palvelualue)) END AS service_area,
                       {fi_decimal.format("kustannukset_eur")} AS cost,
                       try_cast(regexp_replace(trim(suoritteet), '\\s', '', 'g') AS BIGINT)
                           AS outputs,
                       {fi_decimal.format("talousarvio_eur")} AS budget,
                       nullif(trim(talousarvio_eur), '') AS raw_budget
                FROM fin_raw
            ),
            valid AS (
                SELECT * FROM typed
                WHERE year IS NOT NULL AND year = file_year AND service_area IS NOT NULL
                  AND cost IS NOT NULL AND outputs >= 0
                  AND NOT (raw_budget IS NOT NULL AND budget IS NULL)
            )
            -- a year delivered in two files: the last file in name order wins
            SELECT * FROM valid
            QUALIFY _file = max(_file) OVER (PARTITION BY year)
            """
        )
        self.con.execute(
            """
            CREATE OR REPLACE TEMP TABLE m_finance AS
            WITH sums AS (
                SELECT year, coalesce(service_area, 'KUVA') AS service_area,
                       sum(cost) AS cost, sum(outputs) AS outputs, sum(budget) AS budget
                FROM fin
                GROUP BY GROUPING SETS ((year, service_area), (year))
            )
            SELECT 'finance' AS source, 'unit_cost' AS measure, year, service_area,
                   round(cost::DOUBLE / outputs, 6) AS value
            FROM sums WHERE outputs > 0
            UNION ALL
            SELECT 'finance', 'budget_use_pct', year, service_area,
                   round(100 * cost::DOUBLE / budget::DOUBLE, 4)
            FROM sums WHERE budget > 0
            """
        )

    def levels(self) -> None:
        """Levels from the reference data, valued on 31 December of every year from 2019 to the
        last year with data or a scorecard."""
        last = self._last_year()
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE m_levels AS
            WITH years AS (SELECT unnest(range({FIRST_YEAR}, {last + 1})) AS year),
            points AS (
                SELECT y.year, p.service_area FROM years y JOIN ref_points p
                  ON p.in_use_from <= make_date(y.year, 12, 31)
                 AND (p.in_use_until IS NULL OR p.in_use_until >= make_date(y.year, 12, 31))
            ),
            point_scopes AS (
                SELECT DISTINCT service_area FROM ref_points UNION SELECT 'KUVA'
            ),
            devices AS (
                SELECT year, coalesce(service_area, 'KUVA') AS service_area, count(*) AS n
                FROM points GROUP BY GROUPING SETS ((year, service_area), (year))
            ),
            spaces AS (
                SELECT y.year, coalesce(r.service_area, 'KUVA') AS service_area,
                       count(*) FILTER (WHERE r.for_sale
                                        AND r.for_sale_from <= make_date(y.year, 12, 31))
                           AS for_sale,
                       count(*) AS bookable
                FROM years y CROSS JOIN ref_resources r
                GROUP BY GROUPING SETS ((y.year, r.service_area), (y.year))
            ),
            space_scopes AS (SELECT unnest(['KIR', 'KULP', 'LIIKU', 'NUP', 'KUVA']) AS service_area)
            SELECT 'nps' AS source, 'devices_in_use' AS measure, y.year, s.service_area,
                   coalesce(d.n, 0)::DOUBLE AS value
            FROM years y CROSS JOIN point_scopes s LEFT JOIN devices d USING (year, service_area)
            WHERE EXISTS (SELECT 1 FROM ref_points)
            UNION ALL
            SELECT 'varaamo', 'spaces_for_sale', y.year, s.service_area,
                   coalesce(x.for_sale, 0)::DOUBLE
            FROM years y CROSS JOIN space_scopes s LEFT JOIN spaces x USING (year, service_area)
            WHERE EXISTS (SELECT 1 FROM ref_resources)
            UNION ALL
            SELECT 'varaamo', 'bookable_spaces', y.year, s.service_area,
                   coalesce(x.bookable, 0)::DOUBLE
            FROM years y CROSS JOIN space_scopes s LEFT JOIN spaces x USING (year, service_area)
            WHERE EXISTS (SELECT 1 FROM ref_resources)
            """
        )

    def _last_year(self) -> int:
        """The last year a level runs to: the latest scorecard year that has ended (its last
        known day is yesterday at the latest), or the latest NPS answer or reservation."""
        yesterday = date.fromordinal(date.today().toordinal() - 1)
        years = [min(y, yesterday.year) for y in self.scorecard_years]
        for sql in ("SELECT max(year) FROM nps_answers", "SELECT max(year(begin_date)) FROM var_res"):
            found = self.con.execute(sql).fetchone()[0]
            if found is not None:
                years.append(int(found))
        return max(years or [FIRST_YEAR])

    # ------------------------------------------------------------------ catalog

    def _read_catalog(self) -> list[tuple[str, str, str, str]]:
        meters = []
        years = []
        for path in sorted(self.catalog_dir.glob("*.yaml")):
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if "year" in doc:
                years.append(int(doc["year"]))
            for goal in doc.get("goals") or []:
                for m in goal.get("meters") or []:
                    if m.get("source") and m.get("source") != "checkin":
                        meters.append(
                            (m["id"], m["source"], m["measure"], m.get("service_area") or "KUVA")
                        )
        self.scorecard_years = years
        return meters

    # ------------------------------------------------------------------ the whole

    def run(self) -> list[dict]:
        """Every data-fed catalog meter's yearly values: meter_id, service_area, year, value."""
        meters = self._read_catalog()
        self._read_reference()
        self.nps()
        self.hobihobi()
        self.varaamo()
        self.events()
        self.finance()
        self.levels()
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE catalog_meters (meter_id VARCHAR, source VARCHAR, "
            "measure VARCHAR, service_area VARCHAR)"
        )
        if meters:
            self.con.executemany("INSERT INTO catalog_meters VALUES (?, ?, ?, ?)", meters)
        rows = self.con.execute(
            """
            WITH measures AS (
                SELECT * FROM m_nps UNION ALL SELECT * FROM m_hobihobi
                UNION ALL SELECT * FROM m_varaamo UNION ALL SELECT * FROM m_events
                UNION ALL SELECT * FROM m_finance UNION ALL SELECT * FROM m_levels
            )
            SELECT c.meter_id, v.service_area, v.year::INTEGER, v.value::DOUBLE
            FROM catalog_meters c
            JOIN measures v ON v.source = c.source AND v.measure = c.measure
                           AND v.service_area = c.service_area
            ORDER BY 1, 3
            """
        ).fetchall()
        return [
            {"meter_id": m, "service_area": a, "year": y, "value": v} for m, a, y, v in rows
        ]


def compute_yearly(
    landing: Path,
    reference_dir: Path | None = None,
    catalog_dir: Path | None = None,
    *,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> list[dict]:
    """The yearly value of every data-fed catalog meter from the landing files."""
    ref = Reference(
        landing,
        reference_dir or PROJECT_ROOT / "data" / "reference",
        catalog_dir or PROJECT_ROOT / "data" / "catalog",
        memory_limit=memory_limit,
        threads=threads,
    )
    try:
        return ref.run()
    finally:
        ref.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.reference",
        description="Compute the yearly meter values from the landing files with plain DuckDB.",
    )
    parser.add_argument("--landing", type=Path, default=Path(os.environ.get("KUVA_LANDING_DIR")
                                                             or PROJECT_ROOT / "data" / "landing"))
    parser.add_argument("--reference-dir", type=Path, default=PROJECT_ROOT / "data" / "reference")
    parser.add_argument("--catalog-dir", type=Path, default=PROJECT_ROOT / "data" / "catalog")
    parser.add_argument("--out", type=Path, help="write the values as JSON here")
    parser.add_argument("--memory-limit", help="DuckDB memory_limit, e.g. 1GB")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    values = compute_yearly(
        args.landing, args.reference_dir, args.catalog_dir, memory_limit=args.memory_limit
    )
    seconds = time.perf_counter() - started
    if args.out:
        args.out.write_text(json.dumps(values, indent=1) + "\n", encoding="utf-8")
    else:
        for v in values:
            print(f"{v['meter_id']:<50} {v['service_area']:<6} {v['year']} {v['value']:g}")
    print(f"{len(values)} yearly values in {seconds:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
