"""Forward mode: every op's ``jvp`` rule against central differences and against reverse
mode (⟨J v, u⟩ = ⟨v, Jᵀ u⟩ for random u, v, float64) over broadcasting shapes incl. 0-d;
``te.autograd.forward_ad`` side by side with ``torch.autograd.forward_ad``; forward over
reverse (Hessian-vector products) against reverse over reverse."""
import numpy as np
import pytest
import torch
import torch.autograd.forward_ad as tfw

import tinygrad_edu as te
import tinygrad_edu.nn.functional as F
from tinygrad_edu import Tensor
from tinygrad_edu.autograd import forward_ad as fwAD
from tinygrad_edu.autograd.function import Function

from test_ops import (BINARY, DIMS, MATMUL_SHAPES, REDUCTIONS, SHAPE_OPS, SHAPE_PAIRS, UNARY,
                      _away_from_kinks)


def jvp_of(fn, tensors, tangents):
    """(f(x), J v) by one forward-mode pass."""
    with fwAD.dual_level():
        duals = [fwAD.make_dual(t, v) for t, v in zip(tensors, tangents)]
        out = fn(*duals)
        primal, tangent = fwAD.unpack_dual(out)
    assert tangent is not None, "the output is not dual"
    return primal, tangent


def check_jvp(fn, arrays, rng, h=1e-6, atol=1e-6, rtol=1e-9):
    """J v of ``fn`` at ``arrays`` equals central differences, and ⟨J v, u⟩ = ⟨v, Jᵀu⟩."""
    xs = [Tensor(np.asarray(a, np.float64)) for a in arrays]
    vs = [Tensor(rng.standard_normal(np.shape(a))) for a in arrays]
    primal, jv = jvp_of(fn, xs, vs)
    assert jv.shape == primal.shape and jv.dtype == te.float64
    plus = fn(*[Tensor(x.numpy() + h * v.numpy()) for x, v in zip(xs, vs)]).numpy()
    minus = fn(*[Tensor(x.numpy() - h * v.numpy()) for x, v in zip(xs, vs)]).numpy()
    np.testing.assert_allclose(jv.numpy(), (plus - minus) / (2 * h), rtol=1e-5, atol=atol)
    leaves = [x.detach().requires_grad_() for x in xs]
    out = fn(*leaves)
    u = rng.standard_normal(out.shape)
    grads = te.autograd.grad(out, leaves, Tensor(u), allow_unused=True)
    rev = sum(float(np.sum(v.numpy() * g.numpy())) for v, g in zip(vs, grads) if g is not None)
    np.testing.assert_allclose(float(np.sum(jv.numpy() * u)), rev, rtol=rtol, atol=1e-10)


def _domain(name, shape, rng):
    fn, ref, domain = UNARY[name]
    if domain == "positive":
        return rng.uniform(0.2, 3.0, shape)
    a = np.asarray(rng.uniform(-3.0, 3.0, shape))
    return a if domain is None else _away_from_kinks(a, domain)


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_jvp(name, shapes, rng):
    low = 0.5 if name in ("pow", "div") else -2.0
    a, b = [rng.uniform(low, 2.0, s) for s in shapes]
    if name in ("maximum", "minimum", "te.maximum"):
        b = b + 0.1 * np.sign(b - a + 1e-3)             # no ties: differences are smooth
    check_jvp(BINARY[name][0], [a, b], rng)


@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 2)], ids=str)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_jvp(name, shape, rng):
    check_jvp(UNARY[name][0], [_domain(name, shape, rng)], rng)


MORE_UNARY = {
    "log2": (Tensor.log2, "positive"), "log10": (Tensor.log10, "positive"),
    "log1p": (Tensor.log1p, "positive"), "expm1": (Tensor.expm1, None),
    "exp2": (Tensor.exp2, None), "reciprocal": (Tensor.reciprocal, "positive"),
    "rsqrt": (Tensor.rsqrt, "positive"), "square": (Tensor.square, None),
    "neg": (Tensor.neg, None), "frac": (Tensor.frac, "fraction"),
    "floor": (Tensor.floor, "fraction"), "ceil": (Tensor.ceil, "fraction"),
    "trunc": (Tensor.trunc, "fraction"), "sign": (Tensor.sign, "positive"),
    "round": (Tensor.round, "fraction"), "nan_to_num": (Tensor.nan_to_num, None),
    "float32": (lambda t: t.to(te.float32).to(te.float64) * 1.0, "float32"),
    "sigmoid_x2": (lambda t: (t * 2).sigmoid(), None), "mul_scalar": (lambda t: 3.0 * t, None),
    "rsub_scalar": (lambda t: 1.0 - t, None), "rdiv_scalar": (lambda t: 2.0 / t, "positive"),
    "pow_scalar": (lambda t: t ** 3, None), "rpow_scalar": (lambda t: 2.0 ** t, None),
    "clone": (Tensor.clone, None),
}


