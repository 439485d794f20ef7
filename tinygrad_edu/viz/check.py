"""Check every op's backward in place, numerically.

For each op node and each input that needs a gradient, pick a random upstream
gradient g and a random direction u (both float64) and compare

    analytic:  ⟨backward(g), u⟩                                  (what backward says)
    numeric:   ⟨g, (f(x + εu) − f(x − εu)) / 2ε⟩                  (central difference)

which agree for every g and u exactly when backward is the true vector-Jacobian
product. One direction per input costs two extra forwards, so even big ops are
checked quickly. Results near a kink (relu at 0, ties in max) can be false alarms.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import random as _random
from ..autograd.function import Function
from ..tensor import Tensor
from . import format as fmt
from .graph import GraphView, Options, build
from .trace import Graph, collect, forward64, inputs64, kwargs64, replay, to_shape, trace_backward

__all__ = ["check_graph", "GraphCheck", "NodeCheck"]


@dataclass
class NodeCheck:
    """The check of one op's backward for one of its inputs."""
    op: str
    input: str
    position: int
    analytic: float | None
    numeric: float | None
    ok: bool
    error: str | None = None

    def __str__(self) -> str:
        mark = "ok " if self.ok else "BAD"
        if self.error:
            return f"{mark} {self.op} → input {self.position} ({self.input}): {self.error}"
        return (f"{mark} {self.op} → input {self.position} ({self.input}): analytic "
                f"{fmt.num(self.analytic)} vs numeric {fmt.num(self.numeric)}")


@dataclass
class GraphCheck:
    """What ``check_graph`` found: one ``NodeCheck`` per (op, input); ``graph`` is
    the drawing with every faulty op in red."""
    results: list[NodeCheck]
    graph: GraphView
    faulty_nodes: list[Function] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def faulty(self) -> list[NodeCheck]:
        return [r for r in self.results if not r.ok]

    def __str__(self) -> str:
        head = (f"check_graph: {len(self.results)} backward(s) checked, "
                f"{len(self.faulty)} wrong")
        return "\n".join([head] + [str(r) for r in self.results])

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict:
        bundle = self.graph._repr_mimebundle_(include, exclude)
        bundle["text/plain"] = str(self)
        return bundle


def check_graph(root: Tensor, eps: float = 1e-6, atol: float = 1e-5,
                rtol: float = 1e-3) -> GraphCheck:
    """Numerically check the backward of every op node behind ``root`` (on float64
    copies of its inputs) and return the report with a drawing of the graph in
    which faulty ops are red."""
    graph = collect(root)
    results: list[NodeCheck] = []
    faulty: dict[int, str] = {}
    bad_nodes = []
    for node in graph.order:
        for r in _check_node(graph, node, eps, atol, rtol):
            results.append(r)
            if not r.ok:
                faulty[id(node)] = faulty.get(id(node), "✗ backward wrong") + \
                    f"\ninput {r.position} ({r.input}): " + (r.error or
                    f"analytic {fmt.num(r.analytic)} vs numeric {fmt.num(r.numeric)}")
                if node not in bad_nodes:
                    bad_nodes.append(node)
    trace = None
    if root.requires_grad:
        try:
            trace = trace_backward(graph)
        except Exception:         # a broken backward may not even run: draw without grads
            trace = None
    view = build(graph, trace, Options(faulty=faulty, title=(
        "check_graph: all backward functions agree with central differences" if not faulty
        else f"check_graph: {len(bad_nodes)} op(s) with a wrong backward (red)")))
    return GraphCheck(results, view, bad_nodes)


def _check_node(graph: Graph, node: Function, eps: float, atol: float,
                rtol: float) -> list[NodeCheck]:
    label = graph.op_labels[id(node)]
    rng = _random.rng()
    positions = [p for p, t in enumerate(node.inputs) if isinstance(t, Tensor)
                 and node.needs_input_grad[p] and t._data.dtype.kind == "f"]
    names = {p: graph.names[id(node.inputs[p])] for p in positions}
    try:
        ins = inputs64(node)
        out = replay(node, ins, kwargs64(node))
        g = Tensor._make(rng.standard_normal(out.shape), False, None)
        fn = out.grad_fn
        raw = fn.backward(fn, g)
        raw = raw if isinstance(raw, tuple) else (raw,)
    except Exception as exc:        # noqa: BLE001  (report any failure of the user's code)
        return [NodeCheck(label, names[p], p, None, None, False,
                          f"backward raised {type(exc).__name__}: {exc}") for p in positions]
    results = []
    for p in positions:
        t = ins[p]
        gi = raw[p] if p < len(raw) else None
        if gi is None:
            results.append(NodeCheck(label, names[p], p, None, None, False,
                                     "backward returned None for an input that needs a "
                                     "gradient"))
            continue
        gi = gi if isinstance(gi, Tensor) else Tensor._make(np.asarray(gi), False, None)
        try:
            gi = to_shape(gi, t)
        except ValueError:
            results.append(NodeCheck(label, names[p], p, None, None, False,
                                     f"backward returned shape {tuple(gi.shape)} for an input of "
                                     f"shape {tuple(t.shape)}"))
            continue
        u = rng.standard_normal(t.shape)
        analytic = float(np.sum(gi._data * u))
        plus = forward64(node, {p: eps * u})
        minus = forward64(node, {p: -eps * u})
        numeric = float(np.sum(g._data * (plus - minus)) / (2 * eps))
        ok = abs(analytic - numeric) <= atol + rtol * abs(numeric)
        results.append(NodeCheck(label, names[p], p, analytic, numeric, ok))
    return results
