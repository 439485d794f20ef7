"""Regenerate every figure the documentation uses, from the framework itself.

    python scripts/make_figures.py            # writes docs/figures/
    python scripts/make_figures.py OUT_DIR    # somewhere else

The same file is an MkDocs hook (see ``mkdocs.yml``): ``mkdocs build`` calls
:func:`on_pre_build`, which regenerates the figures when the package or this
script is newer than the last run, so the site never shows stale pictures.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "docs" / "figures"
STAMP = ".generated"

if str(ROOT) not in sys.path:          # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

import tinygrad_edu as te  # noqa: E402
from tinygrad_edu import Tensor  # noqa: E402

_REGISTRY: list[Callable[[Path], None]] = []


def figure(fn: Callable[[Path], None]) -> Callable[[Path], None]:
    """Register a function that writes one or more files into the output folder."""
    _REGISTRY.append(fn)
    return fn


def _pyplot() -> Any:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.rcParams.update({"figure.dpi": 100, "savefig.bbox": "tight", "font.size": 10})
    return plt


# ------------------------------------------------------------------ the four derivations
def neuron() -> tuple[Tensor, dict[str, Tensor]]:
    """o = tanh(x1·w1 + x2·w2 + b) with the classic numbers."""
    leaves = {k: Tensor(v, requires_grad=True, name=k) for k, v in
              [("x1", 2.0), ("x2", 0.0), ("w1", -3.0), ("w2", 1.0), ("b", 6.8813735870195432)]}
    o = (leaves["x1"] * leaves["w1"] + leaves["x2"] * leaves["w2"] + leaves["b"]).tanh()
    o.name = "o"
    return o, leaves


def layer_chain() -> tuple[Tensor, list[Tensor]]:
    """Three one-neuron sigmoid layers and C0 = (a(3) − y)²."""
    a, weights = Tensor(1.0, name="a0"), []
    for l, (w0, b0) in enumerate([(0.5, 0.1), (-1.5, 0.3), (2.0, -0.4)], start=1):
        w = Tensor(w0, requires_grad=True, name=f"w{l}")
        b = Tensor(b0, requires_grad=True, name=f"b{l}")
        z = w * a + b
        z.name = f"z{l}"
        a = z.sigmoid()
        a.name = f"a{l}"
        weights.append(w)
    C0 = (a - 1.0) ** 2
    C0.name = "C0"
    return C0, weights


def net_221() -> tuple[Tensor, Tensor]:
    """The 2-2-1 sigmoid network, weights 1, biases 0, input (−2, −1), target 1."""
    x = Tensor([-2.0, -1.0], name="x")
    W1 = Tensor(np.ones((2, 2), np.float32), requires_grad=True, name="W1")
    b1 = Tensor(np.zeros(2, np.float32), requires_grad=True, name="b1")
    W2 = Tensor(np.ones((1, 2), np.float32), requires_grad=True, name="W2")
    b2 = Tensor(np.zeros(1, np.float32), requires_grad=True, name="b2")
    h = (W1 @ x + b1).sigmoid()
    h.name = "h"
    y_hat = (W2 @ h + b2).sigmoid()
    y_hat.name = "y_hat"
    L = ((y_hat - 1.0) ** 2).mean()
    L.name = "L"
    return L, W1


def two_paths() -> tuple[Tensor, Tensor]:
    x = Tensor(3.0, requires_grad=True, name="x")
    y = x * x + x
    y.name = "y"
    return y, x


@figure
def derivation_graphs(out: Path) -> None:
    """The graphs of the four chain-rule examples, gradient messages on the edges,
    and the frames of each one's backward pass."""
    for name, build in [("neuron", neuron), ("layer_chain", layer_chain),
                        ("net_221", net_221), ("two_paths", two_paths)]:
        root, _ = build()            # top to bottom: fits the width of a docs page
        te.viz.render(root, out / f"{name}.svg", format="svg", rankdir="TB")
        te.viz.backward_steps(root, out / f"{name}_steps", rankdir="TB")