@pytest.mark.parametrize("shape", [(), (2, 3)], ids=str)
@pytest.mark.parametrize("name", list(MORE_UNARY))
def test_more_unary_jvp(name, shape, rng):
    fn, domain = MORE_UNARY[name]
    a = rng.uniform(0.2, 3.0, shape) if domain == "positive" else rng.uniform(-3, 3, shape)
    if domain == "fraction":            # away from the jumps
        a = np.floor(a) + rng.uniform(0.2, 0.4, shape)
    if domain == "float32":
        check_jvp(fn, [a], rng, h=1e-2, atol=1e-5, rtol=1e-6)
        return
    check_jvp(fn, [a], rng)


TERNARY = {
    "lerp": lambda a, b, w: a.lerp(b, w),
    "where": lambda a, b, w: te.where(w.detach().numpy() > 0, a, b),
}


@pytest.mark.parametrize("shapes", [((3, 4), (4,), (3, 1)), ((), (2, 3), ()), ((2, 1), (3,), ())],
                         ids=str)
@pytest.mark.parametrize("name", list(TERNARY))
def test_ternary_jvp(name, shapes, rng):
    check_jvp(TERNARY[name], [rng.uniform(-2, 2, s) for s in shapes], rng)


@pytest.mark.parametrize("name", ["remainder", "fmod"])
def test_remainder_jvp(name, rng):
    a, b = rng.uniform(0.5, 5, (3, 4)), rng.uniform(0.7, 2, (4,))
    a = b * (np.floor(a / b) + rng.uniform(0.2, 0.8, a.shape))     # away from the jumps
    check_jvp(lambda x, y: getattr(x, name)(y), [a, b], rng)


@pytest.mark.parametrize("keepdim", [False, True], ids=["", "keepdim"])
@pytest.mark.parametrize("name, dim", [
    (n, d) for n in REDUCTIONS for d in DIMS if not (n in ("max", "min") and
                                                     isinstance(d, tuple))], ids=str)
def test_reduction_jvp(name, dim, keepdim, rng):
    fn = REDUCTIONS[name][0]
    check_jvp(lambda t: fn(t, dim, keepdim), [rng.uniform(-2, 2, (2, 3, 4))], rng)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "logsumexp", "var", "prod",
                                  "amax", "norm", "softmax", "log_softmax", "cumsum",
                                  "cumprod"])
def test_reduction_of_0d_jvp(name, rng):
    fn = {"sum": Tensor.sum, "mean": Tensor.mean, "max": Tensor.max, "min": Tensor.min,
          "logsumexp": lambda t: t.logsumexp(0), "var": lambda t: t.var(correction=0),
          "prod": Tensor.prod, "amax": Tensor.amax, "norm": Tensor.norm,
          "softmax": lambda t: t.softmax(0), "log_softmax": lambda t: t.log_softmax(0),
          "cumsum": lambda t: t.cumsum(0), "cumprod": lambda t: t.cumprod(0)}[name]
    check_jvp(fn, [np.asarray(rng.uniform(0.5, 2.0))], rng)


SCANS = {
    "softmax": lambda t: t.softmax(-1), "softmax_0": lambda t: t.softmax(0),
    "log_softmax": lambda t: t.log_softmax(1), "cumsum": lambda t: t.cumsum(1),
    "cumprod": lambda t: t.cumprod(-1), "prod": lambda t: t.prod(), "prod_1": lambda t: t.prod(1),
    "amax": lambda t: t.amax(1), "amin": lambda t: t.amin((0, 2)), "norm": lambda t: t.norm(),
    "norm_1": lambda t: t.norm(p=1, dim=1), "norm_3": lambda t: t.norm(p=3, dim=-1),
    "std": lambda t: t.std(1), "aminmax": lambda t: t.aminmax(dim=0).max,
}


