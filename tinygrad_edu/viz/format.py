"""How numbers, arrays and shapes are written in pictures and explanations."""
from __future__ import annotations

import numpy as np


def num(v: float) -> str:
    """A number the way a textbook prints it: 4 decimals, scientific when tiny/huge."""
    v = float(v)
    if v == 0:
        return "0"
    if not np.isfinite(v):
        return str(v)
    if 1e-3 <= abs(v) < 1e5:
        return f"{v:.4f}"
    return f"{v:.3e}"


def shape(s: tuple) -> str:
    return "(" + ", ".join(map(str, s)) + (",)" if len(s) == 1 else ")")


def array(a: np.ndarray, full_up_to: int = 6) -> str:
    """Scalars and tiny arrays in full, larger ones as mean/min/max."""
    a = np.asarray(a)
    if a.size == 1:
        return num(a.reshape(()).item()) if a.dtype.kind in "fc" else str(a.reshape(()).item())
    if a.size == 0:
        return "[]"
    if a.size <= full_up_to:
        if a.dtype.kind in "fc":
            return np.array2string(a, separator=", ",
                                   formatter={"float_kind": lambda v: f"{v:.4g}"})
        return np.array2string(a, separator=", ")
    if a.dtype.kind not in "fc":
        return f"min {a.min()} max {a.max()}"
    return f"mean {num(a.mean())} min {num(a.min())} max {num(a.max())}"


def index(idx: tuple) -> str:
    return "[" + ", ".join(map(str, idx)) + "]"
