"""Drawing the computation graph with Graphviz.

Every tensor is a box (its name, shape, value and gradient), every op an oval (its
name and local derivative). Arrows point the way the forward pass runs; the red
numbers on them are the gradient messages flowing back (upstream gradient × local
derivative), so the chain rule can be read off the picture.

Big graphs stay quick to lay out: a leaf used many times (a shared weight) is drawn
once in full and as a small dashed reference node at each further use, instead of
one node with hundreds of long edges; module calls collapse into boxes past
``COLLAPSE_PAST`` nodes; ``max_nodes`` bounds every node drawn; and past
``SPLIT_PAST`` nodes the picture is cut, in forward order, into parts of about
``PART_NODES`` nodes that Graphviz lays out separately (its layout time grows faster
than linearly with the size of one connected piece), joined by "continued" markers.

With ``mode="forward"``, drawn inside the ``dual_level`` of a forward-mode pass, the
blue numbers are the tangents flowing forward instead, and each op shows its jvp rule.
"""
from __future__ import annotations

import html
import os
import shutil
import subprocess
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

__all__ = ["draw_graph", "render", "GraphView", "GraphvizError", "GraphvizNotFound",
           "INSTALL_HINT", "tensor_mimebundle", "run_graphviz"]

INLINE_MAX_NODES = 150     # a tensor displayed in Jupyter draws at most this many nodes
REPEAT_PAST = 4            # a leaf with more uses is drawn again (small) at each use
COLLAPSE_PAST = 200        # with more nodes, module calls are drawn as boxes by default
SPLIT_PAST = 400           # with more nodes drawn, the picture is cut into parts ...
PART_NODES = 250           # ... of about this many nodes, laid out one by one
MAX_TERMS = 3              # a gradient summed from many messages lists the largest few
MAX_TEXT = 200             # characters of one piece of text (a name, a message) in a label
ENGINES = ("dot", "sfdp")  # dot: layered, forward left to right; sfdp: force-directed

INSTALL_HINT = ("Rendering needs the Graphviz 'dot' program on PATH. Install it with "
                "'sudo apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' "
                "(macOS), 'conda install -c conda-forge graphviz' or from "
                "https://graphviz.org/download/ — the DOT source (graph.source, or "
                "render(..., format='dot')) works without it.")


class GraphvizError(RuntimeError):
    """Graphviz could not make the picture; the message quotes its error output."""


class GraphvizNotFound(GraphvizError):
    """Raised when a picture is asked for but Graphviz's ``dot`` is not installed."""


