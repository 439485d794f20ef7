"""Every differentiable op: forward against NumPy (or a closed form) and gradcheck in
float64 over several shapes, including broadcasting in both directions."""
import itertools
import math
import types

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import Tensor


def _arrays(rng, shapes, low=-2.0, high=2.0):
    return [rng.uniform(low, high, s) for s in shapes]


def check(fn, ref, arrays, rtol=1e-10, atol=1e-12):
    """Forward of ``fn`` on float64 tensors equals ``ref`` on the arrays, the result
    stays float64, and ``fn`` passes gradcheck w.r.t. every input."""
    ts = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(*ts)
    expected = ref(*arrays)
    assert out.shape == np.shape(expected)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=rtol, atol=atol)
    assert te.gradcheck(fn, ts)
    return ts


# ------------------------------------------------------------------ binary ops
BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / b, np.divide),
    "pow": (lambda a, b: a ** b, np.power),
    "maximum": (lambda a, b: a.maximum(b), np.maximum),
    "minimum": (lambda a, b: a.minimum(b), np.minimum),
    "te.maximum": (lambda a, b: te.maximum(a, b), np.maximum),
    "where": (lambda a, b: te.where(a.detach().numpy() > 0, a, b), lambda a, b: np.where(a > 0, a, b)),
}
SHAPE_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (3, 4)), ((2, 1, 4), (3, 1)),
               ((3, 1), (2, 1, 4)), ((), (2, 3)), ((2, 3), ()), ((1,), (2, 3))]


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("name", list(BINARY))
def test_binary(name, shapes, rng):
    fn, ref = BINARY[name]
    low = 0.5 if name in ("pow", "div") else -2.0     # a > 0 for pow, b ≠ 0 for div
    a, b = _arrays(rng, shapes, low=low)
    ts = check(fn, ref, [a, b])
    out = fn(*ts)
    out.sum().backward()
    for t in ts:                      # the engine reduces broadcast grads to the input
        assert t.grad.shape == t.shape and t.grad.dtype == np.float64


SCALAR_OPS = {
    "add": (lambda t, s: t + s, lambda t, s: s + t, np.add),
    "sub": (lambda t, s: t - s, lambda t, s: s - t, np.subtract),
    "mul": (lambda t, s: t * s, lambda t, s: s * t, np.multiply),
    "div": (lambda t, s: t / s, lambda t, s: s / t, np.divide),
    "pow": (lambda t, s: t ** s, lambda t, s: s ** t, np.power),
}


@pytest.mark.parametrize("scalar", [2, 2.5], ids=["int", "float"])
@pytest.mark.parametrize("name", list(SCALAR_OPS))
def test_scalar_on_either_side(name, scalar, rng):
    right, left, ref = SCALAR_OPS[name]
    a = rng.uniform(0.5, 2.0, (2, 3))
    check(lambda t: right(t, scalar), lambda x: ref(x, scalar), [a])
    check(lambda t: left(t, scalar), lambda x: ref(scalar, x), [a])
    # a float32 tensor stays float32 with a Python scalar on either side
    t32 = Tensor(a.astype(np.float32))
    assert right(t32, scalar).dtype == np.float32 and left(t32, scalar).dtype == np.float32


def test_scalar_with_maximum_minimum_where(rng):
    a = rng.uniform(-2, 2, (3, 4))
    check(lambda t: t.maximum(0.5), lambda x: np.maximum(x, 0.5), [a])
    check(lambda t: t.minimum(-0.5), lambda x: np.minimum(x, -0.5), [a])
    check(lambda t: te.where(a > 0, t, 0.0), lambda x: np.where(a > 0, x, 0.0), [a])
    check(lambda t: te.where(a > 0, 1.5, t), lambda x: np.where(a > 0, 1.5, x), [a])
    check(lambda t: t.where(Tensor(a > 0), -t), lambda x: np.where(a > 0, x, -x), [a])


def test_pow_gradient_wrt_exponent(rng):
    a, b = rng.uniform(0.5, 2, (3,)), rng.uniform(-1, 1, (3,))
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    (ta ** tb).sum().backward()
    np.testing.assert_allclose(ta.grad.detach().numpy(), b * a ** (b - 1))
    np.testing.assert_allclose(tb.grad.detach().numpy(), a ** b * np.log(a))


