"""Differential test against torch: random straight-line programs of 1-8 ops run in
both frameworks in float64, comparing every value (and its dtype and shape), the
gradient of a random linear functional of every float result, and a Hessian-vector
product. Where torch raises, tinygrad_edu must raise too, at the same line.

A program is Python source in which ``T`` is the framework and ``F`` its
``nn.functional``. It is generated op by op from a seed, with torch as the oracle of
shapes (each op is chosen for the shapes torch computed so far; now and then its
arguments are allowed to be wrong, so that errors are tested too). Inputs include
0-d, size-1, empty and broadcasting shapes and, now and then, 0, ±1, ties, ±inf and
nan.

    TE_DIFF_PROGRAMS=20000 TE_DIFF_SEED=1 python -m pytest -q tests/test_differential.py

runs a long campaign (the default is a CI budget of a few seconds). A failure prints
the program and how to replay it: ``python -m tests.test_differential SEED``.
"""
from __future__ import annotations

import math
import os
import re
import sys
import traceback
import warnings
from typing import Any, Callable

import numpy as np
import pytest

import tinygrad_edu as te
import tinygrad_edu.nn.functional as te_F

PROGRAMS = int(os.environ.get("TE_DIFF_PROGRAMS", "300"))
SEED = int(os.environ.get("TE_DIFF_SEED", "0"))
RTOL, ATOL = 1e-6, 1e-9                 # float64; float32 results: 1e-4, 1e-5

SHAPES = [(), (), (1,), (0,), (3,), (4,), (2, 3), (1, 3), (3, 1), (2, 0), (0, 3), (1, 1),
          (2, 3, 4), (2, 1, 3), (1, 2, 1), (3, 2, 2), (2, 2, 1, 3)]
SPECIALS = [0.0, 0.0, 1.0, -1.0, 0.5, np.inf, -np.inf, np.nan]


# ------------------------------------------------------------------ program source
def _num(v: float) -> str:
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(float(v))


def _nested(arr: np.ndarray) -> str:
    if arr.ndim == 0:
        return _num(float(arr))
    return "[" + ", ".join(_nested(a) for a in arr) + "]"


def leaf_source(arr: np.ndarray, requires_grad: bool = True) -> str:
    """A float64 leaf tensor with exactly these values (``T.zeros`` when empty)."""
    rg = ", requires_grad=True" if requires_grad else ""
    if arr.size == 0:
        return f"T.zeros({tuple(arr.shape)}, dtype=T.float64{rg})"
    return f"T.tensor({_nested(arr)}, dtype=T.float64{rg})"


def int_source(arr: np.ndarray) -> str:
    if arr.size == 0:
        return f"T.zeros({tuple(arr.shape)}, dtype=T.int64)"
    return f"T.tensor({arr.tolist()}, dtype=T.int64)"


