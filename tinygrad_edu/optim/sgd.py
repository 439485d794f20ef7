"""Stochastic gradient descent, with momentum and Nesterov momentum (torch.optim.SGD)."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_nonnegative, effective_grad

__all__ = ["SGD"]


class SGD(Optimizer):
    """θ ← θ − lr·d, where, with g the gradient (+ λθ for weight decay):

    * no momentum: d = g
    * momentum μ: b₁ = g, b_t = μ·b_{t−1} + (1 − dampening)·g; d = b_t, or
      d = g + μ·b_t with ``nesterov=True`` (which needs μ > 0 and no dampening).
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 momentum: float = 0.0, dampening: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False, *, maximize: bool = False) -> None:
        check_nonnegative("SGD", lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum > 0 and zero "
                             f"dampening (got momentum={momentum}, dampening={dampening})")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        g = effective_grad(p, g, group["maximize"], group["weight_decay"])
        mu = group["momentum"]
        if mu:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                dampening = group["dampening"]
                buf *= mu
                buf += (1.0 - dampening) * g if dampening else g
            g = g + mu * buf if group["nesterov"] else buf
        p -= group["lr"] * g