def test_pow_gradients_at_a_zero_base_take_the_limits():
    """x**0 has derivative 0 everywhere (also at x = 0, not 0·0⁻¹ = nan), and
    ∂(aᵇ)/∂b = aᵇ ln a → 0 at a = 0 for b ≥ 0: the values torch gives."""
    x = Tensor(np.array([0.0, 1.0, 2.0]), requires_grad=True)
    te.stack([x ** k for k in range(4)]).sum().backward()      # 1 + x + x² + x³
    assert x.grad.tolist() == [1.0, 6.0, 17.0]
    a = Tensor(np.array([0.0, 0.0, 0.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([0.0, 2.0, 1.0, 0.0]), requires_grad=True)
    (a ** b).sum().backward()
    assert a.grad.tolist() == [0.0, 0.0, 1.0, 0.0]
    np.testing.assert_allclose(b.grad.detach().numpy(), [0.0, 0.0, 0.0, np.log(2.0)])
    torch = pytest.importorskip("torch")
    ta = torch.tensor(a.detach().numpy(), requires_grad=True)
    tb = torch.tensor(b.detach().numpy(), requires_grad=True)
    (ta ** tb).sum().backward()
    np.testing.assert_array_equal(a.grad.detach().numpy(), ta.grad.detach().numpy())
    np.testing.assert_allclose(b.grad.detach().numpy(), tb.grad.detach().numpy(), rtol=1e-15)


@pytest.mark.parametrize("op, expected_a, expected_b", [
    ("maximum", [0.5, 1.0, 0.0], [0.5, 0.0, 1.0]),
    ("minimum", [0.5, 0.0, 1.0], [0.5, 1.0, 0.0]),
])
def test_maximum_minimum_ties_split_gradient(op, expected_a, expected_b):
    a = Tensor([1.0, 3.0, 0.0], requires_grad=True)
    b = Tensor([1.0, 2.0, 2.0], requires_grad=True)
    out = getattr(a, op)(b)
    out.sum().backward()
    assert a.grad.tolist() == expected_a and b.grad.tolist() == expected_b


def test_neg(rng):
    check(lambda t: -t, np.negative, _arrays(rng, [(2, 3)]))
    assert (+Tensor([1.0])).tolist() == [1.0]


# ------------------------------------------------------------------ unary ops
def _gelu(x):
    return x * 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def _away_from_kinks(a, kinks=(0.0,), gap=0.05):
    """Move samples off points where the derivative jumps (finite differences fail)."""
    for k in kinks:
        close = np.abs(a - k) < gap
        a[close] = k + gap * np.where(a[close] >= k, 2, -2)
    return a


UNARY = {
    "exp": (Tensor.exp, np.exp, None),
    "log": (Tensor.log, np.log, "positive"),
    "sqrt": (Tensor.sqrt, np.sqrt, "positive"),
    "abs": (Tensor.abs, np.abs, (0.0,)),
    "sin": (Tensor.sin, np.sin, None),
    "cos": (Tensor.cos, np.cos, None),
    "tanh": (Tensor.tanh, np.tanh, None),
    "sigmoid": (Tensor.sigmoid, lambda x: 1 / (1 + np.exp(-x)), None),
    "relu": (Tensor.relu, lambda x: np.maximum(x, 0), (0.0,)),
    "leaky_relu": (Tensor.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x), (0.0,)),
    "leaky_relu_0.2": (lambda t: t.leaky_relu(0.2), lambda x: np.where(x > 0, x, 0.2 * x),
                       (0.0,)),
    "gelu": (Tensor.gelu, _gelu, None),
    "softplus": (Tensor.softplus, lambda x: np.log1p(np.exp(x)), None),
    "softplus_beta2": (lambda t: t.softplus(beta=2.0),
                       lambda x: np.log1p(np.exp(2 * x)) / 2, None),
    "softplus_threshold": (lambda t: t.softplus(beta=1.0, threshold=1.0),
                           lambda x: np.where(x > 1.0, x, np.log1p(np.exp(x))), (1.0,)),
    "clamp": (lambda t: t.clamp(-0.5, 1.0), lambda x: np.clip(x, -0.5, 1.0), (-0.5, 1.0)),
    "clamp_min": (lambda t: t.clamp(min=0.3), lambda x: np.maximum(x, 0.3), (0.3,)),
    "clamp_max": (lambda t: t.clamp(max=0.3), lambda x: np.minimum(x, 0.3), (0.3,)),
    "clip": (lambda t: t.clip(-1.0, 1.0), lambda x: np.clip(x, -1, 1), (-1.0, 1.0)),
    "te.exp": (te.exp, np.exp, None),
    "te.relu": (te.relu, lambda x: np.maximum(x, 0), (0.0,)),
}


@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 2)], ids=str)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary(name, shape, rng):
    fn, ref, domain = UNARY[name]
    if domain == "positive":
        a = rng.uniform(0.2, 3.0, shape)
    else:
        a = rng.uniform(-3.0, 3.0, shape)
        if domain is not None:
            a = _away_from_kinks(np.asarray(a), domain)
    check(fn, ref, [np.asarray(a)])


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_keeps_float32(name):
    fn = UNARY[name][0]
    x = Tensor([0.5, 1.5, 2.5], requires_grad=True)
    y = fn(x)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_relu_abs_clamp_derivative_at_kink():
    """PyTorch's conventions: relu'(0) = 0, |x|'(0) = 0, clamp passes the gradient on
    the boundary."""
    x = Tensor([0.0, -1.0, 1.0], requires_grad=True)
    x.relu().sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0]
    x.grad = None
    x.abs().sum().backward()
    assert x.grad.tolist() == [0.0, -1.0, 1.0]
    x.grad = None
    x.clamp(-1.0, 0.0).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 0.0]


def test_sigmoid_softplus_gelu_extreme_inputs():
    x = Tensor(np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0]), requires_grad=True)
    s = x.sigmoid()
    np.testing.assert_allclose(s.detach().numpy(), [0.0, 1 / (1 + np.exp(50)), 0.5, 1 / (1 + np.exp(-50)),
                                        1.0])
    sp = x.softplus()
    np.testing.assert_allclose(sp.detach().numpy(), [0.0, np.log1p(np.exp(-50)), np.log(2), 50.0, 1000.0])
    g = x.gelu()
    np.testing.assert_allclose(g.detach().numpy(), [0.0, 0.0, 0.0, 50.0, 1000.0], atol=1e-12)
    (s.sum() + sp.sum() + g.sum()).backward()
    assert np.isfinite(x.grad.detach().numpy()).all()
    np.testing.assert_allclose(x.grad.detach().numpy(), [0.0, 0.0, 0.25 + 0.5 + 0.5, 2.0, 2.0],
                               atol=1e-12)


