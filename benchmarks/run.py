"""The benchmark: the pipeline against the bare-DuckDB reference, with the issue's targets.

    python -m benchmarks.run --scale medium          # a few minutes on two cores
    python -m benchmarks.run --scale bundled         # the committed sample (data/landing)
    python -m benchmarks.run --scale city            # the load test; many minutes

It talks to the pipeline only through the `kuva` command (the executable next
to the Python running this) and the warehouse table `meters.meter_values`, so
it keeps working when the pipeline's internals change:

1. the sample of the scale (generated once, then reused from
   `data/benchmark/landing_<scale>_<seed>/`; `bundled` is `data/landing`);
2. the full backfill `kuva refresh --no-scorecard --from <first> --to <last>`
   (the landed days) into a fresh warehouse and Dagster instance, interleaved
   with the reference (`benchmarks/reference.py`), `--reps` times each, with
   the wall time and the peak RSS of each process tree; before each timed run
   the landing files are read once and the side's own modules imported once,
   untimed (`warm`, `warm_imports`), so every run starts with its inputs and
   its code in the page cache;
3. the yearly values `meters.meter_values WHERE grain = 'year'` against the
   reference's, every mismatch printed;
4. the check steps' share of the backfill (Dagster's step stats: steps whose
   key ends in `_checks`);
5. a nightly run on a 1-year and a 3-year warehouse: a no-op run (nothing new
   landed) and an increment (a generated next day of files, then the run for
   that day), `--nightly-reps` days each;
6. the bundled sample's whole `kuva refresh` and the time to its first step.

It prints one table (measure, pipeline, reference, ratio, target, PASS/FAIL)
and writes it with the raw timings to `data/benchmark/results_<scale>.json`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import psutil

from benchmarks.nightly import first_landed_day, last_landed_day, write_next_day

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = PROJECT_ROOT / "data" / "benchmark"
BUNDLED = PROJECT_ROOT / "data" / "landing"

# The targets.
TARGET_BACKFILL_RATIO = 3.0
TARGET_PEAK_RSS_MB = 1.5 * 1024
TARGET_CHECKS_SHARE = 0.15
TARGET_BUNDLED_S = 20.0
TARGET_FIRST_STEP_S = 5.0
TARGET_NIGHTLY_RATIO = 1.2
TARGET_NOOP_S = 10.0


def kuva_executable() -> Path:
    exe = Path(sys.executable).parent / "kuva"
    if not exe.exists():
        raise SystemExit(f"no kuva command next to {sys.executable}; install the project first")
    return exe


# ---------------------------------------------------------------------- measuring a process


@dataclass
class Measured:
    label: str
    seconds: float
    peak_rss_mb: float
    returncode: int
    started_at: float  # epoch seconds, just before the process was started
    log: str
    extra: dict = field(default_factory=dict)


def warm(root: Path) -> int:
    """Read every file under `root` once (untimed), so that the measured command finds the
    landing files in the page cache, as the one before it left them.

    The kernel here reclaims the page cache within minutes: minutes after a backfill had
    read the city sample, 607 of its 867 MB were still cached, and reading the rest took
    2.2 s (0.27 s when all cached). A timed run that reads the files right after the other
    side read them starts warm; the first backfill, after the idle sample check, did not,
    and was the slowest of every benchmark run. Each timed run now starts warm.
    Returns the bytes read."""
    read = 0
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        with path.open("rb") as f:
            while block := f.read(1 << 20):
                read += len(block)
    return read


def warm_imports(env: dict[str, str], modules: str) -> None:
    """Import `modules` once in a process of their own (untimed), so that the measured
    command finds its Python packages in the page cache too.

    The kernel here keeps little of them: a minute after a benchmark run, 68 of the
    726 MB of compiled modules and libraries in the environment were cached. The first
    backfill of a run, after the idle sample check, then read its imports from disk:
    at 11:07 on 1.12.2026 its first step came 10.4 s after the command's start, against
    5.2 s in the second backfill, while the runs themselves took 47.3 s and 45.9 s. Each
    side warms its own imports: the pipeline its definitions (Dagster, dbt, dagster-dbt),
    the reference DuckDB."""
    subprocess.run([sys.executable, "-c", f"import {modules}"], env=env, cwd=PROJECT_ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def measure(label: str, cmd: Sequence[str], env: dict[str, str], log: Path) -> Measured:
    """Run `cmd`, its output to `log`; wall time and peak RSS of the process and its children
    (sampled sum of the tree, and the kernel's own peak of the largest process)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    peak = 0
    done = threading.Event()
    with log.open("wb") as out:
        started_at = time.time()
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                cwd=PROJECT_ROOT)

        def sample() -> None:
            nonlocal peak
            try:
                root = psutil.Process(proc.pid)
            except psutil.Error:
                return
            while not done.is_set():
                total = 0
                try:
                    procs = [root, *root.children(recursive=True)]
                except psutil.Error:
                    break
                for p in procs:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
                peak = max(peak, total)
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    kernel_peak = usage.ru_maxrss * 1024  # kB on Linux
    return Measured(label, seconds, max(peak, kernel_peak) / 2**20, proc.returncode, started_at,
                    str(log))


