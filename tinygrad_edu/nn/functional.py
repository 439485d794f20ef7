"""``nn.functional``: the layers and losses as plain functions (``F.relu``,
``F.cross_entropy``, ...), with torch.nn.functional's names and arguments.

The modules in ``nn`` call these; these check their inputs and then call Tensor
methods or a fused ``Function`` from ``tinygrad_edu.functions.nn``.
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import functions as _fn
from .. import random as _random
from ..tensor import Tensor, _promote, _torch_dtype_name, where
from .cnn_functional import (avg_pool2d, conv1d, conv2d, conv_transpose2d,  # noqa: F401
                             interpolate, max_pool2d)

__all__ = ["relu", "leaky_relu", "sigmoid", "tanh", "gelu", "softplus", "softmax",
           "log_softmax", "linear", "dropout", "conv2d", "max_pool2d", "batch_norm",
           "embedding", "one_hot", "pad", "cross_entropy", "nll_loss", "mse_loss", "l1_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "huber_loss", "smooth_l1_loss",
           "layer_norm", "scaled_dot_product_attention", "rms_norm", "group_norm",
           "avg_pool2d", "adaptive_avg_pool2d", "conv1d", "conv_transpose2d", "interpolate"]


# ------------------------------------------------------------------ activations
def relu(input: Tensor) -> Tensor:
    """max(0, x)."""
    return input.relu()


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x if x > 0 else negative_slope·x."""
    return input.leaky_relu(negative_slope)


def sigmoid(input: Tensor) -> Tensor:
    """1/(1 + e⁻ˣ)."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x) (exact); ``approximate='tanh'``: ½x(1 + tanh(√(2/π)(x + 0.044715x³)))."""
    if approximate == "none":
        return input.gelu()
    if approximate == "tanh":
        return _fn.GELUTanh.apply(input._only_float("gelu"))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """ln(1 + e^(βx))/β."""
    return input.softplus(beta, threshold)


def softmax(input: Tensor, dim: int = -1) -> Tensor:
    """e^(xᵢ)/Σⱼ e^(xⱼ) along ``dim``."""
    return input.softmax(dim)


def log_softmax(input: Tensor, dim: int = -1) -> Tensor:
    """xᵢ − logsumexp(x) along ``dim``."""
    return input.log_softmax(dim)


# ------------------------------------------------------------------ layers
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x·Wᵀ + b, W of shape (out_features, in_features); one fused node."""
    w_shape, x_shape = weight._data.shape, input._data.shape
    if len(w_shape) == 1 and bias is None and x_shape[-1:] == w_shape:
        return input @ weight           # a vector of weights: torch's x·w
    if len(w_shape) != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got "
                         f"shape {tuple(weight.shape)} (input shape {tuple(input.shape)})")
    if x_shape[-1:] != w_shape[1:]:
        raise ValueError(f"linear: input of shape {tuple(input.shape)} has "
                         f"{input.shape[-1] if input.ndim else 0} features, but the weight "
                         f"of shape {tuple(weight.shape)} expects in_features={weight.shape[1]}")
    return _fn.Linear.apply(input, weight, bias)


def dropout(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """In training, zero each element with probability p and scale the rest by
    1/(1−p) (so the expectation is unchanged); identity otherwise."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: probability has to be between 0 and 1, got {p}")
    if not training or p == 0:
        return input
    keep = _random.rng().random(input.shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1 - p)
    return input * (keep * scale).astype(input.dtype)


