"""An interactive graph explorer: one self-contained HTML page per graph.

The page shows the graph (laid out by Graphviz) and, in a side panel, whatever the
learner clicks: a tensor's value and gradient ∂root/∂t (small tensors in full, big
ones as a summary and a heatmap) with the messages it received, or an op's formula,
its local Jacobian and the vector-Jacobian product it computes on the incoming
gradient. A stepper replays the backward pass op by op (buttons or ← →); module
boxes collapse and expand; a search box finds nodes by name. Everything (SVG, data,
script, style) is inlined: the page works offline and from ``file://``.
"""
from __future__ import annotations

import html
import json
import os
import re
import webbrowser
from dataclasses import dataclass
from importlib import resources
from typing import Any

import graphviz
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from . import format as fmt
from .check import GraphCheck, check_graph
from .explain import explain
from .graph import BACK_ARROW, KIND_TEXT, STYLE, run_graphviz
from .trace import Graph, ModuleCall, Trace, collect, node_vjp, to_shape, trace_backward

__all__ = ["explore", "ExplorerPage"]

COLLAPSE_OVER = 60      # with more nodes than this the page opens with module boxes collapsed
FULL_UP_TO = 64         # tensors with at most this many elements are shown in full
HEATMAP_SIDE = 24       # bigger ones as a heatmap of at most this many cells per side
JACOBIAN_UP_TO = 8      # local Jacobians are shown when input and output are this small
EXPLAIN_UP_TO = 30      # the chain rule is written out for at most this many leaves


@dataclass
class ExplorerPage:
    """The explorer page: ``html`` (the whole file), ``path`` where it was written
    (or None). Shown inline in Jupyter (as an iframe)."""
    html: str
    path: str | None

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
                'style="width:100%;height:640px;border:1px solid #ccc"></iframe>')

    def __fspath__(self) -> str:
        if self.path is None:
            raise TypeError("explore: this page was not written to a file (path=None)")
        return self.path

    def __repr__(self) -> str:
        return f"ExplorerPage(path={self.path!r}, {len(self.html)} characters)"