@figure
def forward_mode(out: Path) -> None:
    """The neuron's graph in forward mode (the tangents for w1 moving at speed 1, blue,
    next to the reverse picture), a Jacobian built both ways, and the measured time of
    jacfwd and jacrev as the number of inputs and outputs grows (forward-mode page)."""
    import subprocess
    fwAD = te.autograd.forward_ad
    _, leaves = neuron()
    with fwAD.dual_level():
        w1 = fwAD.make_dual(leaves["w1"], Tensor(1.0))
        w1.name = "w1"
        o = (leaves["x1"] * w1 + leaves["x2"] * leaves["w2"] + leaves["b"]).tanh()
        o.name = "o"
        te.viz.render(o, out / "neuron_forward.svg", format="svg", rankdir="TB",
                      mode="forward")
    te.viz.jacobian_view(lambda a: (a * a).softmax(0), Tensor([0.1, 0.2, 0.3, 0.4, 0.5]),
                         path=out / "jacobian_view.png")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "jacobians.py"), "--quick",
                    "--plot", str(out / "jacobian_timing.png")], check=True,
                   stdout=subprocess.DEVNULL)


class WrongCube(te.Function):
    """z = x³ with a deliberately wrong backward (3x instead of 3x²)."""
    formula = "∂z/∂x = 3x²"

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * 3 * x


@figure
def faulty_graph(out: Path) -> None:
    """check_graph marks the op with the wrong backward in red (internals page)."""
    x = Tensor([0.5, -1.2], requires_grad=True)
    report = te.viz.check_graph((WrongCube.apply(x) * x.sin()).sum())
    # top to bottom, so that it fits a docs page; check_graph has no rankdir option,
    # so the gradient-message arrows drawn for left-to-right are turned upward too
    report.graph.graph_attr["rankdir"] = "TB"
    report.graph.body = [line.replace("←", "↑") for line in report.graph.body]
    report.graph.render(out / "check_graph", format="svg", cleanup=True)


@figure
def explorers(out: Path) -> None:
    """The explorer pages linked from the explore page: the neuron, and a small
    MLP with its layers as module boxes and check_graph's verdict."""
    root, _ = neuron()
    te.viz.explore(root, out / "explore_neuron.html", title="The tanh neuron")
    te.manual_seed(0)
    net = te.nn.Sequential(te.nn.Linear(3, 4), te.nn.Tanh(), te.nn.Linear(4, 1))
    loss = te.nn.functional.mse_loss(net(Tensor([[0.5, -1.0, 2.0], [1.0, 2.0, 3.0]])),
                                     Tensor([[1.0], [0.0]]))
    te.viz.explore(loss, out / "explore_mlp.html", check=True, collapse_modules=True,
                   title="A 3-4-1 MLP: one training step's loss")


# ------------------------------------------------------------------ tutorials
@figure
def first_fit(out: Path) -> None:
    """The Getting-started model: 1-32-1 tanh MLP fitted to 2·sin(x) + 5."""
    from tinygrad_edu import nn, optim
    plt = _pyplot()
    x, y = te.data.function_samples("sin", n=200)
    model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1))
    opt = optim.Adam(model.parameters(), lr=0.02)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(500):
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.4))
    ax1.semilogy(losses)
    ax1.set(xlabel="step", ylabel="MSE loss", title="training loss")
    ax1.grid(alpha=0.3)
    with te.no_grad():
        pred = model(x)
    ax2.plot(x.detach().numpy(), y.detach().numpy(), label="2·sin(x) + 5", lw=3, alpha=0.5)
    ax2.plot(x.detach().numpy(), pred.detach().numpy(), label="model", lw=1.5, ls="--", color="k")
    ax2.set(xlabel="x", title="after 500 Adam steps")
    ax2.legend()
    ax2.grid(alpha=0.3)
    fig.savefig(out / "first_fit.png")
    plt.close(fig)



@figure
def activations(out: Path) -> None:
    """Each activation and its derivative, the derivative taken by autograd."""
    plt = _pyplot()
    xs = np.linspace(-4, 4, 401)
    acts = {
        "step": lambda t: (t > 0).float(),
        "sigmoid": Tensor.sigmoid,
        "tanh": Tensor.tanh,
        "ReLU": Tensor.relu,
        "leaky ReLU (0.1)": lambda t: t.leaky_relu(0.1),
        "GELU": Tensor.gelu,
    }
    fig, axes = plt.subplots(2, 3, figsize=(10, 5.6), sharex=True)
    for ax, (name, fn) in zip(axes.ravel(), acts.items()):
        x = Tensor(xs, requires_grad=True)
        y = fn(x)
        if y.requires_grad:
            y.sum().backward()
            dy = x.grad.detach().numpy()
        else:                       # the step has no useful derivative
            dy = np.zeros_like(xs)
        ax.plot(xs, y.detach().numpy(), label="f(x)", lw=2)
        ax.plot(xs, dy, label="f'(x) from backward()", lw=2, ls="--")
        ax.set_title(name)
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="center right", fontsize=8)
    fig.savefig(out / "activations.png")
    plt.close(fig)


