"""Fixtures for the operations tests: a project-like Dagster instance, a landing tree, a webhook."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from kuva_pipeline.resources import CatalogResource, LandingResource, WarehouseResource
from tests.ops.helpers import FIXTURES, PROJECT_INSTANCE_YAML, ROOT, Webhook, age


@pytest.fixture
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A DAGSTER_HOME holding the project's own dagster.yaml (SQLite, one-slot writer pool)."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_INSTANCE_YAML, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


@pytest.fixture
def instance(dagster_home: Path) -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.get() as inst:
        yield inst


@pytest.fixture
def landing_root(tmp_path: Path) -> Path:
    """A copy of the fixture landing zone (one NPS month), backdated past the settle time."""
    root = tmp_path / "landing"
    shutil.copytree(FIXTURES / "landing", root)
    for path in root.rglob("*"):
        if path.is_file():
            age(path)
    return root


@pytest.fixture
def project_env(tmp_path: Path, dagster_home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for `kuva` commands and run workers: the fixture data, files in tmp."""
    env = {
        "KUVA_WAREHOUSE_PATH": str(tmp_path / "warehouse" / "kuva.duckdb"),
        "KUVA_BI_PATH": str(tmp_path / "warehouse" / "kuva_bi.duckdb"),
        "KUVA_LANDING_DIR": str(FIXTURES / "landing"),
        "KUVA_REFERENCE_DIR": str(FIXTURES / "reference"),
        "KUVA_ALERT_LOG": str(tmp_path / "alerts.jsonl"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return {**env, "DAGSTER_HOME": str(dagster_home)}


@pytest.fixture
def resources(tmp_path: Path, landing_root: Path) -> dict[str, object]:
    return {
        "warehouse": WarehouseResource(path=str(tmp_path / "warehouse" / "kuva.duckdb")),
        "landing": LandingResource(root=str(landing_root), reference_root=str(FIXTURES / "reference")),
        "catalog": CatalogResource(directory=str(ROOT / "data" / "catalog")),
    }


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    with Webhook() as hook:
        yield hook
