"""`python -m kuva_pipeline.sample`: the same as `kuva sample`."""

from kuva_pipeline.sample.generator import main

raise SystemExit(main())
