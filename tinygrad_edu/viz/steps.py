"""The backward pass as a slide show: one picture per step of the engine.

Frame 0 is the forward graph (values only). Frame k shows the graph after the
engine's k-th backward step: the op just processed is highlighted, and every
gradient known at that moment is shown (a tensor used several times says how
many of its incoming messages have arrived). ``index.html`` steps through the
frames with buttons or the arrow keys, entirely offline.
"""
from __future__ import annotations

import json
import os
from typing import Any

from ..tensor import Tensor
from . import format as fmt
from .graph import Options, build, save
from .trace import Graph, Trace, collect, trace_backward

__all__ = ["backward_steps"]


def backward_steps(root: Tensor, out_dir: str | os.PathLike, show_values: bool = True,
                   show_formulas: bool = True, rankdir: str = "LR",
                   collapse_modules: bool = False, max_nodes: int | None = None) -> list[str]:
    """Write ``frame_000.svg`` (forward graph), one SVG per backward step (one per
    op node, in the engine's order) and ``index.html`` into ``out_dir``.
    Returns the frame paths; open ``index.html`` (``#3`` in the URL opens frame 3)."""
    if not root.requires_grad:
        raise ValueError("backward_steps: the root does not require grad, so there is no "
                         "backward pass to show")
    os.makedirs(out_dir, exist_ok=True)
    graph = collect(root)
    trace = trace_backward(graph)
    n = len(graph.order)
    paths, captions = [], []
    for k in range(n + 1):
        caption = _caption(graph, trace, k)
        opt = Options(show_values, True, show_formulas, rankdir, collapse_modules, max_nodes,
                      upto=k, highlight=graph.order[k - 1] if k else None,
                      title=f"step {k} of {n}: {caption}")
        view = build(graph, trace, opt)
        paths.append(save(view, os.path.join(out_dir, f"frame_{k:03d}.svg"), "svg"))
        captions.append(f"Step {k} of {n}: {caption}")
    _write_index(out_dir, [os.path.basename(p) for p in paths], captions)
    return paths


def _caption(graph: Graph, trace: Trace, k: int) -> str:
    names = graph.names
    root = names[id(graph.root)]
    if k == 0:
        return (f"the forward pass computed every value; backward starts at {root} "
                f"with ∂{root}/∂{root} = 1")
    node = graph.order[k - 1]
    out = graph.output(node)
    g = trace.grads.get(id(out))
    if g is None:
        return f"{graph.op_labels[id(node)]}: no gradient reached it"
    sent = []
    for pos, t in enumerate(node.inputs):
        msg = trace.messages.get((id(node), pos))
        if msg is not None:
            sent.append(f"{names[id(t)]} ← {_short(msg._data)}")
    return (f"{graph.op_labels[id(node)]} received ∂{root}/∂{names[id(out)]} = "
            f"{_short(g._data)} and multiplied it by its local derivative: "
            + (", ".join(sent) if sent else "nothing to send"))


def _short(a: Any) -> str:
    return fmt.array(a) if a.size <= 4 else f"shape {fmt.shape(a.shape)}, mean {fmt.num(a.mean())}"


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Backward pass, step by step</title>
<style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; margin: 12px; background: #fafafa; }}
#bar {{ display: flex; gap: 10px; align-items: center; }}
button {{ font-size: 16px; padding: 4px 14px; }}
#count {{ font-weight: bold; }}
#caption {{ margin: 8px 0; max-width: 70em; }}
#frame {{ max-width: 100%; background: white; border: 1px solid #ddd; }}
.hint {{ color: #777; font-size: 13px; }}
</style></head>
<body>
<div id="bar"><button id="prev">&#9664; previous</button><button id="next">next &#9654;</button>
<span id="count"></span><span class="hint">keys: &#8592; &#8594; (or space), Home, End</span></div>
<p id="caption"></p>
<img id="frame" alt="computation graph at this step">
<script>
const frames = {frames};
const captions = {captions};
let current = 0;
function show(k) {{
  current = Math.max(0, Math.min(frames.length - 1, k));
  document.getElementById("frame").src = frames[current];
  document.getElementById("caption").textContent = captions[current];
  document.getElementById("count").textContent = "frame " + current + " / " + (frames.length - 1);
  if (location.hash !== "#" + current) {{
    try {{ history.replaceState(null, "", "#" + current); }} catch (e) {{}}
  }}
}}
document.getElementById("prev").onclick = () => show(current - 1);
document.getElementById("next").onclick = () => show(current + 1);
document.addEventListener("keydown", (e) => {{
  if (e.key === "ArrowRight" || e.key === " ") {{ show(current + 1); e.preventDefault(); }}
  else if (e.key === "ArrowLeft") show(current - 1);
  else if (e.key === "Home") show(0);
  else if (e.key === "End") show(frames.length - 1);
}});
window.addEventListener("hashchange", () => show(parseInt(location.hash.slice(1)) || 0));
show(parseInt(location.hash.slice(1)) || 0);
</script>
</body></html>
"""


def _js(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def _write_index(out_dir: str | os.PathLike, frames: list[str], captions: list[str]) -> str:
    path = os.path.join(out_dir, "index.html")
    with open(path, "w", encoding="utf-8") as f:
        f.write(_PAGE.format(frames=_js(frames), captions=_js(captions)))
    return path
