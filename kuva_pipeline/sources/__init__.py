"""Source adapters: how each system's export lands in the `raw` schema, as-is, with file lineage."""
