"""Jacobians by forward and by reverse mode: ``python benchmarks/jacobians.py``.

Times the full Jacobian of f: ℝⁿ → ℝᵐ by ``te.func.jacfwd`` (n forward passes) and
``te.func.jacrev`` (m reverse passes), next to ``torch.func``'s (vectorised with vmap)
in the same run, for an MLP with 10 inputs and 10 outputs, for f: ℝ¹⁰⁰⁰ → ℝ, and over a
sweep of n with m fixed and of m with n fixed (float64, median of several runs after a
warm-up). Prints Markdown tables; ``--plot PATH`` also draws the sweep (matplotlib).

Options: ``--quick`` (fewer runs and a shorter sweep), ``--threads N`` (default 1),
``--plot PATH``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Any, Callable

ARGS = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ARGS.add_argument("--quick", action="store_true")
ARGS.add_argument("--threads", type=int, default=1)
ARGS.add_argument("--plot", default="")
OPTS = ARGS.parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(OPTS.threads)     # before NumPy loads its BLAS

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import tinygrad_edu as te  # noqa: E402

try:
    import torch
    torch.set_num_threads(OPTS.threads)
except ImportError:
    torch = None

RUNS = 3 if OPTS.quick else 7


def median_time(fn: Callable[[], Any]) -> float:
    """Median seconds of ``fn()`` over RUNS runs, after one warm-up run."""
    fn()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def mlp(lib: Any, n: int, m: int, hidden: int = 32) -> Callable:
    """x ↦ W₂·tanh(W₁·x + b₁) + b₂ for one input vector, in ``lib`` (te or torch)."""
    rng = np.random.default_rng(0)
    w1, b1 = rng.standard_normal((hidden, n)) / np.sqrt(n), rng.standard_normal(hidden)
    w2, b2 = rng.standard_normal((m, hidden)) / np.sqrt(hidden), rng.standard_normal(m)
    t = lib.tensor
    w1, b1, w2, b2 = t(w1), t(b1), t(w2), t(b2)
    return lambda x: w2 @ (w1 @ x + b1).tanh() + b2


def scalar_loss(lib: Any) -> Callable:
    """f: ℝⁿ → ℝ, x ↦ Σ log(1 + xᵢ²) + (Σ xᵢ)²/n."""
    return lambda x: (x * x).log1p().sum() + x.sum() ** 2 / x.shape[0]


def measure(name: str, make: Callable[[Any], Callable], n: int) -> dict:
    x = np.random.default_rng(1).standard_normal(n)
    row = {"workload": name}
    f = make(te)
    row["te jacfwd"] = median_time(lambda: te.func.jacfwd(f)(te.tensor(x)))
    row["te jacrev"] = median_time(lambda: te.func.jacrev(f)(te.tensor(x)))
    if torch is not None:
        tf = make(torch)
        row["torch jacfwd"] = median_time(lambda: torch.func.jacfwd(tf)(torch.tensor(x)))
        row["torch jacrev"] = median_time(lambda: torch.func.jacrev(tf)(torch.tensor(x)))
    return row


def table(rows: list[dict]) -> str:
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        lines.append("| " + " | ".join(r[k] if isinstance(r[k], str) else f"{r[k] * 1e3:.2f} ms"
                                       for k in keys) + " |")
    return "\n".join(lines)


def main() -> None:
    big = 200 if OPTS.quick else 1000
    print(table([measure("MLP 10 → 10", lambda lib: mlp(lib, 10, 10), 10),
                 measure(f"f: R^{big} → R", scalar_loss, big)]))
    sizes = [1, 4, 16, 64] if OPTS.quick else [1, 4, 16, 64, 256]
    sweep_n = [dict(measure(f"n = {n}, m = 8", lambda lib, n=n: mlp(lib, n, 8), n), n=n)
               for n in sizes]
    sweep_m = [dict(measure(f"n = 8, m = {m}", lambda lib, m=m: mlp(lib, 8, m), 8), m=m)
               for m in sizes]
    print()
    print(table([{k: v for k, v in r.items() if k != "n"} for r in sweep_n]))
    print()
    print(table([{k: v for k, v in r.items() if k != "m"} for r in sweep_m]))
    if OPTS.plot:
        plot(sweep_n, sweep_m, OPTS.plot)


def plot(sweep_n: list[dict], sweep_m: list[dict], path: str) -> None:
    from matplotlib.figure import Figure
    fig = Figure(figsize=(9, 3.6))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, sweep, var in ((axes[0], sweep_n, "n"), (axes[1], sweep_m, "m")):
        xs = [r[var] for r in sweep]
        for key, style in (("te jacfwd", "o-"), ("te jacrev", "s-")):
            ax.loglog(xs, [r[key] * 1e3 for r in sweep], style, label=key)
        fixed = "inputs, m = 8 outputs" if var == "n" else "outputs, n = 8 inputs"
        ax.set_xlabel(f"{var} ({fixed})")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    axes[0].set_ylabel("time for the full Jacobian (ms)")
    fig.suptitle("jacfwd costs one pass per input, jacrev one per output", fontsize=10)
    fig.savefig(path, dpi=100, bbox_inches="tight")


if __name__ == "__main__":
    main()
