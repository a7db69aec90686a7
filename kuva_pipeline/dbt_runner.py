"""dbt run inside the step's own process, from the manifest the definitions already read.

dagster-dbt's `DbtCliResource` starts `dbt` as a new process for every step:
Python and dbt imports, `dbt --version`, a parse of the project and an adapter
set up in the Dagster process too. On the bundled sample that was 6-9 s a step
around 1-4 s of SQL. dbt's programmatic entry point, `dbtRunner`, accepts a
manifest made earlier, so here a step costs only its models and tests: the
manifest is `target/manifest.json` read back into dbt's objects (kept as a pickle
beside it for the next process, see `_written`),
not a parse (2-5 s), whenever it was parsed for this warehouse's name.

What stays dagster-dbt's own: the assets and checks (`@dbt_assets`), the
selection of a subset run (`get_subset_selection_for_context`) and the
translation of dbt's result events into outputs and check results
(`DbtCoreCliEventMessage`). A run is a process of its own, and the warehouse
steps take the writer pool, so one dbt invocation runs at a time in a process.
"""

from __future__ import annotations

import functools
import json
import os
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from kuva_pipeline.dbt_project import (
    DBT_DIR,
    RUN_VARIABLES,
    DbtProjectError,
    ensure_manifest,
    environment,
    load_manifest,
    newest_source_mtime,
)

RESULT_EVENTS = frozenset({"LogModelResult", "LogTestResult", "LogSeedResult", "LogSnapshotResult"})
MANIFEST_PICKLE = "manifest.runtime.pickle"
"""dbt's manifest objects beside `target/manifest.json`, for the next process (`_written`)."""
STEP_TARGET = "target/steps"
"""Where step runs write compiled SQL; `target/` keeps the manifest the definitions read."""


def _project_args(project_dir: Path) -> list[str]:
    return ["--project-dir", str(project_dir), "--profiles-dir", str(project_dir)]


@functools.lru_cache(maxsize=4)
def _parsed(project_dir: str, version: float, profile: tuple) -> Any:
    """dbt's manifest in memory, for one version of a project and one rendered profile.

    The profile matters: dbt-duckdb names the database after the warehouse file, and
    compiled SQL carries that name. The parse is partial (a fraction of a second)
    when the profile equals the previous parse's.
    """
    from dbt.cli.main import dbtRunner

    # Without the run's own variables, as `ensure_manifest` parses (see RUN_VARIABLES): the
    # manifest does not keep them, the models read them when they run.
    with environment({name: None for name in RUN_VARIABLES}):
        result = dbtRunner().invoke(
            ["parse", "--quiet", "--no-write-json", *_project_args(Path(project_dir))]
        )
    if not result.success or result.result is None:
        raise DbtProjectError(f"dbt could not parse {project_dir}: {result.exception}")
    return result.result


def runtime_manifest(project_dir: Path = DBT_DIR) -> Any:
    """dbt's manifest in memory for a run in this process.

    For the project itself it is `target/manifest.json`, which the definitions
    already read, turned back into dbt's objects (`_written`), when it was parsed
    for the warehouse this run writes: dbt-duckdb names the database after the
    warehouse file, and compiled SQL carries that name. Otherwise (another copy
    of the project, another warehouse name) the project is parsed here.
    """
    profile = tuple(os.environ.get(k) for k in ("KUVA_WAREHOUSE_PATH", "KUVA_DUCKDB_MEMORY_LIMIT"))
    if project_dir == DBT_DIR and os.environ.get("KUVA_DBT_TARGET", "warehouse") == "warehouse":
        path = ensure_manifest()
        written = _written(str(path), path.stat().st_mtime_ns)
        if _databases(written) == {_warehouse_database()}:
            return written
    return _parsed(str(project_dir), newest_source_mtime(project_dir), profile)


