"""Shared fixtures: a temporary warehouse, the small fixture landing zone, and a run helper."""

from __future__ import annotations

import os
import warnings
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from kuva_pipeline.dbt_project import DBT_DIR, dbt_resource
from kuva_pipeline.resources import CatalogResource, LandingResource, WarehouseResource
from kuva_pipeline.runner import partition_range_tags
from kuva_pipeline.runner import with_siblings as _with_siblings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

warnings.filterwarnings("ignore", message=r".*is currently in beta.*")


@pytest.fixture
def warehouse_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "kuva.duckdb"


@pytest.fixture
def fixture_resources(warehouse_path: Path) -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(path=str(warehouse_path)),
        "landing": LandingResource(
            root=str(FIXTURES / "landing"), reference_root=str(FIXTURES / "reference")
        ),
        "catalog": CatalogResource(directory=str(ROOT / "data" / "catalog")),
    }


def with_dbt(resources: dict[str, object]) -> dict[str, object]:
    """A test's resources plus the dbt project, unless the test brings its own."""
    return {"dbt": dbt_resource(), **resources}


def dbt_project_copy(tmp: Path, model: str, edit) -> object:
    """A dbt resource over a copy of the project whose model `model` is `edit(sql)`.

    The asset definitions stay the project's; the run executes the edited SQL,
    as if someone had changed the model.
    """
    import shutil

    from kuva_pipeline.dbt_runner import DbtRunnerResource

    copy = tmp / "dbt_project"
    shutil.copytree(DBT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    (path,) = copy.glob(f"models/*/{model}.sql")
    sql = path.read_text(encoding="utf-8")
    changed = edit(sql)
    assert changed != sql, f"the edit did not change {model}"
    path.write_text(changed, encoding="utf-8")
    return DbtRunnerResource(project_dir=str(copy))


def materialize_range(
    resources: dict[str, object],
    start: date,
    end: date,
    selection: str | None = None,
    raise_on_error: bool = True,
) -> dg.ExecuteInProcessResult:
    """Materialize the project's assets (or a selection) over a partition range, in one run."""
    from kuva_pipeline.definitions import build_definitions

    defs = build_definitions(resources=resources)
    assets = list(defs.assets)
    return dg.materialize(
        assets,
        resources=with_dbt(resources),
        tags=partition_range_tags(start, end),
        selection=_with_siblings(selection),
        raise_on_error=raise_on_error,
        instance=dg.DagsterInstance.ephemeral(),
    )


def write_sample_reference(directory: Path) -> Path:
    """The reference files the sample generator writes: what the bundled sample is made with."""
    from kuva_pipeline.sample import write_reference

    write_reference(directory)
    return directory


@pytest.fixture(scope="session")
def sample_reference(tmp_path_factory) -> Path:
    """The bundled sample's own reference (devices, spaces, event classes, service areas).

    Tests that count the bundled sample read this, never data/reference: that is
    data a user edits, and a real device added there must not change the sample's
    figures (tests/sources/test_reference_data.py checks data/reference itself).
    """
    return write_sample_reference(tmp_path_factory.mktemp("sample_reference"))


@pytest.fixture(scope="session")
def sample_snapshot(tmp_path_factory, sample_reference) -> tuple[Path, Path]:
    """The bundled sample (every source, every pitfall) refreshed and published once per
    session: (warehouse, snapshot). The BI publication and the scorecard view tests share it."""
    tmp = tmp_path_factory.mktemp("sample")
    resources = {
        "warehouse": WarehouseResource(path=str(tmp / "kuva.duckdb")),
        "landing": LandingResource(
            root=str(ROOT / "data" / "landing"), reference_root=str(sample_reference)
        ),
        "catalog": CatalogResource(directory=str(ROOT / "data" / "catalog")),
    }
    snapshot = tmp / "kuva_bi.duckdb"
    from kuva_pipeline.definitions import build_definitions

    result = dg.materialize(
        list(build_definitions(resources=resources).assets),
        resources=with_dbt(resources),
        tags=partition_range_tags(date(2019, 1, 1), date(2022, 1, 31)),
        run_config={"ops": {"bi__publication": {"config": {"snapshot_path": str(snapshot)}}}},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    return tmp / "kuva.duckdb", snapshot


@pytest.fixture(autouse=True)
def _no_user_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read or write the developer's own warehouse or instance."""
    for name in list(os.environ):
        if name.startswith("KUVA_"):
            monkeypatch.delenv(name, raising=False)
