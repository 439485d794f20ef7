"""Losses: closed forms in NumPy for every reduction, gradchecks (float64), the fused
cross-entropy against the composed log_softmax + NLL (also at logits of ±1e4),
clear errors for bad targets, and torch side by side when installed."""
import warnings

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F

REDUCTIONS = ["mean", "sum", "none"]


def reduce(v, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](v)


def t64(rng, *shape, grad=True):
    return te.tensor(rng.standard_normal(shape), requires_grad=grad)


def log_softmax_np(x, axis=1):
    m = x.max(axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis, keepdims=True))


# ------------------------------------------------------------------ regression losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses_closed_forms_and_gradcheck(rng, reduction):
    x, y = t64(rng, 4, 3), t64(rng, 4, 3)
    d = x.detach().numpy() - y.detach().numpy()
    huber = np.where(np.abs(d) < 0.7, 0.5 * d ** 2, 0.7 * (np.abs(d) - 0.35))
    cases = [(nn.MSELoss(reduction), d ** 2), (nn.L1Loss(reduction), np.abs(d)),
             (nn.HuberLoss(reduction, delta=0.7), huber)]
    for loss_fn, expected in cases:
        np.testing.assert_allclose(loss_fn(x, y).detach().numpy(), reduce(expected, reduction), rtol=1e-12)
        assert te.gradcheck(lambda a, b: loss_fn(a, b), [x, y])


SECOND_ORDER_LOSSES = {   # inputs kept away from the kinks of |d| and Huber's δ
    "mse": lambda a, b, r: F.mse_loss(a, b, reduction=r),
    "l1": lambda a, b, r: F.l1_loss(a * a, b, reduction=r),
    "huber": lambda a, b, r: F.huber_loss(a * b, b, reduction=r, delta=0.5),
    "bce_with_logits": lambda a, b, r: F.binary_cross_entropy_with_logits(
        a, b.sigmoid(), reduction=r, pos_weight=te.tensor(np.array([2.0, 0.5, 1.0]))),
    "nll": lambda a, b, r: F.nll_loss((a * b).log_softmax(1), te.tensor([0, 2, 1, 0]),
                                      reduction=r, weight=te.tensor(np.array([1.0, 2.0, 0.5]))),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", list(SECOND_ORDER_LOSSES))
def test_losses_gradgradcheck_in_input_and_target(rng, name, reduction):
    """create_graph=True through every loss, w.r.t. the input and the target."""
    x, y = t64(rng, 4, 3), t64(rng, 4, 3)
    fn = SECOND_ORDER_LOSSES[name]
    assert te.gradgradcheck(lambda a, b: fn(a, b, reduction), [x, y])


def test_regression_losses_warn_on_broadcasting_and_reject_bad_reduction():
    with pytest.warns(UserWarning, match="broadcast"):
        F.mse_loss(te.zeros(4, 1), te.zeros(4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.mse_loss(te.zeros(4), [1.0, 2.0, 3.0, 4.0])         # lists are fine
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss("avg")


# ------------------------------------------------------------------ binary losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_and_bce_with_logits(rng, reduction):
    logits = t64(rng, 5, 2)
    y = te.tensor(rng.random((5, 2)))                      # soft labels are allowed
    p = 1 / (1 + np.exp(-logits.detach().numpy()))
    expected = -(y.detach().numpy() * np.log(p) + (1 - y.detach().numpy()) * np.log(1 - p))
    probs = te.tensor(p, requires_grad=True)
    np.testing.assert_allclose(nn.BCELoss(reduction=reduction)(probs, y).detach().numpy(),
                               reduce(expected, reduction), rtol=1e-10)
    np.testing.assert_allclose(nn.BCEWithLogitsLoss(reduction=reduction)(logits, y).detach().numpy(),
                               reduce(expected, reduction), rtol=1e-10)
    pw = te.tensor(np.array([2.0, 0.5]))
    weighted = -(pw.detach().numpy() * y.detach().numpy() * np.log(p) + (1 - y.detach().numpy()) * np.log(1 - p))
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(logits, y, reduction=reduction,
                                                                  pos_weight=pw).detach().numpy(),
                               reduce(weighted, reduction), rtol=1e-10)
    assert te.gradcheck(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction),
                        [probs, te.tensor(y.detach().numpy(), requires_grad=True)])
    assert te.gradgradcheck(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction),
                            [probs, te.tensor(y.detach().numpy(), requires_grad=True)])
    assert te.gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(
        a, b, reduction=reduction, pos_weight=pw), [logits, te.tensor(y.detach().numpy(), requires_grad=True)])


