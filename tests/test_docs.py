"""The documentation is tested like code:

* ``scripts/make_figures.py`` regenerates every figure, then ``mkdocs build --strict``
  must succeed without a single warning (no broken link, anchor, image, nav entry
  or API reference);
* every ```` ```python ```` block of every page runs, in order, in one fresh
  namespace per page; a block followed directly by a ```` ```text ```` block must
  print that text: the same words, and numbers equal within a tolerance (``printed.py``:
  relative 1e-3 plus one unit of the last printed digit; a page whose numbers come from
  training says ``<!-- printed-numbers: rtol=0.05 -->`` — never a bit-exact training run;
  the same note between a code block and its output sets that block's tolerance) (the ```` ```bash ```` blocks — the README's two set-up
  commands and the benchmark command — are covered by test_readme/test_benchmarks);
* the numbers of the hand derivations on the chain-rule page — results and every
  intermediate value and local derivative — equal the framework's;
* what mkdocstrings cannot render by itself is in the API reference;
* both notebooks in ``examples/`` run (nbmake).

After changing a printed format on purpose, ``TINYGRAD_EDU_UPDATE_DOCS=1 pytest
tests/test_docs.py`` rewrites the output blocks that differ beyond that tolerance
(review the diff).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from printed import DEFAULT_RTOL, printout_difference
from tinygrad_edu import Tensor
from tinygrad_edu import grad as te_grad

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(p for p in DOCS.rglob("*.md"))
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
RTOL_NOTE = re.compile(r"<!--\s*printed-numbers:\s*rtol=([0-9.eE-]+)[^>]*-->")


def page_rtol(text: str) -> float:
    """The page's tolerance for printed numbers: its own note, else the default."""
    notes = RTOL_NOTE.findall(text)
    return float(notes[0]) if notes else DEFAULT_RTOL


def code_blocks(text: str) -> list[tuple[int, str, str | None, tuple[int, int] | None,
                                         float | None]]:
    """(line number, python source, expected output or None, span of the output's
    text, the tolerance noted between the two or None) for each python block of a page."""
    fences = [(m.group(1), m.group(2), m.start(), m.end(), m.span(2))
              for m in FENCE.finditer(text)]
    blocks = []
    for i, (lang, body, start, end, _) in enumerate(fences):
        if lang != "python":
            continue
        expected, span, rtol = None, None, None
        if i + 1 < len(fences):
            nlang, nbody, nstart, _, nspan = fences[i + 1]
            between = text[end:nstart]
            note = RTOL_NOTE.search(between)
            if note:
                between, rtol = between.replace(note.group(0), ""), float(note.group(1))
            if nlang == "text" and between.strip() == "":
                expected, span = nbody, nspan
        blocks.append((text.count("\n", 0, start) + 2, body, expected, span, rtol))
    return blocks


