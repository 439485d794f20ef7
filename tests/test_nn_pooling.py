"""AvgPool2d, AdaptiveAvgPool2d and Unflatten against torch (float64): values,
input gradients, reprs; gradcheck; errors for what is not supported."""
import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F

torch = pytest.importorskip("torch")

CASES = [("AvgPool2d", (2,), {}), ("AvgPool2d", (3, 2, 1), {}), ("AvgPool2d", ((2, 3),), {}),
         ("AvgPool2d", (3,), {"stride": 1}),
         ("AdaptiveAvgPool2d", ((3, 2),), {}), ("AdaptiveAvgPool2d", (1,), {}),
         ("AdaptiveAvgPool2d", ((None, 4),), {}), ("AdaptiveAvgPool2d", ((7, 3),), {}),
         ("Unflatten", (0, (1, -1)), {}), ("Unflatten", (-1, (2, 3)), {})]


@pytest.mark.parametrize("name, args, kwargs", CASES)
@pytest.mark.parametrize("shape", [(2, 3, 7, 6), (3, 8, 6)])
def test_pooling_matches_torch(rng, name, args, kwargs, shape):
    tm, m = getattr(torch.nn, name)(*args, **kwargs), getattr(nn, name)(*args, **kwargs)
    assert repr(m) == repr(tm)
    x = rng.standard_normal(shape)
    tx, ex = torch.tensor(x, requires_grad=True), te.tensor(x, requires_grad=True)
    tout, out = tm(tx), m(ex)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), atol=1e-12)
    g = rng.standard_normal(out.shape)
    tout.backward(torch.tensor(g))
    out.backward(te.tensor(g))
    np.testing.assert_allclose(ex.grad.detach().numpy(), tx.grad.detach().numpy(), atol=1e-12)


def test_pooling_gradcheck(rng):
    x = te.tensor(rng.standard_normal((1, 2, 5, 4)), requires_grad=True)
    assert te.gradcheck(lambda x: F.avg_pool2d(x, 3, 2, 1), [x])
    assert te.gradcheck(lambda x: F.adaptive_avg_pool2d(x, (2, 3)), [x])


def test_pooling_errors():
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        F.avg_pool2d(te.zeros(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(ValueError, match="expected a 4-D input"):
        F.adaptive_avg_pool2d(te.zeros(4, 4), 2)
