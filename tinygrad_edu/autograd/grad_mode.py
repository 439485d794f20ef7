"""Grad mode: whether ops record the graph (``no_grad``, ``enable_grad``,
``set_grad_enabled``), and the one dict of global engine flags."""
from __future__ import annotations

import contextlib
from typing import Any, Callable

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]

# the global state: the grad-mode flag, the anomaly flag, and the count of in-place
# writes so far (autograd/versions.py), and nothing else
_state = {"grad": True, "anomaly": False, "writes": 0}


def is_grad_enabled() -> bool:
    return _state["grad"]


class set_grad_enabled(contextlib.ContextDecorator):
    """Context manager / decorator that sets grad mode to ``mode`` and restores it."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.prev: list[bool] = []     # a stack: a decorated function may recurse

    def __enter__(self) -> None:
        self.prev.append(_state["grad"])
        _state["grad"] = self.mode

    def __exit__(self, *exc: Any) -> None:
        _state["grad"] = self.prev.pop()


class _ModeSwitch(set_grad_enabled):
    """A grad-mode switch used as ``with m():``, ``@m()`` or, like torch, bare ``@m``."""

    mode = False

    def __new__(cls, func: Callable | None = None) -> Any:
        switch = super().__new__(cls)
        if func is None:
            return switch
        switch.__init__()
        return switch(func)             # used as a bare decorator: the wrapped function

    def __init__(self, func: Callable | None = None) -> None:
        super().__init__(type(self).mode)


class no_grad(_ModeSwitch):
    """Nothing computed inside is recorded: results have no ``grad_fn``."""

    mode = False


class enable_grad(_ModeSwitch):
    """Turn recording back on inside a ``no_grad`` block."""

    mode = True
