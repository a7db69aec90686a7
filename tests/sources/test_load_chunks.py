"""How a range is cut for loading: whole months up to a byte budget, empty months alone."""

from datetime import date
from pathlib import Path

from kuva_pipeline.sources.landing import LandingFile
from kuva_pipeline.sources.raw import Reader, _load_chunks

CSV = Reader("*.csv", "csv")


def _file(tmp: Path, name: str, size: int, start: date, end: date) -> tuple[LandingFile, Reader]:
    path = tmp / name
    path.write_bytes(b"x" * size)
    return LandingFile(path, start, end), CSV


def _month(year: int, month: int) -> tuple[date, date]:
    ends = {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30}
    return date(year, month, 1), date(year, month, ends[month])


def test_small_months_are_read_together(tmp_path):
    files = [_file(tmp_path, f"m{m}.csv", 10, *_month(2021, m)) for m in (1, 2, 3)]
    assert _load_chunks(date(2021, 1, 1), date(2021, 3, 31), files, budget=100) == [
        (date(2021, 1, 1), date(2021, 3, 31))
    ]


def test_the_budget_cuts_between_months(tmp_path):
    # 40 + 40 fit in 100; the third month's 40 would make 120, so it starts a chunk.
    files = [_file(tmp_path, f"m{m}.csv", 40, *_month(2021, m)) for m in (1, 2, 3, 4)]
    assert _load_chunks(date(2021, 1, 1), date(2021, 4, 30), files, budget=100) == [
        (date(2021, 1, 1), date(2021, 2, 28)),
        (date(2021, 3, 1), date(2021, 4, 30)),
    ]


def test_a_month_over_the_budget_is_a_chunk_of_its_own(tmp_path):
    files = [
        _file(tmp_path, "m1.csv", 10, *_month(2021, 1)),
        _file(tmp_path, "m2.csv", 500, *_month(2021, 2)),
        _file(tmp_path, "m3.csv", 10, *_month(2021, 3)),
    ]
    assert _load_chunks(date(2021, 1, 1), date(2021, 3, 31), files, budget=100) == [
        (date(2021, 1, 1), date(2021, 1, 31)),
        (date(2021, 2, 1), date(2021, 2, 28)),
        (date(2021, 3, 1), date(2021, 3, 31)),
    ]


def test_a_file_spanning_months_counts_once(tmp_path):
    # One yearly file of 60 bytes covers January-March: 60, not 180, so one chunk.
    files = [_file(tmp_path, "y.csv", 60, date(2021, 1, 1), date(2021, 12, 31))]
    assert _load_chunks(date(2021, 1, 1), date(2021, 3, 31), files, budget=100) == [
        (date(2021, 1, 1), date(2021, 3, 31))
    ]


def test_a_month_without_files_stands_alone(tmp_path):
    # February lost its files (an unmounted share): it is its own chunk, between the others.
    files = [_file(tmp_path, f"m{m}.csv", 10, *_month(2021, m)) for m in (1, 3, 4)]
    assert _load_chunks(date(2021, 1, 1), date(2021, 4, 30), files, budget=100) == [
        (date(2021, 1, 1), date(2021, 1, 31)),
        (date(2021, 2, 1), date(2021, 2, 28)),
        (date(2021, 3, 1), date(2021, 4, 30)),
    ]


def test_a_partial_range_keeps_its_ends(tmp_path):
    files = [_file(tmp_path, f"m{m}.csv", 10, *_month(2021, m)) for m in (1, 2)]
    assert _load_chunks(date(2021, 1, 15), date(2021, 2, 10), files, budget=100) == [
        (date(2021, 1, 15), date(2021, 2, 10))
    ]
