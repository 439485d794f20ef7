"""``te.autograd.functional``: derivatives of a *function*, PyTorch's names and contract.

For f: ℝⁿ → ℝᵐ with Jacobian J (m × n):

- ``vjp(f, x, v)`` = vᵀJ, one reverse pass;  ``jvp(f, x, v)`` = J v, one forward pass;
- ``jacobian(f, x)`` = J, by m reverse passes (one row each, ``strategy="reverse-mode"``)
  or by n forward passes (one column each, ``strategy="forward-mode"``);
- ``hessian(f, x)`` = ∇²f for a scalar f, the Jacobian of the gradient;
- ``vhp(f, x, v)`` = vᵀH (reverse over reverse), ``hvp(f, x, v)`` = H v (forward over
  reverse).

``inputs`` is a Tensor or a tuple of Tensors, ``f(*inputs)`` returns a Tensor or a tuple
of Tensors, and the results have the same structure as in PyTorch. With
``create_graph=False`` the results are detached; with ``create_graph=True`` they are
differentiable (w.r.t. the inputs, when these require grad). With ``strict=True`` an
output independent of an input raises instead of giving zeros. ``vectorize`` only
changes speed in PyTorch; here both values compute the same passes one after another.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..functions import Stack
from ..tensor import Tensor
from . import forward_ad as fwAD
from .engine import grad as _grad
from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]

Inputs = Tensor | Sequence[Tensor]


def _as_tuple(x: Any, arg_name: str, fn_name: str) -> tuple[bool, tuple]:
    """``(was_tuple, x as a tuple)``; anything but Tensors raises TypeError as torch."""
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for i, el in enumerate(items):
        if not isinstance(el, Tensor):
            where = (f"the value at index {i} has type {type(el)}" if is_tuple
                     else f"the given {arg_name} has type {type(el)}")
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but {where}.")
    return is_tuple, items


def _outputs(fn_name: str, outputs: Any) -> tuple[bool, tuple]:
    return _as_tuple(outputs, "outputs of the user-provided function", fn_name)


def _postprocess(res: Any, flags: bool | tuple[bool, bool]) -> Any:
    """Unwrap the tuples that were added around a single Tensor (torch's
    ``_tuple_postprocess``); ``flags`` = was-tuple of the inputs, or of (outputs, inputs)."""
    if isinstance(flags, tuple):
        out_tuple, in_tuple = flags
        if not in_tuple:
            res = tuple(r[0] for r in res)
        return res if out_tuple else res[0]
    return res if flags else res[0]


def _prepare(inputs: tuple, create_graph: bool) -> tuple:
    """The inputs f is called with: fresh leaves that require grad, or, with
    ``create_graph`` and an input that requires grad, a view of it (so the results
    stay differentiable w.r.t. the caller's Tensors). A dual input keeps its tangent."""
    out = []
    for x in inputs:
        if create_graph and x.requires_grad:
            out.append(fwAD._Alias.apply(x))
            continue
        primal, tangent = fwAD.unpack_dual(x)
        leaf = primal.detach().requires_grad_(x.is_floating_point())
        out.append(leaf if tangent is None else fwAD.make_dual(leaf, tangent))
    return tuple(out)


def _finish(values: Sequence[Tensor | None], create_graph: bool) -> tuple:
    return tuple(v if v is None or create_graph else v.detach() for v in values)


def _validate_v(v: tuple, others: tuple, others_tuple: bool) -> None:
    """v has one Tensor of the right shape per output (vjp) or input (jvp, hvp)."""
    if len(v) != len(others):
        if others_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(others)} but "
                               f"got {len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, others)):
        if a.shape != b.shape:
            prefix = f"Entry {i} in " if others_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {b.shape} but got "
                               f"{a.shape}.")


def _check_requires_grad(outputs: tuple, strict: bool) -> None:
    if strict:
        for i, o in enumerate(outputs):
            if not o.requires_grad:
                raise RuntimeError(f"Output {i} of the user-provided function does not require "
                                   f"gradients. The outputs must be computed in a differentiable "
                                   f"manner from the input when running in strict mode.")


