"""GX imported by a worker process while the raw feeds load, and only for a run that uses it."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pytest
import yaml

from kuva_pipeline.defs import raw as raw_defs
from kuva_pipeline.quality import gx_runner

CHECKS = Path(__file__).resolve().parents[2] / "checks"


def _gx_suites() -> set[tuple[str, str]]:
    """(table, rule) of every suite file that declares engine: gx, read from the YAML itself."""
    found = set()
    for path in sorted(CHECKS.rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(doc, dict) and doc.get("engine") == "gx":
            table = doc.get("table") or path.stem
            found |= {(f"{path.parent.name}/{table}", r["name"]) for r in doc.get("rules", [])}
    return found


def test_the_checks_known_to_use_gx_are_the_gx_suites_rules():
    import kuva_pipeline.definitions  # noqa: F401 - building the checks records them

    recorded = {(k.asset_key.to_user_string(), k.name) for k in gx_runner.GX_CHECKS}
    assert recorded == _gx_suites()
    assert ("staging/nps_responses", "device_daily_presses_plausible") in recorded


def test_a_run_uses_gx_when_its_checks_include_one():
    import kuva_pipeline.definitions  # noqa: F401

    gx_key = dg.AssetCheckKey(dg.AssetKey(["staging", "nps_responses"]), "device_daily_presses_plausible")
    sql_key = dg.AssetCheckKey(dg.AssetKey(["staging", "nps_responses"]), "feedback_id_unique")
    assert gx_runner.used_by(None)  # a run of the whole job runs every check
    assert gx_runner.used_by({gx_key, sql_key})
    assert not gx_runner.used_by({sql_key})
    assert not gx_runner.used_by(set())


def test_the_worker_validates_and_a_failed_worker_is_replaced_by_validating_here():
    code = textwrap.dedent(
        """
        import sys
        import pandas as pd
        from kuva_pipeline.quality import gx_runner
        from kuva_pipeline.quality.suites import Rule
        gx_runner.start_worker()
        worker = gx_runner._worker
        gx_runner.start_worker()  # a second call starts nothing new
        assert gx_runner._worker is worker and worker.poll() is None
        rule = Rule(name="r", expect="expect_column_values_to_be_between", severity="WARN", why="w",
                    column="presses", min_value=1, max_value=2000)
        frame = pd.DataFrame({"day": ["d1", "d2", "d3"], "presses": [5, 2500, 7]})
        out = gx_runner.validate_with_gx(frame, [rule], ["day"])["r"]
        # GX ran in the worker: this process never imported it.
        print(out.success, out.element_count, out.failed_rows, [sorted(e.items()) for e in out.examples],
              "great_expectations" in sys.modules)
        worker.kill()
        worker.wait()
        out = gx_runner.validate_with_gx(frame, [rule], ["day"])["r"]
        print(out.success, out.element_count, out.failed_rows, [sorted(e.items()) for e in out.examples],
              "great_expectations" in sys.modules, gx_runner._worker)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # 2,500 presses on d2 is the one day above the 2,000 ceiling out of three, whoever judges.
    assert done.stdout.splitlines() == [
        "False 3 1 [[('day', 'd2'), ('presses', 2500)]] False",
        "False 3 1 [[('day', 'd2'), ('presses', 2500)]] True None",
    ]


def test_the_worker_ends_with_its_input():
    gx_runner.stop_worker()  # one an earlier test of this process started and asked
    gx_runner.start_worker()
    worker = gx_runner._worker
    if worker is None:  # GX is already loaded in this process: no worker to start
        pytest.skip("GX was imported into the test process before")
    gx_runner.stop_worker()
    assert worker.returncode is not None and gx_runner._worker is None
    # Never asked anything, it is not waited for while it finishes importing GX: it is killed.
    assert worker.returncode == -signal.SIGKILL


def _context(selection):
    return SimpleNamespace(run=SimpleNamespace(asset_check_selection=selection))


@pytest.mark.parametrize(("selection", "started"), [(None, True), (set(), False)])
def test_a_raw_load_starts_the_worker_only_for_a_run_with_gx_checks(monkeypatch, selection, started):
    import kuva_pipeline.definitions  # noqa: F401

    calls = []
    monkeypatch.setattr(gx_runner, "start_worker", lambda: calls.append(1))
    raw_defs._start_gx_worker(_context(selection))
    assert calls == ([1] if started else [])


def test_plain_values_need_pandas_only_when_pandas_handed_them():
    # The SQL engine's values: plain ones, turned to JSON without importing pandas (a rescore
    # of only SQL checks never imports it).
    code = textwrap.dedent(
        """
        import datetime, sys
        from kuva_pipeline.quality.gx_runner import plain
        print(plain([None, float("nan"), 2.5, datetime.date(2021, 3, 1),
                     datetime.datetime(2021, 3, 1, 9, 30), (1, "a"), {4: "x"}]))
        print("pandas" in sys.modules)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "[None, None, 2.5, '2021-03-01', '2021-03-01T09:30:00', [1, 'a'], {'4': 'x'}]",
        "False",
    ]
    # pandas' own missing values and timestamps, once pandas handed them over.
    import numpy as np
    import pandas as pd

    assert [
        gx_runner.plain(v)
        for v in (pd.NA, pd.NaT, pd.Timestamp("2021-03-01"), pd.Timestamp("2021-03-01 09:30"), np.int64(7))
    ] == [None, None, "2021-03-01", "2021-03-01T09:30:00", 7]