class Gen:
    """The state of one program being generated: its lines and, from torch, the
    value of every variable so far."""

    def __init__(self, seed: int, torch: Any) -> None:
        self.rng = np.random.default_rng(seed)
        self.torch = torch
        self.lines: list[str] = []
        self.ns: dict = {"T": torch, "F": torch.nn.functional, "inf": math.inf,
                         "nan": math.nan}
        self.names: list[str] = []
        self.error: BaseException | None = None

    # -- random pieces
    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def pick(self, seq: list) -> Any:
        return seq[int(self.rng.integers(len(seq)))]

    def data(self, shape: tuple) -> np.ndarray:
        a = self.rng.standard_normal(shape)
        if a.size and self.chance(0.25):        # edge values: zeros, ties, ±inf, nan
            flat = a.reshape(-1)
            for _ in range(int(self.rng.integers(1, 3))):
                i = int(self.rng.integers(flat.size))
                flat[i] = flat[int(self.rng.integers(flat.size))] if self.chance(0.3) \
                    else self.pick(SPECIALS)
        return a

    def dim(self, nd: int, extra: int = 0) -> int:
        """A dim for an ``nd``-D tensor (valid but for 8 % of the draws)."""
        n = max(nd + extra, 1)
        if self.chance(0.08):
            return self.pick([n, -n - 1, n + 1])
        return int(self.rng.integers(-n, n))

    def dims(self, nd: int) -> str:
        """``dim=`` of a reduction: an int, a tuple or a list (sometimes negative,
        sometimes repeated or out of range)."""
        r = self.rng.random()
        if r < 0.45 or nd == 0:
            return str(self.dim(nd))
        k = int(self.rng.integers(1, nd + 1))
        ds = [int(d) - (nd if self.chance(0.4) else 0)
              for d in self.rng.permutation(nd)[:k]]
        if self.chance(0.05):
            ds.append(ds[0])
        return str(tuple(ds)) if r < 0.8 else str(ds)

    # -- variables
    def value(self, name: str) -> Any:
        return self.ns[name]

    def floats(self) -> list[str]:
        return [n for n in self.names if self.value(n).dtype.is_floating_point]

    def choose(self, floats_only: bool = True) -> str:
        pool = self.floats() if floats_only else self.names
        pool = pool or self.names
        if self.chance(0.6):
            return pool[-1]
        return self.pick(pool)

    def emit(self, expr: str) -> bool:
        """Add ``vN = expr``, run it in torch; False (and the program ends) if torch
        raised."""
        name = f"v{len(self.names)}"
        line = f"{name} = {expr}"
        self.lines.append(line)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(line, self.ns)
        except Exception as exc:            # torch refuses: so must we
            self.error = exc
            return False
        value = self.ns[name]
        if isinstance(value, (tuple, list)) and not value:     # no parts: drop the line
            self.lines.pop()
            return True
        if isinstance(value, (tuple, list)):     # a tuple-valued op: keep one part
            self.lines[-1] = f"{name} = ({expr})[0]"
            self.ns[name] = value[0]
        self.names.append(name)
        return True

    def new_leaf(self, shape: tuple) -> str:
        ok = self.emit(leaf_source(self.data(shape)))
        assert ok
        return self.names[-1]


def _shape(g: Gen, name: str) -> tuple:
    return tuple(g.value(name).shape)


# ------------------------------------------------------------------ the ops
UNARY = ["{x}.exp()", "{x}.log()", "{x}.sqrt()", "{x}.abs()", "{x}.sin()", "{x}.cos()", "{x}.tanh()",
         "{x}.sigmoid()", "{x}.relu()", "-{x}", "{x}.square()", "{x}.rsqrt()", "{x}.reciprocal()",
         "{x}.log1p()", "{x}.expm1()", "{x}.log2()", "{x}.floor()", "{x}.sign()", "F.gelu({x})",
         "F.gelu({x}, approximate='tanh')", "F.softplus({x})", "F.leaky_relu({x}, 0.1)",
         "F.relu({x})", "F.sigmoid({x})", "F.tanh({x})", "{x} ** 2", "{x} ** 3", "{x} ** 0.5",
         "{x} ** 0", "{x} ** -1", "{x} * 2.5", "{x} + 1", "1.5 - {x}", "{x} / 0.5", "2.0 / {x}",
         "{x}.clamp(min=-0.5)", "{x}.clamp(max=0.3)", "{x}.clamp(-0.4, 0.6)", "{x}.clamp(0.0, 0.0)",
         "{x}.maximum({x} * 0)", "{x}.minimum({x}.detach())", "T.where({x} > 0, {x}, 0.0)",
         "{x}.masked_fill({x} < 0, 0.5)", "{x}.round()", "{x}.trunc()", "{x}.frac()",
         "{x}.exp2()", "{x}.log10()", "{x}.nan_to_num()", "{x}.to(T.float32)", "{x}.double()",
         "{x}.int()", "{x}.long()", "{x}.bool()", "{x} > 0", "({x} > 0).float()", "{x}.detach()"]
