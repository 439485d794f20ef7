"""Conv1d, Conv2d (groups, dilation, "same"/"valid"), ConvTranspose2d, MaxPool2d
(dilation, ceil_mode, return_indices), AvgPool2d (ceil_mode, count_include_pad,
divisor_override), Upsample/interpolate side by side with torch (float64): values,
every gradient on copied weights, state_dict both ways, reprs, init statistics,
gradcheck and gradgradcheck, torch's errors for bad arguments."""
import inspect
import math
import re

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import functions as fn
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")


def t64(rng, *shape):
    return te.tensor(rng.standard_normal(shape), requires_grad=True)


def pair(module, tmodule):
    """Copy torch's parameters into ours (float64 both), through the state_dict."""
    tmodule.double()
    module.double()
    module.load_state_dict({k: v.detach().numpy() for k, v in tmodule.state_dict().items()})
    return module, tmodule


def check_side_by_side(module, tmodule, x, rng, atol=1e-10):
    """Forward, input gradient and every parameter gradient equal to torch's."""
    tx, ex = torch.tensor(x, requires_grad=True), te.tensor(x, requires_grad=True)
    tout, out = tmodule(tx), module(ex)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), atol=atol)
    g = rng.standard_normal(out.shape)
    tout.backward(torch.tensor(g))
    out.backward(te.tensor(g))
    np.testing.assert_allclose(ex.grad.detach().numpy(), tx.grad.detach().numpy(), atol=atol)
    tparams = dict(tmodule.named_parameters())
    for name, p in module.named_parameters():
        np.testing.assert_allclose(p.grad.detach().numpy(), tparams[name].grad.numpy(),
                                   atol=atol, err_msg=name)


def same_error_as_torch(call, translate):
    """Our call raises torch's exception type with torch's message (a set in the message
    compared as a set: its order varies between runs)."""
    src = inspect.getsource(call).strip().rstrip(",")
    theirs_call = eval(translate(src.replace("te.zeros", "torch.zeros")), {"torch": torch})
    with pytest.raises(Exception) as theirs:
        theirs_call()
    with pytest.raises(type(theirs.value)) as ours:
        call()

    def canonical(msg):
        return re.sub(r"\{([^}]*)\}", lambda m: str(sorted(m.group(1).split(", "))), msg)
    assert canonical(str(ours.value)) == canonical(str(theirs.value))


# ------------------------------------------------------------------ convolutions
CONVS = [
    ("Conv2d", (4, 6, 3), {}, (2, 4, 7, 6)),
    ("Conv2d", (4, 6, 3), {"groups": 2, "stride": 2, "padding": 1}, (2, 4, 7, 6)),
    ("Conv2d", (4, 4, (3, 2)), {"groups": 4, "bias": False}, (2, 4, 7, 6)),
    ("Conv2d", (3, 2, 3), {"dilation": 2, "padding": (2, 1)}, (2, 3, 8, 7)),
    ("Conv2d", (3, 2, (2, 3)), {"dilation": (1, 2), "stride": (2, 1)}, (2, 3, 8, 9)),
    ("Conv2d", (3, 4, (2, 4)), {"padding": "same"}, (2, 3, 6, 7)),
    ("Conv2d", (3, 4, 3), {"padding": "same", "dilation": 2, "groups": 1}, (2, 3, 6, 7)),
    ("Conv2d", (3, 4, 3), {"padding": "valid"}, (3, 6, 7)),
    ("Conv2d", (2, 3, 3), {"padding": 1}, (2, 2, 5, 5)),
    ("Conv1d", (3, 4, 3), {}, (2, 3, 9)),
    ("Conv1d", (4, 6, 2), {"groups": 2, "stride": 2, "padding": 1, "dilation": 2}, (2, 4, 9)),
    ("Conv1d", (3, 4, 4), {"padding": "same"}, (3, 9)),
    ("Conv1d", (2, 2, 3), {"padding": 2, "bias": False}, (1, 2, 5)),
    ("ConvTranspose2d", (4, 3, 3), {}, (2, 4, 5, 4)),
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1,
                                    "groups": 2}, (2, 4, 5, 4)),
    ("ConvTranspose2d", (3, 2, (2, 3)), {"stride": (2, 1), "dilation": 2, "bias": False},
     (2, 3, 4, 5)),
    ("ConvTranspose2d", (3, 2, 3), {"stride": 1, "dilation": 2, "output_padding": 1},
     (2, 3, 4, 5)),
    ("ConvTranspose2d", (2, 2, 4), {"stride": 2, "padding": 1}, (2, 3, 3)),
]


