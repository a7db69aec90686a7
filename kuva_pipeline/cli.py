"""The `kuva` command: refresh the warehouse, show the scorecard, validate the catalog, make sample data.

Runs go through the project's Dagster instance (`dagster_home/` unless
DAGSTER_HOME is set), so a refresh started here shows up in the UI's run
history like one started there.
"""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import sys
import threading
import warnings
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from kuva_pipeline import settings
from kuva_pipeline.partitions import FIRST_DAY

HELSINKI = ZoneInfo("Europe/Helsinki")


def _quiet_warnings() -> None:
    # Dagster flags beta parameters (backfill policies) on every import; the
    # command line is for people reading results, not library notices.
    warnings.filterwarnings("ignore", category=Warning, module=r"dagster.*")
    warnings.filterwarnings("ignore", message=r".*is currently in beta.*")
    warnings.filterwarnings("ignore", message=r".*is (deprecated|experimental|a preview).*")


def _use_project_instance() -> Path:
    home = Path(os.environ.get("DAGSTER_HOME") or settings.PROJECT_ROOT / "dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def yesterday_in_helsinki() -> date:
    return datetime.now(HELSINKI).date() - timedelta(days=1)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2021-12-31") from exc


def _console():
    from rich.console import Console

    # Piped output (CI logs, `| less`) gets a wide table instead of rich's 80 columns.
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


# ---------------------------------------------------------------- refresh

REFRESH_TEXT = {
    "en": {
        "range": "--to {end} is before --from {start}",
        "recovered": "Found a dead refresh: {what}.",
        "preflight": "Preflight failed, nothing was changed:",
        "preflight_note": "Preflight: {note}",
        "start": "Refreshing partitions {start} .. {end} into {warehouse}  (Dagster instance: {home})",
        "rescore": "Nothing new since the last full refresh (no landing file of the range, catalog, "
        "reference data or code changed): rescoring as of today and checking freshness only; "
        "--full runs everything.",
        "failed": "Refresh failed",
        "finished": "Refresh finished: {steps} steps in {secs} s (run {run})",
        "waited": "Waited {secs} s for the warehouse writer.",
        "usage": "Usage error",
    },
    "fi": {
        "range": "--to {end} on ennen päivää --from {start}",
        "recovered": "Löytyi keskeytynyt päivitys: {what}.",
        "preflight": "Esitarkistus epäonnistui, mitään ei muutettu:",
        "preflight_note": "Esitarkistus: {note}",
        "start": "Päivitetään jaksot {start} .. {end} tietovarastoon {warehouse}  (Dagster-instanssi: {home})",
        "rescore": "Ei mitään uutta edellisen täyden päivityksen jälkeen (jakson lähdetiedostot, "
        "katalogi, viitetiedot ja koodi ennallaan): vain pisteytys tämän päivän mukaan ja "
        "tuoreustarkistukset; --full ajaa kaiken.",
        "failed": "Päivitys epäonnistui",
        "finished": "Päivitys valmis: {steps} vaihetta, {secs} s (ajo {run})",
        "waited": "Odotettiin tietovaraston kirjoittajaa {secs} s.",
        "usage": "Käyttövirhe",
    },
}


def default_end(landing: Path) -> date:
    """The last day of the latest landed period, not later than yesterday (Helsinki)."""
    from kuva_pipeline.defs.raw import RAW_SOURCES
    from kuva_pipeline.sources.raw import last_landed_day

    yesterday = yesterday_in_helsinki()
    landed = last_landed_day(RAW_SOURCES, landing) if landing.is_dir() else None
    return min(landed, yesterday) if landed else yesterday


def cmd_refresh(args: argparse.Namespace) -> int:
    from kuva_pipeline import summary as run_summary
    from kuva_pipeline.recovery import open_instance
    from kuva_pipeline.sources.raw import ALLOW_EMPTY_ENV

    console = _console()
    t = REFRESH_TEXT[args.lang]
    landing = settings.path_setting("KUVA_LANDING_DIR")
    warehouse = settings.path_setting("KUVA_WAREHOUSE_PATH")
    settings.path_setting("KUVA_BI_PATH")  # a file name refused there is refused before the run
    start = args.date_from or date.fromisoformat(FIRST_DAY)
    end = args.date_to or default_end(landing)
    if end < start:
        console.print(f"[red]{t['range'].format(end=end, start=start)}[/red]")
        return run_summary.EXIT_USAGE
    if args.allow_empty:
        # The loader and the preflight read it: this run may empty or shrink these feeds.
        os.environ[ALLOW_EMPTY_ENV] = ",".join(args.allow_empty)
    home = _use_project_instance()
    with open_instance(home) as instance:
        return _refresh(args, console, instance, home, start, end, landing, warehouse)


def _refresh(args, console, instance, home: Path, start: date, end: date, landing: Path, warehouse: Path) -> int:
    from kuva_pipeline import summary as run_summary
    from kuva_pipeline.preflight import PreflightError, preflight
    from kuva_pipeline.recovery import recover_dead_runs
    from kuva_pipeline.runner import RefreshError, SelectionError, run_refresh

    t = REFRESH_TEXT[args.lang]
    number = run_summary.number
    for recovered in recover_dead_runs(instance):
        console.print(f"[yellow]{t['recovered'].format(what=recovered.describe())}[/yellow]")

    def check_landing(sources) -> None:
        report = preflight(
            landing,
            settings.path_setting("KUVA_REFERENCE_DIR"),
            settings.path_setting("KUVA_CATALOG_DIR"),
            warehouse,
            sources,
            start,
            end,
        )
        for note in report.notes:
            console.print(f"[yellow]{t['preflight_note'].format(note=note)}[/yellow]")
        report.raise_if_failed()

    console.print(
        t["start"].format(start=start, end=end, warehouse=warehouse, home=home)
    )
    from kuva_pipeline.changes import SCOPE_TAG

    selection, extra_checks, tags = _scope(args, instance, start, end, landing, warehouse)
    if tags[SCOPE_TAG] == "rescore":
        console.print(t["rescore"])
    try:
        result = run_refresh(
            start, end, selection=selection, console=console, instance=instance,
            before_run=check_landing, extra_checks=extra_checks, tags=tags,
        )
        run_id, seconds, waited = result.run_id, result.seconds, result.waited_seconds
    except SelectionError as exc:
        console.print(f"[red]{t['usage']}[/red]: {exc.text(args.lang)}", highlight=False)
        return run_summary.EXIT_USAGE
    except PreflightError as exc:
        console.print(f"[bold red]{t['preflight']}[/bold red]")
        for problem in exc.problems:
            console.print(f"  - {problem}", markup=False)
        return run_summary.EXIT_FAILED
    except RefreshError as exc:
        if exc.run_id is None:
            console.print(f"[bold red]{t['failed']}[/bold red]: {exc}")
            return run_summary.EXIT_FAILED
        run_id, seconds, waited = exc.run_id, exc.seconds, 0.0
    summary = run_summary.summarize(instance, run_id, warehouse, start, end)
    summary.seconds = seconds
    instance.add_run_tags(run_id, summary.tags())
    if summary.succeeded:
        console.print(
            "[green]"
            + t["finished"].format(
                steps=summary.steps_succeeded, secs=number(round(seconds, 1), args.lang), run=run_id[:8]
            )
            + "[/green]"
        )
    else:
        console.print(f"[bold red]{t['failed']}[/bold red] (run {run_id[:8]})")
    if waited >= 1:
        console.print(t["waited"].format(secs=number(round(waited), args.lang)))
    for line in run_summary.render(summary, lang=args.lang, strict=args.strict):
        console.print(line, markup=False, highlight=False)
    code = run_summary.exit_code(summary, strict=args.strict)
    if args.no_scorecard or not summary.succeeded:
        return code
    # The scorecard of this run: the snapshot it published, else the warehouse it wrote.
    shown = _print_scorecard(
        console, year=args.year, as_of=None, lang=args.lang, live=summary.published is None
    )
    return code if shown == 0 else code or shown


def _scope(args, instance, start: date, end: date, landing: Path, warehouse: Path):
    """What this refresh runs: the selection, checks beyond it, and run tags saying which.

    Everything, unless nothing changed since the last full refresh: then the
    scorecards are rescored as of today and the freshness checks run
    (`kuva_pipeline/changes.py`).
    """
    import dagster as dg

    from kuva_pipeline.changes import (
        INPUTS_TAG,
        RESCORE_SELECTION,
        SCOPE_TAG,
        inputs_version,
        since_last_full_refresh,
    )
    from kuva_pipeline.defs.raw import RAW_SOURCES
    from kuva_pipeline.quality.config import FRESHNESS_CHECK

    catalog = settings.path_setting("KUVA_CATALOG_DIR")
    reference = settings.path_setting("KUVA_REFERENCE_DIR")
    version = inputs_version(catalog, reference)
    if args.select:
        return args.select, (), {SCOPE_TAG: "selection", INPUTS_TAG: version}
    if not args.full:
        changes = since_last_full_refresh(
            instance, warehouse, landing, reference, catalog, RAW_SOURCES, start, end, version
        )
        if changes.nothing_new:
            freshness = [
                dg.AssetCheckKey(dg.AssetKey(["raw", s.table]), FRESHNESS_CHECK) for s in RAW_SOURCES
            ]
            return RESCORE_SELECTION, freshness, {SCOPE_TAG: "rescore", INPUTS_TAG: version}
    return None, (), {SCOPE_TAG: "full", INPUTS_TAG: version}


# ------------------------------------------------------------------ fetch


def cmd_fetch(args: argparse.Namespace) -> int:
    """Fetch one source's API into the landing zone, with progress; one clear line on failure.

    An explicit `kuva fetch` runs whatever KUVA_FETCH says (that switch is for
    the refresh); base URLs and the token come from the same variables.
    """
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from kuva_pipeline.fetch import FetchError, run_fetch, settings_from_env

    console = _console()
    if args.source == "varaamo":
        console.print(
            "[yellow]varaamo: no public API serves its reservations; drop the statistics export "
            "into varaamo/statistics/ (docs/sources.md, Varaamo)[/yellow]",
            soft_wrap=True,
        )
        return 2
    end = args.date_to or yesterday_in_helsinki()
    start = args.date_from or end.replace(day=1)
    if end < start:
        console.print(f"[red]--to {end} is before --from {start}[/red]")
        return 2
    try:
        fetch_settings = settings_from_env()
    except ValueError as exc:
        console.print(f"[bold red]Fetch failed[/bold red]: {escape(str(exc))}", soft_wrap=True)
        return 2
    landing = settings.path_setting("KUVA_LANDING_DIR")
    console.print(f"Fetching {args.source} {start} .. {end} into {landing}")
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[step]}"),
        console=console,
    )
    with progress:
        task = progress.add_task(args.source, total=None, step="")

        def on_progress(done: int, total: int, message: str) -> None:
            if total >= 0:
                progress.update(task, completed=done, total=total)
            progress.update(task, step=message)

        try:
            summary = run_fetch(args.source, fetch_settings, landing, start, end, on_progress)
        except FetchError as exc:
            progress.stop()
            console.print(f"[bold red]Fetch failed[/bold red]: {escape(str(exc))}", soft_wrap=True)
            return 1
        except KeyboardInterrupt:
            progress.stop()
            console.print("[yellow]Interrupted: the same command resumes where this one stopped[/yellow]")
            return 130
    for note in summary.notes:
        console.print(f"[yellow]{escape(note)}[/yellow]", soft_wrap=True)
    console.print(
        f"[green]Fetched[/green] {args.source}: {len(summary.written)} file(s) written, "
        f"{len(summary.unchanged)} unchanged, {len(summary.skipped)} period(s) without changes, "
        f"{summary.records} record(s), {summary.requests} request(s)"
    )
    return 0