def test_clamp_without_bounds_raises():
    with pytest.raises(ValueError, match="clamp"):
        Tensor([1.0]).clamp()


# ------------------------------------------------------------------ reductions
DIMS = [None, 0, 1, -1, -2, (0, 2), (-1, 0), (0, 1, 2)]


REDUCTIONS = {
    "sum": (lambda t, d, k: t.sum(d, keepdim=k), lambda a, d, k: np.sum(a, d, keepdims=k)),
    "mean": (lambda t, d, k: t.mean(d, keepdim=k), lambda a, d, k: np.mean(a, d, keepdims=k)),
    "var": (lambda t, d, k: t.var(d, keepdim=k),
            lambda a, d, k: np.var(a, d, ddof=1, keepdims=k)),
    "var_biased": (lambda t, d, k: t.var(d, unbiased=False, keepdim=k),
                   lambda a, d, k: np.var(a, d, keepdims=k)),
    "std": (lambda t, d, k: t.std(d, keepdim=k),
            lambda a, d, k: np.std(a, d, ddof=1, keepdims=k)),
    "std_biased": (lambda t, d, k: t.std(d, unbiased=False, keepdim=k),
                   lambda a, d, k: np.std(a, d, keepdims=k)),
    "logsumexp": (lambda t, d, k: t.logsumexp(d, keepdim=k),
                  lambda a, d, k: np.log(np.sum(np.exp(a), d, keepdims=k))),
    "max": (lambda t, d, k: t.max() if d is None else t.max(d, keepdim=k).values,
            lambda a, d, k: np.max(a, d, keepdims=k and d is not None)),
    "min": (lambda t, d, k: t.min() if d is None else t.min(d, keepdim=k).values,
            lambda a, d, k: np.min(a, d, keepdims=k and d is not None)),
    "te.sum": (lambda t, d, k: te.sum(t, d, keepdim=k), lambda a, d, k: np.sum(a, d, keepdims=k)),
}


@pytest.mark.parametrize("keepdim", [False, True], ids=["", "keepdim"])
@pytest.mark.parametrize("name, dim", [  # max/min take a single dim, as in PyTorch
    (n, d) for n in REDUCTIONS for d in DIMS if not (n in ("max", "min") and
                                                     isinstance(d, tuple))], ids=str)
def test_reduction(name, dim, keepdim, rng):
    fn, ref = REDUCTIONS[name]
    a = rng.uniform(-2, 2, (2, 3, 4))
    check(lambda t: fn(t, dim, keepdim), lambda x: ref(x, dim, keepdim), [a])


def test_var_std_correction_and_values():
    x = Tensor(np.array([1.0, 2.0, 3.0, 4.0]))
    assert x.var().item() == pytest.approx(5 / 3)            # unbiased by default
    assert x.var(unbiased=False).item() == pytest.approx(1.25)
    assert x.var(correction=2).item() == pytest.approx(2.5)
    assert x.std().item() == pytest.approx(math.sqrt(5 / 3))
    assert te.var(x).item() == pytest.approx(5 / 3) and te.std(x).item() == x.std().item()


def test_std_of_constant_values_has_zero_gradient_like_torch():
    """d std/dx at std = 0 is 0/0; torch defines it as 0, so a constant row in a
    batch does not turn every gradient into nan."""
    x = Tensor(np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]]), requires_grad=True)
    s = x.std(1)
    assert s.tolist() == [0.0, pytest.approx(math.sqrt(7 / 3))]
    (s * Tensor(np.array([2.0, 3.0]))).sum().backward()
    row = np.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose(x.grad.detach().numpy(), [[0, 0, 0], 3 * (row - row.mean()) / (2 * s.detach().numpy()[1])])
    y = Tensor([5.0, 5.0], requires_grad=True)
    y.std().backward()
    assert y.grad.tolist() == [0.0, 0.0] and y.std().dtype == np.float32


def test_sum_of_int_tensor_is_int_and_its_mean_an_error_as_in_torch():
    t = te.tensor([[1, 2], [3, 4]])
    assert t.sum().item() == 10 and t.sum().dtype == np.int64
    with pytest.raises(RuntimeError, match="could not infer output dtype"):
        t.mean()
    assert t.float().mean().item() == 2.5 and t.float().mean().dtype == np.float32


def test_max_min_with_dim_return_values_and_indices():
    x = Tensor([[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]], requires_grad=True)
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert indices.dtype == np.int64 and not indices.requires_grad
    res = x.min(dim=0, keepdim=True)
    assert res.values.tolist() == [[1.0, 2.0, 5.0]] and res.indices.tolist() == [[0, 1, 0]]
    # with a dim, the gradient goes to the returned index only (first of ties)
    values.sum().backward()
    assert x.grad.tolist() == [[0, 1, 0], [1, 0, 0]]
    assert te.max(x).item() == 7.0 and te.min(x, 1).values.tolist() == [1.0, 2.0]


