"""Fused ops of today's models: one graph node (and a few NumPy kernels) where the
composed version would record a dozen small nodes.

* ``LayerNorm``: x̂ = (x − μ)/√(σ² + ε) over the last dimensions, y = x̂·γ + β, with
  the analytic backward (no mean/var/sqrt nodes).
* ``GELUTanh``: GELU's tanh approximation ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
* ``MaskedSoftmax``: softmax of scores plus an additive mask (−∞ where masked); a
  row that is masked everywhere gives zeros, as torch's attention does.
* ``ScaledDotProductAttention``: softmax(Q·Kᵀ·scale + mask)·V (with dropout on the
  probabilities) as one node; its backward is four batched products.
* ``LSTMPointwise``: an LSTM step after its two matrix products — four gates, the
  new cell and hidden state — as one node instead of thirteen.

Each backward runs on plain arrays when it is not itself recorded; under
``create_graph=True`` it rebuilds what it needs from the inputs with Tensor ops, so
second derivatives are those of the composed version.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ..autograd.function import jvp_by_transposed_backward, jvp_from_gradient, tangent_sum
from ..tensor import Tensor
from .shape import Cat

_GELU_C, _GELU_A = math.sqrt(2 / math.pi), 0.044715


def _last_axes(ndim: int) -> tuple[int, ...]:
    return tuple(range(-ndim, 0))


# One backward formula runs on arrays (not recorded) or on Tensors (create_graph); these
# three spell the reductions and the transpose the same way for both.
def _mean_keep(a, axes):
    return a.mean(axes, keepdims=True) if a.__class__ is np.ndarray else a.mean(axes, True)


def _sum_keep(a, axes):
    return a.sum(axes, keepdims=True) if a.__class__ is np.ndarray else a.sum(axes, True)


def _mT(a):
    """The last two dimensions swapped (a view for an array)."""
    return a.swapaxes(-1, -2) if a.__class__ is np.ndarray else a.mT


def _standardize(x: Tensor, axes: tuple, eps: float) -> tuple[Tensor, Tensor]:
    """x̂ = (x − μ)·r and r = 1/√(σ² + ε) over ``axes``, as Tensor ops (the recorded
    backward differentiates through them)."""
    centred = x - x.mean(axes, keepdim=True)
    rstd = 1 / ((centred * centred).mean(axes, keepdim=True) + eps).sqrt()
    return centred * rstd, rstd


class LayerNorm(Function):
    """y = x̂·γ + β with x̂ = (x − μ)/√(σ² + ε), μ and σ² (biased) over the last
    ``ndim`` dimensions (or over ``axes``: batch norm in training normalises over
    the batch and positions, γ and β of shape (1, C, 1, …)).  In the formula
    ĝ = ∂L/∂y·γ and σ stands for √(σ² + ε)."""
    formula = "∂L/∂x = (ĝ − mean ĝ − x̂·mean(ĝx̂))/σ,  ∂L/∂γ = Σ ∂L/∂y·x̂,  ∂L/∂β = Σ ∂L/∂y"

    @staticmethod
    def forward(ctx: Function, x: np.ndarray, weight: np.ndarray | None = None,
                bias: np.ndarray | None = None, ndim: int = 1, eps: float = 1e-5,
                axes: tuple | None = None) -> np.ndarray:
        axes = _last_axes(ndim) if axes is None else axes
        ctx.axes, ctx.eps = axes, eps
        if not x.size:      # nothing to normalise (NumPy would warn "Mean of empty slice")
            ctx.save_for_backward(x, weight, x, x)
            return np.broadcast_to(x, np.broadcast_shapes(*(np.shape(a) for a in
                                                          (x, weight, bias) if a is not None))).copy()
        count = x.dtype.type(np.prod([x.shape[a] for a in axes]))
        # means as ufunc reductions (not ndarray.mean): an inf input's warning is then
        # raised in this module, where the package's warnings filter silences it
        centred = x - np.add.reduce(x, axis=axes, keepdims=True) / count
        var = np.add.reduce(np.square(centred), axis=axes, keepdims=True) / count
        rstd = 1 / np.sqrt(var + x.dtype.type(eps))
        xhat = centred
        xhat *= rstd                        # centred is fresh: normalise in place
        ctx.save_for_backward(x, weight, xhat, rstd)
        out = xhat if weight is None else xhat * weight
        if bias is not None:
            out = out + bias if out is xhat else np.add(out, bias, out=out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        axes = ctx.axes
        needs = ctx.needs_input_grad + (False, False)
        if not grad._data.size:             # an empty input: every gradient is zeros
            return tuple(np.zeros(np.shape(a), grad._data.dtype) if need else None
                         for a, need in zip(ctx.inputs, needs))
        if ctx.create_graph:                # x̂ and r as functions of x
            x, weight = ctx.saved_tensors[:2]
            xhat, rstd = _standardize(x, axes, ctx.eps)
            g = grad
        else:
            x, weight, xhat, rstd = ctx.saved_arrays
            g = grad._data
        gx = gw = gb = None
        if needs[0]:
            gh = g if weight is None else g * weight
            gx = (gh - _mean_keep(gh, axes) - xhat * _mean_keep(gh * xhat, axes)) * rstd
        if needs[1]:
            gw = _sum_to(g * xhat, weight.shape)
        if needs[2]:
            gb = _sum_to(g, ctx.inputs[2].shape)
        return gx, gw, gb

    jvp_formula = "ẏ = J·(ẋ, ẇ, ḃ) by the transposed backward"

    @staticmethod
    def jvp(ctx: Function, *tangents: Tensor | None) -> Tensor | None:
        return jvp_by_transposed_backward(ctx, tangents)


def _sum_to(a, shape: tuple):
    """``a`` summed down to a parameter's ``shape`` (its leading dimensions dropped,
    its size-1 dimensions kept)."""
    lead = a.ndim - len(shape)
    if lead:
        a = a.sum(tuple(range(lead)))
    ones = tuple(i for i, n in enumerate(shape) if n == 1 and a.shape[i] != 1)
    return _sum_keep(a, ones) if ones else a


class GELUTanh(Function):
    """z = a·h with h = ½(1 + tanh u), u = √(2/π)(a + 0.044715a³); the derivative
    uses 1 − tanh²u = 4h(1 − h) (0.134145 = 3·0.044715)."""
    formula = "∂z/∂a = h + 2√(2/π)·a(1 + 0.134145a²)·h(1 − h),  h = ½(1 + tanh u)"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        # Speed: one buffer updated in place (a GPT's MLP applies this to big arrays)
        h = np.multiply(a, a, out=np.empty_like(a))    # (an array even when 0-d)
        h *= _GELU_A
        h += 1
        h *= a
        h *= _GELU_C
        np.tanh(h, out=h)
        h += 1
        h *= 0.5
        ctx.save_for_backward(a, h)
        return a * h

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        if ctx.create_graph:  # h as a function of a
            a, = ctx.saved_tensors[:1]
            h = (((a + a * a * a * _GELU_A) * _GELU_C).tanh() + 1) * 0.5
            return grad * (h + a * (a * a * (3 * _GELU_A) + 1) * (2 * _GELU_C) * h * (1 - h))
        (a, h), g = ctx.saved_arrays, grad._data
        d = np.multiply(a, a, out=np.empty_like(a))    # Speed: the formula in two buffers
        d *= 3 * _GELU_A
        d += 1
        d *= a
        d *= 2 * _GELU_C
        q = np.subtract(1, h, out=np.empty_like(h))
        q *= h
        d *= q
        d += h
        d *= g
        return d

    jvp_formula = "ż = GELU′(a)·ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return jvp_from_gradient(ctx, (ta,), ctx.result.shape)


def _masked_softmax(scores: np.ndarray) -> np.ndarray:
    """softmax along the last axis; a row that is −∞ everywhere gives zeros."""
    top = scores.max(-1, keepdims=True)
    if not np.isfinite(top).all():           # fully masked rows: no −∞ − (−∞) = nan
        top = np.where(np.isfinite(top), top, 0)
    e = np.exp(scores - top)
    total = e.sum(-1, keepdims=True)
    if not total.all():
        total[total == 0] = 1
    e /= total
    return e


class MaskedSoftmax(Function):
    """s = softmax(a + m) along the last dimension, m an additive mask (0 or −∞, or
    any float bias); rows masked everywhere are 0.  g = ∂L/∂s."""
    formula = "∂L/∂a = s·(g − Σⱼ gⱼsⱼ) = ∂L/∂m"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        out = _masked_softmax(a if mask is None else a + mask)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        (s,), g = ctx.unpack(grad)
        gs = g * s
        ga = gs - s * _sum_keep(gs, -1)
        need_mask = len(ctx.needs_input_grad) > 1 and ctx.needs_input_grad[1]
        return ga, (ga if need_mask else None)

    jvp_formula = "ṡ = s·(ė − Σⱼ sⱼėⱼ),  ė = ȧ + ṁ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor | None, tm: Tensor | None = None) -> Tensor | None:
        s = ctx.result
        e = tangent_sum(ta, tm)
        return s * (e - (s * e).sum(-1, keepdim=True))


class ScaledDotProductAttention(Function):
    """O = D(P)·V with P = softmax(S), S = Q·Kᵀ·c + M, D dropout (keep/(1 − p)) and c
    the scale; G = ∂L/∂O.  The formula is written without dropout (with it, P in ∂L/∂V
    is D(P) and G·Vᵀ is D(G·Vᵀ)); ∂L/∂M = ∂L/∂S."""
    formula = ("∂L/∂V = Pᵀ·G,  ∂L/∂S = P·(G·Vᵀ − Σ(G·Vᵀ)·P),  ∂L/∂Q = c·∂L/∂S·K,  "
               "∂L/∂K = c·∂L/∂Sᵀ·Q")

    @staticmethod
    def forward(ctx: Function, q: np.ndarray, k: np.ndarray, v: np.ndarray,
                mask: np.ndarray | None = None, scale: float = 1.0,
                keep: np.ndarray | None = None) -> np.ndarray:
        scores = np.matmul(q, k.swapaxes(-1, -2))
        scores *= scores.dtype.type(scale)        # fresh: scale in place
        if mask is not None:
            scores += mask
        probs = _masked_softmax(scores)
        dropped = probs if keep is None else probs * keep
        ctx.scale, ctx.keep = scale, keep
        ctx.save_for_backward(q, k, v, mask, probs, dropped)
        return np.matmul(dropped, v)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        need_q, need_k, need_v, need_m = (ctx.needs_input_grad + (False,))[:4]
        keep, scale = ctx.keep, ctx.scale
        if ctx.create_graph:  # P as a function of Q, K, M
            q, k, v, mask = ctx.saved_tensors[:4]
            probs = MaskedSoftmax.apply((q @ k.mT) * scale, mask)
            dropped = probs if keep is None else probs * keep
            g = grad
        else:
            q, k, v, mask, probs, dropped = ctx.saved_arrays
            g = grad._data
        gq = gk = gv = gs = None
        if need_v:
            gv = _mT(dropped) @ g
        if need_q or need_k or need_m:
            gp = g @ _mT(v)
            if keep is not None:
                gp = gp * keep
            gpp = gp * probs
            gs = gpp - probs * _sum_keep(gpp, -1)
            if need_q:
                gq = (gs @ k) * scale
            if need_k:
                gk = (_mT(gs) @ q) * scale
        return gq, gk, gv, (gs if need_m else None)

    jvp_formula = "Ȯ = J·(Q̇, K̇, V̇, Ṁ) by the transposed backward"

    @staticmethod
    def jvp(ctx: Function, *tangents: Tensor | None) -> Tensor | None:
        return jvp_by_transposed_backward(ctx, tangents)


def _lstm_gates(gates, c):
    """σ(i), σ(f), tanh(g), σ(o), c' = σ(f)·c + σ(i)·tanh(g) and tanh(c'), on arrays
    or (for a recorded backward) on Tensors."""
    if isinstance(gates, Tensor):
        i, f, g, o = gates.chunk(4, -1)
        si, sf, tg, so = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        c_new = sf * c + si * tg
        return si, sf, tg, so, c_new, c_new.tanh()
    # Speed: all four gates in one buffer, σ(x) = ½·tanh(x/2) + ½ (exact, never
    # overflows), then tanh over the g block: a handful of passes instead of ~15 ops
    size = gates.shape[-1] // 4
    act = gates * 0.5
    np.tanh(act, out=act)
    act *= 0.5
    act += 0.5
    act[..., 2 * size:3 * size] = np.tanh(gates[..., 2 * size:3 * size])
    si, sf, tg, so = (act[..., k * size:(k + 1) * size] for k in range(4))
    c_new = sf * c
    c_new += si * tg
    return si, sf, tg, so, c_new, np.tanh(c_new)


class LSTMPointwise(Function):
    """[h', c'] from the pre-activations (i, f, g, o) = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh
    and the cell c:  c' = σ(f)·c + σ(i)·tanh(g),  h' = σ(o)·tanh(c').  In the formula
    ∂x is ∂L/∂x, and ∂c the gradient reaching c' (directly and through h')."""
    formula = ("∂c = ∂c' + ∂h'·σ(o)(1 − tanh²c'),  ∂i = ∂c·tanh g·σ'(i),  ∂f = ∂c·c·σ'(f),  "
               "∂g = ∂c·σ(i)(1 − tanh²g),  ∂o = ∂h'·tanh c'·σ'(o),  ∂L/∂c = ∂c·σ(f)")

    @staticmethod
    def forward(ctx: Function, gates: np.ndarray, c: np.ndarray) -> np.ndarray:
        si, sf, tg, so, c_new, tc = _lstm_gates(gates, c)
        ctx.save_for_backward(gates, c, si, sf, tg, so, tc)
        return np.concatenate([so * tc, c_new], axis=-1)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        if ctx.create_graph:  # the gates as functions of inputs
            gates, c = ctx.saved_tensors[:2]
            si, sf, tg, so, _, tc = _lstm_gates(gates, c)
            gh, gc = grad.chunk(2, -1)
        else:
            gates, c, si, sf, tg, so, tc = ctx.saved_arrays
            gh, gc = np.split(grad._data, 2, axis=-1)
        dc = gc + gh * so * (1 - tc * tc)
        parts = [dc * tg * si * (1 - si), dc * c * sf * (1 - sf), dc * si * (1 - tg * tg),
                 gh * tc * so * (1 - so)]
        dgates = (Cat.apply(*parts, dim=-1) if isinstance(dc, Tensor) else
                  np.concatenate(parts, axis=-1))
        return dgates, dc * sf

    jvp_formula = "(ḣ, ċ) = J·(ġates, ċ) by the transposed backward"

    @staticmethod
    def jvp(ctx: Function, *tangents: Tensor | None) -> Tensor | None:
        return jvp_by_transposed_backward(ctx, tangents)


__all__ = ["LayerNorm", "GELUTanh", "MaskedSoftmax", "ScaledDotProductAttention",
           "LSTMPointwise"]