# -------------------------------------------------------------- scorecard


def _print_scorecard(
    console,
    year: int | None,
    as_of: date | None,
    lang: str,
    ignore_load_time: bool = False,
    live: bool = False,
) -> int:
    from kuva_pipeline.report import ScorecardUnavailable, render_scorecard

    try:
        render_scorecard(
            console, year=year, as_of=as_of, lang=lang, ignore_load_time=ignore_load_time, live=live
        )
    except ScorecardUnavailable as exc:
        console.print(f"[yellow]{exc}[/yellow]")
        return 1
    return 0


def cmd_scorecard(args: argparse.Namespace) -> int:
    return _print_scorecard(
        _console(),
        year=args.year,
        as_of=args.as_of,
        lang=args.lang,
        ignore_load_time=args.ignore_load_time,
        live=args.live,
    )


# --------------------------------------------------------------- catalog


def cmd_catalog(args: argparse.Namespace) -> int:
    from kuva_pipeline.catalog.loader import export_json_schema, measures_command, validate_command

    if args.action == "validate":
        return validate_command(args.dir)
    if args.action == "measures":
        return measures_command()
    path = export_json_schema(args.path)
    print(f"wrote {path}")
    return 0


# ---------------------------------------------------------------- the UI


UI_STOP_SECONDS = 30
"""How long `kuva ui` waits for the Dagster UI and the view to stop before killing them."""


