"""What a GPT needs: tril/triu/masked_fill/split/chunk, the fused LayerNorm, GELU-tanh,
masked softmax and attention (each equal to its composed version in value, gradient
and second derivative), LayerNorm/RMSNorm/MultiheadAttention against torch on copied
weights (float64), the containers, weight tying and gradient clipping."""
import math

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import nn
from tinygrad_edu.functions import GELUTanh, LayerNorm, MaskedSoftmax, ScaledDotProductAttention
from tinygrad_edu.nn import functional as F


def t64(rng, *shape, grad=True):
    return te.tensor(rng.standard_normal(shape), requires_grad=grad)


def grads_of(fn, inputs, g):
    """d(Σ g·fn(inputs))/d inputs as arrays."""
    out = fn(*inputs)
    return out, [x.detach().numpy() for x in te.grad(out, inputs, te.tensor(g))]


# ------------------------------------------------------------------ Tensor methods
@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (5, 2), (2, 3, 4), (0, 3), (1, 1)])
@pytest.mark.parametrize("diagonal", [-1, 0, 2])
def test_tril_triu_match_numpy_and_gradcheck(rng, shape, diagonal):
    x = t64(rng, *shape)
    np.testing.assert_array_equal(x.tril(diagonal).detach().numpy(), np.tril(x.detach().numpy(), diagonal))
    np.testing.assert_array_equal(te.triu(x, diagonal).detach().numpy(), np.triu(x.detach().numpy(), diagonal))
    if x.numel():       # (te.gradcheck cannot take empty inputs)
        assert te.gradcheck(lambda x: x.tril(diagonal) * 2 + x.triu(diagonal), [x])


def test_tril_needs_two_dimensions():
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        te.arange(3.0).tril()


@pytest.mark.parametrize("mask_shape", [(2, 3), (3,), (1, 3), ()])
def test_masked_fill_broadcasts_and_routes_the_gradient(rng, mask_shape):
    x = t64(rng, 2, 3)
    mask = rng.random(mask_shape) > 0.5
    out = x.masked_fill(te.tensor(mask), -1.5)
    np.testing.assert_array_equal(out.detach().numpy(), np.where(mask, -1.5, x.detach().numpy()))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), np.broadcast_to(~mask, (2, 3)).astype(float))
    assert te.gradcheck(lambda x: x.masked_fill(te.tensor(mask), float("-inf")).exp(), [x])


def test_masked_fill_errors_as_torch():
    x = te.zeros(2, 3)
    with pytest.raises(RuntimeError, match="only supports boolean masks, but got mask with dtype float"):
        x.masked_fill(te.ones(2, 3), 0.0)
    with pytest.raises(RuntimeError, match="0-dimensional value tensor"):
        x.masked_fill(te.ones(2, 3) > 0, te.ones(2))


@pytest.mark.parametrize("how", [2, [1, 3, 0], 4, 5])
@pytest.mark.parametrize("dim", [1, -1])
def test_split_matches_torch_and_gradcheck(rng, how, dim):
    torch = pytest.importorskip("torch")
    x = t64(rng, 2, 4)
    pieces = x.split(how, dim)
    expected = torch.tensor(x.detach().numpy()).split(how, dim)
    assert len(pieces) == len(expected)
    for p, e in zip(pieces, expected):
        np.testing.assert_array_equal(p.detach().numpy(), e.detach().numpy())
    assert te.gradcheck(lambda x: te.cat([p * (i + 1) for i, p in enumerate(x.split(how, dim))],
                                         dim), [x])


@pytest.mark.parametrize("n, chunks", [(5, 3), (6, 4), (6, 6), (2, 5), (0, 2)])
def test_chunk_matches_torch(n, chunks):
    torch = pytest.importorskip("torch")
    x = te.arange(n * 2.0).reshape(n, 2)
    got = te.chunk(x, chunks)
    expected = torch.arange(n * 2.0).reshape(n, 2).chunk(chunks)
    assert [p.shape for p in got] == [tuple(e.shape) for e in expected]
    for p, e in zip(got, expected):
        np.testing.assert_array_equal(p.detach().numpy(), e.detach().numpy())


