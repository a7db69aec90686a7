"""End to end over the bundled sample (data/landing, seed 2021): the 2019 baselines the seed
documents state come out of meters.meter_values, as the sample's manifest says they must."""

import json
from datetime import date

import pytest

from kuva_pipeline.resources import CatalogResource, LandingResource, WarehouseResource
from tests.conftest import ROOT
from tests.sample.paths import committed_is_present
from tests.sources.conftest import rows, run

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not committed_is_present(), reason="the small sample is not committed"),
]


def test_2019_headline_figures(tmp_path, sample_reference):
    manifest = json.loads((ROOT / "data" / "landing" / "_manifest.json").read_text(encoding="utf-8"))
    head = manifest["headline"]
    warehouse = tmp_path / "kuva.duckdb"
    res = {
        "warehouse": WarehouseResource(path=str(warehouse)),
        "landing": LandingResource(root=str(ROOT / "data" / "landing"), reference_root=str(sample_reference)),
        "catalog": CatalogResource(directory=str(ROOT / "data" / "catalog")),
    }
    assert run(res, date(2019, 1, 1), date(2019, 12, 31)).success
    values = dict(
        rows(
            warehouse,
            "SELECT meter_id, value FROM meters.meter_values WHERE grain = 'year' "
            "AND period_start = DATE '2019-01-01'",
        )
    )
    # The seed baselines: Hobihobi 357 / 1859 (seed 000), events 27 / 28 / 19, NPS 40 (seed 004).
    assert values["urban_culture_2021.hobihobi_listings"] == 357
    assert values["urban_culture_2021.hobihobi_participants"] == 1859
    assert values["urban_culture_2021.large_culture_events"] == 27
    assert values["urban_culture_2021.large_sports_events"] == 28
    assert values["urban_culture_2021.district_events"] == 19
    assert values["weighted_targets_2021.nps_index"] == 40.0
    # The manifest's other 2019 figures.
    nps = head["nps"]["by_year"]["2019"]
    assert values["binding_goals_2019.nps_devices"] == nps["devices_in_use_year_end"] == 40
    assert values["weighted_targets_2021.unit_cost"] == pytest.approx(head["finance"]["by_year"]["2019"]["unit_cost_eur"])
    assert values["budget_followup_2020.varaamo_spaces_for_sale"] == head["varaamo"]["spaces_for_sale"]["2019-12-31"]
    counts = dict(rows(warehouse, "SELECT measure, value FROM meters.nps_measures WHERE grain = 'year' "
                                  "AND service_area = 'KUVA' AND period_start = DATE '2019-01-01' "
                                  "AND measure = 'devices_with_answers'"))
    assert counts["devices_with_answers"] == nps["devices_with_answers"]
    assert rows(warehouse, "SELECT denominator FROM meters.nps_measures WHERE measure = 'nps_index' AND grain = 'year' "
                           "AND service_area = 'KUVA' AND period_start = DATE '2019-01-01'") == [(nps["answers"],)]
    assert rows(warehouse, "SELECT value FROM meters.varaamo_measures WHERE measure = 'bookings' AND grain = 'year' "
                           "AND service_area = 'KUVA' AND period_start = DATE '2019-01-01'") == [
        (head["varaamo"]["by_year"]["2019"]["bookings"],)
    ]
    # Every 2019 NPS row is staged or quarantined.
    raw, staged, rejected = rows(
        warehouse,
        "SELECT (SELECT count(*) FROM raw.nps_feedback), (SELECT count(*) FROM staging.nps_responses), "
        "(SELECT count(*) FROM quarantine.nps_responses)",
    )[0]
    assert raw == nps["rows"] == staged + rejected and rejected == nps["quarantined"]