@functools.lru_cache(maxsize=2)
def _written(path: str, mtime_ns: int) -> Any:
    """A manifest written by `dbt parse`, as the objects `dbtRunner` takes.

    Turning the JSON into dbt's objects costs about 0.5 s (dbt's own deserializers, for
    every node and the adapters' five hundred macros), in every process that runs a dbt
    step. The objects are kept beside the JSON as a pickle (dbt's `Manifest` pickles
    itself for its worker processes), read back in about 0.01 s by the next process
    while the JSON's bytes (their SHA-256) and dbt's version are the same; any other
    pickle is ignored and written anew. It is the project's own build output in
    `target/`, like the JSON (git-ignored, never read from anywhere else). `mtime_ns`
    (the JSON's) keys this process's cache, so a JSON written anew is read again.
    """
    import hashlib

    from dbt.version import __version__ as dbt_version

    stored = Path(path).with_name(MANIFEST_PICKLE)
    key = (hashlib.sha256(Path(path).read_bytes()).hexdigest(), dbt_version)
    try:
        with stored.open("rb") as f:
            found_key, manifest = pickle.load(f)
        if found_key == key:
            return manifest
    except Exception:  # noqa: BLE001 - missing, truncated, from another dbt: made again below
        pass
    manifest = _from_json(path)
    tmp = stored.with_name(f"{stored.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            pickle.dump((key, manifest), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, stored)  # whole or not at all, for a process reading it meanwhile
    except OSError:
        tmp.unlink(missing_ok=True)  # a read-only checkout: the next process reads the JSON
    return manifest


def _from_json(path: str) -> Any:
    from dbt.contracts.graph.manifest import Manifest, WritableManifest
    from dbt.contracts.graph.nodes import GenericTestNode

    manifest = Manifest.from_writable_manifest(WritableManifest.read_and_check_versions(path))
    # The JSON does not say which kind of test a node is, and reading it makes every test
    # a singular one; a generic test compiles from its `test_metadata` (the test's
    # arguments), which only a generic test node passes on.
    for unique_id, node in json.loads(Path(path).read_text(encoding="utf-8"))["nodes"].items():
        if node["resource_type"] == "test" and node.get("test_metadata"):
            manifest.nodes[unique_id] = GenericTestNode.from_dict(node)
    return manifest


def _databases(manifest: Any) -> set[str]:
    return {n.database for n in manifest.nodes.values() if n.resource_type in ("model", "seed", "snapshot")}


def _warehouse_database() -> str:
    """The database name dbt-duckdb gives the warehouse: its file name without the suffix."""
    from kuva_pipeline.settings import path_setting

    return path_setting("KUVA_WAREHOUSE_PATH").stem


def _release_warehouse() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after an invocation.

    DuckDB refuses a second connection with another configuration (read-only) to a
    file this process has open, and other processes wait on its lock.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    duckdb_env = DuckDBConnectionManager._ENV
    if duckdb_env is not None and getattr(duckdb_env, "conn", None) is not None:
        duckdb_env.conn.close()
        duckdb_env.conn = None
    DuckDBConnectionManager.close_all_connections()


@dataclass
class DbtRun:
    """One dbt invocation: Dagster events, the nodes that errored, and dbt's log."""

    events: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    log: str = ""


class DbtRunnerResource(dg.ConfigurableResource):
    """Runs the dbt project under `assets/` in-process for the assets of `defs/models.py`."""

    project_dir: str | None = None
    """Another copy of the project to run (the asset definitions stay the project's)."""

    def build(
        self, context: dg.AssetExecutionContext, translator: Any, extra_args: list[str] | None = None
    ) -> DbtRun:
        """`dbt build` of exactly the models and tests this step was asked for."""
        from dagster_dbt.asset_utils import (
            DAGSTER_DBT_EXCLUDE_METADATA_KEY,
            DAGSTER_DBT_SELECT_METADATA_KEY,
            get_subset_selection_for_context,
        )
        from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
        from dbt.cli.main import dbtRunner
        from dbt_common.events.functions import msg_to_dict

        manifest = load_manifest()
        project = Path(self.project_dir) if self.project_dir else DBT_DIR
        selection, indirect = get_subset_selection_for_context(
            context=context,
            manifest=manifest,
            select=context.op.tags.get(DAGSTER_DBT_SELECT_METADATA_KEY),
            exclude=context.op.tags.get(DAGSTER_DBT_EXCLUDE_METADATA_KEY),
            selector=None,
            dagster_dbt_translator=translator,
            current_dbt_indirect_selection_env=os.getenv("DBT_INDIRECT_SELECTION"),
        )
        raw: list[dict] = []
        lines: list[str] = []

        def collect(message: Any) -> None:
            if message.info.name in RESULT_EVENTS:
                raw.append(msg_to_dict(message))
            if message.info.level in ("info", "warn", "error") and message.info.msg:
                lines.append(message.info.msg)

        args = [
            "build", *selection, *(extra_args or []), *_project_args(project),
            "--target-path", STEP_TARGET, "--no-write-json", "--log-level", "none",
        ]
        if indirect:
            args += ["--indirect-selection", indirect]
        try:
            result = dbtRunner(manifest=runtime_manifest(project), callbacks=[collect]).invoke(args)
        finally:
            _release_warehouse()
        run = DbtRun(log="\n".join(lines))
        for event in raw:
            message = DbtCoreCliEventMessage(raw_event=event, event_history_metadata={})
            run.events.extend(
                message.to_default_asset_events(
                    manifest=manifest, dagster_dbt_translator=translator, context=context
                )
            )
        run.errors = list(_errors(result))
        return run


def _errors(result: Any) -> Iterator[str]:
    """The nodes that errored (not tests that found failing rows), with dbt's message."""
    if result.exception is not None:
        yield f"dbt: {result.exception}"
        return
    for node in getattr(result.result, "results", None) or []:
        if str(getattr(node.status, "value", node.status)) == "error":
            name = node.node.unique_id.split(".")[-1]
            yield f"{name}: {(node.message or '').strip()}"
