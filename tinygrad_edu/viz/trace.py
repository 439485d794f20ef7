"""What every view of the graph needs: the DAG behind a tensor (ops, tensors, their
names and kinds, the modules that produced them) and one observed backward pass
(every tensor's gradient and the gradient message sent along every edge).

The backward pass is replayed here, op by op, in the engine's order, so the views
can show what the engine computes without asking users to call ``retain_grad``.
When ``backward()`` has already freed an op's saved tensors, the op is run again
on the same inputs (with the keyword parameters ``apply`` recorded) to get them
back, so the pictures work before and after ``backward()``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import enable_grad, no_grad
from ..autograd.function import Function
from ..autograd.reference import topological_order, walk
from ..nn.module import Parameter
from ..tensor import Tensor


# ---------------------------------------------------------------------------- replay
def replay(node: Function, inputs: tuple | None = None, kwargs: dict | None = None) -> Tensor:
    """Run ``node``'s op again (same keyword parameters unless ``kwargs``) on
    ``inputs`` (default: fresh leaf copies of its own inputs); returns the new,
    recorded output."""
    if inputs is None:
        inputs = tuple(Tensor._make(t._data, t.requires_grad, None) if isinstance(t, Tensor)
                       else t for t in node.inputs)
    with enable_grad():
        return type(node).apply(*inputs, **(node._kwargs if kwargs is None else kwargs))


def inputs64(node: Function, deltas: dict | None = None) -> tuple:
    """float64 copies of the node's inputs (float constants too), the input at
    position ``pos`` shifted by ``deltas[pos]``; Tensors that needed a gradient
    require one."""
    out = []
    for pos, t in enumerate(node.inputs):
        a = t._data if isinstance(t, Tensor) else t
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            a = a.astype(np.float64)
            if deltas and pos in deltas:
                a = a + deltas[pos]
        if isinstance(t, Tensor):
            a = Tensor._make(a, bool(node.needs_input_grad[pos]) and a.dtype.kind == "f", None)
        out.append(a)
    return tuple(out)


def kwargs64(node: Function) -> dict:
    """The node's keyword parameters with a float ``dtype`` widened to float64."""
    kw = dict(node._kwargs)
    if "dtype" in kw and np.dtype(kw["dtype"]).kind == "f":
        kw["dtype"] = np.float64
    return kw


def forward64(node: Function, deltas: dict | None = None) -> np.ndarray:
    """The node's forward recomputed in float64 (inputs shifted by ``deltas``)."""
    with no_grad():
        return type(node).apply(*inputs64(node, deltas), **kwargs64(node))._data


def node_vjp(node: Function, grad: Tensor) -> list[Tensor | None]:
    """The node's backward applied to ``grad``: one gradient per input position, in
    the shape backward returned (possibly broadcast), None where there is none."""
    keep = None
    fn = node
    if node.saved_released:               # backward() freed them: recompute
        keep = replay(node)
        fn = keep.grad_fn
    out = fn.backward(fn, grad)
    out = out if isinstance(out, tuple) else (out,)
    result: list[Tensor | None] = [None] * len(node.inputs)
    for pos, (need, g) in enumerate(zip(node.needs_input_grad, out)):
        if need and g is not None:
            result[pos] = g if isinstance(g, Tensor) else Tensor._make(np.asarray(g), False, None)
    del keep
    return result


def to_shape(g: Tensor, t: Tensor) -> Tensor:
    """A gradient message brought to the shape and dtype of the tensor it is for
    (summed over broadcast dimensions, as the engine does)."""
    if g.shape != t.shape:
        g = g.sum_to_shape(t.shape)
    return g if g.dtype == t.dtype else g.to(t.dtype)


# ---------------------------------------------------------------------------- graph
@dataclass
class ModuleCall:
    """One call of an ``nn.Module``: the ops between its inputs and its output."""
    module: Any
    path: str
    output: Function
    nodes: set = field(default_factory=set)     # ids of the op nodes inside
    leaves: set = field(default_factory=set)    # ids of leaf tensors used only inside


@dataclass
class Graph:
    """The DAG behind ``root``: ops in the engine's order (consumers first), every
    tensor once, and who consumes what."""
    root: Tensor
    order: list[Function]
    tensors: dict[int, Tensor]                  # id -> tensor (root first)
    consumers: dict[int, list]                  # id(tensor) -> [(node, position)]
    names: dict[int, str]                       # id(tensor) -> label
    kinds: dict[int, str]                       # id(tensor) -> parameter|leaf|input|intermediate|output
    op_labels: dict[int, str]                   # id(node) -> op name (+ number if repeated)
    calls: list[ModuleCall]
    outputs: dict[int, Tensor]                  # id(node) -> the tensor it produced

    def output(self, node: Function) -> Tensor:
        return self.outputs[id(node)]


def collect(root: Tensor) -> Graph:
    """Walk the graph behind ``root`` once and name/classify everything in it."""
    if not isinstance(root, Tensor):
        raise TypeError(f"viz: expected a Tensor, got {type(root).__name__}")
    order = topological_order([root.grad_fn]) if root.grad_fn is not None else []
    tensors: dict[int, Tensor] = {id(root): root}
    consumers: dict[int, list] = {id(root): []}
    # a node does not point to its output (that would be a reference cycle); every
    # output is the root or an input of a later node, so the walk finds them all
    outputs: dict[int, Tensor] = {id(root.grad_fn): root} if root.grad_fn is not None else {}
    for node in order:
        for pos, t in enumerate(node.inputs):
            if isinstance(t, Tensor):
                tensors.setdefault(id(t), t)
                consumers.setdefault(id(t), []).append((node, pos))
                if t.grad_fn is not None:
                    outputs[id(t.grad_fn)] = t
    calls = _module_calls(order)
    paths = _parameter_paths(calls)
    kinds: dict[int, str] = {}
    for i, t in tensors.items():
        if t is root:
            kinds[i] = "output"
        elif t.grad_fn is not None:
            kinds[i] = "intermediate"
        elif isinstance(t, Parameter):
            kinds[i] = "parameter"
        else:
            kinds[i] = "leaf" if t.requires_grad else "input"
    op_labels, names = _labels(order, outputs, tensors, paths)
    return Graph(root, order, tensors, consumers, names, kinds, op_labels, calls, outputs)


