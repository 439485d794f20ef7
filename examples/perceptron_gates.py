"""Logic gates: hand-wired perceptrons, XOR by stacking them, then XOR learned.

A perceptron outputs step(w·x + b): 1 if the weighted sum crosses the threshold.
With the classic hand-picked weights AND, NAND and OR are single neurons. XOR is
not linearly separable, so no single neuron computes it, but two layers do:
XOR(a, b) = AND(NAND(a, b), OR(a, b)). Finally a 2-4-1 network *learns* XOR from
its truth table with autograd and Adam.
"""
import numpy as np

import tinygrad_edu as te
from tinygrad_edu import nn, optim
from _common import example_args, plt, save

# (weights, bias): the classic hand-picked values
GATES = {"AND": ([0.5, 0.5], -0.7), "NAND": ([-0.5, -0.5], 0.7), "OR": ([0.5, 0.5], -0.2)}


def perceptron(x: te.Tensor, w: list, b: float) -> te.Tensor:
    return (x @ te.tensor(w) + b > 0).long()


def xor_stacked(x: te.Tensor) -> te.Tensor:
    hidden = te.stack([perceptron(x, *GATES["NAND"]), perceptron(x, *GATES["OR"])], dim=1)
    return perceptron(hidden.float(), *GATES["AND"])


def print_table(name: str, x: te.Tensor, out: te.Tensor, extra: list | None = None) -> None:
    for k, (row, o) in enumerate(zip(x.tolist(), out.tolist())):
        note = f"   (p = {extra[k]:.3f})" if extra else ""
        print(f"{name:<13} {int(row[0])} {int(row[1])} -> {o}{note}")


def learn_xor(x: te.Tensor, y: te.Tensor, steps: int) -> tuple[nn.Module, list]:
    te.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    loss_fn = nn.BCEWithLogitsLoss()
    opt = optim.Adam(model.parameters(), lr=0.05)
    target = y.float().unsqueeze(1)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(x), target)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return model, losses


def main() -> None:
    args = example_args(__doc__.splitlines()[0])
    x, _ = te.data.logic_gate("AND")          # the four input rows 00, 01, 10, 11
    for name, (w, b) in GATES.items():
        out = perceptron(x, w, b)
        assert out.tolist() == te.data.logic_gate(name)[1].tolist()
        print(f"{name}: w = {w}, b = {b}")
        print_table(name, x, out)
    print("XOR = AND(NAND, OR):")
    print_table("XOR stacked", x, xor_stacked(x))

    x, y = te.data.logic_gate("XOR")
    model, losses = learn_xor(x, y, 300 if args.quick else 1000)
    with te.no_grad():
        p = model(x).sigmoid().flatten()
    pred = (p > 0.5).long()
    print_table("XOR learned", x, pred, p.tolist())
    print(f"XOR learned: loss {losses[0]:.4f} -> {losses[-1]:.4f}, accuracy "
          f"{(pred == y).float().mean().item():.0%}")

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    grid = np.linspace(-0.5, 1.5, 101, dtype=np.float32)
    gx, gy = np.meshgrid(grid, grid)
    with te.no_grad():
        pg = model(te.tensor(np.stack([gx.ravel(), gy.ravel()], 1))).sigmoid()
    ax1.contourf(gx, gy, pg.detach().numpy().reshape(gx.shape), levels=20, cmap="RdBu_r")
    ax1.scatter(x.detach().numpy()[:, 0], x.detach().numpy()[:, 1], c=y.detach().numpy(), cmap="RdBu_r",
                edgecolors="k", s=120)
    ax1.set_title("learned XOR: P(output = 1)")
    ax2.plot(losses)
    ax2.set_yscale("log"); ax2.set_xlabel("step"); ax2.set_title("training loss (BCE)")
    save(fig, args.out, "perceptron_xor.png")


if __name__ == "__main__":
    main()
