"""Fetch assets: the landing files of the sources with an API, fetched before their raw tables load.

`landing/events` (Linked Events) and `landing/nps` (HappyOrNot) are
partitioned like the feeds they fill, so the nightly run fetches the month
holding yesterday and then loads it, and a backfill fetches its range in one
step. Each does nothing unless `KUVA_FETCH` names its source: a fresh clone
uses the bundled files and never touches the network. The fetching itself is
`kuva_pipeline.fetch` (no Dagster there).
"""


import dagster as dg

from kuva_pipeline.fetch import FETCHED_FOLDERS
from kuva_pipeline.partitions import feed_partitions, partition_dates
from kuva_pipeline.resources import OWNER, WRITER_POOL, LandingResource

DESCRIPTIONS = {
    "events": "Linked Events API pages fetched into the landing zone (when KUVA_FETCH names events).",
    "nps": "HappyOrNot button feedback fetched into the landing zone (when KUVA_FETCH names nps).",
}


def fetch_asset_key(folder: str) -> dg.AssetKey:
    """The asset of a fetched landing folder; `defs/raw.py` makes its raw table depend on it."""
    return dg.AssetKey(["landing", folder])


def build_fetch_asset(source: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=fetch_asset_key(source),
        description=DESCRIPTIONS[source],
        group_name="fetch",
        owners=[OWNER],
        kinds={"python", "file"},
        code_version="1",
        partitions_def=feed_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        # The writers' one-slot pool although a fetch writes landing files, not the
        # warehouse: a month's pages are replaced one file at a time, so no raw load of
        # another run may read them meanwhile, and two fetches never share a cursor.
        pool=WRITER_POOL,
        tags={"source": source},
    )
    def _fetch(context: dg.AssetExecutionContext, landing: LandingResource) -> dg.MaterializeResult:
        start, end = partition_dates(context)
        try:
            settings = landing.fetch_settings()
        except ValueError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        if source not in settings.enabled:
            return dg.MaterializeResult(
                metadata={
                    "fetched": False,
                    "reason": f"KUVA_FETCH does not name {source}: the landing files are used as dropped",
                }
            )

        def progress(done: int, total: int, message: str) -> None:
            if done < 0 or done == total:
                context.log.debug(f"{source}: {message}")

        # Here, not at the top: the HTTP client is imported only by a run that fetches.
        from kuva_pipeline.fetch import FetchError, run_fetch

        try:
            summary = run_fetch(source, settings, landing.landing, start, end, progress)
        except FetchError as exc:
            # The message names the source, the URL without secrets and the HTTP
            # status; the run-failure alert carries it as it is. A refused token
            # does not mend itself, a server error might.
            raise dg.Failure(
                description=f"fetch failed: {exc}",
                metadata={
                    "source": exc.source,
                    "url": exc.url,
                    "http_status": exc.status if exc.status is not None else "none",
                },
                allow_retries=exc.status not in (400, 401, 403, 404),
            ) from exc
        for note in summary.notes:
            context.log.warning(f"{source}: {note}")
        context.log.info(
            f"{source} {start}..{end}: {len(summary.written)} file(s) written, "
            f"{len(summary.unchanged)} unchanged, {len(summary.skipped)} period(s) without changes, "
            f"{summary.requests} request(s)"
        )
        meta = summary.as_metadata()
        return dg.MaterializeResult(
            metadata={
                "fetched": True,
                "partition_range": f"{start}..{end}",
                **{k: v for k, v in meta.items() if not isinstance(v, list)},
                "written": dg.MetadataValue.json(meta["written"]),
                "notes": dg.MetadataValue.json(meta["notes"]),
            }
        )

    return _fetch


ASSETS = [build_fetch_asset(folder) for folder in sorted(set(FETCHED_FOLDERS.values()))]
