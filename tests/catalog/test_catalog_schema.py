"""The JSON Schema for editors: committed, up to date, referenced by every file, and agreeing."""

from __future__ import annotations

import json

import pytest
import yaml

from kuva_pipeline.catalog.loader import (
    DEFAULT_CATALOG_DIR,
    SCHEMA_COMMENT,
    SCHEMA_FILE_NAME,
    export_json_schema,
    render_json_schema,
)

SCHEMA_PATH = DEFAULT_CATALOG_DIR / SCHEMA_FILE_NAME
CATALOG_FILES = sorted(DEFAULT_CATALOG_DIR.glob("*.yaml"))


def test_committed_schema_is_up_to_date():
    # If this fails: python -m kuva_pipeline.catalog schema
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render_json_schema()


def test_export_writes_the_same_schema(tmp_path):
    written = export_json_schema(tmp_path / "schema.json")
    assert written.read_text(encoding="utf-8") == SCHEMA_PATH.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda p: p.name)
def test_each_file_points_editors_at_the_schema(path):
    assert path.read_text(encoding="utf-8").splitlines()[0] == SCHEMA_COMMENT


@pytest.mark.parametrize("path", CATALOG_FILES, ids=lambda p: p.name)
def test_each_file_passes_the_json_schema(path):
    import jsonschema  # a declared dev dependency: the test must run, never skip
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    # JSON has no date type: compare the file as an editor sees it, dates as text.
    data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
    jsonschema.Draft202012Validator(schema).validate(data)


def test_schema_names_the_known_sources():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    source = schema["$defs"]["Meter"]["properties"]["source"]
    assert source["enum"] == ["checkin", "events", "finance", "hobihobi", "nps", "varaamo"]
