"""``Tensor``: an ``np.ndarray`` plus what autograd needs (``grad``, ``grad_fn``).

Every differentiable method here is one line that calls a ``Function`` from
``tinygrad_edu.functions``; the math lives there, next to its derivative.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from . import random as _random

DEFAULT_FLOAT = np.dtype(np.float32)
_new_object, _ndarray = object.__new__, np.ndarray    # Speed: no attribute lookups in _make
MinMax = namedtuple("MinMax", ["values", "indices"])


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _to_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Convert user data to an owned array: floats default to float32, an
    ndarray keeps its dtype (so float64 stays float64)."""
    if isinstance(data, Tensor):
        data = data._data
    if dtype is not None:
        return np.array(data, dtype=np.dtype(dtype))
    is_array = isinstance(data, (np.ndarray, np.generic))     # np.float64(1) too
    arr = np.array(data)
    if arr.dtype == np.float64 and not is_array:
        arr = arr.astype(DEFAULT_FLOAT)
    elif arr.dtype.kind not in "fbiuc":
        raise TypeError(f"tensor: cannot make a tensor from data of type {arr.dtype} "
                        f"({type(data).__name__}); use numbers, nested lists or ndarrays")
    return arr


_CONSTANTS: dict[np.dtype, dict] = {}      # dtype -> {Python scalar: read-only 0-d array}


def _constant(value: bool | int | float, dtype: np.dtype) -> np.ndarray:
    """``value`` as a read-only 0-d array of ``dtype``, one array shared by every op
    that uses it. Speed: ``y = y * 0.5`` repeated 100,000 times then allocates no
    array per op for the 0.5, and the graph holds one such array instead of 100,000
    (less memory to allocate, free and walk for the garbage collector)."""
    table = _CONSTANTS.get(dtype)
    if table is None:
        table = _CONSTANTS[dtype] = {}
    arr = table.get(value)
    if arr is None:
        arr = np.asarray(value, dtype)
        if not value or value != value:     # ±0.0 are equal keys and nan matches no key:
            return arr                      # such values are not shared
        arr.flags.writeable = False
        if len(table) >= 1024:              # e.g. a new learning rate every step
            table.clear()
        table[value] = arr
    return arr


