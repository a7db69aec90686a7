"""A backfill over a range of days is one run: `kuva refresh --from --to`, with progress."""

from __future__ import annotations

import dagster as dg

from kuva_pipeline import cli
from kuva_pipeline.runner import RANGE_END_TAG, RANGE_START_TAG

# The NPS slice keeps the test to seconds; a refresh of every asset is the same single run.
SLICE = "+key:meters/nps_measures"


def test_refresh_over_a_year_is_one_run_with_the_range_and_progress(project_env, capsys):
    code = cli.main(
        ["refresh", "--from", "2021-01-01", "--to", "2021-12-31", "--no-scorecard", "--select", SLICE]
    )
    out = capsys.readouterr().out
    # Complete with warnings (exit 3): the fixture's month is years old, so the WARN freshness check fails.
    assert code == 3, out

    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs()
        assert len(runs) == 1, [r.job_name for r in runs]
        run = runs[0]
        assert run.status == dg.DagsterRunStatus.SUCCESS
        # Twelve month partitions, one run (the feeds' single-run backfill policy).
        assert (run.tags[RANGE_START_TAG], run.tags[RANGE_END_TAG]) == ("2021-01-01", "2021-12-01")
        assert run.tags["kuva/trigger"] == "cli"
        materialized = instance.get_materialized_partitions(dg.AssetKey(["raw", "nps_feedback"]))
        assert materialized == {f"2021-{m:02d}-01" for m in range(1, 13)}

    # The progress display: a bar with steps done out of all, then the summary.
    assert "Refreshing partitions 2021-01-01 .. 2021-12-31" in out
    assert "refresh" in out and "━" in out
    steps = out.split("Refresh finished: ")[1].split(" steps")[0]
    assert f"{steps}/{steps}" in out
    assert run.run_id[:8] in out
