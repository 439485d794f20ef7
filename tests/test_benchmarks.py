"""Smoke run of the benchmark suite: it runs and prints a well-formed table. No timing
is asserted (the machines are shared and noisy); the numbers belong in docs."""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_benchmark_quick_run_prints_a_table():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick",
                          "--only", "overhead,tiny,conv", "--threads", "1"],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    assert "one recorded multiply" in out
    rows = {m.group(1): m.group(2) for m in
            re.finditer(r"^\| (tiny|conv) \| ([0-9.]+) ms \|", out, flags=re.M)}
    assert set(rows) == {"tiny", "conv"}
    assert all(float(v) > 0 for v in rows.values())
    assert re.search(r"^\| tiny \|.*\| [0-9.]+× \|", out, flags=re.M)


def test_numpy_reference_learns():
    """The hand-written reference is a real training step: its loss goes down."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import numpy as np
    import numpy_reference as ref
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 20)).astype(np.float32)
    labels = (x[:, 0] > 0).astype(np.int64)
    net = ref.ReluMLP([20, 16, 2], x, labels, lr=0.1)
    first = net.step()
    for _ in range(50):
        last = net.step()
    assert last < 0.5 * first


def test_model_workloads_run_on_both_frameworks():
    """gpt, lstm, wavenet and cnn: the same model code on tinygrad_edu and PyTorch."""
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick",
                          "--only", "gpt,lstm,wavenet,cnn", "--threads", "1"],
                         capture_output=True, text=True, timeout=600, check=True).stdout
    rows = dict(re.findall(r"^\| (gpt|lstm|wavenet|cnn) \| ([0-9.]+) ms \|", out, flags=re.M))
    assert set(rows) == {"gpt", "lstm", "wavenet", "cnn"}
    assert all(float(v) > 0 for v in rows.values())
    if "PyTorch not installed" not in out:
        assert len(re.findall(r"^\| (?:gpt|lstm|wavenet|cnn) \|.*\| [0-9.]+× \|$", out,
                              flags=re.M)) == 4


def test_render_benchmark_quick_run_prints_a_table():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "render.py"), "--ops", "40",
                          "--repeat", "1"], capture_output=True, text=True, timeout=300,
                         check=True).stdout
    rows = re.findall(r"^\| (.+?) \| ([0-9.]+) s \|", out, flags=re.M)
    assert len(rows) == 6 and all(float(t) >= 0 for _, t in rows)
