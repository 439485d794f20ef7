"""Gradient descent on f(x0, x1) = x0² + x1² from (−3, 4), as in seed 001.

The text's ``numerical_gradient`` has a bug: it evaluates f at x + h twice (the
comment of the second call says "f(x+h)" as well), so fxh1 − fxh2 = 0 and the
gradient is always [0, 0] — gradient descent never moves. The central difference
needs f(x + h) and f(x − h): (f(x + h) − f(x − h)) / 2h, whose error is O(h²).
With it (or with autograd, which needs no h at all), 100 steps of
x ← x − 0.1·∇f(x) reach (−6.1e-10, 8.1e-10): each step multiplies x by 1 − 0.2 = 0.8.
The picture shows the field of −∇f (every arrow points downhill, towards the
minimum at the origin) and the path of the descent.
"""
from typing import Callable

import numpy as np

import tinygrad_edu as te
from tinygrad_edu import optim
from _common import example_args, plt, save


def function_2(x: np.ndarray) -> float:
    """f(x) = x0² + x1² (the text's name)."""
    return float(np.sum(x ** 2))


def numerical_gradient_as_printed(f: Callable, x: np.ndarray) -> np.ndarray:
    """The text's code, bug included: both evaluations at x + h."""
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in range(x.size):
        tmp_val = x[idx]
        x[idx] = tmp_val + h
        fxh1 = f(x)
        x[idx] = tmp_val + h                 # the bug: should be tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    return grad


def numerical_gradient(f: Callable, x: np.ndarray) -> np.ndarray:
    """Central difference (f(x + h) − f(x − h)) / 2h, one coordinate at a time."""
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in range(x.size):
        tmp_val = x[idx]
        x[idx] = tmp_val + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    return grad


def gradient_descent(f: Callable, grad_fn: Callable, init_x: np.ndarray, lr: float = 0.01,
                     step_num: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """The text's loop x ← x − lr·∇f(x); also returns the path."""
    x = init_x.copy()
    path = [x.copy()]
    for _ in range(step_num):
        x -= lr * grad_fn(f, x)
        path.append(x.copy())
    return x, np.array(path)


def autograd_descent(init_x: np.ndarray, lr: float, step_num: int) -> np.ndarray:
    """The same descent with a Tensor, autograd and ``optim.SGD``."""
    x = te.tensor(init_x, requires_grad=True)
    opt = optim.SGD([x], lr=lr)
    for _ in range(step_num):
        opt.zero_grad()
        (x ** 2).sum().backward()
        opt.step()
    return x.detach().numpy()


def main() -> None:
    args = example_args(__doc__.splitlines()[0])
    point = np.array([3.0, 4.0])
    x = te.tensor(point, requires_grad=True)
    (x ** 2).sum().backward()
    print("gradient of x0² + x1² at (3, 4):")
    print(f"  the text's code (x + h twice): {numerical_gradient_as_printed(function_2, point)}")
    print(f"  central difference:            {numerical_gradient(function_2, point)}")
    print(f"  autograd:                      {x.grad.detach().numpy()}")

    init = np.array([-3.0, 4.0])
    print("\n100 steps of x <- x - 0.1 * grad f(x) from (-3, 4):")
    stuck, _ = gradient_descent(function_2, numerical_gradient_as_printed, init, lr=0.1)
    found, path = gradient_descent(function_2, numerical_gradient, init, lr=0.1)
    auto = autograd_descent(init, lr=0.1, step_num=100)
    print(f"  with the text's gradient: {stuck}  (never moves)")
    print(f"  with the central difference: [{found[0]:.2e}, {found[1]:.2e}]")
    print(f"  with autograd:               [{auto[0]:.2e}, {auto[1]:.2e}]")
    print(f"  exact: 0.8^100 * (-3, 4) = [{-3 * 0.8 ** 100:.2e}, {4 * 0.8 ** 100:.2e}]")
    small, large = (autograd_descent(init, lr=lr, step_num=100) for lr in (1e-10, 1.1))
    print(f"  lr = 1e-10 (too small, barely moves): [{small[0]:.8f}, {small[1]:.8f}]")
    print(f"  lr = 1.1 (too large, diverges):       [{large[0]:.3e}, {large[1]:.3e}]")

    g0, g1 = np.meshgrid(np.linspace(-4, 4, 17), np.linspace(-4, 5, 19))
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.contour(g0, g1, g0 ** 2 + g1 ** 2, levels=12, colors="lightgrey", linewidths=0.8)
    ax.quiver(g0, g1, -2 * g0, -2 * g1, np.hypot(g0, g1), cmap="viridis",
              angles="xy", scale_units="xy", scale=12, width=0.004)
    ax.plot(path[:, 0], path[:, 1], "o-", color="tab:red", ms=3, label="descent, lr 0.1")
    ax.plot(*init, "s", color="tab:red", ms=8, label="start (−3, 4)")
    ax.set_xlabel("x0"); ax.set_ylabel("x1"); ax.set_aspect("equal"); ax.legend(loc="lower left")
    ax.set_title("−∇(x0² + x1²): every arrow points towards the minimum")
    save(fig, args.out, "gradient_descent.png")


if __name__ == "__main__":
    main()
