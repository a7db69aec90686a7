"""The Dagster definitions, by layer: raw loaders, reference data, SQL models, catalog and scorecard."""
