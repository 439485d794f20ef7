"""``nn.utils``: gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_)."""
from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale all gradients in place by min(1, max_norm/(‖g‖ + 1e−6)), ‖g‖ the
    ``norm_type``-norm of all gradients taken together; returns ‖g‖."""
    grads = _grads(parameters)
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not grads:
        return Tensor(0.0)
    dtype = grads[0]._data.dtype
    if norm_type == math.inf:
        total = max(float(np.abs(g._data).max(initial=0)) for g in grads)
    elif norm_type == 2.0:      # Speed: a dot product per gradient, no temporary arrays
        total = math.sqrt(sum(float(np.dot(r, r)) for r in (g._data.ravel() for g in grads)))
    else:
        total = sum(float(np.sum(np.abs(g._data) ** norm_type)) for g in grads) ** (1 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           f"`parameters` is non-finite, so it cannot be clipped. To disable "
                           f"this error and scale the gradients by the non-finite norm "
                           f"anyway, set `error_if_nonfinite=False`")
    coef = min(max_norm / (total + 1e-6), 1.0)
    if coef < 1.0:          # torch multiplies by the clamped coefficient; 1.0 changes nothing
        for g in grads:
            g._data *= g._data.dtype.type(coef)
    return Tensor(np.asarray(total, dtype))


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient element to [−clip_value, clip_value] in place."""
    for g in _grads(parameters):
        np.clip(g._data, -clip_value, clip_value, out=g._data)
