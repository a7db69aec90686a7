"""The fetch assets in Dagster: off by default (no network), on per source, upstream of raw and nightly."""

from __future__ import annotations

import json
from datetime import date

import dagster as dg
import pytest

from kuva_pipeline.defs.fetch import ASSETS, fetch_asset_key
from kuva_pipeline.fetch import parse_enabled
from kuva_pipeline.resources import LandingResource
from tests.conftest import FIXTURES
from tests.fetch.fakes import FakeLinkedEvents, event

EVENTS = fetch_asset_key("events")


def _run(landing: LandingResource, start: date, end: date, raise_on_error: bool = True):
    from kuva_pipeline.runner import partition_range_tags

    return dg.materialize(
        ASSETS,
        selection=[EVENTS],
        resources={"landing": landing},
        tags=partition_range_tags(start, end),
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=raise_on_error,
    )


def _metadata(result) -> dict:
    # A run over several months records one materialization per month, with the same metadata.
    mat = result.asset_materializations_for_node(EVENTS.to_python_identifier())[0]
    return {k: v.value for k, v in mat.metadata.items()}


def test_off_by_default_touches_no_network(httpserver, tmp_path):
    fake = FakeLinkedEvents(httpserver, {"2021-03": [event("helsinki:x", "2021-03-02T10:00:00Z")]})
    landing = LandingResource(
        root=str(tmp_path), reference_root=str(FIXTURES / "reference"), linked_events_url=fake.base_url
    )
    result = _run(landing, date(2021, 3, 1), date(2021, 3, 31))
    assert _metadata(result)["fetched"] is False
    assert fake.requests == [] and not (tmp_path / "events").exists()


def test_on_fetches_the_partition_months(httpserver, tmp_path):
    fake = FakeLinkedEvents(
        httpserver,
        {
            "2021-03": [event("helsinki:m", "2021-03-02T10:00:00Z")],
            "2021-04": [event("helsinki:a", "2021-04-02T10:00:00Z")],
        },
    )
    landing = LandingResource(
        root=str(tmp_path),
        reference_root=str(FIXTURES / "reference"),
        fetch="events",
        linked_events_url=fake.base_url,
    )
    result = _run(landing, date(2021, 3, 1), date(2021, 4, 30))
    meta = _metadata(result)
    # Two month partitions in one run: one page file each.
    assert meta["fetched"] is True and meta["files_written"] == 2
    page = json.loads((tmp_path / "events/2021/events_2021-04_p001.json").read_text())
    assert [r["id"] for r in page["data"]] == ["helsinki:a"]


def test_a_failed_fetch_fails_the_step_with_source_url_and_status(httpserver, tmp_path):
    fake = FakeLinkedEvents(httpserver, {})
    fake.faults = [(404, {})]
    landing = LandingResource(
        root=str(tmp_path), reference_root=str(tmp_path), fetch="events", linked_events_url=fake.base_url
    )
    result = _run(landing, date(2021, 3, 1), date(2021, 3, 31), raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.error.message
    assert "fetch failed: events: HTTP 404 from " + fake.base_url + "event/?start=2021-03-01" in message


def test_raw_tables_depend_on_their_fetch_and_the_nightly_job_runs_it():
    from kuva_pipeline.definitions import build_definitions

    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    assert EVENTS in graph.get(dg.AssetKey(["raw", "linked_events"])).parent_keys
    assert fetch_asset_key("nps") in graph.get(dg.AssetKey(["raw", "nps_feedback"])).parent_keys
    nightly = defs.resolve_job_def("nightly_refresh")
    assert {EVENTS, fetch_asset_key("nps")} <= set(nightly.asset_layer.executable_asset_keys)


def test_kuva_fetch_switch():
    assert parse_enabled("") == frozenset()
    assert parse_enabled(" events , NPS ") == {"events", "nps"}
    assert parse_enabled("all") == {"events", "nps"}
    with pytest.raises(ValueError, match="unknown source"):
        parse_enabled("events,hobihobi")
    with pytest.raises(ValueError, match="varaamo has no public reservations API"):
        parse_enabled("varaamo")


def test_fetch_settings_come_through_envvar(monkeypatch):
    from kuva_pipeline.resources import default_resources

    monkeypatch.setenv("KUVA_FETCH", "nps")
    monkeypatch.setenv("KUVA_HAPPYORNOT_TOKEN", "s3cret")
    landing = default_resources()["landing"]
    # The resource holds the variable, not its value: the UI shows the name, never the token.
    assert landing.happyornot_token == dg.EnvVar("KUVA_HAPPYORNOT_TOKEN")
    assert landing.fetch == dg.EnvVar("KUVA_FETCH")
    assert landing.linked_events_url == "https://api.hel.fi/linkedevents/v1/"  # unset: the default
