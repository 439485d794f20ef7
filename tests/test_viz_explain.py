"""viz.explain: the chain rule written out, checked on the textbook derivations."""
import math
import re

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import Tensor, nn
from tinygrad_edu.viz import chain_rule, explain
from viz_helpers import named, neuron_and_leaves


def sigmoid(v):
    return 1 / (1 + math.exp(-v))


def test_single_neuron_by_hand():
    o, p = neuron_and_leaves()
    assert o.item() == pytest.approx(0.7071, abs=1e-4)
    rule = chain_rule(o, p["w1"])
    assert rule.n_paths == 1
    assert [f.value for f in rule.paths[0].factors] == pytest.approx([2.0, 1.0, 1.0, 0.5])
    assert rule.total == pytest.approx(1.0, abs=1e-6)
    rule = chain_rule(o, p["x1"])
    assert [f.value for f in rule.paths[0].factors] == pytest.approx([-3.0, 1.0, 1.0, 0.5])
    assert rule.total == pytest.approx(-1.5, abs=1e-6)
    text = explain(o, p["x1"])
    assert "∂o/∂x1" in text and "∂o/∂n" in text and "-1.5000" in text
    assert "1 − tanh²" in text       # the op's local derivative is quoted
    assert "backward pass" in text and "✓" in text   # no .grad yet: checked against a pass


def test_single_neuron_after_backward_frees_the_graph():
    o, p = neuron_and_leaves()
    o.backward()                     # saved tensors are freed now
    for name, expected in [("w1", 1.0), ("x1", -1.5), ("x2", 0.5), ("w2", 0.0), ("b", 0.5)]:
        rule = chain_rule(o, p[name])
        assert rule.total == pytest.approx(expected, abs=1e-6)
        assert rule.autograd == pytest.approx(expected, abs=1e-6) and rule.agrees
        assert rule.autograd_source == f"{name}.grad"
    assert "w1.grad = 1.0000   ✓" in explain(o, p["w1"])


def test_one_neuron_per_layer_chain():
    """C0 = (a(L) − y)², a = σ(z), z = w·a(L−1) + b, three layers deep."""
    a = Tensor(0.3, dtype="float64", name="a0")
    weights, acts, zs = [], [a], []
    for layer, (wv, bv) in enumerate([(0.8, -0.1), (-1.2, 0.4), (1.5, 0.2)], 1):
        w, b = named(wv, f"w{layer}"), named(bv, f"b{layer}")
        wa = w * a
        wa.name = f"w{layer}a{layer - 1}"
        z = wa + b
        z.name = f"z{layer}"
        a = z.sigmoid()
        a.name = f"a{layer}"
        weights.append(w), acts.append(a), zs.append(z)
    y = Tensor(1.0, dtype="float64", name="y")
    diff = a - y
    diff.name = "d"
    cost = diff * diff
    cost.name = "C0"
    cost.backward()
    rule = chain_rule(cost, weights[-1])
    aL, aprev, zL = acts[-1].item(), acts[-2].item(), zs[-1].item()
    # C0 = d·d: d enters the product twice, so two edge paths, each ending in
    # ∂C0/∂d = d; together ∂C0/∂w(L) = a(L−1) · σ'(z(L)) · 2(a(L) − y)
    assert rule.n_paths == 2
    for path in rule.paths:
        assert [f.value for f in path.factors] == pytest.approx(
            [aprev, 1.0, sigmoid(zL) * (1 - sigmoid(zL)), 1.0, aL - 1.0])
    assert rule.total == pytest.approx(aprev * aL * (1 - aL) * 2 * (aL - 1.0))
    assert rule.total == pytest.approx(weights[-1].grad.item())
    text = explain(cost, weights[-1])
    assert "∂w3a2/∂w3 · ∂z3/∂w3a2 · ∂a3/∂z3 · ∂d/∂a3 · ∂C0/∂d" in text
    # a deeper weight: the chain gets longer, the numbers still agree
    first = chain_rule(cost, weights[0])
    assert len(first.paths[0].factors) == 11
    assert first.total == pytest.approx(weights[0].grad.item()) and first.agrees


