"""``te.func``: function transforms with ``torch.func``'s names and signatures.

``grad(f)`` is the function x ↦ ∇f(x); ``vjp(f, *primals)`` gives f(x) and the function
u ↦ uᵀJ; ``jvp(f, primals, tangents)`` gives f(x) and J v; ``jacrev(f)`` builds J row by
row (one reverse pass per output element), ``jacfwd(f)`` column by column (one forward
pass per input element); ``hessian(f) = jacfwd(jacrev(f))`` (forward over reverse).

The transforms compose (``jacrev(jacrev(f))``, ``jacfwd(jacrev(f))``, ``grad(grad(f))``):
when an argument already requires grad or is dual, the inner pass is recorded, so the
result is differentiable by the outer transform. ``argnums`` picks the differentiated
positional arguments (an int, or a tuple for a tuple of results); with ``has_aux=True``
``f`` returns ``(output, aux)`` and aux is passed through. Only Tensors and tuples of
Tensors are supported as arguments and outputs (no other pytrees), and there is no
``vmap``: the passes run one after another.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .autograd import forward_ad as fwAD
from .autograd.engine import grad as _grad
from .autograd.forward_ad import _Alias, get_tangent
from .autograd.grad_mode import enable_grad
from .tensor import Tensor

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian"]


def _argnums(argnums: int | tuple[int, ...], n: int, fn_name: str) -> tuple[int, ...]:
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    if not nums:
        raise RuntimeError(f"{fn_name}: argnums must be non-empty")
    for a in nums:
        if not isinstance(a, int):
            raise RuntimeError(f"{fn_name}: argnums must be int or Tuple[int, ...], got: "
                               f"{type(a)}")
        if not -n <= a < n:
            raise RuntimeError(f"Got argnum={a}, but only {n} positional inputs")
    return tuple(a % n for a in nums)


def _outer(x: Tensor) -> bool:
    """Whether an outer transform differentiates through ``x`` (so record the inner pass)."""
    return x.requires_grad or get_tangent(x) is not None


def _inner(x: Any, fn_name: str) -> Tensor:
    """The variable the inner pass differentiates w.r.t.: a view of ``x`` connected to the
    outer graph (keeping a tangent), or else a fresh leaf."""
    if not isinstance(x, Tensor):
        raise RuntimeError(f"{fn_name}: expected the differentiated arguments to be Tensors, "
                           f"got {type(x)}")
    if x.requires_grad:
        return _Alias.apply(x)
    tangent = get_tangent(x)
    leaf = x.detach().requires_grad_()
    return leaf if tangent is None else fwAD.make_dual(leaf, tangent)


def _zeros(t: Tensor) -> Tensor:
    return Tensor(np.zeros(t.shape, t._data.dtype))


def _split_aux(out: Any, has_aux: bool, fn_name: str) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{fn_name}: output of function f should be a tuple: (output, aux) "
                           f"if has_aux is True")
    return out


def _detach_aux(aux: Any, keep: bool) -> Any:
    if isinstance(aux, Tensor) and not keep:
        return aux.detach()
    if isinstance(aux, tuple):
        return tuple(_detach_aux(a, keep) for a in aux)
    return aux


def _tensors(out: Any, fn_name: str) -> tuple[bool, tuple]:
    is_tuple = isinstance(out, tuple)
    items = out if is_tuple else (out,)
    for o in items:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"{fn_name}: expected f(*primals) to return only tensors, got "
                               f"unsupported type {type(o)}")
    return is_tuple, items


def grad_and_value(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """The function computing ``(∇f(x), f(x))`` for a scalar f by one reverse pass
    (``(∇f(x), (f(x), aux))`` with ``has_aux``, as torch)."""
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        name = "grad_and_value(f)(*args)"
        nums = _argnums(argnums, len(args), name)
        keep = any(_outer(args[a]) for a in nums if isinstance(args[a], Tensor))
        with enable_grad():
            args = list(args)
            xs = [_inner(args[a], name) for a in nums]
            for a, x in zip(nums, xs):
                args[a] = x
            out, aux = _split_aux(func(*args, **kwargs), has_aux, name)
            if not isinstance(out, Tensor):
                raise RuntimeError(f"{name}: Expected f(*args) to return a Tensor, got "
                                   f"{type(out)}")
            if out.ndim != 0:
                raise RuntimeError(f"{name}: Expected f(*args) to return a scalar Tensor, got "
                                   f"tensor with {out.ndim} dims. Maybe you wanted to use the "
                                   f"vjp or jacrev APIs instead?")
            if out.requires_grad:
                grads = _grad(out, xs, create_graph=keep, allow_unused=True)
            else:
                grads = (None,) * len(xs)
        grads = tuple(_zeros(x) if g is None else g for g, x in zip(grads, xs))
        result = grads if isinstance(argnums, tuple) else grads[0]
        value = out if keep else out.detach()
        if has_aux:
            return result, (value, _detach_aux(aux, keep))
        return result, value
    return wrapper


def grad(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
         has_aux: bool = False) -> Callable[..., Any]:
    """The function computing ∇f at the arguments, by one reverse pass (f returns a
    0-d Tensor); with ``has_aux`` it returns ``(gradient, aux)``."""
    inner = grad_and_value(func, argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g, value = inner(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return wrapper


def vjp(func: Callable[..., Any], *primals: Tensor, has_aux: bool = False) -> tuple:
    """``(f(*primals), vjp_fn)`` (and aux): ``vjp_fn(u)`` = uᵀJ, one reverse pass per
    call, as a tuple with one entry per primal; u has the output's structure."""
    name = "vjp(f, *primals)"
    keep = any(isinstance(p, Tensor) and _outer(p) for p in primals)
    with enable_grad():
        xs = [_inner(p, name) for p in primals]
        out, aux = _split_aux(func(*xs), has_aux, name)
        out_tuple, outs = _tensors(out, name)

    def vjp_fn(*cotangents: Any) -> tuple:
        cots = cotangents[0] if len(cotangents) == 1 and out_tuple else cotangents
        cots = tuple(cots) if isinstance(cots, (tuple, list)) else (cots,)
        if len(cots) != len(outs):
            raise RuntimeError(f"Expected pytree structure of cotangents to be the same as "
                               f"pytree structure of outputs to the function: {len(outs)} "
                               f"outputs, got {len(cots)} cotangents")
        for i, (o, c) in enumerate(zip(outs, cots)):
            if not isinstance(c, Tensor) or c.shape != o.shape:
                shape = c.shape if isinstance(c, Tensor) else type(c)
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {shape} "
                                   f"and output[{i}] has a shape of {o.shape}.")
        with enable_grad():
            used = [(o, c) for o, c in zip(outs, cots) if o.requires_grad]
            grads = (_grad([o for o, _ in used], xs, [c for _, c in used], retain_graph=True,
                           create_graph=keep or any(_outer(c) for _, c in used),
                           allow_unused=True) if used else (None,) * len(xs))
        return tuple(_zeros(x) if g is None else g for g, x in zip(grads, xs))

    value = out if keep else (tuple(o.detach() for o in outs) if out_tuple else out.detach())
    if has_aux:
        return value, vjp_fn, _detach_aux(aux, keep)
    return value, vjp_fn


