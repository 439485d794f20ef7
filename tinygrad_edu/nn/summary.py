"""``nn.summary``: a Keras-style table of a model's layers, computed by running one
forward pass on a dummy input and recording every layer's output shape."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor
from .module import Module

__all__ = ["summary"]


def _shape_of(out: Any) -> str:
    if isinstance(out, Tensor):
        return str(("None",) + out.shape[1:]).replace("'", "")
    if isinstance(out, (tuple, list)):
        return ", ".join(_shape_of(o) for o in out)
    return type(out).__name__


def summary(model: Module, input_shape: Sequence[int], dtype: Any = np.float32,
            print_fn: Any = print) -> str:
    """Run ``model`` on zeros of shape ``(1, *input_shape)`` (eval mode, no grad)
    and list every leaf layer in call order with its output shape (batch shown as
    None) and parameter count, then the totals (non-trainable = parameters with
    ``requires_grad=False``). Prints the table and returns it."""
    names = {id(m): name for name, m in model.named_modules()}
    rows: list[tuple[str, str, int]] = []

    def recorder(module: Module, forward: Any) -> Any:
        def record(*args: Any, **kwargs: Any) -> Any:
            out = forward(*args, **kwargs)
            count = sum(p.numel() for p in module.parameters(recurse=False))
            name = names[id(module)]
            rows.append((f"{name} ({type(module).__name__})" if name else type(module).__name__,
                         _shape_of(out), count))
            return out
        return record

    wrapped = [m for m in model.modules()
               if m is not model and (not m._modules or m._parameters)]
    if not wrapped:
        wrapped = [model]
    modes = {id(m): m.training for m in model.modules()}
    for m in wrapped:
        object.__setattr__(m, "forward", recorder(m, m.forward))
    try:
        model.eval()
        with no_grad():
            model(Tensor(np.zeros((1, *input_shape), dtype)))
    finally:
        for m in wrapped:
            del m.__dict__["forward"]
        for m in model.modules():
            m.__dict__["training"] = modes[id(m)]

    params = list(model.parameters())
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    w1 = max([len("Layer (type)")] + [len(r[0]) for r in rows]) + 2
    w2 = max([len("Output Shape")] + [len(r[1]) for r in rows]) + 2
    width = w1 + w2 + 12
    lines = [f"{'Layer (type)':<{w1}}{'Output Shape':<{w2}}{'Param #':>12}", "=" * width]
    lines += [f"{name:<{w1}}{shape:<{w2}}{count:>12,}" for name, shape, count in rows]
    lines += ["=" * width, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {total - trainable:,}", "-" * width]
    text = "\n".join(lines)
    if print_fn is not None:
        print_fn(text)
    return text
