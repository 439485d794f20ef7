"""The backward engine: order the recorded DAG with an iterative depth-first
search, then walk it from the root to the leaves, calling each node's ``backward``
exactly once with the *complete* gradient of its output."""
from __future__ import annotations

import contextlib
import gc
from typing import Iterator, Sequence

import numpy as np

from ..tensor import Tensor
from .anomaly import _check_finite
from .function import _FREED, Function, _make_tensor
from .grad_mode import _state
from .history import grad_fn_of, rewired
from .reference import topological_order
from . import reference
from .versions import check_saved

__all__ = ["backward", "grad", "run_backward", "set_engine", "get_engine", "use_engine"]


def _run_hooks(hooks: list | None, g: Tensor) -> Tensor:
    for hook in hooks or ():
        new = hook(g)
        if new is not None:
            g = new if isinstance(new, Tensor) else Tensor(new)
    return g


def run_backward(roots: Sequence[Tensor], root_grads: Sequence[Tensor], retain_graph: bool,
                 create_graph: bool, inputs: Sequence[Tensor] | None = None) -> list | None:
    """Apply the chain rule from ``roots`` (seeded with ``root_grads``) to the leaves.

    With ``inputs=None`` the gradients accumulate into the leaves' ``.grad``
    (``Tensor.backward``); otherwise the gradients w.r.t. ``inputs`` are returned
    and no ``.grad`` is touched (``te.grad``).
    """
    grads: dict[Function, Tensor] = {}      # gradient of each node's output so far
    leaf_grads: dict[int, list] = {}        # id(leaf) -> [leaf, gradient]
    wanted_nodes: dict[Function, list] = {}  # non-leaf inputs of te.grad -> positions
    captured: list = []
    # ids of arrays someone else holds (the caller, another leaf, retain_grad): a leaf
    # given one as its .grad gets a copy, so that writing into its .grad changes nothing else
    held_elsewhere = {id(g._data) for g in root_grads}
    if inputs is not None:
        captured = [None] * len(inputs)
        for i, t in enumerate(inputs):
            if t.grad_fn is not None:
                wanted_nodes.setdefault(t.grad_fn, []).append(i)

    def deliver(t: Tensor, g: Tensor, producer: Function | None) -> None:
        """Add ``g`` to what ``t`` (made by ``producer``, None for a leaf) has received
        so far (summed back to t's shape)."""
        g_data, t_data = g._data, t._data
        if g_data.shape != t_data.shape:
            g = g.sum_to_shape(t_data.shape)
        if g_data.dtype is not t_data.dtype and g_data.dtype != t_data.dtype:
            g = g.to(t_data.dtype)
        if producer is None:
            entry = leaf_grads.get(id(t))
            if entry is None:
                leaf_grads[id(t)] = [t, g]
            else:
                entry[1] = entry[1] + g
        else:
            prev = grads.get(producer)
            grads[producer] = g if prev is None else prev + g

    # Speed: the walk allocates many short-lived objects but no cycles, so the cyclic
    # garbage collector only wastes time here; it is switched back on afterwards.
    gc_was_enabled, grad_mode_before = gc.isenabled(), _state["grad"]
    gc.disable()
    _state["grad"] = create_graph   # record the backward's own ops only for create_graph
    try:
        for t, g in zip(roots, root_grads):
            if t.requires_grad:
                deliver(t, g, t.grad_fn)
        order = topological_order([t.grad_fn for t in roots if t.grad_fn is not None])
        # te.grad: only the nodes with one of `inputs` below them run (None: all do)
        nodes_to_run = None if inputs is None else _nodes_leading_to(order, inputs)
        anomaly = _state["anomaly"]
        # backward() / te.grad of leaves only: nothing to capture or prune per node
        whole_graph = not wanted_nodes and nodes_to_run is None
        # Speed: unless an in-place write rewired some tensor, each input's producer is
        # its grad_fn (no look-up of which producer this consumer saw)
        any_rewired = rewired()
        for node in order:
            g = grads.pop(node, None)
            if g is None:
                continue
            if node._hooks:
                g = _run_hooks(node._hooks, g)
            if node._retain is not None:
                retained = node._retain()   # the output Tensor, if it is still alive
                if retained is not None:    # accumulates across backward calls, like a leaf
                    held_elsewhere.add(id(g._data))
                    kept = g if create_graph else g.detach()
                    retained.grad = kept if retained.grad is None else retained.grad + kept
            if not whole_graph:     # Speed: te.grad only (one test per node otherwise)
                if node in wanted_nodes:
                    for i in wanted_nodes[node]:
                        captured[i] = g
                if nodes_to_run is not None and node not in nodes_to_run:
                    continue        # nothing it asked for lies below this node
            if node._epoch != _state["writes"]:    # some in-place write since it was
                check_saved(node)                   # recorded: were its arrays written?
            if anomaly:     # blame NaN/inf on this node's backward, not its inner ops
                _state["anomaly"] = False
                try:
                    input_grads = node.backward(node, g)
                finally:
                    _state["anomaly"] = True
            else:
                input_grads = node.backward(node, g)
            if input_grads.__class__ is not tuple:
                input_grads = (input_grads,)
            if len(input_grads) != len(node.inputs):
                _check_grad_count(node, input_grads)
            node_inputs, needs = node.inputs, node.needs_input_grad
            i = -1
            for input_grad in input_grads:   # (an index: cheaper than a zip of three)
                i += 1
                if input_grad is not None and needs[i]:
                    t = node_inputs[i]
                    if input_grad.__class__ is Tensor or isinstance(input_grad, Tensor):
                        g_data = input_grad._data
                    else:               # built-in backwards return arrays when not recorded
                        input_grad = _make_tensor(input_grad, False, None)
                        g_data = input_grad._data
                    if anomaly:
                        _check_finite(g_data, f"the backward of {node.name()}")
                    # Speed: deliver()'s commonest case inline: the first gradient
                    # of t, already of t's shape and dtype
                    t_data = t._data
                    producer = grad_fn_of(t, node) if any_rewired else t.grad_fn
                    if g_data.shape == t_data.shape and g_data.dtype is t_data.dtype:
                        if producer is not None:
                            if producer not in grads:
                                grads[producer] = input_grad
                                continue
                        elif id(t) not in leaf_grads:
                            leaf_grads[id(t)] = [t, input_grad]
                            continue
                    try:
                        deliver(t, input_grad, producer)
                    except ValueError:      # a custom backward returned a wrong shape
                        raise ValueError(
                            f"{node.name()}.backward returned a gradient of shape "
                            f"{tuple(input_grad.shape)} for an input of shape "
                            f"{t._data.shape}; it must have that shape or broadcast to "
                            f"it") from None
            if not retain_graph:
                node._saved = _FREED    # Speed: release_saved() inlined (a call per node)
    finally:
        _state["grad"] = grad_mode_before
        if gc_was_enabled:
            gc.enable()

    if inputs is not None:
        for i, t in enumerate(inputs):
            entry = leaf_grads.get(id(t))
            if entry is not None:
                captured[i] = _run_hooks(t._hooks, entry[1])
        return captured
    for t, g in leaf_grads.values():
        if t._hooks:
            g = _run_hooks(t._hooks, g)
        if create_graph:
            t.grad = g if t.grad is None else t.grad + g
        elif t.grad is not None:
            t.grad = Tensor._make(t.grad._data + g._data, False, None)
        else:   # the leaf owns its gradient: copy a view (a read-only broadcast, say) or
            data = g._data           # an array the caller or another leaf holds (a + b)
            if data.base is not None or id(data) in held_elsewhere or not data.flags.writeable:
                data = data.copy()
            held_elsewhere.add(id(data))
            g_is_ownable = data is g._data and not g.requires_grad   # not copied, no graph
            t.grad = g if g_is_ownable else Tensor._make(data, False, None)
    return None