BINARY = ["{x} + {y}", "{x} - {y}", "{x} * {y}", "{x} / {y}", "{x} ** {y}", "{x}.abs() ** {y}", "T.maximum({x}, {y})",
          "T.minimum({x}, {y})", "T.where({x} > {y}, {x}, {y})", "T.where({y} > 0, {x}, {y})", "{x}.max({y})",
          "{x}.min({y})", "{x}.lerp({y}, 0.3)", "{x}.remainder({y})", "{x}.fmod({y})"]


def op_unary(g: Gen) -> bool:
    return g.emit(g.pick(UNARY).format(x=g.choose(floats_only=g.chance(0.9))))


def op_binary(g: Gen) -> bool:
    x = g.choose()
    sx = _shape(g, x)
    if g.chance(0.5):       # a new input: the same shape, or one that broadcasts
        shape = list(sx)
        if shape and g.chance(0.5):
            shape[int(g.rng.integers(len(shape)))] = 1
        if g.chance(0.3):
            shape = shape[int(g.rng.integers(len(shape) + 1)):]
        if g.chance(0.1):
            shape = list(g.pick(SHAPES))
        y = g.new_leaf(tuple(shape))
    else:
        y = g.choose(floats_only=g.chance(0.8))
    expr = g.pick(BINARY)
    if g.chance(0.5):
        x, y = y, x
    return g.emit(expr.format(x=x, y=y))


def op_reduce(g: Gen) -> bool:
    x = g.choose(floats_only=g.chance(0.9))
    nd = len(_shape(g, x))
    kd = ", keepdim=True" if g.chance(0.4) else ""
    d = g.dims(nd)
    one = str(g.dim(nd))
    forms = [f"{x}.sum()", f"{x}.sum(dim={d}{kd})", f"{x}.mean()", f"{x}.mean(dim={d}{kd})",
             f"{x}.var()", f"{x}.var(dim={d}{kd})", f"{x}.std(dim={d}{kd})",
             f"{x}.var(dim={d}, unbiased=False{kd})", f"{x}.std()",
             f"{x}.logsumexp(dim={d}{kd})", f"{x}.amax(dim={d}{kd})",
             f"{x}.amin(dim={d}{kd})", f"{x}.max()", f"{x}.min()",
             f"{x}.max(dim={one}{kd}).values", f"{x}.min(dim={one}{kd}).values",
             f"{x}.max(dim={one}{kd}).indices", f"{x}.argmax()", f"{x}.argmin(dim={one}{kd})",
             f"{x}.prod()", f"{x}.prod(dim={one}{kd})", f"{x}.cumsum(dim={one})",
             f"{x}.softmax(dim={one})", f"{x}.log_softmax(dim={one})",
             f"F.softmax({x}, dim={one})", f"F.log_softmax({x}, dim={one})",
             f"{x}.norm()", f"{x}.norm(dim={d}{kd})", f"{x}.sum(dim=[])",
             f"T.logsumexp({x}, dim={d})", f"{x}.mean(dim={d}, keepdim=True)"]
    return g.emit(g.pick(forms))


def _factor(g: Gen, n: int) -> tuple:
    """A random shape with ``n`` elements (a −1 now and then)."""
    if n == 0:
        return g.pick([(0,), (0, 2), (2, 0, 1), (-1,), (3, -1)])
    if n == 1 and g.chance(0.5):
        return ((),)
    dims = []
    rest = n
    while rest > 1 and len(dims) < 3:
        ds = [d for d in range(2, rest + 1) if rest % d == 0]
        d = g.pick(ds)
        dims.append(d)
        rest //= d
    if g.chance(0.3):
        dims.insert(int(g.rng.integers(len(dims) + 1)), 1)
    if dims and g.chance(0.3):
        dims[int(g.rng.integers(len(dims)))] = -1
    return tuple(dims) if dims else ((),)


