"""Learning-rate schedulers (torch.optim.lr_scheduler): call ``scheduler.step()``
once per epoch, after ``optimizer.step()``; it rewrites each group's ``"lr"``.

Like torch's, each scheduler updates the *current* lr multiplicatively (the
"chainable" form), so two schedulers on one optimizer compose, and when used
alone the lr follows the closed form given in each docstring (t = ``last_epoch``).
"""
from __future__ import annotations

import math
from typing import Any

from .optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR"]


class LRScheduler:
    """Base class. ``last_epoch=-1`` starts fresh (remembering each group's lr as
    ``"initial_lr"``); another value resumes a run, and then needs ``"initial_lr"``.
    Either way construction counts one epoch (``last_epoch + 1``) without changing
    any lr: the optimizer's current lr is taken to be that epoch's (as torch 2.x
    does, so a restored checkpoint is not advanced twice)."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        name = type(self).__name__
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{name}: expected an Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"{name}: param 'initial_lr' is not specified in "
                               f"param_groups[{i}] when resuming (last_epoch={last_epoch})")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch + 1
        self._last_lr = self._lrs()

    def get_lr(self) -> list[float]:
        """The new lr of each group, for epoch ``self.last_epoch`` (≥ 1)."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr")

    def step(self) -> None:
        """Advance one epoch and write the new lr into every parameter group."""
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The lr of each group as last set by this scheduler."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (which has its own ``state_dict``)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)

    def _lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]


class StepLR(LRScheduler):
    """lr_t = base_lr · γ^⌊t / step_size⌋: multiply by γ every ``step_size`` epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if not (isinstance(step_size, int) and step_size > 0):
            raise ValueError(f"StepLR: step_size must be a positive int, got {step_size!r}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch % self.step_size != 0:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]


class ExponentialLR(LRScheduler):
    """lr_t = base_lr · γᵗ: multiply by γ every epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [lr * self.gamma for lr in self._lrs()]


class CosineAnnealingLR(LRScheduler):
    """lr_t = η_min + (base_lr − η_min)·(1 + cos(π·t/T_max))/2: half a cosine from
    base_lr down to η_min over T_max epochs (then back up, periodically).

    Updated as lr_t − η_min = (lr_{t−1} − η_min)·(1 + cos(πt/T))/(1 + cos(π(t−1)/T));
    where that ratio is 0/0 (t − 1 an odd multiple of T, the minimum) the lr
    instead rises by (base_lr − η_min)·(1 − cos(π/T))/2.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        if not T_max > 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be positive, got {T_max!r}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, T, lo = self.last_epoch, self.T_max, self.eta_min
        if (t - 1 - T) % (2 * T) == 0:
            return [lr + (base - lo) * (1 - math.cos(math.pi / T)) / 2
                    for lr, base in zip(self._lrs(), self.base_lrs)]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [lo + (lr - lo) * ratio for lr in self._lrs()]
