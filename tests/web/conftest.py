"""Fixtures of the scorecard view's tests: the bundled sample refreshed and published once
per session, the app serving it on 127.0.0.1, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT

CHROMIUM = Path(os.environ.get("KUVA_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_DIR = Path(__file__).resolve().parent / "node_modules_axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
OUTPUT = Path(os.environ.get("KUVA_TEST_OUTPUT") or ROOT / "test-output") / "web"


@pytest.fixture(scope="session")
def web_sample(sample_snapshot) -> tuple[Path, Path]:
    """The bundled sample refreshed and published once per session (tests/conftest.py)."""
    return sample_snapshot


@pytest.fixture(scope="session")
def snapshot_path(web_sample) -> Path:
    return web_sample[1]


@pytest.fixture
def bi(snapshot_path):
    """A read-only connection to the published snapshot, for the values a page must show."""
    con = duckdb.connect(str(snapshot_path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def source_copy(web_sample) -> Path:
    """The copy of the sources the publication wrote beside the sample's warehouse."""
    from kuva_pipeline.timetravel import source_copy_path

    return source_copy_path(web_sample[0])


@pytest.fixture(scope="session")
def as_of_cache(tmp_path_factory) -> Path:
    """One cache of computed days for the session, so each day is computed once."""
    return tmp_path_factory.mktemp("as_of_cache")


@pytest.fixture(scope="session")
def server_url(snapshot_path, source_copy, as_of_cache) -> str:
    """`kuva serve`'s app on a free port of 127.0.0.1, for the session, computing the days
    the snapshot did not score (the documents' forecast days from the start)."""
    import uvicorn

    from kuva_pipeline.web.app import app_for_snapshot
    from kuva_pipeline.web.asof import AsOfComputer

    port = free_port()
    app = app_for_snapshot(snapshot_path, AsOfComputer(source_copy, as_of_cache))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the scorecard view did not start on 127.0.0.1")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: install Debian's chromium "
            "(apt-get install chromium) to run the browser tests"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fi-FI")
    pg = context.new_page()
    # Pages are self-contained: anything but the app itself is a bug.
    pg.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("http://127.0.0.1", "file://", "data:")) else route.abort())
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        # A fresh clone has no axe-core yet (it is git-ignored): fetch it from npm's
        # registry as .ci/run does, so the README's test command works on its own.
        npm = shutil.which("npm")
        command = ["install", "--silent", "--no-audit", "--no-fund", "--prefix", str(AXE_DIR), "axe-core@4"]
        if npm is None:
            pytest.fail(
                f"{AXE_JS} is missing and there is no npm to install it: install npm (Debian: "
                f"apt-get install npm), or axe-core by hand: npm {' '.join(command)}"
            )
        done = subprocess.run([npm, *command], capture_output=True, text=True, timeout=600)
        if done.returncode != 0 or not AXE_JS.exists():
            pytest.fail(f"npm could not install axe-core into {AXE_DIR}: {done.stderr.strip()[-2000:]}")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
