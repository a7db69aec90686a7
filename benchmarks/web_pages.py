"""Render time of the scorecard view's pages from the published snapshot.

    python benchmarks/web_pages.py [SNAPSHOT] [--repeat N]

Renders every page (front page per day, every scorecard and meter at each of its
days, both languages) through the app's own request path (Starlette's test client:
routing, as-of parsing, rendering) and prints the median and the slowest time per
page type (median, 95th percentile, slowest). The snapshot is read once first, as `kuva serve` does at start. The
target is under 300 ms per page on the bundled sample.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from starlette.testclient import TestClient

from kuva_pipeline import settings
from kuva_pipeline.web.app import app_for_snapshot
from kuva_pipeline.web.snapshot import read_duckdb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", nargs="?", default=str(settings.path_setting("KUVA_BI_PATH")))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = Path(args.snapshot)
    t0 = time.perf_counter()
    snap = read_duckdb(path)
    load_ms = (time.perf_counter() - t0) * 1000
    urls: dict[str, list[str]] = {"front": [], "scorecard": [], "meter": []}
    for lang in ("fi", "en"):
        urls["front"].append(f"/{lang}/")
        urls["front"] += [f"/{lang}/?as_of={d.isoformat()}" for d in snap.all_as_of_days()]
        for sid in snap.scorecards:
            for d in snap.as_of_days(sid):
                urls["scorecard"].append(f"/{lang}/scorecards/{sid}?as_of={d.isoformat()}")
                urls["meter"] += [
                    f"/{lang}/meters/{r['meter_id']}?as_of={d.isoformat()}" for r in snap.scorecard_rows(sid, d)
                ]
    print(f"snapshot {path}: read in {load_ms:.0f} ms")
    with TestClient(app_for_snapshot(path)) as client:
        client.get("/fi/")  # first request reads the snapshot
        for kind, group in urls.items():
            times = []
            for url in group:
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    r = client.get(url)
                    times.append((time.perf_counter() - t) * 1000)
                    assert r.status_code == 200, (url, r.status_code)
            print(
                f"{kind:10s} {len(group):4d} pages  median {statistics.median(times):6.1f} ms  "
                f"p95 {statistics.quantiles(times, n=20)[-1]:6.1f} ms  max {max(times):6.1f} ms"
            )


if __name__ == "__main__":
    main()
