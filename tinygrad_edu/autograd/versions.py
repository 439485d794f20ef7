"""Version counters: how often a tensor's storage was written in place.

A node that saved an array for its backward must not see that array change before
the backward runs, or the gradient would be silently wrong. As in PyTorch, every
in-place write bumps a counter shared by a tensor and all its views (they share one
storage: the NumPy array that owns the memory), and the engine compares it with the
counter's value when the node was recorded.

Speed: recording a node stores one int, the global count of writes so far
(``_state["writes"]``), never a counter per saved array. Only when some write
happened since (``node._epoch != _state["writes"]``) does the engine look at the
storages of the node's saved arrays, in ``check_saved``.
"""
from __future__ import annotations

import collections
import weakref
from typing import Any

import numpy as np

from .grad_mode import _state

__all__ = ["bump", "version", "check_saved"]

_RECENT = 64        # write epochs kept per storage: enough to count the writes since a save


class _Storage:
    """The write history of one storage: how many writes, and when the last ones were."""

    __slots__ = ("count", "recent", "ref")

    def __init__(self) -> None:
        self.count = 0
        self.recent: collections.deque = collections.deque(maxlen=_RECENT)
        self.ref: Any = None


_storages: dict[int, _Storage] = {}     # id(owner array) -> its history


def owner(arr: np.ndarray) -> Any:
    """The object that owns ``arr``'s memory: the same for an array and its views."""
    while isinstance(arr, np.ndarray) and arr.base is not None:
        arr = arr.base
    return arr


def bump(arr: np.ndarray) -> None:
    """Record one in-place write into ``arr``'s storage."""
    root = owner(arr)
    key = id(root)
    entry = _storages.get(key)
    if entry is None:
        entry = _storages[key] = _Storage()
        try:        # forget the history when the storage is freed (its id may be reused)
            entry.ref = weakref.ref(root, lambda _, key=key, known=_storages: known.pop(key, None))
        except TypeError:                   # an owner that takes no weak references
            entry.ref = root
    _state["writes"] += 1
    entry.count += 1
    entry.recent.append(_state["writes"])


def version(arr: np.ndarray) -> int:
    """How many in-place writes ``arr``'s storage has seen (PyTorch's ``_version``)."""
    entry = _storages.get(id(owner(arr)))
    return 0 if entry is None else entry.count


def _writes_since(arr: np.ndarray, epoch: int) -> tuple[int, int]:
    """(writes after ``epoch``, total writes) for ``arr``'s storage."""
    entry = _storages.get(id(owner(arr)))
    if entry is None:
        return 0, 0
    return sum(1 for e in entry.recent if e > epoch), entry.count


def check_saved(node: Any) -> None:
    """Raise PyTorch's error if an array ``node`` saved was written after it was recorded."""
    saved = node._saved
    if saved.__class__ is int:              # it saved its first ``saved`` inputs
        needs = node.needs_input_grad
        arrays = [getattr(t, "_data", t) for i, t in enumerate(node.inputs[:saved])
                  if not node.saved_for_others or any(needs[:i] + needs[i + 1:])]
        output = None
    elif isinstance(saved, tuple) and saved:
        if node.saved_ends_with_output:
            arrays, output = list(saved[:-1]), saved[-1]
        else:                               # a custom Function's Tensors, and its outputs
            arrays = [s[0] if s.__class__ is tuple else getattr(s, "_data", s) for s in saved]
            output = None
    else:
        return
    for arr in arrays:
        if not isinstance(arr, np.ndarray) or not arr.flags.writeable:
            continue                        # Python values; read-only constants
        since, count = _writes_since(arr, node._epoch)
        if since:
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified "
                f"by an inplace operation: [{_describe(arr)}]{_whose(node, arr, output)} is "
                f"at version {count}; expected version {count - since} instead. Hint: "
                f"enable anomaly detection to find the operation that failed to compute "
                f"its gradient, with tinygrad_edu.autograd.detect_anomaly().")


def _describe(arr: np.ndarray) -> str:
    from ..tensor import _TYPE_NAMES
    return (f"tinygrad_edu.{_TYPE_NAMES.get(str(arr.dtype), 'Tensor')} "
            f"[{', '.join(map(str, arr.shape))}]")


def _whose(node: Any, arr: np.ndarray, output: Any) -> str:
    """", which is output 0 of Exp" when the array came out of a node, as PyTorch says."""
    if arr is output:
        return f", which is output 0 of {node.name()},"
    for t in node.inputs:
        if getattr(t, "_data", None) is arr and t.grad_fn is not None:
            return f", which is output 0 of {t.grad_fn.name()},"
    return ""
