"""Issue 17.10: the banknote-style tabular classifier (one-hot targets, accuracy per
epoch, saved weights) and L2 weight decay's effect, run with --quick."""
import re

import pytest

from test_examples import numbers, run_example


def test_tabular_classifier(tmp_path):
    pytest.importorskip("sklearn")
    out = run_example("tabular_classifier", tmp_path)
    assert "569 rows, 30 features; labels [0, 0, 0] one-hot encoded as " \
           "[[1, 0], [1, 0], [1, 0]]" in out
    accs = numbers(r"epoch +\d+: cost [\d.]+, train accuracy ([\d.]+)%", out)
    assert len(accs) == 4 and accs[-1] > 90
    test_acc = numbers(r"test accuracy ([\d.]+)% on 114 held-out rows", out)[0]
    assert test_acc > 90
    assert numbers(r"reloaded: test accuracy ([\d.]+)%", out)[0] == test_acc
    assert (tmp_path / "tabular_classifier.pt").exists()
    runs = {float(wd): (float(n), float(tr), float(new)) for wd, n, tr, new in re.findall(
        r"weight_decay ([\d.]+): ‖θ‖ = ([\d.]+), train accuracy ([\d.]+)%, accuracy on 2000 "
        r"new points ([\d.]+)%", out)}
    plain, decayed = runs[0.0], runs[0.03]
    assert plain[1] == 100 and decayed[1] < 100            # without it: learnt by heart
    assert decayed[0] < plain[0] / 5                        # small weights
    assert decayed[2] > plain[2] + 2                        # better on new points
    for name in ("accuracy", "weight_decay"):
        assert (tmp_path / f"tabular_classifier_{name}.png").stat().st_size > 1000