@figure
def xor_regions(out: Path) -> None:
    """The decision regions of a 2-4-1 tanh/sigmoid net trained on XOR."""
    from tinygrad_edu import optim
    plt = _pyplot()
    X, y = te.data.logic_gate("XOR")
    y = y.float()
    params = [Tensor.randn(2, 4, requires_grad=True), Tensor.zeros(4, requires_grad=True),
              Tensor.randn(4, 1, requires_grad=True), Tensor.zeros(1, requires_grad=True)]
    W1, b1, W2, b2 = params

    def predict(x: Tensor) -> Tensor:
        return ((x @ W1 + b1).tanh() @ W2 + b2).sigmoid().reshape(-1)

    opt = optim.Adam(params, lr=0.1)
    for _ in range(200):
        p = predict(X)
        loss = -(y * p.log() + (1 - y) * (1 - p).log()).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    g = np.linspace(-0.5, 1.5, 201, dtype=np.float32)
    gx, gy = np.meshgrid(g, g)
    with te.no_grad():
        z = predict(Tensor(np.stack([gx.ravel(), gy.ravel()], 1))).detach().numpy().reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(4.6, 4))
    cs = ax.contourf(gx, gy, z, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.8)
    ax.contour(gx, gy, z, levels=[0.5], colors="k", linewidths=1.5)
    for label, face in [(0, "white"), (1, "black")]:
        pts = X.detach().numpy()[y.detach().numpy() == label]
        ax.scatter(pts[:, 0], pts[:, 1], c=face, s=140, edgecolors="k", linewidths=1.5,
                   zorder=3, label=f"XOR = {label}")
    ax.legend(loc="upper center", ncol=2, fontsize=8, bbox_to_anchor=(0.5, -0.14))
    fig.colorbar(cs, ax=ax, label="network output p(1)")
    ax.set(xlabel="x1", ylabel="x2", title="XOR learned by a 2-4-1 network")
    fig.savefig(out / "xor_regions.png")
    plt.close(fig)


@figure
def losses(out: Path) -> None:
    """Cross-entropy −log p and squared error (1 − p)² of the correct class's
    probability p, with their derivatives from backward()."""
    plt = _pyplot()
    p = Tensor(np.linspace(0.01, 1.0, 200), requires_grad=True)
    curves = {"cross-entropy −log p": -p.log(), "squared error (1 − p)²": (1 - p) ** 2}
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.4))
    for name, loss in curves.items():
        p.grad = None
        loss.sum().backward()
        ax1.plot(p.detach().numpy(), loss.detach().numpy(), lw=2, label=name)
        ax2.plot(p.detach().numpy(), p.grad.detach().numpy(), lw=2, label=name)
    ax1.set(xlabel="probability given to the correct class", ylabel="loss", ylim=(0, 5))
    ax2.set(xlabel="probability given to the correct class", ylabel="∂loss/∂p (backward)",
            ylim=(-10, 0.5))
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    ax1.legend()
    fig.savefig(out / "losses.png")
    plt.close(fig)


@figure
def finite_difference_error(out: Path) -> None:
    """Error of the central difference against backprop, as a function of ε,
    in float64 and float32: truncation error falls with ε, rounding error grows."""
    plt = _pyplot()
    X = Tensor.randn(16, 4, dtype=np.float64)
    w0 = Tensor.randn(4, dtype=np.float64).detach().numpy()
    epsilons = np.geomspace(1e-12, 1e-1, 45)
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for dtype in (np.float64, np.float32):
        Xd = Tensor(X.detach().numpy().astype(dtype))
        w = Tensor(w0.astype(dtype), requires_grad=True)
        (Xd @ w).tanh().sum().backward()
        exact = w.grad.detach().numpy()[0].astype(np.float64)
        errors = []
        for eps in epsilons:
            def f(shift: float) -> float:
                v = w0.astype(dtype).copy()
                v[0] += dtype(shift)
                return float((Xd @ Tensor(v)).tanh().sum().item())
            errors.append(abs((f(eps) - f(-eps)) / (2 * eps) - exact))
        ax.loglog(epsilons, np.maximum(errors, 1e-16), marker=".", label=np.dtype(dtype).name)
    ax.axvline(1e-6, color="grey", ls=":", lw=1)
    ax.text(1.3e-6, 0.5, "gradcheck's ε", color="grey", fontsize=8,
            transform=ax.get_xaxis_transform())
    ax.set(xlabel="ε", ylabel="|central difference − backprop|",
           title="numerical gradient error of one weight")
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.savefig(out / "finite_difference_error.png")
    plt.close(fig)