def _nodes_leading_to(order: list[Function], inputs: Sequence[Tensor]) -> set[Function]:
    """The nodes whose backward must run for ``te.grad``: those with one of ``inputs``
    somewhere below them (like torch, the walk stops at the inputs, so it neither
    wastes work nor touches parts of the graph that were already freed)."""
    leaves = {id(t) for t in inputs if t.grad_fn is None}
    wanted = {t.grad_fn for t in inputs if t.grad_fn is not None}
    leading: set[Function] = set()
    for node in reversed(order):        # producers before consumers
        for t in node.inputs:
            producer = grad_fn_of(t, node) if isinstance(t, Tensor) else None
            if isinstance(t, Tensor) and (id(t) in leaves if producer is None else
                                          producer in wanted or producer in leading):
                leading.add(node)
                break
    return leading


def _check_grad_count(node: Function, input_grads: tuple) -> None:
    """A backward may leave out trailing gradients of inputs that need none."""
    if len(input_grads) > len(node.inputs) or any(node.needs_input_grad[len(input_grads):]):
        raise RuntimeError(f"{node.name()}.backward returned {len(input_grads)} gradients, but "
                           f"its forward had {len(node.inputs)} inputs")


def _as_list(x: Tensor | Sequence[Tensor]) -> list[Tensor]:
    return [x] if isinstance(x, Tensor) else list(x)


