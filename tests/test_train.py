"""tinygrad_edu.train: fit's loop and history, metrics, plot_history."""
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import nn, optim
from tinygrad_edu.data import DataLoader, TensorDataset, logic_gate, spirals
from tinygrad_edu.train import accuracy, fit, plot_history


def test_accuracy_class_indices_and_binary():
    logits = te.tensor([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.0, 0.0, 5.0], [9.0, 0.0, 0.0]])
    assert accuracy(logits, te.tensor([0, 1, 0, 0])) == 0.75
    probs = te.tensor([[0.9], [0.2], [0.6], [0.4]])
    assert accuracy(probs, te.tensor([[1.0], [0.0], [0.0], [0.0]])) == 0.75


def test_fit_matches_a_hand_written_loop():
    """fit's updates are exactly the PyTorch-style loop; its loss is the
    sample-weighted mean of the batch losses."""
    x, y = spirals(n_per_class=20, n_classes=2, seed=0)

    def run(use_fit: bool):
        te.manual_seed(3)
        model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
        opt = optim.SGD(model.parameters(), lr=0.1)
        loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True, seed=1)
        loss_fn = nn.CrossEntropyLoss()
        if use_fit:
            hist = fit(model, loss_fn, opt, loader, epochs=2, progress=False)
            return model, hist["loss"]
        means = []
        for _ in range(2):
            total = 0.0
            for xb, yb in loader:
                opt.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
                total += loss.item() * len(yb)
            means.append(total / len(x))
        return model, means

    (m1, l1), (m2, l2) = run(True), run(False)
    np.testing.assert_allclose(l1, l2, rtol=1e-6)
    for p, q in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_fit_learns_xor_with_history_and_validation():
    te.manual_seed(0)
    x, y = logic_gate("XOR")
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    hist = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05),
               loader, epochs=150, val_loader=loader, progress=False)
    assert set(hist) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 150 for v in hist.values())
    assert hist["loss"][-1] < 0.05 < hist["loss"][0]
    assert hist["val_accuracy"][-1] == 1.0
    # validation runs after the epoch's updates, in eval mode, without recording
    assert hist["val_loss"][-1] <= hist["loss"][-1] + 1e-6
    assert model.training


def test_fit_custom_metric_and_unknown_metric():
    x = te.tensor([[0.0], [1.0], [2.0], [3.0]])
    y = 2 * x + 1
    model = nn.Linear(1, 1)
    loader = DataLoader(TensorDataset(x, y), batch_size=2)

    def max_error(out, target):
        return float(np.abs(out.detach().numpy() - target.detach().numpy()).max())
    hist = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.05), loader, 60,
               metrics=(max_error,), progress=False)
    assert hist["max_error"][-1] < hist["max_error"][0]
    assert hist["loss"][-1] < 0.05
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), loader, 1,
            metrics=("f1",), progress=False)


def test_fit_progress_bar_is_quiet_without_a_terminal(capsys):
    x, y = logic_gate("AND")
    model = nn.Linear(2, 2)
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
        DataLoader(TensorDataset(x, y), batch_size=2), 2, progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def _fit_on_a_terminal(progress: bool) -> str:
    """Run a 2-epoch fit in a subprocess whose stdout/stderr is a pseudo-terminal
    (100 columns) and return everything it wrote there."""
    pty = pytest.importorskip("pty")
    import fcntl
    import os
    import struct
    import termios
    code = ("from tinygrad_edu import nn, optim\n"
            "from tinygrad_edu.data import DataLoader, TensorDataset, logic_gate\n"
            "from tinygrad_edu.train import fit\n"
            "x, y = logic_gate('AND'); m = nn.Linear(2, 2)\n"
            "fit(m, nn.CrossEntropyLoss(), optim.SGD(m.parameters(), lr=0.1),\n"
            f"    DataLoader(TensorDataset(x, y), batch_size=2), 2, progress={progress})\n")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=slave, stderr=slave, cwd=root)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:          # the terminal closed: the child has exited
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    assert proc.wait(timeout=60) == 0, out
    return out.decode("utf-8", "replace")


def test_fit_progress_bar_on_a_terminal():
    shown = _fit_on_a_terminal(progress=True)
    assert "epoch 2/2: 100%" in shown and "4/4" in shown and "loss=" in shown
    assert _fit_on_a_terminal(progress=False).strip() == ""


def test_plot_history_writes_png(tmp_path):
    hist = {"loss": [1.0, 0.5, 0.2], "accuracy": [0.5, 0.8, 0.9],
            "val_loss": [1.1, 0.6, 0.3], "val_accuracy": [0.4, 0.7, 0.9]}
    path = plot_history(hist, tmp_path / "h.png")
    data = (tmp_path / "h.png").read_bytes()
    assert path == str(tmp_path / "h.png") and data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 5000


def test_importing_the_package_loads_neither_tqdm_nor_matplotlib():
    code = ("import sys, tinygrad_edu, tinygrad_edu.train, tinygrad_edu.cli; "
            "print(sorted(m for m in ('tqdm', 'matplotlib', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
