"""Creation functions, with PyTorch's signatures: ``zeros ones full empty eye arange
linspace logspace``, the ``*_like`` family, the random ones (``rand randn randint randperm
multinomial normal bernoulli``, each taking ``generator=``), and ``tensor``/``as_tensor``/
``from_numpy``. Every one takes ``dtype=``, ``device=`` (the CPU) and ``requires_grad=``.

Arrays are allocated in the target dtype directly (no float64 copy on the way): values
that are computed in float64 (``arange``, ``linspace``, ``logspace``, as torch does) are
computed ``CHUNK`` elements at a time into the result, so the scratch space stays small
and the values are the float64 ones rounded once.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable, Sequence

import numpy as np

from . import random as _random
from .device import check_cpu
from .dtypes import as_numpy
from .dtypes import from_numpy as _dtype_of
from .random import Generator
from .tensor import Tensor, _shape_args, _to_array

_tensor = importlib.import_module(".tensor", __package__)   # reads DEFAULT_FLOAT at call time
CHUNK = 1 << 16              # elements computed at a time in float64 scratch space

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


def _chunked(n: int, dtype: np.dtype, values: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """out[i] = values(i) rounded to ``dtype``, for i in 0 … n−1, with ``values``
    called on ``CHUNK`` indices at a time (int64 arrays): float64 scratch of at most
    ``CHUNK`` elements instead of a float64 copy of the whole result."""
    out = np.empty(n, dtype)
    for start in range(0, n, CHUNK):
        idx = np.arange(start, min(n, start + CHUNK))
        out[start:start + len(idx)] = values(idx)
    return out


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
    np_dtype = as_numpy(dtype)
    if not any(map(_is_float, (start, end, step))) and np_dtype.kind in "iu":
        arr = np.arange(start, end, step, dtype=np_dtype)       # exact integers
    else:       # start + i·step in float64, as torch computes it, rounded once
        n = max(0, int(np.ceil((end - start) / step)))
        delta = float(start + step) - float(start)          # as NumPy's arange steps
        arr = _chunked(n, np_dtype, lambda i: start + i * delta)
    return _make(arr, requires_grad, device, "arange")


def linspace(start: Any, end: Any, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` (both included)."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _make(_linspace(_number(start), _number(end), steps, _float_dtype(dtype), None),
                 requires_grad, device, "linspace")


def _linspace(start: float, end: float, steps: int, dtype: np.dtype,
              base: float | None) -> np.ndarray:
    """start + i·(end − start)/(steps − 1) in float64 (NumPy's ``linspace`` formula,
    the last value exactly ``end``), or ``base`` to that power, rounded to ``dtype``."""
    step = (end - start) / (steps - 1) if steps > 1 else 0.0

    def values(i: np.ndarray) -> np.ndarray:
        v = i * step + start
        v[i == steps - 1] = end if steps > 1 else start
        return v if base is None else np.power(base, v)
    return _chunked(steps, dtype, values)


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``base ** linspace(start, end, steps)``."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return _make(_linspace(_number(start), _number(end), steps, _float_dtype(dtype), base),
                 requires_grad, device, "logspace")


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
    gen = _random.rng(generator)
    if np_dtype.kind in "iu":
        arr = gen.integers(low, high, shape, dtype=np_dtype)
    else:       # a float dtype: NumPy draws integers only; int64 a chunk at a time
        arr = _chunked(int(np.prod(shape)), np_dtype,
                       lambda i: gen.integers(low, high, len(i))).reshape(shape)
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
    arr = np.arange(n, dtype=np.int64 if dtype is None else as_numpy(dtype))
    _random.rng(generator).shuffle(arr)     # what permutation(n) does, in the dtype
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
    z *= s.astype(np_dtype, copy=False)          # mean + std·z, in place, in the dtype
    z += np.asarray(_number_or_array(mean)).astype(np_dtype, copy=False)
    return _make(z, requires_grad, device, "normal")


def _number_or_array(x: Any) -> Any:
    return x._data if isinstance(x, Tensor) else x


def bernoulli(input: Tensor, p: float | None = None, *,
              generator: Generator | None = None) -> Tensor:
    """1 with probability ``input`` (or ``p``), else 0, elementwise; ``input``'s dtype."""
    probs = input._data if p is None else np.asarray(p, np.float64)
    if ((probs < 0) | (probs > 1)).any() or np.isnan(probs).any():
        raise RuntimeError("bernoulli: all elements of input should be between 0 and 1")
    dtype = input._data.dtype if input._data.dtype in (np.float32, np.float64) \
        else np.dtype(np.float64)           # the uniform draw: in the input's dtype
    draw = _random.uniform(input._data.shape, dtype, generator, "bernoulli")
    hit = np.less(draw, probs, out=np.empty(draw.shape, bool))
    del draw
    return Tensor._make(hit.astype(input._data.dtype), False, None)