def test_split_and_chunk_errors_as_torch():
    x = te.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"split_with_sizes expects split_sizes to sum "
                                           r"exactly to 2 .*split_sizes=\[1, 3\]"):
        x.split([1, 3])
    with pytest.raises(RuntimeError, match="split_size can only be 0 if dimension size is 0"):
        x.split(0)
    with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0"):
        x.chunk(0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.split(1, dim=2)


# ------------------------------------------------------------------ fused ops
def composed_layer_norm(x, w, b, ndim, eps=1e-5):
    axes = tuple(range(-ndim, 0))
    c = x - x.mean(axes, keepdim=True)
    y = c / ((c * c).mean(axes, keepdim=True) + eps).sqrt()
    return y * w + b


@pytest.mark.parametrize("shape, ndim", [((4, 5), 1), ((2, 3, 4), 2), ((5,), 1), ((0, 3), 1),
                                         ((3, 1), 1), ((2, 3), 2)])
def test_fused_layer_norm_equals_composed(rng, shape, ndim):
    x, w, b = t64(rng, *shape), t64(rng, *shape[-ndim:]), t64(rng, *shape[-ndim:])
    g = rng.standard_normal(shape)
    fused, fg = grads_of(lambda x, w, b: F.layer_norm(x, shape[-ndim:], w, b), (x, w, b), g)
    ref, rg = grads_of(lambda x, w, b: composed_layer_norm(x, w, b, ndim), (x, w, b), g)
    np.testing.assert_allclose(fused.detach().numpy(), ref.detach().numpy(), atol=1e-12)
    for a, e in zip(fg, rg):
        np.testing.assert_allclose(a, e, atol=1e-10)
    if x.numel():
        assert te.gradcheck(lambda x, w, b: F.layer_norm(x, shape[-ndim:], w, b), [x, w, b])
        assert te.gradgradcheck(lambda x, w, b: F.layer_norm(x, shape[-ndim:], w, b), [x, w, b])


def test_fused_layer_norm_without_affine_and_second_derivative_equals_composed(rng):
    x = t64(rng, 3, 4)
    assert te.gradgradcheck(lambda x: F.layer_norm(x, 4), [x])
    h_fused = te.grad(te.grad((F.layer_norm(x, 4) ** 3).sum(), x, create_graph=True)[0].sum(), x)
    c = x - x.mean(-1, keepdim=True)
    ref = c / ((c * c).mean(-1, keepdim=True) + 1e-5).sqrt()
    h_ref = te.grad(te.grad((ref ** 3).sum(), x, create_graph=True)[0].sum(), x)
    np.testing.assert_allclose(h_fused[0].detach().numpy(), h_ref[0].detach().numpy(), atol=1e-9)


@pytest.mark.parametrize("shape", [(), (1,), (3, 4), (0, 2)])
def test_gelu_tanh_equals_composed(rng, shape):
    x = t64(rng, *shape)
    g = rng.standard_normal(shape)
    composed = lambda x: x * 0.5 * (((x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)).tanh() + 1)
    fused, fg = grads_of(lambda x: F.gelu(x, approximate="tanh"), (x,), g)
    ref, rg = grads_of(composed, (x,), g)
    np.testing.assert_allclose(fused.detach().numpy(), ref.detach().numpy(), atol=1e-14)
    np.testing.assert_allclose(fg[0], rg[0], atol=1e-13)
    assert fused.grad_fn.name() == "GELUTanh"
    if x.numel():
        assert te.gradgradcheck(lambda x: F.gelu(x, approximate="tanh"), [x])


def composed_attention(q, k, v, bias, scale):
    scores = (q @ k.mT) * scale
    if bias is not None:
        scores = scores + bias
    return scores.softmax(-1) @ v


@pytest.mark.parametrize("qshape, kshape, vshape", [
    ((2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 2)), ((5, 4), (5, 4), (5, 3)),
    ((1, 2, 4, 3), (2, 1, 4, 3), (1, 1, 4, 3))])        # broadcast batch dimensions
@pytest.mark.parametrize("mask", ["none", "causal", "float", "bool"])
def test_fused_attention_equals_composed(rng, qshape, kshape, vshape, mask):
    q, k, v = t64(rng, *qshape), t64(rng, *kshape), t64(rng, *vshape)
    L, S = qshape[-2], kshape[-2]
    kwargs, bias = {}, None
    if mask == "causal":
        kwargs["is_causal"] = True
        bias = te.tensor(np.where(np.tri(L, S, dtype=bool), 0.0, -np.inf))
    elif mask == "float":
        bias = t64(rng, L, S)
        kwargs["attn_mask"] = bias
    elif mask == "bool":
        allowed = rng.random((L, S)) > 0.3
        allowed[:, 0] = True
        kwargs["attn_mask"] = te.tensor(allowed)
        bias = te.tensor(np.where(allowed, 0.0, -np.inf))
    inputs = (q, k, v) + ((bias,) if mask == "float" else ())
    out = F.scaled_dot_product_attention(q, k, v, **kwargs)
    assert out.grad_fn.name() == "ScaledDotProductAttention"
    g = rng.standard_normal(out.shape)
    fg = te.grad(out, inputs, te.tensor(g))
    ref = composed_attention(q, k, v, bias, 1 / math.sqrt(qshape[-1]))
    rg = te.grad(ref, inputs, te.tensor(g))
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), atol=1e-12)
    for a, e in zip(fg, rg):
        np.testing.assert_allclose(a.detach().numpy(), e.detach().numpy(), atol=1e-10)
    fn = lambda q, k, v, *b: F.scaled_dot_product_attention(q, k, v, **kwargs)
    if mask == "float":
        fn = lambda q, k, v, b: F.scaled_dot_product_attention(q, k, v, attn_mask=b)
    assert te.gradcheck(fn, list(inputs))
    assert te.gradgradcheck(fn, list(inputs))


