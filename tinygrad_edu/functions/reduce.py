"""Reductions: the gradient of a reduced dimension is spread back over it."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from ..dims import normalize_dim, normalize_dims
from ..tensor import Tensor
from .elementwise import Where


def _keepdim_shape(shape: tuple, axis: tuple | None) -> tuple:
    """``shape`` with the reduced dimensions (``axis``, from ``normalize_dims``) kept
    as size 1."""
    if axis is None:
        return (1,) * len(shape)
    if not isinstance(axis, tuple):         # one dim, already in [0, ndim)
        axis = (axis,)
    return tuple(1 if i in axis else s for i, s in enumerate(shape))


def _reduced_shape(shape: tuple, axis: tuple | None) -> tuple:
    """``shape`` without the reduced dimensions (``axis`` from ``normalize_dims``):
    the shape of a reduction's result, without computing one."""
    return () if axis is None else tuple(s for i, s in enumerate(shape) if i not in axis)


def _require_float(op: str, a: np.ndarray) -> None:
    if a.dtype.kind not in "fc":
        raise RuntimeError(f"{op}(): could not infer output dtype. Input dtype must be "
                           f"either a floating point or complex dtype. Got: {a.dtype}")


class Sum(Function):
    """z = Σᵢ aᵢ (over ``dim``, or all): the gradient is copied to every summed element."""
    formula = "∂z/∂aᵢ = 1"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, dim: int | tuple | None = None,
                keepdim: bool = False) -> np.ndarray:
        axis = None if dim is None else normalize_dims(dim, a.ndim, None)
        ctx.in_shape, ctx.axis = a.shape, axis
        with np.errstate(invalid="ignore", over="ignore"):     # ∞ − ∞ = nan, as torch
            return np.add.reduce(a, axis=axis, keepdims=keepdim)   # (a.sum's own ufunc)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return grad.reshape(_keepdim_shape(ctx.in_shape, ctx.axis)).expand(ctx.in_shape)

    jvp_formula = "ż = Σᵢ ȧᵢ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return Sum.apply(ta, **ctx._kwargs)


class Mean(Function):
    """z = (1/N) Σᵢ aᵢ (the mean of no elements is nan, as in torch)."""
    formula = "∂z/∂aᵢ = 1/N"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, dim: int | tuple | None = None,
                keepdim: bool = False) -> np.ndarray:
        _require_float("mean", a)
        axis = None if dim is None else normalize_dims(dim, a.ndim, None)
        ctx.in_shape, ctx.axis = a.shape, axis
        if not a.size:              # NumPy would warn "Mean of empty slice"
            ctx.scale = 0.0
            shape = _keepdim_shape(a.shape, axis) if keepdim else _reduced_shape(a.shape, axis)
            return np.full(shape, np.nan, a.dtype)
        with np.errstate(invalid="ignore", over="ignore"):     # ∞ − ∞ = nan, as torch
            out = a.mean(axis=axis, keepdims=keepdim)
        ctx.scale = np.size(out) / a.size
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        kshape = _keepdim_shape(ctx.in_shape, ctx.axis)
        return (grad * ctx.scale).reshape(kshape).expand(ctx.in_shape)

    jvp_formula = "ż = (1/N) Σᵢ ȧᵢ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return Mean.apply(ta, **ctx._kwargs)