@pytest.mark.parametrize("name, args, kwargs, shape", CONVS)
def test_convolutions_match_torch(rng, name, args, kwargs, shape):
    m, tm = pair(getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs))
    assert repr(m) == repr(tm)
    assert list(m.state_dict()) == list(tm.state_dict())
    check_side_by_side(m, tm, rng.standard_normal(shape), rng)


@pytest.mark.parametrize("name, args, kwargs, shape", CONVS[::3])
def test_convolution_state_dict_round_trip(name, args, kwargs, shape):
    m = getattr(nn, name)(*args, **kwargs)
    tm = getattr(torch.nn, name)(*args, **kwargs)
    tm.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in m.state_dict().items()})
    back = getattr(nn, name)(*args, **kwargs)
    back.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    for (k, a), (_, b) in zip(m.state_dict().items(), back.state_dict().items()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=k)
        assert a.dtype == b.dtype == te.float32


@pytest.mark.parametrize("name, args", [("Conv2d", (8, 64, 3, 1, 0, 1, 2)),
                                        ("Conv1d", (12, 300, 5)),
                                        ("ConvTranspose2d", (64, 8, 3, 1, 0, 0, 2))])
def test_convolution_init_statistics_as_torch(name, args):
    """W and b ~ U(−1/√fan_in, 1/√fan_in), fan_in = weight.shape[1]·kernel elements
    (the kernel's in_channels/groups; for the transposed one out_channels/groups)."""
    m, tm = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    for (k, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters()):
        assert p.shape == tuple(tp.shape) and p.dtype == te.float32
        w = p.detach().numpy()
        fan_in = tp.shape[1] * math.prod(tp.shape[2:]) if tp.ndim > 1 else \
            tm.weight.shape[1] * math.prod(tm.weight.shape[2:])
        bound = 1 / math.sqrt(fan_in)
        assert np.abs(w).max() <= bound and np.abs(tp.detach().numpy()).max() <= bound, k
        if w.size > 1000:                                                   # U(−b, b)
            assert abs(w.std() - tp.detach().numpy().std()) < 0.05 * bound, k
            assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound, k
            assert abs(w.mean()) < 0.05 * bound, k


GRADCHECK_CONVS = [
    (F.conv2d, (1, 4, 5, 4), (4, 2, 2, 3), dict(stride=(2, 1), padding=1, dilation=(1, 2),
                                               groups=2)),
    (F.conv2d, (2, 2, 4, 4), (3, 2, 2, 2), dict(padding="same")),
    (F.conv1d, (2, 2, 6), (2, 1, 3), dict(stride=2, dilation=2, padding=2, groups=2)),
    (F.conv_transpose2d, (1, 4, 3, 3), (4, 1, 2, 3), dict(stride=2, padding=1, groups=2,
                                                         output_padding=1)),
    (F.conv_transpose2d, (2, 2, 3, 2), (2, 3, 2, 2), dict(dilation=2, output_padding=1)),
]


@pytest.mark.parametrize("f, xs, ws, kwargs", GRADCHECK_CONVS)
def test_convolution_gradcheck_and_gradgradcheck(rng, f, xs, ws, kwargs):
    out_ch = ws[1] * kwargs.get("groups", 1) if f is F.conv_transpose2d else ws[0]
    x, w, b = t64(rng, *xs), t64(rng, *ws), t64(rng, out_ch)
    assert te.gradcheck(lambda x, w, b: f(x, w, b, **kwargs), [x, w, b])
    assert te.gradgradcheck(lambda x, w, b: f(x, w, b, **kwargs), [x, w, b])


