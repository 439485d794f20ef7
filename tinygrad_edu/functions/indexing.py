"""Ops that pick elements by position: ``flip roll repeat tile repeat_interleave
index_select gather take_along_dim masked_select`` and ``scatter``/``scatter_add``.

Each picking op is one gather z = a.flat[pos]: ``positions`` applies the same NumPy
function to the array of element numbers (``np.flip(arange(n).reshape(shape))`` says
where each output element comes from), so the backward is always the same scatter-add
of the gradient back to ``pos``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..autograd.function import tangent_or_zeros
from ..tensor import Tensor


def positions(shape: tuple) -> np.ndarray:
    """Each element's flat position, in ``shape`` (the array the picking ops rearrange)."""
    return np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)


class Take(Function):
    """z = a.flat[pos]: the gradient is added back at pos (summed where a position
    repeats)."""
    formula = "∂L/∂a[p] = Σ of ∂L/∂z where pos = p"
    torch_name = "TakeBackward0"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, pos: np.ndarray | None = None) -> np.ndarray:
        ctx.in_shape, ctx.pos = a.shape, pos
        return a.reshape(-1)[pos]

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return PutAdd.apply(grad, shape=ctx.in_shape, pos=ctx.pos)

    jvp_formula = "ż = ȧ.flat[pos]"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return Take.apply(ta, **ctx._kwargs)


class PutAdd(Function):
    """z = zeros(shape) with g added at the flat positions pos (the backward of Take)."""
    formula = "∂L/∂g = (∂L/∂z).flat[pos]"

    @staticmethod
    def forward(ctx: Function, g: np.ndarray, shape: tuple = (),
                pos: np.ndarray | None = None) -> np.ndarray:
        ctx.pos = pos
        out = np.zeros(int(np.prod(shape, dtype=np.int64)), g.dtype)
        with np.errstate(invalid="ignore", over="ignore"):     # ∞ − ∞ = nan, as torch
            np.add.at(out, pos.reshape(-1), g.reshape(-1))
        return out.reshape(shape)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return Take.apply(grad, pos=ctx.pos)

    jvp_formula = "ż = zeros with ȧ added at pos"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return PutAdd.apply(ta, **ctx._kwargs)


# the picking ops: a Take each, named as PyTorch names them (the renderer shows the name)
class Flip(Take):
    """z = a reversed along ``dims``."""
    formula = "∂L/∂a = flip(∂L/∂z)"
    torch_name = "FlipBackward0"


class Roll(Take):
    """z = a shifted cyclically."""
    formula = "∂L/∂a = roll(∂L/∂z, −shifts)"
    torch_name = "RollBackward0"


class Repeat(Take):
    """z = copies of a tiled side by side."""
    formula = "∂L/∂a = Σ over the copies of ∂L/∂z"
    torch_name = "RepeatBackward0"


class RepeatInterleave(Take):
    """z = each element of a repeated in place."""
    formula = "∂L/∂a[i] = Σ over the repeats of i of ∂L/∂z"
    torch_name = "IndexSelectBackward0"


class IndexSelect(Take):
    """z = the slices of a at ``index`` along ``dim``."""
    formula = "∂L/∂a = index_add(0, dim, index, ∂L/∂z)"
    torch_name = "IndexSelectBackward0"


class Gather(Take):
    """z[i][j] = a[i][index[i][j]] (along ``dim``)."""
    formula = "∂L/∂a = scatter_add(0, dim, index, ∂L/∂z)"
    torch_name = "GatherBackward0"


class MaskedSelect(Take):
    """z = the elements of a where mask is True (1-D)."""
    formula = "∂L/∂a = ∂L/∂z at the True places, 0 elsewhere"
    torch_name = "MaskedSelectBackward0"


class Sort(Take):
    """z = a sorted along ``dim`` (a permutation)."""
    formula = "∂L/∂a = ∂L/∂z put back at the original places"
    torch_name = "SortBackward0"


class Topk(Take):
    """z = the k largest (or smallest) of a along ``dim``."""
    formula = "∂L/∂a = ∂L/∂z at the chosen places, 0 elsewhere"
    torch_name = "TopkBackward0"


class Scatter(Function):
    """z = a with src written at the flat positions pos (``add``: added there)."""
    formula = "∂L/∂a = ∂L/∂z (0 where written),  ∂L/∂src = (∂L/∂z)[index]"

    @property
    def torch_name(self) -> str:
        return "ScatterAddBackward0" if self._kwargs.get("add") else "ScatterBackward0"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, src: np.ndarray, pos: np.ndarray | None = None,
                add: bool = False) -> np.ndarray:
        ctx.pos, ctx.add, ctx.src_shape = pos, add, src.shape
        out = a.copy().reshape(-1)
        if add:
            np.add.at(out, pos.reshape(-1), src.reshape(-1))
        else:
            out[pos.reshape(-1)] = src.reshape(-1)
        return out.reshape(a.shape)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        need_a, need_src = ctx.needs_input_grad
        ga = gsrc = None
        if need_a:
            if ctx.add:
                ga = grad
            else:
                keep = np.ones(grad.shape, grad._data.dtype)
                keep.reshape(-1)[ctx.pos.reshape(-1)] = 0
                ga = grad * keep
        if need_src:
            gsrc = Take.apply(grad, pos=ctx.pos)
        return ga, gsrc

    jvp_formula = "ż = ȧ with ṡrc written (added) at pos"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor | None, tb: Tensor | None) -> Tensor | None:
        a, src = ctx.primals
        return Scatter.apply(tangent_or_zeros(ta, a), tangent_or_zeros(tb, src), **ctx._kwargs)


def along_dim(shape: tuple, index: np.ndarray, dim: int) -> np.ndarray:
    """The flat positions, in an array of ``shape``, of the elements ``index`` names
    along ``dim`` (the other coordinates are the index's own): what gather reads and
    scatter writes."""
    coords = list(np.indices(index.shape, sparse=True))
    coords[dim] = index
    return np.ravel_multi_index(tuple(np.broadcast_arrays(*coords)), shape)


def check_index(op: str, index: Any, size: int, dim: int,
                error: type = RuntimeError) -> np.ndarray:
    """``index`` as an int64 array with every entry in [−size, size) wrapped to
    [0, size), or torch's error naming the bad value."""
    idx = np.asarray(getattr(index, "_data", index))
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int64 for index, got {idx.dtype}")
    bad = (idx < -size) | (idx >= size)
    if bad.any():
        raise error(f"{op}(): index {int(idx[bad].flat[0])} is out of bounds for "
                         f"dimension {dim} with size {size}")
    return idx.astype(np.int64, copy=False) % max(size, 1)


__all__ = ["Take", "PutAdd", "Flip", "Roll", "Repeat", "RepeatInterleave", "IndexSelect",
           "Gather", "MaskedSelect", "Sort", "Topk", "Scatter", "along_dim", "check_index",
           "positions"]
