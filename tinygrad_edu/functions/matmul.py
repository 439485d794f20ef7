"""Matrix product (1-D, 2-D and batched, with broadcast batch dimensions)."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..autograd.function import tangent_sum
from ..tensor import Tensor


class MatMul(Function):
    """Z = A @ B (1-D operands are treated as a row or column, then that dimension
    is dropped again)."""
    formula = "∂L/∂A = ∂L/∂Z · Bᵀ,  ∂L/∂B = Aᵀ · ∂L/∂Z"
    saved_for_others = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        with np.errstate(invalid="ignore", over="ignore"):     # 0·∞ and ∞ − ∞, as torch
            return np.matmul(a, b)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:            # dot product
            return (grad * b if need_a else None), (grad * a if need_b else None)
        a2 = a.unsqueeze(0) if a.ndim == 1 else a   # (k,) -> (1, k)
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b  # (k,) -> (k, 1)
        g2 = grad
        if a.ndim == 1:
            g2 = g2.unsqueeze(-2)
        if b.ndim == 1:
            g2 = g2.unsqueeze(-1)
        ga = gb = None
        if need_a:
            ga = g2 @ b2.transpose(-1, -2)
            if a.ndim == 1:
                ga = ga.squeeze(-2)
        if need_b:
            gb = a2.transpose(-1, -2) @ g2
            if b.ndim == 1:
                gb = gb.squeeze(-1)
        return ga, gb

    jvp_formula = "Ż = Ȧ·B + A·Ḃ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor | None, tb: Tensor | None) -> Tensor | None:
        a, b = ctx.primals
        return tangent_sum(None if ta is None else ta @ b, None if tb is None else a @ tb)


__all__ = ["MatMul"]