def test_attention_matches_torch_with_masks_scale_and_masked_rows(rng):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    q, k, v = t64(rng, 2, 2, 3, 4), t64(rng, 2, 2, 3, 4), t64(rng, 2, 2, 3, 5)
    allowed = np.array([[False, False, False], [True, False, False], [True, True, True]])
    tq, tk, tv = (torch.tensor(t.detach().numpy(), requires_grad=True) for t in (q, k, v))
    for kwargs in [dict(scale=0.3), dict(attn_mask=allowed), dict(is_causal=True)]:
        tkw = {n: torch.tensor(a) if isinstance(a, np.ndarray) else a for n, a in kwargs.items()}
        expected = tf.scaled_dot_product_attention(tq, tk, tv, **tkw)
        g = rng.standard_normal(expected.shape)
        texp = torch.autograd.grad(expected, (tq, tk, tv), torch.tensor(g))
        got = F.scaled_dot_product_attention(q, k, v, **kwargs)
        ggot = te.grad(got, (q, k, v), te.tensor(g))
        np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), atol=1e-12)
        for a, e in zip(ggot, texp):       # a row masked everywhere: 0 out, 0 gradient
            np.testing.assert_allclose(a.detach().numpy(), e.detach().numpy(), atol=1e-12)


def test_attention_dropout_drops_probabilities_and_keeps_expectation(rng):
    q, k, v = t64(rng, 1, 4, 3), t64(rng, 1, 6, 3), te.ones(1, 6, 2, dtype=np.float64)
    outs = np.stack([F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).detach().numpy()
                     for _ in range(2000)])
    assert (outs == 0).any()                  # every probability dropped in some rows
    np.testing.assert_allclose(outs.mean(0), 1.0, atol=0.05)   # rows of P sum to 1


def test_attention_errors():
    q = te.zeros(2, 3, 4)
    with pytest.raises(RuntimeError, match=r"scaled_dot_product_attention: query \(2, 3, 4\)"):
        F.scaled_dot_product_attention(q, te.zeros(2, 3, 5), te.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="either attn_mask or is_causal"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=te.ones(3, 3) > 0, is_causal=True)
    with pytest.raises(NotImplementedError, match="enable_gqa"):
        F.scaled_dot_product_attention(q, q, q, enable_gqa=True)


def test_masked_softmax_rows_masked_everywhere_are_zero(rng):
    x = t64(rng, 2, 3)
    mask = np.array([[0.0, -np.inf, 0.0], [-np.inf, -np.inf, -np.inf]])
    s = MaskedSoftmax.apply(x, mask)
    np.testing.assert_array_equal(s.detach().numpy()[1], 0)
    np.testing.assert_allclose(s.detach().numpy()[0].sum(), 1.0)
    assert te.gradgradcheck(lambda x: MaskedSoftmax.apply(x, mask), [x])


@pytest.mark.parametrize("op", [LayerNorm, GELUTanh, MaskedSoftmax, ScaledDotProductAttention])
def test_fused_ops_have_a_formula_and_a_docstring(op):
    assert op.formula and "∂" in op.formula and op.__doc__


