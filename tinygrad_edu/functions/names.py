"""PyTorch's names of the backward nodes (``<MulBackward0>``), for ``repr(t.grad_fn)``.

Most are the op's name + ``Backward0``; this table holds the others, some of which
depend on how the op was called (``x.sum()`` is ``SumBackward0``, ``x.sum(0)``
``SumBackward1``). ``Function.name()`` stays the short name the renderer shows.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from . import elementwise as E
from . import matmul as M
from . import nn as N
from . import reduce as R
from . import shape as S


def _with_dim(base: str) -> Any:
    """``<base>Backward0`` over the whole tensor, ``…Backward1`` along ``dim``
    (``Max``/``Min``: the other way round, as in torch)."""
    whole, along = ("1", "0") if base in ("Max", "Min") else ("0", "1")
    return property(lambda ctx: f"{base}Backward{whole if ctx._kwargs.get('dim') is None else along}")


def _pow(ctx: Any) -> str:
    return "PowBackward1" if isinstance(ctx.inputs[1], Tensor) else "PowBackward0"


def _matmul(ctx: Any) -> str:
    dims = tuple(np.ndim(getattr(t, "_data", t)) for t in ctx.inputs)
    return {(1, 1): "DotBackward0", (2, 1): "MvBackward0", (2, 2): "MmBackward0",
            (3, 3): "BmmBackward0"}.get(dims, "UnsafeViewBackward0")


def _getitem(ctx: Any) -> str:
    parts = ctx.index if isinstance(ctx.index, tuple) else (ctx.index,)
    if any(isinstance(p, (np.ndarray, list)) for p in parts):
        return "IndexBackward0"
    for p in reversed(parts):        # torch names the node after the last step applied
        if isinstance(p, (int, np.integer)):
            return "SelectBackward0"
        if isinstance(p, slice) and p != slice(None):
            return "SliceBackward0"
    return "AliasBackward0"


def _linear(ctx: Any) -> str:
    return "AddmmBackward0" if len(ctx.inputs) == 3 and ctx.inputs[2] is not None \
        else "MmBackward0"


_NAMES = {
    E.Pow: property(_pow), E.ReLU: "ReluBackward0", E.LeakyReLU: "LeakyReluBackward0",
    E.GELU: "GeluBackward0", E.Clamp: "ClampBackward1", E.Cast: "ToCopyBackward0",
    M.MatMul: property(_matmul), S.Reshape: "ViewBackward0", S.GetItem: property(_getitem),
    S.Pad: "ConstantPadNdBackward0", R.Sum: _with_dim("Sum"), R.Mean: _with_dim("Mean"),
    R.Max: _with_dim("Max"), R.Min: _with_dim("Min"), R.LogSumExp: "LogsumexpBackward0",
    N.Linear: property(_linear), N.CrossEntropy: "NllLossBackward0",
    N.CrossEntropyGeneral: "NllLossBackward0",
    N.MSE: "MseLossBackward0", N.Conv2d: "ConvolutionBackward0",
    N.MaxPool2d: "MaxPool2DWithIndicesBackward0",
}


def apply_torch_names() -> None:
    for cls, name in _NAMES.items():
        cls.torch_name = name
