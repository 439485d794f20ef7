"""Creation functions, with PyTorch's signatures: ``zeros ones full empty eye arange
linspace logspace``, the ``*_like`` family, the random ones (``rand randn randint randperm
multinomial normal bernoulli``, each taking ``generator=``), and ``tensor``/``as_tensor``/
``from_numpy``. Every one takes ``dtype=``, ``device=`` (the CPU) and ``requires_grad=``.

Arrays are allocated in the target dtype directly (no float64 copy on the way).
"""
from __future__ import annotations

import importlib
from typing import Any, Sequence

import numpy as np

from . import random as _random
from .device import check_cpu
from .dtypes import as_numpy
from .dtypes import from_numpy as _dtype_of
from .random import Generator
from .tensor import Tensor, _shape_args, _to_array

_tensor = importlib.import_module(".tensor", __package__)   # reads DEFAULT_FLOAT at call time

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "eye",
           "arange", "linspace", "logspace", "zeros_like", "ones_like", "full_like",
           "empty_like", "rand", "randn", "randint", "rand_like", "randn_like",
           "randint_like", "randperm", "multinomial", "normal", "bernoulli"]


def _make(arr: np.ndarray, requires_grad: bool, device: Any, op: str) -> Tensor:
    """The new leaf tensor on ``device`` (the CPU), with ``requires_grad``."""
    if device is not None:
        check_cpu(device, op)
    t = Tensor._make(arr, False, None)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_dtype(dtype: Any) -> np.dtype:
    return _tensor.DEFAULT_FLOAT if dtype is None else as_numpy(dtype)


def _size(size: tuple, op: str) -> tuple:
    shape = _shape_args(size)
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"{op}(): argument 'size' must be a tuple of ints, but found "
                            f"element of type {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"{op}(): Trying to create tensor with negative dimension "
                               f"{s}: {list(shape)}")
    return tuple(int(s) for s in shape)


# ------------------------------------------------------------------ from data
def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``: ``te.tensor([1, 2, 3])`` is int64,
    Python floats give the default dtype (float32)."""
    arr = _to_array(data, None if dtype is None else as_numpy(dtype))
    return _make(arr, requires_grad, device, "tensor")


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing memory with an ndarray or tensor of the same dtype."""
    np_dtype = None if dtype is None else as_numpy(dtype)
    if isinstance(data, Tensor) and (np_dtype is None or data._data.dtype == np_dtype):
        check_cpu(device or "cpu", "as_tensor")
        return data
    if isinstance(data, np.ndarray) and (np_dtype is None or data.dtype == np_dtype):
        _dtype_of(data.dtype)               # a supported dtype
        return _make(data, False, device, "as_tensor")
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor that shares memory with ``ndarray`` (changes to one show in the other)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    try:
        _dtype_of(ndarray.dtype)
    except TypeError:
        raise TypeError(f"can't convert np.ndarray of type numpy.{ndarray.dtype}. The only "
                        f"supported types are: float64, float32, float16, complex64, "
                        f"complex128, int64, int32, int16, int8, uint64, uint32, uint16, "
                        f"uint8, and bool.") from None
    return Tensor._make(ndarray, False, None)



