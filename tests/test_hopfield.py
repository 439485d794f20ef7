"""The Hopfield network of examples/hopfield.py: asynchronous updates never raise the
energy (the text's method and its proof), synchronous ones can cycle."""
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
pytest.importorskip("matplotlib")
import hopfield  # noqa: E402

import tinygrad_edu as te  # noqa: E402


@pytest.mark.parametrize("seed", range(20))
def test_asynchronous_energy_never_increases(seed):
    """ΔE = −Δs_i·h_i ≤ 0 for every single-neuron update, with W symmetric and a
    zero diagonal: checked per sweep on random networks and random starts."""
    gen = np.random.default_rng(seed)
    n, k = gen.integers(5, 60), gen.integers(1, 8)
    patterns = te.tensor(gen.choice([-1.0, 1.0], size=(k, n)))
    w = hopfield.store(patterns)
    np.testing.assert_allclose(w.detach().numpy(), w.detach().numpy().T)
    assert np.all(np.diag(w.detach().numpy()) == 0)
    start = te.tensor(gen.choice([-1.0, 1.0], size=n))
    final, energies = hopfield.recall(w, start, seed=seed, max_sweeps=100)
    assert np.all(np.diff(energies) <= 1e-12), energies
    h = w.detach().numpy() @ final.detach().numpy()                  # a fixed point: no neuron wants to flip
    assert np.all(h * final.detach().numpy() >= -1e-12)


def test_synchronous_two_cycle_warns_and_asynchronous_does_not():
    w = hopfield.store(te.tensor([[1.0, 1.0]]))    # two neurons, w12 = w21 = 0.5
    start = te.tensor([1.0, -1.0])
    with pytest.warns(UserWarning, match="2-cycle"):
        state, energies = hopfield.recall(w, start, synchronous=True)
    assert state.tolist() in ([1.0, -1.0], [-1.0, 1.0]) and energies == [0.5, 0.5, 0.5]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        state, energies = hopfield.recall(w, start)
    assert abs(sum(state.tolist())) == 2 and energies[-1] == -0.5
