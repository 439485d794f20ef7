"""``Function``: one op = ``forward`` + ``backward``; its instance is also the
``ctx`` of the op and the node of the recorded graph.

A ``Function`` subclass is one op: ``forward`` works on NumPy arrays, ``backward``
on Tensors when it is itself recorded (``ctx.create_graph``, for higher-order
gradients), else it may work on the bare arrays. Calling ``Op.apply(*inputs)`` runs ``forward`` and, when grad mode is
on and an input requires grad, records the ``Function`` instance as the output's
``grad_fn``. That instance doubles as the ``ctx`` object (as in PyTorch): it keeps
the inputs, what ``forward`` saved, and the hooks of its output.
"""
from __future__ import annotations

import itertools
import operator
import weakref
from typing import Any

import numpy as np

from ..tensor import Tensor
from .anomaly import _check_finite
from .grad_mode import _state
from .history import grad_fn_of

__all__ = ["Function", "AccumulateGrad", "tangent_sum", "tangent_or_zeros"]

# Speed: module-level aliases, one global look-up per use instead of an attribute look-up
_ndarray, _new_object, _make_tensor = np.ndarray, object.__new__, Tensor._make
_same_object = operator.is_     # for all(map(...)): no Python-level call per pair
_FREED = object()  # marks a node whose saved tensors were released by backward
# Speed: one interned needs_input_grad tuple per pattern of up to 3 inputs (a fixed
# table): fewer objects kept per recorded node, so the garbage collector walks less
_INTERNED_NEEDS = {flags: flags for n in (1, 2, 3)
                   for flags in itertools.product((False, True), repeat=n)}
# forward mode (autograd/forward_ad.py): the current dual level (None: none), a count of
# the levels entered, whether jvp rules are off (inside a rule), the tangents of the dual
# Tensors (id → (weakref, tangent); empty outside a level, so apply tests one dict), and
# forward_ad's push_tangent and the setter saved_tensors uses
_forward: dict[str, Any] = {"level": None, "serial": 0, "off": False, "tangents": {},
                            "push": None, "set": None, "last": None}
_tangents = _forward["tangents"]