def test_convolution_second_derivatives_match_torch(rng):
    """∂/∂x of ‖∂L/∂W‖² through a grouped, dilated conv and a transposed conv."""
    x, w, w2 = rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((4, 2, 2, 2)), \
        rng.standard_normal((4, 3, 3, 2))
    results = []
    for lib, F_ in ((te, F), (torch, torch.nn.functional)):
        tx, tw, tw2 = (lib.tensor(a, requires_grad=True) for a in (x, w, w2))
        y = F_.conv2d(tx, tw, padding=1, dilation=2, groups=2).tanh()
        z = F_.conv_transpose2d(y, tw2, stride=2, groups=2)
        gx, gw = lib.autograd.grad((z * z).sum(), [tx, tw], create_graph=True)
        (gx.pow(2).sum() + gw.pow(2).sum()).backward()
        results.append([t.grad.detach().numpy() for t in (tx, tw, tw2)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)


def test_unfold_and_fold_are_adjoint_and_gradchecked(rng):
    geometry = dict(kernel=(2, 3), stride=(2, 1), dilation=(2, 1), padding=((1, 0), (2, 1)))
    x = t64(rng, 2, 2, 6, 5)
    cols = fn.Unfold.apply(x, **geometry)
    y = rng.standard_normal(cols.shape)
    back = fn.Fold.apply(te.tensor(y), size=(6, 5), stride=(2, 1), dilation=(2, 1),
                         padding=((1, 0), (2, 1)))
    np.testing.assert_allclose((cols.detach().numpy() * y).sum(),
                               (x.detach().numpy() * back.detach().numpy()).sum(), rtol=1e-10)
    assert te.gradcheck(lambda x: fn.Unfold.apply(x, **geometry), [x])
    assert te.gradgradcheck(lambda x: fn.Unfold.apply(x, **geometry), [x])


def test_grad_fn_names_and_formulas():
    x = te.ones(1, 2, 5, 5, requires_grad=True)
    w = te.ones(2, 1, 3, 3, requires_grad=True)
    assert repr(F.conv2d(x, w, groups=2).grad_fn) == "<ConvolutionBackward0>"
    assert repr(F.conv_transpose2d(x, w.reshape(2, 1, 3, 3)).grad_fn) == \
        "<ConvolutionBackward0>"
    assert repr(F.max_pool2d(x, 2, ceil_mode=True).grad_fn) == \
        "<MaxPool2DWithIndicesBackward0>"
    for name in fn.conv.__all__:
        cls = getattr(fn.conv, name)
        assert cls.formula and cls.__doc__, name


CONV_ERRORS = [
    (lambda: F.conv2d(te.zeros(1, 4, 6, 6), te.zeros(5, 3, 3, 3))),
    (lambda: F.conv2d(te.zeros(6, 6), te.zeros(5, 3, 3, 3))),
    (lambda: F.conv2d(te.zeros(1, 1, 3, 3), te.zeros(1, 1, 5, 5))),
    (lambda: F.conv2d(te.zeros(1, 2, 6, 6), te.zeros(3, 1, 3, 3), groups=2)),
    (lambda: F.conv2d(te.zeros(1, 2, 6, 6), te.zeros(3, 2, 3, 3), padding="same", stride=2)),
    (lambda: F.conv2d(te.zeros(1, 2, 6, 6), te.zeros(3, 2, 3, 3), padding="foo")),
    (lambda: F.conv1d(te.zeros(1, 4, 6, 6), te.zeros(5, 4, 3))),
    (lambda: F.conv_transpose2d(te.zeros(1, 4, 6, 6), te.zeros(5, 3, 3, 3))),
    (lambda: F.conv_transpose2d(te.zeros(1, 4, 6, 6), te.zeros(4, 3, 3, 3), stride=2,
                                output_padding=2)),
    (lambda: nn.Conv2d(3, 4, 3, groups=2)),
    (lambda: nn.Conv2d(4, 3, 3, groups=2)),
    (lambda: nn.Conv2d(4, 4, 3, stride=2, padding="same")),
    (lambda: nn.Conv2d(4, 4, 3, padding="foo")),
    (lambda: nn.Conv2d(4, 4, 3, padding_mode="foo")),
]


@pytest.mark.parametrize("case", range(len(CONV_ERRORS)))
def test_convolution_errors_as_torch(case):
    same_error_as_torch(CONV_ERRORS[case], lambda src: src.replace(
        "F.", "torch.nn.functional.").replace("nn.", "torch.nn.").replace("torch.torch.", "torch."))


def test_conv_transpose_output_size(rng):
    m, tm = pair(nn.ConvTranspose2d(2, 3, 3, stride=2), torch.nn.ConvTranspose2d(2, 3, 3, 2))
    x = rng.standard_normal((1, 2, 4, 4))
    out, tout = m(te.tensor(x), output_size=(10, 9)), tm(torch.tensor(x), output_size=(10, 9))
    assert out.shape == tuple(tout.shape) == (1, 3, 10, 9)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), atol=1e-12)
    with pytest.raises(ValueError, match="requested an output size"):
        m(te.tensor(x), output_size=(12, 9))


