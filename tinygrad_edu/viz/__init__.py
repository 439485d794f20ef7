"""tinygrad_edu.viz (being written)."""
