"""Shape ops move elements around without changing them, so each backward moves
the gradient back the same way (reshape ↔ reshape, expand ↔ sum, index ↔ scatter)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..autograd.function import tangent_or_zeros
from ..dims import normalize_dim
from ..tensor import Tensor


class Reshape(Function):
    """z = a viewed with another shape."""
    formula = "∂z/∂a = 1 (reshape back)"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, shape: tuple | None = None) -> np.ndarray:
        ctx.in_shape = a.shape
        return a.reshape(shape)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return grad.reshape(ctx.in_shape)

    jvp_formula = "ż = reshape(ȧ)"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return Reshape.apply(ta, **ctx._kwargs)


class Permute(Function):
    """z = a with its dimensions reordered."""
    formula = "∂z/∂a = 1 (permute back)"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, dims: tuple | None = None) -> np.ndarray:
        ctx.dims = dims
        return np.transpose(a, dims)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return grad.permute(*inverse)

    jvp_formula = "ż = permute(ȧ)"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return Permute.apply(ta, **ctx._kwargs)


class Expand(Function):
    """z = a broadcast to a larger shape.  Each copy passes its gradient back, so
    they add up over the broadcast dimensions."""
    formula = "∂L/∂a = Σ over broadcast dims of ∂L/∂z"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, shape: tuple | None = None) -> np.ndarray:
        ctx.in_shape = a.shape
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return grad.sum_to_shape(ctx.in_shape)

    jvp_formula = "ż = expand(ȧ)"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return Expand.apply(ta, **ctx._kwargs)


class SumToShape(Function):
    """z = a summed over the dimensions that broadcasting added or stretched — the
    reverse of Expand, used by the engine for broadcast inputs."""
    formula = "∂z/∂a = 1 (copy back over the summed dims)"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, shape: tuple | None = None) -> np.ndarray:
        ctx.in_shape = a.shape
        lead = a.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, s in enumerate(shape) if s == 1 and a.shape[lead + i] != 1)
        # (no np.errstate: this sums every broadcast gradient, like Add a hot path; the
        # ufunc itself, not np.sum's wrappers: the cheaper call)
        return np.add.reduce(a, axis=axes).reshape(shape)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return grad.expand(ctx.in_shape)

    jvp_formula = "ż = the same sum of ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return SumToShape.apply(ta, **ctx._kwargs)


def normalize_index(index: Any) -> Any:
    """Turn Tensors and lists inside an index into ndarrays (NumPy's semantics)."""
    def conv(i: Any) -> Any:
        if isinstance(i, Tensor):
            return i._data
        if isinstance(i, list):         # [] selects nothing: an empty integer index
            return np.asarray(i) if i else np.zeros(0, np.intp)
        return i
    return tuple(conv(i) for i in index) if isinstance(index, tuple) else conv(index)


def is_basic_index(index: Any) -> bool:
    """Basic indexing (ints, slices, None, ...) never selects an element twice."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice, type(None), type(Ellipsis)))
               for i in parts)


class GetItem(Function):
    """z = a[index].  The gradient is scattered back to the selected places, added
    up where an element was selected more than once."""
    formula = "∂L/∂a[i] = Σ of ∂L/∂z at every place that selected a[i]"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, index: Any = None) -> np.ndarray:
        ctx.in_shape, ctx.index = a.shape, index
        return a[index]

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return IndexScatter.apply(grad, shape=ctx.in_shape, index=ctx.index)

    jvp_formula = "ż = ȧ[index](ȧ)"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return GetItem.apply(ta, **ctx._kwargs)


class IndexScatter(Function):
    """z = zeros(shape) with g added at ``index`` (the backward of GetItem); its
    own backward is GetItem again."""
    formula = "∂L/∂g = (∂L/∂z)[index]"

    @staticmethod
    def forward(ctx: Function, g: np.ndarray, shape: tuple | None = None,
                index: Any = None) -> np.ndarray:
        ctx.index = index
        out = np.zeros(shape, dtype=g.dtype)
        if is_basic_index(index):
            out[index] = g
        else:
            with np.errstate(invalid="ignore", over="ignore"):     # ∞ − ∞ = nan, as torch
                np.add.at(out, index, g)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return GetItem.apply(grad, index=ctx.index)

    jvp_formula = "ż = the same scatter of ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return IndexScatter.apply(ta, **ctx._kwargs)


def _slice_along(ndim: int, dim: int, part: Any) -> tuple:
    return (slice(None),) * dim + (part,) + (slice(None),) * (ndim - dim - 1)


def _check_joinable(op: str, arrays: tuple) -> None:
    if not arrays:
        raise RuntimeError(f"{op}: expected a non-empty list of Tensors")
    shape = arrays[0].shape
    if op == "stack" and any(a.shape != shape for a in arrays):
        bad = next(i for i, a in enumerate(arrays) if a.shape != shape)
        raise RuntimeError(f"stack expects each tensor to be equal size, but got {shape} at "
                           f"entry 0 and {arrays[bad].shape} at entry {bad}")


class Cat(Function):
    """z = [a₁, a₂, …] joined along ``dim``."""
    formula = "∂L/∂aₖ = the k-th slice of ∂L/∂z"

    @staticmethod
    def forward(ctx: Function, *arrays: np.ndarray, dim: int = 0) -> np.ndarray:
        _check_joinable("cat", arrays)
        for i, a in enumerate(arrays):
            if not a.ndim:
                raise RuntimeError(f"cat: zero-dimensional tensor (at position {i}) cannot "
                                   f"be concatenated")
        # torch skips empty 1-D tensors (its legacy "no tensor") among others of more dims
        parts = [a for a in arrays if a.shape != (0,)]
        if not parts:               # nothing but empty 1-D tensors: any dim gives one
            ctx.sizes = [None] * len(arrays)
            return np.concatenate(arrays)
        ndim = parts[0].ndim
        dim = normalize_dim(dim, ndim, None)
        bad = next((a for a in parts if a.ndim != ndim), None)
        if bad is not None:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ndim} "
                               f"and {bad.ndim}")
        ctx.dim = dim
        ctx.sizes = [a.shape[dim] if a.ndim == ndim else None for a in arrays]
        return np.concatenate(parts, axis=dim)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        grads, lo = [], 0
        for n in ctx.sizes:
            if n is None:           # a skipped empty 1-D tensor
                grads.append(np.zeros((0,), grad._data.dtype))
            else:
                grads.append(grad[_slice_along(grad.ndim, ctx.dim, slice(lo, lo + n))])
                lo += n
        return tuple(grads)

    jvp_formula = "ż = [ȧ₁, ȧ₂, …] joined along dim"

    @staticmethod
    def jvp(ctx: Function, *tangents: Tensor | None) -> Tensor | None:
        filled = (tangent_or_zeros(t, a) for t, a in zip(tangents, ctx.primals))
        return Cat.apply(*filled, **ctx._kwargs)


class Stack(Function):
    """z = [a₁, a₂, …] stacked along a new ``dim``."""
    formula = "∂L/∂aₖ = (∂L/∂z) at index k of dim"

    @staticmethod
    def forward(ctx: Function, *arrays: np.ndarray, dim: int = 0) -> np.ndarray:
        ctx.dim = normalize_dim(dim, arrays[0].ndim + 1, None) if arrays else 0
        _check_joinable("stack", arrays)
        ctx.count = len(arrays)
        return np.stack(arrays, axis=ctx.dim)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        return tuple(grad[_slice_along(grad.ndim, ctx.dim, k)] for k in range(ctx.count))

    jvp_formula = "ż = [ȧ₁, ȧ₂, …] stacked along dim"

    @staticmethod
    def jvp(ctx: Function, *tangents: Tensor | None) -> Tensor | None:
        filled = (tangent_or_zeros(t, a) for t, a in zip(tangents, ctx.primals))
        return Stack.apply(*filled, **ctx._kwargs)


def _pad_widths(ndim: int, pad: tuple) -> list:
    """PyTorch's pad order (last dimension first) → NumPy's per-dimension pairs."""
    if len(pad) % 2 or len(pad) // 2 > ndim:
        raise ValueError(f"pad: needs pairs of widths for at most {ndim} dimensions, "
                         f"got {pad}")
    widths = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        widths[ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return widths


_NUMPY_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _check_pad_mode(shape: tuple, pad: tuple, mode: str) -> None:
    """torch's limits of the reflect/replicate/circular modes: 1-3 padded dimensions
    after one or two batch/channel dimensions; reflect pads less than the size,
    circular at most the size; reflect and replicate pad non-empty dimensions."""
    ndim, k = len(shape), len(pad) // 2
    if len(pad) % 2 or k not in (1, 2, 3) or ndim not in (k + 1, k + 2):
        raise NotImplementedError(f"pad: padding size {len(pad)} is not supported for "
                                  f"{ndim}D input tensor in mode {mode!r} (pad {pad})")
    if mode != "circular" and not all(shape[1:] if ndim == k + 2 else shape):
        raise RuntimeError(f"pad: expected {k + 1}D or {k + 2}D (batch mode) tensor with "
                           f"possibly 0 batch size and other non-zero dimensions for input, "
                           f"but got: {list(shape)} (mode {mode!r})")
    for i in range(k):
        size, lo, hi = shape[ndim - 1 - i], pad[2 * i], pad[2 * i + 1]
        if mode == "reflect" and max(lo, hi) >= size:
            raise RuntimeError(f"pad: padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({lo}, {hi}) at "
                               f"dimension {ndim - 1 - i} of input {list(shape)}")
        if mode == "circular" and max(lo, hi) > size:
            raise RuntimeError(f"pad: padding value causes wrapping around more than once "
                               f"(padding ({lo}, {hi}) at dimension {ndim - 1 - i} of input "
                               f"{list(shape)})")


class Pad(Function):
    """z = a surrounded by a constant border (``value``); a negative width crops
    instead, as torch (the gradient of a cropped part is 0)."""
    formula = "∂L/∂a = ∂L/∂z with the border cut off"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, pad: tuple = (), mode: str = "constant",
                value: float = 0.0) -> np.ndarray:
        widths = _pad_widths(a.ndim, pad)
        ctx.pad = pad
        if min(pad, default=0) < 0:             # crop first
            for d, ((lo, hi), n) in enumerate(zip(widths, a.shape)):
                if n + min(lo, 0) + min(hi, 0) < 0:
                    raise RuntimeError(f"narrow(): length must be non-negative. (pad {pad} "
                                       f"of a dimension of size {n})")
            a = a[tuple(slice(-min(lo, 0), n + min(hi, 0)) for (lo, hi), n in
                        zip(widths, a.shape))]
            widths = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
        return np.pad(a, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return Pad.apply(grad, pad=tuple(-p for p in ctx.pad))

    jvp_formula = "ż = pad(ȧ) with 0 of ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return Pad.apply(ta, **ctx._kwargs)


def pad(x: Tensor, pad: tuple, mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad like ``torch.nn.functional.pad``. Non-constant modes (reflect, replicate,
    circular) are an integer-array gather from the input, so their gradient is the
    scatter-add of GetItem."""
    if mode == "constant":
        return Pad.apply(x, pad=tuple(pad), value=value)
    if mode not in _NUMPY_PAD_MODES:
        raise ValueError(f"pad: unknown mode {mode!r}; use 'constant', "
                         f"{', '.join(map(repr, _NUMPY_PAD_MODES))}")
    _check_pad_mode(x.shape, tuple(pad), mode)
    positions = np.arange(x.numel()).reshape(x.shape)
    gather = np.pad(positions, _pad_widths(x.ndim, tuple(pad)), mode=_NUMPY_PAD_MODES[mode])
    return x.reshape(-1)[gather]


__all__ = ["Reshape", "Permute", "Expand", "SumToShape", "GetItem", "IndexScatter", "Cat",
           "Stack", "Pad", "pad", "normalize_index", "is_basic_index"]
