"""A tabular binary classifier in the style of seed 003's banknote MLP, and L2 weight decay.

The seed's TensorFlow tutorial reads a table (banknote.csv: 4 features, 2 classes),
one-hot encodes the labels, trains 4-4-4-4-2 units (ReLU, ReLU, ReLU, sigmoid, then
linear scores) with softmax cross-entropy and full-batch gradient descent (lr 0.3,
100 epochs), plots the accuracy per epoch and saves the weights. The same here on
scikit-learn's breast-cancer table (569 tumours, 30 measurements, malignant or
benign; ``pip install 'tinygrad-edu[datasets]'``), 20 % held out, features
standardised with the training rows' mean and standard deviation. The weights are
saved with ``te.save(model.state_dict(), path)``, loaded into a fresh model, and give
the same test accuracy. The accuracy curve first sits for many epochs at the share
of benign rows (63 %): the stack of narrow layers starts by answering "benign" for
everything, until the gradient through the four layers has turned the first
layers' weights far enough; then it climbs to ≈ 97 %.

Regularisation (the seed's cost J(θ) + λ/(2m) Σ θ², here as ``weight_decay``): with
weight_decay = λ the optimiser adds λ·θ to every gradient, i.e. minimises
loss + (λ/2)·‖θ‖². On a small noisy 2-D problem (two overlapping Gaussian clouds,
40 training points; even the best boundary, x₀ = 0, gets only 80 % of new points
right) a 2-100-100-2 network trained with Adam without it learns every training
point by heart with islands around single points; with λ = 0.03 its weights stay
small, its boundary is smoother, and it does better on 2,000 new points. The
picture shows both boundaries.
"""
import numpy as np

import tinygrad_edu as te
from tinygrad_edu import nn, optim
from _common import example_args, plt, save


def one_hot_encode(labels: np.ndarray) -> np.ndarray:
    """The seed's encoder: row k has a 1 in column labels[k], zeros elsewhere."""
    encoded = np.zeros((len(labels), len(np.unique(labels))))
    encoded[np.arange(len(labels)), labels] = 1
    return encoded


def banknote_mlp(n_in: int) -> nn.Sequential:
    """The seed's multilayer perceptron: four hidden layers of 4 units."""
    return nn.Sequential(nn.Linear(n_in, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU(),
                         nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4), nn.Sigmoid(),
                         nn.Linear(4, 2))


def accuracy(model: nn.Module, x: te.Tensor, target: te.Tensor) -> float:
    with te.no_grad():
        return float((model(x).argmax(dim=1) == target.argmax(dim=1)).float().mean().item())


def train_banknote(x: te.Tensor, target: te.Tensor, epochs: int) -> tuple[nn.Module, list]:
    """Full-batch gradient descent, lr 0.3, on mean softmax cross-entropy with the
    one-hot target t: −(1/m) Σ_k Σ_j t_kj log softmax(z_k)_j."""
    te.manual_seed(0)
    model = banknote_mlp(x.shape[1])
    opt = optim.SGD(model.parameters(), lr=0.3)
    history = []
    for _ in range(epochs):
        cost = nn.functional.cross_entropy(model(x), target)   # probabilities as targets
        opt.zero_grad()
        cost.backward()
        opt.step()
        history.append((cost.item(), accuracy(model, x, target)))
    return model, history


