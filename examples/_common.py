"""What every example shares: the ``--quick``/``--out`` flags and saving figures."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable

import matplotlib

matplotlib.use("Agg")                # write files, never open windows
import matplotlib.pyplot as plt  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent / "output"


def example_args(description: str,
                 add_arguments: Callable[[argparse.ArgumentParser], None] | None = None
                 ) -> argparse.Namespace:
    """Parse ``--quick`` (a fast smoke run), ``--out`` (the picture folder) and any
    arguments that ``add_arguments(parser)`` adds."""
    parser = argparse.ArgumentParser(description=description)
    if add_arguments is not None:
        add_arguments(parser)
    parser.add_argument("--quick", action="store_true",
                        help="a fast smoke run (fewer epochs / samples)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"folder for the pictures (default: {DEFAULT_OUT})")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def save(fig: plt.Figure, out: Path, name: str) -> Path:
    """Save ``fig`` as ``out/name``, close it, and print where it went."""
    path = out / name
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    print(f"saved {path}")
    return path
