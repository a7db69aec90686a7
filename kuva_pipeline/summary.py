"""What a refresh did, said at its end: steps, rows, checks, blocked feeds, no_data meters, publication.

The summary reads only what outlives the code that made it: Dagster's public
run records and event log (step events, materializations with their
`kuva/new_rows`, asset check evaluations, whoever emits them) and the
warehouse by table name (`raw.*`, `staging.*`, `quarantine.*`,
`marts.scorecard`). So it keeps working whether a model is a SQL file, a
dbt model or a Python asset.

Exit codes of `kuva refresh` (see `exit_code`): 0 clean, 3 completed with
warnings (1 with `--strict`), 1 failed, 2 a usage error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_WARNINGS = 3

NEW_ROWS_KEY = "kuva/new_rows"
LOADED_ROWS_TAG = "kuva/loaded_rows"
WARNINGS_TAG = "kuva/warnings"
PUBLICATION_KEY = dg.AssetKey(["bi", "publication"])

_EVENTS = {
    dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.STEP_SKIPPED,
    dg.DagsterEventType.ASSET_MATERIALIZATION,
    dg.DagsterEventType.ASSET_CHECK_EVALUATION,
}


@dataclass
class CheckFailure:
    asset: str
    check: str
    severity: str  # ERROR or WARN
    detail: str
    waived_by: str | None = None

    @property
    def blocking(self) -> bool:
        return self.severity == "ERROR"


@dataclass
class TableCount:
    table: str
    rows: int
    reasons: list[tuple[str, int]] = field(default_factory=list)  # quarantine: top reasons


@dataclass
class SourceLoad:
    table: str  # raw.<table>
    rows: int | None  # rows of the run's range in raw
    new_rows: int | None  # new or changed in this run (None: not loaded by this run)
    staged: list[TableCount] = field(default_factory=list)
    quarantined: list[TableCount] = field(default_factory=list)


@dataclass
class NoDataMeter:
    scorecard_id: str
    meter_id: str
    data_quality: str | None
    reason: str
    reason_fi: str | None = None


@dataclass
class RunSummary:
    run_id: str
    succeeded: bool
    seconds: float | None = None
    steps_succeeded: int = 0
    steps_failed: list[tuple[str, str]] = field(default_factory=list)  # (step, error)
    steps_skipped: int = 0
    raw_assets_run: int = 0
    loaded_rows: int | None = None  # sum of kuva/new_rows over the run's raw loads
    deleted_periods: list[str] = field(default_factory=list)
    check_failures: list[CheckFailure] = field(default_factory=list)
    sources: list[SourceLoad] = field(default_factory=list)
    no_data: list[NoDataMeter] = field(default_factory=list)
    published: dict[str, Any] | None = None  # the publication's metadata, when this run published
    notes: list[str] = field(default_factory=list)  # what could not be summarized, and why

    @property
    def warn_failures(self) -> list[CheckFailure]:
        return [c for c in self.check_failures if not c.blocking and not c.waived_by]

    @property
    def blocking_failures(self) -> list[CheckFailure]:
        return [c for c in self.check_failures if c.blocking and not c.waived_by]

    @property
    def zero_load(self) -> bool:
        """Raw loads ran and brought no new or changed row."""
        return self.raw_assets_run > 0 and self.loaded_rows == 0

    def warnings(self) -> list[str]:
        """Why the run, though complete, is not clean (English; `render` words them per language)."""
        out = [f"WARN check failed: {c.asset} {c.check}" for c in self.warn_failures]
        out += [f"blocked: {c.asset} {c.check}" for c in self.blocking_failures]
        if self.zero_load:
            out.append("the raw loads brought no new rows")
        out += [f"emptied on request: {p}" for p in self.deleted_periods]
        return out

    def tags(self) -> dict[str, str]:
        tags = {WARNINGS_TAG: str(len(self.warnings()))}
        if self.loaded_rows is not None:
            tags[LOADED_ROWS_TAG] = str(self.loaded_rows)
        return tags


def exit_code(summary: RunSummary, strict: bool = False) -> int:
    """0 clean; 3 complete with warnings (1 under `strict`); 1 failed."""
    if not summary.succeeded:
        return EXIT_FAILED
    if summary.warnings():
        return EXIT_FAILED if strict else EXIT_WARNINGS
    return EXIT_OK


# ------------------------------------------------------------------ from Dagster


def _meta_value(metadata: dict[str, Any], key: str) -> Any:
    value = metadata.get(key)
    return getattr(value, "value", value)


def _error_message(event: Any) -> str:
    data = event.step_failure_data
    error = data.error if data is not None else None
    # Beneath Dagster's "Error occurred while executing op" wrapper is the asset's own message.
    while error is not None and error.cause is not None and error.cls_name in (
        "DagsterExecutionStepExecutionError",
        "DagsterUserCodeExecutionError",
    ):
        error = error.cause
    if error is None:
        return event.message or "failed"
    message = error.message.strip()
    for prefix in ("dagster._core.definitions.events.Failure: ", "Failure: "):
        message = message.removeprefix(prefix)
    return message


def from_run(instance: dg.DagsterInstance, run_id: str) -> RunSummary:
    """Steps, loads and check verdicts of one run, from its run record and event log."""
    records = instance.get_run_records(dg.RunsFilter(run_ids=[run_id]), limit=1)
    record = records[0] if records else None
    succeeded = record is not None and record.dagster_run.status == dg.DagsterRunStatus.SUCCESS
    summary = RunSummary(run_id=run_id, succeeded=succeeded)
    if record is not None and record.start_time and record.end_time:
        summary.seconds = record.end_time - record.start_time
    # A partitioned asset records one materialization per partition of the run, each with
    # the same metadata: count each asset once.
    new_rows: dict[str, int] = {}
    for entry in instance.all_logs(run_id, of_type=_EVENTS):
        event = entry.dagster_event
        kind = event.event_type
        if kind == dg.DagsterEventType.STEP_SUCCESS:
            summary.steps_succeeded += 1
        elif kind == dg.DagsterEventType.STEP_SKIPPED:
            summary.steps_skipped += 1
        elif kind == dg.DagsterEventType.STEP_FAILURE:
            summary.steps_failed.append((event.step_key.replace("__", "/"), _error_message(event)))
        elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
            mat = entry.asset_materialization
            meta = dict(mat.metadata)
            key = mat.asset_key.to_user_string()
            if NEW_ROWS_KEY in meta and key not in new_rows:
                new_rows[key] = int(_meta_value(meta, NEW_ROWS_KEY) or 0)
                deleted = _meta_value(meta, "kuva/deleted_periods") or []
                summary.deleted_periods += [f"{key} {d}" for d in deleted]
            if mat.asset_key == PUBLICATION_KEY:
                summary.published = {k: _meta_value(meta, k) for k in meta}
        elif kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if evaluation.passed:
                continue
            meta = dict(evaluation.metadata)
            severity = getattr(evaluation.severity, "value", str(evaluation.severity))
            detail = _meta_value(meta, "detail") or evaluation.description or ""
            summary.check_failures.append(
                CheckFailure(
                    asset=evaluation.asset_key.to_user_string(),
                    check=evaluation.check_name,
                    severity=str(severity).upper(),
                    detail=" ".join(str(detail).split()),
                    waived_by=_meta_value(meta, "waived_by"),
                )
            )
    if new_rows:
        summary.raw_assets_run = len(new_rows)
        summary.loaded_rows = sum(new_rows.values())
    return summary


# ------------------------------------------------------------------ from the warehouse


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
            [schema, table],
        ).fetchall()
    }


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = ? "
            "AND NOT starts_with(table_name, '_') ORDER BY 1",
            [schema],
        ).fetchall()
    ]


def _range_filter(cols: set[str], start: date | None, end: date | None) -> tuple[str, list]:
    if start is None or end is None or "_partition_date" not in cols:
        return "", []
    return " WHERE _partition_date BETWEEN ? AND ?", [start, end]


def add_warehouse(
    summary: RunSummary,
    con: duckdb.DuckDBPyConnection,
    start: date | None = None,
    end: date | None = None,
    raw_new_rows: dict[str, int] | None = None,
    top_reasons: int = 3,
) -> None:
    """Rows per source (raw, staging, quarantine with top reasons) and the no_data meters."""
    raw_new_rows = raw_new_rows or {}
    staging = _tables(con, "staging")
    quarantine = set(_tables(con, "quarantine"))
    claimed: set[str] = set()
    raws = _tables(con, "raw")
    if raw_new_rows:  # only the sources this run loaded
        raws = [t for t in raws if t in raw_new_rows]
    for table in raws:
        cols = _columns(con, "raw", table)
        where, params = _range_filter(cols, start, end)
        rows = con.execute(f'SELECT count(*) FROM raw."{table}"{where}', params).fetchone()[0]
        load = SourceLoad(table=f"raw.{table}", rows=rows, new_rows=raw_new_rows.get(table))
        # Staging tables of a source share its name's first word (raw.nps_feedback -> staging.nps_*).
        stem = table.split("_")[0]
        for st in staging:
            if st.split("_")[0] != stem or st.startswith("ref_") or st in claimed:
                continue
            claimed.add(st)
            load.staged.append(_count(con, "staging", st, start, end, top_reasons))
            if st in quarantine:
                load.quarantined.append(_count(con, "quarantine", st, start, end, top_reasons))
        summary.sources.append(load)
    for st in staging:
        if st in claimed or st.startswith("ref_") or st not in quarantine:
            continue
        summary.sources.append(
            SourceLoad(
                table=f"staging.{st}",
                rows=None,
                new_rows=None,
                staged=[_count(con, "staging", st, start, end, top_reasons)],
                quarantined=[_count(con, "quarantine", st, start, end, top_reasons)],
            )
        )
    summary.no_data = no_data_meters(con)


def _count(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, start, end, top: int
) -> TableCount:
    cols = _columns(con, schema, table)
    where, params = _range_filter(cols, start, end)
    rows = con.execute(f'SELECT count(*) FROM {schema}."{table}"{where}', params).fetchone()[0]
    reasons: list[tuple[str, int]] = []
    if schema == "quarantine" and "_reject_reason" in cols and rows:
        reasons = [
            (str(r), int(n))
            for r, n in con.execute(
                f'SELECT _reject_reason, count(*) AS n FROM {schema}."{table}"{where} '
                "GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?",
                [*params, top],
            ).fetchall()
        ]
    return TableCount(f"{schema}.{table}", rows, reasons)


def no_data_meters(con: duckdb.DuckDBPyConnection) -> list[NoDataMeter]:
    """Meters whose latest scored day is no_data, with the feed's state and the reason."""
    if "scorecard" not in _tables(con, "marts"):
        return []
    cols = _columns(con, "marts", "scorecard")
    quality = "data_quality" if "data_quality" in cols else "NULL"
    explanation = "explanation" if "explanation" in cols else "NULL"
    explanation_fi = "explanation_fi" if "explanation_fi" in cols else "NULL"
    rows = con.execute(
        f"""
        SELECT scorecard_id, meter_id, {quality}, {explanation}, {explanation_fi}, status
        FROM marts.scorecard
        QUALIFY row_number() OVER (PARTITION BY scorecard_id, meter_id ORDER BY as_of DESC) = 1
        ORDER BY scorecard_id, meter_id
        """
    ).fetchall()
    return [
        NoDataMeter(
            card, meter, dq, _first_sentence(expl or ""), _first_sentence(fi) if fi else None
        )
        for card, meter, dq, expl, fi, status in rows
        if status == "no_data"
    ]


