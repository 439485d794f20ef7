"""``Tensor``: an ``np.ndarray`` plus what autograd needs (``grad``, ``grad_fn``).

Every differentiable method here is one line that calls a ``Function`` from
``tinygrad_edu.functions``; the math lives there, next to its derivative.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from . import dtypes as _dtypes
from .device import CPU, check_cpu
from . import random as _random
from .dims import normalize_dim, normalize_dims

DEFAULT_FLOAT = np.dtype(np.float32)
_new_object, _ndarray = object.__new__, np.ndarray    # Speed: no attribute lookups in _make
MinMax = namedtuple("MinMax", ["values", "indices"])
SortResult = namedtuple("SortResult", ["values", "indices"])     # torch.return_types.sort
MinMaxPair = namedtuple("MinMaxPair", ["min", "max"])             # … .aminmax
Histogram = namedtuple("Histogram", ["hist", "bin_edges"])        # … .histogram


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
        return np.array(data, dtype=_dtypes.as_numpy(dtype))
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


class Size(tuple):
    """A tensor's shape: a tuple of ints, printed as ``tinygrad_edu.Size([2, 3])``."""

    __slots__ = ()

    def numel(self) -> int:
        """The number of elements of a tensor of this shape."""
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, index: Any) -> Any:
        out = tuple.__getitem__(self, index)
        return Size(out) if isinstance(index, slice) else out

    def __repr__(self) -> str:
        return f"tinygrad_edu.Size({list(self)})"


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

    # ------------------------------------------------------------------ attributes
    @property
    def data(self) -> "Tensor":
        """The values as a Tensor cut from the graph, as PyTorch's ``.data``: the same
        storage, ``requires_grad=False``, no history, and its own version counter (so
        autograd does not see writes through it; ``detach()`` is the safe twin).
        Assigning ``t.data = other`` makes t use other's storage."""
        return _history.untracked(Tensor._make(self._data, False, None))

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got "
                            f"{type(value).__name__}")
        self._data = value._data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """``np.asarray(t)``: the array (shared, not copied unless ``dtype`` differs)."""
        arr = self._data
        return arr if dtype is None else arr.astype(dtype, copy=False)

    @property
    def shape(self) -> Size:
        """The shape, a tuple printed as ``tinygrad_edu.Size([2, 3])`` (library code reads
        ``t._data.shape``, the plain tuple)."""
        return Size(self._data.shape)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> _dtypes.dtype:
        """``tinygrad_edu.float32`` etc.: equal to the NumPy dtype, and NumPy accepts it
        (library code reads ``t._data.dtype``, the NumPy dtype itself)."""
        return _dtypes.from_numpy(self._data.dtype)

    @property
    def device(self) -> Any:
        """Always ``device(type='cpu')``: tinygrad_edu computes with NumPy on the CPU."""
        return CPU

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

    def size(self, dim: int | None = None) -> Size | int:
        if dim is None:
            return Size(self._data.shape)
        if not self._data.ndim:
            normalize_dim(dim, 0, "size")
            raise IndexError("size: dimension specified as 0 but tensor has no dimensions")
        return self._data.shape[normalize_dim(dim, self._data.ndim, "size")]

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def element_size(self) -> int:
        """Bytes per element (4 for float32)."""
        return self._data.itemsize

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying array (shared, not copied), like ``torch.Tensor.numpy``; a
        tensor that requires grad must be detached first (or pass ``force=True``)."""
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    def item(self) -> float | int | bool:
        if self._data.size != 1:
            raise ValueError(f"item(): only one-element tensors can be converted to a "
                             f"Python scalar, but this tensor has shape {tuple(self._data.shape)} "
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

    def __index__(self) -> int:
        """An integer tensor of one element as a list index or ``range`` bound."""
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted "
                            "to an index")
        return int(self._data.item())

    def __format__(self, format_spec: str) -> str:
        """``f"{loss:.4f}"`` formats a 0-d tensor's number; other tensors take no spec."""
        if self._data.ndim == 0:
            return self._data.item().__format__(format_spec)
        if format_spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return str(self)

    def __abs__(self) -> "Tensor":
        return self.abs()

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(",
                               formatter=_torch_number_format(self._data))
        body = body.replace(", ..., ", ",  ..., ")        # torch's gap around "..."
        extras = []
        dt = self._data.dtype
        if dt != DEFAULT_FLOAT and dt != np.int64 and dt != np.bool_:   # as torch
            extras.append(f"dtype={_dtypes.from_numpy(dt)}")
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
        """The same storage, cut from the graph (no grad_fn, no requires_grad). Its
        array is a new view object, so that a node whose inputs are ``x`` and
        ``x.detach()`` can tell which one an array it saved came from."""
        return Tensor._make(self._data.view(), False, None)

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

    # ------------------------------------------------------------------ dtype
    def to(self, *args: Any, dtype: Any = None, device: Any = None, non_blocking: bool = False,
           copy: bool = False) -> "Tensor":
        """This tensor as another dtype (``to(te.float64)``), on a device (``to("cpu")``:
        the CPU is the only one) or like another tensor (``to(other)``). Differentiable
        between float types; integer and bool results are cut from the graph (as in
        torch)."""
        for a in args:
            if isinstance(a, Tensor):
                dtype = a._data.dtype
            elif isinstance(a, (str, type(CPU))):
                device = a
            else:
                dtype = a
        if device is not None:
            check_cpu(device, "to")
        np_dtype = self._data.dtype if dtype is None else _dtypes.as_numpy(dtype)
        if np_dtype == self._data.dtype and not copy:
            return self
        if np_dtype.kind not in "fc":
            with np.errstate(invalid="ignore"):     # nan/inf to an integer: as torch, silent
                return Tensor._make(self._data.astype(np_dtype), False, None)
        return F.Cast.apply(self, dtype=np_dtype)

    def cpu(self) -> "Tensor":
        """The tensor itself: it is on the CPU already."""
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> "Tensor":
        check_cpu("cuda" if device is None else device if isinstance(device, str)
                  else f"cuda:{device}", "cuda")
        return self

    def type(self, dtype: Any = None) -> "str | Tensor":
        """``type()`` names the tensor type (``'tinygrad_edu.FloatTensor'``);
        ``type(dtype)`` converts, as ``to(dtype)``."""
        if dtype is None:
            return f"tinygrad_edu.{_TYPE_NAMES.get(str(self._data.dtype), 'Tensor')}"
        return self.to(dtype)

    def float(self) -> "Tensor":
        return self.to(np.float32)

    def double(self) -> "Tensor":
        return self.to(np.float64)

    def half(self) -> "Tensor":
        return self.to(np.float16)

    def long(self) -> "Tensor":
        return self.to(np.int64)

    def int(self) -> "Tensor":
        return self.to(np.int32)

    def short(self) -> "Tensor":
        return self.to(np.int16)

    def bool(self) -> "Tensor":
        return self.to(np.bool_)

    # ------------------------------------------------------------------ new_* creation
    def new_tensor(self, data: Any, dtype: Any = None, device: Any = None,
                   requires_grad: bool = False) -> "Tensor":
        """A new tensor from ``data`` with this tensor's dtype (unless ``dtype`` is given)."""
        return _creation.tensor(data, dtype=self._data.dtype if dtype is None else dtype,
                                device=device, requires_grad=requires_grad)

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> "Tensor":
        return _creation.zeros(*size, dtype=self._data.dtype if dtype is None else dtype,
                               device=device, requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> "Tensor":
        return _creation.ones(*size, dtype=self._data.dtype if dtype is None else dtype,
                              device=device, requires_grad=requires_grad)

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> "Tensor":
        return _creation.full(size, fill_value,
                              dtype=self._data.dtype if dtype is None else dtype,
                              device=device, requires_grad=requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> "Tensor":
        return self.new_zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)

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
        if isinstance(dim, (tuple, list)):
            name = "max" if op is F.Max else "min"
            raise TypeError(f"{name}(): dim must be one int (as in torch); for several "
                            f"dims use a{name}(dim={tuple(dim)})")
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
        if self._data.dtype == np.bool_:
            raise RuntimeError("argmax(): does not support bool input")
        return self._arg(np.argmax, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> "Tensor":
        if self._data.dtype == np.bool_:
            raise RuntimeError("argmin(): does not support bool input")
        return self._arg(np.argmin, dim, keepdim)

    def _arg(self, fn: Callable, dim: int | None, keepdim: bool) -> "Tensor":
        data = self._data
        if dim is None:
            if not data.size:
                raise IndexError(f"{fn.__name__}(): Expected reduction dim to be specified "
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
        out = F.Reshape.apply(self, shape=shape)
        if out._data.base is None:              # reshape had to copy: not a view
            return out
        return self._view(out, ("reshape", tuple(out._data.shape)))

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
                               f"{tuple(self.shape)} as {shape})") from None
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
        return self._permuted(dims)

    def _permuted(self, dims: tuple) -> "Tensor":
        return self._view(F.Permute.apply(self, dims=dims), ("permute", dims))

    def transpose(self, dim0: int, dim1: int) -> "Tensor":
        ndim = self._data.ndim
        d0, d1 = normalize_dim(dim0, ndim, "transpose"), normalize_dim(dim1, ndim, "transpose")
        if ndim < 2 or d0 == d1:
            return self._permuted(tuple(range(ndim)))
        dims = list(range(ndim))
        dims[d0], dims[d1] = d1, d0
        return self._permuted(tuple(dims))

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
        shape = tuple(self._data.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
        if shape == self._data.shape:
            return self
        return self._view(F.Expand.apply(self, shape=shape), ("expand", shape))

    def _view(self, out: "Tensor", step: tuple) -> "Tensor":
        """``out``, a view of self made by ``step``; remembered in grad mode so that
        in-place writes through either reach the other's history (autograd/history.py)."""
        _history.register_view(out, self, step, _grad_state["grad"])
        return out

    def sum_to_shape(self, shape: tuple) -> "Tensor":
        """Sum over the broadcast dimensions so the result has ``shape`` (the
        reverse of broadcasting; used by the engine for broadcast inputs)."""
        return self if shape == self._data.shape else F.SumToShape.apply(self, shape=shape)

    def pad(self, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> "Tensor":
        """Pad like ``torch.nn.functional.pad``: widths given last dimension first,
        ``(left, right, top, bottom, ...)``."""
        return F.pad(self, tuple(pad), mode, value)

    def __getitem__(self, index: Any) -> "Tensor":
        index = F.normalize_index(index)
        if not F.is_basic_index(index):       # a copy, as in torch
            return F.GetItem.apply(self, index=index)
        if isinstance(index, (int, np.integer)) or (
                isinstance(index, tuple) and all(isinstance(i, (int, np.integer)) for i in index)):
            index = (index if isinstance(index, tuple) else (index,)) + (Ellipsis,)
        return self._view(F.GetItem.apply(self, index=index), ("index", index))

    def where(self, condition: Any, other: Any) -> "Tensor":
        return where(condition, self, other)

    # ------------------------------------------------------------------ PyTorch surface:
    # more math, scans, sorting, picking by index, linear algebra (issue 16)
    def add(self, other: Any, *, alpha: float = 1) -> "Tensor":
        """self + alpha·other."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other: Any, *, alpha: float = 1) -> "Tensor":
        """self − alpha·other."""
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other: Any) -> "Tensor":
        return self * other

    def div(self, other: Any, *, rounding_mode: str | None = None) -> "Tensor":
        """self / other; ``rounding_mode="floor"`` or ``"trunc"`` rounds the quotient."""
        if rounding_mode is None:
            return self / other
        if rounding_mode not in ("floor", "trunc"):
            raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or "
                             f"'floor' but found '{rounding_mode}'")
        o = getattr(other, "_data", other)
        if self._data.dtype.kind in "iub" and np.asarray(o).dtype.kind in "iub":
            # integers: an integer result, as torch (no gradient: integers have none)
            dtype = np.result_type(self._data, o)
            with np.errstate(divide="ignore", invalid="ignore"):
                q = np.floor_divide(self._data, o) if rounding_mode == "floor" else \
                    np.trunc(self._data / o)
            return Tensor._make(np.asarray(q).astype(dtype), False, None)
        q = self / other
        return q.floor() if rounding_mode == "floor" else q.trunc()

    def neg(self) -> "Tensor":
        return -self

    multiply, subtract, divide, negative = mul, sub, div, neg

    def log2(self) -> "Tensor":
        return F.Log2.apply(self._float())

    def log10(self) -> "Tensor":
        return F.Log10.apply(self._float())

    def log1p(self) -> "Tensor":
        return F.Log1p.apply(self._float())

    def expm1(self) -> "Tensor":
        return F.Expm1.apply(self._float())

    def exp2(self) -> "Tensor":
        return F.Exp2.apply(self._float())

    def square(self) -> "Tensor":
        """a², as torch a Pow node (``PowBackward0``)."""
        return self ** 2

    def rsqrt(self) -> "Tensor":
        return F.Rsqrt.apply(self._float())

    def reciprocal(self) -> "Tensor":
        return F.Reciprocal.apply(self._float())

    def sign(self) -> "Tensor":
        return F.Sign.apply(self)

    def floor(self) -> "Tensor":
        return self if self._data.dtype.kind in "iu" else F.Floor.apply(self._only_float("floor"))

    def ceil(self) -> "Tensor":
        return self if self._data.dtype.kind in "iu" else F.Ceil.apply(self._only_float("ceil"))

    def trunc(self) -> "Tensor":
        return self if self._data.dtype.kind in "iu" else F.Trunc.apply(self._only_float("trunc"))

    fix = trunc

    def round(self, decimals: int = 0) -> "Tensor":
        """Round half to even (``round(2.5) = 2``), to ``decimals`` places."""
        if self._data.dtype.kind in "iu" and decimals == 0:
            return self
        self._only_float("round")
        return F.Round.apply(self, decimals=decimals) if decimals else F.Round.apply(self)

    def frac(self) -> "Tensor":
        if self._data.dtype.kind not in "fc":
            raise NotImplementedError(f'"frac" is not implemented for {self.dtype}')
        return F.Frac.apply(self)

    def remainder(self, other: Any) -> "Tensor":
        """a − b·⌊a/b⌋: the sign of the divisor, like Python's ``%``."""
        return self._binary(F.Remainder, other)

    __mod__ = remainder

    def __rmod__(self, other: Any) -> "Tensor":
        return self._binary(F.Remainder, other, True)

    def fmod(self, other: Any) -> "Tensor":
        """a − b·trunc(a/b): the sign of the dividend, like C's ``fmod``."""
        return self._binary(F.Fmod, other)

    def lerp(self, end: "Tensor", weight: Any) -> "Tensor":
        """self + weight·(end − self)."""
        end = end if isinstance(end, Tensor) else Tensor(end, dtype=self._data.dtype)
        if end._data.dtype != self._data.dtype:
            raise RuntimeError(f"lerp: expected dtype {self.dtype} for `end` but got dtype "
                               f"{end.dtype}")
        weight = weight if isinstance(weight, Tensor) else _constant(weight, self._data.dtype)
        return F.Lerp.apply(self, end, weight)

    def nan_to_num(self, nan: float = 0.0, posinf: float | None = None,
                   neginf: float | None = None) -> "Tensor":
        """nan → ``nan``, ±inf → ``posinf``/``neginf`` (default: the dtype's largest)."""
        if self._data.dtype.kind not in "fc":
            return self
        return F.NanToNum.apply(self, nan=nan, posinf=posinf, neginf=neginf)

    def _mask(self, values: np.ndarray) -> "Tensor":
        return Tensor._make(np.asarray(values), False, None)

    def isnan(self) -> "Tensor":
        return self._mask(np.isnan(self._data))

    def isinf(self) -> "Tensor":
        return self._mask(np.isinf(self._data))

    def isfinite(self) -> "Tensor":
        return self._mask(np.isfinite(self._data))

    def isclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                equal_nan: bool = False) -> "Tensor":
        """|a − b| ≤ atol + rtol·|b| elementwise."""
        return self._mask(np.isclose(self._data, getattr(other, "_data", other), rtol, atol,
                                     equal_nan))

    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                 equal_nan: bool = False) -> bool:
        """True when every element is ``isclose`` (a Python bool, as torch)."""
        return bool(self.isclose(other, rtol, atol, equal_nan)._data.all())

    def equal(self, other: "Tensor") -> bool:
        """True when both have the same shape and the same elements."""
        o = other._data
        return self._data.shape == o.shape and bool((self._data == o).all())

    def any(self, dim: int | tuple | None = None, keepdim: bool = False) -> "Tensor":
        return self._mask(self._data.any(axis=self._axes(dim), keepdims=keepdim))

    def all(self, dim: int | tuple | None = None, keepdim: bool = False) -> "Tensor":
        return self._mask(self._data.all(axis=self._axes(dim), keepdims=keepdim))

    def _axes(self, dim: int | tuple | list | None) -> int | tuple | None:
        """``dim`` checked (torch's IndexError) and made non-negative; a tuple stays one."""
        if dim is None:
            return None
        if isinstance(dim, (tuple, list)):
            return tuple(normalize_dim(d, self._data.ndim, None) for d in dim)
        return normalize_dim(dim, self._data.ndim, None)

    def count_nonzero(self, dim: int | tuple | None = None) -> "Tensor":
        return self._mask(np.count_nonzero(self._data, axis=self._axes(dim)).astype(np.int64))

    def nonzero(self, as_tuple: bool = False) -> "Tensor | tuple":
        """The indices of the nonzero elements: one row each (``as_tuple``: one index
        tensor per dimension)."""
        idx = np.nonzero(np.atleast_1d(self._data) if self._data.ndim == 0 else self._data)
        if as_tuple:
            return tuple(self._mask(i.astype(np.int64)) for i in idx)
        return self._mask(np.stack(idx, axis=1).astype(np.int64) if idx else
                          np.zeros((0, 0), np.int64))

    # -- reductions and scans
    def prod(self, dim: int | None = None, keepdim: bool = False, *,
             dtype: Any = None) -> "Tensor":
        x = self._reduce_input(dtype)
        if dim is None:
            return F.Prod.apply(x)
        return F.Prod.apply(x, dim=normalize_dim(dim, self._data.ndim, None), keepdim=keepdim)

    def _reduce_input(self, dtype: Any) -> "Tensor":
        """Integers and bools are summed/multiplied in int64, as torch."""
        if dtype is not None:
            return self.to(dtype)
        return self.to(np.int64) if self._data.dtype.kind in "iub" else self

    def cumsum(self, dim: int, *, dtype: Any = None) -> "Tensor":
        x, d = self._reduce_input(dtype), normalize_dim(dim, self._data.ndim, "cumsum")
        return F.Cumsum.apply(x, dim=d) if x.ndim else x.reshape(())

    def cumprod(self, dim: int, *, dtype: Any = None) -> "Tensor":
        x, d = self._reduce_input(dtype), normalize_dim(dim, self._data.ndim, "cumprod")
        return F.Cumprod.apply(x, dim=d) if x.ndim else x.reshape(())

    def amax(self, dim: int | tuple = (), keepdim: bool = False) -> "Tensor":
        """The largest value over ``dim`` (several dims, or all with ``()``); ties
        share the gradient evenly."""
        return F.Amax.apply(self, dim=self._extreme_dims(dim, "amax"), keepdim=keepdim)

    def amin(self, dim: int | tuple = (), keepdim: bool = False) -> "Tensor":
        return F.Amin.apply(self, dim=self._extreme_dims(dim, "amin"), keepdim=keepdim)

    def _extreme_dims(self, dim: int | tuple, op: str) -> tuple | None:
        axes = self._axes(dim)
        axes = None if axes == () else (axes,) if isinstance(axes, int) else axes
        if self._data.size == 0:
            if axes is None:
                raise IndexError(f"{op}(): Expected reduction dim to be specified for "
                                 f"input.numel() == 0. Specify the reduction dim with the "
                                 f"'dim' argument.")
            given = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
            empty = [g for g, d in zip(given, axes) if not self._data.shape[d]]
            if empty:
                raise IndexError(f"{op}(): Expected reduction dim {empty[0]} to have "
                                 f"non-zero size.")
        return axes

    def aminmax(self, *, dim: int | None = None, keepdim: bool = False) -> "MinMaxPair":
        return MinMaxPair(self.amin(() if dim is None else dim, keepdim),
                          self.amax(() if dim is None else dim, keepdim))

    def norm(self, p: Any = "fro", dim: int | tuple | None = None, keepdim: bool = False,
             dtype: Any = None) -> "Tensor":
        """The vector p-norm (Σ|aᵢ|ᵖ)^(1/p) over ``dim`` (all elements by default);
        ``p="fro"`` is 2, ``inf``/``-inf`` the largest/smallest |aᵢ|."""
        if p == "fro":
            if isinstance(dim, (tuple, list)) and len(dim) > 2:
                raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                                   f"{' '.join(map(str, dim))}")
            p = 2.0
        if isinstance(p, str):
            raise NotImplementedError(f"norm: p={p!r} (a matrix norm) is not supported; use "
                                      f"a number (the vector norm) or 'fro'")
        x = self if dtype is None else self.to(dtype)
        if x._data.dtype.kind not in "fc":
            raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex "
                               f"tensor as input. Got "
                               f"{_torch_dtype_name(x._data.dtype).capitalize()}")
        return F.Norm.apply(x, p=float(p), dim=self._axes(dim), keepdim=keepdim)

    def median(self, dim: int | None = None, keepdim: bool = False) -> "Tensor | MinMax":
        """The lower median (the middle value, the smaller of the two middle ones for an
        even count, as torch); with ``dim``, (values, indices)."""
        if dim is None:
            flat = self.reshape(-1)
            if flat._data.size == 0:
                return Tensor._make(np.asarray(np.nan, self._data.dtype), False, None)
            values, _ = flat.sort()
            return values[(flat._data.size - 1) // 2]
        d = normalize_dim(dim, self._data.ndim, None)
        values, indices = self.sort(d)
        k = (self._data.shape[d] - 1) // 2 if self._data.ndim else 0
        return MinMax(values.select(d, k).unsqueeze(d) if keepdim else values.select(d, k),
                      self._mask(np.take(indices._data, [k] if keepdim else k, axis=d)))

    # -- sorting
    def _sort_order(self, dim: int, descending: bool) -> np.ndarray:
        a = self._data if self._data.ndim else self._data.reshape(1)
        if descending:      # stable among ties, like the ascending order
            a = -(a.astype(np.int64) if a.dtype.kind in "bu" else a)
        return np.argsort(a, axis=dim, kind="stable")

    def sort(self, dim: int = -1, descending: bool = False,
             stable: bool = False) -> "SortResult":
        """(values, indices) sorted along ``dim`` (ties keep their order)."""
        d = normalize_dim(dim, self._data.ndim, None)
        order = self._sort_order(d, descending).reshape(self._data.shape)
        pos = np.take_along_axis(F.positions(self._data.shape), order, d) \
            if self._data.ndim else np.zeros((), np.int64)
        return SortResult(F.Sort.apply(self, pos=pos), self._mask(order))

    def argsort(self, dim: int = -1, descending: bool = False,
                stable: bool = False) -> "Tensor":
        d = normalize_dim(dim, self._data.ndim, None)
        return self._mask(self._sort_order(d, descending).reshape(self._data.shape))

    def topk(self, k: int, dim: int = -1, largest: bool = True,
             sorted: bool = True) -> "SortResult":
        """The ``k`` largest (``largest=False``: smallest) along ``dim``, in order."""
        d = normalize_dim(dim, self._data.ndim, None)
        n = self._data.shape[d] if self._data.ndim else 1
        if not 0 <= k <= n:
            raise RuntimeError(f"selected index k out of range: k={k} for dimension {d} "
                               f"of size {n}")
        order = np.take(self._sort_order(d, largest), range(k), axis=d) if self._data.ndim \
            else np.zeros((), np.int64)[:k]
        pos = np.take_along_axis(F.positions(self._data.shape), order, d) \
            if self._data.ndim else order
        return SortResult(F.Topk.apply(self, pos=pos), self._mask(order))

    def unique(self, sorted: bool = True, return_inverse: bool = False,
               return_counts: bool = False, dim: int | None = None) -> Any:
        """The distinct values, in ascending order (and where each element went, and how
        often each value occurs)."""
        if dim is not None:
            raise NotImplementedError("unique: dim= is not supported; flatten first")
        vals, inverse, counts = np.unique(self._data, return_inverse=True, return_counts=True)
        out = [self._mask(vals)]
        if return_inverse:
            out.append(self._mask(inverse.reshape(self._data.shape).astype(np.int64)))
        if return_counts:
            out.append(self._mask(counts.astype(np.int64)))
        return out[0] if len(out) == 1 else tuple(out)

    # -- picking by index (each a Take node: its gradient goes back to the places read)
    def _take(self, op: type, pos: np.ndarray) -> "Tensor":
        return op.apply(self, pos=pos)

    def flip(self, *dims: int) -> "Tensor":
        axes = tuple(normalize_dim(d, self._data.ndim, None) for d in _shape_args(dims))
        pos = F.positions(self._data.shape)
        return self._take(F.Flip, np.flip(pos, axes) if self._data.ndim else pos)

    def roll(self, shifts: int | tuple, dims: int | tuple | None = None) -> "Tensor":
        """Shift cyclically along ``dims`` (the flattened tensor without ``dims``)."""
        pos = F.positions(self._data.shape)
        if dims is None:
            return self._take(F.Roll, np.roll(pos.reshape(-1), shifts).reshape(pos.shape))
        return self._take(F.Roll, np.roll(pos, shifts, self._axes(dims)))

    def repeat(self, *sizes: int) -> "Tensor":
        """Tile the tensor ``sizes[i]`` times along dimension i (new leading dims when
        there are more sizes than dims), like ``torch.Tensor.repeat``."""
        sizes = _shape_args(sizes)
        if len(sizes) < self._data.ndim:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than "
                               "number of dimensions of tensor")
        return self._take(F.Repeat, np.tile(F.positions(self._data.shape), sizes))

    def tile(self, *dims: int) -> "Tensor":
        """``repeat``, with missing leading sizes taken as 1."""
        dims = _shape_args(dims)
        return self.repeat(*((1,) * (self._data.ndim - len(dims)) + tuple(dims)))

    def repeat_interleave(self, repeats: Any, dim: int | None = None, *,
                          output_size: int | None = None) -> "Tensor":
        """Repeat each element (or slice along ``dim``) ``repeats`` times in place."""
        r = np.asarray(getattr(repeats, "_data", repeats))
        if (r < 0).any():
            raise RuntimeError("repeats can not be negative")
        pos = F.positions(self._data.shape)
        if dim is None:
            return self._take(F.RepeatInterleave, np.repeat(pos.reshape(-1), r))
        return self._take(F.RepeatInterleave, np.repeat(pos, r, normalize_dim(dim, self._data.ndim, None)))

    def narrow(self, dim: int, start: int, length: int) -> "Tensor":
        if not self._data.ndim:
            raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
        d = normalize_dim(dim, self._data.ndim, None)
        n = self._data.shape[d]
        start = start + n if start < 0 else start
        if not (0 <= start <= n and 0 <= length <= n - start):
            raise IndexError(f"narrow(): start ({start}) + length ({length}) exceeds "
                             f"dimension size ({n}).")
        return self[(slice(None),) * d + (slice(start, start + length),)]

    def select(self, dim: int, index: int) -> "Tensor":
        if not self._data.ndim:
            raise IndexError("select() cannot be applied to a 0-dim tensor.")
        d = normalize_dim(dim, self._data.ndim, None)
        n = self._data.shape[d]
        if not -n <= index < n:
            raise IndexError(f"select(): index {index} out of range for tensor of size "
                             f"{self.size()} at dimension {d}")
        return self[(slice(None),) * d + (index,)]

    def unbind(self, dim: int = 0) -> tuple:
        """The slices along ``dim``, as a tuple."""
        d = normalize_dim(dim, self._data.ndim, None)
        return tuple(self.select(d, i) for i in range(self._data.shape[d]))

    def index_select(self, dim: int, index: "Tensor") -> "Tensor":
        d = normalize_dim(dim, self._data.ndim, None)
        idx = np.asarray(getattr(index, "_data", index))
        if idx.ndim > 1:
            raise IndexError("index_select(): Index is supposed to be a vector")
        if idx.size and idx.dtype.kind in "iu" and idx.min() < 0:
            raise IndexError("index out of range in self")     # torch: no negative indices
        if not self._data.ndim and idx.size > 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                               f"{idx.size} value(s)")
        idx = F.check_index("index_select", idx.reshape(-1), self._data.shape[d] if
                            self._data.ndim else 1, d, IndexError)
        return self._take(F.IndexSelect, np.take(F.positions(self._data.shape), idx, axis=d))

    def _index_along(self, op: str, dim: int, index: Any) -> tuple:
        d = normalize_dim(dim, self._data.ndim, None)
        idx = np.asarray(getattr(index, "_data", index))
        if idx.ndim != self._data.ndim:
            raise RuntimeError(f"{op}(): Index tensor must have the same number of "
                               f"dimensions as input tensor")
        for i, (s, n) in enumerate(zip(idx.shape, self._data.shape)):
            if i != d and s > n:
                raise RuntimeError(f"{op}(): Size does not match at dimension {i} expected "
                                   f"index {list(idx.shape)} to be no larger than self "
                                   f"{list(self._data.shape)} apart from dimension {d}")
        idx = F.check_index(op, idx, self._data.shape[d], d)
        return d, F.along_dim(self._data.shape, idx, d)

    def gather(self, dim: int, index: "Tensor") -> "Tensor":
        """``out[i][j] = self[i][index[i][j]]`` along ``dim`` (index has self's rank)."""
        _, pos = self._index_along("gather", dim, index)
        return self._take(F.Gather, pos)

    def take_along_dim(self, indices: "Tensor", dim: int | None = None) -> "Tensor":
        """``gather`` with ``indices`` broadcast against self (the flattened tensor
        without ``dim``): NumPy's ``take_along_axis``."""
        if dim is None:
            return self.reshape(-1).take_along_dim(indices.reshape(-1), 0)
        d = normalize_dim(dim, self._data.ndim, None)
        idx = np.asarray(getattr(indices, "_data", indices))
        shape = list(np.broadcast_shapes(self._data.shape[:d] + (1,) + self._data.shape[d + 1:],
                                         idx.shape[:d] + (1,) + idx.shape[d + 1:]))
        shape[d] = idx.shape[d]
        idx = np.broadcast_to(idx, shape)
        src = self.expand(*(shape[:d] + [self._data.shape[d]] + shape[d + 1:]))
        return src.gather(d, idx)

    def masked_select(self, mask: "Tensor") -> "Tensor":
        """The elements where ``mask`` (broadcast to self) is True, as a 1-D tensor."""
        m = np.asarray(getattr(mask, "_data", mask))
        if m.dtype != np.bool_:
            raise RuntimeError(f"masked_select: expected BoolTensor for mask, got {m.dtype}")
        shape = np.broadcast_shapes(self._data.shape, m.shape)
        src = self.expand(*shape)
        return src._take(F.MaskedSelect, F.positions(shape)[np.broadcast_to(m, shape)])

    def scatter(self, dim: int, index: "Tensor", src: Any = None, value: Any = None, *,
                reduce: str | None = None) -> "Tensor":
        """A copy of self with ``src`` (or ``value``) written where ``index`` points
        along ``dim``: ``out[i][index[i][j]] = src[i][j]``."""
        if reduce is not None:
            raise NotImplementedError("scatter: reduce= is not supported; use scatter_add "
                                      "for sums")
        if src is None and value is None:
            raise TypeError("scatter() needs src (a tensor) or value (a number)")
        idx = np.asarray(getattr(index, "_data", index))
        if not isinstance(src, Tensor):
            src = Tensor._make(np.full(idx.shape, src if value is None else value,
                                       self._data.dtype), False, None)
        return self._scatter("scatter", dim, idx, src, False)

    def scatter_add(self, dim: int, index: "Tensor", src: "Tensor") -> "Tensor":
        """A copy of self with ``src`` added where ``index`` points along ``dim``
        (repeated indices add up)."""
        return self._scatter("scatter_add", dim, np.asarray(getattr(index, "_data", index)),
                             src, True)

    def _scatter(self, op: str, dim: int, idx: np.ndarray, src: "Tensor",
                 add: bool) -> "Tensor":
        if src._data.dtype != self._data.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")
        if src._data.ndim != idx.ndim or any(i > s for i, s in zip(idx.shape, src.shape)):
            raise RuntimeError(f"{op}(): Expected index {list(idx.shape)} to be no larger "
                               f"than src {list(src.shape)} in every dimension")
        d, pos = self._index_along(op, dim, idx)
        part = src[tuple(slice(0, n) for n in idx.shape)] if src.shape != idx.shape else src
        return F.Scatter.apply(self, part, pos=pos, add=add)

    def contiguous(self) -> "Tensor":
        """The tensor itself (NumPy handles memory layout)."""
        return self

    # -- linear algebra (names and checks as in torch; all are one MatMul node)
    def t(self) -> "Tensor":
        """The transpose of a matrix (a vector or scalar as it is)."""
        if self._data.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                               f"{self._data.ndim}D")
        return self if self._data.ndim < 2 else self.transpose(0, 1)

    @property
    def mH(self) -> "Tensor":
        """The conjugate transpose of the last two dims (real tensors: ``mT``)."""
        if self._data.dtype.kind == "c":
            raise NotImplementedError("mH: complex tensors are not supported")
        return self.mT

    def mm(self, mat2: "Tensor") -> "Tensor":
        if self._data.ndim != 2:
            raise RuntimeError("self must be a matrix")
        if mat2.ndim != 2:
            raise RuntimeError("mat2 must be a matrix")
        if self._data.shape[1] != mat2.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                               f"({self.shape[0]}x{self.shape[1]} and "
                               f"{mat2.shape[0]}x{mat2.shape[1]})")
        return self @ mat2

    def bmm(self, mat2: "Tensor") -> "Tensor":
        if self._data.ndim != 3:
            raise RuntimeError("batch1 must be a 3D tensor")
        if mat2.ndim != 3:
            raise RuntimeError("batch2 must be a 3D tensor")
        a, b = self._data.shape, mat2.shape
        if a[0] != b[0] or a[2] != b[1]:
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to "
                               f"be: [{a[0]}, {a[2]}] but got: [{b[0]}, {b[1]}].")
        return self @ mat2

    def mv(self, vec: "Tensor") -> "Tensor":
        if self._data.ndim != 2 or vec.ndim != 1 or self._data.shape[1] != vec.shape[0]:
            raise RuntimeError(f"size mismatch, got input ({self._data.shape[0]}), mat "
                               f"({'x'.join(map(str, self._data.shape))}), vec "
                               f"({'x'.join(map(str, vec.shape))})")
        return self @ vec

    def dot(self, other: "Tensor") -> "Tensor":
        if self._data.ndim != 1 or other.ndim != 1:
            raise RuntimeError(f"1D tensors expected, but got {self._data.ndim}D and "
                               f"{other.ndim}D tensors")
        if self._data.shape != other.shape:
            raise RuntimeError(f"inconsistent tensor size, expected tensor "
                               f"[{self._data.shape[0]}] and src [{other.shape[0]}] to have "
                               f"the same number of elements, but got {self._data.shape[0]} "
                               f"and {other.shape[0]} elements respectively")
        return self @ other

    def outer(self, vec2: "Tensor") -> "Tensor":
        """outer[i, j] = self[i]·vec2[j] (a broadcast product, as torch)."""
        if self._data.ndim != 1 or vec2.ndim != 1:
            raise RuntimeError(f"outer: expected 1-D vectors, got {self._data.ndim}D and "
                               f"{vec2.ndim}D")
        return self.reshape(-1, 1) * vec2

    ger = outer

    def addmm(self, mat1: "Tensor", mat2: "Tensor", *, beta: float = 1,
              alpha: float = 1) -> "Tensor":
        """beta·self + alpha·(mat1 @ mat2)."""
        prod = mat1.mm(mat2)
        return (self if beta == 1 else self * beta) + (prod if alpha == 1 else prod * alpha)

    def baddbmm(self, batch1: "Tensor", batch2: "Tensor", *, beta: float = 1,
                alpha: float = 1) -> "Tensor":
        """beta·self + alpha·(batch1 @ batch2) for batches of matrices."""
        prod = batch1.bmm(batch2)
        return (self if beta == 1 else self * beta) + (prod if alpha == 1 else prod * alpha)

    # -- histograms (counts: no gradient)
    def histc(self, bins: int = 100, min: float = 0, max: float = 0) -> "Tensor":
        """Counts in ``bins`` equal bins over [min, max] (min = max: the data's range);
        values outside are ignored; the tensor's float dtype."""
        if self._data.dtype.kind != "f":
            raise NotImplementedError(f'"histogram_cpu" not implemented for {self.dtype}')
        lo, hi = float(min), float(max)
        if lo == hi and self._data.size:
            lo, hi = float(self._data.min()), float(self._data.max())
        if lo == hi:
            lo, hi = lo - 1, hi + 1
        counts, _ = np.histogram(self._data, bins, (lo, hi))
        return self._mask(counts.astype(self._data.dtype))

    def histogram(self, bins: Any = 100, *, range: tuple | None = None,
                  weight: "Tensor | None" = None, density: bool = False) -> "Histogram":
        w = None if weight is None else weight._data
        b = bins._data if isinstance(bins, Tensor) else bins
        hist, edges = np.histogram(self._data, b, range, weights=w, density=density)
        return Histogram(self._mask(hist.astype(self._data.dtype)),
                         self._mask(edges.astype(self._data.dtype)))

    def bincount(self, weights: "Tensor | None" = None, minlength: int = 0) -> "Tensor":
        """How often each of 0, 1, …, max occurs in this 1-D non-negative int tensor."""
        if self._data.ndim != 1 or self._data.dtype.kind not in "iu":
            raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
        if self._data.size and self._data.min() < 0:
            raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
        w = None if weights is None else weights._data
        out = np.bincount(self._data, w, minlength)
        return self._mask(out if w is not None else out.astype(np.int64))
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
        if not isinstance(value, Tensor) and self._data.dtype.kind != "f":
            value = np.asarray(value).astype(self._data.dtype)  # its dtype, as torch: 0.5 → 0
        return where(m, value, self)

    def split(self, split_size_or_sections: int | Sequence[int],
              dim: int = 0) -> tuple["Tensor", ...]:
        """Pieces along ``dim``: of ``split_size`` each (the last may be smaller), or
        of the given sizes, which must add up to the dimension's size."""
        d, size = self._dim_size(dim, "split")
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
        size = self._dim_size(dim, "chunk")[1]
        if size == 0:
            return (self,) * chunks
        return self.split(-(-size // chunks), dim)

    def _dim_size(self, dim: int, op: str) -> tuple[int, int]:
        """``dim`` made non-negative, and the size of that dimension."""
        if not self._data.ndim:
            raise RuntimeError(f"{op} expects at least a 1-dimensional tensor")
        d = normalize_dim(dim, self._data.ndim, None)
        return d, self._data.shape[d]

    # ------------------------------------------------------------------ in place
    # Each in-place op is its out-of-place twin written back into this tensor's
    # storage by ``_write`` (autograd/inplace rules: see docs/internals.md).
    def _write(self, new_value: Callable[["Tensor"], "Tensor"], *operands: Any,
               unsafe_cast: bool = False) -> "Tensor":
        """Write ``new_value(old)`` into this tensor's storage, as PyTorch's in-place
        ops do: the same object and memory (views see the change), the version bumped,
        and, when grad mode records, the history continued by the op, so gradients
        reach both the old value and the operands."""
        record = _grad_state["grad"] and (self.requires_grad or any(
            isinstance(o, Tensor) and o.requires_grad for o in operands))
        if record:
            _history.check_writable(self)
        arr = self._data
        if not arr.flags.writeable:
            raise RuntimeError("unsupported operation: more than one element of the "
                               "written-to tensor refers to a single memory location. "
                               "Please clone() the tensor before performing the operation.")
        if record:
            with _autograd.enable_grad():
                new = new_value(F.Clone.apply(self))    # the old value, kept for backward
        else:
            with _autograd.no_grad():
                new = new_value(self)
        values = new._data
        if values.shape != arr.shape and np.broadcast_shapes(values.shape, arr.shape) != arr.shape:
            raise RuntimeError(f"output with shape {list(arr.shape)} doesn't match the "
                               f"broadcast shape {list(np.broadcast_shapes(values.shape, arr.shape))}")
        if not unsafe_cast and not np.can_cast(values.dtype, arr.dtype, "same_kind"):
            raise RuntimeError(f"result type {_scalar_type(values.dtype)} can't be cast to the "
                               f"desired output type {_scalar_type(arr.dtype)}")
        view = _history.view_root(self) if record else None
        if view is not None:    # a write through a view: the root gets the new values
            root, steps = view  # (recorded before the bump, so it sees the old root)
            with _autograd.enable_grad():
                whole = F.CopySlices.apply(root, new, steps=steps)
        np.copyto(arr, values, casting="unsafe")
        _history.count_write(self)
        if record:
            if view is None:
                root, whole = self, new
            _history.rewire(root, whole.grad_fn)
            _rederive_views(root)
        return self

    @property
    def _version(self) -> int:
        """How often this tensor's storage was written in place (shared with its views)."""
        return _history.version_of(self)

    def clone(self, *, memory_format: Any = None) -> "Tensor":
        """A copy with its own storage; differentiable (∂z/∂a = 1)."""
        return F.Clone.apply(self)

    def add_(self, other: Any, *, alpha: float = 1) -> "Tensor":
        return self._write(lambda old: old.add(other, alpha=alpha), other)

    def sub_(self, other: Any, *, alpha: float = 1) -> "Tensor":
        return self._write(lambda old: old.sub(other, alpha=alpha), other)

    def mul_(self, other: Any) -> "Tensor":
        return self._write(lambda old: old * other, other)

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> "Tensor":
        return self._write(lambda old: old.div(other, rounding_mode=rounding_mode), other)

    def pow_(self, exponent: Any) -> "Tensor":
        return self._write(lambda old: old ** exponent, exponent)

    def neg_(self) -> "Tensor":
        return self._write(lambda old: -old)

    def exp_(self) -> "Tensor":
        return self._write(lambda old: old.exp())

    def log_(self) -> "Tensor":
        return self._write(lambda old: old.log())

    def sqrt_(self) -> "Tensor":
        return self._write(lambda old: old.sqrt())

    def abs_(self) -> "Tensor":
        return self._write(lambda old: old.abs())

    def sin_(self) -> "Tensor":
        return self._write(lambda old: old.sin())

    def cos_(self) -> "Tensor":
        return self._write(lambda old: old.cos())

    def tanh_(self) -> "Tensor":
        return self._write(lambda old: old.tanh())

    def sigmoid_(self) -> "Tensor":
        return self._write(lambda old: old.sigmoid())

    def relu_(self) -> "Tensor":
        return self._write(lambda old: old.relu())

    def clamp_(self, min: Any = None, max: Any = None) -> "Tensor":
        return self._write(lambda old: old.clamp(min, max), min, max)

    clip_ = clamp_

    def clamp_min(self, min: Any) -> "Tensor":
        return self.clamp(min=min)

    def clamp_max(self, max: Any) -> "Tensor":
        return self.clamp(max=max)

    def clamp_min_(self, min: Any) -> "Tensor":
        return self.clamp_(min=min)

    def clamp_max_(self, max: Any) -> "Tensor":
        return self.clamp_(max=max)

    def masked_fill_(self, mask: Any, value: Any) -> "Tensor":
        return self._write(lambda old: old.masked_fill(mask, value), value)

    def index_fill(self, dim: int, index: Any, value: Any) -> "Tensor":
        """``value`` at positions ``index`` along ``dim``, self elsewhere."""
        d, _ = self._dim_size(dim, "index_fill_") if self._data.ndim else (0, 1)
        idx = index._data if isinstance(index, Tensor) else np.asarray(index)
        if idx.ndim > 1:
            raise IndexError(f"index_fill_(): Index is supposed to be a vector, but got "
                             f"a tensor of dimension {idx.ndim}")
        where_ = (slice(None),) * d + (idx.reshape(-1),)
        return F.IndexPut.apply(self, self._operand_like(value), index=where_)

    def index_fill_(self, dim: int, index: Any, value: Any) -> "Tensor":
        return self._write(lambda old: old.index_fill(dim, index, value), value)

    def fill_(self, value: Any) -> "Tensor":
        if isinstance(value, Tensor) and value.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got "
                               f"tensor with {value.ndim} dimensions.")
        return self._write(lambda old: _assign(old, value), value, unsafe_cast=True)

    def zero_(self) -> "Tensor":
        return self.fill_(0)

    def copy_(self, src: Any, non_blocking: bool = False) -> "Tensor":
        """Copy ``src`` (broadcast, cast to this dtype) into this tensor."""
        return self._write(lambda old: _assign(old, src), src, unsafe_cast=True)

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> "Tensor":
        """Fill with samples of N(mean, std²)."""
        draws = _random.standard_normal(self._data.shape, self._data.dtype, generator,
                                        "normal_") * std + mean
        return self._write(lambda old: _assign(old, draws), unsafe_cast=True)

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> "Tensor":
        """Fill with samples of U[a, b)."""
        draws = _random.uniform(self._data.shape, self._data.dtype, generator,
                                "uniform_") * (b - a) + a
        return self._write(lambda old: _assign(old, draws), unsafe_cast=True)

    def scatter_(self, dim: int, index: "Tensor", src: Any = None, value: Any = None, *,
                 reduce: str | None = None) -> "Tensor":
        return self._write(lambda old: old.scatter(dim, index, src, value, reduce=reduce), src)

    def scatter_add_(self, dim: int, index: "Tensor", src: "Tensor") -> "Tensor":
        return self._write(lambda old: old.scatter_add(dim, index, src), src)

    def index_put(self, indices: Sequence[Any], values: Any,
                  accumulate: bool = False) -> "Tensor":
        """A copy with ``values`` put at ``self[indices]`` (added, with ``accumulate``)."""
        index = F.normalize_index(tuple(indices))
        return F.IndexPut.apply(self, self._operand_like(values), index=index,
                                accumulate=accumulate)

    def index_put_(self, indices: Sequence[Any], values: Any,
                   accumulate: bool = False) -> "Tensor":
        return self._write(lambda old: old.index_put(indices, values, accumulate), values,
                           unsafe_cast=True)

    def __setitem__(self, index: Any, value: Any) -> None:
        """``t[index] = value``: basic, integer-array or boolean index; ``value`` a
        scalar or a Tensor that broadcasts to ``t[index]``."""
        idx = F.normalize_index(index)
        target = np.shape(self._data[idx])
        shape = value._data.shape if isinstance(value, Tensor) else np.shape(value)
        try:
            np.broadcast_shapes(shape, target)
        except ValueError:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(shape)} cannot "
                               f"be broadcast to indexing result of shape {list(target)}") from None
        self._write(lambda old: F.IndexPut.apply(old, old._operand_like(value), index=idx),
                    value, unsafe_cast=True)

    def __iadd__(self, other: Any) -> "Tensor":
        return self.add_(other)

    def __isub__(self, other: Any) -> "Tensor":
        return self.sub_(other)

    def __imul__(self, other: Any) -> "Tensor":
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> "Tensor":
        return self.div_(other)

    def __ipow__(self, other: Any) -> "Tensor":
        return self.pow_(other)

    def _operand_like(self, value: Any) -> "Tensor":
        """``value`` as a Tensor of this dtype (differentiable if it is a float Tensor)."""
        if isinstance(value, Tensor):
            return value if value._data.dtype == self._data.dtype else value.to(self._data.dtype)
        return Tensor._make(np.asarray(value).astype(self._data.dtype), False, None)


