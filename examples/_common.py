"""What every example shares: the ``--quick``/``--out`` flags, saving figures, and
importing an example's code for tinygrad_edu or (its import lines switched) PyTorch."""
from __future__ import annotations

import argparse
from pathlib import Path
from types import ModuleType
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


_TORCH_IMPORTS = {"import tinygrad_edu as torch": "import torch",
                  "import tinygrad_edu.nn.functional as F": "import torch.nn.functional as F",
                  "from tinygrad_edu import nn": "from torch import nn"}


def import_example(name: str, framework: str = "tinygrad_edu") -> ModuleType:
    """Import ``examples/<name>.py`` as a module; with ``framework="torch"`` its
    import lines are switched to PyTorch's and nothing else changes (the promise of
    this library), so benchmarks and tests run the very same model code on both."""
    path = Path(__file__).resolve().parent / f"{name}.py"
    source = path.read_text()
    if framework == "torch":
        for ours, theirs in _TORCH_IMPORTS.items():
            if ours not in source:
                raise ValueError(f"{path.name} lacks the line {ours!r}")
            source = source.replace(ours, theirs)
    module = ModuleType(f"{name}_{framework}")
    module.__file__ = str(path)
    exec(compile(source, str(path), "exec"), module.__dict__)
    return module