def pipeline_env(landing: Path, work: Path) -> dict[str, str]:
    """A fresh warehouse, BI snapshot and Dagster instance under `work`; the project on the
    import path, so the `kuva` of a shared environment runs this checkout."""
    home = work / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    env = dict(os.environ)
    env.update(
        KUVA_WAREHOUSE_PATH=str(work / "kuva.duckdb"),
        KUVA_BI_PATH=str(work / "kuva_bi.duckdb"),
        KUVA_LANDING_DIR=str(landing),
        DAGSTER_HOME=str(home),
        PYTHONPATH=os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p),
        PYTHONUNBUFFERED="1",
    )
    return env


COMPLETED_WITH_WARNINGS = 3
"""`kuva refresh`'s exit code for a run that completed with warnings (e.g. stale sample feeds)."""


def refresh(label: str, env: dict[str, str], log: Path, *args: str) -> Measured:
    warm(Path(env["KUVA_LANDING_DIR"]))
    warm_imports(env, "kuva_pipeline.cli, kuva_pipeline.definitions")
    m = measure(label, [str(kuva_executable()), "refresh", *args], env, log)
    if m.returncode == COMPLETED_WITH_WARNINGS:
        # The run completed; its warnings are the data's (a dated sample is stale), not a failure.
        m.returncode = 0
    if m.returncode != 0:
        tail = Path(m.log).read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        print(f"  {label}: kuva refresh failed (exit {m.returncode}); the end of {m.log}:")
        for line in tail:
            print(f"    {line}")
    m.extra.update(dagster_stats(Path(env["DAGSTER_HOME"]), m.started_at))
    return m


def dagster_stats(home: Path, started_at: float) -> dict:
    """The latest run's step timings from the Dagster instance's event log: the time from the
    command's start to its first step, and the seconds spent in check steps."""
    try:
        import dagster as dg

        # The project's event log places its databases under $DAGSTER_HOME (kuva_pipeline/event_log.py).
        os.environ["DAGSTER_HOME"] = str(home)
        instance = dg.DagsterInstance.from_config(str(home))
        try:
            runs = instance.get_runs(limit=1)
            if not runs:
                return {}
            run_id = runs[0].run_id
            steps = instance.get_run_step_stats(run_id)
            run_stats = instance.get_run_stats(run_id)
        finally:
            instance.dispose()
    except Exception as exc:  # the stats are a bonus; the timings stand without them
        return {"stats_error": f"{type(exc).__name__}: {exc}"}
    starts = [s.start_time for s in steps if s.start_time]
    durations = {
        s.step_key: (s.end_time - s.start_time)
        for s in steps
        if s.start_time and s.end_time
    }
    checks = {k: v for k, v in durations.items() if k.endswith("_checks")}
    return {
        "run_id": run_id,
        "steps": len(steps),
        "first_step_after_s": (min(starts) - started_at) if starts else None,
        "run_seconds": (run_stats.end_time - run_stats.start_time)
        if run_stats.start_time and run_stats.end_time
        else None,
        "check_steps": len(checks),
        "check_seconds": sum(checks.values()),
        "step_seconds": sum(durations.values()),
        "slowest_steps": sorted(durations.items(), key=lambda kv: -kv[1])[:8],
    }