@pytest.mark.parametrize("name", list(SCANS))
def test_softmax_scan_prod_norm_jvp(name, rng):
    check_jvp(SCANS[name], [rng.uniform(0.3, 2.0, (2, 3, 4))], rng)


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_jvp(shapes, rng):
    check_jvp(lambda a, b: a @ b, [rng.uniform(-2, 2, s) for s in shapes], rng)


@pytest.mark.parametrize("name", list(SHAPE_OPS))
def test_shape_op_jvp(name, rng):
    check_jvp(SHAPE_OPS[name][0], [rng.uniform(-2, 2, (2, 3, 4))], rng)


INDEXING = {
    "getitem_basic": lambda t: t[1:, ::2, None, 0],
    "getitem_int_array": lambda t: t[[0, 1, 1], :, [2, 0, 2]],
    "getitem_mask": lambda t: t[t.detach().numpy() > 0],
    "flip": lambda t: t.flip(0, 2), "roll": lambda t: t.roll(1, 2),
    "repeat": lambda t: t.repeat(2, 1, 1), "tile": lambda t: t.tile((1, 2)),
    "repeat_interleave": lambda t: t.repeat_interleave(2, dim=1),
    "index_select": lambda t: t.index_select(2, te.tensor([3, 0, 3])),
    "gather": lambda t: t.gather(1, te.tensor(np.zeros((2, 2, 4), np.int64))),
    "masked_select": lambda t: t.masked_select(t.detach() > 0),
    "sort": lambda t: t.sort(-1).values, "topk": lambda t: t.topk(2).values,
    "narrow": lambda t: t.narrow(2, 1, 2), "select": lambda t: t.select(1, 2),
    "unbind": lambda t: t.unbind(0)[1], "split": lambda t: t.split(2, dim=2)[1],
    "chunk": lambda t: t.chunk(3, dim=1)[2], "tril": lambda t: t.tril(),
    "triu": lambda t: t.triu(1), "masked_fill": lambda t: t.masked_fill(t.detach() > 0.5, 2.0),
    "cat": lambda t: te.cat([t, t * 2, t[:1]], 0), "stack": lambda t: te.stack([t, t.exp()], 1),
    "pad": lambda t: F.pad(t, (1, 2)), "pad_reflect": lambda t: F.pad(t, (1, 1), mode="reflect"),
    "scatter": lambda t: t.scatter(2, te.tensor([[[0, 1]] * 3] * 2), t[..., :2] * 3),
    "scatter_add": lambda t: t.scatter_add(2, te.tensor([[[0, 0]] * 3] * 2), t[..., 2:] ** 2),
    "setitem_clone": lambda t: _setitem(t),
    "einsum": lambda t: te.einsum("ijk,ikl->ijl", t, t.transpose(1, 2).exp()),
    "einsum_trace": lambda t: te.einsum("ijk,ijk->i", t, t),
}


def _setitem(t):
    c = t.clone()
    c[0, 1] = t[1, 0] * 2
    return c


@pytest.mark.parametrize("name", list(INDEXING))
def test_indexing_jvp(name, rng):
    check_jvp(INDEXING[name], [rng.uniform(-2, 2, (2, 3, 4))], rng)


