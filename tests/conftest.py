import os

import numpy as np
import pytest

import tinygrad_edu as te

# TE_ENGINE=reference runs the tests with the reference engine (autograd/reference.py)
te.autograd.set_engine(os.environ.get("TE_ENGINE", "production"))


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same random state."""
    te.manual_seed(0)
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(0)
