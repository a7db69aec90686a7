"""Tests of the scoring engine (kuva_pipeline.scoring)."""
