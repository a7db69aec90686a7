"""Fixtures for the sample-data tests: the committed small sample, a fresh tiny one, its reference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kuva_pipeline.sample import generate_sample
from tests.sample.paths import COMMITTED, committed_is_present


@pytest.fixture(scope="session")
def small_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled small sample (seed 2021); generated afresh if it is not committed yet."""
    if committed_is_present():
        return COMMITTED
    out = tmp_path_factory.mktemp("small")
    generate_sample(out, seed=2021, scale="small")
    return out


@pytest.fixture(scope="session")
def small_manifest(small_dir: Path) -> dict:
    return json.loads((small_dir / "_manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    generate_sample(out, seed=7, scale="tiny")
    return out


@pytest.fixture(scope="session")
def reference_dir(sample_reference: Path) -> Path:
    """The reference the sample is made with: the generator's, not data/reference."""
    return sample_reference
