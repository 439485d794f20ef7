"""Recurrent layers as torch.nn's: ``RNN``, ``LSTM``, ``GRU`` (num_layers, batch_first,
bidirectional, dropout between layers, initial states in and final states out) and
their one-step cells. Parameter names, shapes, gate order (LSTM: i, f, g, o; GRU:
r, z, n) and the init U(−1/√H, 1/√H) are torch's, so a torch state_dict loads.

A sequence is unrolled step by step into the recorded graph, so ``backward`` is
backpropagation through time over that graph; the input projections of all time
steps are one matrix product before the loop.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..functions import Cat, LSTMPointwise, Stack
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _step(mode: str, xw: Tensor, h: Tensor, c: Tensor | None, w_hh: Tensor,
          b_hh: Tensor | None) -> tuple[Tensor, Tensor | None]:
    """One time step given xw = x·W_ihᵀ + b_ih: the new hidden (and cell) state."""
    hw = F.linear(h, w_hh, b_hh)
    if mode == "LSTM":                          # gates and states: one fused node
        hc = LSTMPointwise.apply(xw + hw, c)
        size = c.shape[-1]
        return hc[..., :size], hc[..., size:]
    if mode == "GRU":
        xr, xz, xn = xw.chunk(3, -1)
        hr, hz, hn = hw.chunk(3, -1)
        r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
        n = (xn + r * hn).tanh()
        return n + z * (h - n), None            # (1 − z)·n + z·h
    pre = xw + hw
    return (pre.tanh() if mode == "RNN_TANH" else pre.relu()), None


def _unbind(x: Tensor) -> list[Tensor]:
    """x[0], x[1], … (one Tensor per time step), taken by halving x recursively.
    Speed: each slice's gradient comes back as a zero array of its source's shape
    that the engine adds up; slicing L steps straight from x would cost L full-size
    arrays (quadratic in L), halving costs log₂L levels of them."""
    if x.shape[0] == 1:
        return [x[0]]
    mid = x.shape[0] // 2
    return _unbind(x[:mid]) + _unbind(x[mid:])


def _reset(module: Module, hidden_size: int) -> None:
    """torch's init of every recurrent weight and bias: U(−1/√H, 1/√H)."""
    bound = 1 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


# ----------------------------------------------------------------------- cells
class _Cell(Module):
    mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gates = _GATES[self.mode] * hidden_size
        self.weight_ih = Parameter(np.zeros((gates, input_size), np.float32))
        self.weight_hh = Parameter(np.zeros((gates, hidden_size), np.float32))
        if bias:
            self.bias_ih = Parameter(np.zeros(gates, np.float32))
            self.bias_hh = Parameter(np.zeros(gates, np.float32))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        _reset(self, hidden_size)

    def _run(self, input: Tensor, hx: Any) -> tuple[Tensor, Tensor | None, bool]:
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(f"{type(self).__name__}: expected input of shape (N, "
                             f"{self.input_size}) or ({self.input_size},), got {tuple(input.shape)}")
        unbatched = input.ndim == 1
        x = input.unsqueeze(0) if unbatched else input
        zeros = Tensor(np.zeros((x.shape[0], self.hidden_size), x.dtype))
        h, c = (hx if isinstance(hx, tuple) else (hx, None)) if hx is not None else (None, None)
        h = zeros if h is None else (h.unsqueeze(0) if unbatched else h)
        if self.mode == "LSTM":
            c = zeros if c is None else (c.unsqueeze(0) if unbatched else c)
        xw = F.linear(x, self.weight_ih, self.bias_ih)
        h, c = _step(self.mode, xw, h, c, self.weight_hh, self.bias_hh)
        return h, c, unbatched

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity=relu"
        return s