# ------------------------------------------------------------------ LayerNorm, RMSNorm
def copy_to_torch(module, tmodule):
    torch = pytest.importorskip("torch")
    tmodule.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in module.state_dict().items()})


def copy_from_torch(tmodule, module):
    module.load_state_dict({k: v.detach().numpy() for k, v in tmodule.state_dict().items()})


@pytest.mark.parametrize("kwargs", [dict(), dict(bias=False), dict(elementwise_affine=False),
                                    dict(eps=1e-3)])
@pytest.mark.parametrize("shape", [(4,), (3, 4)])
def test_layer_norm_module_matches_torch(rng, kwargs, shape):
    torch = pytest.importorskip("torch")
    layer, tlayer = nn.LayerNorm(shape, **kwargs), torch.nn.LayerNorm(shape, **kwargs)
    assert repr(layer) == repr(tlayer)
    assert list(layer.state_dict()) == list(tlayer.state_dict())
    for p, tp in zip(layer.parameters(), tlayer.parameters()):     # init: ones and zeros
        np.testing.assert_array_equal(p.detach().numpy(), tp.detach().numpy())
    layer.double()
    tlayer.double()
    for p in tlayer.parameters():              # not the init values: a real test of the copy
        p.data.normal_()
    copy_from_torch(tlayer, layer)
    x = rng.standard_normal((2, 5) + shape)
    tx, ex = torch.tensor(x, requires_grad=True), te.tensor(x, requires_grad=True)
    tout, out = tlayer(tx), layer(ex)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), atol=1e-12)
    g = rng.standard_normal(out.shape)
    tout.backward(torch.tensor(g))
    out.backward(te.tensor(g))
    np.testing.assert_allclose(ex.grad.detach().numpy(), tx.grad.detach().numpy(), atol=1e-12)
    for p, tp in zip(layer.parameters(), tlayer.parameters()):
        np.testing.assert_allclose(p.grad.detach().numpy(), tp.grad.detach().numpy(), atol=1e-12)
    copy_to_torch(layer, tlayer)               # and back again
    np.testing.assert_allclose(tlayer(tx).detach().numpy(), out.detach().numpy(), atol=1e-12)


def test_layer_norm_errors_as_torch():
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with "
                                           r"shape \[\*, 4\], but got input of size\[2, 3\]"):
        nn.LayerNorm(4)(te.zeros(2, 3))


@pytest.mark.parametrize("eps", [None, 1e-6])
def test_rms_norm_matches_torch(rng, eps):
    torch = pytest.importorskip("torch")
    layer, tlayer = nn.RMSNorm((3, 4), eps=eps).double(), torch.nn.RMSNorm((3, 4), eps=eps).double()
    assert repr(layer) == repr(tlayer)
    tlayer.weight.data.normal_()
    copy_from_torch(tlayer, layer)
    x = rng.standard_normal((2, 3, 4))
    tx, ex = torch.tensor(x, requires_grad=True), te.tensor(x, requires_grad=True)
    tout, out = tlayer(tx), layer(ex)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), atol=1e-12)
    tout.sum().backward()
    out.sum().backward()
    np.testing.assert_allclose(ex.grad.detach().numpy(), tx.grad.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad.detach().numpy(), tlayer.weight.grad.detach().numpy(), atol=1e-12)
    assert te.gradcheck(lambda x, w: F.rms_norm(x, 4, w), [t64(rng, 2, 4), t64(rng, 4)])


# ------------------------------------------------------------------ MultiheadAttention
def test_multihead_attention_parameters_and_init_as_torch():
    torch = pytest.importorskip("torch")
    mha, tmha = nn.MultiheadAttention(64, 4), torch.nn.MultiheadAttention(64, 4)
    assert [(k, v.shape) for k, v in mha.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in tmha.state_dict().items()]
    bound = math.sqrt(6 / (64 + 3 * 64))           # xavier_uniform_ on (3E, E)
    w = mha.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
    assert not mha.in_proj_bias.detach().numpy().any() and not mha.out_proj.bias.detach().numpy().any()
    wo = mha.out_proj.weight.detach().numpy()      # Linear's default: U(±1/√E)
    assert np.abs(wo).max() <= 1 / 8 and abs(wo.std() - 1 / 8 / math.sqrt(3)) < 0.1 / 8
    assert "out_proj" in repr(mha)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("case", ["self", "cross", "masks", "float-masks", "per-head", "unbatched"])
