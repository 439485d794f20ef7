"""Activation functions and their derivatives, the derivatives taken by autograd.

For each activation f we evaluate y = f(x) on a grid, call ``y.sum().backward()``
and read f'(x) from ``x.grad`` (each y_i depends on x_i only, so the gradient of
the sum is the elementwise derivative). The closed forms are printed next to it:
sigmoid' = s(1 − s), tanh' = 1 − tanh², ReLU' = [x > 0], leaky ReLU' = 1 or α.
Softmax needs the max-subtraction guard: softmax(x) = softmax(x − max x), which
keeps exp() from overflowing.
"""
import numpy as np

import tinygrad_edu as te
from _common import example_args, plt, save


def step(x: te.Tensor) -> te.Tensor:
    """The perceptron's step: 1 where x > 0. A comparison: no gradient flows."""
    return (x > 0).float()


def softmax_naive(x: te.Tensor) -> te.Tensor:
    e = x.exp()
    return e / e.sum()


def softmax_guarded(x: te.Tensor) -> te.Tensor:
    """exp(x − c) / Σ exp(x − c) with c = max x: same value, no overflow."""
    e = (x - x.max().detach()).exp()
    return e / e.sum()


ACTIVATIONS = {
    "step": (step, lambda x: np.zeros_like(x)),
    "sigmoid": (lambda x: x.sigmoid(),
                lambda x: (1 / (1 + np.exp(-x))) * (1 - 1 / (1 + np.exp(-x)))),
    "tanh": (lambda x: x.tanh(), lambda x: 1 - np.tanh(x) ** 2),
    "relu": (lambda x: x.relu(), lambda x: (x > 0).astype(float)),
    "leaky_relu": (lambda x: x.leaky_relu(0.1), lambda x: np.where(x > 0, 1.0, 0.1)),
    # the first output of softmax([x, 1, −1]) as a function of x
    "softmax": (lambda x: te.stack([x, te.ones_like(x), -te.ones_like(x)], dim=1)
                .softmax(dim=1)[:, 0],
                lambda x: (lambda s: s * (1 - s))(np.exp(x) / (np.exp(x) + np.e + 1 / np.e))),
}


def derivative(fn, x_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = te.tensor(x_values, requires_grad=True)
    y = fn(x)
    if y.requires_grad:
        y.sum().backward()
    grad = x.grad.detach().numpy() if x.grad is not None else np.zeros_like(x_values)
    return y.detach().numpy(), grad


def main() -> None:
    args = example_args(__doc__.splitlines()[0])
    grid = np.linspace(-4, 4, 81 if args.quick else 401)
    probe = np.array([-2.0, -0.5, 0.5, 2.0])
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.5))
    print(f"{'activation':<11} {'x':>5} {'f(x)':>8} {'autograd df/dx':>15} {'closed form':>12}")
    for ax, (name, (fn, closed)) in zip(axes.flat, ACTIVATIONS.items()):
        y, dy = derivative(fn, grid.astype(np.float32))
        label = "softmax([x, 1, −1])[0]" if name == "softmax" else f"{name}(x)"
        ax.plot(grid, y, label=label)
        ax.plot(grid, dy, "--", label="derivative (autograd)")
        ax.set_title(label); ax.grid(alpha=0.3); ax.legend(fontsize=8)
        py, pdy = derivative(fn, probe.astype(np.float32))
        for xv, fv, dv, cv in zip(probe, py, pdy, closed(probe)):
            print(f"{name:<11} {xv:>5.1f} {fv:>8.4f} {dv:>15.4f} {cv:>12.4f}")
        assert np.allclose(pdy, closed(probe), atol=1e-5), name
    save(fig, args.out, "activations.png")

    big = te.tensor([1000.0, 1001.0, 1002.0])
    with np.errstate(over="ignore", invalid="ignore"):
        naive = softmax_naive(big)
    print("softmax of [1000, 1001, 1002] without the guard:", naive)
    print("softmax of [1000, 1001, 1002] with the guard:   ", softmax_guarded(big))
    print("te's built-in softmax(dim=0):                   ", big.softmax(dim=0))


if __name__ == "__main__":
    main()