def test_bce_extremes_are_finite():
    x = te.tensor([1e4, -1e4, 0.0], requires_grad=True)
    y = te.tensor([0.0, 1.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="sum")
    np.testing.assert_allclose(loss.item(), 2e4 + np.log(2), rtol=1e-6)
    loss.backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), [1, -1, -0.5], atol=1e-6)
    # BCELoss clamps each log at −100, as torch does
    wrong = F.binary_cross_entropy(te.tensor([0.0, 1.0]), te.tensor([1.0, 0.0]), reduction="sum")
    np.testing.assert_allclose(wrong.item(), 200.0)
    x = te.tensor([0.0, 1.0, 1.0], requires_grad=True)
    F.binary_cross_entropy(x, te.tensor([1.0, 0.0, 1.0]), reduction="sum").backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), [-1e12, 1e12, 0.0])      # torch's clamped values
    with pytest.raises(RuntimeError, match="between 0 and 1"):     # torch's words
        F.binary_cross_entropy(te.tensor([1.5]), te.tensor([1.0]))
    with pytest.raises(ValueError, match="shape"):
        F.binary_cross_entropy_with_logits(te.zeros(3), te.zeros(3, 1))


# ------------------------------------------------------------------ NLL
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_closed_form_weights_ignore_and_gradcheck(rng, reduction):
    logp = t64(rng, 6, 4)
    y = np.array([0, 3, 1, 1, -100, 2])
    w = np.array([1.0, 2.0, 0.5, 3.0])
    valid = y != -100
    yy = np.where(valid, y, 0)
    picked = -logp.detach().numpy()[np.arange(6), yy] * w[yy] * valid
    expected = picked.sum() / (w[yy] * valid).sum() if reduction == "mean" else \
        reduce(picked, reduction)
    loss = F.nll_loss(logp, te.tensor(y), weight=te.tensor(w), reduction=reduction)
    np.testing.assert_allclose(loss.detach().numpy(), expected, rtol=1e-12)
    assert te.gradcheck(lambda a: nn.NLLLoss(te.tensor(w), reduction=reduction)(a, y), [logp])


def test_nll_loss_spatial_targets(rng):
    logp = t64(rng, 2, 3, 4)
    y = rng.integers(0, 3, (2, 4))
    expected = -np.take_along_axis(logp.detach().numpy(), y[:, None], 1)[:, 0]
    np.testing.assert_allclose(F.nll_loss(logp, y, reduction="none").detach().numpy(), expected, rtol=1e-12)
    assert te.gradcheck(lambda a: F.nll_loss(a, y), [logp])


# ------------------------------------------------------------------ cross-entropy
def ce_reference(x, y, weight=None, ignore_index=-100, reduction="mean", eps=0.0):
    """Textbook CE from log-softmax, class dimension 1."""
    lp = log_softmax_np(x)
    c = x.shape[1]
    cshape = (1, c) + (1,) * (x.ndim - 2)
    w = np.ones(c) if weight is None else weight
    wc = w.reshape(cshape)
    if y.dtype.kind == "f":
        q = y * (1 - eps) + eps / c
        loss = -(q * wc * lp).sum(1)
        return reduce(loss, reduction)
    valid = y != ignore_index
    yy = np.where(valid, y, 0)
    nll = -np.take_along_axis(lp, yy[:, None], 1)[:, 0] * w[yy]
    smooth = -(lp * wc).sum(1) / c
    loss = ((1 - eps) * nll + eps * smooth) * valid
    if reduction == "mean":
        return loss.sum() / (w[yy] * valid).sum()
    return reduce(loss, reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"label_smoothing": 0.2},
                                     {"weight": np.array([0.5, 2.0, 1.0, 3.0])},
                                     {"weight": np.array([0.5, 2.0, 1.0, 3.0]),
                                      "label_smoothing": 0.1, "ignore_index": 2}])