@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention_matches_torch(rng, batch_first, case, need_weights):
    torch = pytest.importorskip("torch")
    tmha = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first).double()
    mha = nn.MultiheadAttention(8, 2, batch_first=batch_first).double()
    with torch.no_grad():
        tmha.in_proj_bias.normal_()
        tmha.out_proj.bias.normal_()
    copy_from_torch(tmha, mha)
    L, S, N = 5, 4, 3
    shape = lambda n: (n, 8) if case == "unbatched" else ((N, n, 8) if batch_first else (n, N, 8))
    x = rng.standard_normal(shape(L))
    mem = rng.standard_normal(shape(S))
    kwargs = {}
    if case == "masks":
        kwargs = dict(attn_mask=np.triu(np.ones((L, L), bool), 1), key_padding_mask=np.zeros((N, L), bool))
        kwargs["key_padding_mask"][1, -2:] = True
    elif case == "float-masks":
        kwargs = dict(attn_mask=rng.standard_normal((L, L)), key_padding_mask=rng.standard_normal((N, L)))
    elif case == "per-head":
        kwargs = dict(attn_mask=rng.random((N * 2, L, L)) > 0.7, average_attn_weights=False)
        kwargs["attn_mask"][..., 0] = False
    tx = torch.tensor(x, requires_grad=True)
    ex = te.tensor(x, requires_grad=True)
    tmem, emem = torch.tensor(mem, requires_grad=True), te.tensor(mem, requires_grad=True)
    targs, eargs = ((tx, tmem, tmem), (ex, emem, emem)) if case == "cross" else ((tx,) * 3, (ex,) * 3)
    tkw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    tout, tw = tmha(*targs, need_weights=need_weights, **tkw)
    out, w = mha(*eargs, need_weights=need_weights, **kwargs)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), atol=1e-12)
    assert (w is None) == (tw is None)
    if w is not None:
        np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), atol=1e-12)
    g = rng.standard_normal(out.shape)
    tout.backward(torch.tensor(g))
    out.backward(te.tensor(g))
    np.testing.assert_allclose(ex.grad.detach().numpy(), tx.grad.detach().numpy(), atol=1e-12)
    if case == "cross":
        np.testing.assert_allclose(emem.grad.detach().numpy(), tmem.grad.detach().numpy(), atol=1e-12)
    for (name, p), tp in zip(mha.named_parameters(), tmha.parameters()):
        np.testing.assert_allclose(p.grad.detach().numpy(), tp.grad.detach().numpy(), atol=1e-12, err_msg=name)
    copy_to_torch(mha, tmha)                   # the state dict loads back into torch


def test_multihead_attention_gradcheck_and_train_eval_dropout(rng):
    mha = nn.MultiheadAttention(4, 2, dropout=0.5, batch_first=True).double()
    x = t64(rng, 2, 3, 4)
    mha.eval()
    assert te.gradcheck(lambda x: mha(x, x, x, need_weights=False)[0], [x])
    first = mha(x, x, x)[0].detach().numpy()
    np.testing.assert_array_equal(mha(x, x, x)[0].detach().numpy(), first)   # eval: no dropout
    mha.train()
    assert not np.allclose(mha(x, x, x)[0].detach().numpy(), first)


def test_multihead_attention_errors():
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        x = te.zeros(3, 1, 4)
        nn.MultiheadAttention(4, 2)(x, x, x, is_causal=True)
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(5, 2)
    with pytest.raises(NotImplementedError, match="kdim/vdim"):
        nn.MultiheadAttention(4, 2, kdim=3)


# ------------------------------------------------------------------ containers, tying, clipping
def test_module_dict_registers_and_behaves_like_a_dict():
    torch = pytest.importorskip("torch")
    d = nn.ModuleDict({"wte": nn.Embedding(5, 3), "h": nn.ModuleList([nn.Linear(3, 3)])})
    td = torch.nn.ModuleDict({"wte": torch.nn.Embedding(5, 3), "h": torch.nn.ModuleList([torch.nn.Linear(3, 3)])})
    assert list(d.state_dict()) == list(td.state_dict()) == ["wte.weight", "h.0.weight", "h.0.bias"]
    assert repr(d) == repr(td)
    d["ln"] = nn.LayerNorm(3)
    assert list(d) == ["wte", "h", "ln"] and "ln" in d and len(d) == 3
    assert d.pop("wte").weight.shape == (5, 3)
    assert [k for k, _ in d.named_parameters()] == ["h.0.weight", "h.0.bias", "ln.weight", "ln.bias"]
    d.update([("out", nn.Linear(3, 2))])
    assert list(d.keys()) == ["h", "ln", "out"] and d.out is d["out"]
    del d["ln"]
    assert "ln" not in d and not hasattr(d, "ln")
    d.clear()
    assert len(d) == 0 and not list(d.parameters())


