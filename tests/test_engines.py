"""The reference engine (autograd/reference.py) and the production engine compute the
same gradients: the op table with first and second derivatives, the nn layers, a
training run, a 100,000-op chain, in-place graphs."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import nn
from tinygrad_edu.autograd import get_engine, set_engine, use_engine

ROOT = Path(__file__).resolve().parents[1]


def both(program):
    """``program()`` under each engine: the two results (lists of arrays)."""
    out = []
    for engine in ("production", "reference"):
        te.manual_seed(0)
        with use_engine(engine):
            out.append([np.asarray(r) for r in program()])
    return out


def assert_identical(program):
    ours, ref = both(program)
    assert len(ours) == len(ref)
    for a, b in zip(ours, ref):
        np.testing.assert_array_equal(a, b)


def test_set_engine_switches_and_refuses_unknown_names():
    assert get_engine() in ("production", "reference")
    before = get_engine()
    with use_engine("reference"):
        assert get_engine() == "reference"
    assert get_engine() == before
    with pytest.raises(ValueError, match="unknown engine 'fast'"):
        set_engine("fast")


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((), (2, 2)), ((2, 1), (1, 4))])
def test_elementwise_first_and_second_derivatives(shapes):
    def program():
        rng = np.random.default_rng(1)
        a = te.tensor(rng.uniform(0.5, 2, shapes[0]), requires_grad=True)
        b = te.tensor(rng.uniform(0.5, 2, shapes[1]), requires_grad=True)
        y = (a * b + a / b - b ** a).exp().log() + (a - b).tanh() * a.sigmoid() + (a @ b.mT
                                                                                 if a.ndim == 2 and b.ndim == 2 and a.shape[1] == b.shape[1] else 0)
        ga, gb = te.autograd.grad(y.sum(), (a, b), create_graph=True)
        (ga.sum() + (gb * gb).sum()).backward()
        return [y.detach(), ga.detach(), gb.detach(), a.grad, b.grad]
    assert_identical(program)


def test_reductions_shape_ops_and_losses():
    def program():
        x = te.randn(4, 5, requires_grad=True)
        t = te.tensor([0, 3, 1, 4])
        y = (x.softmax(-1).max(dim=1).values.sum() + x.logsumexp(0).mean() + x.var()
             + x.t()[1:3].reshape(-1).norm() + te.nn.functional.cross_entropy(x, t)
             + te.cat([x, x ** 2], 1).std(0).sum() + x[x > 0].sum())
        y.backward()
        return [y.detach(), x.grad]
    assert_identical(program)


@pytest.mark.parametrize("layer", [lambda: nn.Linear(5, 3), lambda: nn.Conv2d(2, 3, 3, padding=1),
                                   lambda: nn.LayerNorm(5), lambda: nn.BatchNorm1d(5),
                                   lambda: nn.LSTM(5, 4, batch_first=True),
                                   lambda: nn.MultiheadAttention(5, 1, batch_first=True)])
def test_nn_layers(layer):
    def program():
        m = layer()
        if isinstance(m, nn.Conv2d):
            x = te.randn(2, 2, 4, 4, requires_grad=True)
        elif isinstance(m, (nn.LSTM, nn.MultiheadAttention)):
            x = te.randn(2, 3, 5, requires_grad=True)
        else:
            x = te.randn(4, 5, requires_grad=True)
        out = m(x, x, x)[0] if isinstance(m, nn.MultiheadAttention) else m(x)
        out = out[0] if isinstance(out, tuple) else out
        (out ** 2).sum().backward()
        return [out.detach(), x.grad] + [p.grad for p in m.parameters()]
    assert_identical(program)


def test_training_run_is_identical():
    def program():
        model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3))
        opt = te.optim.Adam(model.parameters(), lr=1e-2)
        x, y = te.randn(32, 8), te.randint(0, 3, (32,))
        losses = []
        for _ in range(20):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return [np.array(losses)] + [p.detach() for p in model.parameters()]
    assert_identical(program)


def test_a_100000_op_chain():
    def program():
        x = te.tensor(0.5, requires_grad=True)
        y = x
        for _ in range(100_000):
            y = y * 0.99999 + 1e-6
        y.backward()
        return [y.detach(), x.grad]
    assert_identical(program)


def test_in_place_graphs():
    def program():
        a = te.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        x = a * 2
        y = x * 3                   # saves no x: the writes below are allowed
        x[1:3].mul_(a[:2])
        x.exp_()
        (x.sum() + y.sum()).backward()
        return [x.detach(), a.grad]
    assert_identical(program)


def test_the_reference_engine_refuses_what_it_leaves_out():
    x = te.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g * 2)
    with use_engine("reference"), pytest.raises(RuntimeError, match="does not support hooks"):
        y.sum().backward()
    with use_engine("reference"), te.autograd.detect_anomaly(), \
            pytest.raises(RuntimeError, match="does not support anomaly mode"):
        (x * 3).sum().backward()


def test_reference_engine_frees_the_graph_unless_retained():
    x = te.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with use_engine("reference"):
        y.backward(retain_graph=True)
        y.backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


@pytest.mark.slow
def test_op_and_layer_suites_pass_under_the_reference_engine():
    """The whole op and layer test files, once more with TE_ENGINE=reference."""
    env = dict(os.environ, TE_ENGINE="reference", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "tests/test_ops.py", "tests/test_nn_layers.py"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:]
