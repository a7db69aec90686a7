"""Row conservation for every source: raw = staging + quarantine, and every rejected row says which
field is wrong (or that it is a duplicate)."""

import pytest

from kuva_pipeline.defs.raw import RAW_SOURCES
from tests.sources.conftest import RAW_TABLES, STAGING

FIELDS = {s.qualified: s.fields for s in RAW_SOURCES}


@pytest.mark.parametrize("source", sorted(STAGING))
def test_raw_equals_staging_plus_quarantine(q, source):
    raw = sum(q(f"SELECT count(*) FROM {t}")[0][0] for t in RAW_TABLES[source])
    staged = q(f"SELECT count(*) FROM staging.{STAGING[source]}")[0][0]
    rejected = q(f"SELECT count(*) FROM quarantine.{STAGING[source]}")[0][0]
    assert raw == staged + rejected
    assert raw > 0 and rejected > 0  # the fixture exercises both sides for every source
    # Each raw row is in exactly one of the two, by its lineage.
    lineage = " UNION ALL ".join(
        f"SELECT _source_file, _record_index FROM {t}"
        for t in (f"staging.{STAGING[source]}", f"quarantine.{STAGING[source]}")
    )
    raw_keys = " UNION ALL ".join(f"SELECT _source_file, _record_index FROM {t}" for t in RAW_TABLES[source])
    assert q(f"SELECT count(*) FROM (({raw_keys}) EXCEPT ALL ({lineage}))") == [(0,)]
    assert q(f"SELECT count(*) FROM (({lineage}) EXCEPT ALL ({raw_keys}))") == [(0,)]


@pytest.mark.parametrize("source", sorted(STAGING))
def test_every_reason_names_a_field_or_a_duplicate(q, source):
    fields = {f for t in RAW_TABLES[source] for f in FIELDS[t]}
    for (reason,) in q(f"SELECT _reject_reason FROM quarantine.{STAGING[source]}"):
        head = reason.split(":", 1)[0]
        assert head in fields or head == "duplicate", reason
