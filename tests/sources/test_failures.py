"""A file that cannot be read stops its own source with a message naming file, line and field;
the other sources' raw loads still complete in the same run, and the models, which are built
together per layer, wait for the next good run: nothing half-refreshed is scored or published."""

from tests.sources.conftest import make_landing, resources, rows, run


def _failures(result) -> dict[str, str]:
    """Each failed step's error with its causes, as the UI and `kuva refresh` show them."""
    out = {}
    for e in result.all_events:
        if e.is_step_failure:
            error, parts = e.step_failure_data.error, []
            while error is not None:
                parts.append(error.message.strip())
                error = error.cause
            out[e.step_key] = "\n".join(parts)
    return out


def _materialized(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def test_an_unreadable_file_fails_its_source_only(tmp_path):
    landing = make_landing(tmp_path / "landing")
    # Line 3 opens a quote in localTime that never closes: the rest of the file would be one value.
    (landing / "nps" / "2021" / "nps_2021-05.csv").write_text(
        "feedbackId,localTime,experiencePointId,surveyId,buttonIndex,misuse,ui,smileyType\n"
        "11,2021-05-02T10:00:00,101,9001,9,false,nps11,\n"
        '12,"2021-05-02T10:05:00,101,9001,9,false,nps11,\n'
        "13,2021-05-02T10:06:00,101,9001,9,false,nps11,\n",
        encoding="utf-8",
    )
    warehouse = tmp_path / "kuva.duckdb"
    result = run(resources(landing, warehouse), raise_on_error=False)
    assert not result.success
    failures = _failures(result)
    assert list(failures) == ["raw__nps_feedback"]
    message = failures["raw__nps_feedback"]
    # The step's own error message (what the UI and `kuva refresh` print) says it all.
    assert message.splitlines()[0].endswith(
        "raw.nps_feedback not loaded: nps/2021/nps_2021-05.csv: line 3: field localTime: "
        "a quoted value is never closed"
    )
    done = _materialized(result)
    for key in ("raw/hobihobi_listings", "raw/varaamo_reservations", "raw/varaamo_statistics",
                "raw/linked_events", "raw/checkins", "raw/finance"):
        assert key in done, key
    # The fixture's four Hobihobi snapshots hold 2 + 4 + 5 + 2 records, and all landed in raw.
    assert rows(warehouse, "SELECT count(*) FROM raw.hobihobi_listings") == [(13,)]
    assert "raw/nps_feedback" not in done
    # Every model reads the feeds as one layer: none is built from a half-loaded run.
    for key in ("staging/nps_responses", "meters/nps_measures", "marts/scorecard", "bi/publication"):
        assert key not in done, key