def op_shape(g: Gen) -> bool:
    x = g.choose(floats_only=g.chance(0.9))
    s = _shape(g, x)
    nd, n = len(s), int(np.prod(s))
    perm = tuple(int(i) for i in g.rng.permutation(nd))
    if nd and g.chance(0.05):
        perm = perm[:-1]
    expand = tuple(g.pick([k, -1]) if k != 1 else g.pick([1, 3]) for k in s)
    if g.chance(0.3):
        expand = (2,) + expand
    pads = tuple(int(p) for p in g.rng.integers(0, 3, size=2 * int(g.rng.integers(1, 3))))
    crop = (-1,) + pads[1:]         # (negative widths: constant mode only, see below)
    forms = [f"{x}.reshape{_factor(g, n)}", f"{x}.reshape(-1)", f"{x}.view({_factor(g, n)})",
             f"{x}.flatten()", f"{x}.flatten({g.dim(nd)}, {g.dim(nd)})",
             f"{x}.permute({perm})", f"{x}.transpose({g.dim(nd)}, {g.dim(nd)})",
             f"{x}.squeeze()", f"{x}.squeeze({g.dim(nd)})", f"{x}.unsqueeze({g.dim(nd, 1)})",
             f"{x}.expand({expand})", f"{x}.flip({g.dim(nd)})",
             f"{x}.roll(1, {g.dim(nd)})" if n else f"{x}.roll(1)", f"{x}.repeat{(2,) * nd + (1,) if nd else (2,)}",
             f"{x}.t()", f"{x}.mT" if nd else f"{x}.t()", f"{x}.unsqueeze(0).mT", f"{x}.transpose(0, 1).view(-1)",
             f"T.cat([{x}, {x} * 2], dim={g.dim(nd)})",
             f"T.cat([{x}, {g.choose()}], dim={g.dim(nd)})",
             f"T.stack([{x}, {x}.exp()], dim={g.dim(nd, 1)})",
             f"T.stack([{x}, {g.choose()}], dim={g.dim(nd, 1)})",
             f"T.cat([{x}, {x}.to(T.float32)])", f"T.stack([{x}.float(), {x}.int()])",
             f"T.cat([{x}.float(), {x}.long()], dim=-1)",
             f"F.pad({x}, {pads})",
             f"F.pad({x}, {pads}, mode={g.pick(['reflect', 'replicate', 'circular'])!r})",
             f"F.pad({x}, {pads}, value=1.5)", f"F.pad({x}, {crop})", f"{x}.tril()", f"{x}.triu(1)",
             f"{x}.split(2, dim={g.dim(nd)})", f"{x}.chunk(2, dim={g.dim(nd)})",
             f"{x}.unbind({g.dim(nd)})", f"{x}.narrow({g.dim(nd)}, 0, 1)",
             f"{x}.select({g.dim(nd)}, 0)", f"{x}.contiguous()"]
    return g.emit(g.pick(forms))


def op_index(g: Gen) -> bool:
    x = g.choose()
    s = _shape(g, x)
    n0 = s[0] if s else 0
    i = int(g.rng.integers(-n0, n0)) if n0 and g.chance(0.9) else g.pick([0, 3, -4])
    j = int(g.rng.integers(-n0, n0)) if n0 else 0
    forms = [f"{x}[{i}]", f"{x}[{i}:]", f"{x}[:{i}]", f"{x}[::2]", f"{x}[None]",
             f"{x}[..., None]", f"{x}[[{i}, {j}, {i}]]", f"{x}[[]]",
             f"{x}[T.tensor([{i}, {j}])]", f"{x}[{x} > 0]", f"{x}[..., {i}]",
             f"{x}[:, {i}]", f"{x}[:, 1:]", f"{x}[..., ::-1]" if False else f"{x}[..., 1:]",
             f"{x}[{i}, ..., {j}]", f"{x}.index_select({g.dim(len(s))}, T.tensor([{i}, {j}]))",
             f"{x}[T.tensor({i})]", f"{x}[()]", f"{x}[...]"]
    return g.emit(g.pick(forms))


