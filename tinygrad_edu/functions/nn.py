"""Fused neural-network ops: one graph node (and one NumPy kernel) where a chain of
small ops would do the same math more slowly.

* ``Linear``: y = x·Wᵀ + b as one node (exactly the matmuls NumPy code would do).
* ``CrossEntropy``: log-softmax and negative log-likelihood fused, so huge logits
  stay finite and the gradient is simply ``softmax − onehot``; class indices only.
  ``CrossEntropyGeneral`` adds class weights, label smoothing, ``ignore_index`` and
  probability targets.
* ``MSE``: the squared error and its mean or sum in one node; ∂ℓ/∂x = 2(x − y)/N.
* ``BinaryCrossEntropy``: BCE on probabilities with torch's clamped logs, so
  probabilities of exactly 0 or 1 give a finite loss and gradient.
* ``Conv2d``: im2col (``sliding_window_view``) and one (batched) matmul.
* ``MaxPool2d``: the max over every window, with the gradient routed to the winner.

Saved intermediates such as the softmax or the im2col matrix are constants; when
the backward pass is itself recorded (``create_graph=True``) they are rebuilt from
the inputs with Tensor ops, so second derivatives flow through them too.
"""
from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..autograd.function import Function
from ..autograd.function import jvp_from_gradient, tangent_sum
from ..tensor import Tensor
from .elementwise import Where
from .shape import GetItem, IndexScatter


class Linear(Function):
    """y = x·Wᵀ + b with W of shape (out, in); ∂L/∂b sums over the batch dimensions."""
    formula = "∂L/∂x = ∂L/∂y·W,  ∂L/∂W = (∂L/∂y)ᵀ·x,  ∂L/∂b = Σ ∂L/∂y"
    saved_for_others = True

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, weight: np.ndarray,
                bias: np.ndarray | None = None) -> np.ndarray:
        ctx.save_for_backward(x, weight)
        if x.ndim > 2 and x.shape[-1]:  # Speed: one 2-D BLAS product; stacked matmul ~9x slower
            out = np.matmul(x.reshape(-1, x.shape[-1]), weight.T).reshape(
                x.shape[:-1] + weight.shape[:1])
        else:
            out = np.matmul(x, weight.T)
        if bias is not None:
            out += bias                   # out is fresh: add in place
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        # Speed: when this backward is not itself recorded (no create_graph), the same
        # three products on the arrays: no Tensor ops, no nodes (the engine wraps them)
        (x, w), g = ctx.unpack(grad)
        needs = ctx.needs_input_grad            # (x, W) or (x, W, b)
        g2, x2 = g, x
        if g.ndim != 2:                                          # flatten batch dims
            rows = math.prod(x.shape[:-1])      # (not −1: a dimension may be 0)
            g2, x2 = g.reshape(rows, w.shape[0]), x.reshape(rows, w.shape[1])
        gx = (g2 @ w).reshape(x.shape) if needs[0] else None     # (2-D: as in forward)
        gw = g2.T @ x2 if needs[1] else None
        gb = None                   # (arrays: the ufunc itself, cheaper than .sum)
        if len(needs) == 3 and needs[2]:
            gb = np.add.reduce(g2, 0) if g2.__class__ is np.ndarray else g2.sum(0)
        return gx, gw, gb

    jvp_formula = "ẏ = ẋ·Wᵀ + x·Ẇᵀ + ḃ"

    @staticmethod
    def jvp(ctx: Function, tx: Tensor | None, tw: Tensor | None,
            tb: Tensor | None = None) -> Tensor | None:
        x, w = ctx.primals[:2]
        return tangent_sum(None if tx is None else Linear.apply(tx, w),
                           None if tw is None else Linear.apply(x, tw), tb)


def _class_entries(idx: np.ndarray) -> tuple:
    """The fancy index of the entries a[i, idx[i, 0, j…], j…] of an (N, C, d…) array,
    for class indices idx of shape (N, 1, d…): aranges along every other dimension
    (take/put_along_axis build the same, with a few µs more of Python per call)."""
    shape = idx.shape
    if len(shape) == 2:     # Speed: (N, C) logits, the common case, without the loop
        return np.arange(shape[0])[:, None], idx
    return tuple(idx if d == 1 else np.arange(n).reshape([n if k == d else 1 for k in
                                                          range(len(shape))])
                 for d, n in enumerate(shape))


