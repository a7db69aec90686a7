"""The dbt project under `assets/`: where it lives, its manifest, and how Dagster names its models.

The warehouse's SQL models are a dbt project (dbt-duckdb). Dagster loads it
through dagster-dbt; this module holds what both the asset definitions and
time travel need: the project, a manifest that is rebuilt when a model
changes, the translator that keeps the warehouse's own names as asset keys
(`staging/nps_responses`), and a way to call dbt with the warehouse the
resources point at.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtProject,
)

from kuva_pipeline.resources import OWNER
from kuva_pipeline.settings import PROJECT_ROOT

DBT_DIR = PROJECT_ROOT / "assets"
DBT_PROJECT = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)

_SOURCES_OF_TRUTH = ("dbt_project.yml", "profiles.yml", "models", "macros", "tests")


RUN_VARIABLES = ("KUVA_PARTITION_START", "KUVA_PARTITION_END", "KUVA_RUN_ID", "KUVA_RESCORE")
"""Environment variables the models read per run (assets/macros/window.sql, the history's id,
assets/macros/rescore.sql).

Every parse leaves them out: dbt reparses each file whose env_var() reads a value
other than the last parse's, and a run's window and id always differ."""


class DbtProjectError(RuntimeError):
    """The dbt project could not be parsed; the message is dbt's own."""


def dbt_executable() -> str:
    """The dbt beside the running Python, so `.venv/bin/kuva` works without an activated venv."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else "dbt"


def newest_source_mtime(project_dir: Path = DBT_DIR) -> float:
    """When a model, macro, test or the project's configuration last changed."""
    newest = 0.0
    for name in _SOURCES_OF_TRUTH:
        path = project_dir / name
        files = [path] if path.is_file() else path.rglob("*") if path.exists() else []
        for f in files:
            if f.is_file():
                newest = max(newest, f.stat().st_mtime)
    return newest


def ensure_manifest(project_dir: Path = DBT_DIR) -> Path:
    """The manifest, parsed anew when a model, macro or the project file is newer than it.

    A fresh clone has none; `dbt parse` writes it in a few seconds without
    touching the warehouse. `project_dir` is the project under `assets/` unless
    a test brings a copy of it.
    """
    manifest = DBT_PROJECT.manifest_path if project_dir == DBT_DIR else project_dir / "target" / "manifest.json"
    if manifest.exists() and manifest.stat().st_mtime >= newest_source_mtime(project_dir):
        return manifest
    from dbt.cli.main import dbtRunner

    from kuva_pipeline.settings import path_setting

    # Parsed with the profile a run renders, so that runs can parse partially from it.
    with warehouse_env(path_setting("KUVA_WAREHOUSE_PATH")), environment(
        {name: None for name in RUN_VARIABLES}
    ):
        result = dbtRunner().invoke(
            ["parse", "--quiet", "--project-dir", str(project_dir), "--profiles-dir", str(project_dir)]
        )
    if not result.success or not manifest.exists():
        raise DbtProjectError(f"dbt could not parse {project_dir}: {result.exception}")
    return manifest


def load_manifest(project_dir: Path = DBT_DIR) -> dict[str, Any]:
    """The parsed manifest (nodes, sources), read once per manifest file version."""
    path = ensure_manifest(project_dir)
    return _read_manifest(str(path), path.stat().st_mtime_ns)


@functools.cache
def _read_manifest(path: str, mtime_ns: int) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


class KuvaDbtTranslator(DagsterDbtTranslator):
    """A model `<layer>__<table>` is the asset `<layer>/<table>`, in the group of its layer."""

    def __init__(self) -> None:
        super().__init__(DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["alias"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "model":
            return dbt_resource_props["schema"]
        return super().get_group_name(dbt_resource_props)

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        # The one-line business description from the model's YAML; the SQL is in the UI's code view.
        return dbt_resource_props.get("description") or dbt_resource_props["name"]

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        return [OWNER]

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        # A view holds no data of its own: the UI tags it, and a rescore leaves it be
        # (`kuva_pipeline.changes.RESCORE_SELECTION`).
        if props["resource_type"] == "model" and props["config"].get("materialized") == "view":
            return spec.merge_attributes(kinds={"view"})
        return spec

    def get_code_version(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        # The hash of the model's file: an edited model shows as changed in the UI.
        checksum = (dbt_resource_props.get("checksum") or {}).get("checksum")
        return checksum[:16] if checksum else None


def quarantine_families() -> list[tuple[dg.AssetKey, dg.AssetKey, dg.AssetKey]]:
    """(typed model, staging view, quarantine view) for every table that quarantines rows."""
    manifest = load_manifest()
    models = {
        (n["schema"], n["alias"])
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model"
    }
    return [
        (
            dg.AssetKey(["staging", f"{table}_typed"]),
            dg.AssetKey(["staging", table]),
            dg.AssetKey(["quarantine", table]),
        )
        for schema, table in sorted(models)
        if schema == "quarantine" and ("staging", f"{table}_typed") in models
    ]


def dbt_resource() -> dg.ConfigurableResource:
    """The resource the model assets run dbt with: in-process, see `kuva_pipeline.dbt_runner`."""
    from kuva_pipeline.dbt_runner import DbtRunnerResource

    return DbtRunnerResource()


@contextmanager
def environment(wanted: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for None, remove) environment variables inside the block only."""
    saved = {k: os.environ.get(k) for k in wanted}
    for key, value in wanted.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def warehouse_env(path: Path, memory_limit: str | None = None, **extra: str | None):
    """Point the dbt profile at `path` for the dbt invocations made inside the block.

    The profile reads KUVA_WAREHOUSE_PATH like the rest of the project; a run whose
    resources name another warehouse (a test, a benchmark) passes it on this way.
    """
    wanted = {"KUVA_WAREHOUSE_PATH": str(path), **extra}
    if memory_limit:
        wanted["KUVA_DUCKDB_MEMORY_LIMIT"] = memory_limit
    return environment(wanted)


def build_docs(warehouse: Path) -> Path:
    """The dbt docs site as one self-contained HTML file: lineage and column docs, for a browser.

    dbt reads the warehouse's catalog (column types) for it, so the warehouse
    must exist: run `kuva refresh` first.
    """
    import subprocess

    target = DBT_DIR / "target" / "docs"
    args = [
        dbt_executable(), "docs", "generate", "--static", "--quiet",
        "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--target-path", str(target),
    ]
    with warehouse_env(warehouse):
        done = subprocess.run(args, capture_output=True, text=True, env=dict(os.environ))
    page = target / "static_index.html"
    if done.returncode != 0 or not page.exists():
        raise DbtProjectError(
            f"dbt docs generate failed: {(done.stdout + done.stderr).strip()[-800:]}"
        )
    return page