def _as_batched_image(op: str, input: Tensor) -> tuple[Tensor, bool]:
    if input.ndim == 3:
        return input.unsqueeze(0), True
    if input.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W) or a 3-D one (C, H, W), "
                         f"got shape {tuple(input.shape)}")
    return input, False


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """y = (x − μ)/√(σ² + ε)·γ + β per channel (dimension 1). In training μ, σ² are the
    batch's (biased) statistics and the running ones move towards them:
    r ← (1 − momentum)·r + momentum·batch (the running variance uses the unbiased
    estimate); otherwise the running statistics are used."""
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of shape (N, C, ...), got "
                         f"shape {tuple(input.shape)}")
    channels = input.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean),
                    ("running_var", running_var)):
        if t is not None and t.shape != (channels,):
            raise ValueError(f"batch_norm: {name} has shape {tuple(t.shape)} but the input of "
                             f"shape {tuple(input.shape)} has {channels} channels")
    dims = (0,) + tuple(range(2, input.ndim))
    cshape = (1, channels) + (1,) * (input.ndim - 2)
    if training or running_mean is None:
        count = input.numel() // channels
        if training and count < 2:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {tuple(input.shape)}")
        if training and running_mean is not None:
            x = input._data
            mean = x.mean(dims)
            unbiased = x.var(dims, ddof=1)
            # in place, as torch: a state dict taken earlier sees the update
            running_mean._data[...] = (1 - momentum) * running_mean._data + momentum * mean
            running_var._data[...] = (1 - momentum) * running_var._data + momentum * unbiased
        # batch statistics: one fused node (the layer-norm kernel over the batch axes)
        return _fn.LayerNorm.apply(input._float(), None if weight is None else
                                   weight.reshape(cshape), None if bias is None else
                                   bias.reshape(cshape), eps=eps, axes=dims)
    else:
        centred = input - running_mean._data.reshape(cshape).astype(input.dtype)
        var = Tensor._make(running_var._data.reshape(cshape).astype(input.dtype), False, None)
    out = centred / (var + eps).sqrt()
    if weight is not None:
        out = out * weight.reshape(cshape)
    if bias is not None:
        out = out + bias.reshape(cshape)
    return out


def embedding(input: Tensor | np.ndarray, weight: Tensor,
              padding_idx: int | None = None) -> Tensor:
    """Row lookup: y[...] = weight[input[...]]; the gradient is added back to the
    rows used (never to ``padding_idx``'s row)."""
    idx = np.asarray(input._data if isinstance(input, Tensor) else input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {idx.dtype}")
    rows = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= rows):
        bad = idx[(idx < 0) | (idx >= rows)].ravel()[0]
        raise IndexError(f"embedding: index {bad} is out of range for a table of "
                         f"{rows} rows (weight shape {tuple(weight.shape)})")
    out = weight[idx]
    if padding_idx is not None:
        pad = np.expand_dims(idx == padding_idx % rows, -1)
        out = where(pad, weight.detach()[idx], out)
    return out


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices → int64 one-hot vectors along a new last dimension."""
    idx = np.asarray(tensor._data if isinstance(tensor, Tensor) else tensor)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got dtype {idx.dtype}")
    n = int(idx.max()) + 1 if num_classes < 0 else num_classes
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"one_hot: class values must be in [0, {n}), got "
                         f"[{idx.min()}, {idx.max()}]")
    return Tensor(np.eye(n, dtype=np.int64)[idx])


pad = _fn.pad      # widths last dimension first: (left, right, top, bottom, ...)


# ------------------------------------------------------------------ losses
_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_reduction(op: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got "
                         f"{reduction!r}")


def _as_tensor(x: Any, like: Tensor) -> Tensor:
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    return Tensor(arr.astype(like.dtype) if arr.dtype.kind == "f" else arr)


def _check_same_shape(op: str, input: Tensor, target: Tensor) -> None:
    if input.shape != target.shape:
        warnings.warn(f"{op}: target shape {tuple(target.shape)} differs from input shape "
                      f"{tuple(input.shape)}; they will be broadcast, which is rarely intended",
                      stacklevel=3)


_UNSIGNED = {np.dtype(c): np.dtype(c.upper()) for c in "bhilqBHILQ"}   # native order


def _class_target(op: str, input: Tensor, target: Tensor, ignore_index: int) -> tuple:
    """Validate class-index targets for input (N, C, d₁, …): integers of shape
    (N, d₁, …) in [0, C) (or equal to ignore_index). Returns the target array and
    whether ignore_index occurs in it."""
    t, shape = target._data, input._data.shape
    expected, kind = shape[:1] + shape[2:], t.dtype.kind
    if kind == "f":
        raise TypeError(f"{op}: a float target of shape {tuple(t.shape)} is taken as class "
                        f"probabilities and must have the input's shape {tuple(input.shape)}; "
                        f"if it holds class indices, convert it with .long()")
    if kind not in "iu":
        raise TypeError(f"{op}: class-index targets must be integers, got dtype {t.dtype}")
    if t.shape != expected:
        raise ValueError(f"{op}: class-index target of shape {tuple(t.shape)} does not fit input "
                         f"of shape {tuple(input.shape)}; expected target shape {expected}")
    if not t.size:
        return t, False
    n_classes = shape[1]
    # Speed: one pass in the common case: seen as unsigned, a negative class is huge,
    # so a maximum below C proves every class lies in [0, C)
    unsigned = _UNSIGNED.get(t.dtype)
    if (unsigned is not None and t.view(unsigned).max() < n_classes
            and not 0 <= ignore_index < n_classes):
        return t, False
    lo, hi = t.min(), t.max()
    if lo < 0 or hi >= n_classes:
        bad = ((t < 0) | (t >= n_classes)) & (t != ignore_index)
        if bad.any():
            raise IndexError(f"{op}: target class {t[bad].ravel()[0]} is out of range for "
                             f"{n_classes} classes (valid: 0 … {n_classes - 1})")
    return t, bool(lo <= ignore_index <= hi and (t == ignore_index).any())


def _class_dim_first(op: str, input: Tensor, target: Tensor) -> tuple[Tensor, Tensor, bool]:
    """Unbatched (C,) input with a 0-d target becomes a batch of one. A 0-d input has
    no class dimension: torch's errors."""
    ndim = input._data.ndim
    if ndim == 0:
        if op == "nll_loss":
            raise ValueError("Expected 1 or more dimensions (got 0)")
        if target._data.dtype.kind != "f":
            name = _torch_dtype_name(target._data.dtype).capitalize()
            raise RuntimeError(f"Expected floating point type for target with class "
                               f"probabilities, got {name}")
        raise IndexError("Dimension specified as 1 but tensor has no dimensions")
    if ndim == 1:
        return input.unsqueeze(0), target.reshape((1,) + target.shape), True
    return input, target, False