def _first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    cut = flat.find(". ")
    return flat if cut < 0 else flat[: cut + 1]


def read_warehouse(
    summary: RunSummary,
    path: Path,
    start: date | None,
    end: date | None,
    raw_new_rows: dict[str, int] | None = None,
) -> None:
    """`add_warehouse` over a read-only connection; a file that cannot be opened becomes a note."""
    if not path.exists():
        summary.notes.append(f"no warehouse at {path}")
        return
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        summary.notes.append(f"the warehouse {path} could not be read ({str(exc).splitlines()[0]})")
        return
    try:
        add_warehouse(summary, con, start, end, raw_new_rows)
    finally:
        con.close()


def new_rows_by_table(instance: dg.DagsterInstance, run_id: str) -> dict[str, int]:
    """raw table -> rows new or changed by this run's load."""
    out: dict[str, int] = {}
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        mat = entry.asset_materialization
        meta = dict(mat.metadata)
        if NEW_ROWS_KEY in meta and mat.asset_key.path[0] == "raw":
            # One value per asset: its per-partition materializations repeat the run's total.
            out.setdefault(mat.asset_key.path[-1], int(_meta_value(meta, NEW_ROWS_KEY) or 0))
    return out


# ------------------------------------------------------------------ words

TEXT = {
    "en": {
        "title": "Summary of run {run}",
        "steps": "Steps: {ok} succeeded, {failed} failed, {skipped} skipped, in {secs} s",
        "failed_step": "  failed: {step}: {error}",
        "loaded": "Rows loaded: {n} new or changed",
        "zero": "Nothing new was loaded: every landing file was already in the warehouse (tag {tag}=0)",
        "source": "  {table}: {rows} rows in range, {new} new",
        "source_nonew": "  {table}: {rows} rows in range",
        "staged": "    {table}: {rows} staged",
        "quarantined": "    {table}: {rows} quarantined",
        "reason": "      {n} × {reason}",
        "deleted": "Emptied on request: {what}",
        "warn_head": "WARN check failures ({n}):",
        "block_head": "Blocked feeds, failed blocking checks ({n}):",
        "check": "  {asset} {check}: {detail}",
        "waived": "Waived failures: {n}",
        "nodata_head": "Meters without data ({n}), latest day:",
        "nodata": "  {card} {meter} [{dq}]: {reason}",
        "more": "  ... and {n} more",
        "published": "Published: {target} ({tables} tables)",
        "not_published": "Nothing was published: BI tools still see the previous publication",
        "verdict_ok": "Clean: no warnings.",
        "verdict_warn": "Completed with {n} warning(s); exit code {code}.",
        "verdict_fail": "Failed; exit code {code}. Nothing downstream of the failure ran.",
        "note": "Note: {note}",
    },
    "fi": {
        "title": "Ajon {run} yhteenveto",
        "steps": "Vaiheet: {ok} onnistui, {failed} epäonnistui, {skipped} ohitettiin, {secs} s",
        "failed_step": "  epäonnistui: {step}: {error}",
        "loaded": "Ladatut rivit: {n} uutta tai muuttunutta",
        "zero": "Mitään uutta ei ladattu: jokainen tiedosto oli jo varastossa (tagi {tag}=0)",
        "source": "  {table}: {rows} riviä jaksolla, {new} uutta",
        "source_nonew": "  {table}: {rows} riviä jaksolla",
        "staged": "    {table}: {rows} hyväksyttyä",
        "quarantined": "    {table}: {rows} karanteenissa",
        "reason": "      {n} × {reason}",
        "deleted": "Tyhjennetty pyynnöstä: {what}",
        "warn_head": "WARN-tarkistuksia epäonnistui ({n}):",
        "block_head": "Pysäytetyt syötteet, epäonnistuneet estävät tarkistukset ({n}):",
        "check": "  {asset} {check}: {detail}",
        "waived": "Vapautettuja poikkeamia: {n}",
        "nodata_head": "Mittarit ilman tietoa ({n}), viimeisin päivä:",
        "nodata": "  {card} {meter} [{dq}]: {reason}",
        "more": "  ... ja {n} muuta",
        "published": "Julkaistu: {target} ({tables} taulua)",
        "not_published": "Mitään ei julkaistu: BI-työkalut näkevät edellisen julkaisun",
        "verdict_ok": "Puhdas ajo: ei varoituksia.",
        "verdict_warn": "Valmis, {n} varoitusta; paluukoodi {code}.",
        "verdict_fail": "Epäonnistui; paluukoodi {code}. Virheen jälkeisiä vaiheita ei ajettu.",
        "note": "Huom: {note}",
    },
}