def _seed_grads(outputs: list[Tensor], grad_outputs: list | None) -> list[Tensor]:
    seeds = []
    for i, out in enumerate(outputs):
        g = None if grad_outputs is None else grad_outputs[i]
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs, but this "
                    f"output has shape {tuple(out.shape)}: pass gradient= (a Tensor of shape "
                    f"{tuple(out.shape)}, e.g. te.ones_like(out)) to say how to weigh each element")
            ones = np.empty(out._data.shape, out._data.dtype)   # Speed: np.ones is a Python
            ones.fill(1)                                       # wrapper, ~1.5 µs more
            g = Tensor._make(ones, False, None)
        else:
            if not isinstance(g, Tensor):
                g = Tensor(np.asarray(g, dtype=out.dtype))
            if g.shape != out.shape:
                raise RuntimeError(f"backward: gradient has shape {tuple(g.shape)} but the output "
                                   f"has shape {tuple(out.shape)}; they must match")
        seeds.append(g)
    return seeds


# -- choosing the engine --------------------------------------------------------------
_ENGINES = {"production": None, "reference": reference.run_backward}  # None: run_backward
_engine_in_use = ["production"]     # (a one-item list: set_engine changes it in place)


def set_engine(name: str) -> None:
    """Run ``backward()`` and ``te.grad`` with the ``"production"`` engine (this file) or
    the ``"reference"`` one (reference.py: the chain rule alone, to read and step through)."""
    if name not in _ENGINES:
        raise ValueError(f"set_engine: unknown engine {name!r}; choose one of "
                         f"{sorted(_ENGINES)}")
    _engine_in_use[0] = name


def get_engine() -> str:
    """The name of the engine ``backward()`` runs."""
    return _engine_in_use[0]


@contextlib.contextmanager
def use_engine(name: str) -> Iterator[None]:
    """``with use_engine("reference"): loss.backward()`` — the engine for one block."""
    before = get_engine()
    set_engine(name)
    try:
        yield
    finally:
        set_engine(before)


def _run_engine(roots: Sequence[Tensor], root_grads: Sequence[Tensor], retain_graph: bool,
                create_graph: bool, inputs: Sequence[Tensor] | None = None) -> list | None:
    if _engine_in_use[0] == "reference":
        _refuse_what_only_production_does(roots, inputs)
    return (_ENGINES[_engine_in_use[0]] or run_backward)(roots, root_grads, retain_graph,
                                                         create_graph, inputs)


def _refuse_what_only_production_does(roots: Sequence[Tensor],
                                      inputs: Sequence[Tensor] | None) -> None:
    """A clear error, never a silent difference, for what this engine leaves out."""
    def refuse(what: str) -> None:
        raise RuntimeError(f"the reference engine does not support {what}; switch back "
                           f"with te.autograd.set_engine('production')")
    if _state["anomaly"]:
        refuse("anomaly mode")
    if inputs is not None and any(t.grad_fn is not None for t in inputs):
        refuse("te.grad with respect to non-leaf tensors")
    for node in topological_order([t.grad_fn for t in roots if t.grad_fn is not None]):
        if node._hooks or node._retain is not None:
            refuse("hooks or retain_grad on non-leaf tensors")
        for t in node.inputs:
            if isinstance(t, Tensor) and t._hooks:
                refuse("hooks on leaf tensors")


def backward(tensor: Tensor, gradient: Tensor | None = None, retain_graph: bool | None = None,
             create_graph: bool = False) -> None:
    """``tensor.backward()``: accumulate d tensor / d leaf into every leaf's ``.grad``."""
    if not tensor.requires_grad:
        raise RuntimeError("backward: this tensor does not require grad and has no "
                           "grad_fn; set requires_grad=True on the leaves you want "
                           "gradients for (and don't compute it under no_grad)")
    if retain_graph is None:
        retain_graph = create_graph
    seeds = _seed_grads([tensor], None if gradient is None else [gradient])
    _run_engine([tensor], seeds, retain_graph, create_graph)


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
         retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """d outputs / d inputs as a tuple, like ``torch.autograd.grad``; ``.grad`` of the
    inputs is left untouched."""
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    for t in ins:
        if not t.requires_grad:
            raise RuntimeError("grad: one of the differentiated Tensors does not require grad")
    for o in outs:
        if not o.requires_grad:
            raise RuntimeError("grad: one of the outputs does not require grad (no grad_fn)")
    if grad_outputs is not None:
        grad_outputs = _as_list(grad_outputs) if not isinstance(grad_outputs, Tensor) \
            else [grad_outputs]
        if len(grad_outputs) != len(outs):
            raise RuntimeError(f"grad: got {len(grad_outputs)} grad_outputs for "
                               f"{len(outs)} outputs")
    if retain_graph is None:
        retain_graph = create_graph
    result = _run_engine(outs, _seed_grads(outs, grad_outputs), retain_graph, create_graph,
                         inputs=ins)
    for i, g in enumerate(result):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} does not appear in the graph of the outputs; pass "
                    f"allow_unused=True to get None for it")
        elif not create_graph:
            result[i] = g.detach()
    return tuple(result)