def _nn(name):
    target = te.tensor([2, 0, 1, 2])
    soft = te.tensor(np.random.default_rng(1).dirichlet(np.ones(3), 4))
    return {
        "linear": (lambda x, w, b: F.linear(x, w, b), [(4, 3), (2, 3), (2,)]),
        "linear_3d": (lambda x, w: F.linear(x, w), [(2, 4, 3), (5, 3)]),
        "cross_entropy": (lambda x: F.cross_entropy(x, target), [(4, 3)]),
        "cross_entropy_sum": (lambda x: F.cross_entropy(x, target, reduction="sum"), [(4, 3)]),
        "cross_entropy_none": (lambda x: F.cross_entropy(x, target, reduction="none"), [(4, 3)]),
        "cross_entropy_smooth_weight": (lambda x: F.cross_entropy(
            x, target, weight=te.tensor([1.0, 2.0, 0.5], dtype=te.float64),
            label_smoothing=0.1), [(4, 3)]),
        "cross_entropy_soft": (lambda x, q: F.cross_entropy(x, q.softmax(1)), [(4, 3), (4, 3)]),
        "cross_entropy_soft_fixed": (lambda x: F.cross_entropy(x, soft), [(4, 3)]),
        "cross_entropy_2d": (lambda x: F.cross_entropy(x, te.tensor([[0, 2], [1, 1]]),
                                                       reduction="none"), [(2, 3, 2)]),
        "mse": (lambda x, y: F.mse_loss(x, y), [(4, 3), (4, 3)]),
        "mse_sum": (lambda x, y: F.mse_loss(x, y, reduction="sum"), [(4, 3), (4, 3)]),
        "mse_none": (lambda x, y: F.mse_loss(x, y, reduction="none"), [(4, 3), (4, 3)]),
        "bce": (lambda x, y: F.binary_cross_entropy(x.sigmoid(), y.sigmoid()), [(4, 3), (4, 3)]),
        "bce_logits": (lambda x, y: F.binary_cross_entropy_with_logits(x, y.sigmoid()),
                       [(4, 3), (4, 3)]),
        "relu": (F.relu, [(4, 3)]), "gelu": (F.gelu, [(4, 3)]),
        "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), [(4, 3)]),
        "softplus": (F.softplus, [(4, 3)]),
        "nll_loss": (lambda x: F.nll_loss(x.log_softmax(1), target), [(4, 3)]),
        "huber": (lambda x, y: F.huber_loss(x, y), [(4, 3), (4, 3)]),
        "l1": (lambda x, y: F.l1_loss(x, y), [(4, 3), (4, 3)]),
        "embedding": (lambda w: F.embedding(te.tensor([[0, 2], [2, 1]]), w), [(3, 4)]),
        "batch_norm": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                       [(4, 3), (3,), (3,)]),
        "group_norm": (lambda x: F.group_norm(x, 2), [(2, 4, 3)]),
        "rms_norm": (lambda x, w: F.rms_norm(x, (3,), w), [(4, 3), (3,)]),
        "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, 2), [(1, 2, 4, 4)]),
        "leaky_relu": (F.leaky_relu, [(4, 3)]), "tanh": (F.tanh, [(4, 3)]),
        "sigmoid": (F.sigmoid, [(4, 3)]), "softmax": (lambda x: F.softmax(x, 1), [(4, 3)]),
        "log_softmax": (lambda x: F.log_softmax(x, 1), [(4, 3)]),
        "layer_norm": (lambda x, w, b: F.layer_norm(x, (3,), w, b), [(4, 3), (3,), (3,)]),
        "conv2d": (lambda x, w, b: F.conv2d(x, w, b, padding=1),
                   [(2, 2, 4, 4), (3, 2, 3, 3), (3,)]),
        "max_pool2d": (lambda x: F.max_pool2d(x, 2), [(1, 2, 4, 4)]),
        "avg_pool2d": (lambda x: F.avg_pool2d(x, 2), [(1, 2, 4, 4)]),
        "sdpa": (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                 [(2, 3, 4), (2, 3, 4), (2, 3, 4)]),
        "dropout_eval": (lambda x: F.dropout(x, 0.5, training=False), [(4, 3)]),
    }[name]


NN = ["linear", "linear_3d", "cross_entropy", "cross_entropy_sum", "cross_entropy_none",
      "cross_entropy_smooth_weight", "cross_entropy_soft", "cross_entropy_soft_fixed",
      "cross_entropy_2d", "mse", "mse_sum", "mse_none", "bce", "bce_logits", "relu", "gelu",
      "gelu_tanh", "softplus", "nll_loss", "huber", "l1", "embedding", "batch_norm",
      "group_norm", "rms_norm", "adaptive_avg_pool2d", "leaky_relu", "tanh", "sigmoid", "softmax",
      "log_softmax", "layer_norm", "conv2d", "max_pool2d", "avg_pool2d", "sdpa", "dropout_eval"]


@pytest.mark.parametrize("name", NN)
def test_nn_jvp(name, rng):
    fn, shapes = _nn(name)
    check_jvp(fn, [rng.uniform(-2, 2, s) for s in shapes], rng)