class CrossEntropy(Function):
    """ℓᵢ = −log softmax(xᵢ)_yᵢ for logits x (classes along dimension 1) and integer
    class targets y, averaged over the targets (``reduction="mean"``), summed or not
    reduced; each row's maximum is subtracted first, so huge logits stay finite.
    This is the plain case; ``CrossEntropyGeneral`` adds class weights, label
    smoothing, ``ignore_index`` and probability targets."""
    formula = "∂ℓ/∂x = softmax(x) − onehot(y)"

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, target: np.ndarray,
                reduction: str = "mean") -> np.ndarray:
        shifted = x - x.max(1, keepdims=True) if x.shape[1] else x.copy()
        probs = np.exp(shifted)
        total = probs.sum(1, keepdims=True)
        logp = shifted - np.log(total)                  # log softmax(x)
        probs /= total                                  # softmax(x), for the backward
        idx = target.reshape(target.shape[:1] + (1,) + target.shape[1:])  # class dim back
        loss = -logp[_class_entries(idx)][:, 0]         # −log softmax(xᵢ)_yᵢ
        ctx.reduction, ctx.idx = reduction, idx
        ctx.save_for_backward(x, target, probs)
        if reduction == "none":
            return loss.astype(x.dtype, copy=False)
        total_loss = loss.sum(dtype=x.dtype)
        if reduction != "mean":
            return total_loss
        if not loss.size:                               # no targets: 0/0, as torch
            return np.asarray(np.nan, x.dtype)
        return total_loss / x.dtype.type(loss.size)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        if ctx.create_graph:        # recorded: the softmax as a function of x
            x, _, _ = ctx.saved_tensors
            probs = x.softmax(1)
        else:   # Speed: not recorded, so the same math on the arrays (the engine wraps it)
            x, _, probs = ctx.saved_arrays
            # a reduced loss's 0-d gradient as a Python float: NumPy's 0-d arithmetic
            # (grad / N below) costs more than a whole (N, C) ufunc pass
            grad = grad._data if ctx.reduction == "none" else float(grad._data)
        if ctx.reduction == "none":           # the class dimension back in
            coef = grad.reshape(grad.shape[:1] + (1,) + grad.shape[1:])
        elif ctx.reduction != "mean":         # a 0-d gradient broadcasts as it is
            coef = grad
        else:                   # no targets: every gradient is 0 (as torch), not nan
            coef = grad / ctx.idx.size if ctx.idx.size else 0.0
        onehot = np.zeros(x.shape, x.dtype)
        onehot[_class_entries(ctx.idx)] = 1.0
        return (probs - onehot) * coef, None

    jvp_formula = "ℓ̇ = Σ_c (softmax(x)_c − onehot(y)_c)·ẋ_c"

    @staticmethod
    def jvp(ctx: Function, tx: Tensor | None, tt: Tensor | None) -> Tensor | None:
        return jvp_from_gradient(ctx, (tx, tt), _per_sample(ctx))


