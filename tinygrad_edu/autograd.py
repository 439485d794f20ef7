"""The autograd core: ``Function`` nodes, grad mode, and the backward engine.

A ``Function`` subclass is one op: ``forward`` works on NumPy arrays, ``backward``
on Tensors (so the backward pass can itself be recorded for higher-order
gradients). Calling ``Op.apply(*inputs)`` runs ``forward`` and, when grad mode is
on and an input requires grad, records the ``Function`` instance as the output's
``grad_fn``. That instance doubles as the ``ctx`` object (as in PyTorch): it keeps
the inputs, what ``forward`` saved, and the hooks of its output.

The engine (``run_backward``) orders the recorded DAG with an iterative
depth-first search, then walks it from the root to the leaves, calling each
node's ``backward`` exactly once with the *complete* gradient of its output.
"""
from __future__ import annotations

import contextlib
import gc
import itertools
import operator
import weakref
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from .tensor import Tensor

__all__ = ["Function", "AccumulateGrad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "grad", "detect_anomaly", "run_backward"]

# ----------------------------------------------------------------------------------
# global state: the grad-mode flag and the anomaly flag (and nothing else)
# ----------------------------------------------------------------------------------
_state = {"grad": True, "anomaly": False}


def is_grad_enabled() -> bool:
    return _state["grad"]


class set_grad_enabled(contextlib.ContextDecorator):
    """Context manager / decorator that sets grad mode to ``mode`` and restores it."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.prev: list[bool] = []     # a stack: a decorated function may recurse

    def __enter__(self) -> None:
        self.prev.append(_state["grad"])
        _state["grad"] = self.mode

    def __exit__(self, *exc: Any) -> None:
        _state["grad"] = self.prev.pop()


class _ModeSwitch(set_grad_enabled):
    """A grad-mode switch used as ``with m():``, ``@m()`` or, like torch, bare ``@m``."""

    mode = False

    def __new__(cls, func: Callable | None = None) -> Any:
        switch = super().__new__(cls)
        if func is None:
            return switch
        switch.__init__()
        return switch(func)             # used as a bare decorator: the wrapped function

    def __init__(self, func: Callable | None = None) -> None:
        super().__init__(type(self).mode)


class no_grad(_ModeSwitch):
    """Nothing computed inside is recorded: results have no ``grad_fn``."""

    mode = False


class enable_grad(_ModeSwitch):
    """Turn recording back on inside a ``no_grad`` block."""

    mode = True


class detect_anomaly(contextlib.ContextDecorator):
    """Name the first op whose forward or backward produced NaN or inf."""

    def __init__(self) -> None:
        self.prev: list[bool] = []     # a stack: a decorated function may recurse

    def __enter__(self) -> None:
        self.prev.append(_state["anomaly"])
        _state["anomaly"] = True

    def __exit__(self, *exc: Any) -> None:
        _state["anomaly"] = self.prev.pop()


def _check_finite(arr: np.ndarray, what: str) -> None:
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        kind = "nan" if np.isnan(arr).any() else "inf"
        raise FloatingPointError(f"detect_anomaly: {what} produced {kind} values")


# ----------------------------------------------------------------------------------
# Function: one op = forward + backward
# ----------------------------------------------------------------------------------
_ndarray, _new_object, _make_tensor = np.ndarray, object.__new__, Tensor._make
_is = operator.is_
_FREED = object()  # marks a node whose saved tensors were released by backward
# one shared needs_input_grad tuple per pattern of up to 3 inputs (a fixed table): fewer
# objects kept per recorded node, which makes the garbage collector's walks cheaper
_SHARED_FLAGS = {flags: flags for n in (1, 2, 3)
                 for flags in itertools.product((False, True), repeat=n)}


class Function:
    """Base class of every op. Subclasses define two static methods:

        forward(ctx, *arrays, **params) -> np.ndarray
        backward(ctx, grad: Tensor) -> Tensor | tuple[Tensor | None, ...]

    ``backward`` returns one gradient per positional input of ``apply`` (``None``
    where there is none); gradients of broadcast inputs may keep the broadcast
    shape: the engine sums them back to the input's shape.
    """

    # Speed: slots make a node one small object, not an object plus its dict, so
    # recording is cheaper and so are the garbage collector's walks over a long graph.
    # Attributes a forward sets on ctx (ctx.shape = ...) go to the ``__dict__`` slot.
    __slots__ = ("inputs", "needs_input_grad", "_saved", "__dict__")
    # _saved: what forward saved (+ the output's array), an int n when it saved exactly
    # its first n inputs, or _FREED
    formula: str = ""            # the local derivative, shown by the renderer
    # defaults read by the engine, overridden per instance only when used
    _hooks: list | None = None
    _retain: weakref.ref | None = None
    _module_calls: tuple = ()    # ((module, positional args), ...) set by nn.Module.__call__
    _kwargs: dict = {}           # apply's keyword params, kept so viz can replay the op

    @staticmethod
    def forward(ctx: "Function", *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: "Function", grad: Tensor) -> Any:
        raise NotImplementedError

    # -- ctx API (PyTorch's names) --------------------------------------------
    def save_for_backward(self, *arrays: Any) -> None:
        """Keep arrays for ``backward``; they are released after backward."""
        self._saved = arrays

    def _freed_error(self) -> RuntimeError:
        return RuntimeError(
            f"Trying to backward through the graph a second time (through "
            f"{self.name()}): its saved tensors were freed after the first "
            f"backward. Pass retain_graph=True to the first backward() if you "
            f"need to call it again.")

    @property
    def saved_arrays(self) -> tuple:
        """The saved arrays themselves, for a backward that computes on arrays because
        it is not being recorded (no ``create_graph``): nothing to wrap or look up."""
        saved = self._saved
        if saved is _FREED:
            raise self._freed_error()
        if saved.__class__ is int:          # forward saved exactly its first n inputs
            result = []         # (a plain loop: cheaper than a comprehension for 2 inputs)
            for t in self.inputs[:saved]:
                result.append(t._data if t.__class__ is Tensor or isinstance(t, Tensor) else t)
            return tuple(result)
        return saved[:-1]                   # (apply appended the output's array)

    def unpack(self, grad: Tensor) -> tuple:
        """``(saved, grad)`` for a backward whose formula is plain arithmetic: the
        graph's Tensors when the backward is recorded (``create_graph``), else the bare
        arrays, so that one formula runs as Tensor ops or as plain NumPy."""
        if _state["grad"]:
            return self.saved_tensors, grad
        return self.saved_arrays, grad._data

    @property
    def saved_tensors(self) -> tuple:
        """The saved arrays as Tensors of the graph itself when they are an input or
        the output (so ``create_graph=True`` differentiates through them)."""
        saved = self._saved
        if saved is _FREED:
            raise self._freed_error()
        if saved.__class__ is int:          # forward saved exactly its first n inputs
            result = []         # (a plain loop: cheaper than a comprehension for 2 inputs)
            for t in self.inputs[:saved]:
                if t.__class__ is not Tensor and isinstance(t, _ndarray):
                    t = Tensor._make(t, False, None)    # a constant operand
                result.append(t)
            return tuple(result)
        if not saved:
            return ()
        out = saved[-1]                     # apply appended the output's array
        inputs = self.inputs
        result = []
        for arr in saved[:-1]:
            if arr is out:      # the output: a Tensor made by this node, as PyTorch unpacks it
                arr = Tensor._make(arr, True, self)
            elif arr.__class__ is _ndarray or isinstance(arr, _ndarray):
                owner = None    # an input's array: that input itself, else a constant
                for t in inputs:            # a plain scan: cheaper than a lookup dict
                    if t is not arr and isinstance(t, Tensor) and t._data is arr:
                        owner = t
                        break
                arr = Tensor._make(arr, False, None) if owner is None else owner
            result.append(arr)              # Python values (shapes, dims) pass through
        return tuple(result)

    @classmethod
    def name(cls) -> str:
        """The short op name (``Mul``), as the graph renderer shows it."""
        return cls.__name__

    torch_name: str = ""         # PyTorch's node name when it is not name() + "Backward0"

    def __repr__(self) -> str:
        """``<MulBackward0>``, as PyTorch prints the node."""
        return f"<{self.torch_name or self.name() + 'Backward0'}>"

    @property
    def next_functions(self) -> tuple:
        """``((node, 0), …)`` per input as in PyTorch: the input's ``grad_fn``, an
        ``AccumulateGrad`` for a leaf that requires grad, else ``None``."""
        out = []
        for t in getattr(self, "inputs", ()):
            if not isinstance(t, Tensor):
                node = None
            elif t.grad_fn is not None:
                node = t.grad_fn
            else:
                node = AccumulateGrad(t) if t.requires_grad else None
            out.append((node, 0))
        return tuple(out)


    # -- recording ---------------------------------------------------------------
    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` on the arrays of ``args`` and record the node if needed."""
        ctx = _new_object(cls)
        ctx._saved = ()
        arrays: list = []       # plain loops: faster than comprehensions for 1-3 args
        record = False
        if _state["grad"]:
            need = []
            for a in args:      # (an exact-class test first: cheaper than isinstance)
                if a.__class__ is Tensor or isinstance(a, Tensor):
                    arrays.append(a._data)
                    need.append(a.requires_grad)
                else:
                    arrays.append(a)
                    need.append(False)
            record = True in need
            need = tuple(need)
            ctx.needs_input_grad = _SHARED_FLAGS.get(need, need)
        else:       # no_grad, and every backward without create_graph: record nothing
            for a in args:
                arrays.append(a._data if a.__class__ is Tensor or isinstance(a, Tensor) else a)
            ctx.needs_input_grad = (False,) * len(args)
        try:
            data = cls.forward(ctx, *arrays, **kwargs) if kwargs else cls.forward(ctx, *arrays)
        except (ValueError, IndexError) as exc:     # NumPy's text names neither op nor shapes
            shapes = " and ".join(str(tuple(np.shape(a))) for a in arrays
                                  if isinstance(a, np.ndarray))
            kind = ValueError if isinstance(exc, ValueError) else IndexError
            raise kind(f"{cls.name().lower()}: cannot apply to shapes {shapes}: {exc}") from None
        if data.__class__ is not _ndarray:   # NumPy returns scalars for 0-d results
            raw, data = data, np.asarray(data)
            if ctx._saved:
                ctx._saved = tuple(data if s is raw else s for s in ctx._saved)
        if _state["anomaly"]:
            _check_finite(np.asarray(data), f"the forward of {cls.name()}")
        if not record:
            return _make_tensor(data, False, None)
        out = _make_tensor(data, True, ctx)
        ctx.inputs = args
        if kwargs:          # most ops have none: keep the shared empty class default
            ctx._kwargs = kwargs
        saved = ctx._saved
        if saved:
            # exactly the first inputs (a·b, A@B, x and W of x·Wᵀ + b)? They are in
            # ctx.inputs already: keep their number, not one more tuple per node (the
            # first test turns down ops that saved their output, like ReLU, cheaply)
            if (saved[0] is arrays[0] and len(saved) <= len(arrays)
                    and all(map(_is, saved, arrays))):
                ctx._saved = len(saved)
            else:   # keep the output's array, not the output Tensor: that would be a
                ctx._saved = saved + (data,)    # reference cycle node → output → node
        return out


class AccumulateGrad:
    """The node PyTorch puts where a gradient reaches a leaf: ``variable`` is the leaf."""

    __slots__ = ("variable",)
    next_functions: tuple = ()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return id(self.variable)

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


# ----------------------------------------------------------------------------------
# the backward engine
# ----------------------------------------------------------------------------------
def _topological_order(roots: Iterable[Function]) -> list[Function]:
    """Nodes reachable from ``roots``, every node before the nodes it consumes
    (iterative depth-first search: no recursion limit)."""
    order: list[Function] = []
    visited: set[Function] = set()      # nodes hash by identity
    for root in roots:
        if root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(root.inputs))]
        while stack:
            node, parents = stack[-1]
            for t in parents:
                fn = t.grad_fn if isinstance(t, Tensor) else None
                if fn is not None and fn not in visited:
                    visited.add(fn)
                    stack.append((fn, iter(fn.inputs)))
                    break
            else:
                stack.pop()
                order.append(node)      # post-order: parents first
    order.reverse()                     # now consumers come before producers
    return order


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
    shared = {id(g._data) for g in root_grads}   # arrays someone else holds: not a leaf's
    if inputs is not None:
        captured = [None] * len(inputs)
        for i, t in enumerate(inputs):
            if t.grad_fn is not None:
                wanted_nodes.setdefault(t.grad_fn, []).append(i)

    def deliver(t: Tensor, g: Tensor) -> None:
        """Add ``g`` to what ``t`` has received so far (summed back to t's shape)."""
        gd, td = g._data, t._data
        if gd.shape != td.shape:
            g = g.sum_to_shape(td.shape)
        if gd.dtype is not td.dtype and gd.dtype != td.dtype:
            g = g.to(td.dtype)
        fn = t.grad_fn
        if fn is None:
            entry = leaf_grads.get(id(t))
            if entry is None:
                leaf_grads[id(t)] = [t, g]
            else:
                entry[1] = entry[1] + g
        else:
            prev = grads.get(fn)
            grads[fn] = g if prev is None else prev + g

    # Speed: the walk allocates many short-lived objects but no cycles, so the cyclic
    # garbage collector only wastes time here; it is switched back on afterwards.
    gc_was_enabled, grad_mode = gc.isenabled(), _state["grad"]
    gc.disable()
    _state["grad"] = create_graph   # record the backward's own ops only for create_graph
    try:
        for t, g in zip(roots, root_grads):
            if t.requires_grad:
                deliver(t, g)
        order = _topological_order([t.grad_fn for t in roots if t.grad_fn is not None])
        useful = None if inputs is None else _nodes_leading_to(order, inputs)
        anomaly = _state["anomaly"]
        plain = not wanted_nodes and useful is None
        for node in order:
            g = grads.pop(node, None)
            if g is None:
                continue
            if node._hooks:
                g = _run_hooks(node._hooks, g)
            if node._retain is not None:
                out = node._retain()
                if out is not None:     # accumulates across backward calls, like a leaf
                    shared.add(id(g._data))
                    kept = g if create_graph else g.detach()
                    out.grad = kept if out.grad is None else out.grad + kept
            if not plain:           # te.grad only (one test per node otherwise)
                if node in wanted_nodes:
                    for i in wanted_nodes[node]:
                        captured[i] = g
                if useful is not None and node not in useful:
                    continue        # nothing it asked for lies below this node
            if anomaly:     # blame NaN/inf on this node's backward, not its inner ops
                _state["anomaly"] = False
                try:
                    in_grads = node.backward(node, g)
                finally:
                    _state["anomaly"] = True
            else:
                in_grads = node.backward(node, g)
            if in_grads.__class__ is not tuple:
                in_grads = (in_grads,)
            if len(in_grads) != len(node.inputs):
                _check_grad_count(node, in_grads)
            node_inputs, needs = node.inputs, node.needs_input_grad
            i = -1
            for gi in in_grads:       # (an index: cheaper than a zip of three)
                i += 1
                if gi is not None and needs[i]:
                    t = node_inputs[i]
                    if gi.__class__ is Tensor or isinstance(gi, Tensor):
                        gd = gi._data
                    else:               # built-in backwards return arrays when not recorded
                        gi = _make_tensor(gi, False, None)
                        gd = gi._data
                    if anomaly:
                        _check_finite(gd, f"the backward of {node.name()}")
                    # Speed: deliver()'s commonest case inline: the first gradient
                    # of t, already of t's shape and dtype
                    td = t._data
                    if gd.shape == td.shape and gd.dtype is td.dtype:
                        fn = t.grad_fn
                        if fn is not None:
                            if fn not in grads:
                                grads[fn] = gi
                                continue
                        elif id(t) not in leaf_grads:
                            leaf_grads[id(t)] = [t, gi]
                            continue
                    try:
                        deliver(t, gi)
                    except ValueError:      # a custom backward returned a wrong shape
                        raise ValueError(
                            f"{node.name()}.backward returned a gradient of shape "
                            f"{tuple(gi.shape)} for an input of shape {t._data.shape}; it must "
                            f"have that shape or broadcast to it") from None
            if not retain_graph:
                node._saved = _FREED
    finally:
        _state["grad"] = grad_mode
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
            if data.base is not None or id(data) in shared or not data.flags.writeable:
                data = data.copy()
            shared.add(id(data))
            fresh = data is g._data and not g.requires_grad
            t.grad = g if fresh else Tensor._make(data, False, None)
    return None


