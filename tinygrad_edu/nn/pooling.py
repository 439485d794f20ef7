"""Adaptive average pooling (``AdaptiveAvgPool2d``) and ``Unflatten``, with
torch.nn's names, arguments and reprs."""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["AdaptiveAvgPool2d", "Unflatten"]


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size: output cell (i, j) is the mean over rows
    ⌊iH/h⌋ … ⌈(i+1)H/h⌉ − 1 and the same for columns."""

    def __init__(self, output_size: int | tuple) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class Unflatten(Module):
    """Splits dimension ``dim`` into ``unflattened_size`` (the reverse of Flatten)."""

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        d = self.dim % input.ndim
        return input.reshape(input.shape[:d] + self.unflattened_size + input.shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