class CrossEntropyGeneral(Function):
    """Cross-entropy of logits x (class dimension 1) against a target distribution q,
    ℓᵢ = −Σ_c q_ic·log softmax(xᵢ)_c, with what the plain ``CrossEntropy`` leaves out:
    class weights w, label smoothing ε, ``ignore_index``, probability targets p.  For
    class-index targets q is one-hot, blended with ε/C under label smoothing, scaled
    by the weights and 0 for ignored targets (the mean divides by Σ of the targets'
    weights, as torch); for probability targets q = ((1 − ε)·p + ε/C)·w."""
    formula = "∂ℓ/∂x = softmax(x)·Σq − q,  ∂ℓ/∂p = −(1 − ε)·w·log softmax(x)"

    @classmethod
    def name(cls) -> str:
        return "CrossEntropy"       # what the renderer shows for both cases

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, target: np.ndarray,
                weight: np.ndarray | None = None, reduction: str = "mean",
                ignore_index: int | None = None, label_smoothing: float = 0.0) -> np.ndarray:
        # ignore_index is None unless some target equals it (F.cross_entropy checks)
        if x.shape[1]:
            shifted = x - x.max(1, keepdims=True)
            probs = np.exp(shifted)
            total = probs.sum(1, keepdims=True)
            logp = shifted - np.log(total)
            probs /= total
        else:       # no classes: nothing to normalise (and no ln 0 to warn about)
            probs, logp = np.empty_like(x), np.empty_like(x)
        n_classes, eps = x.shape[1], label_smoothing
        wc = None if weight is None else \
            weight.astype(x.dtype).reshape((1, n_classes) + (1,) * (x.ndim - 2))
        ctx.wc, ctx.eps, ctx.reduction = wc, eps, reduction
        ctx.class_target = target.dtype.kind in "iu"
        if ctx.class_target:
            valid = None if ignore_index is None else target != ignore_index
            idx = target if valid is None else np.where(valid, target, 0)
            idx = idx.reshape(idx.shape[:1] + (1,) + idx.shape[1:])   # class dim back in
            wt = None if wc is None else wc.reshape(-1)[idx]          # weight of yᵢ
            vmask = None if valid is None else valid.reshape(idx.shape).astype(x.dtype)
            if vmask is not None:       # (selected: an ignored weight may be inf)
                wt = vmask if wt is None else np.where(valid.reshape(idx.shape), wt, 0)
            loss = -logp[_class_entries(idx)]
            with np.errstate(invalid="ignore", over="ignore"):     # ∞ weights: as torch
                if wt is not None:
                    loss *= wt
                if eps:
                    smooth = -(logp if wc is None else logp * wc).sum(1, keepdims=True) \
                        / n_classes
                    loss = (1 - eps) * loss + eps * smooth
            if vmask is not None:       # ignored: 0, even where the logits are nan (torch)
                loss[~valid.reshape(idx.shape)] = 0
            loss = loss[:, 0]
            ctx.idx, ctx.wt, ctx.vmask = idx, wt, vmask
            denom = loss.size if wt is None else wt.sum()
        else:
            q = target if eps == 0 else target * (1 - eps) + eps / max(n_classes, 1)
            if wc is not None:
                q = q * wc
            loss = -(q * logp).sum(1)
            denom = loss.size if n_classes else 0      # torch divides by numel / C
        ctx.denom = denom
        ctx.save_for_backward(x, target, probs, logp)
        if reduction == "none":
            return loss.astype(x.dtype, copy=False)
        total_loss = loss.sum(dtype=x.dtype)
        if reduction != "mean":
            return total_loss
        if not denom:                   # no element counts (empty, or every target ignored)
            return np.asarray(np.nan, x.dtype)       # 0/0, as torch
        if weight is None:
            return total_loss / x.dtype.type(denom)
        with np.errstate(invalid="ignore", over="ignore"):     # ∞ weights: ∞/∞ = nan (torch)
            return total_loss / x.dtype.type(denom)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        if ctx.create_graph:  # make them depend on x
            x, target, _, _ = ctx.saved_tensors
            probs, logp = x.softmax(1), x.log_softmax(1)
        elif ctx.class_target:    # Speed: not recorded, so the same math on the arrays
            x, target, probs, logp = ctx.saved_arrays   # (the engine wraps the result)
            # a reduced loss's 0-d gradient as a Python float: NumPy's 0-d arithmetic
            # (grad / N below) costs more than a whole (N, C) ufunc pass
            grad = grad._data if ctx.reduction == "none" else float(grad._data)
        else:
            x, target, probs, logp = ctx.saved_tensors
        if ctx.reduction == "none":           # the class dimension back in
            coef = grad.reshape(grad.shape[:1] + (1,) + grad.shape[1:])
        elif ctx.reduction != "mean":         # a 0-d gradient broadcasts as it is
            coef = grad
        else:                   # nothing counted: every gradient is 0 (as torch), not nan
            coef = grad / ctx.denom if ctx.denom else 0.0
        eps, wc = ctx.eps, ctx.wc
        n_classes = x.shape[1]
        gx = gt = None
        if ctx.class_target:
            q = np.zeros(x.shape, x.dtype)
            q[_class_entries(ctx.idx)] = (1 - eps) if ctx.wt is None else (1 - eps) * ctx.wt
            if eps:
                spread = eps / n_classes if wc is None else wc * (eps / n_classes)
                q += spread if ctx.vmask is None else spread * ctx.vmask
            if ctx.needs_input_grad[0] and ctx.wt is None:      # rows of q sum to 1
                gx = (probs - q) * coef
            elif ctx.needs_input_grad[0]:     # weighted or ignored
                if ctx.vmask is not None:     # ignored rows: no gradient flows in (torch
                    keep = ctx.vmask != 0     # writes none there), whatever the upstream one
                    coef = Where.apply(keep, coef, np.zeros((), x.dtype)) \
                        if isinstance(coef, Tensor) else np.where(keep, coef, 0)
                with np.errstate(invalid="ignore", over="ignore"):
                    gx = (probs * q.sum(1, keepdims=True) - q) * coef
        else:
            q = target if eps == 0 else target * (1 - eps) + eps / max(n_classes, 1)
            if wc is not None:
                q = q * wc
            if ctx.needs_input_grad[0]:
                gx = (probs * q.sum(1, keepdim=True) - q) * coef
            if ctx.needs_input_grad[1]:
                scale = (1 - eps) if wc is None else wc * (1 - eps)
                gt = -(logp * scale) * coef
        return gx, gt

    jvp_formula = "ℓ̇ = Σ_c ∂ℓ/∂x_c·ẋ_c (+ Σ_c ∂ℓ/∂q_c·q̇_c for soft targets)"

    @staticmethod
    def jvp(ctx: Function, tx: Tensor | None, tt: Tensor | None, *rest: None) -> Tensor | None:
        return jvp_from_gradient(ctx, (tx, tt), _per_sample(ctx))