def number(value: float | int | None, lang: str = "en", digits: int = 1) -> str:
    """A number for people: thin-space thousands, and a decimal comma in Finnish."""
    if value is None:
        return "–"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.{digits}f}"
    text = text.replace(",", "\u202f")
    return text.replace(".", ",") if lang == "fi" else text


def render(summary: RunSummary, lang: str = "en", strict: bool = False, limit: int = 10) -> list[str]:
    """The summary as lines of text (no markup), in English or Finnish."""
    t = TEXT[lang]
    n = lambda v: number(v, lang)  # noqa: E731 - a local shorthand
    lines = [t["title"].format(run=summary.run_id[:8])]
    lines.append(
        t["steps"].format(
            ok=summary.steps_succeeded,
            failed=len(summary.steps_failed),
            skipped=summary.steps_skipped,
            secs=number(round(summary.seconds or 0, 1), lang),
        )
    )
    for step, error in summary.steps_failed[:limit]:
        lines.append(t["failed_step"].format(step=step, error=_clip(error, 400)))
    if summary.zero_load:
        lines.append(t["zero"].format(tag=LOADED_ROWS_TAG))
    elif summary.loaded_rows is not None:
        lines.append(t["loaded"].format(n=n(summary.loaded_rows)))
    for load in summary.sources:
        if load.rows is not None:
            key = "source" if load.new_rows is not None else "source_nonew"
            lines.append(t[key].format(table=load.table, rows=n(load.rows), new=n(load.new_rows)))
        for tc in load.staged:
            lines.append(t["staged"].format(table=tc.table, rows=n(tc.rows)))
        for tc in load.quarantined:
            lines.append(t["quarantined"].format(table=tc.table, rows=n(tc.rows)))
            for reason, count in tc.reasons:
                lines.append(t["reason"].format(n=n(count), reason=_clip(reason, 120)))
    for what in summary.deleted_periods:
        lines.append(t["deleted"].format(what=what))
    for head, checks in (("block_head", summary.blocking_failures), ("warn_head", summary.warn_failures)):
        if checks:
            lines.append(t[head].format(n=len(checks)))
            lines += [
                t["check"].format(asset=c.asset, check=c.check, detail=_clip(c.detail, 200))
                for c in checks[:limit]
            ]
            if len(checks) > limit:
                lines.append(t["more"].format(n=len(checks) - limit))
    waived = [c for c in summary.check_failures if c.waived_by]
    if waived:
        lines.append(t["waived"].format(n=len(waived)))
    if summary.no_data:
        lines.append(t["nodata_head"].format(n=len(summary.no_data)))
        lines += [
            t["nodata"].format(
                card=m.scorecard_id,
                meter=m.meter_id,
                dq=m.data_quality or "?",
                reason=_clip((m.reason_fi if lang == "fi" and m.reason_fi else m.reason), 160),
            )
            for m in summary.no_data[:limit]
        ]
        if len(summary.no_data) > limit:
            lines.append(t["more"].format(n=len(summary.no_data) - limit))
    if summary.published:
        lines.append(
            t["published"].format(
                target=summary.published.get("snapshot/target", "?"),
                tables=summary.published.get("snapshot/tables", "?"),
            )
        )
    else:
        lines.append(t["not_published"])
    for note in summary.notes:
        lines.append(t["note"].format(note=note))
    code = exit_code(summary, strict)
    if not summary.succeeded:
        lines.append(t["verdict_fail"].format(code=code))
    elif summary.warnings():
        lines.append(t["verdict_warn"].format(n=len(summary.warnings()), code=code))
    else:
        lines.append(t["verdict_ok"])
    return lines


def _clip(text: str, limit: int) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def summarize(
    instance: dg.DagsterInstance,
    run_id: str,
    warehouse: Path | None = None,
    start: date | None = None,
    end: date | None = None,
) -> RunSummary:
    """The whole summary of a finished run: Dagster's record, then the warehouse when given."""
    summary = from_run(instance, run_id)
    if warehouse is not None:
        read_warehouse(summary, warehouse, start, end, new_rows_by_table(instance, run_id))
    return summary

