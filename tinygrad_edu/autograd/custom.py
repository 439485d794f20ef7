"""The public ``te.autograd.Function``: a custom op written as PyTorch documents it.

    class MyReLU(te.autograd.Function):
        @staticmethod
        def forward(ctx, input):                 # Tensors in, recording off
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):          # one gradient per forward input
            input, = ctx.saved_tensors
            return grad_output * (input >= 0)

    y = MyReLU.apply(x)                          # y.grad_fn is <MyReLUBackward>

The contract (PyTorch's): ``forward(ctx, *args, **kwargs)`` gets the Tensors
themselves (non-Tensor arguments pass through) with grad mode off, and returns a
Tensor, or a tuple of Tensors and other values. ``backward(ctx, *grad_outputs)``
gets one gradient per output and returns one gradient per forward argument (None
for a non-Tensor one, or for an input that needs none). It runs with grad mode off,
unless the backward pass is itself recorded (``create_graph=True``): then its
Tensor ops are recorded too, which gives second derivatives for free.

The built-in ops use the array-level base in ``autograd.function`` (forward on
NumPy arrays, saved arrays, no wrapping), which this class extends: the recorded
node of a call is an instance of a class made once per ``Function`` subclass,
``MyReLUBackward``, which is also the ``ctx`` that ``forward`` and ``backward`` see.

One difference from PyTorch: a node here has exactly one output (the engine's
design), so a ``Function`` with several differentiable outputs records one node
per output. Each runs ``backward`` with its own output's gradient and the others'
as zeros (None with ``set_materialize_grads(False)``); the engine adds up what
they return, which is the same gradient, since a vector-Jacobian product is
linear in the output gradients. ``backward`` is then called once per output that
received a gradient, not once in all.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..tensor import Tensor
from .function import _FREED, _forward, _tangents, Function as _Op
from .grad_mode import _state
from .history import count_write, rewire

__all__ = ["Function"]

_make = Tensor._make
_new_object = object.__new__


def _written(t: Tensor, node: Function | None) -> None:
    """``t`` (a forward input, returned by ``forward`` after ``ctx.mark_dirty(t)``) was
    modified in place by that forward: bump its version and, when the call is recorded,
    make ``node`` its producer from now on (earlier consumers keep the old one)."""
    count_write(t)
    if node is not None:
        rewire(t, node)


class Function(_Op):
    """Base class of custom ops written as in PyTorch (see the module docstring).

    Subclass it with two static methods and call ``MyFn.apply(*args, **kwargs)``:

        forward(ctx, *args, **kwargs) -> Tensor | tuple
        backward(ctx, *grad_outputs) -> Tensor | None | tuple[Tensor | None, ...]

    or, as PyTorch 2 also allows, ``forward(*args, **kwargs)`` without ctx plus
    ``setup_context(ctx, inputs, output)``, which fills ctx from ``inputs`` (the
    tuple of positional arguments) and ``output`` (what forward returned).
    """

    _forward_cls: type = None   # on the node classes: the user's Function subclass
    _output: int | None = None  # on the node classes: which output (None: not a tuple)
    _materialize: bool = True   # ctx state, per instance only when changed
    _non_differentiable: frozenset = frozenset()
    _dirty: frozenset = frozenset()
    _recording: bool = False    # whether apply records this call (set before forward)
    saved_ends_with_output = False  # _saved holds only what forward saved (versions.py)
    _out_meta: tuple = ()       # multi-output nodes: (shape, dtype) or None per output
    _node_classes: dict = {}    # output -> node class (see _node_class), one per subclass

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give each user subclass its own cache of node classes (``<Name>Backward``,
        made by ``_node_class`` on first use); the node classes need none."""
        super().__init_subclass__(**kwargs)
        if cls._forward_cls is None:
            cls._node_classes = {}

    def __init__(self) -> None:
        warnings.warn(f"{type(self)} should not be instantiated. Methods on autograd "
                      f"functions are all static, so you should invoke them on the class "
                      f"itself. Instantiating an autograd function will raise an error in a "
                      f"future version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please "
            "use new-style autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        """The op on Tensors, run with grad mode off; see the class docstring."""
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        """Fill ``ctx`` for a ``forward`` written without ctx (PyTorch 2's style)."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Tensor) -> Any:
        """The vector-Jacobian product: ``grad_outputs`` in, one gradient per forward
        argument out (``∂L/∂input_i = Σ_j grad_output_j · ∂output_j/∂input_i``)."""
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD.")

    # -- the ctx API (PyTorch's names) ----------------------------------------------
    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep Tensors (inputs, outputs or intermediates of forward; None allowed) for
        ``backward``, which reads them back from ``ctx.saved_tensors``; the engine frees
        them after backward unless ``retain_graph=True``."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument "
                                f"{i} is of type {type(t).__name__}")
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        """What forward saved. A saved input is that input itself and a saved output is
        an output of this node, so a recorded backward (``create_graph=True``)
        differentiates through them."""
        saved = self._saved
        if saved is _FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access "
                "saved tensors after they have already been freed). Saved intermediate "
                "values of the graph are freed when you call .backward() or autograd.grad(). "
                "Specify retain_graph=True if you need to backward through the graph a "
                "second time or if you need to access saved tensors after calling backward.")
        out = []
        for s in saved:
            if s.__class__ is tuple:        # an output: (its array, output index)
                data, k = s
                s = _make(data, True, self if k == self._output else self._nodes[k])
            out.append(s)
        return tuple(out)

    @property
    def next_functions(self) -> tuple:
        """``((node, 0), …)`` per Tensor argument of ``forward``, as in PyTorch (other
        arguments have no entry)."""
        return tuple(pair for pair, t in zip(super().next_functions, self.inputs)
                     if isinstance(t, Tensor))

    def _array_fast_path(self) -> Any:
        raise AttributeError("saved_arrays and unpack belong to the built-in ops' array-level "
                             "base (tinygrad_edu.autograd.function.Function); a custom "
                             "Function reads ctx.saved_tensors")

    saved_arrays = unpack = property(_array_fast_path)

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """Declare outputs (indices, masks) that get no gradient: they do not require
        grad, and backward still receives a gradient for each (zeros)."""
        self._non_differentiable = self._non_differentiable | {id(t) for t in outputs}

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Declare inputs that forward modified in place; forward must return them. The
        returned Tensor is the input object itself, now with this node as ``grad_fn``."""
        for t in tensors:
            if self._recording and t.grad_fn is None and t.requires_grad:
                raise RuntimeError("a leaf Variable that requires grad has been used in an "
                                   "in-place operation.")
        self._dirty = self._dirty | {id(t) for t in tensors}

    def set_materialize_grads(self, value: bool) -> None:
        """With True (the default) backward gets zeros for outputs that received no
        gradient; with False it gets None for them."""
        self._materialize = bool(value)

    # -- recording -------------------------------------------------------------------
    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` with grad mode off and, when grad mode is on and a Tensor
        argument requires grad, record the node as the outputs' ``grad_fn``."""
        node_cls = _node_class(cls, None)
        ctx = _new_object(node_cls)
        ctx._saved = ()
        need = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        record = _state["grad"] and True in need
        ctx.needs_input_grad = need     # (as in PyTorch, also under no_grad)
        if record:
            ctx._recording = True
        grad_mode, tangents_off = _state["grad"], _forward["off"]
        _state["grad"] = False
        _forward["off"] = True          # forward mode: the op's jvp gives its tangents
        try:
            if cls.setup_context is Function.setup_context:
                result = cls.forward(ctx, *args, **kwargs)
            else:
                result = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, result)
        finally:
            _state["grad"], _forward["off"] = grad_mode, tangents_off
        is_tuple = result.__class__ is tuple or isinstance(result, tuple)
        outs = tuple(result) if is_tuple else (result,)
        dirty = ctx._dirty
        if dirty and not dirty <= {id(o) for o in outs if isinstance(o, Tensor)}:
            raise RuntimeError("Some elements marked as dirty during the forward method were "
                               "not returned as output. The inputs that are modified inplace "
                               "must all be outputs of the Function.")
        arg_ids = {id(a) for a in args if isinstance(a, Tensor)}
        if not record:
            final = [o if not isinstance(o, Tensor) or id(o) in dirty or id(o) not in arg_ids
                     else _make(o._data, False, None) for o in outs]
            for o in outs:
                if isinstance(o, Tensor) and id(o) in dirty:
                    _written(o, None)
            if _tangents and not tangents_off:
                _push_tangents(cls, ctx, args, final)
            return tuple(final) if is_tuple else final[0]
        if kwargs:
            ctx._kwargs = kwargs
        if dirty:       # the node's inputs keep the history a dirty input had before
            args = tuple(_make(a._data, a.requires_grad, a.grad_fn) if id(a) in dirty
                         else a for a in args)
        ctx.inputs = args
        differentiable = [k for k, o in enumerate(outs) if isinstance(o, Tensor)
                          and id(o) not in ctx._non_differentiable
                          and o._data.dtype.kind in "fc"]
        nodes: dict[int, Function] = {}
        if is_tuple:
            ctx._out_meta = tuple((o._data.shape, o._data.dtype) if isinstance(o, Tensor)
                                  else None for o in outs)
            for k in differentiable:    # one node per differentiable output, sharing ctx
                if nodes:
                    node = _new_object(_node_class(cls, k))
                    node.__dict__ = ctx.__dict__
                    node.inputs, node.needs_input_grad = args, need
                else:
                    node = ctx
                    ctx.__class__ = _node_class(cls, k)
                nodes[k] = node
            if len(nodes) > 1:
                ctx._nodes = nodes      # shared: how a saved output finds its own node
        elif differentiable:
            nodes[0] = ctx
        for node in nodes.values():     # the count of in-place writes when recorded
            node._epoch = _state["writes"]
        saved = ctx._saved
        if saved:       # a saved output is kept as (its array, its node's _output)
            out_index = {id(outs[k]): k if is_tuple else None for k in nodes}
            saved = tuple((s._data, out_index[id(s)]) if id(s) in out_index else s
                          for s in saved)
            for node in nodes.values():
                node._saved = saved
        final = []
        for k, o in enumerate(outs):
            if not isinstance(o, Tensor):
                final.append(o)
            elif id(o) in dirty:        # the input object itself, now this node's output
                _written(o, nodes.get(k))
                final.append(o)
            else:
                final.append(_make(o._data, k in nodes, nodes.get(k)))
        if _tangents and not tangents_off:
            _push_tangents(cls, ctx, args, final)
        return tuple(final) if is_tuple else final[0]


