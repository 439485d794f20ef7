"""tinygrad_edu.optim (being written)."""
