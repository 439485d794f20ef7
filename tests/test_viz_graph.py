"""viz.draw_graph / render: the DOT structure, the styling, real renders."""
import re
import xml.etree.ElementTree as ET

import graphviz
import numpy as np
import pytest

import tinygrad_edu as te
from tinygrad_edu import Tensor, nn
from tinygrad_edu.viz import GraphView, GraphvizNotFound, draw_graph, render
from tinygrad_edu.viz.graph import STYLE
from tinygrad_edu.viz.trace import collect, trace_backward
from viz_helpers import named, needs_dot, neuron


def parse(dot: graphviz.Digraph):
    """Nodes (id -> full attribute text) and edges ((src, dst) -> attribute text)."""
    nodes, edges = {}, {}
    for line in dot.body:
        line = line.strip()
        m = re.match(r"^(\w+) -> (\w+)(.*)$", line)
        if m:
            edges.setdefault((m.group(1), m.group(2)), []).append(m.group(3))
            continue
        m = re.match(r"^(\w+) \[(.*)\]$", line, re.S)
        if m and m.group(1) not in ("graph", "node", "edge"):
            nodes[m.group(1)] = m.group(2)
    return nodes, edges


def by_name(nodes, name):
    """The id of the data node whose bold title is ``name``."""
    hits = [k for k, v in nodes.items() if f"<B>{name}</B>" in v and k.startswith("d")]
    assert len(hits) == 1, (name, hits)
    return hits[0]


def test_one_node_per_tensor_and_op_and_the_right_edges():
    o = neuron()
    nodes, edges = parse(draw_graph(o))
    data = [k for k in nodes if k.startswith("d")]
    ops = [k for k in nodes if k.startswith("o")]
    assert len(data) == 10 and len(ops) == 5      # 5 leaves + 5 results; 2 Mul, 2 Add, Tanh
    op_of = {k: re.search(r"<B>([\w ]+)</B>", nodes[k]).group(1) for k in ops}
    assert sorted(op_of.values()) == ["Add 1", "Add 2", "Mul 1", "Mul 2", "Tanh"]
    tanh = next(k for k, v in op_of.items() if v == "Tanh")
    assert (by_name(nodes, "n"), tanh) in edges and (tanh, by_name(nodes, "o")) in edges
    mul1 = next(k for k, v in op_of.items() if v == "Mul 1")
    assert (by_name(nodes, "x1"), mul1) in edges and (by_name(nodes, "w1"), mul1) in edges
    # every edge goes tensor -> op or op -> tensor
    for src, dst in edges:
        if "legend" not in (src, dst):
            assert {src[0], dst[0]} == {"d", "o"}


def test_values_grads_formulas_and_edge_messages():
    o = neuron()
    nodes, edges = parse(draw_graph(o))
    w1, x1 = nodes[by_name(nodes, "w1")], by_name(nodes, "x1")
    assert "data -3.0000" in w1 and "grad 1.0000" in w1
    assert "data 0.7071" in nodes[by_name(nodes, "o")]
    assert "grad -1.5000" in nodes[x1]
    tanh = next(v for k, v in nodes.items() if "<B>Tanh</B>" in v)
    assert "1 − tanh²(a)" in tanh
    (label,) = next(v for (s, _), v in edges.items() if s == x1)
    assert "← -1.5000" in label          # the message sent back to x1
    plain = parse(draw_graph(o, show_values=False, show_grads=False, show_formulas=False))[0]
    text = " ".join(plain.values())
    assert "data " not in text and "grad " not in text and "tanh²" not in text


def test_kinds_are_styled_with_a_legend():
    te.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 2), nn.Tanh())
    x = Tensor.randn(4, 3)
    x.name = "x"
    loss = net(x).sum()
    nodes, _ = parse(draw_graph(loss))
    weight = nodes[by_name(nodes, "0.weight")]
    assert STYLE["parameter"]["fillcolor"] in weight and "parameter" in weight
    assert STYLE["input"]["fillcolor"] in nodes[by_name(nodes, "x")]
    assert STYLE["output"]["fillcolor"] in nodes[by_name(nodes, "sum")]
    legend = nodes["legend"]
    for kind in ("parameter", "input, no grad", "intermediate", "output (root)"):
        assert kind in legend
    leaf = parse(draw_graph((named(1.0, "w") * 2).sum()))[0]
    assert STYLE["leaf"]["fillcolor"] in leaf[by_name(leaf, "w")]