def test_padding_modes_other_than_zeros_are_refused():
    with pytest.raises(NotImplementedError, match="padding_mode='reflect'"):
        nn.Conv2d(1, 1, 3, padding_mode="reflect")


# ------------------------------------------------------------------ pooling
POOLS = [
    ("MaxPool2d", (3,), {"stride": 2, "ceil_mode": True}),
    ("MaxPool2d", (2,), {"ceil_mode": True}),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}),
    ("MaxPool2d", (2,), {"dilation": 2, "stride": 1}),
    ("MaxPool2d", ((3, 2),), {"dilation": (1, 2), "padding": (1, 1), "stride": (2, 1)}),
    ("MaxPool2d", (2,), {}),
    ("AvgPool2d", (3,), {"stride": 2, "ceil_mode": True}),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True,
                         "count_include_pad": False}),
    ("AvgPool2d", ((2, 3),), {"divisor_override": 4, "padding": (1, 1)}),
    ("AvgPool2d", (2,), {}),
]


@pytest.mark.parametrize("name, args, kwargs", POOLS)
@pytest.mark.parametrize("shape", [(2, 3, 7, 6), (3, 8, 5)])
def test_pooling_matches_torch(rng, name, args, kwargs, shape):
    m, tm = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(m) == repr(tm)
    check_side_by_side(m, tm, rng.standard_normal(shape), rng, atol=1e-12)


@pytest.mark.parametrize("kwargs", [{}, {"ceil_mode": True, "stride": 2},
                                    {"padding": 1, "stride": 2, "kernel_size": 3},
                                    {"dilation": 2, "stride": 1}])
@pytest.mark.parametrize("shape", [(2, 3, 7, 5), (3, 6, 6)])
def test_max_pool_return_indices_as_torch(rng, kwargs, shape):
    kwargs = {"kernel_size": 2, **kwargs}
    x = rng.standard_normal(shape)
    out, idx = nn.MaxPool2d(**kwargs, return_indices=True)(te.tensor(x))
    tout, tidx = torch.nn.MaxPool2d(**kwargs, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(out.detach().numpy(), tout.numpy())
    assert idx.dtype == te.int64
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())


def test_max_pool_ties_go_to_the_first_maximum_as_torch():
    x = np.zeros((1, 1, 5, 5))
    x[0, 0, 1:3, 1:3] = 1.0
    ex, tx = te.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    F.max_pool2d(ex, 3, 2, ceil_mode=True).sum().backward()
    torch.nn.functional.max_pool2d(tx, 3, 2, ceil_mode=True).sum().backward()
    np.testing.assert_array_equal(ex.grad.numpy(), tx.grad.numpy())