# ------------------------------------------------------------------ filled
def zeros(*size: Any, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return _make(np.zeros(_size(size, "zeros"), _float_dtype(dtype)), requires_grad, device,
                 "zeros")


def ones(*size: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    return _make(np.ones(_size(size, "ones"), _float_dtype(dtype)), requires_grad, device,
                 "ones")


def empty(*size: Any, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Uninitialised memory in torch; here zeros, so that results never depend on
    leftovers."""
    return _make(np.zeros(_size(size, "empty"), _float_dtype(dtype)), requires_grad, device,
                 "empty")


def full(size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value (bool, int64,
    or the default float) unless ``dtype`` is given."""
    if dtype is None:
        dtype = _to_array(fill_value).dtype if not isinstance(fill_value, Tensor) \
            else fill_value._data.dtype
    shape = _size((size,) if isinstance(size, (int, np.integer)) else (tuple(size),), "full")
    value = fill_value._data if isinstance(fill_value, Tensor) else fill_value
    return _make(np.full(shape, value, as_numpy(dtype)), requires_grad, device, "full")


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The n×m identity matrix (square when ``m`` is left out)."""
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"eye: n and m must be non-negative, got n={n}, m={m}")
    return _make(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, device, "eye")


def _is_float(x: Any) -> bool:
    return isinstance(x, (float, np.floating)) or (isinstance(x, Tensor)
                                                    and x._data.dtype.kind == "f")


def _number(x: Any) -> Any:
    return x.item() if isinstance(x, Tensor) else x


def arange(start: Any, end: Any = None, step: Any = 1, dtype: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """``start, start + step, …`` up to (not including) ``end``; int64 when every
    argument is an integer, else the default float dtype."""
    if end is None:
        start, end = 0, start
    start, end, step = _number(start), _number(end), _number(step)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        dtype = _tensor.DEFAULT_FLOAT if any(map(_is_float, (start, end, step))) else np.int64
    arr = np.arange(start, end, step)       # in int64 or float64, as torch computes it
    return _make(arr.astype(as_numpy(dtype), copy=False), requires_grad, device, "arange")


def linspace(start: Any, end: Any, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` (both included)."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    arr = np.linspace(_number(start), _number(end), steps)
    return _make(arr.astype(_float_dtype(dtype), copy=False), requires_grad, device,
                 "linspace")


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    arr = np.logspace(_number(start), _number(end), steps, base=base)
    return _make(arr.astype(_float_dtype(dtype), copy=False), requires_grad, device,
                 "logspace")


# ------------------------------------------------------------------ *_like
def _like_dtype(input: Tensor, dtype: Any) -> np.dtype:
    return input._data.dtype if dtype is None else as_numpy(dtype)


def zeros_like(input: Tensor, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    return _make(np.zeros(input._data.shape, _like_dtype(input, dtype)), requires_grad,
                 device, "zeros_like")


def ones_like(input: Tensor, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    return _make(np.ones(input._data.shape, _like_dtype(input, dtype)), requires_grad,
                 device, "ones_like")


def empty_like(input: Tensor, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Zeros (see ``empty``) of ``input``'s shape and dtype."""
    return zeros_like(input, dtype, device, requires_grad)


def full_like(input: Tensor, fill_value: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    return _make(np.full(input._data.shape, fill_value, _like_dtype(input, dtype)),
                 requires_grad, device, "full_like")


# ------------------------------------------------------------------ random
def rand(*size: Any, generator: Generator | None = None, dtype: Any = None,
         device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1), from ``generator`` (default: the one ``te.manual_seed`` seeds)."""
    arr = _random.uniform(_size(size, "rand"), _float_dtype(dtype), generator, "rand")
    return _make(arr, requires_grad, device, "rand")


def randn(*size: Any, generator: Generator | None = None, dtype: Any = None,
          device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples, from ``generator`` (default: the global one)."""
    arr = _random.standard_normal(_size(size, "randn"), _float_dtype(dtype), generator,
                                  "randn")
    return _make(arr, requires_grad, device, "randn")


def randint(low: int, high: Any = None, size: Any = None, *, generator: Generator | None = None,
            dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Integers uniform on [low, high) (``randint(high, size)`` means low = 0); int64."""
    if size is None:                        # randint(high, size)
        low, high, size = 0, low, high
    if size is None or high is None:
        raise TypeError("randint() missing the 'size' argument: randint(low=0, high, size)")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    shape = _size((size,) if isinstance(size, (int, np.integer)) else (tuple(size),), "randint")
    np_dtype = np.dtype(np.int64) if dtype is None else as_numpy(dtype)
    if np_dtype.kind in "iu":
        arr = _random.rng(generator).integers(low, high, shape, dtype=np_dtype)
    else:       # a float dtype: draw int64, then convert (NumPy draws integers only)
        arr = _random.rng(generator).integers(low, high, shape).astype(np_dtype)
    return _make(arr, requires_grad, device, "randint")


def rand_like(input: Tensor, generator: Generator | None = None, dtype: Any = None,
              device: Any = None, requires_grad: bool = False) -> Tensor:
    return rand(input._data.shape, generator=generator, dtype=_like_dtype(input, dtype),
                device=device, requires_grad=requires_grad)


def randn_like(input: Tensor, generator: Generator | None = None, dtype: Any = None,
               device: Any = None, requires_grad: bool = False) -> Tensor:
    return randn(input._data.shape, generator=generator, dtype=_like_dtype(input, dtype),
                 device=device, requires_grad=requires_grad)


def randint_like(input: Tensor, low: int, high: int | None = None, *,
                 generator: Generator | None = None, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
    """``randint`` with ``input``'s shape and dtype (``randint_like(x, high)``: low = 0)."""
    if high is None:
        low, high = 0, low
    return randint(low, high, input._data.shape, generator=generator,
                   dtype=_like_dtype(input, dtype), device=device, requires_grad=requires_grad)


def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 … n−1`` (int64)."""
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    arr = _random.rng(generator).permutation(n).astype(
        np.int64 if dtype is None else as_numpy(dtype), copy=False)
    return _make(arr, requires_grad, device, "randperm")


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """Indices drawn with probability proportional to ``input``'s (non-negative) weights,
    one row of ``num_samples`` per row of ``input`` (1-D or 2-D); int64."""
    p = np.asarray(input._data if isinstance(input, Tensor) else input, np.float64)
    if p.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got {p.ndim}")
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample {num_samples} (<= 0) samples")
    rows = p.reshape(-1, p.shape[-1])
    if not np.all(np.isfinite(rows)) or (rows < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    totals = rows.sum(axis=1)
    if rows.shape[-1] == 0 or (totals <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and num_samples > rows.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if not replacement and (np.count_nonzero(rows, axis=1) < num_samples).any():
        raise RuntimeError("invalid multinomial distribution (with replacement=False, not "
                           "enough non-negative category to sample)")
    gen = _random.rng(generator)
    out = np.stack([gen.choice(rows.shape[-1], num_samples, replace=replacement, p=r / t)
                    for r, t in zip(rows, totals)]).astype(np.int64)
    return Tensor._make(out.reshape(p.shape[:-1] + (num_samples,)), False, None)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Sequence[int] | None = None, *,
           generator: Generator | None = None, dtype: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Samples of N(mean, std²); ``mean``/``std`` may be tensors (broadcast together),
    else ``size`` gives the shape."""
    tensors = [x for x in (mean, std) if isinstance(x, Tensor)]
    if tensors:
        if size is not None:
            raise RuntimeError("normal: give either tensor mean/std or size, not both")
        np_dtype = np.result_type(*(t._data.dtype for t in tensors))
        shape = np.broadcast_shapes(*(np.shape(_number_or_array(x)) for x in (mean, std)))
    else:
        if size is None:
            raise TypeError("normal() with float mean and std needs a size")
        np_dtype, shape = _float_dtype(dtype), _size((tuple(size),), "normal")
    s = np.asarray(_number_or_array(std))
    if (s < 0).any():
        raise RuntimeError(f"normal expects std >= 0.0, but found std {s.min()}")
    z = _random.standard_normal(shape, np_dtype, generator, "normal")
    arr = (z * s + np.asarray(_number_or_array(mean))).astype(np_dtype, copy=False)
    return _make(arr, requires_grad, device, "normal")


def _number_or_array(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def bernoulli(input: Tensor, p: float | None = None, *,
              generator: Generator | None = None) -> Tensor:
    """1 with probability ``input`` (or ``p``), else 0, elementwise; ``input``'s dtype."""
    probs = input._data if p is None else np.full(input._data.shape, p)
    if ((probs < 0) | (probs > 1)).any() or np.isnan(probs).any():
        raise RuntimeError("bernoulli: all elements of input should be between 0 and 1")
    draw = _random.uniform(input._data.shape, np.dtype(np.float64), generator, "bernoulli")
    return Tensor._make((draw < probs).astype(input._data.dtype), False, None)