def _same_scalar_type(x: Tensor, weight: Any) -> None:
    """torch's class weights must have the input's dtype."""
    if isinstance(weight, Tensor) and weight._data.dtype != x._data.dtype:
        raise RuntimeError(f"expected scalar type "
                           f"{_torch_dtype_name(x._data.dtype).capitalize()} but found "
                           f"{_torch_dtype_name(weight._data.dtype).capitalize()}")


def _no_classes(x: Tensor, reduction: str, unbatched: bool, smoothing: float = 0.0) -> Tensor:
    """The class-index loss over no classes (every target is ignore_index, or it would
    have been refused): 0 per element (nan with label smoothing: its mean over no
    classes is 0/0), a mean of nan (0/0), every gradient 0."""
    loss = x.sum(1)             # zeros of the target's shape, in the graph of x
    if smoothing:
        loss = where(np.bool_(True), np.nan, loss)
    if reduction == "none":
        return loss.squeeze(0) if unbatched else loss
    return loss.sum() if reduction == "sum" else where(np.bool_(True), np.nan, loss.sum())


def cross_entropy(input: Tensor, target: Any, weight: Tensor | None = None,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """−Σ_c q_c·log softmax(x)_c over the class dimension 1, fused and stable for any
    logits. ``target``: class indices (integers, shape (N, d₁, …)) or class
    probabilities (floats, the input's shape). ``weight``: per-class weights;
    ``label_smoothing`` ε mixes the target with the uniform distribution."""
    _check_reduction("cross_entropy", reduction)
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got "
                         f"{label_smoothing}")
    target = _as_tensor(target, input)
    x, t, unbatched = _class_dim_first("cross_entropy", input, target)
    ignored = None
    if t._data.dtype.kind == "f" and t._data.shape == x._data.shape:
        if t._data.dtype != x._data.dtype:      # probabilities: torch promotes
            x, t = _promote(x, t)
    else:
        if _class_target("cross_entropy", x, t, ignore_index)[1]:
            ignored = ignore_index
        if not x._data.shape[1]:
            return _no_classes(x, reduction, unbatched, label_smoothing)
    _same_scalar_type(x, weight)
    w = None
    if weight is not None:
        w = np.asarray(weight._data if isinstance(weight, Tensor) else weight)
        if w.shape != (x.shape[1],):
            raise ValueError(f"cross_entropy: weight of shape {tuple(w.shape)} must have one "
                             f"entry per class ({x.shape[1]},)")
    if w is None and ignored is None and not label_smoothing and t._data.dtype.kind in "iu":
        out = _fn.CrossEntropy.apply(x, t, reduction=reduction)     # the plain case
    else:
        out = _fn.CrossEntropyGeneral.apply(x, t, weight=w, reduction=reduction,
                                            ignore_index=ignored,
                                            label_smoothing=label_smoothing)
    return out.squeeze(0) if unbatched and reduction == "none" else out