def reference_run(label: str, landing: Path, out: Path, log: Path) -> Measured:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    cmd = [sys.executable, "-m", "benchmarks.reference", "--landing", str(landing),
           "--out", str(out)]
    warm(landing)
    warm_imports(env, "duckdb, benchmarks.reference")
    m = measure(label, cmd, env, log)
    if m.returncode != 0:
        print(f"  {label}: the reference failed; see {log}")
    return m


# ---------------------------------------------------------------------- values


def pipeline_values(warehouse: Path) -> dict[tuple[str, str, int], float]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "SELECT meter_id, service_area, year(period_start), value "
            "FROM meters.meter_values WHERE grain = 'year'"
        ).fetchall()
    finally:
        con.close()
    return {(m, a, int(y)): v for m, a, y, v in rows}


def reference_values(path: Path) -> dict[tuple[str, str, int], float]:
    return {
        (v["meter_id"], v["service_area"], int(v["year"])): v["value"]
        for v in json.loads(path.read_text(encoding="utf-8"))
    }


def compare(pipe: dict, ref: dict) -> list[dict]:
    """Every key where the two differ (missing on one side, or another value)."""
    out = []
    for key in sorted(set(pipe) | set(ref), key=lambda k: (k[0], k[1], k[2])):
        p, r = pipe.get(key), ref.get(key)
        same = (
            p is not None and r is not None and abs(p - r) <= 1e-9 * max(1.0, abs(p), abs(r))
        ) or (p is None and r is None and key in pipe and key in ref)
        if not same:
            out.append({"meter_id": key[0], "service_area": key[1], "year": key[2],
                        "pipeline": p, "reference": r})
    return out


# ---------------------------------------------------------------------- the sample


def sample_landing(scale: str, seed: int) -> Path:
    """The landing zone of the scale: data/landing for `bundled`, else a cached generated one."""
    if scale == "bundled":
        return BUNDLED
    target = BENCH_DIR / f"landing_{scale}_{seed}"
    manifest = target / "_manifest.json"
    if manifest.exists():
        try:
            m = json.loads(manifest.read_text(encoding="utf-8"))
            if m.get("scale") == scale and m.get("seed") == seed:
                print(f"sample: reusing {target.relative_to(PROJECT_ROOT)}")
                return target
        except ValueError:
            pass
    if target.exists():
        shutil.rmtree(target)  # an interrupted generation or another seed: start afresh
    print(f"sample: generating scale {scale}, seed {seed} into {target.relative_to(PROJECT_ROOT)}")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    subprocess.run(
        [str(kuva_executable()), "sample", "--scale", scale, "--seed", str(seed), "--out",
         str(target), "--quiet"],
        env=env, check=True, cwd=PROJECT_ROOT,
    )
    return target


def linked_copy(src: Path, dst: Path) -> Path:
    """A landing zone to add files to: hard links to the sample's files (never modified)."""
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, copy_function=os.link)
    return dst


# ---------------------------------------------------------------------- the table


@dataclass
class Row:
    measure: str
    pipeline: str
    reference: str
    ratio: str
    target: str
    result: str  # PASS, FAIL or "-" when not measured


def _s(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f} s"


def _mb(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f} MB"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _pass(ok: bool | None) -> str:
    return "-" if ok is None else ("PASS" if ok else "FAIL")


