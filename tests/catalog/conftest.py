"""Shared fixtures: the real catalog (loaded once) and the small demo scorecard."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from kuva_pipeline.catalog import Catalog, load_catalog

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def frames(catalog: Catalog):
    return catalog.frames()


@pytest.fixture()
def demo() -> dict:
    """A fresh copy of the valid demo scorecard as a dict, to break one rule at a time."""
    return copy.deepcopy(_DEMO)


_DEMO = yaml.safe_load((FIXTURES / "demo_2022.yaml").read_text(encoding="utf-8"))
