"""Publishing: the bi schema as an atomically swapped read-only snapshot, and optionally to PostgreSQL."""

import os

import dagster as dg

from kuva_pipeline import settings
from kuva_pipeline.defs.models import warehouse_models
from kuva_pipeline.publish import publish_postgres, publish_snapshot
from kuva_pipeline.resources import OWNER, WRITER_POOL, WarehouseResource

BI_KEYS = sorted((k for k in warehouse_models.keys if k.path[0] == "bi"), key=lambda k: k.path)
BEHIND_BI = sorted(
    {d.asset_key for s in warehouse_models.specs if s.key in BI_KEYS for d in s.deps} - set(BI_KEYS),
    key=lambda k: k.path,
)
"""The tables the bi views read. The publication copies their rows through the views, so
it waits for them too: a rescore rebuilds these tables but not the views
(`kuva_pipeline.changes.RESCORE_SELECTION`), and a run orders its steps only by the
dependencies among the assets it runs."""


class PublishConfig(dg.Config):
    snapshot_path: str = ""
    """Where BI tools find the snapshot; empty means KUVA_BI_PATH or data/warehouse/kuva_bi.duckdb."""


@dg.asset(
    key=["bi", "publication"],
    description="The bi schema published for BI tools: a read-only DuckDB snapshot swapped in atomically, and PostgreSQL when KUVA_PUBLISH_URL is set.",
    group_name="bi",
    owners=[OWNER],
    kinds={"duckdb", "postgres"},
    code_version="1",
    deps=[*BI_KEYS, *BEHIND_BI],
    pool=WRITER_POOL,
    # A PostgreSQL swap that keeps meeting BI queries gives up after a minute on
    # purpose; the next attempt usually finds a quiet moment.
    retry_policy=dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL),
)
def publication(
    context: dg.AssetExecutionContext, config: PublishConfig, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    target = settings.resolve(config.snapshot_path) if config.snapshot_path else settings.path_setting("KUVA_BI_PATH")
    metadata: dict[str, object] = {}
    with warehouse.connect() as con:
        snap = publish_snapshot(con, target, refresh_id=context.run_id)
        metadata.update({f"snapshot/{k}": v for k, v in snap.as_metadata().items()})
        url = os.environ.get("KUVA_PUBLISH_URL")
        if url:
            pg = publish_postgres(con, url, refresh_id=context.run_id)
            metadata.update({f"postgres/{k}": v for k, v in pg.as_metadata().items()})
        else:
            context.log.info("KUVA_PUBLISH_URL is not set: published the DuckDB snapshot only")
    return dg.MaterializeResult(metadata=metadata)


ASSETS = [publication]
