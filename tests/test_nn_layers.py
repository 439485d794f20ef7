"""Layers and activations of tinygrad_edu.nn: values against NumPy references,
gradients against finite differences (float64), fused ops against composed ops,
and (when installed) against torch given the same weights."""
import math

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import nn
from tinygrad_edu.functions import Col2Im, Im2Col
from tinygrad_edu.nn import functional as F


def t64(rng, *shape, grad=True):
    return te.tensor(rng.standard_normal(shape), requires_grad=grad)


# ------------------------------------------------------------------ Linear
def test_linear_shapes_and_default_init():
    layer = nn.Linear(50, 20)
    assert layer.weight.shape == (20, 50) and layer.bias.shape == (20,)
    assert layer.weight.dtype == np.float32
    bound = 1 / math.sqrt(50)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.detach().numpy()).max() <= bound
    # U(-b, b) has std b/√3: the 1000 weights get close to it
    assert abs(layer.weight.detach().numpy().std() - bound / math.sqrt(3)) < 0.1 * bound
    assert nn.Linear(3, 2, bias=False).bias is None


def test_linear_forward_matches_numpy_on_any_batch_shape(rng):
    layer = nn.Linear(3, 4)
    W, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    for shape in [(3,), (5, 3), (2, 5, 3)]:
        x = rng.standard_normal(shape).astype(np.float32)
        np.testing.assert_allclose(layer(te.tensor(x)).detach().numpy(), x @ W.T + b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(3,), (4, 3), (2, 4, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck(rng, shape, bias):
    x, W = t64(rng, *shape), t64(rng, 2, 3)
    b = t64(rng, 2) if bias else None
    assert te.gradcheck(lambda x, W, *b: F.linear(x, W, *b), [x, W] + ([b] if bias else []))


def test_linear_gradgradcheck(rng):
    x, W, b = t64(rng, 4, 3), t64(rng, 2, 3), t64(rng, 2)
    assert te.gradgradcheck(lambda x, W, b: F.linear(x, W, b).tanh(), [x, W, b])


def test_fused_linear_equals_composed(rng):
    x, W, b = t64(rng, 5, 3), t64(rng, 4, 3), t64(rng, 4)
    g = rng.standard_normal((5, 4))
    fused = F.linear(x, W, b)
    fused.backward(te.tensor(g))
    grads = [t.grad.detach().numpy().copy() for t in (x, W, b)]
    for t in (x, W, b):
        t.grad = None
    composed = x @ W.T + b
    composed.backward(te.tensor(g))
    np.testing.assert_allclose(fused.detach().numpy(), composed.detach().numpy(), rtol=1e-12)
    for got, t in zip(grads, (x, W, b)):
        np.testing.assert_allclose(got, t.grad.detach().numpy(), rtol=1e-12)
    assert type(fused.grad_fn).__name__ == "Linear"     # one node, not three


def test_linear_skips_input_gradient_when_not_needed(rng):
    x = te.tensor(rng.standard_normal((4, 3)))          # data: no grad
    layer = nn.Linear(3, 2)
    layer(x).sum().backward()
    assert x.grad is None and layer.weight.grad is not None
    np.testing.assert_allclose(layer.bias.grad.detach().numpy(), [4, 4])


def test_linear_wrong_feature_count_names_expected_size():
    with pytest.raises(ValueError, match=r"in_features=3") as err:
        nn.Linear(3, 2)(te.zeros(5, 4))
    assert "(5, 4)" in str(err.value) and "(2, 3)" in str(err.value)
    with pytest.raises(ValueError, match=r"linear: weight must be 2-D.*\(1, 1, 3\).*\(2, 3\)"):
        F.linear(te.zeros(2, 3), te.zeros(1, 1, 3))
    assert F.linear(te.ones(2, 3), te.ones(3)).shape == (2,)     # a vector: x·w, as torch


# ------------------------------------------------------------------ activations
@pytest.mark.parametrize("module,ref", [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(), np.tanh),
    (nn.GELU(), lambda x: x * 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))),
    (nn.GELU("tanh"), lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) *
                                                     (x + 0.044715 * x ** 3)))),
    (nn.Softplus(), lambda x: np.log1p(np.exp(x))),
    (nn.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    (nn.LogSoftmax(dim=1), lambda x: x - np.log(np.exp(x).sum(1, keepdims=True))),
    (nn.Identity(), lambda x: x),
])
def test_activations_match_numpy_and_gradcheck(rng, module, ref):
    x = t64(rng, 3, 4)
    np.testing.assert_allclose(module(x).detach().numpy(), ref(x.detach().numpy()), rtol=1e-10, atol=1e-12)
    assert te.gradcheck(lambda x: module(x) * 1.0, [x])


