"""Reductions: the gradient of a reduced dimension is spread back over it."""
from __future__ import annotations

import numpy as np

from ..autograd import Function


def _keepdim_shape(shape: tuple, dim) -> tuple:
    """``shape`` with the reduced dimensions kept as size 1."""
    if dim is None:
        return (1,) * len(shape)
    dims = {d % len(shape) for d in ((dim,) if isinstance(dim, int) else dim)}
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _axis(dim):
    return tuple(dim) if isinstance(dim, list) else dim


class Sum(Function):
    """z = Σᵢ aᵢ.  ∂z/∂aᵢ = 1: the gradient is copied to every summed element."""
    formula = "∂z/∂aᵢ = 1"

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        ctx.in_shape, ctx.dim = a.shape, dim
        return a.sum(axis=_axis(dim), keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(_keepdim_shape(ctx.in_shape, ctx.dim)).expand(ctx.in_shape)


class Mean(Function):
    """z = (1/N) Σᵢ aᵢ.  ∂z/∂aᵢ = 1/N."""
    formula = "∂z/∂aᵢ = 1/N"

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        out = a.mean(axis=_axis(dim), keepdims=keepdim)
        ctx.in_shape, ctx.dim = a.shape, dim
        ctx.scale = np.size(out) / max(a.size, 1) if a.size else 0.0
        return out

    @staticmethod
    def backward(ctx, grad):
        kshape = _keepdim_shape(ctx.in_shape, ctx.dim)
        return (grad * ctx.scale).reshape(kshape).expand(ctx.in_shape)


class _Extremum(Function):
    """Shared backward of Max/Min: the gradient goes to the selected element (over
    the whole tensor, split evenly among ties, as PyTorch)."""

    reduce = staticmethod(np.max)
    pick = staticmethod(np.argmax)

    @classmethod
    def forward(cls, ctx, a, dim=None, keepdim=False):
        out = cls.reduce(a, axis=dim, keepdims=True)
        if dim is None:
            mask = (a == out).astype(a.dtype)
            if mask.dtype.kind in "fc":   # integer tensors never need a gradient
                mask /= mask.sum()
        else:
            idx = np.expand_dims(cls.pick(a, axis=dim), dim)
            mask = np.zeros_like(a)
            np.put_along_axis(mask, idx, 1, axis=dim)
        ctx.save_for_backward(mask)
        ctx.kshape = out.shape
        return out if keepdim else (out.reshape(()) if dim is None else np.squeeze(out, dim))

    @staticmethod
    def backward(ctx, grad):
        mask, = ctx.saved_tensors
        return grad.reshape(ctx.kshape) * mask


class Max(_Extremum):
    """z = maxᵢ aᵢ.  ∂z/∂aᵢ = [aᵢ is the maximum]."""
    formula = "∂z/∂aᵢ = [aᵢ = max]"


class Min(_Extremum):
    """z = minᵢ aᵢ.  ∂z/∂aᵢ = [aᵢ is the minimum]."""
    formula = "∂z/∂aᵢ = [aᵢ = min]"
    reduce = staticmethod(np.min)
    pick = staticmethod(np.argmin)


class LogSumExp(Function):
    """z = ln Σᵢ e^(aᵢ) (computed as m + ln Σ e^(aᵢ−m)).  ∂z/∂aᵢ = e^(aᵢ−z) = softmax(a)ᵢ."""
    formula = "∂z/∂aᵢ = e^(aᵢ − z) = softmax(a)ᵢ"

    @staticmethod
    def forward(ctx, a, dim=None, keepdim=False):
        m = np.max(a, axis=dim, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        out = np.log(np.sum(np.exp(a - m), axis=dim, keepdims=True)) + m
        ctx.kshape = out.shape
        if not keepdim:
            out = out.reshape(np.sum(a, axis=dim).shape)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        return grad.reshape(ctx.kshape) * (a - out.reshape(ctx.kshape)).exp()


class Softmax(Function):
    """sᵢ = e^(aᵢ) / Σⱼ e^(aⱼ) (max subtracted first, so it never overflows).
    ∂sᵢ/∂aⱼ = sᵢ(δᵢⱼ − sⱼ), so the input gradient is s·(g − Σ g·s)."""
    formula = "∂sᵢ/∂aⱼ = sᵢ(δᵢⱼ − sⱼ)"

    @staticmethod
    def forward(ctx, a, dim=-1):
        e = np.exp(a - np.max(a, axis=dim, keepdims=True))
        out = e / np.sum(e, axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        s, = ctx.saved_tensors
        return s * (grad - (grad * s).sum(ctx.dim, keepdim=True))


class LogSoftmax(Function):
    """zᵢ = aᵢ − logsumexp(a).  ∂zᵢ/∂aⱼ = δᵢⱼ − softmax(a)ⱼ, so the input gradient
    is g − softmax(a)·Σ g."""
    formula = "∂zᵢ/∂aⱼ = δᵢⱼ − softmax(a)ⱼ"

    @staticmethod
    def forward(ctx, a, dim=-1):
        shifted = a - np.max(a, axis=dim, keepdims=True)
        out = shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad - out.exp() * grad.sum(ctx.dim, keepdim=True)


__all__ = ["Sum", "Mean", "Max", "Min", "LogSumExp", "Softmax", "LogSoftmax"]
