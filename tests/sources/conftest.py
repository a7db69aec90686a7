"""Fixtures for the source tests: a copy of the hand-made landing zone, resources, one shared run.

`tests/sources/fixtures/landing/` holds a few small files per source, each row
placed to exercise one rule; the tests work their expectations out by hand
from those rows. The Excel check-in file is written here with openpyxl (real
Excel dates and numbers) rather than committed as a binary.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from kuva_pipeline.resources import CatalogResource, LandingResource, WarehouseResource
from tests.conftest import ROOT, materialize_range

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Everything the meter values need: raw, reference, staging, quarantine, measures, catalog dims.
SELECTION = "+key:meters/meter_values"
FIRST, LAST = date(2020, 12, 1), date(2022, 1, 31)

RAW_TABLES = {
    "nps": ["raw.nps_feedback"],
    "hobihobi_listings": ["raw.hobihobi_listings"],
    "varaamo_reservations": ["raw.varaamo_reservations", "raw.varaamo_statistics"],
    "linked_events": ["raw.linked_events"],
    "checkins": ["raw.checkins"],
    "finance": ["raw.finance"],
}
STAGING = {  # source -> its staging/quarantine table name
    "nps": "nps_responses",
    "hobihobi_listings": "hobihobi_listings",
    "varaamo_reservations": "varaamo_reservations",
    "linked_events": "linked_events",
    "checkins": "checkins",
    "finance": "finance",
}

XLSX_ROWS = [
    # meter, date (an Excel date), status, progress, forecast, value, comment, author
    ("budget_followup_2020.family_events_held", datetime(2020, 10, 15), "TEKEILLÄ", 85, "toteutuu", 7,
     "Perhehulinat 7/8", "Ville Esimerkki"),
    None,  # a blank row between the check-ins: not a record
    ("budget_followup_2020.small_children_campaign", datetime(2020, 10, 15), "TEHTY", 100, "toteutuu", None,
     "Kampanja toistettu elokuussa", "Ville Esimerkki"),
]


def write_checkin_workbook(path: Path, rows=XLSX_ROWS) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Check-ins"
    ws.append(["meter", "date", "status", "progress_pct", "forecast", "value", "comment", "author"])
    for row in rows:
        ws.append(list(row) if row else [None] * 8)
        if row:
            ws.cell(row=ws.max_row, column=2).number_format = "d.m.yyyy"
    # Formatted but empty rows at the end, as Excel leaves them.
    ws.cell(row=ws.max_row + 3, column=1).number_format = "@"
    wb.save(path)


def make_landing(target: Path) -> Path:
    shutil.copytree(FIXTURES / "landing", target)
    write_checkin_workbook(target / "checkins" / "checkins_2020_owner.xlsx")
    return target


def resources(landing: Path, warehouse: Path, reference: Path = FIXTURES / "reference") -> dict:
    return {
        "warehouse": WarehouseResource(path=str(warehouse)),
        "landing": LandingResource(root=str(landing), reference_root=str(reference)),
        "catalog": CatalogResource(directory=str(ROOT / "data" / "catalog")),
    }


def run(res: dict, start: date = FIRST, end: date = LAST, selection: str = SELECTION, **kw):
    return materialize_range(res, start, end, selection=selection, **kw)


def rows(warehouse: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="session")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run over the whole fixture landing zone; tests only read its warehouse."""
    base = tmp_path_factory.mktemp("sources")
    landing = make_landing(base / "landing")
    warehouse = base / "kuva.duckdb"
    assert run(resources(landing, warehouse)).success
    return warehouse


@pytest.fixture
def q(loaded: Path):
    """Query the shared warehouse: q(sql, *params) -> list of rows."""
    return lambda sql, *params: rows(loaded, sql, params)
