"""Looking inside a CNN (seed 004's visualisation half): filters, feature maps,
activation maximisation, saliency, occlusion, guided backpropagation and Grad-CAM.

Every function takes a model that maps a batch ``(N, C, H, W)`` to class scores
(logits: the text swaps the softmax for a linear output first), and one image
``x`` of shape ``(C, H, W)`` or ``(1, C, H, W)``; call ``model.eval()`` first
(dropout would make every answer random). Each returns NumPy arrays; with
``path=`` it also writes a picture (needs matplotlib). ``layer`` is a module of the
model: its output is captured while the model runs.
"""
from __future__ import annotations

import contextlib
import os
from typing import Any, Iterator

import numpy as np

from ..autograd import no_grad
from ..tensor import Tensor

__all__ = ["filters", "feature_maps", "activation_maximization", "saliency", "occlusion",
           "guided_backprop", "grad_cam"]

PathLike = str | os.PathLike | None


def _batch(x: Any, name: str) -> np.ndarray:
    """One image as a float batch of one: (C, H, W) or (1, C, H, W) → (1, C, H, W)."""
    arr = np.asarray(x._data if isinstance(x, Tensor) else x)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[0] != 1:
        raise ValueError(f"{name}: x must be one image of shape (C, H, W) or (1, C, H, W), "
                         f"got shape {tuple(arr.shape)}")
    return arr.astype(arr.dtype if arr.dtype.kind == "f" else np.float32)


def _check_target(name: str, scores: Tensor, target: int) -> None:
    if scores.ndim != 2 or not 0 <= target < scores.shape[1]:
        raise ValueError(f"{name}: target {target} is not a class of the model's output "
                         f"of shape {tuple(scores.shape)}")


@contextlib.contextmanager
def _capture(model: Any, layer: Any, name: str) -> Iterator[list[Tensor]]:
    """While active, every output of ``layer`` is appended to the yielded list
    (the layer's forward is wrapped for the duration, then restored)."""
    if not any(m is layer for m in model.modules()):
        raise ValueError(f"{name}: layer {type(layer).__name__} is not a module of the model")
    outputs: list[Tensor] = []
    forward = layer.forward

    def record(*args: Any, **kwargs: Any) -> Any:
        out = forward(*args, **kwargs)
        outputs.append(out)
        return out

    object.__setattr__(layer, "forward", record)
    try:
        yield outputs
    finally:
        del layer.__dict__["forward"]


def _unit_activation(name: str, out: Tensor, unit: int) -> Tensor:
    """The mean activation of channel / neuron ``unit`` of one layer output."""
    if out.ndim < 2 or not 0 <= unit < out.shape[1]:
        raise ValueError(f"{name}: unit {unit} is not a channel of the layer's output of "
                         f"shape {tuple(out.shape)}")
    return out[0, unit].mean()


def _input_grad(model: Any, x: np.ndarray, target: int, name: str) -> np.ndarray:
    """∂ score_target / ∂ x for one image, (1, C, H, W)."""
    inp = Tensor(x, requires_grad=True)
    scores = model(inp)
    _check_target(name, scores, target)
    scores[0, target].backward()
    return inp.grad._data


