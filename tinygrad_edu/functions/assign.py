"""The ops behind in-place writes (``Tensor._write``): what a write means to autograd.

``clone`` keeps the old value for the backward; ``IndexPut`` is ``t[index] = v``;
``CopySlices`` writes a view's new values into its root (PyTorch's node names).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..autograd.function import tangent_or_zeros
from ..tensor import Tensor
from .shape import GetItem


class Clone(Function):
    """z = a copy of a (its own storage)."""
    formula = "∂z/∂a = 1"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        return np.array(a, copy=True)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return grad

    jvp_formula = "ż = ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return ta


class IndexPut(Function):
    """z = a with v put at ``index`` (added there, with ``accumulate``): the gradient
    of a is 1 except at the written places (0 there unless accumulating)."""
    formula = "∂z/∂a = [not written],  ∂L/∂v = (∂L/∂z)[index]"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, v: np.ndarray, index: Any = None,
                accumulate: bool = False) -> np.ndarray:
        ctx.index, ctx.accumulate = index, accumulate
        out = np.array(a, copy=True)
        if accumulate:
            np.add.at(out, index, v)
        else:
            out[index] = v
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        if ctx.accumulate:
            grad_a = grad
        else:
            written = np.zeros(grad._data.shape, bool)
            written[ctx.index] = True
            grad_a = grad.masked_fill(written, 0)
        return grad_a, GetItem.apply(grad, index=ctx.index)

    jvp_formula = "ż = ȧ with v̇ put at index (added there, with accumulate)"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor | None, tv: Tensor | None) -> Tensor | None:
        a, v = ctx.primals
        return IndexPut.apply(tangent_or_zeros(ta, a), tangent_or_zeros(tv, v), **ctx._kwargs)


def view_positions(shape: tuple, steps: tuple) -> np.ndarray:
    """For a view made from a root of ``shape`` by ``steps``: the flat (C-order)
    position in the root of each element of the view."""
    pos = np.arange(int(np.prod(shape)), dtype=np.intp).reshape(shape)
    for kind, arg in steps:
        if kind == "index":
            pos = pos[arg]
        elif kind == "reshape":
            pos = pos.reshape(arg)
        else:                               # "permute" (a view made by expand is
            pos = np.transpose(pos, arg)    # read-only: nothing writes through it)
    return pos


class CopySlices(Function):
    """z = root with the view made by ``steps`` replaced by ``region`` (a write
    through a view)."""
    formula = "∂z/∂root = [outside the view],  ∂L/∂region = view of ∂L/∂z"
    torch_name = "CopySlices"

    @staticmethod
    def forward(ctx: Function, root: np.ndarray, region: np.ndarray,
                steps: tuple = ()) -> np.ndarray:
        ctx.pos = view_positions(root.shape, steps)
        out = np.array(root, order="C", copy=True)
        out.reshape(-1)[ctx.pos] = region
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        inside = np.zeros(grad._data.shape, bool)
        inside.reshape(-1)[ctx.pos] = True
        region = GetItem.apply(grad.reshape(-1), index=ctx.pos)
        return grad.masked_fill(inside, 0), region

    jvp_formula = "ż = ṙoot with the view replaced by ṙegion"

    @staticmethod
    def jvp(ctx: Function, troot: Tensor | None, tregion: Tensor | None) -> Tensor | None:
        root, region = ctx.primals
        return CopySlices.apply(tangent_or_zeros(troot, root), tangent_or_zeros(tregion, region),
                                **ctx._kwargs)


__all__ = ["Clone", "IndexPut", "CopySlices", "view_positions"]
