"""More elementwise math, as PyTorch names it: logs and exponentials in other bases,
reciprocals, rounding, remainders, ``lerp`` and ``nan_to_num``. Each backward is the
upstream gradient times the local derivative (the engine undoes broadcasting)."""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ..autograd.function import tangent_sum
from ..tensor import Tensor
from .elementwise import Where, sign

_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _quiet() -> np.errstate:
    """NumPy's floating-point warnings off (1/0, 0·∞, overflow), for the backward
    formulas of these ops: torch computes them silently."""
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")


class Log2(Function):
    """z = log₂ a."""
    formula = "∂z/∂a = 1/(a·ln 2)"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):   # -inf at 0, nan below
            return np.log2(a)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        (a,), grad = ctx.unpack(grad)
        with _quiet():      # 1/0 = ∞, 0·∞ = nan: as torch, silent
            return grad / (a * _LN2)

    jvp_formula = "ż = ȧ/(a·ln 2)"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        with np.errstate(divide="ignore", invalid="ignore"):
            return ta / (ctx.primals[0] * _LN2)


class Log10(Function):
    """z = log₁₀ a."""
    formula = "∂z/∂a = 1/(a·ln 10)"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):   # -inf at 0, nan below
            return np.log10(a)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        (a,), grad = ctx.unpack(grad)
        with _quiet():      # 1/0 = ∞, 0·∞ = nan: as torch, silent
            return grad / (a * _LN10)

    jvp_formula = "ż = ȧ/(a·ln 10)"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        with np.errstate(divide="ignore", invalid="ignore"):
            return ta / (ctx.primals[0] * _LN10)


class Log1p(Function):
    """z = ln(1 + a), accurate for small a."""
    formula = "∂z/∂a = 1/(1 + a)"
    torch_name = "Log1PBackward0"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):   # -inf at 0, nan below
            return np.log1p(a)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        (a,), grad = ctx.unpack(grad)
        with _quiet():      # 1/0 = ∞, 0·∞ = nan: as torch, silent
            return grad / (a + 1)

    jvp_formula = "ż = ȧ/(1 + a)"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        with np.errstate(divide="ignore", invalid="ignore"):
            return ta / (ctx.primals[0] + 1)


class Expm1(Function):
    """z = eᵃ − 1, accurate for small a."""
    formula = "∂z/∂a = e^a = z + 1"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):        # inf when too large, as torch
            out = np.expm1(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        (out,), grad = ctx.unpack(grad)
        with _quiet():      # 1/0 = ∞, 0·∞ = nan: as torch, silent
            return grad * (out + 1)

    jvp_formula = "ż = (z + 1)·ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return ta * (ctx.result + 1)


class Exp2(Function):
    """z = 2ᵃ."""
    formula = "∂z/∂a = 2^a·ln 2 = z·ln 2"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):        # inf when too large, as torch
            out = np.exp2(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        (out,), grad = ctx.unpack(grad)
        with _quiet():      # 1/0 = ∞, 0·∞ = nan: as torch, silent
            return grad * (out * _LN2)

    jvp_formula = "ż = z·ln 2·ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return ta * (ctx.result * _LN2)


class Reciprocal(Function):
    """z = 1/a (1/0 = inf, as torch)."""
    formula = "∂z/∂a = −1/a² = −z²"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):          # 1/0 = inf, as torch
            out = np.reciprocal(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        (out,), grad = ctx.unpack(grad)
        with _quiet():      # 1/0 = ∞, 0·∞ = nan: as torch, silent
            return -(grad * (out * out))

    jvp_formula = "ż = −z²·ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        z = ctx.result
        return -(ta * (z * z))


class Rsqrt(Function):
    """z = 1/√a."""
    formula = "∂z/∂a = −½·a^(−3/2) = −z³/2"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):   # inf at 0, nan below
            out = np.asarray(np.reciprocal(np.sqrt(a)))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        (out,), grad = ctx.unpack(grad)
        with _quiet():      # 1/0 = ∞, 0·∞ = nan: as torch, silent
            return grad * (out * out * out * -0.5)

    jvp_formula = "ż = −z³/2·ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        z = ctx.result
        return ta * (z * z * z * -0.5)


def _zero_grad(grad: Tensor) -> Tensor:
    """The gradient of a piecewise-constant function: zeros, even where the upstream
    gradient is ∞ or nan (0·∞ would be nan; torch gives 0)."""
    return Tensor._make(np.zeros_like(grad._data), False, None)


class _Step(Function):
    """A piecewise-constant function: its derivative is 0 wherever it exists (and
    PyTorch uses 0 at the jumps too)."""
    formula = "∂z/∂a = 0"
    numpy = staticmethod(np.floor)

    @classmethod
    def forward(cls, ctx: Function, a: np.ndarray) -> np.ndarray:
        return cls.numpy(a)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return _zero_grad(grad)

    jvp_formula = "ż = 0"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return ta * 0


