"""Same seed, same bytes; the committed sample and reference are what the generator writes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from kuva_pipeline.sample import generate_sample, main, reference_files
from tests.sample.paths import COMMITTED, REFERENCE, committed_is_present


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


def test_another_seed_changes_the_data_not_the_baselines(tmp_path: Path, tiny_dir: Path):
    other = generate_sample(tmp_path / "other", seed=8, scale="tiny")
    assert tree_hash(tmp_path / "other") != tree_hash(tiny_dir)
    tiny = json.loads((tiny_dir / "_manifest.json").read_text(encoding="utf-8"))
    for m in (other, tiny):
        h = m["headline"]
        assert h["hobihobi"]["by_year"]["2019"]["listings"] == 357
        assert h["hobihobi"]["by_year"]["2019"]["participants"] == 1859
        assert h["events"]["by_year"]["2019"] == {
            "large_culture_event": 27,
            "large_sports_event": 28,
            "district_event": 19,
        }
        assert round(h["nps"]["by_year"]["2019"]["nps_index"]) == 40


@pytest.mark.skipif(not committed_is_present(), reason="the small sample is not committed yet")
def test_committed_sample_is_current(tmp_path: Path):
    """data/landing is exactly what `kuva sample --seed 2021 --scale small` writes today."""
    generate_sample(tmp_path / "small", seed=2021, scale="small")
    assert tree_hash(tmp_path / "small") == tree_hash(COMMITTED)


def test_committed_reference_is_current():
    for name, data in reference_files().items():
        assert (REFERENCE / name).read_bytes() == data, (
            f"data/reference/{name} differs from the generator"
        )


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
