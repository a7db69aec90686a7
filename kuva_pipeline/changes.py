"""What changed since the last full refresh: new landing files, the catalog, reference data, code.

A nightly `kuva refresh` on a day when nothing landed has little to do: the
raw tables, staging and their checks would be rebuilt from the same files.
What still changes is the day: the scorecards of the current year are scored
as of yesterday, and a feed that stopped arriving grows staler. So when

- every landing file the range reads was loaded at its current version, and no
  file loaded for the range has gone (`raw._loaded_files`, the record the
  loaders and the landing sensor share),
- and the catalog, the reference data and the code (package and dbt project)
  are those of the latest successful full refresh (`kuva/inputs` run tag),

the refresh rescores (`catalog/as_of_dates` and the tables downstream, published
as usual) and runs the freshness checks, and says so. `kuva refresh --full`
always runs everything.

The measures models (dbt tag `by_period`) keep their past periods in a rescore: only
the periods from the first 1 January of a year whose as-of day moved are recomputed
(`assets/macros/rescore.sql`; `kuva_pipeline.defs.models` decides per run).

The rescore leaves the views alone (the published `bi` views, dbt kind `view`):
a view stores no rows, only its query, and the code is that of the last full
refresh, so recreating it would change nothing.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import dagster as dg

from kuva_pipeline.settings import PROJECT_ROOT

INPUTS_TAG = "kuva/inputs"
SCOPE_TAG = "kuva/scope"
RESCORE_SELECTION = "key:catalog/as_of_dates+ and not kind:view"

_CODE = (PROJECT_ROOT / "kuva_pipeline", PROJECT_ROOT / "assets", PROJECT_ROOT / "checks")
_CODE_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".csv", ".json"}


_SKIPPED_DIRS = {"target", "logs", "__pycache__", "dbt_packages"}


def _digest_tree(digest: hashlib._Hash, root: Path, contents: bool) -> None:
    if not root.exists():
        digest.update(f"missing {root.name}\n".encode())
        return
    for folder, dirs, names in os.walk(root):  # top-down, so the pruning below holds
        # dbt's build output and caches are not inputs, and are never walked.
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        for name in sorted(names):
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            if contents:
                if path.suffix in _CODE_SUFFIXES:
                    digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
            else:
                st = path.stat()
                digest.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())


def inputs_version(catalog: Path, reference: Path) -> str:
    """One hash of the catalog, the reference data and the code a refresh runs."""
    digest = hashlib.sha256()
    for root in (catalog, reference):
        _digest_tree(digest, root, contents=False)
    for root in _CODE:
        _digest_tree(digest, root, contents=True)
    return digest.hexdigest()[:16]


@dataclass
class Changes:
    """Why a refresh must run in full; empty when only rescoring is needed."""

    reasons: list[str] = field(default_factory=list)

    @property
    def nothing_new(self) -> bool:
        return not self.reasons


def landing_changes(
    warehouse: Path, landing: Path, sources: list, start: date, end: date
) -> list[str]:
    """Landing files of [start, end] that are new, rewritten or gone since they were loaded."""
    import duckdb

    from kuva_pipeline.sources.landing import period_of, relative_name
    from kuva_pipeline.sources.raw import files_for, loaded_file_versions

    if not warehouse.exists():
        return ["the warehouse does not exist yet"]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        loaded = loaded_file_versions(con)
    finally:
        con.close()
    found: list[str] = []
    for source in sources:
        # A range no file covers changes nothing by itself: the loaded files it had are
        # caught below as gone (an unmounted share), and the preflight stops such a run.
        files, _ = files_for(source, landing, start, end)
        present = set()
        for lf, _reader in files:
            name = relative_name(lf.path, landing)
            present.add(name)
            st = lf.path.stat()
            if loaded.get(name) != f"{st.st_size}:{st.st_mtime_ns}":
                found.append(f"{name}: {'changed' if name in loaded else 'new'}")
        prefix = source.folder.rstrip("/") + "/"
        for name in loaded:
            if not name.startswith(prefix) or name in present:
                continue
            period = period_of(Path(name))
            covers = period is None or not source.partitioned or (
                period[0] <= end and period[1] >= start
            )
            if covers and not (landing / name).exists():
                found.append(f"{name}: gone")
    return found


def since_last_full_refresh(
    instance: dg.DagsterInstance,
    warehouse: Path,
    landing: Path,
    reference: Path,
    catalog: Path,
    sources: list,
    start: date,
    end: date,
    version: str,
) -> Changes:
    """What a refresh of [start, end] would find changed since the latest full refresh."""
    changes = Changes()
    last = instance.get_runs(
        filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.SUCCESS], tags={SCOPE_TAG: "full"}),
        limit=1,
    )
    if not last:
        changes.reasons.append("no full refresh on record")
    elif last[0].tags.get(INPUTS_TAG) != version:
        changes.reasons.append("the catalog, reference data or code changed")
    changes.reasons += landing_changes(warehouse, landing, sources, start, end)
    return changes
