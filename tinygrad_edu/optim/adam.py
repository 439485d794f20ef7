"""Adam and AdamW (torch.optim.Adam / torch.optim.AdamW)."""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_nonnegative, effective_grad

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adaptive moments. With g the gradient (+ λθ for L2 weight decay), at step t:

        m ← β₁·m + (1 − β₁)·g              v ← β₂·v + (1 − β₂)·g²
        θ ← θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)

    ``amsgrad=True`` uses v_max ← max(v_max, v) in place of v. With
    ``decoupled_weight_decay=True`` (that is AdamW) the decay is not added to g but
    applied directly: θ ← θ·(1 − lr·λ) before the update.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *,
                 maximize: bool = False, decoupled_weight_decay: bool = False) -> None:
        name = type(self).__name__
        check_nonnegative(name, lr=lr, eps=eps, weight_decay=weight_decay)
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"{name}: Invalid beta parameter at index {i}: {beta} "
                                 f"(must be in [0, 1))")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        if group["decoupled_weight_decay"]:
            p *= 1.0 - lr * wd
            wd = 0.0
        g = effective_grad(p, g, group["maximize"], wd)
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(p), exp_avg_sq=np.zeros_like(p))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p)
        state["step"] += 1
        t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1.0 - beta1) * g
        v *= beta2
        v += (1.0 - beta2) * np.square(g)
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        denom = np.sqrt(v)
        denom /= math.sqrt(1.0 - beta2 ** t)
        denom += group["eps"]
        step = np.divide(m, denom, out=denom)
        step *= lr / (1.0 - beta1 ** t)
        p -= step


class AdamW(Adam):
    """Adam with decoupled weight decay: θ ← θ·(1 − lr·λ), then the Adam step
    on the plain gradient (Loshchilov & Hutter). Default λ = 0.01."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
