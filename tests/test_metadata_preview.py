"""The Markdown preview of a table in the UI reads a 128-bit integer column."""

import duckdb

from kuva_pipeline.metadata import table_metadata


def test_a_preview_shows_a_128_bit_hash_as_its_digits():
    con = duckdb.connect()
    try:
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE TABLE raw.t (id VARCHAR, _row_hash UHUGEINT)")
        # 2**127 + 1 does not fit in any NumPy integer.
        con.execute("INSERT INTO raw.t VALUES ('a', 170141183460469231731687303715884105729::UHUGEINT)")
        meta = table_metadata(con, "raw.t")
    finally:
        con.close()
    preview = meta["preview"].value if hasattr(meta["preview"], "value") else meta["preview"]
    assert "170141183460469231731687303715884105729" in preview
    assert meta["dagster/row_count"].value == 1