def _push_tangents(cls: type, ctx: Function, args: tuple, outputs: list) -> None:
    """Forward mode through a custom op: ``cls.jvp(ctx, *tangents)`` (one tangent per
    forward argument, None where there is none) gives one tangent per output."""
    from .forward_ad import _set_tangent, get_tangent
    tangents = [get_tangent(a) if isinstance(a, Tensor) else None for a in args]
    if all(t is None for t in tangents):
        return
    if cls.jvp is _Op.jvp:
        raise RuntimeError(f"Trying to use forward AD with {cls.__name__} that does not "
                           f"support it: you must implement the jvp function for custom "
                           f"autograd.Function {cls.__qualname__} to use it with forward "
                           f"mode AD")
    _forward["off"] = True
    try:
        result = cls.jvp(ctx, *tangents)
    finally:
        _forward["off"] = False
    result = result if isinstance(result, tuple) else (result,)
    if len(result) != len(outputs):
        raise RuntimeError(f"{cls.__name__}.jvp returned {len(result)} tangents, but forward "
                           f"returned {len(outputs)} outputs")
    for out, tangent in zip(outputs, result):
        if tangent is not None and isinstance(out, Tensor):
            if tangent.shape != out.shape:
                raise RuntimeError(f"{cls.__name__}.jvp returned a tangent of shape "
                                   f"{tuple(tangent.shape)} for an output of shape "
                                   f"{tuple(out.shape)}")
            _set_tangent(out, tangent)


