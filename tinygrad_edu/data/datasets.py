"""Small data sets that need no network: logic gates, spirals, 1-D functions,
a procedurally drawn logo for the "painting" task, and scikit-learn's digits.

Inputs are float32, class labels int64, all returned as Tensors (pictures as
float32 NumPy arrays, ready for ``imshow``).
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from .dataset import as_tensor

__all__ = ["GATES", "logic_gate", "spirals", "FUNCTIONS", "piecewise", "function_samples",
           "logo_image", "painting_data", "load_digits"]

GATES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "AND": lambda a, b: a & b,
    "OR": lambda a, b: a | b,
    "NAND": lambda a, b: 1 - (a & b),
    "NOR": lambda a, b: 1 - (a | b),
    "XOR": lambda a, b: a ^ b,
}


def _generator(seed: int | None) -> np.random.Generator:
    return _random.rng() if seed is None else np.random.default_rng(seed)


def logic_gate(name: str) -> tuple[Tensor, Tensor]:
    """The truth table of a two-input gate: ``X`` (4, 2) float32 with rows
    00, 01, 10, 11 and ``y`` (4,) int64."""
    key = name.upper()
    if key not in GATES:
        raise ValueError(f"logic_gate: unknown gate {name!r}; choose one of {sorted(GATES)}")
    bits = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.int64)
    y = GATES[key](bits[:, 0], bits[:, 1]).astype(np.int64)
    return as_tensor(bits.astype(np.float32)), as_tensor(y)


def spirals(n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2,
            seed: int | None = None) -> tuple[Tensor, Tensor]:
    """Interleaved spiral arms in the plane (not linearly separable).

    Arm ``k``: radius ``r = linspace(0, 1)``, angle ``t = 4k + 4r + noise·N(0, 1)``,
    point ``r·(sin t, cos t)``. Returns ``X`` (N, 2) float32 and ``y`` (N,) int64.
    """
    gen = _generator(seed)
    r = np.linspace(0.0, 1.0, n_per_class)
    xs, ys = [], []
    for k in range(n_classes):
        t = 4.0 * k + 4.0 * r + noise * gen.standard_normal(n_per_class)
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        ys.append(np.full(n_per_class, k, dtype=np.int64))
    return as_tensor(np.concatenate(xs).astype(np.float32)), as_tensor(np.concatenate(ys))


def piecewise(x: np.ndarray) -> np.ndarray:
    """``x·sin(2πx)`` for ``x < 0``, else ``−x·sin(πx) + e^{x/2} − 1``."""
    x = np.asarray(x)
    return np.where(x < 0, x * np.sin(2 * np.pi * x),
                    -x * np.sin(np.pi * x) + np.exp(x / 2) - 1)


# name -> (function, default x range)
FUNCTIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], tuple[float, float]]] = {
    "linear": (lambda x: 2 * x + 5, (-1.0, 1.0)),
    "sin": (lambda x: 2 * np.sin(x) + 5, (-math.pi, math.pi)),
    "piecewise": (piecewise, (-2.0, 2.0)),
}


def function_samples(name: str, n: int = 200, low: float | None = None,
                     high: float | None = None, noise: float = 0.0,
                     seed: int | None = None) -> tuple[Tensor, Tensor]:
    """``n`` evenly spaced samples of a 1-D function: ``"linear"`` (2x+5),
    ``"sin"`` (2·sin x+5) or ``"piecewise"`` (see ``piecewise``), plus
    Gaussian ``noise`` on y. Returns ``x`` and ``y``, both (n, 1) float32."""
    if name not in FUNCTIONS:
        raise ValueError(f"function_samples: unknown function {name!r}; "
                         f"choose one of {sorted(FUNCTIONS)}")
    fn, (lo, hi) = FUNCTIONS[name]
    x = np.linspace(lo if low is None else low, hi if high is None else high, n)
    y = fn(x)
    if noise:
        y = y + noise * _generator(seed).standard_normal(n)
    return (as_tensor(x[:, None].astype(np.float32)),
            as_tensor(y[:, None].astype(np.float32)))


_GREY_TOP, _GREY_BOTTOM = np.array([0.78, 0.78, 0.80]), np.array([0.45, 0.46, 0.50])
_BLUE_DARK, _BLUE_LIGHT = np.array([0.10, 0.25, 0.70]), np.array([0.30, 0.60, 1.00])


def _logo(size: int) -> tuple[np.ndarray, np.ndarray]:
    """The logo and its mask of blue pixels."""
    if size < 8:
        raise ValueError(f"logo_image: size must be at least 8 pixels, got {size}")
    v, u = np.mgrid[-1:1:size * 1j, -1:1:size * 1j]          # v down, u right
    r = np.hypot(u, v)
    ring = (r > 0.55) & (r < 0.8)
    bar = (np.abs(u) < 0.14) & (np.abs(v) < 0.55)
    arm = (np.abs(v + 0.41) < 0.14) & (np.abs(u) < 0.42)     # top of a "T"
    corner = (u + v > 1.35) & (u < 0.98) & (v < 0.98)       # a triangle, bottom right
    blue = ring | bar | arm | corner
    t = ((v + 1) / 2)[..., None]
    image = (1 - t) * _GREY_TOP + t * _GREY_BOTTOM           # grey vertical gradient
    shade = ((u + 1) / 2)[..., None]
    image = np.where(blue[..., None], (1 - shade) * _BLUE_DARK + shade * _BLUE_LIGHT,
                     image)
    return image.astype(np.float32), blue


def logo_image(size: int = 64) -> np.ndarray:
    """A procedurally drawn logo, (size, size, 3) float32 RGB in [0, 1]: a blue
    ring, a "T" and a corner triangle (shaded left to right) on a grey gradient."""
    return _logo(size)[0]


def painting_data(size: int = 64) -> tuple[Tensor, Tensor, Tensor]:
    """The coordinates→colour task on ``logo_image``: ``coords`` (N, 2) are
    (row, col) scaled to [−1, 1], ``rgb`` (N, 3) the colours, ``labels`` (N,)
    int64 is 1 for blue pixels and 0 for grey ones (N = size²)."""
    image, blue = _logo(size)
    rows, cols = np.mgrid[0:size, 0:size]
    coords = np.stack([rows.ravel(), cols.ravel()], axis=1) / (size - 1) * 2 - 1
    return (as_tensor(coords.astype(np.float32)), as_tensor(image.reshape(-1, 3)),
            as_tensor(blue.ravel().astype(np.int64)))


def load_digits(images: bool = False) -> tuple[Tensor, Tensor]:
    """scikit-learn's bundled 8×8 handwritten digits (1,797 samples, no download).

    ``X`` is float32 in [0, 1] (pixel / 16), shape (1797, 64), or (1797, 1, 8, 8)
    with ``images=True`` (for ``Conv2d``); ``y`` is int64 in 0..9.
    """
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
    except ImportError:
        raise ImportError("load_digits needs scikit-learn, which ships the digits data: "
                          "pip install 'tinygrad-edu[datasets]' (or pip install "
                          "scikit-learn)") from None
    bunch = _sk_load_digits()
    x = (bunch.data / 16.0).astype(np.float32)
    if images:
        x = x.reshape(-1, 1, 8, 8)
    return as_tensor(x), as_tensor(bunch.target.astype(np.int64))
