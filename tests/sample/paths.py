"""Where the committed sample lives, and whether it is committed.

The sample's reference (devices, spaces, event classes, service areas) is what the
generator writes (the `reference_dir` fixture), not data/reference, which a user edits.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "data" / "landing"


def committed_is_present() -> bool:
    manifest = COMMITTED / "_manifest.json"
    if not manifest.exists():
        return False
    m = json.loads(manifest.read_text(encoding="utf-8"))
    return m.get("scale") == "small" and m.get("seed") == 2021