def test_max_min_all_split_gradient_among_ties():
    x = Tensor([[3.0, 1.0], [3.0, 3.0]], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), [[1 / 3, 0], [1 / 3, 1 / 3]])
    y = Tensor([2.0, 0.0, 0.0], requires_grad=True)
    (y.min() * 4).backward()
    assert y.grad.tolist() == [0.0, 2.0, 2.0]


def test_max_with_tensor_argument_is_elementwise():
    a, b = Tensor([1.0, 4.0]), Tensor([3.0, 2.0])
    assert a.max(b).tolist() == [3.0, 4.0] and a.min(b).tolist() == [1.0, 2.0]


def test_argmax_argmin():
    x = Tensor([[1.0, 9.0, 3.0], [8.0, 0.0, 8.0]])
    assert x.argmax().item() == 1 and x.argmin().item() == 4
    assert x.argmax(dim=1).tolist() == [1, 0] and x.argmin(dim=0).tolist() == [0, 1, 0]
    assert x.argmax(dim=1, keepdim=True).shape == (2, 1)
    assert te.argmax(x, 1).tolist() == [1, 0]


# ------------------------------------------------------------------ softmax family
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_log_softmax(dim, rng):
    a = rng.uniform(-2, 2, (3, 4))

    def softmax(x):
        e = np.exp(x - x.max(dim, keepdims=True))
        return e / e.sum(dim, keepdims=True)
    check(lambda t: t.softmax(dim), softmax, [a])
    check(lambda t: t.log_softmax(dim), lambda x: np.log(softmax(x)), [a])
    check(lambda t: te.softmax(t, dim), softmax, [a])
    check(lambda t: te.log_softmax(t, dim), lambda x: np.log(softmax(x)), [a])


def test_softmax_family_is_stable_on_huge_inputs():
    big = np.array([[1000.0, 1000.0, -1000.0], [1e4, 0.0, -1e4]])
    x = Tensor(big, requires_grad=True)
    s = x.softmax(-1)
    np.testing.assert_allclose(s.detach().numpy(), [[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])
    ls = x.log_softmax(-1)
    np.testing.assert_allclose(ls.detach().numpy(), [[-math.log(2), -math.log(2), -2000 - math.log(2)],
                                         [0.0, -1e4, -2e4]])
    lse = x.logsumexp(-1)
    np.testing.assert_allclose(lse.detach().numpy(), [1000 + math.log(2), 1e4])
    assert x.logsumexp().item() == pytest.approx(1e4)
    (s[:, 0].sum() + ls.sum() + lse.sum()).backward()
    assert np.isfinite(x.grad.detach().numpy()).all()
    # gradcheck on huge (but finite-difference friendly) shifted inputs
    h = Tensor(np.array([[500.0, 501.0, 499.5]]), requires_grad=True)
    assert te.gradcheck(lambda t: t.log_softmax(-1), [h])
    assert te.gradcheck(lambda t: t.logsumexp(-1), [h])
    assert te.gradcheck(lambda t: t.softmax(-1), [h])
    # float32 stays finite too
    x32 = Tensor([[1e4, 1e4 - 1.0]], requires_grad=True)
    assert np.isfinite(x32.log_softmax(-1).detach().numpy()).all()
    assert x32.logsumexp(-1).item() == pytest.approx(1e4 + math.log1p(math.exp(-1)))


def test_logsumexp_of_all_minus_inf_is_minus_inf():
    x = Tensor(np.array([-np.inf, -np.inf]))
    with np.errstate(divide="ignore"):
        assert x.logsumexp().item() == -np.inf


# ------------------------------------------------------------------ matmul
MATMUL_SHAPES = [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 3), (3, 4)),
                 ((2, 2, 3), (3, 4)), ((3, 4), (2, 4, 2)), ((2, 2, 3), (2, 3, 4)),
                 ((2, 1, 2, 3), (3, 3, 2)), ((3,), (2, 3, 2)), ((2, 2, 3), (3,))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes, rng):
    a, b = _arrays(rng, shapes)
    check(lambda x, y: x @ y, np.matmul, [a, b])
    check(lambda x, y: x.matmul(y), np.matmul, [a, b])
    check(lambda x, y: te.matmul(x, y), np.matmul, [a, b])


def test_matmul_with_ndarray_operand(rng):
    a, b = _arrays(rng, [(2, 3), (3, 2)])
    t = Tensor(a, requires_grad=True)
    np.testing.assert_allclose((t @ b).detach().numpy(), a @ b)
    np.testing.assert_allclose((b @ t).detach().numpy(), b @ a)
    (b @ t).sum().backward()
    np.testing.assert_allclose(t.grad.detach().numpy(), b.T @ np.ones((3, 3)))