def test_activation_reprs():
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.ReLU()) == "ReLU()"
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")


def test_flatten(rng):
    x = t64(rng, 2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(2)(x).shape == (2, 3, 20)
    np.testing.assert_array_equal(nn.Flatten()(x).detach().numpy(), x.detach().numpy().reshape(2, 60))


# ------------------------------------------------------------------ Dropout
def test_dropout_train_scales_and_zeroes_eval_is_identity():
    drop = nn.Dropout(0.25)
    x = te.ones(200, 100, requires_grad=True)
    y = drop(x)
    kept = y.detach().numpy() != 0
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(y.detach().numpy()[kept], 1 / 0.75)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), np.where(kept, 1 / 0.75, 0))
    drop.eval()
    assert drop(x) is x
    assert np.all(nn.Dropout(1.0)(x).detach().numpy() == 0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_dropout_is_reproducible_with_manual_seed():
    te.manual_seed(3)
    a = nn.Dropout()(te.ones(50)).detach().numpy()
    te.manual_seed(3)
    b = nn.Dropout()(te.ones(50)).detach().numpy()
    np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ Conv2d
def conv_reference(x, w, b, stride, padding):
    """Direct loops over output pixels (the definition of cross-correlation)."""
    (sh, sw), (ph, pw) = stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    n, _, hp, wp = xp.shape
    o, _, kh, kw = w.shape
    ho, wo = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    out = np.zeros((n, o, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


GEOMETRIES = [((1, 1), (0, 0)), ((2, 2), (1, 1)), ((2, 1), (0, 2)), ((3, 2), (1, 0))]


@pytest.mark.parametrize("stride,padding", GEOMETRIES)
def test_conv2d_forward_matches_direct_loops(rng, stride, padding):
    x, w, b = (rng.standard_normal(s) for s in [(2, 3, 7, 6), (4, 3, 3, 2), (4,)])
    out = F.conv2d(te.tensor(x), te.tensor(w), te.tensor(b), stride, padding)
    np.testing.assert_allclose(out.detach().numpy(), conv_reference(x, w, b, stride, padding),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("stride,padding", GEOMETRIES)
def test_conv2d_gradcheck(rng, stride, padding):
    x, w, b = t64(rng, 2, 2, 5, 4), t64(rng, 3, 2, 3, 2), t64(rng, 3)
    assert te.gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding), [x, w, b])


def test_conv2d_gradgradcheck(rng):
    x, w, b = t64(rng, 1, 2, 4, 4), t64(rng, 2, 2, 2, 2), t64(rng, 2)
    assert te.gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, 2, 1), [x, w, b])


def test_im2col_col2im_are_adjoint_and_gradchecked(rng):
    geometry = dict(kernel=(3, 2), stride=(2, 1), padding=(1, 1))
    x = t64(rng, 2, 2, 5, 4)
    cols = Im2Col.apply(x, **geometry)
    y = rng.standard_normal(cols.shape)
    back = Col2Im.apply(te.tensor(y), x_shape=x.shape, **geometry)
    # <im2col(x), y> = <x, col2im(y)>
    np.testing.assert_allclose((cols.detach().numpy() * y).sum(), (x.detach().numpy() * back.detach().numpy()).sum(), rtol=1e-10)
    assert te.gradcheck(lambda x: Im2Col.apply(x, **geometry), [x])
    assert te.gradcheck(lambda c: Col2Im.apply(c, x_shape=x.shape, **geometry),
                        [te.tensor(y, requires_grad=True)])