def _rederive_views(root: Tensor) -> None:
    """After a recorded write into ``root``'s storage, give each live view the history
    of its steps replayed on the new ``root`` (the data is shared already)."""
    with _autograd.enable_grad():
        for view, steps in _history.views_of(root):
            t = root
            for kind, arg in steps:
                t = _VIEW_STEPS[kind](t, arg)
            _history.rewire(view, t.grad_fn)


# how each kind of view step (Tensor._view) is replayed on a Tensor
_VIEW_STEPS = {"index": lambda t, a: F.GetItem.apply(t, index=a),
               "reshape": lambda t, a: F.Reshape.apply(t, shape=a),
               "permute": lambda t, a: F.Permute.apply(t, dims=a),
               "expand": lambda t, a: F.Expand.apply(t, shape=a)}


def _torch_number_format(arr: np.ndarray) -> dict | None:
    """PyTorch's way of printing floats: whole numbers as ``2.``, others with 4
    decimals, scientific (``1.0000e-05``) when the magnitudes span more than 1000× or
    leave [1e-4, 1e8]; every number right-aligned to one width."""
    if arr.dtype.kind != "f" or arr.size == 0:
        return None
    flat = arr.reshape(-1)
    if flat.size > 1000:                    # printed summarized: judge what is shown
        flat = np.concatenate([flat[:3], flat[-3:]])
    with np.errstate(invalid="ignore", over="ignore"):
        nonzero = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        values = np.abs(nonzero)
        whole = bool(np.all(values == np.ceil(values)))
    spread = values.size and (values.max() / values.min() > 1000 or values.max() > 1e8
                              or (not whole and values.min() < 1e-4))
    if spread:
        text = "{:.4e}".format
    elif whole:
        text = lambda v: f"{v:.0f}."     # noqa: E731
    else:
        text = "{:.4f}".format

    def fmt(v: float) -> str:
        return text(v) if np.isfinite(v) else str(float(v))
    width = max(len(fmt(v)) for v in (nonzero if nonzero.size else flat))   # as torch
    return {"float_kind": lambda v: fmt(v).rjust(width)}


