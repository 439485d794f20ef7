"""Numerical gradients versus autograd on a two-layer network.

The numerical gradient of the loss L with respect to each parameter element θ_i
is the central difference (L(θ_i + h) − L(θ_i − h)) / 2h: two forward passes per
element. Autograd gets all of them from one forward and one backward pass. They
agree to ~1e-9 (in float64), and autograd is orders of magnitude faster.
"""
import time

import numpy as np

import tinygrad_edu as te
from _common import example_args


class TwoLayerNet:
    """affine → sigmoid → affine → softmax cross-entropy, parameters as plain Tensors."""

    def __init__(self, n_in: int, n_hidden: int, n_out: int) -> None:
        self.params = {
            "W1": te.tensor(0.1 * te.randn(n_in, n_hidden).detach().numpy(), dtype=te.float64,
                            requires_grad=True),
            "b1": te.zeros(n_hidden, dtype=te.float64, requires_grad=True),
            "W2": te.tensor(0.1 * te.randn(n_hidden, n_out).detach().numpy(), dtype=te.float64,
                            requires_grad=True),
            "b2": te.zeros(n_out, dtype=te.float64, requires_grad=True),
        }

    def loss(self, x: te.Tensor, t: te.Tensor) -> te.Tensor:
        p = self.params
        h = (x @ p["W1"] + p["b1"]).sigmoid()
        logp = (h @ p["W2"] + p["b2"]).log_softmax(dim=1)
        return -logp[te.arange(len(t)), t].mean()


def numerical_gradient(f, param: te.Tensor, h: float = 1e-5) -> np.ndarray:
    """Central differences, one element at a time (changing ``param.detach().numpy()`` in place)."""
    grad = np.zeros_like(param.detach().numpy())
    flat, gflat = param.detach().numpy().reshape(-1), grad.reshape(-1)
    with te.no_grad():
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + h
            up = f().item()
            flat[i] = old - h
            down = f().item()
            flat[i] = old
            gflat[i] = (up - down) / (2 * h)
    return grad


def main() -> None:
    args = example_args(__doc__.splitlines()[0])
    te.manual_seed(0)
    x, t = te.data.load_digits()
    x, t = te.tensor(x[:100].detach().numpy(), dtype=te.float64), t[:100]
    net = TwoLayerNet(64, 10 if args.quick else 50, 10)
    loss = lambda: net.loss(x, t)                       # noqa: E731

    start = time.perf_counter()
    numeric = {name: numerical_gradient(loss, p) for name, p in net.params.items()}
    t_numeric = time.perf_counter() - start

    start = time.perf_counter()
    loss().backward()
    t_autograd = time.perf_counter() - start

    n = sum(p.numel() for p in net.params.values())
    print(f"{n} parameters, loss on 100 digits = {loss().item():.6f}")
    for name, p in net.params.items():
        diff = np.abs(numeric[name] - p.grad.detach().numpy()).max()
        print(f"{name}: max |numerical - autograd| = {diff:.2e}")
    print(f"numerical gradient: {t_numeric * 1000:.1f} ms ({2 * n} forward passes)")
    print(f"autograd:           {t_autograd * 1000:.2f} ms (1 forward + 1 backward)")
    print(f"autograd is {t_numeric / t_autograd:.0f}x faster")


if __name__ == "__main__":
    main()
