"""Helpers for the operations tests: paths, backdating files, child processes, a local webhook."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
PROJECT_INSTANCE_YAML = ROOT / "dagster_home" / "dagster.yaml"
PYTHON = sys.executable


def age(path: Path, seconds_ago: float = 3600) -> None:
    """Backdate a file past the sensor's settle time, as a finished copy would be."""
    stamp = time.time() - seconds_ago
    os.utime(path, (stamp, stamp))


def subprocess_env(extra: dict[str, str]) -> dict[str, str]:
    """The test's environment for a child Python: this checkout first on the path."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("KUVA_")},
        **extra,
        "PYTHONPATH": str(ROOT),
        "PYTHONWARNINGS": "ignore",
    }


class Webhook:
    """A JSON webhook on 127.0.0.1 (a free port) that records every POST."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append(
                    {
                        "path": self.path,
                        "content_type": self.headers.get("Content-Type", ""),
                        "json": json.loads(body.decode("utf-8")),
                    }
                )
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/kuva"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Webhook:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
