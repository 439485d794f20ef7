"""The one random number generator behind ``rand``, ``randn``, init and dropout."""
from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the global generator so that runs repeat exactly."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def rng() -> np.random.Generator:
    """The global generator (always use this, never ``np.random`` directly)."""
    return _generator
