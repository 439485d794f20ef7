"""Adagrad (torch.optim.Adagrad)."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_nonnegative, effective_grad

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Per-coordinate steps shrinking with the sum of squared gradients.
    With g the gradient (+ λθ for weight decay), at step t:

        lr_t = lr / (1 + (t − 1)·lr_decay)
        S ← S + g²     (S starts at ``initial_accumulator_value``)
        θ ← θ − lr_t · g / (√S + ε)
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2,
                 lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, *,
                 maximize: bool = False) -> None:
        check_nonnegative("Adagrad", lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                          initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        g = effective_grad(p, g, group["maximize"], group["weight_decay"])
        if not state:
            state.update(step=0, sum=np.full_like(p, group["initial_accumulator_value"]))
        state["step"] += 1
        total = state["sum"]
        total += np.square(g)
        s = np.sqrt(total)
        s += group["eps"]
        step = np.divide(g, s, out=s)
        step *= group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])
        p -= step