def op_matmul(g: Gen) -> bool:
    x = g.choose()
    s = _shape(g, x)
    nd = len(s)
    k = s[-1] if s else 2
    if g.chance(0.08):
        k += 1
    m = int(g.rng.integers(0, 4)) if g.chance(0.1) else int(g.rng.integers(1, 4))
    shapes = {0: [(k,)], 1: [(k,), (k, m), (2, k, m)], 2: [(k,), (k, m), (2, k, m)]}
    yshape = g.pick(shapes.get(nd, [(k, m), (k,), (s[0],) + (k, m) if nd >= 3 else (k, m)]))
    y = g.new_leaf(yshape)
    forms = [f"{x} @ {y}", f"T.matmul({x}, {y})", f"{x}.mm({y})", f"{x}.mv({y})",
             f"{x}.dot({y})", f"T.outer({x}, {y})", f"{x}.bmm({y})",
             f"F.linear({x}, {y}.mT if {y}.ndim == 2 else {y})"]
    return g.emit(g.pick(forms))


def op_linear(g: Gen) -> bool:
    x = g.choose()
    s = _shape(g, x)
    k = s[-1] if s else 1
    out = int(g.rng.integers(1, 4))
    w = g.new_leaf((out, k + (1 if g.chance(0.05) else 0)))
    b = g.new_leaf((out,)) if g.chance(0.6) else "None"
    return g.emit(f"F.linear({x}, {w}, {b})")


def op_loss(g: Gen) -> bool:
    x = g.choose()
    s = _shape(g, x)
    red = g.pick(["mean", "sum", "none"])
    kind = g.pick(["mse", "l1", "huber", "ce", "ce", "ce_prob", "nll", "bce", "bce_logits",
                   "layer_norm"])
    if kind in ("mse", "l1", "huber"):
        y = g.new_leaf(s if g.chance(0.9) else g.pick(SHAPES))
        fn = {"mse": "F.mse_loss", "l1": "F.l1_loss", "huber": "F.huber_loss"}[kind]
        return g.emit(f"{fn}({x}, {y}, reduction={red!r})")
    if kind in ("ce", "nll"):
        if not s:
            return g.emit(f"F.cross_entropy({x}, T.tensor(0))")
        c = s[1] if len(s) > 1 else s[0]
        tshape = s[:1] + s[2:] if len(s) > 1 else ()
        t = g.rng.integers(0, max(c, 1), size=tshape)
        if t.size and g.chance(0.3):
            t.reshape(-1)[int(g.rng.integers(t.size))] = -100
        if t.size and g.chance(0.1):
            t = np.full(tshape, -100)
        if t.size and g.chance(0.05):
            t.reshape(-1)[0] = c
        opts = f", reduction={red!r}"
        if g.chance(0.3):
            opts += f", weight={leaf_source(np.abs(g.data((c,))) + 0.1, False)}"
        if kind == "ce" and g.chance(0.3):
            opts += ", label_smoothing=0.2"
        target = int_source(t) if tshape else f"T.tensor({int(t)})"
        if kind == "nll":
            return g.emit(f"F.nll_loss({x}.log_softmax(dim={1 if len(s) > 1 else 0}), "
                          f"{target}{opts})")
        return g.emit(f"F.cross_entropy({x}, {target}{opts})")
    if kind == "ce_prob":
        p = g.new_leaf(s)
        cd = 1 if len(s) > 1 else 0
        smooth = ", label_smoothing=0.1" if g.chance(0.3) else ""
        return g.emit(f"F.cross_entropy({x}, {p}.softmax(dim={cd}), reduction={red!r}{smooth})")
    if kind == "bce":
        t = g.rng.random(s)
        w = f", weight={leaf_source(g.rng.random(s), g.chance(0.1))}" if g.chance(0.3) else ""
        return g.emit(f"F.binary_cross_entropy({x}.sigmoid(), {leaf_source(t, False)}{w}, "
                      f"reduction={red!r})")
    if kind == "bce_logits":
        t = g.rng.random(s)
        pw = f", pos_weight={leaf_source(g.rng.random(s[-1:]) + 0.5, g.chance(0.1))}" \
            if g.chance(0.4) else ""
        return g.emit(f"F.binary_cross_entropy_with_logits({x}, {leaf_source(t, False)}, "
                      f"reduction={red!r}{pw})")
    k = int(g.rng.integers(0, len(s) + 1)) if s else 0
    affine = ""
    if g.chance(0.5):
        w, b = g.new_leaf(s[len(s) - k:]), g.new_leaf(s[len(s) - k:])
        affine = f", {w}, {b}"
    return g.emit(f"F.layer_norm({x}, {list(s[len(s) - k:])}{affine})")


