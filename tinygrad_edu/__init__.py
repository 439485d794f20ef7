"""tinygrad_edu: a small, readable reverse-mode autodiff framework on NumPy.

    import tinygrad_edu as te
    x = te.tensor([2.0], requires_grad=True)
    y = (x * x).sum(); y.backward(); x.grad   # tensor([4.])
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .tensor import Tensor, where  # noqa: E402  (must come first: defines Tensor)
from .tensor import _to_common_dtype
from .autograd import (Function, detect_anomaly, enable_grad, grad, is_grad_enabled,
                       no_grad, set_grad_enabled)
from .functions import Cat, Stack
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .random import manual_seed
from . import data, nn, optim, train, viz  # noqa: E402
from .train import fit, plot_history  # noqa: E402
from .serialization import *  # noqa: F401,F403,E402

float32, float64, int64, int32, bool_ = np.float32, np.float64, np.int64, np.int32, np.bool_


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Function form of ``Tensor(...)``: ``te.tensor([1, 2, 3])`` is an int64 tensor."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(t._data, dtype=dtype), requires_grad=requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(t._data, dtype=dtype), requires_grad=requires_grad)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension."""
    return Cat.apply(*_to_common_dtype(tensors), dim=dim)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along a new dimension."""
    return Stack.apply(*_to_common_dtype(tensors), dim=dim)


zeros, ones, full, rand, randn, arange, eye = (Tensor.zeros, Tensor.ones, Tensor.full,
                                               Tensor.rand, Tensor.randn, Tensor.arange,
                                               Tensor.eye)


def _method(name: str):
    def fn(t: Tensor, *args: Any, **kwargs: Any) -> Any:
        return getattr(t, name)(*args, **kwargs)
    fn.__name__ = name
    fn.__doc__ = f"``te.{name}(t, ...)`` is ``t.{name}(...)``."
    return fn


for _name in ("exp log sqrt abs sin cos tanh sigmoid relu sum mean max min var std "
              "logsumexp softmax log_softmax matmul reshape flatten transpose permute "
              "squeeze unsqueeze argmax argmin clamp maximum minimum").split():
    globals()[_name] = _method(_name)
del _name

__version__ = "0.1.0"