class Var(Function):
    """v = Σᵢ(aᵢ − ā)²/(N − c) for ``correction`` c (N − c ≤ 0 gives inf or nan, as
    torch); the terms of the derivative through ā sum to zero. Over the whole tensor
    with N − c ≤ 0 the gradient is torch's constant: nan where aᵢ = ā, +∞ elsewhere."""
    formula = "∂v/∂aᵢ = 2(aᵢ − ā)/(N − c)"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, dim: int | tuple | None = None,
                correction: int = 1, keepdim: bool = False) -> np.ndarray:
        if a.dtype.kind not in "fc":
            raise RuntimeError(f"var(): std and var only support floating point and complex "
                               f"dtypes, got {a.dtype}")
        axis = None if dim is None else normalize_dims(dim, a.ndim, None)
        ctx.axis, ctx.kshape = axis, _keepdim_shape(a.shape, axis)
        n = int(np.prod([a.shape[i] for i in (range(a.ndim) if axis is None else axis)]))
        dof = a.dtype.type(max(n - correction, 0))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):   # 0/0, x/0, as torch
            ctx.scale = 2 / dof
            centred = a - (a.mean(axis=axis, keepdims=True) if a.size else np.nan)
            out = np.sum(centred * centred, axis=axis, keepdims=keepdim) / dof
        ctx.constant = None
        if axis is None and dof <= 0:
            ctx.constant = np.where(centred == 0, np.nan, np.inf).astype(a.dtype)
        ctx.save_for_backward(a)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        if ctx.constant is not None:
            return grad.reshape(ctx.kshape) * ctx.constant
        a, = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):     # ∞·0 where N − c ≤ 0
            centred = a - a.mean(ctx.axis, keepdim=True)
            return grad.reshape(ctx.kshape) * (centred * ctx.scale)

    jvp_formula = "v̇ = Σᵢ 2(aᵢ − ā)·ȧᵢ/(N − c)"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        a, = ctx.primals
        with np.errstate(divide="ignore", invalid="ignore"):
            centred = a - a.mean(ctx.axis, keepdim=True)
            return (ta * (centred * ctx.scale)).sum_to_shape(ctx.kshape).reshape(ctx.result.shape)


class _Extremum(Function):
    """Shared backward of Max/Min. Over the whole tensor the gradient is split evenly
    among the elements equal to the result (among the NaNs if it is NaN); over a
    dimension it goes to the element whose index is returned (as PyTorch). It is
    selected (``where``), not multiplied by a 0/1 mask, so an infinite upstream
    gradient gives 0, not nan, to the other elements."""

    reduce = staticmethod(np.max)
    pick = staticmethod(np.argmax)

    @classmethod
    def forward(cls, ctx: Function, a: np.ndarray, dim: int | None = None,
                keepdim: bool = False) -> np.ndarray:
        op = cls.name().lower()
        if dim is None:
            if not a.size:
                raise RuntimeError(f"{op}(): Expected reduction dim to be specified for "
                                   f"input.numel() == 0. Specify the reduction dim with "
                                   f"the 'dim' argument.")
            out = cls.reduce(a, keepdims=True)
            chosen = np.isnan(a) if out.dtype.kind in "fc" and np.isnan(out).any() \
                else a == out
            ctx.scale = 1.0 / np.count_nonzero(chosen)
            ctx.save_for_backward(chosen)
            ctx.kshape = out.shape
            return out if keepdim else out.reshape(())
        axis = normalize_dim(dim, a.ndim, None)
        if not a.ndim:
            ctx.scale, ctx.kshape = 1.0, ()
            ctx.save_for_backward(np.ones((), bool))
            return a.copy()
        if not a.shape[axis]:
            raise IndexError(f"{op}(): Expected reduction dim {axis} to have non-zero size.")
        idx = np.expand_dims(cls.pick(a, axis=axis), axis)
        out = np.take_along_axis(a, idx, axis=axis)
        chosen = np.zeros(a.shape, bool)
        np.put_along_axis(chosen, idx, True, axis=axis)
        ctx.scale, ctx.kshape = 1.0, out.shape
        ctx.save_for_backward(chosen)
        return out if keepdim else np.squeeze(out, axis)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        chosen, = ctx.saved_arrays
        g = grad.reshape(ctx.kshape)
        if ctx.scale != 1.0:
            g = g * ctx.scale
        return Where.apply(chosen, g, np.zeros((), grad.dtype))

    jvp_formula = "ż = ȧ at the chosen element (the mean of ȧ over ties, whole-tensor)"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        chosen, = ctx.saved_arrays
        picked = Where.apply(chosen, ta, np.zeros((), ta.dtype)).sum_to_shape(ctx.kshape)
        if ctx.scale != 1.0:
            picked = picked * ctx.scale
        return picked.reshape(ctx.result.shape)


class Max(_Extremum):
    """z = maxᵢ aᵢ."""
    formula = "∂z/∂aᵢ = [aᵢ = max]"


