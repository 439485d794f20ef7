"""Elementwise ops. Each backward multiplies the upstream gradient by the local
derivative; broadcasting is undone by the engine, not here."""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ..autograd.function import tangent_or_zeros, tangent_sum
from ..tensor import Tensor


# ---------------------------------------------------------------- binary arithmetic
class Add(Function):
    """z = a + b."""
    formula = "∂z/∂a = 1,  ∂z/∂b = 1"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        return grad, grad

    jvp_formula = "ż = ȧ + ḃ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor | None, tb: Tensor | None) -> Tensor | None:
        return tangent_sum(ta, tb)


class Sub(Function):
    """z = a − b."""
    formula = "∂z/∂a = 1,  ∂z/∂b = −1"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a - b

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        return grad, (-grad if ctx.needs_input_grad[1] else None)

    jvp_formula = "ż = ȧ − ḃ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor | None, tb: Tensor | None) -> Tensor | None:
        return tangent_sum(ta, None if tb is None else -tb)


class Mul(Function):
    """z = a·b."""
    formula = "∂z/∂a = b,  ∂z/∂b = a"
    saved_for_others = True

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        (a, b), grad = ctx.unpack(grad)     # Tensors if recorded, else arrays (faster)
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)

    jvp_formula = "ż = ȧ·b + a·ḃ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor | None, tb: Tensor | None) -> Tensor | None:
        a, b = ctx.primals
        return tangent_sum(None if ta is None else ta * b, None if tb is None else a * tb)


class Div(Function):
    """z = a / b (x/0 = ±inf and 0/0 = nan, as torch)."""
    formula = "∂z/∂a = 1/b,  ∂z/∂b = −a/b² = −z/b"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):   # x/0 = ±inf, 0/0 = nan (torch)
            out = a / b
        ctx.save_for_backward(b, out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        (b, out), grad = ctx.unpack(grad)
        need_a, need_b = ctx.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore"):
            ga = grad / b if need_a else None
            gb = -(grad * out) / b if need_b else None
        return ga, gb

    jvp_formula = "ż = ȧ/b − z·ḃ/b"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor | None, tb: Tensor | None) -> Tensor | None:
        _, b = ctx.primals
        with np.errstate(divide="ignore", invalid="ignore"):
            return tangent_sum(None if ta is None else ta / b,
                               None if tb is None else -(ctx.result * tb) / b)


class Pow(Function):
    """z = aᵇ.  Both derivatives are 0 at a = 0 where that is the limit, and ∂z/∂a is
    0 where b = 0 (even at a = 0 or nan), as in torch. At b = 0 the second derivative
    ∂²z/∂a∂b = 1/a keeps its analytic value, where torch gives 0."""
    formula = "∂z/∂a = b·a^(b−1),  ∂z/∂b = a^b·ln a"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):   # 0⁻¹, (−1)^½
            out = a ** b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return Pow._backward(ctx, grad)

    jvp_formula = "ż = b·a^(b−1)·ȧ + a^b·ln a·ḃ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor | None, tb: Tensor | None) -> Tensor | None:
        a, b = ctx.primals
        za = zb = None
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if ta is not None:                  # the limits at 0 as in backward
                base = a
                if np.count_nonzero(b._data) != b._data.size:
                    base = Where.apply((a._data == 0) & (b._data == 0), np.ones((), a.dtype), a)
                za = ta * (b * base ** (b - 1))
            if tb is not None:
                base = a
                if np.count_nonzero(a._data) != a._data.size:
                    base = Where.apply((a._data == 0) & (b._data >= 0), np.ones((), a.dtype), a)
                zb = tb * (ctx.result * base.log())
        return tangent_sum(za, zb)

    @staticmethod
    def _backward(ctx: Function, grad: Tensor) -> tuple:
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        zero = np.zeros((), a.dtype)
        ga = gb = None
        if need_a and not b._data.ndim and not b._data and not b.requires_grad:
            ga = Tensor._make(np.zeros(np.broadcast_shapes(a.shape, grad.shape), a.dtype),
                              False, None)          # a ** 0: a constant 0, as torch
        elif need_a:
            if np.count_nonzero(b._data) == b._data.size:     # no exponent is 0
                ga = grad * b * a ** (b - 1)
            else:       # b = 0: 0, not 0·aᵇ⁻¹ = nan at a = 0 or nan, nor 0·∞ for grad = ∞
                b0 = b._data == 0
                bad = b0 & ~np.isfinite(a._data ** (b._data - 1))
                base = Where.apply(bad, np.ones((), a.dtype), a) if bad.any() else a
                ga = grad * (b * base ** (b - 1))           # b·aᵇ⁻¹: d/db at b = 0 is 1/a
                if not np.isfinite(grad._data).all():
                    ga = Where.apply(b0 & ~np.isfinite(grad._data), zero, ga)
        if need_b:                          # aᵇ·ln a → 0 as a → 0⁺ when b ≥ 0 (as torch)
            local = out * a.log()           # (selected before the product with grad, so
            if np.count_nonzero(a._data) != a._data.size:     # its derivative in grad
                local = Where.apply((a._data == 0) & (b._data >= 0), zero, local)  # is 0)
            gb = grad * local
        return ga, gb


