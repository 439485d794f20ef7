"""The README's Python example runs and prints what its comment says."""
import contextlib
import io
import pathlib
import re

from printed import assert_same_printout

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_block_prints_what_it_claims():
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README has no python example"
    for block in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, "README.md", "exec"), {})
        claimed = re.findall(r"print\(.*\)\s*#\s*(.+)", block)
        assert_same_printout(out.getvalue(), " ".join(claimed), where="README.md")


def test_readme_names_the_test_command_ci_runs():
    text = README.read_text(encoding="utf-8")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in text and "bash scripts/test.sh" in ci
    assert "bash scripts/demo.sh" in text


def test_readme_and_docs_say_how_to_open_the_notebooks():
    tomllib = __import__("pytest").importorskip("tomllib")      # Python >= 3.11
    extras = tomllib.loads((README.parent / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert {"jupyterlab>=4", "ipykernel>=6"} <= set(extras["notebooks"])
    index = (README.parent / "docs" / "index.md").read_text(encoding="utf-8")
    for text in (README.read_text(encoding="utf-8"), index):
        assert '".[notebooks]"' in text and "jupyter lab examples/" in text
        assert "bash scripts/install.sh notebooks" in text


def test_the_api_reference_describes_every_public_tensor_attribute():
    import inspect

    import tinygrad_edu as te
    page = (README.parent / "docs" / "api" / "tensor.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(\w+)` \| (.+) \|$", page, flags=re.M))
    t = te.tensor([1.0, 2.0], requires_grad=True)
    fields = {n for n in (*getattr(te.Tensor, "__slots__", ()), *getattr(t, "__dict__", {}))
              if not n.startswith("_")}
    fields |= {n for n in dir(te.Tensor) if not n.startswith("_")
               and isinstance(inspect.getattr_static(te.Tensor, n), property)}
    missing = sorted(fields - set(rows))
    assert not missing, f"docs/api/tensor.md has no line for Tensor.{missing}"
    assert all(len(text) > 20 for text in rows.values())
    assert "shares storage" in rows["data"] and "requires_grad=False" in rows["data"]
