"""``einsum``: sums of products named by subscripts (``"ij,jk->ik"``)."""
from __future__ import annotations

from collections import Counter

import numpy as np

from ..autograd.function import Function
from ..autograd.function import tangent_sum
from ..tensor import Tensor


def parse_einsum(equation: str, ndims: list[int]) -> tuple[list[str], str]:
    """The operands' subscripts and the output's, made explicit (without ``->`` the
    output is the letters used once, in alphabetical order, as torch and NumPy)."""
    eq = equation.replace(" ", "")
    if "." in eq:
        raise NotImplementedError("einsum: '...' (ellipsis) subscripts are not supported; "
                                  "name every dimension with a letter")
    lhs, arrow, out = eq.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(ndims):
        raise ValueError(f"einsum(): {len(ins)} operands in the equation {equation!r}, "
                         f"but {len(ndims)} tensors given")
    for k, (s, n) in enumerate(zip(ins, ndims)):
        if not s.isalpha() or len(s) != n:
            raise ValueError(f"einsum(): the subscript {s!r} of operand {k} does not match "
                             f"its {n} dimensions")
        if len(set(s)) != len(s):
            raise NotImplementedError(f"einsum: repeated subscripts within one operand "
                                      f"({s!r}, a diagonal) are not supported")
    counts = Counter("".join(ins))
    if not arrow:
        out = "".join(sorted(c for c, n in counts.items() if n == 1))
    if not set(out) <= set(counts) or len(set(out)) != len(out):
        raise ValueError(f"einsum(): output subscripts {out!r} must be distinct letters "
                         f"used by the operands")
    return ins, out


class Einsum(Function):
    """z = Σ over the letters missing from the output of Πₖ aₖ[subscriptsₖ]; each
    input's gradient is one more einsum."""
    formula = "∂L/∂aₖ = einsum(∂L/∂z, other operands → subscripts of aₖ)"
    torch_name = "ViewBackward0"

    @staticmethod
    def forward(ctx: Function, *arrays: np.ndarray, ins: tuple = (),
                out: str = "") -> np.ndarray:
        ctx.ins, ctx.out = ins, out
        ctx.save_for_backward(*arrays)
        return np.einsum(",".join(ins) + "->" + out, *arrays, optimize=len(arrays) > 2)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        arrays = ctx.saved_tensors
        grads = []
        for k, need in enumerate(ctx.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            others = [a for i, a in enumerate(arrays) if i != k]
            subs = [s for i, s in enumerate(ctx.ins) if i != k]
            # a ones array with aₖ's shape brings in the letters only aₖ has (summed in z,
            # so each of them receives the same gradient)
            ones = np.ones(arrays[k].shape, grad._data.dtype)
            grads.append(Einsum.apply(grad, *others, ones,
                                      ins=(ctx.out, *subs, ctx.ins[k]), out=ctx.ins[k]))
        return tuple(grads)

    jvp_formula = "ż = Σₖ einsum(a₁, …, ȧₖ, …, aₙ)  (multilinear)"

    @staticmethod
    def jvp(ctx: Function, *tangents: Tensor | None) -> Tensor | None:
        primals = ctx.primals
        return tangent_sum(*(None if t is None else
                             Einsum.apply(*primals[:k], t, *primals[k + 1:], **ctx._kwargs)
                             for k, t in enumerate(tangents)))


__all__ = ["Einsum", "parse_einsum"]