def _vjp_of(outputs: tuple, inputs: tuple, cotangents: tuple, create_graph: bool,
            strict_error: Callable[[int], str] | None) -> list[Tensor]:
    """Σₖ vₖᵀ ∂outₖ/∂inputs by one reverse pass; zeros for an input the outputs do not
    depend on, or with ``strict_error`` (input index → message) a RuntimeError."""
    outs = [(o, v) for o, v in zip(outputs, cotangents) if o.requires_grad]
    if outs:
        grads = list(_grad([o for o, _ in outs], list(inputs), [v for _, v in outs],
                           retain_graph=True, create_graph=create_graph, allow_unused=True))
    else:
        grads = [None] * len(inputs)
    for i, g in enumerate(grads):
        if g is None:
            if strict_error is not None:
                raise RuntimeError(strict_error(i))
            grads[i] = _zeros(inputs[i])
    return grads


def _zeros(t: Tensor) -> Tensor:
    return Tensor(np.zeros(t.shape, t._data.dtype))


def _independent(i: int) -> str:
    return (f"The output of the user-provided function is independent of input {i}. This is "
            f"not allowed in strict mode.")
def vjp(func: Callable[..., Any], inputs: Inputs, v: Inputs | None = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Any, Any]:
    """``(func(*inputs), vᵀ J)``: the vector-Jacobian product by one reverse pass.

    ``v`` has the outputs' shapes; it may be None only for a single-element output
    (then v = 1 and the result is the gradient)."""
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph)
        out_tuple, outputs = _outputs("vjp", func(*inputs))
        _check_requires_grad(outputs, strict)
        if v is None:
            if out_tuple or outputs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the user-provided function "
                                   "returns a single Tensor with a single element.")
            v = (Tensor(np.ones(outputs[0].shape, outputs[0]._data.dtype)),)
        else:
            _, v = _as_tuple(v, "v", "vjp")
            _validate_v(v, outputs, out_tuple)
        grads = _vjp_of(outputs, inputs, v, create_graph, _independent if strict else None)
    return (_postprocess(_finish(outputs, create_graph), out_tuple),
            _postprocess(_finish(grads, create_graph), in_tuple))


def _jvp_forward(func: Callable[..., Any], inputs: tuple, tangents: tuple,
                 ) -> tuple[tuple, bool, list]:
    """One forward-mode pass: ``(outputs, was_tuple, [J v per output])`` (None where an
    output does not depend on the inputs)."""
    with fwAD.dual_level():
        duals = tuple(fwAD.make_dual(x, t) for x, t in zip(inputs, tangents))
        out_tuple, outputs = _outputs("jvp", func(*duals))
        pairs = [fwAD.unpack_dual(o) for o in outputs]
    return tuple(p.primal for p in pairs), out_tuple, [p.tangent for p in pairs]


def jvp(func: Callable[..., Any], inputs: Inputs, v: Inputs | None = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Any, Any]:
    """``(func(*inputs), J v)``: the Jacobian-vector product by one forward-mode pass
    (PyTorch computes it by the double-backward trick: the same numbers).

    ``v`` has the inputs' shapes; it may be None only for a single-element input."""
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph)
        if v is None:
            if in_tuple or inputs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the input to the "
                                   "user-provided function is a single Tensor with a single "
                                   "element.")
            v = (Tensor(np.ones(inputs[0].shape, inputs[0]._data.dtype)),)
        else:
            _, v = _as_tuple(v, "v", "jvp")
            _validate_v(v, inputs, in_tuple)
        outputs, out_tuple, tangents = _jvp_forward(func, inputs, v)
        _check_requires_grad(outputs, strict)
        for i, t in enumerate(tangents):
            if t is None:
                if strict:
                    raise RuntimeError(f"The output {i} of the user-provided function is "
                                       f"independent of the inputs. This is not allowed in "
                                       f"strict mode.")
                tangents[i] = Tensor(np.zeros(outputs[i].shape, outputs[i]._data.dtype))
    return (_postprocess(_finish(outputs, create_graph), out_tuple),
            _postprocess(_finish(tangents, create_graph), out_tuple))


def _basis(t: Tensor) -> list[Tensor]:
    """The one-hot Tensors of ``t``'s shape, one per element."""
    eye = np.eye(t.numel(), dtype=t._data.dtype)
    return [Tensor(row.reshape(t.shape)) for row in eye]


def _zeros_of(shape: tuple, like: Tensor) -> Tensor:
    return Tensor(np.zeros(shape, like._data.dtype))