def test_fan_out_shows_each_contribution_and_the_sum():
    x = named(3.0, "x")
    y = x * x + x
    nodes, edges = parse(draw_graph(y))
    xid = by_name(nodes, "x")
    assert "grad 7.0000" in nodes[xid]
    assert "= 3.0000 + 3.0000 + 1.0000" in nodes[xid] or "= 1.0000 + 3.0000 + 3.0000" \
        in nodes[xid]
    assert "sum over 3 uses" in nodes[xid]
    messages = sorted(m for (s, _), labels in edges.items() if s == xid for lab in labels
                      for m in re.findall(r"← ([-\d.]+)", lab))
    assert messages == ["1.0000", "3.0000", "3.0000"]


def test_shape_overlay_marks_broadcast_edges():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, dtype="float32", name="x")
    bias = Tensor([0.1, 0.2, 0.3], requires_grad=True, name="bias")
    y = (x + bias).sum()
    nodes, edges = parse(draw_graph(y))
    (label,) = next(v for (s, _), v in edges.items() if s == by_name(nodes, "bias"))
    assert "Σ (2, 3) → (3,)" in label and "broadcast" in label and "(3,)" in label
    assert "[2, 2, 2]" in label                   # each bias element got 2 rows' worth
    (xlabel,) = next(v for (s, _), v in edges.items() if s == by_name(nodes, "x"))
    assert "(2, 3)" in xlabel and "broadcast" not in xlabel
    assert "grad [2, 2, 2]" in nodes[by_name(nodes, "bias")]
    assert "summed<BR/>back to a broadcast input" in nodes["legend"]   # the legend says so
    assert "broadcast" not in parse(draw_graph((x * 2).sum()))[0]["legend"]


def test_large_gradients_are_summarised_by_their_size_not_their_mean():
    """Softmax cross-entropy sends the logits gradients that sum to 0 in every row:
    a plain mean would print ~0; the mean absolute value shows their size."""
    logits = Tensor(np.array([[2.0, -1.0, 0.5], [0.1, 0.2, -0.3]]), requires_grad=True,
                    name="logits")
    loss = nn.CrossEntropyLoss()(logits * 1.0, Tensor(np.array([0, 2])))
    nodes, edges = parse(draw_graph(loss))
    g = nn.functional.softmax(logits * 1.0, dim=-1).detach().numpy() - np.eye(3)[[0, 2]]
    (label,) = next(v for (s, _), v in edges.items() if s == by_name(nodes, "mul"))
    assert f"mean |g| {np.abs(g / 2).mean():.4f}" in label


def test_grads_match_autograd_even_after_backward_freed_the_graph():
    te.manual_seed(2)
    w = Tensor.randn(3, 2, requires_grad=True)
    w.name = "w"
    x = Tensor.randn(4, 3)
    x.name = "x"
    loss = (x @ w).tanh().mean()
    loss.backward()
    before = w.grad.detach().numpy().copy()
    nodes, _ = parse(draw_graph(loss))
    node = nodes[by_name(nodes, "w")]
    grad_text = node.split(">grad ")[1]
    for v in before.ravel():                        # 6 elements: written in full
        assert f"{v:.4g}" in grad_text
    np.testing.assert_array_equal(w.grad.detach().numpy(), before)     # drawing leaves .grad alone


def test_the_observed_backward_pass_equals_the_engine():
    te.manual_seed(4)
    net = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
    x = Tensor.randn(6, 3)
    loss = nn.CrossEntropyLoss()(net(x), Tensor(np.array([0, 1, 1, 0, 1, 0])))
    graph = collect(loss)
    before = trace_backward(graph)                  # saved tensors still there
    loss.backward()
    after = trace_backward(graph)                   # saved tensors freed: ops replayed
    for p in net.parameters():
        np.testing.assert_allclose(before.grads[id(p)].detach().numpy(), p.grad.detach().numpy(), rtol=1e-6)
        np.testing.assert_allclose(after.grads[id(p)].detach().numpy(), p.grad.detach().numpy(), rtol=1e-6)
    assert len(after.step_of) == len(graph.order) == 4   # CE, Linear, ReLU, Linear