def clouds(n: int, seed: int) -> tuple[te.Tensor, te.Tensor]:
    """n points, label 0 or 1 at random, drawn from N((∓0.6, 0), 0.7²·I)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(0, 0.7, (n, 2))
    x[:, 0] += np.where(y == 1, 0.6, -0.6)
    return te.tensor(x, dtype=te.float32), te.tensor(y)


def boundary_net(weight_decay: float, x: te.Tensor, y: te.Tensor, steps: int) -> nn.Module:
    """2-100-100-2 ReLU network, full-batch Adam (lr 0.01) on cross-entropy."""
    te.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(),
                          nn.Linear(100, 2))
    opt = optim.Adam(model.parameters(), lr=0.01, weight_decay=weight_decay)
    for _ in range(steps):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


def main() -> None:
    args = example_args(__doc__.splitlines()[0])
    try:
        from sklearn.datasets import load_breast_cancer
    except ImportError:
        print("skipping: the breast-cancer table needs scikit-learn "
              "(pip install 'tinygrad-edu[datasets]')")
        return
    table = load_breast_cancer()
    labels = table.target                                  # 0 = malignant, 1 = benign
    target = one_hot_encode(labels)
    print(f"{table.data.shape[0]} rows, {table.data.shape[1]} features; labels "
          f"{labels[:3].tolist()} one-hot encoded as {target[:3].astype(int).tolist()}")
    x_train, x_test, t_train, t_test = te.data.train_test_split(
        te.tensor(table.data, dtype=te.float32), te.tensor(target, dtype=te.float32),
        test_size=0.2, seed=415)
    x_train, x_test = te.data.standardize(x_train, x_test)
    epochs = 100
    model, history = train_banknote(x_train, t_train, epochs)
    for e in (0, 9, 49, 99):
        print(f"epoch {e + 1:>3}: cost {history[e][0]:.4f}, train accuracy {history[e][1]:.2%}")
    test_acc = accuracy(model, x_test, t_test)
    print(f"test accuracy {test_acc:.2%} on {len(x_test)} held-out rows")
    path = args.out / "tabular_classifier.pt"
    te.save(model.state_dict(), path)
    fresh = banknote_mlp(x_train.shape[1])
    fresh.load_state_dict(te.load(path))
    print(f"weights saved to {path}; reloaded: test accuracy {accuracy(fresh, x_test, t_test):.2%}")
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(range(1, epochs + 1), [a for _, a in history], label="training accuracy")
    ax.axhline(t_train[:, 1].mean().item(), color="0.5", ls="--",
               label="always answering 'benign'")
    ax.legend(loc="lower right")
    ax.set(xlabel="epoch", ylabel="training accuracy", ylim=(0, 1),
           title="4-4-4-4-2 MLP on the breast-cancer table (full-batch GD, lr 0.3)")
    save(fig, args.out, "tabular_classifier_accuracy.png")

    x, y = clouds(40, seed=0)
    x_new, y_new = clouds(2000, seed=1)
    grid = np.stack(np.meshgrid(np.linspace(-2.5, 2.5, 201), np.linspace(-2.5, 2.5, 201)), -1)
    fig, axes = plt.subplots(1, 2, figsize=(11, 5.4), layout="constrained")
    for ax, wd in zip(axes, (0.0, 0.03)):
        net = boundary_net(wd, x, y, steps=1500)   # a few seconds: --quick runs it all
        norm = float(np.sqrt(sum((p.detach() ** 2).sum().item() for p in net.parameters())))
        with te.no_grad():
            train_acc = (net(x).argmax(dim=1) == y).float().mean().item()
            new_acc = (net(x_new).argmax(dim=1) == y_new).float().mean().item()
            classes = net(te.tensor(grid.reshape(-1, 2), dtype=te.float32)).argmax(dim=1)
        print(f"weight_decay {wd:g}: ‖θ‖ = {norm:.1f}, train accuracy {train_acc:.1%}, "
              f"accuracy on 2000 new points {new_acc:.1%}")
        ax.contourf(grid[..., 0], grid[..., 1], classes.numpy().reshape(201, 201),
                    levels=[-0.5, 0.5, 1.5], colors=["#fcc", "#cdf"])
        xs = x.numpy()
        ax.scatter(xs[:, 0], xs[:, 1], c=np.array(["#c00", "#03c"])[y.numpy()],
                   edgecolors="k", s=35)
        ax.axvline(0, color="0.4", ls="--", lw=1)
        ax.set(title=f"weight_decay {wd:g}: ‖θ‖ = {norm:.1f}\ntraining points {train_acc:.0%} "
                     f"right, new points {new_acc:.1%}", aspect="equal", xlabel="x₀",
               ylabel="x₁")
    fig.suptitle("40 points of two overlapping clouds (red, blue); shaded: the class the "
                 "network predicts; dashed: the best possible boundary")
    save(fig, args.out, "tabular_classifier_weight_decay.png")

if __name__ == "__main__":
    main()
