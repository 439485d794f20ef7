"""The chain rule written out, the way textbooks derive a gradient by hand.

For ``∂root/∂w`` every path ``w → t₁ → … → root`` through the graph contributes
the product of its local derivatives, and the gradient is the sum over paths
(the multivariate chain rule). A path is a sequence of *edges*: in ``x * x`` the
tensor x enters the multiplication twice (as a and as b), so there are two paths
through it, ∂z/∂a = b and ∂z/∂b = a, and ∂(x·x + x)/∂x = x + x + 1 sums three paths. For one element ``w[index]`` of a tensor, each
factor is the derivative of one element of the next tensor with respect to one
element of the previous, as long as the change stays in one element; where it
spreads to several elements (e.g. through a matrix product over a batch), the
rest of the path is the sum over those elements i of ∂root/∂outᵢ · ∂outᵢ/∂in.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..autograd import enable_grad, grad as autograd_grad, no_grad
from ..tensor import Tensor
from . import format as fmt
from .trace import Graph, collect, forward64, node_vjp, replay, to_shape, trace_backward

__all__ = ["explain", "chain_rule", "ChainRule", "PathTerm", "Factor", "Spread"]


@dataclass
class Factor:
    """One local derivative along a path: ``∂out[j']/∂inp[j]``."""
    symbol: str
    value: float
    formula: str


@dataclass
class Spread:
    """Where ``inp[j]`` changes several elements i of the next tensor ``out``: the
    rest of the path is Σᵢ ∂root/∂outᵢ · ∂outᵢ/∂inp[j] (``terms`` holds, per
    element, its index, the local derivative and the upstream ∂root/∂outᵢ)."""
    symbol: str
    value: float
    formula: str
    out: str
    src: str
    terms: list = field(default_factory=list)


@dataclass
class PathTerm:
    """One edge path from ``wrt`` to the root and its contribution to the gradient.

    ``names[k]`` is the k-th tensor on the path; ``slots[k]`` the input letter
    (a, b, …) by which ``names[k]`` enters the op making ``names[k + 1]``, or ""
    when it enters that op only once."""
    names: list[str]
    slots: list[str]
    factors: list[Factor]
    spread: Spread | None
    contribution: float
    grouped: list[Factor] | None = None   # the factors merged between user-named tensors

    @property
    def product(self) -> float:
        """The product of the factors as printed (equals ``contribution``)."""
        p = 1.0
        for f in self.factors:
            p *= f.value
        return p * (self.spread.value if self.spread is not None else 1.0)


@dataclass
class ChainRule:
    """The chain rule for ``∂root/∂wrt[index]``; ``str()`` writes it out."""
    root: str
    wrt: str
    paths: list[PathTerm]
    n_paths: int
    total: float
    autograd: float
    autograd_source: str

    @property
    def agrees(self) -> bool:
        return self.total == self.autograd or \
            abs(self.total - self.autograd) <= 1e-6 + 1e-4 * abs(self.autograd)

    def __str__(self) -> str:
        lines = [f"Chain rule for ∂{self.root}/∂{self.wrt}", "",
                 f"{self.n_paths} path{'s' if self.n_paths != 1 else ''} from {self.wrt} to "
                 f"{self.root}" + (f" (the first {len(self.paths)} are written out)"
                                   if len(self.paths) < self.n_paths else "") + ":"]
        slots: dict[tuple[str, str], set[str]] = {}
        for p in self.paths:
            for k, slot in enumerate(p.slots):
                if slot:
                    slots.setdefault((p.names[k], p.names[k + 1]), set()).add(slot)
        for (src, dst), letters in slots.items():
            lines.append(f"({src} enters the op making {dst} several times, as "
                         f"{' and '.join(sorted(letters))}: each edge is a path of its own)")
        for k, p in enumerate(self.paths, 1):
            lines += ["", f"path {k}: " + p.names[0] + "".join(
                f" →{f'(as {slot})' if slot else ''} {name}"
                for slot, name in zip(p.slots, p.names[1:]))]
            syms = [f.symbol for f in p.factors] + ([p.spread.symbol] if p.spread else [])
            if not syms:
                lines.append(f"  the root itself: ∂{self.root}/∂{self.root} = 1")
                continue
            lines.append(f"  ∂{self.root}/∂{self.wrt} (this path) = " + " · ".join(syms))
            width = max(len(s) for s in syms)
            for f in p.factors:
                lines.append(f"    {f.symbol:<{width}} = {fmt.num(f.value):>10}   {f.formula}")
            sp = p.spread
            if sp is not None:
                lines.append(f"    {sp.symbol:<{width}} = {fmt.num(sp.value):>10}   {sp.formula}")
                many = len(sp.terms) > 4
                lines.append(f"      {sp.src} changes {len(sp.terms)} elements of {sp.out}; "
                             f"each adds ∂{self.root}/∂{sp.out}ᵢ · ∂{sp.out}ᵢ/∂{sp.src}"
                             + (" (the 4 largest terms):" if many else ":"))
                # with many terms, the largest ones: they are what the sum is made of
                terms = sorted(sp.terms, key=lambda t: -abs(t[1] * t[2]))[:4] if many \
                    else sp.terms
                for idx, local, up in terms:
                    lines.append(f"        i = {idx}: ({fmt.num(up)}) · ({fmt.num(local)}) = "
                                 f"{fmt.num(up * local)}")
                if many:
                    rest = sp.value - sum(local * up for _, local, up in terms)
                    n = len(sp.terms) - 4
                    lines.append(f"        … and {n} smaller term{'s' if n > 1 else ''}, "
                                 f"together {fmt.num(rest)}")
            nums = [f"({fmt.num(f.value)})" for f in p.factors]
            if sp is not None:
                nums.append(f"({fmt.num(sp.value)})")
            lines.append(f"  product: {' · '.join(nums)} = {fmt.num(p.contribution)}")
            if p.grouped:
                lines.append(f"  grouped by the tensors you named: "
                             + " · ".join(f.symbol for f in p.grouped) + " = "
                             + " · ".join(f"({fmt.num(f.value)})" for f in p.grouped))
        lines.append("")
        terms = " + ".join(f"({fmt.num(p.contribution)})" for p in self.paths)
        shown = "" if len(self.paths) == self.n_paths else " (written-out paths only)"
        if len(self.paths) > 1:
            lines.append(f"sum over paths{shown}: {terms} = "
                         f"{fmt.num(sum(p.contribution for p in self.paths))}")
        if len(self.paths) < self.n_paths:
            lines.append(f"all {self.n_paths} paths together: ∂{self.root}/∂{self.wrt} = "
                         f"{fmt.num(self.total)}")
        else:
            lines.append(f"∂{self.root}/∂{self.wrt} = {fmt.num(self.total)}")
        mark = "✓ they agree" if self.agrees else (
            "✗ they differ (is .grad accumulated over several backward() calls, or "
            "from another root? call zero_grad() first)")
        lines.append(f"autograd: {self.autograd_source} = {fmt.num(self.autograd)}   {mark}")
        return "\n".join(lines)


def explain(root: Tensor, wrt: Tensor, index: tuple | int | None = None,
            max_paths: int = 20) -> str:
    """The chain rule for ``∂root/∂wrt`` (or ``∂root/∂wrt[index]``) written out:
    every path, each local derivative symbolically and numerically, the product
    per path, the sum over paths, and the check against autograd."""
    return str(chain_rule(root, wrt, index, max_paths))


def _idx(t: Tensor, j: tuple) -> str:
    return fmt.index(j) if t.ndim else ""


def _formula(node, out: Tensor, pos: int, names: dict[int, str]) -> str:
    """The op's local derivative for the input at position ``pos``, with the
    formula's letters bound to the tensors (z = output, a, b, ... = inputs)."""
    parts = [p.strip() for p in node.formula.split(",  ")]
    text = parts[pos] if len(parts) == len(node.inputs) and len(parts) > 1 else node.formula
    ins = [names[id(t)] if isinstance(t, Tensor) else fmt.array(t) for t in node.inputs
           if isinstance(t, (Tensor, np.ndarray))]
    out = names[id(out)]
    if "∂z/∂" in text:            # the built-in ops' convention: z = op(a, b, ...)
        binds = [f"z = {out}"] + [f"{'abcdefgh'[k]} = {n}" for k, n in enumerate(ins[:8])]
        where = "with " + ", ".join(binds)
    else:
        where = f"inputs {', '.join(ins)} → output {out}"
    return f"[{node.name()}: {text}  {where}]" if text else f"[{node.name()}: {where}]"


def chain_rule(root: Tensor, wrt: Tensor, index: tuple | int | None = None,
               max_paths: int = 20) -> ChainRule:
    """Everything ``explain`` prints, as data (see ``ChainRule``)."""
    if root._data.size != 1:
        raise ValueError(f"explain: the root must be a scalar (a loss), but it has shape "
                         f"{tuple(root.shape)}; explain e.g. root.sum() or one element of it")
    graph = collect(root)
    if id(wrt) not in graph.tensors:
        raise ValueError(f"explain: wrt (shape {tuple(wrt.shape)}) does not appear in the graph "
                         f"of the root")
    if not wrt.requires_grad:
        raise ValueError("explain: wrt does not require grad, so no gradient flows to it")
    if index is None:
        if wrt._data.size != 1:
            raise ValueError(f"explain: wrt has shape {tuple(wrt.shape)}; pass index=(i, j, ...) "
                             f"to pick the element whose chain rule to write out")
        index = (0,) * wrt.ndim
    index = (index,) if isinstance(index, (int, np.integer)) else tuple(index)
    if len(index) != wrt.ndim or not all(-n <= i < n for i, n in zip(index, wrt.shape)):
        raise IndexError(f"explain: index {index} does not pick one element of a tensor of "
                         f"shape {tuple(wrt.shape)}")
    names = graph.names
    root_name = names[id(root)]
    wrt_name = names[id(wrt)] + _idx(wrt, index)
    counts, nexts = _path_counts(graph)
    paths = [_path_term(graph, p, index) for p in _paths(wrt, nexts, counts, max_paths)]
    if wrt.grad is not None:
        autograd = float(wrt.grad._data[index])
        source = f"{names[id(wrt)]}.grad{_idx(wrt, index)}"
    else:
        g = trace_backward(graph).grads.get(id(wrt))
        autograd = 0.0 if g is None else float(g._data[index])
        source = f"backward pass (∂{root_name}/∂{wrt_name}; .grad is empty)"
    n_paths = counts.get(id(wrt), 0)
    total = sum(p.contribution for p in paths)
    if len(paths) < n_paths:        # not all written out: the rest via one backward pass
        g = trace_backward(graph).grads[id(wrt)]
        total = float(g._data[index])
    return ChainRule(root_name, wrt_name, paths, n_paths, total, autograd, source)


def _path_counts(graph: Graph) -> tuple[dict[int, int], dict[int, list]]:
    """How many edge paths lead from each tensor to the root, and each tensor's
    out-edges on those paths as (next tensor, input position) pairs. Parallel edges
    count separately: x in x·x has two edges into the product, so
    paths(x) = Σ over x's out-edges (t, pos) of paths(t)."""
    counts: dict[int, int] = {id(graph.root): 1}
    nexts: dict[int, list] = {}
    step = {id(n): k for k, n in enumerate(graph.order)}
    tensors = [graph.output(n) for n in graph.order]
    tensors += [t for t in graph.tensors.values() if t.grad_fn is None]
    for t in tensors:            # consumers before producers
        uses = sorted(graph.consumers.get(id(t), ()), key=lambda u: (-step[id(u[0])], u[1]))
        edges = [(graph.output(node), pos) for node, pos in uses    # forward order, a before b
                 if counts.get(id(graph.output(node)), 0)]
        nexts[id(t)] = edges
        if t is not graph.root:
            counts[id(t)] = sum(counts[id(o)] for o, _ in edges)
    return counts, nexts


def _paths(wrt: Tensor, nexts: dict, counts: dict,
           limit: int) -> list[list[tuple[Tensor, int | None]]]:
    """Up to ``limit`` edge paths from ``wrt`` to the root (depth first, iterative),
    each a list of (tensor, position of the previous tensor among its op's inputs)."""
    found: list[list[tuple[Tensor, int | None]]] = []
    stack: list[list[tuple[Tensor, int | None]]] = [[(wrt, None)]]
    while stack and len(found) < limit:
        path = stack.pop()
        t = path[-1][0]
        edges = nexts.get(id(t), [])
        if counts.get(id(t), 0) and not edges:
            found.append(path)
            continue
        for edge in reversed(edges):
            stack.append(path + [edge])
    return found


def _slot(node, pos: int) -> str:
    """The letter (a, b, …) of input ``pos`` when its tensor enters ``node`` more
    than once (as in x·x), else ""."""
    t = node.inputs[pos]
    return "abcdefgh"[pos] if pos < 8 and sum(x is t for x in node.inputs) > 1 else ""


def _path_term(graph: Graph, edge_path: list[tuple[Tensor, int | None]],
               index: tuple) -> PathTerm:
    names = graph.names
    path = [t for t, _ in edge_path]
    steps = [(t, o, o.grad_fn, pos) for (t, _), (o, pos) in zip(edge_path, edge_path[1:])]
    slots = [_slot(node, pos) for _, _, node, pos in steps]
    # backward along this path only: adjoints[k] = ∂root/∂path[k] through this path
    adjoints: list[Tensor] = [None] * len(path)
    adjoints[-1] = Tensor._make(np.ones_like(path[-1]._data), False, None)
    with no_grad():
        for k in range(len(steps) - 1, -1, -1):
            t, _, node, pos = steps[k]
            msg = node_vjp(node, adjoints[k + 1])[pos]
            adjoints[k] = to_shape(msg, t) if msg is not None else \
                Tensor._make(np.zeros_like(t._data), False, None)
    contribution = float(adjoints[0]._data[index])
    # forward along the element chain: which element each step changes, and by how much
    factors: list[Factor] = []
    spread = None
    j = index
    elems = [_idx(path[0], j)]         # the element of each tensor on the path, as text
    for k, (t, o, node, pos) in enumerate(steps):
        col = _column(node, pos, t, j)
        nz = np.flatnonzero(col)
        src = f"{names[id(t)]}{_idx(t, j)}" + (f" (as {slots[k]})" if slots[k] else "")
        formula = _formula(node, o, pos, names)
        if len(nz) == 1:
            j2 = tuple(int(i) for i in np.unravel_index(nz[0], o.shape))
            factors.append(Factor(f"∂{names[id(o)]}{_idx(o, j2)}/∂{src}",
                                  float(col[j2]), formula))
            j = j2
            elems.append(_idx(o, j))
            continue
        if len(nz) == 0:
            factors.append(Factor(f"∂{names[id(o)]}/∂{src}", 0.0, formula + " — zero here: "
                                  "this path contributes nothing"))
            break
        up = adjoints[k + 1]._data.astype(np.float64)
        out, root = names[id(o)], names[id(path[-1])]
        terms = [(fmt.index(np.unravel_index(i, o.shape)), float(col.flat[i]), float(up.flat[i]))
                 for i in nz]
        spread = Spread(f"Σᵢ ∂{root}/∂{out}ᵢ · ∂{out}ᵢ/∂{src}", float(np.sum(up * col)),
                        formula, out, src, terms)
        break
    grouped = _grouped(path, names, elems, factors) if len(elems) == len(path) else None
    return PathTerm([names[id(t)] for t in path], slots, factors, spread, contribution,
                    grouped)


def _grouped(path: list[Tensor], names: dict[int, str], elems: list[str],
             factors: list[Factor]) -> list[Factor] | None:
    """The path's factors multiplied together between the tensors the user named
    (``.name``), e.g. ∂h1/∂w1 · ∂ŷ/∂h1 · ∂L/∂ŷ, the way a textbook groups the chain;
    None unless the user named some but not all of the intermediate tensors."""
    keep = [0] + [k for k in range(1, len(path) - 1) if path[k].name] + [len(path) - 1]
    if len(keep) == 2 or len(keep) == len(path):
        return None
    grouped = []
    for a, b in zip(keep, keep[1:]):
        value = float(np.prod([f.value for f in factors[a:b]]))
        grouped.append(Factor(f"∂{names[id(path[b])]}{elems[b]}/∂{names[id(path[a])]}{elems[a]}",
                              value, ""))
    return grouped


def _column(node, pos: int, t: Tensor, j: tuple) -> np.ndarray:
    """∂out/∂t[j] for every element of the node's output, through the node's input
    at position ``pos`` only (t's other edges into the node are other paths).

    Exact: the backward is linear in its upstream gradient g, so the derivative of
    backward(g)[j] with respect to g is this column (a Jacobian-vector product).
    If a custom backward is not differentiable, central differences are used."""
    with enable_grad():
        out = replay(node)
        fn = out.grad_fn
        g = Tensor._make(np.zeros_like(out._data), True, None)
        vs = fn.backward(fn, g)
        vs = vs if isinstance(vs, tuple) else (vs,)
        v = to_shape(vs[pos], t) if pos < len(vs) and isinstance(vs[pos], Tensor) else None
        if v is not None and v.requires_grad:
            s = v[j] if t.ndim else v
            col, = autograd_grad(s, g, allow_unused=True)
            if col is not None:
                return col._data.astype(np.float64)
            return np.zeros(out.shape)
    h = 1e-6
    delta = np.zeros(t.shape)
    delta[j] = h
    plus = forward64(node, {pos: delta})
    minus = forward64(node, {pos: -delta})
    col = (plus - minus) / (2 * h)
    col[np.abs(col) < 1e-9 * max(1.0, np.abs(col).max())] = 0
    return col