# ------------------------------------------------------------------ shape ops
SHAPE_OPS = {
    "reshape": (lambda t: t.reshape(4, 6), lambda a: a.reshape(4, 6)),
    "reshape_tuple_-1": (lambda t: t.reshape((-1, 3)), lambda a: a.reshape(-1, 3)),
    "view": (lambda t: t.view(2, 12), lambda a: a.reshape(2, 12)),
    "flatten": (lambda t: t.flatten(), lambda a: a.reshape(-1)),
    "flatten_1": (lambda t: t.flatten(1), lambda a: a.reshape(2, 12)),
    "flatten_0_1": (lambda t: t.flatten(0, 1), lambda a: a.reshape(6, 4)),
    "transpose": (lambda t: t.transpose(0, 2), lambda a: a.transpose(2, 1, 0)),
    "transpose_neg": (lambda t: t.transpose(-1, -2), lambda a: a.transpose(0, 2, 1)),
    "permute": (lambda t: t.permute(1, 2, 0), lambda a: a.transpose(1, 2, 0)),
    "permute_tuple": (lambda t: t.permute((2, 0, 1)), lambda a: a.transpose(2, 0, 1)),
    "T": (lambda t: t.T, lambda a: a.T),
    "mT": (lambda t: t.mT, lambda a: a.swapaxes(-1, -2)),
    "unsqueeze": (lambda t: t.unsqueeze(1), lambda a: a[:, None]),
    "unsqueeze_neg": (lambda t: t.unsqueeze(-1), lambda a: a[..., None]),
    "squeeze_after": (lambda t: t.unsqueeze(0).squeeze(), lambda a: a),
    "squeeze_dim": (lambda t: t.unsqueeze(2).squeeze(2), lambda a: a),
    "squeeze_noop": (lambda t: t.squeeze(1), lambda a: a),
    "expand": (lambda t: t.unsqueeze(0).expand(3, 2, 3, 4),
               lambda a: np.broadcast_to(a, (3,) + a.shape)),
    "expand_-1": (lambda t: t[:, :1].expand(-1, 5, -1),
                  lambda a: np.broadcast_to(a[:, :1], (2, 5, 4))),
    "te.reshape": (lambda t: te.reshape(t, (3, 8)), lambda a: a.reshape(3, 8)),
}


@pytest.mark.parametrize("name", list(SHAPE_OPS))
def test_shape_op(name, rng):
    fn, ref = SHAPE_OPS[name]
    check(fn, ref, _arrays(rng, [(2, 3, 4)]))


def test_squeeze_unsqueeze_shapes():
    t = Tensor.zeros(1, 3, 1)
    assert t.squeeze().shape == (3,) and t.squeeze(0).shape == (3, 1)
    assert t.squeeze(-1).shape == (1, 3) and t.squeeze(1).shape == (1, 3, 1)
    assert Tensor(1.0).unsqueeze(0).shape == (1,) and Tensor(1.0).flatten().shape == (1,)


def test_bad_reshape_names_op_and_shape():
    with pytest.raises(ValueError, match=r"reshape.*\(2, 3\)"):
        Tensor.zeros(2, 3).reshape(4, 2)


def test_bad_dims_and_indices_name_the_op_and_shape():
    t = Tensor.zeros(2, 3)
    for name, fn in [("sum", lambda: t.sum(4)), ("max", lambda: t.max(dim=3)),
                     ("var", lambda: t.var(3)), ("var", lambda: t.std((0, 5))),
                     ("softmax", lambda: t.softmax(2))]:
        with pytest.raises((ValueError, IndexError), match=rf"{name}.*\(2, 3\)"):
            fn()
    with pytest.raises(IndexError, match=r"getitem.*\(2, 3\).*out of bounds"):
        t[5]
    with pytest.raises(IndexError, match=r"getitem.*\(2, 3\)"):
        t[[0, 2], [7, 0]]


# ------------------------------------------------------------------ indexing
INDEXES = {
    "int": 1,
    "neg_int": -1,
    "slice": slice(1, 3),
    "step": (slice(None), slice(None, None, 2)),
    "none_ellipsis": (None, Ellipsis, 0),
    "int_array_repeated": [0, 2, 0, 0],
    "int_array_2d": np.array([[0, 1], [1, 0]]),
    "pair_arrays": (np.array([0, 0, 2]), np.array([1, 1, 3])),
    "mixed": (slice(None), [3, 3, 0]),
    "bool_mask_rows": np.array([True, False, True]),
}


@pytest.mark.parametrize("name", list(INDEXES))
def test_getitem(name, rng):
    index = INDEXES[name]
    np_index = tuple(np.asarray(i) if isinstance(i, list) else i for i in index) \
        if isinstance(index, tuple) else (np.asarray(index) if isinstance(index, list) else index)
    check(lambda t: t[index], lambda a: a[np_index], _arrays(rng, [(3, 4)]))


def test_getitem_with_tensor_index_and_bool_mask(rng):
    a = rng.uniform(-2, 2, (3, 4))
    idx = te.tensor([2, 2, 1])
    check(lambda t: t[idx], lambda x: x[[2, 2, 1]], [a])
    mask = a > 0
    check(lambda t: t[Tensor(mask)], lambda x: x[mask], [a])
    check(lambda t: t[t.detach().numpy() > 0.5], lambda x: x[x > 0.5], [a])


