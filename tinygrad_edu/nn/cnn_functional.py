"""The convolution, pooling and resizing functions of ``nn.functional`` (``F.conv1d``,
``F.conv2d``, ``F.conv_transpose2d``, ``F.max_pool2d``, ``F.avg_pool2d``,
``F.interpolate``), with torch.nn.functional's names, arguments and errors.

The plain cases (no groups, no dilation, even padding, no ceil mode) run the fused
``Conv2d``/``MaxPool2d`` of ``functions.nn``; the rest run ``functions.conv``.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import functions as _fn
from ..tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "interpolate"]


def _tuple(v: Any, n: int, name: str) -> tuple:
    """An int repeated n times, or a sequence of n ints."""
    out = (v,) * n if isinstance(v, (int, np.integer)) else tuple(v)
    if len(out) != n or any(isinstance(x, bool) or int(x) != x for x in out):
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {v!r}")
    return tuple(int(x) for x in out)


def _pair(v: Any, name: str) -> tuple[int, int]:
    return _tuple(v, 2, name)


def _shape(t: Tensor) -> list:
    return list(t.shape)


def _batched(op: str, input: Tensor, dims: int) -> tuple[Tensor, bool]:
    """The input with a batch dimension (unbatched inputs get one), for ``dims``
    spatial dimensions."""
    if input.ndim == dims + 1:
        return input.unsqueeze(0), True
    if input.ndim != dims + 2:
        raise RuntimeError(f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input "
                           f"to {op}, but got input of size: {_shape(input)}")
    return input, False


def _conv_padding(op: str, padding: Any, kernel: tuple, stride: tuple,
                  dilation: tuple) -> tuple:
    """((before, after), …) per spatial dimension; "same" pads d·(k − 1) in total,
    the odd one at the end (as torch), "valid" nothing."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * len(kernel)
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: {padding!r}")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        total = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in total)
    pad = _tuple(padding, len(kernel), f"{op}: padding")
    if min(pad) < 0:
        raise RuntimeError(f"{op}: negative padding is not supported, got padding={pad}")
    return tuple((p, p) for p in pad)


