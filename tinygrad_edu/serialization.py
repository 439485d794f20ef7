"""save / load of state dicts (being written)."""
