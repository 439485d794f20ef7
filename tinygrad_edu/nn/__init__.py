"""tinygrad_edu.nn (being written)."""