def _convolve(op: str, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,
              padding: Any, dilation: Any, groups: int, dims: int) -> Tensor:
    x, unbatched = _batched(op, input, dims)
    if weight.ndim != dims + 2:
        raise RuntimeError(f"{op}: expected a {dims + 2}-D weight (out_channels, "
                           f"in_channels/groups, *kernel), got size {_shape(weight)}")
    kernel = tuple(weight.shape[2:])
    stride = _tuple(stride, dims, f"{op}: stride")
    dilation = _tuple(dilation, dims, f"{op}: dilation")
    if min(stride) < 1 or min(dilation) < 1 or groups < 1:
        raise RuntimeError(f"{op}: stride, dilation and groups must be positive, got "
                           f"stride={stride}, dilation={dilation}, groups={groups}")
    pads = _conv_padding(op, padding, kernel, stride, dilation)
    out_ch = weight.shape[0]
    if out_ch % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size "
                           f"[{_shape(weight)}] instead")
    if x.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {_shape(weight)}, expected "
                           f"input{_shape(x)} to have {weight.shape[1] * groups} channels, but "
                           f"got {x.shape[1]} channels instead")
    if bias is not None and tuple(bias.shape) != (out_ch,):
        raise RuntimeError(f"Given weight of size {_shape(weight)}, expected bias to be 1-D "
                           f"with {out_ch} elements, but got bias of size {_shape(bias)} instead")
    padded = [s + a + b for s, (a, b) in zip(x.shape[2:], pads)]
    effective = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(p < k for p, k in zip(padded, effective)):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, effective))}). Kernel size can't be greater "
                           f"than actual input size")
    if dims == 1:           # a 1-D signal is an image of height 1
        x, weight, pads = x.unsqueeze(2), weight.unsqueeze(2), ((0, 0),) + pads
        stride, dilation = (1,) + stride, (1,) + dilation
    x = x._float()
    if groups == 1 and dilation == (1, 1) and all(a == b for a, b in pads):
        out = _fn.Conv2d.apply(x, weight, bias, stride=stride, padding=(pads[0][0], pads[1][0]))
    else:
        out = _fn.Convolution.apply(x, weight, bias, stride=stride, dilation=dilation,
                                    padding=pads, groups=groups)
    if dims == 1:
        out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D cross-correlation over (N, C, L): y[n, o, l] = b[o] +
    Σ_{c,i} W[o, c, i]·x_pad[n, g·C′ + c, l·s + i·d] in each group g (C′ = C/groups)."""
    return _convolve("conv1d", input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
           padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation: y[n, o, h, w] = b[o] + Σ_{c,i,j} W[o, c, i, j]·
    x_pad[n, g·C′ + c, h·s + i·d, w·s + j·d] in each group g (C′ = C/groups);
    ``padding`` may be "same" (output as large as the input, stride 1) or "valid"."""
    return _convolve("conv2d", input, weight, bias, stride, padding, dilation, groups, 2)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: Any = 1, padding: Any = 0, output_padding: Any = 0,
                     groups: int = 1, dilation: Any = 1) -> Tensor:
    """The transposed convolution (the gradient of conv2d with respect to its input),
    weight (in_channels, out_channels/groups, kh, kw); the output has size
    (H − 1)·s − 2p + d·(k − 1) + output_padding + 1 along each axis."""
    op = "conv_transpose2d"
    x, unbatched = _batched(op, input, 2)
    if weight.ndim != 4:
        raise RuntimeError(f"{op}: expected a 4-D weight (in_channels, out_channels/groups, "
                           f"kh, kw), got size {_shape(weight)}")
    stride, dilation = _pair(stride, f"{op}: stride"), _pair(dilation, f"{op}: dilation")
    padding = _pair(padding, f"{op}: padding")
    output_padding = _pair(output_padding, f"{op}: output_padding")
    if min(stride) < 1 or min(dilation) < 1 or groups < 1 or min(padding) < 0:
        raise RuntimeError(f"{op}: stride, dilation and groups must be positive and padding "
                           f"≥ 0, got stride={stride}, dilation={dilation}, groups={groups}, "
                           f"padding={padding}")
    if any(op_ >= max(s, d) or op_ < 0 for op_, s, d in zip(output_padding, stride, dilation)):
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, "
                           f"but got output_padding_height: {output_padding[0]} "
                           f"output_padding_width: {output_padding[1]} stride_height: "
                           f"{stride[0]} stride_width: {stride[1]} dilation_height: "
                           f"{dilation[0]} dilation_width: {dilation[1]}")
    in_ch = weight.shape[0]
    if x.shape[1] != in_ch or in_ch % groups:
        raise RuntimeError(f"Given transposed=1, weight of size {_shape(weight)}, expected "
                           f"input{_shape(x)} to have {in_ch} channels, but got {x.shape[1]} "
                           f"channels instead" if x.shape[1] != in_ch else
                           f"Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size "
                           f"[{_shape(weight)}] instead")
    out_ch = weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (out_ch,):
        raise RuntimeError(f"Given transposed=1, weight of size {_shape(weight)}, expected "
                           f"bias to be 1-D with {out_ch} elements, but got bias of size "
                           f"{_shape(bias)} instead")
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + o + 1 for n, s, p, d, k, o in
                 zip(x.shape[2:], stride, padding, dilation, weight.shape[2:], output_padding))
    if min(size) < 1:
        raise RuntimeError(f"{op}: the output size {size} is too small (input size "
                           f"{_shape(input)}, padding={padding})")
    out = _fn.ConvTranspose.apply(x._float(), weight, bias, size=size, stride=stride,
                                  dilation=dilation, padding=tuple((p, p) for p in padding),
                                  groups=groups)
    return out.squeeze(0) if unbatched else out


