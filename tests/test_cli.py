"""The command line: ``python -m tinygrad_edu`` run as a subprocess, and the
expression parser behind ``graph``/``explain``."""
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import tinygrad_edu as te
from tinygrad_edu.cli import ExpressionError, parse_expression

ROOT = Path(__file__).resolve().parents[1]


def run(*args, cwd=None, extra_path=None):
    paths = [str(p) for p in (extra_path, ROOT) if p] + [os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    return subprocess.run([sys.executable, "-m", "tinygrad_edu", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


# ------------------------------------------------------------------ parser (in process)
def _vars(**values):
    return {k: te.tensor(v, requires_grad=True, dtype=te.float64) for k, v in values.items()}


def test_parser_values_and_gradients_match_closed_forms():
    v = _vars(x=2.0, w=-3.0, b=6.5)
    out = parse_expression("tanh(x*w + b)", v)
    out.backward()
    z = 2.0 * -3.0 + 6.5
    assert out.item() == pytest.approx(math.tanh(z))
    assert v["w"].grad.item() == pytest.approx(2.0 * (1 - math.tanh(z) ** 2))
    assert v["x"].grad.item() == pytest.approx(-3.0 * (1 - math.tanh(z) ** 2))


@pytest.mark.parametrize("expr,value", [
    ("-x ** 2 + 3 / x - (x - 1) * 2", -(2.0 ** 2) + 3 / 2 - 2),
    ("exp(x) + log(x) + sin(x) * cos(x)", math.exp(2) + math.log(2) + math.sin(2) * math.cos(2)),
    ("sigmoid(x) + relu(-x) + relu(x)", 1 / (1 + math.exp(-2)) + 2),
    ("2 ** x + +x", 6.0),
    ("exp(1) * x", math.e * 2),
])
def test_parser_operators_and_functions(expr, value):
    assert parse_expression(expr, _vars(x=2.0)).item() == pytest.approx(value)


@pytest.mark.parametrize("expr,message", [
    ("x +", "cannot parse"),
    ("z * x", "unknown name 'z': give its value with --set z=VALUE"),
    ("__import__('os')", "unknown function '__import__'"),
    ("x.__class__", "is not allowed"),
    ("x ^ 2", "use ** for powers"),
    ("x < 1", "is not allowed"),
    ("'a' * x", "is not a number"),
    ("exp(x, 2)", "takes exactly one argument"),
    ("exp", "exp is a function"),
    ("[x][0]", "is not allowed"),
    ("(lambda: 1)()", "unknown function"),
    ("x" + "+x" * 600, "too long"),
    ("x * 1" + "0" * 400, "is too large"),
])
def test_parser_rejects_everything_else(expr, message):
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace("*", r"\*")):
        parse_expression(expr, _vars(x=1.0))


# ------------------------------------------------------------------ subprocesses
def test_graph_writes_svg_and_prints_gradients(tmp_path):
    out = tmp_path / "sub" / "g.svg"
    r = run("graph", "tanh(x*w + b)", "--set", "x=2", "--set", "w=-3", "--set", "b=6.5",
            "--out", str(out))
    assert r.returncode == 0, r.stderr
    t = math.tanh(0.5)
    assert f"out = {t:.6g}" in r.stdout
    assert f"dout/dw = {2 * (1 - t * t):.6g}" in r.stdout
    svg = out.read_text()
    assert svg.lstrip().startswith(("<?xml", "<svg")) and "Tanh" in svg
    r = run("graph", "x*x", "--set", "x=3", "--out", str(tmp_path / "g.dot"))
    assert r.returncode == 0 and "digraph" in (tmp_path / "g.dot").read_text()
    assert "dout/dx = 6" in r.stdout
    r = run("graph", "sigmoid(x) ** 2", "--set", "x=0", "--out", str(tmp_path / "g.png"))
    assert r.returncode == 0 and (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "dout/dx = 0.25" in r.stdout                       # 2·σ(0)·σ'(0) = 2·½·¼


def test_explain_prints_the_chain_rule(tmp_path):
    r = run("explain", "tanh(x*w + b)", "--wrt", "w", "--set", "x=2", "--set", "w=-3",
            "--set", "b=6.5")
    assert r.returncode == 0, r.stderr
    assert "∂out/∂w" in r.stdout and "agree" in r.stdout
    assert f"{2 * (1 - math.tanh(0.5) ** 2):.4f}" in r.stdout


@pytest.mark.parametrize("args,message", [
    (("graph", "x +", "--set", "x=1"), "cannot parse"),
    (("graph", "y * 2", "--set", "x=1"), "unknown name 'y'"),
    (("graph", "open(x)", "--set", "x=1"), "unknown function 'open'"),
    (("graph", "log(x)", "--set", "x=-1"), "evaluates to nan"),
    (("graph", "10 ** 10 ** 10 * x", "--set", "x=1"), "evaluates to inf"),
    (("graph", "x / 0", "--set", "x=1"), "evaluates to inf"),
    (("explain", "x ** 9 ** 9 ** 9", "--wrt", "x", "--set", "x=1"),
     "the gradient of 'x ** 9 ** 9 ** 9' with respect to x is inf"),
    (("graph", "3 * 2"), "applies no operation to a variable"),
    (("graph", "x*2", "--set", "x=1", "--out", "g.gif"), "unsupported format 'gif'"),
    (("explain", "x*2", "--wrt", "w", "--set", "x=1"), "--wrt w: not a variable"),
    (("explain", "x*2", "--wrt", "w", "--set", "x=1", "--set", "w=2"), "does not appear"),
])
def test_bad_expressions_give_one_line_errors(tmp_path, args, message):
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in r.stderr
    assert lines[0].startswith(f"tinygrad-edu {args[0]}: error:")


@pytest.mark.parametrize("args", [
    ("graph", "x*2", "--set", "x=1", "--out", "/dev/null/x/g.svg"),
    ("graph", "x*2", "--set", "x=1", "--out", "/dev/null/g.svg"),
    ("explore", "x*2", "--set", "x=1", "--out", "/dev/null/x.html"),
    ("demo", "--quick", "--no-progress", "--out", "/dev/null/x"),
])
def test_os_errors_give_one_line_errors_and_exit_2(args):
    r = run(*args)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert lines[0].startswith(f"tinygrad-edu {args[0]}: error: Not a directory: /dev/null")


def test_an_unwritable_out_file_is_one_line_too(tmp_path):
    (tmp_path / "g.svg").mkdir()            # a directory where the file should go
    r = run("graph", "x*2", "--set", "x=1", "--out", str(tmp_path / "g.svg"))
    assert r.returncode == 2
    assert r.stderr.strip() == f"tinygrad-edu graph: error: Is a directory: {tmp_path / 'g.svg'}"


def test_a_repeated_set_is_an_error():
    r = run("explain", "x*w", "--wrt", "w", "--set", "x=1", "--set", "w=2", "--set", "x=3")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.strip() == ("tinygrad-edu explain: error: --set x is given twice (x=1 "
                                "and x=3): give each variable once")


def test_an_expression_may_start_with_a_minus():
    """argparse would read "-x*w" as an unknown option; the CLI takes it as EXPR."""
    for args in (("explain", "-x*w", "--wrt", "w", "--set", "x=2", "--set", "w=3"),
                 ("explain", "--wrt", "w", "--set", "x=2", "--set", "w=-3", "-x*w"),
                 ("explain", "--wrt", "w", "--set", "x=2", "--set", "w=3", "--", "-x*w")):
        r = run(*args)
        assert r.returncode == 0, r.stderr
        assert "∂out/∂w = -2.0000" in r.stdout and "✓ they agree" in r.stdout


@pytest.mark.parametrize("args", [(), ("frobnicate",), ("graph",), ("explain", "x", "--set", "x=1"),
                                  ("graph", "x", "--set", "x"), ("graph", "x", "--set", "x=abc"),
                                  ("demo", "--epochs", "many"), ("demo", "--epochs", "0")])
def test_bad_usage_exits_2(args):
    r = run(*args)
    assert r.returncode == 2 and "usage:" in r.stderr


@pytest.mark.parametrize("cmd", [None, "demo", "graph", "explain"])
def test_help(cmd):
    r = run(*([cmd] if cmd else []), "--help")
    assert r.returncode == 0 and r.stdout.startswith("usage: tinygrad-edu")
    expected = {None: "demo", "demo": "--quick", "graph": "--set", "explain": "--wrt"}[cmd]
    assert expected in r.stdout


@pytest.mark.slow
def test_demo_quick_writes_its_three_files(tmp_path):
    out = tmp_path / "demo"
    r = run("demo", "--quick", "--out", str(out))
    assert r.returncode == 0, r.stderr
    acc = float(r.stdout.split("test accuracy: ")[1].split("%")[0])
    assert 90 <= acc <= 100                   # 3 epochs already get well above 90 %
    assert (out / "loss_curve.png").read_bytes()[:4] == b"\x89PNG"
    svg = (out / "training_step.svg").read_text()
    assert "<svg" in svg and "Linear" in svg and "ReLU" in svg
    text = (out / "chain_rule.txt").read_text()
    assert "0.weight" in text and "✓ they agree" in text
    # one digit: the chain runs through every layer, one element each, until the 10 logits
    assert "path 1: 0.weight → linear1 → relu → linear2 → loss" in text
    assert re.search(r"∂relu\[0, \d+\]/∂linear1\[0, \d+\] += +1.0000", text)   # a unit that fires
    assert "changes 10 elements of linear2" in text
    assert text.strip() in r.stdout           # the explanation is also printed
    assert r.stderr == ""                      # no progress bar without a terminal


def test_demo_without_scikit_learn_gives_a_one_line_error(tmp_path):
    fake = tmp_path / "fake"
    (fake / "sklearn").mkdir(parents=True)
    (fake / "sklearn" / "__init__.py").write_text("raise ImportError('hidden for a test')\n")
    r = run("demo", "--quick", "--out", str(tmp_path / "o"), extra_path=fake)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        "tinygrad-edu demo: error: load_digits needs scikit-learn, which ships the digits "
        "data: pip install 'tinygrad-edu[datasets]' (or pip install scikit-learn)"]


def test_demo_without_graphviz_still_trains_and_writes_the_dot_source(tmp_path, monkeypatch,
                                                                     capsys):
    from tinygrad_edu import cli
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))      # no `dot` to be found
    out = tmp_path / "out"
    assert cli.main(["demo", "--quick", "--no-progress", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "test accuracy" in captured.out
    assert "Graphviz" in captured.err and "DOT source" in captured.err
    assert (out / "training_step.dot").read_text().startswith("digraph")
    assert not (out / "training_step.svg").exists()
    assert "autograd" in (out / "chain_rule.txt").read_text(encoding="utf-8")
    assert (out / "loss_curve.png").read_bytes()[:4] == b"\x89PNG"