def test_block_extraction_pairs_code_with_its_output():
    page = "```python\nprint(1)\n```\n\n```text\n1\n```\n```python\nx = 2\n```\ntext\n"
    assert code_blocks(page) == [(2, "print(1)\n", "1\n", (32, 34), None),
                                 (9, "x = 2\n", None, None, None)]
    assert page[32:34] == "1\n"
    noted = "```python\nprint(1)\n```\n<!-- printed-numbers: rtol=0.5 (why) -->\n```text\n1\n```\n"
    assert code_blocks(noted)[0][2:] == ("1\n", (72, 74), 0.5)
    assert page_rtol(noted) == 0.5 and page_rtol(page) == DEFAULT_RTOL


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """Regenerate the figures, then build the site strictly into a temp dir."""
    run = subprocess.run([sys.executable, "scripts/make_figures.py"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    site = tmp_path_factory.mktemp("site")
    # no -q: it hides warnings, and strict mode then has none to fail on
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                          "-d", str(site)], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "WARNING" not in run.stderr, run.stderr
    return site


def test_mkdocs_build_strict(built_site):
    assert (built_site / "index.html").exists()
    assert (built_site / "chain-rule" / "index.html").exists()
    api = (built_site / "api" / "tensor" / "index.html").read_text()
    assert "backward" in api and "sum_to_shape" in api      # mkdocstrings rendered it


def test_api_reference_covers_what_mkdocstrings_cannot(built_site):
    """``te.tensor`` shares its name with the module ``tinygrad_edu.tensor``, so the
    reference writes its signature by hand: it must be the real one. Sequential's
    ``append`` is inherited from a private base class and must still be shown."""
    import inspect

    import tinygrad_edu as te
    params = ", ".join(str(p).split(":")[0] + ("=" + repr(p.default)
                       if p.default is not inspect.Parameter.empty else "")
                       for p in inspect.signature(te.tensor).parameters.values())
    assert f"te.tensor({params}) -> Tensor" in (DOCS / "api" / "tensor.md").read_text()
    assert 'id="tinygrad_edu.nn.containers.Sequential.append"' in \
        (built_site / "api" / "nn" / "index.html").read_text()


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
    rtol = page_rtol(text)
    fixes = []
    for lineno, source, expected, span, block_rtol in code_blocks(text):
        capsys.readouterr()
        exec(compile(source, f"{page.relative_to(ROOT)}:{lineno}", "exec"), namespace)
        out = capsys.readouterr().out
        if expected is None:
            continue
        diff = printout_difference(out.rstrip(), expected.rstrip(), block_rtol or rtol)
        if diff is not None:
            if update:
                fixes.append((span, out.rstrip() + "\n"))
            else:
                pytest.fail(f"{page.name} line {lineno}: printed output differs from the "
                            f"text block: {diff}")
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
    computed.update({"ŷ": y_hat.item(), "L": L.item(), "∂L/∂w1": W1.grad.detach().numpy()[0, 0]})
    # 4. two paths: y = x·x + x at x = 3
    xt = Tensor(3.0, requires_grad=True)
    (xt * xt + xt).backward()
    computed["dy/dx"] = xt.grad.item()

    assert set(computed) <= set(claims), f"missing in the text: {set(computed) - set(claims)}"
    for name, value in computed.items():
        assert _same(claims[name], value), f"{name}: text says {claims[name]}, framework {value}"


def _n(v: float) -> str:
    """A number as the prose writes it: 4 decimals, a typographic minus."""
    return f"{v:.4f}".replace("-", "−")


def test_chain_rule_intermediate_numbers_match_the_framework():
    """The forward values and local derivatives the hand derivations use, computed
    by the framework (te.grad for each local derivative), appear in the prose."""
    text = " ".join((DOCS / "chain-rule.md").read_text().split())   # lines re-flowed
    f64 = dict(dtype=np.float64)
    # 1. tanh neuron: n, and ∂o/∂n = 1 − o²
    n = Tensor(2.0 * -3.0 + 0.0 * 1.0 + 6.8813735870195432, requires_grad=True, **f64)
    (do_dn,) = te_grad(n.tanh(), n)
    expected = [f"−6 + 0 + 6.8814 = {_n(n.item())}", f"1 − 0.5 = **{do_dn.item():.1f}**"]
    # 2. one neuron per layer
    a, zs, acts = Tensor(1.0, **f64), [], []
    for w0, b0 in [(0.5, 0.1), (-1.5, 0.3), (2.0, -0.4)]:
        z = (Tensor(w0, **f64) * a + b0).detach().requires_grad_()
        a = z.sigmoid()
        zs.append(z)
        acts.append(a)
    C0 = (acts[2] - 1.0) ** 2
    sig_prime = [te_grad(a, z, retain_graph=True)[0].item() for a, z in zip(acts, zs)]
    (dC_da3,) = te_grad(C0, acts[2])
    expected.append(", ".join(f"z({l}) = {_n(z.item())}, a({l}) = {_n(a.item())}"
                              for l, (z, a) in enumerate(zip(zs, acts), start=1)))
    a3 = acts[2].item()
    expected += [f"C0 = {_n(C0.item())}", f"a(L−1) = a(2) = {_n(acts[1].item())}",
                 f"σ'(z(3)) = {_n(a3)} · (1 − {_n(a3)}) = {_n(sig_prime[2])}",
                 f"2(a(3) − y) = 2 · ({_n(a3)} − 1) = {_n(dC_da3.item())}",
                 f"= {_n(acts[0].item())} · {_n(sig_prime[1])} · 2 · {_n(sig_prime[2])} · "
                 f"({_n(dC_da3.item())})"]
    # 3. the 2-2-1 network, for w1 = W1[0, 0]
    x = Tensor(np.array([-2.0, -1.0]))
    W1 = Tensor(np.ones((2, 2)), requires_grad=True)
    h = (W1 @ x).sigmoid()
    hd = h.detach().requires_grad_()
    z_out = Tensor(np.ones((1, 2))) @ hd
    y_hat = z_out.sigmoid()
    yd = y_hat.detach().requires_grad_()
    L = ((yd - 1.0) ** 2).mean()
    dh1_dw1 = te_grad(h[0], W1, retain_graph=True)[0].detach().numpy()[0, 0]
    dy_dh1 = te_grad(y_hat.sum(), hd)[0].detach().numpy()[0]
    dL_dy = te_grad(L, yd)[0].item()
    h1, yh = h.detach().numpy()[0], y_hat.item()
    expected += [f"σ(−3) = {_n(h1)}", f"{_n(h1)} + {_n(h.detach().numpy()[1])} = {_n(z_out.item())}",
                 f"∂L/∂ŷ = 2(ŷ − t) = 2 · ({_n(yh)} − 1) = {_n(dL_dy)}",
                 f"σ'({_n(z_out.item())}) · w5 = {_n(yh)} · {_n(1 - yh)} · 1 = {_n(dy_dh1)}",
                 f"σ'(−3) · x1 = {_n(h1)} · {_n(1 - h1)} · (−2) = {_n(dh1_dw1)}"]
    for claim in expected:
        assert claim in text, f"chain-rule.md should say {claim!r} (the framework's numbers)"


# ------------------------------------------------------------------ notebooks
def test_notebooks_run(tmp_path):
    notebooks = sorted(str(p) for p in (ROOT / "examples").glob("*.ipynb"))
    assert len(notebooks) >= 2
    # the notebooks' kernel "python3" is this interpreter, not whatever a user- or
    # system-wide kernelspec of that name points to (JUPYTER_PATH is searched first)
    spec = tmp_path / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python"}))
    env = {**os.environ, "JUPYTER_PATH": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "pytest", "--nbmake", "-q",
                          "-p", "no:cacheprovider", *notebooks], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


def test_docs_extra_installs_what_the_build_hook_needs():
    """``pip install -e ".[docs]"`` then ``mkdocs build``: the figures hook plots with
    matplotlib and trains on scikit-learn's digits, so the extra must bring both."""
    tomllib = pytest.importorskip("tomllib")      # Python >= 3.11
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]

    def expand(name: str) -> set[str]:
        names = set()
        for req in extras[name]:
            dist = re.match(r"[\w.-]+", req).group(0).lower()
            inner = re.search(r"\[([\w,]+)\]", req)
            if dist == "tinygrad-edu" and inner:
                for sub in inner.group(1).split(","):
                    names |= expand(sub)
            else:
                names.add(dist)
        return names

    hook = (ROOT / "scripts" / "make_figures.py").read_text()
    assert "matplotlib" in hook and "load_digits" in hook
    assert {"matplotlib", "scikit-learn", "mkdocs", "mkdocstrings"} <= expand("docs")