def _pool_geometry(op: str, input: Tensor, kernel_size: Any, stride: Any, padding: Any,
                   dilation: Any, ceil_mode: bool) -> tuple:
    """(batched input, unbatched?, kernel, stride, padding per side, window counts) of
    a 2-D pooling, with torch's output size: ⌊ or ⌈(H + 2p − d(k − 1) − 1)/s⌉ + 1, and
    in ceil mode no window that starts in the padding at the end."""
    kernel = _pair(kernel_size, f"{op}: kernel_size")
    stride = kernel if stride is None or stride == [] else _pair(stride, f"{op}: stride")
    padding, dilation = _pair(padding, f"{op}: padding"), _pair(dilation, f"{op}: dilation")
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1:
        raise RuntimeError(f"{op}: kernel_size, stride and dilation must be positive, got "
                           f"{kernel}, {stride} and {dilation}")
    if any(p < 0 or 2 * p > d * (k - 1) + 1 for p, k, d in zip(padding, kernel, dilation)):
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                           f"pad={padding[0] if padding[0] == padding[1] else padding}, "
                           f"kernel_size={kernel[0] if kernel[0] == kernel[1] else kernel}"
                           f" and dilation={dilation[0] if dilation[0] == dilation[1] else dilation}")
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got "
                           f"padW = {padding[1]}, padH = {padding[0]}, kW = {kernel[1]}, "
                           f"kH = {kernel[0]}")
    if input.ndim not in (3, 4) or not input.numel():
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    x, unbatched = (input.unsqueeze(0), True) if input.ndim == 3 else (input, False)
    counts, pads = [], []
    for size, k, s, p, d in zip(x.shape[2:], kernel, stride, padding, dilation):
        n = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (n - 1) * s >= size + p:
            n -= 1
        counts.append(n)
        pads.append((p, max(p, (n - 1) * s + d * (k - 1) + 1 - size - p)))
    if min(counts) < 1:
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, input.shape[-3:]))}). "
                           f"Calculated output size: ({x.shape[1]}x{counts[0]}x{counts[1]}). "
                           f"Output size is too small")
    return x, unbatched, kernel, stride, dilation, padding, tuple(pads), tuple(counts)


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """The maximum over each kernel_size window (stride defaults to kernel_size;
    padding counts as −∞); with ``return_indices`` also each maximum's flat index in
    its H·W plane (int64), as torch's."""
    x, unbatched, kernel, stride, dilation, padding, pads, counts = _pool_geometry(
        "max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    if dilation == (1, 1) and not ceil_mode and not return_indices:
        out = _fn.MaxPool2d.apply(x, kernel=kernel, stride=stride, padding=padding)
        return out.squeeze(0) if unbatched else out
    winners: list = []
    out = _fn.MaxPool.apply(x, kernel=kernel, stride=stride, dilation=dilation, padding=pads,
                            count=counts, indices=winners)
    out = out.squeeze(0) if unbatched else out
    if not return_indices:
        return out
    indices = Tensor(winners[0].astype(np.int64))
    return out, indices.squeeze(0) if unbatched else indices


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """The mean over each kernel_size window: the window's sum (Unfold) divided by its
    size — counting the zero padding (``count_include_pad``, torch's default) but not
    what ceil mode adds past it, or only the input's own pixels, or
    ``divisor_override``."""
    x, unbatched, kernel, stride, _, padding, pads, counts = _pool_geometry(
        "avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and divisor_override <= 0:
        raise RuntimeError("divisor must be not zero")
    sums = _fn.Unfold.apply(x._float(), kernel=kernel, stride=stride, padding=pads,
                            count=counts).sum((2, 3))
    if divisor_override is not None:
        divisor: Any = float(divisor_override)
    else:
        sizes = []
        for size, k, s, p, n in zip(x.shape[2:], kernel, stride, padding, counts):
            start = np.arange(n) * s - p
            end = np.minimum(start + k, size + p)
            sizes.append(end - start if count_include_pad else
                         np.minimum(end, size) - np.maximum(start, 0))
        divisor = (sizes[0][:, None] * sizes[1]).astype(sums.dtype)
    out = sums / divisor
    return out.squeeze(0) if unbatched else out


_MODES = {"nearest": (1, 2), "linear": (1,), "bilinear": (2,)}


def _resize_matrix(size: int, out: int, mode: str, align_corners: bool,
                   scale: float | None, dtype: np.dtype) -> np.ndarray:
    """The (out × size) matrix whose row o holds output pixel o's weights, as torch's
    kernels: nearest takes ⌊o·scale⌋ (scale = size/out, or 1/scale_factor, in float32);
    linear interpolates at o·(size − 1)/(out − 1) (align_corners) or at
    (o + ½)·scale − ½, clamped at 0."""
    rows = np.arange(out)
    m = np.zeros((out, size), dtype)
    if mode == "nearest":
        if out == size:
            src = rows
        elif out == 2 * size:
            src = rows >> 1
        else:
            step = np.float32(1.0 / scale) if scale else np.float32(size) / np.float32(out)
            src = np.minimum(np.floor(rows.astype(np.float32) * step).astype(np.int64),
                             size - 1)
        m[rows, src] = 1
        return m
    if align_corners:
        src = rows * ((size - 1) / (out - 1) if out > 1 else 0.0)
    else:
        step = 1.0 / scale if scale else size / out
        src = np.maximum((rows + 0.5) * step - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), size - 1)
    hi = np.minimum(lo + 1, size - 1)
    frac = src - lo
    np.add.at(m, (rows, lo), 1 - frac)
    np.add.at(m, (rows, hi), frac)
    return m


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None,
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resizes the spatial dimensions of (N, C, L) or (N, C, H, W) to ``size`` or by
    ``scale_factor``: ``nearest`` copies pixel ⌊o·in/out⌋, ``linear``/``bilinear``
    interpolate between the two nearest pixels per axis (``align_corners``: the corner
    pixels' centres line up).  One linear op y = R·x·Cᵀ with fixed matrices."""
    dims = input.ndim - 2
    if mode not in _MODES:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {input.ndim}D) for the modes: nearest | linear | "
                                  f"bilinear | bicubic | trilinear | lanczos | area | "
                                  f"nearest-exact (got {mode})")
    if align_corners is not None and mode == "nearest":
        raise ValueError("align_corners option can only be set with the interpolating "
                         "modes: linear | bilinear | bicubic | trilinear")
    if dims not in _MODES[mode]:
        need = {"linear": "3D", "bilinear": "4D"}.get(mode, "3D or 4D")
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {need} input")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    if (size is None) == (scale_factor is None):
        raise ValueError("either size or scale_factor should be defined" if size is None else
                         "only one of size or scale_factor should be defined")
    spatial = tuple(input.shape[2:])
    if size is not None:
        out = (size,) * dims if isinstance(size, (int, np.integer)) else tuple(size)
        if len(out) != dims:
            raise ValueError(f"Input and output must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of "
                             f"{list(spatial)} and output size of {size}. Please provide input "
                             f"tensor in (N, C, d1, d2, ...,dK) format and output size in "
                             f"(o1, o2, ...,oK) format.")
        scales: tuple = (None,) * dims
    else:
        factors = (scale_factor,) * dims if isinstance(scale_factor, (int, float)) \
            else tuple(scale_factor)
        if len(factors) != dims:
            raise ValueError(f"Input and scale_factor must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of "
                             f"{list(spatial)} and scale_factor of shape {scale_factor}. Please "
                             f"provide input tensor in (N, C, d1, d2, ...,dK) format and "
                             f"scale_factor in (s1, s2, ...,sK) format.")
        out = tuple(math.floor(float(s) * float(f)) for s, f in zip(spatial, factors))
        scales = (None,) * dims if recompute_scale_factor else tuple(map(float, factors))
    if min(out, default=1) < 1:
        raise RuntimeError(f"interpolate: the output size {out} must be positive (input size "
                           f"{_shape(input)})")
    x = input._float()
    mats = [_resize_matrix(s, o, mode, bool(align_corners), f, x.dtype)
            for s, o, f in zip(spatial, out, scales)]
    return _fn.Interpolate.apply(x, rows=mats[0] if dims == 2 else None, cols=mats[-1])