def explore(root: Tensor, path: str | os.PathLike | None = "graph.html",
            open_browser: bool = False, check: bool | GraphCheck = False,
            rankdir: str = "LR", collapse_modules: bool | None = None,
            title: str | None = None) -> ExplorerPage:
    """Write the interactive explorer of ``root``'s graph into ``path`` (one HTML
    file; ``path=None`` writes nothing, e.g. to show it in Jupyter) and return it.

    Gradients are those of one backward pass from ``root`` seeded with ones (as
    ``draw_graph`` computes them), so neither ``backward()`` nor ``retain_grad``
    is needed. ``check=True`` runs ``check_graph`` (or pass its result) and marks
    ops with a wrong backward red. Module boxes start collapsed when
    ``collapse_modules`` is True, or when None and the graph is big.
    ``open_browser=True`` opens the written file in the default browser.
    """
    if rankdir not in BACK_ARROW:
        raise ValueError(f"explore: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    if open_browser and path is None:
        raise ValueError("explore: open_browser=True needs a path to write the page to")
    if check is True:
        check = check_graph(root)
    graph = collect(root)
    trace = trace_backward(graph) if root.requires_grad else None
    page = _Page(graph, trace, check or None, rankdir)
    data = page.data(title, collapse_modules)
    text = _html(page.svg(), data)
    written = None
    if path is not None:
        written = os.fspath(path)
        if not written.lower().endswith((".html", ".htm")):
            written += ".html"
        with open(written, "w", encoding="utf-8") as f:
            f.write(text)
        if open_browser:
            webbrowser.open(f"file://{os.path.abspath(written)}")
    return ExplorerPage(text, written)


# ---------------------------------------------------------------------------- data
def _short(a: np.ndarray) -> str:
    """A message on an edge: the number, or for a bigger array its mean |g|."""
    return fmt.num(a.reshape(()).item()) if a.size == 1 else f"mean |g| {fmt.num(np.abs(a).mean())}"


def _heatmap(a: np.ndarray) -> dict | None:
    """``a`` as a 2-D grid (last axis across, the others stacked) of at most
    HEATMAP_SIDE² block means, and how many elements each cell averages."""
    if a.size <= FULL_UP_TO or a.dtype.kind not in "fiub":
        return None
    stacked = a.ndim > 2
    a = a.astype(np.float64).reshape(-1, a.shape[-1]) if a.ndim > 1 else \
        a.astype(np.float64).reshape(1, -1)
    rows = np.array_split(np.arange(a.shape[0]), min(a.shape[0], HEATMAP_SIDE))
    cols = np.array_split(np.arange(a.shape[1]), min(a.shape[1], HEATMAP_SIDE))
    grid = [[float(f"{a[np.ix_(r, c)].mean():.4g}") for c in cols] for r in rows]
    cell = f"{len(rows[0])}×{len(cols[0])}"
    note = ("one cell per element" if cell == "1×1"
            else f"each cell: the mean of up to {cell} elements")
    if stacked:
        note += "; rows: all leading axes stacked, columns: the last axis"
    return {"grid": grid, "note": note}


def _array(a: np.ndarray) -> dict:
    """What the panel shows of an array: text (in full when small) and a heatmap."""
    return {"text": fmt.array(a, full_up_to=FULL_UP_TO), "heat": _heatmap(a)}


def _jacobian(node: Function, pos: int, out: Tensor) -> list[list[str]] | None:
    """∂out/∂input[pos] as a (output size × input size) table: row i is the VJP of the
    i-th one-hot upstream gradient, so it is exactly what backward computes."""
    t = node.inputs[pos]
    if out._data.size > JACOBIAN_UP_TO or t._data.size > JACOBIAN_UP_TO or not node.needs_input_grad[pos]:
        return None
    rows = []
    for i in range(out._data.size):
        onehot = np.zeros(out._data.size, dtype=out._data.dtype)
        onehot[i] = 1
        g = node_vjp(node, Tensor._make(onehot.reshape(out.shape), False, None))[pos]
        rows.append([fmt.num(v) for v in (np.zeros(t._data.size) if g is None
                                          else to_shape(g, t)._data.reshape(-1))])
    return rows


class _Page:
    """The units of the picture (tensors, ops, constants), their edges and modules,
    and everything the panel and the stepper show about them."""

    def __init__(self, graph: Graph, trace: Trace | None, check: GraphCheck | None,
                 rankdir: str) -> None:
        self.g, self.tr, self.check, self.rankdir = graph, trace, check, rankdir
        self.tid = {i: f"t{k}" for k, i in enumerate(graph.tensors)}
        self.fid = {id(n): f"f{k}" for k, n in enumerate(graph.order)}
        self.modules, self.home = self._modules()
        self.edges = self._edges()

    def _edges(self) -> list[dict]:
        """Tensor → op (input ``pos``, with the frame its message is sent in) and
        op → output tensor."""
        edges = []
        for node in self.g.order:
            f = self.fid[id(node)]
            for pos, t in enumerate(node.inputs):
                if isinstance(t, Tensor):
                    sent = self.tr is not None and (id(node), pos) in self.tr.messages
                    edges.append({"id": f"e{len(edges)}", "src": self.tid[id(t)], "dst": f,
                                  "pos": pos, "frame": self.frame_of(node) if sent else None})
            edges.append({"id": f"e{len(edges)}", "src": f,
                          "dst": self.tid[id(self.g.output(node))], "pos": None, "frame": None})
        return edges

    # -- modules -----------------------------------------------------------------
    def _modules(self) -> tuple[dict[str, dict], dict[int, str]]:
        """One entry per module call (title, parent, parameters) and the innermost
        call holding each op node and each leaf used only inside a module."""
        # innermost first; a call's parent is the next bigger call around its output
        calls = sorted(self.g.calls, key=lambda c: len(c.nodes))
        mid = {id(c): f"m{k}" for k, c in enumerate(calls)}
        home: dict[int, str] = {}
        for c in calls:
            for n in c.nodes:
                home.setdefault(n, mid[id(c)])
            for leaf in c.leaves:
                home.setdefault(leaf, mid[id(c)])
        modules = {}
        for k, c in enumerate(calls):
            outer = [d for d in calls[k + 1:] if id(c.output) in d.nodes]
            modules[mid[id(c)]] = {
                "title": _call_title(c), "parent": mid[id(outer[0])] if outer else None,
                "params": ", ".join(f"{n} {fmt.shape(p.shape)}"
                                    for n, p in c.module.named_parameters()),
                "out": fmt.shape(self.g.output(c.output).shape)}
        return modules, home

    def module_of(self, t: Tensor) -> str | None:
        return self.home.get(id(t.grad_fn) if t.grad_fn is not None else id(t))

    # -- the backward pass, frame by frame ---------------------------------------
    def frame_of(self, node: Function) -> int:
        """The frame (1-based backward step) in which ``node`` sends its messages."""
        return self.tr.step_of[id(node)] + 1

    def messages_to(self, t: Tensor) -> list[dict]:
        msgs = []
        for node, pos in self.g.consumers.get(id(t), ()):
            m = self.tr.messages.get((id(node), pos)) if self.tr is not None else None
            if m is not None:
                msgs.append({"from": self.fid[id(node)], "op": self.g.op_labels[id(node)],
                             "frame": self.frame_of(node), "value": fmt.array(m._data),
                             "short": _short(m._data)})
        return msgs

    def tensor(self, t: Tensor) -> dict:
        g, tr = self.g, self.tr
        kind = g.kinds[id(t)]
        grad = tr.grads.get(id(t)) if tr is not None else None
        msgs = self.messages_to(t)
        known = 1 if t is g.root else max((m["frame"] for m in msgs), default=None)
        data_lines = len(fmt.array(t._data).split("\n"))
        return {"type": "tensor", "name": g.names[id(t)], "kind": kind,
                "kindText": KIND_TEXT[kind], "shape": fmt.shape(t.shape),
                "dtype": str(t.dtype), "size": int(t._data.size), "value": _array(t._data),
                "grad": None if grad is None else _array(grad._data),
                "gradShort": None if grad is None else fmt.array(grad._data),
                "gradFrom": known if grad is not None else None,
                # where the grad lines sit in the node's label (the stepper rewrites them)
                "gradLine": 2 + data_lines,
                "gradLines": None if grad is None else _prefixed("grad ", grad._data),
                "messages": msgs, "module": self.module_of(t)}

    def op(self, node: Function) -> dict:
        g, tr = self.g, self.tr
        out = g.output(node)
        incoming = tr.grads.get(id(out)) if tr is not None else None
        inputs = []
        for pos, t in enumerate(node.inputs):
            if isinstance(t, Tensor):
                m = tr.messages.get((id(node), pos)) if tr is not None else None
                b = tr.broadcast.get((id(node), pos)) if tr is not None else None
                jac = _jacobian(node, pos, out) if incoming is not None else None
                inputs.append({"id": self.tid[id(t)], "name": g.names[id(t)],
                               "shape": fmt.shape(t.shape),
                               "needsGrad": bool(node.needs_input_grad[pos]),
                               "message": None if m is None else fmt.array(m._data),
                               "broadcast": None if b is None else fmt.shape(b),
                               "jacobian": jac})
            elif isinstance(t, np.ndarray):
                inputs.append({"id": None, "name": "constant " + fmt.array(t),
                               "shape": fmt.shape(t.shape), "needsGrad": False,
                               "message": None, "broadcast": None, "jacobian": None})
        checks = []
        if self.check is not None:
            checks = [str(r) for r in self.check.results if r.op == g.op_labels[id(node)]]
        return {"type": "op", "name": g.op_labels[id(node)], "op": node.name(),
                "formula": node.formula or "", "doc": (type(node).__doc__ or "").strip(),
                "output": self.tid[id(out)], "outputName": g.names[id(out)],
                "outShape": fmt.shape(out.shape), "inputs": inputs,
                "incoming": None if incoming is None else fmt.array(incoming._data),
                "frame": self.frame_of(node) if tr is not None else None,
                "faulty": self.check is not None and any(n is node for n in
                                                         self.check.faulty_nodes),
                "checks": checks, "module": self.home.get(id(node))}

    def caption(self, k: int) -> str:
        g, tr = self.g, self.tr
        root = g.names[id(g.root)]
        if k == 0:
            return (f"Forward pass done: every value is known. The backward pass starts at "
                    f"{root} with ∂{root}/∂{root} = 1.")
        node = g.order[k - 1]
        out = g.output(node)
        grad = tr.grads.get(id(out))
        if grad is None:
            return f"{g.op_labels[id(node)]}: no gradient reaches it."
        sent = [f"{g.names[id(t)]} ← {_short(tr.messages[(id(node), p)]._data)}"
                for p, t in enumerate(node.inputs) if (id(node), p) in tr.messages]
        return (f"{g.op_labels[id(node)]} received ∂{root}/∂{g.names[id(out)]} = "
                f"{_short(grad._data)}, multiplied it by its local derivative and sent "
                + (", ".join(sent) if sent else "nothing (no input needs a gradient)") + ".")

    def data(self, title: str | None, collapse: bool | None) -> dict:
        g = self.g
        units: dict[str, dict] = {}
        for i, t in g.tensors.items():
            units[self.tid[i]] = self.tensor(t)
        for node in g.order:
            units[self.fid[id(node)]] = self.op(node)
        frames = [{"op": None, "caption": self.caption(0)}]
        if self.tr is not None:
            frames += [{"op": self.fid[id(n)], "caption": self.caption(k)}
                       for k, n in enumerate(g.order, 1)]
        if collapse is None:
            collapse = len(units) > COLLAPSE_OVER
        verdict = None
        if self.check is not None:
            verdict = (f"check_graph: {len(self.check.results)} backward(s) checked, "
                       f"{len(self.check.faulty)} wrong" + ("" if self.check.ok else
                                                            " (red ops)"))
        return {"title": title or f"The graph of {g.names[id(g.root)]}",
                "root": self.tid[id(g.root)], "units": units, "edges": self.edges,
                "modules": self.modules, "frames": frames, "collapsed": bool(collapse),
                "explain": self.explanations(), "verdict": verdict,
                "checkOk": None if self.check is None else self.check.ok,
                "back": BACK_ARROW[self.rankdir],
                "seededWithOnes": self.tr is not None and self.tr.seeded_with_ones}

    def explanations(self) -> dict[str, str]:
        """The chain rule for the first leaves that need a gradient (element 0 of a
        tensor), as ``explain`` writes it; a note instead where it cannot apply."""
        g = self.g
        leaves = [t for t in g.tensors.values() if t.grad_fn is None and t.requires_grad]
        if self.tr is None or not leaves:
            return {}
        if g.root._data.size != 1:
            note = (f"explain needs a scalar root (a loss); this root has shape "
                    f"{fmt.shape(g.root.shape)}: explain e.g. root.sum()")
            return {self.tid[id(t)]: note for t in leaves}
        out = {}
        for t in leaves[:EXPLAIN_UP_TO]:
            index = None if t._data.size == 1 else (0,) * t.ndim
            head = "" if index is None else (
                f"(for the element {fmt.index(index)}; te.viz.explain(root, wrt, index=...) "
                f"writes out any other)\n\n")
            out[self.tid[id(t)]] = head + explain(g.root, t, index=index)
        for t in leaves[EXPLAIN_UP_TO:]:
            out[self.tid[id(t)]] = (f"not written out here (the page does it for the first "
                                    f"{EXPLAIN_UP_TO} leaves): call te.viz.explain(root, wrt)")
        return out

    # -- the picture ----------------------------------------------------------------
    def svg(self) -> str:
        """The graph laid out by Graphviz; every node, edge and module cluster has
        the id the page's data uses."""
        g = self.g
        dot = graphviz.Digraph("explore", graph_attr={
            "rankdir": self.rankdir, "fontname": "DejaVu Sans", "nodesep": "0.25",
            "ranksep": "0.35", "bgcolor": "transparent"},
            node_attr={"fontname": "DejaVu Sans", "fontsize": "11", "margin": "0.1,0.05"},
            edge_attr={"fontname": "DejaVu Sans", "fontsize": "9", "color": "#616161",
                       "arrowsize": "0.7"})
        clusters = {m: graphviz.Digraph(name=f"cluster_{m}", graph_attr={
            "id": m, "label": info["title"], "style": "rounded,dashed", "color": "#ffb300",
            "fontcolor": "#e65100", "fontsize": "11", "labeljust": "l"})
            for m, info in self.modules.items()}

        def holder(m: str | None) -> graphviz.Digraph:
            return clusters[m] if m is not None else dot

        for i, t in g.tensors.items():
            u = self.tid[i]
            lines = [g.names[i], KIND_TEXT[g.kinds[i]] + ("" if t.ndim == 0 else
                                                          "  " + fmt.shape(t.shape))]
            lines += _prefixed("data ", t._data)
            grad = self.tr.grads.get(i) if self.tr is not None else None
            if grad is not None:    # replaced by the stepper with what is known so far
                lines += _prefixed("grad ", grad._data)
            style = "filled,rounded" if g.kinds[i] == "intermediate" else "filled"
            holder(self.module_of(t)).node(u, label="".join(_dot_line(s) for s in lines),
                                           id=u, shape="box", style=style,
                                           **STYLE[g.kinds[i]])
        for node in g.order:
            u = self.fid[id(node)]
            # one line per input's derivative keeps the ovals narrow
            lines = [g.op_labels[id(node)]] + [p.strip() for p in node.formula.split(",  ") if p]
            holder(self.home.get(id(node))).node(
                u, label="\\n".join(_dot_text(s) for s in lines), id=u, shape="oval",
                style="filled", **STYLE["op"])
        for e in self.edges:
            label = {}
            if e["frame"] is not None:
                node = g.order[int(e["dst"][1:])]
                msg = self.tr.messages[(id(node), e["pos"])]._data
                label = {"label": _dot_text(f"{BACK_ARROW[self.rankdir]} {_short(msg)}"),
                         "fontcolor": "#c62828"}
            dot.edge(e["src"], e["dst"], id=e["id"], **label)
        for node in g.order:           # constants feed ops without being tensors
            for pos, t in enumerate(node.inputs):
                if isinstance(t, np.ndarray):
                    u = f"{self.fid[id(node)]}c{pos}"
                    holder(self.home.get(id(node))).node(
                        u, label=_dot_text("const " + fmt.array(t)), id=u, shape="plaintext",
                        fontsize="9", fontcolor="#757575")
                    dot.edge(u, self.fid[id(node)], id=u + "e")
        depth = {m: self._depth(m) for m in clusters}
        for m in sorted(clusters, key=lambda m: -depth[m]):    # innermost first
            holder(self.modules[m]["parent"]).subgraph(clusters[m])
        svg = run_graphviz(dot.source, "svg").decode("utf-8")
        return svg[svg.index("<svg"):]

    def _depth(self, m: str) -> int:
        d, p = 0, self.modules[m]["parent"]
        while p is not None:
            d, p = d + 1, self.modules[p]["parent"]
        return d


def _call_title(c: ModuleCall) -> str:
    cls = type(c.module).__name__
    return cls if c.path == cls else f"{c.path}: {cls}"


def _prefixed(prefix: str, a: np.ndarray) -> list[str]:
    """An array's label lines, the prefix on the first and the rest indented (with
    no-break spaces, which SVG does not collapse)."""
    lines = fmt.array(a).split("\n")
    return [prefix + lines[0]] + ["\u00a0" * (len(prefix) + len(ln) - len(ln.lstrip()))
                                  + ln.lstrip() for ln in lines[1:]]


def _dot_text(s: str) -> str:
    """Text for a DOT label: backslashes doubled (DOT reads escapes in labels)."""
    return s.replace("\\", "\\\\")


def _dot_line(s: str) -> str:
    """One left-aligned line of a DOT label."""
    return _dot_text(s) + "\\l"


# ---------------------------------------------------------------------------- page
def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("explore_assets", name).read_text("utf-8")


def _html(svg: str, data: dict) -> str:
    """The whole page: style, SVG, data and script inlined (no network at view time)."""
    # a JavaScript literal (NaN and Infinity allowed); "</" escaped so no string ends the script
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    parts = {"title": html.escape(data["title"]), "style": _asset("explore.css"), "svg": svg,
             "data": payload, "script": _asset("explore.js")}
    # one pass, so text inside a part is never taken for a placeholder
    return re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m.group(1)], _asset("explore.html"))