@figure
def optimizers(out: Path) -> None:
    """Trajectories of GD, momentum, Nesterov and Adam in a narrow valley."""
    from tinygrad_edu import optim
    plt = _pyplot()

    def f(p: Tensor) -> Tensor:
        return 0.05 * p[0] ** 2 + p[1] ** 2

    settings = [("gradient descent", lambda ps: optim.SGD(ps, lr=0.4)),
                ("momentum 0.7", lambda ps: optim.SGD(ps, lr=0.4, momentum=0.7)),
                ("Nesterov 0.7", lambda ps: optim.SGD(ps, lr=0.4, momentum=0.7,
                                                      nesterov=True)),
                ("Adam", lambda ps: optim.Adam(ps, lr=0.5))]
    g0, g1 = np.meshgrid(np.linspace(-10, 3, 200), np.linspace(-3, 3, 200))
    fig, ax = plt.subplots(figsize=(9, 4.4))
    ax.contour(g0, g1, 0.05 * g0 ** 2 + g1 ** 2, levels=np.geomspace(0.01, 10, 12),
               colors="grey", linewidths=0.6)
    for name, make in settings:
        p = Tensor([-9.0, 2.0], requires_grad=True)
        opt = make([p])
        path = [p.detach().numpy().copy()]
        for _ in range(60):
            loss = f(p)
            opt.zero_grad()
            loss.backward()
            opt.step()
            path.append(p.detach().numpy().copy())
        path = np.array(path)
        ax.plot(path[:, 0], path[:, 1], marker="o", ms=2.5, lw=1.2, label=name)
    ax.plot([0], [0], "k*", ms=12)
    ax.set(xlabel="p₀", ylabel="p₁", title="60 steps on f(p) = 0.05·p₀² + p₁²")
    ax.legend()
    fig.savefig(out / "optimizers.png")
    plt.close(fig)


@figure
def initialization(out: Path) -> None:
    """Standard deviation of the activations, layer by layer, per initialisation."""
    from tinygrad_edu import nn
    plt = _pyplot()
    x = Tensor.randn(256, 256)
    gain = nn.init.calculate_gain("tanh")
    settings = [
        ("N(0, 0.01), tanh", lambda w: nn.init.normal_(w, std=0.01), Tensor.tanh),
        ("N(0, 1), tanh", lambda w: nn.init.normal_(w, std=1.0), Tensor.tanh),
        ("Glorot, tanh", lambda w: nn.init.xavier_normal_(w, gain=gain), Tensor.tanh),
        ("Glorot, ReLU", nn.init.xavier_normal_, Tensor.relu),
        ("He, ReLU", lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"), Tensor.relu),
    ]
    fig, ax = plt.subplots(figsize=(7, 3.8))
    with te.no_grad():
        for name, init, act in settings:
            h, stds = x, []
            for _ in range(10):
                linear = nn.Linear(256, 256)
                init(linear.weight)
                nn.init.zeros_(linear.bias)
                h = act(linear(h))
                stds.append(h.std().item())
            ax.semilogy(range(1, 11), np.maximum(stds, 1e-12), marker="o", label=name)
    ax.set(xlabel="layer", ylabel="std of the activations", ylim=(1e-12, 3),
           title="10 layers of width 256, random input")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.savefig(out / "initialization.png")
    plt.close(fig)


@figure
def function_approximation(out: Path) -> None:
    """ReLU vs tanh, SGD vs Nesterov momentum, fitting the piecewise function."""
    from tinygrad_edu import nn, optim
    plt = _pyplot()
    x, y = te.data.function_samples("piecewise", n=200)
    fig, axes = plt.subplots(2, 2, figsize=(10, 6), sharex=True, sharey=True)
    for row, (act_name, activation) in enumerate([("ReLU", nn.ReLU), ("tanh", nn.Tanh)]):
        for col, (opt_name, extra) in enumerate([("SGD", {}), ("SGD + Nesterov momentum 0.9",
                                                 {"momentum": 0.9, "nesterov": True})]):
            te.manual_seed(0)
            model = nn.Sequential(nn.Linear(1, 32), activation(), nn.Linear(32, 32),
                                  activation(), nn.Linear(32, 1))
            opt = optim.SGD(model.parameters(), lr=0.05, **extra)
            loss_fn = nn.MSELoss()
            for _ in range(2000):
                loss = loss_fn(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
            with te.no_grad():
                pred = model(x)
            ax = axes[row, col]
            ax.plot(x.detach().numpy(), y.detach().numpy(), lw=3, alpha=0.45, label="target")
            ax.plot(x.detach().numpy(), pred.detach().numpy(), "k--", lw=1.3, label="network")
            ax.set_title(f"{act_name}, {opt_name}: MSE {loss.item():.4f}", fontsize=10)
            ax.grid(alpha=0.3)
    axes[0, 0].legend()
    fig.savefig(out / "function_approximation.png")
    plt.close(fig)


def _digits_mlp() -> tuple[Any, dict, tuple[Tensor, Tensor]]:
    """The digits tutorial's 64-64-10 MLP, trained for 20 epochs with Adam."""
    from tinygrad_edu import nn, optim
    from tinygrad_edu.data import DataLoader, TensorDataset, load_digits, train_test_split
    from tinygrad_edu.train import fit
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=3e-3),
                  DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True,
                             seed=0),
                  epochs=20, val_loader=DataLoader(TensorDataset(X_test, y_test),
                                                   batch_size=256), progress=False)
    model.eval()
    return model, history, (X_test, y_test)


