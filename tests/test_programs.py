"""Small programs in PyTorch's tutorial style (tests/programs/), each run twice: as
written, with torch, and with tinygrad_edu by changing only the import lines. Both runs
must print the same words and the same numbers (to a tolerance: float32 arithmetic and
summation order differ between the two)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROGRAMS = sorted((Path(__file__).parent / "programs").glob("*.py"))
IMPORTS = {"import torch\n": "import tinygrad_edu as torch\n",
           "from torch import nn\n": "from tinygrad_edu import nn\n",
           "import torch.nn.functional as F\n": "import tinygrad_edu.nn.functional as F\n"}
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def run(source: str, tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    path.write_text(source)
    env = {**os.environ,        # this checkout's package, not another installed copy
           "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                            timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def as_tinygrad_edu(source: str) -> str:
    """The program with only its import lines changed."""
    lines = source.splitlines(keepends=True)
    changed = [IMPORTS.get(line, line) for line in lines]
    assert sum(a != b for a, b in zip(lines, changed)) >= 1
    assert all(a == b or a in IMPORTS for a, b in zip(lines, changed))
    return "".join(changed)


def tokens(text: str) -> tuple[list[str], list[float]]:
    words = NUMBER.sub("#", text.replace("tinygrad_edu", "torch")).split()
    return words, [float(n) for n in NUMBER.findall(text.replace("tinygrad_edu", "torch"))]


@pytest.mark.slow
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.stem)
def test_program_prints_what_torch_prints(program, tmp_path):
    pytest.importorskip("torch")
    source = program.read_text()
    theirs = run(source, tmp_path, "with_torch.py")
    ours = run(as_tinygrad_edu(source), tmp_path, "with_tinygrad_edu.py")
    our_words, our_numbers = tokens(ours)
    their_words, their_numbers = tokens(theirs)
    assert our_words == their_words, f"\n--- ours\n{ours}\n--- torch\n{theirs}"
    assert pytest.approx(their_numbers, rel=2e-3, abs=2e-3) == our_numbers, \
        f"\n--- ours\n{ours}\n--- torch\n{theirs}"