class RNNCell(_Cell):
    """h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (or ReLU)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh") -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}. Select from 'tanh' or "
                             f"'relu'.")
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, bias)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        h, _, unbatched = self._run(input, hx)
        return h.squeeze(0) if unbatched else h


class LSTMCell(_Cell):
    """i, f, g, o = σ, σ, tanh, σ of x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh (in that order);
    c' = f·c + i·g,  h' = o·tanh(c').  Returns (h', c')."""
    mode = "LSTM"

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple[Tensor, Tensor]:
        h, c, unbatched = self._run(input, hx)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(_Cell):
    """r = σ(W_ir x + b_ir + W_hr h + b_hr), z likewise, n = tanh(W_in x + b_in +
    r·(W_hn h + b_hn)),  h' = (1 − z)·n + z·h."""
    mode = "GRU"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        h, _, unbatched = self._run(input, hx)
        return h.squeeze(0) if unbatched else h


# ----------------------------------------------------------------------- layers
class _RNNBase(Module):
    mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0) -> None:
        super().__init__()
        if proj_size:
            raise NotImplementedError("LSTM: proj_size is not supported")
        if not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        gates = _GATES[self.mode] * hidden_size
        dirs = 2 if bidirectional else 1
        for layer in range(num_layers):
            width = input_size if layer == 0 else hidden_size * dirs
            for suffix in ("", "_reverse")[:dirs]:
                names = [f"weight_ih_l{layer}{suffix}", f"weight_hh_l{layer}{suffix}"]
                setattr(self, names[0], Parameter(np.zeros((gates, width), np.float32)))
                setattr(self, names[1], Parameter(np.zeros((gates, hidden_size), np.float32)))
                if bias:
                    for kind in ("ih", "hh"):
                        setattr(self, f"bias_{kind}_l{layer}{suffix}",
                                Parameter(np.zeros(gates, np.float32)))
        _reset(self, hidden_size)

    def _weights(self, layer: int, suffix: str) -> tuple:
        get = lambda name: getattr(self, f"{name}_l{layer}{suffix}", None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def _run(self, input: Tensor, hx: Any) -> tuple[Tensor, Tensor, Tensor | None]:
        name = type(self).__name__
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input of shape (L, N, {self.input_size}) "
                             f"(batch_first: (N, L, {self.input_size})) or unbatched (L, "
                             f"{self.input_size}), got {tuple(input.shape)}")
        unbatched = input.ndim == 2
        x = input.unsqueeze(1) if unbatched else (input.transpose(0, 1) if self.batch_first
                                                  else input)      # (L, N, in)
        steps, n = x.shape[0], x.shape[1]
        if steps == 0:
            raise RuntimeError(f"{name}: Expected sequence length to be larger than 0 in RNN")
        dirs = 2 if self.bidirectional else 1
        state_shape = (self.num_layers * dirs, n, self.hidden_size)
        h0, c0 = (hx if isinstance(hx, tuple) else (hx, None)) if hx is not None else (None, None)
        states = []
        for s in (h0, c0) if self.mode == "LSTM" else (h0,):
            if s is None:
                s = Tensor(np.zeros(state_shape, x.dtype))
            elif unbatched:
                s = s.unsqueeze(1)
            if s.shape != state_shape:
                raise RuntimeError(f"{name}: expected hidden size {state_shape}, got "
                                   f"{tuple(s.shape)}")
            states.append(s)
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for d, suffix in enumerate(("", "_reverse")[:dirs]):
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, suffix)
                xw = _unbind(F.linear(x, w_ih, b_ih))   # every time step in one product
                k = layer * dirs + d
                h = states[0][k]
                c = states[1][k] if self.mode == "LSTM" else None
                seq = [None] * steps
                for t in (range(steps - 1, -1, -1) if d else range(steps)):
                    h, c = _step(self.mode, xw[t], h, c, w_hh, b_hh)
                    seq[t] = h
                outs.append(Stack.apply(*seq, dim=0))
                h_n.append(h)
                c_n.append(c)
            x = outs[0] if dirs == 1 else Cat.apply(*outs, dim=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        output = x.squeeze(1) if unbatched else (x.transpose(0, 1) if self.batch_first else x)
        finish = (lambda t: t.squeeze(1)) if unbatched else (lambda t: t)  # noqa: E731
        h_n = finish(Stack.apply(*h_n, dim=0))
        c_n = finish(Stack.apply(*c_n, dim=0)) if self.mode == "LSTM" else None
        return output, h_n, c_n

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        for key, default in (("num_layers", 1), ("bias", True), ("batch_first", False),
                             ("dropout", 0.0), ("bidirectional", False)):
            if getattr(self, key) != default:
                s += f", {key}={getattr(self, key)}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity=relu"
        return s


class RNN(_RNNBase):
    """Elman RNN: hₜ = tanh(xₜ·W_ihᵀ + b_ih + hₜ₋₁·W_hhᵀ + b_hh) (or ReLU), stacked
    ``num_layers`` deep. Returns (output of the last layer at every step, h_n)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             f"'relu'.")
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        output, h_n, _ = self._run(input, hx)
        return output, h_n


class LSTM(_RNNBase):
    """Long short-term memory, each step as ``LSTMCell``. Returns
    (output, (h_n, c_n))."""
    mode = "LSTM"

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple[Tensor, tuple]:
        output, h_n, c_n = self._run(input, hx)
        return output, (h_n, c_n)


class GRU(_RNNBase):
    """Gated recurrent unit, each step as ``GRUCell``. Returns (output, h_n)."""
    mode = "GRU"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        output, h_n, _ = self._run(input, hx)
        return output, h_n