def _grid(images: list[np.ndarray], titles: list[str], path: PathLike, title: str,
          cmap: str = "gray", cols: int = 8, symmetric: bool = False,
          with_input: bool = False) -> None:
    """Write ``images`` as a grid of small pictures to ``path`` (nothing when None);
    ``with_input``: the first image is the input, drawn in grey."""
    if path is None:
        return
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("te.viz pictures need matplotlib: pip install "
                          "'tinygrad-edu[plots]' (or pip install matplotlib)") from None
    cols = min(cols, len(images))
    rows = -(-len(images) // cols)
    fig = Figure(figsize=(1.6 * cols, 1.75 * rows + 0.4))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for k, (ax, img, t) in enumerate(zip(axes.ravel(), images, titles)):
        lim = float(np.nanmax(np.abs(img))) or 1.0
        kw = {"vmin": -lim, "vmax": lim} if symmetric else {}
        ax.imshow(img, cmap="gray" if with_input and k == 0 else cmap,
                  interpolation="nearest", **kw)
        ax.set_title(t, fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=100, bbox_inches="tight")


def filters(conv: Any, path: PathLike = None) -> np.ndarray:
    """The weights of a ``Conv2d``, (out_channels, in_channels, kh, kw); the picture
    shows each filter's first input channel (red positive, blue negative)."""
    weight = getattr(conv, "weight", None)
    if weight is None or weight.ndim != 4:
        raise ValueError(f"filters: expected a Conv2d (weight of 4 dimensions), got "
                         f"{type(conv).__name__}")
    w = weight._data.copy()
    _grid([f[0] for f in w], [f"filter {k}" for k in range(len(w))], path,
          f"{len(w)} filters {w.shape[2]}×{w.shape[3]} of {type(conv).__name__}",
          cmap="RdBu_r", symmetric=True)
    return w


def feature_maps(model: Any, x: Any, layer: Any, path: PathLike = None) -> np.ndarray:
    """The output of ``layer`` while ``model`` runs on ``x``: (channels, h, w) for a
    convolution (or (features,) for a linear layer)."""
    batch = _batch(x, "feature_maps")
    with _capture(model, layer, "feature_maps") as outputs, no_grad():
        model(Tensor(batch))
    if not outputs:
        raise ValueError("feature_maps: the layer was not called by the model's forward")
    maps = outputs[0]._data[0].copy()
    if maps.ndim == 3:
        _grid(list(maps), [f"channel {k}" for k in range(len(maps))], path,
              f"feature maps of {type(layer).__name__}: {maps.shape[0]}×{maps.shape[1]}"
              f"×{maps.shape[2]}", cmap="viridis")
    return maps


def _box_blur(x: np.ndarray) -> np.ndarray:
    """3×3 mean filter over the last two axes (edges repeated)."""
    h, w = x.shape[-2:]
    p = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(1, 1), (1, 1)], mode="edge")
    return sum(p[..., i:i + h, j:j + w] for i in range(3) for j in range(3)) / 9


def activation_maximization(model: Any, layer: Any, unit: int, steps: int = 200,
                            lr: float = 0.01, input_shape: tuple[int, ...] = (1, 28, 28),
                            l2: float = 0.0, blur_every: int = 4, seed: int = 0,
                            input_range: tuple[float, float] = (0.0, 1.0),
                            path: PathLike = None) -> np.ndarray:
    """The input that maximises the mean activation a of ``unit`` (a channel of a
    convolution, a neuron / class score of a linear layer) of ``layer``: gradient
    ascent x ← clip(x + lr·g / mean|g|, input_range) with g = ∂(a − l2·‖x‖²)/∂x,
    from a dark image with faint noise; every ``blur_every`` steps a 3×3 box blur
    (0: never) keeps the image smooth. Returns the image, shape ``input_shape``."""
    if steps < 1:
        raise ValueError(f"activation_maximization: steps must be at least 1, got {steps}")
    lo, hi = input_range
    gen = np.random.default_rng(seed)
    x = (lo + 0.01 * (hi - lo) * gen.standard_normal((1, *input_shape))).clip(lo, hi)
    x = x.astype(np.float32)
    with _capture(model, layer, "activation_maximization") as outputs:
        for step in range(steps):
            outputs.clear()
            inp = Tensor(x, requires_grad=True)
            model(inp)
            if not outputs:
                raise ValueError("activation_maximization: the layer was not called by "
                                 "the model's forward")
            goal = _unit_activation("activation_maximization", outputs[0], unit)
            (goal - l2 * (inp * inp).sum()).backward()
            g = inp.grad._data
            # normalised step: the same step size whatever the scale of the gradient
            x = (x + lr * g / (np.abs(g).mean() + 1e-12)).clip(lo, hi)
            if blur_every and step % blur_every == 0:
                x = _box_blur(x)
            x = x.astype(np.float32)
    image = x[0]
    _grid([image[0]], [f"unit {unit}"], path,
          f"input that maximises unit {unit} of {type(layer).__name__}")
    return image


def saliency(model: Any, x: Any, target: int, path: PathLike = None) -> np.ndarray:
    """|∂ score_target / ∂ x|, the largest over the input channels: (H, W)."""
    batch = _batch(x, "saliency")
    sal = np.abs(_input_grad(model, batch, target, "saliency")[0]).max(axis=0)
    _grid([batch[0, 0], sal], ["input", f"saliency, class {target}"], path,
          "saliency |∂score/∂x|", cmap="hot", with_input=True)
    return sal