def test_cross_entropy_class_targets(rng, reduction, options):
    x = t64(rng, 5, 4)
    y = np.array([0, 3, 2, 1, 2])
    got = F.cross_entropy(x, te.tensor(y), reduction=reduction, **options)
    expected = ce_reference(x.detach().numpy(), y, options.get("weight"), options.get("ignore_index", -100),
                            reduction, options.get("label_smoothing", 0.0))
    np.testing.assert_allclose(got.detach().numpy(), expected, rtol=1e-12)
    assert te.gradcheck(lambda a: F.cross_entropy(a, y, reduction=reduction, **options), [x])
    assert te.gradgradcheck(lambda a: F.cross_entropy(a, y, reduction=reduction, **options), [x])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("eps", [0.0, 0.3])
def test_cross_entropy_probability_targets_gradcheck_in_both_inputs(rng, reduction, eps):
    x = t64(rng, 3, 4)
    p = rng.random((3, 4))
    p = te.tensor(p / p.sum(1, keepdims=True), requires_grad=True)
    w = np.array([1.0, 0.5, 2.0, 1.5])
    got = F.cross_entropy(x, p, weight=w, reduction=reduction, label_smoothing=eps)
    np.testing.assert_allclose(got.detach().numpy(), ce_reference(x.detach().numpy(), p.detach().numpy(), w, reduction=reduction,
                                                      eps=eps), rtol=1e-12)
    fn = lambda a, b: F.cross_entropy(a, b, weight=w, reduction=reduction,  # noqa: E731
                                      label_smoothing=eps)
    assert te.gradcheck(fn, [x, p])
    assert te.gradgradcheck(fn, [x, p])


def test_cross_entropy_spatial_and_unbatched(rng):
    x = t64(rng, 2, 3, 4, 2)
    y = rng.integers(0, 3, (2, 4, 2))
    np.testing.assert_allclose(F.cross_entropy(x, y, reduction="none").detach().numpy(),
                               ce_reference(x.detach().numpy(), y, reduction="none"), rtol=1e-12)
    assert te.gradcheck(lambda a: F.cross_entropy(a, y, label_smoothing=0.1), [x])
    v = t64(rng, 5)
    np.testing.assert_allclose(F.cross_entropy(v, te.tensor(3)).item(),
                               -log_softmax_np(v.detach().numpy()[None])[0, 3], rtol=1e-12)
    assert F.cross_entropy(v, te.tensor(3), reduction="none").shape == ()


@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_fused_cross_entropy_equals_composed_even_for_huge_logits(rng, scale):
    x = te.tensor(rng.standard_normal((6, 5)) * scale, requires_grad=True)
    x.data[0, 2] = scale           # exact ties with the other extreme, both signs
    x.data[1, :] = -scale
    y = np.array([2, 0, 4, 1, 3, 3])
    fused = F.cross_entropy(x, y)
    fused.backward()
    g_fused = x.grad.detach().numpy().copy()
    x.grad = None
    composed = F.nll_loss(x.log_softmax(1), y)
    composed.backward()
    assert np.isfinite(fused.item()) and np.all(np.isfinite(g_fused))
    np.testing.assert_allclose(fused.item(), composed.item(), rtol=1e-12)
    np.testing.assert_allclose(g_fused, x.grad.detach().numpy(), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(fused.item(), ce_reference(x.detach().numpy(), y), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_probability_targets_at_huge_logits(dtype):
    """Soft targets with logits of ±1e4: finite loss and finite, exact gradients for
    both the logits (softmax − q) and the targets (−log softmax / N)."""
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, -1e4]])
    q = np.array([[0.5, 0.5, 0.0], [0.0, 0.25, 0.75], [1.0, 0.0, 0.0]])
    x = te.tensor(logits.astype(dtype), requires_grad=True)
    p = te.tensor(q.astype(dtype), requires_grad=True)
    loss = F.cross_entropy(x, p)
    loss.backward()
    logp = log_softmax_np(logits)               # [[0, -2e4, -1e4], [-2e4, -2e4, 0], ...]
    np.testing.assert_allclose(loss.item(), -(q * logp).sum() / 3, rtol=1e-6)
    np.testing.assert_allclose(x.grad.detach().numpy(), (np.exp(logp) - q) / 3, atol=1e-7)
    np.testing.assert_allclose(p.grad.detach().numpy(), -logp / 3, rtol=1e-6)
    assert loss.dtype == x.grad.dtype == p.grad.dtype == dtype


