"""Property-based tests (hypothesis): random broadcastable shapes, reduction dims and
index arrays; gradients must have the input's shape and match finite differences."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import tinygrad_edu as te
from tinygrad_edu import Tensor

SETTINGS = settings(max_examples=25, deadline=None)

BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / b, np.divide),
    "pow": (lambda a, b: a ** b, np.power),
    "maximum": (lambda a, b: a.maximum(b), np.maximum),
    "minimum": (lambda a, b: a.minimum(b), np.minimum),
    "where": (lambda a, b: te.where(a.detach().numpy() > 1.0, a, b), lambda a, b: np.where(a > 1.0, a, b)),
}

seeds = st.integers(0, 2 ** 32 - 1)


def _inputs(seed, *shapes):
    """float64 inputs in [0.5, 2) (positive, so pow and div are defined everywhere)."""
    rng = np.random.default_rng(seed)
    return [Tensor(rng.uniform(0.5, 2.0, s), requires_grad=True) for s in shapes]


@pytest.mark.parametrize("name", list(BINARY))
@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                            max_side=3), seed=seeds)
def test_binary_broadcast_gradients(name, shapes, seed):
    fn, ref = BINARY[name]
    a, b = _inputs(seed, *shapes.input_shapes)
    out = fn(a, b)
    assert out.shape == shapes.result_shape
    np.testing.assert_allclose(out.detach().numpy(), ref(a.detach().numpy(), b.detach().numpy()), rtol=1e-12)
    out.sum().backward()
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
    assert te.gradcheck(fn, [a, b])


@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                            max_side=3), seed=seeds)
def test_scalar_and_swapped_operands(shapes, seed):
    """a∘b and b∘a give mirrored gradients; a Python scalar behaves like a 0-d tensor."""
    a, b = _inputs(seed, *shapes.input_shapes)
    (a * b - b / a).sum().backward()
    ga, gb = a.grad.detach().numpy().copy(), b.grad.detach().numpy().copy()
    a.grad = b.grad = None
    (-(b / a) + b * a).sum().backward()
    np.testing.assert_allclose(a.grad.detach().numpy(), ga, rtol=1e-12)
    np.testing.assert_allclose(b.grad.detach().numpy(), gb, rtol=1e-12)
    assert te.gradcheck(lambda t: 3.0 - t * 2.0 + 1.5 / t, [a])


@st.composite
def shape_and_dims(draw):
    shape = draw(array_shapes(min_dims=1, max_dims=4, max_side=3))
    ndim = len(shape)
    dims = draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim,
                         unique_by=lambda d: d % ndim))
    return shape, (dims[0] if len(dims) == 1 else tuple(dims))


REDUCTIONS = {
    "sum": (lambda t, d, k: t.sum(d, keepdim=k), lambda a, d, k: a.sum(d, keepdims=k)),
    "mean": (lambda t, d, k: t.mean(d, keepdim=k), lambda a, d, k: a.mean(d, keepdims=k)),
    "logsumexp": (lambda t, d, k: t.logsumexp(d, keepdim=k),
                  lambda a, d, k: np.log(np.exp(a).sum(d, keepdims=k))),
    "var_biased": (lambda t, d, k: t.var(d, unbiased=False, keepdim=k),
                   lambda a, d, k: a.var(d, keepdims=k)),
}


@pytest.mark.parametrize("name", list(REDUCTIONS))
@SETTINGS
@given(sd=shape_and_dims(), keepdim=st.booleans(), seed=seeds)
def test_reductions_over_random_dims(name, sd, keepdim, seed):
    shape, dim = sd
    fn, ref = REDUCTIONS[name]
    (x,) = _inputs(seed, shape)
    out = fn(x, dim, keepdim)
    np.testing.assert_allclose(out.detach().numpy(), ref(x.detach().numpy(), dim, keepdim), rtol=1e-10, atol=1e-12)
    assert te.gradcheck(lambda t: fn(t, dim, keepdim), [x])


@SETTINGS
@given(n=st.integers(1, 5), index=st.lists(st.integers(0, 4), min_size=1, max_size=8),
       seed=seeds)
def test_index_gradient_counts_repeats(n, index, seed):
    index = [i % n for i in index]
    (x,) = _inputs(seed, (n, 2))
    x[index].sum().backward()
    counts = np.bincount(index, minlength=n).astype(np.float64)
    np.testing.assert_array_equal(x.grad.detach().numpy(), np.repeat(counts[:, None], 2, axis=1))


@SETTINGS
@given(batch=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=2),
       n=st.integers(1, 3), k=st.integers(1, 3), m=st.integers(1, 3), seed=seeds)
def test_batched_matmul_broadcast_gradients(batch, n, k, m, seed):
    a, b = _inputs(seed, batch.input_shapes[0] + (n, k), batch.input_shapes[1] + (k, m))
    out = a @ b
    np.testing.assert_allclose(out.detach().numpy(), np.matmul(a.detach().numpy(), b.detach().numpy()), rtol=1e-12)
    assert te.gradcheck(lambda p, q: p @ q, [a, b])
