"""tinygrad_edu: a small, readable reverse-mode autodiff framework on NumPy.

    import tinygrad_edu as te
    x = te.tensor([2.0], requires_grad=True)
    y = (x * x).sum(); y.backward(); x.grad   # tensor([4.])
"""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

# NumPy's floating-point RuntimeWarnings (inf − inf, 0·inf, log 0 …) never leave the
# library: torch returns inf/nan there silently. The ops with rare special cases use
# np.errstate; the hot ones (add, mul, linear, …) would pay ~1 µs per call for it, so a
# filter scoped to this package's own modules silences them at no cost (the tests turn
# the same warnings into errors to find the ops that still need an errstate).
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"tinygrad_edu(\.|$)")

from .tensor import Tensor, where  # noqa: E402  (must come first: defines Tensor)
from .tensor import _to_common_dtype
from .autograd import (Function, detect_anomaly, enable_grad, grad, is_grad_enabled,
                       no_grad, set_grad_enabled)
from .functions import Cat, Einsum, Stack
from .functions.linalg import parse_einsum
from .dtypes import from_numpy as _dtype_of
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed,
                     seed, set_rng_state)
from .creation import *  # noqa: F401,F403,E402
from .device import accelerator, backends, cuda, device  # noqa: E402
from .dtypes import dtype, finfo, get_default_dtype, iinfo, set_default_dtype  # noqa: E402
from .tensor import Size  # noqa: E402
from . import data, func, nn, optim, train, viz  # noqa: E402
from .train import fit, plot_history  # noqa: E402
from .serialization import *  # noqa: F401,F403,E402


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension."""
    return Cat.apply(*_to_common_dtype(tensors), dim=dim)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along a new dimension."""
    return Stack.apply(*_to_common_dtype(tensors), dim=dim)


def einsum(equation: str, *operands: Tensor) -> Tensor:
    """Sums of products named by subscripts: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``,
    ``"bij,bjk->bik"`` a batched product, ``"i,i->"`` a dot product, ``"ij->ji"`` a
    transpose. Each letter names a dimension; letters missing from the output are
    summed over."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ins, out = parse_einsum(equation, [t.ndim for t in operands])
    dtypes = {t._data.dtype for t in operands}
    if len(dtypes) > 1:
        raise RuntimeError(f"einsum(): expected all operands to have the same dtype, got "
                           f"{', '.join(sorted(str(_dtype_of(d)) for d in dtypes))}")
    return Einsum.apply(*operands, ins=tuple(ins), out=out)


def _method(name: str):
    def fn(input: Tensor, *args: Any, **kwargs: Any) -> Any:
        return getattr(input, name)(*args, **kwargs)
    fn.__name__ = name
    fn.__doc__ = f"``te.{name}(input, ...)`` is ``input.{name}(...)``."
    return fn


for _name in ("exp log sqrt abs sin cos tanh sigmoid relu sum mean max min var std "
              "logsumexp softmax log_softmax matmul reshape flatten transpose permute "
              "squeeze unsqueeze argmax argmin clamp maximum minimum "
              "add sub mul div pow neg log2 log10 log1p expm1 exp2 square rsqrt reciprocal "
              "sign floor ceil round trunc frac remainder fmod lerp nan_to_num isnan isinf "
              "isfinite isclose allclose equal all any count_nonzero nonzero prod cumsum "
              "cumprod amax amin aminmax norm median sort argsort topk unique flip roll "
              "tile repeat_interleave narrow select unbind index_select gather "
              "take_along_dim masked_select scatter scatter_add t mm bmm mv dot outer addmm "
              "baddbmm histc histogram bincount numel is_floating_point").split():
    globals()[_name] = _method(_name)
for _name in ("tril", "triu", "masked_fill", "split", "chunk"):     # what a GPT needs
    globals()[_name] = _method(_name)
del _name

__version__ = "0.1.0"

# the dtype names last: ``float``, ``int`` and ``bool`` shadow the builtins in this module
from .dtypes import NAMES as _DTYPE_NAMES  # noqa: E402
globals().update(_DTYPE_NAMES)
bool_ = _DTYPE_NAMES["bool"]
