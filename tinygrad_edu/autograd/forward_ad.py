"""Forward-mode AD with PyTorch's API (``torch.autograd.forward_ad``).

    with fwAD.dual_level():
        x = fwAD.make_dual(primal, tangent)      # the dual number x + ε·ẋ
        y = f(x)
        y_primal, y_tangent = fwAD.unpack_dual(y)   # f(x) and J ẋ

Inside a dual level every op that has a dual input also computes its output's
tangent, by the op's ``jvp(ctx, *tangents)`` rule (ż = Σᵢ ∂z/∂aᵢ · ȧᵢ, one pass from
the inputs to the outputs), written next to its ``backward``. Tangents are Tensors
computed by Tensor ops: the pass is recorded for reverse mode when its Tensors
require grad (reverse over forward), and the backward pass run inside a level with
``create_graph=True`` carries tangents too (forward over reverse: Hessian-vector
products). Only one level at a time, as in PyTorch.
"""
from __future__ import annotations

import contextlib
import weakref
from typing import Any, Iterator, NamedTuple

import numpy as np

from ..tensor import Tensor
from .function import Function, _forward
from .history import forward_hooks

__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual",
           "UnpackedDualTensor"]

_tangents = _forward["tangents"]


class UnpackedDualTensor(NamedTuple):
    """What ``unpack_dual`` returns: the primal (a view without tangent) and the tangent
    (None for a Tensor that is not dual)."""

    primal: Tensor
    tangent: Tensor | None


class _Alias(Function):
    """z = a, a new Tensor on the same data (how ``make_dual``/``unpack_dual`` give a view
    that is connected to the graph).  ∂z/∂a = 1."""
    formula = "∂z/∂a = 1"
    jvp_formula = "ż = ȧ"

    @classmethod
    def name(cls) -> str:
        return "Alias"

    @staticmethod
    def forward(ctx: Function, a: np.ndarray) -> np.ndarray:
        return a.view()

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> Tensor:
        return grad

    @staticmethod
    def jvp(ctx: Function, ta: Tensor) -> Tensor:
        return ta


def enter_dual_level() -> int:
    """Start the (single) forward-AD level; returns its index, 0."""
    if _forward["level"] is not None:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _forward["level"] = 0
    _forward["serial"] += 1
    return 0


def exit_dual_level(*, level: int | None = None) -> None:
    """End the level: every dual Tensor of it loses its tangent."""
    if _forward["level"] is None or level not in (None, _forward["level"]):
        raise RuntimeError("Trying to exit a forward AD level that was not the last one "
                           "that was created. This is not supported.")
    _forward["level"] = None
    _forward["last"] = None
    _tangents.clear()


class dual_level(contextlib.ContextDecorator):
    """``with dual_level():`` — the block in which dual Tensors exist (PyTorch's name)."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc: Any) -> None:
        exit_dual_level()


def _check_level(level: int | None, what: str) -> None:
    if _forward["level"] is None:
        raise RuntimeError(f"Trying to {what} for forward AD but no level exists, make sure "
                           f"to enter_dual_level() first.")
    if level not in (None, _forward["level"]):
        raise RuntimeError(f"Invalid level {level}: the current forward AD level is "
                           f"{_forward['level']}")


@contextlib.contextmanager
def _no_tangents() -> Iterator[None]:
    """Ops inside compute no tangents (the jvp rules themselves, the primal view)."""
    before = _forward["off"]
    _forward["off"] = True
    try:
        yield
    finally:
        _forward["off"] = before


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """The dual Tensor ``tensor + ε·tangent``: a view of ``tensor`` (connected to its
    graph) whose tangent is ``tangent`` itself."""
    _check_level(level, "create a dual Tensor")
    if not isinstance(tensor, Tensor) or not isinstance(tangent, Tensor):
        raise TypeError(f"make_dual: expected Tensors, got {type(tensor).__name__} and "
                        f"{type(tangent).__name__}")
    if not tensor.is_floating_point():
        raise ValueError(f"Expected primal to be floating point or complex, but got: "
                         f"{tensor.dtype}")
    if not tangent.is_floating_point():
        raise ValueError(f"Expected tangent to be floating point or complex, but got: "
                         f"{tangent.dtype}")
    if tangent.shape != tensor.shape:
        raise RuntimeError(f"Trying to set a forward gradient that has a different size than "
                           f"that of the original Tensor, this is not supported. Tensor is of "
                           f"size {list(tensor.shape)} while the given forward gradient is of "
                           f"size {list(tangent.shape)}.")
    with _no_tangents():
        dual = _Alias.apply(tensor)
    _set_tangent(dual, tangent)
    return dual


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of a dual Tensor; ``(tensor, None)`` for any other."""
    tangent = get_tangent(tensor) if isinstance(tensor, Tensor) else None
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    with _no_tangents():
        primal = _Alias.apply(tensor)
    return UnpackedDualTensor(primal, tangent)