def test_conv2d_module_unbatched_and_errors(rng):
    conv = nn.Conv2d(3, 5, 3, padding=1, bias=False)
    assert conv.weight.shape == (5, 3, 3, 3) and conv.bias is None
    assert np.abs(conv.weight.detach().numpy()).max() <= 1 / math.sqrt(27)
    x = te.tensor(rng.standard_normal((3, 6, 6)).astype(np.float32))
    assert conv(x).shape == (5, 6, 6)
    assert repr(conv) == "Conv2d(3, 5, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), " \
                         "bias=False)"
    with pytest.raises(RuntimeError, match="4 channels"):
        conv(te.zeros(1, 4, 6, 6))
    with pytest.raises(RuntimeError, match="4D \\(batched\\) input"):
        conv(te.zeros(6, 6))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater"):
        nn.Conv2d(1, 1, 5)(te.zeros(1, 1, 3, 3))


# ------------------------------------------------------------------ MaxPool2d
def pool_reference(x, k, s, p):
    (kh, kw), (sh, sw), (ph, pw) = k, s, p
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    ho, wo = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    out = np.empty(x.shape[:2] + (ho, wo))
    for i in range(ho):
        for j in range(wo):
            out[:, :, i, j] = xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw].max((2, 3))
    return out


@pytest.mark.parametrize("k,s,p", [((2, 2), (2, 2), (0, 0)), ((3, 3), (1, 1), (1, 1)),
                                   ((3, 2), (2, 1), (1, 0)), ((2, 2), (3, 3), (0, 0))])
def test_max_pool2d_matches_loops_and_gradcheck(rng, k, s, p):
    x = t64(rng, 2, 3, 7, 6)
    np.testing.assert_array_equal(F.max_pool2d(x, k, s, p).detach().numpy(), pool_reference(x.detach().numpy(), k, s, p))
    assert te.gradcheck(lambda x: F.max_pool2d(x, k, s, p), [t64(rng, 1, 2, 5, 5)])


def test_max_pool2d_gradient_goes_to_the_maximum_and_overlaps_add_up():
    x = te.tensor(np.array([[[[1.0, 5.0, 2.0], [0.0, 3.0, 4.0], [7.0, 1.0, 0.0]]]]),
                  requires_grad=True)
    y = F.max_pool2d(x, 2, stride=1)
    np.testing.assert_array_equal(y.detach().numpy()[0, 0], [[5, 5], [7, 4]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy()[0, 0], [[0, 2, 0], [0, 0, 1], [1, 0, 0]])
    assert te.gradgradcheck(lambda x: F.max_pool2d(x * x, 2, stride=1), [x])


def test_max_pool2d_errors_and_repr():
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, " \
                                    "dilation=1, ceil_mode=False)"
    with pytest.raises(RuntimeError, match="at most half of effective kernel size"):
        F.max_pool2d(te.zeros(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(RuntimeError, match="3D or 4D"):
        nn.MaxPool2d(2)(te.zeros(4))


# ------------------------------------------------------------------ BatchNorm1d
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)])
def test_batchnorm1d_train_normalises_and_updates_running_stats(rng, shape):
    bn = nn.BatchNorm1d(3).double()
    bn.weight.data[:] = [1.0, 2.0, -1.0]
    bn.bias.data[:] = [0.0, 0.5, 1.0]
    x = rng.standard_normal(shape) * 3 + 1
    axes = (0,) if len(shape) == 2 else (0, 2)
    cs = (1, 3) + (1,) * (len(shape) - 2)
    mean, var = x.mean(axes), x.var(axes)
    expected = (x - mean.reshape(cs)) / np.sqrt(var.reshape(cs) + 1e-5) * \
        bn.weight.detach().numpy().reshape(cs) + bn.bias.detach().numpy().reshape(cs)
    np.testing.assert_allclose(bn(te.tensor(x)).detach().numpy(), expected, rtol=1e-10)
    n = x.size // 3
    np.testing.assert_allclose(bn.running_mean.detach().numpy(), 0.1 * mean, rtol=1e-10)
    np.testing.assert_allclose(bn.running_var.detach().numpy(), 0.9 + 0.1 * var * n / (n - 1), rtol=1e-10)
    assert bn.num_batches_tracked.item() == 1 and bn.num_batches_tracked.dtype == np.int64
    bn.eval()
    rm, rv = bn.running_mean.detach().numpy().reshape(cs), bn.running_var.detach().numpy().reshape(cs)
    expected = (x - rm) / np.sqrt(rv + 1e-5) * bn.weight.detach().numpy().reshape(cs) + \
        bn.bias.detach().numpy().reshape(cs)
    np.testing.assert_allclose(bn(te.tensor(x)).detach().numpy(), expected, rtol=1e-10)
    assert bn.num_batches_tracked.item() == 1          # eval leaves the statistics alone


