"""Random numbers: ``te.Generator`` objects and the default one behind ``rand``, ``randn``,
init and dropout (seeded by ``te.manual_seed``).

A ``Generator`` wraps a NumPy ``Generator`` (PCG64), so the streams differ from torch's:
seeding makes runs repeat, not match torch number for number.
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "default_generator", "rng"]

_STATE_BYTES = 16 * 2 + 1 + 4     # PCG64: state and increment (128 bits each), cached uint32


class Generator:
    """An independent random stream: ``g = te.Generator().manual_seed(0)``, then pass
    ``generator=g`` to ``rand``, ``randn``, ``randint``, ``randperm``, ``multinomial``…"""

    def __init__(self, device: Any = "cpu") -> None:
        from .device import device as _device
        self.device = _device(device)
        self._check_device()
        self.seed()

    def _check_device(self) -> None:
        from .device import check_cpu
        check_cpu(self.device, "Generator")

    def manual_seed(self, seed: int) -> "Generator":
        """Restart the stream from ``seed``; returns the generator (as torch)."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"manual_seed expected an integer seed, got {type(seed).__name__}")
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed & (2 ** 64 - 1))
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy; returns the new seed."""
        self.manual_seed(int(np.random.SeedSequence().generate_state(1, np.uint64)[0]))
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> Any:
        """The stream's state as a uint8 tensor (give it to ``set_state`` to go back)."""
        from .tensor import Tensor
        st = self._rng.bit_generator.state
        raw = (st["state"]["state"].to_bytes(16, "little") + st["state"]["inc"].to_bytes(16, "little")
               + bytes([st["has_uint32"]]) + int(st["uinteger"]).to_bytes(4, "little"))
        return Tensor(np.frombuffer(raw, np.uint8).copy())

    def set_state(self, new_state: Any) -> "Generator":
        raw = bytes(np.asarray(getattr(new_state, "_data", new_state), np.uint8))
        if len(raw) != _STATE_BYTES:
            raise RuntimeError(f"set_state: expected a uint8 tensor of {_STATE_BYTES} bytes "
                               f"(from get_state), got {len(raw)}")
        rng = np.random.default_rng()
        rng.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {"state": int.from_bytes(raw[:16], "little"),
                      "inc": int.from_bytes(raw[16:32], "little")},
            "has_uint32": raw[32], "uinteger": int.from_bytes(raw[33:], "little")}
        self._rng = rng
        return self

    def __repr__(self) -> str:
        return f"<tinygrad_edu.Generator object (device='{self.device}')>"


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Reseed the default generator so that runs repeat exactly; returns it."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Any:
    """The default generator's state as a uint8 tensor."""
    return default_generator.get_state()


def set_rng_state(new_state: Any) -> None:
    default_generator.set_state(new_state)


def _float_draw(method: str, shape: tuple, dtype: np.dtype, generator: Generator | None,
                op: str) -> np.ndarray:
    if dtype.kind != "f":
        raise NotImplementedError(f"{op}: \"{method}\" is not implemented for {dtype} "
                                  f"tensors; use a floating-point dtype")
    if dtype.itemsize >= 4:                 # NumPy draws float32/float64 directly
        return getattr(rng(generator), method)(shape, dtype=dtype)
    # float16: NumPy has no float16 draws; float32 is the narrowest on the way
    return getattr(rng(generator), method)(shape, dtype=np.float32).astype(dtype)


def uniform(shape: tuple, dtype: np.dtype, generator: Generator | None = None,
            op: str = "rand") -> np.ndarray:
    """Samples of U[0, 1) of ``shape``, drawn in ``dtype`` (no float64 copy)."""
    return _float_draw("random", shape, dtype, generator, op)


def standard_normal(shape: tuple, dtype: np.dtype, generator: Generator | None = None,
                    op: str = "randn") -> np.ndarray:
    """Samples of N(0, 1) of ``shape``, drawn in ``dtype`` (no float64 copy)."""
    return _float_draw("standard_normal", shape, dtype, generator, op)


def rng(generator: Generator | None = None) -> np.random.Generator:
    """The NumPy generator of ``generator`` (default: the global one). Always draw
    through this, never through ``np.random`` directly."""
    if generator is None:
        return default_generator._rng
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a tinygrad_edu.Generator, got "
                        f"{type(generator).__name__}")
    return generator._rng
