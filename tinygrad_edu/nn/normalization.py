"""Normalisation layers of today's models: ``LayerNorm`` (one fused node),
``RMSNorm``, ``GroupNorm`` and ``BatchNorm2d``, with torch.nn's names, defaults,
parameters, buffers and reprs."""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import functional as F
from .layers import BatchNorm1d
from .module import Module, Parameter

__all__ = ["LayerNorm", "RMSNorm", "GroupNorm", "BatchNorm2d"]


class LayerNorm(Module):
    """y = (x − μ)/√(σ² + ε)·γ + β over the last dimensions (``normalized_shape``);
    γ starts at 1, β at 0 (``bias=False`` drops β, ``elementwise_affine=False`` both)."""

    def __init__(self, normalized_shape: int | tuple | list, eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True) -> None:
        super().__init__()
        self.normalized_shape = F._normalized_shape(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, np.float32))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, np.float32))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine="
                f"{self.elementwise_affine}, bias={self.bias is not None}")


class RMSNorm(Module):
    """y = x/√(mean(x²) + ε)·γ over the last dimensions; ``eps=None`` means the
    machine epsilon of the input's dtype (as torch)."""

    def __init__(self, normalized_shape: int | tuple | list, eps: float | None = None,
                 elementwise_affine: bool = True) -> None:
        super().__init__()
        self.normalized_shape = F._normalized_shape(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, np.float32))
        else:
            self.register_parameter("weight", None)

    def forward(self, input: Tensor) -> Tensor:
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(Module):
    """Normalises each of ``num_groups`` channel groups of each sample (over its
    channels and positions), then y = x̂·γ[c] + β[c]; γ starts at 1, β at 0."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                     eps, affine)
        if affine:
            self.weight = Parameter(np.ones(num_channels, np.float32))
            if bias:
                self.bias = Parameter(np.zeros(num_channels, np.float32))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class BatchNorm2d(BatchNorm1d):
    """BatchNorm1d's rule per channel of (N, C, H, W) images: statistics over N, H, W."""

    _input_dims = (4,)
