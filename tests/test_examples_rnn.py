"""Issue 17.10: the simple recurrent network of seed 003, run with --quick."""
import numpy as np

from test_examples import numbers, run_example


def test_simple_rnn(tmp_path):
    out = run_example("simple_rnn", tmp_path)
    assert numbers(r"by hand vs nn.RNN: max difference ([\d.e+-]+)", out)[0] < 1e-5
    first, last, new = numbers(r"MSE ([\d.]+) -> ([\d.]+) after \d+ steps; on 200 new "
                               r"windows ([\d.]+)", out)
    assert last < first / 20 and new < 0.02
    grads = numbers(r"T = +\d+: \|∂\(Σ h_T\)/∂x_1\| = ([\d.e+-]+)", out)
    assert len(grads) == 6 and grads[-1] < 1e-4 * grads[0]       # the gradient vanishes
    assert np.all(np.diff(np.log(grads)) < 0)
    assert (tmp_path / "simple_rnn.png").stat().st_size > 1000