OPS: list[tuple[Callable[[Gen], bool], float]] = [
    (op_unary, 3), (op_binary, 3), (op_reduce, 3), (op_shape, 3), (op_index, 1.5),
    (op_matmul, 1), (op_linear, 0.5), (op_loss, 1.5)]
_WEIGHTS = np.array([w for _, w in OPS]) / sum(w for _, w in OPS)


def generate(seed: int, torch: Any) -> Gen:
    """One program: 1-3 inputs, then 1-8 ops (it ends early where torch raises)."""
    g = Gen(seed, torch)
    shape = g.pick(SHAPES)
    g.new_leaf(shape)
    for _ in range(int(g.rng.integers(0, 3))):
        g.new_leaf(g.pick([shape, shape[1:], g.pick(SHAPES)]))
    for _ in range(int(g.rng.integers(1, 9))):
        op = OPS[int(g.rng.choice(len(OPS), p=_WEIGHTS))][0]
        if not op(g):
            break
    return g


# ------------------------------------------------------------------ running and comparing
def run(lines: list[str], T: Any, F: Any) -> tuple[dict, int, BaseException | None]:
    """Execute the program; (namespace, number of lines run, the exception if one)."""
    ns = {"T": T, "F": F, "inf": math.inf, "nan": math.nan}
    for k, line in enumerate(lines):
        try:
            exec(line, ns)
        except Exception as exc:
            return ns, k, exc
        name = line.split(" = ")[0]
        if isinstance(ns[name], (tuple, list)):
            ns[name] = ns[name][0]
    return ns, len(lines), None


def _array(t: Any) -> np.ndarray:
    if isinstance(t, te.Tensor):
        return t.detach().numpy()
    if t._is_zerotensor():      # torch's lazy zero gradients (.numpy() can crash on them)
        return np.zeros(tuple(t.shape), str(t.dtype).split(".")[-1])
    return t.detach().resolve_neg().numpy()


def _close(ours: np.ndarray, theirs: np.ndarray, what: str, tol: float = 1.0,
           undefined: bool = False, single: bool = False) -> str | None:
    """Whether two results agree (nan where nan; with ``undefined``, as for
    derivatives, nan and ±∞ count as the same: 0·∞ and ∞ − ∞ come out as either,
    depending on how an equivalent formula is written; and where torch's is nan, as
    its prod's ∞/∞, ours may be exact). ``single``: computed in float32 somewhere."""
    if ours.shape != theirs.shape:
        return f"{what}: shape {ours.shape}, torch {theirs.shape}"
    if theirs.dtype.kind in "biu":
        return None if np.array_equal(ours, theirs) else f"{what}: {ours} != torch {theirs}"
    a, b = ours.astype(np.float64), theirs.astype(np.float64)
    rtol, atol = (RTOL, ATOL) if theirs.dtype == np.float64 and not single else (1e-4, 1e-5)
    with np.errstate(invalid="ignore", over="ignore"):
        ok = np.isclose(a, b, rtol=rtol * tol, atol=atol * tol + rtol * tol * np.abs(b).max(
            initial=0, where=np.isfinite(b)), equal_nan=True)
    if undefined:       # (and torch's nan from ∞/∞ where ours is exact, as prod's)
        ok |= np.isnan(b) | ~np.isfinite(a) & ~np.isfinite(b) & np.isnan(a)
    if ok.all():
        return None
    return f"{what}: ours\n{a}\ntorch\n{b}"