def _two_two_one_scalars():
    x = [Tensor(-2.0, dtype="float64", name="x1"), Tensor(-1.0, dtype="float64", name="x2")]
    w = {k: named(1.0, k) for k in ["w1", "w2", "w3", "w4", "w5", "w6"]}
    h1 = (w["w1"] * x[0] + w["w2"] * x[1]).sigmoid()
    h1.name = "h1"
    h2 = (w["w3"] * x[0] + w["w4"] * x[1]).sigmoid()
    h2.name = "h2"
    yhat = (w["w5"] * h1 + w["w6"] * h2).sigmoid()
    yhat.name = "ŷ"
    err = yhat - 1.0
    loss = err * err
    loss.name = "L"
    return loss, w


def test_two_two_one_network_with_scalars():
    loss, w = _two_two_one_scalars()
    loss.backward()
    rule = chain_rule(loss, w["w1"])
    assert rule.total == pytest.approx(0.0214, abs=1e-4)
    assert rule.total == pytest.approx(w["w1"].grad.item(), rel=1e-9)
    h = sigmoid(-3.0)
    yhat = sigmoid(2 * h)
    nontrivial = [f.value for f in rule.paths[0].factors if f.value != pytest.approx(1.0)]
    # ∂h1/∂w1 = x1 · σ'(z1) (two factors), ∂ŷ/∂h1 = w5 · σ'(ẑ), and L = err·err: two edge
    # paths, each with ∂L/∂err = err = ŷ − 1 (together the textbook's 2(ŷ − 1))
    assert rule.n_paths == 2
    assert nontrivial == pytest.approx([-2.0, h * (1 - h), yhat * (1 - yhat), yhat - 1])
    text = explain(loss, w["w1"])
    assert "∂h1/∂" in text and "∂ŷ/∂" in text and "∂L/∂" in text and "0.0215" in text
    # grouped by the tensors named h1, ŷ, L: the textbook's ∂h1/∂w1 · ∂ŷ/∂h1 · ∂L/∂ŷ
    grouped = rule.paths[0].grouped
    assert [f.symbol for f in grouped] == ["∂h1/∂w1", "∂ŷ/∂h1", "∂L/∂ŷ"]
    assert [f.value for f in grouped] == pytest.approx(
        [-2.0 * h * (1 - h), yhat * (1 - yhat), yhat - 1])
    assert ("grouped by the tensors you named: ∂h1/∂w1 · ∂ŷ/∂h1 · ∂L/∂ŷ = "
            "(-0.0904) · (0.2494) · (-0.4763)") in text


def test_textbook_grouping_of_the_layer_chain():
    """Naming only z and a, as the textbook does, groups ∂C0/∂w(L) into its three
    factors a(L−1) · σ'(z(L)) · 2(a(L) − y); with nothing named there is no grouping."""
    a = Tensor(0.3, dtype="float64", name="a0")
    for layer, (wv, bv) in enumerate([(0.8, -0.1), (-1.2, 0.4)], 1):
        w = named(wv, f"w{layer}")
        z = w * a + named(bv, f"b{layer}")
        z.name = f"z{layer}"
        a_prev, a = a, z.sigmoid()
        a.name = f"a{layer}"
    cost = (a - 1.0) ** 2
    cost.name = "C0"
    rule = chain_rule(cost, w)
    grouped = rule.paths[0].grouped
    assert [f.symbol for f in grouped] == ["∂z2/∂w2", "∂a2/∂z2", "∂C0/∂a2"]
    aL = a.item()
    assert [f.value for f in grouped] == pytest.approx(
        [a_prev.item(), aL * (1 - aL), 2 * (aL - 1.0)])
    assert math.prod(f.value for f in grouped) == pytest.approx(rule.total)
    assert "grouped by the tensors you named: ∂z2/∂w2 · ∂a2/∂z2 · ∂C0/∂a2" in str(rule)
    x = named(3.0, "x")
    y = x * x + x
    assert chain_rule(y, x).paths[1].grouped is None and "grouped" not in explain(y, x)