def _stop_child(proc, sig: int) -> None:
    """Ask a child started in its own session to stop; kill its whole group if it does not."""
    import contextlib
    import signal
    import subprocess

    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=UI_STOP_SECONDS)
    # Whatever the child started and left behind (a code server, say) goes with it.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def cmd_ui(args: argparse.Namespace) -> int:
    import signal
    import subprocess
    import time

    home = _use_project_instance()
    dagster_cmd = [
        str(Path(sys.executable).with_name("dagster")),
        "dev",
        "-w",
        str(settings.PROJECT_ROOT / "workspace.yaml"),
        "-h",
        "127.0.0.1",
        "-p",
        str(args.port),
    ]
    view_cmd = [sys.executable, "-m", "kuva_pipeline.cli", "serve", "--host", "127.0.0.1", "--port", str(args.view_port)]
    env = dict(os.environ)
    # The view's links into the Dagster UI go to the one started here.
    env.setdefault("KUVA_DAGSTER_URL", f"http://127.0.0.1:{args.port}")
    print(f"DAGSTER_HOME={home}; starting: {' '.join(dagster_cmd)}")
    print(f"Dagster UI:         http://127.0.0.1:{args.port}/")
    if not args.no_view:
        print(f"Scorecard view:     http://127.0.0.1:{args.view_port}/")
    print("Ctrl+C stops both.", flush=True)

    def terminate(signum, frame):  # a supervisor's SIGTERM stops both, like Ctrl+C
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, terminate)
    # A shell starts a background job with Ctrl+C ignored, and Python then never turns it
    # into KeyboardInterrupt; this command stops on it however it was started.
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    # Each child runs in its own session, so a Ctrl+C reaches only this process, which then
    # stops both in order; nothing is left running if one of them hangs.
    dagster = view = None
    try:
        dagster = subprocess.Popen(dagster_cmd, cwd=settings.PROJECT_ROOT, env=env, start_new_session=True)
        if not args.no_view:
            view = subprocess.Popen(view_cmd, cwd=settings.PROJECT_ROOT, env=env, start_new_session=True)
        view_reported = False
        while True:
            code = dagster.poll()
            if code is not None:
                print(f"kuva ui: the Dagster UI stopped (exit {code}); stopping the scorecard view", file=sys.stderr)
                return code or 1
            if view is not None and not view_reported and view.poll() is not None:
                print(
                    f"kuva ui: the scorecard view stopped (exit {view.returncode}, see above); "
                    "the Dagster UI keeps running",
                    file=sys.stderr,
                    flush=True,
                )
                view_reported = True
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("kuva ui: stopping the Dagster UI and the scorecard view", file=sys.stderr, flush=True)
        return 0
    finally:
        # A second Ctrl+C must not cut the stopping short and leave a child running.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, previous)
        for child, sig in ((view, signal.SIGTERM), (dagster, signal.SIGINT)):
            if child is not None:
                _stop_child(child, sig)
        signal.signal(signal.SIGINT, previous_int)