def test_mlp_jvp_wrt_input_and_parameters(rng):
    """An MLP (Linear, ReLU, Linear, CrossEntropy) pushed forward w.r.t. its input and
    w.r.t. every parameter at once."""
    model = te.nn.Sequential(te.nn.Linear(3, 5), te.nn.Tanh(), te.nn.Linear(5, 4)).double()
    target = te.tensor([0, 3])
    names = [n for n, _ in model.named_parameters()]

    def loss(x, *params):
        state = dict(zip(names, params))
        h = F.linear(x, state["0.weight"], state["0.bias"]).tanh()
        return F.cross_entropy(F.linear(h, state["2.weight"], state["2.bias"]), target)

    arrays = [rng.standard_normal((2, 3))] + [p.detach().numpy() for p in model.parameters()]
    check_jvp(loss, arrays, rng)


# ------------------------------------------------------------------ every op has a rule
def _all_ops():
    import tinygrad_edu.functions as fns
    from tinygrad_edu.autograd import forward_ad
    seen, todo = set(), [Function]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return sorted((c for c in seen if c.__module__.startswith("tinygrad_edu.functions")
                   or c is forward_ad._Alias), key=lambda c: c.__name__)


@pytest.mark.parametrize("op", _all_ops(), ids=lambda c: c.__name__)
def test_every_builtin_op_has_a_jvp_and_its_formula(op):
    assert op.jvp is not Function.jvp, f"{op.__name__} has no jvp"
    assert op.jvp_formula and op.jvp_formula != Function.jvp_formula or \
        any(op.jvp_formula for b in op.__mro__[1:] if b is not Function), op


def test_an_op_without_jvp_raises_naming_it():
    class Twice(Function):
        @staticmethod
        def forward(ctx, a):
            return 2 * a

        @staticmethod
        def backward(ctx, grad):
            return 2 * grad

    with fwAD.dual_level():
        x = fwAD.make_dual(te.ones(2), te.ones(2))
        with pytest.raises(RuntimeError, match="Twice.*no jvp rule"):
            Twice.apply(x)
        assert fwAD.unpack_dual(Twice.apply(te.ones(2))).tangent is None   # not dual: fine


# ------------------------------------------------------------------ the API, as torch
def test_make_dual_unpack_dual_like_torch(rng):
    a, v = rng.standard_normal(3), rng.standard_normal(3)
    with fwAD.dual_level() as level, tfw.dual_level() as tlevel:
        assert level == tlevel == 0
        x, tx = te.tensor(a), torch.tensor(a)
        d, td = fwAD.make_dual(x, te.tensor(v)), tfw.make_dual(tx, torch.tensor(v))
        y, ty = (d.sin() * d).sum(), (td.sin() * td).sum()
        p, t = fwAD.unpack_dual(y)
        tp, tt = tfw.unpack_dual(ty)
        np.testing.assert_allclose(p.numpy(), tp.numpy())
        np.testing.assert_allclose(t.numpy(), tt.numpy())
        unpacked = fwAD.unpack_dual(d)
        assert type(unpacked).__name__ == "UnpackedDualTensor"
        assert unpacked.tangent is fwAD.unpack_dual(d).tangent
        assert fwAD.unpack_dual(unpacked.primal).tangent is None    # the primal is not dual
        assert fwAD.unpack_dual(x).tangent is None                   # make_dual made a view
        assert fwAD.unpack_dual(d.detach()).tangent is None          # detach drops it
        with te.no_grad():                                           # no_grad does not
            assert fwAD.unpack_dual(d * 2).tangent is not None
    assert fwAD.unpack_dual(d).tangent is None                       # the level is over


def test_forward_ad_errors_like_torch():
    with pytest.raises(RuntimeError, match="no level exists"):
        fwAD.make_dual(te.ones(2), te.ones(2))
    with fwAD.dual_level():
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
            with fwAD.dual_level():
                pass
        with pytest.raises(RuntimeError, match="different size"):
            fwAD.make_dual(te.ones(3), te.ones(2))
        with pytest.raises(ValueError, match="floating point"):
            fwAD.make_dual(te.tensor([1, 2]), te.ones(2))


def test_integer_outputs_are_not_dual():
    with fwAD.dual_level():
        d = fwAD.make_dual(te.tensor([1.0, 3.0, 2.0]), te.ones(3))
        assert fwAD.unpack_dual(d.argmax()).tangent is None
        assert fwAD.unpack_dual(d > 1).tangent is None


# ------------------------------------------------------------------ composing with reverse
def _f(x):
    return (x.sin() * x.exp()).sum() + (x[:2] * x[1:]).prod() + x.softmax(0).log().mean()