def test_two_two_one_network_with_matrices_element_chain():
    """The same network with nn.Linear: W1[0, 0] is w1, every factor stays one number."""
    net = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    for p in net.parameters():
        p.data[...] = 1.0 if p.ndim == 2 else 0.0
    x = Tensor([[-2.0, -1.0]])
    loss = nn.MSELoss()(net(x), Tensor([[1.0]]))
    loss.backward()
    rule = chain_rule(loss, net[0].weight, index=(0, 0))
    assert rule.total == pytest.approx(0.0214, abs=1e-4)
    assert rule.total == pytest.approx(net[0].weight.grad.detach().numpy()[0, 0], rel=1e-5)
    # one number per node: Linear, Sigmoid, Linear, Sigmoid, the fused MSE loss
    assert rule.paths[0].spread is None and len(rule.paths[0].factors) == 5
    assert rule.paths[0].names == ["0.weight", "linear1", "sigmoid1", "linear2", "sigmoid2",
                                   "mse"]
    text = explain(loss, net[0].weight, index=(0, 1))
    assert "0.weight[0, 1]" in text and "✓" in text
    assert chain_rule(loss, net[0].weight, index=(0, 1)).total == pytest.approx(
        net[0].weight.grad.detach().numpy()[0, 1], rel=1e-5)


def test_every_edge_is_a_path_x_times_x_plus_x():
    # x reaches Mul along two edges (as a and as b) and Add along one: three paths
    x = named(3.0, "x")
    y = x * x + x
    y.name = "y"
    rule = chain_rule(y, x)
    assert rule.n_paths == 3 and len(rule.paths) == 3
    assert [p.contribution for p in rule.paths] == pytest.approx([3.0, 3.0, 1.0])
    assert [p.slots for p in rule.paths] == [["a", ""], ["b", ""], [""]]
    assert [f.value for p in rule.paths for f in p.factors] == \
        pytest.approx([3.0, 1.0, 3.0, 1.0, 1.0])
    assert rule.total == pytest.approx(7.0)
    text = explain(y, x)
    assert "3 paths" in text and "(3.0000) + (3.0000) + (1.0000) = 7.0000" in text
    assert "path 1: x →(as a) mul → y" in text and "path 2: x →(as b) mul → y" in text
    assert "[Mul: ∂z/∂a = b  with z = mul, a = x, b = x]" in text
    assert "[Mul: ∂z/∂b = a  with z = mul, a = x, b = x]" in text
    assert "the terms add" not in text


def test_edge_paths_count_parallel_edges_deeper_in_the_graph():
    # h = x·x feeds the product h·h: 2 edges into h, 2 into the product, 4 paths of 4x³/4
    x = named(1.5, "x")
    h = x * x
    z = h * h
    rule = chain_rule(z, x)
    assert rule.n_paths == 4
    assert [p.contribution for p in rule.paths] == pytest.approx([1.5 ** 3] * 4)
    assert rule.total == pytest.approx(4 * 1.5 ** 3)


def test_random_mlp_every_element_matches_grad():
    te.manual_seed(3)
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x = Tensor.randn(5, 3)
    target = Tensor.randn(5, 2)
    loss = nn.MSELoss()(net(x), target)
    loss.backward()
    for p in net.parameters():
        for idx in np.ndindex(*p.shape):
            rule = chain_rule(loss, p, index=idx)
            assert rule.total == pytest.approx(float(p.grad.detach().numpy()[idx]), rel=1e-4, abs=1e-6)
            assert rule.agrees
            for path in rule.paths:
                assert path.product == pytest.approx(path.contribution, rel=1e-4, abs=1e-7)
                if path.spread is not None:      # the batch of 5 samples spreads it
                    assert len(path.spread.terms) == 5
                    assert sum(u * d for _, d, u in path.spread.terms) == pytest.approx(
                        path.spread.value)
    text = explain(loss, net[2].weight, index=(1, 3))
    assert "changes 5 elements of linear2" in text and "i = [0, 1]:" in text
    # five terms: the four largest are written out, the fifth is summarised
    spread = chain_rule(loss, net[2].weight, index=(1, 3)).paths[0].spread
    sizes = sorted((abs(u * d), idx) for idx, d, u in spread.terms)
    shown = re.findall(r"i = (\[\d, \d\]): .* = (\S+)$", text, re.M)
    assert [idx for idx, _ in shown] == [idx for _, idx in sizes[::-1][:4]]
    rest = float(re.search(r"… and 1 smaller term, together (\S+)", text)[1])
    assert sum(float(v) for _, v in shown) + rest == pytest.approx(spread.value, abs=1e-3)


