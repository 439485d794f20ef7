"""Recurrent layers and cells against torch on copied weights (float64): outputs,
final states, the gradient of the input, of the initial states and of every
parameter; state_dict both ways; init statistics; dropout in train/eval; gradcheck."""
import math

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import nn

torch = pytest.importorskip("torch")


def to_ours(tm, m):
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})


def to_torch(m, tm):
    tm.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in m.state_dict().items()})


def close(a, b):
    np.testing.assert_allclose(np.asarray(a.detach().numpy()), b.detach().numpy(), atol=1e-12)


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("kwargs", [dict(), dict(num_layers=2, bidirectional=True),
                                    dict(batch_first=True, num_layers=2), dict(bias=False),
                                    dict(bidirectional=True, batch_first=True)])
@pytest.mark.parametrize("with_state", [False, True])
def test_recurrent_layer_matches_torch(rng, cls, kwargs, with_state):
    tm = getattr(torch.nn, cls)(3, 4, **kwargs).double()
    m = getattr(nn, cls)(3, 4, **kwargs).double()
    assert repr(m) == repr(tm)
    assert [(k, v.shape) for k, v in m.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
    to_ours(tm, m)
    dirs = 2 if kwargs.get("bidirectional") else 1
    layers = kwargs.get("num_layers", 1)
    x = rng.standard_normal((2, 5, 3) if kwargs.get("batch_first") else (5, 2, 3))
    tx, ex = torch.tensor(x, requires_grad=True), te.tensor(x, requires_grad=True)
    targs, eargs = [tx], [ex]
    if with_state:
        states = [rng.standard_normal((dirs * layers, 2, 4)) for _ in range(2 if cls == "LSTM" else 1)]
        ts = [torch.tensor(s, requires_grad=True) for s in states]
        es = [te.tensor(s, requires_grad=True) for s in states]
        targs.append(tuple(ts) if cls == "LSTM" else ts[0])
        eargs.append(tuple(es) if cls == "LSTM" else es[0])
    tout, th = tm(*targs)
    out, h = m(*eargs)
    close(out, tout)
    tstates, estates = (th, h) if cls == "LSTM" else ((th,), (h,))
    for a, b in zip(estates, tstates):
        close(a, b)
    g = rng.standard_normal(out.shape)
    tloss = (tout * torch.tensor(g)).sum() + sum((s ** 2).sum() for s in tstates)
    loss = (out * te.tensor(g)).sum() + sum((s ** 2).sum() for s in estates)
    tloss.backward()
    loss.backward()
    close(ex.grad, tx.grad)
    if with_state:
        for a, b in zip(es, ts):
            close(a.grad, b.grad)
    for (name, p), tp in zip(m.named_parameters(), tm.parameters()):
        np.testing.assert_allclose(p.grad.detach().numpy(), tp.grad.detach().numpy(), atol=1e-11, err_msg=name)
    to_torch(m, tm)


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_unbatched_sequence_and_relu(rng, cls):
    kwargs = dict(nonlinearity="relu") if cls == "RNN" else {}
    tm, m = getattr(torch.nn, cls)(3, 4, **kwargs).double(), getattr(nn, cls)(3, 4, **kwargs).double()
    to_ours(tm, m)
    x = rng.standard_normal((6, 3))
    tout, th = tm(torch.tensor(x))
    out, h = m(te.tensor(x))
    close(out, tout)
    assert out.shape == (6, 4)
    close(h[0] if cls == "LSTM" else h, th[0] if cls == "LSTM" else th)


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_torch(rng, cls, batched):
    tc, c = getattr(torch.nn, cls)(3, 4).double(), getattr(nn, cls)(3, 4).double()
    assert repr(c) == repr(tc) and list(c.state_dict()) == list(tc.state_dict())
    to_ours(tc, c)
    shape = (2, 3) if batched else (3,)
    x = rng.standard_normal(shape)
    hshape = (2, 4) if batched else (4,)
    hs = [rng.standard_normal(hshape) for _ in range(2 if cls == "LSTMCell" else 1)]
    tx, ex = torch.tensor(x, requires_grad=True), te.tensor(x, requires_grad=True)
    th = [torch.tensor(s) for s in hs]
    eh = [te.tensor(s) for s in hs]
    tout = tc(tx, tuple(th) if cls == "LSTMCell" else th[0])
    out = c(ex, tuple(eh) if cls == "LSTMCell" else eh[0])
    touts, outs = (tout, out) if cls == "LSTMCell" else ((tout,), (out,))
    for a, b in zip(outs, touts):
        close(a, b)
    sum((o ** 2).sum() for o in touts).backward()
    sum((o ** 2).sum() for o in outs).backward()
    close(ex.grad, tx.grad)
    for p, tp in zip(c.parameters(), tc.parameters()):
        np.testing.assert_allclose(p.grad.detach().numpy(), tp.grad.detach().numpy(), atol=1e-12)
    default = c(ex)                      # no state given: zeros, as torch
    tdefault = tc(tx)
    close(default[0] if cls == "LSTMCell" else default, tdefault[0] if cls == "LSTMCell" else tdefault)


def test_init_statistics_as_torch():
    m = nn.LSTM(10, 64, num_layers=2)
    bound = 1 / math.sqrt(64)
    for name, p in m.named_parameters():
        w = p.detach().numpy()
        assert np.abs(w).max() <= bound, name
        if w.size > 1000:                # U(−b, b): std b/√3
            assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound, name
    assert nn.GRU(3, 5).weight_ih_l0.shape == (15, 3) and nn.RNN(3, 5).weight_hh_l0.shape == (5, 5)


def test_dropout_between_layers_in_training_only(rng):
    m = nn.LSTM(3, 8, num_layers=2, dropout=0.5).double()
    x = te.tensor(rng.standard_normal((4, 2, 3)))
    m.eval()
    first = m(x)[0].detach().numpy()
    np.testing.assert_array_equal(m(x)[0].detach().numpy(), first)
    m.train()
    assert not np.allclose(m(x)[0].detach().numpy(), first)


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_gradcheck_through_time(rng, cls):
    m = getattr(nn, cls)(2, 3, num_layers=2, bidirectional=True).double()
    x = te.tensor(rng.standard_normal((3, 1, 2)), requires_grad=True)
    params = list(m.parameters())[:2]
    assert te.gradcheck(lambda x, *ps: m(x)[0], [x] + params)


def test_recurrent_errors():
    with pytest.raises(ValueError, match="expected input of shape"):
        nn.LSTM(3, 4)(te.zeros(5, 2, 2))
    with pytest.raises(RuntimeError, match="expected hidden size"):
        nn.GRU(3, 4)(te.zeros(5, 2, 3), te.zeros(1, 3, 4))
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(NotImplementedError, match="proj_size"):
        nn.LSTM(3, 4, proj_size=2)


@pytest.mark.parametrize("shape", [(2, 3), (3,), (1, 2, 1)])
def test_fused_lstm_step_equals_composed(rng, shape):
    from tinygrad_edu.functions import LSTMPointwise
    gates = te.tensor(rng.standard_normal(shape[:-1] + (4 * shape[-1],)), requires_grad=True)
    c = te.tensor(rng.standard_normal(shape), requires_grad=True)

    def composed(gates, c):
        i, f, g, o = gates.chunk(4, -1)
        c2 = f.sigmoid() * c + i.sigmoid() * g.tanh()
        return te.cat([o.sigmoid() * c2.tanh(), c2], -1)
    fused = LSTMPointwise.apply(gates, c)
    ref = composed(gates, c)
    np.testing.assert_allclose(fused.detach().numpy(), ref.detach().numpy(), atol=1e-14)
    g = te.tensor(rng.standard_normal(fused.shape))
    for a, b in zip(te.grad(fused, (gates, c), g), te.grad(ref, (gates, c), g)):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-13)
    assert te.gradgradcheck(LSTMPointwise.apply, [gates, c])
    assert LSTMPointwise.formula and fused.grad_fn.name() == "LSTMPointwise"
