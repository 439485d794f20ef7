"""Forward mode shown: the chain rule in forward order, and the Jacobian built both ways.

``explain_forward(out, wrt=x, direction=v)`` replays the recorded graph of ``out`` from
the leaves to the root with the dual input x + ε·v: every op's jvp rule turns its
inputs' tangents into its output's, ż = Σᵢ ∂z/∂aᵢ·ȧᵢ, and the last tangent is the
directional derivative J v. For a scalar ``out`` it equals ⟨∇out, v⟩ from one reverse
pass (in general ⟨J v, 1⟩ = ⟨v, Jᵀ1⟩), which is checked.

``jacobian_view(fn, x)`` builds J of f: ℝⁿ → ℝᵐ once by n forward passes (column j is
J eⱼ) and once by m reverse passes (row i is eᵢᵀJ), and prints the two pass counts: a
scalar loss (m = 1) needs one reverse pass but n forward ones.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from os import PathLike
from typing import Any, Callable

import numpy as np

from ..autograd import forward_ad as fwAD
from ..autograd.engine import grad as autograd_grad
from ..autograd.reference import topological_order
from ..tensor import Tensor
from . import format as fmt

__all__ = ["explain_forward", "ForwardChain", "ForwardStep", "jacobian_view", "JacobianView"]


@dataclass
class ForwardStep:
    """One op of the forward sweep: its name, jvp rule and the tangent it produced."""
    name: str
    op: str
    inputs: list[str]
    rule: str
    tangent: np.ndarray


@dataclass
class ForwardChain:
    """The forward sweep for ``d out / d wrt · direction``; ``str()`` writes it out."""
    wrt: str
    direction: np.ndarray
    steps: list[ForwardStep]
    tangent: np.ndarray
    reverse: float
    check: str

    @property
    def agrees(self) -> bool:
        """Whether forward mode's ⟨J v, 1⟩ equals reverse mode's ⟨v, Jᵀ1⟩."""
        total = float(np.sum(self.tangent))
        return abs(total - self.reverse) <= 1e-9 + 1e-6 * abs(self.reverse)

    def __str__(self) -> str:
        lines = [f"forward mode: {self.wrt} + ε·v with v = {fmt.array(self.direction)}",
                 f"  {self.wrt}̇ = v"]
        for s in self.steps:
            lines.append(f"  {s.name} = {s.op}({', '.join(s.inputs)}):  {s.rule}  →  "
                         f"{s.name}̇ = {fmt.array(s.tangent)}")
        mark = "✓" if self.agrees else "✗ (they differ)"
        lines.append(f"J·v = {fmt.array(self.tangent)}")
        lines.append(f"reverse mode: {self.check} = {fmt.num(self.reverse)}  {mark}")
        return "\n".join(lines)


def explain_forward(out: Tensor, wrt: Tensor, direction: Any = None) -> ForwardChain:
    """The tangents of the graph of ``out`` for the input ``wrt`` moving along
    ``direction`` (default: all ones), one line per op in forward order; the graph is
    kept (the check runs one reverse pass with ``retain_graph``)."""
    if out.grad_fn is None:
        raise ValueError("explain_forward: out has no recorded graph (compute it from "
                         "Tensors that require grad, outside no_grad)")
    v = np.ones(wrt.shape, wrt._data.dtype) if direction is None else np.asarray(
        direction._data if isinstance(direction, Tensor) else direction, wrt._data.dtype)
    if v.shape != tuple(wrt.shape):
        raise ValueError(f"explain_forward: direction has shape {v.shape}, wrt has shape "
                         f"{tuple(wrt.shape)}; they must match")
    order = list(reversed(topological_order([out.grad_fn])))    # producers first
    names = {node: f"z{k + 1}" for k, node in enumerate(order)}
    wrt_name = wrt.name or "x"
    replayed: dict = {}
    steps = []
    with fwAD.dual_level():
        dual = fwAD.make_dual(wrt.detach(), Tensor(v))
        for k, node in enumerate(order):
            args, labels = [], []
            for t in node.inputs:
                if not isinstance(t, Tensor):
                    args.append(t)
                    continue
                if t is wrt:
                    args.append(dual)
                    labels.append(wrt_name)
                elif t.grad_fn is not None and t.grad_fn in replayed:
                    args.append(replayed[t.grad_fn])
                    labels.append(names[t.grad_fn])
                else:
                    args.append(t.detach())
                    labels.append(t.name or f"const{tuple(t.shape)}")
            z = type(node).apply(*args, **node._kwargs)
            replayed[node] = z
            tangent = fwAD.unpack_dual(z).tangent
            value = np.zeros(z.shape) if tangent is None else tangent.detach()._data
            steps.append(ForwardStep(names[node], node.name(), labels,
                                     getattr(node, "jvp_formula", "") or "ż = J·ȧ", value))
    tangent = steps[-1].tangent if steps else np.zeros(out.shape)
    g, = autograd_grad(out, wrt, Tensor(np.ones(out.shape, out._data.dtype)),
                       retain_graph=True, allow_unused=True)
    reverse = 0.0 if g is None else float(np.sum(g._data * v))
    check = "⟨∇out, v⟩" if out.numel() == 1 else "⟨v, Jᵀ·1⟩ (vs ⟨J·v, 1⟩)"
    return ForwardChain(wrt_name, v, steps, np.asarray(tangent), reverse, check)


@dataclass
class JacobianView:
    """J of f: ℝⁿ → ℝᵐ built twice: ``forward`` (n forward passes, a column each) and
    ``reverse`` (m reverse passes, a row each)."""
    forward: np.ndarray
    reverse: np.ndarray
    forward_passes: int
    reverse_passes: int
    in_shape: tuple
    out_shape: tuple
    figure: Any = field(default=None, repr=False)

    @property
    def agrees(self) -> bool:
        return bool(np.allclose(self.forward, self.reverse, rtol=1e-6, atol=1e-9))

    def __str__(self) -> str:
        m, n = self.forward.shape
        cheaper = ("forward" if self.forward_passes < self.reverse_passes else
                   "reverse" if self.reverse_passes < self.forward_passes else "either")
        return (f"Jacobian {m}×{n} (output {fmt.shape(self.out_shape)}, input "
                f"{fmt.shape(self.in_shape)})\n"
                f"  forward mode: {_passes(self.forward_passes)} (one column J·eⱼ per input "
                f"element)\n"
                f"  reverse mode: {_passes(self.reverse_passes)} (one row eᵢᵀ·J per output "
                f"element)\n"
                f"  the same matrix: {'yes' if self.agrees else 'no'}; fewer passes: "
                f"{cheaper} mode")


def _passes(k: int) -> str:
    return f"{k} pass" if k == 1 else f"{k} passes"


def jacobian_view(fn: Callable[[Tensor], Tensor], x: Tensor,
                  path: str | PathLike | None = None) -> JacobianView:
    """J of ``fn`` at ``x`` (flattened to m × n) by n forward passes and by m reverse
    passes; with ``path`` also a picture: the two heatmaps side by side with their pass
    counts (needs matplotlib)."""
    x0 = x.detach()
    n = x0.numel()
    columns = []
    for j in range(n):                       # forward mode: J·eⱼ, one pass each
        e = np.zeros(n, x0._data.dtype)
        e[j] = 1
        with fwAD.dual_level():
            out = fn(fwAD.make_dual(x0, Tensor(e.reshape(x0.shape))))
            t = fwAD.unpack_dual(out).tangent
        columns.append(np.zeros(out.numel()) if t is None else t.detach()._data.reshape(-1))
    leaf = x0.detach().requires_grad_()
    out = fn(leaf)
    m = out.numel()
    rows = []
    for i in range(m):                       # reverse mode: eᵢᵀ·J, one pass each
        e = np.zeros(m, out._data.dtype)
        e[i] = 1
        g, = autograd_grad(out, leaf, Tensor(e.reshape(out.shape)), retain_graph=True,
                           allow_unused=True)
        rows.append(np.zeros(n) if g is None else g._data.reshape(-1))
    fwd = np.stack(columns, axis=1) if columns else np.zeros((m, 0))
    rev = np.stack(rows, axis=0) if rows else np.zeros((0, n))
    view = JacobianView(fwd, rev, n, m, tuple(x0.shape), tuple(out.shape))
    if path is not None:
        view.figure = _heatmaps(view, path)
    return view


def _heatmaps(view: JacobianView, path: str | PathLike) -> Any:
    try:
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise ImportError("te.viz pictures need matplotlib: pip install "
                          "'tinygrad-edu[plots]' (or pip install matplotlib)") from None
    fig = Figure(figsize=(8.5, 3.6))
    axes = fig.subplots(1, 2)
    lim = float(np.nanmax(np.abs(view.forward))) if view.forward.size else 1.0
    for ax, mat, title in ((axes[0], view.forward,
                            f"forward mode: {_passes(view.forward_passes)}\n(one column each)"),
                           (axes[1], view.reverse,
                            f"reverse mode: {_passes(view.reverse_passes)}\n(one row each)")):
        im = ax.imshow(mat, cmap="RdBu_r", vmin=-(lim or 1), vmax=lim or 1,
                       interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("input element j")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_ylabel("output element i")
    fig.colorbar(im, ax=list(axes), shrink=0.8)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    return fig
