"""Datasets: anything with ``__len__`` and ``__getitem__`` (as in ``torch.utils.data``)."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import random as _random
from ..tensor import Tensor

__all__ = ["Dataset", "TensorDataset", "as_tensor", "train_test_split", "standardize"]


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """Wrap an array as a Tensor without copying when it already has the right dtype."""
    if isinstance(data, Tensor):
        return data if dtype is None or data.dtype == np.dtype(dtype) else data.to(dtype)
    if isinstance(data, np.ndarray):
        return Tensor._make(np.asarray(data, dtype=dtype), False, None)
    return Tensor(data, dtype=dtype)


class Dataset:
    """Base class: sample ``i`` is ``dataset[i]`` (usually a tuple ``(x, y)``)."""

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError


class TensorDataset(Dataset):
    """Samples are rows of tensors that share their first dimension:
    ``dataset[i] == (t[i] for t in tensors)``."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        self.tensors = tuple(as_tensor(t) for t in tensors)
        sizes = [t.shape[0] if t.ndim else None for t in self.tensors]
        if None in sizes or len(set(sizes)) != 1:
            shapes = ", ".join(str(tuple(t.shape)) for t in self.tensors)
            raise ValueError(f"TensorDataset: all tensors need the same first dimension "
                             f"(the number of samples), got shapes {shapes}")

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def __getitem__(self, index: int) -> tuple:
        return tuple(t[index] for t in self.tensors)


def train_test_split(*tensors: Any, test_size: float = 0.25,
                     seed: int | None = 0) -> list[Tensor]:
    """Shuffle the rows once and split every tensor the same way:
    returns ``[a_train, a_test, b_train, b_test, ...]`` (like scikit-learn)."""
    ts = TensorDataset(*tensors).tensors
    n = ts[0].shape[0]
    n_test = int(round(n * test_size)) if isinstance(test_size, float) else int(test_size)
    if not 0 < n_test < n:
        raise ValueError(f"train_test_split: test_size={test_size} leaves an empty split "
                         f"of {n} samples")
    gen = _random.rng() if seed is None else np.random.default_rng(seed)
    perm = gen.permutation(n)
    out: list[Tensor] = []
    for t in ts:
        out += [as_tensor(t._data[perm[n_test:]]), as_tensor(t._data[perm[:n_test]])]
    return out


def standardize(train: Any, *others: Any, eps: float = 1e-8) -> list[Tensor]:
    """Scale every feature (column) to ``(x − mean) / (std + eps)`` with the mean
    and std of ``train``, applied the same way to ``others`` (e.g. the test set).
    A larger ``eps`` keeps almost-constant features from being blown up."""
    data = [as_tensor(t)._data for t in (train, *others)]
    mean, std = data[0].mean(axis=0), data[0].std(axis=0)
    return [as_tensor(((d - mean) / (std + eps)).astype(d.dtype)) for d in data]
