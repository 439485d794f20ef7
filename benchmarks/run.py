"""Benchmark suite: ``python benchmarks/run.py`` prints a Markdown table.

Every workload is one training step (forward + backward + optimiser step, float32)
of tinygrad_edu, of the hand-written NumPy equivalent (``numpy_reference.py``) and of
PyTorch CPU when it is installed, measured in the same run: after warm-up, the three
are interleaved round by round (in a rotating order) and the median time per step is
reported, with the ratios to NumPy (and to PyTorch): the median over rounds of the
ratio within each round, so that a slow spell of the shared machine, which hits both
blocks of a round alike, cancels out. All use the same number of
threads (``--threads``); a short pause before each block lets the previous
framework's spinning BLAS/OpenMP workers go idle, so none steals a core from the next,
and one untimed step after it warms up again what the pause let go cold: training runs
its steps back to back.
The chain and memory workloads run each framework in its own fresh process.

Options: ``--quick`` (fewer rounds, for a smoke run), ``--only NAME[,NAME]``,
``--threads N`` (default 2), ``--memory-steps N`` (default 2000).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

ARGS = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ARGS.add_argument("--quick", action="store_true")
ARGS.add_argument("--only", default="")
ARGS.add_argument("--threads", type=int, default=2)
ARGS.add_argument("--memory-steps", type=int, default=2000)
ARGS.add_argument("--child", default="", help=argparse.SUPPRESS)   # "KIND:FRAMEWORK"
OPTS = ARGS.parse_args()
CHILD_KIND, _, CHILD_NAME = OPTS.child.partition(":")
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(OPTS.threads)     # before NumPy loads its BLAS

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import numpy_reference as ref  # noqa: E402

import tinygrad_edu as te  # noqa: E402
from tinygrad_edu import nn, optim  # noqa: E402

torch = None
if CHILD_NAME in ("", "torch"):     # a child process imports only what it measures
    try:
        import torch
        torch.set_num_threads(OPTS.threads)
    except ImportError:
        pass


# ------------------------------------------------------------------------- workloads
def _data(rng: np.random.Generator, batch: int, features: int, classes: int) -> tuple:
    x = rng.standard_normal((batch, features)).astype(np.float32)
    return x, rng.integers(0, classes, batch)


def _copy_params_to_torch(model: nn.Module, tmodel: "torch.nn.Module") -> None:
    state = {k: torch.tensor(v.detach().numpy()) for k, v in model.state_dict().items()}
    tmodel.load_state_dict(state)


def _training_step(model, loss_fn, opt, x, y):
    """One step as a user writes it; the same code drives tinygrad_edu and PyTorch."""
    def step() -> float:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def _mlp(sizes: list[int], act: type) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


def _torch_mlp(sizes: list[int], act: str):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(getattr(torch.nn, act)())
    return torch.nn.Sequential(*layers)


def tiny() -> dict:
    """2-16-16-1 tanh MLP, batch 64, MSE, SGD (overhead-bound)."""
    rng = np.random.default_rng(0)
    sizes = [2, 16, 16, 1]
    x = rng.standard_normal((64, 2)).astype(np.float32)
    y = np.sin(x.sum(1, keepdims=True)).astype(np.float32)
    model = _mlp(sizes, nn.Tanh)
    np_net = ref.TanhMLP(sizes, x, y)
    np_net.params = [(lin.weight.detach().numpy().copy(), lin.bias.detach().numpy().copy())
                     for lin in model if isinstance(lin, nn.Linear)]
    steps = {"tinygrad_edu": _training_step(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.01),
                                        te.Tensor(x), te.Tensor(y)),
             "numpy": np_net.step}
    if torch is not None:
        tm = _torch_mlp(sizes, "Tanh")
        _copy_params_to_torch(model, tm)
        steps["torch"] = _training_step(tm, torch.nn.MSELoss(), torch.optim.SGD(tm.parameters(), lr=0.01),
                                     torch.tensor(x), torch.tensor(y))
    return steps


def _classifier(sizes: list[int], batch: int) -> dict:
    rng = np.random.default_rng(0)
    x, labels = _data(rng, batch, sizes[0], sizes[-1])
    model = _mlp(sizes, nn.ReLU)
    np_net = ref.ReluMLP(sizes, x, labels)
    np_net.params = [(lin.weight.detach().numpy().copy(), lin.bias.detach().numpy().copy())
                     for lin in model if isinstance(lin, nn.Linear)]
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    steps = {"tinygrad_edu": _training_step(model, nn.CrossEntropyLoss(), opt, te.Tensor(x),
                                        te.Tensor(labels)),
             "numpy": np_net.step}
    if torch is not None:
        tm = _torch_mlp(sizes, "ReLU")
        _copy_params_to_torch(model, tm)
        steps["torch"] = _training_step(tm, torch.nn.CrossEntropyLoss(),
                                     torch.optim.SGD(tm.parameters(), lr=0.01, momentum=0.9),
                                     torch.tensor(x), torch.tensor(labels))
    return steps


def mnist_like() -> dict:
    """784-256-128-10 ReLU MLP, batch 128, cross-entropy, SGD momentum 0.9."""
    return _classifier([784, 256, 128, 10], 128)


def large() -> dict:
    """784-1024-1024-10 ReLU MLP, batch 512 (BLAS-bound)."""
    return _classifier([784, 1024, 1024, 10], 512)


def conv() -> dict:
    """Conv2d(1,8,3)-ReLU-MaxPool2d(2)-Linear on 1×28×28, batch 64, cross-entropy, SGD."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, 64)
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(8 * 13 * 13, 10))
    np_net = ref.ConvNet(x, labels)
    np_net.k, np_net.kb = model[0].weight.detach().numpy().copy(), model[0].bias.detach().numpy().copy()
    np_net.w, np_net.b = model[4].weight.detach().numpy().copy(), model[4].bias.detach().numpy().copy()
    steps = {"tinygrad_edu": _training_step(model, nn.CrossEntropyLoss(),
                                        optim.SGD(model.parameters(), lr=0.01),
                                        te.Tensor(x), te.Tensor(labels)),
             "numpy": np_net.step}
    if torch is not None:
        tm = torch.nn.Sequential(torch.nn.Conv2d(1, 8, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                 torch.nn.Flatten(), torch.nn.Linear(8 * 13 * 13, 10))
        _copy_params_to_torch(model, tm)
        steps["torch"] = _training_step(tm, torch.nn.CrossEntropyLoss(),
                                     torch.optim.SGD(tm.parameters(), lr=0.01),
                                     torch.tensor(x), torch.tensor(labels))
    return steps


def _example(name: str, framework: str):
    """An example's module, for tinygrad_edu or with its imports switched to PyTorch."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                    "examples"))
    from _common import import_example
    return import_example(name, framework)


def _gpt_step(module, model, x, y):
    """The training step of examples/char_gpt.py (same code for both frameworks)."""
    opt = model.configure_optimizers(0.1, 1e-3, (0.9, 0.99))

    def step() -> float:
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        module.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()
    return step


def gpt() -> dict:
    """examples/char_gpt.py's GPT: 2 layers, 4 heads, width 64, block 32, batch 32, AdamW."""
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 96, (32, 32)), rng.integers(0, 96, (32, 32))
    ours = _example("char_gpt", "tinygrad_edu")
    te.manual_seed(0)
    model = ours.GPT(96, 32, n_layer=2, n_head=4, n_embd=64)
    steps = {"tinygrad_edu": _gpt_step(ours, model, te.tensor(x), te.tensor(y))}
    if torch is not None:
        theirs = _example("char_gpt", "torch")
        tm = theirs.GPT(96, 32, n_layer=2, n_head=4, n_embd=64)
        _copy_params_to_torch(model, tm)
        steps["torch"] = _gpt_step(theirs, tm, torch.tensor(x), torch.tensor(y))
    return steps