class MSE(Function):
    """ℓ = (x − y)², reduced by mean (N: the number of elements), sum (N = 1) or not at
    all."""
    formula = "∂ℓ/∂x = 2(x − y)/N,  ∂ℓ/∂y = −2(x − y)/N"

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, y: np.ndarray,
                reduction: str = "mean") -> np.ndarray:
        diff = np.asarray(x - y)              # (0-d operands give a NumPy scalar)
        ctx.reduction = reduction
        ctx.save_for_backward(x, y, diff)
        sq = diff * diff
        if reduction == "none":
            return sq
        total = sq.sum(dtype=sq.dtype)
        if reduction != "mean":
            return total
        return total / sq.dtype.type(sq.size) if sq.size else np.asarray(np.nan, sq.dtype)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        x, y, diff = ctx.saved_tensors
        if ctx.create_graph:  # make it depend on x and y
            diff = x - y
        scale = 2 / max(diff.numel(), 1) if ctx.reduction == "mean" else 2
        gx = grad * (diff * scale)
        need_x, need_y = ctx.needs_input_grad
        return (gx if need_x else None), (-gx if need_y else None)

    jvp_formula = "ℓ̇ = 2(x − y)·(ẋ − ẏ), its mean or sum"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor | None, tb: Tensor | None) -> Tensor | None:
        x, y = ctx.primals[:2]
        z = ctx.result
        inner = (x - y) * (tangent_sum(ta, None if tb is None else -tb) * 2)
        reduction = ctx.reduction
        if reduction == "none":
            return inner
        total = inner.sum()
        return total if reduction == "sum" or not inner.numel() else total / inner.numel()


class BinaryCrossEntropy(Function):
    """ℓ = −(y·ln x + (1 − y)·ln(1 − x)) elementwise, each log clamped at −100 (as
    torch) so x = 0 or 1 gives a finite loss and gradient (x(1 − x) is clamped at 1e−12)."""
    formula = "∂ℓ/∂x = (x − y)/(x(1 − x)),  ∂ℓ/∂y = ln(1 − x) − ln x"

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        ctx.save_for_backward(x, y)
        ctx.log_ratio = np.asarray(log_1mx - log_x)
        return -(y * log_x + (1 - y) * log_1mx)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        gx = grad * (x - y) / (x * (1 - x)).clamp(min=1e-12) if need_x else None
        gy = None
        if need_y:
            ratio = ctx.log_ratio
            if ctx.create_graph:  # make it depend on x
                ratio = (1 - x).log() - x.log()
            gy = grad * ratio
        return gx, gy

    jvp_formula = "ℓ̇ = Σ ∂ℓ/∂p·ṗ + ∂ℓ/∂y·ẏ, its mean or sum"

    @staticmethod
    def jvp(ctx: Function, tp: Tensor | None, ty: Tensor | None, *rest: None) -> Tensor | None:
        return jvp_from_gradient(ctx, (tp, ty), ctx.result.shape)


