"""Drawing the computation graph with Graphviz.

Every tensor is a box (its name, shape, value and gradient), every op an oval (its
name and local derivative). Arrows point the way the forward pass runs; the red
numbers on them are the gradient messages flowing back (upstream gradient × local
derivative), so the chain rule can be read off the picture. With ``mode="forward"``,
drawn inside the ``dual_level`` of a forward-mode pass, the blue numbers are the
tangents flowing forward instead, and each op shows its jvp rule.
"""
from __future__ import annotations

import html
import os
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import graphviz
import numpy as np

from ..autograd.forward_ad import get_tangent
from ..autograd.function import Function
from ..tensor import Tensor
from . import format as fmt
from .trace import Graph, ModuleCall, Trace, collect, trace_backward

__all__ = ["draw_graph", "render", "GraphView", "GraphvizNotFound", "INSTALL_HINT",
           "tensor_mimebundle"]

INLINE_MAX_NODES = 150     # a tensor displayed in Jupyter draws at most this many nodes

INSTALL_HINT = ("Rendering needs the Graphviz 'dot' program on PATH. Install it with "
                "'sudo apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' "
                "(macOS), 'conda install -c conda-forge graphviz' or from "
                "https://graphviz.org/download/ — the DOT source (graph.source, or "
                "render(..., format='dot')) works without it.")


class GraphvizNotFound(RuntimeError):
    """Raised when a picture is asked for but Graphviz's ``dot`` is not installed."""


GRAD_COLOR = "#c62828"
TANGENT_COLOR = "#1565c0"
FADED = "#757575"
STYLE = {   # kind -> node attributes
    "parameter": {"fillcolor": "#c8e6c9", "color": "#2e7d32"},
    "leaf": {"fillcolor": "#b3e5fc", "color": "#0277bd"},
    "input": {"fillcolor": "#eceff1", "color": "#78909c"},
    "intermediate": {"fillcolor": "#ffffff", "color": "#9e9e9e"},
    "output": {"fillcolor": "#ffe0b2", "color": "#e65100", "penwidth": "2"},
    "op": {"fillcolor": "#ede7f6", "color": "#5e35b1"},
    "module": {"fillcolor": "#fff8e1", "color": "#ff8f00"},
}
KIND_TEXT = {"parameter": "parameter", "leaf": "leaf, requires grad",
             "input": "input, no grad", "intermediate": "intermediate",
             "output": "output (root)", "op": "op: local derivative",
             "module": "module (collapsed)"}
BROADCAST_COLOR = "#ef6c00"
BACK_ARROW = {"LR": "←", "RL": "→", "TB": "↑", "BT": "↓"}
FORWARD_ARROW = {"LR": "→", "RL": "←", "TB": "↓", "BT": "↑"}
HIGHLIGHT = {"fillcolor": "#fff176", "color": "#d50000", "penwidth": "3"}
FAULTY = {"fillcolor": "#ef9a9a", "color": "#b71c1c", "penwidth": "3"}


