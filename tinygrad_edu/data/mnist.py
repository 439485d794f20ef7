"""A reader for the MNIST IDX files (raw or gzipped), validating the format.

IDX layout: two zero bytes, a type code (0x08 = unsigned byte, ...), the number
of dimensions ``d``; then ``d`` big-endian uint32 sizes; then the values,
big-endian, row-major. Nothing is downloaded: point ``load_mnist`` at the folder
with the four files from the MNIST site.
"""
from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from ..tensor import Tensor
from .dataset import as_tensor

__all__ = ["read_idx", "load_mnist", "MNIST_FILES"]

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def _read_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as exc:
        raise ValueError(f"read_idx: {path} is a damaged or truncated gzip file ({exc})") \
            from None


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (``.gz`` or raw) into an array of its stored type and shape.

    Raises ``ValueError`` naming the file when the magic number, the dimensions or
    the amount of data are wrong (e.g. a truncated download).
    """
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise ValueError(f"read_idx: {path} is too short ({len(data)} bytes) to be an "
                         f"IDX file")
    zero, type_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or type_code not in _IDX_TYPES or ndim == 0:
        raise ValueError(f"read_idx: {path} is not an IDX file (magic number "
                         f"0x{data[:4].hex()}; expected 0x0000 + a type code in "
                         f"{{08, 09, 0b, 0c, 0d, 0e}} + the number of dimensions)")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"read_idx: {path} is truncated inside its header "
                         f"({len(data)} bytes, the header needs {header})")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    dtype = np.dtype(_IDX_TYPES[type_code])
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    found = len(data) - header
    if found != expected:
        what = "truncated" if found < expected else "longer than its header says"
        raise ValueError(f"read_idx: {path} is {what}: dimensions {dims} need {expected} "
                         f"bytes of data, found {found}")
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="))


def _find(folder: Path, stem: str) -> Path:
    names = [stem, stem + ".gz", stem.replace("-idx", ".idx"),
             stem.replace("-idx", ".idx") + ".gz"]
    for name in names:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"load_mnist: no {stem}[.gz] in {folder} (looked for "
                            f"{', '.join(names)}); download the four IDX files of MNIST "
                            f"into that folder")


def load_mnist(path: str | os.PathLike, flatten: bool = True
               ) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Load MNIST from a folder holding the four standard IDX files
    (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each optionally ``.gz``).

    Returns ``x_train, y_train, x_test, y_test``: images float32 in [0, 1]
    (pixel / 255), shape (N, 784), or (N, 1, 28, 28) with ``flatten=False``;
    labels int64.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise NotADirectoryError(f"load_mnist: {folder} is not a folder; give the folder "
                                 f"that holds the four MNIST IDX files")
    out = []
    for split in ("train", "test"):
        images_path = _find(folder, MNIST_FILES[f"{split}_images"])
        labels_path = _find(folder, MNIST_FILES[f"{split}_labels"])
        images, labels = read_idx(images_path), read_idx(labels_path)
        if images.ndim != 3 or images.dtype != np.uint8:
            raise ValueError(f"load_mnist: {images_path} should hold uint8 images of "
                             f"shape (N, rows, cols), got {images.dtype} {tuple(images.shape)}")
        if labels.ndim != 1 or labels.dtype != np.uint8 or (labels > 9).any():
            raise ValueError(f"load_mnist: {labels_path} should hold uint8 labels 0..9 "
                             f"of shape (N,), got {labels.dtype} {tuple(labels.shape)}")
        if len(images) != len(labels):
            raise ValueError(f"load_mnist: {images_path} has {len(images)} images but "
                             f"{labels_path} has {len(labels)} labels")
        x = images.astype(np.float32) / 255.0
        x = x.reshape(len(x), -1) if flatten else x[:, None]
        out += [as_tensor(x), as_tensor(labels.astype(np.int64))]
    return tuple(out)  # type: ignore[return-value]