def test_repeated_indices_accumulate_gradient():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x[[0, 0, 2, 0]]
    (y * Tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert x.grad.tolist() == [7.0, 0.0, 3.0]
    z = Tensor(np.zeros((2, 2)), requires_grad=True)
    z[np.array([1, 1]), np.array([0, 0])].sum().backward()
    assert z.grad.tolist() == [[0, 0], [2, 0]]


def test_boolean_mask_gradient():
    x = Tensor([[1.0, -2.0], [-3.0, 4.0]], requires_grad=True)
    x[x > 0].sum().backward()
    assert x.grad.tolist() == [[1, 0], [0, 1]]


# ------------------------------------------------------------------ cat / stack / pad
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat(dim, rng):
    shapes = {0: [(2, 3), (1, 3), (3, 3)], 1: [(2, 1), (2, 3), (2, 2)],
              -1: [(2, 1), (2, 3), (2, 2)]}[dim]
    check(lambda *ts: te.cat(ts, dim), lambda *xs: np.concatenate(xs, dim),
          _arrays(rng, shapes))


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_stack(dim, rng):
    check(lambda *ts: te.stack(ts, dim), lambda *xs: np.stack(xs, dim),
          _arrays(rng, [(2, 3)] * 3))


def test_cat_with_non_grad_input_and_bad_shapes(rng):
    a = Tensor(rng.uniform(size=(2, 2)), requires_grad=True)
    b = Tensor(rng.uniform(size=(1, 2)))
    te.cat([a, b]).sum().backward()
    assert a.grad.tolist() == [[1, 1], [1, 1]] and b.grad is None
    with pytest.raises(ValueError, match=r"cat.*\(2, 2\).*\(1, 3\)"):
        te.cat([a, Tensor.zeros(1, 3)], dim=0)


PADS = [(1, 2), (0, 1, 2, 0), (2, 1, 1, 1)]


@pytest.mark.parametrize("pad", PADS, ids=str)
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad(mode, pad, rng):
    a = rng.uniform(-2, 2, (2, 3, 4))
    widths = [(0, 0)] * 3
    for i in range(len(pad) // 2):
        widths[2 - i] = (pad[2 * i], pad[2 * i + 1])
    np_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
               "circular": "wrap"}[mode]
    check(lambda t: t.pad(pad, mode=mode), lambda x: np.pad(x, widths, mode=np_mode), [a])


def test_pad_constant_value_and_against_torch(rng):
    a = rng.uniform(-2, 2, (2, 3, 4))
    check(lambda t: t.pad((1, 1), value=2.5),
          lambda x: np.pad(x, [(0, 0), (0, 0), (1, 1)], constant_values=2.5), [a])
    torch = pytest.importorskip("torch")
    for mode in ("constant", "reflect", "replicate", "circular"):
        ours = Tensor(a).pad((2, 1, 1, 2), mode=mode).detach().numpy()
        theirs = torch.nn.functional.pad(torch.tensor(a), (2, 1, 1, 2), mode=mode).detach().numpy()
        np.testing.assert_allclose(ours, theirs)


def test_pad_bad_input():
    t = Tensor.zeros(2, 3)
    with pytest.raises(ValueError, match="pad"):
        t.pad((1,))
    with pytest.raises(ValueError, match="pad"):
        t.pad((1, 1), mode="mirror")


# ------------------------------------------------------------------ dtype promotion
@pytest.mark.parametrize("make, dtype", [
    (lambda: te.tensor([1, 2]) + 2, np.int64),
    (lambda: 2 * te.tensor([1, 2]), np.int64),
    (lambda: te.tensor([1, 2]) + 2.5, np.float32),
    (lambda: 2.5 - te.tensor([1, 2]), np.float32),
    (lambda: te.tensor([1, 2], dtype=np.int32) + 2, np.int32),
    (lambda: te.tensor([1, 2], dtype=np.int32) + te.tensor([1, 2]), np.int64),
    (lambda: te.tensor([1, 2]) + Tensor([1.0, 2.0]), np.float32),
    (lambda: te.tensor([1, 2]) * Tensor(np.array([1.0, 2.0])), np.float64),
    (lambda: Tensor([1.0]) + Tensor(np.array([1.0])), np.float64),
    (lambda: Tensor(np.array([1.0])) + 2, np.float64),
    (lambda: Tensor(np.array([1.0])) * 2.5, np.float64),
    (lambda: te.tensor([1, 2]) / 2, np.float32),
    (lambda: 2 / te.tensor([1, 2]), np.float32),
    (lambda: te.tensor([1, 2]) / te.tensor([2, 2]), np.float32),
    (lambda: te.tensor([1, 2]) ** 2, np.int64),
    (lambda: 2 ** te.tensor([1, 2]), np.int64),
    (lambda: 2.0 ** te.tensor([1, 2]), np.float32),
    (lambda: te.tensor([True, False]) + 1, np.int64),
    (lambda: te.tensor([True, False]) + True, np.bool_),
    (lambda: te.tensor([True, False]) * 1.5, np.float32),
    (lambda: te.tensor([True, False]) * Tensor(np.array([1.0, 2.0])), np.float64),
    (lambda: te.tensor([1, 2]).maximum(Tensor([1.5, 0.5])), np.float32),
    (lambda: te.where(Tensor([True, False]), te.tensor([1, 2]), 0.5), np.float32),
])
def test_dtype_promotion_like_pytorch(make, dtype):
    assert make().dtype == dtype


# Each case runs on tinygrad_edu and on torch (``m`` is the module, ``D`` maps short
# names to its dtypes and "arr" to how it takes an ndarray); dtype and values must
# agree. Covers Python scalars, NumPy scalars and arrays, 0-d tensors (which lose to
# dimensioned ones of the same category, as in torch), bool/int/float categories,
# and float-only ops applied to integer tensors.
DTYPE_CASES = {
    "int_list": lambda m, D: m.tensor([1, 2, 3]),
    "float_list": lambda m, D: m.tensor([1, 2.5]),
    "np_float64_scalar": lambda m, D: m.tensor(np.float64(3.0)),
    "np_float32_scalar": lambda m, D: m.tensor(np.float32(3.0)),
    "int32_plus_0d_int64": lambda m, D: m.tensor([1, 2], dtype=D["i32"]) + m.tensor(3),
    "f32_plus_0d_f64": lambda m, D: m.tensor([1.0, 2.0]) + m.tensor(np.float64(1.5)),
    "0d_f64_plus_f32": lambda m, D: m.tensor(np.float64(1.5)) * m.tensor([1.0, 2.0]),
    "int32_plus_0d_f64": lambda m, D: m.tensor([1, 2], dtype=D["i32"]) + m.tensor(np.float64(1.5)),
    "0d_f64_plus_0d_f32": lambda m, D: m.tensor(np.float64(1.5)) + m.tensor(2.0),
    "int_plus_np_float64": lambda m, D: m.tensor([1, 2]) + np.float64(1.5),
    "f32_plus_np_float64": lambda m, D: m.tensor([1.0, 2.0]) + np.float64(1.5),
    "f64_plus_np_float32": lambda m, D: m.tensor([1.0, 2.0], dtype=D["f64"]) + np.float32(1.5),
    "f32_plus_f64_ndarray": lambda m, D: m.tensor([1.0, 2.0]) + D["arr"](np.array([1.5, 2.5])),
    "int_plus_0d_f64_ndarray": lambda m, D: m.tensor([1, 2]) * D["arr"](np.array(1.5)),
    "f32_plus_0d_f64_ndarray": lambda m, D: m.tensor([1.0, 2.0]) - D["arr"](np.array(1.5)),
    "0d_bool_plus_int32": lambda m, D: m.tensor(True) + m.tensor([1, 2], dtype=D["i32"]),
    "0d_int_plus_bool": lambda m, D: m.tensor(2) + m.tensor([True, False]),
    "int_exp": lambda m, D: m.tensor([0, 1, 2]).exp(),
    "int_log": lambda m, D: m.tensor([1, 2, 3]).log(),
    "int_sqrt": lambda m, D: m.tensor([1, 4, 9]).sqrt(),
    "int_sin_cos": lambda m, D: m.tensor([0, 1]).sin() + m.tensor([0, 1]).cos(),
    "int_tanh": lambda m, D: m.tensor([-1, 0, 2]).tanh(),
    "int_sigmoid": lambda m, D: m.tensor([-1, 0, 2]).sigmoid(),
    "int_relu": lambda m, D: m.tensor([-1, 0, 2]).relu(),
    "int_abs": lambda m, D: m.tensor([-1, 0, 2]).abs(),
    "int_clamp_float": lambda m, D: m.tensor([-1, 0, 2]).clamp(min=0.5),
    "int_clamp_int": lambda m, D: m.tensor([-1, 0, 2]).clamp(max=1),
    "int_max": lambda m, D: m.tensor([[3, 1], [2, 3]]).max(),
    "int_min_dim": lambda m, D: m.tensor([[3, 1], [2, 3]]).min(1)[0],
    "bool_sum": lambda m, D: m.tensor([True, True, False]).sum(),
    "int32_sum": lambda m, D: m.tensor([1, 2], dtype=D["i32"]).sum(),
    "where_float_scalar_int": lambda m, D: m.where(m.tensor([True, False]), 1.5, m.tensor([1, 2])),
    "where_two_scalars": lambda m, D: m.where(m.tensor([True, False]), 2, 3.5),
    "where_f32_0d_f64": lambda m, D: m.where(m.tensor([True, False]), m.tensor([1.0, 2.0]),
                                             m.tensor(np.float64(9.0))),
}


@pytest.mark.parametrize("name", list(DTYPE_CASES))
def test_dtype_and_values_match_pytorch(name):
    torch = pytest.importorskip("torch")
    ours = DTYPE_CASES[name](te, {"i32": np.int32, "f64": np.float64, "arr": lambda a: a})
    theirs = DTYPE_CASES[name](torch, {"i32": torch.int32, "f64": torch.float64,
                                       "arr": torch.from_numpy})
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "tinygrad_edu.")
    np.testing.assert_allclose(np.asarray(ours.detach().numpy(), np.float64),
                               theirs.detach().numpy().astype(np.float64), rtol=1e-6)


