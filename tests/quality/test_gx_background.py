"""GX imported on a side thread while a long raw load runs, and only for a run that uses it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import pytest
import yaml

from kuva_pipeline.defs import raw as raw_defs
from kuva_pipeline.quality import gx_runner
from kuva_pipeline.sources.nps import NPS_FEEDBACK

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


def test_the_side_thread_imports_gx_and_the_validation_then_uses_it():
    code = textwrap.dedent(
        """
        import sys
        import pandas as pd
        from kuva_pipeline.quality import gx_runner
        from kuva_pipeline.quality.suites import Rule
        assert "great_expectations" not in sys.modules
        gx_runner.prepare_in_background()
        thread = gx_runner._warm_up
        gx_runner.prepare_in_background()  # a second call starts nothing new
        assert gx_runner._warm_up is thread and thread.name == "kuva-gx-import"
        thread.join(120)
        ready = gx_runner._batch_definition
        assert ready is not None and "great_expectations.expectations" in sys.modules
        rule = Rule(name="r", expect="expect_column_values_to_be_between", severity="WARN", why="w",
                    column="presses", min_value=1, max_value=2000)
        out = gx_runner.validate(pd.DataFrame({"presses": [5, 2500, 7]}), [rule], [])["r"]
        assert gx_runner._batch_definition is ready  # built once, on the side thread
        print(out.success, out.element_count, out.failed_rows)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    # 2,500 presses is the one day above the 2,000 ceiling out of three.
    assert done.stdout.split() == ["False", "3", "1"]


def _context(selection):
    return SimpleNamespace(run=SimpleNamespace(asset_check_selection=selection))


@pytest.mark.parametrize(
    ("file_bytes", "threshold", "selection", "started"),
    [
        (4_000, 1_000, None, True),  # a long load in a run of every check
        (4_000, 10_000, None, False),  # a short load: GX waits for the check step
        (4_000, 1_000, set(), False),  # a run without the GX checks
    ],
)
def test_a_raw_load_starts_the_import_only_when_long_and_wanted(
    tmp_path, monkeypatch, file_bytes, threshold, selection, started
):
    import kuva_pipeline.definitions  # noqa: F401

    folder = tmp_path / NPS_FEEDBACK.folder
    folder.mkdir(parents=True)
    (folder / "nps_2021-03.csv").write_bytes(b"x" * file_bytes)
    (folder / "nps_2021-05.csv").write_bytes(b"x" * 10 * file_bytes)  # outside the range
    calls = []
    monkeypatch.setattr(gx_runner, "prepare_in_background", lambda: calls.append(1))
    monkeypatch.setattr(raw_defs, "GX_BESIDE_BYTES", threshold)
    raw_defs._import_gx_beside(_context(selection), NPS_FEEDBACK, tmp_path, date(2021, 3, 1), date(2021, 3, 31))
    assert calls == ([1] if started else [])