def _dtype_name(t: Any) -> str:
    return str(t.dtype).split(".")[-1]


def _grads(T: Any, ns: dict, leaves: list[str], outs: list[str], weights: dict,
           vectors: dict) -> tuple[list, list]:
    """The gradient of Σ_out ⟨W, out⟩ w.r.t. the leaves, and the Hessian-vector
    product with V (None where a leaf is not reached)."""
    grad = T.autograd.grad if hasattr(T, "autograd") and hasattr(T.autograd, "grad") \
        else T.grad
    xs = [ns[n] for n in leaves]
    parts = [(ns[o] * T.tensor(weights[o], dtype=ns[o].dtype)).sum() for o in outs
             if ns[o].requires_grad]
    if not parts:
        return [None] * len(xs), [None] * len(xs)
    loss = parts[0]
    for p in parts[1:]:
        loss = loss + p
    g1 = list(grad(loss, xs, create_graph=True, allow_unused=True))
    terms = [(g * T.tensor(vectors[n])).sum() for g, n in zip(g1, leaves)
             if g is not None and g.requires_grad]
    if not terms:
        return g1, [None] * len(xs)
    s = terms[0]
    for t in terms[1:]:
        s = s + t
    return g1, list(grad(s, xs, allow_unused=True))


def _warnings_are_errors() -> None:
    """NumPy's RuntimeWarnings become errors (the library must not emit them for
    what torch accepts silently), but for the hot ops: ∞ − ∞, 0·∞ and overflow in Add,
    Sub, Mul, Linear, cross-entropy's and layer norm's common path and the sums of
    broadcast gradients, where an ``np.errstate`` per call would cost more than the op."""
    warnings.simplefilter("ignore")
    warnings.simplefilter("error", RuntimeWarning)
    warnings.filterwarnings("ignore", "(invalid value|overflow) encountered in "
                            "(add|subtract|multiply)", RuntimeWarning,
                            r"tinygrad_edu\.functions\.(elementwise|nn|fused)")
    warnings.filterwarnings("ignore", "invalid value encountered in reduce", RuntimeWarning,
                            r"tinygrad_edu\.functions\.(shape|nn)")   # broadcast gradients
    warnings.filterwarnings("ignore", "(invalid value|overflow) encountered in matmul",
                            RuntimeWarning, r"tinygrad_edu\.functions\.nn")


# Where tinygrad_edu is deliberately more lenient than torch: matrix products and
# linear layers of mixed float dtypes promote (float32 weights with float64 data from
# NumPy work, as the examples and docs rely on), where torch refuses.
_LENIENT = re.compile(r"(same dtype|expected scalar type|mixed dtype)")

# torch's exception → the ones accepted here (NotImplementedError is a RuntimeError)
_ACCEPTED = {IndexError: (IndexError,), TypeError: (TypeError,), ValueError: (ValueError,),
             RuntimeError: (RuntimeError, ValueError, IndexError)}


