"""A load of several chunks: the next chunk's files are read on another cursor while this
one is stored. The rows, their numbers and days, the progress, the errors and the rollback
must be what a load of one chunk gives, and nothing may be left behind."""

import threading
from datetime import date, datetime
from pathlib import Path

import pytest

from kuva_pipeline.resources import WarehouseResource
from kuva_pipeline.sources import raw
from kuva_pipeline.sources.landing import LandingFileError
from kuva_pipeline.sources.raw import RawSource, Reader, load_raw

T0 = datetime(2021, 6, 1, 3, 0)

SOURCE = RawSource(
    name="t", table="t", folder="t", description="test", fields=("id", "day", "n"),
    readers=(Reader("*.csv", "csv"),),
    # The record's own day when it reads as one, else its file's first day.
    day_expr="try_strptime(day, '%d.%m.%Y')",
)

MONTHS = {
    "t_2021-01.csv": "id,day,n\na1,3.1.2021,1\na2,31.1.2021,2\na3,not a day,3\n",
    "t_2021-02.csv": "id,day,n\nb1,14.2.2021,4\n",
    "t_2021-03.csv": "id,day,n\nc1,1.3.2021,5\nc2,2.3.2021,6\n",
    "t_2021-04.csv": "id,day,n\nd1,30.4.2021,7\n",
}


@pytest.fixture
def landing(tmp_path, monkeypatch):
    folder = tmp_path / "landing" / "t"
    folder.mkdir(parents=True)
    for name, text in MONTHS.items():
        (folder / name).write_text(text, encoding="utf-8")
    # One month per chunk: four chunks, each read while the one before it is stored.
    monkeypatch.setattr(raw, "CHUNK_BYTES", 1)
    # The load's temporary folder (files it converts to read) lives under the system's.
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))
    return folder


def load(tmp_path: Path, folder: Path, **kwargs):
    warehouse = WarehouseResource(path=str(tmp_path / "w.duckdb"))
    with warehouse.connect() as con:
        result = load_raw(con, SOURCE, folder.parent, date(2021, 1, 1), date(2021, 4, 30), T0, **kwargs)
        rows = con.execute(
            "SELECT _source_file, _record_index, id, _partition_date FROM raw.t "
            "ORDER BY _source_file, _record_index"
        ).fetchall()
    return result, rows


def test_every_chunk_loads_with_its_records_numbered_per_file(tmp_path, landing):
    before = set(threading.enumerate())
    seen = []
    result, rows = load(tmp_path, landing, on_file=lambda i, n, name: seen.append(
        (i, n, name, threading.current_thread() is threading.main_thread())
    ))
    assert rows == [
        ("t/t_2021-01.csv", 1, "a1", date(2021, 1, 3)),
        ("t/t_2021-01.csv", 2, "a2", date(2021, 1, 31)),
        ("t/t_2021-01.csv", 3, "a3", date(2021, 1, 1)),  # unreadable day: the file's first
        ("t/t_2021-02.csv", 1, "b1", date(2021, 2, 14)),
        ("t/t_2021-03.csv", 1, "c1", date(2021, 3, 1)),
        ("t/t_2021-03.csv", 2, "c2", date(2021, 3, 2)),
        ("t/t_2021-04.csv", 1, "d1", date(2021, 4, 30)),
    ]
    assert result.rows_by_file == {
        "t/t_2021-01.csv": 3, "t/t_2021-02.csv": 1, "t/t_2021-03.csv": 2, "t/t_2021-04.csv": 1,
    }
    # Progress names every file once, in order, from the thread that runs the load.
    assert seen == [(i + 1, 4, f"t/{name}", True) for i, name in enumerate(MONTHS)]
    assert not list(Path(str(tmp_path / "scratch")).iterdir())
    # The reading thread is gone with the load (other tests' threads may live on).
    assert set(threading.enumerate()) <= before


def test_a_broken_file_in_a_later_chunk_is_named_and_the_table_is_left_as_it_was(tmp_path, landing):
    load(tmp_path, landing)
    before = set(threading.enumerate())
    (landing / "t_2021-03.csv").write_text("id,day,n\nc1,1.3.2021,5,extra\n", encoding="utf-8")
    (landing / "t_2021-01.csv").write_text(
        "id,day,n\nz1,5.1.2021,9\nz2,6.1.2021,9\nz3,7.1.2021,9\n", encoding="utf-8"
    )
    with pytest.raises(LandingFileError) as raised:
        load(tmp_path, landing)
    message = str(raised.value)
    assert "t/t_2021-03.csv" in message and "line 2" in message
    _, rows = load_rows(tmp_path)
    # January was stored before March failed to read; the rollback undid it.
    assert [r[2] for r in rows] == ["a1", "a2", "a3", "b1", "c1", "c2", "d1"]
    assert not list(Path(str(tmp_path / "scratch")).iterdir())
    # The reading thread is gone with the load (other tests' threads may live on).
    assert set(threading.enumerate()) <= before


def test_a_month_whose_files_vanished_is_held_back_with_the_next_chunk_already_read(tmp_path, landing):
    load(tmp_path, landing)
    before = set(threading.enumerate())
    (landing / "t_2021-02.csv").unlink()
    with pytest.raises(raw.RawShrinkError, match="2021-02"):
        load(tmp_path, landing)
    _, rows = load_rows(tmp_path)
    assert [r[2] for r in rows] == ["a1", "a2", "a3", "b1", "c1", "c2", "d1"]
    # The reading thread is gone with the load (other tests' threads may live on).
    assert set(threading.enumerate()) <= before


def load_rows(tmp_path: Path):
    warehouse = WarehouseResource(path=str(tmp_path / "w.duckdb"))
    with warehouse.connect(read_only=True) as con:
        return None, con.execute(
            "SELECT _source_file, _record_index, id, _partition_date FROM raw.t "
            "ORDER BY _source_file, _record_index"
        ).fetchall()


def test_a_load_reports_its_files_every_two_seconds_and_at_the_end():
    from kuva_pipeline.defs.raw import FileProgress

    lines: list[str] = []
    now = [100.0]
    progress = FileProgress(lines.append, clock=lambda: now[0])
    # Five files read at 0.5 s, 1.9 s, 2.1 s, 3.0 s and 4.2 s after the load's start.
    for i, t in enumerate((0.5, 1.9, 2.1, 3.0, 4.2), start=1):
        now[0] = 100.0 + t
        progress(i, 6, f"f{i}.csv")
    now[0] = 104.3
    progress(6, 6, "f6.csv")  # the last file is always reported
    assert lines == [
        "read 3/6 files (last: f3.csv)",  # 2.1 s after the start
        "read 5/6 files (last: f5.csv)",  # 2.1 s after that
        "read 6/6 files (last: f6.csv)",
    ]