def test_batchnorm1d_gradcheck_train_and_eval(rng):
    bn = nn.BatchNorm1d(3).double()
    x, w, b = t64(rng, 5, 3), t64(rng, 3), t64(rng, 3)
    rm, rv = te.tensor(rng.standard_normal(3)), te.tensor(rng.random(3) + 0.5)
    for training in (True, False):
        assert te.gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training), [x, w, b])
    assert te.gradcheck(lambda x: bn(x), [t64(rng, 4, 3, 2)])


def test_batchnorm1d_cumulative_average_and_errors(rng):
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [rng.standard_normal((8, 2)).astype(np.float32) for _ in range(3)]
    for b in batches:
        bn(te.tensor(b))
    np.testing.assert_allclose(bn.running_mean.detach().numpy(), np.mean([b.mean(0) for b in batches], 0),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(te.zeros(1, 2))
    with pytest.raises(ValueError, match="2 channels"):
        bn(te.zeros(4, 3))
    plain = nn.BatchNorm1d(2, affine=False, track_running_stats=False)
    assert list(plain.state_dict()) == []
    y = plain.eval()(te.tensor(batches[0]))       # no running stats: batch statistics
    np.testing.assert_allclose(y.detach().numpy().mean(0), 0, atol=1e-6)


# ------------------------------------------------------------------ Embedding
def test_batchnorm1d_updates_its_buffers_in_place_like_torch(rng):
    """A state dict shares memory with the model (as torch's does), so one taken
    before a training step shows the new running statistics afterwards."""
    bn = nn.BatchNorm1d(3)
    state = bn.state_dict()
    arrays = [state[k].detach().numpy() for k in ("running_mean", "running_var", "num_batches_tracked")]
    x = rng.standard_normal((5, 3)).astype(np.float32)
    bn(te.tensor(x))
    np.testing.assert_allclose(state["running_mean"].detach().numpy(), 0.1 * x.mean(0), rtol=1e-6)
    np.testing.assert_allclose(state["running_var"].detach().numpy(), 0.9 + 0.1 * x.var(0, ddof=1),
                               rtol=1e-6)
    assert state["num_batches_tracked"].item() == 1
    assert all(np.shares_memory(bn.state_dict()[k].detach().numpy(), a) for k, a in
               zip(("running_mean", "running_var", "num_batches_tracked"), arrays))
    assert bn.running_mean.dtype == np.float32 and bn.num_batches_tracked.dtype == np.int64


def test_embedding_lookup_gradient_and_padding(rng):
    emb = nn.Embedding(5, 3, padding_idx=0)
    np.testing.assert_array_equal(emb.weight.detach().numpy()[0], 0)
    idx = te.tensor([[1, 0, 1], [4, 2, 0]])
    out = emb(idx)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.detach().numpy(), emb.weight.detach().numpy()[idx.detach().numpy()])
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.detach().numpy()[:, 0], [0, 2, 1, 0, 1])
    w = t64(rng, 4, 2)
    assert te.gradcheck(lambda w: F.embedding(np.array([[0, 3], [3, 1]]), w), [w])
    with pytest.raises(IndexError, match="out of range"):
        emb(te.tensor([5]))
    with pytest.raises(TypeError, match="integers"):
        emb(te.tensor([1.0]))
    assert repr(emb) == "Embedding(5, 3, padding_idx=0)"