def _node_class(cls: type, output: int | None) -> type:
    """The node class of ``cls``'s calls: ``<Name>Backward``, for output ``output`` of a
    forward that returns a tuple (None: one that returns a Tensor). Made once."""
    found = cls._node_classes.get(output)
    if found is None:
        name = cls.__name__
        found = type(f"{name}Backward", (cls,), {
            "__slots__": (), "__module__": cls.__module__, "__qualname__": f"{name}Backward",
            "_forward_cls": cls, "_output": output, "torch_name": f"{name}Backward",
            "name": classmethod(lambda c: c._forward_cls.__name__),
            "apply": classmethod(_replay), "backward": staticmethod(_backward)})
        cls._node_classes[output] = found
    return found


def _replay(node_cls: type, *args: Any, **kwargs: Any) -> Tensor:
    """``apply`` on a node class (how ``te.viz`` reruns a node): the user's op, and
    this node's output of it."""
    result = node_cls._forward_cls.apply(*args, **kwargs)
    return result if node_cls._output is None else result[node_cls._output]


def _backward(ctx: Function, grad: Tensor) -> tuple:
    """What the engine calls on a node: the user's ``backward`` with one gradient per
    output, its result checked as PyTorch checks it."""
    meta, k = ctx._out_meta, ctx._output
    if k is None:
        grads: tuple = (grad,)
    else:
        grads = tuple(grad if j == k else None if m is None or not ctx._materialize
                      else _make(np.zeros(m[0], m[1]), False, None)
                      for j, m in enumerate(meta))
    result = ctx._forward_cls.backward(ctx, *grads)
    if not isinstance(result, tuple):
        result = (result,)
    inputs = ctx.inputs
    n = len(inputs)
    if len(result) != n:
        if len(result) < n or any(g is not None for g in result[n:]):
            raise RuntimeError(f"function {ctx.torch_name} returned an incorrect number of "
                               f"gradients (expected {n}, got {len(result)})")
        result = result[:n]
    for i, (g, t) in enumerate(zip(result, inputs)):
        if g is None:
            continue
        if not isinstance(t, Tensor):
            raise RuntimeError(f"function {ctx.torch_name} returned a gradient different than "
                               f"None at position {i + 1}, but the corresponding forward input "
                               f"was not a Variable")
        if not isinstance(g, Tensor):
            raise TypeError(f"function {ctx.torch_name} returned a gradient of type "
                            f"{type(g).__name__} at position {i + 1}: backward must return "
                            f"Tensors or None")
        gs, ts = g._data.shape, t._data.shape
        if gs != ts:
            try:
                ok = np.broadcast_shapes(gs, ts) == gs
            except ValueError:
                ok = False
            if not ok:
                raise RuntimeError(f"Function {ctx.torch_name} returned an invalid gradient at "
                                   f"index {i} - got {list(gs)} but expected shape compatible "
                                   f"with {list(ts)}")
    return result
