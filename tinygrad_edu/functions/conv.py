"""Convolutions in general (groups, dilation, uneven padding), transposed
convolution, max pooling with ceil mode and indices, and interpolation.

Everything here rests on one pair of linear maps on (N, C, H, W) images:

* ``Unfold``: every receptive field as a column, z[n, c, i, j, h, w] =
  x_padded[n, c, h·s + i·d, w·s + j·d] (stride s, dilation d);
* ``Fold``: its adjoint, which adds each column entry back onto the pixel it came from.

A convolution is then W·Unfold(x) (one batched matmul per group) and a transposed
convolution Fold(Wᵀ·x); each one's gradient with respect to the image is the other's
shape of product.  Every backward is written with Tensor ops and these Functions, so
with ``create_graph=True`` second derivatives flow through it too.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..autograd.function import Function, jvp_by_transposed_backward
from .shape import IndexScatter

Pair = tuple[int, int]
Padding = tuple[Pair, Pair]          # ((top, bottom), (left, right))

__all__ = ["Unfold", "Fold", "Convolution", "ConvTranspose", "MaxPool", "Interpolate"]


def _unfold(x: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair, padding: Padding,
            count: Pair | None = None, fill: float = 0.0) -> np.ndarray:
    """(N, C, H, W) → (N, C, kh, kw, Ho, Wo), a strided view where possible (``count``
    keeps only the first Ho × Wo windows; ``fill`` is the padding value)."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    if any(p for pair in padding for p in pair):
        x = np.pad(x, ((0, 0), (0, 0)) + padding, constant_values=fill)
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    win = sliding_window_view(x, span, axis=(2, 3))[:, :, ::sh, ::sw, ::dh, ::dw]
    if count is not None:
        win = win[:, :, :count[0], :count[1]]
    return win.transpose(0, 1, 4, 5, 2, 3)


class Unfold(Function):
    """z[n, c, i, j, h, w] = x_padded[n, c, h·s + i·d, w·s + j·d]: every receptive
    field as a column (zero padding).  Each pixel is copied into every window that
    covers it, so ∂L/∂x = Fold(∂L/∂z), the sum over those windows."""
    formula = "∂L/∂x = fold(∂L/∂z)  (sum over the windows covering each pixel)"

    @staticmethod
    def forward(ctx, x, kernel=(1, 1), stride=(1, 1), dilation=(1, 1),
                padding=((0, 0), (0, 0)), count=None):
        ctx.size, ctx.geometry = x.shape[2:], (kernel, stride, dilation, padding)
        return np.ascontiguousarray(_unfold(x, kernel, stride, dilation, padding, count))

    @staticmethod
    def backward(ctx, grad):
        kernel, stride, dilation, padding = ctx.geometry
        return Fold.apply(grad, size=ctx.size, stride=stride, dilation=dilation,
                          padding=padding)

    jvp_formula = "ż = unfold(ȧ)"

    @staticmethod
    def jvp(ctx: Function, *tangents: Tensor | None) -> Tensor | None:
        return jvp_by_transposed_backward(ctx, tangents)


class Fold(Function):
    """The adjoint of Unfold: y[n, c, h·s + i·d, w·s + j·d] += z[n, c, i, j, h, w],
    then the padding is cut off (an image of spatial ``size``).  Linear, so
    ∂L/∂z = Unfold(∂L/∂y)."""
    formula = "∂L/∂z = unfold(∂L/∂y)"

    @staticmethod
    def forward(ctx, cols, size=(1, 1), stride=(1, 1), dilation=(1, 1),
                padding=((0, 0), (0, 0))):
        n, c, kh, kw, ho, wo = cols.shape
        (sh, sw), (dh, dw), ((pt, pb), (pl, pr)) = stride, dilation, padding
        ctx.geometry = ((kh, kw), stride, dilation, padding)
        h, w = size
        # the padded image must hold every window, also when its last rows are cut off
        hp = max(h + pt + pb, dh * (kh - 1) + sh * (ho - 1) + 1)
        wp = max(w + pl + pr, dw * (kw - 1) + sw * (wo - 1) + 1)
        out = np.zeros((n, c, hp, wp), cols.dtype)
        for i in range(kh):               # kh·kw strided adds, no loop over pixels
            for j in range(kw):
                out[:, :, i * dh:i * dh + sh * (ho - 1) + 1:sh,
                    j * dw:j * dw + sw * (wo - 1) + 1:sw] += cols[:, :, i, j]
        return out[:, :, pt:pt + h, pl:pl + w]

    @staticmethod
    def backward(ctx, grad):
        kernel, stride, dilation, padding = ctx.geometry
        ho, wo = ctx.inputs[0].shape[-2:]
        return Unfold.apply(grad, kernel=kernel, stride=stride, dilation=dilation,
                            padding=padding, count=(ho, wo))

    jvp_formula = "ż = fold(ȧ)"

    @staticmethod
    def jvp(ctx: Function, *tangents: Tensor | None) -> Tensor | None:
        return jvp_by_transposed_backward(ctx, tangents)