# ------------------------------------------------------------------ torch side by side
def _torch():
    return pytest.importorskip("torch")


def test_layers_match_torch_forward_and_backward(rng):
    torch = _torch()
    cases = [
        (nn.Linear(5, 4), torch.nn.Linear(5, 4), (3, 5)),
        (nn.Conv2d(2, 3, 3, stride=2, padding=1), torch.nn.Conv2d(2, 3, 3, 2, 1), (2, 2, 7, 6)),
        (nn.MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1), (2, 2, 7, 6)),
        (nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4), (6, 4)),
        (nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4), (6, 4, 3)),
    ]
    for ours, theirs, shape in cases:
        theirs.double()
        ours.double().load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
        for mode in ("train", "eval"):
            getattr(ours, mode)(), getattr(theirs, mode)()
            x = rng.standard_normal(shape)
            xo, xt = te.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
            yo, yt = ours(xo), theirs(xt)
            g = rng.standard_normal(yo.shape)
            yo.backward(te.tensor(g))
            yt.backward(torch.tensor(g))
            np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(xo.grad.detach().numpy(), xt.grad.detach().numpy(), rtol=1e-9, atol=1e-12)
            for (name, p), (tname, tp) in zip(ours.named_parameters(),
                                              theirs.named_parameters()):
                assert name == tname
                np.testing.assert_allclose(p.grad.detach().numpy(), tp.grad.detach().numpy(), rtol=1e-9,
                                           atol=1e-12)
            ours.zero_grad(), theirs.zero_grad()
        for k, v in theirs.state_dict().items():      # running statistics agree too
            np.testing.assert_allclose(ours.state_dict()[k].detach().numpy(), v.detach().numpy(), rtol=1e-9)


def test_activations_and_embedding_match_torch(rng):
    torch = _torch()
    x = rng.standard_normal((4, 5)) * 3
    pairs = [(nn.GELU(), torch.nn.GELU()), (nn.GELU("tanh"), torch.nn.GELU("tanh")),
             (nn.LeakyReLU(0.1), torch.nn.LeakyReLU(0.1)), (nn.Softplus(), torch.nn.Softplus()),
             (nn.LogSoftmax(0), torch.nn.LogSoftmax(0))]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours(te.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-7, atol=1e-10)
    emb = torch.nn.Embedding(6, 2, padding_idx=1).double()
    ours = nn.Embedding(6, 2, padding_idx=1).double()
    ours.load_state_dict({"weight": emb.weight.detach().numpy()})
    idx = np.array([[1, 2, 1], [5, 1, 0]])
    yo, yt = ours(te.tensor(idx)), emb(torch.tensor(idx))
    (yo * yo).sum().backward()
    (yt * yt).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.detach().numpy(), emb.weight.grad.detach().numpy(), rtol=1e-12)


def test_functional_forms_equal_the_modules(rng):
    x = t64(rng, 3, 4)
    pairs = [(F.relu(x), nn.ReLU()(x)), (F.leaky_relu(x, 0.3), nn.LeakyReLU(0.3)(x)),
             (F.sigmoid(x), nn.Sigmoid()(x)), (F.tanh(x), nn.Tanh()(x)),
             (F.gelu(x), nn.GELU()(x)), (F.softplus(x), nn.Softplus()(x)),
             (F.softmax(x, 0), nn.Softmax(0)(x)), (F.log_softmax(x, 1), nn.LogSoftmax(1)(x))]
    for a, b in pairs:
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    np.testing.assert_array_equal(F.one_hot(te.tensor([2, 0]), 3).detach().numpy(), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match="class values"):
        F.one_hot(te.tensor([3]), 3)
    np.testing.assert_array_equal(F.pad(x, (1, 0, 0, 2)).detach().numpy(),      # last dim first
                                  np.pad(x.detach().numpy(), ((0, 2), (1, 0))))