def occlusion(model: Any, x: Any, target: int, patch: int = 4, stride: int | None = None,
              fill: float = 0.5, path: PathLike = None) -> np.ndarray:
    """Cover a ``patch``×``patch`` square with ``fill`` (the text's grey 0.5), at
    every ``stride`` (default: the patch), and record the probability of ``target``:
    (H, W), each pixel the mean over the placements that cover it. Low = important."""
    batch = _batch(x, "occlusion")
    stride = patch if stride is None else stride
    _, _, h, w = batch.shape
    if not (1 <= patch <= min(h, w)) or stride < 1:
        raise ValueError(f"occlusion: patch {patch} and stride {stride} must be at least 1, "
                         f"the patch at most the image size {h}×{w}")
    starts = [(r, c) for r in range(0, h - patch + 1, stride)
              for c in range(0, w - patch + 1, stride)]
    covered = np.repeat(batch, len(starts), axis=0)
    for k, (r, c) in enumerate(starts):
        covered[k, :, r:r + patch, c:c + patch] = fill
    with no_grad():
        scores = model(Tensor(covered))
        _check_target("occlusion", scores, target)
        probs = scores.softmax(dim=1)._data[:, target]
    total, count = np.zeros((h, w)), np.zeros((h, w))
    for p, (r, c) in zip(probs, starts):
        total[r:r + patch, c:c + patch] += p
        count[r:r + patch, c:c + patch] += 1
    heat = np.divide(total, count, out=np.full((h, w), np.nan), where=count > 0)
    _grid([batch[0, 0], heat], ["input", f"P(class {target}), occluded"], path,
          f"occlusion {patch}×{patch}, stride {stride}", cmap="viridis", with_input=True)
    return heat


def guided_backprop(model: Any, x: Any, target: int, path: PathLike = None) -> np.ndarray:
    """Guided backpropagation: the input gradient where every ``nn.ReLU`` of the model
    passes back only positive gradients (and, as usual, only where its input was
    positive). Returns (C, H, W); the picture shows the positive part."""
    from ..nn.activations import ReLU
    batch = _batch(x, "guided_backprop")
    relus = [m for m in model.modules() if isinstance(m, ReLU)]
    if not relus:
        raise ValueError("guided_backprop: the model has no nn.ReLU module to guide")
    with contextlib.ExitStack() as stack:
        captured = [stack.enter_context(_capture(model, m, "guided_backprop")) for m in relus]
        inp = Tensor(batch, requires_grad=True)
        scores = model(inp)
        _check_target("guided_backprop", scores, target)
        for outputs in captured:
            for out in outputs:
                out.register_hook(lambda g: g.clamp(min=0.0))
        scores[0, target].backward()
    grad = inp.grad._data[0].copy()
    _grid([batch[0, 0], np.maximum(grad[0], 0)], ["input", f"guided, class {target}"], path,
          "guided backpropagation", cmap="hot", with_input=True)
    return grad


def grad_cam(model: Any, x: Any, target: int, layer: Any, path: PathLike = None) -> np.ndarray:
    """Grad-CAM: weights α_k = mean over the positions of ∂score_target/∂A_k for
    each channel A_k of ``layer``'s output, map = ReLU(Σ_k α_k A_k), scaled up to
    the input size (nearest pixel) and divided by its maximum: (H, W) in [0, 1]."""
    batch = _batch(x, "grad_cam")
    with _capture(model, layer, "grad_cam") as outputs:
        scores = model(Tensor(batch))
        _check_target("grad_cam", scores, target)
        if not outputs or outputs[0].ndim != 4:
            raise ValueError("grad_cam: layer must be a module whose output the model uses, "
                             "of shape (1, channels, h, w)")
        act = outputs[0]
        act.retain_grad()
        scores[0, target].backward()
    a, g = act._data[0], act.grad._data[0]
    cam = np.maximum((g.mean(axis=(1, 2))[:, None, None] * a).sum(axis=0), 0)
    h, w = batch.shape[2:]
    rows = np.arange(h) * cam.shape[0] // h
    cols = np.arange(w) * cam.shape[1] // w
    cam = cam[rows][:, cols]
    cam = cam / cam.max() if cam.max() > 0 else cam
    _grid([batch[0, 0], cam], ["input", f"Grad-CAM, class {target}"], path,
          f"Grad-CAM on {type(layer).__name__}", cmap="jet", with_input=True)
    return cam