def compare(lines: list[str], seed: int, torch: Any) -> str | None:
    """Run ``lines`` in both frameworks; None if they agree, else what differs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tns, tn, texc = run(lines, torch, torch.nn.functional)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _warnings_are_errors()
        try:
            ons, on, oexc = run(lines, te, te_F)
        except RuntimeWarning as exc:       # (raised outside a line: cannot happen)
            return f"RuntimeWarning {exc}"
    if oexc is not None and (texc is None or on < tn):
        tb = "".join(traceback.format_exception(type(oexc), oexc, oexc.__traceback__)[-3:])
        return f"line {on} raised here but not in torch:\n{tb}"
    if texc is not None and not (oexc is None and _LENIENT.search(str(texc))):
        if oexc is None:
            return f"torch raised at line {tn} ({type(texc).__name__}: {texc}), we did not"
        accepted = next((v for k, v in _ACCEPTED.items() if isinstance(texc, k)), (Exception,))
        if not isinstance(oexc, accepted):
            return (f"line {tn}: torch raised {type(texc).__name__}: {texc}\n"
                    f"we raised {type(oexc).__name__}: {oexc}")
    names = [ln.split(" = ")[0] for ln in lines[:tn]]
    for n in names:
        ours, theirs = ons[n], tns[n]
        if _dtype_name(ours) != _dtype_name(theirs):
            return f"{n}: dtype {ours.dtype}, torch {theirs.dtype}"
        if bool(ours.requires_grad) != bool(theirs.requires_grad):
            return f"{n}: requires_grad {ours.requires_grad}, torch {theirs.requires_grad}"
        diff = _close(_array(ours), _array(theirs), f"value of {n}")
        if diff:
            return diff
    leaves = [n for n, ln in zip(names, lines) if "requires_grad=True" in ln]
    outs = [n for n in names if n not in leaves and tns[n].dtype.is_floating_point]
    rng = np.random.default_rng(seed + 1)
    weights = {o: rng.standard_normal(tuple(tns[o].shape)) for o in outs}
    vectors = {n: rng.standard_normal(tuple(tns[n].shape)) for n in leaves}
    try:
        tg, th = _grads(torch, tns, leaves, outs, weights, vectors)
    except RuntimeError:    # torch's own backward fails (mixed dtypes in some losses):
        return None         # nothing to compare the derivatives with
    if _pow_at_zero_exponent(lines[:tn], tns):
        th = None       # torch's ∂²(aᵇ)/∂a∂b at b = 0 is 0; ours is the analytic 1/a
    with warnings.catch_warnings():
        _warnings_are_errors()
        try:
            og, oh = _grads(te, ons, leaves, outs, weights, vectors)
        except Exception as exc:
            tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-4:])
            return f"gradient raised:\n{tb}"
    single = any(s in ln for ln in lines for s in (".float()", "float32", ".int()"))
    for what, ours_all, theirs_all in (("gradient", og, tg), ("Hessian-vector product", oh, th)):
        if theirs_all is None:
            continue
        for n, ours, theirs in zip(leaves, ours_all, theirs_all):
            shape = tuple(tns[n].shape)
            a = np.zeros(shape) if ours is None else _array(ours)
            b = np.zeros(shape) if theirs is None else _array(theirs)
            diff = _close(a, b, f"{what} of {n}", 100.0 if what[0] == "H" else 1.0, True,
                          single)
            if diff:
                return diff
    return None


def _pow_at_zero_exponent(lines: list[str], ns: dict) -> bool:
    """Whether a line raises to a tensor power that is 0 somewhere (torch's known
    wrong second derivative there, see tests/test_edges_torch.py)."""
    for line in lines:
        m = re.fullmatch(r"v\d+ = \S+ \*\* (v\d+)", line)
        if m and bool((ns[m.group(1)] == 0).any()):
            return True
    return False


def check(seed: int, torch: Any) -> str | None:
    """Generate program ``seed`` and compare; the failure text shows the program."""
    g = generate(seed, torch)
    diff = compare(g.lines, seed, torch)
    if diff is None:
        return None
    program = "\n".join(f"    {ln}" for ln in g.lines)
    return (f"program {seed} (replay: python -m tests.test_differential {seed}):\n{program}\n"
            f"{diff}")


# ------------------------------------------------------------------ the test
def test_random_programs_agree_with_torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    failures = [diff for diff in (check(SEED * 1_000_003 + k, torch) for k in range(PROGRAMS))
                if diff]
    assert not failures, f"{len(failures)} of {PROGRAMS} programs differ (the first 5):\n\n" + \
        "\n\n".join(failures[:5])


if __name__ == "__main__":      # replay programs: python -m tests.test_differential SEED…
    import torch as _torch
    for arg in sys.argv[1:]:
        print(check(int(arg), _torch) or f"program {arg}: agrees with torch")
