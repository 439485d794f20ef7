"""Learning end to end with nn + optim + te.fit: XOR, an MLP and a small CNN on the 8×8
digits of te.data.load_digits (held-out 25 % split), and nn.summary on the CNN."""
import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import nn, optim

pytest.importorskip("sklearn")          # te.data.load_digits reads scikit-learn's copy


@pytest.fixture(scope="module")
def digits():
    """The 1,797 digits (N, 64) in [0, 1], split once: 1,348 to train, 449 held out."""
    X, y = te.data.load_digits()
    Xtr, Xte, ytr, yte = te.data.train_test_split(X, y, test_size=0.25, seed=0)
    return Xtr, Xte, ytr, yte


def fit(model, data, shape, epochs, lr=5e-3, batch=64):
    """Adam on shuffled mini-batches through ``te.fit``; returns (test accuracy after
    the last epoch, in eval mode without grad, and the training-loss history)."""
    Xtr, Xte, ytr, yte = (t.reshape((-1,) + shape) if t.ndim == 2 else t for t in data)
    loader = te.data.DataLoader(te.data.TensorDataset(Xtr, ytr), batch_size=batch,
                                shuffle=True, seed=0)
    test = te.data.DataLoader(te.data.TensorDataset(Xte, yte), batch_size=len(yte))
    history = te.fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=lr),
                     loader, epochs, val_loader=test, progress=False)
    assert model.training                                   # fit leaves train mode on
    model.eval()
    with te.no_grad():                                      # te.fit's figure, recomputed
        accuracy = (model(Xte).argmax(1).detach().numpy() == yte.numpy()).mean()
    assert accuracy == pytest.approx(history["val_accuracy"][-1])
    assert len(history["loss"]) == epochs and len(Xte) == 449
    return accuracy, history["loss"]


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
    np.testing.assert_array_equal(net(X).detach().numpy() > 0, y.detach().numpy() > 0.5)


def test_mlp_64_64_10_on_digits_reaches_97_percent(digits):
    accuracy, history = fit(mlp(), digits, (64,), epochs=40)
    print(f"\nMLP 64-64-10, 40 epochs: test accuracy {accuracy:.4f}, "
          f"final training loss {history[-1]:.4f}")
    assert accuracy >= 0.97
    assert history[-1] < 0.1 * history[0]


def test_small_cnn_trains_on_digits_and_matches_the_mlp(digits):
    epochs = 20
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