def run_graphviz(source: str, format: str, engine: str = "dot") -> bytes:
    """The picture of the DOT ``source`` in ``format`` made by Graphviz's ``engine``.

    Raises ``GraphvizNotFound`` without the program and ``GraphvizError`` (with
    Graphviz's own message) when it fails; the whole input is always handed over,
    so an early exit of Graphviz is reported, never a broken pipe."""
    exe = shutil.which(engine)
    if exe is None:
        raise GraphvizNotFound(INSTALL_HINT if engine == "dot" else
                               f"Graphviz's {engine!r} program is not on PATH. " + INSTALL_HINT)
    try:
        done = subprocess.run([exe, f"-T{format}"], input=source.encode("utf-8"),
                              capture_output=True, check=False)
    except OSError as exc:
        raise GraphvizError(f"could not run Graphviz's {engine}: {exc}") from None
    if done.returncode != 0:
        cause = done.stderr.decode("utf-8", "replace").strip() or "no error message"
        raise GraphvizError(f"Graphviz's {engine} failed (exit status {done.returncode}) "
                            f"making {format}: {cause[:2000]}")
    return done.stdout


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
    to its DOT source (with the install hint) when Graphviz is missing. ``pipe``
    raises ``GraphvizError`` / ``GraphvizNotFound`` (see ``run_graphviz``)."""

    def pipe(self, format: str | None = None, *, encoding: str | None = None) -> bytes | str:
        """The picture in ``format`` (default: the view's own), as bytes, or as text
        when ``encoding`` is given."""
        data = run_graphviz(self.source, format or self.format, self.engine)
        return data if encoding is None else data.decode(encoding)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **kwargs: Any) -> dict:
        try:
            return {"image/svg+xml": self.pipe(format="svg", encoding="utf-8")}
        except GraphvizNotFound:
            return {"text/plain": self.source + "\n// " + INSTALL_HINT}

    def _repr_svg_(self) -> str | None:
        try:
            return self.pipe(format="svg", encoding="utf-8")
        except GraphvizNotFound:
            return None


# ---------------------------------------------------------------------------- options
@dataclass
class Options:
    show_values: bool = True
    show_grads: bool = True
    show_formulas: bool = True
    rankdir: str = "LR"
    collapse_modules: bool | None = None     # None: past COLLAPSE_PAST nodes
    max_nodes: int | None = None
    upto: int | None = None              # backward frames: steps done (None = all)
    highlight: Function | None = None
    faulty: dict = field(default_factory=dict)   # id(node) -> message
    title: str | None = None
    repeat_shared: bool | None = None        # None: leaves with more than REPEAT_PAST uses
    engine: str = "dot"
    tangents: dict | None = None          # mode="forward": id(tensor) -> its tangent


def draw_graph(root: Tensor, show_values: bool = True, show_grads: bool = True,
               show_formulas: bool = True, rankdir: str = "LR",
               collapse_modules: bool | None = None, max_nodes: int | None = None,
               repeat_shared: bool | None = None, engine: str = "dot",
               mode: str = "reverse") -> GraphView:
    """The computation graph behind ``root`` as a ``graphviz.Digraph``.

    Data nodes show name, shape, value and ∂root/∂tensor; op nodes their local
    derivative; edges the forward shapes and the gradient message sent back along
    them (marked where it is summed back to a broadcast input's shape). A tensor
    used several times shows each incoming message and their sum.
    ``collapse_modules=True`` draws each module call as one box (each layer of a
    ``Sequential``; a block that computes with its own ops and sub-layers is one
    box) inside the clusters of the modules around it; None (the default) does so
    when the graph has more than ``COLLAPSE_PAST`` nodes. ``max_nodes`` bounds
    every node drawn (constants, reference nodes, the "more" marker and the legend
    included): it keeps the nodes nearest to the root and notes what was left out.
    ``repeat_shared=True`` draws a leaf used several times (a shared weight) once
    in full and as a small dashed reference node at each further use; None (the
    default) does so for leaves with more than ``REPEAT_PAST`` uses, False never.
    ``engine`` is the Graphviz layout program: "dot" (layered, the default) or
    "sfdp" (force-directed, for very large graphs). Gradients are computed here (the
    root seeded with ones), so neither ``backward()`` nor ``retain_grad`` is needed.
    ``mode="forward"`` (inside the ``dual_level`` in which ``root`` was computed from a
    dual input) shows each tensor's tangent ż and the tangents on the edges, flowing
    forward, and each op's jvp rule, instead of the gradients.
    """
    if mode not in ("reverse", "forward"):
        raise ValueError(f"draw_graph: mode must be 'reverse' or 'forward', got {mode!r}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    if max_nodes is not None and max_nodes < 3:
        raise ValueError(f"draw_graph: max_nodes must be at least 3 (the root, the marker "
                         f"of what is left out and the legend), got {max_nodes}")
    if engine not in ENGINES:
        raise ValueError(f"draw_graph: engine must be one of {ENGINES}, got {engine!r}")
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
                                       collapse_modules, max_nodes,
                                       repeat_shared=repeat_shared, engine=engine))


def render(root: Tensor, path: str | os.PathLike, format: str = "svg",
           **draw_kwargs: Any) -> str:
    """Draw ``root``'s graph (``draw_graph(root, **draw_kwargs)``) into ``path``
    as svg, png, pdf or the DOT source ("dot"). Returns the path written."""
    if format not in ("svg", "png", "pdf", "dot"):
        raise ValueError(f"render: format must be 'svg', 'png', 'pdf' or 'dot', got {format!r}")
    return save(draw_graph(root, **draw_kwargs), path, format)


def tensor_mimebundle(t: Tensor) -> dict:
    """What Jupyter shows for a Tensor: its repr, and the graph behind it (as SVG,
    at most ``INLINE_MAX_NODES`` nodes) when it has one and Graphviz works."""
    bundle = {"text/plain": repr(t)}
    if t.grad_fn is not None:
        try:
            bundle["image/svg+xml"] = draw_graph(t, max_nodes=INLINE_MAX_NODES).pipe(
                format="svg", encoding="utf-8")
        except GraphvizError:       # the repr alone; render() reports the cause
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
        data = run_graphviz(view.source, format, view.engine)
    with open(path, "wb") as f:
        f.write(data)
    return path


# ---------------------------------------------------------------------------- building
def _clip(s: Any) -> str:
    """``s`` as text of at most ``MAX_TEXT`` characters (Graphviz refuses labels over
    16,384 characters, and nobody reads a longer one)."""
    s = str(s)
    return s if len(s) <= MAX_TEXT else s[:MAX_TEXT - 1] + "…"


def _esc(s: Any) -> str:
    """``s`` clipped (``_clip``) and escaped as HTML-label text."""
    return html.escape(_clip(s), quote=True)


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


def _sum_text(terms: list[float]) -> str:
    """How a scalar gradient is summed from its messages: all of them when few,
    else the ``MAX_TERMS`` largest, how many others and their sum."""
    if len(terms) <= MAX_TERMS + 1:
        return f"= {' + '.join(fmt.num(v) for v in terms)}  (sum over {len(terms)} uses)"
    big = sorted(range(len(terms)), key=lambda k: -abs(terms[k]))[:MAX_TERMS]
    rest = sum(v for k, v in enumerate(terms) if k not in big)
    return (f"= {' + '.join(fmt.num(terms[k]) for k in sorted(big))} + … "
            f"({len(terms) - MAX_TERMS} smaller, together {fmt.num(rest)})  "
            f"(sum over {len(terms)} uses)")


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
        # the way gradients flow in the picture (sfdp has no fixed direction: "grad")
        self.back = BACK_ARROW[opt.rankdir] if opt.engine == "dot" else "grad"
        self.broadcast_drawn = False                # an edge is marked "broadcast"
        self.uses: dict[int, int] = {}              # id(leaf) -> uses drawn as references
        self.part_of: dict[str, int] = {}           # unit -> part (big pictures only)

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
        collapse = opt.collapse_modules
        if collapse is None:
            collapse = len(g.order) + len(g.tensors) > COLLAPSE_PAST
        boxes = self._pick_boxes(home, children) if collapse else {}
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
        self._repeat_shared()

    def _repeat_shared(self) -> None:
        """A leaf with many uses keeps one edge (to its first use in forward order);
        each other use gets its own small reference node, so no node has hundreds
        of long edges (which Graphviz lays out slowly and nobody can follow)."""
        if self.opt.repeat_shared is False:
            return
        fan_out = 1 if self.opt.repeat_shared else REPEAT_PAST
        out: dict[str, list] = {}
        for key in self.edges:
            kind, obj = self.units[key[0]]
            if kind == "tensor" and obj.grad_fn is None:
                out.setdefault(key[0], []).append(key)
        for src, keys in out.items():
            if len(keys) <= fan_out:
                continue
            t = self.units[src][1]
            self.uses[id(t)] = len(keys)
            for k, key in enumerate(keys[:-1]):     # edges are in backward order
                u = f"r{src}_{k}"
                self.units[u] = ("ref", t)
                self.cluster_of[u] = self.cluster_of.get(key[1])
                self.edges[(u, key[1], key[2])] = self.edges.pop(key)

    # -- truncation ---------------------------------------------------------------
    def truncate(self) -> str | None:
        """With more nodes than ``max_nodes`` (the legend counted), keep the
        ``max_nodes − 2`` nearest to the root (breadth first, against the arrows) and
        one "more" marker in place of the rest."""
        limit = self.opt.max_nodes
        total = len(self.units)
        if limit is None or total + 1 <= limit:
            return None
        preds: dict[str, list[str]] = {}
        for (src, dst, _) in self.edges:
            preds.setdefault(dst, []).append(src)
        start = self.tensor_unit.get(id(self.g.root)) or self.node_unit[id(self.g.root.grad_fn)]
        budget = limit - 2
        keep = {start}
        queue = deque([start])
        while queue and len(keep) < budget:
            for p in preds.get(queue.popleft(), ()):
                if p not in keep:
                    keep.add(p)
                    queue.append(p)
                    if len(keep) >= budget:
                        break
        frontier = set()
        for (src, dst, k) in list(self.edges):
            if not (src in keep and dst in keep):
                del self.edges[(src, dst, k)]
                if dst in keep:
                    frontier.add(dst)
        self.units = {u: v for u, v in self.units.items() if u in keep}
        note = f"{total - len(keep)} more nodes not drawn (max_nodes={limit})"
        self.units["more"] = ("more", note)
        self.cluster_of["more"] = None
        for u in frontier:
            self.edges[("more", u, -2)] = {}
        return f"showing {len(keep) + 2} of {total + 1} nodes: {note}"

    # -- parts of a big picture -------------------------------------------------
    def split(self) -> None:
        """Past ``SPLIT_PAST`` nodes, cut the picture in forward order into parts of
        about ``PART_NODES`` nodes; an edge between parts becomes a "continues in
        part k" marker at its start and a "from part j" marker at its end (one pair
        per tensor and part), so that Graphviz lays out each part on its own."""
        if self.opt.engine != "dot" or len(self.units) <= SPLIT_PAST:
            return
        fwd = {id(n): len(self.g.order) - k for k, n in enumerate(self.g.order)}
        pos: dict[str, float] = {}          # forward position: ops, boxes, their outputs
        for u, (kind, obj) in self.units.items():
            if kind == "op":
                pos[u] = fwd[id(obj)]
            elif kind == "box":
                pos[u] = max(fwd[n] for n in obj.nodes)
            elif kind == "tensor" and obj.grad_fn is not None:
                pos[u] = fwd[id(obj.grad_fn)] + 0.25
        fixed = set(pos)
        for (src, dst, _) in self.edges:    # leaves, references, constants: at first use
            if src not in fixed:
                pos[src] = min(pos.get(src, float("inf")), pos.get(dst, 0.0) - 0.5)
        order = sorted(self.units, key=lambda u: pos.get(u, 0.0))
        part_of = {u: k // PART_NODES for k, u in enumerate(order)}
        # what only feeds others (leaves, references, constants, "more"): in the part
        # of its first use, never alone on the other side of a cut
        targets = {dst for _, dst, _ in self.edges}
        first: dict[str, int] = {}
        for (src, dst, _) in self.edges:
            if src not in targets:
                first[src] = min(first.get(src, part_of[dst]), part_of[dst])
        part_of.update(first)
        cut = [key for key in self.edges if part_of[key[0]] != part_of[key[1]]]
        pairs = {(src, part_of[dst]) for src, dst, _ in cut}
        if self.opt.max_nodes is not None and \
                len(self.units) + 2 * len(pairs) + 1 > self.opt.max_nodes:
            return          # the markers would not fit: one piece
        self.part_of = part_of
        markers: dict[tuple, str] = {}
        for (src, dst, k) in cut:
            a, b = self.part_of[src], self.part_of[dst]
            info = self.edges.pop((src, dst, k))
            out = markers.get((src, b, "out"))
            if out is None:
                out = markers[(src, b, "out")] = f"x{len(markers)}"
                self.units[out] = ("cont", f"continues in part {b + 1} ▸")
                self.part_of[out], self.cluster_of[out] = a, None
                self.edges[(src, out, -3)] = {}
            into = markers.get((src, b, "in"))
            if into is None:
                into = markers[(src, b, "in")] = f"x{len(markers)}"
                self.units[into] = ("cont", f"◂ {self._title(src)} (from part {a + 1})")
                self.part_of[into], self.cluster_of[into] = b, None
            self.edges[(into, dst, k)] = info

    def _title(self, u: str) -> str:
        """A unit's name for the markers that stand in for it elsewhere."""
        kind, obj = self.units[u]
        if kind in ("tensor", "ref"):
            return self.g.names[id(obj)]
        if kind == "op":
            return self.g.op_labels[id(obj)]
        if kind == "box":
            return obj.path
        return "const"

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
                        rows.append(_small(_sum_text([float(np.asarray(m).reshape(()).item())
                                                      for m in got]), GRAD_COLOR))
                    else:
                        rows.append(_small(f"= sum of the {total} messages in", GRAD_COLOR))
        if id(t) in self.uses:
            rows.append(_small(f"used {self.uses[id(t)]} times: the dashed boxes named "
                               f"{g.names[id(t)]} are this tensor"))
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
        graph_attr = {"rankdir": opt.rankdir, "fontname": "DejaVu Sans", "nodesep": "0.25",
                      "ranksep": "0.35", "bgcolor": "white"}
        if self.part_of:        # parts laid out one by one, stacked in reading order
            graph_attr.update(pack="true",
                              packmode="array_uc1" if opt.rankdir in ("LR", "RL") else "array_u1")
        if opt.engine == "sfdp":
            graph_attr.update(outputorder="edgesfirst", overlap="prism", sep="+12")
        dot = GraphView("tinygrad_edu", engine=opt.engine, graph_attr=graph_attr,
            node_attr={"fontname": "DejaVu Sans", "fontsize": "11", "margin": "0.08,0.04"},
            edge_attr={"fontname": "DejaVu Sans", "fontsize": "9", "color": "#616161",
                        "arrowsize": "0.7"})
        notes = [n for n in (opt.title, note) if n]
        if self.tr is not None and self.tr.seeded_with_ones and opt.show_grads:
            notes.append("the root is not a scalar: gradients are those of root.sum()")
        if notes:
            dot.attr(label="\n".join(notes), labelloc="t", labeljust="l", fontsize="12")
        # a cluster per module call and part: (id(call), part) -> subgraph
        clusters: dict[tuple, graphviz.Digraph] = {}
        children: dict[Any, list] = {}
        for u in self.units:
            c = self.cluster_of.get(u)
            key = (id(c), self.part_of.get(u, 0)) if c is not None else None
            children.setdefault(key, []).append(u)
        calls = {id(c): c for c in self.g.calls}
        used = set(children) - {None}
        for cid, part in list(used):       # every ancestor of a used cluster is used too
            p = self.parent.get(cid)
            while p is not None and (id(p), part) not in used:
                used.add((id(p), part))
                p = self.parent.get(id(p))
        for key in used:
            c = calls[key[0]]
            clusters[key] = graphviz.Digraph(name=f"cluster_{len(clusters)}", graph_attr={
                "label": _clip(_call_title(c)), "style": "rounded,dashed",
                "color": "#ffb300", "fontcolor": "#e65100", "fontsize": "11",
                "labeljust": "l"})
        legend = self.opt.max_nodes is None or len(self.units) < self.opt.max_nodes
        # a big picture: each part in a subgraph; Graphviz packs them in the order they
        # come, from the bottom up (LR, RL) or from the left (TB, BT)
        parts = max(self.part_of.values()) + 1 if self.part_of else 0
        rows = opt.rankdir in ("LR", "RL")
        holders = {k: graphviz.Digraph(name=f"part_{k}") for k in range(parts)}
        for key, sub in clusters.items():
            for u in children.get(key, ()):
                self._node(sub, u)
        for u in children.get(None, ()):
            self._node(holders.get(self.part_of.get(u, 0), dot), u)
        # nest the clusters: children first, so each is complete when added
        depth = {key: self._depth(calls[key[0]]) for key in clusters}
        for key in sorted(clusters, key=lambda k: -depth[k]):
            p = self.parent.get(key[0])
            outer = (id(p), key[1]) if p is not None else None
            (clusters[outer] if outer in clusters else holders.get(key[1], dot)).subgraph(
                clusters[key])
        if legend and parts and not rows:       # the legend first in reading order
            self._legend(dot)
        for k in sorted(holders, reverse=rows):
            dot.subgraph(holders[k])
        for (src, dst, _), info in self.edges.items():
            dot.edge(src, dst, **self.edge_attrs(info))
        if legend and (rows or not parts):
            self._legend(dot)
        return dot

    def _depth(self, c: ModuleCall) -> int:
        d, p = 0, self.parent.get(id(c))
        while p is not None:
            d, p = d + 1, self.parent.get(id(p))
        return d

    def _node(self, dot: graphviz.Digraph, u: str) -> None:
        kind, obj = self.units[u]
        # in a big picture the forward flow is one Graphviz group: dot keeps the edges
        # between its nodes straight, so each part is a readable band
        group = {"group": "flow"} if self.part_of else {}
        if kind == "tensor":
            dot.node(u, **self.tensor_attrs(obj), **group)
        elif kind == "op":
            dot.node(u, **self.op_attrs(obj), **group)
        elif kind == "box":
            dot.node(u, **self.box_attrs(obj), **group)
        elif kind == "const":
            dot.node(u, label=f"const {fmt.array(obj)}", shape="plaintext", fontsize="9",
                     fontcolor=FADED)
        elif kind == "ref":
            style = STYLE[self.g.kinds[id(obj)]]
            dot.node(u, label=_table([f"<B>{_esc(self.g.names[id(obj)])}</B>",
                                      _small("shared: drawn once in full")]),
                     shape="box", style="filled,dashed", fontsize="9",
                     fillcolor=style["fillcolor"], color=style["color"])
        elif kind == "cont":
            dot.node(u, label=_table([_small(obj, "#424242")]), shape="cds",
                     style="dashed", color=FADED)
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
                        f'message<BR/>(upstream grad × local derivative)'
                        + ('' if self.opt.engine == "dot" else
                           '<BR/>sent back against the arrow') + '</FONT></TD></TR>')
        if any(kind == "ref" for kind, _ in self.units.values()):
            rows.append('<TR><TD><FONT POINT-SIZE="9">dashed box: one more use of a shared '
                        'tensor<BR/>(drawn in full once, where it is first used)</FONT></TD></TR>')
        if self.part_of:
            rows.append(f'<TR><TD><FONT POINT-SIZE="9">a big graph is drawn in '
                        f'{max(self.part_of.values()) + 1} parts,<BR/>each laid out on its '
                        f'own; an arrow between<BR/>parts ends in a ▸ "continues in part k"'
                        f'<BR/>and starts again at a ◂ "from part j"</FONT></TD></TR>')
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
    if note is None:
        b.split()
    return b.emit(note)