def render(rows: list[Row]) -> str:
    head = ("measure", "pipeline", "reference", "ratio", "target", "result")
    cells = [head] + [(r.measure, r.pipeline, r.reference, r.ratio, r.target, r.result) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    line = lambda c: "| " + " | ".join(x.ljust(w) for x, w in zip(c, widths, strict=True)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(head), sep, *(line(c) for c in cells[1:])])


def median(xs: list[float]) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# ---------------------------------------------------------------------- the benchmark


def run(args: argparse.Namespace) -> int:
    started = datetime.now()
    landing = sample_landing(args.scale, args.seed)
    first, last = first_landed_day(landing), last_landed_day(landing)
    work_root = Path(tempfile.mkdtemp(prefix=f"run_{args.scale}_", dir=_ensure(BENCH_DIR / "work")))
    print(f"landing: {landing} ({first} .. {last}); work: {work_root}")
    result: dict = {
        "scale": args.scale,
        "seed": args.seed,
        "landing": str(landing),
        "range": [first.isoformat(), last.isoformat()],
        "started": started.isoformat(timespec="seconds"),
        "machine": machine(),
    }
    rows: list[Row] = []

    # -- full backfill vs reference, interleaved
    backfills: list[Measured] = []
    refs: list[Measured] = []
    mismatches: list[dict] | None = None
    n_values = 0
    keep: Path | None = None
    for rep in range(1, args.reps + 1):
        work = work_root / f"backfill_{rep}"
        env = pipeline_env(landing, work)
        print(f"backfill {rep}/{args.reps}: kuva refresh --no-scorecard --from {first} --to {last}")
        b = refresh(f"backfill_{rep}", env, work / "refresh.log", "--no-scorecard",
                    "--from", first.isoformat(), "--to", last.isoformat())
        print(f"  pipeline {b.seconds:.1f} s, peak {b.peak_rss_mb:,.0f} MB")
        backfills.append(b)
        out = work_root / f"reference_{rep}.json"
        print(f"reference {rep}/{args.reps}: python -m benchmarks.reference")
        r = reference_run(f"reference_{rep}", landing, out, work_root / f"reference_{rep}.log")
        print(f"  reference {r.seconds:.1f} s, peak {r.peak_rss_mb:,.0f} MB")
        refs.append(r)
        if b.returncode == 0 and r.returncode == 0:
            pipe = pipeline_values(Path(env["KUVA_WAREHOUSE_PATH"]))
            mism = compare(pipe, reference_values(out))
            n_values = len(pipe)
            if mismatches is None or mism:
                mismatches = mism
        if keep is not None and not args.keep:
            shutil.rmtree(keep, ignore_errors=True)
        keep = work
    result["backfill"] = [asdict(m) for m in backfills]
    result["reference"] = [asdict(m) for m in refs]
    result["mismatches"] = mismatches

    ok_b = [m for m in backfills if m.returncode == 0]
    ok_r = [m for m in refs if m.returncode == 0]
    b_med = median([m.seconds for m in ok_b])
    r_med = median([m.seconds for m in ok_r])
    # Interleaved pairs: the median of each pair's ratio.
    pair_ratios = [b.seconds / r.seconds for b, r in zip(backfills, refs, strict=True)
                   if b.returncode == 0 and r.returncode == 0 and r.seconds]
    ratio = median(pair_ratios)
    rows.append(Row(
        f"full backfill ({args.scale}, {len(ok_b)}+{len(ok_r)} runs, median)",
        _s(b_med) if len(ok_b) == len(backfills) else f"{len(backfills) - len(ok_b)} failed",
        _s(r_med), "-" if ratio is None else f"{ratio:.1f}x", f"<= {TARGET_BACKFILL_RATIO:g}x",
        _pass(None if ratio is None or len(ok_b) < len(backfills) else ratio <= TARGET_BACKFILL_RATIO),
    ))
    b_peak = max((m.peak_rss_mb for m in backfills), default=None)
    r_peak = max((m.peak_rss_mb for m in refs), default=None)
    rows.append(Row(
        "peak RSS of the backfill (max)", _mb(b_peak), _mb(r_peak),
        "-" if not (b_peak and r_peak) else f"{b_peak / r_peak:.1f}x",
        f"<= {TARGET_PEAK_RSS_MB / 1024:g} GB", _pass(None if b_peak is None else b_peak <= TARGET_PEAK_RSS_MB),
    ))
    shares = [
        m.extra["check_seconds"] / m.seconds
        for m in ok_b if m.extra.get("check_seconds") is not None and m.seconds
    ]
    share = median(shares)
    rows.append(Row(
        "check steps, share of the backfill", "-" if share is None else f"{100 * share:.0f} %",
        "-", "-", f"<= {100 * TARGET_CHECKS_SHARE:.0f} %",
        _pass(None if share is None else share <= TARGET_CHECKS_SHARE),
    ))
    first_steps = median([m.extra.get("first_step_after_s") for m in ok_b])
    rows.append(Row("backfill, first step after the command's start", _s(first_steps),
                    "-", "-", "-", "-"))
    rows.append(Row(
        "yearly values equal to the reference",
        "-" if mismatches is None else f"{n_values - len(mismatches)}/{n_values} equal",
        "-", "-", "all equal",
        _pass(None if mismatches is None else not mismatches),
    ))

    # -- nightly increment and no-op, 1-year and 3-year warehouses
    if not args.skip_nightly and keep is not None and backfills[-1].returncode == 0:
        nightly = nightly_runs(args, landing, first, last, keep, work_root)
        result["nightly"] = nightly
        inc1, inc3 = median(nightly["1y"]["increment"]), median(nightly["3y"]["increment"])
        noop1, noop3 = median(nightly["1y"]["noop"]), median(nightly["3y"]["noop"])
        r = _ratio(inc3, inc1)
        rows.append(Row("nightly increment, 1-year warehouse", _s(inc1), "-", "-", "-", "-"))
        rows.append(Row(
            "nightly increment, 3-year warehouse", _s(inc3), "-",
            "-" if r is None else f"{r:.2f}x vs 1-year", f"<= {TARGET_NIGHTLY_RATIO:g}x",
            _pass(None if r is None else r <= TARGET_NIGHTLY_RATIO),
        ))
        worst_noop = max((x for x in (noop1, noop3) if x is not None), default=None)
        rows.append(Row(
            "no-op nightly run (1-year / 3-year)", f"{_s(noop1)} / {_s(noop3)}", "-", "-",
            f"<= {TARGET_NOOP_S:g} s", _pass(None if worst_noop is None else worst_noop <= TARGET_NOOP_S),
        ))
    if not args.keep and keep is not None:
        shutil.rmtree(keep, ignore_errors=True)

    # -- the bundled sample's whole `kuva refresh`
    if not args.skip_bundled:
        bundled = bundled_runs(args, work_root)
        result["bundled"] = bundled
        whole = median([m["seconds"] for m in bundled["refresh"] if m["returncode"] == 0])
        ref_b = median([m["seconds"] for m in bundled["reference"] if m["returncode"] == 0])
        first_step = median([m["extra"].get("first_step_after_s") for m in bundled["refresh"]])
        rows.append(Row(
            "bundled sample, whole `kuva refresh`", _s(whole), _s(ref_b),
            "-" if _ratio(whole, ref_b) is None else f"{_ratio(whole, ref_b):.0f}x",
            f"<= {TARGET_BUNDLED_S:g} s", _pass(None if whole is None else whole <= TARGET_BUNDLED_S),
        ))
        rows.append(Row(
            "bundled sample, first step after the command's start", _s(first_step), "-", "-",
            f"<= {TARGET_FIRST_STEP_S:g} s",
            _pass(None if first_step is None else first_step <= TARGET_FIRST_STEP_S),
        ))

    result["table"] = [asdict(r) for r in rows]
    result["finished"] = datetime.now().isoformat(timespec="seconds")
    result["machine"]["load_average_at_end"] = os.getloadavg()
    result["machine"]["speed_at_end"] = speed_probe()
    out = args.out or BENCH_DIR / f"results_{args.scale}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    if not args.keep:
        shutil.rmtree(work_root, ignore_errors=True)

    print()
    print(header(args.scale, args.seed, started, result["machine"]))
    print(render(rows))
    if mismatches:
        print(f"\n{len(mismatches)} yearly values differ (meter, area, year: pipeline / reference):")
        for m in mismatches:
            print(f"  {m['meter_id']} {m['service_area']} {m['year']}: "
                  f"{m['pipeline']} / {m['reference']}")
    print(f"\nwritten: {out}")
    failed = any(r.result == "FAIL" for r in rows)
    return 1 if failed and args.strict else 0