class Maximum(Function):
    """z = max(a, b).  As in PyTorch a tie splits the gradient, ½ each, and where a
    or b is NaN both get it."""
    formula = "∂z/∂a = [a > b],  ∂z/∂b = [b > a]  (½ each on ties)"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a == b, a < b, a > b)     # tie, a loses, b loses
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        return _split_extremum(ctx, grad)

    jvp_formula = "ż = ȧ where a > b, ḃ where b > a, (ȧ + ḃ)/2 on ties"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor | None, tb: Tensor | None) -> Tensor | None:
        z = ctx.result
        tie, a_loses, b_loses = ctx.saved_arrays
        ta, tb = tangent_or_zeros(ta, z), tangent_or_zeros(tb, z)
        return Where.apply(a_loses, tb, Where.apply(b_loses, ta, (ta + tb) * 0.5))


class Minimum(Function):
    """z = min(a, b).  As in PyTorch a tie splits the gradient, ½ each, and where a
    or b is NaN both get it."""
    formula = "∂z/∂a = [a < b],  ∂z/∂b = [b < a]  (½ each on ties)"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a == b, a > b, a < b)     # tie, a loses, b loses
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        return _split_extremum(ctx, grad)

    jvp_formula = "ż = ȧ where a < b, ḃ where b < a, (ȧ + ḃ)/2 on ties"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor | None, tb: Tensor | None) -> Tensor | None:
        z = ctx.result
        tie, a_loses, b_loses = ctx.saved_arrays
        ta, tb = tangent_or_zeros(ta, z), tangent_or_zeros(tb, z)
        return Where.apply(a_loses, tb, Where.apply(b_loses, ta, (ta + tb) * 0.5))


def _split_extremum(ctx: Function, grad: Tensor) -> tuple:
    """The gradients of maximum/minimum: ``grad`` (½ on a tie) selected for the
    operand that is not beaten, 0 for the one that is (a selection, so an infinite
    ``grad`` gives 0, not 0·∞ = nan, to the loser)."""
    tie, a_loses, b_loses = ctx.saved_arrays
    zero = np.zeros((), grad.dtype)
    shared = Where.apply(tie, grad * 0.5, grad) if tie.any() else grad
    need_a, need_b = ctx.needs_input_grad
    return (Where.apply(a_loses, zero, shared) if need_a else None,
            Where.apply(b_loses, zero, shared) if need_b else None)


class Where(Function):
    """z = cond ? a : b (cond a boolean array, not differentiated)."""
    formula = "∂z/∂a = [cond],  ∂z/∂b = [¬cond]"

    @staticmethod
    def forward(ctx: Function, cond: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.cond = cond
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        _, need_a, need_b = ctx.needs_input_grad
        zero = np.zeros((), grad.dtype)
        ga = Where.apply(ctx.cond, grad, zero) if need_a else None
        gb = Where.apply(ctx.cond, zero, grad) if need_b else None
        return None, ga, gb

    jvp_formula = "ż = cond ? ȧ : ḃ"

    @staticmethod
    def jvp(ctx: Function, tc: None, ta: Tensor | None, tb: Tensor | None) -> Tensor | None:
        z = ctx.result
        return Where.apply(ctx.cond, tangent_or_zeros(ta, z), tangent_or_zeros(tb, z))


# ---------------------------------------------------------------- unary
class Neg(Function):
    """z = −a."""
    formula = "∂z/∂a = −1"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        return -a

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return -grad

    jvp_formula = "ż = −ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return -ta


class Exp(Function):
    """z = eᵃ."""
    formula = "∂z/∂a = e^a = z"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):        # e^1000 = inf, as torch
            out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        (out,), grad = ctx.unpack(grad)
        return grad * out

    jvp_formula = "ż = z·ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return ctx.result * ta


class Log(Function):
    """z = ln a (ln 0 = −∞ and ln a = nan for a < 0, as torch)."""
    formula = "∂z/∂a = 1/a"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):   # ln 0 = −inf, ln(−1) = nan
            return np.log(a)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        (a,), grad = ctx.unpack(grad)
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / a

    jvp_formula = "ż = ȧ/a"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        with np.errstate(divide="ignore", invalid="ignore"):
            return ta / ctx.primals[0]