def test_parameter_list_and_dict():
    torch = pytest.importorskip("torch")
    pl = nn.ParameterList([te.zeros(2), nn.Parameter(te.ones(3))])
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in pl)
    pl.append(te.ones(1))
    assert len(pl) == 3 and [k for k, _ in pl.named_parameters()] == ["0", "1", "2"]
    assert pl[-1].shape == (1,) and len(pl[1:]) == 2
    tpl = torch.nn.ParameterList([torch.zeros(2), torch.ones(3), torch.ones(1)])
    assert list(pl.state_dict()) == list(tpl.state_dict())
    pd = nn.ParameterDict({"a": te.zeros(2)})
    pd["b"] = nn.Parameter(te.ones(3))
    assert list(pd) == ["a", "b"] and isinstance(pd["a"], nn.Parameter)
    assert [k for k, _ in pd.named_parameters()] == ["a", "b"]
    assert "Parameter containing" in repr(pd) and "ParameterList(" in repr(pl)
    with pytest.raises(IndexError):
        pl[3]
    with pytest.raises(KeyError):
        pd["c"]


class TiedLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(6, 4)
        self.lm_head = nn.Linear(4, 6, bias=False)
        self.wte.weight = self.lm_head.weight           # weight tying, as in nanoGPT
        self.register_buffer("mask", te.ones(3, 3).tril(), persistent=False)

    def forward(self, idx):
        return self.lm_head(self.wte(idx))


def test_weight_tying_counted_once_updated_once_and_state_dict_as_torch():
    torch = pytest.importorskip("torch")
    model = TiedLM()
    assert len(list(model.parameters())) == 1
    assert list(model.state_dict()) == ["wte.weight", "lm_head.weight"]    # torch lists both
    assert [n for n, _ in model.named_buffers()] == ["mask"]
    before = model.lm_head.weight.detach().numpy().copy()
    opt = te.optim.SGD(model.parameters(), lr=0.1)
    logits = model(te.tensor([[0, 1, 2]]))
    F.cross_entropy(logits.reshape(-1, 6), te.tensor([1, 2, 3])).backward()
    g = model.wte.weight.grad.detach().numpy().copy()        # both uses added into one gradient
    opt.step()
    np.testing.assert_allclose(model.wte.weight.detach().numpy(), before - 0.1 * g, rtol=1e-6)
    assert model.wte.weight is model.lm_head.weight

    class TorchTied(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.lm_head = torch.nn.Embedding(6, 4), torch.nn.Linear(4, 6, bias=False)
            self.wte.weight = self.lm_head.weight
    tmodel = TorchTied()
    copy_to_torch(model, tmodel)
    assert list(tmodel.state_dict()) == list(model.state_dict())
    np.testing.assert_array_equal(tmodel.wte.weight.detach().numpy(), model.wte.weight.detach().numpy())


def test_apply_and_named_modules():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.LayerNorm(3)))
    seen = []
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "LayerNorm", "Sequential", "Sequential"]
    assert [n for n, _ in model.named_modules()] == ["", "0", "1", "1.0"]


@pytest.mark.parametrize("norm_type, max_norm", [(2.0, 1.0), (2.0, 100.0), (1.0, 0.5),
                                                 (math.inf, 0.3), (3.0, 0.2)])
def test_clip_grad_norm_matches_torch(rng, norm_type, max_norm):
    torch = pytest.importorskip("torch")
    grads = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    params = [nn.Parameter(te.zeros(*g.shape, dtype=np.float64)) for g in grads]
    tparams = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, tp, g in zip(params, tparams, grads):
        p.grad, tp.grad = te.tensor(g.copy()), torch.tensor(g.copy())
    kept = params[0].grad
    total = nn.utils.clip_grad_norm_(params, max_norm, norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tparams, max_norm, norm_type)
    assert total.item() == pytest.approx(ttotal.item(), rel=1e-12)
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.grad.detach().numpy(), tp.grad.detach().numpy(), rtol=1e-12)
    assert kept is params[0].grad                  # in place, as torch