class Function:
    """Base class of every op. Subclasses define two static methods:

        forward(ctx, *arrays, **params) -> np.ndarray
        backward(ctx, grad: Tensor) -> Tensor | np.ndarray | tuple[... | None, ...]

    ``backward`` returns one gradient per positional input of ``apply`` (``None``
    where there is none); gradients of broadcast inputs may keep the broadcast
    shape: the engine sums them back to the input's shape. When ``ctx.create_graph``
    is true the backward is being recorded and must return Tensors computed with
    Tensor ops; otherwise it may compute on arrays and return them.
    """

    # Speed: slots make a node one small object, not an object plus its dict, so
    # recording is cheaper and so are the garbage collector's walks over a long graph.
    # Attributes a forward sets on ctx (ctx.shape = ...) go to the ``__dict__`` slot.
    __slots__ = ("inputs", "needs_input_grad", "_saved", "_epoch", "__dict__")
    # _saved: what forward saved (+ the output's array), an int n when it saved exactly
    # its first n inputs, or _FREED; _epoch: the count of in-place writes when recorded
    # (autograd/versions.py: the engine checks the saved arrays only if it changed)
    # the local derivative, written once: the renderer shows it, and __init_subclass__
    # appends it to the op's docstring (which says what the op computes)
    formula: str = ""
    jvp_formula: str = ""        # the tangent rule of jvp (forward mode): ż from ȧ, ḃ
    # each saved input serves only the *other* inputs' gradients (a·b, A@B, x·Wᵀ): a
    # write into it matters only if another input needs grad (autograd/versions.py)
    saved_for_others: bool = False
    saved_ends_with_output = True   # apply appends the output's array to a saved tuple
    # defaults read by the engine, overridden per instance only when used
    _hooks: list | None = None
    _retain: weakref.ref | None = None
    _module_calls: tuple = ()    # ((module, positional args), ...) set by nn.Module.__call__
    _kwargs: dict = {}           # apply's keyword params, kept so viz can replay the op

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """One copy of each formula: ``formula`` is the source (the renderer prints it);
        it is appended to the subclass's own docstring, so ``help(Op)`` shows what the
        op computes and its local derivative without either being written twice."""
        super().__init_subclass__(**kwargs)
        doc, formula = cls.__dict__.get("__doc__"), cls.formula
        if doc and formula and formula not in doc:
            cls.__doc__ = _with_formula(doc, formula)

    @staticmethod
    def forward(ctx: "Function", *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: "Function", grad: Tensor) -> Any:
        raise NotImplementedError

    @staticmethod
    def jvp(ctx: "Function", *tangents: Tensor | None) -> Tensor | None:
        """Forward mode: the output's tangent ż = Σᵢ ∂z/∂aᵢ·ȧᵢ from one tangent per
        positional input (None: zero, or a non-differentiable input), as Tensor ops on
        ``ctx.primals`` and ``ctx.result``."""
        raise NotImplementedError

    @property
    def primals(self) -> tuple:
        """For ``jvp``: the inputs as Tensors (arrays as constants, other values as given)."""
        return tuple(Tensor._make(a, False, None) if isinstance(a, _ndarray) else a
                     for a in self.inputs)

    @property
    def result(self) -> Tensor:
        """For ``jvp``: the output Tensor the rule computes the tangent of."""
        return self._jvp_output

    # -- ctx API (PyTorch's names) --------------------------------------------
    def save_for_backward(self, *arrays: Any) -> None:
        """Keep arrays for ``backward``; they are released after backward."""
        self._saved = arrays

    def release_saved(self) -> None:
        """Free what forward saved (the engine does, after this node's backward, unless
        ``retain_graph``); a second backward through the node then raises."""
        self._saved = _FREED

    @property
    def saved_released(self) -> bool:
        """Whether ``release_saved`` freed this node's saved values."""
        return self._saved is _FREED

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

    @property
    def create_graph(self) -> bool:
        """Whether this node's backward is itself being recorded: true exactly when the
        engine runs it for ``backward(create_graph=True)`` / ``te.grad(...,
        create_graph=True)`` (it records only then), so the backward must compute with
        Tensor ops for second derivatives to flow; otherwise it may work on the bare
        arrays (``saved_arrays``, ``grad._data``) and return arrays. Read-only."""
        return _state["grad"]   # the engine sets grad mode to create_graph for the walk

    def unpack(self, grad: Tensor) -> tuple:
        """``(saved, grad)`` for a backward whose formula is plain arithmetic: the
        graph's Tensors when the backward is recorded (``create_graph``), else the bare
        arrays, so that one formula runs as Tensor ops or as plain NumPy."""
        if _state["grad"]:      # Speed: self.create_graph without the property call
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
        output_array = saved[-1]            # apply appended the output's array
        inputs = self.inputs
        result = []
        for arr in saved[:-1]:
            if arr is output_array:     # a Tensor made by this node, as PyTorch unpacks it
                if _tangents and "_unrecorded" in self.__dict__:   # a jvp of an op that was
                    arr = Tensor._make(arr, False, None)            # not recorded: a constant
                else:
                    arr = Tensor._make(arr, True, self)
                    if _tangents and "_out_tangent" in self.__dict__:   # forward mode: dual too
                        _forward["set"](arr, self._out_tangent)
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
            else:
                node = grad_fn_of(t, self)
                if node is None and t.requires_grad:
                    node = AccumulateGrad(t)
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
            needs = []
            for a in args:      # (an exact-class test first: cheaper than isinstance)
                if a.__class__ is Tensor or isinstance(a, Tensor):
                    arrays.append(a._data)
                    needs.append(a.requires_grad)
                else:
                    arrays.append(a)
                    needs.append(False)
            record = True in needs
            needs = tuple(needs)
            ctx.needs_input_grad = _INTERNED_NEEDS.get(needs, needs)
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
            scalar, data = data, np.asarray(data)
            if ctx._saved:
                ctx._saved = tuple(data if s is scalar else s for s in ctx._saved)
        if _state["anomaly"]:
            _check_finite(np.asarray(data), f"the forward of {cls.name()}")
        if not record:
            out = _make_tensor(data, False, None)
            if _tangents:       # a dual level: ops compute tangents even when not recorded
                ctx.inputs = args
                ctx._unrecorded = True
                if kwargs:
                    ctx._kwargs = kwargs
                if ctx._saved:
                    ctx._saved = ctx._saved + (data,)
                _forward["push"](ctx, out)
            return out
        out = _make_tensor(data, True, ctx)
        ctx.inputs = args
        ctx._epoch = _state["writes"]
        if kwargs:          # most ops have none: keep the shared empty class default
            ctx._kwargs = kwargs
        saved = ctx._saved
        if saved:
            # exactly the first inputs (a·b, A@B, x and W of x·Wᵀ + b)? They are in
            # ctx.inputs already: keep their number, not one more tuple per node (the
            # first test turns down ops that saved their output, like ReLU, cheaply)
            if (saved[0] is arrays[0] and len(saved) <= len(arrays)
                    and all(map(_same_object, saved, arrays))):
                ctx._saved = len(saved)
            else:   # keep the output's array, not the output Tensor: that would be a
                ctx._saved = saved + (data,)    # reference cycle node → output → node
        if _tangents:
            _forward["push"](ctx, out)
        return out