def nightly_runs(args, landing: Path, first: date, last: date, backfill_work: Path,
                 work_root: Path) -> dict:
    """On a 1-year and a 3-year warehouse: a no-op nightly run (nothing new landed for the day)
    and an increment (the day's files land, then the run for that day), `--nightly-reps` days
    each."""
    out: dict = {}
    one_year_from = (last.replace(day=1) - timedelta(days=330)).replace(day=1)
    for name in ("1y", "3y"):
        work = work_root / f"nightly_{name}"
        nightly_landing = linked_copy(landing, work / "landing")
        if name == "3y":
            # The last backfill's whole state, every landed day, as a deployment's nightly run
            # finds it: the warehouse, the Dagster instance, the BI snapshot, and the time-travel
            # source copy with the base file it names (without them the first run's publication
            # took a new base, a byte copy of the whole warehouse, as a first publication does).
            state = ["kuva.duckdb", "kuva_bi.duckdb", "dagster_home"]
            state += sorted(p.name for p in backfill_work.glob("kuva_as_of_sources*.duckdb"))
            for item in state:
                src = backfill_work / item
                if src.exists():
                    (shutil.copytree if src.is_dir() else shutil.copy)(src, work / item)
            env = pipeline_env(nightly_landing, work)
            built_from = first
        else:
            env = pipeline_env(nightly_landing, work)
            print(f"nightly 1y: building the warehouse, --from {one_year_from} --to {last}")
            m = refresh("build_1y", env, work / "build.log", "--no-scorecard",
                        "--from", one_year_from.isoformat(), "--to", last.isoformat())
            if m.returncode != 0:
                out[name] = {"noop": [], "increment": [], "error": m.log}
                continue
            built_from = one_year_from
        runs: dict = {"from": built_from.isoformat(), "noop": [], "increment": [], "runs": []}
        day = last
        for rep in range(1, args.nightly_reps + 1):
            day = day + timedelta(days=1)
            d = day.isoformat()
            noop = refresh(f"noop_{name}_{rep}", env, work / f"noop_{rep}.log",
                           "--no-scorecard", "--from", d, "--to", d)
            files = write_next_day(nightly_landing, day)
            inc = refresh(f"increment_{name}_{rep}", env, work / f"increment_{rep}.log",
                          "--no-scorecard", "--from", d, "--to", d)
            print(f"nightly {name} {d}: no-op {noop.seconds:.1f} s, increment "
                  f"({len(files)} files) {inc.seconds:.1f} s")
            runs["noop"].append(noop.seconds if noop.returncode == 0 else None)
            runs["increment"].append(inc.seconds if inc.returncode == 0 else None)
            runs["runs"] += [asdict(noop), asdict(inc)]
        out[name] = runs
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return out