def nll_loss(input: Tensor, target: Any, weight: Tensor | None = None,
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """−w[yᵢ]·x[i, yᵢ] for log-probabilities x (class dimension 1); the mean divides
    by Σ w[yᵢ] over the non-ignored targets."""
    _check_reduction("nll_loss", reduction)
    x, t, unbatched = _class_dim_first("nll_loss", input, _as_tensor(target, input))
    idx = _class_target("nll_loss", x, t, ignore_index)[0]
    if not x._data.shape[1]:
        return _no_classes(x, reduction, unbatched)
    valid = idx != ignore_index
    idx = np.where(valid, idx, 0)
    _same_scalar_type(x, weight)
    w = np.ones(x.shape[1], x.dtype) if weight is None else \
        np.asarray(weight._data if isinstance(weight, Tensor) else weight, x.dtype)
    wt = np.where(valid, w[idx], 0)
    # move the class dimension last, then pick one entry per row
    rows = x.permute(0, *range(2, x.ndim), 1).reshape(-1, x.shape[1])
    picked = rows[np.arange(rows.shape[0]), idx.ravel()].reshape(idx.shape)
    if not valid.all():         # ignored: a loss of 0, even where the input is nan (torch)
        picked = where(valid, picked, 0.0)
    loss = -(picked * wt.astype(x.dtype))
    if reduction == "mean":
        if not wt.sum():        # nothing counted: 0/0 = nan, but a gradient of 0 (torch)
            return where(np.bool_(True), np.nan, loss.sum())
        return loss.sum() / wt.sum()
    if unbatched and reduction == "none":
        loss = loss.squeeze(0)
    return _reduce(loss, reduction)


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """(x − y)²."""
    _check_reduction("mse_loss", reduction)
    target = _as_tensor(target, input)
    _check_same_shape("mse_loss", input, target)
    input, target = _promote_broadcast(input, target)
    return _fn.MSE.apply(input, target, reduction=reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """|x − y|."""
    _check_reduction("l1_loss", reduction)
    target = _as_tensor(target, input)
    _check_same_shape("l1_loss", input, target)
    input, target = _promote_broadcast(input, target)
    return _reduce((input - target).abs(), reduction)


def _promote_broadcast(input: Tensor, target: Tensor) -> tuple[Tensor, Tensor]:
    """Both in one dtype as torch's losses promote them: after broadcasting, so a 0-d
    operand counts as much as the other (float32 with a float64 target is float64; an
    integer target with float32 input stays float32)."""
    a, b = input._data.dtype, target._data.dtype
    if a == b:
        return input, target
    if (a.kind == "f") == (b.kind == "f"):
        common = np.promote_types(a, b)
        return input.to(common), target.to(common)
    return _promote(input, target)


def huber_loss(input: Tensor, target: Any, reduction: str = "mean",
               delta: float = 1.0) -> Tensor:
    """½d² where |d| < δ, else δ(|d| − ½δ), with d = x − y (quadratic near 0, linear
    in the tails)."""
    _check_reduction("huber_loss", reduction)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    target = _as_tensor(target, input)
    _check_same_shape("huber_loss", input, target)
    diff = input - target.to(input.dtype)       # the input's dtype, as torch
    small = diff.abs()._data < delta
    inner = where(small, diff, 0.0)     # (so an infinite diff gives the square branch
    loss = where(small, inner * inner * 0.5, (diff.abs() - 0.5 * delta) * delta)  # no 0·∞)
    return _reduce(loss, reduction)


def smooth_l1_loss(input: Tensor, target: Any, size_average: Any = None, reduce: Any = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """½d²/β where |d| < β, else |d| − ½β, with d = x − y: the Huber loss divided by β
    (so its tails have slope 1); β = 0 is the L1 loss."""
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    return huber_loss(input, target, reduction, delta=beta) / beta


def binary_cross_entropy(input: Tensor, target: Any, weight: Tensor | None = None,
                         reduction: str = "mean") -> Tensor:
    """−w·(y·ln x + (1 − y)·ln(1 − x)) for probabilities x; each log is clamped at
    −100 as in torch, so x = 0 or 1 gives a finite loss."""
    _check_reduction("binary_cross_entropy", reduction)
    target = _as_tensor(target, input)
    if target.shape != input.shape:
        raise ValueError(f"binary_cross_entropy: target shape {tuple(target.shape)} must equal "
                         f"input shape {tuple(input.shape)}")
    if input._data.size and not (input._data.min() >= 0 and input._data.max() <= 1):
        raise RuntimeError("all elements of input should be between 0 and 1 "   # (or nan)
                           "(binary_cross_entropy takes probabilities; did you mean "
                           "binary_cross_entropy_with_logits?)")
    _not_differentiable("binary_cross_entropy", weight=weight)
    if target._data.dtype != input._data.dtype:
        raise RuntimeError(f"Found dtype {_torch_dtype_name(target._data.dtype).capitalize()} "
                           f"but expected {_torch_dtype_name(input._data.dtype).capitalize()}")
    loss = _fn.BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _not_differentiable(op: str, **arguments: Any) -> None:
    """torch does not differentiate ``op`` w.r.t. these arguments: one that requires
    grad is an error there, so here too (rather than a gradient torch never gives)."""
    for name, value in arguments.items():
        if isinstance(value, Tensor) and value.requires_grad:
            raise RuntimeError(f"The function '{op}' is not differentiable with respect to "
                               f"argument '{name}'. This input cannot have requires_grad "
                               f"True.")


def binary_cross_entropy_with_logits(input: Tensor, target: Any,
                                     weight: Tensor | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """BCE of σ(x), computed stably from logits: (1 − y)·x + (1 + (p − 1)·y)·softplus(−x)
    (= softplus(x) − x·y when pos_weight p = 1)."""
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    target = _as_tensor(target, input)
    if target.shape != input.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: target shape {tuple(target.shape)} "
                         f"must equal input shape {tuple(input.shape)}")
    _not_differentiable("binary_cross_entropy_with_logits", weight=weight,
                        pos_weight=pos_weight)
    if target._data.dtype != input._data.dtype:     # the target's dtype, as torch
        input = input.to(target.dtype)
    if pos_weight is None:      # stable for x = ±∞ too (softplus(x) − x·y would be ∞ − ∞)
        loss = (1 - target) * input + (-input).softplus()
    else:
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * (-input).softplus()
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# ------------------------------------------------------------------ models of today
def _normalized_shape(shape: int | tuple | list, input: Tensor | None = None) -> tuple[int, ...]:
    """``normalized_shape`` as a tuple, checked against the input's last dimensions."""
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if not shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    if input is not None and (len(shape) > input.ndim or
                              input._data.shape[input.ndim - len(shape):] != shape):
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size"
                           f"{list(input.shape)}")
    return shape


def layer_norm(input: Tensor, normalized_shape: int | tuple | list,
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """y = (x − μ)/√(σ² + ε)·γ + β, μ and σ² (biased) over the last
    len(normalized_shape) dimensions; one fused node."""
    shape = _normalized_shape(normalized_shape, input)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.shape != shape:
            raise RuntimeError(f"layer_norm: {name} has shape {tuple(t.shape)}, expected the "
                               f"normalized_shape {shape}")
        if t is not None and t._data.dtype != input._data.dtype:
            raise RuntimeError(f"mixed dtype (CPU): expect parameter to have scalar type of "
                               f"{_torch_dtype_name(input._data.dtype).capitalize()}")
    return _fn.LayerNorm.apply(input._float(), weight, bias, ndim=len(shape), eps=eps)


def _attention_bias(attn_mask: Any, is_causal: bool, dtype: np.dtype, q_len: int,
                    k_len: int) -> Any:
    """The additive mask of attention: a boolean mask (True = may attend) becomes 0/−∞,
    a float mask is added as it is, ``is_causal`` lets position i see j ≤ i."""
    if is_causal:
        if attn_mask is not None:
            raise ValueError("scaled_dot_product_attention: pass either attn_mask or "
                             "is_causal=True, not both")
        attn_mask = np.tri(q_len, k_len, dtype=bool)
    if attn_mask is None:
        return None
    arr = attn_mask._data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
    if arr.dtype == np.bool_:
        return np.where(arr, dtype.type(0), dtype.type(-np.inf))
    if arr.dtype.kind != "f":
        raise TypeError(f"scaled_dot_product_attention: attn_mask must be bool or float, "
                        f"got dtype {arr.dtype}")
    if isinstance(attn_mask, Tensor):       # a float mask is differentiable, as in torch
        return attn_mask.to(dtype)
    return arr.astype(dtype, copy=False)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Any = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(Q·Kᵀ·scale + mask)·V over the last two dimensions (scale defaults to
    1/√E); a boolean mask says where a query may attend (True), a float mask is
    added to the scores. One fused node, with dropout on the probabilities."""
    if enable_gqa:
        raise NotImplementedError("scaled_dot_product_attention: enable_gqa=True is not "
                                  "supported; repeat the key/value heads yourself")
    if not 0 <= dropout_p <= 1:
        raise ValueError(f"scaled_dot_product_attention: dropout_p must be in [0, 1], "
                         f"got {dropout_p}")
    q, k, v = query._data, key._data, value._data
    if min(q.ndim, k.ndim, v.ndim) < 2 or q.shape[-1] != k.shape[-1] or \
            k.shape[-2] != v.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: query {tuple(query.shape)}, key "
                           f"{tuple(key.shape)} and value {tuple(value.shape)} do not fit: need (…, L, E), "
                           f"(…, S, E) and (…, S, Ev)")
    dtype = q.dtype
    if scale is None:
        scale = 1 / math.sqrt(q.shape[-1]) if q.shape[-1] else 1.0
    bias = _attention_bias(attn_mask, is_causal, dtype, q.shape[-2], k.shape[-2])
    keep = None
    if dropout_p:
        batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2])
        drawn = _random.rng().random(batch + (q.shape[-2], k.shape[-2])) >= dropout_p
        keep = (drawn * (0.0 if dropout_p == 1 else 1 / (1 - dropout_p))).astype(dtype)
    return _fn.ScaledDotProductAttention.apply(query, key, value, bias, scale=float(scale),
                                               keep=keep)


def rms_norm(input: Tensor, normalized_shape: int | tuple | list,
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """y = x/√(mean(x²) + ε)·γ over the last len(normalized_shape) dimensions
    (``eps=None``: the dtype's machine epsilon)."""
    shape = _normalized_shape(normalized_shape, input)
    x = input._float()
    if eps is None:
        eps = float(np.finfo(x.dtype).eps)
    axes = tuple(range(-len(shape), 0))
    out = x / ((x * x).mean(axes, keepdim=True) + eps).sqrt()
    return out if weight is None else out * weight


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Channels (dimension 1) split into ``num_groups`` groups; each group of each
    sample normalised over its channels and positions (the fused layer norm), then
    y = x̂·γ[c] + β[c]."""
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    n, c = input.shape[:2]
    grouped = input._float().reshape(n, num_groups, -1)
    out = _fn.LayerNorm.apply(grouped, None, None, ndim=1, eps=eps).reshape(input.shape)
    cshape = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(cshape)
    if bias is not None:
        out = out + bias.reshape(cshape)
    return out


def adaptive_avg_pool2d(input: Tensor, output_size: int | tuple) -> Tensor:
    """Mean pooling to ``output_size`` (None keeps that dimension): cell (i, j) averages
    rows ⌊iH/h⌋ … ⌈(i+1)H/h⌉ − 1 and columns likewise, as torch."""
    x, unbatched = _as_batched_image("adaptive_avg_pool2d", input)
    size = (output_size, output_size) if isinstance(output_size, int) or output_size is None \
        else tuple(output_size)
    (h, w), x = x.shape[2:], x._float()
    oh, ow = (s if o is None else int(o) for o, s in zip(size, (h, w)))
    if h % oh == 0 and w % ow == 0:     # equal windows: one reshape and a mean
        out = x.reshape(x.shape[0], x.shape[1], oh, h // oh, ow, w // ow).mean((3, 5))
    else:
        rows = [(i * h // oh, -(-(i + 1) * h // oh)) for i in range(oh)]
        cols = [(j * w // ow, -(-(j + 1) * w // ow)) for j in range(ow)]
        out = _fn.Stack.apply(*[_fn.Stack.apply(*[x[:, :, r0:r1, c0:c1].mean((2, 3))
                                          for c0, c1 in cols], dim=-1)
                            for r0, r1 in rows], dim=-2)
    return out.squeeze(0) if unbatched else out
