"""The documentation is tested like code:

* ``scripts/make_figures.py`` regenerates every figure, then ``mkdocs build --strict``
  must succeed (no broken link, anchor, image or API reference);
* every ```` ```python ```` block of every page runs, in order, in one fresh
  namespace per page; a block followed directly by a ```` ```text ```` block must
  print exactly that text;
* the numbers of the hand derivations on the chain-rule page equal the
  framework's gradients;
* both notebooks in ``examples/`` run (nbmake).

After changing a printed format on purpose, ``TINYGRAD_EDU_UPDATE_DOCS=1 pytest
tests/test_docs.py`` rewrites the output blocks that differ (review the diff).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import Tensor

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md"))
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)


def code_blocks(text: str) -> list[tuple[int, str, str | None, tuple[int, int] | None]]:
    """(line number, python source, expected output or None, span of the output's
    text) for each python block of a page."""
    fences = [(m.group(1), m.group(2), m.start(), m.end(), m.span(2))
              for m in FENCE.finditer(text)]
    blocks = []
    for i, (lang, body, start, end, _) in enumerate(fences):
        if lang != "python":
            continue
        expected, span = None, None
        if i + 1 < len(fences):
            nlang, nbody, nstart, _, nspan = fences[i + 1]
            if nlang == "text" and text[end:nstart].strip() == "":
                expected, span = nbody, nspan
        blocks.append((text.count("\n", 0, start) + 2, body, expected, span))
    return blocks


def test_block_extraction_pairs_code_with_its_output():
    page = "```python\nprint(1)\n```\n\n```text\n1\n```\n```python\nx = 2\n```\ntext\n"
    assert code_blocks(page) == [(2, "print(1)\n", "1\n", (32, 34)), (9, "x = 2\n", None, None)]
    assert page[32:34] == "1\n"


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """Regenerate the figures, then build the site strictly into a temp dir."""
    run = subprocess.run([sys.executable, "scripts/make_figures.py"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    site = tmp_path_factory.mktemp("site")
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                          "-d", str(site)], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    return site


def test_mkdocs_build_strict(built_site):
    assert (built_site / "index.html").exists()
    assert (built_site / "chain-rule" / "index.html").exists()
    api = (built_site / "api" / "tensor" / "index.html").read_text()
    assert "backward" in api and "sum_to_shape" in api      # mkdocstrings rendered it


def test_every_referenced_figure_is_generated(built_site):
    referenced = set()
    for page in PAGES:
        referenced |= set(re.findall(r"figures/([\w./-]+\.(?:png|svg|html))", page.read_text()))
    assert referenced, "the docs should show figures made by scripts/make_figures.py"
    for name in sorted(referenced):
        assert (DOCS / "figures" / name).stat().st_size > 0, name
        assert (built_site / "figures" / name).exists(), name


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_page_code_blocks_run(page, tmp_path, monkeypatch, capsys):
    """Set TINYGRAD_EDU_UPDATE_DOCS=1 to rewrite the output blocks that differ
    (after changing a printed format on purpose; review the diff)."""
    monkeypatch.chdir(tmp_path)                  # pages may write files: not into the repo
    monkeypatch.setenv("MPLBACKEND", "Agg")
    update = os.environ.get("TINYGRAD_EDU_UPDATE_DOCS") == "1"
    text = page.read_text()
    namespace: dict = {"__name__": "__docs__"}
    fixes = []
    for lineno, source, expected, span in code_blocks(text):
        capsys.readouterr()
        exec(compile(source, f"{page.relative_to(ROOT)}:{lineno}", "exec"), namespace)
        out = capsys.readouterr().out
        if expected is not None and out.rstrip() != expected.rstrip():
            if update:
                fixes.append((span, out.rstrip() + "\n"))
            else:
                assert out.rstrip() == expected.rstrip(), \
                    f"{page.name} line {lineno}: printed output differs from the text block"
    for (start, end), new in reversed(fixes):
        text = text[:start] + new + text[end:]
    if fixes:
        page.write_text(text)


# ------------------------------------------------------------------ derivations
def _bold_claims(page: str) -> dict[str, str]:
    """Every ``**name = number**`` written in the page's prose."""
    text = (DOCS / page).read_text()
    return {m.group(1).strip(): m.group(2)
            for m in re.finditer(r"\*\*([^*=]+?) = (−?\d+(?:\.\d+)?)\*\*", text)}


def _same(claim: str, value: float) -> bool:
    """``value`` printed with as many decimals as the text uses equals the text."""
    claim = claim.replace("−", "-")
    return f"{value:.{len(claim.partition('.')[2])}f}" == claim


def test_chain_rule_numbers_match_the_framework():
    claims = _bold_claims("chain-rule.md")
    computed = {}
    # 1. single tanh neuron
    x1, x2, w1, w2, b = (Tensor(v, requires_grad=True, dtype=np.float64)
                         for v in (2.0, 0.0, -3.0, 1.0, 6.8813735870195432))
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    computed.update({"o": o.item(), "∂o/∂w1": w1.grad.item(), "∂o/∂x1": x1.grad.item()})
    # 2. one neuron per layer, C0 = (a(L) − y)²
    layers = [(0.5, 0.1), (-1.5, 0.3), (2.0, -0.4)]
    a, ws = Tensor(1.0, dtype=np.float64), []
    for w0, b0 in layers:
        w = Tensor(w0, requires_grad=True, dtype=np.float64)
        a = (w * a + b0).sigmoid()
        ws.append(w)
    ((a - 1.0) ** 2).backward()
    computed.update({"∂C0/∂w(3)": ws[2].grad.item(), "∂C0/∂w(2)": ws[1].grad.item()})
    acts, zs = [1.0], []                  # the textbook formula, in plain Python
    for w0, b0 in layers:
        zs.append(w0 * acts[-1] + b0)
        acts.append(1 / (1 + np.exp(-zs[-1])))
    by_hand = acts[2] * acts[3] * (1 - acts[3]) * 2 * (acts[3] - 1.0)
    assert ws[2].grad.item() == pytest.approx(by_hand, rel=1e-9)
    # 3. the 2-2-1 sigmoid network
    x = Tensor(np.array([-2.0, -1.0]))
    W1 = Tensor(np.ones((2, 2)), requires_grad=True)
    W2 = Tensor(np.ones((1, 2)), requires_grad=True)
    y_hat = (W2 @ (W1 @ x).sigmoid()).sigmoid()
    L = ((y_hat - 1.0) ** 2).mean()
    L.backward()
    computed.update({"ŷ": y_hat.item(), "L": L.item(), "∂L/∂w1": W1.grad.data[0, 0]})
    # 4. two paths: y = x·x + x at x = 3
    xt = Tensor(3.0, requires_grad=True)
    (xt * xt + xt).backward()
    computed["dy/dx"] = xt.grad.item()

    assert set(computed) <= set(claims), f"missing in the text: {set(computed) - set(claims)}"
    for name, value in computed.items():
        assert _same(claims[name], value), f"{name}: text says {claims[name]}, framework {value}"


# ------------------------------------------------------------------ notebooks
def test_notebooks_run():
    notebooks = sorted(str(p) for p in (ROOT / "examples").glob("*.ipynb"))
    assert len(notebooks) >= 2
    run = subprocess.run([sys.executable, "-m", "pytest", "--nbmake", "-q",
                          "-p", "no:cacheprovider", *notebooks], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