def bundled_runs(args, work_root: Path) -> dict:
    """The committed sample's whole `kuva refresh` (default range, scorecard printed) into a
    fresh warehouse, and the reference over the same files."""
    out: dict = {"refresh": [], "reference": []}
    for rep in range(1, args.reps + 1):
        work = work_root / f"bundled_{rep}"
        env = pipeline_env(BUNDLED, work)
        m = refresh(f"bundled_{rep}", env, work / "refresh.log")
        r = reference_run(f"bundled_reference_{rep}", BUNDLED, work / "reference.json",
                          work / "reference.log")
        first = m.extra.get("first_step_after_s")
        print(f"bundled {rep}/{args.reps}: kuva refresh {m.seconds:.1f} s (first step after "
              f"{'-' if first is None else f'{first:.1f}'} s), reference {r.seconds:.1f} s")
        out["refresh"].append(asdict(m))
        out["reference"].append(asdict(r))
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return out


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "memory_gb": psutil.virtual_memory().total / 2**30,
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "load_average_at_start": os.getloadavg(),
        "speed_at_start": speed_probe(),
    }


def speed_probe() -> dict[str, float]:
    """Seconds for a fixed interpreter loop and a fixed two-thread DuckDB query.

    The machine's own speed drifts (a shared virtual machine's did by about a sixth
    within an hour), and the bundled and no-op targets are absolute seconds: the probe,
    taken at the start and the end, tells a slower hour from slower code.
    """
    def loop() -> None:
        total = 0
        for i in range(15_000_000):
            total += i

    con = duckdb.connect()
    try:
        con.execute("SET threads = 2")
        python_s = _best_of(3, loop)
        duckdb_s = _best_of(3, lambda: con.execute("SELECT sum(hash(i)) FROM range(80000000) t(i)").fetchone())
    finally:
        con.close()
    return {"python_s": round(python_s, 3), "duckdb_s": round(duckdb_s, 3)}