def _assign(old: Tensor, value: Any) -> Tensor:
    """``value`` broadcast to ``old``'s shape and dtype, as a function of ``old`` (with
    a zero gradient for it: what writing ``value`` over it means to autograd)."""
    return where(np.True_, old._operand_like(value), old)


_SCALAR_TYPES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                 "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                 "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def _scalar_type(dtype: np.dtype) -> str:
    """PyTorch's name of a scalar type (``Float``), as its cast errors say."""
    return _SCALAR_TYPES.get(str(dtype), str(dtype))


_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
               "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}


def _torch_dtype_name(dtype: np.dtype) -> str:
    """How torch names a dtype in its messages (float32 is ``float``, int64 ``long``)."""
    return {"float32": "float", "float64": "double", "int64": "long", "int32": "int",
            "float16": "half"}.get(dtype.name, dtype.name)


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
    if getattr(input, "_data", input).dtype != getattr(other, "_data", other).dtype:
        input, other = _promote(input, other)
    return F.Where.apply(cond.astype(bool, copy=False), input, other)


from . import autograd as _autograd  # noqa: E402  (circular: autograd needs Tensor)
from .autograd import history as _history  # noqa: E402
from .autograd.grad_mode import _state as _grad_state  # noqa: E402
from . import functions as F  # noqa: E402
from . import creation as _creation  # noqa: E402

for _name in ("zeros", "ones", "full", "empty", "rand", "randn", "randint", "arange", "eye",
              "linspace"):
    setattr(Tensor, _name, staticmethod(getattr(_creation, _name)))
del _name