def _shape_args(shape: tuple) -> tuple:
    """Accept both ``zeros(2, 3)`` and ``zeros((2, 3))``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


class Tensor:
    """An n-dimensional array that records the operations applied to it."""

    __slots__ = ("_data", "grad", "requires_grad", "grad_fn", "name", "_hooks",
                 "__weakref__")
    __array_ufunc__ = None          # make ``ndarray + Tensor`` call Tensor.__radd__

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 name: str | None = None) -> None:
        self._data = _to_array(data, dtype)
        self.grad = None
        self.grad_fn = None
        self.name = name
        self._hooks = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(data: np.ndarray, requires_grad: bool, grad_fn: Any) -> "Tensor":
        """Fast internal constructor for op results: no conversion, no copy."""
        t = _new_object(Tensor)
        t._data = data if type(data) is _ndarray else np.asarray(data)
        t.grad = None
        t.requires_grad = requires_grad
        t.grad_fn = grad_fn
        t.name = None
        t._hooks = None
        return t

    # ------------------------------------------------------------------ creation
    @staticmethod
    def zeros(*shape: int, dtype: Any = None, requires_grad: bool = False) -> "Tensor":
        return Tensor(np.zeros(_shape_args(shape), dtype or DEFAULT_FLOAT), requires_grad)

    @staticmethod
    def ones(*shape: int, dtype: Any = None, requires_grad: bool = False) -> "Tensor":
        return Tensor(np.ones(_shape_args(shape), dtype or DEFAULT_FLOAT), requires_grad)

    @staticmethod
    def full(shape: int | Sequence[int], fill_value: float, dtype: Any = None,
             requires_grad: bool = False) -> "Tensor":
        if dtype is None:
            dtype = np.array(fill_value).dtype
            dtype = DEFAULT_FLOAT if dtype == np.float64 else dtype
        return Tensor(np.full(shape, fill_value, dtype), requires_grad)

    @staticmethod
    def rand(*shape: int, dtype: Any = None, requires_grad: bool = False) -> "Tensor":
        """Uniform on [0, 1), from the generator seeded by ``te.manual_seed``."""
        arr = _random.rng().random(_shape_args(shape)).astype(dtype or DEFAULT_FLOAT)
        return Tensor(arr, requires_grad)

    @staticmethod
    def randn(*shape: int, dtype: Any = None, requires_grad: bool = False) -> "Tensor":
        """Standard normal, from the generator seeded by ``te.manual_seed``."""
        arr = _random.rng().standard_normal(_shape_args(shape)).astype(dtype or DEFAULT_FLOAT)
        return Tensor(arr, requires_grad)

    @staticmethod
    def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None,
               requires_grad: bool = False) -> "Tensor":
        """Like ``torch.arange``: integers give int64, any float gives float32."""
        if end is None:
            start, end = 0, start
        arr = np.arange(start, end, step)
        if dtype is not None:
            arr = arr.astype(dtype)
        elif arr.dtype == np.float64:
            arr = arr.astype(DEFAULT_FLOAT)
        return Tensor(arr, requires_grad)

    @staticmethod
    def eye(n: int, m: int | None = None, dtype: Any = None,
            requires_grad: bool = False) -> "Tensor":
        return Tensor(np.eye(n, m, dtype=dtype or DEFAULT_FLOAT), requires_grad)

    # ------------------------------------------------------------------ attributes
    @property
    def data(self) -> np.ndarray:
        """The array (transition step: the library reads ``._data``; ``.data`` is
        becoming a Tensor that shares this storage, as in PyTorch)."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value._data if isinstance(value, Tensor) else np.asarray(value)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """``np.asarray(t)``: the array (shared, not copied unless ``dtype`` differs)."""
        arr = self._data
        return arr if dtype is None else arr.astype(dtype, copy=False)

    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def T(self) -> "Tensor":
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self) -> "Tensor":
        return self.transpose(-2, -1)

    def size(self, dim: int | None = None) -> tuple | int:
        return self._data.shape if dim is None else self._data.shape[dim]

    def numel(self) -> int:
        return self._data.size

    def dim(self) -> int:
        return self._data.ndim

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied), like ``torch.Tensor.numpy``."""
        return self._data

    def item(self) -> float | int | bool:
        if self._data.size != 1:
            raise ValueError(f"item(): only one-element tensors can be converted to a "
                             f"Python scalar, but this tensor has shape {self.shape} "
                             f"({self._data.size} elements)")
        return self._data.item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator["Tensor"]:
        for i in range(len(self)):
            yield self[i]

    # identity hashing (``==`` is elementwise), the C slot itself: no Python call per
    # dict lookup, e.g. for an optimiser's per-parameter state
    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"the truth value of a tensor with {self._data.size} "
                               f"elements is ambiguous; use .any() or .all()")
        return bool(self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(",
                               precision=4, floatmode="maxprec_equal")
        extras = []
        if self._data.dtype.kind == "f" and self._data.dtype != DEFAULT_FLOAT:
            extras.append(f"dtype={self._data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        """Jupyter shows the repr and, for a computed tensor, the graph behind it."""
        from .viz.graph import tensor_mimebundle
        return tensor_mimebundle(self)

    # ------------------------------------------------------------------ autograd
    def backward(self, gradient: "Tensor | None" = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Accumulate d self / d leaf into each leaf's ``.grad`` (chain rule over the DAG)."""
        _autograd.backward(self, gradient, retain_graph, create_graph)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if requires_grad and self._data.dtype.kind not in "fc":
            raise TypeError(f"only floating point tensors can require gradients, but "
                            f"this tensor has dtype {self._data.dtype}; convert it with "
                            f".float() first")
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_(False) works on leaves only; use .detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> "Tensor":
        """The same data, cut from the graph (no grad_fn, no requires_grad)."""
        return Tensor._make(self._data, False, None)

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        if self.grad_fn is None:
            return
        import weakref
        self.grad_fn._retain = weakref.ref(self)

    def register_hook(self, hook: Callable[["Tensor"], "Tensor | None"]) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned
        Tensor replaces the gradient."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require grad")
        if self.grad_fn is not None:
            if self.grad_fn._hooks is None:
                self.grad_fn._hooks = []
            hooks = self.grad_fn._hooks
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        hooks.append(hook)
        return RemovableHandle(hooks, hook)

    # ------------------------------------------------------------------ operators
    def _operand(self, other: Any) -> Any:
        """Wrap a Python/NumPy scalar or array as a constant array of our dtype."""
        if isinstance(other, Tensor):
            return other
        kind = self._data.dtype.kind
        if isinstance(other, float) and kind in "fc":   # the commonest case first
            return _constant(other, self._data.dtype)
        if isinstance(other, bool) or (isinstance(other, int) and kind != "b"):
            return _constant(other, self._data.dtype)
        if isinstance(other, np.ndarray):       # a constant: no copy, ops never mutate it
            return Tensor._make(other, False, None)
        if isinstance(other, np.generic):       # NumPy scalars act as Python scalars
            return self._operand(other.item())
        if isinstance(other, float):            # a Python float on an int/bool tensor:
            return _constant(other, DEFAULT_FLOAT)      # float32, as torch
        return Tensor(other)

    def _binary(self, op: type, other: Any, reverse: bool = False) -> "Tensor":
        # compare dtypes without the ``dtype`` property (this runs for every a·b, a+b)
        dt = self._data.dtype
        if other.__class__ is Tensor:           # Speed: the commonest cases, no call
            odt = other._data.dtype
        elif other.__class__ is float and dt.kind in "fc":     # x * 0.5
            other, odt = _constant(other, dt), dt
        else:
            other = self._operand(other)
            odt = other._data.dtype if isinstance(other, Tensor) else other.dtype
        a, b = (other, self) if reverse else (self, other)
        if odt is not dt and odt != dt:
            a, b = _promote(a, b)
        return op.apply(a, b)

    def __add__(self, other: Any) -> "Tensor":
        return self._binary(F.Add, other)

    def __radd__(self, other: Any) -> "Tensor":
        return self._binary(F.Add, other, True)

    def __sub__(self, other: Any) -> "Tensor":
        return self._binary(F.Sub, other)

    def __rsub__(self, other: Any) -> "Tensor":
        return self._binary(F.Sub, other, True)

    def __mul__(self, other: Any) -> "Tensor":
        return self._binary(F.Mul, other)

    def __rmul__(self, other: Any) -> "Tensor":
        return self._binary(F.Mul, other, True)

    def __truediv__(self, other: Any) -> "Tensor":
        return self._float()._binary(F.Div, other)

    def __rtruediv__(self, other: Any) -> "Tensor":
        return self._float()._binary(F.Div, other, True)

    def __pow__(self, other: Any) -> "Tensor":
        return self._binary(F.Pow, other)

    def __rpow__(self, other: Any) -> "Tensor":
        return self._binary(F.Pow, other, True)

    def __matmul__(self, other: Any) -> "Tensor":
        return self._binary(F.MatMul, other)

    def __rmatmul__(self, other: Any) -> "Tensor":
        return self._binary(F.MatMul, other, True)

    def __neg__(self) -> "Tensor":
        return F.Neg.apply(self)

    def __pos__(self) -> "Tensor":
        return self

    # comparisons: boolean results, never differentiable
    def _compare(self, ufunc: np.ufunc, other: Any) -> "Tensor":
        other = other._data if isinstance(other, Tensor) else other
        return Tensor._make(ufunc(self._data, other), False, None)

    def __eq__(self, other: Any) -> "Tensor":  # type: ignore[override]
        return self._compare(np.equal, other)

    def __ne__(self, other: Any) -> "Tensor":  # type: ignore[override]
        return self._compare(np.not_equal, other)

    def __lt__(self, other: Any) -> "Tensor":
        return self._compare(np.less, other)

    def __le__(self, other: Any) -> "Tensor":
        return self._compare(np.less_equal, other)

    def __gt__(self, other: Any) -> "Tensor":
        return self._compare(np.greater, other)

    def __ge__(self, other: Any) -> "Tensor":
        return self._compare(np.greater_equal, other)

    def __invert__(self) -> "Tensor":
        return Tensor._make(~self._data, False, None)

    def __and__(self, other: Any) -> "Tensor":
        return self._compare(np.logical_and, other)

    def __or__(self, other: Any) -> "Tensor":
        return self._compare(np.logical_or, other)

    def any(self) -> "Tensor":
        return Tensor._make(np.asarray(self._data.any()), False, None)

    def all(self) -> "Tensor":
        return Tensor._make(np.asarray(self._data.all()), False, None)

    # ------------------------------------------------------------------ dtype
    def to(self, dtype: Any) -> "Tensor":
        """This tensor as ``dtype``; differentiable between float types, while integer
        and bool results are cut from the graph (as in torch)."""
        dtype = np.dtype(dtype)
        if dtype == self._data.dtype:
            return self
        if dtype.kind not in "fc":
            return Tensor._make(self._data.astype(dtype), False, None)
        return F.Cast.apply(self, dtype=dtype)

    def float(self) -> "Tensor":
        return self.to(np.float32)

    def double(self) -> "Tensor":
        return self.to(np.float64)

    def long(self) -> "Tensor":
        return self.to(np.int64)

    def int(self) -> "Tensor":
        return self.to(np.int32)

    def bool(self) -> "Tensor":
        return self.to(np.bool_)

    def _float(self) -> "Tensor":
        return self if self._data.dtype.kind in "fc" else self.to(DEFAULT_FLOAT)

    # ------------------------------------------------------------------ elementwise
    def exp(self) -> "Tensor":
        return F.Exp.apply(self._float())

    def log(self) -> "Tensor":
        return F.Log.apply(self._float())

    def sqrt(self) -> "Tensor":
        return F.Sqrt.apply(self._float())

    def abs(self) -> "Tensor":
        return F.Abs.apply(self)

    def sin(self) -> "Tensor":
        return F.Sin.apply(self._float())

    def cos(self) -> "Tensor":
        return F.Cos.apply(self._float())

    def tanh(self) -> "Tensor":
        return F.Tanh.apply(self._float())

    def sigmoid(self) -> "Tensor":
        return F.Sigmoid.apply(self._float())

    def relu(self) -> "Tensor":
        return F.ReLU.apply(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> "Tensor":
        return F.LeakyReLU.apply(self, negative_slope=negative_slope)

    def gelu(self) -> "Tensor":
        return F.GELU.apply(self._float())

    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> "Tensor":
        return F.Softplus.apply(self._float(), beta=beta, threshold=threshold)

    def clamp(self, min: float | None = None, max: float | None = None) -> "Tensor":
        if min is None and max is None:
            raise ValueError("clamp: at least one of min and max must be given")
        x = self._float() if isinstance(min, float) or isinstance(max, float) else self
        return F.Clamp.apply(x, min=min, max=max)

    clip = clamp

    def maximum(self, other: Any) -> "Tensor":
        return self._binary(F.Maximum, other)

    def minimum(self, other: Any) -> "Tensor":
        return self._binary(F.Minimum, other)

    def pow(self, exponent: Any) -> "Tensor":
        return self ** exponent

    def matmul(self, other: Any) -> "Tensor":
        return self @ other

    # ------------------------------------------------------------------ reductions
    def sum(self, dim: int | tuple | None = None, keepdim: bool = False) -> "Tensor":
        return F.Sum.apply(self, dim=dim, keepdim=keepdim)

    def mean(self, dim: int | tuple | None = None, keepdim: bool = False) -> "Tensor":
        return F.Mean.apply(self._float(), dim=dim, keepdim=keepdim)

    def max(self, dim: Any = None, keepdim: bool = False) -> "Tensor | MinMax":
        """``max()`` is the largest element; ``max(dim)`` returns (values, indices);
        ``max(other)`` is the elementwise maximum, as in PyTorch."""
        return self._extremum(F.Max, np.argmax, dim, keepdim)

    def min(self, dim: Any = None, keepdim: bool = False) -> "Tensor | MinMax":
        return self._extremum(F.Min, np.argmin, dim, keepdim)

    def _extremum(self, op: type, arg: Callable, dim: Any, keepdim: bool) -> Any:
        if isinstance(dim, Tensor):
            return self._binary(F.Maximum if op is F.Max else F.Minimum, dim)
        values = op.apply(self, dim=dim, keepdim=keepdim)
        if dim is None:
            return values
        idx = arg(self._data, axis=dim)
        if keepdim:
            idx = np.expand_dims(idx, dim)
        return MinMax(values, Tensor._make(idx, False, None))

    def var(self, dim: int | tuple | None = None, unbiased: bool = True,
            keepdim: bool = False, *, correction: int | None = None) -> "Tensor":
        """Σ(x − mean)² / (N − correction); ``unbiased=True`` means correction 1."""
        if correction is None:
            correction = 1 if unbiased else 0
        x = self._float()
        mean = x.mean(dim, keepdim=True)
        n = x._data.size // max(mean._data.size, 1)       # elements per reduced group
        centred = x - mean
        return (centred * centred).sum(dim, keepdim=keepdim) / max(n - correction, 0)

    def std(self, dim: int | tuple | None = None, unbiased: bool = True,
            keepdim: bool = False, *, correction: int | None = None) -> "Tensor":
        """√var; like torch, where the std is 0 its gradient is 0 (not 0·∞ = nan)."""
        v = self.var(dim, unbiased, keepdim, correction=correction)
        zero = v._data == 0
        if not zero.any():
            return v.sqrt()
        return where(zero, 0.0, where(zero, 1.0, v).sqrt())

    def logsumexp(self, dim: int | tuple | None = None, keepdim: bool = False) -> "Tensor":
        return F.LogSumExp.apply(self._float(), dim=dim, keepdim=keepdim)

    def softmax(self, dim: int = -1) -> "Tensor":
        return F.Softmax.apply(self._float(), dim=dim)

    def log_softmax(self, dim: int = -1) -> "Tensor":
        return F.LogSoftmax.apply(self._float(), dim=dim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> "Tensor":
        return self._arg(np.argmax, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> "Tensor":
        return self._arg(np.argmin, dim, keepdim)

    def _arg(self, fn: Callable, dim: int | None, keepdim: bool) -> "Tensor":
        idx = fn(self._data, axis=dim, keepdims=keepdim)
        return Tensor._make(np.asarray(idx), False, None)

    # ------------------------------------------------------------------ shapes
    def reshape(self, *shape: int) -> "Tensor":
        shape = _shape_args(shape)
        if shape == self._data.shape:
            return self
        return F.Reshape.apply(self, shape=shape)

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> "Tensor":
        if self.ndim == 0:
            return self.reshape(1)
        start, end = start_dim % self.ndim, end_dim % self.ndim
        shape = self.shape[:start] + (-1,) + self.shape[end + 1:]
        return self.reshape(shape)

    def permute(self, *dims: int) -> "Tensor":
        return F.Permute.apply(self, dims=_shape_args(dims))

    def transpose(self, dim0: int, dim1: int) -> "Tensor":
        dims = list(range(self.ndim))
        dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
        return self.permute(*dims)

    def squeeze(self, dim: int | None = None) -> "Tensor":
        if dim is None:
            shape = tuple(s for s in self.shape if s != 1)
        else:
            d = dim % max(self.ndim, 1)
            shape = self.shape if self.ndim == 0 or self.shape[d] != 1 else \
                self.shape[:d] + self.shape[d + 1:]
        return self.reshape(shape)

    def unsqueeze(self, dim: int) -> "Tensor":
        d = dim if dim >= 0 else dim + self.ndim + 1
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def expand(self, *sizes: int) -> "Tensor":
        """Broadcast to ``sizes`` (−1 keeps a dimension), as ``torch.expand``."""
        sizes = _shape_args(sizes)
        lead = len(sizes) - self.ndim
        shape = tuple(self.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
        return self if shape == self.shape else F.Expand.apply(self, shape=shape)

    def sum_to_shape(self, shape: tuple) -> "Tensor":
        """Sum over the broadcast dimensions so the result has ``shape`` (the
        reverse of broadcasting; used by the engine for broadcast inputs)."""
        return self if shape == self._data.shape else F.SumToShape.apply(self, shape=shape)

    def pad(self, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> "Tensor":
        """Pad like ``torch.nn.functional.pad``: widths given last dimension first,
        ``(left, right, top, bottom, ...)``."""
        return F.pad(self, tuple(pad), mode, value)

    def __getitem__(self, index: Any) -> "Tensor":
        return F.GetItem.apply(self, index=F.normalize_index(index))

    def where(self, condition: Any, other: Any) -> "Tensor":
        return where(condition, self, other)

    # ------------------------------------------------------------------ masks and pieces
    # (what a GPT's attention needs: causal masks, filled scores, q/k/v split apart)
    def tril(self, diagonal: int = 0) -> "Tensor":
        """The lower triangle of the last two dimensions (j ≤ i + diagonal), zeros
        above; differentiable (the gradient keeps the same triangle)."""
        return self._triangle("tril", diagonal)

    def triu(self, diagonal: int = 0) -> "Tensor":
        """The upper triangle of the last two dimensions (j ≥ i + diagonal)."""
        return self._triangle("triu", diagonal)

    def _triangle(self, op: str, diagonal: int) -> "Tensor":
        if self._data.ndim < 2:
            raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions")
        rows, cols = self._data.shape[-2:]
        keep = np.tri(rows, cols, diagonal - (op == "triu"), dtype=bool)
        return where(keep if op == "tril" else ~keep, self, 0)

    def masked_fill(self, mask: Any, value: Any) -> "Tensor":
        """``value`` where the boolean ``mask`` is True, self elsewhere (the mask
        broadcasts); the gradient flows to self where the mask is False."""
        m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
        if m.dtype != np.bool_:
            raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask "
                               f"with dtype {_torch_dtype_name(m.dtype)}")
        if isinstance(value, Tensor):
            if value.ndim:
                raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value "
                                   f"tensor, but got tensor with {value.ndim} dimension(s).")
            value = value.to(self.dtype)
        elif isinstance(value, (np.ndarray, np.generic)):
            value = value.item()
        return where(m, value, self)

    def split(self, split_size_or_sections: int | Sequence[int],
              dim: int = 0) -> tuple["Tensor", ...]:
        """Pieces along ``dim``: of ``split_size`` each (the last may be smaller), or
        of the given sizes, which must add up to the dimension's size."""
        d, size = self._dim_size(dim)
        if isinstance(split_size_or_sections, (int, np.integer)):
            step = int(split_size_or_sections)
            if step < 0 or (step == 0 and size != 0):
                raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but "
                                   f"got dimension size of {size}" if step == 0 else
                                   f"split expects split_size be non-negative, but got "
                                   f"split_size={step}")
            sizes = [min(step, size - lo) for lo in range(0, size, step)] if size else [0]
        else:
            sizes = [int(s) for s in split_size_or_sections]
            if sum(sizes) != size or min(sizes, default=0) < 0:
                raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to "
                                   f"{size} (input tensor's size at dimension {d}), but got "
                                   f"split_sizes={sizes}")
        pieces, lo = [], 0
        lead = (slice(None),) * d
        for n in sizes:
            pieces.append(self[lead + (slice(lo, lo + n),)])
            lo += n
        return tuple(pieces)

    def chunk(self, chunks: int, dim: int = 0) -> tuple["Tensor", ...]:
        """At most ``chunks`` pieces of ⌈size/chunks⌉ along ``dim`` (as torch.chunk)."""
        if chunks <= 0:
            raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
        size = self._dim_size(dim)[1]
        if size == 0:
            return (self,) * chunks
        return self.split(-(-size // chunks), dim)

    def _dim_size(self, dim: int) -> tuple[int, int]:
        """``dim`` made non-negative, and the size of that dimension."""
        ndim = self._data.ndim
        if not -max(ndim, 1) <= dim < max(ndim, 1) or ndim == 0:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-max(ndim, 1)}, {max(ndim, 1) - 1}], but got {dim})")
        return dim % ndim, self._data.shape[dim % ndim]

    def __setitem__(self, index: Any, value: Any) -> None:
        raise TypeError("tinygrad_edu tensors are not mutated in place; build a new "
                        "tensor (e.g. with te.where) or assign to .data without grad")


def _torch_dtype_name(dtype: np.dtype) -> str:
    """How torch names a dtype in its messages (float32 is ``float``, int64 ``long``)."""
    return {"float32": "float", "float64": "double", "int64": "long", "int32": "int",
            "float16": "half"}.get(dtype.name, dtype.name)


def _category(dtype: np.dtype) -> int:
    return 0 if dtype.kind == "b" else 1 if dtype.kind in "iu" else 2


def _promote(a: Any, b: Any) -> tuple:
    """Bring two operands to one dtype like PyTorch: float beats integer beats bool
    (the higher category keeps its dtype); within a category a dimensioned operand's
    dtype beats a 0-d one's, otherwise the wider type wins."""
    xa, xb = np.asarray(getattr(a, "_data", a)), np.asarray(getattr(b, "_data", b))
    da, db = xa.dtype, xb.dtype
    ca, cb = _category(da), _category(db)
    if ca != cb:
        target = da if ca > cb else db
    elif (xa.ndim == 0) != (xb.ndim == 0):
        target = db if xa.ndim == 0 else da
    else:
        target = np.promote_types(da, db)

    def cast(x: Any) -> Any:
        if isinstance(x, Tensor):
            return x.to(target)
        return np.asarray(x, dtype=target)
    return cast(a), cast(b)


def where(condition: Any, input: Any, other: Any) -> Tensor:
    """``condition ? input : other`` elementwise; differentiable in input and other."""
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if not isinstance(input, Tensor) and isinstance(other, Tensor):
        input = other._operand(input)       # a scalar/array, as on the right of an op
    elif not isinstance(other, Tensor):
        input = input if isinstance(input, Tensor) else Tensor(input)
        other = input._operand(other)
    if input.dtype != other.dtype:
        input, other = _promote(input, other)
    return F.Where.apply(cond.astype(bool, copy=False), input, other)


from . import autograd as _autograd  # noqa: E402  (circular: autograd needs Tensor)
from . import functions as F  # noqa: E402