def jvp(func: Callable[..., Any], primals: tuple, tangents: tuple, *, strict: bool = False,
        has_aux: bool = False) -> tuple:
    """``(f(*primals), J·tangents)`` (and aux) by one forward-mode pass; with ``strict``
    an output that does not depend on the primals raises (else its tangent is zeros)."""
    name = "jvp(f, primals, tangents)"
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{name}: Expected primals to be a tuple. E.g. it should be valid "
                           f"to call f(*primals).")
    if not isinstance(tangents, tuple) or len(tangents) != len(primals):
        raise RuntimeError(f"{name}: Expected primals and tangents to have the same python "
                           f"structure. For example, if primals is a tuple of 3 tensors, "
                           f"tangents also must be.")
    for p in primals + tangents:
        if not isinstance(p, Tensor):
            raise RuntimeError(f"{name}: Expected primals and tangents to be Tensors, got "
                               f"{type(p)}")
    keep = any(p.requires_grad for p in primals + tangents)
    with enable_grad(), fwAD.dual_level():
        duals = [fwAD.make_dual(_Alias.apply(p) if p.requires_grad else p.detach(), t)
                 for p, t in zip(primals, tangents)]
        out, aux = _split_aux(func(*duals), has_aux, name)
        out_tuple, outs = _tensors(out, name)
        pairs = [fwAD.unpack_dual(o) for o in outs]
    if strict and any(p.tangent is None for p in pairs):
        raise RuntimeError(f"jvp(f, primals, tangents, strict=True): The output of f is "
                           f"independent of the inputs. This is not allowed with strict=True.")
    values = tuple(p.primal if keep else p.primal.detach() for p in pairs)
    tans = tuple(_zeros(o) if p.tangent is None else p.tangent if keep else p.tangent.detach()
                 for o, p in zip(outs, pairs))
    result = (values, tans) if out_tuple else (values[0], tans[0])
    return result + (_detach_aux(aux, keep),) if has_aux else result


def _basis(t: Tensor) -> list[Tensor]:
    eye = np.eye(t.numel(), dtype=t._data.dtype)
    return [Tensor(row.reshape(t.shape)) for row in eye]


