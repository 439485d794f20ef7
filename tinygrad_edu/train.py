"""A small training loop with a progress bar, and a plot of its history.

``fit`` is the loop every PyTorch tutorial writes by hand:

    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

plus bookkeeping: the mean loss and metrics of each epoch (and on a validation
loader), kept in a Keras-style history dict. tqdm and matplotlib are imported only
when used, so the core needs neither.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from .autograd import no_grad
from .tensor import Tensor

__all__ = ["fit", "plot_history", "accuracy", "METRICS"]

Metric = Callable[[Tensor, Tensor], float]


def accuracy(output: Tensor, target: Tensor) -> float:
    """Fraction of correct predictions. Class-index targets with one score per class:
    ``argmax(output) == target``; a single output per sample: ``(output > 0.5) ==
    (target > 0.5)`` (probabilities, e.g. after a sigmoid)."""
    out, t = output._data, target._data
    if out.ndim >= 2 and out.shape[-1] > 1 and t.dtype.kind in "iu" and t.ndim == out.ndim - 1:
        return float(np.mean(out.argmax(-1) == t))
    return float(np.mean((out.reshape(t.shape) > 0.5) == (t > 0.5)))


METRICS: dict[str, Metric] = {"accuracy": accuracy}


def _metric_fns(metrics: Sequence[str | Metric]) -> dict[str, Metric]:
    fns = {}
    for m in metrics:
        if callable(m):
            fns[m.__name__] = m
        elif m in METRICS:
            fns[m] = METRICS[m]
        else:
            raise ValueError(f"fit: unknown metric {m!r}; use one of {sorted(METRICS)} "
                             f"or a function (output, target) -> float")
    return fns


def _set_training(model: Any, mode: bool) -> None:
    if hasattr(model, "train"):
        model.train(mode)


def _evaluate(model: Any, loss_fn: Callable, loader: Iterable, fns: dict[str, Metric]
              ) -> dict[str, float]:
    totals, n = dict.fromkeys(["loss", *fns], 0.0), 0
    _set_training(model, False)
    with no_grad():
        for x, y in loader:
            out = model(x)
            k = len(y)
            totals["loss"] += float(loss_fn(out, y).item()) * k
            for name, fn in fns.items():
                totals[name] += fn(out, y) * k
            n += k
    _set_training(model, True)
    return {name: total / max(n, 1) for name, total in totals.items()}


def _progress_bar(total: int, progress: bool) -> Any:
    """A tqdm bar, quiet when ``progress`` is False, stderr is not a terminal, or tqdm
    is not installed."""
    if progress:
        try:
            from tqdm import tqdm
            return tqdm(total=total, disable=None, unit="batch", leave=True)
        except ImportError:
            pass
    return None


def fit(model: Any, loss_fn: Callable[[Tensor, Tensor], Tensor], optimizer: Any,
        loader: Iterable, epochs: int, val_loader: Iterable | None = None,
        metrics: Sequence[str | Metric] = ("accuracy",), progress: bool = True
        ) -> dict[str, list[float]]:
    """Train ``model`` for ``epochs`` passes over ``loader`` (batches ``(x, y)``).

    Returns ``{"loss": [...], "<metric>": [...]}`` with one entry per epoch (the
    mean over the epoch's samples, measured while training), plus ``"val_loss"``
    and ``"val_<metric>"`` measured after each epoch in eval mode without grad
    when ``val_loader`` is given. Metrics are names from ``METRICS`` or functions
    ``(output, target) -> float``.
    """
    fns = _metric_fns(metrics)
    history: dict[str, list[float]] = {"loss": [], **{name: [] for name in fns}}
    if val_loader is not None:
        history.update({"val_loss": [], **{f"val_{name}": [] for name in fns}})
    try:
        batches = len(loader)  # type: ignore[arg-type]
    except TypeError:
        batches = None
    bar = _progress_bar(batches * epochs if batches is not None else None, progress)
    _set_training(model, True)
    try:
        for epoch in range(epochs):
            totals, n = dict.fromkeys(["loss", *fns], 0.0), 0
            if bar is not None:
                bar.set_description(f"epoch {epoch + 1}/{epochs}")
            for x, y in loader:
                optimizer.zero_grad()
                out = model(x)
                loss = loss_fn(out, y)
                loss.backward()
                optimizer.step()
                k = len(y)
                totals["loss"] += float(loss.item()) * k
                for name, fn in fns.items():
                    totals[name] += fn(out.detach(), y) * k
                n += k
                if bar is not None:
                    bar.update(1)
            for name, total in totals.items():
                history[name].append(total / max(n, 1))
            summary = {name: values[-1] for name, values in history.items() if values}
            if val_loader is not None:
                for name, value in _evaluate(model, loss_fn, val_loader, fns).items():
                    history[f"val_{name}"].append(value)
                    summary[f"val_{name}"] = value
            if bar is not None:
                bar.set_postfix({k: f"{v:.4g}" for k, v in summary.items()})
    finally:
        if bar is not None:
            bar.close()
    return history


def plot_history(history: dict[str, list[float]], path: str | os.PathLike,
                 title: str | None = None) -> str:
    """Save the loss curve (and one panel per metric) of a ``fit`` history as an
    image (format from the file suffix). Needs matplotlib; returns the path."""
    try:
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise ImportError("plot_history needs matplotlib: pip install "
                          "'tinygrad-edu[plots]'") from None
    names = [k for k in history if not k.startswith("val_")]
    fig = Figure(figsize=(5 * len(names), 3.6), layout="constrained")
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names):
        epochs = np.arange(1, len(history[name]) + 1)
        ax.plot(epochs, history[name], marker="o", ms=3, label="train")
        if f"val_{name}" in history:
            ax.plot(epochs, history[f"val_{name}"], marker="o", ms=3, label="validation")
            ax.legend()
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(name)
        if name == "loss" and min(history[name], default=1) > 0:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.savefig(path, dpi=110)
    return os.fspath(path)