def test_forward_over_reverse_hvp_equals_reverse_over_reverse(rng):
    a, v = rng.uniform(0.2, 1.0, 3), rng.standard_normal(3)
    x = te.tensor(a, requires_grad=True)
    g, = te.autograd.grad(_f(x), x, create_graph=True)           # reverse over reverse
    hv_rr, = te.autograd.grad(g, x, te.tensor(v))
    with fwAD.dual_level():                                      # forward over reverse
        leaf = te.tensor(a, requires_grad=True)
        d = fwAD.make_dual(leaf, te.tensor(v))
        g2, = te.autograd.grad(_f(d), d, create_graph=True)
        hv_fr = fwAD.unpack_dual(g2).tangent
    np.testing.assert_allclose(hv_fr.detach().numpy(), hv_rr.numpy(), rtol=1e-10)
    th = torch.func.hessian(lambda t: (t.sin() * t.exp()).sum() + (t[:2] * t[1:]).prod()
                            + t.softmax(0).log().mean())(torch.tensor(a))
    np.testing.assert_allclose(hv_fr.detach().numpy(), (th @ torch.tensor(v)).numpy(), rtol=1e-10)


def test_reverse_over_forward_equals_the_hessian(rng):
    """The tangent is a Tensor computed by recorded ops: its gradient w.r.t. the primal is
    Hv too (reverse over forward)."""
    a, v = rng.uniform(0.2, 1.0, 3), rng.standard_normal(3)
    x = te.tensor(a, requires_grad=True)
    with fwAD.dual_level():
        jv = fwAD.unpack_dual(_f(fwAD.make_dual(x, te.tensor(v)))).tangent
    hv, = te.autograd.grad(jv, x)
    hess = te.func.hessian(_f)(te.tensor(a))
    np.testing.assert_allclose(hv.numpy(), hess.numpy() @ v, rtol=1e-10)


def test_forward_over_reverse_through_the_mlp_ops(rng):
    x = te.tensor(rng.standard_normal((4, 3)))
    w = rng.standard_normal((2, 3))
    target = te.tensor([0, 1, 1, 0])

    def loss(w):
        return F.cross_entropy(F.linear(x, w).tanh() * 3, target) + F.mse_loss(w, w * 0.5)

    v = rng.standard_normal((2, 3))
    _, hv = te.autograd.functional.hvp(loss, te.tensor(w), te.tensor(v))
    _, vh = te.autograd.functional.vhp(loss, te.tensor(w), te.tensor(v))
    np.testing.assert_allclose(hv.numpy(), vh.numpy(), rtol=1e-9)


# ------------------------------------------------------------------ custom Functions
class Cube(te.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.x = x
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        return grad * 3 * ctx.x ** 2

    @staticmethod
    def jvp(ctx, tx):
        return tx * 3 * ctx.x ** 2


class TorchCube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.x = x
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        return grad * 3 * ctx.x ** 2

    @staticmethod
    def jvp(ctx, tx):
        return tx * 3 * ctx.x ** 2


class NoJvp(te.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad * 2


def test_custom_function_jvp_as_torch(rng):
    a, v = rng.standard_normal(3), rng.standard_normal(3)
    with fwAD.dual_level(), tfw.dual_level():
        ours = fwAD.unpack_dual(Cube.apply(fwAD.make_dual(te.tensor(a), te.tensor(v))).sin())
        theirs = tfw.unpack_dual(TorchCube.apply(tfw.make_dual(torch.tensor(a),
                                                                torch.tensor(v))).sin())
        np.testing.assert_allclose(ours.tangent.numpy(), theirs.tangent.numpy(), rtol=1e-12)
        with pytest.raises(RuntimeError, match="NoJvp.*jvp"):
            NoJvp.apply(fwAD.make_dual(te.tensor(a), te.tensor(v)))
    np.testing.assert_allclose(te.func.jacfwd(lambda x: Cube.apply(x))(te.tensor(a)).numpy(),
                               np.diag(3 * a ** 2), rtol=1e-12)


def test_prod_jvp_is_exact_at_zeros(rng):
    a = np.array([[0.0, 2.0, 3.0], [1.5, 0.0, 0.0]])
    check_jvp(lambda t: t.prod(1), [a], rng)
    check_jvp(lambda t: t.prod(), [np.array([0.0, 2.0, 3.0])], rng)