def test_non_scalar_root_is_seeded_with_ones():
    x = named([1.0, 2.0], "x")
    dot = draw_graph(x * 3)
    assert "gradients are those of root.sum()" in dot.source
    assert "grad [3, 3]" in parse(dot)[0][by_name(parse(dot)[0], "x")]


def test_leaf_root_and_constants():
    x = named(2.0, "x")
    nodes, edges = parse(draw_graph(x))
    assert by_name(nodes, "x") and not any(k.startswith("o") for k in nodes)
    nodes, edges = parse(draw_graph(x * 5.0))
    consts = [k for k in nodes if k.startswith("c")]
    assert len(consts) == 1 and "const 5.0000" in nodes[consts[0]]


def _mlp(depth=10, width=4):
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(width, width), nn.ReLU()]
    return nn.Sequential(*layers)


def test_collapse_modules_draws_one_box_per_module_call():
    te.manual_seed(0)
    net = _mlp(10)
    loss = nn.MSELoss()(net(Tensor.randn(2, 4)), Tensor.randn(2, 4))
    full = parse(draw_graph(loss))[0]
    nodes, edges = parse(draw_graph(loss, collapse_modules=True))
    boxes = {k: v for k, v in nodes.items() if k.startswith("m")}
    assert len(boxes) == 21                          # 20 layers + the loss module
    titles = {re.search(r"<B>([\w.]+)</B>", v).group(1) for v in boxes.values()}
    assert titles == {str(i) for i in range(20)} | {"MSELoss"}
    box0 = next(v for v in boxes.values() if "<B>0</B>" in v)
    assert "weight (4, 4), bias (4,)" in box0 and "grad weight mean |g|" in box0
    assert not any("<B>0.weight</B>" in v for v in nodes.values())
    assert len(nodes) < len(full) / 2
    assert 'label=Sequential' in draw_graph(loss, collapse_modules=True).source
    # consecutive layers are joined box to box
    box_of = {re.search(r"<B>([\w.]+)</B>", v).group(1): k for k, v in boxes.items()}
    assert (box_of["0"], box_of["1"]) in edges and (box_of["19"], box_of["MSELoss"]) in edges


def test_module_clusters_in_the_full_view():
    te.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    src = draw_graph(net(Tensor.randn(1, 2)).sum()).source
    assert "label=Sequential" in src and 'label="0: Linear"' in src \
        and 'label="1: Tanh"' in src


def test_max_nodes_truncates_with_a_note():
    x = named(0.5, "x")
    t = x
    for _ in range(3000):                # 6001 nodes
        t = t * 0.999 + 0.001
    dot = draw_graph(t, max_nodes=40)
    nodes, edges = parse(dot)
    assert len(nodes) == 40              # everything drawn: constants, "more", legend
    assert "more" in nodes and "legend" in nodes
    assert "nodes not drawn (max_nodes=40)" in nodes["more"]
    assert any(s == "more" for s, _ in edges)
    assert by_name(nodes, "add3000")            # the root's end is what is kept
    assert all(s in nodes and d in nodes for s, d in edges)


@pytest.mark.parametrize("limit", [3, 20, 57, 300])
def test_max_nodes_bounds_every_node_drawn(limit):
    # the issue's case: a 120-op chain with constants, max_nodes=20 drew 26 nodes
    x = named(0.5, "x")
    w = named(0.9, "w")
    t = x
    for k in range(60):
        t = (t * w + 0.5) if k % 2 else (t * 0.999).sin()
    nodes, edges = parse(draw_graph(t, max_nodes=limit))
    assert len(nodes) <= limit
    assert all(s in nodes and d in nodes for s, d in edges)


def _shared_weight_chain(n_ops):
    x = Tensor([0.5, -0.3, 0.2], requires_grad=True, name="x")
    w = Tensor([0.99, 1.01, 0.98], requires_grad=True, name="w")
    h = x
    for k in range(n_ops):
        h = h * w if k % 2 == 0 else h + w
    return h.sum(), w


