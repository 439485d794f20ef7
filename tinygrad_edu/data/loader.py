"""``DataLoader``: iterate over a dataset in (optionally shuffled) mini-batches."""
from __future__ import annotations

import math
from typing import Any, Iterator

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from .dataset import Dataset, TensorDataset, as_tensor

__all__ = ["DataLoader"]


class DataLoader:
    """Yield batches ``(x_batch, y_batch, ...)`` of Tensors from ``dataset``.

    ``shuffle`` draws a new order every epoch, from the global generator
    (``te.manual_seed``) or, when ``seed`` is given, from the loader's own
    generator, so a loader repeats its sequence of epochs. ``drop_last`` skips a
    final batch smaller than ``batch_size``. A ``TensorDataset`` is sliced in one
    NumPy indexing operation per tensor; other datasets are stacked sample by sample.
    """

    def __init__(self, dataset: Dataset, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, seed: int | None = None,
                 generator: Any = None) -> None:
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, "
                             f"got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.seed = seed
        self._gen = None if seed is None else np.random.default_rng(seed)
        self.generator = generator          # a te.Generator for the shuffles, as in torch

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        gen = self._gen if self._gen is not None else _random.rng(self.generator)
        return gen.permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        stop = len(self) * self.batch_size
        for start in range(0, min(stop, len(order)), self.batch_size):
            yield self._batch(order[start:start + self.batch_size])

    def _batch(self, idx: np.ndarray) -> Any:
        if isinstance(self.dataset, TensorDataset):
            return tuple(as_tensor(t._data[idx]) for t in self.dataset.tensors)
        samples = [self.dataset[int(i)] for i in idx]
        if isinstance(samples[0], tuple):
            return tuple(_stack([s[k] for s in samples]) for k in range(len(samples[0])))
        return _stack(samples)


def _stack(items: list) -> Tensor:
    return as_tensor(np.stack([np.asarray(getattr(it, "_data", it)) for it in items]))