class Min(_Extremum):
    """z = minᵢ aᵢ."""
    formula = "∂z/∂aᵢ = [aᵢ = min]"
    reduce = staticmethod(np.min)
    pick = staticmethod(np.argmin)


class LogSumExp(Function):
    """z = ln Σᵢ e^(aᵢ) (computed as m + ln Σ e^(aᵢ−m)).  Over no elements z = ln 0
    = −∞, as in torch."""
    formula = "∂z/∂aᵢ = e^(aᵢ − z) = softmax(a)ᵢ"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, dim: int | tuple | None = None,
                keepdim: bool = False) -> np.ndarray:
        axis = None if dim is None else normalize_dims(dim, a.ndim, None)
        with np.errstate(divide="ignore", invalid="ignore"):   # ln 0 = −∞ and ∞ − ∞: as torch
            if a.size:
                m = np.max(a, axis=axis, keepdims=True)
                m = np.where(np.isfinite(m), m, 0)
                out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
            else:
                out = np.log(np.sum(a, axis=axis, keepdims=True))
        ctx.kshape = out.shape
        if not keepdim:
            out = out.reshape(_reduced_shape(a.shape, axis))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        a, out = ctx.saved_tensors
        with np.errstate(invalid="ignore"):     # ∞ − ∞ where the result is ∞: nan, as torch
            return grad.reshape(ctx.kshape) * (a - out.reshape(ctx.kshape)).exp()

    jvp_formula = "ż = Σᵢ softmax(a)ᵢ·ȧᵢ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        a, = ctx.primals
        weights = (a - ctx.result.reshape(ctx.kshape)).exp()
        return (ta * weights).sum_to_shape(ctx.kshape).reshape(ctx.result.shape)


def _softmax_axis(op: str, a: np.ndarray, dim: int) -> int | None:
    """The one axis softmax normalises over (None for a 0-d input)."""
    axis = normalize_dim(dim, a.ndim, None)         # (checked first, as torch)
    if a.dtype.kind not in "fc":
        raise NotImplementedError(f"{op}: not implemented for integer or bool tensors "
                                  f"(dtype {a.dtype}); convert the input with .float() first")
    return axis if a.ndim else None


class Softmax(Function):
    """sᵢ = e^(aᵢ) / Σⱼ e^(aⱼ) (max subtracted first, so it never overflows); the input
    gradient is s·(g − Σ g·s)."""
    formula = "∂sᵢ/∂aⱼ = sᵢ(δᵢⱼ − sⱼ)"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, dim: int = -1) -> np.ndarray:
        ctx.dim = axis = _softmax_axis("softmax", a, dim)
        if not a.size:
            out = a.copy()
        else:
            with np.errstate(invalid="ignore"):      # a row of −∞ gives nan, as torch
                e = np.exp(a - np.max(a, axis=axis, keepdims=True))
                out = e / np.sum(e, axis=axis, keepdims=True)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        s, = ctx.saved_tensors
        return s * (grad - (grad * s).sum(ctx.dim, keepdim=True))

    jvp_formula = "ṡ = s·(ȧ − Σⱼ sⱼȧⱼ)"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        s = ctx.result
        return s * (ta - (s * ta).sum(ctx.dim, keepdim=True))


class LogSoftmax(Function):
    """zᵢ = aᵢ − logsumexp(a); the input gradient is g − softmax(a)·Σ g."""
    formula = "∂zᵢ/∂aⱼ = δᵢⱼ − softmax(a)ⱼ"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, dim: int = -1) -> np.ndarray:
        ctx.dim = axis = _softmax_axis("log_softmax", a, dim)
        if not a.size:
            out = a.copy()
        else:
            with np.errstate(invalid="ignore", divide="ignore"):  # a row of −∞: nan, as torch
                shifted = a - np.max(a, axis=axis, keepdims=True)
                out = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        out, = ctx.saved_tensors
        return grad - out.exp() * grad.sum(ctx.dim, keepdim=True)

    jvp_formula = "ż = ȧ − Σⱼ softmax(a)ⱼ·ȧⱼ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return ta - (ctx.result.exp() * ta).sum(ctx.dim, keepdim=True)


__all__ = ["Sum", "Mean", "Var", "Max", "Min", "LogSumExp", "Softmax", "LogSoftmax"]
