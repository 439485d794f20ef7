"""Devices, honestly: tinygrad_edu computes with NumPy on the CPU only.

``te.device("cpu")``, ``device=`` everywhere and ``t.to("cpu")`` work, so PyTorch's
boilerplate ``device = "cuda" if torch.cuda.is_available() else "cpu"`` runs unchanged;
``te.cuda.is_available()`` is False, and placing a tensor on ``"cuda"`` or ``"mps"``
raises an error that says so.
"""
from __future__ import annotations

from typing import Any

__all__ = ["device", "check_cpu", "cuda", "mps", "backends", "accelerator"]

_KNOWN = ("cpu", "cuda", "mps", "xpu", "xla", "meta", "hip", "mtia", "privateuseone")


class device:
    """Where a tensor lives: ``device(type='cpu')``. Other types can be named (as in
    torch) but no tensor can be put there."""

    __slots__ = ("type", "index")

    def __init__(self, type: "str | device", index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError(f"device index {type} means a CUDA device: tinygrad_edu runs "
                               f"on the CPU only (use 'cpu')")
        elif not isinstance(type, str):
            raise TypeError(f"device() expected a string like 'cpu', got {type!r}")
        else:
            name, _, idx = type.partition(":")
            if name not in _KNOWN or (idx and not idx.isdigit()):
                raise RuntimeError(f"Expected one of {', '.join(_KNOWN)} device type at start "
                                   f"of device string: {type}")
            if idx:
                if index is not None:
                    raise RuntimeError(f"device: index given twice ({type!r} and {index})")
                index = int(idx)
            type = name
        self.type, self.index = type, index

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")


def check_cpu(where: Any, op: str) -> device:
    """``where`` as a device, or an error when it is not the CPU (the only one here)."""
    dev = where if isinstance(where, device) else device(where)
    if dev.type != "cpu":
        raise RuntimeError(f"{op}: device '{dev}' is not available: tinygrad_edu runs on the "
                           f"CPU only (NumPy); use device='cpu' or leave device out")
    return CPU


class _NoBackend:
    """A GPU backend that is never available here (``te.cuda``, ``te.backends.mps``…)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def is_available(self) -> bool:
        return False

    def device_count(self) -> int:
        return 0

    def is_built(self) -> bool:
        return False

    def manual_seed(self, seed: int) -> None:
        """Nothing to seed without the device; like torch without a GPU, this is a no-op."""

    manual_seed_all = manual_seed

    def __repr__(self) -> str:
        return f"<tinygrad_edu.{self._name}: not available (CPU only)>"


cuda = _NoBackend("cuda")
mps = _NoBackend("mps")


class _Backends:
    """``te.backends.mps.is_available()`` / ``te.backends.cuda.is_built()``: False."""

    cuda, mps = cuda, mps


backends = _Backends()


class _Accelerator:
    """``te.accelerator``: PyTorch 2.6+'s generic name for the GPU; there is none."""

    def is_available(self) -> bool:
        return False

    def current_accelerator(self, check_available: bool = False) -> None:
        return None

    def device_count(self) -> int:
        return 0


accelerator = _Accelerator()
