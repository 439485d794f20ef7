"""Function approximation with ``nn.Sequential``: what activation and init do.

Three 1-D targets — the line 2x+5, the wave 2·sin x+5, and the piecewise
x·sin(2πx) for x<0 else −x·sin(πx)+e^{x/2}−1 — each fitted by a 1-32-32-1 MLP
with ReLU or tanh units, initialised Glorot (Xavier: Var w = 2/(fan_in+fan_out))
or He (Kaiming: Var w = 2/fan_in), trained with SGD, momentum 0.9 and Nesterov,
on the mean squared error. One figure per target, one panel per setting.
"""
import numpy as np

import tinygrad_edu as te
from tinygrad_edu import nn, optim
from _common import example_args, plt, save

ACTIVATIONS = {"ReLU": (nn.ReLU, "relu"), "tanh": (nn.Tanh, "tanh")}
INITS = {
    "Glorot": lambda w, gain_name: nn.init.xavier_uniform_(w, nn.init.calculate_gain(gain_name)),
    "He": lambda w, gain_name: nn.init.kaiming_uniform_(w, nonlinearity=gain_name),
}


def make_mlp(activation: str, init: str) -> nn.Sequential:
    act, gain_name = ACTIVATIONS[activation]
    model = nn.Sequential(nn.Linear(1, 32), act(), nn.Linear(32, 32), act(), nn.Linear(32, 1))
    for layer in model:
        if isinstance(layer, nn.Linear):
            INITS[init](layer.weight, gain_name)
            nn.init.zeros_(layer.bias)
    return model


def train(model: nn.Module, x: te.Tensor, y: te.Tensor, steps: int) -> list[float]:
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def main() -> None:
    args = example_args(__doc__.splitlines()[0])
    steps = 300 if args.quick else 3000
    print(f"{'function':<10} {'activation':<10} {'init':<7} {'final MSE':>10}")
    for name in te.data.FUNCTIONS:
        x, y = te.data.function_samples(name, n=200)
        fig, axes = plt.subplots(1, len(ACTIVATIONS) * len(INITS) + 1, figsize=(20, 3.6))
        for k, (activation, init) in enumerate((a, i) for a in ACTIVATIONS for i in INITS):
            te.manual_seed(0)
            model = make_mlp(activation, init)
            losses = train(model, x, y, steps)
            with te.no_grad():
                mse = nn.functional.mse_loss(model(x), y).item()
                pred = model(x)
            print(f"{name:<10} {activation:<10} {init:<7} {mse:>10.5f}")
            ax = axes[k]
            ax.plot(x.detach().numpy(), y.detach().numpy(), "k", lw=3, alpha=0.3, label="target")
            ax.plot(x.detach().numpy(), pred.detach().numpy(), "C1", label="network")
            ax.set_title(f"{activation} + {init} init: MSE {mse:.4f}", fontsize=10)
            axes[-1].plot(np.arange(1, steps + 1), losses, label=f"{activation}+{init}")
        axes[0].legend(fontsize=8)
        axes[-1].set_yscale("log"); axes[-1].set_xscale("log")
        axes[-1].set_title("training loss (SGD, Nesterov 0.9)", fontsize=10)
        axes[-1].legend(fontsize=8)
        save(fig, args.out, f"function_approximation_{name}.png")


if __name__ == "__main__":
    main()
