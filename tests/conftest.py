import numpy as np
import pytest

import tinygrad_edu as te


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same random state."""
    te.manual_seed(0)
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(0)
