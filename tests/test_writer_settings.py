"""The warehouse's writers checkpoint without merging row groups, and still drop emptied ones."""

from pathlib import Path

import yaml

from kuva_pipeline.resources import WRITER_SETTINGS, WarehouseResource

ROW_GROUP = 122_880  # DuckDB's rows per row group
PROJECT = Path(__file__).resolve().parents[1]


def _row_groups(con, table: str) -> int:
    return con.execute(
        f"SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('{table}')"
    ).fetchone()[0]


def _fill(con, batches: int, rows: int) -> None:
    """`batches` inserts of `rows` rows each in one transaction, as a chunked bulk load does."""
    con.execute("CREATE TABLE t (batch INTEGER, n BIGINT, label VARCHAR)")
    con.execute("BEGIN")
    for b in range(batches):
        con.execute(f"INSERT INTO t SELECT {b}, i, 'row ' || i FROM range({rows}) r(i)")
    con.execute("COMMIT")


def test_every_writer_connection_has_the_settings(tmp_path):
    warehouse = WarehouseResource(path=str(tmp_path / "kuva.duckdb"))
    with warehouse.connect() as con:
        for name, value in WRITER_SETTINGS.items():
            assert con.execute(f"SELECT current_setting('{name}')").fetchone()[0] == value
    # DuckDB's own default merges row groups at checkpoint: the setting is not a no-op.
    import duckdb

    plain = duckdb.connect()
    try:
        assert plain.execute("SELECT current_setting('max_vacuum_tasks')").fetchone()[0] > 0
    finally:
        plain.close()


def test_a_reloaded_batch_frees_its_row_groups(tmp_path):
    warehouse = WarehouseResource(path=str(tmp_path / "kuva.duckdb"))
    with warehouse.connect() as con:
        _fill(con, 3, ROW_GROUP)  # three full row groups, one per batch
        con.execute("CHECKPOINT")
        assert _row_groups(con, "t") == 3
        con.execute("DELETE FROM t WHERE batch = 1")
        con.execute("CHECKPOINT")
        assert _row_groups(con, "t") == 2
        # Its blocks are free for the next load: reloading the batch does not grow the file.
        blocks = con.execute(
            "SELECT total_blocks, free_blocks FROM pragma_database_size() WHERE database_name = current_database()"
        ).fetchone()
        assert blocks[1] > 0
        for _ in range(3):
            con.execute("DELETE FROM t WHERE batch = 1")
            con.execute(f"INSERT INTO t SELECT 1, i, 'row ' || i FROM range({ROW_GROUP}) r(i)")
            con.execute("CHECKPOINT")
        total = con.execute(
            "SELECT total_blocks FROM pragma_database_size() WHERE database_name = current_database()"
        ).fetchone()[0]
        assert total <= blocks[0] + 2  # a block or two of metadata, not a row group's worth per reload
        assert _row_groups(con, "t") == 3
        assert con.execute("SELECT count(*), count(*) FILTER (WHERE batch = 1) FROM t").fetchone() == (
            3 * ROW_GROUP,
            ROW_GROUP,
        )


def test_dbt_writes_with_the_same_settings():
    profile = yaml.safe_load((PROJECT / "assets" / "profiles.yml").read_text())
    settings = profile["kuva"]["outputs"]["warehouse"]["settings"]
    for name, value in WRITER_SETTINGS.items():
        assert settings[name] == value
