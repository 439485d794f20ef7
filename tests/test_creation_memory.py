"""Creation functions allocate in the target dtype: a float32 tensor of N elements
needs about 4N bytes while it is made, never a float64 copy (8N more), and the float64
values are those of the float64 formulas (the random streams unchanged)."""
import tracemalloc

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import creation

N = 1_000_000
P = te.rand(N)                   # probabilities for bernoulli, made outside the measurement

CASES = {
    "zeros": lambda: te.zeros(N),
    "ones": lambda: te.ones(N),
    "full": lambda: te.full((N,), 2.5),
    "empty": lambda: te.empty(N),
    "rand": lambda: te.rand(N),
    "randn": lambda: te.randn(N),
    "randn_like": lambda: te.randn_like(P),
    "normal": lambda: te.normal(1.0, 2.0, (N,)),
    "normal_tensor_std": lambda: te.normal(0.5, P),
    "arange": lambda: te.arange(0.0, N),
    "linspace": lambda: te.linspace(-1, 1, N),
    "logspace": lambda: te.logspace(-1, 1, N),
    "randint_float": lambda: te.randint(0, 5, (N,), dtype=te.float32),
    "bernoulli": lambda: te.bernoulli(P),
    "bernoulli_p": lambda: te.bernoulli(P, 0.3),
    "randperm": lambda: te.randperm(N, dtype=te.float32),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_float32_tensor_is_made_without_a_float64_copy(name):
    CASES[name]()                            # warm-up (imports, caches)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        t = CASES[name]()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert t.dtype == te.float32 and t.numel() == N
    # the result (4N bytes) plus small scratch space: a float64 copy would add 8N
    assert peak <= 1.5 * 4 * N, f"{name}: {peak / (4 * N):.2f} × the result's size"


def test_float64_values_follow_the_float64_formulas():
    assert np.array_equal(te.arange(-3, 7.3, 0.7, dtype=te.float64).numpy(),
                          np.arange(-3, 7.3, 0.7))
    assert np.array_equal(te.arange(5, -5, -0.25, dtype=te.float64).numpy(),
                          np.arange(5, -5, -0.25))
    assert np.array_equal(te.arange(0, 10**5, 3).numpy(), np.arange(0, 10**5, 3))
    n = 3 * creation.CHUNK + 7          # several chunks
    assert np.array_equal(te.arange(0.0, n * 0.5, 0.5, dtype=te.float64).numpy(),
                          np.arange(0.0, n * 0.5, 0.5))
    for steps in (0, 1, 2, 5, n):
        assert np.array_equal(te.linspace(-2, 3, steps, dtype=te.float64).numpy(),
                              np.linspace(-2, 3, steps))
        assert np.array_equal(te.logspace(-2, 3, steps, base=2.0, dtype=te.float64).numpy(),
                              np.logspace(-2, 3, steps, base=2.0))
    # float32: the float64 values rounded once
    assert np.array_equal(te.linspace(-2, 3, n).numpy(),
                          np.linspace(-2, 3, n).astype(np.float32))


def test_float64_random_streams_are_unchanged():
    """The draws are NumPy's own, in the same order, as before the change."""
    te.manual_seed(0)
    z = te.normal(1.5, 2.0, (1000,), dtype=te.float64).numpy()
    assert np.array_equal(z, 1.5 + 2.0 * np.random.default_rng(0).standard_normal(1000))
    te.manual_seed(0)
    k = te.randint(0, 7, (3 * creation.CHUNK + 1,), dtype=te.float64).numpy()
    assert np.array_equal(k, np.random.default_rng(0).integers(0, 7, 3 * creation.CHUNK + 1))
    for dtype in (None, te.float64, te.int32):
        te.manual_seed(0)
        perm = te.randperm(1000, dtype=dtype).numpy()
        assert np.array_equal(perm, np.random.default_rng(0).permutation(1000))
    te.manual_seed(0)
    b = te.bernoulli(te.full((1000,), 0.3, dtype=te.float64)).numpy()
    assert np.array_equal(b, np.random.default_rng(0).random(1000) < 0.3)
