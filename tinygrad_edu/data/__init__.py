"""tinygrad_edu.data (being written)."""
