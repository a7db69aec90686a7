"""Same seed, same bytes; the committed sample is what the generator writes.

data/reference is not pinned to the generator: it is data a user edits
(tests/sources/test_reference_data.py checks that it is valid and consistent).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from kuva_pipeline.sample import generate_sample, main
from tests.sample import rawread as rr
from tests.sample.paths import COMMITTED, committed_is_present


def tree_hash(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode())
            h.update(b"\0")
            h.update(p.read_bytes())
    return h.hexdigest()


def test_same_seed_gives_identical_trees(tmp_path: Path, tiny_dir: Path):
    again = tmp_path / "again"
    generate_sample(again, seed=7, scale="tiny")
    assert tree_hash(again) == tree_hash(tiny_dir)


def test_another_seed_changes_the_data_not_the_baselines(tmp_path: Path, tiny_dir: Path, reference_dir: Path):
    from tests.sample.test_sample_baselines import event_counts, hobihobi_figures, nps_figures

    generate_sample(tmp_path / "other", seed=8, scale="tiny")
    assert tree_hash(tmp_path / "other") != tree_hash(tiny_dir)
    # The seed baselines, recounted from each sample's own files with the documented rules
    # (tests/sample/test_sample_baselines.py), not read from the generator's manifest.
    for landing in (tmp_path / "other", tiny_dir):
        reference = reference_dir
        assert hobihobi_figures(landing)[2019] == (357, 1859), landing
        rules = rr.classification(reference)
        counts = event_counts(landing, rules)[2019]
        assert (counts["large_culture_event"], counts["large_sports_event"], counts["district_event"]) == (
            27,
            28,
            19,
        ), landing
        assert round(nps_figures(landing, reference)[2019]["nps_index"]) == 40, landing


@pytest.mark.skipif(not committed_is_present(), reason="the small sample is not committed yet")
def test_committed_sample_is_current(tmp_path: Path):
    """data/landing is exactly what `kuva sample --seed 2021 --scale small` writes today."""
    generate_sample(tmp_path / "small", seed=2021, scale="small")
    assert tree_hash(tmp_path / "small") == tree_hash(COMMITTED)


def test_regenerating_replaces_an_earlier_sample(tmp_path: Path):
    out = tmp_path / "landing"
    generate_sample(out, seed=1, scale="tiny")
    first = tree_hash(out)
    generate_sample(out, seed=2, scale="tiny")
    generate_sample(out, seed=1, scale="tiny")
    assert tree_hash(out) == first


def test_refuses_to_mix_with_foreign_files(tmp_path: Path):
    out = tmp_path / "landing"
    (out / "nps" / "2021").mkdir(parents=True)
    (out / "nps" / "2021" / "nps_2021-03-01.csv").write_text("real drop\n")
    with pytest.raises(FileExistsError):
        generate_sample(out, seed=1, scale="tiny")
    assert (out / "nps" / "2021" / "nps_2021-03-01.csv").read_text() == "real drop\n"


def test_cli_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main(["--seed", "7", "--scale", "tiny", "--out", str(tmp_path / "cli"), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "2019: NPS 40.0, Hobihobi 357 listings / 1859 participants" in out
    with pytest.raises(SystemExit):
        main(["--scale", "huge"])
