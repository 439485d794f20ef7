"""Hand-written NumPy forward/backward of the benchmark networks: the "no-autograd"
limit that tinygrad_edu is measured against. Each ``step()`` is one training step
(forward + backward + optimiser update), float32, written the way a careful person
would write it by hand (in-place updates, no needless copies)."""
from __future__ import annotations

import numpy as np


def linear_init(rng: np.random.Generator, n_in: int, n_out: int) -> tuple:
    """The same U(−1/√in, 1/√in) init as torch.nn.Linear (weight shape (out, in))."""
    bound = 1 / np.sqrt(n_in)
    w = rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32)
    b = rng.uniform(-bound, bound, n_out).astype(np.float32)
    return w, b


def mlp_forward(params: list, x: np.ndarray, act) -> list:
    """Activations of every layer: ``act`` after each hidden layer, none after the last."""
    acts = [x]
    for i, (w, b) in enumerate(params):
        z = acts[-1] @ w.T + b
        acts.append(act(z) if i < len(params) - 1 else z)
    return acts


class TanhMLP:
    """sizes[0]-…-sizes[-1] MLP with tanh hidden layers, MSE loss, plain SGD."""

    def __init__(self, sizes: list[int], x: np.ndarray, y: np.ndarray, lr: float = 0.01,
                 seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.params = [linear_init(rng, a, b) for a, b in zip(sizes[:-1], sizes[1:])]
        self.x, self.y, self.lr = x, y, lr

    def step(self) -> float:
        acts = mlp_forward(self.params, self.x, np.tanh)
        n = len(self.params)
        diff = acts[-1] - self.y
        loss = float(np.mean(diff * diff))
        g = diff * (2 / diff.size)
        for i in reversed(range(n)):
            w, b = self.params[i]
            gw = g.T @ acts[i]
            gb = g.sum(0)
            if i:
                g = g @ w
                g *= 1 - acts[i] * acts[i]
            w -= self.lr * gw
            b -= self.lr * gb
        return loss


class ReluMLP:
    """ReLU MLP with softmax cross-entropy and SGD with momentum 0.9."""

    def __init__(self, sizes: list[int], x: np.ndarray, labels: np.ndarray, lr: float = 0.01,
                 momentum: float = 0.9, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.params = [linear_init(rng, a, b) for a, b in zip(sizes[:-1], sizes[1:])]
        self.bufs = [(np.zeros_like(w), np.zeros_like(b)) for w, b in self.params]
        self.x, self.labels, self.lr, self.momentum = x, labels, lr, momentum

    def step(self) -> float:
        acts = mlp_forward(self.params, self.x, lambda z: np.maximum(z, 0))
        n = len(self.params)
        logits = acts[-1]
        shifted = logits - logits.max(1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(1, keepdims=True)
        rows = np.arange(len(self.labels))
        loss = float(np.mean(np.log(s[:, 0]) - shifted[rows, self.labels]))
        g = e / s
        g[rows, self.labels] -= 1
        g /= len(self.labels)
        for i in reversed(range(n)):
            w, b = self.params[i]
            gw = g.T @ acts[i]
            gb = g.sum(0)
            if i:
                g = g @ w
                g *= acts[i] > 0
            for p, grad, buf in ((w, gw, self.bufs[i][0]), (b, gb, self.bufs[i][1])):
                buf *= self.momentum
                buf += grad
                p -= self.lr * buf
        return loss


class ConvNet:
    """Conv2d(1, 8, 3) → ReLU → MaxPool2d(2) → Linear(8·13·13, 10), cross-entropy, SGD,
    with im2col via ``sliding_window_view`` (how one would write it by hand)."""

    def __init__(self, x: np.ndarray, labels: np.ndarray, lr: float = 0.01, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        bound = 1 / np.sqrt(9)
        self.k = rng.uniform(-bound, bound, (8, 1, 3, 3)).astype(np.float32)
        self.kb = rng.uniform(-bound, bound, 8).astype(np.float32)
        self.w, self.b = linear_init(rng, 8 * 13 * 13, 10)
        self.x, self.labels, self.lr = x, labels, lr

    def step(self) -> float:
        n = self.x.shape[0]
        cols = np.lib.stride_tricks.sliding_window_view(self.x, (3, 3), axis=(2, 3))
        cols = cols.transpose(0, 2, 3, 1, 4, 5).reshape(n, 26, 26, 9)      # C_in = 1
        conv = cols @ self.k.reshape(8, 9).T + self.kb                     # (n, 26, 26, 8)
        relu = np.maximum(conv, 0)
        win = relu.reshape(n, 13, 2, 13, 2, 8)
        pooled = win.max(axis=(2, 4))                                      # (n, 13, 13, 8)
        flat = pooled.transpose(0, 3, 1, 2).reshape(n, -1)
        logits = flat @ self.w.T + self.b
        shifted = logits - logits.max(1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(1, keepdims=True)
        rows = np.arange(n)
        loss = float(np.mean(np.log(s[:, 0]) - shifted[rows, self.labels]))
        g = e / s
        g[rows, self.labels] -= 1
        g /= n
        gw, gb = g.T @ flat, g.sum(0)
        gflat = g @ self.w
        gpool = gflat.reshape(n, 8, 13, 13).transpose(0, 2, 3, 1)
        mask = win == pooled[:, :, None, :, None, :]
        gwin = mask * gpool[:, :, None, :, None, :]
        gconv = gwin.reshape(n, 26, 26, 8) * (conv > 0)
        gk = (gconv.reshape(-1, 8).T @ cols.reshape(-1, 9)).reshape(8, 1, 3, 3)
        gkb = gconv.sum((0, 1, 2))
        for p, grad in ((self.w, gw), (self.b, gb), (self.k, gk), (self.kb, gkb)):
            p -= self.lr * grad
        return loss


def chain(x0: np.ndarray, n_ops: int) -> np.ndarray:
    """Forward x ← x·c + s repeated (alternating), then backward by hand: the plain
    NumPy cost of the same chain the engine records."""
    xs = [x0]
    x = x0
    for i in range(n_ops):
        x = x * np.float32(1.0001) if i % 2 == 0 else x + np.float32(0.0001)
        xs.append(x)
    g = np.ones_like(x)
    for i in reversed(range(n_ops)):
        if i % 2 == 0:
            g = g * np.float32(1.0001)
    return g
