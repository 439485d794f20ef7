"""Convolution, pooling and resizing layers: ``Conv1d``, ``Conv2d``,
``ConvTranspose2d``, ``MaxPool2d``, ``AvgPool2d`` and ``Upsample``, with torch.nn's
arguments, defaults, parameter shapes, initialisation, state_dict keys and reprs."""
from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import cnn_functional as CF
from .layers import _default_init, _empty
from .module import Module

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "Upsample"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """Shared by the convolutions: weight (out, in/groups, *kernel) — (in, out/groups,
    *kernel) when transposed — and bias (out,), both initialised as torch's
    kaiming_uniform(a=√5), i.e. U(−1/√fan_in, 1/√fan_in) with fan_in = weight.shape[1]·k."""

    _dims = 2
    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", output_padding: Any = 0) -> None:
        super().__init__()
        name, n = type(self).__name__, self._dims
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 f"{{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in CF._tuple(stride, n, name)):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {set(_PADDING_MODES)}, but got "
                             f"padding_mode={padding_mode!r}")
        if padding_mode != "zeros":
            raise NotImplementedError(f"{name}: padding_mode={padding_mode!r} is not "
                                      f"supported (only 'zeros')")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = CF._tuple(kernel_size, n, f"{name}: kernel_size")
        self.stride = CF._tuple(stride, n, f"{name}: stride")
        self.padding = padding if isinstance(padding, str) else \
            CF._tuple(padding, n, f"{name}: padding")
        self.dilation = CF._tuple(dilation, n, f"{name}: dilation")
        self.output_padding = CF._tuple(output_padding, n, f"{name}: output_padding")
        self.padding_mode = padding_mode
        shape = (in_channels, out_channels // groups) if self.transposed else \
            (out_channels, in_channels // groups)
        self.weight = _empty(*shape, *self.kernel_size)
        if bias:
            self.bias = _empty(out_channels)
        else:
            self.register_parameter("bias", None)
        _default_init(self.weight, self.bias)

    def extra_repr(self) -> str:
        n = self._dims
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * n:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * n:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv1d(_ConvNd):
    """1-D convolution (cross-correlation) over (N, C, L) or (C, L): weight
    (out_channels, in_channels/groups, k), bias (out_channels,)."""

    _dims = 1

    def forward(self, input: Tensor) -> Tensor:
        return CF.conv1d(input, self.weight, self.bias, self.stride, self.padding,
                         self.dilation, self.groups)


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation) over (N, C, H, W) or (C, H, W): weight
    (out_channels, in_channels/groups, kh, kw), bias (out_channels,); ``padding`` may be
    a number, a pair, "same" or "valid"."""

    def forward(self, input: Tensor) -> Tensor:
        return CF.conv2d(input, self.weight, self.bias, self.stride, self.padding,
                         self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """The transposed 2-D convolution (the gradient of a Conv2d with respect to its
    input, used to upsample): weight (in_channels, out_channels/groups, kh, kw), output
    size (H − 1)·s − 2p + d·(k − 1) + output_padding + 1.  ``output_size`` in forward
    picks the output_padding that gives that size."""

    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                 bias: bool = True, dilation: Any = 1, padding_mode: str = "zeros") -> None:
        if isinstance(padding, str):
            raise ValueError("ConvTranspose2d: padding must be a number or a pair, "
                             f"got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding)

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        output_padding = self.output_padding
        if output_size is not None:
            wanted = tuple(output_size)[-2:]
            smallest = [(n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in
                        zip(input.shape[-2:], self.stride, self.padding, self.dilation,
                            self.kernel_size)]
            output_padding = tuple(w - m for w, m in zip(wanted, smallest))
            if any(not 0 <= o < max(s, d) for o, s, d in
                   zip(output_padding, self.stride, self.dilation)):
                raise ValueError(f"requested an output size of {list(wanted)}, but valid sizes "
                                 f"range from {smallest} to "
                                 f"{[m + max(s, d) - 1 for m, s, d in zip(smallest, self.stride, self.dilation)]} "
                                 f"(for an input of {list(input.shape[-2:])})")
        return CF.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                   output_padding, self.groups, self.dilation)


class MaxPool2d(Module):
    """The maximum over each window (stride defaults to the kernel size; padding counts
    as −∞); ``return_indices`` also gives each maximum's flat index in its plane."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return CF.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                             self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """The mean over each kernel_size window (stride defaults to kernel_size; zero
    padding counts towards the mean unless ``count_include_pad=False``)."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return CF.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                             self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class Upsample(Module):
    """Resizes to ``size`` or by ``scale_factor`` (``F.interpolate``): nearest, linear
    (3-D input) or bilinear (4-D input)."""

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor: Any = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return CF.interpolate(input, self.size, self.scale_factor, self.mode,
                              self.align_corners, self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else \
            f"size={self.size!r}"
        return info + f", mode={self.mode!r}"
