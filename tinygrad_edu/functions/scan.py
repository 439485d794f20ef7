"""Running sums and products (``cumsum cumprod``), products (``prod``), ``amax``/``amin``
over one or several dims, and vector norms."""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..autograd.function import jvp_from_gradient
from ..tensor import Tensor, where
from ..dims import normalize_dims
from .elementwise import Where
from .reduce import _keepdim_shape, _reduced_shape


def _exclusive_cumprod(a: np.ndarray, axis: int, reverse: bool = False) -> np.ndarray:
    """Πᵢ<ₖ aᵢ at every k (Πᵢ>ₖ with ``reverse``), exact when some aᵢ = 0."""
    if reverse:
        return np.flip(_exclusive_cumprod(np.flip(a, axis), axis), axis)
    shifted = np.concatenate([np.ones_like(np.take(a, [0], axis)) if a.shape[axis] else
                              np.take(a, [], axis), np.take(a, range(a.shape[axis] - 1), axis)],
                             axis)
    with np.errstate(invalid="ignore", over="ignore"):     # 0·∞ = nan, as torch
        return np.cumprod(shifted, axis)


class Cumsum(Function):
    """zₖ = Σᵢ≤ₖ aᵢ along ``dim``; the gradient is a reversed running sum."""
    formula = "∂L/∂aᵢ = Σ_{k≥i} ∂L/∂zₖ"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, dim: int = 0) -> np.ndarray:
        ctx.dim = dim
        with np.errstate(invalid="ignore", over="ignore"):     # ∞ − ∞ = nan, as torch
            return np.cumsum(a, axis=dim, dtype=a.dtype)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return grad.flip(ctx.dim).cumsum(ctx.dim).flip(ctx.dim)

    jvp_formula = "żₖ = Σᵢ≤ₖ ȧᵢ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return Cumsum.apply(ta, **ctx._kwargs)


class Cumprod(Function):
    """zₖ = Πᵢ≤ₖ aᵢ along ``dim``.  The backward is exact at zeros; recorded for higher
    orders only where no aᵢ is 0, as Σₖ≥ᵢ ∂L/∂zₖ·zₖ / aᵢ."""
    formula = "∂L/∂aᵢ = Σ_{k≥i} ∂L/∂zₖ·Π_{j≤k, j≠i} aⱼ"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, dim: int = 0) -> np.ndarray:
        out = np.cumprod(a, axis=dim, dtype=a.dtype)
        ctx.dim = dim
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        d = ctx.dim
        if ctx.create_graph:  # Tensor ops
            a, out = ctx.saved_tensors
            if not np.all(a._data):
                raise NotImplementedError("cumprod: higher-order gradients at inputs that "
                                          "are 0 are not supported")
            return (grad * out).flip(d).cumsum(d).flip(d) / a
        a, _ = ctx.saved_arrays
        g = grad._data
        # S_i = g_i + a_{i+1}·S_{i+1} (from the end), then ∂L/∂a_i = Π_{j<i} a_j · S_i
        s = np.empty_like(g)
        n = a.shape[d]
        take = [slice(None)] * a.ndim
        acc = None
        for i in range(n - 1, -1, -1):
            take[d] = i
            gi = g[tuple(take)]
            if acc is None:
                acc = gi.copy()
            else:
                take[d] = i + 1
                acc = gi + a[tuple(take)] * acc
                take[d] = i
            s[tuple(take)] = acc
        return _exclusive_cumprod(a, d) * s

    jvp_formula = "żₖ = zₖ·Σᵢ≤ₖ ȧᵢ/aᵢ  (a ≠ 0)"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        a, = ctx.primals
        if not np.all(a._data):
            raise NotImplementedError("cumprod: forward-mode derivatives at inputs that are 0 are "
                                      "not supported")
        return ctx.result * (ta / a).cumsum(ctx.dim)


class Prod(Function):
    """z = Πᵢ aᵢ (over ``dim`` or all).  The backward is exact at zeros (recorded for
    higher orders as the product of a with its i-th entry set to 1, for every i)."""
    formula = "∂z/∂aᵢ = Π_{j≠i} aⱼ"

    @property
    def torch_name(self) -> str:
        return "ProdBackward0" if self._kwargs.get("dim") is None else "ProdBackward1"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, dim: int | None = None,
                keepdim: bool = False) -> np.ndarray:
        ctx.dim, ctx.in_shape = dim, a.shape
        ctx.save_for_backward(a)
        with np.errstate(invalid="ignore", over="ignore"):     # 0·∞ = nan, as torch
            return np.prod(a, axis=dim, keepdims=keepdim, dtype=a.dtype)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        kshape = _keepdim_shape(ctx.in_shape, ctx.dim)
        if ctx.create_graph:
            a, = ctx.saved_tensors
            flat = a.reshape(-1) if ctx.dim is None or not a.ndim else a
            d = 0 if ctx.dim is None else ctx.dim
            n = flat.shape[d]
            # others[…, i, …] = Π over j of (1 if j = i else a[…, j, …]): an (n, n) grid
            # along d, whose product over the second axis is a product of Tensors
            eye = np.eye(n, dtype=bool).reshape((n, n) + (1,) * (flat.ndim - d - 1))
            grid = flat.unsqueeze(d).expand(*flat.shape[:d], n, *flat.shape[d:])
            others = where(eye, 1.0, grid).prod(d + 1) if n else flat
            return grad.reshape(kshape) * others.reshape(a.shape)
        a, = ctx.saved_arrays
        flat = a.reshape(-1) if ctx.dim is None or not a.ndim else a
        d = 0 if ctx.dim is None else ctx.dim
        with np.errstate(invalid="ignore", over="ignore"):     # 0·∞ = nan, as torch
            others = _exclusive_cumprod(flat, d) * _exclusive_cumprod(flat, d, reverse=True)
            return grad._data.reshape(kshape) * others.reshape(a.shape)

    jvp_formula = "ż = Σᵢ (Πⱼ≠ᵢ aⱼ)·ȧᵢ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return jvp_from_gradient(ctx, (ta,), _keepdim_shape(ctx.in_shape, ctx.dim))


