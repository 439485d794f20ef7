"""Dimension arguments as PyTorch reads them: ``dim`` lies in [−ndim, ndim) and a
negative one counts from the end; a 0-d tensor accepts 0 and −1 as if it were 1-D.
Anything else raises torch's ``IndexError: Dimension out of range``, so a wrong
``dim`` never silently wraps around to another dimension."""
from __future__ import annotations

from typing import Any

import numpy as np


def normalize_dim(dim: Any, ndim: int, op: str | None) -> int:
    """``dim`` as an index in [0, max(ndim, 1)) for an ``ndim``-D tensor (0 for a 0-d
    one). ``op`` names the operation in the error; None inside a ``Function.forward``,
    whose errors ``apply`` already prefixes with the op and the shapes."""
    where = f"{op}: " if op else ""
    if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{where}dim must be an int, got {type(dim).__name__} {dim!r}")
    n = ndim if ndim else 1
    if not -n <= dim < n:
        raise IndexError(f"{where}Dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return int(dim) % n


def normalize_dims(dim: Any, ndim: int, op: str | None) -> tuple[int, ...] | None:
    """The NumPy ``axis`` of a reduction over ``dim`` (an int, a tuple or list of
    ints, or None): a tuple of distinct dims in [0, ndim), or None for "every
    dimension" (``dim=None``, an empty list as in torch, and any dim of a 0-d tensor,
    whose only element is then reduced)."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = tuple(normalize_dim(d, ndim, op) for d in dims)
    if len(set(out)) != len(out):
        repeated = next(d for d in out if out.count(d) > 1)
        raise RuntimeError(f"{op + ': ' if op else ''}dim {repeated} appears multiple times "
                           f"in the list of dims")
    return out if out and ndim else None