def test_pooling_gradcheck(rng):
    x = t64(rng, 1, 2, 6, 5)
    assert te.gradcheck(lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), [x])
    assert te.gradgradcheck(lambda x: F.max_pool2d(x * x, 2, 1, dilation=2), [x])
    assert te.gradcheck(lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True,
                                               count_include_pad=False), [x])
    assert te.gradgradcheck(lambda x: F.avg_pool2d(x * x, 2, ceil_mode=True), [x])


POOL_ERRORS = [
    (lambda: F.max_pool2d(te.zeros(1, 1, 4, 4), 2, padding=2)),
    (lambda: F.max_pool2d(te.zeros(1, 1, 1, 1), 3)),
    (lambda: F.max_pool2d(te.zeros(4, 4), 3)),
    (lambda: F.avg_pool2d(te.zeros(1, 1, 1, 1), 3)),
    (lambda: F.avg_pool2d(te.zeros(1, 1, 4, 4), 3, padding=2)),
    (lambda: F.max_pool2d(te.zeros(1, 1, 4, 4), 3, padding=2, dilation=2)),
]


@pytest.mark.parametrize("case", range(len(POOL_ERRORS)))
def test_pooling_errors_as_torch(case):
    same_error_as_torch(POOL_ERRORS[case], lambda src: src.replace("F.", "torch.nn.functional."))


# ------------------------------------------------------------------ interpolate
RESIZES = [
    ((2, 3, 4, 5), dict(scale_factor=2)),
    ((2, 3, 4, 5), dict(scale_factor=2, mode="bilinear")),
    ((2, 3, 4, 5), dict(scale_factor=2, mode="bilinear", align_corners=True)),
    ((2, 3, 4, 5), dict(size=(7, 3))),
    ((2, 3, 4, 5), dict(size=(7, 3), mode="bilinear")),
    ((2, 3, 4, 5), dict(size=(1, 9), mode="bilinear", align_corners=True)),
    ((2, 3, 5, 4), dict(scale_factor=(1.5, 0.5), mode="bilinear")),
    ((2, 3, 5, 4), dict(scale_factor=1.7, mode="bilinear", recompute_scale_factor=True)),
    ((2, 3, 5, 4), dict(scale_factor=1.7)),
    ((2, 3, 6), dict(scale_factor=3, mode="linear")),
    ((2, 3, 6), dict(size=4, mode="linear", align_corners=True)),
    ((2, 3, 6), dict(size=10)),
    ((3, 7), dict(size=13)),
]


@pytest.mark.parametrize("shape, kwargs", RESIZES)
def test_interpolate_and_upsample_match_torch(rng, shape, kwargs):
    m, tm = nn.Upsample(**kwargs), torch.nn.Upsample(**kwargs)
    assert repr(m) == repr(tm)
    if len(shape) == 2:                         # interpolate wants a batch
        x = rng.standard_normal(shape)[None]
    else:
        x = rng.standard_normal(shape)
    check_side_by_side(m, tm, x, rng, atol=1e-12)
    ours = F.interpolate(te.tensor(x, dtype=te.float32), **kwargs)
    theirs = torch.nn.functional.interpolate(torch.tensor(x, dtype=torch.float32), **kwargs)
    assert ours.dtype == te.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-6)


def test_interpolate_gradcheck(rng):
    x = t64(rng, 1, 2, 3, 4)
    assert te.gradcheck(lambda x: F.interpolate(x, size=(5, 3), mode="bilinear"), [x])
    assert te.gradgradcheck(lambda x: F.interpolate(x * x, scale_factor=2), [x])


RESIZE_ERRORS = [
    (lambda: F.interpolate(te.zeros(1, 1, 4, 4), scale_factor=2, mode="linear")),
    (lambda: F.interpolate(te.zeros(1, 1, 4, 4), scale_factor=2, align_corners=True)),
    (lambda: F.interpolate(te.zeros(1, 1, 4, 4))),
    (lambda: F.interpolate(te.zeros(1, 1, 4, 4), size=3, scale_factor=2)),
    (lambda: F.interpolate(te.zeros(1, 1, 4, 4), size=(3, 3, 3))),
    (lambda: F.interpolate(te.zeros(1, 1, 4, 4), mode="foo", size=2)),
    (lambda: F.interpolate(te.zeros(1, 1, 4), mode="bilinear", size=2)),
]