def test_clip_grad_norm_nonfinite_and_value():
    p = nn.Parameter(te.zeros(2))
    p.grad = te.tensor([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    p.grad = te.tensor([-3.0, 0.5])
    nn.utils.clip_grad_value_([p], 1.0)
    np.testing.assert_array_equal(p.grad.detach().numpy(), [-1.0, 0.5])


# ------------------------------------------------------------------ the char GPT example
def test_char_gpt_model_equals_torch_run_on_the_same_code(rng):
    """examples/char_gpt.py with only its import lines switched to torch: the same
    loss and the same gradient of every parameter (float64, copied weights), and the
    state dict (tied weights included) loads into torch and back."""
    torch = pytest.importorskip("torch")
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
    from _common import import_example
    ours, theirs = import_example("char_gpt"), import_example("char_gpt", "torch")
    model = ours.GPT(11, 8, n_layer=2, n_head=2, n_embd=8).double()
    tmodel = theirs.GPT(11, 8, n_layer=2, n_head=2, n_embd=8).double()
    assert list(model.state_dict()) == list(tmodel.state_dict())
    assert sum(p.numel() for p in model.parameters()) == sum(p.numel() for p in tmodel.parameters())
    with torch.no_grad():               # away from the init: LayerNorms and biases matter
        for p in tmodel.parameters():
            p.normal_(0, 0.3)
    copy_from_torch(tmodel, model)
    x, y = rng.integers(0, 11, (3, 8)), rng.integers(0, 11, (3, 8))
    _, loss = model(te.tensor(x), te.tensor(y))
    _, tloss = tmodel(torch.tensor(x), torch.tensor(y))
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    loss.backward()
    tloss.backward()
    tgrads = dict(tmodel.named_parameters())
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.detach().numpy(), tgrads[name].grad.detach().numpy(), atol=1e-12,
                                   err_msg=name)
    groups = model.configure_optimizers(0.1, 1e-3, (0.9, 0.99)).param_groups
    assert [g["weight_decay"] for g in groups] == [0.1, 0.0]
    assert all(p.dim() >= 2 for p in groups[0]["params"]) and all(p.dim() < 2 for p in groups[1]["params"])
    copy_to_torch(model, tmodel)


def test_char_gpt_learning_rate_schedule():
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
    from _common import import_example
    get_lr = import_example("char_gpt").get_lr
    lrs = [get_lr(it, 1.0, 10, 100, 0.1) for it in range(100)]
    assert lrs[0] == pytest.approx(1 / 11) and lrs[:10] == sorted(lrs[:10])     # warm-up
    assert lrs[10] == pytest.approx(1.0) and lrs[10:] == sorted(lrs[10:], reverse=True)
    assert lrs[55] == pytest.approx(0.55, abs=0.01) and lrs[-1] > 0.1              # cosine


# ------------------------------------------------------------------ BatchNorm2d, GroupNorm
@pytest.mark.parametrize("kwargs", [dict(), dict(momentum=None), dict(affine=False),
                                    dict(bias=False), dict(track_running_stats=False)])
def test_batch_norm_2d_matches_torch_in_train_and_eval(rng, kwargs):
    torch = pytest.importorskip("torch")
    tb, b = torch.nn.BatchNorm2d(3, **kwargs).double(), nn.BatchNorm2d(3, **kwargs).double()
    assert repr(b) == repr(tb) and list(b.state_dict()) == list(tb.state_dict())
    for step in range(3):                  # running statistics (momentum=None: average)
        x = rng.standard_normal((4, 3, 5, 2)) * 2 + 1
        tx, ex = torch.tensor(x, requires_grad=True), te.tensor(x, requires_grad=True)
        tout, out = tb(tx), b(ex)
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), atol=1e-12)
        (tout ** 3).sum().backward()
        (out ** 3).sum().backward()
        np.testing.assert_allclose(ex.grad.detach().numpy(), tx.grad.detach().numpy(), atol=1e-10)
    for (name, p), tp in zip(b.named_parameters(), tb.parameters()):
        np.testing.assert_allclose(p.grad.detach().numpy(), tp.grad.detach().numpy(), atol=1e-10, err_msg=name)
    for key, value in tb.state_dict().items():
        np.testing.assert_allclose(b.state_dict()[key].detach().numpy(), value.detach().numpy(), atol=1e-12)
    tb.eval()
    b.eval()
    np.testing.assert_allclose(b(ex).detach().numpy(), tb(tx).detach().numpy(), atol=1e-12)
    copy_to_torch(b, tb)