def test_promotion_table_matches_pytorch():
    """Every pair of bool/uint8/int32/int64/float32/float64 operands, each 0-d or 1-d,
    through +, *, maximum and where; then each tensor with Python and NumPy scalars on
    either side. The result dtype must be torch's in every case."""
    torch = pytest.importorskip("torch")
    names = ["bool", "uint8", "int32", "int64", "float32", "float64"]

    def make(lib, name, ndim):
        value = np.array([1, 0] if ndim else 1).astype(name)
        return te.tensor(value) if lib is te else torch.tensor(value)

    def dtype_name(t):
        return str(t.dtype).replace("torch.", "tinygrad_edu.")
    ops = {"add": lambda m, a, b: a + b, "mul": lambda m, a, b: a * b,
           "maximum": lambda m, a, b: m.maximum(a, b),
           "where": lambda m, a, b: m.where(m.tensor([True, False]), a, b)}
    operands = [(n, d) for n in names for d in (0, 1)]
    mismatches = []
    for (na, da), (nb, db) in itertools.product(operands, repeat=2):
        for op, fn in ops.items():
            ours = fn(te, make(te, na, da), make(te, nb, db))
            theirs = fn(torch, make(torch, na, da), make(torch, nb, db))
            if dtype_name(ours) != dtype_name(theirs):
                mismatches.append((op, na, da, nb, db, ours.dtype, theirs.dtype))
    for (name, ndim), scalar in itertools.product(operands, [True, 3, 2.5, np.float64(2.5),
                                                              np.float32(2.5), np.int32(3)]):
        for ours, theirs in [(make(te, name, ndim) + scalar, make(torch, name, ndim) + scalar),
                             (scalar * make(te, name, ndim), scalar * make(torch, name, ndim))]:
            if dtype_name(ours) != dtype_name(theirs):
                mismatches.append((name, ndim, repr(scalar), ours.dtype, theirs.dtype))
    assert mismatches == []