def test_cross_entropy_float32_huge_logits_are_finite_and_correct():
    x = te.tensor(np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4]], np.float32),
                  requires_grad=True)
    loss = nn.CrossEntropyLoss(reduction="none")(x, te.tensor([1, 2]))
    np.testing.assert_allclose(loss.detach().numpy(), [2e4, 0.0], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), [[1, -1, 0], [0, 0, 0]], atol=1e-6)
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32


def test_cross_entropy_is_one_node_with_softmax_minus_onehot_gradient(rng):
    x = te.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    y = np.array([0, 2, 1, 2])
    loss = F.cross_entropy(x, y)
    assert type(loss.grad_fn).__name__ == "CrossEntropy"
    assert loss.grad_fn.inputs[0] is x
    loss.backward()
    s = np.exp(log_softmax_np(x.detach().numpy()))
    np.testing.assert_allclose(x.grad.detach().numpy(), (s - np.eye(3)[y]) / 4, rtol=1e-12)


def test_cross_entropy_bad_targets_give_clear_errors():
    x = te.zeros(3, 4)
    with pytest.raises(IndexError, match=r"target class 4 is out of range for 4 classes"):
        F.cross_entropy(x, te.tensor([0, 4, 1]))
    with pytest.raises(IndexError, match="class -1"):
        nn.CrossEntropyLoss()(x, te.tensor([0, -1, 1]))
    with pytest.raises(TypeError, match=r"float target.*probabilities.*\.long\(\)"):
        F.cross_entropy(x, te.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(TypeError, match=r"must have the input's shape \(3, 4\)"):
        F.cross_entropy(x, te.zeros(3, 5))
    with pytest.raises(ValueError, match=r"expected target shape \(3,\)"):
        F.cross_entropy(x, te.tensor([[0], [1], [2]]))
    with pytest.raises(ValueError, match="one entry per class"):
        F.cross_entropy(x, te.tensor([0, 1, 2]), weight=np.ones(3))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, te.tensor([0, 1, 2]), label_smoothing=1.5)
    with pytest.raises(IndexError, match="out of range"):
        F.nll_loss(x, te.tensor([0, 1, 9]))