class Sqrt(Function):
    """z = √a."""
    formula = "∂z/∂a = 1/(2√a) = 1/(2z)"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):     # √(−1) = nan, as torch
            out = np.sqrt(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        (out,), grad = ctx.unpack(grad)
        with np.errstate(divide="ignore", invalid="ignore"):   # 1/(2·√0) = inf, as torch
            return grad / (2 * out)

    jvp_formula = "ż = ȧ/(2z)"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        with np.errstate(divide="ignore", invalid="ignore"):
            return ta / (2 * ctx.result)


def sign(a: np.ndarray) -> np.ndarray:
    """sign(a) ∈ {−1, 0, 1}, with sign(nan) = 0 as in torch (NumPy's is nan)."""
    if a.dtype.kind != "f":
        return np.sign(a)
    return np.where(np.isnan(a), a.dtype.type(0), np.sign(a))


class Abs(Function):
    """z = |a|; at 0 and at nan the derivative is taken as 0, like PyTorch."""
    formula = "∂z/∂a = sign(a)"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(sign(a))
        return np.abs(a)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        (sign,), grad = ctx.unpack(grad)
        return grad * sign

    jvp_formula = "ż = sign(a)·ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return ta * ctx.saved_arrays[0]


class Sin(Function):
    """z = sin a."""
    formula = "∂z/∂a = cos a"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        with np.errstate(invalid="ignore"):     # sin(±∞) = nan, as torch
            return np.sin(a)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        a, = ctx.saved_tensors
        return grad * a.cos()

    jvp_formula = "ż = cos a·ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return ta * ctx.primals[0].cos()


class Cos(Function):
    """z = cos a."""
    formula = "∂z/∂a = −sin a"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        with np.errstate(invalid="ignore"):     # cos(±∞) = nan, as torch
            return np.cos(a)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        a, = ctx.saved_tensors
        return -(grad * a.sin())

    jvp_formula = "ż = −sin a·ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return -(ta * ctx.primals[0].sin())


class Tanh(Function):
    """z = tanh a."""
    formula = "∂z/∂a = 1 − tanh²(a) = 1 − z²"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        out = np.tanh(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        (out,), grad = ctx.unpack(grad)
        return grad * (1 - out * out)

    jvp_formula = "ż = (1 − z²)·ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        z = ctx.result
        return ta * (1 - z * z)


class Sigmoid(Function):
    """z = σ(a) = 1/(1 + e⁻ᵃ), computed without overflow."""
    formula = "∂z/∂a = σ(a)·(1 − σ(a)) = z(1 − z)"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        out = _sigmoid(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        (out,), grad = ctx.unpack(grad)
        return grad * (out * (1 - out))

    jvp_formula = "ż = z(1 − z)·ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        z = ctx.result
        return ta * (z * (1 - z))


def _sigmoid(a: np.ndarray) -> np.ndarray:
    """σ(a) without overflow for large |a| (e⁻ᵃ is only taken for a ≥ 0)."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


class ReLU(Function):
    """z = max(0, a).  The gradient is selected where z > 0 (and where z is NaN, as
    torch), 0 elsewhere, even where it is infinite."""
    formula = "∂z/∂a = [a > 0]"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        out = np.maximum(a, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        out, = ctx.saved_arrays
        if ctx.create_graph:  # a recorded selection, differentiable in grad
            return Where.apply(out <= 0, np.zeros((), grad.dtype), grad)
        return _zero_where(out <= 0, grad._data)

    jvp_formula = "ż = [a > 0]·ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return Where.apply(ctx.saved_arrays[0] <= 0, np.zeros((), ta.dtype), ta)


_UINT_OF_SIZE = {2: np.uint16, 4: np.uint32, 8: np.uint64}


def _zero_where(drop: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """``grad`` with 0 where ``drop`` (same shapes): a selection, never grad·0, so an
    infinite or NaN ``grad`` that is dropped gives 0, as in torch."""
    uint = _UINT_OF_SIZE.get(grad.itemsize) if grad.dtype.kind == "f" else None
    if uint is None:
        return np.where(drop, np.zeros((), grad.dtype), grad)
    # Speed: an AND of the float's bits with an all-ones/all-zeros mask is branch-free,
    # about as fast as grad × mask, while np.where on a random mask is several times slower
    keep = np.subtract(drop, 1, dtype=uint)        # True → 0, False → 0b11…1 (wraps)
    return (grad.view(uint) & keep).view(grad.dtype)


class LeakyReLU(Function):
    """z = a if a > 0 else slope·a (``negative_slope``, 0.01 by default)."""
    formula = "∂z/∂a = 1 if a > 0 else slope"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
        slope = np.where(a > 0, 1, negative_slope).astype(a.dtype)
        ctx.save_for_backward(slope)
        return a * slope

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        (slope,), grad = ctx.unpack(grad)
        return grad * slope

    jvp_formula = "ż = (1 if a > 0 else slope)·ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return ta * ctx.saved_arrays[0]


class NormalCDF(Function):
    """z = Φ(a), the standard normal CDF; φ is its density."""
    formula = "∂z/∂a = φ(a) = e^(−a²/2)/√(2π)"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return _normal_cdf(a)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        a, = ctx.saved_tensors
        return grad * ((a * a * -0.5).exp() * (1 / math.sqrt(2 * math.pi)))

    jvp_formula = "ż = φ(a)·ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        a, = ctx.primals
        return ta * ((a * a * -0.5).exp() * (1 / math.sqrt(2 * math.pi)))


_erf = np.frompyfunc(math.erf, 1, 1)


def _normal_cdf(a: np.ndarray) -> np.ndarray:
    return (0.5 * (1 + np.asarray(_erf(a / math.sqrt(2)), np.float64))).astype(a.dtype)


class GELU(Function):
    """z = a·Φ(a) (exact, PyTorch's default), with Φ the standard normal CDF and φ
    its density."""
    formula = "∂z/∂a = Φ(a) + a·φ(a)"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return a * _normal_cdf(a)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        a, = ctx.saved_tensors
        pdf = (a * a * -0.5).exp() * (1 / math.sqrt(2 * math.pi))
        return grad * (NormalCDF.apply(a) + a * pdf)

    jvp_formula = "ż = (Φ(a) + a·φ(a))·ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        a, = ctx.primals
        pdf = (a * a * -0.5).exp() * (1 / math.sqrt(2 * math.pi))
        return ta * (NormalCDF.apply(a) + a * pdf)


class Softplus(Function):
    """z = ln(1 + e^(βa))/β, and z = a where βa > threshold (as torch)."""
    formula = "∂z/∂a = σ(β·a)  (1 where β·a > threshold)"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, beta: float = 1.0,
                threshold: float = 20.0) -> np.ndarray:
        ctx.beta = beta
        scaled = a * beta
        linear = scaled > threshold
        ctx.save_for_backward(a, linear)
        with np.errstate(invalid="ignore"):     # nan stays nan, as torch
            soft = np.logaddexp(0, scaled) / beta
        return np.where(linear, a, soft).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        a, linear = ctx.saved_tensors
        return Where.apply(linear, grad, grad * (a * ctx.beta).sigmoid())

    jvp_formula = "ż = σ(β·a)·ȧ  (ȧ where β·a > threshold)"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        a, = ctx.primals
        return Where.apply(ctx.saved_arrays[1], ta, ta * (a * ctx.beta).sigmoid())


class Clamp(Function):
    """z = min(max(a, min), max) (either bound may be None).  The gradient is
    selected, not multiplied by a mask, so an infinite one outside gives 0, not nan."""
    formula = "∂z/∂a = [min ≤ a ≤ max]"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, min: float | None = None,
                max: float | None = None) -> np.ndarray:
        inside = np.ones(a.shape, dtype=bool)
        if min is not None:
            inside &= a >= min
        if max is not None:
            inside &= a <= max
        ctx.save_for_backward(~inside)
        return np.clip(a, min, max)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor | np.ndarray:
        outside, = ctx.saved_arrays             # selected, not multiplied (0·∞ = nan)
        if ctx.create_graph:
            return Where.apply(outside, np.zeros((), grad.dtype), grad)
        return _zero_where(outside, grad._data)

    jvp_formula = "ż = [min ≤ a ≤ max]·ȧ"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return Where.apply(ctx.saved_arrays[0], np.zeros((), ta.dtype), ta)


class Cast(Function):
    """z = a converted to another dtype; the gradient is cast back to a's dtype."""
    formula = "∂z/∂a = 1"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray, dtype: np.dtype | None = None) -> np.ndarray:
        ctx.in_dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return grad.to(ctx.in_dtype)

    jvp_formula = "ż = ȧ (cast)"

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor | None:
        return ta.to(ctx.result.dtype)


__all__ = ["Add", "Sub", "Mul", "Div", "Pow", "Maximum", "Minimum", "Where", "Neg", "Exp",
           "Log", "Sqrt", "Abs", "Sin", "Cos", "Tanh", "Sigmoid", "ReLU", "LeakyReLU",
           "NormalCDF", "GELU", "Softplus", "Clamp", "Cast"]
