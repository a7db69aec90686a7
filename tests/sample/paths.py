"""Where the committed sample and reference data live, and whether the sample is committed."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "data" / "landing"
REFERENCE = ROOT / "data" / "reference"


def committed_is_present() -> bool:
    manifest = COMMITTED / "_manifest.json"
    if not manifest.exists():
        return False
    m = json.loads(manifest.read_text(encoding="utf-8"))
    return m.get("scale") == "small" and m.get("seed") == 2021
