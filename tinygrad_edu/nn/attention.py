"""``MultiheadAttention`` as torch.nn's: the same parameters (``in_proj_weight`` holds
W_q, W_k, W_v stacked, ``out_proj`` is a Linear), init, masks and outputs, so a
torch state_dict loads as it is; ``TransformerEncoderLayer`` and
``TransformerEncoder`` built from it, with torch's submodule names."""
from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from .. import functions as _fn
from ..tensor import Tensor
from . import functional as F
from . import init
from .containers import ModuleList
from .layers import Dropout, Linear
from .module import Module, Parameter
from .normalization import LayerNorm

__all__ = ["MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder"]


def _additive(mask: Any, dtype: np.dtype, what: str) -> Any:
    """A mask of MultiheadAttention (bool: True = may NOT attend; float: added) as an
    additive float mask: an array, or the Tensor itself when it is a float Tensor."""
    if mask is None:
        return None
    arr = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if arr.dtype == np.bool_:
        dtype = np.dtype(dtype)
        return np.where(arr, dtype.type(-np.inf), dtype.type(0))
    if arr.dtype.kind != "f":
        raise TypeError(f"MultiheadAttention: only bool and floating types of {what} are "
                        f"supported, got dtype {arr.dtype}")
    return mask.to(dtype) if isinstance(mask, Tensor) else arr.astype(dtype, copy=False)


class MultiheadAttention(Module):
    """Attention with ``num_heads`` heads of size embed_dim/num_heads:
    headᵢ = softmax(QW_qᵢ·(KW_kᵢ)ᵀ/√d + mask)·VW_vᵢ, output = concat(heads)·W_oᵀ + b_o.
    Inputs are (L, N, E), or (N, L, E) with ``batch_first=True``, or unbatched (L, E)."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0,
                 bias: bool = True, add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None,
                 batch_first: bool = False) -> None:
        super().__init__()
        if add_bias_kv or add_zero_attn or kdim not in (None, embed_dim) or \
                vdim not in (None, embed_dim):
            raise NotImplementedError("MultiheadAttention: add_bias_kv, add_zero_attn and "
                                      "kdim/vdim other than embed_dim are not supported")
        if embed_dim % num_heads:
            raise AssertionError("embed_dim must be divisible by num_heads")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.head_dim, self.batch_first = embed_dim // num_heads, batch_first
        self.kdim = self.vdim = embed_dim
        self.in_proj_weight = Parameter(np.zeros((3 * embed_dim, embed_dim), np.float32))
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, np.float32))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias)
        init.xavier_uniform_(self.in_proj_weight)          # torch's _reset_parameters
        if bias:
            self.out_proj.bias._data[...] = 0

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Any = None, need_weights: bool = True, attn_mask: Any = None,
                average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        if is_causal and attn_mask is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use "
                               "the Transformer module method `generate_square_subsequent_"
                               "mask` to create this mask.")
        unbatched = query.ndim == 2
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(f"MultiheadAttention: query, key and value must all be 3-D "
                             f"(batched) or 2-D (unbatched), got {tuple(query.shape)}, {tuple(key.shape)}, "
                             f"{tuple(value.shape)}")
        if query.shape[-1] != self.embed_dim:
            raise AssertionError(f"was expecting embedding dimension of {self.embed_dim}, "
                                 f"but got {query.shape[-1]}")
        q_in, k_in, v_in = query, key, value
        if unbatched:                       # (L, E) → (1, L, E)
            q_in, k_in, v_in = (t.unsqueeze(0) for t in (query, key, value))
        elif not self.batch_first:          # (L, N, E) → (N, L, E)
            q_in, k_in, v_in = (t.transpose(0, 1) for t in (query, key, value))
        n, tgt, e = q_in.shape
        src = k_in.shape[1]
        if key is query and value is query:     # self-attention: one projection, split
            q, k, v = F.linear(q_in, self.in_proj_weight, self.in_proj_bias).split(e, -1)
        else:
            w, b = self.in_proj_weight, self.in_proj_bias
            ws, bs = w.split(e), (None,) * 3 if b is None else b.split(e)
            q, k, v = (F.linear(t, wi, bi) for t, wi, bi in zip((q_in, k_in, v_in), ws, bs))
        heads, d = self.num_heads, self.head_dim
        q = q.reshape(n, tgt, heads, d).transpose(1, 2)     # (N, H, L, d)
        k = k.reshape(n, src, heads, d).transpose(1, 2)
        v = v.reshape(n, src, heads, d).transpose(1, 2)
        bias = self._mask(attn_mask, key_padding_mask, q_in.dtype, n, tgt, src, unbatched)
        dropout = self.dropout if self.training else 0.0
        weights = None
        if need_weights:                    # the probabilities are an output: composed
            scores = (q @ k.mT) * (1 / math.sqrt(d))
            probs = _fn.MaskedSoftmax.apply(scores, bias)
            probs = F.dropout(probs, dropout, dropout > 0)
            out = probs @ v
            weights = probs.mean(1) if average_attn_weights else probs
            if unbatched:
                weights = weights.squeeze(0)
        else:
            out = F.scaled_dot_product_attention(q, k, v, bias, dropout)
        out = self.out_proj(out.transpose(1, 2).reshape(n, tgt, e))
        if unbatched:
            out = out.squeeze(0)
        elif not self.batch_first:
            out = out.transpose(0, 1)
        return out, weights

    def _mask(self, attn_mask: Any, key_padding_mask: Any, dtype: np.dtype, n: int, tgt: int,
              src: int, unbatched: bool) -> Any:
        """attn_mask ((L, S) or (N·H, L, S)) and key_padding_mask ((N, S)) as one additive
        mask that broadcasts against the (N, H, L, S) scores."""
        bias = _additive(attn_mask, dtype, "attn_mask")
        if bias is not None:
            if bias.shape == (n * self.num_heads, tgt, src):
                bias = bias.reshape(n, self.num_heads, tgt, src)
            elif bias.shape != (tgt, src):
                raise RuntimeError(f"MultiheadAttention: attn_mask of shape "
                                   f"{tuple(bias.shape)} should be {(tgt, src)} or "
                                   f"{(n * self.num_heads, tgt, src)}")
        pad = _additive(key_padding_mask, dtype, "key_padding_mask")
        if pad is not None:
            if pad.shape != ((src,) if unbatched else (n, src)):
                raise RuntimeError(f"MultiheadAttention: key_padding_mask of shape "
                                   f"{tuple(pad.shape)} should be {(n, src)}")
            pad = pad.reshape(n, 1, 1, src)
            bias = pad if bias is None else bias + pad
        return bias


class TransformerEncoderLayer(Module):
    """Self-attention and a position-wise MLP, each with a residual connection and a
    LayerNorm: x = norm1(x + SA(x)); x = norm2(x + FF(x)), or with ``norm_first``
    x = x + SA(norm1(x)); x = x + FF(norm2(x)).  FF(x) = W₂·act(W₁x + b₁) + b₂."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Any = "relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False,
                 bias: bool = True) -> None:
        super().__init__()
        if isinstance(activation, str):
            if activation not in ("relu", "gelu"):
                raise RuntimeError(f"activation should be relu/gelu, not {activation}")
            activation = F.relu if activation == "relu" else F.gelu
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)
        self.activation = activation

    def forward(self, src: Tensor, src_mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool = False) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(self, x: Tensor, mask: Any, padding: Any, is_causal: bool) -> Tensor:
        out = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=padding,
                             need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(out)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` (each with its own parameters) applied
    in turn, then the optional final ``norm``."""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm

    def forward(self, src: Tensor, mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool | None = None) -> Tensor:
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)
