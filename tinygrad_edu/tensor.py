"""``Tensor``: an ``np.ndarray`` plus what autograd needs (``grad``, ``grad_fn``).

Every differentiable method here is one line that calls a ``Function`` from
``tinygrad_edu.functions``; the math lives there, next to its derivative.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from . import random as _random
from .dims import normalize_dim, normalize_dims

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
        if self._data.ndim < 2:
            raise RuntimeError(f"tensor.mT is only supported on matrices or batches of "
                               f"matrices. Got {self._data.ndim}-D tensor.")
        return self.transpose(-2, -1)

    def size(self, dim: int | None = None) -> tuple | int:
        if dim is None:
            return self._data.shape
        if not self._data.ndim:
            normalize_dim(dim, 0, "size")
            raise IndexError("size: dimension specified as 0 but tensor has no dimensions")
        return self._data.shape[normalize_dim(dim, self._data.ndim, "size")]

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
        _no_bool_sub(self, other)
        return self._binary(F.Sub, other)

    def __rsub__(self, other: Any) -> "Tensor":
        _no_bool_sub(self, other)
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
        _no_bool("pow", self, other)
        return self._binary(F.Pow, other)

    def __rpow__(self, other: Any) -> "Tensor":
        _no_bool("pow", self, other)
        return self._binary(F.Pow, other, True)

    def __matmul__(self, other: Any) -> "Tensor":
        _no_bool("matmul", self, other)
        return self._binary(F.MatMul, other)

    def __rmatmul__(self, other: Any) -> "Tensor":
        _no_bool("matmul", self, other)
        return self._binary(F.MatMul, other, True)

    def __neg__(self) -> "Tensor":
        if self._data.dtype.kind == "b":
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not "
                               "supported. If you are trying to invert a mask, use the `~` "
                               "or `logical_not()` operator instead.")
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

    def _only_float(self, op: str) -> "Tensor":
        """self, for an op torch implements for floating tensors only."""
        if self._data.dtype.kind not in "fc":
            raise NotImplementedError(f"{op}: not implemented for integer or bool tensors "
                                      f"(dtype {self._data.dtype}); convert with .float() "
                                      f"first")
        return self

    # ------------------------------------------------------------------ elementwise
    def exp(self) -> "Tensor":
        return F.Exp.apply(self._float())

    def log(self) -> "Tensor":
        return F.Log.apply(self._float())

    def sqrt(self) -> "Tensor":
        return F.Sqrt.apply(self._float())

    def abs(self) -> "Tensor":
        _no_bool("abs", self)
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
        if self._data.dtype.kind == "b":
            raise RuntimeError("relu: Boolean inputs not supported for relu")
        return F.ReLU.apply(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> "Tensor":
        return F.LeakyReLU.apply(self._only_float("leaky_relu"),
                                 negative_slope=negative_slope)

    def gelu(self) -> "Tensor":
        return F.GELU.apply(self._only_float("gelu"))

    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> "Tensor":
        return F.Softplus.apply(self._only_float("softplus"), beta=beta, threshold=threshold)

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
        return F.Mean.apply(self, dim=dim, keepdim=keepdim)

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
        return MinMax(values, self._arg(arg, dim, keepdim))

    def var(self, dim: int | tuple | None = None, unbiased: bool = True,
            keepdim: bool = False, *, correction: int | None = None) -> "Tensor":
        """Σ(x − mean)² / (N − correction); ``unbiased=True`` means correction 1."""
        if correction is None:
            correction = 1 if unbiased else 0
        return F.Var.apply(self, dim=dim, correction=correction, keepdim=keepdim)

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
        return F.Softmax.apply(self, dim=dim)

    def log_softmax(self, dim: int = -1) -> "Tensor":
        return F.LogSoftmax.apply(self, dim=dim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> "Tensor":
        return self._arg(np.argmax, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> "Tensor":
        return self._arg(np.argmin, dim, keepdim)

    def _arg(self, fn: Callable, dim: int | None, keepdim: bool) -> "Tensor":
        data = self._data
        if dim is None:
            if not data.size:
                raise RuntimeError(f"{fn.__name__}(): Expected reduction dim to be specified "
                                   f"for input.numel() == 0.")
            idx = fn(data, keepdims=keepdim)
        elif not data.ndim:
            normalize_dim(dim, 0, fn.__name__)
            idx = np.zeros((), np.intp)
        else:
            axis = normalize_dim(dim, data.ndim, fn.__name__)
            if not data.shape[axis]:
                raise IndexError(f"{fn.__name__}(): Expected reduction dim {axis} to have "
                                 f"non-zero size.")
            idx = fn(data, axis=axis, keepdims=keepdim)
        return Tensor._make(np.asarray(idx, np.int64), False, None)

    # ------------------------------------------------------------------ shapes
    def reshape(self, *shape: int) -> "Tensor":
        shape = _shape_args(shape)
        if shape == self._data.shape:
            return self
        return F.Reshape.apply(self, shape=shape)

    def view(self, *shape: int) -> "Tensor":
        """``reshape`` that, as in torch, refuses to copy: the new shape must be
        expressible with the array's strides (a transposed matrix cannot be flattened)."""
        shape = _shape_args(shape)
        try:
            np.reshape(self._data, shape, copy=False)
        except ValueError as exc:
            if "copy" not in str(exc):      # a wrong size: reshape's own error below
                return self.reshape(shape)
            raise RuntimeError(f"view size is not compatible with input tensor's size and "
                               f"stride (at least one dimension spans across two contiguous "
                               f"subspaces). Use .reshape(...) instead. (view of shape "
                               f"{self.shape} as {shape})") from None
        return self.reshape(shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> "Tensor":
        ndim = self._data.ndim
        start = normalize_dim(start_dim, ndim, "flatten")
        end = normalize_dim(end_dim, ndim, "flatten")
        if start > end:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after "
                               "end_dim")
        if ndim == 0:
            return self.reshape(1)
        shape = self.shape
        return self.reshape(shape[:start] + (int(np.prod(shape[start:end + 1])),) +
                            shape[end + 1:])

    def permute(self, *dims: int) -> "Tensor":
        dims = _shape_args(dims)
        ndim = self._data.ndim
        if len(dims) != ndim:
            raise RuntimeError(f"permute(): number of dimensions in the tensor input does "
                               f"not match the length of the desired ordering of dimensions "
                               f"i.e. input.dim() = {ndim} is not equal to len(dims) = "
                               f"{len(dims)}")
        dims = tuple(normalize_dim(d, ndim, "permute") for d in dims)
        if len(set(dims)) != ndim:
            raise RuntimeError("permute(): duplicate dims are not allowed.")
        return F.Permute.apply(self, dims=dims)

    def transpose(self, dim0: int, dim1: int) -> "Tensor":
        ndim = self._data.ndim
        d0, d1 = normalize_dim(dim0, ndim, "transpose"), normalize_dim(dim1, ndim, "transpose")
        if ndim < 2 or d0 == d1:
            return F.Permute.apply(self, dims=tuple(range(ndim)))
        dims = list(range(ndim))
        dims[d0], dims[d1] = d1, d0
        return F.Permute.apply(self, dims=tuple(dims))

    def squeeze(self, dim: int | tuple | None = None) -> "Tensor":
        """Drop the size-1 dimensions (only among ``dim`` if given; others stay)."""
        shape = self._data.shape
        dims = range(len(shape)) if dim is None else \
            normalize_dims(dim, len(shape), "squeeze") or ()
        return self.reshape(tuple(s for i, s in enumerate(shape) if s != 1 or i not in dims))

    def unsqueeze(self, dim: int) -> "Tensor":
        d = normalize_dim(dim, self._data.ndim + 1, "unsqueeze")
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

    def __setitem__(self, index: Any, value: Any) -> None:
        raise TypeError("tinygrad_edu tensors are not mutated in place; build a new "
                        "tensor (e.g. with te.where) or assign to .data without grad")


def _no_bool(op: str, *operands: Any) -> None:
    """torch has no bool kernel for ``op``: an error naming it."""
    if all(isinstance(x, (bool, np.bool_)) or getattr(x, "dtype", None) == np.bool_
           for x in operands):
        raise NotImplementedError(f"{op}: not implemented for bool tensors; convert with "
                                  f".int() or .float() first")


def _no_bool_sub(a: Any, b: Any) -> None:
    if a._data.dtype.kind == "b" or getattr(b, "dtype", None) == np.bool_ \
            or isinstance(b, (bool, np.bool_)):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not "
                           "supported. If you are trying to invert a mask, use the `~` or "
                           "`logical_not()` operator instead.")


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


def _to_common_dtype(tensors: Sequence[Tensor]) -> list[Tensor]:
    """``tensors`` cast to the dtype torch gives ``cat``/``stack`` of them: the highest
    category (float > integer > bool) wins, the widest dtype within it (float32 with
    int64 is float32)."""
    tensors = list(tensors)
    dtypes = {t._data.dtype for t in tensors}
    if len(dtypes) < 2:
        return tensors
    top = max(map(_category, dtypes))
    target = np.result_type(*[d for d in dtypes if _category(d) == top])
    return [t.to(target) for t in tensors]


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