def _per_sample(ctx: Function) -> tuple:
    """The loss's shape with the class dimension 1 kept as size 1 (``()`` when reduced):
    each loss element is the sum over its own sample's slice."""
    z = ctx.result
    return () if not z.ndim else tuple(z.shape[:1]) + (1,) + tuple(z.shape[1:])


# ------------------------------------------------------------------ convolution
def _im2col(x: np.ndarray, kernel: tuple, stride: tuple, padding: tuple) -> np.ndarray:
    """(N, C, H, W) → (N, C·kh·kw, Ho·Wo): every receptive field as a column."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    n, c, ho, wo = win.shape[:4]
    return win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, ho * wo)


def conv_output_size(size: int, k: int, s: int, p: int) -> int:
    """⌊(size + 2p − k)/s⌋ + 1: the number of window positions along one axis."""
    return (size + 2 * p - k) // s + 1


class Im2Col(Function):
    """Unfold: z[n, (c,i,j), (h,w)] = x_padded[n, c, h·s+i, w·s+j].  Each input
    element is copied into every window that covers it."""
    formula = "∂L/∂x = col2im(∂L/∂z)  (sum over the windows covering each pixel)"

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, kernel: tuple = (1, 1), stride: tuple = (1, 1),
                padding: tuple = (0, 0)) -> np.ndarray:
        ctx.x_shape, ctx.geometry = x.shape, (kernel, stride, padding)
        return _im2col(x, kernel, stride, padding)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        kernel, stride, padding = ctx.geometry
        return Col2Im.apply(grad, x_shape=ctx.x_shape, kernel=kernel, stride=stride,
                            padding=padding)

    jvp_formula = "ż = im2col(ẋ)"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return Im2Col.apply(ta, **ctx._kwargs)


class Col2Im(Function):
    """Fold (the adjoint of Im2Col): every column entry is added back to the pixel it
    came from.  Linear, so its backward is Im2Col."""
    formula = "∂L/∂cols = im2col(∂L/∂z)"

    @staticmethod
    def forward(ctx: Function, cols: np.ndarray, x_shape: tuple | None = None,
                kernel: tuple = (1, 1), stride: tuple = (1, 1),
                padding: tuple = (0, 0)) -> np.ndarray:
        ctx.geometry = (kernel, stride, padding)
        n, c, h, w = x_shape
        (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
        ho, wo = conv_output_size(h, kh, sh, ph), conv_output_size(w, kw, sw, pw)
        cols = cols.reshape(n, c, kh, kw, ho, wo)
        out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), cols.dtype)
        for i in range(kh):               # kh·kw strided adds, no loop over pixels
            for j in range(kw):
                out[:, :, i:i + sh * ho:sh, j:j + sw * wo:sw] += cols[:, :, i, j]
        return out[:, :, ph:ph + h, pw:pw + w]

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        kernel, stride, padding = ctx.geometry
        return Im2Col.apply(grad, kernel=kernel, stride=stride, padding=padding)

    jvp_formula = "ż = col2im(ċols)"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return Col2Im.apply(ta, **ctx._kwargs)


class Conv2d(Function):
    """y[n, o] = b[o] + Σ_{c,i,j} W[o, c, i, j]·x_padded[n, c, h·s+i, w·s+j]
    (cross-correlation, as torch), computed as W₂·im2col(x) with W₂ = W reshaped to
    (out, C·kh·kw), cols = im2col(x)."""
    formula = "∂L/∂x = col2im(Wᵀ·∂L/∂y),  ∂L/∂W = Σₙ ∂L/∂y·colsᵀ,  ∂L/∂b = Σ ∂L/∂y"

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, weight: np.ndarray,
                bias: np.ndarray | None = None, stride: tuple = (1, 1),
                padding: tuple = (0, 0)) -> np.ndarray:
        n, _, h, w = x.shape
        out_ch, _, kh, kw = weight.shape
        cols = _im2col(x, (kh, kw), stride, padding)
        out = np.matmul(weight.reshape(out_ch, -1), cols)          # (N, out, Ho·Wo)
        if bias is not None:
            out += bias[:, None]
        ctx.geometry = ((kh, kw), stride, padding)
        ctx.save_for_backward(x, weight, cols)
        return out.reshape(n, out_ch, conv_output_size(h, kh, stride[0], padding[0]),
                           conv_output_size(w, kw, stride[1], padding[1]))

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        x, weight, cols = ctx.saved_tensors
        kernel, stride, padding = ctx.geometry
        need_x, need_w, need_b = (ctx.needs_input_grad + (False,))[:3]
        n, out_ch = grad.shape[:2]
        g = grad.reshape(n, out_ch, -1)                              # (N, out, Ho·Wo)
        w2 = weight.reshape(out_ch, -1)
        gx = gw = gb = None
        if need_x:
            gx = Col2Im.apply(w2.T @ g, x_shape=x.shape, kernel=kernel, stride=stride,
                              padding=padding)
        if need_w:
            if ctx.create_graph:  # cols must depend on x
                cols = Im2Col.apply(x, kernel=kernel, stride=stride, padding=padding)
            gw = (g @ cols.transpose(1, 2)).sum(0).reshape(weight.shape)
        if need_b:
            gb = grad.sum((0, 2, 3))
        return gx, gw, gb

    jvp_formula = "ẏ = conv(ẋ, W) + conv(x, Ẇ) + ḃ"

    @staticmethod
    def jvp(ctx: Function, tx: Tensor | None, tw: Tensor | None,
            tb: Tensor | None = None) -> Tensor | None:
        x, w = ctx.primals[:2]
        return tangent_sum(None if tx is None else Conv2d.apply(tx, w, None, **ctx._kwargs),
                           None if tw is None else Conv2d.apply(x, tw, None, **ctx._kwargs),
                           None if tb is None else tb.reshape(-1, 1, 1))


class MaxPool2d(Function):
    """y[n, c, h, w] = max of x over the window at (h·s, w·s) (padding counts as −∞).
    The first maximum wins ties; the gradient is scattered back to the winners (summed
    where windows overlap)."""
    formula = "∂y/∂x = [x is the maximum of its window]"

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, kernel: tuple = (2, 2), stride: tuple = (2, 2),
                padding: tuple = (0, 0)) -> np.ndarray:
        n, c, h, w = x.shape
        (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
        xp = x
        if ph or pw:
            xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
        ho, wo = conv_output_size(h, kh, sh, ph), conv_output_size(w, kw, sw, pw)
        # arg: flat offset (in the unpadded input) of each window's winner from the
        # window's top-left corner; out: the running maximum
        out = arg = None
        for i in range(kh):               # kh·kw strided compares, no loop over pixels
            for j in range(kw):
                v = xp[:, :, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw]
                if out is None:
                    out, arg = v.copy(), np.zeros(v.shape, np.intp)
                else:
                    better = v > out      # strict: the first maximum wins ties
                    np.maximum(out, v, out=out)
                    np.putmask(arg, better, i * w + j)
        corner = ((np.arange(n * c).reshape(n, c, 1, 1) * h + np.arange(ho)[:, None] * sh - ph)
                  * w + np.arange(wo) * sw - pw)
        arg += corner
        ctx.pos = arg.ravel()
        ctx.x_shape = x.shape
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        size = int(np.prod(ctx.x_shape))
        dx = IndexScatter.apply(grad.reshape(-1), shape=(size,), index=ctx.pos)
        return dx.reshape(ctx.x_shape)

    jvp_formula = "ẏ = ẋ at each window's maximum"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return GetItem.apply(ta.reshape(-1), index=ctx.pos).reshape(ctx.result.shape)


__all__ = ["Linear", "CrossEntropy", "CrossEntropyGeneral", "MSE", "BinaryCrossEntropy", "Im2Col", "Col2Im", "Conv2d",
           "MaxPool2d"]