@pytest.mark.parametrize("case", range(len(RESIZE_ERRORS)))
def test_interpolate_errors_as_torch(case):
    same_error_as_torch(RESIZE_ERRORS[case], lambda src: src.replace("F.", "torch.nn.functional."))


# ------------------------------------------------------------------ a small model
def test_unet_like_model_trains_as_torch(rng):
    """Conv (same, groups) → MaxPool (ceil) → ConvTranspose → Upsample(bilinear) → Conv1x1:
    one SGD step equal to torch's on copied weights."""
    def build(m):
        return m.Sequential(m.Conv2d(2, 4, 3, padding="same"), m.ReLU(),
                            m.Conv2d(4, 4, 3, padding=1, groups=2, dilation=1), m.Tanh(),
                            m.MaxPool2d(2, ceil_mode=True),
                            m.ConvTranspose2d(4, 3, 2, stride=2), m.ReLU(),
                            m.Upsample(scale_factor=0.5, mode="bilinear"),
                            m.AvgPool2d(2, ceil_mode=True, count_include_pad=False),
                            m.Conv2d(3, 1, 1), m.Flatten())
    ours, theirs = pair(build(nn), build(torch.nn))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x, y = rng.standard_normal((3, 2, 7, 9)), rng.standard_normal((3, 6))
    opt, topt = te.optim.SGD(ours.parameters(), lr=0.1), torch.optim.SGD(theirs.parameters(), lr=0.1)
    for _ in range(2):
        loss = F.mse_loss(ours(te.tensor(x)), te.tensor(y))
        tloss = torch.nn.functional.mse_loss(theirs(torch.tensor(x)), torch.tensor(y))
        opt.zero_grad(), topt.zero_grad()
        loss.backward(), tloss.backward()
        opt.step(), topt.step()
        assert abs(loss.item() - tloss.item()) < 1e-12
    for (k, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        np.testing.assert_allclose(a.detach().numpy(), b.numpy(), atol=1e-12, err_msg=k)


@pytest.mark.parametrize("name", ["conv2d_grouped", "conv1d", "conv_transpose2d", "max_pool_ceil",
                                  "bilinear", "avg_pool_ceil"])
def test_forward_mode_matches_reverse_mode(name):
    """⟨J v, u⟩ = ⟨v, Jᵀ u⟩ for the new ops' jvp rules (float64, random u and v)."""
    rng = np.random.default_rng(3)
    x = te.tensor(rng.standard_normal((2, 4, 6, 6)))
    w = te.tensor(rng.standard_normal((6, 2, 3, 3)))
    fns = {
        "conv2d_grouped": lambda x, w: F.conv2d(x, w, groups=2, dilation=2, padding="same"),
        "conv1d": lambda x, w: F.conv1d(x.reshape(2, 4, 36), w[:, :, 0].repeat(1, 2, 1)),
        "conv_transpose2d": lambda x, w: F.conv_transpose2d(x, w[:4], stride=2),
        "max_pool_ceil": lambda x, w: F.max_pool2d(x, 3, stride=2, ceil_mode=True) * w.sum(),
        "bilinear": lambda x, w: F.interpolate(x, scale_factor=1.5, mode="bilinear") * w.mean(),
        "avg_pool_ceil": lambda x, w: F.avg_pool2d(x, 3, stride=2, ceil_mode=True) * w.sum(),
    }
    f = fns[name]
    v = (te.tensor(rng.standard_normal(x.shape)), te.tensor(rng.standard_normal(w.shape)))
    out, jv = te.func.jvp(f, (x, w), v)
    u = te.tensor(rng.standard_normal(out.shape))
    _, pullback = te.func.vjp(f, x, w)
    jtu = pullback(u)
    lhs = float((jv * u).sum())
    rhs = float(sum((a * b).sum() for a, b in zip(v, jtu)))
    assert lhs == pytest.approx(rhs, rel=1e-10)
