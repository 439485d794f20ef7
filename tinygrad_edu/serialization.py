"""``te.save`` / ``te.load``: state dicts as ``.npz`` files, without pickle.

The file is a zip archive with one ``<key>.npy`` entry per key, in order (what
``np.savez`` writes, so ``np.load`` reads it too). Loading parses each ``.npy``
header itself and builds the array from raw bytes: object arrays (which would
need pickle, i.e. running code from the file) are refused, as are truncated,
corrupted or non-zip files. Loading an untrusted file therefore never runs code.
"""
from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from typing import IO, Union

import numpy as np
import numpy.lib.format as npy

from .tensor import Tensor

__all__ = ["save", "load"]

PathOrFile = Union[str, "os.PathLike[str]", IO[bytes]]
_ARRAY_KINDS = "biufc"           # bool, int, uint, float, complex: plain bytes
# what a damaged or hostile archive can raise inside zipfile / the .npy header parser
_BAD_FILE = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
             NotImplementedError, RuntimeError)


def save(state_dict: Mapping[str, Tensor | np.ndarray], path: PathOrFile) -> None:
    """Write ``{name: Tensor or ndarray}`` to ``path`` (exactly that name; ``.npz``
    is the customary extension). Only numeric/bool arrays are accepted."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"te.save: expected a dict of name -> Tensor/ndarray (a state "
                        f"dict), got {type(state_dict).__name__}")
    arrays = {}
    for key, value in state_dict.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"te.save: keys must be non-empty strings, got {key!r}")
        arr = value._data if isinstance(value, Tensor) else value
        if not isinstance(arr, np.ndarray):
            raise TypeError(f"te.save: value of {key!r} is a {type(value).__name__}; only "
                            f"Tensors and ndarrays can be saved (wrap numbers with "
                            f"np.asarray)")
        if arr.dtype.kind not in _ARRAY_KINDS:
            raise TypeError(f"te.save: value of {key!r} has dtype {arr.dtype}; only "
                            f"numeric and bool arrays can be saved (no pickle)")
        arrays[key] = arr
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for key, arr in arrays.items():
            with zf.open(key + ".npy", "w", force_zip64=True) as f:
                npy.write_array(f, arr, allow_pickle=False)


def load(path: PathOrFile) -> dict[str, Tensor]:
    """Read a file written by ``te.save`` (or ``np.savez``) into ``{name: Tensor}``,
    in the stored order. Raises ``ValueError`` for anything but a well-formed
    archive of plain numeric arrays."""
    if not isinstance(path, (str, os.PathLike)):
        return _read_archive(path, "te.load")
    where = f"te.load({os.fspath(path)!r})"
    with _open(path, where) as f:
        return _read_archive(f, where)


def _open(path: str | os.PathLike, where: str) -> IO[bytes]:
    """``path`` opened for reading, or an error saying which of the three common
    mistakes it is: a directory, no such file, or a file that may not be read."""
    if os.path.isdir(path):
        raise IsADirectoryError(f"{where}: is a directory, not a file; give the path of "
                                f"the file te.save wrote (e.g. model.npz)")
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise FileNotFoundError(f"{where}: no such file") from None
    except PermissionError:
        raise PermissionError(f"{where}: permission denied: the file exists but may not be "
                              f"read (check its permissions)") from None
    except OSError as e:
        raise OSError(f"{where}: cannot be read: {e.strerror or e}") from None


def _read_archive(path: IO[bytes], where: str) -> dict[str, Tensor]:
    """The state dict in the open archive ``path`` (``where`` names it in errors)."""
    try:
        zf = zipfile.ZipFile(path, "r")
    except _BAD_FILE as e:
        raise ValueError(f"{where}: not an .npz archive (truncated, or not a zip file at "
                         f"all): {e}") from None
    out: dict[str, Tensor] = {}
    with zf:
        for info in zf.infolist():
            if not info.filename.endswith(".npy"):
                raise ValueError(f"{where}: unexpected entry {info.filename!r} (an .npz "
                                 f"state dict holds only .npy arrays)")
            key = info.filename[:-4]
            if key in out:
                raise ValueError(f"{where}: key {key!r} appears twice")
            try:
                with zf.open(info) as f:
                    arr = _read_npy(f, info.file_size)
            except _BAD_FILE as e:
                raise ValueError(f"{where}: entry {key!r} is not a plain numeric array: "
                                 f"{e}") from None
            out[key] = Tensor._make(arr, False, None)
    return out


def _read_npy(f: IO[bytes], size: int) -> np.ndarray:
    """Parse one ``.npy`` entry of ``size`` bytes without ever unpickling."""
    version = npy.read_magic(f)
    if version == (1, 0):
        shape, fortran_order, dtype = npy.read_array_header_1_0(f)
    elif version == (2, 0):
        shape, fortran_order, dtype = npy.read_array_header_2_0(f)
    else:
        raise ValueError(f"unsupported .npy format version {version}")
    if dtype.hasobject or dtype.kind not in _ARRAY_KINDS:
        raise ValueError(f"dtype {dtype} is not allowed (object arrays need pickle, which "
                         f"could run code)")
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    header = f.tell()
    if header + nbytes != size:
        raise ValueError(f"the header announces {nbytes} bytes of data for shape {shape}, "
                         f"the entry holds {size - header}")
    data = bytearray(f.read(nbytes))
    if len(data) != nbytes:
        raise ValueError(f"data truncated: {len(data)} of {nbytes} bytes")
    return np.frombuffer(data, dtype).reshape(shape, order="F" if fortran_order else "C")