def test_a_shared_weight_is_repeated_as_small_reference_nodes():
    loss, w = _shared_weight_chain(2500)
    dot = draw_graph(loss)
    nodes, edges = parse(dot)
    degree: dict = {}
    for (s, d), attrs in edges.items():
        degree[s] = degree.get(s, 0) + len(attrs)
        degree[d] = degree.get(d, 0) + len(attrs)
    uses = 2500 + 2500 + 1           # every op's inputs, and the final sum
    n_edges = sum(len(a) for a in edges.values())
    assert n_edges <= 2 * uses       # O(uses) edges (with the markers between parts)
    assert max(degree.values()) <= 4     # no node with hundreds of edges
    refs = [k for k, v in nodes.items() if "shared: drawn once in full" in v]
    assert len(refs) == 2500 - 1         # one full node, a reference at each other use
    full = by_name(nodes, "w")
    assert "used 2500 times" in nodes[full]
    assert "dashed box: one more use of a shared tensor" in nodes["legend"]
    # parts laid out one by one, joined by markers
    assert "pack=true" in dot.source and "continues in part 2" in dot.source
    # every HTML label fits Graphviz's limit of 16,384 characters
    labels = re.findall(r"label=<(.*?)>\s*(?:\w+=|\])", dot.source, re.S)
    assert labels and max(map(len, labels)) < 16384


@needs_dot
def test_huge_names_are_clipped_and_the_dot_stays_valid(tmp_path):
    a = named(2.0, "a" * 20000 + "<&>")
    y = (a * 3.0).tanh()
    y.name = "y" * 50000
    src = draw_graph(y).source
    assert "a" * 20000 not in src and "…" in src
    ET.parse(render(y, tmp_path / "long", "svg"))


def test_a_scalar_gradient_summed_from_many_uses_lists_the_largest_few():
    s = named(2.0, "s")
    h = named(1.0, "h0")
    for _ in range(300):
        h = (h * s).tanh()
    nodes, _ = parse(draw_graph(h))
    label = nodes[by_name(nodes, "s")]
    assert "sum over 300 uses" in label and "297 smaller, together" in label
    assert len(label) < 2000
    # with repeat_shared=False the weight is one node with an edge to each use
    s = named(2.0, "s")
    h = named(1.0, "h0")
    for _ in range(60):
        h = (h * s).tanh()
    dot = draw_graph(h, repeat_shared=False)
    nodes, _ = parse(dot)
    src = by_name(nodes, "s")
    assert len(re.findall(rf"^\s*{src} -> ", dot.source, re.M)) == 60
    assert not any("shared: drawn once" in v for v in nodes.values())
    nodes, _ = parse(draw_graph(named(3.0, "a") * named(2.0, "b") * named(1.0, "c")))
    assert not any("shared: drawn once" in v for v in nodes.values())


def test_repeat_shared_true_repeats_every_shared_leaf():
    x = named(3.0, "x")
    y = x * x + x                         # x used three times: under the default threshold
    nodes, _ = parse(draw_graph(y))
    assert not any("shared: drawn once" in v for v in nodes.values())
    nodes, edges = parse(draw_graph(y, repeat_shared=True))
    refs = [k for k, v in nodes.items() if "shared: drawn once in full" in v]
    assert len(refs) == 2 and "used 3 times" in nodes[by_name(nodes, "x")]
    assert all(sum(1 for s, _ in edges if s == r) == 1 for r in refs)


def test_modules_collapse_by_default_past_a_size():
    from tinygrad_edu.viz.graph import COLLAPSE_PAST
    te.manual_seed(0)
    small = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    nodes, _ = parse(draw_graph(small(Tensor.randn(4, 2)).sum()))
    assert not any("box3d" in v for v in nodes.values())
    big = nn.Sequential(*[nn.Sequential(nn.Linear(4, 4), nn.Tanh()) for _ in range(40)])
    root = big(Tensor.randn(2, 4)).sum()
    assert len(collect(root).order) + len(collect(root).tensors) > COLLAPSE_PAST
    nodes, _ = parse(draw_graph(root))
    assert any("box3d" in v for v in nodes.values())
    nodes, _ = parse(draw_graph(root, collapse_modules=False))
    assert not any("box3d" in v for v in nodes.values())


def test_layout_engine_choice():
    o = neuron()
    assert draw_graph(o).engine == "dot"
    assert draw_graph(o, engine="sfdp").engine == "sfdp"
    with pytest.raises(ValueError, match="engine"):
        draw_graph(o, engine="circus")