def get_tangent(t: Tensor) -> Tensor | None:
    """The tangent of ``t`` in the current level (None if it has none)."""
    entry = _tangents.get(id(t))
    if entry is not None and entry[0]() is t:
        return entry[1]
    return None


def _set_tangent(t: Tensor, tangent: Tensor) -> None:
    key = id(t)

    def forget(ref: weakref.ref, key: int = key) -> None:
        entry = _tangents.get(key)
        if entry is not None and entry[0] is ref:
            del _tangents[key]

    _tangents[key] = (weakref.ref(t, forget), tangent)


def push_tangent(ctx: Function, out: Tensor) -> None:
    """After ``ctx``'s forward made ``out``: if an input is dual, give ``out`` the tangent
    ``jvp(ctx, *input tangents)`` (None for inputs without one)."""
    if _forward["off"]:
        return
    _forward["last"] = None     # the last op's (output, tangent), for an in-place write
    if out._data.dtype.kind not in "fc":
        return
    tangents = [get_tangent(a) if isinstance(a, Tensor) else None for a in ctx.inputs]
    if not any(t is not None for t in tangents):
        _forward["last"] = (weakref.ref(out), None)
        return
    cls = type(ctx)
    if cls.jvp is Function.jvp:
        raise RuntimeError(f"Trying to use forward AD with {cls.name()} that does not support "
                           f"it: {cls.__module__}.{cls.__qualname__} has no jvp rule")
    ctx._jvp_output = out
    try:
        with _no_tangents():
            tz = cls.jvp(ctx, *tangents)
            if tz is not None and not isinstance(tz, Tensor):
                tz = Tensor._make(np.asarray(tz), False, None)
            if tz is not None and tz.shape != out.shape:
                tz = tz.expand(out.shape)
            if tz is not None and tz._data.dtype != out._data.dtype:
                tz = tz.to(out.dtype)
    finally:
        del ctx._jvp_output
    _forward["last"] = (weakref.ref(out), tz)
    if tz is not None:
        _set_tangent(out, tz)
        if out.grad_fn is ctx:      # so that saved_tensors' copy of out is dual too
            ctx._out_tangent = (_forward["serial"], tz)


def _set_saved_tangent(t: Tensor, saved: tuple) -> None:
    """The tangent ``push_tangent`` kept on a node, for its output as ``saved_tensors``
    unpacks it, if it belongs to the current level."""
    serial, tangent = saved
    if serial == _forward["serial"] and _forward["level"] is not None:
        _set_tangent(t, tangent)


def _after_write(t: Tensor) -> None:
    """An in-place write stored the last op's output in ``t``: ``t`` takes its tangent
    (none if it had none, or if it was a write through a view: then the root, rewired to
    the write's node, takes that node's)."""
    if _forward["level"] is None:
        return
    last = _forward.get("last")
    out = last[0]() if last is not None else None
    _tangents.pop(id(t), None)
    if out is not None and last[1] is not None and out.shape == t.shape:
        _set_tangent(t, last[1])


def _after_rewire(t: Tensor, node: Any) -> None:
    saved = getattr(node, "__dict__", {}).get("_out_tangent")
    if saved is not None and _forward["level"] is not None:
        _set_saved_tangent(t, saved)


_forward["push"], _forward["set"] = push_tangent, _set_saved_tangent
forward_hooks["write"], forward_hooks["rewire"] = _after_write, _after_rewire