class Convolution(Function):
    """y[n, g·O′ + o, h, w] = b + Σ_{c,i,j} W[g·O′ + o, c, i, j]·x_pad[n, g·C′ + c,
    h·s + i·d, w·s + j·d] for each of the G groups (C′ = C/G input and O′ = O/G output
    channels per group): cross-correlation as torch, as Wg·Unfold(x)g per group.
    ∂L/∂x = Fold(Wgᵀ·∂L/∂yg),  ∂L/∂W = Σₙ ∂L/∂yg·colsgᵀ,  ∂L/∂b = Σ_{n,h,w} ∂L/∂y."""
    formula = "∂L/∂x = fold(Wᵀ·∂L/∂y),  ∂L/∂W = Σₙ ∂L/∂y·unfold(x)ᵀ,  ∂L/∂b = Σ ∂L/∂y"
    torch_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=(1, 1), dilation=(1, 1),
                padding=((0, 0), (0, 0)), groups=1):
        n = x.shape[0]
        out_ch, _, kh, kw = weight.shape
        win = _unfold(x, (kh, kw), stride, dilation, padding)
        ho, wo = win.shape[-2:]
        cols = win.reshape(n, groups, -1, ho * wo)                  # (N, G, C′·kh·kw, L)
        out = np.matmul(weight.reshape(groups, out_ch // groups, -1), cols)
        out = out.reshape(n, out_ch, ho, wo)
        if bias is not None:
            out += bias[:, None, None]
        ctx.geometry, ctx.groups = ((kh, kw), stride, dilation, padding), groups
        ctx.save_for_backward(x, weight, cols)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight, cols = ctx.saved_tensors
        (kernel, stride, dilation, padding), groups = ctx.geometry, ctx.groups
        need_x, need_w, need_b = (ctx.needs_input_grad + (False,))[:3]
        n, out_ch, ho, wo = grad.shape
        g = grad.reshape(n, groups, out_ch // groups, ho * wo)      # (N, G, O′, L)
        w = weight.reshape(groups, out_ch // groups, -1)            # (G, O′, C′·kh·kw)
        gx = gw = gb = None
        if need_x:
            back = (w.transpose(1, 2) @ g).reshape((n, x.shape[1]) + kernel + (ho, wo))
            gx = Fold.apply(back, size=x.shape[2:], stride=stride, dilation=dilation,
                            padding=padding)
        if need_w:
            if ctx.create_graph:              # cols must depend on x
                cols = Unfold.apply(x, kernel=kernel, stride=stride, dilation=dilation,
                                    padding=padding).reshape(cols.shape)
            gw = (g @ cols.transpose(2, 3)).sum(0).reshape(weight.shape)
        if need_b:
            gb = grad.sum((0, 2, 3))
        return gx, gw, gb

    jvp_formula = "ẏ = conv(ẋ, W) + conv(x, Ẇ) + ḃ"

    @staticmethod
    def jvp(ctx: Function, *tangents: Tensor | None) -> Tensor | None:
        return jvp_by_transposed_backward(ctx, tangents)


class ConvTranspose(Function):
    """The transposed convolution (the gradient of Convolution with respect to its
    image): y = b + Fold(Wgᵀ·xg) per group, W of shape (C, O′, kh, kw), on an output
    of spatial ``size`` = (H − 1)·s − 2p + d·(k − 1) + output_padding + 1.
    ∂L/∂x = Wg·Unfold(∂L/∂y)g (a convolution of the gradient with W),
    ∂L/∂W = Σₙ xg·Unfold(∂L/∂y)gᵀ,  ∂L/∂b = Σ_{n,h,w} ∂L/∂y."""
    formula = "∂L/∂x = W·unfold(∂L/∂y),  ∂L/∂W = Σₙ x·unfold(∂L/∂y)ᵀ,  ∂L/∂b = Σ ∂L/∂y"
    torch_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, weight, bias=None, size=(1, 1), stride=(1, 1), dilation=(1, 1),
                padding=((0, 0), (0, 0)), groups=1):
        n, in_ch, h, w = x.shape
        _, per_group, kh, kw = weight.shape
        wg = weight.reshape(groups, in_ch // groups, -1)            # (G, C′, O′·kh·kw)
        cols = np.matmul(wg.transpose(0, 2, 1), x.reshape(n, groups, in_ch // groups, h * w))
        cols = cols.reshape(n, groups * per_group, kh, kw, h, w)
        # Fold's own forward, on this ctx: it also records the geometry backward needs
        out = Fold.forward(ctx, cols, size=size, stride=stride, dilation=dilation,
                           padding=padding)
        if bias is not None:
            out += bias[:, None, None]
        ctx.groups = groups
        ctx.save_for_backward(x, weight)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        (kernel, stride, dilation, padding), groups = ctx.geometry, ctx.groups
        need_x, need_w, need_b = (ctx.needs_input_grad + (False,))[:3]
        n, in_ch, h, w = x.shape
        cols = Unfold.apply(grad, kernel=kernel, stride=stride, dilation=dilation,
                            padding=padding, count=(h, w))
        cols = cols.reshape(n, groups, -1, h * w)                   # (N, G, O′·kh·kw, L)
        wg = weight.reshape(groups, in_ch // groups, -1)            # (G, C′, O′·kh·kw)
        gx = gw = gb = None
        if need_x:
            gx = (wg @ cols).reshape(x.shape)
        if need_w:
            xg = x.reshape(n, groups, in_ch // groups, h * w)
            gw = (xg @ cols.transpose(2, 3)).sum(0).reshape(weight.shape)
        if need_b:
            gb = grad.sum((0, 2, 3))
        return gx, gw, gb

    jvp_formula = "ẏ = conv_transpose(ẋ, W) + conv_transpose(x, Ẇ) + ḃ"

    @staticmethod
    def jvp(ctx: Function, *tangents: Tensor | None) -> Tensor | None:
        return jvp_by_transposed_backward(ctx, tangents)


class MaxPool(Function):
    """y[n, c, h, w] = the maximum of x over the window at (h·s, w·s) with dilation d
    (padding counts as −∞; ceil mode adds padding at the end).  ∂y/∂x = 1 at the
    window's maximum (the first one on ties) and 0 elsewhere, so the gradient is
    scattered back to the winners (summed where windows overlap).  Each winner's flat
    index in its H·W plane is kept and, when ``indices`` is a list, appended to it
    (torch's ``return_indices``)."""
    formula = "∂y/∂x = [x is the maximum of its window]"
    torch_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, kernel=(2, 2), stride=(2, 2), dilation=(1, 1),
                padding=((0, 0), (0, 0)), count=(1, 1), indices=None):
        n, c, h, w = x.shape
        (kh, kw), (dh, dw), ((pt, _), (pl, _)) = kernel, dilation, padding
        win = _unfold(x, kernel, stride, dilation, padding, count, fill=-np.inf)
        out = arg = None
        for i in range(kh):               # kh·kw strided compares, no loop over pixels
            for j in range(kw):
                v = win[:, :, i, j]
                if out is None:
                    out, arg = v.copy(), np.zeros(v.shape, np.intp)
                else:
                    better = v > out      # strict: the first maximum wins ties
                    np.maximum(out, v, out=out)
                    np.putmask(arg, better, i * dh * w + j * dw)
        ho, wo = out.shape[2:]
        # arg: each winner's offset from its window's top-left corner, in the input
        arg += (np.arange(ho)[:, None] * stride[0] - pt) * w + np.arange(wo) * stride[1] - pl
        ctx.indices, ctx.x_shape = arg, x.shape
        if indices is not None:
            indices.append(arg)
        return out

    @staticmethod
    def backward(ctx, grad):
        n, c, h, w = ctx.x_shape
        planes = np.arange(n * c).reshape(n, c, 1, 1) * (h * w)
        dx = IndexScatter.apply(grad.reshape(-1), shape=(n * c * h * w,),
                                index=(ctx.indices + planes).ravel())
        return dx.reshape(ctx.x_shape)

    jvp_formula = "ẏ = ẋ at each window's maximum"

    @staticmethod
    def jvp(ctx: Function, *tangents: Tensor | None) -> Tensor | None:
        return jvp_by_transposed_backward(ctx, tangents)


class Interpolate(Function):
    """y = R·x·Cᵀ over the last two dimensions (or x·Cᵀ over the last one): resizing
    by fixed interpolation matrices R (Ho × H) and C (Wo × W), whose rows hold each
    output pixel's weights (one 1 for nearest, two for linear).  Linear in x, so
    ∂L/∂x = Rᵀ·∂L/∂y·C: the same op with the transposed matrices."""
    formula = "∂L/∂x = Rᵀ·∂L/∂y·C"

    @staticmethod
    def forward(ctx, x, rows=None, cols=None):
        ctx.rows, ctx.cols = rows, cols
        out = x if rows is None else np.matmul(rows, x)
        return np.matmul(out, cols.T)

    @staticmethod
    def backward(ctx, grad):
        return Interpolate.apply(grad, rows=None if ctx.rows is None else ctx.rows.T,
                                 cols=ctx.cols.T)

    jvp_formula = "ż = interpolate(ȧ)"

    @staticmethod
    def jvp(ctx: Function, *tangents: Tensor | None) -> Tensor | None:
        return jvp_by_transposed_backward(ctx, tangents)
