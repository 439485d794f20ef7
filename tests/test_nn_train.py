"""Learning end to end with nn + optim: XOR, an MLP and a small CNN on scikit-learn's
8×8 digits (held-out 25 % split), and nn.summary on the CNN."""
import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import nn, optim

sklearn = pytest.importorskip("sklearn")
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    return train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)


def fit(model, data, shape, epochs, lr=5e-3, batch=64):
    """Adam on mini-batches; returns (test accuracy, mean training loss per epoch)."""
    Xtr, Xte, ytr, yte = data
    opt = optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    order = np.random.default_rng(0)
    history = []
    model.train()
    for _ in range(epochs):
        perm, total = order.permutation(len(Xtr)), 0.0
        for i in range(0, len(Xtr), batch):
            idx = perm[i:i + batch]
            loss = loss_fn(model(te.tensor(Xtr[idx].reshape((-1,) + shape))), te.tensor(ytr[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        history.append(total / len(Xtr))
    model.eval()
    with te.no_grad():
        pred = model(te.tensor(Xte.reshape((-1,) + shape))).argmax(1).numpy()
    return (pred == yte).mean(), history


def mlp():
    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


def cnn():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(16 * 4 * 4, 10))


def test_xor_with_a_2_4_1_net_reaches_100_percent():
    X = te.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = te.tensor([[0], [1], [1], [0]], dtype=np.float32)
    net = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    opt = optim.Adam(net.parameters(), lr=0.05)
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in range(300):
        opt.zero_grad()
        loss = loss_fn(net(X), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    np.testing.assert_array_equal(net(X).data > 0, y.data > 0.5)


def test_mlp_64_64_10_on_digits_reaches_97_percent(digits):
    accuracy, history = fit(mlp(), digits, (64,), epochs=40)
    print(f"\nMLP 64-64-10, 40 epochs: test accuracy {accuracy:.4f}, "
          f"final training loss {history[-1]:.4f}")
    assert accuracy >= 0.97
    assert history[-1] < 0.1 * history[0]


def test_small_cnn_trains_on_digits_and_matches_the_mlp(digits):
    epochs = 15
    te.manual_seed(0)
    mlp_acc, mlp_hist = fit(mlp(), digits, (64,), epochs)
    te.manual_seed(0)
    cnn_acc, cnn_hist = fit(cnn(), digits, (1, 8, 8), epochs)
    print(f"\n{epochs} epochs, Adam(5e-3), batch 64 — MLP 64-64-10 (4,810 params): accuracy "
          f"{mlp_acc:.4f}, loss {[round(v, 3) for v in mlp_hist[::3]]}; CNN conv16-pool-linear "
          f"(2,730 params): accuracy {cnn_acc:.4f}, loss {[round(v, 3) for v in cnn_hist[::3]]}")
    assert cnn_acc >= 0.95
    assert cnn_acc >= mlp_acc - 0.01 or cnn_hist[-1] < mlp_hist[-1]
    assert cnn_hist[-1] < 0.1 * cnn_hist[0]


def test_summary_table_of_the_cnn(capsys):
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.BatchNorm1d(256), nn.Linear(256, 10))
    model[5].bias.requires_grad_(False)
    text = nn.summary(model, (1, 8, 8))
    assert capsys.readouterr().out.strip() == text.strip()
    rows = [line.split() for line in text.splitlines()]
    body = {r[0]: r for r in rows if r and r[0].isdigit()}
    assert body["0"][1:] == ["(Conv2d)", "(None,", "16,", "8,", "8)", "160"]
    assert body["2"][1:] == ["(MaxPool2d)", "(None,", "16,", "4,", "4)", "0"]
    assert body["3"][1:] == ["(Flatten)", "(None,", "256)", "0"]
    assert body["4"][-1] == "512" and body["5"][-1] == "2,570"
    assert "Total params: 3,242" in text
    assert "Trainable params: 3,232" in text and "Non-trainable params: 10" in text
    assert all(m.training for m in model.modules())          # modes restored
    assert model[4].num_batches_tracked.item() == 0           # statistics untouched
    assert "forward" not in model[0].__dict__                 # recorders removed
