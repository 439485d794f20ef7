"""nn.init: gains, fans, and the distributions' bounds and moments (on tensors large
enough that the sample statistics are within a few percent)."""
import math

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import nn
from tinygrad_edu.nn import init


def test_calculate_gain_values():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == pytest.approx(0.75)
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_fill_functions_work_in_place_and_return_the_tensor():
    t = te.zeros(3, 4)
    data = t.detach().numpy()
    assert init.ones_(t) is t and np.shares_memory(t.detach().numpy(), data) and np.all(t.detach().numpy() == 1)
    assert np.all(init.zeros_(t).detach().numpy() == 0)
    assert np.all(init.constant_(t, 2.5).detach().numpy() == 2.5)
    assert t.dtype == np.float32


def test_uniform_and_normal_moments():
    t = te.zeros(200, 200)
    init.uniform_(t, -2.0, 3.0)
    assert t.detach().numpy().min() >= -2 and t.detach().numpy().max() < 3
    assert t.detach().numpy().mean() == pytest.approx(0.5, abs=0.03)
    init.normal_(t, 1.0, 0.5)
    assert t.detach().numpy().mean() == pytest.approx(1.0, abs=0.01)
    assert t.detach().numpy().std() == pytest.approx(0.5, rel=0.02)


# (shape, fan_in, fan_out): Linear weights are (out, in); conv weights (out, in, kh, kw)
SHAPES = [((300, 100), 100, 300), ((64, 16, 3, 3), 144, 576)]


@pytest.mark.parametrize("shape,fan_in,fan_out", SHAPES)
def test_xavier_aka_glorot(shape, fan_in, fan_out):
    t = te.zeros(*shape)
    init.xavier_uniform_(t, gain=2.0)
    bound = 2.0 * math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(t.detach().numpy()).max() <= bound
    assert t.detach().numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.03)
    init.xavier_normal_(t)
    assert t.detach().numpy().std() == pytest.approx(math.sqrt(2 / (fan_in + fan_out)), rel=0.03)


@pytest.mark.parametrize("shape,fan_in,fan_out", SHAPES)
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_kaiming_aka_he(shape, fan_in, fan_out, mode):
    fan = fan_in if mode == "fan_in" else fan_out
    t = te.zeros(*shape)
    init.kaiming_normal_(t, mode=mode, nonlinearity="relu")
    assert t.detach().numpy().std() == pytest.approx(math.sqrt(2 / fan), rel=0.03)
    init.kaiming_uniform_(t, a=0.2, mode=mode)       # leaky_relu with slope 0.2
    bound = math.sqrt(2 / 1.04) * math.sqrt(3 / fan)
    assert np.abs(t.detach().numpy()).max() <= bound
    assert t.detach().numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.03)


def test_torch_default_linear_init_is_kaiming_uniform_a_sqrt5():
    t = te.zeros(500, 40)
    init.kaiming_uniform_(t, a=math.sqrt(5))
    assert np.abs(t.detach().numpy()).max() <= 1 / math.sqrt(40)
    assert np.abs(t.detach().numpy()).max() > 0.98 / math.sqrt(40)


def test_init_is_reproducible_and_errors_are_clear():
    te.manual_seed(7)
    a = init.xavier_uniform_(te.zeros(4, 5)).detach().numpy().copy()
    te.manual_seed(7)
    np.testing.assert_array_equal(init.xavier_uniform_(te.zeros(4, 5)).detach().numpy(), a)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(te.zeros(5))
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_normal_(te.zeros(2, 2), mode="fan_avg")


def test_linear_init_is_reproducible_with_manual_seed():
    te.manual_seed(11)
    first = nn.Linear(3, 2).state_dict()
    te.manual_seed(11)
    second = nn.Linear(3, 2).state_dict()
    for k in first:
        np.testing.assert_array_equal(first[k].detach().numpy(), second[k].detach().numpy())


def test_gains_and_bounds_match_torch_formulas():
    """calculate_gain equals torch's for every nonlinearity, and the uniform inits
    reach (but never pass) the bound torch's formula gives for each fan/mode."""
    torch = pytest.importorskip("torch")
    for name, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None),
                        ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.3),
                        ("selu", None)]:
        assert init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param), rel=1e-12)
    shape = (32, 8, 3, 3)
    for ours, theirs in [(lambda t: init.xavier_uniform_(t, gain=0.7),
                          lambda t: torch.nn.init.xavier_uniform_(t, gain=0.7)),
                         (lambda t: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="tanh"),
                          lambda t: torch.nn.init.kaiming_uniform_(t, mode="fan_out",
                                                                   nonlinearity="tanh"))]:
        reference = theirs(torch.empty(*shape)).abs().max().item()
        bound = np.abs(ours(te.zeros(*shape)).detach().numpy()).max()
        assert bound == pytest.approx(reference, rel=0.02)