# ------------------------------------------------------------------ second order vs torch
# Every fused Function (one node with a hand-written backward) and the composite
# layers, differentiated twice with create_graph=True: the first derivatives and a
# Hessian-vector product must equal torch's double backward. ``m`` is our
# nn.functional or torch.nn.functional; ``T`` builds a constant of that library.
SECOND_ORDER = {
    "linear": (lambda m, T, x, w, b: m.linear(x, w, b).tanh(), [(4, 3), (2, 3), (2,)]),
    "linear_batched": (lambda m, T, x, w, b: m.linear(x, w, b) ** 2, [(2, 4, 3), (2, 3), (2,)]),
    "conv2d": (lambda m, T, x, w, b: m.conv2d(x, w, b, stride=2, padding=1).tanh(),
               [(2, 2, 5, 4), (3, 2, 3, 3), (3,)]),
    "max_pool2d": (lambda m, T, x: m.max_pool2d(x * x, 3, stride=2, padding=1), [(1, 2, 5, 5)]),
    "mse": (lambda m, T, x, y: m.mse_loss(x.tanh(), y), [(4, 3), (4, 3)]),
    "mse_sum": (lambda m, T, x, y: m.mse_loss(x * y, y, reduction="sum"), [(4, 3), (4, 3)]),
    "bce": (lambda m, T, x, y: m.binary_cross_entropy(x.sigmoid(), y.sigmoid()), [(4, 3), (4, 3)]),
    "bce_with_logits": (lambda m, T, x, y: m.binary_cross_entropy_with_logits(
        x, y.sigmoid(), pos_weight=T([2.0, 0.5, 1.0])), [(4, 3), (4, 3)]),
    "cross_entropy": (lambda m, T, x: m.cross_entropy(x, T([0, 2, 1, 2]), label_smoothing=0.1,
                                                        weight=T([1.0, 2.0, 0.5])), [(4, 3)]),
    "cross_entropy_probs": (lambda m, T, x, p: m.cross_entropy(x, p.softmax(1), reduction="sum"),
                            [(4, 3), (4, 3)]),
    "nll": (lambda m, T, x: m.nll_loss(x.log_softmax(1), T([0, 2, 1, 2])), [(4, 3)]),
    "huber_l1": (lambda m, T, x, y: m.huber_loss(x * x, y, delta=0.5) + m.l1_loss(x * y, y),
                 [(4, 3), (4, 3)]),
    "batch_norm": (lambda m, T, x, w, b: m.batch_norm(x, None, None, w, b, training=True) ** 2,
                   [(5, 3), (3,), (3,)]),
}


@pytest.mark.parametrize("name", list(SECOND_ORDER))
def test_second_derivatives_of_fused_functions_match_torch(name, rng):
    torch = _torch()
    fn, shapes = SECOND_ORDER[name]
    arrays = [rng.standard_normal(s) for s in shapes]
    vs = [rng.standard_normal(s) for s in shapes]

    def const_te(v):
        return te.tensor(np.asarray(v, np.float64 if isinstance(v[0], float) else np.int64))

    def const_torch(v):
        return torch.tensor(v, dtype=torch.float64 if isinstance(v[0], float) else torch.long)
    results = []
    for lib, m, const, grad in ((te, F, const_te, te.grad),
                                (torch, torch.nn.functional, const_torch, torch.autograd.grad)):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(m, const, *xs)
        seed = lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)))
        firsts = grad((out * seed).sum(), xs, create_graph=True)
        hvp = sum((g * lib.tensor(v)).sum() for g, v in zip(firsts, vs))
        seconds = grad(hvp, xs, allow_unused=True)
        results.append([g.detach().numpy() if lib is torch else g.detach().numpy() for g in firsts] +
                       [np.zeros(s) if g is None else np.asarray(g.detach().numpy() if lib is torch
                                                                 else g.detach().numpy()) for g, s in
                        zip(seconds, shapes)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    assert any(np.abs(r).max() > 1e-3 for r in results[0][len(shapes):])   # not all zero