@figure
def digits(out: Path) -> None:
    """Training history, the collapsed graph of one step, saliency and occlusion maps."""
    from tinygrad_edu import nn
    from tinygrad_edu.train import plot_history
    plt = _pyplot()
    model, history, (X_test, y_test) = _digits_mlp()
    plot_history(history, out / "digits_history.png", title="64-64-10 MLP on 8×8 digits")
    loss = nn.CrossEntropyLoss()(model(X_test[:8]), y_test[:8])
    te.viz.render(loss, out / "digits_graph.svg", collapse_modules=True, rankdir="TB")

    labels = y_test.detach().numpy()
    picks = [int(np.flatnonzero(labels == d)[0]) for d in (0, 1, 3, 4, 7, 8)]
    fig, axes = plt.subplots(3, len(picks), figsize=(1.8 * len(picks), 5.6))
    for col, i in enumerate(picks):
        x = Tensor(X_test.detach().numpy()[i][None], requires_grad=True)
        model(x)[0, int(labels[i])].backward()
        grad = x.grad.detach().numpy().reshape(8, 8)
        base = X_test.detach().numpy()[i]
        covered = []
        for r in range(0, 8, 2):
            for c in range(0, 8, 2):
                img = base.reshape(8, 8).copy()
                img[r:r + 2, c:c + 2] = 0.0
                covered.append(img.ravel())
        with te.no_grad():
            drop = (model(Tensor(base[None]))[0, int(labels[i])].item()
                    - model(Tensor(np.stack(covered)))[:, int(labels[i])].detach().numpy())
        lim = np.abs(grad).max()
        axes[0, col].imshow(base.reshape(8, 8), cmap="gray_r")
        axes[0, col].set_title(f"digit {labels[i]}")
        axes[1, col].imshow(grad, cmap="RdBu_r", vmin=-lim, vmax=lim)
        axes[2, col].imshow(drop.reshape(4, 4), cmap="magma")
        for ax in axes[:, col]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[1, 0].set_ylabel("∂ score / ∂ pixel")
    axes[2, 0].set_ylabel("occlusion:\nscore drop")
    fig.savefig(out / "saliency.png")
    plt.close(fig)


# ------------------------------------------------------------------ driver
def main(out_dir: Path | str = FIGURES) -> list[Path]:
    """Run every registered figure function; return the files in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for fn in _REGISTRY:
        te.manual_seed(0)
        fn(out)
    (out / STAMP).write_text("generated by scripts/make_figures.py\n")
    return sorted(p for p in out.rglob("*") if p.is_file() and p.name != STAMP)


def _stale(out: Path) -> bool:
    stamp = out / STAMP
    if not stamp.exists():
        return True
    sources = [Path(__file__), *(ROOT / "tinygrad_edu").rglob("*.py")]
    return max(p.stat().st_mtime for p in sources) > stamp.stat().st_mtime


def on_pre_build(config: Any) -> None:
    """MkDocs hook: regenerate the figures when they are older than the code."""
    if _stale(FIGURES):
        main(FIGURES)


if __name__ == "__main__":
    written = main(sys.argv[1] if len(sys.argv) > 1 else FIGURES)
    print(f"wrote {len(written)} files into {sys.argv[1] if len(sys.argv) > 1 else FIGURES}")
