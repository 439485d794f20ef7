"""Anomaly mode: ``detect_anomaly`` names the first op whose forward or backward
produced NaN or inf."""
from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from .grad_mode import _state

__all__ = ["detect_anomaly"]


class detect_anomaly(contextlib.ContextDecorator):
    """Name the first op whose forward or backward produced NaN or inf."""

    def __init__(self) -> None:
        self.prev: list[bool] = []     # a stack: a decorated function may recurse

    def __enter__(self) -> None:
        self.prev.append(_state["anomaly"])
        _state["anomaly"] = True

    def __exit__(self, *exc: Any) -> None:
        _state["anomaly"] = self.prev.pop()


def _check_finite(arr: np.ndarray, what: str) -> None:
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        kind = "nan" if np.isnan(arr).any() else "inf"
        raise FloatingPointError(f"detect_anomaly: {what} produced {kind} values")
