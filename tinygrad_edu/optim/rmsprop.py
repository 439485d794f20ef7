"""RMSprop (torch.optim.RMSprop)."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_nonnegative, effective_grad

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """Divide the step by a running root-mean-square of the gradient.
    With g the gradient (+ λθ for weight decay):

        v ← α·v + (1 − α)·g²
        centered: ḡ ← α·ḡ + (1 − α)·g, and v − ḡ² (a variance) replaces v below
        s = √v + ε
        momentum μ > 0: b ← μ·b + g/s, θ ← θ − lr·b;  otherwise θ ← θ − lr·g/s
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2,
                 alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False, *,
                 maximize: bool = False) -> None:
        check_nonnegative("RMSprop", lr=lr, eps=eps, momentum=momentum,
                          weight_decay=weight_decay, alpha=alpha)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered,
                                      maximize=maximize))

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        g = effective_grad(p, g, group["maximize"], group["weight_decay"])
        alpha, mu = group["alpha"], group["momentum"]
        if not state:
            state.update(step=0, square_avg=np.zeros_like(p))
            if mu > 0:
                state["momentum_buffer"] = np.zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p)
        state["step"] += 1
        v = state["square_avg"]
        v *= alpha
        v += (1.0 - alpha) * np.square(g)
        if group["centered"]:
            g_avg = state["grad_avg"]
            g_avg *= alpha
            g_avg += (1.0 - alpha) * g
            s = np.sqrt(v - np.square(g_avg))
        else:
            s = np.sqrt(v)
        s += group["eps"]
        if mu > 0:
            buf = state["momentum_buffer"]
            buf *= mu
            buf += np.divide(g, s, out=s)
            p -= group["lr"] * buf
        else:
            step = np.divide(g, s, out=s)
            step *= group["lr"]
            p -= step
