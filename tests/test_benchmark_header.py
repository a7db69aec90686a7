"""The benchmark's header line: the machine's load and the speed probe beside the table."""

from __future__ import annotations

from datetime import datetime

from benchmarks.run import header, speed_probe

MACHINE = {
    "cpus": 2,
    "memory_gb": 23.5,
    "system": "Linux 6.1 x86_64",
    "python": "3.11.7",
    "duckdb": "2.0.1",
    "load_average_at_start": (0.75, 0.5, 0.25),
    "load_average_at_end": (1.2, 1.0, 0.5),
}


def test_the_header_names_the_run_the_machine_and_both_probes():
    mach = {**MACHINE, "speed_at_start": {"python_s": 0.4231, "duckdb_s": 0.266},
            "speed_at_end": {"python_s": 0.4874, "duckdb_s": 0.3}}
    line = header("city", 2021, datetime(2026, 11, 30, 12, 42), mach)
    assert line == (
        "kuva-pipeline benchmark, scale city (seed 2021), 2026-11-30 12:42, 2 cores, 24 GB, "
        "Linux 6.1 x86_64, Python 3.11.7, DuckDB 2.0.1; load average 0.8 at the start, 1.2 at the end; "
        "speed probe (Python loop / DuckDB query) 0.42 s / 0.27 s at the start, 0.49 s / 0.30 s at the end"
    )


def test_a_results_file_without_probes_gives_the_old_header():
    line = header("medium", 7, datetime(2026, 1, 2, 3, 4), MACHINE)
    assert line.endswith("load average 0.8 at the start, 1.2 at the end")


def test_the_probe_times_both_parts():
    probe = speed_probe()
    assert set(probe) == {"python_s", "duckdb_s"}
    # Fifteen million interpreter additions and eighty million DuckDB hashes take a
    # measurable while on any machine, and neither minutes.
    assert 0.01 < probe["python_s"] < 60 and 0.01 < probe["duckdb_s"] < 60


def test_warming_reads_every_landing_file_once(tmp_path):
    from benchmarks.run import warm

    (tmp_path / "nps" / "2021").mkdir(parents=True)
    (tmp_path / "nps" / "2021" / "nps_2021-01.csv").write_bytes(b"x" * 1_500_000)
    (tmp_path / "events.json").write_bytes(b"{}")
    (tmp_path / "empty.csv").write_bytes(b"")
    # 1,500,000 bytes over two reads of 1 MiB, then 2 and 0.
    assert warm(tmp_path) == 1_500_002


def test_warming_imports_runs_the_modules_in_a_process_of_their_own(tmp_path):
    import os

    from benchmarks.run import warm_imports

    (tmp_path / "marker_mod.py").write_text(
        "import os, pathlib\npathlib.Path(os.environ['MARK']).write_text(str(os.getpid()))\n",
        encoding="utf-8",
    )
    mark = tmp_path / "imported"
    warm_imports({**os.environ, "PYTHONPATH": str(tmp_path), "MARK": str(mark)}, "marker_mod")
    # Imported once, by another process than this one.
    assert mark.read_text() != str(os.getpid())