def cmd_docs(args: argparse.Namespace) -> int:
    from kuva_pipeline.dbt_project import DbtProjectError, build_docs

    warehouse = settings.path_setting("KUVA_WAREHOUSE_PATH")
    if not warehouse.exists():
        print(f"no warehouse at {warehouse} yet: run `kuva refresh` first", file=sys.stderr)
        return 1
    try:
        page = build_docs(warehouse)
    except DbtProjectError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"dbt docs (lineage and column docs): {page}")
    if not args.no_open:
        import webbrowser

        webbrowser.open(page.as_uri())
    return 0


# ------------------------------------------------------ the scorecard view


def _view_snapshot(args: argparse.Namespace):
    from kuva_pipeline.web.snapshot import SnapshotSource, read_postgres

    if args.postgres:
        return SnapshotSource(loader=lambda: read_postgres(args.postgres, args.pg_schema))
    return SnapshotSource(path=Path(args.snapshot or settings.path_setting("KUVA_BI_PATH")))


def _as_of_computer(args: argparse.Namespace):
    """The computer of unpublished days, over the source copy beside the warehouse; None when off."""
    if getattr(args, "no_as_of", False):
        return None
    from kuva_pipeline.timetravel import source_copy_path
    from kuva_pipeline.web.asof import AsOfComputer

    copy = Path(args.as_of_sources) if args.as_of_sources else source_copy_path(
        settings.path_setting("KUVA_WAREHOUSE_PATH")
    )
    return AsOfComputer(copy, Path(args.as_of_cache) if args.as_of_cache else None)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from kuva_pipeline.web.app import create_app
    from kuva_pipeline.web.snapshot import SnapshotUnavailable

    source = _view_snapshot(args)
    try:
        snap = source.get()
    except SnapshotUnavailable as exc:
        print(f"kuva serve: {exc}", file=sys.stderr)
        return 1
    computer = _as_of_computer(args)
    print(f"Scorecard view of {snap.source} on http://{args.host}:{args.port}/ (Ctrl+C stops it)")
    if computer is not None:
        print(f"Other days: time travel over {computer.source_copy}, cached in {computer.cache_dir}")
    sys.stdout.flush()
    uvicorn.run(create_app(source, computer), host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from kuva_pipeline.web.asof import needs_computing
    from kuva_pipeline.web.report import write_report
    from kuva_pipeline.web.snapshot import SnapshotUnavailable

    try:
        snap = _view_snapshot(args).get()
    except SnapshotUnavailable as exc:
        print(f"kuva report: {exc}", file=sys.stderr)
        return 1
    # The documents' own forecast days that were not published are computed, so the
    # static pages hold every day the document names.
    computer = _as_of_computer(args)
    if computer is not None:
        try:
            for day in snap.forecast_rounds():
                if not needs_computing(snap, day):
                    continue
                print(f"computing {day} with time travel...", flush=True)
                result = computer.wait(snap, day)
                if result.state == "ready":
                    snap = result.snapshot
                else:
                    print(f"kuva report: {day} left out: {result.reason}", file=sys.stderr)
        finally:
            computer.close()
    files = write_report(snap, Path(args.html))
    print(f"wrote {len(files)} pages to {Path(args.html) / 'index.html'}")
    return 0


# ------------------------------------------------------------------ main


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kuva",
        description="KUVA scorecard pipeline: refresh the warehouse and read the scorecards.",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback of an unexpected error"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "refresh",
        help="materialize every asset in-process, then print the scorecard",
        description="Materialize every asset (feeds over a range of daily partitions, in one "
        "run), showing progress, then print the scorecard.",
    )
    p.add_argument("--from", dest="date_from", type=_parse_date, help="first day (default 2019-01-01)")
    p.add_argument(
        "--to",
        dest="date_to",
        type=_parse_date,
        help="last day (default: the end of the latest landed period, at most yesterday)",
    )
    p.add_argument(
        "--select",
        help="Dagster asset selection, e.g. 'key:raw/nps_feedback+' (default: everything)",
    )
    p.add_argument("--year", type=int, help="scorecard year to print (default: all)")
    p.add_argument("--lang", choices=["fi", "en"], default="en")
    p.add_argument("--no-scorecard", action="store_true", help="do not print the scorecard")
    p.add_argument(
        "--full",
        action="store_true",
        help="run every step even when nothing landed or changed since the last full refresh "
        "(by default such a run only rescores as of today and checks freshness)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="fail (exit 1) when the run completed with warnings (default: exit 3)",
    )
    p.add_argument(
        "--allow-empty",
        action="append",
        metavar="SOURCE",
        help="let this run empty or shrink SOURCE's periods whose landing files are gone "
        "(e.g. nps; repeatable; 'all' for every source); logged",
    )
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser(
        "fetch",
        help="fetch a source's API into the landing zone (events, nps)",
        description="Fetch Linked Events (events) or HappyOrNot feedback (nps) for a range of "
        "days into the landing files the loaders read; a killed fetch resumes when rerun.",
    )
    p.add_argument("source", choices=["events", "nps", "varaamo"])
    p.add_argument("--from", dest="date_from", type=_parse_date, help="first day (default: 1st of --to's month)")
    p.add_argument("--to", dest="date_to", type=_parse_date, help="last day (default yesterday, Helsinki)")
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("scorecard", help="print the scored scorecard from the published snapshot")
    p.add_argument("--year", type=int, help="scorecard year (default: all)")
    p.add_argument(
        "--as-of",
        type=_parse_date,
        help="recompute what was known on this day: data loaded by then, check-ins dated by then",
    )
    p.add_argument(
        "--ignore-load-time",
        action="store_true",
        help="with --as-of: use all data of the days up to the as-of day, whenever it was loaded",
    )
    p.add_argument("--lang", choices=["fi", "en"], default="en")
    p.add_argument(
        "--live",
        action="store_true",
        help="read the live warehouse instead of the published snapshot (KUVA_BI_PATH)",
    )
    p.set_defaults(func=cmd_scorecard)

    p = sub.add_parser(
        "catalog", help="validate the scorecard catalog, list the measures or export its JSON Schema"
    )
    catalog_sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    v = catalog_sub.add_parser("validate", help="validate every catalog file; list every problem")
    v.add_argument("dir", nargs="?", help="catalog folder (default data/catalog or KUVA_CATALOG_DIR)")
    catalog_sub.add_parser(
        "measures", help="list the measures a meter may bind to: source, measure, unit, accumulation, description"
    )
    e = catalog_sub.add_parser("schema", help="write the JSON Schema editors use for the YAML")
    e.add_argument("path", nargs="?", help="output path (default data/catalog/catalog.schema.json)")
    p.set_defaults(func=cmd_catalog)

    # `kuva sample` is dispatched in main() before parsing; listed here for --help.
    sub.add_parser(
        "sample",
        help="generate deterministic sample landing files (--seed N --scale tiny|small|city)",
    )

    p = sub.add_parser("docs", help="build the dbt docs site (lineage, column docs) and open it")
    p.add_argument("--no-open", action="store_true", help="only build it and print its path")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser(
        "ui",
        help="open the Dagster UI (dagster dev) and, beside it, the scorecard view (kuva serve)",
        description="Start the Dagster UI with its daemon (dagster dev) and the scorecard view "
        "(kuva serve) beside it; Ctrl+C stops both.",
    )
    p.add_argument("--port", type=int, default=3000, help="port of the Dagster UI (default 3000)")
    p.add_argument("--view-port", type=int, default=8080, help="port of the scorecard view (default 8080)")
    p.add_argument("--no-view", action="store_true", help="start the Dagster UI alone")
    p.set_defaults(func=cmd_ui)

    for name, help_text in (
        ("serve", "serve the scorecard view (web pages, fi/en) from the published BI snapshot"),
        ("report", "write the scorecard view as static HTML pages"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--snapshot", help="BI snapshot file (default KUVA_BI_PATH or data/warehouse/kuva_bi.duckdb)")
        p.add_argument("--postgres", metavar="URL", help="read the PostgreSQL publication instead")
        p.add_argument("--pg-schema", default="kuva_bi", help="schema of the PostgreSQL publication")
        p.add_argument(
            "--as-of-sources",
            metavar="FILE",
            help="the source copy time travel computes unpublished days from (default: the "
            "one `kuva refresh` writes beside KUVA_WAREHOUSE_PATH, kuva_as_of_sources.duckdb)",
        )
        p.add_argument(
            "--as-of-cache", metavar="DIR", help="where computed days are kept (default: beside the source copy)"
        )
        p.add_argument(
            "--no-as-of", action="store_true", help="only the published days; compute no others"
        )
        if name == "serve":
            p.add_argument("--host", default="127.0.0.1")
            p.add_argument("--port", type=int, default=8080)
            p.set_defaults(func=cmd_serve)
        else:
            p.add_argument("--html", required=True, metavar="DIR", help="folder to write the pages into")
            p.set_defaults(func=cmd_report)
    return parser


def run() -> None:
    """The `kuva` command: `main`, then an exit that skips tearing the interpreter down.

    A refresh imports some 4,800 modules (Dagster, dbt, Great Expectations), and
    Python then spends about 2 s freeing them after the last line is printed.
    What must happen at exit still does: the exit handlers (logging's, Dagster's)
    run and the output is flushed; only the teardown is skipped. With a
    non-daemon thread still running, the exit is the normal one.
    """
    code = main()
    if any(t is not threading.main_thread() and not t.daemon for t in threading.enumerate()):
        sys.exit(code)
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    _quiet_warnings()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["sample"]:
        # The generator has its own options (and --help); hand them over untouched.
        from kuva_pipeline.sample import main as sample_main

        return int(sample_main(argv[1:]) or 0)
    # --debug is accepted anywhere on the line (`kuva refresh --debug` too).
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("kuva: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if debug:
            raise
        first = (str(exc).strip().splitlines() or [""])[0]
        print(
            f"kuva: error: {type(exc).__name__}: {first}\n"
            "(run the same command with --debug for the full traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    run()