@needs_dot
def test_sfdp_renders(tmp_path):
    ET.parse(render(neuron(), tmp_path / "g", "svg", engine="sfdp"))


@needs_dot
def test_graphviz_failures_are_a_clear_viz_error(tmp_path):
    bad = GraphView("broken")
    bad.body.append("a -> [\n")             # not DOT
    with pytest.raises(te.viz.GraphvizError, match="Graphviz's dot failed .*syntax error"):
        bad.pipe(format="svg")
    # a label over Graphviz's 16,384-character limit: an error with the cause, not a
    # BrokenPipeError
    huge = GraphView("huge")
    huge.node("n", label="<" + "x" * 70000 + ">")
    with pytest.raises(te.viz.GraphvizError, match="failed"):
        huge.pipe(format="svg")
    assert issubclass(GraphvizNotFound, te.viz.GraphvizError)


@needs_dot
def test_the_long_shared_weight_chain_renders(tmp_path):
    loss, _ = _shared_weight_chain(2500)
    ET.parse(render(loss, tmp_path / "chain", "svg"))


@needs_dot
def test_big_graphs_render_with_max_nodes_or_collapse(tmp_path):
    x = named(0.5, "x")
    t = x
    for _ in range(2600):
        t = (t * 0.999).sin()
    svg = render(t, tmp_path / "big", "svg", max_nodes=150)
    ET.parse(svg)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(Tensor(0.9))

        def forward(self, v):
            for _ in range(25):
                v = (v * self.w).tanh()
            return v

    te.manual_seed(0)
    net = nn.Sequential(*[Block() for _ in range(60)])    # 3000 ops, 6000+ nodes
    out = net(Tensor([0.3], requires_grad=True)).sum()
    dot = draw_graph(out, collapse_modules=True)
    assert dot.source.count("box3d") == 60
    ET.parse(render(out, tmp_path / "blocks", "svg", collapse_modules=True))


@needs_dot
def test_render_svg_png_pdf_and_dot(tmp_path):
    o = neuron()
    svg = render(o, tmp_path / "g.svg")
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg") and "0.7071" in open(svg, encoding="utf-8").read()
    png = render(o, tmp_path / "g", format="png")
    assert png.endswith("g.png") and open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    pdf = render(o, tmp_path / "g", format="pdf")
    assert open(pdf, "rb").read(4) == b"%PDF"
    dot = render(o, tmp_path / "g", format="dot")
    assert open(dot, encoding="utf-8").read().startswith("digraph")
    with pytest.raises(ValueError, match="format"):
        render(o, tmp_path / "g", format="jpg")


def test_without_graphviz_dot_source_works_and_render_says_how_to_install(tmp_path,
                                                                           monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))           # no 'dot' anywhere
    o = neuron()
    with pytest.raises(GraphvizNotFound, match="apt-get install graphviz"):
        render(o, tmp_path / "g", format="png")
    path = render(o, tmp_path / "g", format="dot")
    assert "0.7071" in open(path, encoding="utf-8").read()
    bundle = draw_graph(o)._repr_mimebundle_()
    assert set(bundle) == {"text/plain"} and "Graphviz" in bundle["text/plain"]
    assert o._repr_mimebundle_() == {"text/plain": repr(o)}


@needs_dot
def test_jupyter_display():
    o = neuron()
    view = draw_graph(o)
    assert isinstance(view, GraphView) and isinstance(view, graphviz.Digraph)
    assert ET.fromstring(view._repr_svg_().encode()).tag.endswith("svg")
    assert "image/svg+xml" in view._repr_mimebundle_()
    bundle = o._repr_mimebundle_()
    assert bundle["text/plain"] == repr(o) and "<svg" in bundle["image/svg+xml"]
    assert set(named(1.0, "leaf")._repr_mimebundle_()) == {"text/plain"}


def test_bad_arguments():
    o = neuron()
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(o, rankdir="sideways")
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(o, max_nodes=0)
    with pytest.raises(TypeError, match="Tensor"):
        draw_graph(np.ones(3))
    tb = draw_graph(o, rankdir="TB").source
    assert "rankdir=TB" in tb and "↑ -1.5000" in tb      # messages point the way back
