"""The Keras function-approximation article of seed 003, step by step.

The article's data: 1,000 points x evenly spaced on [−3, 3], the mean squared error,
Keras's SGD (mini-batches of 32, lr 0.01; later with momentum 0.9 and Nesterov).

1. One linear neuron y = w·x + b. On 2x + 5 it finds w = 2, b = 5. On 2 sin x + 5
   it finds the least-squares line, w ≈ 0.69, b ≈ 5.0 (the article prints
   [0.69066334], [4.99893045]); the line w·x + b drawn over the model's output is
   the same line.
2. Five linear neurons, then a linear output: still a line, because
   Σ_i w'_i (w_i x + b_i) + b = (Σ_i w'_i w_i)·x + (Σ_i w'_i b_i + b).
3. ReLU units break the line: unit i bends it at x = −b_i / w_i, so n units give at
   most n + 1 straight pieces (the article says n) on the real line.
4. A tanh layer is a sum of shifted steps: f(x) = Σ_i w'_i tanh(w_i x + b_i) + b,
   each step covering its own stretch of x.
5. Outside the training range [−3, 3] every tanh saturates towards ±1, so the
   network levels off to a constant there: it cannot extrapolate the sine.
6. Width and epoch sweeps on the article's piecewise curve: more epochs lower the
   error steadily; more units help up to 20, while 100 units do worse with the same
   SGD settings and epoch budget (wider is not automatically better).
7. The initialisation, 20 tanh units on the piecewise curve, 400 epochs, 3 seeds:
   glorot_normal (std √(2/(fan_in + fan_out)) = √(2/21) ≈ 0.31 in the first layer)
   against he_normal (std √(2/fan_in) = √2 ≈ 1.41 there, as fan_in = 1). In full runs
   he_normal ends lower (mean MSE ≈ 0.056 vs ≈ 0.095), as the article found. Why:
   with zero biases every unit starts as tanh(wᵢx); Glorot's small wᵢ make all of
   them nearly straight lines on [−3, 3], so the network starts as a line and must
   first grow its weights to bend, while He's steeper units are curved (and
   saturate near |x| ≈ 1/|wᵢ|) over the range from the first step.
"""
import numpy as np

import tinygrad_edu as te
from tinygrad_edu import nn, optim
from _common import example_args, plt, save

X = np.linspace(-3, 3, 1000).reshape(-1, 1)
TARGETS = {"2x + 5": lambda x: 2 * x + 5, "2 sin x + 5": lambda x: 2 * np.sin(x) + 5,
           "piecewise": te.data.piecewise}


