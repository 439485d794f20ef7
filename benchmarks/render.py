"""Render benchmark: how long ``te.viz.render`` takes to write an SVG of big graphs.

    python benchmarks/render.py            # prints one Markdown row per case

Cases: a 2,500-op chain in which one weight feeds every op (target ≤ 5 s), a plain
2,500-op chain, both again with ``max_nodes=300`` (target ≤ 3 s), and the loss of one
training step of ``examples/char_gpt.py``'s GPT (2 layers, 4 heads, 64 wide, a batch of
32 × 32 characters), collapsed into module boxes and in full (target ≤ 5 s). Each time is the
best of ``--repeat`` runs of the whole ``render`` (drawing, Graphviz, writing the
file). No timing is asserted in the tests (shared machines are noisy); the numbers
belong in docs/performance.md.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "examples")]

import numpy as np  # noqa: E402

import tinygrad_edu as te  # noqa: E402
from tinygrad_edu import viz  # noqa: E402


def shared_weight_chain(n_ops: int) -> te.Tensor:
    """h ← h·w and h ← h + w alternately, n_ops times: w feeds every op."""
    x = te.Tensor([0.5, -0.3, 0.2, 0.1], requires_grad=True, name="x")
    w = te.Tensor([0.99, 1.01, 0.98, 1.0], requires_grad=True, name="w")
    h = x
    for k in range(n_ops):
        h = h * w if k % 2 == 0 else h + w
    return h.sum()


def plain_chain(n_ops: int) -> te.Tensor:
    """h ← sin(h · 0.999), n_ops / 2 times: one input, constants only."""
    h = te.Tensor(0.5, requires_grad=True, name="x")
    for _ in range(n_ops // 2):
        h = (h * 0.999).sin()
    return h


def char_gpt_step(_: int) -> te.Tensor:
    """The cross-entropy loss of char_gpt's GPT on one random batch."""
    import char_gpt
    te.manual_seed(0)
    model = char_gpt.GPT(65, 32, n_layer=2, n_head=4, n_embd=64)
    rng = np.random.default_rng(0)
    x, y = (te.tensor(rng.integers(0, 65, (32, 32))) for _ in range(2))
    return model(x, y)[1]


def best_time(root: te.Tensor, repeat: int, **kwargs) -> float:
    best = float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            start = time.perf_counter()
            viz.render(root, os.path.join(tmp, "g"), "svg", **kwargs)
            best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=2500)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    cases = [(f"{opts.ops}-op chain, one shared weight", shared_weight_chain, {}, 5.0),
             (f"{opts.ops}-op plain chain", plain_chain, {}, None),
             (f"{opts.ops}-op chain, one shared weight, max_nodes=300", shared_weight_chain,
              {"max_nodes": 300}, 3.0),
             (f"{opts.ops}-op plain chain, max_nodes=300", plain_chain, {"max_nodes": 300}, 3.0),
             ("char-GPT training step, collapsed", char_gpt_step, {"collapse_modules": True},
              5.0),
             ("char-GPT training step, every op", char_gpt_step, {"collapse_modules": False},
              5.0)]
    print("| graph | render to SVG | target |")
    print("|---|---|---|")
    for name, make, kwargs, target in cases:
        seconds = best_time(make(opts.ops), opts.repeat, **kwargs)
        print(f"| {name} | {seconds:.2f} s | {'≤ %g s' % target if target else '—'} |")


if __name__ == "__main__":
    main()