@pytest.mark.parametrize("dtype", ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", ">i8", "<u4"])
def test_cross_entropy_checks_class_targets_of_every_integer_dtype(dtype):
    """The one-pass range check (an unsigned view) agrees with the careful one."""
    x = te.tensor(np.arange(12.0).reshape(3, 4) % 5)
    expected = F.cross_entropy(x, te.tensor(np.array([0, 3, 1]))).item()
    np.testing.assert_allclose(F.cross_entropy(x, te.tensor(np.array([0, 3, 1], dtype))).item(),
                               expected, rtol=1e-12)
    with pytest.raises(IndexError, match="target class 4 is out of range"):
        F.cross_entropy(x, te.tensor(np.array([0, 4, 1], dtype)))
    if np.dtype(dtype).kind == "i":
        with pytest.raises(IndexError, match="target class -1 is out of range"):
            F.cross_entropy(x, te.tensor(np.array([0, -1, 1], dtype)))
        kept = F.cross_entropy(x, te.tensor(np.array([0, -100, 1], dtype))).item()
        np.testing.assert_allclose(F.cross_entropy(x[[0, 2]], te.tensor([0, 1])).item(), kept)
    # an ignore_index inside [0, C) is found, not taken for a class
    ignored = F.cross_entropy(x, te.tensor(np.array([0, 3, 1], dtype)), ignore_index=3).item()
    np.testing.assert_allclose(ignored, F.cross_entropy(x[[0, 2]], te.tensor([0, 1])).item(),
                               rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_gradient_keeps_the_dtype_and_scales_by_the_incoming_gradient(
        dtype, reduction):
    logits = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    x = te.tensor(logits.astype(dtype), requires_grad=True)
    loss = F.cross_entropy(x, te.tensor([2, 1]), reduction=reduction)
    loss.backward(te.tensor(np.array(2.5, dtype)))
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    expected = 2.5 * (probs - np.eye(3)[[2, 1]]) / (2 if reduction == "mean" else 1)
    assert x.grad.dtype == dtype
    np.testing.assert_allclose(x.grad.detach().numpy(), expected, rtol=2e-3 if dtype == np.float16 else 1e-6,
                               atol=1e-3 if dtype == np.float16 else 0)


def test_loss_weights_are_buffers_as_in_torch():
    loss = nn.CrossEntropyLoss(weight=[1.0, 2.0])
    assert list(loss.state_dict()) == ["weight"] and loss.weight.dtype == np.float32
    assert list(nn.BCEWithLogitsLoss(pos_weight=te.tensor([2.0])).state_dict()) == ["pos_weight"]
    assert list(nn.NLLLoss().state_dict()) == []
    np.testing.assert_allclose(loss(te.tensor([[0.0, 0.0], [0.0, 0.0]]), [0, 1]).item(),
                               np.log(2), rtol=1e-6)


def test_loss_module_reprs():
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"


# ------------------------------------------------------------------ torch side by side
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_losses_match_torch(rng, reduction):
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    x = rng.standard_normal((6, 4)) * 5
    y_cls = np.array([0, 3, 1, 1, 2, 3])
    y_reg = rng.standard_normal((6, 4))
    p = rng.random((6, 4))
    p = p / p.sum(1, keepdims=True)
    w = np.array([1.0, 2.0, 0.5, 1.5])
    probs = 1 / (1 + np.exp(-x))
    y_bin = (rng.random((6, 4)) > 0.5).astype(float)
    cases = [
        (lambda a: F.cross_entropy(a, y_cls, reduction=reduction),
         lambda a: tF.cross_entropy(a, torch.tensor(y_cls), reduction=reduction), x),
        (lambda a: F.cross_entropy(a, y_cls, weight=w, label_smoothing=0.1, ignore_index=1,
                                   reduction=reduction),
         lambda a: tF.cross_entropy(a, torch.tensor(y_cls), weight=torch.tensor(w),
                                    label_smoothing=0.1, ignore_index=1, reduction=reduction), x),
        (lambda a: F.cross_entropy(a, p, weight=w, label_smoothing=0.2, reduction=reduction),
         lambda a: tF.cross_entropy(a, torch.tensor(p), weight=torch.tensor(w),
                                    label_smoothing=0.2, reduction=reduction), x),
        (lambda a: F.nll_loss(a.log_softmax(1), y_cls, weight=w, reduction=reduction),
         lambda a: tF.nll_loss(a.log_softmax(1), torch.tensor(y_cls), weight=torch.tensor(w),
                               reduction=reduction), x),
        (lambda a: F.mse_loss(a, y_reg, reduction=reduction),
         lambda a: tF.mse_loss(a, torch.tensor(y_reg), reduction=reduction), x),
        (lambda a: F.l1_loss(a, y_reg, reduction=reduction),
         lambda a: tF.l1_loss(a, torch.tensor(y_reg), reduction=reduction), x),
        (lambda a: F.huber_loss(a, y_reg, reduction=reduction, delta=2.0),
         lambda a: tF.huber_loss(a, torch.tensor(y_reg), reduction=reduction, delta=2.0), x),
        (lambda a: F.binary_cross_entropy(a, y_bin, reduction=reduction),
         lambda a: tF.binary_cross_entropy(a, torch.tensor(y_bin), reduction=reduction), probs),
        (lambda a: F.binary_cross_entropy_with_logits(a, y_bin, reduction=reduction,
                                                      pos_weight=te.tensor(w)),
         lambda a: tF.binary_cross_entropy_with_logits(a, torch.tensor(y_bin),
                                                       reduction=reduction,
                                                       pos_weight=torch.tensor(w)), x),
    ]
    for ours, theirs, inp in cases:
        a, b = te.tensor(inp, requires_grad=True), torch.tensor(inp, requires_grad=True)
        lo, lt = ours(a), theirs(b)
        np.testing.assert_allclose(lo.detach().numpy(), lt.detach().numpy(), rtol=1e-10, atol=1e-12)
        g = rng.standard_normal(lo.shape)
        lo.backward(te.tensor(g))
        lt.backward(torch.tensor(g))
        np.testing.assert_allclose(a.grad.detach().numpy(), b.grad.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_cross_entropy_plain_and_general_nodes_agree(rng):
    """Class indices without weights, smoothing or ignored targets use the plain
    ``CrossEntropy`` node; anything else ``CrossEntropyGeneral``: the same numbers,
    the same name in the renderer and the same torch node name."""
    from tinygrad_edu.functions import CrossEntropy, CrossEntropyGeneral
    logits = rng.standard_normal((5, 4, 3))
    y = np.array([[0, 3, 1], [2, 2, 0], [1, 0, 3], [3, 1, 1], [0, 0, 2]])
    for reduction in ("mean", "sum", "none"):
        x1 = te.tensor(logits, requires_grad=True)
        x2 = te.tensor(logits, requires_grad=True)
        plain = F.cross_entropy(x1, te.tensor(y), reduction=reduction)
        general = CrossEntropyGeneral.apply(x2, te.tensor(y), reduction=reduction)
        assert type(plain.grad_fn) is CrossEntropy
        assert repr(plain.grad_fn) == repr(general.grad_fn) == "<NllLossBackward0>"
        assert plain.grad_fn.name() == general.grad_fn.name() == "CrossEntropy"
        np.testing.assert_array_equal(plain.detach().numpy(), general.detach().numpy())
        plain.sum().backward()
        general.sum().backward()
        np.testing.assert_array_equal(x1.grad.detach().numpy(), x2.grad.detach().numpy())
    x = te.tensor(logits, requires_grad=True)
    for kwargs in ({"weight": np.ones(4)}, {"label_smoothing": 0.1}, {"ignore_index": 3}):
        assert type(F.cross_entropy(x, te.tensor(y), **kwargs).grad_fn) is CrossEntropyGeneral
    probs = te.tensor(np.full((5, 4, 3), 0.25))
    assert type(F.cross_entropy(x, probs).grad_fn) is CrossEntropyGeneral
    assert te.gradgradcheck(lambda x: F.cross_entropy(x, te.tensor(y)), [x])


@pytest.mark.parametrize("beta", [1.0, 0.5, 0.0])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_smooth_l1_loss_matches_torch(beta, reduction):
    torch = pytest.importorskip("torch")
    x = np.array([[0.3, -2.0, 1.0], [0.05, 4.0, -0.2]])
    y = np.array([[0.0, 0.5, -1.0], [0.1, 0.0, 0.0]])
    ours, theirs = te.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    a = F.smooth_l1_loss(ours, te.tensor(y), reduction=reduction, beta=beta)
    b = torch.nn.functional.smooth_l1_loss(theirs, torch.tensor(y), reduction=reduction, beta=beta)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)
    a.sum().backward()
    b.sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
    module = te.nn.SmoothL1Loss(reduction=reduction, beta=beta)
    np.testing.assert_allclose(module(ours, te.tensor(y)).detach().numpy(), b.detach().numpy())
    with pytest.raises(RuntimeError, match="does not support negative values for beta"):
        F.smooth_l1_loss(ours, te.tensor(y), beta=-1.0)