def test_batch_norm_dimension_errors_as_torch():
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(te.zeros(2, 3, 4))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(te.zeros(2, 3, 4, 4))


@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 4, 3, 3), (2, 4)])
@pytest.mark.parametrize("groups", [1, 2, 4])
def test_group_norm_matches_torch(rng, shape, groups):
    torch = pytest.importorskip("torch")
    tg, g = torch.nn.GroupNorm(groups, 4).double(), nn.GroupNorm(groups, 4).double()
    assert repr(g) == repr(tg)
    with torch.no_grad():
        tg.weight.normal_()
        tg.bias.normal_()
    copy_from_torch(tg, g)
    x = rng.standard_normal(shape)
    tx, ex = torch.tensor(x, requires_grad=True), te.tensor(x, requires_grad=True)
    tout, out = tg(tx), g(ex)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), atol=1e-12)
    (tout ** 3).sum().backward()
    (out ** 3).sum().backward()
    np.testing.assert_allclose(ex.grad.detach().numpy(), tx.grad.detach().numpy(), atol=1e-10)
    for p, tp in zip(g.parameters(), tg.parameters()):
        np.testing.assert_allclose(p.grad.detach().numpy(), tp.grad.detach().numpy(), atol=1e-10)
    if len(shape) == 3 and groups == 2:
        w, b = t64(rng, 4), t64(rng, 4)
        assert te.gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), [t64(rng, 2, 4, 3), w, b])
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        F.group_norm(ex, 3)


# ------------------------------------------------------------------ TransformerEncoderLayer
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_encoder_layer_matches_torch(rng, norm_first, activation, batch_first):
    torch = pytest.importorskip("torch")
    kwargs = dict(dim_feedforward=16, dropout=0.0, activation=activation,
                  norm_first=norm_first, batch_first=batch_first)
    tl = torch.nn.TransformerEncoderLayer(8, 2, **kwargs).double()
    layer = nn.TransformerEncoderLayer(8, 2, **kwargs).double()
    assert list(layer.state_dict()) == list(tl.state_dict())
    with torch.no_grad():
        for p in tl.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    copy_from_torch(tl, layer)
    x = rng.standard_normal((2, 5, 8) if batch_first else (5, 2, 8))
    mask = np.triu(np.ones((5, 5), bool), 1)
    padding = np.zeros((2, 5), bool)
    padding[0, -1] = True
    tx, ex = torch.tensor(x, requires_grad=True), te.tensor(x, requires_grad=True)
    tout = tl(tx, src_mask=torch.tensor(mask), src_key_padding_mask=torch.tensor(padding))
    out = layer(ex, src_mask=mask, src_key_padding_mask=padding)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), atol=1e-12)
    g = rng.standard_normal(out.shape)
    tout.backward(torch.tensor(g))
    out.backward(te.tensor(g))
    np.testing.assert_allclose(ex.grad.detach().numpy(), tx.grad.detach().numpy(), atol=1e-12)
    tgrads = dict(tl.named_parameters())
    for name, p in layer.named_parameters():
        np.testing.assert_allclose(p.grad.detach().numpy(), tgrads[name].grad.detach().numpy(), atol=1e-11,
                                   err_msg=name)
    copy_to_torch(layer, tl)


def test_transformer_encoder_copies_the_layer_and_matches_torch(rng):
    torch = pytest.importorskip("torch")
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True).double()
    enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8).double())
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    tlayer = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True).double()
    tenc = torch.nn.TransformerEncoder(tlayer, 2, norm=torch.nn.LayerNorm(8).double(),
                                       enable_nested_tensor=False)
    assert list(enc.state_dict()) == list(tenc.state_dict())
    copy_from_torch(tenc, enc)
    x = rng.standard_normal((2, 4, 8))
    np.testing.assert_allclose(enc(te.tensor(x)).detach().numpy(),
                               tenc(torch.tensor(x)).detach().numpy(), atol=1e-12)


def test_transformer_encoder_layer_dropout_train_eval_and_errors(rng):
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5).double()
    x = t64(rng, 3, 2, 8, grad=False)
    layer.eval()
    first = layer(x).detach().numpy()
    np.testing.assert_array_equal(layer(x).detach().numpy(), first)
    layer.train()
    assert not np.allclose(layer(x).detach().numpy(), first)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