def _nodes_leading_to(order: list[Function], inputs: Sequence[Tensor]) -> set[Function]:
    """The nodes whose backward must run for ``te.grad``: those with one of ``inputs``
    somewhere below them (like torch, the walk stops at the inputs, so it neither
    wastes work nor touches parts of the graph that were already freed)."""
    leaves = {id(t) for t in inputs if t.grad_fn is None}
    wanted = {t.grad_fn for t in inputs if t.grad_fn is not None}
    useful: set[Function] = set()
    for node in reversed(order):        # producers before consumers
        for t in node.inputs:
            if isinstance(t, Tensor) and (id(t) in leaves if t.grad_fn is None else
                                          t.grad_fn in wanted or t.grad_fn in useful):
                useful.add(node)
                break
    return useful


def _check_grad_count(node: Function, in_grads: tuple) -> None:
    """A backward may leave out trailing gradients of inputs that need none."""
    if len(in_grads) > len(node.inputs) or any(node.needs_input_grad[len(in_grads):]):
        raise RuntimeError(f"{node.name()}.backward returned {len(in_grads)} gradients, but "
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
    run_backward([tensor], seeds, retain_graph, create_graph)


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
    result = run_backward(outs, _seed_grads(outs, grad_outputs), retain_graph,
                          create_graph, inputs=ins)
    for i, g in enumerate(result):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} does not appear in the graph of the outputs; pass "
                    f"allow_unused=True to get None for it")
        elif not create_graph:
            result[i] = g.detach()
    return tuple(result)