def _stack(rows: list[Tensor], shape: tuple, like: Tensor) -> Tensor:
    """The rows ∂outᵢ/∂x of one Jacobian block, as ``out.shape + x.shape``."""
    if not rows:
        return _zeros_of(shape, like)
    return Stack.apply(*rows, dim=0).reshape(shape)


def jacobian(func: Callable[..., Any], inputs: Inputs, create_graph: bool = False,
             strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """The Jacobian: its block (i, j) is ∂ outputᵢ / ∂ inputⱼ, of shape
    ``outputᵢ.shape + inputⱼ.shape``.

    ``strategy="reverse-mode"``: one reverse pass per output element (a row of J each);
    ``"forward-mode"``: one forward pass per input element (a column of J each) — the
    cheaper one when the inputs have fewer elements than the outputs."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". '
                         'Hint: If your function has more outputs than inputs, "forward-mode" '
                         'tends to be more performant. Otherwise, prefer to use '
                         '"reverse-mode".')
    if strategy == "forward-mode":
        for flag, name, kind in ((create_graph, "create_graph", NotImplementedError),
                                 (strict, "strict", RuntimeError)):
            if flag:
                raise kind(f'torch.autograd.functional.jacobian: `{name}=True` and `strategy='
                           f'"forward-mode"` are not supported together (yet). Please either '
                           f'set `{name}=False` or `strategy="reverse-mode"`.')
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        if strategy == "forward-mode":
            return _jacobian_forward(func, inputs, in_tuple)
        inputs = _prepare(inputs, create_graph)
        out_tuple, outputs = _outputs("jacobian", func(*inputs))
        _check_requires_grad(outputs, strict)
        jac = []
        for i, out in enumerate(outputs):
            def message(k: int, i: int = i) -> str:
                return (f"Output {i} of the user-provided function is independent of input "
                        f"{k}. This is not allowed in strict mode.")
            rows: list[list[Tensor]] = [[] for _ in inputs]
            for e in _basis(out):
                grads = _vjp_of((out,), inputs, (e,), create_graph, message if strict else None)
                for k, g in enumerate(grads):
                    rows[k].append(g)
            jac.append(_finish([_stack(r, tuple(out.shape) + tuple(x.shape), x)
                                for r, x in zip(rows, inputs)], create_graph))
    return _postprocess(tuple(jac), (out_tuple, in_tuple))


def _jacobian_forward(func: Callable[..., Any], inputs: tuple, in_tuple: bool) -> Any:
    """J by one forward pass per input element: pass j pushes the tangent eⱼ and gives
    column j of J (for every output at once)."""
    inputs = tuple(x.detach() for x in inputs)
    columns: list[list[list[Tensor]]] = []       # [input k][element j] -> J eⱼ per output
    outputs: tuple = ()
    out_tuple = False
    for k, x in enumerate(inputs):
        cols = []
        for e in _basis(x):
            tangents = tuple(e if m == k else _zeros(y) for m, y in enumerate(inputs))
            outputs, out_tuple, jv = _jvp_forward(func, inputs, tangents)
            cols.append([_zeros(o) if t is None else t for o, t in zip(outputs, jv)])
        columns.append(cols)
    if not any(x.numel() for x in inputs):          # no pass ran: call f once for shapes
        out_tuple, outputs = _outputs("jacobian", func(*inputs))
    jac = []
    for i, out in enumerate(outputs):
        row = []
        for k, x in enumerate(inputs):
            shape = tuple(out.shape) + tuple(x.shape)
            cols = [c[i].reshape(-1) for c in columns[k]]
            if not cols or not out.numel():
                row.append(_zeros_of(shape, x))
            else:
                row.append(Stack.apply(*cols, dim=1).reshape(shape).detach())
        jac.append(tuple(row))
    return _postprocess(tuple(jac), (out_tuple, in_tuple))


def hessian(func: Callable[..., Any], inputs: Inputs, create_graph: bool = False,
            strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """The Hessian of a scalar f: its block (i, j) is ∂²f / ∂inputᵢ ∂inputⱼ, of shape
    ``inputᵢ.shape + inputⱼ.shape``: the Jacobian of the gradient (the gradient by
    reverse mode, its Jacobian by ``outer_jacobian_strategy``)."""
    in_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def ensure_single_output(*inp: Tensor) -> Tensor:
        out = func(*inp)
        is_tuple, _ = _outputs("hessian", out)
        if is_tuple:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        return out.squeeze()

    def jac_func(*inp: Tensor) -> Any:
        jac = jacobian(ensure_single_output, inp, create_graph=True)
        if strict:
            for i, j in enumerate(jac if isinstance(jac, tuple) else (jac,)):
                if not j.requires_grad:
                    raise RuntimeError(_hessian_strict(i))
        return jac

    with enable_grad():
        res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict,
                       vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _postprocess(res, (in_tuple, in_tuple))


def _hessian_strict(i: int) -> str:
    return (f"While computing the hessian, found that the jacobian of the user-provided "
            f"function with respect to input {i} is independent of the input. This is not "
            f"allowed in strict mode. You should ensure that your function is twice "
            f"differentiable and that the jacobian depends on the inputs (this would be "
            f"violated by a linear function for example).")


def _scalar_output(fn_name: str, func: Callable[..., Any], inputs: tuple) -> Tensor:
    out_tuple, outputs = _outputs(fn_name, func(*inputs))
    if out_tuple:
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].numel() != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should "
                           f"contain a single element")
    return outputs[0]


def vhp(func: Callable[..., Any], inputs: Inputs, v: Inputs | None = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Tensor, Any]:
    """``(func(*inputs), vᵀ H)`` for a scalar func: reverse over reverse (the gradient
    with ``create_graph``, then the VJP of the gradient with v)."""
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "vhp")
        inputs = _prepare(inputs, create_graph)
        v = _hvp_v("vhp", v, inputs, in_tuple)
        out = _scalar_output("vhp", func, inputs)
        _check_requires_grad((out,), strict)
        jac = _vjp_of((out,), inputs, (Tensor(np.ones(out.shape, out._data.dtype)),), True,
                      _independent if strict else None)
        used = [(j, x_v) for j, x_v in zip(jac, v) if j.requires_grad]
        if strict and len(used) != len(jac):
            raise RuntimeError(_hessian_strict(next(i for i, j in enumerate(jac)
                                                    if not j.requires_grad)))
        res = _vjp_of(tuple(j for j, _ in used), inputs, tuple(x for _, x in used),
                      create_graph, None)
    return (_finish((out,), create_graph)[0],
            _postprocess(_finish(res, create_graph), in_tuple))


def _hvp_v(fn_name: str, v: Any, inputs: tuple, in_tuple: bool) -> tuple:
    if v is None:
        if in_tuple or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the "
                               "user-provided function is a single Tensor with a single "
                               "element.")
        return (Tensor(np.ones(inputs[0].shape, inputs[0]._data.dtype)),)
    _, v = _as_tuple(v, "v", fn_name)
    _validate_v(v, inputs, in_tuple)
    return v


def hvp(func: Callable[..., Any], inputs: Inputs, v: Inputs | None = None,
        create_graph: bool = False, strict: bool = False) -> tuple[Tensor, Any]:
    """``(func(*inputs), H v)`` for a scalar func: forward over reverse — the gradient is
    computed by reverse mode inside a dual level whose inputs carry v, so its tangent is
    d/dε ∇f(x + εv) = H v."""
    with enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "hvp")
        inputs = _prepare(inputs, create_graph)
        v = _hvp_v("hvp", v, inputs, in_tuple)
        with fwAD.dual_level():
            duals = tuple(fwAD.make_dual(x, t) for x, t in zip(inputs, v))
            out = _scalar_output("hvp", func, duals)
            _check_requires_grad((out,), strict)
            jac = _vjp_of((out,), duals, (Tensor(np.ones(out.shape, out._data.dtype)),),
                          True, _independent if strict else None)
            res = []
            for i, (j, x) in enumerate(zip(jac, inputs)):
                tangent = fwAD.unpack_dual(j).tangent
                if tangent is None:
                    if strict:
                        raise RuntimeError(_hessian_strict(i))
                    tangent = _zeros(x)
                res.append(tangent)
            out = fwAD.unpack_dual(out).primal
    return (_finish((out,), create_graph)[0],
            _postprocess(_finish(res, create_graph), in_tuple))
