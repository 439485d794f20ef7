"""The whole of reverse mode, written to be read first.

``loss.backward()`` is the chain rule applied to the recorded graph:

1. order the nodes so that every node comes before the nodes that made its inputs;
2. seed the output with ∂loss/∂loss = 1;
3. visit the nodes in that order: by then a node has received the gradient of its
   output from *all* its consumers (summed), so its ``backward`` turns that complete
   gradient into one gradient per input, which is added to what the input has so far.

``te.autograd.set_engine("reference")`` makes ``backward()`` and ``te.grad`` run this
file, so you can step through your own model with a debugger. The production engine
(``engine.py``) computes the same numbers, and more; each extra is named below in a
comment starting with "production:".
"""
from __future__ import annotations

from typing import Callable, Iterable, Sequence

from ..tensor import Tensor
from .function import Function
from .grad_mode import _state, set_grad_enabled
from .history import grad_fn_of, rewired
from .versions import check_saved

__all__ = ["topological_order", "walk", "run_backward"]


def producer(t: object, consumer: Function) -> Function | None:
    """The node that made input ``t`` of ``consumer`` (None for a leaf or a constant).
    Usually ``t.grad_fn``; an in-place write may have changed that since (history.py)."""
    return grad_fn_of(t, consumer) if isinstance(t, Tensor) else None


def topological_order(roots: Iterable[Function]) -> list[Function]:
    """Every node reachable from ``roots``, each before the producers of its inputs
    (a depth-first search with an explicit stack: no recursion limit)."""
    order: list[Function] = []
    visited: set[Function] = set()
    history = rewired()     # Speed: without in-place writes, producer(t) is t.grad_fn
    for root in roots:
        if root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(root.inputs))]
        while stack:
            node, inputs = stack[-1]
            for t in inputs:
                fn = None if not isinstance(t, Tensor) else \
                    grad_fn_of(t, node) if history else t.grad_fn     # producer(t, node)
                if fn is not None and fn not in visited:
                    visited.add(fn)
                    stack.append((fn, iter(fn.inputs)))
                    break
            else:                       # all its producers are placed: place the node
                stack.pop()
                order.append(node)
    order.reverse()                     # consumers first
    return order


Backward = Callable[[Function, Tensor], Sequence]


def walk(roots: Sequence[Tensor], root_grads: Sequence[Tensor],
         backward: Backward | None = None,
         on_node: Callable[[Function, Tensor, Sequence], None] | None = None,
         release: bool = False) -> dict[int, tuple[Tensor, Tensor]]:
    """Propagate ``root_grads`` from ``roots`` to the leaves; returns
    ``{id(leaf): (leaf, ∂roots/∂leaf)}``. ``backward(node, g)`` computes a node's input
    gradients (default: its own ``backward``); ``on_node(node, g, input_grads)`` sees
    each step (te.viz draws it); ``release`` frees each node's saved tensors."""
    grads: dict[Function, Tensor] = {}                  # node -> gradient of its output
    leaf_grads: dict[int, tuple[Tensor, Tensor]] = {}

    def add(t: Tensor, g: Tensor, fn: Function | None) -> None:
        g = g.sum_to_shape(t._data.shape).to(t.dtype)   # undo broadcasting
        if fn is not None:
            grads[fn] = grads[fn] + g if fn in grads else g
        else:
            leaf_grads[id(t)] = (t, leaf_grads[id(t)][1] + g if id(t) in leaf_grads else g)

    for t, g in zip(roots, root_grads):
        if t.requires_grad:
            add(t, g, t.grad_fn)
    for node in topological_order([t.grad_fn for t in roots if t.grad_fn is not None]):
        g = grads.pop(node, None)
        if g is None:
            continue            # production: te.grad also skips nodes no input lies below
        # production: hooks, retain_grad and anomaly mode run here
        if node._epoch != _state["writes"]:     # an in-place write since it was recorded
            check_saved(node)                   # (versions.py): refuse stale saved values
        in_grads = backward(node, g) if backward else node.backward(node, g)
        in_grads = in_grads if isinstance(in_grads, (tuple, list)) else (in_grads,)
        if on_node is not None:
            on_node(node, g, in_grads)
        for t, gi, needed in zip(node.inputs, in_grads, node.needs_input_grad):
            if gi is not None and needed:       # built-in backwards may return arrays
                add(t, gi if isinstance(gi, Tensor) else Tensor(gi), producer(t, node))
        if release:
            node.release_saved()
    return leaf_grads


def run_backward(roots: Sequence[Tensor], root_grads: Sequence[Tensor], retain_graph: bool,
                 create_graph: bool, inputs: Sequence[Tensor] | None = None) -> list | None:
    """``backward()`` (``inputs=None``: add into each leaf's ``.grad``) or ``te.grad``
    (return the gradients of ``inputs``), by ``walk``."""
    with set_grad_enabled(create_graph):    # record the backward only for create_graph
        leaf_grads = walk(roots, root_grads, release=not retain_graph)
    if inputs is not None:
        return [leaf_grads[id(t)][1] if id(t) in leaf_grads else None for t in inputs]
    for leaf, g in leaf_grads.values():     # production: reuses arrays it may own
        g = g if create_graph else g.detach().clone()
        leaf.grad = g if leaf.grad is None else leaf.grad + g
    return None