def _lstm_step(module, model, x, y):
    """The training step of examples/char_rnn.py (same code for both frameworks)."""
    opt = module.torch.optim.Adam(model.parameters(), lr=3e-3)

    def step() -> float:
        logits, _ = model(x)
        loss = module.F.cross_entropy(logits.reshape(-1, 96), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        module.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()
    return step


def lstm() -> dict:
    """examples/char_rnn.py's model: Embedding(96, 32), LSTM(32, 128), Linear, sequence
    32, batch 32, Adam."""
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 96, (32, 32)), rng.integers(0, 96, (32, 32))
    ours = _example("char_rnn", "tinygrad_edu")
    te.manual_seed(0)
    model = ours.CharLSTM(96, hidden=128)
    steps = {"tinygrad_edu": _lstm_step(ours, model, te.tensor(x), te.tensor(y))}
    if torch is not None:
        theirs = _example("char_rnn", "torch")
        tm = theirs.CharLSTM(96, hidden=128)
        _copy_params_to_torch(model, tm)
        steps["torch"] = _lstm_step(theirs, tm, torch.tensor(x), torch.tensor(y))
    return steps


def _wavenet_model(nn_mod, vocab: int = 27, n_embd: int = 24, hidden: int = 128):
    """makemore's hierarchical MLP ("WaveNet"), the same code for either framework's nn:
    pairs of neighbouring positions fused level by level (context 8 → 4 → 2 → 1)."""
    class FlattenConsecutive(nn_mod.Module):
        def __init__(self, n: int) -> None:
            super().__init__()
            self.n = n

        def forward(self, x):
            b, t, c = x.shape
            x = x.reshape(b, t // self.n, c * self.n)
            return x.squeeze(1) if x.shape[1] == 1 else x

    class BatchNormLast(nn_mod.Module):       # nn.BatchNorm1d wants channels in dim 1
        def __init__(self, c: int) -> None:
            super().__init__()
            self.bn = nn_mod.BatchNorm1d(c)

        def forward(self, x):
            return self.bn(x) if x.ndim == 2 else self.bn(x.transpose(1, 2)).transpose(1, 2)

    layers = [nn_mod.Embedding(vocab, n_embd)]
    width = n_embd
    for _ in range(3):
        layers += [FlattenConsecutive(2), nn_mod.Linear(width * 2, hidden, bias=False),
                   BatchNormLast(hidden), nn_mod.Tanh()]
        width = hidden
    return nn_mod.Sequential(*layers, nn_mod.Linear(hidden, vocab))


def wavenet() -> dict:
    """makemore's WaveNet MLP: embedding 24, hidden 128, context 8, batch 32,
    BatchNorm1d, cross-entropy, SGD."""
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 27, (32, 8)), rng.integers(0, 27, 32)
    te.manual_seed(0)
    model = _wavenet_model(nn)
    steps = {"tinygrad_edu": _training_step(model, nn.CrossEntropyLoss(),
                                            optim.SGD(model.parameters(), lr=0.1),
                                            te.tensor(x), te.tensor(y))}
    if torch is not None:
        tm = _wavenet_model(torch.nn)
        _copy_params_to_torch(model, tm)
        steps["torch"] = _training_step(tm, torch.nn.CrossEntropyLoss(),
                                        torch.optim.SGD(tm.parameters(), lr=0.1),
                                        torch.tensor(x), torch.tensor(y))
    return steps