def test_shared_weight_gives_two_paths():
    te.manual_seed(1)
    lin = nn.Linear(2, 2)
    x = Tensor.randn(3, 2)
    loss = lin(lin(x).tanh()).sum()
    loss.backward()
    rule = chain_rule(loss, lin.weight, index=(1, 0))
    assert rule.n_paths == 2
    assert rule.total == pytest.approx(float(lin.weight.grad.detach().numpy()[1, 0]), rel=1e-4)
    assert sum(p.contribution for p in rule.paths) == pytest.approx(rule.total, rel=1e-6)


def test_many_paths_are_capped_but_the_total_is_exact():
    x = named(0.7, "x")
    t = x
    for _ in range(6):
        t = t.sin() + t.cos()
    rule = chain_rule(t, x, max_paths=5)
    assert rule.n_paths == 64 and len(rule.paths) == 5
    t.backward()
    assert rule.total == pytest.approx(x.grad.item(), rel=1e-9)
    assert "64 paths" in str(rule) and "first 5" in str(rule)


class _NumpySquare(te.Function):
    """z = a² with a backward written on raw arrays (not differentiable again)."""
    formula = "∂z/∂a = 2a"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx, grad):
        a, = ctx.saved_tensors
        return Tensor(grad.detach().numpy() * 2 * a.detach().numpy())


def test_custom_op_with_plain_numpy_backward():
    x = named([1.0, -2.0], "x")
    y = (_NumpySquare.apply(x) * 3.0).sum()
    y.backward()
    rule = chain_rule(y, x, index=(1,))
    assert rule.paths[0].factors[0].value == pytest.approx(-4.0, rel=1e-6)
    assert rule.total == pytest.approx(-12.0, rel=1e-9) and rule.agrees


def test_zero_local_derivative_ends_the_path():
    x = named([-1.0, 2.0], "x")
    y = x.relu().sum()
    rule = chain_rule(y, x, index=(0,))
    assert rule.total == 0 and rule.paths[0].factors[0].value == 0
    assert "contributes nothing" in str(rule)


def test_errors_are_clear():
    o, p = neuron_and_leaves()
    with pytest.raises(ValueError, match="scalar"):
        chain_rule(Tensor([1.0, 2.0], requires_grad=True) * 2, p["w1"])
    with pytest.raises(ValueError, match="does not appear"):
        chain_rule(o, named(1.0, "other"))
    w = Tensor([[1.0, 2.0]], requires_grad=True)
    with pytest.raises(ValueError, match="index="):
        chain_rule((w * 2).sum(), w)
    with pytest.raises(IndexError, match="shape"):
        chain_rule((w * 2).sum(), w, index=(3, 0))


def test_the_root_itself():
    x = named(2.0, "x")
    y = x * 3
    y.name = "y"
    rule = chain_rule(y, y)
    assert rule.n_paths == 1 and rule.total == 1.0
    assert "∂y/∂y = 1" in str(rule)


def test_the_quoted_formula_is_the_one_for_the_input_on_the_path():
    """Ops with one formula per input (x, W, b): each factor quotes its own input's."""
    te.manual_seed(0)
    conv, lin = nn.Conv2d(1, 2, 3), nn.Linear(8, 1)
    x = Tensor.randn(1, 1, 4, 4, requires_grad=True)
    loss = lin(conv(x).reshape(1, 8)).sum()
    for wrt, index, quoted in [(conv.weight, (1, 0, 2, 2), "[Conv2d: ∂L/∂W ="),
                               (conv.bias, (0,), "[Conv2d: ∂L/∂b ="),
                               (x, (0, 0, 1, 1), "[Conv2d: ∂L/∂x ="),
                               (lin.weight, (0, 3), "[Linear: ∂L/∂W ="),
                               (lin.bias, (0,), "[Linear: ∂L/∂b =")]:
        rule = chain_rule(loss, wrt, index=index)
        first = (rule.paths[0].factors or [rule.paths[0].spread])[0]
        assert first.formula.startswith(quoted), (quoted, first.formula)
        assert rule.agrees
