"""Numerical checks of analytic gradients: central differences in float64."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .autograd import grad
from .tensor import Tensor


def _flat_outputs(out: Tensor | Sequence[Tensor]) -> list[Tensor]:
    return [out] if isinstance(out, Tensor) else [o for o in out if o is not None]


def _numerical_jacobian(fn: Callable, inputs: Sequence[Tensor], eps: float) -> list[np.ndarray]:
    """J[k][i, j] = ∂ out_j / ∂ input_k[i] ≈ (f(x + ε eᵢ) − f(x − ε eᵢ)) / 2ε."""
    def evaluate() -> np.ndarray:     # grad mode stays on: fn may itself call grad()
        outs = _flat_outputs(fn(*inputs))
        return np.concatenate([o._data.astype(np.float64).ravel() for o in outs])

    jacobians = []
    for t in inputs:
        if not (isinstance(t, Tensor) and t.requires_grad):
            jacobians.append(None)
            continue
        data = t._data                       # perturb in place (any memory layout), restore
        rows = []
        for i in np.ndindex(data.shape):    # C order, like the analytic rows
            orig = data[i]
            data[i] = orig + eps
            plus = evaluate()
            data[i] = orig - eps
            minus = evaluate()
            data[i] = orig
            rows.append((plus - minus) / (2 * eps))
        jacobians.append(np.array(rows).reshape(data.size, -1))
    return jacobians


def _analytic_jacobian(fn: Callable, inputs: Sequence[Tensor]) -> list[np.ndarray]:
    """Row j of the Jacobian is the gradient of output element j (one backward each)."""
    outs = _flat_outputs(fn(*inputs))
    diff = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    sizes = [o._data.size for o in outs]
    cols = {id(t): np.zeros((t._data.size, sum(sizes))) for t in diff}
    col = 0
    for o in outs:
        for j in range(o._data.size):
            if o.requires_grad:
                seed = np.zeros(o._data.size, dtype=o.dtype)
                seed[j] = 1
                gs = grad(o, diff, grad_outputs=Tensor(seed.reshape(o.shape)),
                          retain_graph=True, allow_unused=True)
                for t, g in zip(diff, gs):
                    if g is not None:
                        cols[id(t)][:, col] = g._data.ravel()
            col += 1
    return [cols.get(id(t)) if isinstance(t, Tensor) else None for t in inputs]


def gradcheck(fn: Callable, inputs: Sequence[Tensor] | Tensor, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3) -> bool:
    """Compare autograd's Jacobian with central differences. Returns True, or raises
    ``GradcheckError`` naming the worst element. Inputs should be float64."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    for t in inputs:
        if isinstance(t, Tensor) and t.requires_grad and t.dtype != np.float64:
            raise ValueError(f"gradcheck: inputs should be float64 for meaningful finite "
                             f"differences, got {t.dtype}; use .double()")
    analytic = _analytic_jacobian(fn, inputs)
    numeric = _numerical_jacobian(fn, inputs, eps)
    for k, (a, n) in enumerate(zip(analytic, numeric)):
        if a is None:
            continue
        err = np.abs(a - n) - (atol + rtol * np.abs(n))
        if err.size and err.max() > 0:
            i, j = np.unravel_index(np.argmax(err), err.shape)
            raise GradcheckError(
                f"gradcheck: Jacobian mismatch for input {k} (shape {tuple(inputs[k].shape)}), "
                f"input element {tuple(map(int, np.unravel_index(i, inputs[k].shape)))} and "
                f"output element {j}: analytic {a[i, j]:.8g} vs numerical {n[i, j]:.8g} "
                f"(|diff| {abs(a[i, j] - n[i, j]):.3g})")
    return True


def gradgradcheck(fn: Callable, inputs: Sequence[Tensor] | Tensor,
                  grad_outputs: Sequence[Tensor] | None = None, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0) -> bool:
    """Check second derivatives: the gradient of ``fn`` (computed with
    ``create_graph=True``) must itself pass ``gradcheck`` w.r.t. the inputs and the
    upstream gradients. Random upstream gradients are used when none are given."""
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = [Tensor(rng.standard_normal(o.shape), requires_grad=True)
                        for o in _flat_outputs(fn(*inputs))]
    grad_outputs = list(grad_outputs)
    n_in = len(inputs)

    def first_derivative(*args: Tensor) -> tuple:
        ins, upstream = args[:n_in], args[n_in:]
        outs = _flat_outputs(fn(*ins))
        wrt = [t for t in ins if isinstance(t, Tensor) and t.requires_grad]
        return grad(outs, wrt, grad_outputs=list(upstream), create_graph=True,
                    allow_unused=True)

    return gradcheck(first_derivative, (*inputs, *grad_outputs), eps, atol, rtol)


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytic and numerical gradients disagree."""
