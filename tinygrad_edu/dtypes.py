"""Element types as PyTorch names them: ``te.float32`` (alias ``te.float``), ``te.int64``
(``te.long``), ``te.bool``…, each printed as ``tinygrad_edu.float32``.

A ``dtype`` stands for one NumPy dtype: it compares equal to it (``t.dtype == np.float32``)
and NumPy accepts it wherever it takes a dtype (``np.zeros(3, t.dtype)``), through the
``.dtype`` attribute NumPy reads from any object.
"""
from __future__ import annotations

import importlib
from typing import Any

import numpy as np

__all__ = ["dtype", "as_numpy", "from_numpy", "finfo", "iinfo", "get_default_dtype",
           "set_default_dtype", "NAMES"]


class dtype:
    """One element type (``tinygrad_edu.float32``); compares equal to its NumPy dtype."""

    __slots__ = ("_np", "_name")

    def __init__(self, name: str, np_dtype: Any) -> None:
        self._name, self._np = name, np.dtype(np_dtype)

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype (what ``np.dtype(te.float32)`` and ``np.zeros(3, t.dtype)`` read)."""
        return self._np

    @property
    def is_floating_point(self) -> bool:
        return self._np.kind == "f"

    @property
    def is_complex(self) -> bool:
        return self._np.kind == "c"

    @property
    def is_signed(self) -> bool:
        return self._np.kind in "fic"

    @property
    def itemsize(self) -> int:
        return self._np.itemsize

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, dtype):
            return self._np == other._np
        if isinstance(other, np.dtype) or (isinstance(other, type)
                                           and issubclass(other, np.generic)):
            return self._np == np.dtype(other).newbyteorder("=")     # no byte order here
        return NotImplemented

    def __ne__(self, other: Any) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __hash__(self) -> int:
        return hash(self._np)

    def __repr__(self) -> str:
        return f"tinygrad_edu.{self._name}"

    def __reduce__(self) -> tuple:          # pickles as the module attribute (a singleton)
        return (from_numpy, (self._np,))


# name -> NumPy dtype, in torch's names; the aliases share one object with their name
_CANONICAL = {"float16": np.float16, "float32": np.float32, "float64": np.float64,
              "complex64": np.complex64, "complex128": np.complex128,
              "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64,
              "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
              "bool": np.bool_}
_ALIASES = {"half": "float16", "float": "float32", "double": "float64", "cfloat": "complex64",
            "cdouble": "complex128", "short": "int16", "int": "int32", "long": "int64"}
NAMES: dict[str, dtype] = {name: dtype(name, np_dt) for name, np_dt in _CANONICAL.items()}
NAMES.update({alias: NAMES[name] for alias, name in _ALIASES.items()})
_BY_NUMPY: dict[np.dtype, dtype] = {NAMES[name]._np: NAMES[name] for name in _CANONICAL}


def from_numpy(np_dtype: Any) -> dtype:
    """The ``dtype`` object of a NumPy dtype (what ``t.dtype`` returns)."""
    found = _BY_NUMPY.get(np_dtype)
    if found is None:
        found = _BY_NUMPY.get(np.dtype(np_dtype).newbyteorder("="))     # e.g. big-endian
        if found is None:
            raise TypeError(f"dtype {np.dtype(np_dtype)} has no tinygrad_edu equivalent")
    return found


def as_numpy(d: Any) -> np.dtype:
    """The NumPy dtype for a ``dtype=`` argument: a ``te`` dtype, a NumPy dtype, type or
    name, or Python's ``float``/``int``/``bool`` (float64/int64/bool, as in torch)."""
    if d.__class__ is dtype:
        return d._np
    out = np.dtype(d)           # (NumPy's names, "float32", are accepted too)
    if out.newbyteorder("=") not in _BY_NUMPY:
        raise TypeError(f"dtype {out} has no tinygrad_edu equivalent")
    return out


_default = {"float": NAMES["float32"]}


def get_default_dtype() -> dtype:
    """The dtype of tensors made from Python floats (``float32`` unless changed)."""
    return _default["float"]


def set_default_dtype(d: Any) -> None:
    """Make Python floats (and ``rand``, ``zeros``…) default to ``d``: ``float32`` or
    ``float64`` (or ``float16``), as ``torch.set_default_dtype``."""
    np_dt = as_numpy(d)
    if np_dt.kind != "f":
        raise TypeError(f"only floating-point types are supported as the default type, "
                        f"got {from_numpy(np_dt)}")
    # the module itself (the package attribute ``tensor`` is the function te.tensor)
    importlib.import_module(".tensor", __package__).DEFAULT_FLOAT = np_dt
    _default["float"] = from_numpy(np_dt)


class finfo:
    """Machine limits of a floating-point dtype (``eps``, ``max``, ``min``, ``tiny``…)."""

    def __init__(self, type: Any = None) -> None:
        np_dt = np.dtype(_default["float"]._np if type is None else as_numpy(type))
        if np_dt.kind not in "fc":
            raise TypeError(f"finfo: expected a floating-point dtype, got {from_numpy(np_dt)}")
        info = np.finfo(np_dt)
        self.bits, self.eps, self.max, self.min = info.bits, float(info.eps), \
            float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -info.precision
        self.dtype = str(info.dtype)

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype (``min``, ``max``, ``bits``)."""

    def __init__(self, type: Any) -> None:
        np_dt = as_numpy(type)
        if np_dt.kind not in "iu":
            raise TypeError(f"{from_numpy(np_dt)} is not supported by tinygrad_edu.iinfo")
        info = np.iinfo(np_dt)
        self.bits, self.min, self.max, self.dtype = info.bits, int(info.min), int(info.max), \
            str(np_dt)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