def fit(model: nn.Module, f, epochs: int, momentum: float = 0.0, seed: int = 0) -> float:
    """Keras's ``model.fit``: SGD on batches of 32 of the shuffled 1,000 points,
    minimising the mean of (model(x) − f(x))²; returns the final MSE on all points."""
    x = te.tensor(X, dtype=te.float32)
    y = te.tensor(f(X), dtype=te.float32)
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=momentum, nesterov=momentum > 0)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), 32):
            idx = te.tensor(order[start:start + 32])
            loss = nn.functional.mse_loss(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    with te.no_grad():
        return nn.functional.mse_loss(model(x), y).item()


def predict(model: nn.Module, x: np.ndarray) -> np.ndarray:
    with te.no_grad():
        return model(te.tensor(x, dtype=te.float32)).numpy()


def tanh_net(width: int, init: str | None = None) -> nn.Sequential:
    """1-width-1 with tanh units; ``init`` "glorot_normal" or "he_normal" as in Keras
    (biases zero), else the framework's default (PyTorch's uniform ±1/√fan_in)."""
    model = nn.Sequential(nn.Linear(1, width), nn.Tanh(), nn.Linear(width, 1))
    if init is not None:
        for layer in (model[0], model[2]):
            if init == "glorot_normal":
                nn.init.xavier_normal_(layer.weight)
            else:
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")   # gain √2
            nn.init.zeros_(layer.bias)
    return model


def main() -> None:
    args = example_args(__doc__.splitlines()[0])
    scale = 0.1 if args.quick else 1.0
    epochs = lambda n: max(1, int(n * scale))       # noqa: E731

    # 1. one linear neuron
    fig, axes = plt.subplots(1, 3, figsize=(16, 3.8), layout="constrained")
    for ax, name in zip(axes, ("2x + 5", "2 sin x + 5")):
        te.manual_seed(0)
        neuron = nn.Linear(1, 1)
        mse = fit(neuron, TARGETS[name], epochs(100))
        w, b = neuron.weight.item(), neuron.bias.item()
        print(f"one linear neuron on {name}: w = {w:.4f}, b = {b:.4f} (MSE {mse:.4f})")
        ax.scatter(X[::10], TARGETS[name](X[::10]), s=6, c="k", zorder=3,
                   label="target (every 10th point)")
        ax.plot(X, predict(neuron, X), "m", lw=4, label="the neuron's output")
        ax.plot(X, w * X + b, "y", lw=1.5, label=f"the line {w:.2f}·x + {b:.2f}")
        ax.set(title=f"one linear neuron on {name}", xlabel="x")
        ax.legend(fontsize=8)
    slope = 2 * np.cov(X[:, 0], np.sin(X[:, 0]))[0, 1] / np.var(X[:, 0], ddof=1)
    print(f"least-squares line through 2 sin x + 5: w = {slope:.4f}, b = 5.0000")

    # 2. stacked linear layers collapse to one line
    te.manual_seed(0)
    stacked = nn.Sequential(nn.Linear(1, 5), nn.Linear(5, 1))
    fit(stacked, TARGETS["2 sin x + 5"], epochs(100))
    w1, b1 = stacked[0].weight.detach().numpy()[:, 0], stacked[0].bias.detach().numpy()
    w2, b2 = stacked[1].weight.detach().numpy()[0], stacked[1].bias.item()
    w, b = w2 @ w1, w2 @ b1 + b2
    gap = np.abs(predict(stacked, X)[:, 0] - (w * X[:, 0] + b)).max()
    print(f"5 linear units + linear output: the line {w:.4f}·x + {b:.4f} "
          f"(max |model − line| = {gap:.1e})")

    # 3. ReLU units: pieces
    te.manual_seed(0)
    relu = nn.Sequential(nn.Linear(1, 5), nn.ReLU(), nn.Linear(5, 1))
    mse = fit(relu, TARGETS["2 sin x + 5"], epochs(300), momentum=0.9)
    wr, br = relu[0].weight.detach().numpy()[:, 0], relu[0].bias.detach().numpy()
    wo = relu[2].weight.detach().numpy()[0]
    bends = -br / wr                         # unit i bends the line where wᵢx + bᵢ = 0
    inside = np.unique(np.round(bends[(np.abs(bends) < 3) & (wo != 0)], 2))  # distinct
    print(f"5 ReLU units on 2 sin x + 5 (MSE {mse:.4f}): bends at x = "
          f"{', '.join(f'{k:.2f}' for k in inside)} inside [-3, 3], so "
          f"{len(inside) + 1} straight pieces there (at most 5 + 1 = 6; units that bend "
          f"at the same x or outside the range add none)")
    ax = axes[2]
    ax.scatter(X[::10], TARGETS["2 sin x + 5"](X[::10]), s=6, c="k", label="target")
    ax.plot(X, predict(relu, X), "m", lw=2, label="5 ReLU units")
    for k in inside:
        ax.axvline(k, color="0.6", lw=0.8, ls="--")
    ax.set(title=f"5 ReLU units: {len(inside) + 1} straight pieces (dashed: the bends)",
           xlabel="x")
    ax.legend(fontsize=8)
    save(fig, args.out, "function_steps_lines.png")

    # 4. the tanh decomposition, 5. extrapolation
    te.manual_seed(0)
    tanh = tanh_net(20, "he_normal")
    mse = fit(tanh, TARGETS["2 sin x + 5"], epochs(400), momentum=0.9)
    wide = np.linspace(-8, 8, 801).reshape(-1, 1)
    wt, bt = tanh[0].weight.detach().numpy()[:, 0], tanh[0].bias.detach().numpy()
    wo, bo = tanh[2].weight.detach().numpy()[0], tanh[2].bias.item()
    parts = wo * np.tanh(wide * wt + bt) + bo                # (801, 20): one column per unit
    fig, axes = plt.subplots(1, 2, figsize=(13, 4), layout="constrained")
    inner = np.abs(wide[:, 0]) <= 3
    axes[0].plot(wide[inner], parts[inner], "b", lw=0.8, alpha=0.6)
    axes[0].plot(wide[inner], TARGETS["2 sin x + 5"](wide[inner]), "k", lw=4, alpha=0.3,
                 label="2 sin x + 5")
    axes[0].plot(wide[inner], predict(tanh, wide[inner]), "m", lw=2, label="network = Σ blue − 19·b")
    axes[0].set(title="20 tanh units: each blue curve is w'ᵢ·tanh(wᵢx + bᵢ) + b", xlabel="x")
    axes[0].legend(fontsize=8)
    axes[1].axvspan(-3, 3, color="0.92", label="training range [-3, 3]")
    axes[1].plot(wide, TARGETS["2 sin x + 5"](wide), "k", lw=4, alpha=0.3, label="2 sin x + 5")
    axes[1].plot(wide, predict(tanh, wide), "m", lw=2, label="network")
    axes[1].set(title="outside [-3, 3] the tanh units saturate: the network levels off",
                xlabel="x")
    axes[1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1, 1))
    save(fig, args.out, "function_steps_tanh.png")
    at = predict(tanh, np.array([[-8.0], [-6.0], [6.0], [8.0]], np.float32))[:, 0]
    print(f"20 tanh units (he_normal) on 2 sin x + 5: MSE {mse:.5f}; outside the range: "
          f"f(6) = {at[2]:.3f}, f(8) = {at[3]:.3f} (true {2 * np.sin(6) + 5:.3f}, "
          f"{2 * np.sin(8) + 5:.3f}); f(-6) = {at[1]:.3f}, f(-8) = {at[0]:.3f}")

    # 6. sweeps and the initialisation
    for width in (1, 2, 5, 20, 100):
        te.manual_seed(0)
        mse = fit(tanh_net(width, "he_normal"), TARGETS["piecewise"], epochs(200), momentum=0.9)
        print(f"width sweep, piecewise, {width:>3} tanh units, {epochs(200)} epochs: MSE {mse:.5f}")
    for n in (10, 50, 200, 800):
        te.manual_seed(0)
        mse = fit(tanh_net(20, "he_normal"), TARGETS["piecewise"], epochs(n), momentum=0.9)
        print(f"epoch sweep, piecewise, 20 tanh units, {epochs(n):>3} epochs: MSE {mse:.5f}")
    for init in ("glorot_normal", "he_normal"):
        mses, stds = [], []
        for seed in range(3):
            te.manual_seed(seed)
            model = tanh_net(20, init)
            stds.append(model[0].weight.detach().numpy().std())
            mses.append(fit(model, TARGETS["piecewise"], epochs(400), momentum=0.9, seed=seed))
        print(f"init {init:<13}: first-layer weight std {np.mean(stds):.2f}; 20 tanh units, "
              f"piecewise, {epochs(400)} epochs, 3 seeds: MSE "
              f"{', '.join(f'{m:.5f}' for m in mses)} (mean {np.mean(mses):.5f})")


if __name__ == "__main__":
    main()
