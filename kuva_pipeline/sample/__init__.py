"""Deterministic sample data for the KUVA pipeline: the landing zone and its reference data.

`generate_sample(out_dir, seed, scale)` writes every source in its real public
shape, with documented pitfalls and calibrated baselines, plus a manifest;
`main(argv)` is the `kuva sample` command. See docs/sources.md.
"""

from kuva_pipeline.sample.generator import generate_sample, main
from kuva_pipeline.sample.reference import reference_files, write_reference
from kuva_pipeline.sample.scales import SCALES

__all__ = ["SCALES", "generate_sample", "main", "reference_files", "write_reference"]