def _labels(order: list[Function], outputs: dict[int, Tensor], tensors: dict[int, Tensor],
            paths: dict[int, str]) -> tuple[dict[int, str], dict[int, str]]:
    """Op labels (``Mul``, or ``Mul 2`` when an op repeats) and tensor names: the
    user's ``.name``, else the parameter's module path (``0.weight``), else a short
    made-up name (``mul2`` for an op's result, ``t1`` for a leaf)."""
    counts: dict[str, int] = {}
    for node in order:
        counts[node.name()] = counts.get(node.name(), 0) + 1
    seen: dict[str, int] = {}
    op_labels: dict[int, str] = {}
    auto: dict[int, str] = {}
    for node in reversed(order):                  # forward order: producers first
        op = node.name()
        seen[op] = seen.get(op, 0) + 1
        op_labels[id(node)] = op if counts[op] == 1 else f"{op} {seen[op]}"
        auto[id(outputs[id(node)])] = op.lower() if counts[op] == 1 else f"{op.lower()}{seen[op]}"
    names: dict[int, str] = {}
    leaf_no = 0
    for i, t in sorted(tensors.items(), key=lambda kv: kv[1].grad_fn is not None):
        path = paths.get(i)
        if path is not None and (t.name is None or path.split(".")[-1] == t.name):
            names[i] = path
        elif t.name:
            names[i] = str(t.name)
        elif i in auto:
            names[i] = auto[i]
        else:
            leaf_no += 1
            names[i] = f"t{leaf_no}"
    return op_labels, names


def _module_calls(order: list[Function]) -> list[ModuleCall]:
    """Every tagged module call (see ``nn.Module.__call__``) with the ops it ran,
    named by its path inside the outermost module that contains it."""
    tagged = [(node, module, [a for a in args if isinstance(a, Tensor)]) for node in order
              for module, args in node._module_calls]
    if not tagged:
        return []
    paths: dict[int, str] = {}
    for m in _outermost([m for _, m, _ in tagged]):
        for name, sub in m.named_modules():
            paths.setdefault(id(sub), name or type(m).__name__)
    calls = []
    for node, module, inputs in tagged:
        call = ModuleCall(module, paths.get(id(module), type(module).__name__), node)
        stop = {id(t) for t in inputs}
        stack = [node]
        call.nodes.add(id(node))
        while stack:
            n = stack.pop()
            for t in n.inputs:
                if not isinstance(t, Tensor) or id(t) in stop:
                    continue
                fn = t.grad_fn
                if fn is None:
                    call.leaves.add(id(t))
                elif id(fn) not in call.nodes:
                    call.nodes.add(id(fn))
                    stack.append(fn)
        calls.append(call)
    return calls


def _parameter_paths(calls: list[ModuleCall]) -> dict[int, str]:
    """id(parameter) -> its dotted path (``0.weight``) in the outermost modules."""
    paths: dict[int, str] = {}
    for m in _outermost([c.module for c in calls]):
        for name, p in m.named_parameters():
            paths.setdefault(id(p), name)
    return paths


def _outermost(modules: list) -> list:
    """The modules (each once) that are not a submodule of another one in the list."""
    unique = {id(m): m for m in modules}
    inner = {id(sub) for m in unique.values() for sub in m.modules() if sub is not m}
    return [m for i, m in unique.items() if i not in inner]


# ---------------------------------------------------------------------------- trace
@dataclass
class Trace:
    """One backward pass from ``root`` (seeded with ones), observed step by step.

    ``messages[(id(node), pos)]`` is the gradient sent by ``node`` to its input at
    ``pos`` (upstream grad × local derivative, already in the input's shape);
    ``broadcast[(id(node), pos)]`` the shape it had before being summed down to a
    broadcast input's shape; ``grads[id(t)]`` the complete ∂root/∂t."""
    step_of: dict[int, int]                     # id(node) -> its step (0-based)
    messages: dict[tuple[int, int], Tensor]
    broadcast: dict[tuple[int, int], tuple]
    grads: dict[int, Tensor]
    seeded_with_ones: bool


def trace_backward(graph: Graph) -> Trace:
    """The engine's backward pass over ``graph`` (the reference engine's ``walk``),
    observed node by node, without touching ``.grad``."""
    root = graph.root
    seed = Tensor._make(np.ones_like(root._data), False, None)
    messages: dict[tuple[int, int], Tensor] = {}
    broadcast: dict[tuple[int, int], tuple] = {}
    grads: dict[int, Tensor] = {}
    step_of = {id(node): k for k, node in enumerate(graph.order)}

    def observe(node: Function, g: Tensor, in_grads: list) -> None:
        grads[id(graph.output(node))] = g
        for pos, gi in enumerate(in_grads):
            if gi is None:
                continue
            t = node.inputs[pos]
            if gi.shape != t.shape:
                broadcast[(id(node), pos)] = gi.shape
            messages[(id(node), pos)] = to_shape(gi, t)

    with no_grad():
        leaf_grads = walk([root], [seed], backward=node_vjp, on_node=observe)
    for i, (_, g) in leaf_grads.items():
        grads[i] = g
    return Trace(step_of, messages, broadcast, grads,
                 root._data.size != 1)