class _Extreme(Function):
    """Shared by Amax/Amin: the gradient is split evenly among the elements that reach
    the extreme (as torch)."""
    numpy = staticmethod(np.max)

    @classmethod
    def forward(cls, ctx: Function, a: np.ndarray, dim: int | tuple | None = None,
                keepdim: bool = False) -> np.ndarray:
        axis = normalize_dims(dim, a.ndim, None)
        out = cls.numpy(a, axis=axis, keepdims=True)
        hit = (a == out).astype(a.dtype)
        with np.errstate(invalid="ignore"):     # a nan extreme: no hit, 0/0 = nan (torch)
            ctx.save_for_backward(hit / hit.sum(axis=axis, keepdims=True))
        ctx.kshape = out.shape
        return out if keepdim else cls.numpy(a, axis=axis)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        (share,), grad = ctx.unpack(grad)
        with np.errstate(invalid="ignore", over="ignore"):     # 0·∞ = nan, as torch
            return grad.reshape(ctx.kshape) * share

    jvp_formula = "ż = Σᵢ [aᵢ = z]·ȧᵢ / (number of ties)"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        share, = ctx.saved_arrays
        return (ta * share).sum_to_shape(ctx.kshape).reshape(ctx.result.shape)


class Amax(_Extreme):
    """z = max of a over ``dim`` (several dims allowed); ties share the gradient."""
    formula = "∂z/∂aᵢ = [aᵢ = max] / (number of ties)"


class Amin(_Extreme):
    """z = min of a over ``dim`` (several dims allowed); ties share the gradient."""
    formula = "∂z/∂aᵢ = [aᵢ = min] / (number of ties)"
    numpy = staticmethod(np.min)


class Norm(Function):
    """z = (Σ |aᵢ|ᵖ)^(1/p) (p = ∞: max |aᵢ|, p = 0: the count of nonzeros); the
    gradient is 0 where z = 0, as torch."""
    formula = "∂z/∂aᵢ = sign(aᵢ)·|aᵢ|^(p−1) / z^(p−1)"
    torch_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, p: float = 2.0, dim: int | tuple | None = None,
                keepdim: bool = False) -> np.ndarray:
        axis, absa = normalize_dims(dim, a.ndim, None), np.abs(a)
        if p == float("inf"):
            out = np.max(absa, axis=axis, keepdims=True) if a.size else np.zeros(())
        elif p == float("-inf"):
            out = np.min(absa, axis=axis, keepdims=True)
        elif p == 0:
            out = np.sum(a != 0, axis=axis, keepdims=True).astype(a.dtype)
        else:
            with np.errstate(invalid="ignore", over="ignore", divide="ignore"):   # as torch
                out = np.sum(absa ** p, axis=axis, keepdims=True) ** (1.0 / p)
        out = np.asarray(out, a.dtype)
        ctx.p, ctx.kshape = p, out.shape
        if not keepdim:
            out = out.reshape(_reduced_shape(a.shape, axis))
        ctx.save_for_backward(a, out)      # the output itself: differentiable once more
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        a, out = ctx.saved_tensors
        p, g = ctx.p, grad.reshape(ctx.kshape)
        z = out.reshape(ctx.kshape)
        dtype = a._data.dtype
        if p == 0:
            return Tensor._make(np.zeros(a.shape, dtype), False, None)
        if p in (float("inf"), float("-inf")):
            hit = (a.abs()._data == z._data).astype(dtype)
            with np.errstate(invalid="ignore"):     # a nan norm: no hit, 0/0 (as torch)
                share = hit / hit.sum(axis=tuple(i for i, s in enumerate(ctx.kshape)
                                                 if s == 1), keepdims=True)
            return g * a.sign() * share
        if p == 1:
            return g * a.sign()
        zero = z._data == 0     # selected, both ways, so z stays differentiable elsewhere
        safe = Where.apply(zero, np.ones((), dtype), z) if zero.any() else z
        local = a / safe if p == 2 else a.sign() * a.abs() ** (p - 1) / safe ** (p - 1)
        return g * (Where.apply(zero, np.zeros((), dtype), local) if zero.any() else local)

    jvp_formula = "ż = Σᵢ sign(aᵢ)·|aᵢ|^(p−1)/z^(p−1)·ȧᵢ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return jvp_from_gradient(ctx, (ta,), ctx.kshape)


__all__ = ["Cumsum", "Cumprod", "Prod", "Amax", "Amin", "Norm"]
