"""``Optimizer``: the base class that holds parameter groups and per-parameter state.

An optimiser never records graph nodes: ``step()`` reads each parameter's
``p.grad._data`` and rewrites ``p._data`` (and its own state arrays) in place with
NumPy, bumping p's version counter as any in-place write does. Gradient arrays are only read, never written: they may be shared.
Subclasses implement one method, ``_update(p, g, state, group)``, the update rule
of a single parameter array ``p`` with gradient ``g``.
"""
from __future__ import annotations

import copy
from typing import Any, Callable, Iterable

import numpy as np

from ..autograd import enable_grad
from ..autograd.versions import bump
from ..tensor import Tensor

__all__ = ["Optimizer"]


def check_nonnegative(owner: str, **values: float) -> None:
    """Raise like torch (``Invalid learning rate: -1``) for a negative hyper-parameter."""
    names = {"lr": "learning rate", "eps": "epsilon value"}
    for key, value in values.items():
        if not value >= 0.0:
            raise ValueError(f"{owner}: Invalid {names.get(key, key + ' value')}: {value} "
                             f"(must be >= 0)")


def effective_grad(p: np.ndarray, g: np.ndarray, maximize: bool,
                   weight_decay: float) -> np.ndarray:
    """g ← -g if maximising; g ← g + λ·p for L2 weight decay. Returns a new array
    when it changes anything, so the shared gradient array is never written."""
    if maximize:
        g = -g
    if weight_decay:
        g = g + weight_decay * p
    return g


class Optimizer:
    """Base class: ``Optimizer(params, defaults)``.

    ``params`` is an iterable of Tensors, or of dicts (parameter groups) with a
    ``"params"`` entry and optional per-group options that override ``defaults``.
    ``self.state[p]`` holds the per-parameter state (momentum buffers, moments...).
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict) -> None:
        name = type(self).__name__
        if isinstance(params, (Tensor, dict)):
            raise TypeError(f"{name}: params should be an iterable of Tensors or of dicts "
                            f"(parameter groups), but got a single {type(params).__name__}; "
                            f"wrap it in a list")
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{name}: optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters (with its own options, e.g. a different ``lr``)."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a parameter group must be a dict, "
                            f"got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: parameters must be an ordered collection (a set's "
                            f"order changes between runs); use a list")
        params = list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors, but parameter {i} "
                                f"is a {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (parameter {i} "
                                 f"has grad_fn {type(p.grad_fn).__name__}); use a leaf, "
                                 f"e.g. t.detach().requires_grad_()")
            if p._data.dtype.kind != "f":
                raise TypeError(f"{name}: can only optimize floating-point Tensors, but "
                                f"parameter {i} has dtype {p.dtype}")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in seen for p in params):
            raise ValueError(f"{name}: some parameters appear more than once "
                             f"(within a group or in several groups)")
        group = {**self.defaults, **param_group, "params": params}
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``p.grad = None`` (default), or a fresh zero array.
        A fresh array, not an in-place fill, because gradient arrays may be shared."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad = None if set_to_none else Tensor._make(
                        np.zeros_like(p.grad._data), False, None)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; returns ``closure()`` if given
        (the closure re-evaluates the loss, with grad mode on)."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {}
                self._update(p._data, p.grad._data, state, group)
                bump(p._data)   # an in-place write: a node that saved p must notice
        return loss

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement _update")

    # ---------------------------------------------------------------- persistence
    def state_dict(self) -> dict[str, Any]:
        """A snapshot like torch's: ``{"state": {index: {...}}, "param_groups":
        [{options..., "params": [indices]}]}``; parameters are named by their
        position across the groups, state arrays are copied."""
        index = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"},
                           "params": ids})
        state = {index[id(p)]: copy.deepcopy(s) for p, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore options and state saved by ``state_dict()`` (same group layout)."""
        name = type(self).__name__
        saved = state_dict["param_groups"]
        if len(saved) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the loaded state dict has "
                             f"{len(saved)} parameter groups, the optimizer has "
                             f"{len(self.param_groups)}")
        by_index = {}
        for i, (mine, theirs) in enumerate(zip(self.param_groups, saved)):
            if len(mine["params"]) != len(theirs["params"]):
                raise ValueError(f"{name}.load_state_dict: parameter group {i} has "
                                 f"{len(theirs['params'])} parameters in the loaded state "
                                 f"dict but {len(mine['params'])} in the optimizer")
            by_index.update(zip(theirs["params"], mine["params"]))
        new_state = {}
        for idx, s in state_dict["state"].items():
            if idx not in by_index:
                raise ValueError(f"{name}.load_state_dict: the loaded state names parameter "
                                 f"{idx!r}, which no parameter group lists")
            p = by_index[idx]
            entry = {}
            for key, value in s.items():
                if isinstance(value, np.ndarray) and value.shape != p.shape:
                    raise ValueError(f"{name}.load_state_dict: state {key!r} of parameter "
                                     f"{idx} has shape {tuple(value.shape)}, the parameter has "
                                     f"shape {tuple(p.shape)}")
                entry[key] = (value.astype(p.dtype) if isinstance(value, np.ndarray)
                              else copy.deepcopy(value))
            new_state[p] = entry
        self.state = new_state
        for mine, theirs in zip(self.param_groups, saved):
            mine.update({k: copy.deepcopy(v) for k, v in theirs.items() if k != "params"})

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines + [")"])
