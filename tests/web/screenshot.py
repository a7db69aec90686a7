"""Make the README's screenshot of the scorecard view with Debian's Chromium.

    python -m tests.web.screenshot [SNAPSHOT] [OUT.png]

Serves the snapshot on a free port of 127.0.0.1, opens the weighted scorecard in
English and saves the first 1280 x 1100 pixels.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from kuva_pipeline import settings
from kuva_pipeline.web.app import app_for_snapshot
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, free_port

PAGE = "/en/scorecards/weighted_targets_2021"


def main(argv: list[str]) -> int:
    snapshot = Path(argv[0]) if argv else settings.path_setting("KUVA_BI_PATH")
    out = Path(argv[1]) if len(argv) > 1 else settings.PROJECT_ROOT / "docs" / "img" / "scorecard.png"
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app_for_snapshot(snapshot), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1100})
            page.goto(f"http://127.0.0.1:{port}{PAGE}")
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
            browser.close()
    finally:
        server.should_exit = True
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