def _best_of(n: int, fn: Callable[[], object]) -> float:
    """The fastest of n timings: a passing blip does not count as the machine's speed."""
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def header(scale: str, seed: int, started: datetime, mach: dict) -> str:
    """The line above the table: what ran, when, on what, and how busy and fast the machine was."""
    line = (
        f"kuva-pipeline benchmark, scale {scale} (seed {seed}), "
        f"{started:%Y-%m-%d %H:%M}, {mach['cpus']} cores, {mach['memory_gb']:.0f} GB, "
        f"{mach['system']}, Python {mach['python']}, DuckDB {mach['duckdb']}; load average "
        f"{mach['load_average_at_start'][0]:.1f} at the start, "
        f"{mach['load_average_at_end'][0]:.1f} at the end"
    )
    probes = [mach.get("speed_at_start"), mach.get("speed_at_end")]
    if all(probes):
        line += "; speed probe (Python loop / DuckDB query) " + ", ".join(
            f"{p['python_s']:.2f} s / {p['duckdb_s']:.2f} s at the {when}"
            for p, when in zip(probes, ("start", "end"), strict=True)
        )
    return line


def _ensure(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Time the pipeline against the bare-DuckDB reference and check the issue's targets.",
    )
    parser.add_argument("--scale", default="medium",
                        choices=["bundled", "tiny", "small", "medium", "city"],
                        help="sample to run on (default medium; bundled = data/landing)")
    parser.add_argument("--seed", type=int, default=2021, help="sample seed (default 2021)")
    parser.add_argument("--reps", type=int, default=2,
                        help="repetitions of each timed run (default 2)")
    parser.add_argument("--nightly-reps", type=int, default=1,
                        help="nightly days run on each warehouse (default 1)")
    parser.add_argument("--skip-nightly", action="store_true", help="no nightly runs")
    parser.add_argument("--skip-bundled", action="store_true",
                        help="no runs of the bundled sample's whole refresh")
    parser.add_argument("--keep", action="store_true",
                        help="keep the warehouses and logs under data/benchmark/work/")
    parser.add_argument("--out", type=Path, help="results JSON (default data/benchmark/results_<scale>.json)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = parser.parse_args(argv)
    if args.reps < 1 or args.nightly_reps < 1:
        parser.error("--reps and --nightly-reps must be at least 1")
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