def _with_formula(doc: str, formula: str) -> str:
    """``doc`` with a last paragraph quoting ``formula``, indented like the docstring's
    other lines (so ``inspect.cleandoc`` and ``help`` dedent it with them)."""
    lines = doc.rstrip().split("\n")
    indents = [len(line) - len(line.lstrip()) for line in lines[1:] if line.strip()]
    margin = " " * (min(indents) if indents else 4)
    return f"{doc.rstrip()}\n\n{margin}Local derivative (``formula``): {formula}\n"


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


# -- helpers of the jvp rules ------------------------------------------------------------
def tangent_sum(*terms: Tensor | None) -> Tensor | None:
    """The sum of the tangent terms that exist (None stands for a zero tangent)."""
    total = None
    for t in terms:
        if t is not None:
            total = t if total is None else total + t
    return total


def tangent_or_zeros(t: Tensor | None, like: Any) -> Tensor:
    """``t``, or zeros of ``like``'s shape and dtype for a missing (zero) tangent."""
    if t is not None:
        return t
    data = like._data if isinstance(like, Tensor) else np.asarray(like)
    return Tensor._make(np.zeros(data.shape, data.dtype), False, None)


def jvp_from_gradient(ctx: Function, tangents: tuple, kshape: tuple) -> Tensor | None:
    """ż for an op each of whose output elements depends only on its own slice of the
    inputs (an elementwise op, a reduction, a per-sample loss): the op's backward with
    upstream gradient 1 is then ∂zₖ/∂aᵢ for every i in slice k, so ż = Σ over the slice of
    ∂z/∂a·ȧ. ``kshape``: the output's shape with the reduced dimensions kept as 1. The
    backward is recorded only when something in it requires grad (reverse over forward);
    otherwise it takes its array path."""
    from .grad_mode import set_grad_enabled
    z = ctx.result
    keep = any(isinstance(a, Tensor) and a.requires_grad
               for a in tuple(ctx.inputs) + tuple(tangents))
    before = ctx.needs_input_grad
    ctx.needs_input_grad = tuple(t is not None for t in tangents) + (False,) * (
        len(ctx.inputs) - len(tangents))
    try:
        with set_grad_enabled(keep and _state["grad"]):
            grads = type(ctx).backward(ctx, Tensor._make(np.ones(z.shape, z._data.dtype),
                                                         False, None))
    finally:
        ctx.needs_input_grad = before
    grads = grads if isinstance(grads, tuple) else (grads,)
    total = tangent_sum(*(None if t is None or g is None else t * g
                          for t, g in zip(tangents, grads)))
    if total is None:
        return None
    return total.sum_to_shape(kshape).reshape(z.shape)


def jvp_by_transposed_backward(ctx: Function, tangents: tuple) -> Tensor | None:
    """ż = J ȧ from the op's own backward (the double-backward trick): backward(u) = Jᵀu
    is linear in u, so J ȧ = ∂/∂u ⟨Jᵀu, ȧ⟩ — one recorded backward and one reverse pass
    through it, for an op whose formula is long (attention, layer norm)."""
    from .engine import grad as _grad           # (engine imports this module)
    from .grad_mode import enable_grad
    z = ctx.result
    u = Tensor._make(np.zeros(z.shape, z._data.dtype), True, None)
    before = ctx.needs_input_grad
    ctx.needs_input_grad = tuple(t is not None for t in tangents) + (False,) * (
        len(ctx.inputs) - len(tangents))
    try:
        with enable_grad():
            grads = type(ctx).backward(ctx, u)
            grads = grads if isinstance(grads, tuple) else (grads,)
            total = tangent_sum(*(None if t is None or g is None else (g * t).sum()
                                  for t, g in zip(tangents, grads)))
            if total is None or not total.requires_grad:
                return None
            keep = any(isinstance(a, Tensor) and a.requires_grad
                       for a in tuple(ctx.inputs) + tuple(tangents))
            jv, = _grad(total, u, create_graph=keep, allow_unused=True)
    finally:
        ctx.needs_input_grad = before
    return jv