def _lenet(nn_mod):
    """LeNet-5 on 1×28×28 (max-pooling and ReLU, the modern variant), the same code for
    either framework's nn."""
    return nn_mod.Sequential(
        nn_mod.Conv2d(1, 6, 5, padding=2), nn_mod.ReLU(), nn_mod.MaxPool2d(2),
        nn_mod.Conv2d(6, 16, 5), nn_mod.ReLU(), nn_mod.MaxPool2d(2), nn_mod.Flatten(),
        nn_mod.Linear(16 * 5 * 5, 120), nn_mod.ReLU(), nn_mod.Linear(120, 84), nn_mod.ReLU(),
        nn_mod.Linear(84, 10))


def cnn() -> dict:
    """LeNet-5 on 1×28×28, batch 64, cross-entropy, SGD momentum 0.9."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, 64)
    te.manual_seed(0)
    model = _lenet(nn)
    steps = {"tinygrad_edu": _training_step(model, nn.CrossEntropyLoss(),
                                            optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
                                            te.tensor(x), te.tensor(labels))}
    if torch is not None:
        tm = _lenet(torch.nn)
        _copy_params_to_torch(model, tm)
        steps["torch"] = _training_step(tm, torch.nn.CrossEntropyLoss(),
                                        torch.optim.SGD(tm.parameters(), lr=0.01, momentum=0.9),
                                        torch.tensor(x), torch.tensor(labels))
    return steps


CHAIN_OPS = 100_000


def _recorded_chain(x) -> float:
    """x ← x·1.0001 and x ← x + 0.0001 alternating, then backward; the same code runs
    on a tinygrad_edu and on a PyTorch leaf."""
    y = x
    for i in range(CHAIN_OPS):
        y = y * 1.0001 if i % 2 == 0 else y + 0.0001
    y.sum().backward()
    return float(x.grad[0])


def chain() -> dict:
    """100,000 recorded elementwise ops on a (16,) tensor, then backward."""
    x0 = np.ones(16, np.float32)
    steps = {"tinygrad_edu": lambda: _recorded_chain(te.Tensor(x0, requires_grad=True)),
             "numpy": lambda: float(ref.chain(x0, CHAIN_OPS)[0])}
    if torch is not None:
        steps["torch"] = lambda: _recorded_chain(torch.tensor(x0, requires_grad=True))
    return steps


WORKLOADS = {"tiny": (tiny, 200, 15), "mnist-like": (mnist_like, 20, 25),
             "large": (large, 3, 9), "conv": (conv, 10, 11), "chain": (chain, 1, 7),
             "gpt": (gpt, 5, 15), "lstm": (lstm, 3, 15), "wavenet": (wavenet, 20, 15),
             "cnn": (cnn, 5, 15)}


def measure(steps: dict, per_round: int, rounds: int) -> dict:
    """Seconds per step of each entry in every round, the entries interleaved round
    by round."""
    for fn in steps.values():            # warm-up (allocations, BLAS threads, caches)
        for _ in range(max(1, per_round // 2)):
            fn()
    times: dict = {name: [] for name in steps}
    names = list(steps)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:   # rotate the order
            fn = steps[name]
            time.sleep(0.25)    # let the previous one's spinning BLAS/OpenMP threads idle
            fn()                # ...then re-warm what the pause let go cold (caches, threads)
            t0 = time.perf_counter()
            for _ in range(per_round):
                fn()
            times[name].append((time.perf_counter() - t0) / per_round)
    return times


def paired_ratio(ours: list, other: list) -> float:
    """The median over rounds of ours / other within each round: both were timed
    seconds apart, so a slow spell of the shared machine cancels out of the ratio
    (the ratio of the two overall medians can pair a fast spell with a slow one)."""
    return statistics.median(a / b for a, b in zip(ours, other))


# ------------------------------------------------------------------------- memory
def _rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _peak_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def memory_child(which: str, n_steps: int) -> None:
    """Run in a fresh process: n_steps mnist-like steps; print RSS at step 200 and the
    end, and the peak."""
    step = mnist_like()[which]
    rss_200 = None
    for i in range(n_steps):
        step()
        if i == min(199, n_steps - 1):
            rss_200 = _rss_mib()
    print(f"{rss_200:.1f} {_rss_mib():.1f} {_peak_mib():.1f}")


def chain_child(which: str) -> None:
    """Run in a fresh process: one warm-up chain, then print the seconds of one more."""
    run = chain()[which]
    run()
    t0 = time.perf_counter()
    run()
    print(time.perf_counter() - t0)


def _frameworks() -> list[str]:
    return ["tinygrad_edu", "numpy"] + (["torch"] if torch is not None else [])


def _in_child(kind: str, name: str, *extra: str) -> list[str]:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", f"{kind}:{name}",
           "--threads", str(OPTS.threads), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()


def chain_isolated(rounds: int) -> dict:
    """The chain, each framework in its own fresh process, rounds interleaved: a long
    graph of Python objects makes CPython's garbage collector re-walk the whole heap,
    so objects that another framework left in the same process (PyTorch's import
    alone adds ~150,000) would slow down whoever builds such a graph."""
    names = _frameworks()
    times: dict = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            times[name].append(float(_in_child("chain", name)[-1]))
    return times


def memory(n_steps: int) -> list:
    rows = []
    for name in _frameworks():
        out = _in_child("memory", name, "--memory-steps", str(n_steps))
        rows.append((name, *map(float, out[-3:])))
    return rows


def overhead() -> None:
    """Engine overhead on a tiny array: one recorded op, one backward step."""
    a = np.ones((4, 4), np.float32)
    x = te.Tensor(a, requires_grad=True)
    n = 20_000
    t0 = time.perf_counter()
    for _ in range(n):
        a * a
    t_np = (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    for _ in range(n):
        x * x
    t_op = (time.perf_counter() - t0) / n
    y = x
    for _ in range(n):
        y = y * 1.0001
    t0 = time.perf_counter()
    y.sum().backward()
    t_back = (time.perf_counter() - t0) / n
    print(f"Overhead on a 4×4 array: one recorded multiply {t_op * 1e6:.2f} µs "
          f"(NumPy alone {t_np * 1e6:.2f} µs); one backward step {t_back * 1e6:.2f} µs")
    print()


def main() -> None:
    if CHILD_KIND == "memory":
        memory_child(CHILD_NAME, OPTS.memory_steps)
        return
    if CHILD_KIND == "chain":
        chain_child(CHILD_NAME)
        return
    only = set(filter(None, OPTS.only.split(",")))
    print(f"tinygrad_edu benchmarks — float32, {OPTS.threads} threads, NumPy {np.__version__}"
          + (f", PyTorch {torch.__version__}" if torch is not None else ", PyTorch not installed"))
    print()
    if not only or "overhead" in only:
        overhead()
    print("| workload | tinygrad_edu | NumPy by hand | PyTorch CPU | ours / NumPy | ours / PyTorch |")
    print("|---|---|---|---|---|---|")
    for name, (make, per_round, rounds) in WORKLOADS.items():
        if only and name not in only:
            continue
        if OPTS.quick:
            per_round, rounds = max(1, per_round // 5), 3
        times = chain_isolated(rounds) if name == "chain" else measure(make(), per_round, rounds)
        unit, scale = ("µs/op", 1e6 / CHAIN_OPS) if name == "chain" else ("ms", 1e3)
        med = {k: statistics.median(ts) for k, ts in times.items()}
        fmt = lambda s: f"{s * scale:.3f} {unit}"  # noqa: E731
        ratio = lambda other: f"{paired_ratio(times['tinygrad_edu'], times[other]):.2f}×"  # noqa: E731
        has_torch = "torch" in times
        has_numpy = "numpy" in times        # (no hand-written NumPy GPT)
        print(f"| {name} | {fmt(med['tinygrad_edu'])} | "
              f"{fmt(med['numpy']) if has_numpy else '—'} | "
              f"{fmt(med['torch']) if has_torch else '—'} | "
              f"{ratio('numpy') if has_numpy else '—'} | "
              f"{ratio('torch') if has_torch else '—'} |", flush=True)
    if not only or "memory" in only:
        n = 300 if OPTS.quick else OPTS.memory_steps
        print()
        print(f"Memory, {n} mnist-like steps (MiB): RSS at step 200, at the end, peak")
        print()
        print("| framework | RSS @200 | RSS @end | growth | peak | peak / NumPy |")
        print("|---|---|---|---|---|---|")
        rows = memory(n)
        np_peak = dict((r[0], r[3]) for r in rows)["numpy"]
        for name, r200, rend, peak in rows:
            print(f"| {name} | {r200:.1f} | {rend:.1f} | {rend - r200:+.1f} | {peak:.1f} | "
                  f"{peak / np_peak:.2f}× |")


if __name__ == "__main__":
    main()