def _assemble(per_output: list[list[list[Tensor]]], outs: tuple, xs: list, by_rows: bool,
              out_tuple: bool, many: bool) -> Any:
    """J of each (output, argument) from its rows (gradients, by_rows) or columns
    (tangents), reshaped to ``out.shape + x.shape``."""
    from .functions import Stack
    result = []
    for o, per_x in zip(outs, per_output):
        jacs = []
        for x, vecs in zip(xs, per_x):
            shape = tuple(o.shape) + tuple(x.shape)
            if not vecs or not o.numel() or not x.numel():
                jacs.append(Tensor(np.zeros(shape, x._data.dtype)))
            elif by_rows:
                jacs.append(Stack.apply(*vecs, dim=0).reshape(shape))
            else:
                jacs.append(Stack.apply(*[v.reshape(-1) for v in vecs], dim=1).reshape(shape))
        result.append(tuple(jacs) if many else jacs[0])
    return tuple(result) if out_tuple else result[0]


def jacrev(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, *,
           has_aux: bool = False, chunk_size: int | None = None) -> Callable[..., Any]:
    """The function computing the Jacobian by reverse mode: one reverse pass per output
    element, each giving one row ∂outᵢ/∂x (cheap when f has few outputs, like a loss)."""
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        name = "jacrev(f)(*args)"
        nums = _argnums(argnums, len(args), name)
        keep = any(isinstance(args[a], Tensor) and _outer(args[a]) for a in nums)
        with enable_grad():
            args = list(args)
            xs = [_inner(args[a], name) for a in nums]
            for a, x in zip(nums, xs):
                args[a] = x
            out, aux = _split_aux(func(*args, **kwargs), has_aux, name)
            out_tuple, outs = _tensors(out, "vjp(f, *primals)")   # (torch's jacrev is a vjp)
            per_output = []
            for o in outs:
                rows: list[list[Tensor]] = [[] for _ in xs]
                for e in (_basis(o) if o.requires_grad else ()):
                    grads = _grad(o, xs, e, retain_graph=True, create_graph=keep,
                                  allow_unused=True)
                    for k, (g, x) in enumerate(zip(grads, xs)):
                        rows[k].append(_zeros(x) if g is None else g)
                per_output.append(rows)
            jac = _assemble(per_output, outs, xs, True, out_tuple, isinstance(argnums, tuple))
        if not keep:
            jac = _detach_all(jac)
        return (jac, _detach_aux(aux, keep)) if has_aux else jac
    return wrapper


def _detach_all(x: Any) -> Any:
    return tuple(_detach_all(v) for v in x) if isinstance(x, tuple) else x.detach()


def jacfwd(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
           has_aux: bool = False, *, randomness: str = "error") -> Callable[..., Any]:
    """The function computing the Jacobian by forward mode: one forward pass per input
    element, each pushing the tangent eⱼ and giving one column J eⱼ (cheap when f has
    few inputs). Inside another forward-mode level (``jacfwd(jacfwd(f))``; one level at a
    time, as in torch.autograd.forward_ad) the columns come from reverse passes instead:
    the same Jacobian."""
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if fwAD._forward["level"] is not None:
            return jacrev(func, argnums, has_aux=has_aux)(*args, **kwargs)
        name = "jacfwd(f)(*args)"
        nums = _argnums(argnums, len(args), name)
        for a in nums:
            if not isinstance(args[a], Tensor):
                raise RuntimeError(f"{name}: expected the differentiated arguments to be "
                                   f"Tensors, got {type(args[a])}")
        keep = any(args[a].requires_grad for a in nums)
        xs = [args[a] for a in nums]
        outs: tuple = ()
        out_tuple, aux = False, None
        columns: list[list[list[Tensor]]] = []      # [output][argument][column]

        def run(tangents: list[Tensor]) -> list[Tensor | None]:
            nonlocal outs, out_tuple, aux
            with enable_grad(), fwAD.dual_level():
                call = list(args)
                for a, x, t in zip(nums, xs, tangents):
                    call[a] = fwAD.make_dual(_Alias.apply(x) if x.requires_grad else x.detach(), t)
                out, aux = _split_aux(func(*call, **kwargs), has_aux, name)
                out_tuple, outs = _tensors(out, name)
                pairs = [fwAD.unpack_dual(o) for o in outs]
            outs = tuple(p.primal for p in pairs)
            return [p.tangent for p in pairs]

        zeros = [_zeros(x) for x in xs]
        for k, x in enumerate(xs):
            for e in _basis(x):
                tangents = run([e if m == k else z for m, z in enumerate(zeros)])
                if not columns:
                    columns = [[[] for _ in xs] for _ in outs]
                for i, t in enumerate(tangents):
                    columns[i][k].append(_zeros(outs[i]) if t is None else t)
        if not columns:             # no input element: one call for the outputs' shapes
            run(zeros)
            columns = [[[] for _ in xs] for _ in outs]
        jac = _assemble(columns, outs, xs, False, out_tuple, isinstance(argnums, tuple))
        if not keep:
            jac = _detach_all(jac)
        return (jac, _detach_aux(aux, keep)) if has_aux else jac
    return wrapper


def hessian(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The Hessian of a scalar f: ``jacfwd(jacrev(f))``, forward over reverse."""
    return jacfwd(jacrev(func, argnums), argnums)