class Floor(_Step):
    """z = ⌊a⌋."""


class Ceil(_Step):
    """z = ⌈a⌉."""
    numpy = staticmethod(np.ceil)


class Trunc(_Step):
    """z = a rounded towards 0."""
    numpy = staticmethod(np.trunc)


class Sign(_Step):
    """z = sign(a) ∈ {−1, 0, 1} (0 for nan, as torch)."""
    numpy = staticmethod(sign)


class Round(Function):
    """z = a rounded to ``decimals`` places, halves to even (as torch)."""
    formula = "∂z/∂a = 0"

    @property
    def torch_name(self) -> str:
        return "RoundBackward1" if self._kwargs.get("decimals") else "RoundBackward0"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, decimals: int = 0) -> np.ndarray:
        return np.round(a, decimals)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return _zero_grad(grad)

    jvp_formula = "ż = 0"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return ta * 0


class Frac(Function):
    """z = a − trunc(a), the fractional part."""
    formula = "∂z/∂a = 1"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):         # frac(±∞) = nan, as torch
            return a - np.trunc(a)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return grad

    jvp_formula = "ż = ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return ta


class Remainder(Function):
    """z = a − b·⌊a/b⌋ (the sign of b, Python's %)."""
    formula = "∂z/∂a = 1,  ∂z/∂b = −⌊a/b⌋"
    rounding = staticmethod(np.floor_divide)    # ⌊a/b⌋ as Python's //: −1 for 0.3 // −∞
    numpy = staticmethod(np.remainder)

    @classmethod
    def forward(cls, ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.dtype.kind in "iub" and np.any(b == 0):
            raise ZeroDivisionError(f"{cls.__name__.lower()}: integer division by zero")
        with np.errstate(divide="ignore", invalid="ignore"):     # x % 0 = nan for floats
            ctx.quotient = cls.rounding(a, b).astype(a.dtype, copy=False) \
                if a.dtype.kind == "f" else None
            return cls.numpy(a, b)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        need_b = ctx.needs_input_grad[1]
        with _quiet():
            return grad, (grad * -ctx.quotient if need_b else None)

    jvp_formula = "ż = ȧ − ⌊a/b⌋·ḃ (trunc for fmod)"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor | None, tb: Tensor | None) -> Tensor | None:
        return tangent_sum(ta, None if tb is None else tb * -ctx.quotient)


class Fmod(Remainder):
    """z = a − b·trunc(a/b) (the sign of a, C's fmod)."""
    formula = "∂z/∂a = 1,  ∂z/∂b = −trunc(a/b)"
    rounding = staticmethod(lambda a, b: np.trunc(a / b))     # a/b rounded towards 0
    numpy = staticmethod(np.fmod)


class Lerp(Function):
    """z = a + w·(b − a)."""
    formula = "∂z/∂a = 1 − w,  ∂z/∂b = w,  ∂z/∂w = b − a"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray, w: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b, w)
        with np.errstate(invalid="ignore", over="ignore"):     # ∞ − ∞ = nan, as torch
            return a + w * (b - a)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        (a, b, w), grad = ctx.unpack(grad)
        need_a, need_b, need_w = ctx.needs_input_grad
        with _quiet():
            return ((grad * (1 - w) if need_a else None), (grad * w if need_b else None),
                    (grad * (b - a) if need_w else None))

    jvp_formula = "ż = (1 − w)·ȧ + w·ḃ + (b − a)·ẇ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor | None, tb: Tensor | None,
            tw: Tensor | None) -> Tensor | None:
        a, b, w = ctx.primals
        return tangent_sum(None if ta is None else ta * (1 - w), None if tb is None else tb * w,
                           None if tw is None else tw * (b - a))


class NanToNum(Function):
    """z = a with nan, +inf, −inf replaced by finite numbers."""
    formula = "∂z/∂a = [a is finite]"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, nan: float = 0.0, posinf: float | None = None,
                neginf: float | None = None) -> np.ndarray:
        ctx.finite = np.isfinite(a)
        return np.nan_to_num(a, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return Where.apply(ctx.finite, grad, np.zeros((), grad._data.dtype))

    jvp_formula = "ż = [a is finite]·ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return Where.apply(ctx.finite, ta, np.zeros((), ta._data.dtype))


__all__ = ["Log2", "Log10", "Log1p", "Expm1", "Exp2", "Reciprocal", "Rsqrt", "Floor", "Ceil",
           "Trunc", "Sign", "Round", "Frac", "Remainder", "Fmod", "Lerp", "NanToNum"]