class GraphView(graphviz.Digraph):
    """A ``graphviz.Digraph`` that shows itself inline in Jupyter and falls back
    to its DOT source (with the install hint) when Graphviz is missing."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **kwargs: Any) -> dict:
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except graphviz.ExecutableNotFound:
            return {"text/plain": self.source + "\n// " + INSTALL_HINT}

    def _repr_svg_(self) -> str | None:
        try:
            return self.pipe(format="svg", encoding="utf-8")
        except graphviz.ExecutableNotFound:
            return None


# ---------------------------------------------------------------------------- options
@dataclass
class Options:
    show_values: bool = True
    show_grads: bool = True
    show_formulas: bool = True
    rankdir: str = "LR"
    collapse_modules: bool = False
    max_nodes: int | None = None
    upto: int | None = None              # backward frames: steps done (None = all)
    highlight: Function | None = None
    faulty: dict = field(default_factory=dict)   # id(node) -> message
    title: str | None = None
    tangents: dict | None = None          # mode="forward": id(tensor) -> its tangent


def draw_graph(root: Tensor, show_values: bool = True, show_grads: bool = True,
               show_formulas: bool = True, rankdir: str = "LR",
               collapse_modules: bool = False, max_nodes: int | None = None,
               mode: str = "reverse") -> GraphView:
    """The computation graph behind ``root`` as a ``graphviz.Digraph``.

    Data nodes show name, shape, value and ∂root/∂tensor; op nodes their local
    derivative; edges the forward shapes and the gradient message sent back along
    them (marked where it is summed back to a broadcast input's shape). A tensor
    used several times shows each incoming message and their sum.
    ``collapse_modules=True`` draws each module call as one box (each layer of a
    ``Sequential``; a block that computes with its own ops and sub-layers is one
    box) inside the clusters of the modules around it; ``max_nodes`` keeps the nodes nearest
    to the root and notes what was left out. Gradients are computed here (the
    root seeded with ones), so neither ``backward()`` nor ``retain_grad`` is needed.
    ``mode="forward"`` (inside the ``dual_level`` in which ``root`` was computed from a
    dual input) shows each tensor's tangent ż and the tangents on the edges, flowing
    forward, and each op's jvp rule, instead of the gradients.
    """
    if mode not in ("reverse", "forward"):
        raise ValueError(f"draw_graph: mode must be 'reverse' or 'forward', got {mode!r}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    if max_nodes is not None and max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be at least 1, got {max_nodes}")
    graph = collect(root)
    if mode == "forward":
        tangents = {i: t for i, t in ((i, get_tangent(x)) for i, x in graph.tensors.items())
                    if t is not None}
        if not tangents:
            raise ValueError("draw_graph(mode='forward'): no tensor of this graph is dual; "
                             "draw it inside the dual_level in which it was computed, from "
                             "an input made by make_dual (that requires grad, so the graph "
                             "is recorded)")
        return build(graph, None, Options(show_values, show_grads, show_formulas, rankdir,
                                          collapse_modules, max_nodes, tangents=tangents))
    trace = trace_backward(graph) if show_grads and root.requires_grad else None
    return build(graph, trace, Options(show_values, show_grads, show_formulas, rankdir,
                                       collapse_modules, max_nodes))


def render(root: Tensor, path: str | os.PathLike, format: str = "svg",
           **draw_kwargs: Any) -> str:
    """Draw ``root``'s graph (``draw_graph(root, **draw_kwargs)``) into ``path``
    as svg, png, pdf or the DOT source ("dot"). Returns the path written."""
    if format not in ("svg", "png", "pdf", "dot"):
        raise ValueError(f"render: format must be 'svg', 'png', 'pdf' or 'dot', got {format!r}")
    return save(draw_graph(root, **draw_kwargs), path, format)


def tensor_mimebundle(t: Tensor) -> dict:
    """What Jupyter shows for a Tensor: its repr, and the graph behind it (as SVG,
    at most ``INLINE_MAX_NODES`` nodes) when it has one and Graphviz is installed."""
    bundle = {"text/plain": repr(t)}
    if t.grad_fn is not None:
        try:
            bundle["image/svg+xml"] = draw_graph(t, max_nodes=INLINE_MAX_NODES).pipe(
                format="svg", encoding="utf-8")
        except graphviz.ExecutableNotFound:
            pass
    return bundle


def save(view: graphviz.Digraph, path: str | os.PathLike, format: str) -> str:
    """Write ``view`` to ``path`` (adding the extension if missing)."""
    path = os.fspath(path)
    if not path.lower().endswith("." + format):
        path += "." + format
    if format == "dot":
        data = view.source.encode("utf-8")
    else:
        try:
            data = view.pipe(format=format)
        except graphviz.ExecutableNotFound:
            raise GraphvizNotFound(INSTALL_HINT) from None
    with open(path, "wb") as f:
        f.write(data)
    return path


# ---------------------------------------------------------------------------- building
def _esc(s: Any) -> str:
    return html.escape(str(s), quote=True)


def _table(rows: list[str]) -> str:
    body = "".join(f"<TR><TD>{r}</TD></TR>" for r in rows)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{body}</TABLE>>'


def _small(text: str, color: str = FADED) -> str:
    return f'<FONT POINT-SIZE="9" COLOR="{color}">{_esc(text)}</FONT>'


def _lines(prefix: str, text: str) -> list[str]:
    """A multi-line (2-D) array as table rows, the prefix on the first."""
    lines = text.split("\n")
    return [_esc(prefix + lines[0])] + [_esc(" " * len(prefix) + ln) for ln in lines[1:]]


def _call_title(c: ModuleCall) -> str:
    cls = type(c.module).__name__
    return cls if c.path == cls else f"{c.path}: {cls}"


def _grad_text(a: np.ndarray, edge: bool = False) -> str:
    """A gradient in full, or on edges and module boxes (short labels) its mean
    absolute value: a plain mean is often ~0 (e.g. a softmax's gradients sum to 0)
    and would hide how large the gradient is."""
    if edge and a.size > 4:
        return f"mean |g| {fmt.num(np.abs(a).mean())}"
    return fmt.array(a)


class _Builder:
    """Turns a ``Graph`` (+ an optional ``Trace``) into DOT, one call per picture."""

    def __init__(self, graph: Graph, trace: Trace | None, opt: Options) -> None:
        self.g, self.tr, self.opt = graph, trace, opt
        self.units: dict[str, tuple] = {}           # unit id -> ("tensor"|"op"|"box", obj)
        self.edges: dict[tuple, dict] = {}          # (src, dst, key) -> attrs
        self.tensor_unit: dict[int, str | None] = {}
        self.node_unit: dict[int, str] = {}
        self.cluster_of: dict[str, ModuleCall | None] = {}
        self.parent: dict[int, ModuleCall | None] = {}
        self.back = BACK_ARROW[opt.rankdir]         # the way gradients flow in the picture
        self.broadcast_drawn = False                # an edge is marked "broadcast"

    # -- what is known at this frame ---------------------------------------------
    def _visible(self, node: Function) -> bool:
        if self.tr is None or id(node) not in self.tr.step_of:
            return False
        return self.opt.upto is None or self.tr.step_of[id(node)] < self.opt.upto

    def message(self, node: Function, pos: int) -> Tensor | None:
        if not self._visible(node):
            return None
        return self.tr.messages.get((id(node), pos))

    def incoming(self, t: Tensor) -> tuple[list[np.ndarray], int]:
        """Messages received so far by ``t`` and how many it will receive in all."""
        got, total = [], 0
        for node, pos in self.g.consumers.get(id(t), ()):
            if self.tr is not None and (id(node), pos) in self.tr.messages:
                total += 1
                m = self.message(node, pos)
                if m is not None:
                    got.append(m._data)
        return got, total

    def grad_of(self, t: Tensor) -> np.ndarray | None:
        if self.tr is None or (self.opt.upto is not None and self.opt.upto < 1):
            return None
        if t is self.g.root:
            g = self.tr.grads.get(id(t))
            return None if g is None else g._data
        got, _ = self.incoming(t)
        return sum(got[1:], got[0]) if got else None

    # -- structure -----------------------------------------------------------------
    def _modules(self) -> tuple[dict[int, ModuleCall], dict[int, list]]:
        """The innermost call of each op node / leaf, and each call's children
        (``self.parent`` gets each call's parent)."""
        calls = self.g.calls
        rank = {id(c): (len(c.nodes), k) for k, c in enumerate(calls)}
        containing: dict[int, list[ModuleCall]] = {}
        for c in calls:
            for n in c.nodes:
                containing.setdefault(n, []).append(c)
        for lst in containing.values():
            lst.sort(key=lambda c: rank[id(c)])
        home: dict[int, ModuleCall] = {n: lst[0] for n, lst in containing.items()}
        children: dict[int, list] = {}
        for c in calls:
            lst = containing[id(c.output)]
            k = next(i for i, d in enumerate(lst) if d is c)
            self.parent[id(c)] = lst[k + 1] if k + 1 < len(lst) else None
            if self.parent[id(c)] is not None:
                children.setdefault(id(self.parent[id(c)]), []).append(c)
        for c in sorted(calls, key=lambda c: rank[id(c)]):
            for leaf in c.leaves:
                home.setdefault(leaf, c)
        return home, children

    def _pick_boxes(self, home: dict[int, ModuleCall], children: dict[int, list]) -> dict:
        """Which module calls become one box: a call without sub-modules, or one
        below the outermost module that computes something itself (a block); the
        outermost module and pure containers (like Sequential) are opened up."""
        own = {id(c) for c in home.values()}
        boxes: dict[int, str] = {}
        stack = [c for c in self.g.calls if self.parent[id(c)] is None]
        while stack:
            c = stack.pop()
            kids = children.get(id(c), [])
            outermost = self.parent[id(c)] is None
            if not kids or (not outermost and id(c) in own):
                boxes[id(c)] = f"m{len(boxes)}"
                self.units[boxes[id(c)]] = ("box", c)
                self.cluster_of[boxes[id(c)]] = self.parent[id(c)]
            else:
                stack.extend(kids)
        return boxes

    def _box(self, c: ModuleCall | None, boxes: dict[int, str]) -> str | None:
        """The box that swallows call ``c`` (itself or an enclosing call), if any."""
        while c is not None:
            if id(c) in boxes:
                return boxes[id(c)]
            c = self.parent[id(c)]
        return None

    def layout(self) -> None:
        g, opt = self.g, self.opt
        home, children = self._modules() if g.calls else ({}, {})
        boxes = self._pick_boxes(home, children) if opt.collapse_modules else {}
        for k, node in enumerate(g.order):
            c = home.get(id(node))
            box = self._box(c, boxes)
            if box is not None:
                self.node_unit[id(node)] = box
                out = g.output(node)
                if out is not g.root:     # the root stays visible
                    self.tensor_unit[id(out)] = None
            else:
                u = f"o{k}"
                self.units[u] = ("op", node)
                self.node_unit[id(node)] = u
                self.cluster_of[u] = c
        for k, (i, t) in enumerate(g.tensors.items()):
            if i in self.tensor_unit:
                continue
            c = home.get(id(t.grad_fn)) if t.grad_fn is not None else home.get(i)
            box = self._box(c, boxes)
            if box is not None:
                if t is not g.root:
                    self.tensor_unit[i] = None      # hidden inside its module's box
                    continue
                c = self.cluster_of[box]            # the root sits next to its box
            u = f"d{k}"
            self.units[u] = ("tensor", t)
            self.tensor_unit[i] = u
            self.cluster_of[u] = c
        for node in g.order:
            nu = self.node_unit[id(node)]
            for pos, t in enumerate(node.inputs):
                if isinstance(t, Tensor):
                    src = self.tensor_unit[id(t)]
                    if src is None:     # hidden in a module box: the box sends it
                        src = self._box(home[id(t)], boxes) if t.grad_fn is None \
                            else self.node_unit[id(t.grad_fn)]
                    if src != nu:
                        key = (src, nu, pos) if self.units[src][0] == "tensor" else (src, nu, 0)
                        self.edges.setdefault(key, {"node": node, "pos": pos, "t": t})
                elif isinstance(t, np.ndarray):
                    u = f"c{id(node)}_{pos}"
                    self.units[u] = ("const", t)
                    self.cluster_of[u] = self.cluster_of.get(nu)
                    self.edges[(u, nu, pos)] = {}
            ou = self.tensor_unit.get(id(g.output(node)))
            if ou is not None and ou != nu:
                self.edges[(nu, ou, -1)] = {}

    # -- truncation ---------------------------------------------------------------
    def truncate(self) -> str | None:
        limit = self.opt.max_nodes
        counted = [u for u, (kind, _) in self.units.items() if kind != "const"]
        if limit is None or len(counted) <= limit:
            return None
        preds: dict[str, list[str]] = {}
        for (src, dst, _) in self.edges:
            preds.setdefault(dst, []).append(src)
        start = self.tensor_unit.get(id(self.g.root)) or self.node_unit[id(self.g.root.grad_fn)]
        keep = {start}
        queue = deque([start])
        while queue and len(keep) < limit:
            u = queue.popleft()
            for p in preds.get(u, ()):
                if p not in keep and self.units[p][0] != "const":
                    keep.add(p)
                    queue.append(p)
                    if len(keep) >= limit:
                        break
        hidden = len(counted) - len(keep)
        frontier = set()
        for (src, dst, k) in list(self.edges):
            src_kept = src in keep or (self.units[src][0] == "const" and dst in keep)
            if not (src_kept and dst in keep):
                del self.edges[(src, dst, k)]
                if dst in keep and not src_kept:
                    frontier.add(dst)
        self.units = {u: v for u, v in self.units.items()
                      if u in keep or (v[0] == "const" and any(s == u for s, _, _ in self.edges))}
        note = f"{hidden} more nodes not drawn (max_nodes={limit})"
        self.units["more"] = ("more", note)
        self.cluster_of["more"] = None
        for u in frontier:
            self.edges[("more", u, -2)] = {}
        return f"showing {len(keep)} of {len(counted)} nodes: {note}"

    # -- labels ---------------------------------------------------------------------
    def tensor_attrs(self, t: Tensor) -> dict:
        g, opt = self.g, self.opt
        kind = g.kinds[id(t)]
        head = f"<B>{_esc(g.names[id(t)])}</B>"
        sub = KIND_TEXT[kind] + ("" if t.ndim == 0 else "  " + fmt.shape(t.shape))
        rows = [head, _small(sub)]
        if opt.show_values:
            rows.extend(_lines("data ", fmt.array(t._data)))
        if opt.tangents is not None and opt.show_grads and id(t) in opt.tangents:
            rows.extend(f'<FONT COLOR="{TANGENT_COLOR}">{r}</FONT>' for r in _lines(
                "tangent ", fmt.array(opt.tangents[id(t)].detach()._data)))
        if opt.show_grads:
            grad = self.grad_of(t)
            if grad is not None:
                rows.extend(f'<FONT COLOR="{GRAD_COLOR}">{r}</FONT>'
                            for r in _lines("grad ", fmt.array(grad)))
                got, total = self.incoming(t)
                if total > 1:
                    if len(got) < total:
                        rows.append(_small(f"partial: {len(got)} of {total} messages so far",
                                           GRAD_COLOR))
                    elif t._data.size == 1:
                        terms = " + ".join(fmt.num(np.asarray(m).reshape(()).item())
                                           for m in got)
                        rows.append(_small(f"= {terms}  (sum over {total} uses)", GRAD_COLOR))
                    else:
                        rows.append(_small(f"= sum of the {total} messages in", GRAD_COLOR))
        attrs = {"label": _table(rows), "shape": "box", "style": "filled,rounded"
                 if kind == "intermediate" else "filled", **STYLE[kind]}
        if opt.highlight is not None and t.grad_fn is opt.highlight:
            attrs.update(HIGHLIGHT)
        return attrs

    def op_attrs(self, node: Function) -> dict:
        rows = [f"<B>{_esc(self.g.op_labels[id(node)])}</B>"]
        if self.opt.tangents is not None:
            rule = getattr(node, "jvp_formula", "")
            if self.opt.show_formulas and rule:
                rows.append(_small(rule, TANGENT_COLOR))
        elif self.opt.show_formulas and node.formula:
            rows.append(_small(node.formula, "#4527a0"))
        attrs = {"shape": "oval", "style": "filled", **STYLE["op"]}
        if id(node) in self.opt.faulty:
            rows.extend(f'<FONT COLOR="#b71c1c" POINT-SIZE="10">{_esc(line)}</FONT>'
                        for line in self.opt.faulty[id(node)].split("\n"))
            attrs.update(FAULTY)
        if self.opt.highlight is node:
            rows.append(_small("backward step just done", "#d50000"))
            attrs.update(HIGHLIGHT)
        attrs["label"] = _table(rows)
        return attrs

    def box_attrs(self, c: ModuleCall) -> dict:
        out = self.g.output(c.output)
        rows = [f"<B>{_esc(c.path)}</B>: {_esc(type(c.module).__name__)}"
                if c.path != type(c.module).__name__ else f"<B>{_esc(c.path)}</B>"]
        named = list(c.module.named_parameters())
        if named:
            rows.append(_small(", ".join(f"{n} {fmt.shape(p.shape)}" for n, p in named)))
            grads = [(n, self.grad_of(p)) for n, p in named] if self.opt.show_grads else []
            grads = [f"{n} {_grad_text(g, edge=True)}" for n, g in grads if g is not None]
            if grads:
                rows.append(_small("grad " + ", ".join(grads), GRAD_COLOR))
        rows.append(_small("out " + (fmt.shape(out.shape) if out.ndim else "scalar")))
        if self.opt.show_grads:
            grad = self.grad_of(out)
            if grad is not None:
                rows.append(_small("out grad " + fmt.array(grad), GRAD_COLOR))
        attrs = {"label": _table(rows), "shape": "box3d", "style": "filled", **STYLE["module"]}
        if any(id(n) in self.opt.faulty for n in c.nodes):
            attrs.update(FAULTY)
        if self.opt.highlight is not None and id(self.opt.highlight) in c.nodes:
            attrs.update(HIGHLIGHT)
        return attrs

    def edge_attrs(self, info: dict) -> dict:
        if not info:
            return {}
        node, pos, t = info["node"], info["pos"], info["t"]
        parts, attrs = [], {}
        if t.ndim:
            parts.append(_small(fmt.shape(t.shape)))
        msg = self.message(node, pos) if self.opt.show_grads else None
        tangents = self.opt.tangents
        if tangents is not None and self.opt.show_grads and id(t) in tangents:
            text = FORWARD_ARROW[self.opt.rankdir] + " " + _grad_text(
                tangents[id(t)].detach()._data, edge=True)
            parts.append(f'<FONT POINT-SIZE="10" COLOR="{TANGENT_COLOR}">{_esc(text)}</FONT>')
        if msg is not None:
            parts.append(f'<FONT POINT-SIZE="10" COLOR="{GRAD_COLOR}">'
                         f'{_esc(self.back + " " + _grad_text(msg._data, edge=True))}</FONT>')
        bshape = self.tr.broadcast.get((id(node), pos)) if self.tr is not None else None
        if bshape is not None and msg is not None:
            parts.append(_small(f"Σ {fmt.shape(bshape)} → {fmt.shape(t.shape)} (broadcast)",
                                BROADCAST_COLOR))
            attrs.update(color=BROADCAST_COLOR, penwidth="2")
            self.broadcast_drawn = True
        if parts:
            attrs["label"] = "<" + "<BR/>".join(parts) + ">"
        return attrs

    # -- output --------------------------------------------------------------------
    def emit(self, note: str | None) -> GraphView:
        opt = self.opt
        dot = GraphView("tinygrad_edu", graph_attr={
            "rankdir": opt.rankdir, "fontname": "DejaVu Sans", "nodesep": "0.25",
            "ranksep": "0.35", "bgcolor": "white"},
            node_attr={"fontname": "DejaVu Sans", "fontsize": "11", "margin": "0.08,0.04"},
            edge_attr={"fontname": "DejaVu Sans", "fontsize": "9", "color": "#616161",
                        "arrowsize": "0.7"})
        notes = [n for n in (opt.title, note) if n]
        if self.tr is not None and self.tr.seeded_with_ones and opt.show_grads:
            notes.append("the root is not a scalar: gradients are those of root.sum()")
        if notes:
            dot.attr(label="\n".join(notes), labelloc="t", labeljust="l", fontsize="12")
        clusters: dict[int, graphviz.Digraph] = {}
        children: dict[Any, list] = {}
        for u in self.units:
            c = self.cluster_of.get(u)
            children.setdefault(id(c) if c is not None else None, []).append(u)
        calls = {id(c): c for c in self.g.calls}
        used = set(children) - {None}
        for cid in list(used):       # every ancestor of a used cluster is used too
            p = self.parent.get(cid)
            while p is not None and id(p) not in used:
                used.add(id(p))
                p = self.parent.get(id(p))
        for cid in used:
            c = calls[cid]
            clusters[cid] = graphviz.Digraph(name=f"cluster_{len(clusters)}", graph_attr={
                "label": _call_title(c), "style": "rounded,dashed",
                "color": "#ffb300", "fontcolor": "#e65100", "fontsize": "11",
                "labeljust": "l"})
        for cid, sub in clusters.items():
            for u in children.get(cid, ()):
                self._node(sub, u)
        for u in children.get(None, ()):
            self._node(dot, u)
        # nest the clusters: children first, so each is complete when added
        depth = {cid: self._depth(calls[cid]) for cid in clusters}
        for cid in sorted(clusters, key=lambda c: -depth[c]):
            p = self.parent.get(cid)
            (clusters[id(p)] if p is not None and id(p) in clusters else dot).subgraph(clusters[cid])
        for (src, dst, _), info in self.edges.items():
            dot.edge(src, dst, **self.edge_attrs(info))
        self._legend(dot)
        return dot

    def _depth(self, c: ModuleCall) -> int:
        d, p = 0, self.parent.get(id(c))
        while p is not None:
            d, p = d + 1, self.parent.get(id(p))
        return d

    def _node(self, dot: graphviz.Digraph, u: str) -> None:
        kind, obj = self.units[u]
        if kind == "tensor":
            dot.node(u, **self.tensor_attrs(obj))
        elif kind == "op":
            dot.node(u, **self.op_attrs(obj))
        elif kind == "box":
            dot.node(u, **self.box_attrs(obj))
        elif kind == "const":
            dot.node(u, label=f"const {fmt.array(obj)}", shape="plaintext", fontsize="9",
                     fontcolor=FADED)
        else:
            dot.node(u, label=obj, shape="note", style="dashed", color=FADED, fontcolor=FADED)

    def _legend(self, dot: graphviz.Digraph) -> None:
        """One small table node: a swatch per kind of node drawn."""
        kinds = {self.g.kinds[id(obj)] for kind, obj in self.units.values() if kind == "tensor"}
        kinds |= {{"op": "op", "box": "module"}.get(kind, "") for kind, _ in self.units.values()}
        text = dict(KIND_TEXT, op="op: jvp rule") if self.opt.tangents is not None else KIND_TEXT
        rows = [f'<TR><TD BGCOLOR="{STYLE[k]["fillcolor"]}" BORDER="1" COLOR="{STYLE[k]["color"]}">'
                f'<FONT POINT-SIZE="9">{_esc(text[k])}</FONT></TD></TR>'
                for k in STYLE if k in kinds]
        for style, text, on in ((FAULTY, "op with a wrong backward", self.opt.faulty),
                                (HIGHLIGHT, "backward step just done", self.opt.highlight)):
            if on:
                rows.append(f'<TR><TD BGCOLOR="{style["fillcolor"]}" BORDER="1" '
                            f'COLOR="{style["color"]}"><FONT POINT-SIZE="9">{text}</FONT></TD></TR>')
        if self.opt.show_grads and self.opt.tangents is not None:
            rows.append(f'<TR><TD><FONT POINT-SIZE="9" COLOR="{TANGENT_COLOR}">'
                        f'{FORWARD_ARROW[self.opt.rankdir]} blue: tangent ż flowing forward'
                        f'<BR/>(Σ local derivative × input tangent)</FONT></TD></TR>')
        if self.opt.show_grads and self.tr is not None:
            rows.append(f'<TR><TD><FONT POINT-SIZE="9" COLOR="{GRAD_COLOR}">{self.back} red: gradient '
                        f'message<BR/>(upstream grad × local derivative)</FONT></TD></TR>')
        if self.broadcast_drawn:
            rows.append(f'<TR><TD><FONT POINT-SIZE="9" COLOR="{BROADCAST_COLOR}">orange edge, Σ: '
                        f'the message is summed<BR/>back to a broadcast input\'s shape'
                        f'</FONT></TD></TR>')
        dot.node("legend", shape="plaintext", label='<<TABLE BORDER="1" COLOR="#bdbdbd" '
                 'CELLBORDER="0" CELLSPACING="2" CELLPADDING="2"><TR><TD><FONT POINT-SIZE="9" '
                 f'COLOR="{FADED}">legend</FONT></TD></TR>{"".join(rows)}</TABLE>>')


def build(graph: Graph, trace: Trace | None, opt: Options) -> GraphView:
    """The picture of ``graph`` with what ``trace`` knows at ``opt.upto`` steps."""
    b = _Builder(graph, trace, opt)
    b.layout()
    note = b.truncate()
    return b.emit(note)