def test_promotion_values():
    assert (te.tensor([True, False]) + 1).tolist() == [2, 1]
    assert (te.tensor([1, 2]) / 2).tolist() == [0.5, 1.0]
    assert (te.tensor([1, 2]) * 1.5).tolist() == [1.5, 3.0]


def test_mixed_precision_gradients_keep_input_dtype():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    out = a * b
    assert out.dtype == np.float64
    out.sum().backward()
    assert a.grad.dtype == np.float64 and b.grad.dtype == np.float32
    assert b.grad.tolist() == [1.0, 2.0]


# ------------------------------------------------------------------ bad input
def test_matmul_shape_mismatch_names_op_and_shapes():
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(4, 5\)"):
        Tensor.zeros(2, 3) @ Tensor.zeros(4, 5)


def test_broadcast_mismatch_names_op_and_shapes():
    with pytest.raises(ValueError, match=r"add.*\(2, 3\).*\(4,\)"):
        Tensor.zeros(2, 3) + Tensor.zeros(4)
    with pytest.raises(ValueError, match=r"mul.*\(2, 3\).*\(4,\)"):
        Tensor.zeros(2, 3, requires_grad=True) * Tensor.zeros(4)


# ------------------------------------------------------------------ side by side with PyTorch
# Inputs with a zero, a tie and values on clamp boundaries, so the conventions at
# kinks and ties (relu'(0), |x|'(0), clamp on the boundary, max ties) are compared too.
TORCH_CASES = {
    "abs": lambda m, x, y: x.abs(),
    "relu": lambda m, x, y: x.relu(),
    "clamp": lambda m, x, y: x.clamp(0.0, 1.0),
    "leaky_relu": lambda m, x, y: m.leaky_relu(x, 0.1),
    "gelu": lambda m, x, y: m.gelu(x),
    "softplus": lambda m, x, y: m.softplus(x, 2.0, 1.0),
    "max_all": lambda m, x, y: x.max(),
    "max_dim": lambda m, x, y: x.max(1)[0],
    "min_dim_keepdim": lambda m, x, y: x.min(0, keepdim=True)[0],
    "maximum": lambda m, x, y: m.maximum(x, y),
    "var_dim": lambda m, x, y: x.var(1),
    "std_all": lambda m, x, y: x.std(),
    "logsumexp": lambda m, x, y: x.logsumexp((0, 1)),
    "softmax": lambda m, x, y: x.softmax(0),
    "log_softmax": lambda m, x, y: x.log_softmax(1),
    "matvec": lambda m, x, y: x @ y,
    "pow_tensor": lambda m, x, y: (x.abs() + 0.1) ** y,
    "index_pairs": lambda m, x, y: x[[0, 0, 2], [1, 1, 3]],
    "pad_reflect": lambda m, x, y: m.pad(x[None], (1, 2, 1, 0), mode="reflect")[0],
    "pad_circular": lambda m, x, y: m.pad(x[None], (1, 2, 2, 0), mode="circular")[0],
}


class _OurFunctional:
    """The few functional forms the torch cases use, on our Tensor methods."""
    leaky_relu = staticmethod(lambda x, s: x.leaky_relu(s))
    gelu = staticmethod(lambda x: x.gelu())
    softplus = staticmethod(lambda x, beta, threshold: x.softplus(beta, threshold))
    maximum = staticmethod(lambda x, y: x.maximum(y))
    pad = staticmethod(lambda x, p, mode: x.pad(p, mode=mode))


@pytest.mark.parametrize("name", list(TORCH_CASES))
def test_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a = rng.normal(size=(3, 4))
    a[0, 0], a[1, 1], a[1, 2], a[2, 0] = 0.0, 1.0, 1.0, 1.0     # zero, ties, boundary
    b = rng.normal(size=(4,))
    b[0] = 0.0
    fn = TORCH_CASES[name]
    torch_f = types.SimpleNamespace(maximum=torch.maximum, **{
        k: getattr(torch.nn.functional, k) for k in ("leaky_relu", "gelu", "softplus", "pad")})
    x, y = Tensor(a.copy(), requires_grad=True), Tensor(b.copy(), requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, tout = fn(_OurFunctional, x, y), fn(torch_f, tx, ty)
    w = rng.normal(size=tuple(tout.shape))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    (out * Tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    for ours, theirs, like in ((x.grad, tx.grad, a), (y.grad, ty.grad, b)):
        ours = np.zeros_like(like) if ours is None else ours.detach().numpy()
        theirs = np.zeros_like(like) if theirs is None else theirs.detach().numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
